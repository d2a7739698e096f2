"""The staged flow: crawl → enrich → index, each stage picking up the articles that are behind it.

Every stage commits its work in small batches, so a stage killed at any moment resumes where it stopped
and never writes anything twice.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from advocacy.config import ConfigError, Settings
from advocacy.ledger import Ledger


@dataclass(frozen=True)
class Workspace:
    """Where each kind of data lives under the data directory."""
    data_dir: Path

    @property
    def ledger_path(self) -> Path:
        return self.data_dir / "ledger.db"

    @property
    def archive_dir(self) -> Path:
        return self.data_dir / "archive"

    @property
    def briefs_dir(self) -> Path:
        return self.data_dir / "briefs"

    def ledger(self) -> Ledger:
        return Ledger(self.ledger_path)


def crawl_options(settings: Settings, **overrides):
    from advocacy.crawler import CrawlOptions

    section = settings.table["crawler"]
    options = CrawlOptions(
        user_agent=section["user_agent"], obey_robots_txt=section["obey_robots_txt"],
        download_delay=section["download_delay"],
        concurrent_requests_per_domain=section["concurrent_requests_per_domain"],
        max_page_bytes=section["max_page_bytes"], timeout=section["timeout"], crawl_depth=section["crawl_depth"],
        min_article_chars=section["min_article_chars"], http_proxy=section["http_proxy"], keep=section["keep"],
        extract_workers=section["extract_workers"], max_attempts=section["max_attempts"],
        max_retry_after=float(section["max_retry_after"]))
    for key, value in overrides.items():
        setattr(options, key, value)
    return options


def run_crawl(settings: Settings, *, outlets=None, on_outcome: Callable | None = None, **option_overrides):
    """Crawl the configured outlets (or ``outlets``) once; returns the crawler's report."""
    from advocacy.crawler import RelevanceFilter, crawl, load_sources

    workspace = Workspace(settings.data_dir)
    if outlets is None:
        outlets = load_sources(settings.path_or_none("sources", "file"))
    relevance = RelevanceFilter.from_file(settings.path_or_none("crawler", "relevance_file"),
                                          threshold=settings.get("crawler", "relevance_threshold"))
    return crawl(outlets=outlets, ledger_path=workspace.ledger_path, archive_dir=workspace.archive_dir,
                 relevance=relevance, options=crawl_options(settings, **option_overrides), on_outcome=on_outcome)


def run_import(settings: Settings, paths: list[Path], *, outlet_key: str | None = None, url: str | None = None,
               on_outcome: Callable | None = None) -> list:
    """Import WARC files, URL lists and PDF reports; returns the outcomes. URL lists are fetched with the
    crawler (one crawl for all of them, so call this once per process)."""
    from advocacy.crawler import RelevanceFilter, WarcArchive, load_sources
    from advocacy.crawler.collect import CollectContext
    from advocacy.crawler.imports import (PDF_SUFFIXES, URL_LIST_SUFFIXES, ImportError_, import_pdf, import_warc,
                                          importable_files, read_url_list)
    from advocacy.crawler.runner import crawl

    files = importable_files(paths)
    if url and len(files) != 1:
        raise ImportError_("--url names the source of one PDF report; import one file at a time with it")
    workspace = Workspace(settings.data_dir)
    outlets = {o.key: o for o in load_sources(settings.path_or_none("sources", "file"))}
    relevance = RelevanceFilter.from_file(settings.path_or_none("crawler", "relevance_file"),
                                          threshold=settings.get("crawler", "relevance_threshold"))
    options = crawl_options(settings)
    outcomes, urls = [], []
    with workspace.ledger() as ledger:
        archive = WarcArchive(workspace.archive_dir)
        context = CollectContext(outlets=outlets, ledger=ledger, archive=archive, relevance=relevance,
                                 min_chars=options.min_article_chars, keep=options.keep, on_outcome=on_outcome)
        try:
            for path in files:
                name = path.name.lower()
                if name.endswith(PDF_SUFFIXES):
                    outcomes.append(import_pdf(path, context, url=url, outlet_key=outlet_key))
                elif name.endswith(URL_LIST_SUFFIXES):
                    urls.extend(read_url_list(path))
                else:
                    outcomes.extend(import_warc(path, context))
        finally:
            archive.close()
    if urls:
        report = crawl(outlets=list(outlets.values()), ledger_path=workspace.ledger_path,
                       archive_dir=workspace.archive_dir, relevance=relevance, options=options,
                       on_outcome=on_outcome, urls=list(dict.fromkeys(urls)))
        outcomes.extend(report.outcomes)
    return outcomes


def run_enrich(settings: Settings, *, batch_size: int = 16, enricher=None,
               on_batch: Callable[[int, int], None] | None = None) -> int:
    """Enrich every collected article; returns how many were enriched. ``on_batch(done, total)`` reports."""
    from advocacy.nlp import Enricher

    with Workspace(settings.data_dir).ledger() as ledger:
        total = ledger.counts()["by_stage"]["collected"]
        if total == 0:
            return 0
        enricher = enricher or Enricher.from_settings(settings)
        done = 0
        while batch := ledger.behind("collected", limit=batch_size):
            results = enricher.enrich([article for article, _ in batch])
            with ledger.transaction():
                for article, vectors in results:
                    ledger.save(article, vectors=vectors)
            done += len(results)
            if on_batch:
                on_batch(done, total)
        return done


def run_index(settings: Settings, *, batch_size: int = 64, on_batch: Callable[[int, int], None] | None = None) -> int:
    """Index every enriched article in the configured store; returns how many were indexed."""
    from advocacy.index import open_store

    with Workspace(settings.data_dir).ledger() as ledger:
        total = ledger.counts()["by_stage"]["enriched"]
        if total == 0:
            return 0
        store = open_store(settings.store_url)
        done = 0
        try:
            while batch := ledger.behind("enriched", limit=batch_size):
                for article, vectors in batch:
                    article.stage = "indexed"
                    store.upsert(article, vectors)
                # Marked only after the store holds them: a kill in between re-upserts, which is harmless.
                ledger.set_stage([article.id for article, _ in batch], "indexed")
                done += len(batch)
                if on_batch:
                    on_batch(done, total)
        finally:
            store.close()
        return done


def run_brief(settings, *, template: str, fmt: str, out_path: Path | None, filters, title=None) -> Path:
    """Render ``template`` with evidence from the index and write it as ``fmt``; returns the path."""
    from advocacy.briefs import (BriefRequest, ThemeInfo, build_context, default_output_name, render_markdown,
                                 write_brief)
    from advocacy.index import open_store
    from advocacy.nlp import load_taxonomy

    taxonomy = load_taxonomy(settings.path_or_none("nlp", "themes_file"))
    wanted = filters.themes
    themes = [ThemeInfo(t.key, t.label_in("en"), t.description.get("en", "")) for t in taxonomy
              if not wanted or t.key in wanted]
    if wanted and len(themes) != len(set(wanted)):
        raise ConfigError(f"unknown theme in {', '.join(wanted)}; known: {', '.join(t.key for t in taxonomy)}")
    filters.themes = []
    store = open_store(settings.store_url)
    try:
        request = BriefRequest(themes=themes, filters=filters,
                               evidence_per_theme=settings.get("briefs", "evidence_per_theme"))
        if title:
            request.title = title
        context = build_context(store, request)
    finally:
        store.close()
    markdown = render_markdown(template, context, extra_dir=settings.path_or_none("briefs", "templates_dir"))
    out_path = out_path or Workspace(settings.data_dir).briefs_dir / default_output_name(template, fmt)
    return write_brief(markdown, out_path, format=fmt, title=context["title"])


def status(settings: Settings) -> dict:
    workspace = Workspace(settings.data_dir)
    if not workspace.ledger_path.exists():
        counts = {"articles": 0, "by_stage": {"collected": 0, "enriched": 0, "indexed": 0}, "pages": {}}
    else:
        with workspace.ledger() as ledger:
            counts = ledger.counts()
    counts["data_dir"] = str(workspace.data_dir)
    return counts
