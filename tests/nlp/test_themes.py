import numpy as np
import pytest

from advocacy.nlp.passages import split_passages
from advocacy.nlp.taxonomy import parse_taxonomy
from advocacy.nlp.themes import ThemeTagger

EN_HEALTH = (
    "Migrants in Oujda turned away from hospital",
    "Sub-Saharan migrants living in Oujda say they are turned away from the regional hospital when they cannot "
    "show a residence card. Doctors from an NGO run a mobile clinic near the bus station, where nurses treat "
    "wounds and respiratory infections.\n\n"
    "A pregnant woman from Guinea told reporters she gave birth without medical help after the maternity ward "
    "asked for fees she could not pay.\n\n"
    "The Ministry of Health says access to primary health care is free for all migrants, whatever their status.",
)

FR_HOUSING = (
    "À Tanger, des familles migrantes expulsées de leur logement",
    "Une trentaine de familles subsahariennes ont été expulsées de leur logement mardi dans le quartier de "
    "Boukhalef, à Tanger. Les propriétaires refusent désormais de louer aux étrangers, selon les associations.\n\n"
    "Faute d'hébergement d'urgence, des femmes et des enfants dorment à la rue ou dans des campements de fortune "
    "près de la gare routière. Le loyer d'une chambre partagée a doublé en un an.",
)

AR_EDUCATION = (
    "تسجيل أطفال المهاجرين في المدارس العمومية بالرباط",
    "أعلنت وزارة التربية الوطنية عن تسجيل مئات من أطفال المهاجرين واللاجئين في المدارس العمومية بالرباط هذا "
    "الموسم الدراسي. ويستفيد التلاميذ من دروس في اللغة العربية ومحو الأمية لمساعدتهم على الاندماج في القسم.\n\n"
    "وقالت جمعيات إن بعض المؤسسات التعليمية ما زالت تطلب وثائق لا يملكها الآباء، مما يؤدي إلى الهدر المدرسي.",
)

# Paragraph 0 is about the eviction, paragraph 1 about the court case.
EVICTION_AND_COURT = (
    "Evicted migrant families take their landlord to court in Bamako",
    "Forty migrant families who had returned from Algeria were evicted last month from a building they rented in "
    "Bamako's Commune VI. The landlord changed the locks and threw their mattresses into the street, leaving "
    "children homeless and sleeping rough.\n\n"
    "Their lawyer, backed by the Association Malienne des Expulsés, has filed a complaint before the tribunal and "
    "asked for legal aid for the families. A judge is expected to rule on the case next week; the prosecutor has "
    "opened an inquiry.",
)

FOOTBALL = (
    "Wydad wins the Casablanca derby",
    "Wydad Casablanca beat Raja 2-1 in a thrilling derby on Sunday evening at the Mohammed V stadium. The striker "
    "scored twice in the second half, and the coach praised his players' fighting spirit.\n\n"
    "The club now leads the Botola Pro table by three points with five matches left in the season. Supporters "
    "celebrated late into the night across the city.",
)

FR_FOOTBALL = (
    "Le Stade malien remporte la coupe",
    "Le Stade malien de Bamako a remporté la Coupe du Mali dimanche face au Djoliba, au terme d'un match disputé. "
    "L'entraîneur a salué le travail de ses joueurs et les supporters ont envahi la pelouse.\n\n"
    "Le club disputera la Ligue des champions africaine la saison prochaine.",
)

ALL_ARTICLES = [EN_HEALTH, FR_HOUSING, AR_EDUCATION, EVICTION_AND_COURT, FOOTBALL, FR_FOOTBALL]
ARTICLE_IDS = ["en-health", "fr-housing", "ar-education", "eviction-court", "football", "fr-football"]


@pytest.fixture(scope="module")
def tagger(builtin_themes, encoder):
    return ThemeTagger(builtin_themes, encoder)  # default threshold 0.5


@pytest.fixture(scope="module")
def zero_tagger(builtin_themes, encoder):
    return ThemeTagger(builtin_themes, encoder, threshold=0.0)


def _tag(tagger, encoder, article, *, target_chars=200):
    """Tag ``article`` (title, text) with one passage per paragraph; return (scores, passages)."""
    title, text = article
    passages = split_passages(text, target_chars=target_chars)
    vectors = encoder.encode([p.text for p in passages])
    return tagger.tag(title=title, passages=passages, vectors=vectors), passages


def _names(scores):
    return [s.theme for s in scores]


def test_english_health_paragraph_is_tagged_health(tagger, encoder):
    scores, _ = _tag(tagger, encoder, EN_HEALTH)
    assert _names(scores)[0] == "health"
    assert "education" not in _names(scores)
    health = scores[0]
    assert {"hospital", "maternity", "ministry of health"} <= set(health.matched_terms)
    assert health.matched_terms["hospital"] == 2  # once in the title, once in the text
    assert "maternal_child_health" in health.subthemes


def test_french_eviction_paragraph_is_tagged_housing(tagger, encoder):
    scores, _ = _tag(tagger, encoder, FR_HOUSING)
    assert _names(scores) == ["housing"]
    housing = scores[0]
    assert "expulsé* de leur logement" in housing.matched_terms
    assert "loyer*" in housing.matched_terms
    assert "eviction" in housing.subthemes


def test_arabic_education_paragraph_is_tagged_education(tagger, encoder):
    scores, _ = _tag(tagger, encoder, AR_EDUCATION)
    assert _names(scores) == ["education"]
    education = scores[0]
    assert "وزارة التربية الوطنية" in education.matched_terms
    assert "محو الأمية" in education.matched_terms
    assert "school_enrolment" in education.subthemes


def test_eviction_and_court_case_gets_housing_and_justice(tagger, encoder):
    scores, passages = _tag(tagger, encoder, EVICTION_AND_COURT)
    assert len(passages) == 2
    by_theme = {s.theme: s for s in scores}
    assert set(by_theme) == {"housing", "justice"}
    # Each theme points first to the paragraph that carries it.
    assert by_theme["housing"].passages[0] == 0
    assert by_theme["justice"].passages[0] == 1
    assert "evict*" in by_theme["housing"].matched_terms
    assert {"lawyer*", "tribunal*", "legal aid"} <= set(by_theme["justice"].matched_terms)
    assert "courts_legal_aid" in by_theme["justice"].subthemes
    assert "eviction" in by_theme["housing"].subthemes


@pytest.mark.parametrize("article", [FOOTBALL, FR_FOOTBALL], ids=["en", "fr"])
def test_off_topic_football_report_gets_no_theme(tagger, encoder, article):
    scores, _ = _tag(tagger, encoder, article)
    assert scores == []


@pytest.mark.parametrize("article", ALL_ARTICLES, ids=ARTICLE_IDS)
def test_every_theme_score_carries_its_evidence(tagger, encoder, article):
    scores, passages = _tag(tagger, encoder, article)
    for score in scores:
        assert 0.0 <= score.score <= 1.0
        assert score.score >= tagger.threshold
        assert score.matched_terms, score.theme
        assert all(isinstance(n, int) and n > 0 for n in score.matched_terms.values())
        theme = next(t for t in tagger.themes if t.key == score.theme)
        assert set(score.matched_terms) <= set(theme.weights)
        assert isinstance(score.reason, str) and score.reason.startswith("terms: ")
        assert next(iter(score.matched_terms)) in score.reason
        assert "similarity" in score.reason
        assert score.passages, score.theme
        assert len(score.passages) == len(set(score.passages)) <= 3
        assert all(0 <= i < len(passages) for i in score.passages)
        assert all(0.5 <= v <= 1.0 for v in score.subthemes.values())
    assert [s.score for s in scores] == sorted((s.score for s in scores), reverse=True)


@pytest.mark.parametrize("article", ALL_ARTICLES, ids=ARTICLE_IDS)
def test_with_a_zero_threshold_every_theme_is_scored_in_the_unit_interval(zero_tagger, encoder, article):
    scores, passages = _tag(zero_tagger, encoder, article)
    assert sorted(_names(scores)) == ["education", "health", "housing", "justice"]
    for score in scores:
        assert 0.0 <= score.score <= 1.0
        assert all(0 <= i < len(passages) for i in score.passages)


def test_raising_the_threshold_removes_themes(builtin_themes, encoder):
    tagger = ThemeTagger(builtin_themes, encoder, threshold=0.0)
    title, text = EVICTION_AND_COURT
    passages = split_passages(text, target_chars=200)
    vectors = encoder.encode([p.text for p in passages])
    names = {}
    for threshold in (0.0, 0.5, 0.9, 0.999):
        tagger.threshold = threshold
        scores = tagger.tag(title=title, passages=passages, vectors=vectors)
        names[threshold] = set(_names(scores))
        assert all(s.score >= threshold for s in scores)
    assert len(names[0.0]) == 4
    assert names[0.5] == {"housing", "justice"}
    assert names[0.9] == {"housing"}          # the court case is the weaker of the two themes
    assert names[0.999] == set()
    assert names[0.999] <= names[0.9] <= names[0.5] <= names[0.0]


def test_passage_indexes_follow_the_article_when_paragraphs_are_merged(tagger, encoder):
    scores, passages = _tag(tagger, encoder, EVICTION_AND_COURT, target_chars=2000)
    assert len(passages) == 1
    assert {s.theme for s in scores} == {"housing", "justice"}
    assert all(s.passages == [0] for s in scores)


def test_a_title_alone_can_be_tagged(tagger, encoder):
    title = "Hospital doctors and nurses refuse to treat pregnant migrants without health insurance"
    scores = tagger.tag(title=title, passages=[], vectors=np.zeros((0, 384), dtype=np.float32))
    assert _names(scores) == ["health"]
    assert scores[0].passages == []
    assert tagger.tag(title="", passages=[], vectors=np.zeros((0, 384), dtype=np.float32)) == []


def test_a_custom_one_theme_taxonomy_drives_the_tagger(encoder):
    (theme,) = themes = parse_taxonomy("""
[detention]
label = { en = "Detention", fr = "Rétention" }
description.en = "Migrants held in detention centres and police stations before deportation."
[detention.terms]
strong.en = ["detention centre*", "detained", "deport*"]
strong.fr = ["centre* de rétention", "rétention administrative", "expulsé* vers"]
""")
    tagger = ThemeTagger(themes, encoder)
    detained = ("Migrants detained in Nador", "Dozens of migrants were detained in a detention centre in Nador "
                "and told they would be deported to Mali within days.")
    scores, _ = _tag(tagger, encoder, detained)
    assert _names(scores) == ["detention"]
    assert set(scores[0].matched_terms) == {"detained", "detention centre*", "deport*"}
    # The built-in themes are not consulted.
    scores, _ = _tag(tagger, encoder, EN_HEALTH)
    assert scores == []
