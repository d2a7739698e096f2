"""Downloader middlewares of the collect stage."""
from __future__ import annotations

from scrapy.exceptions import NotConfigured


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
