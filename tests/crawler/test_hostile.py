"""The real crawl, run as a user runs it, against a site that misbehaves in every way real outlets do.

One crawl of ``HostileSite`` and then a second one on the same data directory. Each test reads the ledger
that the ``advocacy crawl`` subprocess left behind and checks the decision a careful crawler records for
one hostile case, with its reason. The assertions state what should happen, not what happens today.
"""
from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from advocacy.article import article_id
from tests.crawler.hostile_server import (CASES, EXPECTED_WORDS, FEED, FEED_CASES, LOOP_B, OUTLET_KEY, PAGE_CASES,
                                          RETRY_AFTER, VARIANT_CANONICAL, HostileSite)

pytestmark = pytest.mark.slow

CRAWL_TIMEOUT = 120
RSS_LIMIT_BYTES = int(1.5 * 1024 ** 3)
SETTINGS = {
    "ADVOCACY_CRAWLER_DOWNLOAD_DELAY": "0",
    "ADVOCACY_CRAWLER_TIMEOUT": "3",
    "ADVOCACY_CRAWLER_MAX_PAGE_BYTES": "2000000",
    "ADVOCACY_CRAWLER_CRAWL_DEPTH": "1",
}
SETTLED = ("stored", "duplicate", "off_topic", "not_article")
SIZE_REASON = re.compile(r"(?i)size|too (large|big)|exceed|bytes|\bmb\b|bomb|decompress")
TIMEOUT_REASON = re.compile(r"(?i)time ?out|timed out|took longer")
MOJIBAKE = ("\ufffd", "Ã", "Â", "â€", "Ø§", "Ù")


@dataclass
class CrawlRun:
    returncode: int | None
    stdout: str
    stderr: str
    seconds: float
    hung: bool
    peak_rss: int
    requests_before: dict[str, int]
    requests_after: dict[str, int]
    base_url: str
    pages: dict[str, dict] = field(default_factory=dict)  # url_id -> ledger row after this crawl

    def requested(self, path: str) -> int:
        return self.requests_after.get(path, 0) - self.requests_before.get(path, 0)

    def stderr_tail(self, lines: int = 25) -> str:
        return "\n".join(self.stderr.splitlines()[-lines:])


def _clean_environment() -> dict[str, str]:
    # A developer's own configuration or proxy must not decide where this crawl goes.
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("ADVOCACY_") and k.lower() not in ("http_proxy", "https_proxy", "all_proxy")}
    return {**env, **SETTINGS, "PYTHONUNBUFFERED": "1", "NO_PROXY": "*", "no_proxy": "*"}


def _rss_of_tree(pid: int) -> int:
    """Resident bytes of ``pid`` and all its descendants (extraction may run in worker processes)."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
            total += int(match.group(1)) * 1024 if match else 0
            for task in Path(f"/proc/{current}/task").iterdir():
                stack.extend(int(child) for child in (task / "children").read_text().split())
        except (OSError, ValueError):
            continue
    return total


def _ledger_pages(data_dir: Path) -> dict[str, dict]:
    path = data_dir / "ledger.db"
    if not path.exists():
        return {}
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        db.row_factory = sqlite3.Row
        rows = db.execute("SELECT url_id, url, outlet, status, reason, http_status, attempts FROM pages")
        return {row["url_id"]: dict(row) for row in rows}


def _articles(data_dir: Path) -> list[dict]:
    with sqlite3.connect(f"file:{data_dir / 'ledger.db'}?mode=ro", uri=True) as db:
        return [json.loads(record) for (record,) in db.execute("SELECT record FROM articles")]


def run_crawl(site: HostileSite, data_dir: Path, sources: Path) -> CrawlRun:
    before = site.counts()
    command = [sys.executable, "-m", "advocacy.cli", "--data-dir", str(data_dir), "crawl", "--sources", str(sources)]
    started = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=_clean_environment(), start_new_session=True)
    peak = [0]

    def sample() -> None:
        while process.poll() is None:
            peak[0] = max(peak[0], _rss_of_tree(process.pid))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    hung = False
    try:
        stdout, stderr = process.communicate(timeout=CRAWL_TIMEOUT)
    except subprocess.TimeoutExpired:
        hung = True
        os.killpg(process.pid, signal.SIGKILL)  # the session was created for this crawl alone
        stdout, stderr = process.communicate()
    sampler.join(timeout=5)
    return CrawlRun(returncode=process.returncode, stdout=stdout, stderr=stderr,
                    seconds=time.monotonic() - started, hung=hung, peak_rss=peak[0], requests_before=before,
                    requests_after=site.counts(), base_url=site.base_url,
                    pages=_ledger_pages(data_dir))


@pytest.fixture(scope="module")
def site():
    with HostileSite() as running:
        yield running


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("hostile")


@pytest.fixture(scope="module")
def first(site, data_dir):
    sources = data_dir / "sources.toml"
    sources.write_text(site.sources_toml(), encoding="utf-8")
    run = run_crawl(site, data_dir, sources)
    (data_dir / "first-crawl.log").write_text(f"{run.stdout}\n--- stderr ---\n{run.stderr}")
    return run


@pytest.fixture(scope="module")
def second(site, data_dir, first):
    run = run_crawl(site, data_dir, data_dir / "sources.toml")
    (data_dir / "second-crawl.log").write_text(f"{run.stdout}\n--- stderr ---\n{run.stderr}")
    return run


def row(run: CrawlRun, case_or_path: str) -> dict | None:
    """The ledger row of a case (or of a path on the site), found by URL identity as the ledger keys it."""
    return run.pages.get(article_id(run.base_url + CASES.get(case_or_path, case_or_path)))


def describe(run: CrawlRun, case: str) -> str:
    return f"{case}: ledger row {row(run, case)!r}; crawl exit {run.returncode}; stderr tail:\n{run.stderr_tail()}"


def stored_text(data_dir: Path, page: dict) -> str:
    with sqlite3.connect(f"file:{data_dir / 'ledger.db'}?mode=ro", uri=True) as db:
        found = db.execute("SELECT a.record FROM pages p JOIN articles a ON a.id = p.article_id WHERE p.url_id=?",
                           (page["url_id"],)).fetchone()
    return json.loads(found[0])["text"] if found else ""


# -- the crawl as a whole ----------------------------------------------------------------------------------

def test_crawl_finishes_by_itself_and_exits_cleanly(first):
    assert not first.hung, f"the crawl was still running after {CRAWL_TIMEOUT} s and was killed"
    clear_error = first.returncode != 0 and first.stderr.strip() and "Traceback" not in first.stderr
    assert first.returncode == 0 or clear_error, \
        f"exit {first.returncode} after {first.seconds:.0f} s:\n{first.stderr_tail()}"


def test_crawl_stderr_has_no_tracebacks(first):
    tracebacks = first.stderr.count("Traceback (most recent call last)")
    assert tracebacks == 0, f"{tracebacks} traceback(s) in the crawl's stderr:\n{first.stderr[-4000:]}"


def test_memory_stays_bounded(first):
    assert first.peak_rss > 0, "VmRSS was never sampled"
    assert first.peak_rss < RSS_LIMIT_BYTES, f"peak RSS {first.peak_rss / 2 ** 20:.0f} MiB"


def test_every_case_gets_a_final_decision_with_a_reason(first):
    missing, unreasoned = [], []
    for case in PAGE_CASES:
        page = row(first, case)
        if page is None and case == "redirect_loop":
            page = row(first, LOOP_B)
        if page is None or page["status"] not in (*SETTLED, "failed", "blocked"):
            missing.append(f"{case}: {page!r}")
        elif page["status"] != "stored" and not page["reason"].strip():
            unreasoned.append(f"{case}: {page!r}")
    assert not missing, "no final decision recorded for:\n" + "\n".join(missing)
    assert not unreasoned, "decisions without a reason:\n" + "\n".join(unreasoned)


# -- articles that must be stored, with the right text -----------------------------------------------------

@pytest.mark.parametrize("case", ["control", "missing_charset", "cp1256_meta", "wrong_charset"])
def test_article_is_stored_with_correctly_decoded_text(first, data_dir, case):
    page = row(first, case)
    assert page is not None and page["status"] == "stored", describe(first, case)
    text = stored_text(data_dir, page)
    missing = [word for word in EXPECTED_WORDS[case] if word not in text]
    assert not missing, f"{case}: {missing} not in stored text {text[:300]!r}"
    signs = [sign for sign in MOJIBAKE if sign in text]
    assert not signs, f"{case}: mojibake {signs} in stored text {text[:300]!r}"


# -- responses that must be abandoned ------------------------------------------------------------------------

@pytest.mark.parametrize("case, reason", [("gzip_bomb", SIZE_REASON), ("huge_page", SIZE_REASON),
                                          ("slow_drip", TIMEOUT_REASON)])
def test_oversized_or_endless_response_fails_with_a_reason(first, case, reason):
    page = row(first, case)
    assert page is not None and page["status"] == "failed", describe(first, case)
    assert reason.search(page["reason"]), f"{case}: reason {page['reason']!r} does not say why"


def test_redirect_loop_fails_with_a_redirect_reason(first):
    page = row(first, "redirect_loop") or row(first, LOOP_B)
    requests = f"requests: loop-a {first.requested(CASES['redirect_loop'])}, loop-b {first.requested(LOOP_B)}"
    assert page is not None and page["status"] == "failed", f"{requests}; {describe(first, 'redirect_loop')}"
    assert re.search(r"(?i)redirect", page["reason"]), f"reason {page['reason']!r}"


@pytest.mark.parametrize("case, status", [("not_found", 404), ("gone", 410), ("server_error", 500)])
def test_http_error_fails_with_its_status(first, case, status):
    page = row(first, case)
    assert page is not None and page["status"] == "failed", describe(first, case)
    assert f"HTTP {status}" in page["reason"], f"{case}: reason {page['reason']!r}"
    assert page["http_status"] == status


@pytest.mark.parametrize("case", ["rate_limited", "unavailable"])
def test_retry_after_is_honoured(first, data_dir, site, case):
    code, delay = RETRY_AFTER[case]
    times = site.times(CASES[case])
    assert len(times) >= 2, f"{case}: {code} was never retried ({len(times)} request(s)); {describe(first, case)}"
    early = [round(t - times[0], 2) for t in times[1:] if t - times[0] < delay - 0.05]
    assert not early, (f"{case}: retried {early} s after a {code} with Retry-After: {delay} "
                       f"({len(times)} requests); {describe(first, case)}")
    page = row(first, case)
    assert page is not None, describe(first, case)
    if page["status"] == "stored":
        assert all(word in stored_text(data_dir, page) for word in EXPECTED_WORDS[case])
    else:
        assert page["status"] == "failed" and str(code) in page["reason"], describe(first, case)


def test_robots_txt_forbidden_page_is_blocked_and_never_requested(first, site):
    assert site.count(CASES["robots_private"]) == 0, "the /private/ page was requested"
    page = row(first, "robots_private")
    assert page is not None and page["status"] == "blocked", describe(first, "robots_private")
    assert "robots" in page["reason"].lower()


def test_binary_served_as_html_is_not_stored(first):
    page = row(first, "binary_as_html")
    assert page is not None and page["status"] in ("not_article", "failed"), describe(first, "binary_as_html")
    assert page["reason"].strip()


def test_truncated_body_is_decided_without_crashing(first, record_property):
    page = row(first, "truncated")
    assert page is not None and page["status"] in ("failed", "stored"), describe(first, "truncated")
    record_property("truncated_outcome", f"{page['status']}: {page['reason']}")
    if page["status"] == "failed":
        assert page["reason"].strip()


def test_url_variants_store_one_article(first, data_dir):
    copies = [a for a in _articles(data_dir) if "bridging classes" in a.get("text", "")]
    assert len(copies) == 1, f"{len(copies)} stored copies: {[a.get('url') for a in copies]}"
    decisions = {case: row(first, case) for case in ("variant_utm", "variant_slash", "variant_amp")}
    undecided = {case: page for case, page in decisions.items()
                 if page is None or page["status"] not in ("stored", "duplicate")}
    assert not undecided, f"variants without a stored/duplicate decision: {undecided}"
    article = copies[0]
    canonical = article.get("canonical_url", "")
    assert canonical.endswith(VARIANT_CANONICAL), f"canonical URL {canonical!r}"


def test_malformed_feed_and_sitemap_do_not_stop_the_crawl(first, site):
    assert site.count(CASES["malformed_feed"]) >= 1 and site.count(CASES["malformed_sitemap"]) >= 1
    # Everything the good feed and the home page lead to was still fetched and decided.
    undecided = [case for case in FEED_CASES if row(first, case) is None]
    assert not undecided, f"never decided: {undecided}; {describe(first, 'control')}"


def test_discovery_endpoints_are_not_recorded_as_pages(first):
    # A broken sitemap's empty <loc> resolves to the sitemap's own URL; it is not an article to fetch.
    endpoints = {"/", FEED, CASES["malformed_feed"], CASES["malformed_sitemap"], "/robots.txt"}
    recorded = {path: row(first, path) for path in endpoints if row(first, path) is not None}
    assert not recorded, f"discovery endpoints recorded as article pages: {recorded}"


def test_spider_never_takes_an_endpoint_for_an_article(tmp_path):
    """The crawl above only hits this when the feed is parsed before the home page (then its stories are
    fetched at depth 0 and their "Home" link is followed), so the spider is checked here in that order."""
    from types import SimpleNamespace

    from scrapy.http import HtmlResponse, Request

    from advocacy.crawler.sources import Outlet
    from advocacy.crawler.spider import OutletSpider
    from advocacy.ledger import Ledger

    base = "http://127.0.0.1:8000"
    outlet = Outlet(key=OUTLET_KEY, name="Hostile News", homepage=f"{base}/", feeds=(base + FEED,),
                    sitemaps=(base + CASES["malformed_sitemap"],), domains=("127.0.0.1",))
    ledger = Ledger(tmp_path / "ledger.db")
    spider = OutletSpider(SimpleNamespace(outlets={OUTLET_KEY: outlet}, ledger=ledger, crawl_depth=1))
    for endpoint in (f"{base}/", base, f"{base}/#top", base + FEED, base + CASES["malformed_sitemap"],
                     f"{base}/robots.txt"):
        assert spider.follow_article(endpoint, outlet, via="crawl", depth=1) is None, endpoint

    story = base + CASES["control"]
    response = HtmlResponse(story, body=b'<html><body><nav><a href="/">Home</a></nav></body></html>',
                            request=spider.follow_article(story, outlet, via="feed"))
    followed = [r.url for r in spider.parse_page(response, **response.request.cb_kwargs) if isinstance(r, Request)]
    assert followed == [], f"a story's links led to {followed}"

    moved = base + "/news/2024/05/moved-story.html"
    request = spider.follow_article(moved, outlet, via="feed")
    redirected = request.replace(url=f"{base}/", meta={"redirect_urls": [moved]})
    landing = HtmlResponse(f"{base}/", body=b"<html><body>Hostile News</body></html>", request=redirected)
    assert list(spider.parse_page(landing, **redirected.cb_kwargs)) == []
    ledger.close()
    pages = _ledger_pages(tmp_path)
    assert article_id(f"{base}/") not in pages, "the home page was recorded as a page"
    decision = pages.get(article_id(moved)) or {}
    assert decision.get("status") == "not_article" and "home page" in decision["reason"], decision


def test_status_summarises_the_decisions(first, data_dir):
    result = subprocess.run([sys.executable, "-m", "advocacy.cli", "--data-dir", str(data_dir), "status", "--json"],
                            capture_output=True, text=True, timeout=60, env=_clean_environment())
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    counted: dict[str, int] = {}
    for page in first.pages.values():
        counted[page["status"]] = counted.get(page["status"], 0) + 1
    assert {k: v for k, v in summary["pages"].items() if v} == counted


# -- a second crawl on the same data directory -------------------------------------------------------------

def test_second_crawl_finishes_by_itself_and_exits_cleanly(second):
    assert not second.hung, f"the second crawl was still running after {CRAWL_TIMEOUT} s and was killed"
    assert second.returncode == 0, f"exit {second.returncode}:\n{second.stderr_tail()}"


def test_second_crawl_refetches_nothing_settled(first, second):
    settled = {case: row(first, case)["status"] for case in PAGE_CASES
               if row(first, case) is not None and row(first, case)["status"] in SETTLED}
    assert settled, "nothing was settled by the first crawl"
    refetched = {case: f"{status}, requested {second.requested(CASES[case])} more time(s)"
                 for case, status in settled.items() if second.requested(CASES[case])}
    assert not refetched, f"settled pages fetched again: {refetched}"
    assert second.requested(CASES["robots_private"]) == 0


def test_second_crawl_retries_failed_pages(first, second):
    failed = [case for case in PAGE_CASES if (row(first, case) or {}).get("status") == "failed"]
    if (row(first, LOOP_B) or {}).get("status") == "failed" and "redirect_loop" not in failed:
        failed.append("redirect_loop")
    assert failed, "the first crawl recorded no failed page at all"
    not_retried = [case for case in failed if second.requested(CASES[case]) == 0]
    assert not not_retried, f"failed pages not retried by the second crawl: {not_retried}"
    not_counted = [case for case in failed if (row(second, case) or {}).get("attempts", 0)
                   <= (row(first, case) or {}).get("attempts", 0)]
    assert not not_counted, f"retries not counted in pages.attempts: {not_counted}"


def test_outlet_key_is_recorded(first):
    outlets = {page["outlet"] for page in first.pages.values()}
    assert outlets <= {OUTLET_KEY}, outlets
