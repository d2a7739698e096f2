"""A stored story is fetched again when its feed says it changed; sitemaps announced in robots.txt are used."""
import json
import os
import sqlite3
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.crawler.replies import reply

pytestmark = pytest.mark.slow

PARAGRAPH = ("Migrants and asylum seekers in Oujda were refused treatment at the regional hospital last week, "
             "associations said, because they could not show a residence permit at the admissions desk. ")


class Site:
    def __init__(self):
        self.version = 1
        self.updated = "2026-01-10T08:00:00Z"
        handler = self._handler()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def page(self, title, text):
        return (f"<html><head><title>{title}</title><meta property='og:type' content='article'>"
                f"<meta property='article:published_time' content='2026-01-09T08:00:00Z'></head><body><article>"
                f"<h1>{title}</h1>" + "".join(f"<p>{text} {n}</p>" for n in range(4)) + "</article></body></html>")

    def _handler(self):
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                routes = {
                    "/robots.txt": ("text/plain", f"User-agent: *\nSitemap: {site.base}/hidden-sitemap.xml\n"),
                    "/feed.xml": ("application/rss+xml", (
                        "<?xml version='1.0'?><rss xmlns:atom='http://www.w3.org/2005/Atom' version='2.0'><channel>"
                        f"<item><link>{site.base}/story.html</link><pubDate>Fri, 09 Jan 2026 08:00:00 GMT</pubDate>"
                        f"<atom:updated>{site.updated}</atom:updated></item></channel></rss>")),
                    "/hidden-sitemap.xml": ("application/xml", (
                        "<?xml version='1.0'?><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
                        f"<url><loc>{site.base}/only-in-sitemap.html</loc></url></urlset>")),
                    "/story.html": ("text/html; charset=utf-8", site.page(
                        "Hospital turns migrants away" if site.version == 1 else "Hospital turns migrants away (updated)",
                        PARAGRAPH + ("" if site.version == 1 else "The ministry has since opened an inquiry."))),
                    "/only-in-sitemap.html": ("text/html; charset=utf-8", site.page(
                        "Refugee children kept out of school in Rabat",
                        "Refugee and migrant children in Rabat were kept out of school because their parents could "
                        "not show a residence permit or a birth certificate, an association of migrants said.")),
                }
                if self.path not in routes:
                    self.send_error(404)
                    return
                reply(self, *routes[self.path])

        return Handler


def crawl(data_dir, sources):
    env = {**os.environ, "ADVOCACY_CRAWLER_DOWNLOAD_DELAY": "0", "ADVOCACY_CRAWLER_CRAWL_DEPTH": "0"}
    result = subprocess.run([sys.executable, "-m", "advocacy.cli", "--data-dir", str(data_dir), "crawl", "--sources",
                             str(sources), "--force"], capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_changed_stories_are_refreshed_and_robots_sitemaps_followed(tmp_path):
    site = Site()
    try:
        sources = tmp_path / "sources.toml"
        sources.write_text(f'[[outlet]]\nkey = "local"\nhomepage = "{site.base}/"\nfeeds = ["{site.base}/feed.xml"]\n')
        crawl(tmp_path / "d", sources)
        db = sqlite3.connect(tmp_path / "d" / "ledger.db")
        urls = {url: json.loads(record) for url, record in db.execute("SELECT url, record FROM articles")}
        assert f"{site.base}/only-in-sitemap.html" in urls  # found through robots.txt only
        story = urls[f"{site.base}/story.html"]
        assert "inquiry" not in story["text"]

        crawl(tmp_path / "d", sources)  # unchanged: nothing refetched or altered
        unchanged = json.loads(db.execute("SELECT record FROM articles WHERE url=?", (f"{site.base}/story.html",)).fetchone()[0])
        assert unchanged["content_hash"] == story["content_hash"]

        site.version, site.updated = 2, "2099-01-01T00:00:00Z"
        output = crawl(tmp_path / "d", sources)
        assert "updated" in output
        record, stage = db.execute("SELECT record, stage FROM articles WHERE url=?", (f"{site.base}/story.html",)).fetchone()
        refreshed = json.loads(record)
        assert "inquiry" in refreshed["text"] and refreshed["title"].endswith("(updated)")
        assert refreshed["id"] == story["id"] and stage == "collected"  # same story, to be enriched again
        assert db.execute("SELECT COUNT(*) FROM articles").fetchone()[0] == 2
    finally:
        site.server.shutdown()
