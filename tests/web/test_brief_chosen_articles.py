"""Briefs cite the articles the writer chose: listed in `articles` through the API, ticked in the evidence
basket on the brief builder."""
import re

from .conftest import build
# own_site is a fixture, shared with test_pages.
from .test_pages import ARABIC, DOCTORS, arabic_article, csrf_of, own_site, signed_in  # noqa: F401
from .test_pages_forms import form_error

SCHOOL = build("school").id
FURTHER = "\n## Further evidence chosen by the author\n"


def further_evidence(markdown: str) -> str:
    return markdown.split(FURTHER, 1)[1].split("\n## Sources\n", 1)[0] if FURTHER in markdown else ""


def sources(markdown: str) -> str:
    return markdown.split("\n## Sources\n", 1)[1]


# -- the API -----------------------------------------------------------------------------------------------

def test_the_api_cites_the_articles_listed_whatever_the_filters(world):
    _, clients = world
    body = {"template": "policy-paper", "themes": ["health"], "since": "2024-02-01", "format": "md",
            "articles": [DOCTORS, SCHOOL]}
    assert clients["viewer"].post("/api/briefs", json=body).status_code == 403
    answer = clients["analyst"].post("/api/briefs", json=body)
    assert answer.status_code == 200, answer.text
    paper = answer.text
    # Doctors (January) is outside the period yet leads the health section; the school story fits no section.
    health = paper.split("\n## Health\n", 1)[1].split("\n## ", 1)[0]
    assert health.index('"Volunteer doctors treat refugees", 2024-01-03 [1]') < health.index("A mobile clinic")
    assert '"Refugee pupils return to class", undated [' in further_evidence(paper)
    assert "Refugee children went back to school in Rabat." in further_evidence(paper)
    assert "Refugee pupils return to class" in sources(paper) and "Volunteer doctors" in sources(paper)


def test_without_articles_the_brief_has_no_further_evidence(world):
    _, clients = world
    answer = clients["analyst"].post("/api/briefs", json={"template": "policy-paper", "themes": ["housing"],
                                                          "format": "md"})
    assert answer.status_code == 200 and FURTHER not in answer.text and "Refugee pupils" not in answer.text


def test_articles_the_index_does_not_hold_or_too_many_are_a_400(world):
    _, clients = world
    analyst = clients["analyst"]
    unknown = analyst.post("/api/briefs", json={"template": "policy-paper", "articles": [DOCTORS, "ffff"]})
    assert unknown.status_code == 400 and unknown.json()["error"] == "bad_brief"
    assert "the index holds no article with the id 'ffff'" in unknown.json()["message"]
    many = analyst.post("/api/briefs", json={"template": "policy-paper", "articles": [f"{n:032x}" for n in range(101)]})
    assert many.status_code == 400 and many.json()["error"] == "invalid_request"
    assert many.json()["problems"][0]["where"].endswith("articles")
    long = analyst.post("/api/briefs", json={"template": "policy-paper", "articles": ["f" * 65]})
    assert long.status_code == 400 and long.json()["error"] == "invalid_request"


# -- the brief builder ---------------------------------------------------------------------------------------

def boxes(page: str) -> dict[str, bool]:
    """The brief form's article boxes: id -> ticked."""
    form = page.split('id="basket-title"')[0]
    return {found.group(1): bool(found.group(2))
            for found in re.finditer(r'<input type="checkbox" name="articles" value="([^"]+)"( checked)?>', form)}


def fill_basket(app, username):
    for article in (build("doctors"), build("school"), arabic_article()):
        app.state.basket.add(username, article)


def test_the_basket_is_listed_in_the_form_every_article_ticked(own_site):
    analyst = signed_in(own_site, "amina", "analyst")
    assert boxes(analyst.get("/briefs").text) == {}
    fill_basket(own_site, "amina")
    page = analyst.get("/briefs").text
    assert boxes(page) == {DOCTORS: True, SCHOOL: True, ARABIC: True}
    form = page.split('id="basket-title"')[0]
    assert "Cite from your evidence basket" in form and "Refugee pupils return to class" in form
    assert '<span lang="ar" dir="rtl">اللاجئون في وجدة يحصلون على العلاج</span>' in form
    inputs = re.search(r'<textarea id="brief-inputs"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    assert "# (the articles ticked in the form are cited" in inputs
    analyst.cookies.set("advocacy_language", "fr")
    assert "Citer depuis votre panier de preuves" in analyst.get("/briefs").text


def test_only_the_ticked_articles_are_cited(own_site):
    analyst = signed_in(own_site, "amina", "analyst")
    fill_basket(own_site, "amina")
    token = csrf_of(analyst, "/briefs")
    answer = analyst.post("/briefs", data={"template": "policy-paper", "themes": ["housing"], "format": "md",
                                           "articles": [SCHOOL, ARABIC], "csrf_token": token})
    assert answer.status_code == 200, answer.text[-2000:]
    paper = answer.text
    further = further_evidence(paper)
    assert '"Refugee pupils return to class", undated [' in further
    assert "اللاجئون في وجدة يحصلون على العلاج" in further
    assert "Volunteer doctors" not in paper


def test_a_form_sent_back_keeps_the_ticks_and_explains_an_unknown_article(own_site):
    analyst = signed_in(own_site, "amina", "analyst")
    fill_basket(own_site, "amina")
    token = csrf_of(analyst, "/briefs")
    bad_date = analyst.post("/briefs", data={"template": "policy-paper", "since": "last week",
                                             "articles": [SCHOOL], "csrf_token": token})
    assert bad_date.status_code == 400
    assert boxes(bad_date.text) == {DOCTORS: False, SCHOOL: True, ARABIC: False}
    none_ticked = analyst.post("/briefs", data={"template": "policy-paper", "since": "last week",
                                                "csrf_token": token})
    assert not any(boxes(none_ticked.text).values())
    gone = analyst.post("/briefs", data={"template": "policy-paper", "articles": ["ffff"], "csrf_token": token})
    assert gone.status_code == 400
    assert "the index holds no article with the id &#39;ffff&#39;" in form_error(gone.text)


def test_a_viewer_cannot_write_a_brief_citing_articles(own_site):
    viewer = signed_in(own_site, "omar")
    fill_basket(own_site, "omar")
    page = viewer.get("/briefs").text
    assert boxes(page) == {} and "Writing briefs needs the analyst role" in page
    answer = viewer.post("/briefs", data={"template": "policy-paper", "format": "md", "articles": [SCHOOL],
                                          "csrf_token": csrf_of(viewer)})
    assert answer.status_code == 403
