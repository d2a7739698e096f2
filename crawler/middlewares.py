"""Downloader middlewares of the collect stage."""
from __future__ import annotations

import asyncio
import email.utils
from datetime import datetime, timezone

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as ScrapyRobotsTxtMiddleware
from scrapy.exceptions import NotConfigured
from scrapy.utils.httpobj import urlparse_cached


class FixedProxyMiddleware:
    """Send every request, robots.txt included, through the proxy named by ADVOCACY_HTTP_PROXY.

    Organisations behind a filtering proxy need it, and the demo uses it to give its outlets stable host
    names while serving them all from one free local port.
    """

    def __init__(self, proxy: str):
        self.proxy = proxy

    @classmethod
    def from_crawler(cls, crawler):
        proxy = crawler.settings.get("ADVOCACY_HTTP_PROXY")
        if not proxy:
            raise NotConfigured("ADVOCACY_HTTP_PROXY is empty")
        return cls(proxy)

    def process_request(self, request, spider=None):
        request.meta.setdefault("proxy", self.proxy)
        return None


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds asked for by a Retry-After header (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


class RetryAfterMiddleware:
    """Honour 429 and 503 answers that say when to come back.

    The request waits the time asked (up to ADVOCACY_MAX_RETRY_AFTER seconds) and is sent again, and the
    whole site is slowed down by raising its download delay, since a server that says "too many requests"
    means all of them. Longer waits are not worth holding a crawl for: the page is left to Scrapy's retries
    and, failing those, to the next crawl.
    """

    def __init__(self, crawler, *, max_wait: float, max_times: int):
        self.crawler = crawler
        self.max_wait = max_wait
        self.max_times = max_times

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler, max_wait=crawler.settings.getfloat("ADVOCACY_MAX_RETRY_AFTER", 120.0),
                   max_times=crawler.settings.getint("RETRY_TIMES", 2))

    async def process_response(self, request, response, spider=None):
        if response.status not in (429, 503):
            return response
        wait = retry_after_seconds(response.headers.get(b"Retry-After", b"").decode("latin-1") or None)
        times = request.meta.get("retry_after_times", 0)
        if wait is None or wait > self.max_wait or times >= self.max_times:
            return response
        self._slow_down(request, wait)
        await asyncio.sleep(wait)
        retry = request.replace(dont_filter=True)
        retry.meta["retry_after_times"] = times + 1
        return retry

    def _slow_down(self, request, wait: float) -> None:
        downloader = self.crawler.engine.downloader
        key = request.meta.get("download_slot") or downloader.get_slot_key(request)
        slot = downloader.slots.get(key)
        if slot is not None:
            slot.delay = max(slot.delay, min(wait, self.max_wait))


class RobotsTxtMiddleware(ScrapyRobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, with every request that waited for a site's robots.txt checked.

    Scrapy parks the requests that arrive while a site's robots.txt is downloading on one Twisted Deferred
    and awaits it through ``Deferred.asFuture``, which hands the parsed rules to the first waiter only and
    None (meaning "no rules, allow") to the others. A crawl that starts with many requests to one site at
    once, as a restarted crawl retrying its pending pages does, then fetched forbidden pages. The rules are
    kept per site once parsed, so each waiter reads them from there instead.
    """

    async def robot_parser(self, request):
        parser = await super().robot_parser(request)
        settled = self._parsers.get(urlparse_cached(request).netloc, parser)
        # Still a Deferred only if the download is somehow pending; then the awaited answer is all there is.
        return parser if hasattr(settled, "addCallbacks") else settled
