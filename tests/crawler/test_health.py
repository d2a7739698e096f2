"""Checking outlets' feeds and sitemaps against a real local web server that misbehaves on purpose."""
from __future__ import annotations

import gzip
import socket
import threading
import time
import zlib
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from advocacy.crawler.health import EndpointCheck, check_endpoints, summarise
from advocacy.crawler.sources import Outlet

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)
TIMEOUT = 0.5
MAX_BYTES = 50_000
USER_AGENT = "AdvocacyMonitor-test/1.0 (+https://example.org/contact)"
PROXY_ENV = ("http_proxy", "https_proxy", "all_proxy", "no_proxy",
             "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


def rss_date(age: timedelta) -> str:
    return format_datetime(NOW - age, usegmt=True)


def iso_date(age: timedelta) -> str:
    return (NOW - age).isoformat()


def rss(*ages: timedelta) -> bytes:
    items = "".join(f"<item><title>Story {n}</title><link>http://127.0.0.1/story-{n}.html</link>"
                    f"<pubDate>{rss_date(age)}</pubDate></item>" for n, age in enumerate(ages))
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Tribune</title>'
            f"<link>http://127.0.0.1/</link>{items}</channel></rss>").encode()


FRESH_RSS = rss(timedelta(hours=2), timedelta(days=1), timedelta(days=3),
                timedelta(days=-30))  # a mistyped date a month ahead must not hide anything
STALE_RSS = rss(timedelta(days=60), timedelta(days=75))
EMPTY_RSS = rss()
ATOM = f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Echo</title>
  <entry><title>A</title><link href="http://127.0.0.1/a.html"/><id>urn:a</id>
    <published>{iso_date(timedelta(days=5))}</published><updated>{iso_date(timedelta(days=1))}</updated></entry>
  <entry><title>B</title><link href="http://127.0.0.1/b.html"/><id>urn:b</id>
    <updated>{iso_date(timedelta(days=4))}</updated></entry>
</feed>""".encode()
SITEMAP_INDEX = f"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>http://127.0.0.1/sitemap-news.xml</loc><lastmod>{iso_date(timedelta(days=1))}</lastmod></sitemap>
  <sitemap><loc>http://127.0.0.1/sitemap-2024.xml</loc><lastmod>{iso_date(timedelta(days=40))}</lastmod></sitemap>
</sitemapindex>""".encode()
URLSET = f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
  <url><loc>http://127.0.0.1/edited-often.html</loc><lastmod>{iso_date(timedelta(hours=1))}</lastmod>
    <news:news><news:publication_date>{iso_date(timedelta(days=3))}</news:publication_date></news:news></url>
  <url><loc>http://127.0.0.1/plain.html</loc><lastmod>{iso_date(timedelta(days=2))}</lastmod></url>
  <url><loc>http://127.0.0.1/undated.html</loc></url>
</urlset>""".encode()
HOMEPAGE = b"<!DOCTYPE html><html><head><title>Tribune</title></head><body><p>News&nbsp;today</p></body></html>"


class Site(BaseHTTPRequestHandler):
    stop = threading.Event()
    seen: list[tuple[str, str, str]] = []  # (host or "", path, User-Agent)

    def log_message(self, format, *args):
        pass

    def do_GET(self):
        # Through a proxy the request line holds the whole address; the host then picks a "virtual" site.
        target = urlsplit(self.path)
        host = target.hostname or ""
        self.seen.append((host, target.path, self.headers.get("User-Agent", "")))
        route = ROUTES.get(f"{host}{target.path}" if host.endswith(".proxied.test") else target.path)
        try:
            if route is None:
                self.send_error(404)
            else:
                route(self)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the checker hangs up on purpose once it has seen enough

    def answer(self, body: bytes, *, content_type: str = "application/xml", status: int = 200,
               headers: tuple[tuple[str, str], ...] = ()):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def redirect(self, location: str, status: int = 302):
        self.answer(b"", content_type="text/plain", status=status, headers=(("Location", location),))


def slow(site: Site):
    Site.stop.wait(2.0)
    site.answer(FRESH_RSS)


def trickle(site: Site):
    # Each byte comes well within the socket timeout; only the whole-endpoint deadline can stop this.
    site.send_response(200)
    site.send_header("Content-Type", "application/rss+xml")
    site.end_headers()
    for _ in range(30):
        if Site.stop.wait(0.1):
            return
        site.wfile.write(b" ")
        site.wfile.flush()


def huge_undeclared(site: Site):
    site.send_response(200)
    site.send_header("Content-Type", "application/rss+xml")
    site.end_headers()
    site.wfile.write(b'<?xml version="1.0"?><rss><channel>')
    for _ in range(25):
        site.wfile.write(b"<!-- padding -->" * 512)


def huge_declared(site: Site):
    site.send_response(200)
    site.send_header("Content-Type", "application/rss+xml")
    site.send_header("Content-Length", "10000000")
    site.end_headers()
    site.wfile.write(b'<?xml version="1.0"?><rss>')


def hang_up(site: Site):
    site.connection.shutdown(socket.SHUT_RDWR)


def chain(length: int):
    def hop(site: Site):
        step = int(site.path.rsplit("/", 1)[1])
        if step < length:
            site.redirect(f"/chain{length}/{step + 1}")
        else:
            site.answer(FRESH_RSS, content_type="application/rss+xml")
    return hop


ROUTES = {
    "/rss": lambda site: site.answer(FRESH_RSS, content_type="application/rss+xml"),
    "/atom": lambda site: site.answer(ATOM, content_type="application/atom+xml"),
    "/stale.rss": lambda site: site.answer(STALE_RSS),
    "/empty.rss": lambda site: site.answer(EMPTY_RSS),
    "/sitemap-index.xml": lambda site: site.answer(SITEMAP_INDEX),
    "/sitemap-news.xml": lambda site: site.answer(URLSET),
    "/sitemap.xml.gz": lambda site: site.answer(gzip.compress(URLSET), content_type="application/x-gzip"),
    "/broken": lambda site: site.send_error(500),
    "/homepage.html": lambda site: site.answer(HOMEPAGE, content_type="text/html"),
    "/gzip.rss": lambda site: site.answer(gzip.compress(FRESH_RSS), headers=(("Content-Encoding", "gzip"),)),
    "/bomb.rss": lambda site: site.answer(gzip.compress(b"<rss>" + b" " * 2_000_000 + b"</rss>"),
                                          headers=(("Content-Encoding", "gzip"),)),
    "/damaged.rss": lambda site: site.answer(gzip.compress(FRESH_RSS)[:40], headers=(("Content-Encoding", "gzip"),)),
    "/deflate-zlib": lambda site: site.answer(zlib.compress(FRESH_RSS), headers=(("Content-Encoding", "deflate"),)),
    # Some servers send "deflate" without the zlib header and checksum.
    "/deflate-raw": lambda site: site.answer(zlib.compress(FRESH_RSS)[2:-4],
                                             headers=(("Content-Encoding", "deflate"),)),
    "/hang-up": hang_up,
    "/slow": slow,
    "/trickle": trickle,
    "/huge": huge_undeclared,
    "/huge-declared": huge_declared,
    "/loop-a": lambda site: site.redirect("/loop-b"),
    "/loop-b": lambda site: site.redirect("http://127.0.0.1:%d/loop-a" % site.server.server_address[1]),
    "/to-ftp": lambda site: site.redirect("ftp://127.0.0.1/feed.xml"),
    "/chain5/0": chain(5), "/chain5/1": chain(5), "/chain5/2": chain(5), "/chain5/3": chain(5),
    "/chain5/4": chain(5), "/chain5/5": chain(5),
    "/chain6/0": chain(6), "/chain6/1": chain(6), "/chain6/2": chain(6), "/chain6/3": chain(6),
    "/chain6/4": chain(6), "/chain6/5": chain(6), "/chain6/6": chain(6),
    "news.proxied.test/rss": lambda site: site.answer(FRESH_RSS),
    "news.proxied.test/moved": lambda site: site.redirect("http://elsewhere.proxied.test/rss", 301),
    "feeds.news.proxied.test/moved": lambda site: site.redirect("http://news.proxied.test/rss", 301),
    "elsewhere.proxied.test/rss": lambda site: site.answer(FRESH_RSS),
}


class Server(ThreadingHTTPServer):
    daemon_threads = True
    # All checks connect at once; the default backlog of 5 would drop connections and stall them for a second.
    request_queue_size = 64

    def handle_error(self, request, client_address):
        pass  # hanging up mid-answer is what several routes are for


@pytest.fixture(scope="module")
def base():
    server = Server(("127.0.0.1", 0), Site)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        Site.stop.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def refused_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module", autouse=True)
def no_proxy_from_environment():
    with pytest.MonkeyPatch.context() as patch:
        for name in PROXY_ENV:
            patch.delenv(name, raising=False)
        yield


def outlet(key: str, base: str, *, feeds=(), sitemaps=(), homepage: str = "") -> Outlet:
    homepage = homepage or f"{base}/"
    feeds = tuple(f"{base}{path}" if path.startswith("/") else path for path in feeds)
    sitemaps = tuple(f"{base}{path}" if path.startswith("/") else path for path in sitemaps)
    hosts = {urlsplit(url).hostname for url in (homepage, *feeds, *sitemaps)}
    return Outlet(key=key, name=key.title(), homepage=homepage, feeds=feeds, sitemaps=sitemaps,
                  domains=tuple(sorted(hosts)))


@pytest.fixture(scope="module")
def outlets(base, refused_port):
    return [
        outlet("fresh", base, feeds=("/rss", "/atom"), sitemaps=("/sitemap-index.xml", "/sitemap-news.xml")),
        outlet("stale", base, feeds=("/stale.rss",)),
        outlet("one-quiet-feed", base, feeds=("/stale.rss", "/gzip.rss")),
        outlet("mixed", base, feeds=("/gzip.rss", "/missing"), sitemaps=("/broken", "/sitemap.xml.gz")),
        outlet("misfiled", base, feeds=("/homepage.html", "/sitemap-news.xml", "/empty.rss"), sitemaps=("/rss",)),
        outlet("slow", base, feeds=("/slow", "/trickle")),
        outlet("heavy", base, feeds=("/huge", "/huge-declared", "/bomb.rss", "/damaged.rss")),
        outlet("redirects", base, feeds=("/loop-a", "/chain5/0", "/chain6/0", "/to-ftp")),
        outlet("odd-servers", base, feeds=("/deflate-zlib", "/deflate-raw", "/hang-up",
                                           f"https://{urlsplit(base).netloc}/rss")),
        outlet("crawl-only", base),
        outlet("unreachable", f"http://127.0.0.1:{refused_port}", feeds=("/feed",)),
    ]


@pytest.fixture(scope="module")
def run(outlets):
    reported: list[EndpointCheck] = []
    started = time.monotonic()
    checks = check_endpoints(outlets, user_agent=USER_AGENT, timeout=TIMEOUT, max_bytes=MAX_BYTES,
                             silent_after_days=14, workers=16, now=NOW, progress=reported.append)
    return checks, reported, time.monotonic() - started


@pytest.fixture(scope="module")
def by_url(run):
    checks, _, _ = run
    return {(check.outlet, urlsplit(check.url).path): check for check in checks}


def assert_check(check: EndpointCheck, *, ok, http_status, items, newest, problem):
    assert (check.ok, check.http_status, check.items, check.newest, check.problem) == (
        ok, http_status, items, newest, problem)


def test_results_follow_outlets_then_feeds_then_sitemaps(run, outlets):
    checks, reported, _ = run
    expected = [(o.key, kind, url) for o in outlets
                for kind, urls in (("feed", o.feeds), ("sitemap", o.sitemaps)) for url in urls]
    assert [(c.outlet, c.kind, c.url) for c in checks] == expected
    assert sorted(map(id, reported)) == sorted(map(id, checks))


def test_all_checks_finish_quickly_despite_slow_endpoints(run):
    checks, _, total = run
    assert total < 4.0
    assert all(0 <= check.elapsed < TIMEOUT + 1.0 for check in checks)


def test_the_user_agent_is_sent(run):
    assert {agent for _, path, agent in Site.seen if path == "/rss"} == {USER_AGENT}


def test_good_feeds_and_sitemaps(by_url):
    assert_check(by_url["fresh", "/rss"], ok=True, http_status=200, items=4,
                 newest=NOW - timedelta(hours=2), problem="")
    # Atom entries are dated by <published> when they have one, as the spider dates them.
    assert_check(by_url["fresh", "/atom"], ok=True, http_status=200, items=2,
                 newest=NOW - timedelta(days=4), problem="")
    assert_check(by_url["fresh", "/sitemap-index.xml"], ok=True, http_status=200, items=2,
                 newest=NOW - timedelta(days=1), problem="")
    # news:publication_date wins over a more recent lastmod, which only says the article was edited.
    assert_check(by_url["fresh", "/sitemap-news.xml"], ok=True, http_status=200, items=3,
                 newest=NOW - timedelta(days=2), problem="")
    assert {check.kind for key, check in by_url.items() if key[0] == "fresh"} == {"feed", "sitemap"}


def test_a_feed_that_stopped_publishing_answers_but_is_called_silent(by_url):
    assert_check(by_url["stale", "/stale.rss"], ok=True, http_status=200, items=2,
                 newest=NOW - timedelta(days=60), problem="silent for 60 days (newest item 2026-09-24)")


def test_http_errors_and_compressed_answers(by_url):
    assert_check(by_url["mixed", "/gzip.rss"], ok=True, http_status=200, items=4,
                 newest=NOW - timedelta(hours=2), problem="")
    assert_check(by_url["mixed", "/missing"], ok=False, http_status=404, items=0, newest=None,
                 problem="HTTP 404 (not found)")
    assert_check(by_url["mixed", "/broken"], ok=False, http_status=500, items=0, newest=None,
                 problem="HTTP 500 (internal server error)")
    assert_check(by_url["mixed", "/sitemap.xml.gz"], ok=True, http_status=200, items=3,
                 newest=NOW - timedelta(days=2), problem="")


def test_wrong_documents_are_named(by_url):
    assert_check(by_url["misfiled", "/homepage.html"], ok=False, http_status=200, items=0, newest=None,
                 problem="not an RSS/Atom feed (a web page came back)")
    assert_check(by_url["misfiled", "/sitemap-news.xml"], ok=False, http_status=200, items=0, newest=None,
                 problem="not an RSS/Atom feed (it is a sitemap: list it under sitemaps)")
    assert_check(by_url["misfiled", "/empty.rss"], ok=False, http_status=200, items=0, newest=None,
                 problem="no items")
    assert_check(by_url["misfiled", "/rss"], ok=False, http_status=200, items=0, newest=None,
                 problem="not a sitemap (it is a feed: list it under feeds)")


def test_slow_servers_time_out(by_url):
    assert_check(by_url["slow", "/slow"], ok=False, http_status=None, items=0, newest=None,
                 problem="timed out after 0.5 s")
    # The headers came at once, so the status is known; the body never finished.
    assert_check(by_url["slow", "/trickle"], ok=False, http_status=200, items=0, newest=None,
                 problem="timed out after 0.5 s")


def test_oversized_answers_are_cut_off(by_url):
    for path in ("/huge", "/huge-declared"):
        assert_check(by_url["heavy", path], ok=False, http_status=200, items=0, newest=None,
                     problem="larger than 50 kB")
    assert_check(by_url["heavy", "/bomb.rss"], ok=False, http_status=200, items=0, newest=None,
                 problem="larger than 50 kB once decompressed")
    assert_check(by_url["heavy", "/damaged.rss"], ok=False, http_status=200, items=0, newest=None,
                 problem="damaged compressed data (cut short)")


def test_redirects_are_limited(base, by_url):
    assert_check(by_url["redirects", "/loop-a"], ok=False, http_status=302, items=0, newest=None,
                 problem=f"redirect loop (sent back to {base}/loop-a)")
    assert_check(by_url["redirects", "/chain5/0"], ok=True, http_status=200, items=4,
                 newest=NOW - timedelta(hours=2), problem="")
    assert_check(by_url["redirects", "/chain6/0"], ok=False, http_status=302, items=0, newest=None,
                 problem="more than 5 redirects")
    assert_check(by_url["redirects", "/to-ftp"], ok=False, http_status=None, items=0, newest=None,
                 problem="redirected to a non-web address (ftp://127.0.0.1/feed.xml)")


def test_both_kinds_of_deflate_and_odd_servers(by_url):
    for path in ("/deflate-zlib", "/deflate-raw"):
        assert_check(by_url["odd-servers", path], ok=True, http_status=200, items=4,
                     newest=NOW - timedelta(hours=2), problem="")
    assert_check(by_url["odd-servers", "/hang-up"], ok=False, http_status=None, items=0, newest=None,
                 problem="the server closed the connection without answering")
    # An https address on a server that only speaks plain HTTP.
    assert_check(by_url["odd-servers", "/rss"], ok=False, http_status=None, items=0, newest=None,
                 problem="TLS error: wrong version number")


def test_a_refused_connection(by_url):
    assert_check(by_url["unreachable", "/feed"], ok=False, http_status=None, items=0, newest=None,
                 problem="connection refused")


def test_outlet_verdicts(run):
    checks, _, _ = run
    assert summarise(checks) == {
        "fresh": "ok",
        "stale": "warning",
        "one-quiet-feed": "ok",
        "mixed": "warning",
        "misfiled": "failing",
        "slow": "failing",
        "heavy": "failing",
        "redirects": "warning",
        "odd-servers": "warning",
        "unreachable": "failing",
    }


def test_through_a_proxy_and_to_another_site(base):
    news = Outlet(key="news", name="News", homepage="http://news.proxied.test/",
                  feeds=("http://news.proxied.test/rss", "http://news.proxied.test/moved",
                         "http://feeds.news.proxied.test/moved"),
                  domains=("news.proxied.test", "feeds.news.proxied.test"))
    checks = check_endpoints([news], user_agent=USER_AGENT, timeout=TIMEOUT, max_bytes=MAX_BYTES, proxy=base,
                             now=NOW)
    fresh = NOW - timedelta(hours=2)
    assert_check(checks[0], ok=True, http_status=200, items=4, newest=fresh, problem="")
    assert_check(checks[1], ok=True, http_status=200, items=4, newest=fresh,
                 problem="redirected to another site: http://elsewhere.proxied.test/rss")
    # Moving between the outlet's own hosts is not worth a remark.
    assert_check(checks[2], ok=True, http_status=200, items=4, newest=fresh, problem="")
    assert ("elsewhere.proxied.test", "/rss", USER_AGENT) in Site.seen
    assert summarise(checks) == {"news": "ok"}


def test_a_refusing_proxy_is_named(refused_port):
    news = Outlet(key="news", name="News", homepage="http://news.proxied.test/",
                  feeds=("http://news.proxied.test/rss",), domains=("news.proxied.test",))
    proxy = f"http://127.0.0.1:{refused_port}"
    (check,) = check_endpoints([news], user_agent=USER_AGENT, timeout=TIMEOUT, proxy=proxy, now=NOW)
    assert_check(check, ok=False, http_status=None, items=0, newest=None,
                 problem=f"connection refused by the proxy {proxy}")


def test_addresses_that_are_not_web_addresses_are_not_fetched():
    odd = Outlet(key="odd", name="Odd", homepage="http://odd.test/", feeds=("ftp://odd.test/feed",))
    (check,) = check_endpoints([odd], user_agent=USER_AGENT, timeout=TIMEOUT, now=NOW)
    assert_check(check, ok=False, http_status=None, items=0, newest=None,
                 problem="not a web address (it starts with ftp:, not http: or https:)")


def test_nothing_to_check():
    assert check_endpoints([], user_agent=USER_AGENT) == []
    assert summarise([]) == {}


def _check(outlet_key: str, *, ok: bool, problem: str = "") -> EndpointCheck:
    return EndpointCheck(outlet=outlet_key, kind="feed", url="http://x.test/feed", ok=ok, http_status=200,
                         items=1, newest=None, problem=problem, elapsed=0.1)


@pytest.mark.parametrize("checks, verdict", [
    ([_check("a", ok=True), _check("a", ok=True)], "ok"),
    ([_check("a", ok=True), _check("a", ok=True, problem="silent for 20 days (newest item 2026-11-03)")], "ok"),
    ([_check("a", ok=True, problem="silent for 20 days (newest item 2026-11-03)")] * 2, "warning"),
    ([_check("a", ok=True), _check("a", ok=False, problem="HTTP 404 (not found)")], "warning"),
    ([_check("a", ok=False, problem="HTTP 404 (not found)"), _check("a", ok=False, problem="no items")], "failing"),
])
def test_summarise_rules(checks, verdict):
    assert summarise(checks) == {"a": verdict}
