"""The spider: discovers article URLs of every outlet through feeds, sitemaps and its home page."""
from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import lxml.etree
import scrapy
from scrapy.downloadermiddlewares.robotstxt import IgnoreRequest
from scrapy.http import TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.sitemap import Sitemap

from advocacy.crawler.collect import CollectContext, FetchedPage
from advocacy.crawler.extract import parse_date
from advocacy.crawler.sources import Outlet

_SKIPPED_EXTENSIONS = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".svg", ".pdf", ".zip", ".mp3", ".mp4", ".css",
                       ".js", ".xml", ".rss", ".ico", ".woff", ".woff2")


def feed_entries(body: bytes) -> list[tuple[str, str]]:
    """(link, date text) of each item of an RSS 2.0, RSS 1.0 or Atom feed; empty for anything else."""
    try:
        root = lxml.etree.fromstring(body, parser=lxml.etree.XMLParser(recover=True, resolve_entities=False,
                                                                       no_network=True))
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
        date = ""
        # Publication first: Atom feeds often list <updated> before <published>.
        for name in ("pubDate", "published", "issued", "date", "updated", "modified"):
            found = item.xpath(f"./*[local-name()='{name}']/text()")
            if found and found[0].strip():
                date = found[0].strip()
                break
        if link:
            entries.append((link, date))
    return entries


class OutletSpider(scrapy.Spider):
    name = "advocacy-outlets"

    def __init__(self, context: CollectContext, **kwargs):
        super().__init__(**kwargs)
        self.context = context

    async def start(self):
        for outlet in self.context.outlets.values():
            for feed in outlet.feeds:
                yield scrapy.Request(feed, callback=self.parse_feed, errback=self.failed, dont_filter=True,
                                     cb_kwargs={"outlet": outlet})
            for sitemap in outlet.sitemaps:
                yield scrapy.Request(sitemap, callback=self.parse_sitemap, errback=self.failed, dont_filter=True,
                                     cb_kwargs={"outlet": outlet})
            if self._depth_for(outlet) > 0:
                yield scrapy.Request(outlet.homepage, callback=self.parse_listing, errback=self.failed,
                                     dont_filter=True, cb_kwargs={"outlet": outlet, "depth": 0})

    def _depth_for(self, outlet: Outlet) -> int:
        return self.context.crawl_depth if outlet.crawl_depth is None else outlet.crawl_depth

    def parse_feed(self, response, outlet: Outlet):
        entries = feed_entries(response.body)
        if not entries:
            self.logger.warning("%s: %s is not a readable RSS or Atom feed", outlet.key, response.url)
        for link, date_text in entries:
            yield from self.follow_article(urljoin(response.url, link), outlet, via="feed",
                                           feed_date=parse_date(date_text))

    def parse_sitemap(self, response, outlet: Outlet):
        try:
            sitemap = Sitemap(response.body)
        except Exception:  # lxml raises several types on non-XML bodies
            self.logger.warning("%s: %s is not a readable sitemap", outlet.key, response.url)
            return
        for entry in sitemap:
            location = urljoin(response.url, entry.get("loc", ""))
            if sitemap.type == "sitemapindex":
                yield scrapy.Request(location, callback=self.parse_sitemap, errback=self.failed,
                                     cb_kwargs={"outlet": outlet})
                continue
            news = entry.get("news") or {}
            date_text = (news.get("publication_date") if isinstance(news, dict) else None) or entry.get("lastmod")
            yield from self.follow_article(location, outlet, via="sitemap", sitemap_date=parse_date(date_text))

    def parse_listing(self, response, outlet: Outlet, depth: int):
        if not isinstance(response, TextResponse):
            return
        for href in response.css("a::attr(href)").getall():
            url = urljoin(response.url, href.strip())
            if self._followable(url, outlet):
                yield from self.follow_article(url, outlet, via="crawl", depth=depth + 1)

    def _followable(self, url: str, outlet: Outlet) -> bool:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not outlet.owns(url):
            return False
        if parts.path.lower().endswith(_SKIPPED_EXTENSIONS):
            return False
        return not outlet.crawl_allow or any(parts.path.startswith(prefix) for prefix in outlet.crawl_allow)

    def follow_article(self, url: str, outlet: Outlet, *, via: str, feed_date=None, sitemap_date=None, depth: int = 0):
        if not outlet.owns(url) or self.context.ledger.is_settled(url):
            return
        yield scrapy.Request(url, callback=self.parse_page, errback=self.failed,
                             cb_kwargs={"outlet": outlet, "via": via, "feed_date": feed_date,
                                        "sitemap_date": sitemap_date, "depth": depth})

    def parse_page(self, response, outlet: Outlet, via: str, feed_date, sitemap_date, depth: int):
        if not isinstance(response, TextResponse) or b"html" not in response.headers.get(b"Content-Type", b"html"):
            self.context.ledger.record_page(response.url, outlet=outlet.key, status="not_article",
                                            reason="not an HTML page", http_status=response.status)
            return
        headers = {k.decode("latin-1"): b", ".join(v).decode("latin-1") for k, v in response.headers.items()}
        yield FetchedPage(url=response.url, outlet=outlet.key, status=response.status, headers=headers,
                          body=response.body, html=response.text, discovered_via=via, feed_date=feed_date,
                          sitemap_date=sitemap_date)
        if depth < self._depth_for(outlet):
            yield from self.parse_listing(response, outlet, depth)

    def failed(self, failure):
        request = failure.request
        outlet = request.cb_kwargs.get("outlet")
        page_status = "failed"
        if failure.check(HttpError):
            reason = f"HTTP {failure.value.response.status}"
            status = failure.value.response.status
        elif failure.check(IgnoreRequest) and "robots.txt" in failure.getErrorMessage():
            reason, status, page_status = "forbidden by robots.txt", None, "blocked"
        else:
            reason, status = f"{failure.type.__name__}: {failure.getErrorMessage()}", None
        if outlet is not None and request.callback == self.parse_page:
            self.context.ledger.record_page(request.url, outlet=outlet.key, status=page_status, reason=reason,
                                            http_status=status)
        self.logger.warning("%s: %s failed (%s)", outlet.key if outlet else "?", request.url, reason)
