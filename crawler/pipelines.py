"""Scrapy item pipelines of the collect stage: thin wrappers around :func:`collect_page`."""
from __future__ import annotations

from advocacy.crawler.collect import FetchedPage, collect_page


class CollectPipeline:
    """Archive, extract, filter, deduplicate and store each fetched page (see ``collect.collect_page``)."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item, spider=None):
        if isinstance(item, FetchedPage):
            context = self.crawler.spider.context
            outcome = collect_page(item, context)
            context.outcomes.append(outcome)
            if context.on_outcome:
                context.on_outcome(outcome)
        return item
