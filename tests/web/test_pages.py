"""The HTML pages as a person uses them: signing in, the layout, languages, search and articles.

The helpers here (a small index with hostile and Arabic articles, session clients, the CSRF token of a
page, an audit of the markup) serve the other test_pages_* modules too."""
import csv
import io
import re
from html.parser import HTMLParser

import numpy as np
import pytest
from fastapi.testclient import TestClient

from advocacy.article import Article, Entity, Figure, Passage, Quote, ThemeScore, article_id
from advocacy.index.sqlite import SqliteStore

from .conftest import DIMENSION, PASSWORD, build, fill_index, make_app, make_settings, token_client

DOCTORS, MEDECINS = build("doctors").id, build("medecins").id

XSS = ['<script>alert(1)</script>', '"><img src=x onerror=alert(2)>', "'><svg onload=alert(3)>",
       '</textarea><script>alert(4)</script>', '{{7*7}}', '<a href="javascript:alert(5)">x</a>',
       'لاجئون <b onmouseover=alert(6)>مهاجرون</b>', '</title><script>alert(7)</script>',
       '**<script>alert(8)</script>**', "' onfocus='alert(9)' x='", '<iframe src="//evil.test"></iframe>']
PAYLOAD = " ".join(XSS)
EVIL_URL = "javascript:alert(document.cookie)"

SOURCES = f'''
[[outlet]]
key = "atlas"
name = "The Atlas Tribune"
homepage = "http://atlas.test/"
country = "MA"
feeds = ["http://atlas.test/feed"]

[[outlet]]
key = "echo"
name = "L'Écho du Détroit"
homepage = "http://echo.test/"

[[outlet]]
key = "evil"
name = """{PAYLOAD}"""
homepage = "http://evil.test/"
feeds = ["http://evil.test/feed?q=<script>alert(11)</script>"]
'''


def hostile_article() -> Article:
    """Every field a page shows, filled with markup that must come out as text."""
    text = "\n\n".join(f"Refugees {payload}" for payload in XSS)
    return Article(
        id=article_id(EVIL_URL), url=EVIL_URL, canonical_url=EVIL_URL, outlet="evil", outlet_name=PAYLOAD,
        country="MA", language="en", title="Refugees " + PAYLOAD, text=text, authors=[XSS[2]],
        published_at="2024-02-01T09:00:00+00:00", published_at_source="feed", fetched_at="2024-03-01T10:00:00+00:00",
        stage="indexed", themes=[ThemeScore("health", 0.8, matched_terms={PAYLOAD: 2}, reason=PAYLOAD)],
        entities=[Entity("org:evil", PAYLOAD, "organisation", [PAYLOAD], 2),
                  Entity("person:x", XSS[1], "person", [], 1)],
        figures=[Figure(XSS[0], 3.0, "", PAYLOAD, 0, 5)], quotes=[Quote(XSS[3], XSS[1], PAYLOAD, 0, 5)],
        carried_by=[XSS[0]], duplicates=["javascript:alert(10)", "http://ok.test/<script>"],
        archive={"file": XSS[0], "offset": 1}, passages=[Passage(0, text, 0, len(text))])


def arabic_article() -> Article:
    url = "http://sahel.test/ar-clinic"
    text = "يستقبل المركز الصحي في وجدة اللاجئين والمهاجرين مجانا.\n\nوقالت المفوضية إن الخدمات ستستمر."
    return Article(id=article_id(url), url=url, outlet="sahel", outlet_name="الساحل", country="MA", language="ar",
                   title="اللاجئون في وجدة يحصلون على العلاج", text=text, published_at="2024-01-20T09:00:00+00:00",
                   published_at_source="page-metadata", fetched_at="2024-03-01T10:00:00+00:00", stage="indexed",
                   themes=[ThemeScore("health", 0.7, reason="الصحة")], passages=[Passage(0, text, 0, len(text))])


HOSTILE, ARABIC = hostile_article().id, arabic_article().id


def build_world(data_dir):
    """An app over the small index plus the hostile and Arabic articles, a sources file naming a hostile
    outlet, and a saved search whose query carries markup."""
    from advocacy.alerts import add_alert

    fill_index(data_dir)
    store = SqliteStore(data_dir / "index.db")
    for position, article in ((5, hostile_article()), (6, arabic_article())):
        vector = np.zeros(DIMENSION, dtype=np.float32)
        vector[position] = 1.0
        store.upsert(article, vectors=vector[None, :])
    store.close()
    sources = data_dir / "sources.toml"
    sources.write_text(SOURCES, encoding="utf-8")
    settings = make_settings(data_dir)
    settings.table["sources"]["file"] = str(sources)
    add_alert(settings, "xss-alert", '"<script>alert(12)</script>" OR refugees')
    return make_app(settings)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A shared app for tests that change nothing, with a token client per role."""
    app = build_world(tmp_path_factory.mktemp("pages"))
    clients = {role: token_client(app, f"{role}1", role) for role in ("viewer", "analyst", "admin")}
    return app, clients


@pytest.fixture
def own_site(tmp_path):
    """An app of its own, for tests that change data or accounts."""
    return build_world(tmp_path)


def signed_in(app, username: str, role: str = "viewer", **options) -> TestClient:
    """A browser signed in with the login form, holding a session cookie."""
    if app.state.accounts.get_user(username) is None:
        app.state.accounts.add_user(username, PASSWORD, role=role)
    client = TestClient(app, follow_redirects=False, **options)
    answer = client.post("/login", data={"username": username, "password": PASSWORD, "next": "/search"})
    assert answer.status_code == 303, answer.text
    return client


def csrf_of(client: TestClient, page: str = "/search") -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(page).text).group(1)


ALLOWED_TAGS = {"html", "head", "meta", "title", "link", "script", "body", "a", "header", "nav", "ul", "ol", "li",
                "div", "form", "input", "button", "span", "strong", "main", "h1", "h2", "h3", "p", "details",
                "summary", "table", "thead", "tbody", "tr", "td", "th", "caption", "code", "fieldset", "legend",
                "label", "select", "option", "section", "aside", "mark", "article", "dl", "dt", "dd", "br",
                "figure", "blockquote", "figcaption", "textarea", "footer", "img"}


class _Audit(HTMLParser):
    def __init__(self):
        super().__init__()
        self.problems, self.links = [], []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"unexpected <{tag}>")
        if tag == "script" and attributes != {"src": "/static/app.js", "defer": None}:
            self.problems.append(f"script {attributes}")
        if tag == "img" and not (attributes.get("src") or "").startswith("/dashboard/"):
            self.problems.append(f"image {attributes}")
        for name, value in attrs:
            if name.startswith("on") or name in ("style", "srcdoc", "formaction"):
                self.problems.append(f"attribute {name}={value!r} on <{tag}>")
            if name in ("href", "src", "action") and value is not None:
                if re.match(r"\s*(javascript|data|vbscript):", value, re.I) or value.strip().startswith("//"):
                    self.problems.append(f"{name}={value!r} on <{tag}>")
                self.links.append(value)


def audit(html: str) -> list[str]:
    """What in ``html`` could run or load something: unexpected elements, event attributes, script URLs."""
    parser = _Audit()
    parser.feed(html)
    return parser.problems


# -- signing in ------------------------------------------------------------------------------------------

def test_pages_send_strangers_to_the_login_form_and_back(site):
    app, _ = site
    stranger = TestClient(app, follow_redirects=False)
    answer = stranger.get("/dashboard?q=theme:health&by=month")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=%2Fdashboard%3Fq%3Dtheme%3Ahealth%26by%3Dmonth"
    form = stranger.get(answer.headers["location"])
    assert form.status_code == 200 and 'name="next" value="/dashboard?q=theme:health&amp;by=month"' in form.text
    assert not audit(form.text)
    app.state.accounts.add_user("visitor", PASSWORD)
    signed = stranger.post("/login", data={"username": "visitor", "password": PASSWORD,
                                          "next": "/dashboard?q=theme:health&by=month"})
    assert signed.status_code == 303 and signed.headers["location"] == "/dashboard?q=theme:health&by=month"
    assert stranger.get("/login?next=/alerts").headers["location"] == "/alerts"


@pytest.mark.parametrize("target", ["//evil.test/", "https://evil.test/", "/\\evil.test", "javascript:alert(1)"])
def test_signing_in_never_leaves_the_site(own_site, target):
    own_site.state.accounts.add_user("omar", PASSWORD)
    answer = TestClient(own_site, follow_redirects=False).post(
        "/login", data={"username": "omar", "password": PASSWORD, "next": target})
    assert answer.status_code == 303 and answer.headers["location"] == "/"


def test_a_wrong_password_is_said_on_the_form(own_site):
    own_site.state.accounts.add_user("omar", PASSWORD)
    client = TestClient(own_site, follow_redirects=False)
    answer = client.post("/login", data={"username": "omar", "password": "not the password", "next": "/alerts"})
    assert answer.status_code == 401 and "Wrong username or password." in answer.text
    assert 'value="omar"' in answer.text and 'name="next" value="/alerts"' in answer.text
    assert "advocacy_session" not in answer.headers.get("set-cookie", "")
    empty = client.post("/login", data={"username": "", "password": ""})
    assert empty.status_code == 400 and "Enter your username and your password." in empty.text


def test_too_many_attempts_say_when_to_try_again(own_site):
    own_site.state.accounts.add_user("omar", PASSWORD)
    client = TestClient(own_site, follow_redirects=False, headers={"Accept-Language": "fr"})
    for _ in range(5):
        client.post("/login", data={"username": "omar", "password": "guess guess guess"})
    answer = client.post("/login", data={"username": "omar", "password": PASSWORD})
    assert answer.status_code == 429 and "Trop de tentatives : réessayez dans 15 minute(s)." in answer.text
    assert int(answer.headers["retry-after"]) > 800


def test_signing_out_needs_the_token_and_ends_the_session(own_site):
    client = signed_in(own_site, "omar")
    assert client.post("/logout").status_code == 403
    answer = client.post("/logout", data={"csrf_token": csrf_of(client)})
    assert answer.status_code == 303 and answer.headers["location"] == "/login"
    assert client.get("/search").status_code == 303


# -- the layout ------------------------------------------------------------------------------------------

PAGES = ["/", "/search", "/search?q=refugees", f"/articles/{DOCTORS}", f"/articles/{ARABIC}", "/dashboard",
         "/dashboard?q=theme:health&by=month", "/alerts", "/briefs", "/sources"]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_answers_a_viewer(site, path):
    _, clients = site
    answer = clients["viewer"].get(path)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in answer.headers["content-security-policy"]
    assert answer.headers["cache-control"] == "no-store"
    assert not audit(answer.text)
    assert '<form method="post" action="/logout"' in answer.text and 'href="/admin/users"' not in answer.text


def test_static_files_are_served_from_the_package(site):
    stranger = TestClient(site[0])
    css = stranger.get("/static/app.css")
    assert css.status_code == 200 and "@media print" in css.text
    assert stranger.get("/static/app.js").headers["content-type"].startswith(("application/javascript",
                                                                              "text/javascript"))


def test_the_navigation_shows_users_to_admins_only(site):
    _, clients = site
    assert 'href="/admin/users"' in clients["admin"].get("/search").text
    assert 'href="/admin/users"' not in clients["analyst"].get("/search").text
    assert clients["analyst"].get("/admin/users").status_code == 403
    assert clients["viewer"].get("/admin/users").status_code == 403
    assert clients["admin"].get("/admin/users").status_code == 200


def test_pages_stay_out_of_the_api_description(site):
    _, clients = site
    paths = clients["viewer"].get("/openapi.json").json()["paths"]
    assert all(path.startswith("/api/") or path == "/healthz" for path in paths)


# -- languages -------------------------------------------------------------------------------------------

def _nav(html: str) -> list[str]:
    return re.findall(r'<li><a href="/[a-z/]+"(?: aria-current="page")?>([^<]+)</a></li>', html)


def test_the_same_page_in_french_and_english(site):
    app, clients = site
    english = clients["viewer"].get("/dashboard").text
    french = clients["viewer"].get("/dashboard", headers={"Cookie": "advocacy_language=fr"}).text
    assert _nav(english) == ["Search", "Dashboard", "Alerts", "Briefs", "Sources"]
    assert _nav(french) == ["Recherche", "Tableau de bord", "Alertes", "Notes", "Sources"]
    assert '<html lang="fr">' in french and '<html lang="en">' in english
    assert "Attention dans le temps" in french and "Attention over time" in english
    browser = clients["viewer"].get("/search", headers={"Accept-Language": "de-DE,fr;q=0.8,en;q=0.5"}).text
    assert '<html lang="fr">' in browser


def test_the_language_switch_keeps_the_page(own_site):
    client = signed_in(own_site, "omar")
    answer = client.post("/language", data={"language": "fr", "next": "/search?q=refugees",
                                             "csrf_token": csrf_of(client)})
    assert answer.status_code == 303 and answer.headers["location"] == "/search?q=refugees"
    assert "advocacy_language=fr" in answer.headers["set-cookie"]
    assert "Rechercher dans l&#39;actualité" in client.get("/search?q=refugees").text
    assert client.post("/language", data={"language": "en", "next": "/"}).status_code == 403
    stranger = TestClient(own_site, follow_redirects=False)
    assert stranger.post("/language", data={"language": "fr", "next": "/login"}).status_code == 303


def test_the_configured_language_is_the_default(tmp_path):
    fill_index(tmp_path)
    settings = make_settings(tmp_path)
    settings.table["web"]["language"] = "fr"
    app = make_app(settings)
    assert "Connexion" in TestClient(app).get("/login").text
    settings.table["web"]["language"] = "de"
    from advocacy.config import ConfigError

    with pytest.raises(ConfigError, match="web.language must be one of en, fr"):
        make_app(settings)


def test_both_catalogues_have_every_string_the_pages_use():
    from pathlib import Path

    from advocacy.web.i18n import CATALOGUES

    web = Path(__file__).resolve().parents[2] / "advocacy" / "web"
    used, key = set(), re.compile(r"""\bt\(\s*["']([a-z_]+\.[a-zA-Z0-9_.-]*[a-zA-Z0-9])["']""")
    for path in [*web.glob("page_templates/*.html"), *web.glob("pages*.py")]:
        used |= set(key.findall(path.read_text(encoding="utf-8")))
    assert len(used) > 150
    for language, catalogue in CATALOGUES.items():
        assert not used - set(catalogue), (language, sorted(used - set(catalogue)))
    assert set(CATALOGUES["en"]) == set(CATALOGUES["fr"])
    # Keys built from a value in the templates: every value they can take.
    from advocacy.briefs import CITATION_STYLES
    from advocacy.crawler.sources import OUTLET_TYPES
    from advocacy.web.accounts import ROLES
    from advocacy.web.pages import NOTICES, PERIODS, SEARCH_MODES
    from advocacy.web.pages_briefs import FORMATS
    from advocacy.web.pages_search import ENTITY_TYPES

    built = {"nav.": ("search", "dashboard", "alerts", "briefs", "sources", "users"), "role.": ROLES,
             "notice.": NOTICES, "health.": ("ok", "warning", "failing", "unknown"),
             "endpoint.": ("ok", "failing", "never_polled"), "sources.kind_": ("feed", "sitemap"),
             "mode.": SEARCH_MODES, "period.": PERIODS, "format.": FORMATS, "citations.": CITATION_STYLES,
             "outlet_type.": OUTLET_TYPES, "entity.": ENTITY_TYPES, "facet.": ("theme", "language", "outlet", "country"),
             "template.": ("policy-paper", "position-paper", "media-digest"), "country.": ("MA", "ML"),
             "language.": ("ar", "en", "fr", "es"), "date_source.": ("page-metadata", "feed", "sitemap", "url")}
    for prefix, values in built.items():
        for value in values:
            assert all(prefix + value in catalogue for catalogue in CATALOGUES.values()), prefix + value


def test_arabic_articles_read_right_to_left(site):
    _, clients = site
    page = clients["viewer"].get(f"/articles/{ARABIC}").text
    assert '<h1 lang="ar" dir="rtl">اللاجئون في وجدة يحصلون على العلاج</h1>' in page
    assert re.search(r'<section class="text" lang="ar" dir="rtl"', page)
    english = clients["viewer"].get(f"/articles/{DOCTORS}").text
    assert '<h1 lang="en" dir="ltr">' in english
    hits = clients["viewer"].get("/search", params={"q": "وجدة", "mode": "keyword"}).text
    assert re.search(r'<h2 lang="ar" dir="rtl"><a href="/articles/' + ARABIC, hits)


# -- search ----------------------------------------------------------------------------------------------

def test_search_marks_matches_after_escaping(site):
    _, clients = site
    page = clients["viewer"].get("/search", params={"q": "theme:health AND (réfugiés OR refugees)",
                                                    "mode": "keyword"}).text
    assert "<mark>refugees</mark>" in page and "<mark>réfugiées</mark>" in page
    assert "3 matching article(s)" in page and "**" not in page.split("<main")[1].split("placeholder")[0]
    hostile = clients["viewer"].get("/search", params={"q": "script", "mode": "keyword"}).text
    assert "&lt;<mark>script</mark>&gt;alert" in hostile and not audit(hostile)


def test_facets_link_to_a_narrower_search(site):
    _, clients = site
    page = clients["viewer"].get("/search", params={"q": "theme:health", "mode": "keyword"}).text
    link = re.search(r'<a href="(/search\?[^"]*lang=fr[^"]*)"><span dir="auto">French</span> '
                     r'<span class="count">1</span>', page)
    assert link, page
    narrowed = clients["viewer"].get(link.group(1).replace("&amp;", "&")).text
    assert "1 matching article(s)" in narrowed and 'class="active" aria-current="true"' in narrowed
    assert "Des médecins bénévoles soignent les réfugiés" in narrowed


def test_results_come_in_pages(site, monkeypatch):
    from advocacy.web import pages_search

    monkeypatch.setattr(pages_search, "PAGE_SIZE", 2)
    _, clients = site
    first = clients["viewer"].get("/search", params={"mode": "keyword"}).text
    assert "7 matching article(s)" in first and first.count('<li class="hit">') == 2
    assert 'rel="next"' in first and 'rel="prev"' not in first
    assert '<span aria-current="page" class="current">1' in first
    last = clients["viewer"].get("/search", params={"mode": "keyword", "page": "4"}).text
    assert last.count('<li class="hit">') == 1 and 'rel="next"' not in last and 'rel="prev"' in last
    beyond = clients["viewer"].get("/search", params={"mode": "keyword", "page": "400"})
    assert beyond.status_code == 200 and "No article matches" in beyond.text


@pytest.mark.parametrize("query, where", [("(refugees AND", "at position 10"), ('"unclosed', "at the end"),
                                          ("themes:health", 'did you mean "theme"')])
def test_a_malformed_query_is_explained_beside_the_box(site, query, where):
    _, clients = site
    answer = clients["viewer"].get("/search", params={"q": query})
    assert answer.status_code == 200
    error = re.search(r'<p id="query-error" class="error" role="alert">(.*?)</p>', answer.text, re.S).group(1)
    assert where in error.replace("&#34;", '"') and 'aria-invalid="true"' in answer.text
    assert 'value="' + query.replace('"', "&#34;") + '"' in answer.text


def test_odd_filters_are_left_out_and_said(site):
    _, clients = site
    page = clients["viewer"].get("/search", params={"since": "yesterday", "mode": "fast", "page": "x"}).text
    assert "“yesterday” is not a date" in page and "“fast” is not a search mode" in page
    assert "7 matching article(s)" in page


def test_results_download_as_csv(site):
    _, clients = site
    answer = clients["viewer"].get("/search.csv", params={"q": "refugees", "mode": "keyword"})
    assert answer.headers["content-type"].startswith("text/csv")
    assert 'filename="search.csv"' in answer.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    doctors = next(row for row in rows if row["id"] == DOCTORS)
    assert doctors["snippet"].startswith("…doctors gave free consultations to 340 refugees in Rabat")
    hostile = next(row for row in rows if row["id"] == HOSTILE)
    assert hostile["url"] == EVIL_URL and hostile["title"].startswith("Refugees <script>")
    bad = clients["viewer"].get("/search.csv", params={"q": "(refugees AND"})
    assert bad.status_code == 400 and "AND needs something" in bad.text


# -- an article ------------------------------------------------------------------------------------------

def test_an_article_page_shows_everything_known(site):
    _, clients = site
    page = clients["viewer"].get(f"/articles/{DOCTORS}").text
    for expected in ("Volunteer doctors treat refugees", "The Atlas Tribune", "2024-01-03", "2024-03-01",
                     '<a href="http://atlas.test/doctors" rel="noopener noreferrer nofollow"', "crawl-atlas.warc.gz",
                     "at byte 1200", "Health", "90.0%", "about health", "UNHCR", "340 refugees",
                     "Nobody should be turned away", "Karim Benali", "L&#39;Écho du Détroit", "Similar articles"):
        assert expected in page, expected
    assert page.count('<li><a href="/articles/') >= 1


def test_an_unknown_article_is_a_404(site):
    _, clients = site
    answer = clients["viewer"].get("/articles/0123456789abcdef")
    assert answer.status_code == 404 and "0123456789abcdef" in answer.text


def test_error_pages_keep_the_site_around_them_in_the_readers_language(site):
    _, clients = site
    missing = clients["viewer"].get("/no-such-page")
    assert missing.status_code == 404
    assert "There is no page at this address." in missing.text and 'href="/search"' in missing.text
    assert '<nav' in missing.text and "<h1>Not found</h1>" in missing.text
    refused = clients["analyst"].get("/admin/users", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert refused.status_code == 403 and "<h1>Non autorisé</h1>" in refused.text and '<nav' in refused.text
    assert refused.headers["Cache-Control"] == "no-store" and "Content-Security-Policy" in refused.headers
    unknown = clients["viewer"].get("/articles/0123456789abcdef")
    assert unknown.status_code == 404 and "<h1>Not found</h1>" in unknown.text


def test_an_error_page_for_a_stranger_offers_to_sign_in(site):
    app, _ = site
    missing = TestClient(app).get("/no-such-page")
    assert missing.status_code == 404 and "There is no page at this address." in missing.text
    assert 'href="/admin/users"' not in missing.text and 'href="/dashboard"' not in missing.text
