"""The embedded store with the query language: every field and operator through search(), the three modes,
highlights and best passages, the analytics reading the same selection, and the upgrade of an old index."""
import json
import sqlite3

import numpy as np
import pytest

from advocacy.article import Article, Entity, Passage, ThemeScore, article_id
from advocacy.index import QueryError, SearchFilters, StoreError
from advocacy.index.analytics import attention, top_outlets
from advocacy.index.sqlite import SCHEMA_VERSION, SqliteStore

UNHCR = Entity("org:unhcr", "UNHCR", "organisation", ["HCR", "المفوضية"], 2)
IOM = Entity("org:iom", "IOM", "organisation", ["OIM"], 1)
NADOR = Entity("place:nador", "Nador", "place", ["Nador"], 1)
ASYLUM = Entity("pop:asylum_seekers", "asylum seekers", "population", ["demandeurs d'asile"], 1)


def unit(*values):
    vector = np.array(values + (0.0,) * (4 - len(values)), dtype=np.float32)
    return vector / np.linalg.norm(vector)


# key: (outlet, name, country, language, day, themes, entities, title, passages, direction of the vectors)
DOCS = {
    "doctors": ("atlas", "The Atlas Tribune", "MA", "en", "2024-05-02", ["health"], [UNHCR],
                "Volunteer doctors see refugees",
                ["The clinic opened on Monday in Rabat.",
                 "Volunteer doctors gave free consultations to refugees and asylum seekers."], unit(1.0)),
    "medecins": ("matin", "Le Matin", "MA", "fr", "2024-03-10", ["health"], [UNHCR, ASYLUM],
                 "Des médecins bénévoles pour les réfugiés",
                 ["La santé des réfugiées s'améliore à Oujda.",
                  "Les hôpitaux de la région offrent des consultations gratuites aux demandeurs d'asile."],
                 unit(0.9, 0.1)),
    "evictions": ("atlas", "The Atlas Tribune", "MA", "en", "2023-11-20", ["housing"], [NADOR, IOM],
                  "Migrant families evicted near Nador",
                  ["Migrant families were evicted near Nador.", "Their houses were destroyed."], unit(0.0, 1.0)),
    "ecoles": ("bamako", "Bamako Matin", "ML", "fr", "2025-09-01", ["education"], [],
               "Les enfants réfugiés à l'école", ["Les enfants des réfugiés sont inscrits à l'école de Gao."],
               unit(0.0, 0.0, 1.0)),
    "sakan": ("jisr", "الجسر", "MA", "ar", "2024-05-06", ["housing"], [UNHCR],
              "اللاجئون في وجدة يطالبون بالسكن", ["قالت المفوضية إن اللاجئين في حاجة إلى السكن والصحة."],
              unit(0.0, 0.7, 0.7)),
}


def build(key):
    outlet, name, country, language, day, themes, entities, title, passages, _ = DOCS[key]
    url = f"http://{outlet}.test/{key}"
    text = "\n\n".join(passages)
    starts = [text.index(p) for p in passages]
    return Article(id=article_id(url), url=url, outlet=outlet, outlet_name=name, country=country, language=language,
                   title=title, text=text, published_at=f"{day}T08:00:00+00:00", stage="indexed",
                   themes=[ThemeScore(t, 0.9) for t in themes], entities=list(entities),
                   passages=[Passage(i, p, s, s + len(p)) for i, (p, s) in enumerate(zip(passages, starts))])


def vectors(key):
    direction = DOCS[key][-1]
    count = len(DOCS[key][8])
    return np.stack([direction] * count)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    backend = SqliteStore(tmp_path_factory.mktemp("store") / "index.db")
    for key in DOCS:
        backend.upsert(build(key), vectors(key))
    yield backend
    backend.close()


def keys(result):
    by_id = {build(key).id: key for key in DOCS}
    return [by_id[hit.id] for hit in result.hits]


@pytest.mark.parametrize("query, expected", [
    ("theme:health AND (réfugiés OR refugees)", {"doctors", "medecins"}),
    ("refugees", {"doctors"}),
    ("réfugiés", {"medecins", "ecoles"}),                      # réfugiées / réfugiés meet through the stem
    ("sante", {"medecins"}),
    ("SANTÉ lang:fr", {"medecins"}),
    ("hôpital", {"medecins"}),                                  # written hôpitaux
    ("refugee", {"doctors"}),
    ('"free consultations"', {"doctors"}),
    ('"consultations free"', set()),
    ("consult*", {"doctors", "medecins"}),
    ("migrant* -Nador", set()),
    ("families NOT Nador", set()),
    ("(Nador OR Gao) -lang:fr", {"evictions"}),
    ("اللاجئين", {"sakan"}),
    ("الصحه", {"sakan"}),                                       # written الصحة
    ("outlet:atlas", {"doctors", "evictions"}),
    ('outlet:"Le Matin"', {"medecins"}),
    ("country:ML", {"ecoles"}),
    ("lang:ar", {"sakan"}),
    ("after:2025-01-01", {"ecoles"}),
    ("before:2024-03-10 theme:health", {"medecins"}),           # the whole day counts
    ("after:2024-03 before:2024-05", {"doctors", "medecins", "sakan"}),
    ("entity:UNHCR", {"doctors", "medecins", "sakan"}),
    ("entity:HCR", {"doctors", "medecins", "sakan"}),            # a written form, found by the store
    ("entity:OIM", {"evictions"}),
    ("entity:المفوضية", {"doctors", "medecins", "sakan"}),
    ("population:asylum_seekers", {"medecins"}),
    ("refugees OR theme:education", {"doctors", "ecoles"}),
    ("theme:housing NOT lang:ar", {"evictions"}),
])
def test_the_query_language_through_search(store, query, expected):
    result = store.search(query, limit=20)
    assert set(keys(result)) == expected
    assert result.total == len(expected)


def test_query_and_filters_combine(store):
    assert keys(store.search("theme:health", filters=SearchFilters(languages=["fr"]))) == ["medecins"]
    assert keys(store.search("refugees OR réfugiés", filters=SearchFilters(countries=["ml"]))) == ["ecoles"]
    assert store.search("theme:health", filters=SearchFilters(since="2024-04-01")).total == 1


def test_hits_are_ranked_and_highlighted_as_written(store):
    result = store.search("theme:health AND (réfugiés OR refugees)")
    assert [hit.score for hit in result.hits] == sorted((hit.score for hit in result.hits), reverse=True)
    french = next(hit for hit in result.hits if hit.language == "fr")
    assert matched(french) == ["réfugiées"]            # the word as the outlet wrote it, accents and all
    assert french.snippet.startswith("La santé des réfugiées")
    english = next(hit for hit in result.hits if hit.language == "en")
    assert matched(english) == ["refugees"]


# What an outlet may write that looks like a highlight: markdown stars, a <mark> tag, and the control characters
# the Elasticsearch store's highlighter uses as tags. Whitespace runs check that the places survive collapsing.
LOOKALIKE = ("Figures for **2024** (*) show\n\n that <mark>asylum</mark> seekers  wait \x02eight\x03 months "
             "and **asylum** **requests** rose.")


def matched(hit):
    return [hit.snippet[start:end] for start, end in hit.highlights]


def test_a_snippet_keeps_what_the_outlet_wrote_and_its_highlights_point_at_the_matches(tmp_path):
    url = "http://atlas.test/lookalike"
    text = LOOKALIKE + "\n\nThe clinic in Rabat opened on Monday."
    article = Article(id=article_id(url), url=url, outlet="atlas", title="Waiting for papers", text=text,
                      language="en", passages=[Passage(0, LOOKALIKE, 0, len(LOOKALIKE)),
                                               Passage(1, text[len(LOOKALIKE) + 2:], len(LOOKALIKE) + 2, len(text))])
    backend = SqliteStore(tmp_path / "index.db")
    try:
        backend.upsert_many([(article, np.stack([unit(1.0), unit(0.0, 1.0)]))])
        written = " ".join(LOOKALIKE.split())
        hits = {"keyword": backend.search("asylum months"),
                "hybrid": backend.search("asylum months", vector=unit(1.0), mode="hybrid"),
                "semantic": backend.search("asylum months", vector=unit(1.0), mode="semantic")}
        assert backend._words.ready()
        backend._keyword_ranked = refuse_sql       # the word index alone must answer now
        hits["word index"] = backend.search("asylum months")
        del backend._keyword_ranked
        for mode, result in hits.items():
            (hit,) = result.hits
            assert hit.snippet == written, mode
            assert "**2024**" in hit.snippet and "(*)" in hit.snippet and "<mark>asylum</mark>" in hit.snippet
            assert matched(hit) == ["asylum", "months", "asylum"], mode
            assert [start for start, _ in hit.highlights] == [
                written.index("asylum"), written.index("months"), written.index("**asylum**") + 2], mode
    finally:
        backend.close()


def refuse_sql(*args, **kwargs):
    raise AssertionError("SQL answered although the word index was ready")


def test_a_title_word_weighs_more_than_one_in_the_text(tmp_path):
    backend = SqliteStore(tmp_path / "index.db")
    try:
        for slug, title, text in [("in-text", "Doctors on call", "Doctors on call in Oujda this week."),
                                  ("in-title", "Doctors in Oujda", "Doctors on call again this week.")]:
            url = f"http://atlas.test/{slug}"
            backend.upsert(Article(id=article_id(url), url=url, outlet="atlas", title=title, text=text,
                                   language="en", passages=[Passage(0, text, 0, len(text))]))
        assert [hit.url for hit in backend.search("oujda").hits] == ["http://atlas.test/in-title",
                                                                     "http://atlas.test/in-text"]
    finally:
        backend.close()


def test_the_best_passage_holds_the_query_words(store):
    hit = store.search("free consultations").hits[0]
    assert hit.passage_index == 1 and "free consultations" in hit.passage
    hit = store.search("clinic").hits[0]
    assert hit.passage_index == 0


def test_only_fields_lists_newest_first(store):
    result = store.search("theme:health OR theme:housing")
    assert keys(result) == ["sakan", "doctors", "medecins", "evictions"]


def test_matches_without_the_words_come_after_those_with_them(store):
    assert keys(store.search("refugees OR theme:education")) == ["doctors", "ecoles"]


def test_semantic_and_hybrid_apply_the_query_fields_and_exclusions(store):
    towards_health = unit(1.0)
    semantic = store.search("lang:fr refugees", vector=towards_health, mode="semantic")
    assert keys(semantic) == ["medecins", "ecoles"]   # by meaning: the words do not have to be there
    assert semantic.hits[0].passage_index is not None
    excluded = store.search("refugees -Oujda -lang:ar", vector=towards_health, mode="semantic", limit=10)
    assert "medecins" not in keys(excluded) and "sakan" not in keys(excluded)
    hybrid = store.search("theme:health AND (réfugiés OR refugees)", vector=towards_health, mode="hybrid")
    assert set(keys(hybrid)) == {"doctors", "medecins"}
    assert all(hit.highlights for hit in hybrid.hits)
    assert all(word.lower().startswith(("réfugi", "refugee")) for hit in hybrid.hits for word in matched(hit))
    assert keys(store.search("country:ML", vector=towards_health, mode="semantic")) == ["ecoles"]


def test_more_like_this_honours_filters(store):
    doctors = build("doctors").id
    assert keys(store.more_like_this(doctors, limit=1)) == ["medecins"]
    assert "medecins" not in keys(store.more_like_this(doctors, filters=SearchFilters(languages=["en"])))


def test_a_query_vector_of_another_model_is_explained(store):
    with pytest.raises(StoreError, match="embedding model"):
        store.search("refugees", vector=np.ones(8, dtype=np.float32), mode="semantic")


def test_malformed_queries_say_where(store):
    for query, position in [("(refugees AND", 10), ("theme:", 6), ('"unclosed', 9), ("lang:french1", 5)]:
        with pytest.raises(QueryError) as caught:
            store.search(query)
        assert caught.value.position == position
        assert query in caught.value.explain()
    with pytest.raises(QueryError):
        store.where("refugees OR")


def test_analytics_count_what_search_lists(store):
    where = store.where("theme:health AND (réfugiés OR refugees)")
    assert sum(row["count"] for row in attention(store.connection, where=where, by="month")) == 2
    outlets = top_outlets(store.connection, where=store.where("", SearchFilters(countries=["MA"])))
    assert {row["outlet"]: row["articles"] for row in outlets} == {"atlas": 2, "matin": 1, "jisr": 1}


# -- indexing times, for saved searches --------------------------------------------------------------------

def new_keys(store, **bounds):
    return set(keys(store.search("", filters=SearchFilters(**bounds), limit=20)))


def test_the_mark_splits_exactly_at_the_last_committed_upsert(tmp_path):
    store = SqliteStore(tmp_path / "index.db")
    store.upsert(build("doctors"), None)
    first = store.indexed_up_to()
    store.upsert(build("medecins"), None)
    store.upsert(build("doctors"), None)      # indexed again: keeps its first time
    second = store.indexed_up_to()
    assert first < second
    assert new_keys(store, indexed_until=first) == {"doctors"}
    assert new_keys(store, indexed_after=first, indexed_until=second) == {"medecins"}
    assert new_keys(store, indexed_after=second) == set()
    # Another connection's upsert after the mark is after it, though it committed before anyone searched.
    other = SqliteStore(tmp_path / "index.db")
    other.upsert(build("sakan"), None)
    other.close()
    assert new_keys(store, indexed_after=second) == {"sakan"}
    store.close()


def test_an_index_of_version_2_gains_indexing_times(tmp_path):
    path = tmp_path / "index.db"
    store = SqliteStore(path)
    store.upsert(build("doctors"), None)
    store.close()
    db = sqlite3.connect(path)    # as version 2 left it: no indexing time, no saved searches
    db.executescript("DROP INDEX docs_indexed; ALTER TABLE docs DROP COLUMN indexed_at; DROP TABLE saved_searches; "
                     "UPDATE meta SET value='2' WHERE key='schema_version';")
    db.close()
    upgraded = SqliteStore(path)
    mark = upgraded.indexed_up_to()
    upgraded.upsert(build("medecins"), None)
    # Articles from before count as indexed before any mark.
    assert new_keys(upgraded, indexed_until=mark) == {"doctors"}
    assert new_keys(upgraded, indexed_after=mark) == {"medecins"}
    assert upgraded.saved_searches() == []
    upgraded.close()
    db = sqlite3.connect(path)
    assert db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0] == str(SCHEMA_VERSION)
    db.close()


# -- an index written by version 1 --------------------------------------------------------------------------

VERSION_1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE docs (rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, outlet TEXT NOT NULL,
    outlet_name TEXT NOT NULL, country TEXT NOT NULL, language TEXT NOT NULL, published_at TEXT, url TEXT NOT NULL,
    title TEXT NOT NULL, record TEXT NOT NULL);
CREATE INDEX docs_published ON docs(published_at);
CREATE TABLE doc_themes (doc INTEGER NOT NULL, theme TEXT NOT NULL, score REAL NOT NULL, PRIMARY KEY (doc, theme));
CREATE INDEX doc_themes_theme ON doc_themes(theme);
CREATE TABLE doc_entities (doc INTEGER NOT NULL, entity TEXT NOT NULL, type TEXT NOT NULL, count INTEGER NOT NULL,
    PRIMARY KEY (doc, entity));
CREATE TABLE passages (doc INTEGER NOT NULL, idx INTEGER NOT NULL, text TEXT NOT NULL, start INTEGER NOT NULL,
    end INTEGER NOT NULL, vector BLOB, PRIMARY KEY (doc, idx));
CREATE VIRTUAL TABLE docs_fts USING fts5(title, text, tokenize = "porter unicode61 remove_diacritics 2");
INSERT INTO meta VALUES ('schema_version', '1');
"""


def write_version_1(path):
    """An index as version 1 wrote it (its upsert, statement for statement)."""
    db = sqlite3.connect(path)
    db.executescript(VERSION_1)
    for doc, key in enumerate(DOCS, 1):
        article = build(key)
        db.execute("INSERT INTO docs VALUES (?,?,?,?,?,?,?,?,?,?)",
                   (doc, article.id, article.outlet, article.outlet_name, article.country, article.language,
                    article.published_at, article.url, article.title, json.dumps(article.to_dict())))
        db.execute("INSERT INTO docs_fts (rowid, title, text) VALUES (?,?,?)", (doc, article.title, article.text))
        db.executemany("INSERT INTO doc_themes VALUES (?,?,?)", [(doc, t.theme, t.score) for t in article.themes])
        db.executemany("INSERT INTO doc_entities VALUES (?,?,?,?)",
                       [(doc, e.id, e.type, e.count) for e in article.entities])
        db.executemany("INSERT INTO passages VALUES (?,?,?,?,?,?)",
                       [(doc, p.index, p.text, p.start, p.end, vectors(key)[p.index].tobytes())
                        for p in article.passages])
    db.commit()
    db.close()


def test_an_index_of_version_1_is_rebuilt_from_its_records_on_opening(tmp_path):
    path = tmp_path / "index.db"
    write_version_1(path)
    upgraded = SqliteStore(path)
    try:
        assert upgraded.count() == len(DOCS)
        assert set(keys(upgraded.search("theme:health AND (réfugiés OR refugees)"))) == {"doctors", "medecins"}
        assert set(keys(upgraded.search("entity:HCR"))) == {"doctors", "medecins", "sakan"}
        assert keys(upgraded.search("x", vector=unit(0.0, 0.0, 1.0), mode="semantic"))[0] == "ecoles"
        assert upgraded.get(build("sakan").id).title == DOCS["sakan"][7]
    finally:
        upgraded.close()
    db = sqlite3.connect(path)
    assert db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0] == str(SCHEMA_VERSION)
    assert db.execute("SELECT COUNT(*) FROM docs_fts").fetchone()[0] == len(DOCS)
    db.close()
    again = SqliteStore(path)   # opening an up-to-date index changes nothing
    assert again.count() == len(DOCS) and again.search("sante").total == 1
    again.close()


def test_an_index_from_a_newer_version_is_refused(tmp_path):
    path = tmp_path / "index.db"
    SqliteStore(path).close()
    db = sqlite3.connect(path)
    db.execute("UPDATE meta SET value='99' WHERE key='schema_version'")
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="newer Advocacy Monitor"):
        SqliteStore(path)


def test_a_batch_that_fails_part_way_leaves_nothing_behind(tmp_path):
    store = SqliteStore(tmp_path / "index.db")
    store.upsert(build("doctors"), vectors("doctors"))
    broken = build("ecoles")
    broken.title = None          # refused by the docs table (NOT NULL), after "medecins" was written
    with pytest.raises(sqlite3.IntegrityError):
        store.upsert_many([(build("medecins"), vectors("medecins")), (broken, vectors("ecoles"))])
    assert store.ids() == [build("doctors").id]
    assert store.search("médecins").total == 0
    store.upsert_many([(build("medecins"), vectors("medecins")), (build("ecoles"), vectors("ecoles"))])
    assert store.count() == 3
    store.close()


def test_an_index_without_exposure_gains_it_from_the_records(tmp_path):
    store = SqliteStore(tmp_path / "index.db")
    carried = build("doctors")
    carried.carried_by = ["matin", "jisr", "matin", "atlas", ""]      # repeats, itself and blanks do not count
    store.upsert_many([(carried, vectors("doctors")), (build("ecoles"), vectors("ecoles"))])
    assert dict(store.connection.execute("SELECT id, exposure FROM docs")) == {carried.id: 3, build("ecoles").id: 1}
    store.connection.execute("ALTER TABLE docs DROP COLUMN exposure")
    store.close()
    reopened = SqliteStore(tmp_path / "index.db")
    assert dict(reopened.connection.execute("SELECT id, exposure FROM docs")) == {carried.id: 3, build("ecoles").id: 1}
    assert reopened.share_of_voice("")[0]["exposure"] == 3
    reopened.close()


def test_vectors_are_stored_as_float16_and_older_float32_indexes_still_read(tmp_path):
    store = SqliteStore(tmp_path / "new.db")
    store.upsert(build("doctors"), vectors("doctors"))
    assert {len(blob) for (blob,) in store.connection.execute("SELECT vector FROM passages")} == {4 * 2}
    assert store.get(build("doctors").id).passages[1].text.startswith("Volunteer doctors")
    store.close()

    older = SqliteStore(tmp_path / "old.db")
    older.connection.execute("UPDATE meta SET value='float32' WHERE key='vector_format'")
    older.close()
    older = SqliteStore(tmp_path / "old.db")
    older.upsert(build("doctors"), vectors("doctors"))
    older.connection.execute("DELETE FROM meta WHERE key='vector_format'")   # as written before the key existed
    older.close()
    older = SqliteStore(tmp_path / "old.db")
    assert {len(blob) for (blob,) in older.connection.execute("SELECT vector FROM passages")} == {4 * 4}
    hit = older.search("", mode="semantic", vector=unit(1.0), limit=1).hits[0]
    assert hit.id == build("doctors").id and hit.score == pytest.approx(1.0, abs=1e-4)
    older.close()


def test_the_contentless_word_index_forgets_exactly_what_an_update_or_delete_removes(tmp_path):
    store = SqliteStore(tmp_path / "index.db")
    assert store._contentless
    store.upsert_many([(build(key), vectors(key)) for key in DOCS])
    changed = build("doctors")
    changed.title, changed.text = "Volunteer nurses see migrants", "Nurses from Fès visited the camp."
    changed.passages = [Passage(0, changed.text, 0, len(changed.text))]
    store.upsert(changed, vectors("doctors")[:1])
    assert store.search("nurses").total == 1 and store.search("Fes").total == 1
    assert store.search("consultations").total == 1           # only "medecins" still says so
    assert store.delete(build("sakan").id)
    assert store.search("اللاجئين").total == 0
    store.connection.execute("INSERT INTO docs_fts (docs_fts) VALUES ('integrity-check')")
    store.connection.execute("UPDATE meta SET value='0' WHERE key='words_version'")
    store.close()
    reopened = SqliteStore(tmp_path / "index.db")             # words of another version: rebuilt on opening
    assert reopened.search("nurses").total == 1 and reopened.search("Oujda").total == 1
    assert reopened.connection.execute("SELECT value FROM meta WHERE key='words_version'").fetchone()[0] != "0"
    reopened.close()
