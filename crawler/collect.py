"""What happens to a fetched page: archive it, extract it, judge it, deduplicate it, store it.

A plain function, so the Scrapy pipeline stays a thin wrapper and re-extraction from the archive can run
the same steps without a crawler.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

from advocacy.article import Article, article_id, content_hash
from advocacy.crawler.archive import RawPage, WarcArchive
from advocacy.crawler.extract import extract_article
from advocacy.crawler.fingerprint import simhash
from advocacy.crawler.relevance import RelevanceFilter
from advocacy.crawler.sources import Outlet
from advocacy.ledger import Ledger


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
    outcomes: list[Outcome] = field(default_factory=list)
    on_outcome: object = None  # callable(Outcome) for progress display


def collect_page(page: FetchedPage, context: CollectContext) -> Outcome:
    outlet = context.outlets[page.outlet]
    ledger = context.ledger
    fetched_at = datetime.now(timezone.utc)
    location = context.archive.write(RawPage(page.url, page.status, page.headers, page.body))
    extracted = extract_article(page.html, url=page.url, feed_date=page.feed_date, sitemap_date=page.sitemap_date,
                                fetched_at=fetched_at, min_chars=context.min_chars, languages=context.languages)

    def settle(status: str, reason: str = "", article: str | None = None) -> Outcome:
        ledger.record_page(page.url, outlet=outlet.key, status=status, reason=reason, article=article,
                           archive=location, http_status=page.status)
        return Outcome(status, page.url, extracted.title, reason, article)

    if not extracted.is_article:
        return settle("not_article", extracted.why_not_article)
    relevance = context.relevance.score(title=extracted.title, text=extracted.text)
    if not context.relevance.is_relevant(relevance):
        return settle("off_topic", f"relevance {relevance.score:.1f} < {context.relevance.threshold:g}")

    # The canonical URL names the story when the outlet declares one of its own; a canonical pointing to
    # another site is an assertion we cannot check, so the fetched URL is used instead.
    canonical = extracted.canonical_url if outlet.owns(extracted.canonical_url) else page.url
    story_id = article_id(canonical)
    text_hash = content_hash(extracted.text)
    fingerprint = simhash(extracted.text)
    existing = ledger.find_duplicate(ids=[story_id, article_id(page.url)], content_hash=text_hash,
                                     simhash=fingerprint)
    if existing == story_id:
        with ledger.transaction():
            outcome = settle("stored", "another URL of a stored article", story_id)
        outcome.status = "known"
        return outcome
    if existing:
        with ledger.transaction():
            ledger.add_duplicate_url(existing, page.url)
            return settle("duplicate", "same story as a stored article", existing)

    article = Article(
        id=story_id, url=page.url, canonical_url=canonical, outlet=outlet.key, outlet_name=outlet.name,
        country=outlet.country, discovered_via=page.discovered_via, title=extracted.title, text=extracted.text,
        authors=extracted.authors, published_at=extracted.published_at,
        published_at_source=extracted.published_at_source, fetched_at=fetched_at.isoformat(timespec="seconds"),
        language=extracted.language, content_hash=text_hash, relevance=relevance.as_dict(), archive=location,
        stage="collected")
    with ledger.transaction():
        ledger.add_article(article, simhash=fingerprint)
        if canonical != page.url:
            ledger.record_page(canonical, outlet=outlet.key, status="stored", reason="canonical URL",
                               article=story_id, archive=location, http_status=page.status)
        return settle("stored", "", story_id)
