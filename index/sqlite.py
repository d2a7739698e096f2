"""The embedded store: one SQLite file (WAL) with an FTS5 full-text index and passage vectors.

Nothing to install or run; safe against a killed process because every upsert is one transaction.

Queries are read by the query language (:mod:`advocacy.index.query`): its SQL selects the articles, and
FTS5's bm25() ranks them by the words they were asked for. The full-text table holds each title and text
twice, as :func:`~advocacy.index.query.index_text` gives them: the normalised words (case, accents and Arabic
spelling folded) and their light stems in the article's language. An index written by an earlier version
(Porter-stemmed title and text) is rebuilt from the stored records the first time it is opened.

Each article keeps the time it was first indexed (``indexed_at``), which saved searches use to tell what is
new; an index from before that time was kept gains the column, its articles counting as indexed before any
saved search existed. Saved searches live in the same file, one JSON record per name.

Passage vectors are stored with their passages; searching them by meaning is the business of
:mod:`advocacy.index.vectors`, which scans them exactly in a small store and keeps an approximate index
file beside a large one (``index.db.ann``).
"""
from __future__ import annotations

import json
import random
import sqlite3
import time
from pathlib import Path
from typing import Iterable

import numpy as np

from advocacy.article import Article
from advocacy.index import analytics
from advocacy.index.errors import StoreError
from advocacy.index.highlight import Highlighter
from advocacy.index.query import (INDEX_TOKENIZER, MatchAll, index_text, parse, ranking_fts, requires_text,
                                  restrictions, to_sqlite, words)
from advocacy.index.store import SEARCH_MODES, Hit, SavedSearch, SearchFilters, SearchResult, timestamp
from advocacy.index.vectors import PassageIndex
from advocacy.index.words import WordIndex

SCHEMA_VERSION = 3
FACET_FIELDS = {"outlet": "d.outlet", "language": "d.language", "country": "d.country"}

FTS_COLUMNS = ("title_exact", "title_stemmed", "text_exact", "text_stemmed")
EXACT_COLUMNS = "title_exact text_exact"
STEMMED_COLUMNS = "title_stemmed text_stemmed"
# Weights in FTS_COLUMNS order: a word in the title counts four times one in the text.
BM25 = "bm25(docs_fts, 4.0, 4.0, 1.0, 1.0)"

# Contentless: the words are only indexed, never stored (the records hold the text), which saves about a
# sixth of the file. Forgetting an article's words then means handing FTS5 the very words it was given, so
# WORDS_VERSION must change whenever index_text() would give other words: the table is then rebuilt.
_FTS_TABLE = (f"CREATE VIRTUAL TABLE IF NOT EXISTS docs_fts USING fts5({', '.join(FTS_COLUMNS)}, "
              f"content='', tokenize = \"{INDEX_TOKENIZER}\")")
WORDS_VERSION = "1"

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS docs (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    outlet TEXT NOT NULL,
    outlet_name TEXT NOT NULL,
    country TEXT NOT NULL,
    language TEXT NOT NULL,
    published_at TEXT,
    url TEXT NOT NULL,
    title TEXT NOT NULL,
    record TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS docs_published ON docs(published_at);
CREATE TABLE IF NOT EXISTS doc_themes (doc INTEGER NOT NULL, theme TEXT NOT NULL, score REAL NOT NULL,
                                       PRIMARY KEY (doc, theme));
CREATE INDEX IF NOT EXISTS doc_themes_theme ON doc_themes(theme);
CREATE TABLE IF NOT EXISTS doc_entities (doc INTEGER NOT NULL, entity TEXT NOT NULL, type TEXT NOT NULL,
                                         count INTEGER NOT NULL, PRIMARY KEY (doc, entity));
-- Names and written forms of the entities, normalised, so that entity:HCR finds org:unhcr.
CREATE TABLE IF NOT EXISTS doc_entity_names (doc INTEGER NOT NULL, name TEXT NOT NULL, entity TEXT NOT NULL,
                                             PRIMARY KEY (doc, name, entity));
CREATE INDEX IF NOT EXISTS doc_entity_names_name ON doc_entity_names(name);
-- Every (name, entity) pair ever indexed, whoever still holds it: what entity_ids_named() looks up first.
CREATE TABLE IF NOT EXISTS entity_names (name TEXT NOT NULL, entity TEXT NOT NULL, PRIMARY KEY (name, entity))
    WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS passages (doc INTEGER NOT NULL, idx INTEGER NOT NULL, text TEXT NOT NULL,
                                     start INTEGER NOT NULL, end INTEGER NOT NULL, vector BLOB,
                                     PRIMARY KEY (doc, idx));
-- Articles whose passage vectors the approximate index (index/vectors.py) does not hold yet.
CREATE TABLE IF NOT EXISTS vectors_pending (doc INTEGER PRIMARY KEY);
-- Articles written since the word index (index/words.py) last took them in; the stamp tells a later write.
CREATE TABLE IF NOT EXISTS words_pending (doc INTEGER PRIMARY KEY, stamp INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS saved_searches (name TEXT PRIMARY KEY, record TEXT NOT NULL);
{_FTS_TABLE};
"""

# Reciprocal rank fusion: each list contributes 1 / (RRF_K + rank); RRF_DEPTH results are fused per list.
RRF_K = 60
RRF_DEPTH = 100

Where = tuple[str, list]


def _entity_name(text: str) -> str:
    return " ".join(words(text))


class SqliteStore:
    def __init__(self, path: str | Path, *, any_thread: bool = False):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=not any_thread)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
            version = self._schema_version()
            if version is not None and version > SCHEMA_VERSION:
                self._db.close()
                raise StoreError(f"{self.path} was written by a newer Advocacy Monitor; upgrade first")
            self._add_indexing_time()
            self._add_exposure()
            self._add_entity_names()
            self._vector_dtype = self._vector_format()
            self._contentless = self._fts_is_contentless()
            if self._search_tables_outdated():
                self._rebuild_search_tables()
                self._contentless = self._fts_is_contentless()
            elif version != SCHEMA_VERSION:
                self._db.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path} is not a usable index ({exc}); delete it and run `advocacy index`") from None
        self._passage_index = PassageIndex(self._db, self.path.with_name(self.path.name + ".ann"),
                                           dtype=self._vector_dtype)
        self._words = WordIndex(self._db, self.path.with_name(self.path.name + ".words"), words_version=WORDS_VERSION)

    @property
    def connection(self) -> sqlite3.Connection:
        """The open database, for the analytics (:mod:`advocacy.index.analytics`), which read it directly."""
        return self._db

    def close(self) -> None:
        self._db.close()

    # -- schema ----------------------------------------------------------------------------------------

    def _schema_version(self) -> int | None:
        row = self._db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        return int(row[0]) if row else None

    def _fts_columns(self) -> tuple[str, ...]:
        return tuple(row[1] for row in self._db.execute("PRAGMA table_info(docs_fts)"))

    def _fts_is_contentless(self) -> bool:
        row = self._db.execute("SELECT sql FROM sqlite_master WHERE name='docs_fts'").fetchone()
        return bool(row) and "content=''" in row[0].replace(" ", "")

    def _search_tables_outdated(self) -> bool:
        """True when the full-text table has other columns than this version searches, or is contentless
        and was filled by an index_text() that gave other words (see WORDS_VERSION)."""
        if self._fts_columns() != FTS_COLUMNS:
            return True
        if not self._fts_is_contentless():
            return False        # written before contentless tables: it stores its words and forgets any
        row = self._db.execute("SELECT value FROM meta WHERE key='words_version'").fetchone()
        return (row[0] if row else None) != WORDS_VERSION

    def _add_indexing_time(self) -> None:
        """Give an index written before version 3 its ``indexed_at`` column (NULL for the articles it holds)."""
        if "indexed_at" in self._docs_columns():
            return
        self._db.execute("BEGIN IMMEDIATE")
        try:
            if "indexed_at" not in self._docs_columns():  # another process may have added it while we waited
                self._db.execute("ALTER TABLE docs ADD COLUMN indexed_at TEXT")
            self._db.execute("CREATE INDEX IF NOT EXISTS docs_indexed ON docs(indexed_at)")
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    def _vector_format(self) -> np.dtype:
        """How passage vectors are stored: float16 (half the disk, scores within 0.001) in an index created
        by this version, float32 in one that already held vectors before."""
        row = self._db.execute("SELECT value FROM meta WHERE key='vector_format'").fetchone()
        if row is None:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                row = self._db.execute("SELECT value FROM meta WHERE key='vector_format'").fetchone()
                if row is None:
                    older = self._db.execute("SELECT 1 FROM passages WHERE vector IS NOT NULL LIMIT 1").fetchone()
                    row = ("float32" if older else "float16",)
                    self._db.execute("INSERT INTO meta VALUES ('vector_format', ?)", row)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        if row[0] not in ("float16", "float32"):
            raise StoreError(f"{self.path} stores vectors as {row[0]}, which this version cannot read; upgrade first")
        return np.dtype(row[0])

    def _add_exposure(self) -> None:
        """Give an index written before exposure was kept its ``exposure`` column, filled from the records."""
        if "exposure" in self._docs_columns():
            return
        self._db.execute("BEGIN IMMEDIATE")
        try:
            if "exposure" not in self._docs_columns():
                self._db.execute("ALTER TABLE docs ADD COLUMN exposure INTEGER NOT NULL DEFAULT 1")
                self._db.execute(f"UPDATE docs AS d SET exposure = {analytics.EXPOSURE_SQL}")
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    def _add_entity_names(self) -> None:
        """Fill ``entity_names`` in an index written before it existed, once."""
        if self._db.execute("SELECT 1 FROM meta WHERE key='entity_names'").fetchone():
            return
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._db.execute("INSERT OR IGNORE INTO entity_names SELECT DISTINCT name, entity FROM doc_entity_names")
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('entity_names', '1')")
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    def _docs_columns(self) -> set[str]:
        return {row[1] for row in self._db.execute("PRAGMA table_info(docs)")}

    def _rebuild_search_tables(self) -> None:
        """Re-create the full-text table and the entity names from the stored records.

        An index written by version 1 held Porter stems of the title and text, which the query language
        cannot search; everything it needs is in the records, so nothing is lost and nothing is re-fetched.
        """
        self._db.execute("BEGIN IMMEDIATE")
        try:
            if self._search_tables_outdated():  # another process may have rebuilt it while we waited
                self._db.execute("DROP TABLE IF EXISTS docs_fts")
                self._db.execute(_FTS_TABLE)
                self._db.execute("DELETE FROM doc_entity_names")
                for doc, record in self._db.cursor().execute("SELECT rowid, record FROM docs"):
                    self._index_words(doc, self._article(doc, record))
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('words_version', ?)", (WORDS_VERSION,))
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    # -- writing ---------------------------------------------------------------------------------------

    def upsert(self, article: Article, vectors: np.ndarray | None = None) -> None:
        self.upsert_many([(article, vectors)])

    def upsert_many(self, items: Iterable[tuple[Article, np.ndarray | None]]) -> int:
        """Upsert every (article, passage vectors) pair in one transaction: all of them or, if anything fails
        or the process dies, none. Several hundred at a time load several times faster than one by one."""
        count = 0
        self._db.execute("BEGIN IMMEDIATE")
        try:
            for article, vectors in items:
                self._write(article, vectors)
                count += 1
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            self._words.forget_prepared()
            raise
        finally:
            self._passage_index.changed()
        if count:
            self._words.sync()
            self._passage_index.update()
        return count

    def update_vector_index(self) -> str | None:
        """Bring the approximate passage index up to date now, whatever its size (see index/vectors.py)."""
        return self._passage_index.update(force=True)

    def update_word_index(self) -> bool:
        """Bring the word index up to date now (see index/words.py); False when another process is writing it."""
        return self._words.sync()

    def _mark_words_pending(self, doc: int) -> int:
        stamp = random.getrandbits(62)
        self._db.execute("INSERT OR REPLACE INTO words_pending VALUES (?, ?)", (doc, stamp))
        return stamp

    def _write(self, article: Article, vectors: np.ndarray | None) -> None:
        data = article.to_dict()
        for passage in data["passages"]:
            del passage["text"]         # stored once, in the passages table (see _article)
        record = json.dumps(data, ensure_ascii=False)
        row = self._db.execute("SELECT rowid FROM docs WHERE id=?", (article.id,)).fetchone()
        values = (article.outlet, article.outlet_name, article.country, article.language,
                  article.published_at, article.canonical_url or article.url, article.title, record,
                  analytics.exposure(article.outlet, article.carried_by))
        if row:
            doc = row[0]
            self._remove_children(doc)
            self._db.execute("""UPDATE docs SET outlet=?, outlet_name=?, country=?, language=?, published_at=?,
                                url=?, title=?, record=?, exposure=? WHERE rowid=?""", (*values, doc))
        else:
            # Stamped under the write lock, so times grow in commit order (see indexed_up_to). An update
            # keeps the first time: re-tagging an article must not make it new again for saved searches.
            doc = self._db.execute("""INSERT INTO docs (outlet, outlet_name, country, language, published_at,
                                      url, title, record, exposure, id, indexed_at)
                                      VALUES (?,?,?,?,?,?,?,?,?,?,?)""",
                                   (*values, article.id, timestamp())).lastrowid
        title_words, text_words = self._index_words(doc, article)
        self._words.document(doc, self._mark_words_pending(doc), article, title_words, text_words)
        self._db.executemany("INSERT INTO doc_themes VALUES (?,?,?)",
                             [(doc, t.theme, t.score) for t in article.themes])
        self._db.executemany("INSERT INTO doc_entities VALUES (?,?,?,?)",
                             [(doc, e.id, e.type, e.count) for e in article.entities])
        self._db.executemany(
            "INSERT INTO passages VALUES (?,?,?,?,?,?)",
            [(doc, p.index, p.text, p.start, p.end,
              vectors[p.index].astype(self._vector_dtype).tobytes() if vectors is not None and p.index < len(vectors)
              else None) for p in article.passages])
        self._db.execute("INSERT OR IGNORE INTO vectors_pending VALUES (?)", (doc,))

    def _index_words(self, doc: int, article: Article) -> tuple[tuple[str, str], tuple[str, str]]:
        """The article's row of the full-text table and its entity names (inside the caller's transaction);
        returns the indexed words of its title and text, as index_text() gives them."""
        title_exact, title_stemmed = index_text(article.title, article.language)
        text_exact, text_stemmed = index_text(article.text, article.language)
        self._db.execute(f"INSERT INTO docs_fts (rowid, {', '.join(FTS_COLUMNS)}) VALUES (?,?,?,?,?)",
                         (doc, title_exact, title_stemmed, text_exact, text_stemmed))
        names = {(_entity_name(name), entity.id) for entity in article.entities
                 for name in (entity.name, *entity.mentions)}
        pairs = [(name, entity) for name, entity in sorted(names) if name]
        self._db.executemany("INSERT INTO doc_entity_names VALUES (?,?,?)", [(doc, *pair) for pair in pairs])
        self._db.executemany("INSERT OR IGNORE INTO entity_names VALUES (?,?)", pairs)
        return (title_exact, title_stemmed), (text_exact, text_stemmed)

    def _remove_children(self, doc: int) -> None:
        if self._contentless:
            row = self._db.execute("SELECT title, language, json_extract(record, '$.text') FROM docs WHERE rowid=?",
                                   (doc,)).fetchone()
            if row:
                title, language, text = row
                self._db.execute(f"INSERT INTO docs_fts (docs_fts, rowid, {', '.join(FTS_COLUMNS)}) "
                                 f"VALUES ('delete', ?, ?, ?, ?, ?)",
                                 (doc, *index_text(title, language), *index_text(text or "", language)))
        else:
            self._db.execute("DELETE FROM docs_fts WHERE rowid=?", (doc,))
        for table in ("doc_themes", "doc_entities", "doc_entity_names", "passages"):
            self._db.execute(f"DELETE FROM {table} WHERE doc=?", (doc,))

    def delete(self, id: str) -> bool:
        row = self._db.execute("SELECT rowid FROM docs WHERE id=?", (id,)).fetchone()
        if not row:
            return False
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._remove_children(row[0])
            # Its vectors may stay in the approximate index: they are never read back for a missing article.
            self._db.execute("DELETE FROM vectors_pending WHERE doc=?", (row[0],))
            self._mark_words_pending(row[0])
            self._db.execute("DELETE FROM docs WHERE rowid=?", (row[0],))
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        finally:
            self._passage_index.changed()
        self._words.sync()
        return True

    # -- reading ---------------------------------------------------------------------------------------

    def get(self, id: str) -> Article | None:
        row = self._db.execute("SELECT rowid, record FROM docs WHERE id=?", (id,)).fetchone()
        return self._article(*row) if row else None

    def _article(self, doc: int, record: str) -> Article:
        """The article of a stored record, its passages' texts read back from the passages table."""
        data = json.loads(record)
        passages = data.get("passages") or []
        if any("text" not in passage for passage in passages):
            texts = dict(self._db.execute("SELECT idx, text FROM passages WHERE doc=?", (doc,)))
            for passage in passages:
                passage.setdefault("text", texts.get(passage.get("index"), ""))
        return Article.from_dict(data)

    def count(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM docs").fetchone()[0]

    def indexed_up_to(self) -> str:
        # Upserts take their time under the write lock, so once this holds it every earlier time is committed;
        # holding it until the clock moves on gives every later upsert a strictly later time.
        self._db.execute("BEGIN IMMEDIATE")
        try:
            now = timestamp()
            while timestamp() == now:
                time.sleep(0)
        finally:
            self._db.execute("COMMIT")
        return now

    # -- saved searches --------------------------------------------------------------------------------

    def save_search(self, search: SavedSearch) -> None:
        self._db.execute("INSERT OR REPLACE INTO saved_searches VALUES (?, ?)",
                         (search.name, json.dumps(search.to_dict(), ensure_ascii=False)))

    def saved_searches(self) -> list[SavedSearch]:
        return [SavedSearch.from_dict(json.loads(record))
                for (record,) in self._db.execute("SELECT record FROM saved_searches ORDER BY name")]

    def delete_search(self, name: str) -> bool:
        return self._db.execute("DELETE FROM saved_searches WHERE name=?", (name,)).rowcount > 0

    def ids(self) -> list[str]:
        return [r[0] for r in self._db.execute("SELECT id FROM docs ORDER BY rowid")]

    def entity_ids_named(self, name: str) -> list[str]:
        """Ids of the entities an indexed article calls ``name`` (its canonical name or a written form)."""
        # The distinct pairs first (a handful), then one indexed probe each: DISTINCT over doc_entity_names
        # would read one row per article naming it, a third of a large store for "UNHCR".
        key = _entity_name(name)
        return [entity for (entity,) in self._db.execute(
            "SELECT entity FROM entity_names WHERE name=? ORDER BY entity", (key,))
            if self._db.execute("SELECT 1 FROM doc_entity_names WHERE name=? AND entity=? LIMIT 1",
                                (key, entity)).fetchone()]

    def where(self, query: str = "", filters: SearchFilters | None = None) -> Where:
        """``query`` and ``filters`` as one SQL condition on ``docs AS d``, with its parameters: the articles a
        search lists, in the form the analytics take. Raises QuerySyntaxError for a malformed query."""
        return self._condition(parse(query), filters)

    def _condition(self, node: object, filters: SearchFilters | None) -> Where:
        sql, params = to_sqlite(node, column_exact=EXACT_COLUMNS, column_stemmed=STEMMED_COLUMNS,
                                resolve_entity=self.entity_ids_named)
        clauses, extra = _filter_clauses(filters)
        if sql != "1":
            clauses.insert(0, f"({sql})")
            extra = [*params, *extra]
        return " AND ".join(clauses) or "1", extra

    def search(self, query: str, *, filters: SearchFilters | None = None, limit: int = 10, offset: int = 0,
               vector: np.ndarray | None = None, mode: str = "keyword",
               min_similarity: float | None = None) -> SearchResult:
        if mode not in SEARCH_MODES:
            raise ValueError(f"unknown search mode {mode!r}; choose one of {', '.join(SEARCH_MODES)}")
        node = parse(query)
        highlighter = Highlighter(node)
        if mode != "keyword" and vector is None:
            mode = "keyword"  # no query embedding (no model, or an empty query): words only
        if mode == "hybrid" and not highlighter:
            mode = "keyword"  # only fields: nothing to fuse, the matches are listed newest first
        if mode == "keyword":
            found = self._words_search(node, filters, k=limit, offset=offset)
            if found is not None:
                total, ranked = found
            else:
                where = self._condition(node, filters)
                total = self._db.execute(f"SELECT COUNT(*) FROM docs d WHERE {where[0]}", where[1]).fetchone()[0]
                ranked = self._keyword_ranked(node, where, k=limit, offset=offset)
            return self._hits([(doc, score, None) for doc, score in ranked], total=total, highlighter=highlighter)
        wanted = offset + limit
        # By meaning, the query's words are the embedding's business; its fields and exclusions still apply.
        semantic = self._vector_ranked(vector, restriction=restrictions(node), filters=filters,
                                       k=max(wanted, RRF_DEPTH), min_similarity=min_similarity)
        if mode == "semantic":
            return self._hits(semantic[offset:wanted], total=len(semantic), highlighter=highlighter,
                              passage_snippets=True)
        found = self._words_search(node, filters, k=max(wanted, RRF_DEPTH))
        keyword = found[1] if found is not None else self._keyword_ranked(node, self._condition(node, filters),
                                                                          k=max(wanted, RRF_DEPTH))
        # Reciprocal rank fusion: robust to the two scores living on different scales.
        fused: dict[int, float] = {}
        best_passage = {doc: passage for doc, _, passage in semantic}
        for ranking in ([doc for doc, _ in keyword], [doc for doc, _, _ in semantic]):
            for rank, doc in enumerate(ranking):
                fused[doc] = fused.get(doc, 0.0) + 1.0 / (RRF_K + rank + 1)
        ordered = sorted(fused, key=lambda doc: -fused[doc])
        ranked = [(doc, fused[doc], best_passage.get(doc)) for doc in ordered[offset:wanted]]
        return self._hits(ranked, total=len(fused), highlighter=highlighter)

    def more_like_this(self, article_id: str, *, limit: int = 10, filters: SearchFilters | None = None) -> SearchResult:
        """Articles whose passages are closest to this article's, itself and its copies excluded."""
        row = self._db.execute("SELECT rowid FROM docs WHERE id=?", (article_id,)).fetchone()
        if row is None:
            return SearchResult(total=0, hits=[])
        vectors = [np.frombuffer(blob, dtype=self._vector_dtype).astype(np.float32) for (blob,) in self._db.execute(
            "SELECT vector FROM passages WHERE doc=? AND vector IS NOT NULL", (row[0],))]
        if not vectors:
            return SearchResult(total=0, hits=[])
        centre = np.mean(vectors, axis=0)
        centre /= np.linalg.norm(centre) or 1.0
        ranked = [r for r in self._vector_ranked(centre, restriction=MatchAll, filters=filters, k=limit + 1)
                  if r[0] != row[0]][:limit]
        return self._hits(ranked, total=len(ranked), highlighter=Highlighter(MatchAll), passage_snippets=True)

    def facets(self, field: str, *, query: str = "", filters: SearchFilters | None = None) -> dict[str, int]:
        """Article counts per value of ``field`` (outlet, language, country, theme) among matching articles."""
        if field != "theme" and field not in FACET_FIELDS:
            raise ValueError(f"cannot facet on {field!r}; choose one of theme, {', '.join(FACET_FIELDS)}")
        node = parse(query)
        if self._words.ready():
            counts = self._words.values(field, node, filters, resolve_entity=self.entity_ids_named)
            if counts is not None:
                return dict(sorted(((value, n) for value, n in counts.items() if n), key=lambda item: (-item[1], item[0])))
        where, params = self._condition(node, filters)
        if field == "theme":
            sql = (f"SELECT t.theme, COUNT(*) FROM doc_themes t JOIN docs d ON d.rowid = t.doc WHERE {where} "
                   f"GROUP BY t.theme ORDER BY COUNT(*) DESC, t.theme")
        else:
            column = FACET_FIELDS[field]
            sql = (f"SELECT {column}, COUNT(*) FROM docs d WHERE {where} GROUP BY {column} "
                   f"ORDER BY COUNT(*) DESC, {column}")
        return dict(self._db.execute(sql, params).fetchall())

    def attention(self, query: str = "", *, filters: SearchFilters | None = None, by: str = "week") -> list[dict]:
        return self.attention_report(query, filters=filters, by=by)["series"]

    def attention_report(self, query: str = "", *, filters: SearchFilters | None = None, by: str = "week") -> dict:
        """:func:`analytics.attention_report` for a query: ``{"matching", "undated", "series"}``."""
        node = parse(query)
        since, until = (filters.since, filters.until) if filters else (None, None)
        if self._words.ready():
            days = self._words.day_counts(node, filters, resolve_entity=self.entity_ids_named)
            if days is not None:
                return analytics.attention_from_days(days, self._words.all_day_counts(), by=by, since=since,
                                                     until=until)
        return analytics.attention_report(self._db, where=self._condition(node, filters), by=by, since=since,
                                          until=until)

    def share_of_voice(self, query: str = "", *, filters: SearchFilters | None = None,
                       limit: int = 10) -> list[dict]:
        node = parse(query)
        if self._words.ready():
            stats = self._words.organisation_voice(node, filters, resolve_entity=self.entity_ids_named)
            if stats is not None:
                return analytics.voice_rows(self._db, stats, type="organisation", limit=limit)
        return analytics.share_of_voice(self._db, where=self._condition(node, filters), limit=limit)

    def matching(self, query: str = "", *, filters: SearchFilters | None = None) -> int:
        """How many articles match ``query`` and ``filters``."""
        node = parse(query)
        if self._words.ready():
            count = self._words.count(node, filters, resolve_entity=self.entity_ids_named)
            if count is not None:
                return count
        sql, params = self._condition(node, filters)
        return self._db.execute(f"SELECT COUNT(*) FROM docs d WHERE {sql}", params).fetchone()[0]

    def passages_with_vectors(self, ids: list[str] | None = None):
        """(article id, passage index, text, vector) for the given articles (all when None)."""
        sql = ("SELECT d.id, p.idx, p.text, p.vector FROM passages p JOIN docs d ON d.rowid = p.doc "
               "WHERE p.vector IS NOT NULL")
        params: list = []
        if ids is not None:
            sql += f" AND d.id IN ({','.join('?' * len(ids))})"
            params = ids
        for id, idx, text, blob in self._db.execute(sql, params):
            yield id, idx, text, np.frombuffer(blob, dtype=self._vector_dtype).astype(np.float32)

    # -- search internals ------------------------------------------------------------------------------

    def _words_search(self, node: object, filters: SearchFilters | None, *, k: int, offset: int = 0):
        """(total, [(doc, score)]) from the word index, or None when SQL must answer (see index/words.py)."""
        if not self._words.ready():
            return None
        return self._words.search(node, filters, k=k, offset=offset, resolve_entity=self.entity_ids_named)

    def _keyword_ranked(self, node: object, where: Where, *, k: int, offset: int = 0) -> list[tuple[int, float]]:
        """(doc, score) of the articles matching ``where``, best first: by bm25 of the words the query asks
        for (the score is -bm25, so higher is better), or newest first when it asks for none."""
        sql, params = where
        ranking = ranking_fts(node, column_exact=EXACT_COLUMNS, column_stemmed=STEMMED_COLUMNS)
        if ranking is None:
            return self._db.execute(f"SELECT d.rowid, 0.0 FROM docs d WHERE {sql} "
                                    f"ORDER BY d.published_at DESC, d.rowid LIMIT ? OFFSET ?",
                                    [*params, k, offset]).fetchall()
        if requires_text(node):
            return self._db.execute(
                f"SELECT d.rowid, -{BM25} FROM docs_fts JOIN docs d ON d.rowid = docs_fts.rowid "
                f"WHERE docs_fts MATCH ? AND ({sql}) ORDER BY {BM25} LIMIT ? OFFSET ?",
                [ranking, *params, k, offset]).fetchall()
        # "refugees OR theme:education": some matches hold none of the words; they come after those that do.
        return self._db.execute(
            f"SELECT d.rowid, COALESCE(-r.score, 0.0) FROM docs d LEFT JOIN "
            f"(SELECT rowid, {BM25} AS score FROM docs_fts WHERE docs_fts MATCH ?) r ON r.rowid = d.rowid "
            f"WHERE {sql} ORDER BY r.score IS NULL, r.score, d.published_at DESC, d.rowid LIMIT ? OFFSET ?",
            [ranking, *params, k, offset]).fetchall()

    def _vector_ranked(self, vector: np.ndarray, *, restriction: object, filters: SearchFilters | None, k: int,
                       min_similarity: float | None = None) -> list[tuple[int, float, int]]:
        """(doc, best passage similarity, that passage's index) for the k closest articles matching ``where``,
        none less similar than ``min_similarity``.

        The passage index proposes candidate articles (see index/vectors.py); each candidate's passages are
        then scored exactly, with ``where`` applied in the same statement. The pool of candidates grows
        until it yields k articles or there is nothing left to propose."""
        dimensions = self._passage_index.dimensions()
        if dimensions is None:
            return []
        vector = np.asarray(vector, dtype=np.float32).ravel()
        if vector.shape[0] != dimensions:
            raise StoreError(f"the query vector has {vector.shape[0]} dimensions but the indexed passages have "
                             f"{dimensions}: search with the embedding model the articles were indexed with")
        floor = -1.5 if min_similarity is None else max(-1.5, min_similarity)
        # The query's fields and exclusions, checked among the candidates only: by the word index where it
        # can (on a large store, SQL's "IN (every article with this theme)" costs more than the search).
        where: Where = ("1", [])
        among = None
        if restriction is not MatchAll or _restricts(filters):
            if self._words.ready() and self._words.among([], restriction, filters,
                                                         resolve_entity=self.entity_ids_named) is not None:
                def among(docs: list[int]) -> list[int]:
                    kept = self._words.among(docs, restriction, filters, resolve_entity=self.entity_ids_named)
                    return [doc for doc in docs if doc in kept]
            else:
                where = self._condition(restriction, filters)
        pool = max(256, 8 * k)
        scored: dict[int, tuple[float, int]] = {}
        while True:
            candidates, exhausted = self._passage_index.candidate_docs(vector, pool, floor)
            fresh = [doc for doc in candidates if doc not in scored]
            if among is not None:
                fresh = among(fresh)
            scored.update(self._best_passages(fresh, vector, where))
            ranked = sorted(((doc, similarity, passage) for doc, (similarity, passage) in scored.items()
                             if similarity >= floor), key=lambda item: (-item[1], item[0]))
            if len(ranked) >= k or exhausted:
                return [(doc, round(similarity, 4), passage) for doc, similarity, passage in ranked[:k]]
            pool *= 4

    def _best_passages(self, docs: list[int], vector: np.ndarray, where: Where) -> dict[int, tuple[float, int]]:
        """doc -> (similarity of its closest passage, that passage's index), for those of ``docs`` that
        match ``where``; the others are left out."""
        if not docs:
            return {}
        sql, params = where
        rows = self._db.execute(
            "SELECT p.doc, p.idx, p.vector FROM passages p JOIN docs d ON d.rowid = p.doc "
            f"WHERE p.doc IN (SELECT value FROM json_each(?)) AND p.vector IS NOT NULL AND ({sql})",
            [json.dumps(docs), *params]).fetchall()
        if not rows:
            return {}
        matrix = np.frombuffer(b"".join(blob for _, _, blob in rows), dtype=self._vector_dtype).reshape(len(rows), -1)
        matrix = matrix.astype(np.float32)
        scores = matrix @ vector
        best: dict[int, tuple[float, int]] = {}
        for (doc, idx, _), score in zip(rows, scores.tolist()):
            if doc not in best or score > best[doc][0]:
                best[doc] = (score, idx)
        return best

    def _hits(self, ranked: list[tuple[int, float, int | None]], *, total: int, highlighter: Highlighter,
              passage_snippets: bool = False) -> SearchResult:
        """Hits for ranked docs. The best passage is the one chosen by meaning, else the one holding most of
        the query's words. The snippet is the stretch around the query's words in that passage (or, when it
        holds none, in the whole text), or, for an article found by meaning (``passage_snippets``, or no word
        in its text), the start of its best passage. Looking in the passage first spares reading and folding
        the whole text, which took most of a keyword search's time on a large index."""
        hits = []
        for doc, score, passage_index in ranked:
            row = self._db.execute("SELECT id, title, url, outlet, outlet_name, language, published_at "
                                   "FROM docs WHERE rowid=?", (doc,)).fetchone()
            if row is None:
                continue
            id, title, url, outlet, outlet_name, language, published = row
            themes = [r[0] for r in self._db.execute("SELECT theme FROM doc_themes WHERE doc=? ORDER BY score DESC",
                                                     (doc,))]
            passages = self._db.execute("SELECT idx, text FROM passages WHERE doc=? ORDER BY idx", (doc,)).fetchall()
            if passage_index is None:
                passage_index = highlighter.best_passage(passages, language)
            passage = next((p_text for idx, p_text in passages if idx == passage_index), "")
            if passage_index is not None and not passage:
                passage_index = None
            snippet = None
            if not passage_snippets and highlighter:      # a query without words marks nothing anywhere
                snippet = highlighter.snippet(passage, language) if passage else None
                if snippet is None:
                    text = self._db.execute("SELECT json_extract(record, '$.text') FROM docs WHERE rowid=?",
                                            (doc,)).fetchone()[0]
                    snippet = highlighter.snippet(text or "", language)
            if snippet is None:
                snippet = highlighter.passage_snippet(passage, language)
            snippet = snippet.collapsed()
            hits.append(Hit(id=id, score=round(float(score), 4), title=title, url=url, outlet=outlet,
                            outlet_name=outlet_name, language=language, published_at=published,
                            snippet=snippet.text, themes=themes, passage=passage,
                            passage_index=passage_index, highlights=list(snippet.spans)))
        return SearchResult(total=total, hits=hits)


def _restricts(filters: SearchFilters | None) -> bool:
    return filters is not None and bool(_filter_clauses(filters)[0])


def _filter_clauses(filters: SearchFilters | None) -> tuple[list[str], list]:
    """SearchFilters as SQL conditions on ``docs AS d``; every list means "any of these"."""
    clauses: list[str] = []
    params: list = []
    if filters is None:
        return clauses, params

    def any_of(column: str, values: list[str]) -> None:
        if values:
            clauses.append(f"{column} IN ({','.join('?' * len(values))})")
            params.extend(values)

    if filters.themes:
        marks = ",".join("?" * len(filters.themes))
        clauses.append(f"d.rowid IN (SELECT doc FROM doc_themes WHERE theme IN ({marks}))")
        params.extend(filters.themes)
    any_of("d.language", filters.languages)
    any_of("d.outlet", filters.outlets)
    any_of("d.country", [c.upper() for c in filters.countries])
    if filters.since:
        clauses.append("d.published_at >= ?")
        params.append(filters.since)
    if filters.until:
        # An inclusive day: everything before the next day's start. "~" sorts after any time suffix.
        clauses.append("d.published_at <= ?")
        params.append(filters.until + "~")
    if filters.indexed_after:
        clauses.append("d.indexed_at > ?")           # NULL (indexed before times were kept) is never after
        params.append(filters.indexed_after)
    if filters.indexed_until:
        clauses.append("(d.indexed_at IS NULL OR d.indexed_at <= ?)")
        params.append(filters.indexed_until)
    return clauses, params
