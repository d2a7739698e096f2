"""The pages' forms do what the matching command does: corrections, alerts, the basket and briefs, sources,
users; and the dashboard's charts and tables."""
import csv
import io
import re

import docx
import numpy as np
import pytest

from advocacy.article import Article, Passage, article_id
from advocacy.index.sqlite import SqliteStore
from advocacy.ledger import Ledger

# own_site and site are fixtures, shared with test_pages.
from .test_pages import ARABIC, DOCTORS, audit, build, csrf_of, own_site, signed_in, site  # noqa: F401

SCHOOL = build("school").id


def form_error(html: str) -> str:
    found = re.search(r'<p class="error" role="alert">(.*?)</p>', html, re.S)
    return found.group(1) if found else ""


# -- theme corrections -----------------------------------------------------------------------------------

def test_an_analyst_corrects_a_theme_from_the_article_page(own_site):
    with Ledger(own_site.state.settings.data_dir / "ledger.db") as ledger:
        ledger.add_article(build("school", stage="collected"))
    analyst = signed_in(own_site, "amina", "analyst")
    page = analyst.get(f"/articles/{SCHOOL}").text
    assert 'name="verdict" value="no"' in page
    answer = analyst.post(f"/articles/{SCHOOL}/themes", data={"theme": "education", "verdict": "no",
                                                              "note": "a school trip", "csrf_token": csrf_of(analyst)})
    assert answer.status_code == 303 and answer.headers["location"] == f"/articles/{SCHOOL}?notice=corrected"
    assert "Your correction is recorded" in analyst.get(answer.headers["location"]).text
    with Ledger(own_site.state.settings.data_dir / "ledger.db") as ledger:
        history = ledger.correction_history()
    assert [(row["theme"], row["verdict"], row["note"]) for row in history] == [("education", "no",
                                                                                   "a school trip [by amina]")]


def test_a_correction_that_cannot_be_kept_is_explained_on_the_page(own_site):
    analyst = signed_in(own_site, "amina", "analyst")
    token = csrf_of(analyst)
    indexed_only = analyst.post(f"/articles/{DOCTORS}/themes", data={"theme": "health", "verdict": "yes",
                                                                      "csrf_token": token})
    assert indexed_only.status_code == 409 and "not in the ledger" in form_error(indexed_only.text)
    assert "Volunteer doctors treat refugees" in indexed_only.text
    # Switching the language from this answer comes back to the article, not to the form's address.
    assert f'name="next" value="/articles/{DOCTORS}"' in indexed_only.text
    unknown = analyst.post(f"/articles/{DOCTORS}/themes", data={"theme": "weather", "verdict": "yes",
                                                                 "csrf_token": token})
    assert unknown.status_code == 400 and "unknown theme &#39;weather&#39;" in form_error(unknown.text)
    odd = analyst.post(f"/articles/{DOCTORS}/themes", data={"theme": "health", "verdict": "maybe",
                                                             "csrf_token": token})
    assert odd.status_code == 400 and "verdict" in form_error(odd.text)


# -- alerts ----------------------------------------------------------------------------------------------

def test_an_analyst_saves_runs_and_deletes_an_alert(own_site):
    analyst = signed_in(own_site, "amina", "analyst")
    token = csrf_of(analyst, "/alerts")
    prefilled = analyst.get("/alerts?q=theme:health").text
    assert 'id="alert-query" name="query" value="theme:health"' in prefilled
    saved = analyst.post("/alerts", data={"name": "health", "query": "theme:health AND Oujda", "mode": "keyword",
                                          "emails": "comms@ngo.example, field@ngo.example", "csrf_token": token})
    assert saved.status_code == 303 and saved.headers["location"] == "/alerts?notice=alert_saved"
    listed = analyst.get("/alerts").text
    assert "theme:health AND Oujda" in listed and "comms@ngo.example, field@ngo.example" in listed
    assert "The feed is written at the first run." in listed
    preview = analyst.post("/alerts/health/run", data={"preview": "1", "csrf_token": token})
    assert preview.status_code == 200 and "1 new article(s)." in preview.text and "(preview)" in preview.text
    assert "Des médecins bénévoles soignent les réfugiés" in preview.text
    run = analyst.post("/alerts/health/run", data={"csrf_token": token})
    assert "1 new article(s)." in run.text and "The feed is updated." in run.text
    assert "no mail server is configured" in run.text        # the digest waits for one; the feed does not
    feed = analyst.get("/alerts/health/feed.xml")
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("application/atom+xml")
    assert b"Des m\xc3\xa9decins b\xc3\xa9n\xc3\xa9voles" in feed.content
    assert '<a href="/alerts/health/feed.xml">Atom feed</a>' in analyst.get("/alerts").text
    deleted = analyst.post("/alerts/health/delete", data={"csrf_token": token})
    assert deleted.status_code == 303 and "theme:health AND Oujda" not in analyst.get("/alerts").text
    assert analyst.get("/alerts/health/feed.xml").status_code == 404


@pytest.mark.parametrize("form, status, message", [
    ({"name": "Health Oujda", "query": "Oujda"}, 400, "cannot name a saved search"),
    ({"name": "oujda", "query": "(Oujda AND"}, 400, "AND needs something"),
    ({"name": "oujda", "query": "Oujda", "emails": "comms@ngo"}, 400, "is not an email address"),
    ({"name": "oujda", "query": ""}, 400, "Write the query to save."),
    ({"name": "xss-alert", "query": "Oujda"}, 409, "exists already"),
])
def test_a_saved_search_that_cannot_be_kept_is_explained(own_site, form, status, message):
    analyst = signed_in(own_site, "amina", "analyst")
    answer = analyst.post("/alerts", data=dict(form, csrf_token=csrf_of(analyst)))
    assert answer.status_code == status and message in form_error(answer.text).replace("&#39;", "'"), answer.text
    assert f'value="{form["name"]}"' in answer.text           # what was typed stays in the form


# -- the basket and briefs ---------------------------------------------------------------------------------

def test_the_basket_fills_from_search_and_becomes_the_reading_list(own_site):
    analyst = signed_in(own_site, "amina", "analyst")
    token = csrf_of(analyst)
    back = "/search?q=refugees&mode=keyword"
    added = analyst.post("/basket/add", data={"article_id": DOCTORS, "next": back, "csrf_token": token})
    assert added.status_code == 303 and added.headers["location"] == back + "&notice=basket_added"
    shown = analyst.get(added.headers["location"]).text
    assert "Added to your evidence basket." in shown and "✓ In the basket" in shown
    assert 'name="next" value="/search?q=refugees&amp;mode=keyword"' in shown      # the notice is not carried on
    analyst.post("/basket/add", data={"article_id": ARABIC, "next": f"/articles/{ARABIC}", "csrf_token": token})
    analyst.post("/basket/add", data={"article_id": DOCTORS, "next": back, "csrf_token": token})   # twice: once
    page = analyst.get("/briefs").text
    basket = page.split('id="basket-title"')[1]
    assert basket.count('action="/basket/remove"') == 2 and "اللاجئون في وجدة" in basket
    inputs = re.search(r'<textarea id="brief-inputs"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    listed = "#   - Volunteer doctors treat refugees — The Atlas Tribune, 2024-01-03 — http://atlas.test/doctors"
    assert listed in inputs
    removed = analyst.post("/basket/remove", data={"article_id": ARABIC, "next": "/briefs", "csrf_token": token})
    assert removed.headers["location"] == "/briefs?notice=basket_removed"
    assert "اللاجئون في وجدة" not in analyst.get("/briefs").text.split('id="basket-title"')[1]
    assert analyst.post("/basket/add", data={"article_id": "ffff", "csrf_token": token}).status_code == 404
    other = signed_in(own_site, "omar", "analyst")
    assert "Volunteer doctors" not in other.get("/briefs").text.split('id="basket-title"')[1]
    own_site.state.accounts.remove_user("amina")
    assert own_site.state.basket.items("amina") == []


def test_a_brief_is_generated_as_a_download(own_site):
    analyst = signed_in(own_site, "amina", "analyst")
    token = csrf_of(analyst, "/briefs")
    page = analyst.get("/briefs").text
    assert '<option value="policy-paper" selected>Policy paper</option>' in page
    answer = analyst.post("/briefs", data={"template": "policy-paper", "themes": ["health"], "format": "md",
                                           "title": "Health care for migrants", "citations": "numbered",
                                           "since": "2024-01-01", "until": "2024-01-15",
                                           "inputs": "# only comments\n", "csrf_token": token})
    assert answer.status_code == 200, answer.text[-2000:]
    assert answer.headers["content-type"].startswith("text/markdown")
    assert "attachment" in answer.headers["content-disposition"]
    assert answer.text.startswith("# Health care for migrants") and "Volunteer doctors treat refugees" in answer.text
    inputs = "position: Every migrant can see a doctor.\narguments:\n  - claim: Clinics help.\n    theme: health\n"
    word = analyst.post("/briefs", data={"template": "position-paper", "format": "docx", "country": "MA",
                                         "since": "2024-01-01", "inputs": inputs, "csrf_token": token})
    assert word.status_code == 200 and word.headers["content-type"].startswith("application/vnd.openxml")
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(word.content)).paragraphs)
    assert "Every migrant can see a doctor." in text and "Clinics help." in text


@pytest.mark.parametrize("form, message", [
    ({"template": "press-release"}, "unknown template &#39;press-release&#39;"),
    ({"template": "policy-paper", "since": "last week"}, "“last week” is not a date"),
    ({"template": "policy-paper", "format": "odt"}, "format"),
    ({"template": "position-paper", "inputs": "position: [unclosed\n"}, "is not valid YAML"),
    ({"template": "policy-paper", "themes": ["weather"]}, "unknown theme"),
])
def test_a_brief_that_cannot_be_written_is_explained_on_the_form(own_site, form, message):
    analyst = signed_in(own_site, "amina", "analyst")
    answer = analyst.post("/briefs", data=dict(form, csrf_token=csrf_of(analyst)))
    assert answer.status_code == 400 and message in form_error(answer.text), answer.text[-1500:]
    assert "/tmp" not in answer.text and 'id="brief-inputs"' in answer.text


# -- sources ---------------------------------------------------------------------------------------------

def test_sources_show_feed_health_and_silent_feeds(own_site):
    with Ledger(own_site.state.settings.data_dir / "ledger.db") as ledger:
        ledger.record_endpoint("http://atlas.test/feed", outlet="atlas", kind="feed", ok=True, status="200",
                               next_poll="2024-03-01T10:00:00+00:00", items=12, newest_item="2020-01-01T00:00:00+00:00")
    viewer = signed_in(own_site, "omar")
    page = viewer.get("/sources").text
    atlas = page.split("The Atlas Tribune")[1].split("</tr>")[0]
    assert "answering" in atlas and "12 items" in atlas and "silent for more than 14 days" in atlas
    assert "newest item 2020-01-01" in atlas and "last success 20" in atlas
    assert "not polled yet" in page.split("L&#39;Écho du Détroit")[1].split("</tr>")[0]


def _add_source(client, **fields):
    form = {"key": "tamani", "name": "Studio Tamani", "homepage": "http://93.184.216.34/", "country": "ml",
            "languages": "fr, bm", "type": "national", "reach": "250000", "feeds": "", "sitemaps": ""}
    form.update(fields)
    return client.post("/sources", data=dict(form, csrf_token=csrf_of(client, "/sources")))


def test_an_analyst_adds_a_public_source(own_site):
    analyst = signed_in(own_site, "amina", "analyst")
    answer = _add_source(analyst, feeds="http://93.184.216.34/feed\n\nhttps://93.184.216.34/rss\n")
    assert answer.status_code == 303 and answer.headers["location"] == "/sources?notice=source_added"
    text = (own_site.state.settings.data_dir / "sources.toml").read_text(encoding="utf-8")
    assert 'key = "tamani"' in text and 'country = "ML"' in text and 'languages = ["fr", "bm"]' in text
    assert 'feeds = ["http://93.184.216.34/feed", "https://93.184.216.34/rss"]' in text
    assert "Studio Tamani" in analyst.get("/sources").text
    again = _add_source(analyst)
    assert again.status_code == 400 and "used twice" in form_error(again.text)


@pytest.mark.parametrize("fields, message", [
    ({"homepage": "http://127.0.0.1:8000/"}, "private network"),
    ({"feeds": "http://169.254.169.254/latest/meta-data/"}, "private network"),
    ({"sitemaps": "http://2130706433/sitemap.xml"}, "private network"),
    ({"feeds": "http://[::ffff:127.0.0.1]/feed"}, "private network"),
    ({"homepage": "http://localhost/"}, "server itself"),
    ({"homepage": "file:///etc/passwd"}, "not an http:// or https:// address"),
    ({"key": "Tamani FM"}, "The key is a short id"), ({"country": "Mali"}, "two-letter code"),
    ({"reach": "a lot"}, "whole number"), ({"type": "tabloid"}, "The type is one of"),
])
def test_a_source_that_cannot_be_added_is_explained(own_site, fields, message):
    analyst = signed_in(own_site, "amina", "analyst")
    answer = _add_source(analyst, **fields)
    assert answer.status_code == 400 and message in form_error(answer.text), answer.text[-1500:]
    assert "tamani" not in (own_site.state.settings.data_dir / "sources.toml").read_text(encoding="utf-8")


def test_only_an_admin_may_allow_a_private_source(own_site):
    analyst = signed_in(own_site, "amina", "analyst")
    refused = _add_source(analyst, homepage="http://10.0.0.5/", allow_private="1")
    assert refused.status_code == 400 and "private network" in form_error(refused.text)
    admin = signed_in(own_site, "root", "admin")
    allowed = _add_source(admin, homepage="http://10.0.0.5/", allow_private="1")
    assert allowed.status_code == 303
    assert 'homepage = "http://10.0.0.5/"' in (own_site.state.settings.data_dir / "sources.toml").read_text()


def test_without_a_sources_file_nothing_is_written(tmp_path):
    from .conftest import fill_index, make_app, make_settings

    fill_index(tmp_path)
    app = make_app(make_settings(tmp_path))
    analyst = signed_in(app, "amina", "analyst")
    assert "No sources file is configured" in analyst.get("/sources").text
    answer = _add_source(analyst)
    assert answer.status_code == 400 and "No sources file is configured" in form_error(answer.text)


# -- users -----------------------------------------------------------------------------------------------

def test_an_admin_manages_users_from_the_page(own_site):
    admin = signed_in(own_site, "root", "admin")
    token = csrf_of(admin, "/admin/users")
    added = admin.post("/admin/users", data={"username": "Karim", "display_name": "Karim B.", "role": "analyst",
                                             "password": "a long enough passphrase",
                                             "password_again": "a long enough passphrase", "csrf_token": token})
    assert added.status_code == 303 and own_site.state.accounts.get_user("karim").role == "analyst"
    page = admin.get("/admin/users").text
    assert "<code>karim</code>" in page and "Karim B." in page
    assert admin.post("/admin/users/role", data={"username": "karim", "role": "viewer",
                                                 "csrf_token": token}).status_code == 303
    assert own_site.state.accounts.get_user("karim").role == "viewer"
    assert admin.post("/admin/users/state", data={"username": "karim", "disabled": "1",
                                                  "csrf_token": token}).status_code == 303
    assert own_site.state.accounts.get_user("karim").disabled and ">disabled<" in admin.get("/admin/users").text
    admin.post("/admin/users/state", data={"username": "karim", "disabled": "0", "csrf_token": token})
    assert not own_site.state.accounts.get_user("karim").disabled
    assert admin.post("/admin/users/remove", data={"username": "karim", "csrf_token": token}).status_code == 303
    assert own_site.state.accounts.get_user("karim") is None


@pytest.mark.parametrize("path, form, message", [
    ("/admin/users", {"username": "x", "password": "a long enough passphrase", "password_again": "another one here"},
     "The two passwords differ."),
    ("/admin/users", {"username": "x", "password": "short", "password_again": "short"}, "too short"),
    ("/admin/users", {"username": "root", "password": "a long enough passphrase",
                      "password_again": "a long enough passphrase"}, "exists already"),
    ("/admin/users/remove", {"username": "root"}, "last administrator"),
    ("/admin/users/role", {"username": "root", "role": "viewer"}, "last administrator"),
    ("/admin/users/state", {"username": "root", "disabled": "1"}, "last administrator"),
    ("/admin/users/role", {"username": "root", "role": "owner"}, "unknown role"),
])
def test_a_user_change_that_cannot_be_made_is_explained(own_site, path, form, message):
    admin = signed_in(own_site, "root", "admin")
    answer = admin.post(path, data=dict(form, csrf_token=csrf_of(admin, "/admin/users")))
    assert answer.status_code in (400, 409) and message in form_error(answer.text), answer.text[-1500:]
    assert own_site.state.accounts.get_user("root").role == "admin"


# -- the dashboard -----------------------------------------------------------------------------------------

def test_the_dashboard_has_a_chart_and_a_table_for_each_figure(site):
    _, clients = site
    page = clients["viewer"].get("/dashboard", params={"q": "theme:health", "by": "month"}).text
    for key, title in (("attention", "Attention over time"), ("outlets", "Top outlets"), ("themes", "Themes"),
                       ("share-of-voice", "Share of voice")):
        section = page.split(f'<section class="panel" id="{key}"')[1].split("</section>")[0]
        assert title in section
        assert f'<img src="/dashboard/{key}.png?q=theme%3Ahealth&amp;mode=' in section
        assert f'href="/dashboard/{key}.csv?q=theme%3Ahealth' in section and "<table>" in section
    attention = page.split('id="attention"')[1].split("</section>")[0]
    assert "<td dir=\"auto\">2024-01-01</td>" in attention and "<th scope=\"col\">month</th>" in attention
    assert "UNHCR" in page.split('id="share-of-voice"')[1]
    png = clients["viewer"].get("/dashboard/attention.png", params={"q": "theme:health", "by": "month"})
    assert png.status_code == 200 and png.headers["content-type"] == "image/png" and png.content[:4] == b"\x89PNG"
    for chart in ("outlets", "themes", "share-of-voice"):
        assert clients["viewer"].get(f"/dashboard/{chart}.png").content[:4] == b"\x89PNG"
    table = clients["viewer"].get("/dashboard/attention.csv", params={"q": "theme:health", "by": "month"})
    rows = list(csv.DictReader(io.StringIO(table.content.decode("utf-8-sig"))))
    assert [(row["period"], row["count"]) for row in rows][:2] == [("2024-01-01", "3"), ("2024-02-01", "2")]
    assert 'filename="attention.csv"' in table.headers["content-disposition"]
    assert clients["viewer"].get("/dashboard/weather.png").status_code == 404


def test_the_dashboard_explains_a_malformed_query(site):
    _, clients = site
    page = clients["viewer"].get("/dashboard", params={"q": "(refugees AND"}).text
    assert "AND needs something on both sides" in page and 'class="panel"' not in page
    assert clients["viewer"].get("/dashboard/themes.png", params={"q": "(refugees AND"}).status_code == 400


def test_spikes_are_marked_in_the_attention_table(tmp_path):
    from .conftest import make_app, make_settings

    store = SqliteStore(tmp_path / "index.db")
    days = [f"2024-03-{day:02d}" for day in range(1, 11)] + ["2024-03-11"] * 7
    for number, day in enumerate(days):
        url = f"http://atlas.test/story-{number}"
        text = f"Migrants and refugees, story {number}."
        store.upsert(Article(id=article_id(url), url=url, outlet="atlas", outlet_name="Atlas", country="MA",
                             language="en", title=f"Story {number}", text=text, published_at=f"{day}T09:00:00+00:00",
                             published_at_source="feed", fetched_at="2024-03-12T00:00:00+00:00", stage="indexed",
                             passages=[Passage(0, text, 0, len(text))]), vectors=np.ones((1, 8), dtype=np.float32))
    store.close()
    viewer = signed_in(make_app(make_settings(tmp_path)), "omar")
    page = viewer.get("/dashboard", params={"by": "day"}).text
    attention = page.split('id="attention"')[1].split("</section>")[0]
    assert attention.count('<tr class="spike">') == 1 and "2024-03-11" in attention.split('<tr class="spike">')[1]
    assert "▲ spike" in attention and not audit(page)


def test_dashboard_charts_print_dollars_and_arabic_as_written(monkeypatch):
    from advocacy.briefs import charts
    from advocacy.web import pages_charts

    drawn = []
    real = charts.label_text
    monkeypatch.setattr(charts, "label_text", lambda label: drawn.append(label) or real(label))
    png = pages_charts.attention_png(["2024-05", "2024-06"], [3, 9], [False, True], title="Coverage $5 $6",
                                     value_label="مقالات", spike_label="spike $")
    assert png[:4] == b"\x89PNG" and {"Coverage $5 $6", "مقالات", "spike $"} <= set(drawn)
    assert pages_charts.ranking_png(["Le $ du jour", "هسبريس"], [4, 2], title="$ $", value_label="articles")[:4] \
        == b"\x89PNG"
