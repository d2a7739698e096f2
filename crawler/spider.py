"""The spider: discovers article URLs of every outlet through feeds, sitemaps and its home page.

Discovery endpoints are polled on a schedule (see ``schedule.py``) with conditional requests, so an
unchanged feed costs one 304. Their state is written only when the crawl finishes normally: a crawl that
is killed leaves every endpoint due, and the next run discovers everything again.
"""
from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import urljoin, urlsplit

import lxml.etree
import scrapy
from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.http import TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.sitemap import Sitemap

from advocacy.article import article_id
from advocacy.crawler.charset import decode_html
from advocacy.crawler.collect import CollectContext, FetchedPage
from advocacy.crawler.extract import parse_date
from advocacy.crawler.schedule import is_due, next_interval
from advocacy.crawler.sources import Outlet

_SKIPPED_EXTENSIONS = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".svg", ".pdf", ".zip", ".mp3", ".mp4", ".css",
                       ".js", ".xml", ".rss", ".ico", ".woff", ".woff2")
_HTML_TYPES = (b"text/html", b"application/xhtml+xml")
_XML_PARSER = lxml.etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False)
# How a page's reason names the discovery endpoint an article URL redirected to.
_ENDPOINT_NAMES = {"home": "the home page", "feed": "a feed of the outlet", "sitemap": "a sitemap of the outlet",
                   "robots": "robots.txt"}


def feed_entries(body: bytes) -> list[tuple[str, str]]:
    """(link, date text) of each item of an RSS 2.0, RSS 1.0 or Atom feed; empty for anything else."""
    return [(link, published) for link, published, _ in feed_items(body)]


def feed_items(body: bytes) -> list[tuple[str, str, str]]:
    """(link, publication date text, last-update date text) of each feed item; dates may be empty."""
    try:
        root = lxml.etree.fromstring(body, parser=_XML_PARSER)
    except lxml.etree.XMLSyntaxError:
        return []
    if root is None:
        return []
    entries = []
    for item in root.xpath("//*[local-name()='item' or local-name()='entry']"):
        link = ""
        for node in item.xpath("./*[local-name()='link']"):
            href = node.get("href")
            if href and node.get("rel", "alternate") == "alternate":
                link = href
                break
            if not href and (node.text or "").strip():
                link = node.text.strip()
                break
        if not link:
            guid = item.xpath("./*[local-name()='guid' and not(@isPermaLink='false')]/text()")
            link = guid[0].strip() if guid else ""
        def first(*names: str) -> str:
            for name in names:
                found = item.xpath(f"./*[local-name()='{name}']/text()")
                if found and found[0].strip():
                    return found[0].strip()
            return ""

        # Publication first: Atom feeds often list <updated> before <published>.
        published = first("pubDate", "published", "issued", "date", "updated", "modified")
        updated = first("updated", "modified")
        if link:
            entries.append((link, published, updated))
    return entries


class OutletSpider(scrapy.Spider):
    name = "advocacy-outlets"

    def __init__(self, context: CollectContext, *, force: bool = False, retry_urls: list[dict] | None = None,
                 discover: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.context = context
        self.force = force
        self.discover = discover
        # Article requests bypass Scrapy's duplicate filter (which silently drops the second leg of a
        # redirect loop, leaving no decision on record); the spider keeps its own list instead.
        self._requested: set[str] = set()
        # Sitemaps announced by robots.txt or a sitemap index (article id -> kind); configured endpoints are
        # read from the outlet itself.
        self._found_endpoints: dict[str, str] = {}
        self.retry_urls = retry_urls or []
        self._endpoint_results: list[dict] = []

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider._save_endpoints, signal=signals.spider_closed)
        return spider

    # -- discovery endpoints ---------------------------------------------------------------------------

    async def start(self):
        now = datetime.now(timezone.utc)
        for outlet in self.context.outlets.values() if self.discover else ():
            endpoints = [(url, "feed", self.parse_feed) for url in outlet.feeds]
            endpoints += [(url, "sitemap", self.parse_sitemap) for url in outlet.sitemaps]
            if self._depth_for(outlet) > 0:
                endpoints.append((outlet.homepage, "home", self.parse_home))
            # Sites announce their sitemaps in robots.txt; those not listed in the sources file are found there.
            endpoints.append((urljoin(outlet.homepage, "/robots.txt"), "robots", self.parse_robots))
            for url, kind, callback in endpoints:
                request = self._endpoint_request(url, kind, outlet, callback, now=now)
                if request is not None:
                    yield request
        for page in self.retry_urls:
            outlet = self.context.outlets.get(page["outlet"])
            if outlet is not None:
                # Retried and imported pages are fetched for themselves; their links are not followed.
                request = self._article_request(page["url"], outlet, via=page["discovered_via"] or "retry",
                                                feed_date=parse_date(page["feed_date"]),
                                                sitemap_date=parse_date(page["sitemap_date"]),
                                                depth=self._depth_for(outlet))
                if request is not None:
                    yield request

    def _endpoint_request(self, url: str, kind: str, outlet: Outlet, callback, *, now: datetime):
        # Known as an endpoint even when not due, so that no link to it is fetched as an article meanwhile.
        self._found_endpoints.setdefault(article_id(url), kind)
        state = self.context.ledger.endpoint(url) or {}
        if not self.force and not is_due(state.get("next_poll"), now=now):
            self.logger.info("%s: %s not due before %s", outlet.key, url, state.get("next_poll"))
            return None
        headers = {}
        if state.get("etag"):
            headers["If-None-Match"] = state["etag"]
        if state.get("last_modified"):
            headers["If-Modified-Since"] = state["last_modified"]
        return scrapy.Request(url, callback=callback, errback=self.endpoint_failed, headers=headers, dont_filter=True,
                              meta={"handle_httpstatus_list": [304], "endpoint": kind},
                              cb_kwargs={"outlet": outlet})

    def _endpoint_kind(self, url: str, outlet: Outlet) -> str | None:
        """The kind of discovery endpoint ("home", "feed", "sitemap", "robots") of ``outlet`` that ``url`` is,
        or None for any other page.

        Compared by URL identity (``article_id``), so "http://site" and "https://www.site/#top" are the home
        page too. The home page counts even for an outlet whose home page is not polled (crawl depth 0)."""
        return outlet.endpoint_kind(url) or self._found_endpoints.get(article_id(url))

    def _remember_endpoint(self, response, outlet: Outlet, *, ok: bool, status: str, dates: list[datetime],
                           items: int | None = None, new_items: int | None = None) -> None:
        interval = next_interval(item_dates=dates, new_items=new_items or 0, failures=0 if ok else 1)
        self._endpoint_results.append({
            "url": response.request.url if response is not None else "", "outlet": outlet.key,
            "kind": response.meta.get("endpoint", "feed") if response is not None else "feed",
            "ok": ok, "status": status,
            "next_poll": (datetime.now(timezone.utc) + interval).isoformat(timespec="seconds"),
            "etag": _header(response, b"ETag"), "last_modified": _header(response, b"Last-Modified"),
            "items": items, "new_items": new_items,
            "newest_item": max(dates).isoformat(timespec="seconds") if dates else None})

    def _save_endpoints(self, spider, reason):
        if reason != "finished":
            return
        with self.context.ledger.transaction():
            for result in self._endpoint_results:
                failures_before = (self.context.ledger.endpoint(result["url"]) or {}).get("failures", 0)
                if not result["ok"] and failures_before:
                    # Back off further with each consecutive failure.
                    interval = next_interval(item_dates=[], failures=failures_before + 1)
                    result["next_poll"] = (datetime.now(timezone.utc) + interval).isoformat(timespec="seconds")
                self.context.ledger.record_endpoint(**result)

    def endpoint_failed(self, failure):
        request = failure.request
        outlet = request.cb_kwargs["outlet"]
        reason = _failure_reason(failure)[0]
        self._endpoint_results.append({
            "url": request.url, "outlet": outlet.key, "kind": request.meta.get("endpoint", "feed"), "ok": False,
            "status": reason,
            "next_poll": (datetime.now(timezone.utc) + next_interval(item_dates=[], failures=1)).isoformat(
                timespec="seconds")})
        self.logger.warning("%s: %s failed (%s)", outlet.key, request.url, reason)

    def parse_feed(self, response, outlet: Outlet):
        if response.status == 304:
            self._remember_endpoint(response, outlet, ok=True, status="not modified", dates=[])
            return
        entries = feed_items(response.body)
        if not entries:
            self._remember_endpoint(response, outlet, ok=False, status="not a readable RSS or Atom feed", dates=[],
                                    items=0)
            self.logger.warning("%s: %s is not a readable RSS or Atom feed", outlet.key, response.url)
            return
        dates, new = [], 0
        for link, date_text, updated_text in entries:
            url = urljoin(response.url, link)
            date = parse_date(date_text)
            if date:
                dates.append(date)
            request = self.follow_article(url, outlet, via="feed", feed_date=date,
                                          changed_at=parse_date(updated_text))
            if request is not None:
                new += 1
                yield request
        self._remember_endpoint(response, outlet, ok=True, status=f"HTTP {response.status}", dates=dates,
                                items=len(entries), new_items=new)

    def parse_sitemap(self, response, outlet: Outlet):
        if response.status == 304:
            self._remember_endpoint(response, outlet, ok=True, status="not modified", dates=[])
            return
        try:
            sitemap = Sitemap(response.body)
        except Exception:  # lxml raises several types on non-XML bodies
            sitemap = None
        if sitemap is None or sitemap.type not in ("sitemapindex", "urlset"):
            self._remember_endpoint(response, outlet, ok=False, status="not a readable sitemap", dates=[], items=0)
            self.logger.warning("%s: %s is not a readable sitemap", outlet.key, response.url)
            return
        dates, new, items = [], 0, 0
        for entry in sitemap:
            items += 1
            loc = (entry.get("loc") or "").strip()
            location = urljoin(response.url, loc)
            if not loc or location == response.url:
                continue  # a damaged entry, which would send the crawler back to the sitemap itself
            if sitemap.type == "sitemapindex":
                request = self._endpoint_request(location, "sitemap", outlet, self.parse_sitemap,
                                                 now=datetime.now(timezone.utc))
                if request is not None:
                    yield request
                continue
            news = entry.get("news") or {}
            date = parse_date((news.get("publication_date") if isinstance(news, dict) else None) or entry.get("lastmod"))
            if date:
                dates.append(date)
            request = self.follow_article(location, outlet, via="sitemap", sitemap_date=date,
                                          changed_at=parse_date(entry.get("lastmod")))
            if request is not None:
                new += 1
                yield request
        self._remember_endpoint(response, outlet, ok=True, status=f"HTTP {response.status}", dates=dates, items=items,
                                new_items=new)

    def parse_robots(self, response, outlet: Outlet):
        if response.status == 304:
            self._remember_endpoint(response, outlet, ok=True, status="not modified", dates=[])
            return
        announced = []
        for line in response.text.splitlines() if isinstance(response, TextResponse) else []:
            name, _, value = line.partition(":")
            if name.strip().lower() == "sitemap" and value.strip():
                announced.append(urljoin(response.url, value.strip()))
        now = datetime.now(timezone.utc)
        for sitemap in dict.fromkeys(announced):
            if sitemap not in outlet.sitemaps and outlet.owns(sitemap):
                request = self._endpoint_request(sitemap, "sitemap", outlet, self.parse_sitemap, now=now)
                if request is not None:
                    yield request
        self._remember_endpoint(response, outlet, ok=True, status=f"HTTP {response.status}", dates=[],
                                items=len(announced), new_items=len(announced))

    def parse_home(self, response, outlet: Outlet):
        if response.status == 304:
            self._remember_endpoint(response, outlet, ok=True, status="not modified", dates=[])
            return
        requests = list(self.parse_listing(response, outlet, depth=0))
        self._remember_endpoint(response, outlet, ok=True, status=f"HTTP {response.status}", dates=[],
                                items=len(requests), new_items=len(requests))
        yield from requests

    # -- article pages ---------------------------------------------------------------------------------

    def parse_listing(self, response, outlet: Outlet, depth: int):
        if not isinstance(response, TextResponse):
            return
        for href in response.css("a::attr(href)").getall():
            url = urljoin(response.url, href.strip())
            if self._followable(url, outlet):
                request = self.follow_article(url, outlet, via="crawl", depth=depth + 1)
                if request is not None:
                    yield request

    def _depth_for(self, outlet: Outlet) -> int:
        return self.context.crawl_depth if outlet.crawl_depth is None else outlet.crawl_depth

    def _followable(self, url: str, outlet: Outlet) -> bool:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not outlet.owns(url):
            return False
        if parts.path.lower().endswith(_SKIPPED_EXTENSIONS):
            return False
        return not outlet.crawl_allow or any(parts.path.startswith(prefix) for prefix in outlet.crawl_allow)

    def follow_article(self, url: str, outlet: Outlet, *, via: str, feed_date=None, sitemap_date=None,
                       depth: int = 0, changed_at: datetime | None = None):
        """A request for ``url`` unless it is off-site, not http(s), or already decided about — except a
        stored story that its feed or sitemap says changed after we fetched it."""
        if urlsplit(url).scheme not in ("http", "https") or not outlet.owns(url):
            return None
        refresh = False
        if self.context.ledger.is_settled(url):
            known = self.context.ledger.page(url)
            if not (changed_at and known and known["status"] == "stored"
                    and changed_at > datetime.fromisoformat(known["fetched_at"])):
                return None
            refresh = True
        return self._article_request(url, outlet, via=via, feed_date=feed_date, sitemap_date=sitemap_date,
                                     depth=depth, refresh=refresh)

    def _article_request(self, url, outlet, *, via, feed_date, sitemap_date, depth, refresh: bool = False):
        # Article pages link back to the home page, and feeds and sitemaps list it: polled as an endpoint, it
        # must not be fetched (and decided about, as a too-short article) a second time.
        if self._endpoint_kind(url, outlet):
            self.logger.debug("%s: %s is a discovery endpoint, not an article", outlet.key, url)
            return None
        key = article_id(url)
        if key in self._requested:
            return None
        self._requested.add(key)
        return scrapy.Request(url, callback=self.parse_page, errback=self.failed, dont_filter=True,
                              cb_kwargs={"outlet": outlet, "via": via, "feed_date": feed_date,
                                         "sitemap_date": sitemap_date, "depth": depth, "refresh": refresh})

    def parse_page(self, response, outlet: Outlet, via: str, feed_date, sitemap_date, depth: int,
                   refresh: bool = False):
        endpoint = self._endpoint_kind(response.url, outlet)
        if endpoint:
            self._redirected_to_endpoint(response, outlet, endpoint, via)
            return
        content_type = response.headers.get(b"Content-Type", b"text/html").split(b";")[0].strip().lower()
        if content_type not in _HTML_TYPES:
            reason = f"not an HTML page ({content_type.decode('latin-1') or 'no content type'})"
            if content_type == b"application/pdf":
                reason += "; add reports with `advocacy import`"
            self.context.ledger.record_page(response.url, outlet=outlet.key, status="not_article", reason=reason,
                                            http_status=response.status)
            return
        headers = {k.decode("latin-1"): b", ".join(v).decode("latin-1") for k, v in response.headers.items()}
        html, _ = decode_html(response.body, content_type=headers.get("Content-Type"))
        yield FetchedPage(url=response.url, outlet=outlet.key, status=response.status, headers=headers,
                          body=response.body, html=html, discovered_via=via, feed_date=feed_date,
                          sitemap_date=sitemap_date, refresh=refresh)
        if depth < self._depth_for(outlet) and isinstance(response, TextResponse):
            yield from self.parse_listing(response, outlet, depth)

    def _redirected_to_endpoint(self, response, outlet: Outlet, endpoint: str, via: str) -> None:
        """Decide about an article URL whose redirects ended on a discovery endpoint (a withdrawn story sent
        to the home page, typically): under the URL asked for, since a decision recorded under the endpoint
        would make the next crawl fetch the endpoint as an article."""
        requested = _requested_url(response.request)
        if article_id(requested) == article_id(response.url):
            return  # not a redirect: _article_request never asks for an endpoint itself
        reason = f"redirects to {_ENDPOINT_NAMES[endpoint]} ({response.url}), not to an article"
        self.context.ledger.record_page(requested, outlet=outlet.key, status="not_article", reason=reason,
                                        http_status=response.status, discovered_via=via)

    def failed(self, failure):
        request = failure.request
        outlet = request.cb_kwargs.get("outlet")
        reason, status, page_status = _failure_reason(failure)
        if outlet is not None:
            if reason.startswith("DownloadCancelledError"):
                limit = self.crawler.settings.getint("DOWNLOAD_MAXSIZE")
                reason = f"larger than {limit:,} bytes (crawler.max_page_bytes); download stopped"
            url = request.url
            endpoint = self._endpoint_kind(url, outlet)
            if endpoint:
                # Redirected to an endpoint that then failed: the failure belongs to the URL asked for.
                url = _requested_url(request)
                if article_id(url) == article_id(request.url):
                    return  # not a redirect: _article_request never asks for an endpoint itself
                reason = f"redirects to {_ENDPOINT_NAMES[endpoint]} ({request.url}), which failed: {reason}"[:300]
            self.context.ledger.record_page(url, outlet=outlet.key, status=page_status, reason=reason,
                                            http_status=status, discovered_via=request.cb_kwargs.get("via", ""))
            self.logger.warning("%s: %s failed (%s)", outlet.key, url, reason)


def _requested_url(request) -> str:
    """The URL the spider asked for, before any redirect (Scrapy keeps the chain in ``redirect_urls``)."""
    return (request.meta.get("redirect_urls") or [request.url])[0]


def _header(response, name: bytes) -> str | None:
    if response is None:
        return None
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def _failure_reason(failure) -> tuple[str, int | None, str]:
    """(reason, HTTP status, page status) in words a person can act on."""
    if failure.check(HttpError):
        status = failure.value.response.status
        return f"HTTP {status}", status, "failed"
    if failure.check(IgnoreRequest) and "robots.txt" in failure.getErrorMessage():
        return "forbidden by robots.txt", None, "blocked"
    message = failure.getErrorMessage().strip()
    name = failure.type.__name__
    if not message:
        message = _PLAIN_REASONS.get(name, "no detail given")
    return f"{name}: {message}"[:300], None, "failed"


# Failures that arrive without a message, explained.
_PLAIN_REASONS = {
    "ResponseDataLossError": "the server closed the connection before sending the whole page",
    "ResponseNeverReceived": "the server accepted the connection but never answered",
    "ConnectionLost": "the connection was lost during the download",
}
