"""What an analyst does in a real browser: search, read an article and correct a theme; write a brief and
download it; look at the dashboard's charts and take their figures away as CSV."""
import csv
import io
import zipfile

import pytest

pytest.importorskip("selenium", reason="selenium not installed: pip install -e '.[test]'")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import Select  # noqa: E402

from advocacy.ledger import Ledger  # noqa: E402

from ..conftest import CORPUS, build  # noqa: E402
from .conftest import ANALYST, CORRECTED  # noqa: E402

pytestmark = pytest.mark.browser


def test_search_open_an_article_and_correct_a_theme(browser, site):
    browser.open("/search")
    browser.wait(EC.url_contains("/login?next=%2Fsearch"), "a signed-out visitor is not sent to the login form")
    browser.shown("#username")
    browser.shot("login-form")
    browser.sign_in("/search")
    assert "Amina Tazi" in browser.find("header.site .who").text

    query = browser.shown("#q")
    query.send_keys("theme:health AND (refugees OR réfugiés)")
    browser.shot("query-typed")
    query.send_keys(Keys.ENTER)
    browser.wait(EC.url_contains("q=theme%3Ahealth"), "the query was not submitted")
    browser.shown("ol.hits")
    # The ordinary articles' highlights (the hostile ones' are another test's business).
    ordinary = {build(slug).title for slug in CORPUS}
    marks = [mark.text.lower() for hit in browser.find_all("ol.hits li.hit")
             if hit.find_element(By.CSS_SELECTOR, "h2 a").text in ordinary
             for mark in hit.find_elements(By.CSS_SELECTOR, ".snippet mark")]
    assert marks and all("fug" in mark for mark in marks), marks        # refugees / réfugiés, and nothing else
    assert browser.find("#q").get_attribute("value") == "theme:health AND (refugees OR réfugiés)"
    browser.shot("results")

    browser.driver.find_element(By.LINK_TEXT, CORRECTED.title).click()
    browser.wait(EC.url_contains(f"/articles/{CORRECTED.id}"), "the result's link did not open the article")
    assert browser.shown("article.article h1").text == CORRECTED.title
    browser.shot("article")

    # The form of the health theme: type why, then confirm it.
    form = browser.driver.find_element(
        By.XPATH, "//ul[@class='themes']//form[.//input[@name='theme' and @value='health']]")
    form.find_element(By.NAME, "note").send_keys("checked in the browser")
    form.find_element(By.CSS_SELECTOR, "button[name=verdict][value=yes]").click()
    notice = browser.shown("main p.notice")
    assert "Your correction is recorded" in notice.text
    assert browser.driver.current_url.endswith(f"/articles/{CORRECTED.id}?notice=corrected")
    assert browser.find("article.article h1").text == CORRECTED.title        # back on the same article
    browser.shot("corrected")

    with Ledger(site.data_dir / "ledger.db") as ledger:
        history = [(row["article_id"], row["theme"], row["verdict"], row["note"])
                   for row in ledger.correction_history()]
    assert (CORRECTED.id, "health", "yes", f"checked in the browser [by {ANALYST}]") in history


def _choose(browser, css: str, value: str) -> None:
    Select(browser.find(css)).select_by_value(value)


def test_build_a_brief_and_download_it(browser):
    browser.sign_in("/briefs")
    _choose(browser, "#brief-template", "policy-paper")
    browser.find("#brief-title").send_keys("Health care for migrants")
    browser.find("input[name=themes][value=health]").click()
    _choose(browser, "select[name=format]", "md")
    browser.shot("markdown-form")
    browser.find("form.brief button[type=submit]").click()
    markdown = browser.downloaded(".md").read_text(encoding="utf-8")
    assert markdown.startswith("# Health care for migrants")
    assert "## Health" in markdown and "## Sources" in markdown
    # Which health articles are cited is the evidence chooser's business; that some are is this test's.
    assert any(build(slug).title in markdown for slug in ("doctors", "medecins", "clinic")), markdown[:2000]
    assert not browser.find_all("main p.error")
    browser.shot("markdown-downloaded")

    # Afresh: the form's button stays busy for a while after a download, as it should for a person.
    browser.open("/briefs")
    _choose(browser, "#brief-template", "position-paper")
    _choose(browser, "select[name=country]", "MA")
    _choose(browser, "select[name=format]", "docx")
    inputs = browser.find("#brief-inputs")
    inputs.clear()
    inputs.send_keys("position: Every migrant can see a doctor.\n"
                     "arguments:\n  - claim: Clinics help.\n    theme: health\n")
    browser.shot("word-form")
    browser.find("form.brief button[type=submit]").click()
    word = browser.downloaded(".docx")
    with zipfile.ZipFile(word) as package:
        assert "word/document.xml" in package.namelist()
        document = package.read("word/document.xml").decode("utf-8")
    assert "Every migrant can see a doctor." in document and "Clinics help." in document
    browser.shot("word-downloaded")


def test_the_dashboard_shows_its_charts_and_gives_their_figures(browser):
    browser.sign_in("/dashboard")
    query = browser.shown("#q")
    query.send_keys("theme:health")
    query.send_keys(Keys.ENTER)
    browser.wait(EC.url_contains("q=theme%3Ahealth"), "the dashboard's query was not submitted")
    charts = browser.find_all("section.panel figure.chart img")
    assert [c.find_element(By.XPATH, "ancestor::section").get_attribute("id") for c in charts] == [
        "attention", "outlets", "themes", "share-of-voice"]
    for chart in charts:
        # The charts load lazily: bring each into view as a reader scrolling down would.
        browser.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", chart)
        browser.wait(lambda d: d.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0",
                                                chart), f"the chart {chart.get_attribute('src')} did not load")
        browser.shot(chart.find_element(By.XPATH, "ancestor::section").get_attribute("id"))

    link = browser.find("#attention p.downloads a[href^='/dashboard/attention.csv']")
    browser.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", link)
    link.click()
    rows = list(csv.DictReader(io.StringIO(browser.downloaded("attention.csv").read_text(encoding="utf-8-sig"))))
    assert rows and {"period", "count"} <= set(rows[0])
    assert sum(int(row["count"]) for row in rows) >= 3          # the dated health articles of the small index
