"""Run one crawl of the given outlets with Scrapy, in this process."""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from scrapy.crawler import CrawlerProcess

from advocacy.crawler.archive import WarcArchive
from advocacy.crawler.collect import KEEP_CHOICES, CollectContext, Outcome, finish_pending
from advocacy.crawler.errors import CrawlerError
from advocacy.crawler.relevance import RelevanceFilter
from advocacy.crawler.sources import Outlet
from advocacy.crawler.spider import OutletSpider
from advocacy.ledger import Ledger


@dataclass
class CrawlOptions:
    """Politeness and safety settings, as documented in the [crawler] section of the configuration."""
    user_agent: str
    obey_robots_txt: bool = True
    download_delay: float = 1.0
    concurrent_requests_per_domain: int = 2
    max_page_bytes: int = 5_000_000
    timeout: int = 30
    crawl_depth: int = 1
    min_article_chars: int = 400
    http_proxy: str = ""
    log_level: str = "ERROR"
    keep: str = "relevant"
    extract_workers: int = min(os.cpu_count() or 1, 4)
    max_attempts: int = 3
    max_retry_after: float = 120.0
    force: bool = False

    def scrapy_settings(self) -> dict:
        return {
            "BOT_NAME": "advocacy-monitor",
            "USER_AGENT": self.user_agent,
            "ROBOTSTXT_OBEY": self.obey_robots_txt,
            "DOWNLOAD_DELAY": self.download_delay,
            # AutoThrottle adapts the delay to each server's latency; with no delay asked, nothing to adapt.
            "AUTOTHROTTLE_ENABLED": self.download_delay > 0,
            "AUTOTHROTTLE_START_DELAY": max(self.download_delay, 0.1),
            "CONCURRENT_REQUESTS_PER_DOMAIN": self.concurrent_requests_per_domain,
            "CONCURRENT_REQUESTS": 16,
            "DOWNLOAD_MAXSIZE": self.max_page_bytes,
            "DOWNLOAD_WARNSIZE": 0,
            "DOWNLOAD_TIMEOUT": self.timeout,
            "REDIRECT_MAX_TIMES": 5,
            "RETRY_TIMES": 2,
            "RETRY_HTTP_CODES": [500, 502, 503, 504, 522, 524, 408, 429],
            "COOKIES_ENABLED": False,
            "TELNETCONSOLE_ENABLED": False,
            "LOG_LEVEL": self.log_level,
            # The command line owns the terminal; Scrapy's messages go through the root logger as-is.
            "LOG_INSTALL_ROOT_HANDLER": False,
            "ITEM_PIPELINES": {"advocacy.crawler.pipelines.CollectPipeline": 300},
            # RetryAfter sits after Retry (550) on the way back, so it sees a 429/503 first.
            "DOWNLOADER_MIDDLEWARES": {"scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
                                       "advocacy.crawler.middlewares.RobotsTxtMiddleware": 100,
                                       "advocacy.crawler.middlewares.RetryAfterMiddleware": 560,
                                       **({"advocacy.crawler.middlewares.FixedProxyMiddleware": 740}
                                          if self.http_proxy else {})},
            "ADVOCACY_HTTP_PROXY": self.http_proxy,
            "ADVOCACY_EXTRACT_WORKERS": self.extract_workers,
            "ADVOCACY_MAX_RETRY_AFTER": self.max_retry_after,
        }


@dataclass
class CrawlReport:
    outcomes: list[Outcome]

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for outcome in self.outcomes:
            counts[outcome.status] = counts.get(outcome.status, 0) + 1
        return counts


def crawl(*, outlets: list[Outlet], ledger_path: Path, archive_dir: Path, relevance: RelevanceFilter,
          options: CrawlOptions, languages: tuple[str, ...] = ("en", "fr", "ar"), on_outcome=None,
          urls: list[str] | None = None) -> CrawlReport:
    """Crawl ``outlets`` once; every page decision lands in the ledger as it is made. With ``urls``, fetch
    just those pages (an imported list) instead of polling the outlets' feeds, sitemaps and home pages.

    Scrapy's reactor cannot be restarted, so this runs once per process (the CLI's case).
    """
    if options.keep not in KEEP_CHOICES:
        raise CrawlerError(f"crawler.keep is {options.keep!r}; accepted values: {', '.join(KEEP_CHOICES)}")
    logging.getLogger("scrapy").setLevel(getattr(logging, options.log_level, logging.ERROR))
    ledger = Ledger(ledger_path)
    archive = WarcArchive(archive_dir)
    context = CollectContext(outlets={o.key: o for o in outlets}, ledger=ledger, archive=archive,
                             relevance=relevance, min_chars=options.min_article_chars, languages=languages,
                             crawl_depth=options.crawl_depth, keep=options.keep, on_outcome=on_outcome)
    try:
        # Pages an interrupted crawl archived but did not finish are decided first, without refetching.
        finish_pending(context, workers=options.extract_workers)
        retry = [page for page in ledger.retry_candidates(max_attempts=options.max_attempts)
                 if page["outlet"] in context.outlets]
        if urls is not None:
            from advocacy.crawler.imports import outlet_for

            retry = []
            for url in urls:
                if ledger.is_settled(url):
                    continue
                outlet = outlet_for(url, context.outlets)
                context.outlets.setdefault(outlet.key, outlet)
                retry.append({"url": url, "outlet": outlet.key, "discovered_via": "import", "feed_date": None,
                              "sitemap_date": None})
        process = CrawlerProcess(options.scrapy_settings())
        process.crawl(OutletSpider, context=context, force=options.force, retry_urls=retry, discover=urls is None)
        process.start()
    finally:
        archive.close()
        ledger.close()
    return CrawlReport(context.outcomes)
