"""robots.txt holds for every request to a site, including the many that arrive before its rules do."""
import os
import sqlite3
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.crawler.replies import reply

pytestmark = pytest.mark.slow

STORY = ("Migrants and asylum seekers in Oujda were refused treatment at the regional hospital last week, "
         "associations said, because they could not show a residence permit at the admissions desk. ") * 4


class SlowRobotsSite:
    """robots.txt forbids /private/ and takes a while to arrive, so a crawl's first requests all wait for it."""

    def __init__(self, robots_delay: float = 0.5):
        self.requested: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                site.requested.append(self.path)
                if self.path == "/robots.txt":
                    time.sleep(robots_delay)
                    kind, body = "text/plain", "User-agent: *\nDisallow: /private/\n"
                else:
                    kind = "text/html; charset=utf-8"
                    body = (f"<html><head><title>Hospital turns migrants away {self.path}</title></head><body>"
                            f"<article><h1>Hospital turns migrants away</h1><p>{STORY} {self.path}</p></article>"
                            "</body></html>")
                reply(self, kind, body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


@pytest.fixture
def site():
    served = SlowRobotsSite()
    yield served
    served.close()


def test_requests_waiting_for_robots_txt_are_all_checked_against_it(tmp_path, site):
    forbidden = [f"{site.base}/private/story-{n}.html" for n in range(8)]
    allowed = f"{site.base}/news/story.html"
    urls = tmp_path / "urls.txt"
    urls.write_text("\n".join([*forbidden, allowed]) + "\n")
    env = {**os.environ, "ADVOCACY_CRAWLER_DOWNLOAD_DELAY": "0"}
    result = subprocess.run([sys.executable, "-m", "advocacy.cli", "--data-dir", str(tmp_path / "data"), "import",
                             str(urls)], capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stdout + result.stderr

    assert not [path for path in site.requested if path.startswith("/private/")]
    assert "/news/story.html" in site.requested
    with sqlite3.connect(tmp_path / "data" / "ledger.db") as db:
        statuses = dict(db.execute("SELECT url, status FROM pages").fetchall())
    assert {statuses.get(url) for url in forbidden} == {"blocked"}
    assert statuses[allowed] == "stored"
