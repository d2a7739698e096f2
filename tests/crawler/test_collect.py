"""collect_page end to end on handcrafted pages: real ledger, real WARC archive, the shipped relevance lexicon."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from warcio.archiveiterator import ArchiveIterator

from advocacy.article import article_id, content_hash
from advocacy.crawler import (CollectContext, FetchedPage, RelevanceFilter, WarcArchive, collect_page,
                              parse_sources)
from advocacy.ledger import Ledger

SOURCES = """
[[outlet]]
key = "tribune"
name = "The Rabat Tribune"
homepage = "https://www.tribune.test/"
country = "MA"
languages = ["en", "fr"]
feeds = ["https://www.tribune.test/feed"]

[[outlet]]
key = "echo"
name = "L'Echo du Sahel"
homepage = "https://echo.test/"
country = "ML"
languages = ["fr"]
"""

HOSPITALS = [
    "Refugees living in Rabat say public hospitals have turned them away at the emergency desk, even when they "
    "carried the residence card issued by the authorities last year.",
    "Doctors at the Ibn Sina hospital told reporters that asylum seekers are often asked for documents that only "
    "citizens can obtain, and that many patients give up before seeing a nurse.",
    "The refugee agency said it had recorded more than two hundred refusals since January and called on the "
    "health ministry to remind hospital managers of the law.",
    "A volunteer clinic run by a local association now sees forty patients a day, most of them women and children "
    "who could not be treated elsewhere in the city.",
    "Under the 2003 law and the national health strategy, foreigners in a regular situation are entitled to the "
    "same emergency care as Moroccan citizens, lawyers recalled.",
    "One mother from Guinea described waiting six hours with a feverish baby before a guard asked her to leave "
    "because she could not show a national identity card.",
    "The ministry did not answer written questions sent on Tuesday, but an official said privately that "
    "instructions would be sent to regional directors next month.",
    "Associations plan to publish a report in June documenting each refusal, and hope that hospitals will post "
    "the rules at their entrances in three languages.",
]
HOSPITALS_TITLE = "Hospitals turn away refugees in Rabat"

FOOTBALL = [
    "Raja Casablanca beat Wydad two goals to one on Sunday evening in a derby played in front of a full stadium "
    "and a loud crowd.",
    "The winning goal came in the eighty-ninth minute after a long pass from midfield found the striker alone "
    "in the box.",
    "The coach praised his players for their patience and said the title race was far from over with six "
    "matches left to play.",
    "Supporters celebrated in the streets of the city until late at night, and the club announced a parade for "
    "the weekend.",
]

SOINS = [
    "Des réfugiés installés à Bamako affirment que les centres de santé publics leur refusent l'accès aux soins, "
    "même lorsqu'ils présentent la carte délivrée par les autorités.",
    "Les médecins de l'hôpital Gabriel Touré expliquent que les demandeurs d'asile doivent souvent fournir des "
    "documents que seuls les citoyens peuvent obtenir.",
    "L'agence des Nations unies pour les réfugiés a recensé plus de deux cents refus depuis janvier et demande "
    "au ministère de la santé de rappeler la loi aux directeurs d'hôpitaux.",
    "Une clinique bénévole gérée par une association locale reçoit désormais quarante patients par jour, "
    "surtout des femmes et des enfants.",
]

COURTS = [
    "Asylum seekers in Tangier have waited more than a year for a hearing, lawyers representing migrants told a "
    "press conference on Friday, and some were deported before their appeal was heard.",
    "The court registry has a single interpreter for Arabic and French, so refugees who speak Fula or Bambara "
    "are asked to bring a relative to translate for them.",
    "A legal aid network said it had filed sixty complaints about detention conditions since March and received "
    "no answer from the prosecutor's office.",
    "Judges interviewed by the newspaper said they lacked the staff to hear cases faster and asked for the "
    "asylum law promised in 2014 to be passed at last.",
]

ARTICLE_META = ('<meta property="og:type" content="article">'
                '<meta property="article:published_time" content="2024-05-02T08:30:00Z">')
ORIGINAL_URL = "https://www.tribune.test/2024/05/02/refugees-hospitals.html"


def html(title, paragraphs, *, head="", lang="en"):
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f'<html lang="{lang}"><head><title>{title}</title>{head}</head><body>'
            f'<nav><a href="/">Home</a> <a href="/category/society/">Society</a></nav>'
            f"<article><h1>{title}</h1>{body}</article>"
            f"<footer>© The Rabat Tribune. Contact us.</footer></body></html>")


def fetched(url, outlet, page_html, *, via="feed", feed_date=None):
    return FetchedPage(url=url, outlet=outlet, status=200, headers={"Content-Type": "text/html; charset=utf-8"},
                       body=page_html.encode("utf-8"), html=page_html, discovered_via=via, feed_date=feed_date)


@pytest.fixture
def context(tmp_path):
    outlets = {o.key: o for o in parse_sources(SOURCES, origin="test sources")}
    ledger = Ledger(tmp_path / "ledger.db")
    archive = WarcArchive(tmp_path / "archive")
    yield CollectContext(outlets=outlets, ledger=ledger, archive=archive,
                         relevance=RelevanceFilter.from_file(None, threshold=2.0))
    archive.close()
    ledger.close()


def original_page():
    head = ARTICLE_META + f'<link rel="canonical" href="{ORIGINAL_URL}">'
    return fetched(ORIGINAL_URL, "tribune", html(HOSPITALS_TITLE, HOSPITALS, head=head))


def test_an_on_topic_article_is_stored_with_its_fields(context):
    page = original_page()
    assert len("\n\n".join(HOSPITALS)) >= 600
    before = datetime.now(timezone.utc).replace(microsecond=0)
    outcome = collect_page(page, context)

    assert (outcome.status, outcome.url, outcome.title, outcome.reason) == ("stored", ORIGINAL_URL,
                                                                            HOSPITALS_TITLE, "")
    assert outcome.article_id == article_id(ORIGINAL_URL)
    article = context.ledger.get(outcome.article_id)
    assert article.id == article_id(ORIGINAL_URL) and article.stage == "collected"
    assert (article.url, article.canonical_url) == (ORIGINAL_URL, ORIGINAL_URL)
    assert (article.outlet, article.outlet_name, article.country) == ("tribune", "The Rabat Tribune", "MA")
    assert article.discovered_via == "feed"
    assert article.title == HOSPITALS_TITLE
    assert article.text == "\n\n".join(HOSPITALS)
    assert article.language == "en"
    assert (article.published_at, article.published_at_source) == ("2024-05-02T08:30:00+00:00", "page-metadata")
    assert article.content_hash == content_hash(article.text)
    assert datetime.fromisoformat(article.fetched_at) >= before
    assert article.relevance["score"] >= 2.0
    assert {"refugee*", "asylum seeker*"} <= set(article.relevance["terms"])
    assert article.duplicates == []

    raw = context.archive.read(article.archive)
    assert raw.url == ORIGINAL_URL and raw.status == 200 and raw.body == page.body
    assert context.ledger.page_status(ORIGINAL_URL) == "stored"
    assert context.ledger.is_settled(ORIGINAL_URL)
    assert context.outcomes == []  # collect_page reports through its return value only


def test_the_canonical_url_names_the_story_when_fetched_with_tracking_parameters(context):
    tracked = ORIGINAL_URL + "?utm_source=rss&utm_medium=feed"
    head = ARTICLE_META + '<link rel="canonical" href="/2024/05/02/refugees-hospitals.html">'  # relative
    page = fetched(tracked, "tribune", html(HOSPITALS_TITLE, HOSPITALS, head=head))
    outcome = collect_page(page, context)
    assert outcome.status == "stored" and outcome.article_id == article_id(ORIGINAL_URL)
    article = context.ledger.get(outcome.article_id)
    assert (article.url, article.canonical_url) == (tracked, ORIGINAL_URL)
    assert context.ledger.page_status(tracked) == "stored"
    assert context.ledger.page_status(ORIGINAL_URL) == "stored"


def test_a_canonical_on_another_site_is_not_trusted(context):
    url = "https://echo.test/monde/hopitaux-rabat"
    page = fetched(url, "echo", html(HOSPITALS_TITLE, HOSPITALS,
                                     head=ARTICLE_META + f'<link rel="canonical" href="{ORIGINAL_URL}">'))
    outcome = collect_page(page, context)
    assert outcome.status == "stored" and outcome.article_id == article_id(url)
    assert context.ledger.get(article_id(url)).canonical_url == url
    assert context.ledger.get(article_id(ORIGINAL_URL)) is None


@pytest.mark.parametrize("declared", ["https://www.tribune.test/", "https://tribune.test", "/feed",
                                      "https://www.tribune.test/#top"])
def test_a_canonical_naming_the_home_page_or_a_feed_is_not_trusted(context, declared):
    # A template's default canonical, left unset: trusted, it would make every story of the outlet one.
    first, second = ORIGINAL_URL, "https://www.tribune.test/2024/05/03/asylum-courts.html"
    head = ARTICLE_META + f'<link rel="canonical" href="{declared}">'
    stored = [collect_page(fetched(url, "tribune", html(title, paragraphs, head=head)), context)
              for url, title, paragraphs in ((first, HOSPITALS_TITLE, HOSPITALS),
                                             (second, "Asylum seekers wait for courts", COURTS))]
    assert [(o.status, o.article_id) for o in stored] == [("stored", article_id(first)), ("stored", article_id(second))]
    assert context.ledger.get(article_id(first)).canonical_url == first
    for endpoint in ("https://www.tribune.test/", "https://www.tribune.test/feed"):
        assert context.ledger.page_status(endpoint) is None


def test_an_off_topic_article_is_recorded_but_not_stored(context):
    url = "https://www.tribune.test/2024/05/05/derby.html"
    outcome = collect_page(fetched(url, "tribune", html("Raja win the derby", FOOTBALL, head=ARTICLE_META)), context)
    assert (outcome.status, outcome.title, outcome.reason) == ("off_topic", "Raja win the derby", "relevance 0.0 < 2")
    assert outcome.article_id is None
    assert context.ledger.page_status(url) == "off_topic"
    assert context.ledger.ids() == []


def test_a_contact_page_is_not_an_article(context):
    url = "https://www.tribune.test/contact/"
    contact = "<html><body><h1>Contact</h1><p>Write to us at the address below.</p></body></html>"
    outcome = collect_page(fetched(url, "tribune", contact, via="crawl"), context)
    assert outcome.status == "not_article"
    assert outcome.reason.startswith("text too short (") and outcome.reason.endswith(" < 400 characters)")
    assert context.ledger.page_status(url) == "not_article"
    assert context.ledger.ids() == []


def test_another_url_of_a_stored_article_is_known(context):
    first = collect_page(original_page(), context)
    amp_url = "https://www.tribune.test/amp/refugees-hospitals?outputType=amp"
    amp = html(HOSPITALS_TITLE, HOSPITALS, head=ARTICLE_META + f'<link rel="canonical" href="{ORIGINAL_URL}">')
    outcome = collect_page(fetched(amp_url, "tribune", amp.replace("<nav>", '<nav class="amp">')), context)

    assert (outcome.status, outcome.reason, outcome.article_id) == ("known", "another URL of a stored article",
                                                                    first.article_id)
    assert context.ledger.page_status(amp_url) == "stored"
    assert context.ledger.ids() == [first.article_id]


def test_a_near_copy_on_another_url_is_a_duplicate_of_the_original(context):
    first = collect_page(original_page(), context)
    copy_url = "https://echo.test/monde/refugies-hopitaux-rabat"
    copy_paragraphs = HOSPITALS + ["Republished from The Rabat Tribune."]
    outcome = collect_page(fetched(copy_url, "echo", html(HOSPITALS_TITLE, copy_paragraphs, head=ARTICLE_META)),
                           context)

    assert (outcome.status, outcome.reason) == ("duplicate", "same story as a stored article")
    assert outcome.article_id == first.article_id
    assert context.ledger.page_status(copy_url) == "duplicate"
    assert context.ledger.ids() == [first.article_id]
    assert context.ledger.get(first.article_id).duplicates == [copy_url]


def test_an_exact_copy_is_a_duplicate_by_content_hash(context):
    first = collect_page(original_page(), context)
    copy_url = "https://echo.test/monde/copie"
    outcome = collect_page(fetched(copy_url, "echo", html(HOSPITALS_TITLE, HOSPITALS)), context)
    assert (outcome.status, outcome.article_id) == ("duplicate", first.article_id)
    again = collect_page(fetched(copy_url, "echo", html(HOSPITALS_TITLE, HOSPITALS)), context)
    assert again.status == "duplicate"
    assert context.ledger.get(first.article_id).duplicates == [copy_url]


def test_a_copy_with_a_sentence_long_credit_line_is_a_duplicate(context):
    first = collect_page(original_page(), context)
    copy_url = "https://echo.test/monde/refugies-hopitaux-rabat"
    credit = "This story first appeared in The Rabat Tribune and is republished with permission."
    copy_paragraphs = HOSPITALS + [credit]
    outcome = collect_page(fetched(copy_url, "echo", html(HOSPITALS_TITLE, copy_paragraphs, head=ARTICLE_META)),
                           context)
    assert (outcome.status, outcome.article_id) == ("duplicate", first.article_id)


def test_a_french_article_is_stored_in_french_with_the_feed_date(context):
    url = "https://echo.test/societe/refugies-soins-bamako"
    feed_date = datetime(2024, 5, 4, 7, 15, tzinfo=timezone.utc)
    page = fetched(url, "echo", html("Les réfugiés privés de soins à Bamako", SOINS, lang="fr"), feed_date=feed_date)
    outcome = collect_page(page, context)

    assert outcome.status == "stored" and outcome.article_id == article_id(url)
    article = context.ledger.get(outcome.article_id)
    assert article.language == "fr"
    assert (article.published_at, article.published_at_source) == ("2024-05-04T07:15:00+00:00", "feed")
    assert (article.outlet_name, article.country) == ("L'Echo du Sahel", "ML")
    assert "réfugié*" in article.relevance["terms"] and "demandeur* d'asile" in article.relevance["terms"]
    assert article.content_hash == content_hash("\n\n".join(SOINS))
    assert context.archive.read(article.archive).body == page.body


def test_a_whole_crawl_leaves_one_record_per_page_and_one_article_per_story(context):
    pages = [
        original_page(),
        fetched("https://www.tribune.test/2024/05/05/derby.html", "tribune",
                html("Raja win the derby", FOOTBALL, head=ARTICLE_META)),
        fetched("https://www.tribune.test/contact/", "tribune",
                "<html><body><h1>Contact</h1><p>Write to us.</p></body></html>"),
        fetched("https://www.tribune.test/amp/refugees-hospitals", "tribune",
                html(HOSPITALS_TITLE, HOSPITALS, head=ARTICLE_META + f'<link rel="canonical" href="{ORIGINAL_URL}">')),
        fetched("https://echo.test/monde/refugies-hopitaux-rabat", "echo",
                html(HOSPITALS_TITLE, HOSPITALS + ["Republished from The Rabat Tribune."], head=ARTICLE_META)),
        fetched("https://echo.test/societe/refugies-soins-bamako", "echo",
                html("Les réfugiés privés de soins à Bamako", SOINS, head=ARTICLE_META, lang="fr")),
    ]
    statuses = [collect_page(page, context).status for page in pages]
    assert statuses == ["stored", "off_topic", "not_article", "known", "duplicate", "stored"]
    assert context.ledger.page_counts() == {"duplicate": 1, "not_article": 1, "off_topic": 1, "stored": 3}
    counts = context.ledger.counts()
    assert counts["articles"] == 2 and counts["by_stage"]["collected"] == 2
    languages = {a.id: a.language for a in context.ledger.iter_articles()}
    assert languages == {article_id(ORIGINAL_URL): "en",
                         article_id("https://echo.test/societe/refugies-soins-bamako"): "fr"}
    # Every page, kept or not, is in the archive, in fetch order; stored articles point at their own copy.
    context.archive.close()
    [warc] = list((context.archive.directory).glob("crawl-*.warc.gz"))
    with open(warc, "rb") as handle:
        archived = [(r.rec_headers.get_header("WARC-Target-URI"), r.content_stream().read())
                    for r in ArchiveIterator(handle) if r.rec_type == "response"]
    assert archived == [(p.url, p.body) for p in pages]
    for article in context.ledger.iter_articles():
        page = next(p for p in pages if p.url == article.url)
        assert context.archive.read(article.archive).body == page.body
