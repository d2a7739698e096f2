"""Scrapy item pipelines of the collect stage: thin wrappers around ``collect``."""
from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

from advocacy.crawler.collect import FetchedPage, archive_page, decide, extraction_job, run_extraction


class CollectPipeline:
    """Archive each fetched page at once, extract it in a worker process, then decide about it.

    Extraction is CPU-bound; in worker processes it neither blocks the crawl's event loop nor stays on
    one core. ADVOCACY_EXTRACT_WORKERS = 0 extracts in the crawling process.
    """

    def __init__(self, crawler, workers: int):
        self.crawler = crawler
        self.workers = workers
        self.pool: ProcessPoolExecutor | None = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler, crawler.settings.getint("ADVOCACY_EXTRACT_WORKERS", 2))

    def open_spider(self, spider=None):
        if self.workers > 0:
            # forkserver: forking the multi-threaded crawler itself could copy held locks into workers.
            self.pool = ProcessPoolExecutor(max_workers=self.workers,
                                            mp_context=multiprocessing.get_context("forkserver"))

    def close_spider(self, spider=None):
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

    async def process_item(self, item, spider=None):
        if not isinstance(item, FetchedPage):
            return item
        context = self.crawler.spider.context
        location = archive_page(item, context)
        job = extraction_job(item, context)
        if self.pool is None:
            extracted = run_extraction(job)
        else:
            extracted = await asyncio.wrap_future(self.pool.submit(run_extraction, job))
        context.report(decide(item, extracted, location, context))
        # The page body has been archived; nothing downstream needs it in memory.
        return {"url": item.url}
