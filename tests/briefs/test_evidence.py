"""Choosing and citing evidence for a brief, from a real SQLite index."""
from __future__ import annotations

import re

import pytest

from advocacy.article import Article, Passage, ThemeScore, article_id
from advocacy.briefs import BriefRequest, ThemeInfo, build_context, render_markdown
from advocacy.briefs.evidence import Citations, excerpt, select_evidence
from advocacy.index import SearchFilters
from advocacy.index.sqlite import SqliteStore

OUTLETS = {
    "tribune": ("The Rabat Tribune", "MA"),
    "echo": ("L'Echo du Sahel", "ML"),
    "observer": ("Sahel Observer", "ML"),
    "watan": ("Al Watan", "MA"),
}

LONG_PARAGRAPH = (
    "Refugees living in Rabat say public hospitals have turned them away at the emergency desk. "
    "Doctors at the Ibn Sina hospital told reporters that asylum seekers are often asked for documents "
    "that only citizens can obtain. The refugee agency said it had recorded more than two hundred refusals "
    "since January. It called on the health ministry to remind hospital managers of the law! "
    "A volunteer clinic now sees forty patients a day, most of them women and children who could not be "
    "treated elsewhere in the city. Associations plan to publish a report in June documenting each refusal."
)


def make_article(key, outlet, *, theme_scores, published, paragraphs, language="en", key_passage=1,
                 date_source="page-metadata"):
    """An enriched article whose passages are its paragraphs, with offsets into its text."""
    url = f"https://{outlet}.test/news/{key}.html"
    text = "\n\n".join(paragraphs)
    passages, start = [], 0
    for index, paragraph in enumerate(paragraphs):
        start = text.index(paragraph, start)
        passages.append(Passage(index, paragraph, start, start + len(paragraph)))
        start += len(paragraph)
    name, country = OUTLETS[outlet]
    return Article(
        id=article_id(url), url=url, canonical_url=url, outlet=outlet, outlet_name=name, country=country,
        title=f"Story {key}", text=text, published_at=published, published_at_source=date_source,
        fetched_at="2024-05-20T10:00:00+00:00", language=language, content_hash=f"hash-{key}",
        archive={"file": f"crawl-{outlet}.warc.gz", "offset": 100 * len(key)},
        themes=[ThemeScore(theme, score, passages=[key_passage]) for theme, score in theme_scores.items()],
        passages=passages, stage="indexed")


def paragraphs_about(subject):
    return [f"Opening lines of a report on {subject}.",
            f"The key finding on {subject} is documented here. It is quoted in the brief.",
            f"Closing remarks on {subject} and what comes next."]


ARTICLES = [
    make_article("h1", "tribune", theme_scores={"health": 0.95}, published="2024-05-02T08:30:00+00:00",
                 paragraphs=["Hospitals turn away refugees in Rabat.", LONG_PARAGRAPH, "The ministry did not reply."]),
    make_article("h2", "tribune", theme_scores={"health": 0.90}, published="2024-05-03T08:30:00+00:00",
                 paragraphs=paragraphs_about("clinic queues in Rabat")),
    make_article("h3", "echo", theme_scores={"health": 0.60, "education": 0.70}, language="fr",
                 published="2024-05-04T09:00:00+00:00",
                 paragraphs=["Les réfugiés privés de soins à Bamako.",
                             "Les demandeurs d'asile doivent fournir des documents. Les écoles aussi refusent "
                             "d'inscrire leurs enfants.", "Fin de l'article."]),
    make_article("h4", "observer", theme_scores={"health": 0.50}, published="2024-03-10T12:00:00+00:00",
                 paragraphs=paragraphs_about("maternity care in Mopti")),
    make_article("e1", "observer", theme_scores={"education": 0.85}, published="2024-05-05T07:00:00+00:00",
                 paragraphs=paragraphs_about("school enrolment of displaced children")),
    make_article("e2", "watan", theme_scores={"education": 0.40}, language="ar",
                 published="2024-05-06T07:00:00+00:00",
                 paragraphs=["تقرير عن تعليم أطفال المهاجرين.", "رفضت مدارس تسجيل أطفال المهاجرين. لماذا؟ لا جواب.",
                             "نهاية التقرير."]),
    make_article("j1", "watan", theme_scores={"justice": 0.80}, published="2024-05-01T07:00:00+00:00",
                 paragraphs=paragraphs_about("legal aid for detained migrants")),
    make_article("x1", "tribune", theme_scores={"housing": 0.70}, published=None, date_source="none",
                 paragraphs=paragraphs_about("evictions of migrant families")),
]
BY_KEY = {a.title.removeprefix("Story "): a for a in ARTICLES}

THEMES = [
    ThemeInfo("health", "Health", "Access to hospitals and clinics."),
    ThemeInfo("education", "Education", "Access to schools."),
    ThemeInfo("justice", "Justice", "Access to courts and legal aid."),
    ThemeInfo("detention", "Detention", "Conditions in detention."),
]


@pytest.fixture
def store(tmp_path):
    store = SqliteStore(tmp_path / "index.sqlite")
    for article in ARTICLES:
        store.upsert(article)
    yield store
    store.close()


def chosen_keys(evidence):
    return [e.source.title.removeprefix("Story ") for e in evidence]


def test_at_most_per_theme_items_one_per_outlet_first(store):
    total, evidence = select_evidence(store, theme="health", filters=SearchFilters(), per_theme=2,
                                      citations=Citations())
    assert total == 4
    # h2 outranks h3 on score, but h1 already speaks for the same outlet.
    assert chosen_keys(evidence) == ["h1", "h3"]

    _, evidence = select_evidence(store, theme="health", filters=SearchFilters(), per_theme=3, citations=Citations())
    assert chosen_keys(evidence) == ["h1", "h3", "h4"]
    assert len({e.source.outlet_name for e in evidence}) == 3


def test_a_second_article_of_an_outlet_comes_only_after_every_outlet(store):
    total, evidence = select_evidence(store, theme="health", filters=SearchFilters(), per_theme=10,
                                      citations=Citations())
    assert total == 4 and chosen_keys(evidence) == ["h1", "h3", "h4", "h2"]
    scores = [e.score for e in evidence[:3]]
    assert scores == sorted(scores, reverse=True) and all(s > 0 for s in scores)


def test_evidence_passages_are_verbatim_excerpts_of_the_key_passage(store):
    _, evidence = select_evidence(store, theme="health", filters=SearchFilters(), per_theme=4, citations=Citations())
    for item in evidence:
        article = store.get(item.source.article_id)
        assert item.passage and item.passage in article.text
        assert item.passage == excerpt(article.passages[1].text)
    [long_one] = [e for e in evidence if e.source.article_id == BY_KEY["h1"].id]
    assert len(long_one.passage) <= 420 and LONG_PARAGRAPH.startswith(long_one.passage)
    assert long_one.passage.endswith("law!")


def test_a_theme_passage_index_out_of_range_falls_back_to_the_last_passage(tmp_path):
    article = make_article("z1", "tribune", theme_scores={"health": 0.9}, published="2024-05-02T08:30:00+00:00",
                           paragraphs=paragraphs_about("vaccination"), key_passage=7)
    store = SqliteStore(tmp_path / "index.sqlite")
    store.upsert(article)
    _, [item] = select_evidence(store, theme="health", filters=SearchFilters(), per_theme=3, citations=Citations())
    assert item.passage == "Closing remarks on vaccination and what comes next."
    store.close()


def test_an_article_without_passages_counts_but_is_not_cited(tmp_path):
    article = make_article("z2", "tribune", theme_scores={"health": 0.9}, published="2024-05-02T08:30:00+00:00",
                           paragraphs=paragraphs_about("vaccination"))
    article.passages = []
    store = SqliteStore(tmp_path / "index.sqlite")
    store.upsert(article)
    total, evidence = select_evidence(store, theme="health", filters=SearchFilters(), per_theme=3,
                                      citations=Citations())
    assert (total, evidence) == (1, [])
    store.close()


def test_an_offset_less_utc_date_does_not_break_selection(tmp_path):
    article = make_article("z3", "tribune", theme_scores={"health": 0.9}, published="2024-05-02T08:30:00",
                           paragraphs=paragraphs_about("vaccination"))
    store = SqliteStore(tmp_path / "index.sqlite")
    store.upsert(article)
    try:
        _, evidence = select_evidence(store, theme="health", filters=SearchFilters(), per_theme=3,
                                      citations=Citations())
        assert chosen_keys(evidence) == ["z3"]
    finally:
        store.close()


def test_citation_numbers_follow_first_use_and_are_reused_across_themes(store):
    citations = Citations()
    _, health = select_evidence(store, theme="health", filters=SearchFilters(), per_theme=2, citations=citations)
    _, education = select_evidence(store, theme="education", filters=SearchFilters(), per_theme=2,
                                   citations=citations)
    assert [(k, e.source.number) for k, e in zip(chosen_keys(health), health)] == [("h1", 1), ("h3", 2)]
    assert [(k, e.source.number) for k, e in zip(chosen_keys(education), education)] == [("e1", 3), ("h3", 2)]
    assert education[1].source is health[1].source
    assert [s.number for s in citations.sources.values()] == [1, 2, 3]


def test_a_source_carries_what_a_bibliography_needs():
    source = Citations().cite(BY_KEY["h1"])
    assert (source.number, source.outlet_name, source.url, source.date, source.language) == (
        1, "The Rabat Tribune", "https://tribune.test/news/h1.html", "2024-05-02", "en")
    assert source.archive == {"file": "crawl-tribune.warc.gz", "offset": 200}
    undated = Citations().cite(BY_KEY["x1"])
    assert undated.date == "undated"


# -- excerpt ---------------------------------------------------------------------------------------------------

def test_short_text_is_kept_whole():
    assert excerpt("One sentence only.") == "One sentence only."


@pytest.mark.parametrize("limit", [100, 200, 300, 420])
def test_excerpt_cuts_at_the_last_sentence_end_within_the_limit(limit):
    cut = excerpt(LONG_PARAGRAPH, limit=limit)
    assert LONG_PARAGRAPH.startswith(cut) and len(cut) <= limit
    assert cut[-1] in ".!?"
    # Nothing longer would have fitted: the next sentence end lies beyond the limit.
    following = re.search(r"[.!?](?=\s)", LONG_PARAGRAPH[len(cut):])
    assert following is None or len(cut) + following.end() > limit


def test_excerpt_of_arabic_ends_at_the_arabic_question_mark():
    text = "رفضت مدارس تسجيل أطفال المهاجرين في الرباط هذا العام. لماذا؟ لم تقدم الوزارة أي جواب حتى الآن على الأسئلة."
    assert excerpt(text, limit=62) == "رفضت مدارس تسجيل أطفال المهاجرين في الرباط هذا العام. لماذا؟"


def test_without_a_sentence_end_the_excerpt_stops_at_a_word():
    text = " ".join(["refugees"] * 80)
    cut = excerpt(text, limit=50)
    assert text.startswith(cut) and len(cut) <= 50 and cut.split() == ["refugees"] * 5


@pytest.mark.parametrize("text", [
    'The hospital refused to treat him. The director said "no" to the request and explained that the hospital '
    "had no budget left for patients without insurance.",
    "Le rapport a été publié mardi. Le mot « réfugié » en est absent et le ministère n'évoque que des étrangers "
    "en transit vers l'Europe.",
], ids=["english-quotes", "french-guillemets"])
def test_a_quotation_inside_a_sentence_is_not_a_sentence_end(text):
    first_sentence = text[:text.index(". ") + 1]
    # The limit falls inside the second sentence, after its quotation: only the first sentence fits.
    assert excerpt(text, limit=len(text) - 20) == first_sentence


# -- build_context and the policy paper ------------------------------------------------------------------------

def test_build_context_sections_sources_and_gaps(store):
    context = build_context(store, BriefRequest(title="Access to rights", themes=THEMES, evidence_per_theme=2))
    sections = {s.key: s for s in context["sections"]}
    assert [s.key for s in context["sections"]] == ["health", "education", "justice", "detention"]
    assert {k: s.article_count for k, s in sections.items()} == {"health": 4, "education": 3, "justice": 1,
                                                                "detention": 0}
    assert chosen_keys(sections["health"].evidence) == ["h1", "h3"]
    assert chosen_keys(sections["education"].evidence) == ["e1", "h3"]
    assert chosen_keys(sections["justice"].evidence) == ["j1"]
    assert sections["detention"].evidence == []
    assert [s.key for s in context["gaps"]] == ["justice", "detention"]
    assert [(s.number, s.title) for s in context["sources"]] == [(1, "Story h1"), (2, "Story h3"), (3, "Story e1"),
                                                                (4, "Story j1")]
    assert context["coverage"]["articles"] == 8
    # By the names readers know, not the keys of the sources file.
    assert context["coverage"]["outlets"] == {"The Rabat Tribune": 3, "Sahel Observer": 2, "Al Watan": 2,
                                              "L'Echo du Sahel": 1}
    assert context["coverage"]["languages"] == {"en": 6, "ar": 1, "fr": 1}
    assert context["coverage"]["themes"]["health"] == 4
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", context["generated_at"])


def test_a_date_range_only_cites_articles_published_in_it(store):
    filters = SearchFilters(since="2024-05-01", until="2024-05-04")
    context = build_context(store, BriefRequest(themes=THEMES, filters=filters, evidence_per_theme=3))
    cited = {s.article_id for s in context["sources"]}
    assert cited == {BY_KEY[k].id for k in ("h1", "h2", "h3", "j1")}
    for source in context["sources"]:
        assert "2024-05-01" <= source.published_at[:10] <= "2024-05-04"
    sections = {s.key: s for s in context["sections"]}
    # The upper bound is inclusive: h3 was published on 4 May at 09:00.
    assert chosen_keys(sections["health"].evidence) == ["h1", "h3", "h2"]
    assert chosen_keys(sections["education"].evidence) == ["h3"]
    assert context["coverage"]["articles"] == 4
    assert {s.key for s in context["gaps"]} == {"education", "justice", "detention"}


def test_a_country_filter_only_cites_that_countrys_outlets(store):
    context = build_context(store, BriefRequest(themes=THEMES, filters=SearchFilters(countries=["ml"]),
                                                evidence_per_theme=3))
    assert context["sources"]
    for source in context["sources"]:
        assert store.get(source.article_id).country == "ML"
    assert {s.outlet_name for s in context["sources"]} == {"L'Echo du Sahel", "Sahel Observer"}
    assert context["coverage"]["outlets"] == {"Sahel Observer": 2, "L'Echo du Sahel": 1}


def test_the_policy_paper_renders_every_section_and_the_sources(store):
    context = build_context(store, BriefRequest(title="Access to rights", themes=THEMES, evidence_per_theme=2,
                                                filters=SearchFilters(since="2024-01-01", until="2024-12-31")))
    paper = render_markdown("policy-paper", context)

    assert paper.startswith("# Access to rights\n")
    assert "from 8 indexed articles" not in paper
    assert "from 7 indexed articles published from 2024-01-01 until 2024-12-31.\n" in paper
    for label in ("Health", "Education", "Justice", "Detention"):
        assert f"\n## {label}\n" in paper
    assert "- **Health**: 4 articles in the period, 2 cited below." in paper
    assert "- **Detention**: 0 articles in the period, no usable evidence." in paper
    assert "No article in the index supports this section yet." in paper

    health = paper.split("\n## Health\n", 1)[1].split("\n## Education\n", 1)[0]
    h1_excerpt = excerpt(LONG_PARAGRAPH)
    assert f"> {h1_excerpt}\n" in health
    assert '> — *The Rabat Tribune*, "Story h1", 2024-05-02 [1]' in health
    assert "> — *L'Echo du Sahel*, \"Story h3\", 2024-05-04 [2]" in health
    education = paper.split("\n## Education\n", 1)[1].split("\n## Justice\n", 1)[0]
    assert '"Story e1", 2024-05-05 [3]' in education and '"Story h3", 2024-05-04 [2]' in education

    assert "- Justice: 1 of 2 expected excerpts found." in paper
    assert "- Detention: 0 of 2 expected excerpts found." in paper
    assert "| The Rabat Tribune | 2 |" in paper  # x1 is undated, so outside a date range

    sources = paper.split("\n## Sources\n", 1)[1].strip().splitlines()
    assert sources == [
        '1. The Rabat Tribune, "Story h1", 2024-05-02. <https://tribune.test/news/h1.html> '
        "(retrieved 2024-05-20; archived copy: crawl-tribune.warc.gz @ 200)",
        "2. L'Echo du Sahel, \"Story h3\", 2024-05-04. <https://echo.test/news/h3.html> "
        "(retrieved 2024-05-20; archived copy: crawl-echo.warc.gz @ 200)",
        '3. Sahel Observer, "Story e1", 2024-05-05. <https://observer.test/news/e1.html> '
        "(retrieved 2024-05-20; archived copy: crawl-observer.warc.gz @ 200)",
        '4. Al Watan, "Story j1", 2024-05-01. <https://watan.test/news/j1.html> '
        "(retrieved 2024-05-20; archived copy: crawl-watan.warc.gz @ 200)",
    ]


def test_the_policy_paper_states_an_open_ended_period_without_stray_spaces(store):
    context = build_context(store, BriefRequest(themes=THEMES, evidence_per_theme=2,
                                                filters=SearchFilters(since="2024-05-01")))
    assert "indexed articles published from 2024-05-01.\n" in render_markdown("policy-paper", context)
