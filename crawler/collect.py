"""What happens to a fetched page: archive it, extract it, judge it, deduplicate it, store it.

Archiving comes first and is recorded at once (page status "fetched"), so a crawl killed at any moment
can finish the page later from the archive instead of fetching it again. Extraction is the expensive part;
it is a plain function of the page so that it can run in worker processes.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

from advocacy.article import Article, article_id, content_hash
from advocacy.crawler.archive import RawPage, WarcArchive
from advocacy.crawler.extract import Extracted, extract_article, parse_date
from advocacy.crawler.relevance import RelevanceFilter
from advocacy.crawler.sources import Outlet
from advocacy.crawler.stories import SAME_STORY_SIMILARITY, band_keys, signature
from advocacy.ledger import Ledger

KEEP_CHOICES = ("relevant", "all")


@dataclass
class FetchedPage:
    url: str
    outlet: str
    status: int
    headers: dict[str, str]
    body: bytes
    html: str
    discovered_via: str
    feed_date: datetime | None = None
    sitemap_date: datetime | None = None
    refresh: bool = False       # fetched again because its feed or sitemap says it changed


@dataclass
class Outcome:
    status: str            # a ledger page status, or "known" when the page is a stored article's own URL
    url: str
    title: str = ""
    reason: str = ""
    article_id: str | None = None


@dataclass
class CollectContext:
    """Everything a crawl needs, opened once by the runner and shared by the spider and the pipeline."""
    outlets: dict[str, Outlet]
    ledger: Ledger
    archive: WarcArchive
    relevance: RelevanceFilter
    min_chars: int = 400
    languages: tuple[str, ...] = ("en", "fr", "ar")
    crawl_depth: int = 1
    keep: str = "relevant"
    outcomes: list[Outcome] = field(default_factory=list)
    on_outcome: object = None  # callable(Outcome) for progress display

    def report(self, outcome: Outcome) -> Outcome:
        self.outcomes.append(outcome)
        if self.on_outcome:
            self.on_outcome(outcome)
        return outcome


@dataclass
class ExtractionJob:
    """The picklable input of extraction, sent to a worker process."""
    html: str
    url: str
    feed_date: datetime | None
    sitemap_date: datetime | None
    fetched_at: datetime
    min_chars: int
    languages: tuple[str, ...]


def run_extraction(job: ExtractionJob) -> Extracted:
    return extract_article(job.html, url=job.url, feed_date=job.feed_date, sitemap_date=job.sitemap_date,
                           fetched_at=job.fetched_at, min_chars=job.min_chars, languages=job.languages)


def archive_page(page: FetchedPage, context: CollectContext) -> dict:
    """Archive the raw response and record the page as fetched; returns the archive location."""
    location = context.archive.write(RawPage(page.url, page.status, page.headers, page.body))
    context.ledger.record_page(
        page.url, outlet=page.outlet, status="fetched", archive=location, http_status=page.status,
        discovered_via=page.discovered_via,
        feed_date=page.feed_date.isoformat() if page.feed_date else None,
        sitemap_date=page.sitemap_date.isoformat() if page.sitemap_date else None)
    return location


def extraction_job(page: FetchedPage, context: CollectContext) -> ExtractionJob:
    return ExtractionJob(html=page.html, url=page.url, feed_date=page.feed_date, sitemap_date=page.sitemap_date,
                         fetched_at=datetime.now(timezone.utc), min_chars=context.min_chars,
                         languages=context.languages)


def decide(page: FetchedPage, extracted: Extracted, location: dict, context: CollectContext) -> Outcome:
    """Judge an extracted page and record the decision: not an article, off-topic, a copy, or a new story."""
    outlet = context.outlets[page.outlet]
    ledger = context.ledger

    def settle(status: str, reason: str = "", article: str | None = None) -> Outcome:
        ledger.record_page(page.url, outlet=outlet.key, status=status, reason=reason, article=article,
                           archive=location, http_status=page.status)
        return Outcome(status, page.url, extracted.title, reason, article)

    if not extracted.is_article:
        return settle("not_article", extracted.why_not_article)
    relevance = context.relevance.score(title=extracted.title, text=extracted.text)
    relevant = context.relevance.is_relevant(relevance)
    if not relevant and context.keep != "all":
        return settle("off_topic", f"relevance {relevance.score:.1f} < {context.relevance.threshold:g}")

    # The canonical URL names the story when the outlet declares one of its own; a canonical pointing to
    # another site is an assertion we cannot check, and one pointing to the home page, a feed or a sitemap
    # (a template's default, left unset) would make every story of the outlet one and the same: in both
    # cases the fetched URL is used instead.
    declared = extracted.canonical_url
    canonical = declared if outlet.owns(declared) and not outlet.endpoint_kind(declared) else page.url
    story_id = article_id(canonical)
    text_hash = content_hash(extracted.text)
    fingerprint = signature(extracted.text)
    keys = band_keys(fingerprint) if fingerprint is not None else None
    existing = ledger.find_duplicate(ids=[story_id, article_id(page.url)], content_hash=text_hash,
                                     signature=fingerprint, band_keys=keys, threshold=SAME_STORY_SIMILARITY)
    if existing == story_id:
        stored = ledger.get(story_id)
        if page.refresh and stored is not None and stored.content_hash != text_hash:
            return _update(stored, extracted, text_hash, fingerprint, keys, location, settle, ledger)
        with ledger.transaction():
            ledger.add_duplicate_url(story_id, page.url)
            outcome = settle("stored", "another URL of a stored article", story_id)
        outcome.status = "known"
        return outcome
    if existing:
        with ledger.transaction():
            original = ledger.get(existing)
            ledger.add_duplicate_url(existing, page.url,
                                     outlet=outlet.key if original and original.outlet != outlet.key else None)
            return settle("duplicate", "same story as a stored article", existing)

    article = Article(
        id=story_id, url=page.url, canonical_url=canonical, outlet=outlet.key, outlet_name=outlet.name,
        country=outlet.country, discovered_via=page.discovered_via, title=extracted.title, text=extracted.text,
        authors=extracted.authors, published_at=extracted.published_at,
        published_at_source=extracted.published_at_source,
        fetched_at=datetime.now(timezone.utc).isoformat(timespec="seconds"), language=extracted.language,
        content_hash=text_hash, relevance={**relevance.as_dict(), "relevant": relevant}, archive=location,
        stage="collected")
    with ledger.transaction():
        ledger.add_article(article, signature=fingerprint, band_keys=keys)
        if canonical != page.url:
            ledger.record_page(canonical, outlet=outlet.key, status="stored", reason="canonical URL",
                               article=story_id, archive=location, http_status=page.status)
        return settle("stored", "" if relevant else "kept although off-topic (keep = all)", story_id)


def _update(stored: Article, extracted: Extracted, text_hash: str, fingerprint, keys, location: dict, settle,
            ledger: Ledger) -> Outcome:
    """The outlet changed a stored story: keep its identity, replace its content, enrich it again."""
    stored.title, stored.text, stored.authors = extracted.title, extracted.text, extracted.authors or stored.authors
    stored.content_hash, stored.archive = text_hash, location
    stored.fetched_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    if extracted.published_at and stored.published_at_source in ("none", "url", "sitemap"):
        stored.published_at, stored.published_at_source = extracted.published_at, extracted.published_at_source
    with ledger.transaction():
        ledger.update_content(stored, signature=fingerprint, band_keys=keys)
        outcome = settle("stored", "updated by its outlet", stored.id)
    outcome.status = "updated"
    return outcome


def collect_page(page: FetchedPage, context: CollectContext) -> Outcome:
    """Archive, extract and decide in this process (imports, tests, re-runs over the archive)."""
    location = archive_page(page, context)
    return decide(page, run_extraction(extraction_job(page, context)), location, context)


def page_from_archive(pending: dict, context: CollectContext) -> FetchedPage:
    """Rebuild a fetched page from its archived response (a crawl stopped before deciding about it)."""
    from advocacy.crawler.charset import decode_html

    raw = context.archive.read({"file": pending["archive_file"], "offset": pending["archive_offset"]})
    html, _ = decode_html(raw.body, content_type=raw.headers.get("Content-Type"))
    return FetchedPage(url=pending["url"], outlet=pending["outlet"], status=raw.status, headers=raw.headers,
                       body=raw.body, html=html, discovered_via=pending["discovered_via"] or "",
                       feed_date=parse_date(pending["feed_date"]), sitemap_date=parse_date(pending["sitemap_date"]))


def finish_pending(context: CollectContext, *, workers: int = 0) -> list[Outcome]:
    """Decide about the pages an interrupted crawl archived but did not finish, from the archive."""
    pending = context.ledger.pending_pages()
    if not pending:
        return []
    pages = [page_from_archive(p, context) for p in pending]
    locations = [{"file": p["archive_file"], "offset": p["archive_offset"]} for p in pending]
    jobs = [extraction_job(page, context) for page in pages]
    if workers > 0 and len(jobs) > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("forkserver")) as pool:
            results = list(pool.map(run_extraction, jobs, chunksize=8))
    else:
        results = [run_extraction(job) for job in jobs]
    return [context.report(decide(page, extracted, location, context))
            for page, extracted, location in zip(pages, results, locations)]
