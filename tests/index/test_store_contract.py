"""The contract every Store backend must meet; parametrised over the backends available here."""
import numpy as np
import pytest

from advocacy.article import Article, Entity, Passage, ThemeScore, article_id
from advocacy.index import SearchFilters, StoreUrlError, open_store


def article(slug, *, title, text, outlet="atlas", language="en", country="MA", published="2024-05-02T08:00:00+00:00",
            themes=("health",)):
    url = f"http://{outlet}.test/{slug}"
    return Article(id=article_id(url), url=url, outlet=outlet, outlet_name=outlet.title(), country=country,
                   title=title, text=text, language=language, published_at=published, stage="indexed",
                   themes=[ThemeScore(t, 0.9) for t in themes],
                   entities=[Entity("org:unhcr", "UNHCR", "organisation", ["UNHCR"], 1)],
                   passages=[Passage(0, text, 0, len(text))])


@pytest.fixture(params=["sqlite"])
def store(request, tmp_path):
    backend = open_store(f"sqlite:///{tmp_path / 'index.db'}")
    yield backend
    backend.close()


@pytest.fixture
def corpus(store):
    docs = [
        article("doctors", title="Volunteer doctors treat refugees for free",
                text="Private doctors gave free consultations and surgeries to refugees in Rabat.", themes=("health",)),
        article("ecole", title="Des enfants migrants inscrits à l'école", outlet="echo", language="fr",
                text="Les enfants migrants sont scolarisés à Oujda grâce à une association de santé.",
                published="2025-09-01T08:00:00+00:00", themes=("education",)),
        article("eviction", title="Families evicted from a camp near Nador",
                text="Migrant families were evicted and their shelters destroyed near Nador.",
                published="2023-01-15T08:00:00+00:00", themes=("housing", "justice"), country="ML"),
    ]
    for doc in docs:
        store.upsert(doc, np.ones((1, 4), dtype=np.float32))
    return docs


def test_upsert_is_idempotent_by_id(store, corpus):
    store.upsert(corpus[0], None)
    changed = corpus[0]
    changed.title = "Volunteer doctors treat refugees, updated"
    store.upsert(changed, None)
    assert store.count() == 3
    assert store.get(changed.id).title.endswith("updated")
    assert store.search("updated").total == 1


def test_keyword_search_ranks_and_highlights(store, corpus):
    result = store.search("refugees doctors")
    assert result.total == 1
    hit = result.hits[0]
    assert hit.id == corpus[0].id and hit.themes == ["health"]
    assert "**" in hit.snippet


def test_search_is_accent_insensitive_and_stems_plurals(store, corpus):
    assert store.search("ecole").hits[0].id == corpus[1].id
    assert store.search("santé").hits[0].id == corpus[1].id
    assert store.search("surgery").total == 1  # "surgeries" in the text


def test_phrases_or_and_not(store, corpus):
    assert store.search('"free consultations"').total == 1
    assert store.search('"consultations free"').total == 0
    assert store.search("Nador OR Oujda").total == 2
    assert store.search("migrant* NOT Nador").total == 1


def test_filters_combine(store, corpus):
    assert store.search("", filters=SearchFilters(themes=["justice"])).total == 1
    assert store.search("", filters=SearchFilters(languages=["fr"])).hits[0].id == corpus[1].id
    assert store.search("", filters=SearchFilters(countries=["ml"])).total == 1
    assert store.search("", filters=SearchFilters(since="2024-01-01")).total == 2
    assert store.search("", filters=SearchFilters(until="2024-05-02")).total == 2
    assert store.search("", filters=SearchFilters(since="2024-05-03", until="2025-12-31")).total == 1


def test_queries_that_are_not_valid_syntax_never_fail(store, corpus):
    for query in ['"unclosed', "NOT", "AND OR", "((", "*", "-", 'a"b', "؟"]:
        store.search(query)


def test_facets(store, corpus):
    assert store.facets("theme") == {"education": 1, "health": 1, "housing": 1, "justice": 1}
    assert store.facets("language") == {"en": 2, "fr": 1}
    assert store.facets("outlet", query="migrant*") == {"atlas": 1, "echo": 1}
    with pytest.raises(ValueError, match="cannot facet"):
        store.facets("colour")


def test_delete(store, corpus):
    assert store.delete(corpus[2].id)
    assert not store.delete(corpus[2].id)
    assert store.search("Nador").total == 0
    assert store.get(corpus[2].id) is None


def test_unknown_store_url_is_explained():
    with pytest.raises(StoreUrlError, match="sqlite://"):
        open_store("mongodb://localhost/x")
