"""Article content as a browser shows it: markup in titles, texts and outlet names stays text and runs
nothing on any page; the interface speaks French when asked, while an Arabic article reads right to left.

Escaping is what is under test. The pages' Content-Security-Policy would block inline script even if
escaping failed, so the checks do not stop at "no script ran": the strings must be visible as text, no
element they describe may exist, and the policy must have had nothing to block."""
import pytest

pytest.importorskip("selenium", reason="selenium not installed: pip install -e '.[test]'")
from selenium.common.exceptions import NoAlertPresentException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402

from .conftest import ARABIC, HOSTILE, MARKUP, STARRED, SYNTAX, XSS  # noqa: E402

pytestmark = pytest.mark.browser

# What would exist in the page had a string of the corpus become markup.
INJECTED = "img[src='x'], svg, iframe, main script, [onerror], [onload]"


def assert_nothing_ran(browser, scripts=("/static/app.js",)) -> None:
    try:
        alert = browser.driver.switch_to.alert
        text = alert.text
        alert.dismiss()
        pytest.fail(f"an alert appeared: {text!r}")
    except NoAlertPresentException:
        pass
    state = browser.driver.execute_script(
        "return {xss: typeof window.__xss, violations: window.__cspViolations,"
        " scripts: Array.from(document.scripts).map(function (s) { return s.getAttribute('src'); }),"
        " injected: Array.from(document.querySelectorAll(arguments[0])).map(function (e) { return e.outerHTML; })}",
        INJECTED)
    assert state["xss"] == "undefined", "a string of the XSS corpus ran as script"
    assert state["violations"] == [], f"the Content-Security-Policy had to block: {state['violations']}"
    assert state["scripts"] == list(scripts), state["scripts"]
    assert state["injected"] == [], state["injected"]


def assert_shown_as_text(browser, strings, within="main") -> None:
    text = browser.find(within).text
    missing = [s for s in strings if s not in text]
    assert not missing, f"not shown as text: {missing}"


def _search(browser):
    query = browser.shown("#q")
    query.send_keys("border")
    query.send_keys(Keys.ENTER)
    browser.shown("ol.hits")
    titles = [link.text for link in browser.find_all("ol.hits h2 a")]
    # Hybrid search lists articles close in meaning as well; the two that say "border" must be among them.
    assert {article.title for article in HOSTILE} <= set(titles), titles


def _article(browser):
    _search(browser)
    browser.driver.find_element(By.LINK_TEXT, HOSTILE[0].title).click()
    browser.wait(EC.url_contains(f"/articles/{HOSTILE[0].id}"), "the hostile article did not open")
    assert browser.shown("article.article h1").text == HOSTILE[0].title
    # Each paragraph of the text is one string of the corpus, shown as written.
    assert [p.text for p in browser.find_all("section.text p")] == [f"Refugees were held at the border {s}"
                                                                   for s in XSS]
    assert browser.find("dl.facts dd").text.startswith(HOSTILE[0].outlet_name)


def _dashboard(browser):
    browser.open("/dashboard?q=border")
    charts = browser.find_all("section.panel figure.chart img")
    assert charts
    for chart in charts:
        browser.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", chart)
        browser.wait(lambda d: d.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0",
                                                chart), f"the chart {chart.get_attribute('src')} did not load")
    cells = [cell.text for cell in browser.find_all("section.panel td")]
    for article in HOSTILE:         # the outlets table names the outlets, share of voice the organisations
        assert article.outlet_name in cells and article.entities[0].name in cells, cells


PAGES = {"search": _search, "article": _article, "dashboard": _dashboard}


@pytest.mark.parametrize("page", list(PAGES))
def test_markup_in_article_content_stays_text(browser, page):
    browser.sign_in("/search")
    PAGES[page](browser)
    browser.driver.execute_script("window.scrollTo(0, 0)")
    browser.shot(page)
    assert_nothing_ran(browser)
    assert_shown_as_text(browser, XSS)


def test_only_the_matched_words_are_highlighted(browser):
    browser.sign_in("/search?q=asylum&mode=keyword")
    link = browser.driver.find_element(By.LINK_TEXT, STARRED.title)
    snippet = link.find_element(By.XPATH, "ancestor::li[contains(@class, 'hit')]//p[@class='snippet']")
    browser.shot("starred-snippet")
    assert [mark.text.lower() for mark in snippet.find_elements(By.TAG_NAME, "mark")] == ["asylum"]
    assert "**2024**" in snippet.text


def html_brief(browser):
    """Write a brief citing the hostile article as HTML through the form, and open the downloaded file."""
    from selenium.webdriver.support.ui import Select

    browser.sign_in("/briefs")
    Select(browser.find("#brief-template")).select_by_value("position-paper")
    Select(browser.find("select[name=format]")).select_by_value("html")
    inputs = browser.find("#brief-inputs")
    inputs.clear()
    # An argument whose query finds the hostile articles makes sure the brief cites them.
    inputs.send_keys("position: Nobody should be held at a border.\n"
                     "arguments:\n  - claim: People are held at the border.\n    query: border\n")
    browser.find("form.brief button[type=submit]").click()
    path = browser.downloaded(".html")
    browser.driver.get(path.as_uri())
    browser.shown("h1")
    assert HOSTILE[0].outlet_name.split(" ")[0] in browser.find("body").text
    return path


def test_a_brief_in_html_runs_none_of_the_article_markup(browser):
    html_brief(browser)
    browser.shot("html-brief")
    assert_nothing_ran(browser, scripts=())
    assert_shown_as_text(browser, MARKUP, within="body")


def test_a_brief_in_html_quotes_markdown_syntax_as_written(browser):
    html_brief(browser)
    outside = browser.driver.execute_script(
        "return Array.from(document.images).map(function (i) { return i.getAttribute('src'); })"
        ".filter(function (src) { return !src.startsWith('data:'); })")
    assert outside == [], "the brief loads images from outside itself"
    assert_shown_as_text(browser, SYNTAX, within="body")


def test_french_interface_and_an_arabic_article_right_to_left(browser):
    browser.sign_in("/search")
    nav = [link.text for link in browser.find_all("header.site nav a")]
    assert nav == ["Search", "Dashboard", "Alerts", "Briefs", "Sources"]
    browser.find("form.language button[value=fr]").click()
    browser.wait(lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fr",
                 "the FR button did not switch the pages to French")
    assert [link.text for link in browser.find_all("header.site nav a")] == [
        "Recherche", "Tableau de bord", "Alertes", "Notes", "Sources"]
    assert browser.driver.current_url.endswith("/search")            # the switch comes back to the same page
    assert browser.find("form.language button[value=fr]").get_attribute("aria-pressed") == "true"
    browser.shot("french")

    browser.open(f"/articles/{ARABIC.id}")
    text = browser.shown("section.text")
    assert (text.get_attribute("lang"), text.get_attribute("dir")) == ("ar", "rtl")
    # Not only the attribute: the browser lays the text out right to left.
    assert browser.driver.execute_script("return getComputedStyle(arguments[0]).direction", text) == "rtl"
    assert browser.find("article.article h1").get_attribute("dir") == "rtl"
    assert text.find_element(By.TAG_NAME, "p").text == ARABIC.text.split("\n\n")[0]
    # The article keeps its language; the interface around it stays French.
    assert browser.find("html").get_attribute("lang") == "fr"
    assert browser.find("header.site nav a").text == "Recherche"
    browser.shot("arabic-article")
    assert_nothing_ran(browser)
