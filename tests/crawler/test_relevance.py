"""The refugees/migrants relevance filter, with the lexicon shipped in the package."""
from __future__ import annotations

import pytest

from advocacy.crawler.errors import CrawlerError
from advocacy.crawler.relevance import RelevanceFilter


@pytest.fixture(scope="module")
def relevance():
    return RelevanceFilter.from_file(None, threshold=2.0)


ON_TOPIC = [
    pytest.param("Hospitals turn away refugees",
                 "Clinics in Rabat refused to treat asylum seekers without papers, the refugee agency said.",
                 {"refugee*": 2, "asylum seeker*": 1}, 6.5, id="en"),
    pytest.param("Les réfugiés privés de soins",
                 "Des demandeurs d'asile se voient refuser l'accès aux hôpitaux publics à Casablanca.",
                 {"réfugié*": 1, "demandeur* d'asile": 1}, 6.0, id="fr"),
    pytest.param("اللاجئون محرومون من العلاج",
                 "رفضت مستشفيات في الرباط استقبال طالبي اللجوء حسب مفوضية اللاجئين.",
                 {"لاجئ*": 1, "طالبي اللجوء": 1, "مفوضية اللاجئين": 1}, 8.0, id="ar"),
    pytest.param("",
                 "قالت المنظمة الدولية للهجرة إن المهاجرين غير النظاميين يواجهون صعوبات في الولوج إلى العلاج.",
                 {"منظمة الدولية للهجرة": 1, "مهاجر*": 1}, 4.0, id="ar-with-proclitics"),
]


@pytest.mark.parametrize("title, text, terms, score", ON_TOPIC)
def test_on_topic_texts_reach_the_threshold(relevance, title, text, terms, score):
    result = relevance.score(title=title, text=text)
    assert result.terms == terms
    assert result.score == pytest.approx(score)
    assert relevance.is_relevant(result)


OFF_TOPIC = [
    pytest.param("Raja beat Wydad in the derby",
                 "Raja Casablanca won the derby 2-1 on Sunday evening in front of a full stadium.", {},
                 id="en-football"),
    pytest.param("Le Raja remporte le derby",
                 "Le Raja Casablanca a remporté le derby dimanche soir devant un stade comble.", {}, id="fr-football"),
    pytest.param("الرجاء يفوز بالديربي", "فاز فريق الرجاء البيضاوي على الوداد في مباراة الديربي مساء الأحد.", {},
                 id="ar-football"),
    pytest.param("Cloud upgrade finished",
                 "Our engineers completed the database migration over the weekend and every table was verified.",
                 {"migration*": 1}, id="data-migration"),
    pytest.param("Storks return to Larache",
                 "Thousands of white storks were counted this week as the spring bird migration reached the "
                 "wetlands near Larache.", {"migration*": 1}, id="bird-migration"),
    pytest.param("Location de voitures", "Les prix de la location de voitures augmentent cet été.", {},
                 id="fr-location-is-not-english-location"),
    pytest.param("", "الهجرة النبوية مناسبة دينية يحتفل بها المسلمون كل عام.", {"هجرة": 1}, id="ar-hijra"),
]


@pytest.mark.parametrize("title, text, terms", OFF_TOPIC)
def test_off_topic_texts_stay_below_the_threshold(relevance, title, text, terms):
    result = relevance.score(title=title, text=text)
    assert result.terms == terms
    assert result.score < 2.0
    assert not relevance.is_relevant(result)


def test_a_term_repeated_in_the_text_adds_a_quarter_each_time_up_to_four_repeats(relevance):
    text = "The data migration ran late. " * 3
    assert relevance.score(title="", text=text).score == pytest.approx(1.5)
    assert not relevance.is_relevant(relevance.score(title="", text=text))
    assert relevance.score(title="", text="migration " * 20).score == pytest.approx(2.0)


def test_title_terms_count_double(relevance):
    in_body = relevance.score(title="New rules", text="The ministry announced new border controls on Monday.")
    in_title = relevance.score(title="New border controls", text="The ministry announced new rules on Monday.")
    assert (in_body.score, in_title.score) == (1.0, 2.0)
    assert in_body.terms == in_title.terms == {"border*": 1}
    assert not relevance.is_relevant(in_body) and relevance.is_relevant(in_title)
    # A term in both the headline and the text: twice its weight plus a quarter for the repeat.
    both = relevance.score(title="Refugees", text="Refugees again.")
    assert both.terms == {"refugee*": 2} and both.score == pytest.approx(2.0 * 1.25 + 2.0)


def test_two_different_weak_terms_are_enough(relevance):
    result = relevance.score(title="New rules", text="The ministry announced new border controls and visa fees.")
    assert result.terms == {"border*": 1, "visa": 1} and result.score == 2.0
    assert relevance.is_relevant(result)


def test_matching_forgives_case_accents_and_arabic_spelling(relevance):
    assert relevance.score(title="", text="REFUGIES et refugiés").terms == {"réfugié*": 2}
    assert relevance.score(title="", text="وصل لاجئون جدد إلى المخيم").terms == {"لاجئ*": 1}
    assert relevance.score(title="", text="وللاجئين حقوق").terms == {"لاجئ*": 1}


def test_only_whole_words_match(relevance):
    # "visas" and "visa" are terms; "visage" (French for face) is not.
    assert relevance.score(title="", text="Un visage souriant.").terms == {}
    assert relevance.score(title="", text="Transitional justice.").terms == {}


def test_as_dict_rounds_the_score(relevance):
    result = relevance.score(title="", text="border " * 2)
    assert result.as_dict() == {"score": 1.25, "terms": {"border*": 2}}


def test_the_threshold_is_configurable():
    strict = RelevanceFilter.from_file(None, threshold=5.0)
    result = strict.score(title="", text="Two refugees and an asylum seeker.")
    assert result.score == pytest.approx(4.0) and not strict.is_relevant(result)


def test_a_lexicon_file_with_its_own_terms(tmp_path):
    path = tmp_path / "lexicon.toml"
    path.write_text('[terms]\nstrong.en = ["pushback*"]\nweak.en = ["evros"]\nweak.fr = ["refoulement*"]\n',
                    encoding="utf-8")
    custom = RelevanceFilter.from_file(path, threshold=2.0)
    assert custom.weights == {"pushback*": 2.0, "evros": 1.0, "refoulement*": 1.0}
    assert custom.score(title="", text="Pushbacks at the Evros border").terms == {"pushback*": 1, "evros": 1}
    assert custom.score(title="", text="Refugees").terms == {}


def test_a_term_in_both_tiers_keeps_the_higher_weight(tmp_path):
    path = tmp_path / "lexicon.toml"
    path.write_text('[terms]\nweak.en = ["asylum"]\nstrong.fr = ["asylum"]\n', encoding="utf-8")
    assert RelevanceFilter.from_file(path, threshold=2.0).weights == {"asylum": 2.0}


MALFORMED = [
    pytest.param("[terms\nstrong.en = [", r"expected a \[terms\] table with strong/weak lists", id="not-toml"),
    pytest.param('[words]\nstrong.en = ["refugee*"]\n', r"expected a \[terms\] table", id="no-terms-table"),
    pytest.param('[terms]\nstrong.en = "refugee*"\n', r"terms\.strong\.en must be a list of strings",
                 id="string-instead-of-list"),
    pytest.param("[terms]\n", r"the lexicon has no terms", id="empty"),
    pytest.param("[terms]\nstrong.en = []\nweak.fr = []\n", r"the lexicon has no terms", id="empty-lists"),
    pytest.param('[terms]\nmedium.en = ["refugee*"]\n', r"the lexicon has no terms", id="unknown-tier-only"),
]


@pytest.mark.parametrize("content, message", MALFORMED)
def test_a_malformed_lexicon_is_a_crawler_error_naming_the_file(tmp_path, content, message):
    path = tmp_path / "lexicon.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CrawlerError, match=message) as caught:
        RelevanceFilter.from_file(path, threshold=2.0)
    assert str(caught.value).startswith(f"{path}: ")


@pytest.mark.parametrize("content", [
    '[terms]\nstrong = ["refugee*"]\n',
    'terms = "refugee*"\n',
    "[terms]\nstrong.en = [1, 2]\n",
    None,
], ids=["tier-without-language", "terms-not-a-table", "non-string-term", "missing-file"])
def test_other_lexicon_mistakes_are_crawler_errors(tmp_path, content):
    path = tmp_path / "lexicon.toml"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(CrawlerError):
        RelevanceFilter.from_file(path, threshold=2.0)


def test_a_story_about_bird_migratory_routes_is_off_topic(relevance):
    result = relevance.score(title="Storks return to Morocco",
                             text="Thousands of white storks crossed the Strait of Gibraltar this week, on one of "
                                  "the busiest migratory routes for birds in the world.")
    assert not relevance.is_relevant(result)
