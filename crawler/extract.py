"""From a fetched HTML page to article fields: text and metadata, dates with their provenance, language.

Plain functions over strings, so extraction can be evaluated on a benchmark and redone on archived pages
without a crawler.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from urllib.parse import urljoin, urlsplit

import lxml.html
from dateutil import parser as dateparser

from advocacy.crawler.main_text import extract_main_text
from advocacy.text import detect_language

ARTICLE_TYPES = {"article", "newsarticle", "reportagenewsarticle", "blogposting", "analysisnewsarticle",
                 "opinionnewsarticle", "report", "pressrelease"}
_META_DATE_KEYS = ("article:published_time", "og:published_time", "datepublished", "date", "dc.date",
                   "dc.date.issued", "dcterms.created", "pubdate", "publishdate", "sailthru.date",
                   "parsely-pub-date", "cxenseparse:recs:publishtime")
_URL_DATE = re.compile(r"/(20\d{2}|19\d{2})/(0?[1-9]|1[0-2])/(?:(0?[1-9]|[12]\d|3[01])/)?")
_LISTING_PATH = re.compile(r"^/(?:$|tag/|tags/|category/|categories/|rubrique/|section/|topics?/|author/|page/|search)",
                           re.I)
# A page dated more than this far ahead of its fetch is wrong (time zones aside); the date is dropped.
FUTURE_TOLERANCE = timedelta(days=1)


@dataclass
class Extracted:
    title: str
    text: str
    authors: list[str] = field(default_factory=list)
    published_at: str | None = None
    published_at_source: str = "none"
    canonical_url: str = ""
    language: str = ""
    page_language: str = ""
    is_article: bool = False
    why_not_article: str = ""
    extractor: str = "main-text"


def _meta(tree, *names: str) -> str:
    for name in names:
        for attribute in ("property", "name", "itemprop"):
            values = tree.xpath(f"//meta[translate(@{attribute}, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', "
                                f"'abcdefghijklmnopqrstuvwxyz')=$n]/@content", n=name)
            if values and values[0].strip():
                return values[0].strip()
    return ""


def _json_ld(tree) -> list[dict]:
    objects: list[dict] = []
    for script in tree.xpath("//script[@type='application/ld+json']/text()"):
        try:
            data = json.loads(script)
        except ValueError:
            continue
        stack = data if isinstance(data, list) else [data]
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                objects.append(item)
                stack.extend(v for v in item.get("@graph", []) if isinstance(v, dict))
    return objects


def _ld_types(item: dict) -> set[str]:
    kinds = item.get("@type", [])
    return {str(k).lower() for k in (kinds if isinstance(kinds, list) else [kinds])}


def parse_date(value: str | None) -> datetime | None:
    """A timezone-aware UTC datetime from a date string in any common format, or None."""
    if not value:
        return None
    try:
        parsed = dateparser.parse(value.strip(), fuzzy=False)
    except (ValueError, OverflowError, TypeError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def date_from_url(url: str) -> datetime | None:
    match = _URL_DATE.search(urlsplit(url).path + "/")
    if not match:
        return None
    year, month, day = int(match.group(1)), int(match.group(2)), int(match.group(3) or 1)
    try:
        return datetime(year, month, day, tzinfo=timezone.utc)
    except ValueError:
        return None


def choose_date(*, page: datetime | None, feed: datetime | None, sitemap: datetime | None, url: datetime | None,
                fetched_at: datetime) -> tuple[datetime | None, str]:
    """The most trustworthy plausible date and where it came from. Page metadata beats the feed (feeds
    often carry the last update), the feed beats the sitemap, and the URL (day precision at best) comes last."""
    for value, source in ((page, "page-metadata"), (feed, "feed"), (sitemap, "sitemap"), (url, "url")):
        if value is not None and value <= fetched_at + FUTURE_TOLERANCE and value.year >= 1990:
            return value, source
    return None, "none"


def _page_date(tree) -> datetime | None:
    for item in _json_ld(tree):
        if _ld_types(item) & ARTICLE_TYPES:
            found = parse_date(str(item.get("datePublished", "")))
            if found:
                return found
    found = parse_date(_meta(tree, *_META_DATE_KEYS))
    if found:
        return found
    times = tree.xpath("//article//time/@datetime | //time[@itemprop='datePublished']/@datetime")
    return parse_date(times[0]) if times else None


def _declares_article(tree) -> bool:
    if _meta(tree, "og:type").lower() == "article":
        return True
    return any(_ld_types(item) & ARTICLE_TYPES for item in _json_ld(tree))


def _fallback_text(tree) -> str:
    """Paragraphs of the page's <article> (or of <main>) when trafilatura finds nothing."""
    for container in ("//article", "//main", "//body"):
        nodes = tree.xpath(container)
        if nodes:
            paragraphs = [" ".join(p.text_content().split()) for p in nodes[0].xpath(".//p")]
            text = "\n\n".join(p for p in paragraphs if len(p) > 40)
            if text:
                return text
    return ""


def _title(tree) -> str:
    """The headline: the article's own <h1> when the page has one, else Open Graph, else <title>."""
    for heading in tree.xpath("//article//h1 | //h1"):
        text = " ".join(heading.text_content().split())
        if text:
            return text
    title = _meta(tree, "og:title")
    if title:
        return title
    titles = tree.xpath("//title/text()")
    # "<headline> | <site name>": the site name is not part of the headline.
    return re.split(r"\s+[|–—-]\s+[^|–—-]+$", " ".join(titles[0].split()))[0] if titles else ""


def _author(tree) -> str:
    for item in _json_ld(tree):
        if _ld_types(item) & ARTICLE_TYPES:
            author = item.get("author")
            names = [a.get("name", "") if isinstance(a, dict) else str(a)
                     for a in (author if isinstance(author, list) else [author]) if a]
            if any(names):
                return "; ".join(n for n in names if n)
    return _meta(tree, "author", "article:author", "dc.creator", "byl")


def _without_headline(text: str, title: str) -> str:
    """Extractors often keep the <h1> as the text's first line; the headline is stored apart."""
    first, _, rest = text.partition("\n")
    if title and " ".join(first.split()).casefold() == " ".join(title.split()).casefold():
        return rest.lstrip()
    return text


def _authors(value: str | None) -> list[str]:
    if not value:
        return []
    return [name.strip() for name in re.split(r";|\band\b|\bet\b|,", value) if name.strip()]


def extract_article(html: str, *, url: str, feed_date: datetime | None = None, sitemap_date: datetime | None = None,
                    fetched_at: datetime | None = None, min_chars: int = 400,
                    languages: tuple[str, ...] = ("en", "fr", "ar")) -> Extracted:
    """Extract the article in ``html`` (fetched from ``url``) and decide whether it is an article at all."""
    fetched_at = fetched_at or datetime.now(timezone.utc)
    try:
        tree = lxml.html.fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return Extracted(title="", text="", is_article=False, why_not_article="not parseable as HTML")
    text = extract_main_text(html, url=url).strip()
    extractor = "main-text"
    if len(text) < min_chars:
        fallback = _fallback_text(tree)
        if len(fallback) > len(text):
            text, extractor = fallback, "fallback"
    title = _title(tree)
    text = _without_headline(text, title)
    # One paragraph per line from trafilatura; the record keeps paragraphs apart with blank lines.
    text = "\n\n".join(line.strip() for line in text.splitlines() if line.strip())
    canonical = (tree.xpath("//link[@rel='canonical']/@href") or [""])[0].strip() or _meta(tree, "og:url")
    canonical = urljoin(url, canonical) if canonical else url
    published, source = choose_date(page=_page_date(tree), feed=feed_date, sitemap=sitemap_date,
                                    url=date_from_url(canonical) or date_from_url(url), fetched_at=fetched_at)
    page_language = (tree.xpath("/html/@lang") or [""])[0]
    language = detect_language(f"{title}\n{text}", languages=languages, hint=page_language)

    why_not = ""
    if len(text) < min_chars:
        why_not = f"text too short ({len(text)} < {min_chars} characters)"
    elif not _declares_article(tree) and _LISTING_PATH.match(urlsplit(canonical).path):
        why_not = "listing page (home, tag or section)"
    return Extracted(
        title=" ".join(title.split()), text=text, authors=_authors(_author(tree)),
        published_at=published.isoformat(timespec="seconds") if published else None, published_at_source=source,
        canonical_url=canonical, language=language, page_language=page_language, is_article=not why_not,
        why_not_article=why_not, extractor=extractor)
