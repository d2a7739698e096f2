"""The contract every Store backend must meet; parametrised over the backends available here."""
import numpy as np
import pytest

from advocacy.article import Article, Entity, Passage, ThemeScore, article_id
from advocacy.index import (Hit, QueryError, SavedSearch, SavedSearchError, SearchFilters, StoreUrlError,
                            open_store)


def article(slug, *, title, text, outlet="atlas", language="en", country="MA", published="2024-05-02T08:00:00+00:00",
            themes=("health",)):
    url = f"http://{outlet}.test/{slug}"
    return Article(id=article_id(url), url=url, outlet=outlet, outlet_name=outlet.title(), country=country,
                   title=title, text=text, language=language, published_at=published, stage="indexed",
                   themes=[ThemeScore(t, 0.9) for t in themes],
                   entities=[Entity("org:unhcr", "UNHCR", "organisation", ["UNHCR"], 1)],
                   passages=[Passage(0, text, 0, len(text))])


@pytest.fixture(params=["sqlite", "elasticsearch"])
def store(request, tmp_path):
    if request.param == "sqlite":
        backend = open_store(f"sqlite:///{tmp_path / 'index.db'}")
        yield backend
        backend.close()
        return
    import os
    import uuid

    server = os.environ.get("ELASTICSEARCH_URL", "").strip()
    if not server:
        pytest.skip("ELASTICSEARCH_URL is not set: start Elasticsearch 8 (docker run -p 9200:9200 -e "
                    "discovery.type=single-node -e xpack.security.enabled=false "
                    "docker.elastic.co/elasticsearch/elasticsearch:8.15.0) and export "
                    "ELASTICSEARCH_URL=http://localhost:9200")
    # A fresh pair of indices per test, so tests neither see nor disturb each other or real data.
    prefix = f"advocacy-test-{uuid.uuid4().hex[:12]}"
    backend = open_store(f"{server.rstrip('/')}/{prefix}?refresh=wait_for")
    try:
        yield backend
    finally:
        backend.drop()
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


def test_upsert_many_writes_a_batch_and_stays_idempotent(store):
    docs = [article(f"batch-{n}", title=f"Clinic number {n} opens for migrants", text=f"Clinic {n} treats migrants.")
            for n in range(5)]
    assert store.upsert_many((doc, np.ones((1, 4), dtype=np.float32)) for doc in docs) == 5
    docs[0].title = "Clinic number 0 closes"
    assert store.upsert_many([(doc, None) for doc in docs[:2]]) == 2
    assert store.count() == 5
    assert store.get(docs[0].id).title == "Clinic number 0 closes"
    assert store.search("clinic").total == 5 and store.search("closes").total == 1
    assert store.upsert_many([]) == 0


def test_keyword_search_ranks_and_highlights(store, corpus):
    result = store.search("refugees doctors")
    assert result.total == 1
    hit = result.hits[0]
    assert hit.id == corpus[0].id and hit.themes == ["health"]
    assert hit.snippet.startswith("Private doctors gave")
    assert [hit.snippet[start:end].lower() for start, end in hit.highlights] == ["doctors", "refugees"]


@pytest.mark.parametrize("tags", ["", "\x02 \x03"], ids=["markdown and html", "control characters"])
def test_what_the_outlet_wrote_is_never_taken_for_a_highlight(store, tags):
    # Stars, a <mark> tag and (second case) the characters Elasticsearch's highlighter is given as tags.
    text = f"Figures for **2024** (*) show that <mark>asylum</mark> seekers {tags} wait **eight** months."
    store.upsert(article("starred", title="Waiting for papers", text=text), np.ones((1, 4), dtype=np.float32))
    for mode in ("keyword", "hybrid", "semantic"):
        (hit,) = store.search("asylum", mode=mode, vector=np.ones(4, dtype=np.float32)).hits
        assert hit.snippet == " ".join(text.split()), mode
        assert [hit.snippet[start:end] for start, end in hit.highlights] == ["asylum"], mode


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


def test_query_language_fields_groups_and_exclusions(store, corpus):
    def ids(query):
        return {hit.id for hit in store.search(query, limit=10).hits}

    doctors, ecole, eviction = (doc.id for doc in corpus)
    assert ids("theme:health AND (réfugiés OR refugees)") == {doctors}
    assert ids("lang:fr migrant*") == {ecole}
    assert ids("outlet:echo") == {ecole}
    assert ids("country:ML") == {eviction}
    assert ids("after:2025-01-01") == {ecole}
    assert ids("before:2024-05-02 theme:health") == {doctors}     # the whole last day counts
    assert ids("entity:org:unhcr") == {doctors, ecole, eviction}
    assert ids("(Nador OR Oujda) -lang:fr") == {eviction}
    assert ids("theme:housing OR theme:education") == {ecole, eviction}
    assert store.facets("language", query="theme:health OR lang:fr") == {"en": 1, "fr": 1}


def test_malformed_queries_are_refused_with_where_and_why(store, corpus):
    for query, position in [('"unclosed', 9), ("NOT", 0), ("AND OR", 0), ("((", 2), ('a"b', 3), ("theme:", 6),
                            ("(refugees AND", 10)]:
        with pytest.raises(QueryError) as caught:
            store.search(query)
        assert caught.value.position == position, query
        with pytest.raises(QueryError):
            store.facets("theme", query=query)
    for query in ["*", "-", "؟"]:  # nothing to look for: every article
        assert store.search(query).total == 3


def test_facets(store, corpus):
    assert store.facets("theme") == {"education": 1, "health": 1, "housing": 1, "justice": 1}
    assert store.facets("language") == {"en": 2, "fr": 1}
    assert store.facets("outlet", query="migrant*") == {"atlas": 1, "echo": 1}
    with pytest.raises(ValueError, match="cannot facet"):
        store.facets("colour")


def test_attention_over_time_counts_matches_against_all_articles(store, corpus):
    monthly = store.attention("migrant*", by="month", filters=SearchFilters(since="2023-01-01", until="2025-09-30"))
    assert len(monthly) == 33 and monthly[0]["period"] == "2023-01-01" and monthly[-1]["period"] == "2025-09-01"
    assert {row["period"]: row["count"] for row in monthly if row["count"]} == {"2023-01-01": 1, "2025-09-01": 1}
    may = next(row for row in monthly if row["period"] == "2024-05-01")
    assert may == {"period": "2024-05-01", "count": 0, "total": 1, "share": 0.0}
    weekly = store.attention("theme:health", by="week")
    assert weekly == [{"period": "2024-04-29", "count": 1, "total": 1, "share": 1.0}]
    with pytest.raises(ValueError, match="week"):
        store.attention("", by="fortnight")


def test_share_of_voice_among_organisations(store, corpus):
    rows = store.share_of_voice("migrant*")
    assert [(row["entity"], row["name"], row["articles"], row["share"]) for row in rows] == [
        ("org:unhcr", "UNHCR", 2, 1.0)]
    assert store.share_of_voice("nothing-matches-this") == []


def test_delete(store, corpus):
    assert store.delete(corpus[2].id)
    assert not store.delete(corpus[2].id)
    assert store.search("Nador").total == 0
    assert store.get(corpus[2].id) is None


def test_unknown_store_url_is_explained():
    with pytest.raises(StoreUrlError, match="sqlite://"):
        open_store("mongodb://localhost/x")


def unit(*values):
    vector = np.array(values + (0.0,) * (4 - len(values)), dtype=np.float32)
    return vector / np.linalg.norm(vector)


@pytest.fixture
def vector_corpus(store):
    """Three articles whose single passage points in a known direction."""
    docs = [
        (article("clinic", title="Clinic opens for refugees", text="Doctors examined refugees at a new clinic."),
         unit(1.0, 0.0)),
        (article("school", title="Migrant pupils return to class", text="Children went back to class in Rabat.",
                 themes=("education",), language="fr", outlet="echo"), unit(0.0, 1.0)),
        (article("camp", title="Camp cleared near Nador", text="Families lost their shelters near Nador.",
                 themes=("housing",)), unit(0.6, 0.8)),
    ]
    for doc, vector in docs:
        store.upsert(doc, vector.reshape(1, -1))
    return [doc for doc, _ in docs]


def test_semantic_search_ranks_by_passage_similarity_and_returns_the_passage(store, vector_corpus):
    result = store.search("anything", vector=unit(1.0, 0.1), mode="semantic")
    assert [hit.id for hit in result.hits] == [vector_corpus[0].id, vector_corpus[2].id, vector_corpus[1].id]
    assert result.hits[0].passage == vector_corpus[0].text and result.hits[0].passage_index == 0
    assert result.hits[0].score > result.hits[1].score


def test_semantic_search_respects_filters(store, vector_corpus):
    result = store.search("x", vector=unit(1.0, 0.0), mode="semantic", filters=SearchFilters(languages=["fr"]))
    assert [hit.id for hit in result.hits] == [vector_corpus[1].id]


def test_semantic_search_respects_the_query_fields(store, vector_corpus):
    # By meaning, the words need not appear ("pupils" is nowhere); the fields still apply.
    result = store.search("pupils lang:fr", vector=unit(1.0, 0.0), mode="semantic")
    assert [hit.id for hit in result.hits] == [vector_corpus[1].id]
    result = store.search("theme:housing OR theme:education", vector=unit(1.0, 0.0), mode="semantic")
    assert [hit.id for hit in result.hits] == [vector_corpus[2].id, vector_corpus[1].id]


def test_hybrid_fuses_keyword_and_semantic_ranks(store, vector_corpus):
    # "Nador" matches one article by words; the vector points at another: both come back, the word match
    # first because it also ranks second semantically.
    result = store.search("Nador", vector=unit(1.0, 0.0), mode="hybrid")
    ids = [hit.id for hit in result.hits]
    assert ids[0] == vector_corpus[2].id and vector_corpus[0].id in ids
    assert store.search("Nador", mode="hybrid").total == 1  # no vector: words only


def test_more_like_this_excludes_the_article_itself(store, vector_corpus):
    result = store.more_like_this(vector_corpus[0].id, limit=2)
    assert [hit.id for hit in result.hits] == [vector_corpus[2].id, vector_corpus[1].id]
    assert store.more_like_this("missing").hits == []


def test_a_new_article_is_searchable_by_meaning_at_once(store, vector_corpus):
    store.search("x", vector=unit(1.0), mode="semantic")  # warm any cache
    extra = article("court", title="Court hears asylum case", text="A judge heard the asylum appeal.",
                    themes=("justice",))
    store.upsert(extra, unit(0.0, 0.0, 1.0).reshape(1, -1))
    assert store.search("x", vector=unit(0.0, 0.0, 1.0), mode="semantic").hits[0].id == extra.id


def test_unknown_search_mode(store):
    with pytest.raises(ValueError, match="unknown search mode"):
        store.search("x", mode="fuzzy")


# -- saved searches and what is new since a mark ----------------------------------------------------------------

def saved(name, query="refugees", **fields):
    return SavedSearch(name=name, query=query, created_at="2025-09-01T06:00:00.000000+00:00", **fields)


def test_saved_searches_are_kept_by_name_replaced_and_deleted(store):
    assert store.saved_searches() == []
    feed_hit = Hit(id="a1", score=1.0, title="Doctors treat refugees", url="http://atlas.test/a1", outlet="atlas",
                   outlet_name="Atlas", language="en", published_at="2024-05-02T08:00:00+00:00",
                   snippet="free consultations, **2024**", themes=["health"], highlights=[(5, 18)])
    store.save_search(saved("oujda-sante", "santé Oujda", mode="hybrid", emails=["comms@ngo.example"]))
    store.save_search(saved("camps", "theme:housing", recent=[feed_hit]))
    assert [s.name for s in store.saved_searches()] == ["camps", "oujda-sante"]
    camps, sante = store.saved_searches()
    assert camps.recent == [feed_hit] and camps.delivered_until is None
    assert (sante.query, sante.mode, sante.emails) == ("santé Oujda", "hybrid", ["comms@ngo.example"])

    store.save_search(saved("camps", "theme:housing", delivered_until="2025-09-02T06:00:00.000000+00:00"))
    assert len(store.saved_searches()) == 2
    assert store.saved_searches()[0].delivered_until == "2025-09-02T06:00:00.000000+00:00"
    assert store.delete_search("camps") and not store.delete_search("camps")
    assert [s.name for s in store.saved_searches()] == ["oujda-sante"]


def test_hits_saved_before_highlights_were_kept_apart_read_their_markers_as_highlights():
    old = {"id": "a1", "score": 1.0, "title": "Doctors", "url": "http://atlas.test/a1", "outlet": "atlas",
           "outlet_name": "Atlas", "language": "en", "published_at": None, "themes": ["health"],
           "snippet": "free **consultations** for **réfugiés** in 2024", "passage": "", "passage_index": None}
    new = {**old, "id": "a2", "snippet": "free consultations, **2024**", "highlights": [[5, 18]]}
    search = SavedSearch.from_dict({"name": "feed", "query": "consultations", "recent": [old, new]})
    legacy, current = search.recent
    assert legacy.snippet == "free consultations for réfugiés in 2024"
    assert [legacy.snippet[a:b] for a, b in legacy.highlights] == ["consultations", "réfugiés"]
    # A hit that says where its highlights are keeps its stars: they are the outlet's.
    assert current.snippet == "free consultations, **2024**" and current.highlights == [(5, 18)]
    assert SavedSearch.from_dict(search.to_dict()) == search


def test_saved_search_names_and_modes_are_checked():
    for name in ("", "Santé", "../etc", "a b", "-x", "x" * 65):
        with pytest.raises(SavedSearchError, match="cannot name a saved search"):
            saved(name)
    with pytest.raises(SavedSearchError, match="unknown search mode"):
        saved("ok", mode="fuzzy")


def test_what_was_indexed_after_a_mark(store, corpus):
    def ids(query="", **bounds):
        return {hit.id for hit in store.search(query, filters=SearchFilters(**bounds), limit=10).hits}

    # Where the corpus falls depends on the backend (Elasticsearch's mark stays behind the clock by as long as a
    # write may be on its way); what every backend owes: the mark splits the articles in two, and an article
    # indexed after the mark was taken is on the "after" side.
    mark = store.indexed_up_to()
    late = article("court", title="Court hears asylum case", text="A judge heard the asylum appeal of refugees.")
    store.upsert(late, None)
    after, until = ids(indexed_after=mark), ids(indexed_until=mark)
    assert late.id in after and late.id not in until
    assert after | until == {doc.id for doc in [*corpus, late]} and not after & until
    # The bounds combine with the query like any filter.
    assert late.id in ids("asylum", indexed_after=mark) and ids("asylum", indexed_until=mark) == set()
    # Indexing an article again does not move it across the mark.
    store.upsert(corpus[0], None)
    assert ids(indexed_after=mark) == after


def test_min_similarity_leaves_out_what_is_found_by_meaning_only(store, vector_corpus):
    clinic, school, camp = (doc.id for doc in vector_corpus)
    near = store.search("anything", vector=unit(1.0, 0.0), mode="semantic", min_similarity=0.5)
    assert [hit.id for hit in near.hits] == [clinic, camp] and near.total == 2   # camp: cosine 0.6
    assert store.search("x", vector=unit(1.0, 0.0), mode="semantic", min_similarity=0.9).total == 1
    # Hybrid: the word matches stay, whatever their similarity; by meaning only the close ones join them.
    hybrid = store.search("class", vector=unit(1.0, 0.0), mode="hybrid", min_similarity=0.7)
    assert {hit.id for hit in hybrid.hits} == {school, clinic}
