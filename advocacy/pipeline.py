"""The staged flow: crawl → enrich → index, each stage picking up the articles that are behind it.

Every stage commits its work in small batches, so a stage killed at any moment resumes where it stopped
and never writes anything twice.
"""
from __future__ import annotations

from collections.abc import Callable
from contextlib import closing, nullcontext
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

    @property
    def feeds_dir(self) -> Path:
        """One Atom feed per saved search, written by `advocacy alerts run`."""
        return self.data_dir / "feeds"

    @property
    def theme_model_path(self) -> Path:
        """The learned theme scorer, written by `advocacy tags retrain`."""
        return self.data_dir / "models" / "themes.npz"

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


def run_enrich(settings: Settings, *, batch_size: int = 32, enricher=None,
               on_batch: Callable[[int, int], None] | None = None) -> int:
    """Enrich every collected article; returns how many were enriched. ``on_batch(done, total)`` reports."""
    workspace = Workspace(settings.data_dir)
    with workspace.ledger() as ledger:
        total = ledger.counts()["by_stage"]["collected"]
        if total == 0:
            return 0
        owned = enricher is None
        enricher = enricher or _enricher(settings)
        try:
            return _enrich_batches(ledger, enricher, batch_size=batch_size, total=total, on_batch=on_batch)
        finally:
            if owned:
                enricher.close()


def _enrich_batches(ledger, enricher, *, batch_size: int, total: int, on_batch) -> int:
    done = 0
    while batch := ledger.behind("collected", limit=batch_size):
        results = enricher.enrich([article for article, _ in batch])
        with ledger.transaction():
            for article, vectors in results:
                # Analysts' verdicts outlive every re-enrichment.
                corrections = ledger.corrections_for(article.id)
                if corrections:
                    enricher.correct(article, vectors, corrections)
                ledger.save(article, vectors=vectors)
        done += len(results)
        if on_batch:
            on_batch(done, total)
    return done


def run_index(settings: Settings, *, batch_size: int = 256, on_batch: Callable[[int, int], None] | None = None) -> int:
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
                for article, _ in batch:
                    article.stage = "indexed"
                store.upsert_many(batch)
                # Marked only after the store holds them: a kill in between re-upserts, which is harmless.
                ledger.set_stage([article.id for article, _ in batch], "indexed")
                done += len(batch)
                if on_batch:
                    on_batch(done, total)
        finally:
            store.close()
        return done


def run_brief(settings, *, template: str, fmt: str, out_path: Path | None, filters, title=None,
              on_verified: Callable | None = None, on_redacted: Callable[[int], None] | None = None,
              inputs: Path | None = None, citations: str | None = None, cite: list[str] | None = None) -> Path:
    """Render ``template`` with evidence from the index and write it as ``fmt``; returns the path.

    ``inputs`` is the author's file (position, arguments, asks, recommendations; see
    :mod:`advocacy.briefs.inputs`); ``citations`` a citation style, else ``[briefs] citation_style``.
    ``cite`` holds the ids of articles the author chose: the brief cites each, whatever the filters (see
    :func:`advocacy.briefs.build_context`).
    The quotes and figures of the cited articles are checked against their stored text first;
    ``on_verified`` receives the :class:`~advocacy.briefs.verification.Verification` (counts, dropped items).
    Private people's names are then withheld from everything placed (``[briefs] redact_private_names``);
    ``on_redacted`` receives how many were. Charts the template places are written beside a Markdown brief
    and embedded in the other formats."""
    from advocacy.briefs import (BriefRequest, InputsError, ThemeInfo, build_context, default_output_name,
                                 load_inputs, render_markdown, template_variables, write_brief)
    from advocacy.briefs.charts import placed_images
    from advocacy.briefs.citations import CITATION_STYLES
    from advocacy.briefs.redaction import policy_from_settings, redact_placed_items
    from advocacy.briefs.render import chart_prefix, with_verified_items
    from advocacy.briefs.verification import MODES, verify_sources
    from advocacy.index import open_store
    from advocacy.nlp import load_taxonomy

    mode = settings.get("briefs", "unverifiable").strip().lower()
    if mode not in MODES:
        raise ConfigError(f"briefs.unverifiable must be one of {', '.join(MODES)}, not "
                          f"{settings.get('briefs', 'unverifiable')!r}")
    style = (citations or settings.get("briefs", "citation_style")).strip().lower()
    if style not in CITATION_STYLES:
        raise ConfigError(f"briefs.citation_style must be one of {', '.join(CITATION_STYLES)}, not "
                          f"{citations or settings.get('briefs', 'citation_style')!r}")
    diversity = settings.get("briefs", "mmr_lambda")
    if not 0 <= diversity <= 1:
        raise ConfigError(f"briefs.mmr_lambda must be between 0 and 1, not {diversity!r}")
    taxonomy = load_taxonomy(settings.path_or_none("nlp", "themes_file"))
    wanted = filters.themes
    themes = [ThemeInfo(t.key, t.label_in("en"), t.description.get("en", "")) for t in taxonomy
              if not wanted or t.key in wanted]
    if wanted and len(themes) != len(set(wanted)):
        raise ConfigError(f"unknown theme in {', '.join(wanted)}; known: {', '.join(t.key for t in taxonomy)}")
    author = load_inputs(inputs) if inputs else None
    for argument in author.arguments if author else ():
        if argument.theme and argument.theme not in {t.key for t in taxonomy}:
            raise InputsError(f"inputs file {inputs}: unknown theme {argument.theme!r} in argument "
                              f"“{argument.claim[:60]}”; known: {', '.join(t.key for t in taxonomy)}")
    extra_dir = settings.path_or_none("briefs", "templates_dir")
    # Known before gathering anything, so a brief only searches for (and cites) what its template shows.
    needs = template_variables(template, extra_dir=extra_dir)
    out_path = out_path or Workspace(settings.data_dir).briefs_dir / default_output_name(template, fmt)
    policy = policy_from_settings(redact=settings.get("briefs", "redact_private_names"),
                                  allow=settings.get("briefs", "redaction_allow"))
    filters.themes = []
    store = open_store(settings.store_url)
    try:
        request = BriefRequest(themes=themes, filters=filters,
                               evidence_per_theme=settings.get("briefs", "evidence_per_theme"), redaction=policy,
                               inputs=author, citation_style=style, diversity=diversity,
                               chart_prefix=chart_prefix(out_path), needs=needs,
                               digest_days=settings.get("briefs", "digest_days"),
                               top_stories=settings.get("briefs", "top_stories"), chosen_articles=list(cite or []))
        if title:
            request.title = title
        context = build_context(store, request)
        # Verified on the words as published, then redacted for printing.
        verification = verify_sources(context["sources"], load=store.get, mode=mode)
        withheld = context["redactions"] + redact_placed_items(
            [*verification.quotes, *verification.figures], store.get, policy=policy)
    finally:
        store.close()
    if on_verified:
        on_verified(verification)
    if on_redacted:
        on_redacted(withheld)
    context = with_verified_items(context, verification)
    markdown = render_markdown(template, context, extra_dir=extra_dir)
    return write_brief(markdown, out_path, format=fmt, title=context["title"],
                       images=placed_images(context["charts"], markdown))


def _enricher(settings: Settings, *, learned: bool | None = None):
    """The configured enricher. By default it scores themes with the learned model, fitting one from the
    labelled dev split (and any corrections) the first time, or when the embedding model changed; ``learned``
    False forces the rule scorer, True refuses to fit one silently."""
    from advocacy.nlp import Enricher, NlpError

    model = Workspace(settings.data_dir).theme_model_path
    if learned is not False and not _model_fits(model, settings):
        if learned:
            raise NlpError(f"no trained theme model for {settings.get('nlp', 'embedding_model')} in {model.parent}; "
                           "run `advocacy tags retrain` first")
        run_retrain(settings, retag=False)
    return Enricher.from_settings(settings, theme_model=model if learned is not False else None)


def _model_fits(path: Path, settings: Settings) -> bool:
    """True when a learned theme model exists and was fitted on the vectors the configured embedding model
    gives with the configured precision and token limit."""
    from advocacy.nlp import LearnedScorer, NlpError
    from advocacy.nlp.embeddings import encoder_key

    if not path.exists():
        return False
    nlp = settings.table["nlp"]
    wanted = encoder_key(nlp["embedding_model"], precision=nlp["precision"], max_tokens=nlp["max_tokens"],
                         device=nlp["device"])
    try:
        return LearnedScorer.load(path).info.get("embedding_model") == wanted
    except NlpError:
        return False


def resolve_article_id(ledger: Ledger, prefix: str) -> str:
    from advocacy.nlp import NlpError

    matches = [i for i in ledger.ids() if i.startswith(prefix.lower())]
    if not matches:
        raise NlpError(f"no article with id {prefix!r}; find ids with `advocacy search`")
    if len(matches) > 1:
        raise NlpError(f"{prefix!r} matches {len(matches)} articles; give more characters")
    return matches[0]


def run_correct(settings: Settings, article_prefix: str, theme: str, verdict: bool, *, note: str = "") -> dict:
    """Record an analyst's verdict on a theme of an article and apply it to the stored article at once."""
    from advocacy.nlp import NlpError, load_taxonomy

    known = [t.key for t in load_taxonomy(settings.path_or_none("nlp", "themes_file"))]
    if theme not in known:
        raise NlpError(f"unknown theme {theme!r}; known themes: {', '.join(known)}")
    with Workspace(settings.data_dir).ledger() as ledger:
        article_id = resolve_article_id(ledger, article_prefix)
        ledger.add_correction(article_id, theme, verdict, note=note)
        article = ledger.get(article_id)
        if article.stage == "collected":
            return {"article": article_id, "applied": "when the article is enriched"}
        enricher = _enricher(settings)
        enricher.correct(article, ledger.get_vectors(article_id), ledger.corrections_for(article_id))
        if article.stage == "indexed":
            article.stage = "enriched"  # the index learns of it at the next `advocacy index`
        ledger.save(article)
    return {"article": article_id, "applied": "now", "themes": [t.theme for t in article.themes]}


def run_retrain(settings: Settings, *, with_labelled_set: bool = True, retag: bool = True,
                on_batch: Callable[[int, int], None] | None = None) -> dict:
    """Fit the learned theme scorer on the labelled dev split and the analysts' corrections, save it, and
    re-tag the stored articles with it (corrections still win)."""
    from advocacy.nlp import CORRECTION_WEIGHT
    from advocacy.nlp.evaluation import load_labelled

    workspace = Workspace(settings.data_dir)
    enricher = _enricher(settings, learned=False)
    themes = [t.key for t in enricher.tagger.themes]
    examples = []
    labelled = load_labelled(split="dev") if with_labelled_set else []
    for item, (passages, vectors) in zip(labelled, enricher.embed_texts([(i.title, i.text) for i in labelled])):
        examples.append(enricher.training_example(title=item.title, passages=passages, vectors=vectors,
                                                  labels={t: t in item.labels for t in themes}))
    with workspace.ledger() as ledger:
        corrections = ledger.corrections()
        for article_id, verdicts in corrections.items():
            article, vectors = ledger.get(article_id), ledger.get_vectors(article_id)
            if article is None or vectors is None:
                continue
            examples.append(enricher.training_example(title=article.title, passages=article.passages,
                                                      vectors=vectors, labels=verdicts, weight=CORRECTION_WEIGHT))
    if not examples:
        from advocacy.nlp import NlpError

        raise NlpError("nothing to learn from: no labelled texts and no corrections yet")
    scorer = enricher.train(examples)
    scorer.save(workspace.theme_model_path)
    retagged = _retag_all(workspace, enricher, on_batch=on_batch) if retag else 0
    return {"model": str(workspace.theme_model_path), "labelled_texts": len(labelled),
            "corrected_articles": len(corrections), "themes": scorer.info["examples"], "retagged": retagged}


def _retag_all(workspace: Workspace, enricher, *, on_batch=None, batch_size: int = 200) -> int:
    with workspace.ledger() as ledger:
        ids = [a.id for a in ledger.iter_articles() if a.stage != "collected"]
        for start in range(0, len(ids), batch_size):
            with ledger.transaction():
                for article_id in ids[start:start + batch_size]:
                    article, vectors = ledger.get(article_id), ledger.get_vectors(article_id)
                    if vectors is None:
                        continue
                    enricher.retag(article, vectors, corrections=ledger.corrections_for(article_id))
                    if article.stage == "indexed":
                        article.stage = "enriched"
                    ledger.save(article)
            if on_batch:
                on_batch(min(start + batch_size, len(ids)), len(ids))
        return len(ids)


def run_tag_jsonl(settings: Settings, in_path: Path, out_path: Path, *, batch_size: int = 64,
                  on_batch: Callable[[int, int], None] | None = None) -> int:
    """Tag lines {"id", "title", "text"} into lines {"id", "labels", "scores", "reasons"}; no store needed."""
    import json

    from advocacy.nlp import NlpError

    items = []
    for number, line in enumerate(in_path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            items.append((str(data["id"]), str(data.get("title") or ""), str(data["text"])))
        except (ValueError, KeyError, TypeError) as exc:
            raise NlpError(f"{in_path}, line {number}: expected a JSON object with \"id\" and \"text\" ({exc})") from None
    enricher = _enricher(settings)
    threshold = enricher.tagger.threshold
    out_path.parent.mkdir(parents=True, exist_ok=True)
    temporary = out_path.with_name(out_path.name + ".part")
    with open(temporary, "w", encoding="utf-8") as out:
        for start in range(0, len(items), batch_size):
            chunk = items[start:start + batch_size]
            for (item_id, _, _), scored in zip(chunk, enricher.tag_texts([(t, x) for _, t, x in chunk])):
                out.write(json.dumps({
                    "id": item_id, "labels": [t.theme for t in scored if t.score >= threshold],
                    "scores": {t.theme: t.score for t in scored},
                    "reasons": {t.theme: {"reason": t.reason, "terms": t.matched_terms}
                                for t in scored if t.score >= threshold}}, ensure_ascii=False) + "\n")
            if on_batch:
                on_batch(min(start + batch_size, len(items)), len(items))
    temporary.replace(out_path)
    return len(items)


def run_eval_tags(settings: Settings, *, split: str = "test", paths: list[Path] | None = None,
                  scorer: str = "auto") -> tuple[dict, str]:
    """Per-theme precision/recall/F1 per language on a labelled split; returns (report, scorer used)."""
    from advocacy.nlp.evaluation import load_labelled, score_predictions

    learned = {"auto": None, "rules": False, "learned": True}[scorer]
    enricher = _enricher(settings, learned=learned)
    themes = [t.key for t in enricher.tagger.themes]
    items = load_labelled(paths, split=split, themes=set(themes))
    threshold = enricher.tagger.threshold
    scored = enricher.tag_texts([(i.title, i.text) for i in items])
    predicted = {item.id: {t.theme for t in s if t.score >= threshold} for item, s in zip(items, scored)}
    return score_predictions(items, predicted, themes), enricher.tagger.scorer.name


def query_wording(query: str) -> str:
    """The words a query asks for, as written (not its fields or operators): what search by meaning embeds.
    A malformed query raises QuerySyntaxError."""
    from advocacy.index.query import parse, text_terms

    return " ".join(text_terms(parse(query), wildcards=False, as_written=True))


def query_encoder(settings: Settings):
    """The configured embedding model, to embed queries with."""
    from advocacy.nlp import Encoder

    nlp = settings.table["nlp"]
    return Encoder(nlp["embedding_model"], device=nlp["device"], allow_download=nlp["allow_download"],
                   precision=nlp["precision"], max_tokens=nlp["max_tokens"])


def run_search(settings: Settings, query: str, *, filters=None, mode: str = "hybrid", limit: int = 10,
               offset: int = 0, encoder=None, store=None):
    """Search the index (``store`` when given, left open). Semantic and hybrid modes embed the words the
    query asks for, as written (not its fields or operators), with the configured model. A malformed query
    raises QuerySyntaxError at once, before any model is loaded."""
    from advocacy.index import open_store

    vector = None
    wording = query_wording(query)
    if mode != "keyword" and wording:
        encoder = encoder or query_encoder(settings)
        vector = encoder.encode([wording])[0]
    with nullcontext(store) if store is not None else closing(open_store(settings.store_url)) as searched:
        return searched.search(query, filters=filters, limit=limit, offset=offset, vector=vector, mode=mode)


def status(settings: Settings) -> dict:
    workspace = Workspace(settings.data_dir)
    if not workspace.ledger_path.exists():
        counts = {"articles": 0, "by_stage": {"collected": 0, "enriched": 0, "indexed": 0}, "pages": {}}
    else:
        with workspace.ledger() as ledger:
            counts = ledger.counts()
    counts["data_dir"] = str(workspace.data_dir)
    return counts
