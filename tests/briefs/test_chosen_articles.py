"""The articles the author chose are cited: first in the sections and arguments they fit, whatever the
filters, and otherwise as further evidence before the sources."""
from __future__ import annotations

import dataclasses

import pytest

from advocacy.article import Entity
from advocacy.briefs import (MAX_CHOSEN_ARTICLES, BriefError, BriefRequest, build_context, render_markdown,
                             template_variables)
from advocacy.briefs.evidence import excerpt
from advocacy.briefs.inputs import Argument, AuthorInputs
from advocacy.briefs.render import with_verified_items
from advocacy.briefs.verification import verify_sources
from advocacy.index import SearchFilters
from advocacy.index.sqlite import SqliteStore
from tests.briefs.test_evidence import ARTICLES, BY_KEY, THEMES, chosen_keys, make_article, paragraphs_about
from tests.briefs.test_redaction import AMINATA, BENALI, HOSPITAL_STORY, article_with
from tests.briefs.test_verification import GOOD_FIGURE, GOOD_QUOTE, TEXT_EN
from tests.briefs.test_verification import make_article as article_quoting

MAY = SearchFilters(since="2024-05-01", until="2024-05-04")
# Carries no theme at all: its first passage speaks for it.
UNTHEMED = make_article("n1", "echo", theme_scores={}, published="2024-05-07T08:00:00+00:00",
                        paragraphs=paragraphs_about("a football match"))
HOSPITAL = article_with(HOSPITAL_STORY, AMINATA, BENALI)
QUOTING = article_quoting("q1", "observer", "Sahel Observer", TEXT_EN, quotes=[GOOD_QUOTE], figures=[GOOD_FIGURE])


@pytest.fixture
def store(tmp_path):
    store = SqliteStore(tmp_path / "index.sqlite")
    for article in [*ARTICLES, UNTHEMED, HOSPITAL, QUOTING]:
        store.upsert(article)
    yield store
    store.close()


def ids(*keys):
    return [BY_KEY[key].id for key in keys]


def rendered(template, context, store):
    """The brief as the command writes it: its quotes and figures verified first."""
    return render_markdown(template, with_verified_items(context, verify_sources(context["sources"], load=store.get,
                                                                                 mode="drop")))


def section(context, key):
    return next(s for s in context["sections"] if s.key == key)


def test_a_chosen_article_comes_first_in_its_theme_section_whatever_the_period(store):
    # h4 was published in March, outside the period: chosen, it is quoted all the same, and first.
    context = build_context(store, BriefRequest(themes=THEMES, filters=MAY, evidence_per_theme=2,
                                                chosen_articles=ids("h4")))
    health = section(context, "health").evidence
    assert chosen_keys(health) == ["h4", "h1"]
    assert [item.chosen for item in health] == [True, False]
    article = BY_KEY["h4"]
    assert health[0].passage == excerpt(article.passages[article.themes[0].passages[0]].text)
    assert context["sources"][0].article_id == article.id and context["sources"][0].cite == "[1]"
    assert context["further_evidence"] == []


def test_chosen_articles_keep_the_authors_order_beyond_evidence_per_theme(store):
    context = build_context(store, BriefRequest(themes=THEMES, evidence_per_theme=2,
                                                chosen_articles=ids("h2", "h4", "h3")))
    assert chosen_keys(section(context, "health").evidence) == ["h2", "h4", "h3"]
    # h3 carries education too: first there, then the strongest of the rest.
    assert chosen_keys(section(context, "education").evidence) == ["h3", "e1"]
    assert [s.title for s in context["sources"]][:3] == ["Story h2", "Story h4", "Story h3"]
    assert context["gaps"] == [s for s in context["sections"] if s.key in ("justice", "detention")]


def test_a_country_filter_does_not_keep_out_a_chosen_article(store):
    context = build_context(store, BriefRequest(themes=THEMES, filters=SearchFilters(countries=["ML"]),
                                                evidence_per_theme=3, chosen_articles=ids("h1")))
    assert chosen_keys(section(context, "health").evidence)[0] == "h1"
    assert "The Rabat Tribune" not in context["coverage"]["outlets"]      # the figures keep to the filters


def test_an_argument_quotes_the_chosen_articles_of_its_theme_or_found_by_its_query_first(store):
    inputs = AuthorInputs(arguments=[Argument("Detained migrants lack lawyers.", theme="justice"),
                                     Argument("Mothers are refused care.", query="maternity"),
                                     Argument("Clinics are full in Rabat.", query="Rabat"),
                                     Argument("Schools refuse children.", theme="education", query="enrolment")])
    context = build_context(store, BriefRequest(filters=MAY, inputs=inputs, evidence_per_theme=2,
                                                chosen_articles=ids("j1", "h4", "h2")))
    justice, maternity, rabat, schools = context["arguments"]
    assert chosen_keys(justice.evidence) == ["j1"]
    # h4 is from March: the search with the brief's period does not find it, the check of the article does.
    assert chosen_keys(maternity.evidence) == ["h4"] and maternity.evidence[0].chosen
    # h2 would come after h1 by rank; chosen, it leads. h4 does not speak of Rabat and stays out.
    assert chosen_keys(rabat.evidence) == ["h2", "h1"]
    assert [item.chosen for item in rabat.evidence] == [True, False]
    assert "h2" not in chosen_keys(schools.evidence) and "j1" not in chosen_keys(schools.evidence)
    assert context["further_evidence"] == []


def test_a_chosen_article_that_fits_nothing_is_further_evidence_and_in_the_bibliography(store):
    context = build_context(store, BriefRequest(themes=THEMES, evidence_per_theme=1,
                                                chosen_articles=[BY_KEY["x1"].id, UNTHEMED.id, BY_KEY["h1"].id]))
    further = context["further_evidence"]
    assert [item.source.article_id for item in further] == [BY_KEY["x1"].id, UNTHEMED.id]
    assert all(item.chosen for item in further)
    # The passage of its strongest theme (housing), else its first.
    assert further[0].passage == "The key finding on evictions of migrant families is documented here. " \
                                 "It is quoted in the brief."
    assert further[1].passage == "Opening lines of a report on a football match."
    assert chosen_keys(section(context, "health").evidence) == ["h1"]
    cited = [s.article_id for s in context["sources"]]
    assert BY_KEY["x1"].id in cited and UNTHEMED.id in cited

    paper = render_markdown("policy-paper", context)
    extra = paper.split("\n## Further evidence chosen by the author\n", 1)[1].split("\n## Sources\n", 1)[0]
    x1 = next(s for s in context["sources"] if s.article_id == BY_KEY["x1"].id)
    assert f"> {further[0].passage}\n" in extra and f'"Story x1", undated {x1.cite}' in extra
    assert '"Story n1", 2024-05-07' in extra and "Story h1" not in extra
    sources = paper.split("\n## Sources\n", 1)[1]
    assert '"Story x1", undated. <https://tribune.test/news/x1.html>' in sources
    assert '"Story n1", 2024-05-07. <https://echo.test/news/n1.html>' in sources


def test_a_chosen_articles_excerpt_has_private_names_withheld(store):
    context = build_context(store, BriefRequest(themes=[], chosen_articles=[HOSPITAL.id]))
    [item] = context["further_evidence"]
    assert "Aminata" not in item.passage and "Diallo" not in item.passage and "Karim Benali" in item.passage
    assert item.verbatim == HOSPITAL_STORY.split("\n\n")[1] and item.redactions == 2
    assert context["redactions"] == 2
    paper = rendered("position-paper", context, store)
    assert "Aminata" not in paper and "Karim Benali" in paper


def test_the_quotes_and_figures_of_a_chosen_article_are_verified(store):
    context = build_context(store, BriefRequest(themes=[], chosen_articles=[QUOTING.id]))
    verification = verify_sources(context["sources"], load=store.get, mode="drop")
    assert [q.text for q in verification.quotes] == [GOOD_QUOTE.text]
    assert [f.text for f in verification.figures] == [GOOD_FIGURE.text]
    paper = render_markdown("policy-paper", with_verified_items(context, verification))
    assert GOOD_QUOTE.text in paper.split("\n## Voices\n", 1)[1]


def test_an_unknown_id_is_a_clear_error(store):
    with pytest.raises(BriefError, match="the index holds no article with the id 'ffff0000'; leave it out"):
        build_context(store, BriefRequest(themes=THEMES, chosen_articles=[BY_KEY["h1"].id, "ffff0000"]))
    with pytest.raises(BriefError, match=r"'a1', 'a2', 'a3', 'a4', 'a5' and 2 more; leave them out"):
        build_context(store, BriefRequest(chosen_articles=[f"a{n}" for n in range(1, 8)]))


def test_too_many_chosen_articles_is_a_clear_error(store):
    with pytest.raises(BriefError, match=f"101 articles were chosen for the brief; it cites at most "
                                         f"{MAX_CHOSEN_ARTICLES}"):
        build_context(store, BriefRequest(chosen_articles=[f"{n:032x}" for n in range(101)]))


def test_an_article_chosen_twice_is_cited_once(store):
    context = build_context(store, BriefRequest(themes=THEMES[:1], evidence_per_theme=1,
                                                chosen_articles=ids("x1", "x1", "h2", "h2")))
    assert chosen_keys(section(context, "health").evidence) == ["h2"]
    assert chosen_keys(context["further_evidence"]) == ["x1"]


def test_a_chosen_article_without_passages_is_quoted_from_its_text(store):
    bare = dataclasses.replace(make_article("b1", "watan", theme_scores={"health": 0.5},
                                            published="2024-05-02T08:00:00+00:00",
                                            paragraphs=paragraphs_about("a bare story")), passages=[])
    store.upsert(bare)
    context = build_context(store, BriefRequest(themes=THEMES[:1], evidence_per_theme=2,
                                                chosen_articles=[bare.id]))
    assert section(context, "health").evidence[0].passage == excerpt(bare.text)


def with_named_organisations(store):
    # A digest's share of voice wants organisations named somewhere.
    store.upsert(dataclasses.replace(BY_KEY["h1"], entities=[Entity("org:unhcr", "UNHCR", "organisation",
                                                                    ["UNHCR"], 1)]))


@pytest.mark.parametrize("template", ["policy-paper", "position-paper", "media-digest"])
def test_every_built_in_template_shows_further_evidence_only_when_there_is_some(store, template):
    with_named_organisations(store)
    needs = template_variables(template)
    assert "further_evidence" in needs

    def paper(chosen):
        context = build_context(store, BriefRequest(themes=THEMES, needs=needs, evidence_per_theme=2,
                                                    chosen_articles=chosen,
                                                    filters=SearchFilters(since="2024-05-01", until="2024-05-31")))
        return context, rendered(template, context, store)

    context, with_chosen = paper([BY_KEY["x1"].id])
    assert chosen_keys(context["further_evidence"]) == ["x1"]
    x1 = next(s for s in context["sources"] if s.article_id == BY_KEY["x1"].id)
    extra = with_chosen.split("\n## Further evidence chosen by the author\n\n", 1)[1]
    assert extra.startswith("> The key finding on evictions of migrant families is documented here.")
    assert f'— *The Rabat Tribune*, "Story x1", undated {x1.cite}\n\n## Sources\n' in extra
    assert x1.entry in with_chosen.split("\n## Sources\n", 1)[1]

    _, without = paper([])
    assert "Further evidence" not in without and "Story x1" not in without


def test_a_template_that_does_not_show_further_evidence_does_not_cite_it(store, tmp_path):
    template = tmp_path / "sections-only.md.j2"
    template.write_text("{% for s in sections %}{{ s.label }}\n{% endfor %}{% for s in sources %}{{ s.entry }}\n"
                        "{% endfor %}", encoding="utf-8")
    needs = template_variables(str(template))
    context = build_context(store, BriefRequest(themes=THEMES[:1], needs=needs, chosen_articles=ids("x1")))
    assert "further_evidence" not in needs and context["further_evidence"] == []
    assert BY_KEY["x1"].id not in {s.article_id for s in context["sources"]}
