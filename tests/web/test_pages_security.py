"""What the pages must never do: run markup from the data, take a change without its CSRF token, show or
accept a form above the user's role, or fail with a server error on an odd address."""
import re

import pytest
from fastapi.testclient import TestClient

# own_site and site are fixtures, shared with test_pages.
from .test_pages import (EVIL_URL, HOSTILE, PAYLOAD, audit, build_world, csrf_of, hostile_article,  # noqa: F401
                         own_site, signed_in, site)

DANGEROUS = ["<script>alert", "<img src=x", "<svg", "<b onmouseover", "<iframe", 'href="javascript:',
             "onerror=alert(2)>", "<a href=\"javascript"]


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    """The shared world, with a user whose display name is markup and the hostile article in their basket."""
    app = build_world(tmp_path_factory.mktemp("hostile"))
    app.state.accounts.add_user("mallory", "a long enough passphrase", role="admin", display_name=PAYLOAD[:100])
    app.state.basket.add("mallory", hostile_article())
    client = signed_in(app, "mallory")
    return app, client


HOSTILE_PAGES = ["/search?q=refugees&mode=keyword", "/search?q=script&mode=keyword", f"/articles/{HOSTILE}",
                 "/dashboard?q=refugees", "/dashboard?q=theme:health&by=day", "/alerts", "/briefs", "/sources",
                 "/admin/users", "/search?q=%3Cscript%3Ealert(1)%3C/script%3E%20AND",
                 "/search?notice=%3Cscript%3Ealert(1)%3C/script%3E", "/search?theme=%3Cscript%3E&outlet=%22%3E%3Cb%3E",
                 "/dashboard?outlet=%3Cscript%3Ealert(1)%3C/script%3E&since=%3Cb%3E"]


@pytest.mark.parametrize("path", HOSTILE_PAGES)
def test_markup_in_the_data_is_shown_as_text(hostile_site, path):
    _, client = hostile_site
    answer = client.get(path)
    assert answer.status_code == 200, answer.text
    problems = audit(answer.text)
    assert not problems, problems
    for fragment in DANGEROUS:
        assert fragment not in answer.text, fragment


def test_every_hostile_field_reaches_the_article_page_escaped(hostile_site):
    _, client = hostile_site
    page = client.get(f"/articles/{HOSTILE}").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<p>Refugees {{7*7}}</p>" in page
    assert "&lt;/textarea&gt;&lt;script&gt;alert(4)&lt;/script&gt;" in page
    # The javascript: address is shown, never linked; so is the copy's.
    assert EVIL_URL in page and 'href="' + EVIL_URL not in page and "javascript:alert(10)" in page
    assert '<a href="http://ok.test/&lt;script&gt;"' in page
    assert 'لاجئون &lt;b onmouseover=alert(6)&gt;مهاجرون&lt;/b&gt;' in page


def test_the_reading_list_cannot_close_the_inputs_box(hostile_site):
    _, client = hostile_site
    page = client.get("/briefs").text
    box = re.search(r'<textarea id="brief-inputs"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    assert "Refugees &lt;script&gt;alert(1)&lt;/script&gt;" in box and "&lt;/textarea&gt;" in box
    assert "# Reading list from your evidence basket:" in box and EVIL_URL in box


def test_highlights_never_turn_text_into_markup():
    from advocacy.web.pages import marked

    assert str(marked("<script>alert(1)</script> and a<b>", [(0, 25), (30, 34)])) == \
        "<mark>&lt;script&gt;alert(1)&lt;/script&gt;</mark> and <mark>a&lt;b&gt;</mark>"
    assert str(marked('x" onmouseover="y')) == "x&#34; onmouseover=&#34;y"
    # Stars and tags in the text are the outlet's, never a highlight; offsets beyond the text are ignored.
    assert str(marked("**2024** <mark>x</mark>", [[9, 99]])) == "**2024** <mark>&lt;mark&gt;x&lt;/mark&gt;</mark>"
    assert str(marked("**2024**")) == "**2024**"
    assert str(marked(None)) == ""


@pytest.mark.parametrize("url, linked", [("http://a.test/x", True), ("https://a.test/", True),
                                         ("javascript:alert(1)", False), (" JavaScript:alert(1)", False),
                                         ("data:text/html,<b>", False), ("//evil.test/", False),
                                         ("/relative", False), ("http://a.test/\nx", False), ("", False)])
def test_only_web_addresses_become_links(url, linked):
    from advocacy.web.pages import web_link

    assert (web_link(url) is not None) == linked


# -- CSRF ------------------------------------------------------------------------------------------------

FORMS = [("/logout", {}), ("/alerts", {"name": "x", "query": "refugees"}), ("/alerts/xss-alert/delete", {}),
         ("/alerts/xss-alert/run", {"preview": "1"}), ("/basket/add", {"article_id": HOSTILE}),
         ("/basket/remove", {"article_id": HOSTILE}), ("/basket/clear", {}),
         ("/briefs", {"template": "policy-paper", "format": "md"}),
         ("/sources", {"key": "x", "name": "x", "homepage": "http://93.184.216.34/"}),
         ("/admin/users", {"username": "eve", "password": "a long enough passphrase",
                           "password_again": "a long enough passphrase"}),
         ("/admin/users/role", {"username": "mallory", "role": "viewer"}),
         ("/admin/users/state", {"username": "mallory", "disabled": "1"}),
         ("/admin/users/remove", {"username": "mallory"}),
         (f"/articles/{HOSTILE}/themes", {"theme": "health", "verdict": "no"}),
         ("/language", {"language": "fr"})]


@pytest.mark.parametrize("path, form", FORMS)
def test_a_form_without_its_token_is_refused(own_site, path, form):
    client = signed_in(own_site, "amina", "admin")
    for token in (None, "forged-token"):
        data = dict(form, **({"csrf_token": token} if token else {}))
        answer = client.post(path, data=data)
        assert answer.status_code == 403, (path, answer.text)
        assert "security token" in answer.text
    assert client.get("/search").status_code == 200      # still signed in, nothing changed


def test_forms_carry_the_token_that_lets_them_through(own_site):
    client = signed_in(own_site, "amina", "analyst")
    token = csrf_of(client)
    answer = client.post("/alerts", data={"name": "health-oujda", "query": "theme:health", "csrf_token": token})
    assert answer.status_code == 303
    header = client.post("/basket/add", data={"article_id": HOSTILE}, headers={"X-CSRF-Token": token})
    assert header.status_code == 303


# -- roles -----------------------------------------------------------------------------------------------

ANALYST_FORMS = ['action="/basket/add"', f'action="/articles/{HOSTILE}/themes"', 'name="verdict"', 'action="/alerts"',
                 'action="/alerts/xss-alert/delete"', 'action="/alerts/xss-alert/run"', 'action="/briefs"',
                 'action="/sources#add"']


def test_a_viewer_sees_no_analyst_form_and_cannot_send_one(own_site):
    viewer = signed_in(own_site, "omar", "viewer")
    pages = "".join(viewer.get(path).text for path in ("/search?q=refugees&mode=keyword", f"/articles/{HOSTILE}",
                                                       "/alerts", "/briefs", "/sources"))
    for form in ANALYST_FORMS:
        assert form not in pages, form
    assert "Writing briefs needs the analyst role" in pages
    token = csrf_of(viewer)
    for path, form in FORMS[1:9] + FORMS[13:14]:
        answer = viewer.post(path, data=dict(form, csrf_token=token))
        assert answer.status_code == 403 and "analyst" in answer.text, path
    for path, form in FORMS[9:13]:
        assert viewer.post(path, data=dict(form, csrf_token=token)).status_code == 403


def test_an_analyst_sees_the_forms_but_not_the_admins(own_site):
    analyst = signed_in(own_site, "amina", "analyst")
    pages = "".join(analyst.get(path).text for path in ("/search?q=refugees&mode=keyword", f"/articles/{HOSTILE}",
                                                        "/alerts", "/briefs", "/sources"))
    for form in ANALYST_FORMS:
        assert form in pages, form
    assert 'name="allow_private"' not in pages
    assert analyst.get("/admin/users").status_code == 403
    admin = signed_in(own_site, "root", "admin")
    assert 'name="allow_private"' in admin.get("/sources").text


# -- odd addresses ---------------------------------------------------------------------------------------

ODD_VALUES = ["", " ", "-1", "0", "99999999999999999999", "NaN", "2024-13-45", "yesterday", "'; DROP TABLE docs; --",
              "\u202e\u0000", "réfugiés الهجرة 🚣", "(((", '"', "*", "theme:", "x" * 3000, "%00", "../../etc/passwd",
              "<script>alert(1)</script>", "//evil.test"]
GET_PAGES = {
    "/search": ["q", "theme", "lang", "outlet", "country", "since", "until", "mode", "page", "notice"],
    "/": ["q", "page"], "/search.csv": ["q", "since", "mode"],
    "/dashboard": ["q", "by", "since", "until", "outlet", "country"],
    "/dashboard/attention.png": ["q", "by"], "/dashboard/themes.csv": ["q", "lang"],
    f"/articles/{HOSTILE}": ["x"], "/alerts": ["q"], "/briefs": ["x"], "/sources": ["x"], "/admin/users": ["x"],
    "/login": ["next"],
}


def test_odd_addresses_never_cause_a_server_error(site):
    _, clients = site
    admin = clients["admin"]
    for path, parameters in GET_PAGES.items():
        for parameter in parameters:
            for value in ODD_VALUES:
                answer = admin.get(path, params={parameter: value})
                assert answer.status_code < 500, (path, parameter, value, answer.text[-500:])
                if answer.headers["content-type"].startswith("text/html"):
                    assert not audit(answer.text), (path, parameter, value)
    for value in ODD_VALUES:
        for path in (f"/articles/{value}", f"/dashboard/{value}.png", f"/alerts/{value}/feed.xml"):
            answer = admin.get(path.replace("\u0000", ""))
            assert answer.status_code in (200, 400, 404, 405), (path, answer.status_code, answer.text[-300:])


ODD_FORMS = [{}, {"theme": ""}, {"verdict": "maybe"}, {"name": "Bad Name", "query": "x"},
             {"query": "(((", "name": "ok"},
             {"emails": "not an address", "name": "ok", "query": "x"}, {"template": "../../etc/passwd"},
             {"template": "policy-paper", "since": "yesterday"}, {"template": "policy-paper", "format": "exe"},
             {"template": "position-paper", "inputs": "position: [unclosed\n"}, {"article_id": "x" * 70},
             {"key": "<b>", "homepage": "javascript:alert(1)"},
             {"key": "ok", "homepage": "http://[::1]/", "reach": "-5"},
             {"username": "É", "password": "short", "password_again": "short"}, {"username": "nobody", "role": "owner"}]
POST_PAGES = ["/alerts", f"/articles/{HOSTILE}/themes", "/briefs", "/basket/add", "/basket/remove", "/sources",
              "/admin/users", "/admin/users/role", "/admin/users/state", "/admin/users/remove", "/alerts/x/run",
              "/alerts/x/delete"]


def test_odd_forms_never_cause_a_server_error(own_site):
    client = signed_in(own_site, "amina", "admin")
    token = csrf_of(client)
    for path in POST_PAGES:
        for form in ODD_FORMS:
            answer = client.post(path, data=dict(form, csrf_token=token))
            assert answer.status_code < 500, (path, form, answer.text[-500:])
            if answer.status_code >= 400 and answer.headers["content-type"].startswith("text/html"):
                assert not audit(answer.text)


def test_pages_are_not_cached_and_not_framed(site):
    _, clients = site
    answer = clients["viewer"].get("/search")
    assert answer.headers["x-frame-options"] == "DENY" and "frame-ancestors 'none'" in \
        answer.headers["content-security-policy"]
    assert "script-src 'self'" in answer.headers["content-security-policy"]
    assert "'unsafe-inline'" not in answer.headers["content-security-policy"]
    assert TestClient(site[0]).get("/login").headers["cache-control"] == "no-store"


def test_the_hostile_outlet_is_named_safely_in_the_sources_list(site):
    _, clients = site
    page = clients["viewer"].get("/sources").text
    assert "&lt;iframe src=&#34;//evil.test&#34;&gt;&lt;/iframe&gt;" in page
    assert '<a href="http://evil.test/feed?q=&lt;script&gt;alert(11)&lt;/script&gt;"' in page

