"""The real application in a real browser: uvicorn serves the app on a free port of 127.0.0.1 and headless
Chromium, driven through chromedriver (Selenium), clicks and types in it as a person would.

Fixtures:

* ``site`` (session): the running server over a small index — the articles of tests/web/conftest.py, two
  articles whose title, text, outlet name and organisations are an XSS corpus, an Arabic article and one
  whose text keeps Markdown's ** — with an analyst account that signs in through the login form.
* ``chrome`` (session): one headless Chromium for the whole run; starting one takes seconds.
* ``browser`` (each test): that Chromium signed out, in no chosen language, downloading into the test's
  own directory, with helpers to sign in, wait, take screenshots and collect downloads.

Screenshots (one per step, and one when a test fails) go to ``$ADVOCACY_SCREENSHOTS``, by default
``test-artifacts/screenshots/`` at the repository root (ignored by git), so that CI can keep them.

Without Chromium or chromedriver every test here is skipped with the reason; ``./scripts/setup`` run as root
on Debian installs both.
"""
from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from advocacy.article import Article, Entity, Passage, ThemeScore, article_id
from advocacy.index.sqlite import SqliteStore
from advocacy.ledger import Ledger

from ..conftest import DIMENSION, PASSWORD, build, fill_index, make_app, make_settings
from ..test_pages import arabic_article          # the page tests' Arabic article, right to left

ROOT = Path(__file__).resolve().parents[3]
DEFAULT_SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = ("/usr/bin/chromium", "chromium")            # Debian's paths first, then whatever is on PATH
CHROMEDRIVER = ("/usr/bin/chromedriver", "chromedriver")
NOT_INSTALLED = ("{what} not installed: run ./scripts/setup as root, or apt-get install chromium "
                 "chromium-driver")
WAIT = 20           # seconds for a page or a download; generous because CI machines are often busy
ANALYST = "amina"

# Each string would run script if a page let it through as markup. They all set window.__xss (some also
# call alert) so that a test can ask the page whether any of them ran.
MARKUP = (
    "<script>window.__xss=1</script>",
    '"><img src=x onerror="window.__xss=1">',
    "'><svg onload=window.__xss=1>",
    "</textarea><script>window.__xss=1;alert(1)</script>",
    '<iframe srcdoc="<script>parent.__xss=1</script>"></iframe>',
)
# Strings that mean something to a template or a Markdown renderer (briefs are written in Markdown first):
# they too must come out as written.
SYNTAX = (
    "**<img src=x onerror=alert(2)>**",         # the snippets' own ** highlighting markers around markup
    "{{ 7*7 }}",                                # template syntax, not 49
    "![pixel](http://127.0.0.1:9/pixel.png)",   # a Markdown image: would be fetched when a brief is opened
)
XSS = MARKUP + SYNTAX
HOSTILE_TITLE = "Refugees held at the border"


def hostile_article(slug: str, language: str, payloads) -> Article:
    """An article about refugees at a border whose title, text, outlet name and named organisation carry
    ``payloads`` (so it is found by the query ``border`` and charted on the dashboard)."""
    url = f"http://hostile.test/{slug}"
    joined = " ".join(payloads)
    text = "\n\n".join(f"Refugees were held at the border {payload}" for payload in payloads)
    return Article(id=article_id(url), url=url, outlet=f"hostile-{slug}", outlet_name=f"Border {joined}",
                   country="MA", language=language, title=f"{HOSTILE_TITLE} {joined}", text=text,
                   published_at="2024-02-01T09:00:00+00:00", published_at_source="feed",
                   fetched_at="2024-03-01T10:00:00+00:00", stage="indexed",
                   themes=[ThemeScore("health", 0.8, reason=joined)],
                   entities=[Entity(f"org:{slug}", f"Agency {joined}", "organisation", [], 2)],
                   passages=[Passage(0, text, 0, len(text))])


HOSTILE = (hostile_article("all", "en", XSS), hostile_article("some", "fr", XSS[:2]))
ARABIC = arabic_article()


def starred_article() -> Article:
    """Scraped text sometimes keeps Markdown's bold markers: the very ** the index puts around matched words."""
    url = "http://atlas.test/asylum-waits"
    text = "Figures for **2024** show that asylum seekers wait eight months for their papers in Rabat."
    return Article(id=article_id(url), url=url, outlet="atlas", outlet_name="The Atlas Tribune", country="MA",
                   language="en", title="Asylum seekers wait longer for their papers", text=text,
                   published_at="2024-02-25T09:00:00+00:00", published_at_source="page-metadata",
                   fetched_at="2024-03-01T10:00:00+00:00", stage="indexed",
                   themes=[ThemeScore("housing", 0.6, reason="papers")], passages=[Passage(0, text, 0, len(text))])


STARRED = starred_article()
# The article the search test corrects: corrections are kept in the ledger, so it must be there too.
CORRECTED = build("doctors")


def build_data(data_dir: Path) -> None:
    fill_index(data_dir)
    store = SqliteStore(data_dir / "index.db")
    # The small corpus uses the first five dimensions; each extra article gets one of its own, and the
    # last (with no dimension left) points between two of them.
    for position, article in enumerate((*HOSTILE, ARABIC, STARRED), start=5):
        vector = np.zeros(DIMENSION, dtype=np.float32)
        vector[position if position < DIMENSION else [3, 4]] = 1.0
        store.upsert(article, vectors=(vector / np.linalg.norm(vector))[None, :])
    store.close()
    with Ledger(data_dir / "ledger.db") as ledger:
        # "collected": the correction is recorded at once, without loading the tagger's models.
        ledger.add_article(build("doctors", stage="collected"))


# -- the server ------------------------------------------------------------------------------------------

@dataclass
class Site:
    url: str
    app: object
    data_dir: Path
    username: str = ANALYST
    password: str = PASSWORD


def _wait_for_health(url: str, thread: threading.Thread, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        if not thread.is_alive():
            raise RuntimeError("the test server stopped while starting; see the log above")
        if time.monotonic() > deadline:
            raise RuntimeError(f"the test server did not answer {url}/healthz within {timeout} s")
        time.sleep(0.05)


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    """The app served by uvicorn on a free port of 127.0.0.1, in a thread of this process (so that the
    small stand-in encoder of tests/web/conftest.py replaces the embedding model)."""
    import uvicorn

    data_dir = tmp_path_factory.mktemp("browser-site")
    build_data(data_dir)
    app = make_app(make_settings(data_dir))
    app.state.accounts.add_user(ANALYST, PASSWORD, role="analyst", display_name="Amina Tazi")
    # Binding the socket here, on port 0, lets the system choose a free port and tells us which before
    # uvicorn starts; no fixed port can clash with another run.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    url = "http://127.0.0.1:%d" % sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="browser-test-server",
                              daemon=True)
    thread.start()
    try:
        _wait_for_health(url, thread)
        yield Site(url=url, app=app, data_dir=data_dir)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


# -- the browser -----------------------------------------------------------------------------------------

def _installed(candidates) -> str | None:
    path, name = candidates
    return path if os.access(path, os.X_OK) else shutil.which(name)


# Installed before any page script runs, and outside the page's Content-Security-Policy: it records what
# that policy blocks, so that markup which slipped through escaping is noticed even though CSP stops it.
CSP_RECORDER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push(event.violatedDirective + " " + (event.blockedURI || "") + " " + (event.sample || ""));
});
"""


@pytest.fixture(scope="session")
def chrome(tmp_path_factory):
    pytest.importorskip("selenium", reason="selenium not installed: pip install -e '.[test]'")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary, driver_path = _installed(CHROMIUM), _installed(CHROMEDRIVER)
    if binary is None:
        pytest.skip(NOT_INSTALLED.format(what="chromium"))
    if driver_path is None:
        pytest.skip(NOT_INSTALLED.format(what="chromedriver"))
    work = tmp_path_factory.mktemp("chrome")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    # --no-sandbox: Chromium's sandbox cannot start as root, as CI containers run; /dev/shm is small there.
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000",
                     "--lang=en-GB", "--disable-gpu", "--no-first-run", "--disable-extensions", "--disable-sync",
                     # Nothing but the test server: no update checks or other calls out during a test.
                     "--disable-background-networking", "--disable-component-update", "--disable-default-apps"):
        options.add_argument(argument)
    options.add_experimental_option("prefs", {
        "download.default_directory": str(work), "download.prompt_for_download": False,
        # The pages follow Accept-Language: English unless a test chooses French with the switch.
        "intl.accept_languages": "en-GB,en",
    })
    # An alert left open (as injected script would leave it) stays for the test to see, not dismissed.
    options.unhandled_prompt_behavior = "ignore"
    # An explicit driver path also keeps Selenium Manager from looking for drivers on the network.
    service = Service(executable_path=driver_path, log_output=str(work / "chromedriver.log"))
    driver = webdriver.Chrome(options=options, service=service)
    try:
        driver.set_page_load_timeout(WAIT)
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": CSP_RECORDER})
        yield driver
    finally:
        driver.quit()


def _screenshot_dir() -> Path:
    directory = Path(os.environ.get("ADVOCACY_SCREENSHOTS") or DEFAULT_SCREENSHOTS)
    directory.mkdir(parents=True, exist_ok=True)
    return directory


class Browser:
    """The session's Chromium as one test uses it."""

    def __init__(self, driver, site: Site, downloads: Path, shots: Path, test_name: str):
        self.driver, self.site, self.downloads = driver, site, downloads
        self._shots, self._name, self._count = shots, test_name, 0

    # pages
    def open(self, path: str) -> None:
        self.driver.get(self.site.url + path)

    def wait(self, condition, message: str = "", timeout: float = WAIT):
        from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
        from selenium.webdriver.support.ui import WebDriverWait

        # While a click loads the next page, an element found on the old one goes stale mid-check: try again.
        return WebDriverWait(self.driver, timeout, ignored_exceptions=(
            NoSuchElementException, StaleElementReferenceException)).until(condition, message)

    def find(self, css: str):
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.CSS_SELECTOR, css)

    def find_all(self, css: str) -> list:
        from selenium.webdriver.common.by import By

        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def shown(self, css: str):
        """Wait until an element matching ``css`` is visible, and return it."""
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as EC

        return self.wait(EC.visibility_of_element_located((By.CSS_SELECTOR, css)), f"nothing visible matches {css}")

    def sign_in(self, page: str = "/search") -> None:
        """Ask for ``page``, be sent to the login form, fill it in and land on ``page``."""
        from selenium.webdriver.support import expected_conditions as EC

        self.open(page)
        self.wait(EC.url_contains("/login?next="), "a signed-out visitor is not sent to the login form")
        self.shown("#username").send_keys(self.site.username)
        self.find("#password").send_keys(self.site.password)
        self.find("form[action='/login'] button[type=submit]").click()
        self.wait(lambda d: "/login" not in d.current_url and d.find_elements("css selector", "header.site nav"),
                  "signing in did not lead back to the page asked for")

    # evidence
    def shot(self, step: str) -> Path:
        """Save a screenshot of the page as it is now, numbered in the order of the test's steps."""
        self._count += 1
        path = self._shots / f"{self._name}--{self._count:02d}-{step}.png"
        self.driver.save_screenshot(str(path))
        return path

    def downloaded(self, suffix: str, timeout: float = WAIT) -> Path:
        """The file ending in ``suffix`` once Chromium has finished writing it to the download directory."""
        def finished(_):
            if any(p.name.endswith(".crdownload") for p in self.downloads.iterdir()):
                return None
            found = [p for p in self.downloads.iterdir() if p.name.endswith(suffix) and p.stat().st_size > 0]
            return found[0] if found else None

        return self.wait(finished, f"no {suffix} file arrived in {self.downloads}", timeout=timeout)


def _safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_")


REPORTS = pytest.StashKey[dict]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    # Kept on the test item so the browser fixture knows, at teardown, whether the test failed.
    report = yield
    item.stash.setdefault(REPORTS, {})[report.when] = report
    return report


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives the web pages in headless Chromium (tests/web/browser)")


@pytest.fixture
def browser(chrome, site, tmp_path, request):
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    # Browser.setDownloadBehavior redirects downloads for this test; the preference set at start-up
    # cannot be changed afterwards.
    chrome.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    # Cookies can only be cleared for the site the browser is on: go there, then forget the session and
    # the language chosen by an earlier test.
    chrome.get(site.url + "/healthz")
    chrome.delete_all_cookies()
    shots = _screenshot_dir()
    name = _safe_name(request.node.name)
    for old in shots.glob(f"{name}--*.png"):       # this test's pictures from an earlier run
        old.unlink()
    driven = Browser(chrome, site, downloads, shots, name)
    yield driven
    reports = request.node.stash.get(REPORTS, {})
    if any(report.failed for report in reports.values()):
        try:
            driven.shot("FAILED")
        except Exception as exc:       # an open alert or a dead browser: the failure itself says more
            print(f"no screenshot of the failure: {exc}")
