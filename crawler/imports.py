"""Evidence that does not come from polling an outlet: WARC files, lists of URLs, PDF reports.

Everything imported goes through the same archive → extract → relevance → dedup → store path as crawled
pages, so an imported story that is also crawled later is still stored once.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from advocacy.article import Article, article_id, content_hash
from advocacy.crawler.charset import decode_html
from advocacy.crawler.collect import CollectContext, FetchedPage, Outcome, collect_page
from advocacy.crawler.errors import CrawlerError
from advocacy.crawler.sources import Outlet
from advocacy.crawler.stories import SAME_STORY_SIMILARITY, band_keys, signature
from advocacy.text import detect_language

WARC_SUFFIXES = (".warc", ".warc.gz", ".arc", ".arc.gz")
URL_LIST_SUFFIXES = (".csv", ".txt")
PDF_SUFFIXES = (".pdf",)
_URL_COLUMNS = ("url", "link", "href", "address")


class ImportError_(CrawlerError):
    """A file to import is missing, of an unknown kind, or unreadable; the message names it."""


def _suffix(path: Path) -> str:
    name = path.name.lower()
    for suffix in (*WARC_SUFFIXES, *URL_LIST_SUFFIXES, *PDF_SUFFIXES):
        if name.endswith(suffix):
            return suffix
    return ""


def importable_files(paths: list[Path]) -> list[Path]:
    """The files to import: those given, and the importable ones found in the directories given."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file() and _suffix(p)))
        elif path.is_file():
            if not _suffix(path):
                raise ImportError_(f"{path}: cannot import this kind of file; expected WARC (.warc, .warc.gz), "
                                   f"a URL list (.csv, .txt) or a PDF report (.pdf)")
            found.append(path)
        else:
            raise ImportError_(f"{path} does not exist")
    return found


def outlet_for(url: str, outlets: dict[str, Outlet]) -> Outlet:
    """The configured outlet that owns ``url``, or an outlet named after its host."""
    for outlet in outlets.values():
        if outlet.owns(url):
            return outlet
    parts = urlsplit(url)
    host = (parts.hostname or "unknown").lower().removeprefix("www.")
    return Outlet(key=host, name=host, homepage=f"{parts.scheme or 'http'}://{parts.netloc}/", domains=(host,))


# -- WARC -----------------------------------------------------------------------------------------------

def import_warc(path: Path, context: CollectContext) -> list[Outcome]:
    """Collect every HTML response archived in a WARC file (from another crawler, or an earlier install)."""
    outcomes = []
    try:
        with open(path, "rb") as handle:
            for record in ArchiveIterator(handle):
                if record.rec_type != "response" or record.http_headers is None:
                    continue
                url = record.rec_headers.get_header("WARC-Target-URI") or ""
                status = int(record.http_headers.get_statuscode() or 0)
                content_type = record.http_headers.get_header("Content-Type") or ""
                if status != 200 or "html" not in content_type.lower() or urlsplit(url).scheme not in ("http", "https"):
                    continue
                body = record.content_stream().read()
                outlet = outlet_for(url, context.outlets)
                context.outlets.setdefault(outlet.key, outlet)
                html, _ = decode_html(body, content_type=content_type)
                page = FetchedPage(url=url, outlet=outlet.key, status=status,
                                   headers=dict(record.http_headers.headers), body=body, html=html,
                                   discovered_via="import")
                if context.ledger.is_settled(url):
                    continue
                outcomes.append(context.report(collect_page(page, context)))
    except (ArchiveLoadFailed, OSError) as exc:
        raise ImportError_(f"{path} is not a readable WARC file: {exc}") from None
    return outcomes


# -- URL lists ------------------------------------------------------------------------------------------

def read_url_list(path: Path) -> list[str]:
    """URLs from a CSV file (a column named url, link, href or address, else the first column) or a text
    file (one per line; blank lines and lines starting with # are skipped). Only http(s) URLs are kept."""
    text = path.read_text(encoding="utf-8-sig", errors="replace")
    if path.suffix.lower() == ".csv":
        rows = list(csv.reader(text.splitlines()))
        if not rows:
            return []
        header = [cell.strip().lower() for cell in rows[0]]
        column = next((header.index(name) for name in _URL_COLUMNS if name in header), None)
        body = rows[1:] if column is not None else rows
        column = column or 0
        candidates = [row[column].strip() for row in body if len(row) > column]
    else:
        candidates = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return list(dict.fromkeys(u for u in candidates if urlsplit(u).scheme in ("http", "https") and urlsplit(u).hostname))


# -- PDF reports ----------------------------------------------------------------------------------------

@dataclass
class PdfText:
    title: str
    text: str
    published_at: datetime | None


def _pdf_date(value: object) -> datetime | None:
    match = re.match(r"D?:?(\d{4})(\d{2})?(\d{2})?", str(value or ""))
    if not match:
        return None
    try:
        return datetime(int(match.group(1)), int(match.group(2) or 1), int(match.group(3) or 1), tzinfo=timezone.utc)
    except ValueError:
        return None


def _paragraphs(raw: str) -> str:
    """PDF text breaks lines inside paragraphs; rejoin them, undoing end-of-line hyphenation."""
    raw = re.sub(r"(\w)-\n(\w)", r"\1\2", raw)
    blocks = re.split(r"\n\s*\n", raw)
    paragraphs = [" ".join(block.split()) for block in blocks]
    return "\n\n".join(p for p in paragraphs if p)


def read_pdf(body: bytes) -> PdfText:
    import io

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(body))
        pages = [page.extract_text() or "" for page in reader.pages]
        metadata = reader.metadata or {}
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise ImportError_(f"not a readable PDF ({exc})") from None
    text = _paragraphs("\n\n".join(pages))
    title = str(metadata.get("/Title") or "").strip()
    if not title:
        title = next((line.strip() for line in text.splitlines() if line.strip()), "")[:200]
    return PdfText(title=title, text=text, published_at=_pdf_date(metadata.get("/CreationDate")))


def import_pdf(path: Path, context: CollectContext, *, url: str | None = None, outlet_key: str | None = None) -> Outcome:
    """Store a PDF report as an article. Its URL is the one given, else a file URL of its path."""
    body = path.read_bytes()
    url = url or path.resolve().as_uri()
    if outlet_key:
        if outlet_key not in context.outlets:
            raise ImportError_(f"unknown outlet {outlet_key!r}; known: {', '.join(context.outlets)}")
        outlet = context.outlets[outlet_key]
    elif urlsplit(url).scheme in ("http", "https"):
        outlet = outlet_for(url, context.outlets)
    else:
        outlet = Outlet(key="reports", name="Reports", homepage="http://reports.invalid/", type="ngo-un")
    context.outlets.setdefault(outlet.key, outlet)
    try:
        document = read_pdf(body)
    except ImportError_ as exc:
        raise ImportError_(f"{path}: {exc}") from None
    from advocacy.crawler.archive import RawPage

    location = context.archive.write(RawPage(url, 200, {"Content-Type": "application/pdf"}, body))
    ledger = context.ledger

    def settle(status: str, reason: str = "", article: str | None = None) -> Outcome:
        ledger.record_page(url, outlet=outlet.key, status=status, reason=reason, article=article, archive=location,
                           http_status=200, discovered_via="import")
        return context.report(Outcome(status, url, document.title, reason, article))

    if len(document.text) < context.min_chars:
        return settle("not_article", f"too little text in the PDF ({len(document.text)} characters; scanned "
                                     "images need OCR first)")
    relevance = context.relevance.score(title=document.title, text=document.text)
    relevant = context.relevance.is_relevant(relevance)
    if not relevant and context.keep != "all":
        return settle("off_topic", f"relevance {relevance.score:.1f} < {context.relevance.threshold:g}")
    text_hash = content_hash(document.text)
    fingerprint = signature(document.text)
    keys = band_keys(fingerprint) if fingerprint is not None else None
    story_id = article_id(url)
    existing = ledger.find_duplicate(ids=[story_id], content_hash=text_hash, signature=fingerprint, band_keys=keys,
                                     threshold=SAME_STORY_SIMILARITY)
    if existing:
        return settle("duplicate" if existing != story_id else "stored", "already stored", existing)
    now = datetime.now(timezone.utc)
    article = Article(
        id=story_id, url=url, canonical_url=url, outlet=outlet.key, outlet_name=outlet.name, country=outlet.country,
        discovered_via="import", title=document.title, text=document.text,
        published_at=document.published_at.isoformat(timespec="seconds") if document.published_at else None,
        published_at_source="document-metadata" if document.published_at else "none",
        fetched_at=now.isoformat(timespec="seconds"), language=detect_language(document.text[:5000]),
        content_hash=text_hash, relevance={**relevance.as_dict(), "relevant": relevant}, archive=location)
    with ledger.transaction():
        ledger.add_article(article, signature=fingerprint, band_keys=keys)
        return settle("stored", "PDF report", story_id)

