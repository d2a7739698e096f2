"""Collect: discover, fetch politely, archive, extract, filter and deduplicate news articles.

The stage's API; everything Scrapy-specific stays behind :func:`crawl`.
"""
from advocacy.crawler.archive import RawPage, WarcArchive
from advocacy.crawler.collect import CollectContext, FetchedPage, Outcome, collect_page
from advocacy.crawler.errors import ArchiveError, CrawlerError, SourcesError
from advocacy.crawler.extract import Extracted, extract_article
from advocacy.crawler.relevance import RelevanceFilter
from advocacy.crawler.runner import CrawlOptions, CrawlReport, crawl
from advocacy.crawler.sources import Outlet, load_sources, parse_sources

__all__ = [
    "ArchiveError", "CollectContext", "CrawlOptions", "CrawlReport", "CrawlerError", "Extracted", "FetchedPage",
    "Outcome", "Outlet", "RawPage", "RelevanceFilter", "SourcesError", "WarcArchive", "collect_page", "crawl",
    "extract_article", "load_sources", "parse_sources",
]
