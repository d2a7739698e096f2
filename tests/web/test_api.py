"""The REST API over a small index: what it answers, who may ask, and that bad input is never a 500."""
import csv
import io

import docx
import pytest
from fastapi.testclient import TestClient

from advocacy.ledger import Ledger

from .conftest import PASSWORD, ClinicEncoder, build, make_app, make_settings, token_client

DOCTORS, MEDECINS, CLINIC = build("doctors").id, build("medecins").id, build("clinic").id


# -- search ------------------------------------------------------------------------------------------------

def test_search_returns_ranked_hits_with_highlights_and_facets(world):
    _, clients = world
    answer = clients["viewer"].get("/api/search", params={"q": "theme:health AND (réfugiés OR refugees)",
                                                          "mode": "keyword"})
    assert answer.status_code == 200, answer.text
    found = answer.json()
    assert found["total"] == 2 and {hit["id"] for hit in found["hits"]} == {DOCTORS, MEDECINS}
    hits = {hit["id"]: hit for hit in found["hits"]}
    assert hits[DOCTORS]["snippet"].startswith("…doctors gave free consultations to 340 refugees")
    assert [hits[DOCTORS]["snippet"][a:b] for a, b in hits[DOCTORS]["highlights"]] == ["refugees"]
    assert [hits[MEDECINS]["snippet"][a:b] for a, b in hits[MEDECINS]["highlights"]] == ["réfugiées"]
    assert found["facets"]["language"] == {"en": 1, "fr": 1} and found["facets"]["theme"] == {"health": 2}
    assert found["facets"]["outlet"] == {"atlas": 1, "echo": 1} and found["facets"]["country"] == {"MA": 2}


def test_search_filters_and_pages(world):
    _, clients = world
    viewer = clients["viewer"]
    french = viewer.get("/api/search", params={"q": "", "lang": "fr", "mode": "keyword", "facets": "false"}).json()
    assert french["total"] == 2 and french["facets"] is None
    assert all(hit["language"] == "fr" for hit in french["hits"])
    dated = viewer.get("/api/search", params=[("theme", "health"), ("theme", "housing"), ("since", "2024-02-01"),
                                              ("mode", "keyword")]).json()
    assert {hit["id"] for hit in dated["hits"]} == {CLINIC, build("evictions").id}
    first = viewer.get("/api/search", params={"mode": "keyword", "limit": 2}).json()
    second = viewer.get("/api/search", params={"mode": "keyword", "limit": 2, "offset": 2}).json()
    assert first["total"] == second["total"] == 5 and len(first["hits"]) == len(second["hits"]) == 2
    assert not {h["id"] for h in first["hits"]} & {h["id"] for h in second["hits"]}


def test_search_by_meaning_embeds_the_query_with_the_shared_model(world):
    _, clients = world
    before = ClinicEncoder.calls
    semantic = clients["viewer"].get("/api/search", params={"q": "care for women on the move", "mode": "semantic"})
    assert semantic.status_code == 200 and semantic.json()["hits"][0]["id"] == CLINIC
    hybrid = clients["viewer"].get("/api/search", params={"q": "refugees"})     # the default mode: hybrid
    assert hybrid.json()["mode"] == "hybrid" and hybrid.json()["total"] >= 2
    assert ClinicEncoder.calls == before + 2


@pytest.mark.parametrize("query, where, why", [
    ("(refugees AND", "at position 10", "AND needs something on both sides"),
    ('"unclosed', "at the end", "unclosed quote"),
    ("themes:health", "at position 0", 'did you mean "theme"'),
])
@pytest.mark.parametrize("mode", ["keyword", "hybrid"])
def test_a_malformed_query_is_a_400_saying_where(world, query, where, why, mode):
    _, clients = world
    answer = clients["viewer"].get("/api/search", params={"q": query, "mode": mode})
    assert answer.status_code == 400
    error = answer.json()
    assert error["error"] == "bad_query" and query in error["message"] and where in error["message"]
    assert why in error["message"] and isinstance(error["position"], int)


# -- articles ----------------------------------------------------------------------------------------------

def test_an_article_in_full(world):
    _, clients = world
    article = clients["viewer"].get(f"/api/articles/{DOCTORS}").json()
    assert article["title"] == "Volunteer doctors treat refugees" and "340 refugees" in article["text"]
    assert article["themes"] == [{"theme": "health", "score": 0.9, "subthemes": {}, "matched_terms": {},
                                  "passages": [], "reason": "about health", "confirmed": False}]
    assert article["entities"][0]["name"] == "UNHCR" and article["carried_by"] == ["echo"]
    assert article["figures"][0]["text"] == "340 refugees" and article["figures"][0]["value"] == 340
    assert article["quotes"][0]["speaker"] == "Karim Benali"
    assert article["archive"] == {"file": "crawl-atlas.warc.gz", "offset": 1200}
    assert article["published_at"].startswith("2024-01-03") and article["fetched_at"].startswith("2024-03-01")


def test_an_unknown_article_is_a_404(world):
    _, clients = world
    for path in ("/api/articles/0123456789abcdef", "/api/articles/0123456789abcdef/similar"):
        answer = clients["viewer"].get(path)
        assert answer.status_code == 404 and answer.json()["error"] == "not_found"


def test_similar_articles_leave_the_article_out(world):
    _, clients = world
    found = clients["viewer"].get(f"/api/articles/{DOCTORS}/similar", params={"limit": 3}).json()
    assert found["article"] == DOCTORS and DOCTORS not in {hit["id"] for hit in found["hits"]}
    assert len(found["hits"]) == 3


# -- theme corrections -------------------------------------------------------------------------------------

def test_correcting_a_theme_goes_through_the_ledger(fresh):
    with Ledger(fresh.state.settings.data_dir / "ledger.db") as ledger:
        ledger.add_article(build("school", stage="collected"))
    school = build("school").id
    viewer, analyst = token_client(fresh, "omar", "viewer"), token_client(fresh, "amina", "analyst")
    body = {"verdict": "no", "note": "about a school trip"}
    assert viewer.post(f"/api/articles/{school}/themes/education", json=body).status_code == 403
    answer = analyst.post(f"/api/articles/{school}/themes/education", json=body)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"article": school, "theme": "education", "verdict": "no",
                             "applied": "when the article is enriched", "themes": None}
    with Ledger(fresh.state.settings.data_dir / "ledger.db") as ledger:
        history = ledger.correction_history()
    assert [(row["theme"], row["verdict"]) for row in history] == [("education", "no")]
    assert history[0]["note"] == "about a school trip [by amina]"


def test_a_correction_the_ledger_cannot_hold_is_refused_clearly(fresh):
    analyst = token_client(fresh, "amina", "analyst")
    indexed_only = analyst.post(f"/api/articles/{DOCTORS}/themes/health", json={"verdict": "yes"})
    assert indexed_only.status_code == 409 and "not in the ledger" in indexed_only.json()["message"]
    unknown = analyst.post("/api/articles/ffffffff/themes/health", json={"verdict": "yes"})
    assert unknown.status_code == 404
    theme = analyst.post(f"/api/articles/{DOCTORS}/themes/weather", json={"verdict": "yes"})
    assert theme.status_code == 400 and "unknown theme 'weather'" in theme.json()["message"]
    verdict = analyst.post(f"/api/articles/{DOCTORS}/themes/health", json={"verdict": "maybe"})
    assert verdict.status_code == 400 and verdict.json()["error"] == "invalid_request"


# -- figures -----------------------------------------------------------------------------------------------

def test_stats_as_json_and_csv(world):
    _, clients = world
    viewer = clients["viewer"]
    attention = viewer.get("/api/stats/attention", params={"q": "theme:health", "by": "month"}).json()
    assert attention["summary"]["matching"] == 3
    assert [(row["period"], row["count"]) for row in attention["rows"]] == [("2024-01-01", 2), ("2024-02-01", 1)]
    assert attention["columns"][0] == {"key": "period", "heading": "month"}
    answer = viewer.get("/api/stats/entities", params={"type": "place", "format": "csv"})
    assert answer.headers["content-type"].startswith("text/csv")
    assert 'filename="entities.csv"' in answer.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert [(row["name"], row["articles"]) for row in rows] == [("Oujda", "2")]
    unknown = viewer.get("/api/stats/weather")
    assert unknown.status_code == 400 and "report" in unknown.json()["message"]


# -- saved searches ----------------------------------------------------------------------------------------

def test_saved_searches_need_an_analyst_to_change(fresh):
    viewer, analyst = token_client(fresh, "omar", "viewer"), token_client(fresh, "amina", "analyst")
    body = {"name": "health-oujda", "query": "theme:health AND Oujda", "emails": ["comms@ngo.example"]}
    assert viewer.post("/api/saved-searches", json=body).status_code == 403
    created = analyst.post("/api/saved-searches", json=body)
    assert created.status_code == 201 and created.json()["emails"] == ["comms@ngo.example"]
    assert [s["name"] for s in viewer.get("/api/saved-searches").json()] == ["health-oujda"]
    assert analyst.post("/api/saved-searches", json=body).status_code == 409
    bad_query = analyst.post("/api/saved-searches", json={"name": "x", "query": "(Oujda AND"})
    assert bad_query.status_code == 400 and "AND needs something" in bad_query.json()["message"]
    bad_name = analyst.post("/api/saved-searches", json={"name": "Health Oujda", "query": "Oujda"})
    assert bad_name.status_code == 400 and "cannot name a saved search" in bad_name.json()["message"]
    assert viewer.delete("/api/saved-searches/health-oujda").status_code == 403
    assert analyst.delete("/api/saved-searches/health-oujda").status_code == 204
    assert analyst.delete("/api/saved-searches/health-oujda").status_code == 404


# -- briefs ------------------------------------------------------------------------------------------------

def test_a_brief_comes_back_as_a_download(world):
    _, clients = world
    body = {"template": "policy-paper", "themes": ["health"], "format": "md", "title": "Health care for migrants"}
    assert clients["viewer"].post("/api/briefs", json=body).status_code == 403
    answer = clients["analyst"].post("/api/briefs", json=body)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/markdown")
    assert "attachment" in answer.headers["content-disposition"] and ".md" in answer.headers["content-disposition"]
    assert answer.text.startswith("# Health care for migrants") and "Volunteer doctors treat refugees" in answer.text
    assert answer.headers["x-brief-verification"].startswith("Verified")


def test_a_position_paper_in_word_with_the_authors_inputs(world):
    _, clients = world
    inputs = "position: Every migrant can see a doctor.\narguments:\n  - claim: Clinics help.\n    theme: health\n"
    answer = clients["analyst"].post("/api/briefs", json={"template": "position-paper", "format": "docx",
                                                          "inputs": inputs, "country": "MA"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == MEDIA_DOCX
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(answer.content)).paragraphs)
    assert "Every migrant can see a doctor." in text and "Clinics help." in text


MEDIA_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.mark.parametrize("body, message", [
    ({"template": "press-release"}, "unknown template 'press-release'; choose one of media-digest"),
    ({"template": "../../etc/passwd"}, "unknown template"),
    ({"template": "policy-paper", "format": "odt"}, "format"),
    ({"template": "policy-paper", "themes": ["weather"]}, "unknown theme 'weather'"),
    ({"template": "policy-paper", "since": "last week"}, "since"),
    ({"template": "position-paper", "inputs": "position: [unclosed\n"}, "is not valid YAML"),
])
def test_a_bad_brief_request_is_a_400(world, body, message):
    _, clients = world
    answer = clients["analyst"].post("/api/briefs", json=body)
    assert answer.status_code == 400 and message in answer.json()["message"], answer.text
    assert "/tmp" not in answer.json()["message"]


# -- sources -----------------------------------------------------------------------------------------------

def test_sources_with_their_feed_health(tmp_path):
    sources = tmp_path / "sources.toml"
    sources.write_text('[[outlet]]\nkey = "atlas"\nname = "The Atlas Tribune"\nhomepage = "http://atlas.test/"\n'
                       'country = "MA"\nreach = 150000\nfeeds = ["http://atlas.test/feed", "http://atlas.test/rss"]\n\n'
                       '[[outlet]]\nkey = "echo"\nhomepage = "http://echo.test/"\n'
                       'sitemaps = ["http://echo.test/sitemap.xml"]\n', encoding="utf-8")
    settings = make_settings(tmp_path)
    settings.table["sources"]["file"] = str(sources)
    with Ledger(tmp_path / "ledger.db") as ledger:
        ledger.record_endpoint("http://atlas.test/feed", outlet="atlas", kind="feed", ok=True, status="200",
                               next_poll="2024-03-01T10:00:00+00:00", items=12)
        ledger.record_endpoint("http://atlas.test/rss", outlet="atlas", kind="feed", ok=False, status="HTTP 404",
                               next_poll="2024-03-01T10:00:00+00:00")
    app = make_app(settings)
    found = {s["key"]: s for s in token_client(app, "omar").get("/api/sources").json()}
    assert found["atlas"]["health"] == "warning" and found["atlas"]["reach"] == 150000
    states = {e["url"]: (e["state"], e["items"], e["failures"]) for e in found["atlas"]["endpoints"]}
    assert states == {"http://atlas.test/feed": ("ok", 12, 0), "http://atlas.test/rss": ("failing", 0, 1)}
    assert found["echo"]["health"] == "unknown" and found["echo"]["endpoints"][0]["state"] == "never polled"


# -- tokens and users --------------------------------------------------------------------------------------

def test_each_user_manages_their_own_tokens(fresh):
    omar, amina = token_client(fresh, "omar"), token_client(fresh, "amina")
    made = omar.post("/api/tokens", json={"name": "spreadsheet"})
    assert made.status_code == 201 and made.json()["token"].startswith(made.json()["prefix"])
    assert [t["name"] for t in omar.get("/api/tokens").json()] == ["tests", "spreadsheet"]
    assert "token" not in omar.get("/api/tokens").json()[1]
    other = TestClient(fresh, headers={"Authorization": f"Bearer {made.json()['token']}"})
    assert other.get("/api/tokens").status_code == 200
    assert amina.delete(f"/api/tokens/{made.json()['id']}").status_code == 404      # not hers
    assert omar.post("/api/tokens", json={"name": "spreadsheet"}).status_code == 409
    assert omar.delete(f"/api/tokens/{made.json()['id']}").status_code == 204
    assert other.get("/api/tokens").status_code == 401


def test_only_admins_manage_users_and_the_last_admin_stays(fresh):
    admin, analyst = token_client(fresh, "root", "admin"), token_client(fresh, "amina", "analyst")
    assert analyst.get("/api/users").status_code == 403
    assert analyst.post("/api/users", json={"username": "x", "password": PASSWORD}).status_code == 403
    created = admin.post("/api/users", json={"username": "Omar", "password": PASSWORD, "role": "viewer",
                                             "display_name": "Omar Naji"})
    assert created.status_code == 201 and created.json()["username"] == "omar"
    assert admin.post("/api/users", json={"username": "omar", "password": PASSWORD}).status_code == 409
    weak = admin.post("/api/users", json={"username": "sara", "password": "short"})
    assert weak.status_code == 400 and "at least 10 characters" in weak.json()["message"]
    role = admin.post("/api/users", json={"username": "sara", "password": PASSWORD, "role": "owner"})
    assert role.status_code == 400
    assert admin.patch("/api/users/omar", json={"role": "analyst"}).json()["role"] == "analyst"
    weak_patch = admin.patch("/api/users/omar", json={"role": "admin", "password": "short"})
    assert weak_patch.status_code == 400 and fresh.state.accounts.get_user("omar").role == "analyst"
    last = admin.delete("/api/users/root")
    assert last.status_code == 400 and "last administrator" in last.json()["message"]
    assert admin.patch("/api/users/root", json={"role": "viewer"}).status_code == 400
    assert admin.delete("/api/users/omar").status_code == 204
    assert admin.delete("/api/users/omar").status_code == 404
    assert [u["username"] for u in admin.get("/api/users").json()] == ["amina", "root"]


# -- the description and the robustness --------------------------------------------------------------------

ROUTES = {
    ("/healthz", "get"), ("/api/search", "get"), ("/api/articles/{article_id}", "get"),
    ("/api/articles/{article_id}/similar", "get"), ("/api/articles/{article_id}/themes/{theme}", "post"),
    ("/api/stats/{report}", "get"), ("/api/saved-searches", "get"), ("/api/saved-searches", "post"),
    ("/api/saved-searches/{name}", "delete"), ("/api/briefs", "post"), ("/api/sources", "get"),
    ("/api/tokens", "get"), ("/api/tokens", "post"), ("/api/tokens/{token_id}", "delete"), ("/api/users", "get"),
    ("/api/users", "post"), ("/api/users/{username}", "patch"), ("/api/users/{username}", "delete"),
}


def test_openapi_describes_every_route_and_model(world):
    _, clients = world
    spec = clients["anonymous"].get("/openapi.json").json()
    assert spec["info"]["title"] == "Advocacy Monitor" and spec["info"]["version"]
    assert {(path, method) for path, item in spec["paths"].items() for method in item} == ROUTES
    for model in ("HitOut", "SearchOut", "ArticleOut", "StatsOut", "SavedSearchOut", "TokenOut", "NewTokenOut",
                  "UserOut", "SourceOut", "ErrorOut"):
        assert model in spec["components"]["schemas"], model
    assert {"HTTPBearer", "APIKeyCookie"} <= set(spec["components"]["securitySchemes"])
    search = spec["paths"]["/api/search"]["get"]
    assert search["responses"]["400"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorOut")
    assert clients["anonymous"].get("/healthz").json()["status"] == "ok"


def test_every_api_route_needs_a_signed_in_user(world):
    _, clients = world
    for path, method in ROUTES - {("/healthz", "get")}:
        concrete = path.format(article_id=DOCTORS, theme="health", report="terms", name="x", token_id=1,
                               username="viewer1")
        answer = clients["anonymous"].request(method.upper(), concrete, json={})
        assert answer.status_code == 401 and answer.json()["error"] == "not_signed_in", (method, path)



ODD_VALUES = ["", " ", "-1", "0", "999999999999999999999", "1e9", "NaN", "null", "2024-13-45", "yesterday",
              "'; DROP TABLE docs; --", "\u202e\u0000", "réfugiés الهجرة 🚣", "(((", '"', "*", "theme:",
              "x" * 3000,
              "%00", "../../etc/passwd", "true"]
GET_ROUTES = {
    "/api/search": ["q", "theme", "lang", "outlet", "country", "since", "until", "mode", "limit", "offset", "facets"],
    f"/api/articles/{DOCTORS}/similar": ["limit"],
    "/api/stats/attention": ["q", "since", "until", "by", "limit", "format"],
    "/api/stats/outlets": ["q", "limit", "type", "format"],
    "/api/stats/entities": ["q", "type", "limit", "format", "country"],
    "/api/stats/terms": ["q", "limit", "lang"],
    "/api/stats/share-of-voice": ["q", "limit", "outlet"],
    "/api/saved-searches": ["x"], "/api/sources": ["x"], "/api/tokens": ["x"], "/api/users": ["x"],
}


def test_odd_values_never_cause_a_server_error(world):
    app, clients = world
    admin = clients["admin"]
    tried = {path.replace(DOCTORS, "{article_id}") for path in GET_ROUTES} | {"/api/articles/{article_id}"}
    tried = {"/api/stats/{report}" if path.startswith("/api/stats/") else path for path in tried}
    assert tried == {path for path, method in ROUTES if method == "get"} - {"/healthz"}
    for path, parameters in GET_ROUTES.items():
        for parameter in parameters:
            for value in ODD_VALUES:
                answer = admin.get(path, params={parameter: value, "mode": "keyword"} if parameter != "mode"
                                   else {parameter: value})
                assert answer.status_code < 500, (path, parameter, value, answer.text)
                if answer.status_code >= 400:
                    assert answer.json()["message"], (path, parameter, value)
    for value in ODD_VALUES:
        for path in (f"/api/articles/{value}", f"/api/articles/{value}/similar", f"/api/stats/{value}"):
            answer = admin.get(path.replace("\u0000", ""))
            assert answer.status_code < 500 and answer.status_code in (200, 400, 404, 405), (path, answer.text)


ODD_BODIES = [None, "", "not json", "[]", "null", "5", '{"template": 5}', '{"themes": "health"}',
              '{"verdict": null}', '{"name": ["x"], "query": {}}', '{"username": "é" }', '{"password": 12345678901}',
              '{"emails": ["not an address"], "name": "ok", "query": "x"}', '{"name": ""}',
              '{"format": "exe", "template": "policy-paper"}']
POST_ROUTES = ["/api/briefs", "/api/saved-searches", "/api/tokens", "/api/users",
               f"/api/articles/{DOCTORS}/themes/health"]


def test_odd_bodies_never_cause_a_server_error(world):
    _, clients = world
    for path in POST_ROUTES:
        for body in ODD_BODIES:
            answer = clients["admin"].post(path, content=body, headers={"Content-Type": "application/json"})
            assert answer.status_code < 500, (path, body, answer.text)
            if answer.status_code >= 400:
                assert answer.json()["message"], (path, body)
    patched = clients["admin"].patch("/api/users/viewer1", json={"role": "owner"})
    assert patched.status_code == 400 and "role" in patched.json()["message"]


def test_requests_in_parallel_each_get_their_own_store(world):
    from concurrent.futures import ThreadPoolExecutor

    _, clients = world

    def ask(number: int) -> tuple[int, int]:
        path = ("/api/search?q=refugees&mode=keyword", f"/api/articles/{DOCTORS}", "/api/stats/terms")[number % 3]
        answer = clients["viewer"].get(path)
        return answer.status_code, number

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = [status for status, _ in pool.map(ask, range(48))]
    assert statuses == [200] * 48
