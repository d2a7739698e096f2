"""The embedded store: one SQLite file (WAL) with an FTS5 full-text index and passage vectors.

Nothing to install or run; safe against a killed process because every upsert is one transaction.
"""
from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import numpy as np

from advocacy.article import Article
from advocacy.index.errors import StoreError
from advocacy.index.store import Hit, SearchFilters, SearchResult

SCHEMA_VERSION = 1
# Diacritics removed so "santé" finds "sante"; the Porter stemmer gives English plurals and common
# suffixes, and leaves French words mostly intact.
TOKENIZER = "porter unicode61 remove_diacritics 2"
FACET_FIELDS = {"outlet": "d.outlet", "language": "d.language", "country": "d.country"}

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
CREATE TABLE IF NOT EXISTS passages (doc INTEGER NOT NULL, idx INTEGER NOT NULL, text TEXT NOT NULL,
                                     start INTEGER NOT NULL, end INTEGER NOT NULL, vector BLOB,
                                     PRIMARY KEY (doc, idx));
CREATE VIRTUAL TABLE IF NOT EXISTS docs_fts USING fts5(title, text, tokenize = "{TOKENIZER}");
"""

_OPERATORS = {"AND", "OR", "NOT"}
_QUERY_TOKEN = re.compile(r'"[^"]*"|\(|\)|[^\s()"]+')


def to_fts_query(query: str) -> str:
    """Translate a user's query into FTS5 syntax that cannot fail to parse.

    Words become quoted terms (a trailing * keeps prefix search), "phrases" stay phrases, and AND / OR / NOT
    act as operators where they can; anywhere else they are searched as words. Juxtaposed terms must all
    occur, as in a web search engine.
    """
    parts: list[str] = []
    for token in _QUERY_TOKEN.findall(query):
        if token in ("(", ")"):
            continue  # grouping arrives with the full query language
        if token in _OPERATORS:
            parts.append(token)
            continue
        if token.startswith('"'):
            words = token.strip('"').replace('"', " ").split()
            if words:
                parts.append('"' + " ".join(words) + '"')
            continue
        prefix = token.endswith("*")
        word = re.sub(r"[^\w'-]", "", token).replace("'", " ").replace("-", " ").strip()
        if word:
            parts.append(f'"{word}"' + ("*" if prefix else ""))
    # An operator needs a term on both sides; NOT needs one on its left.
    cleaned: list[str] = []
    for index, part in enumerate(parts):
        if part in _OPERATORS:
            following = parts[index + 1] if index + 1 < len(parts) else None
            if not cleaned or cleaned[-1] in _OPERATORS or following is None or following in _OPERATORS:
                continue
        cleaned.append(part)
    while cleaned and cleaned[-1] in _OPERATORS:
        cleaned.pop()
    return " ".join(cleaned)


class SqliteStore:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
            row = self._db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path} is not a usable index ({exc}); delete it and run `advocacy index`") from None
        if row is None:
            self._db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        elif int(row[0]) > SCHEMA_VERSION:
            raise StoreError(f"{self.path} was written by a newer Advocacy Monitor; upgrade first")

    def close(self) -> None:
        self._db.close()

    # -- writing ---------------------------------------------------------------------------------------

    def upsert(self, article: Article, vectors: np.ndarray | None = None) -> None:
        record = json.dumps(article.to_dict(), ensure_ascii=False)
        self._db.execute("BEGIN IMMEDIATE")
        try:
            row = self._db.execute("SELECT rowid FROM docs WHERE id=?", (article.id,)).fetchone()
            values = (article.outlet, article.outlet_name, article.country, article.language,
                      article.published_at, article.canonical_url or article.url, article.title, record)
            if row:
                doc = row[0]
                self._remove_children(doc)
                self._db.execute("""UPDATE docs SET outlet=?, outlet_name=?, country=?, language=?, published_at=?,
                                    url=?, title=?, record=? WHERE rowid=?""", (*values, doc))
            else:
                doc = self._db.execute("""INSERT INTO docs (outlet, outlet_name, country, language, published_at,
                                          url, title, record, id) VALUES (?,?,?,?,?,?,?,?,?)""",
                                       (*values, article.id)).lastrowid
            self._db.execute("INSERT INTO docs_fts (rowid, title, text) VALUES (?,?,?)",
                             (doc, article.title, article.text))
            self._db.executemany("INSERT INTO doc_themes VALUES (?,?,?)",
                                 [(doc, t.theme, t.score) for t in article.themes])
            self._db.executemany("INSERT INTO doc_entities VALUES (?,?,?,?)",
                                 [(doc, e.id, e.type, e.count) for e in article.entities])
            self._db.executemany(
                "INSERT INTO passages VALUES (?,?,?,?,?,?)",
                [(doc, p.index, p.text, p.start, p.end,
                  vectors[p.index].astype(np.float32).tobytes() if vectors is not None and p.index < len(vectors)
                  else None) for p in article.passages])
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    def _remove_children(self, doc: int) -> None:
        self._db.execute("DELETE FROM docs_fts WHERE rowid=?", (doc,))
        for table in ("doc_themes", "doc_entities", "passages"):
            self._db.execute(f"DELETE FROM {table} WHERE doc=?", (doc,))

    def delete(self, id: str) -> bool:
        row = self._db.execute("SELECT rowid FROM docs WHERE id=?", (id,)).fetchone()
        if not row:
            return False
        self._db.execute("BEGIN IMMEDIATE")
        self._remove_children(row[0])
        self._db.execute("DELETE FROM docs WHERE rowid=?", (row[0],))
        self._db.execute("COMMIT")
        return True

    # -- reading ---------------------------------------------------------------------------------------

    def get(self, id: str) -> Article | None:
        row = self._db.execute("SELECT record FROM docs WHERE id=?", (id,)).fetchone()
        return Article.from_dict(json.loads(row[0])) if row else None

    def count(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM docs").fetchone()[0]

    def ids(self) -> list[str]:
        return [r[0] for r in self._db.execute("SELECT id FROM docs ORDER BY rowid")]

    def _where(self, filters: SearchFilters | None) -> tuple[list[str], list]:
        clauses, params = [], []
        if filters is None:
            return clauses, params

        def any_of(column: str, values: list[str]) -> None:
            if values:
                clauses.append(f"{column} IN ({','.join('?' * len(values))})")
                params.extend(values)

        if filters.themes:
            clauses.append(f"d.rowid IN (SELECT doc FROM doc_themes WHERE theme IN ({','.join('?' * len(filters.themes))}))")
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
        return clauses, params

    def search(self, query: str, *, filters: SearchFilters | None = None, limit: int = 10,
               offset: int = 0) -> SearchResult:
        fts = to_fts_query(query)
        clauses, params = self._where(filters)
        if fts:
            where = " AND ".join(["docs_fts MATCH ?", *clauses])
            base = f"FROM docs_fts JOIN docs d ON d.rowid = docs_fts.rowid WHERE {where}"
            select = (f"SELECT d.rowid, d.id, d.title, d.url, d.outlet, d.outlet_name, d.language, d.published_at, "
                      f"bm25(docs_fts, 4.0, 1.0), snippet(docs_fts, 1, '**', '**', '…', 20) {base} "
                      f"ORDER BY bm25(docs_fts, 4.0, 1.0) LIMIT ? OFFSET ?")
            args = [fts, *params]
        else:
            where = " AND ".join(clauses) or "1"
            base = f"FROM docs d WHERE {where}"
            select = (f"SELECT d.rowid, d.id, d.title, d.url, d.outlet, d.outlet_name, d.language, d.published_at, "
                      f"0.0, '' {base} ORDER BY d.published_at DESC LIMIT ? OFFSET ?")
            args = list(params)
        total = self._db.execute(f"SELECT COUNT(*) {base}", args).fetchone()[0]
        rows = self._db.execute(select, [*args, limit, offset]).fetchall()
        hits = []
        for doc, id, title, url, outlet, outlet_name, language, published, rank, snippet in rows:
            themes = [r[0] for r in self._db.execute(
                "SELECT theme FROM doc_themes WHERE doc=? ORDER BY score DESC", (doc,))]
            if not snippet:
                snippet = self._db.execute("SELECT substr(text, 1, 200) FROM passages WHERE doc=? AND idx=0",
                                           (doc,)).fetchone()
                snippet = (snippet[0] + "…") if snippet else ""
            hits.append(Hit(id=id, score=round(-rank, 4), title=title, url=url, outlet=outlet,
                            outlet_name=outlet_name, language=language, published_at=published,
                            snippet=" ".join(snippet.split()), themes=themes))
        return SearchResult(total=total, hits=hits)

    def facets(self, field: str, *, query: str = "", filters: SearchFilters | None = None) -> dict[str, int]:
        """Article counts per value of ``field`` (outlet, language, country, theme) among matching articles."""
        clauses, params = self._where(filters)
        fts = to_fts_query(query)
        if fts:
            clauses.insert(0, "d.rowid IN (SELECT rowid FROM docs_fts WHERE docs_fts MATCH ?)")
            params.insert(0, fts)
        where = " AND ".join(clauses) or "1"
        if field == "theme":
            sql = (f"SELECT t.theme, COUNT(*) FROM doc_themes t JOIN docs d ON d.rowid = t.doc WHERE {where} "
                   f"GROUP BY t.theme ORDER BY COUNT(*) DESC, t.theme")
        elif field in FACET_FIELDS:
            column = FACET_FIELDS[field]
            sql = f"SELECT {column}, COUNT(*) FROM docs d WHERE {where} GROUP BY {column} ORDER BY COUNT(*) DESC, {column}"
        else:
            raise ValueError(f"cannot facet on {field!r}; choose one of theme, {', '.join(FACET_FIELDS)}")
        return dict(self._db.execute(sql, params).fetchall())

    def passages_with_vectors(self, ids: list[str] | None = None):
        """(article id, passage index, text, vector) for the given articles (all when None)."""
        sql = ("SELECT d.id, p.idx, p.text, p.vector FROM passages p JOIN docs d ON d.rowid = p.doc "
               "WHERE p.vector IS NOT NULL")
        params: list = []
        if ids is not None:
            sql += f" AND d.id IN ({','.join('?' * len(ids))})"
            params = ids
        for id, idx, text, blob in self._db.execute(sql, params):
            yield id, idx, text, np.frombuffer(blob, dtype=np.float32)
