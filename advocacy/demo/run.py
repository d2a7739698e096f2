"""`advocacy demo`: the whole pipeline, offline, on the demo news web."""
from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from advocacy.config import Settings
from advocacy.pipeline import Workspace, run_brief, run_crawl, run_enrich, run_index

EXAMPLE_SEARCHES = (
    ("en", "volunteer doctors refugees free surgery"),
    ("fr", "médecins bénévoles réfugiés consultations gratuites"),
)


def run_demo(settings: Settings, *, echo: Callable[[str], None] = print) -> dict[str, Path]:
    """Serve the demo web, crawl it with the real crawler, enrich, index, search, and write a policy paper.

    The outlets keep the same host names on every run (the crawler reaches them through the demo server
    acting as its proxy), so a second run finds nothing new and stores nothing twice.
    """
    from advocacy.crawler import parse_sources
    from advocacy.demo.web import DemoWeb

    workspace = Workspace(settings.data_dir)
    workspace.data_dir.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}
    started = time.monotonic()
    with DemoWeb(virtual_hosts=True) as web:
        sources_path = workspace.data_dir / "demo-sources.toml"
        sources_path.write_text(web.sources_toml(), encoding="utf-8")
        echo(f"Demo news web: {len(web.outlets)} outlets served by {web.proxy_url} "
             f"(sources written to {sources_path})")
        echo("Crawling…")
        report = run_crawl(settings, outlets=parse_sources(sources_path.read_text(encoding="utf-8")),
                           on_outcome=lambda o: echo(f"  {o.status:<11} {o.url}"), http_proxy=web.proxy_url,
                           download_delay=0.0, concurrent_requests_per_domain=8)
        timings["crawl"] = time.monotonic() - started
    counts = report.counts()
    echo("Crawl: " + (", ".join(f"{n} {s.replace('_', '-')}" for s, n in sorted(counts.items())) or "nothing new"))

    mark = time.monotonic()
    echo("Enriching…")
    run_enrich(settings, on_batch=lambda done, total: echo(f"  enriched {done}/{total}"))
    timings["enrich"] = time.monotonic() - mark
    mark = time.monotonic()
    run_index(settings)
    timings["index"] = time.monotonic() - mark

    from advocacy.index import SearchFilters, open_store

    store = open_store(settings.store_url)
    try:
        echo(f"\nIndexed articles: {store.count()}")
        for field in ("outlet", "theme", "language"):
            facets = store.facets(field)
            echo(f"  by {field}: " + ", ".join(f"{value} {n}" for value, n in facets.items()))
        for language, query in EXAMPLE_SEARCHES:
            result = store.search(query, filters=SearchFilters(languages=[language]), limit=3)
            echo(f"\nSearch ({language}) {query!r}: {result.total} result{'s' if result.total != 1 else ''}")
            for hit in result.hits:
                echo(f"  - {hit.title} ({hit.outlet_name}, {(hit.published_at or 'undated')[:10]})")
                echo(f"    {hit.snippet[:160]}")
    finally:
        store.close()

    mark = time.monotonic()
    written = {}
    for fmt in ("md", "docx"):
        written[fmt] = run_brief(settings, template="policy-paper", fmt=fmt,
                                          out_path=workspace.briefs_dir / f"demo-policy-paper.{fmt}",
                                          filters=SearchFilters())
    timings["brief"] = time.monotonic() - mark
    echo("\nPolicy paper written to:")
    for path in written.values():
        echo(f"  {path}")
    echo("\nTimings: " + ", ".join(f"{stage} {seconds:.1f}s" for stage, seconds in timings.items())
         + f"; total {time.monotonic() - started:.1f}s")
    return written
