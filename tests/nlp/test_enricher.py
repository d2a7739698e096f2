import numpy as np
import pytest

from advocacy.article import Article
from advocacy.nlp import Enricher, ModelError, TaxonomyError
from advocacy.nlp.passages import split_passages

EN_TEXT = (
    "Sub-Saharan migrants living in Oujda say they are turned away from the regional hospital when they cannot "
    "show a residence card. Doctors from an NGO run a mobile clinic near the bus station, where nurses treat "
    "wounds, respiratory infections and scabies among people sleeping in the open.\n\n"
    "A pregnant woman from Guinea told reporters she gave birth without medical help after the maternity ward "
    "asked for fees she could not pay. \"They told me to come back with papers,\" she said, holding her baby "
    "outside a shelter run by a church association.\n\n"
    "The Ministry of Health says access to primary health care is free for all migrants, whatever their status, "
    "and that a circular reminding hospital directors of the rule was sent in March. UNHCR says it has "
    "documented eleven refusals of care since January."
)

FR_TEXT = (
    "Une trentaine de familles subsahariennes ont été expulsées de leur logement mardi dans le quartier de "
    "Boukhalef. Les propriétaires refusent désormais de louer aux étrangers, selon les associations.\n\n"
    "Faute d'hébergement d'urgence, des femmes et des enfants dorment à la rue ou dans des campements de fortune "
    "près de la gare routière. Le HCR et l'OIM disent suivre la situation de près."
)

AR_TEXT = (
    "أعلنت وزارة التربية الوطنية عن تسجيل مئات من أطفال المهاجرين واللاجئين في المدارس العمومية بوجدة هذا "
    "الموسم الدراسي. ويستفيد التلاميذ من دروس في اللغة العربية ومحو الأمية لمساعدتهم على الاندماج في القسم.\n\n"
    "وقالت جمعيات إن بعض المؤسسات التعليمية ما زالت تطلب وثائق لا يملكها الآباء، مما يؤدي إلى الهدر المدرسي، "
    "بحسب تقرير للمفوضية."
)


def _article(key, title, text, **fields):
    return Article(id=key * 32, url=f"http://example.org/{key}", outlet="example", title=title, text=text,
                   **fields)


@pytest.fixture(scope="module")
def enriched(enricher):
    articles = [
        _article("a", "Migrants turned away from hospital", EN_TEXT),
        _article("b", "À Tanger, des familles migrantes expulsées de leur logement", FR_TEXT),
        _article("c", "تسجيل أطفال المهاجرين في المدارس العمومية", AR_TEXT),
        _article("d", "Sans texte : des migrants à Oujda", ""),
    ]
    results = enricher.enrich(articles)
    return articles, results


def test_every_article_is_returned_in_order_and_enriched_in_place(enriched):
    articles, results = enriched
    assert len(results) == len(articles)
    for article, (returned, _) in zip(articles, results):
        assert returned is article
        assert article.stage == "enriched"


def test_language_is_detected(enriched):
    articles, _ = enriched
    assert [a.language for a in articles[:3]] == ["en", "fr", "ar"]


def test_passages_are_those_of_split_passages(enriched, enricher):
    articles, _ = enriched
    assert enricher.passage_chars == 600
    for article in articles:
        assert article.passages == split_passages(article.text, target_chars=600)
        for passage in article.passages:
            assert article.text[passage.start:passage.end] == passage.text
    assert len(articles[0].passages) >= 2  # the English article is longer than one passage
    assert articles[3].passages == []


def test_vectors_have_one_normalised_row_per_passage(enriched):
    _, results = enriched
    for article, vectors in results:
        assert isinstance(vectors, np.ndarray)
        assert vectors.shape == (len(article.passages), 384)
        assert vectors.dtype == np.float32
        if len(vectors):
            assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)


def test_vectors_belong_to_their_own_article(enriched, encoder):
    """Vectors are encoded in one batch and then shared out; each article must get its own passages' rows."""
    _, results = enriched
    for article, vectors in results:
        if article.passages:
            alone = encoder.encode([p.text for p in article.passages])
            assert np.allclose(vectors, alone, atol=1e-4), article.id


def test_themes_are_set(enriched):
    articles, _ = enriched
    en, fr, ar, _ = articles
    assert en.theme_names[0] == "health"
    assert "education" not in en.theme_names
    assert fr.theme_names == ["housing"]
    assert ar.theme_names == ["education"]
    for article in articles:
        for theme in article.themes:
            assert 0.0 <= theme.score <= 1.0
            assert theme.matched_terms and theme.reason
            assert all(0 <= i < len(article.passages) for i in theme.passages)


def test_entities_are_set_from_title_and_text(enriched):
    articles, _ = enriched
    en, fr, ar, empty = articles
    assert {"place:oujda", "org:unhcr", "place:guinea"} <= {e.id for e in en.entities}
    # Tanger is only in the French title.
    assert {"place:tanger", "org:unhcr", "org:iom"} <= {e.id for e in fr.entities}
    assert {"place:oujda", "org:ma_ministry_education", "org:unhcr"} <= {e.id for e in ar.entities}
    # An article without text still gets the entities of its title.
    assert "place:oujda" in {e.id for e in empty.entities}


def test_an_article_without_text_gets_no_passages_and_an_empty_matrix(enriched):
    articles, results = enriched
    article, vectors = results[3]
    assert article.passages == []
    assert vectors.shape == (0, 384)
    assert article.stage == "enriched"
    assert all(theme.passages == [] for theme in article.themes)


def test_a_language_already_known_is_kept(enricher):
    article = _article("e", "Des migrants à Oujda", "Le HCR a enregistré des demandeurs d'asile à Oujda.",
                       language="fr")
    article_en = _article("f", "Le HCR à Oujda", "Le HCR a enregistré des demandeurs d'asile à Oujda.",
                          language="en")
    enricher.enrich([article, article_en])
    assert article.language == "fr"
    assert article_en.language == "en"  # set by the crawler; the enricher does not second-guess it


def test_enriching_twice_rewrites_the_same_fields(enricher):
    article = _article("g", "Le HCR à Oujda", FR_TEXT)
    (_, first), = enricher.enrich([article])
    snapshot = (article.language, list(article.passages), [t.theme for t in article.themes],
                [(e.id, e.count) for e in article.entities])
    (_, second), = enricher.enrich([article])
    assert (article.language, article.passages, [t.theme for t in article.themes],
            [(e.id, e.count) for e in article.entities]) == snapshot
    assert np.allclose(first, second, atol=1e-5)


def test_an_empty_batch_gives_no_results(enricher):
    assert enricher.enrich([]) == []


def test_models_load_on_first_use_not_on_construction():
    enricher = Enricher(embedding_model="/nonexistent/model")
    article = _article("h", "Migrants in Oujda", "Migrants in Oujda were refused care.")
    with pytest.raises(ModelError, match="/nonexistent/model"):
        enricher.enrich([article])
    assert article.stage == "collected"


def test_a_malformed_taxonomy_is_refused_on_construction(tmp_path):
    themes = tmp_path / "themes.toml"
    themes.write_text('[housing]\nlabel = { en = "Housing" }\n', encoding="utf-8")
    with pytest.raises(TaxonomyError, match=r"\[housing\].*no terms"):
        Enricher(themes_file=themes)
    gazetteer = tmp_path / "gazetteer.toml"
    gazetteer.write_text('[[place]]\nname = "Oujda"\n', encoding="utf-8")
    with pytest.raises(TaxonomyError, match="'id' is required"):
        Enricher(gazetteer_file=gazetteer)
