"""The embedded store's word index (index/words.py): the same answers as SQLite and FTS5, and the database stays
the source of truth when the word index is late, rewritten under it, missing, corrupt, locked or outdated."""
import json
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import advocacy.index.words as words_module
from advocacy.article import Article, Entity, Passage, ThemeScore, article_id
from advocacy.index import SearchFilters
from advocacy.index import sqlite as sqlite_module
from advocacy.index.sqlite import SqliteStore
from advocacy.index.words import WordIndex
from tests.index.test_sqlite_store import DOCS, IOM, UNHCR, build, vectors

MSF = Entity("org:msf", "MSF", "organisation", ["Médecins sans frontières"], 2)


def make(slug, outlet, name, country, language, published, themes, entities, title, text, carried_by=()):
    url = f"http://{outlet}.test/{slug}"
    return Article(id=article_id(url), url=url, outlet=outlet, outlet_name=name, country=country, language=language,
                   title=title, text=text, published_at=published, stage="indexed", carried_by=list(carried_by),
                   themes=[ThemeScore(t, 0.8) for t in themes], entities=list(entities),
                   passages=[Passage(0, text, 0, len(text))])


SEEKERS = make("seekers", "echo", "L'Écho du Détroit", "MA", "en", "2024-01-15T23:30:00+00:00", ["health", "legal"],
               [replace(UNHCR, count=5), replace(IOM, count=3)], "Asylum seekers wait at the border",
               "Hundreds of asylum seekers waited for days while the migration office reviewed refugee claims.",
               carried_by=["atlas", "matin", "matin", "echo"])
UNDATED = make("attente", "echo", "L'Écho du Détroit", "MA", "fr", None, ["health"], [replace(IOM, count=2)],
               "Migrations et santé", "Les réfugiés et les migrants attendent des soins ; l'OIM aide les demandeurs "
               "d'asile.")
WORKERS = make("workers", "lagos-post", "Lagos Post", "NG", "en", "2024-02-29T12:00:00+00:00", ["labour"], [IOM],
               "Migrant workers come home", "Migration brought the workers back to Lagos after the season.")
TUNIS = make("tunis", "sawt", "صوت تونس", "TN", "ar", "2024-02-03T09:00:00+00:00", ["legal"], [UNHCR],
             "المهاجرون واللاجئون في تونس", "قالت المفوضية إن طالبي اللجوء واللاجئين ينتظرون في صفاقس.")
FLOOD = make("flood", "wire", "Wire", "", "en", "2024-04-30T18:00:00+00:00", [], [],
             "Refugee camp flooded", "The refugee camp flooded after the storms; families moved to higher ground.")
REFUGIES = make("refugies", "dakar", "Dakar Soir", "SN", "fr", "2023-12-31T22:00:00+00:00", ["education", "health"],
                [Entity("pop:refugees", "refugees", "population", ["refugies"], 1)],
                "Les refugies sans accents", "Les refugies du camp de Mbera vont à l'école et chez le médecin.")
LAMPEDUSA = make("lampedusa", "notizie", "Il Notiziario", "IT", "en", "2024-05-31T07:00:00+00:00", ["rescue"],
                 [replace(IOM, count=4), MSF], "Rescue ship brings migrants to Lampedusa",
                 "Asylum seeking families were rescued at sea; MSF and IOM met them in Lampedusa.", carried_by=["wire"])
EXTRA = [SEEKERS, UNDATED, WORKERS, TUNIS, FLOOD, REFUGIES, LAMPEDUSA]

QUERIES = [
    "", "refugee", "refugees", "réfugiés", "refugies", "SANTÉ", "hôpital", "اللاجئين", "المهاجرون",
    '"asylum seekers"', '"asylum seek*"', '"demandeurs d\'asile"', "migra*", "refugee AND camp", "Nador OR Lampedusa",
    "migrants NOT Nador", "(refugee OR réfugiés) AND NOT lang:fr", "theme:health", "theme:health -after:2024", "lang:AR",
    'outlet:"Le Matin"', 'outlet:"le matin"', 'outlet:"L\'Écho du Détroit"', 'outlet:"L\'ÉCHO DU DÉTROIT"',
    "outlet:atlas", "country:ml", "after:2024", "after:2024-03", "before:2024-02-29", "after:2024-02 before:2024-05-02",
    "entity:HCR", "entity:org:unhcr", "entity:OIM", "population:asylum_seekers", "population:refugees",
    "refugees OR theme:education",
]
# Words OR a field: the word index cannot rank these as SQL does, so their keyword search (and matching(),
# which counts through it) is SQL's on purpose.
SQL_RANKED = {"refugees OR theme:education"}
FILTERS = [
    SearchFilters(themes=["health", "legal"]), SearchFilters(languages=["fr", "ar"]),
    SearchFilters(outlets=["atlas", "echo"]), SearchFilters(countries=["ma"]), SearchFilters(since="2024-03-01"),
    SearchFilters(until="2024-02-29"), SearchFilters(since="2024-01-01", until="2024-05-06", themes=["health"]),
]
CASES = [(query, None) for query in QUERIES] + [(query, filters) for filters in FILTERS
                                                for query in ("", "migra*", "refugees OR réfugiés")]
FACETS = ("theme", "outlet", "language", "country")


def refuse(*args, **kwargs):
    raise AssertionError("SQL answered although the word index was ready")


def ids(result):
    return {hit.id for hit in result.hits}


def by_words(store, query, **kwargs):
    """Ids a keyword search lists, with SQL's ranking made unusable so that only the word index can answer."""
    assert store._words.ready()
    store._keyword_ranked = refuse
    try:
        return ids(store.search(query, limit=50, **kwargs))
    finally:
        del store._keyword_ranked


def by_sql(store, query, **kwargs):
    store._words.enabled = False
    try:
        return ids(store.search(query, limit=50, **kwargs))
    finally:
        store._words.enabled = True


def fill(path, articles):
    store = SqliteStore(path)
    store.upsert_many((article, None) for article in articles)
    return store


def pending(store):
    return store._db.execute("SELECT doc, stamp FROM words_pending").fetchall()


def rowid(store, article):
    return store._db.execute("SELECT rowid FROM docs WHERE id=?", (article.id,)).fetchone()[0]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    backend = SqliteStore(tmp_path_factory.mktemp("words") / "index.db")
    backend.upsert_many([(build(key), vectors(key)) for key in DOCS] +
                        [(article, np.eye(4, dtype=np.float32)[n % 4][None]) for n, article in enumerate(EXTRA)])
    yield backend
    backend.close()


def counts(store, query, filters, *, matching=True):
    return {"facets": {field: list(store.facets(field, query=query, filters=filters).items()) for field in FACETS},
            "attention": {by: store.attention_report(query, filters=filters, by=by) for by in ("day", "week", "month")},
            "voice": store.share_of_voice(query, filters=filters),
            **({"matching": store.matching(query, filters=filters)} if matching else {})}


def searches(store, query, filters):
    keyword = store.search(query, filters=filters, limit=50)
    hybrid = store.search(query, filters=filters, limit=50, vector=np.array([1.0, 0, 0, 0]), mode="hybrid")
    return {"total": keyword.total, "ids": ids(keyword), "hybrid": (hybrid.total, ids(hybrid))}


def test_the_fixture_is_indexed_by_words_and_the_queries_discriminate(store):
    assert store.count() == 12 and store._words.ready() and pending(store) == []
    selected = {query: store.matching(query) for query in QUERIES[1:]}
    # Outlet names fold ASCII case only, as SQLite's lower() does: capital accented letters must be written as is.
    assert selected.pop('outlet:"L\'ÉCHO DU DÉTROIT"') == 0
    assert all(0 < n < 12 for n in selected.values()), selected


@pytest.mark.parametrize("query, filters", CASES, ids=[f"{q!r} {f}" for q, f in CASES])
def test_the_word_index_answers_as_sqlite_does(store, monkeypatch, query, filters):
    with monkeypatch.context() as patch:
        patch.setattr(store._words, "enabled", False)
        expected = {**counts(store, query, filters), **searches(store, query, filters)}
    assert store._words.ready()
    with monkeypatch.context() as patch:
        # Every count must come from the word index: SQL's selection and analytics are out of reach.
        patch.setattr(store, "_condition", refuse)
        patch.setattr(sqlite_module.analytics, "attention_report", refuse)
        patch.setattr(sqlite_module.analytics, "share_of_voice", refuse)
        got = counts(store, query, filters, matching=query not in SQL_RANKED)
    with monkeypatch.context() as patch:
        if query not in SQL_RANKED:
            patch.setattr(store, "_keyword_ranked", refuse)
        got.update(searches(store, query, filters))
        got.setdefault("matching", store.matching(query, filters=filters))
    assert got == expected


def test_a_field_only_query_lists_newest_first_and_the_undated_last(store, monkeypatch):
    newest_first = [build("doctors").id, build("medecins").id, SEEKERS.id, REFUGIES.id, UNDATED.id]
    assert [hit.id for hit in store.search("theme:health", limit=50).hits] == newest_first
    assert [hit.id for hit in store.search("theme:health", limit=2, offset=2).hits] == newest_first[2:4]
    monkeypatch.setattr(store._words, "enabled", False)
    assert [hit.id for hit in store.search("theme:health", limit=50).hits] == newest_first


def test_rewritten_and_deleted_articles_lose_their_old_words(tmp_path):
    store = fill(tmp_path / "index.db", [FLOOD, LAMPEDUSA])
    assert by_words(store, "flooded") == {FLOOD.id}
    store.upsert(make("flood", "wire", "Wire", "", "en", "2024-04-30T18:00:00+00:00", ["housing"], [],
                      "Camp drained", "Engineers drained the camp before the winter."))
    assert by_words(store, "flooded") == set()
    assert by_words(store, "drained") == {FLOOD.id}
    assert store.facets("theme") == {"housing": 1, "rescue": 1}
    store.delete(LAMPEDUSA.id)
    assert by_words(store, "lampedusa") == set() and by_words(store, "") == {FLOOD.id}
    assert store.matching("migrants") == 0 and store.share_of_voice() == []
    assert pending(store) == []


def test_a_store_that_died_before_syncing_its_words_answers_correctly_when_reopened(tmp_path, monkeypatch):
    path = tmp_path / "index.db"
    store = fill(path, [FLOOD, LAMPEDUSA, WORKERS])
    with monkeypatch.context() as patch:
        patch.setattr(WordIndex, "sync", lambda self, **_: False)      # the process dies right after COMMIT
        store.upsert(make("flood", "wire", "Wire", "", "en", "2024-04-30T18:00:00+00:00", [], [],
                          "Camp drained", "Engineers drained the camp before the winter."))
        store.delete(LAMPEDUSA.id)
    store.close()

    with monkeypatch.context() as patch:
        patch.setattr(words_module, "SYNC_ON_READ", 1)     # too much to catch up on a read: SQL must answer
        reopened = SqliteStore(path)
        assert len(pending(reopened)) == 2 and not reopened._words.ready()
        assert ids(reopened.search("flooded")) == set() and ids(reopened.search("lampedusa")) == set()
        assert ids(reopened.search("drained")) == {FLOOD.id}
        assert reopened.matching("") == 2 and reopened.facets("outlet") == {"lagos-post": 1, "wire": 1}
    assert reopened._words.ready() and pending(reopened) == []        # a few pending: caught up on read
    assert by_words(reopened, "flooded") == set() and by_words(reopened, "lampedusa") == set()
    assert reopened.update_word_index() is True and pending(reopened) == []
    for query in ("drained", "migrant*", "", "outlet:wire"):
        assert by_words(reopened, query) == by_sql(reopened, query)
    assert reopened.facets("outlet") == {"lagos-post": 1, "wire": 1}


class _CommitHook:
    """A tantivy index whose writers run ``before_commit`` just before each commit (tantivy's own objects take
    no new attributes, so they are wrapped)."""

    def __init__(self, index, before_commit):
        self._index, self._before_commit = index, before_commit

    def __getattr__(self, name):
        return getattr(self._index, name)

    def writer(self, *args, **kwargs):
        hook, writer = self, self._index.writer(*args, **kwargs)

        class Writer:
            def __getattr__(self, name):
                return getattr(writer, name)

            def commit(self):
                hook._before_commit()
                return writer.commit()

        return Writer()


def test_an_article_rewritten_while_a_sync_indexes_it_stays_pending(tmp_path):
    store = fill(tmp_path / "index.db", [FLOOD, WORKERS])
    doc = rowid(store, FLOOD)
    # Listed by a write whose own sync never ran; the sync below reads this record and stamp.
    store._db.execute("INSERT INTO words_pending VALUES (?, 111)", (doc,))
    seen = []

    def rewrite_then_look():
        if not seen:
            store._words.sync = lambda **_: False          # this rewrite's own sync comes later
            store.upsert(make("flood", "wire", "Wire", "", "en", "2024-04-30T18:00:00+00:00", [], [],
                              "Camp drained", "Engineers drained the camp before the winter."))
            del store._words.sync
        seen.append(pending(store))                        # then: what the previous batch left pending

    real = store._words._index
    store._words._index = _CommitHook(real, rewrite_then_look)
    try:
        assert store.update_word_index() is True
    finally:
        store._words._index = real
    rewritten_stamp = seen[0][0][1]
    assert seen[0] == [(doc, rewritten_stamp)] and rewritten_stamp != 111
    assert seen[1:] == [[(doc, rewritten_stamp)]]          # survived the clearing of stamp 111: indexed again
    assert pending(store) == []
    assert by_words(store, "drained") == {FLOOD.id} and by_words(store, "flooded") == set()


def test_a_sync_does_not_index_its_own_version_over_a_later_write_by_another_process(tmp_path):
    path = tmp_path / "index.db"
    first = fill(path, [FLOOD])
    second = SqliteStore(path)
    first._words.sync = lambda **_: False                  # paused between its COMMIT and its sync
    first.upsert(make("flood", "wire", "Wire", "", "en", "2024-04-30T18:00:00+00:00", [], [],
                      "Camp drained", "Engineers drained the camp."))
    second._words.sync = lambda **_: False                 # its sync will come after the first's
    second.upsert(make("flood", "wire", "Wire", "", "en", "2024-04-30T18:00:00+00:00", [], [],
                       "Camp rebuilt", "Engineers rebuilt the camp."))
    del first._words.sync, second._words.sync
    assert first.update_word_index() is True and second.update_word_index() is True
    assert by_sql(second, "rebuilt") == {FLOOD.id} and by_sql(second, "drained") == set()
    assert by_words(second, "drained") == set()
    assert by_words(second, "rebuilt") == {FLOOD.id}


@pytest.mark.parametrize("damage", ["deleted", "garbage meta.json"])
def test_a_missing_or_corrupt_word_index_is_rebuilt_from_the_records(tmp_path, damage):
    path = tmp_path / "index.db"
    store = fill(path, [FLOOD, LAMPEDUSA, WORKERS, TUNIS])
    store.close()
    directory = Path(f"{path}.words")
    if damage == "deleted":
        shutil.rmtree(directory)
    else:
        (directory / "meta.json").write_text("{not json at all")
    reopened = SqliteStore(path)
    assert reopened.count() == 4 and len(pending(reopened)) == 4          # every record listed for the rebuild
    assert reopened.get(TUNIS.id).title == TUNIS.title
    assert reopened._words.ready() and pending(reopened) == []
    json.loads((directory / "meta.json").read_text())
    for query in ("migra*", "refugee", "اللاجئين", "", "entity:OIM", "country:ng"):
        assert by_words(reopened, query) == by_sql(reopened, query) != set()
    assert reopened.facets("language") == {"en": 3, "ar": 1}


def test_while_another_process_holds_the_word_index_writes_commit_and_sql_answers(tmp_path):
    path = tmp_path / "index.db"
    store = fill(path, [WORKERS])
    other = SqliteStore(path)
    lock = other._words._index.writer(heap_size=15_000_000, num_threads=1)
    store.upsert(FLOOD)
    assert store.get(FLOOD.id) is not None and len(pending(store)) == 1
    assert not store._words.ready()
    assert ids(store.search("flooded")) == {FLOOD.id}
    assert store.matching("") == 2 and store.facets("outlet") == {"lagos-post": 1, "wire": 1}
    assert store.update_word_index() is False and len(pending(store)) == 1
    del lock                                                # the other process lets go of the writer
    assert store.update_word_index() is True and pending(store) == []
    assert by_words(store, "flooded") == {FLOOD.id}
    assert by_words(other, "flooded") == {FLOOD.id}        # the other process's reader sees it too


def test_a_word_index_of_another_version_is_rebuilt_on_open(tmp_path, monkeypatch):
    path = tmp_path / "index.db"
    fill(path, [FLOOD, LAMPEDUSA, WORKERS]).close()
    marker = Path(f"{path}.words") / "left-by-this-version"
    marker.write_text("")
    same = SqliteStore(path)
    assert marker.exists() and pending(same) == []          # the same version is reused as it is
    same.close()
    monkeypatch.setattr(words_module, "WORDS_INDEX_VERSION", "next")
    reopened = SqliteStore(path)
    assert not marker.exists() and len(pending(reopened)) == 3
    recorded = reopened._db.execute("SELECT value FROM meta WHERE key='words_index'").fetchone()[0]
    assert recorded == f"next/{sqlite_module.WORDS_VERSION}"
    assert reopened._words.ready() and pending(reopened) == []
    for query in ("migra*", "flooded", "", "theme:rescue"):
        assert by_words(reopened, query) == by_sql(reopened, query) != set()


def test_a_phrase_prefix_finds_every_word_it_may_end_with(tmp_path):
    # 64 words "seekaa".."seekhh" sort before "seekzz": a capped expansion never reaches it.
    many = make("many", "atlas", "Atlas", "MA", "en", "2024-01-01", [], [], "Seekers",
                " ".join(f"asylum seek{a}{b}" for a in "abcdefgh" for b in "abcdefgh"))
    late = make("late", "atlas", "Atlas", "MA", "en", "2024-01-02", [], [], "Office", "The asylum seekzz office.")
    store = fill(tmp_path / "index.db", [many, late])
    assert by_sql(store, '"asylum seek*"') == {many.id, late.id}
    assert by_words(store, '"asylum seek*"') == {many.id, late.id}
