"""Do the outlets' feeds and sitemaps still answer, and are they still publishing?

``advocacy sources check`` shows the result to the people who edit the sources file, so every finding is
a short sentence they can act on ("HTTP 404 (not found)", "silent for 23 days (newest item 2026-10-31)")
rather than an exception.

How to read an :class:`EndpointCheck`:

* ``ok`` is True when the address answered and gave the crawler at least one item to follow. An empty
  feed, an HTML page where a feed belongs, or any network failure make it False, with ``problem`` saying
  why.
* An endpoint can be ``ok`` and still carry a ``problem``: a remark that needs a human but does not stop
  the crawler. There are two: the newest item is older than ``silent_after_days`` ("silent for ..."), and
  the address now redirects to another site ("redirected to another site: <url>"), which matters because
  the crawler only keeps articles on the outlet's own hosts. Several remarks are joined with "; ".
* Items without any date leave ``newest`` as None; silence cannot be judged then, so nothing is said.

The checks use urllib rather than Scrapy: Scrapy's reactor cannot be restarted within one process, and a
check must be able to run next to other commands (and before a crawl).
"""
from __future__ import annotations

import http.client
import socket
import ssl
import time
import urllib.request
import zlib
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from http import HTTPStatus
from urllib.error import HTTPError, URLError
from urllib.parse import urljoin, urlsplit

import lxml.etree

from advocacy.crawler.extract import FUTURE_TOLERANCE, parse_date
from advocacy.crawler.sources import Outlet
from advocacy.crawler.spider import feed_entries

MAX_REDIRECTS = 5
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_READ_CHUNK = 64 * 1024
_GZIP_MAGIC = b"\x1f\x8b"
_FEED_ROOTS = frozenset({"rss", "RDF", "feed"})
_SITEMAP_ROOTS = frozenset({"urlset", "sitemapindex"})
_ACCEPT = ("application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, "
           "*/*;q=0.5")


@dataclass
class EndpointCheck:
    outlet: str                 # outlet key
    kind: str                   # "feed" | "sitemap"
    url: str
    ok: bool
    http_status: int | None     # status of the last answer, None when nothing answered
    items: int                  # feed items with a link / sitemap URLs / child sitemaps of a sitemap index
    newest: datetime | None     # UTC; dates more than a day in the future are ignored as mistakes
    problem: str                # "" when fine; see the module documentation
    elapsed: float              # seconds


class _EndpointFailure(Exception):
    def __init__(self, problem: str, *, http_status: int | None = None):
        super().__init__(problem)
        self.problem = problem
        self.http_status = http_status


@dataclass
class _Answer:
    final_url: str
    http_status: int
    body: bytes


def check_endpoints(outlets: list[Outlet], *, user_agent: str, timeout: float = 20.0, max_bytes: int = 5_000_000,
                    silent_after_days: int = 14, proxy: str = "", workers: int = 8,
                    now: datetime | None = None, progress=None) -> list[EndpointCheck]:
    """Fetch every feed and sitemap of ``outlets`` once and judge what came back.

    Results follow the order of ``outlets``, then of each outlet's feeds, then its sitemaps; outlets with
    neither contribute nothing. ``timeout`` bounds each endpoint as a whole, redirects included.
    ``max_bytes`` bounds both what is downloaded and what it decompresses to. With ``proxy`` every request
    goes through it; without, the usual ``http_proxy``/``https_proxy``/``no_proxy`` environment applies,
    as it does for the crawl. ``progress``, when given, is called with each finished check, in the calling
    thread, in the order they finish. Network problems never raise: they become the check's ``problem``.
    """
    now = _as_utc(now or datetime.now(timezone.utc))
    endpoints = [(outlet, kind, url)
                 for outlet in outlets
                 for kind, urls in (("feed", outlet.feeds), ("sitemap", outlet.sitemaps))
                 for url in urls]
    if not endpoints:
        return []
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="sources-check") as pool:
        futures = [pool.submit(_check_endpoint, outlet=outlet, kind=kind, url=url, user_agent=user_agent,
                               timeout=timeout, max_bytes=max_bytes, silent_after_days=silent_after_days,
                               proxy=proxy, now=now)
                   for outlet, kind, url in endpoints]
        if progress is not None:
            for future in as_completed(futures):
                progress(future.result())
        return [future.result() for future in futures]


def summarise(checks: list[EndpointCheck]) -> dict[str, str]:
    """Outlet key -> "ok", "warning" or "failing", in the order the outlets first appear in ``checks``.

    "failing": no endpoint of the outlet is ok, so the crawler gets nothing from its feeds and sitemaps.
    "warning": some endpoints fail, or every ok endpoint carries a remark (all silent, or moved to another
    site). One quiet feed next to a lively one is normal for outlets with topic feeds, so it stays "ok".
    """
    by_outlet: dict[str, list[EndpointCheck]] = {}
    for check in checks:
        by_outlet.setdefault(check.outlet, []).append(check)
    verdicts = {}
    for key, outlet_checks in by_outlet.items():
        answering = [check for check in outlet_checks if check.ok]
        if not answering:
            verdicts[key] = "failing"
        elif len(answering) < len(outlet_checks) or all(check.problem for check in answering):
            verdicts[key] = "warning"
        else:
            verdicts[key] = "ok"
    return verdicts


def _check_endpoint(*, outlet: Outlet, kind: str, url: str, user_agent: str, timeout: float, max_bytes: int,
                    silent_after_days: int, proxy: str, now: datetime) -> EndpointCheck:
    """One feed (``kind="feed"``) or sitemap (``kind="sitemap"``) of ``outlet``; never raises."""
    started = time.monotonic()

    def finished(*, ok: bool, http_status: int | None, items: int = 0, newest: datetime | None = None,
                 problem: str) -> EndpointCheck:
        return EndpointCheck(outlet=outlet.key, kind=kind, url=url, ok=ok, http_status=http_status, items=items,
                             newest=newest, problem=problem, elapsed=time.monotonic() - started)

    try:
        answer = _fetch_capped(url, user_agent=user_agent, timeout=timeout, max_bytes=max_bytes, proxy=proxy,
                               deadline=started + timeout)
    except _EndpointFailure as failure:
        return finished(ok=False, http_status=failure.http_status, problem=failure.problem)
    except Exception as error:  # one odd endpoint must not cut the report short for the rest
        return finished(ok=False, http_status=None,
                        problem=_describe_network_error(error, timeout=timeout, proxy=proxy))

    read = _read_feed if kind == "feed" else _read_sitemap
    items, newest, reading_problem = read(answer.body, now=now)
    ok = not reading_problem
    remarks = [reading_problem]
    if ok:
        remarks.append(_silence_remark(newest, now=now, silent_after_days=silent_after_days))
    remarks.append(_moved_remark(outlet=outlet, requested_url=url, final_url=answer.final_url))
    return finished(ok=ok, http_status=answer.http_status, items=items, newest=newest,
                    problem="; ".join(remark for remark in remarks if remark))


# --- fetching ----------------------------------------------------------------------------------------------


class _RedirectsByHand(urllib.request.HTTPRedirectHandler):
    # Declining every redirect turns it into an HTTPError, so _fetch_capped can apply its own limit, refuse
    # non-web schemes and notice a change of site.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def _build_opener(*, proxy: str) -> urllib.request.OpenerDirector:
    handlers: list[urllib.request.BaseHandler] = [_RedirectsByHand()]
    if proxy:
        handlers.append(urllib.request.ProxyHandler({"http": proxy, "https": proxy}))
    return urllib.request.build_opener(*handlers)


def _fetch_capped(url: str, *, user_agent: str, timeout: float, max_bytes: int, proxy: str,
                  deadline: float) -> _Answer:
    """The decoded body of ``url`` after at most MAX_REDIRECTS redirects, or an _EndpointFailure."""
    opener = _build_opener(proxy=proxy)
    current = url
    visited = {url}
    for redirects_so_far in range(MAX_REDIRECTS + 1):
        scheme = urlsplit(current).scheme.lower()
        if scheme not in ("http", "https"):
            if current == url:
                raise _EndpointFailure(f"not a web address (it starts with {scheme or 'nothing'}:, "
                                       "not http: or https:)")
            raise _EndpointFailure(f"redirected to a non-web address ({current})")
        request = urllib.request.Request(current, headers={
            "User-Agent": user_agent, "Accept": _ACCEPT, "Accept-Encoding": "gzip, deflate"})
        try:
            response = opener.open(request, timeout=_time_left(deadline, timeout=timeout))
        except HTTPError as error:
            with error:
                location = error.headers.get("Location", "")
                if error.code not in _REDIRECT_STATUSES or not location:
                    raise _EndpointFailure(_http_status_problem(error.code), http_status=error.code) from None
                target = urljoin(current, location.strip())
                if target in visited:
                    raise _EndpointFailure(f"redirect loop (sent back to {target})", http_status=error.code) from None
                if redirects_so_far == MAX_REDIRECTS:
                    raise _EndpointFailure(f"more than {MAX_REDIRECTS} redirects", http_status=error.code) from None
                visited.add(target)
                current = target
                continue
        with response:
            try:
                raw = _read_capped(response, max_bytes=max_bytes, deadline=deadline, timeout=timeout)
            except (OSError, http.client.HTTPException) as error:
                # The status line did arrive; keeping it tells "the server answers but stalls" from "no server".
                raise _EndpointFailure(_describe_network_error(error, timeout=timeout, proxy=proxy),
                                       http_status=response.status) from None
            body = _decode_body(raw, content_encoding=response.headers.get("Content-Encoding", ""),
                                max_bytes=max_bytes, http_status=response.status)
            return _Answer(final_url=current, http_status=response.status, body=body)
    raise AssertionError("unreachable: the loop returns or raises")


def _time_left(deadline: float, *, timeout: float, http_status: int | None = None) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise _EndpointFailure(_timed_out_problem(timeout), http_status=http_status)
    return left


def _read_capped(response: http.client.HTTPResponse, *, max_bytes: int, deadline: float, timeout: float) -> bytes:
    declared = response.headers.get("Content-Length", "").strip()
    if declared.isdigit() and int(declared) > max_bytes:
        raise _EndpointFailure(f"larger than {_size_text(max_bytes)}", http_status=response.status)
    chunks: list[bytes] = []
    received = 0
    while True:
        # The socket timeout only bounds each wait; a server trickling bytes is stopped by the deadline.
        _time_left(deadline, timeout=timeout, http_status=response.status)
        # read1 returns what has arrived; read(n) would wait for n bytes and outlive the deadline.
        chunk = response.read1(_READ_CHUNK)
        if not chunk:
            return b"".join(chunks)
        received += len(chunk)
        if received > max_bytes:
            raise _EndpointFailure(f"larger than {_size_text(max_bytes)}", http_status=response.status)
        chunks.append(chunk)


def _decode_body(raw: bytes, *, content_encoding: str, max_bytes: int, http_status: int) -> bytes:
    encoding = content_encoding.strip().lower()
    if encoding in ("gzip", "x-gzip"):
        body = _inflate(raw, wbits=16 + zlib.MAX_WBITS, max_bytes=max_bytes, http_status=http_status)
    elif encoding == "deflate":
        # Servers disagree on whether "deflate" carries the zlib header; the header's checksum tells which.
        has_zlib_header = len(raw) >= 2 and raw[0] & 0x0F == 8 and int.from_bytes(raw[:2], "big") % 31 == 0
        body = _inflate(raw, wbits=zlib.MAX_WBITS if has_zlib_header else -zlib.MAX_WBITS, max_bytes=max_bytes,
                        http_status=http_status)
    elif encoding in ("", "identity"):
        body = raw
    else:
        raise _EndpointFailure(f"compressed as {encoding!r}, which cannot be read", http_status=http_status)
    if body.startswith(_GZIP_MAGIC):
        # Sitemaps are often published as .xml.gz files, served as is rather than with Content-Encoding.
        body = _inflate(body, wbits=16 + zlib.MAX_WBITS, max_bytes=max_bytes, http_status=http_status)
    return body


def _inflate(data: bytes, *, wbits: int, max_bytes: int, http_status: int) -> bytes:
    inflater = zlib.decompressobj(wbits)
    try:
        # Asking for one byte more than allowed is how a compression bomb shows itself without being expanded.
        body = inflater.decompress(data, max_bytes + 1)
    except zlib.error:
        raise _EndpointFailure("damaged compressed data", http_status=http_status) from None
    if len(body) > max_bytes:
        raise _EndpointFailure(f"larger than {_size_text(max_bytes)} once decompressed", http_status=http_status)
    if not inflater.eof:
        raise _EndpointFailure("damaged compressed data (cut short)", http_status=http_status)
    return body


# --- reading -----------------------------------------------------------------------------------------------


def _read_feed(body: bytes, *, now: datetime) -> tuple[int, datetime | None, str]:
    """(items, newest date, problem) of an RSS or Atom document."""
    root_name = _xml_root_name(body)
    if root_name not in _FEED_ROOTS:
        return 0, None, _not_the_expected_document("an RSS/Atom feed", root_name=root_name, body=body)
    entries = feed_entries(body)
    if not entries:
        return 0, None, "no items"
    return len(entries), _newest_date((text for _, text in entries), now=now), ""


def _read_sitemap(body: bytes, *, now: datetime) -> tuple[int, datetime | None, str]:
    """(URLs, or child sitemaps of an index; newest date; problem) of a sitemap document."""
    root = _parse_xml(body)
    root_name = _local_name(root)
    if root_name == "sitemapindex":
        children = root.xpath("./*[local-name()='sitemap'][*[local-name()='loc' and normalize-space()]]")
    elif root_name == "urlset":
        children = root.xpath("./*[local-name()='url'][*[local-name()='loc' and normalize-space()]]")
    else:
        return 0, None, _not_the_expected_document("a sitemap", root_name=root_name, body=body)
    if not children:
        return 0, None, "no items"
    date_texts = []
    for child in children:
        # Publication dates first, as the spider does: a lastmod moves with every edit of an old article.
        found = (child.xpath("./*[local-name()='news']/*[local-name()='publication_date']/text()")
                 or child.xpath("./*[local-name()='lastmod']/text()"))
        date_texts.append(found[0] if found else "")
    return len(children), _newest_date(date_texts, now=now), ""


def _parse_xml(body: bytes):
    parser = lxml.etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False)
    try:
        return lxml.etree.fromstring(body, parser=parser)
    except lxml.etree.XMLSyntaxError:
        return None


def _xml_root_name(body: bytes) -> str:
    return _local_name(_parse_xml(body))


def _local_name(element) -> str:
    if element is None or not isinstance(element.tag, str):
        return ""
    return lxml.etree.QName(element).localname


def _not_the_expected_document(expected: str, *, root_name: str, body: bytes) -> str:
    problem = f"not {expected}"
    if not body.strip():
        return f"{problem} (the answer was empty)"
    if root_name.lower() == "html":
        return f"{problem} (a web page came back)"
    # Putting a sitemap among the feeds, or the reverse, is an easy slip when editing the sources file.
    if root_name in _SITEMAP_ROOTS and expected != "a sitemap":
        return f"{problem} (it is a sitemap: list it under sitemaps)"
    if root_name in _FEED_ROOTS and expected == "a sitemap":
        return f"{problem} (it is a feed: list it under feeds)"
    return problem


def _newest_date(texts, *, now: datetime) -> datetime | None:
    latest_credible = now + FUTURE_TOLERANCE
    dates = [date for date in map(_quick_date, texts) if date is not None and date <= latest_credible]
    return max(dates, default=None)


def _quick_date(text: str) -> datetime | None:
    # A sitemap may hold 50,000 dates; ISO 8601 ones skip dateutil, which is far slower.
    text = (text or "").strip()
    if not text:
        return None
    try:
        return _as_utc(datetime.fromisoformat(text))
    except ValueError:
        return parse_date(text)


# --- judging -----------------------------------------------------------------------------------------------


def _silence_remark(newest: datetime | None, *, now: datetime, silent_after_days: int) -> str:
    if newest is None:
        return ""
    quiet_for = now - newest
    if quiet_for <= timedelta(days=silent_after_days):
        return ""
    return f"silent for {quiet_for.days} days (newest item {newest.date().isoformat()})"


def _moved_remark(*, outlet: Outlet, requested_url: str, final_url: str) -> str:
    if final_url == requested_url or outlet.owns(final_url):
        return ""
    if _host(final_url) == _host(requested_url):
        return ""
    return f"redirected to another site: {final_url}"


def _http_status_problem(status: int) -> str:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"
    return f"HTTP {status} ({phrase.lower()})"


def _timed_out_problem(timeout: float) -> str:
    return f"timed out after {timeout:g} s"


def _size_text(size: int) -> str:
    if size >= 1_000_000:
        return f"{size / 1_000_000:g} MB"
    if size >= 1_000:
        return f"{size / 1_000:g} kB"
    return f"{size} bytes"


def _describe_network_error(error: BaseException, *, timeout: float, proxy: str) -> str:
    if isinstance(error, URLError) and isinstance(error.reason, BaseException):
        error = error.reason
    elif isinstance(error, URLError):
        return f"network error: {error.reason}"
    # Subclasses before their bases: RemoteDisconnected is a ConnectionResetError, SSL errors are OSErrors.
    if isinstance(error, TimeoutError):
        return _timed_out_problem(timeout)
    if isinstance(error, ConnectionRefusedError):
        return f"connection refused by the proxy {proxy}" if proxy else "connection refused"
    if isinstance(error, socket.gaierror):
        return "unknown host name (the address could not be looked up)"
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"TLS error: {error.verify_message or error.reason}"
    if isinstance(error, ssl.SSLError):
        return f"TLS error: {(error.reason or str(error)).replace('_', ' ').lower()}"
    if isinstance(error, http.client.RemoteDisconnected):
        return "the server closed the connection without answering"
    if isinstance(error, ConnectionResetError):
        return "connection reset by the server"
    if isinstance(error, http.client.IncompleteRead):
        return "the answer was cut short"
    if isinstance(error, http.client.HTTPException):
        return f"broken HTTP answer ({type(error).__name__})"
    if isinstance(error, OSError):
        if str(error).startswith("Tunnel connection failed"):
            return f"the proxy would not connect to the site ({str(error).partition(': ')[2]})"
        return f"network error: {error.strerror or error}"
    if isinstance(error, ValueError):
        return f"not a valid address ({error})"
    return f"unexpected error: {type(error).__name__}: {error}"


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower().removeprefix("www.")


def _as_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)
