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
from advocacy.index.store import SEARCH_MODES, Hit, SearchFilters, SearchResult

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
# Reciprocal rank fusion: each list contributes 1 / (RRF_K + rank); RRF_DEPTH results are fused per list.
RRF_K = 60
RRF_DEPTH = 100


def _highlight(text: str, words: list[str]) -> str:
    """Mark the query's words in a passage the way FTS5 snippets do (accents and case aside)."""
    if not words:
        return text
    from advocacy.text import fold

    folded_words = {fold(w) for w in words}
    return re.sub(r"\w+", lambda m: f"**{m.group(0)}**" if fold(m.group(0)) in folded_words else m.group(0), text)
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
        self._vectors = None

    def close(self) -> None:
        self._db.close()

    # -- writing ---------------------------------------------------------------------------------------

    def upsert(self, article: Article, vectors: np.ndarray | None = None) -> None:
        self._vectors = None
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
        self._vectors = None
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

    def search(self, query: str, *, filters: SearchFilters | None = None, limit: int = 10, offset: int = 0,
               vector: np.ndarray | None = None, mode: str = "keyword") -> SearchResult:
        if mode not in SEARCH_MODES:
            raise ValueError(f"unknown search mode {mode!r}; choose one of {', '.join(SEARCH_MODES)}")
        if mode != "keyword" and vector is None:
            mode = "keyword"  # no query embedding (no model, or an empty query): words only
        fts = to_fts_query(query)
        if mode == "keyword" or not fts and mode == "hybrid":
            return self._keyword_search(fts, filters=filters, limit=limit, offset=offset)
        wanted = offset + limit
        semantic = self._vector_ranked(vector, filters=filters, k=max(wanted, RRF_DEPTH))
        if mode == "semantic":
            ranked = [(doc, similarity, passage) for doc, similarity, passage in semantic]
            return self._hits(ranked[offset:wanted], total=len(semantic), query=query)
        keyword = self._keyword_ranked(fts, filters=filters, k=max(wanted, RRF_DEPTH))
        # Reciprocal rank fusion: robust to the two scores living on different scales.
        fused: dict[int, float] = {}
        best_passage = {doc: passage for doc, _, passage in semantic}
        for ranking in ([doc for doc, _, _ in keyword], [doc for doc, _, _ in semantic]):
            for rank, doc in enumerate(ranking):
                fused[doc] = fused.get(doc, 0.0) + 1.0 / (RRF_K + rank + 1)
        snippets = {doc: snippet for doc, _, snippet in keyword}
        ordered = sorted(fused, key=lambda doc: -fused[doc])
        ranked = [(doc, fused[doc], best_passage.get(doc)) for doc in ordered[offset:wanted]]
        return self._hits(ranked, total=len(fused), query=query, snippets=snippets)

    def more_like_this(self, article_id: str, *, limit: int = 10, filters: SearchFilters | None = None) -> SearchResult:
        """Articles whose passages are closest to this article's, itself and its copies excluded."""
        row = self._db.execute("SELECT rowid FROM docs WHERE id=?", (article_id,)).fetchone()
        if row is None:
            return SearchResult(total=0, hits=[])
        vectors = [np.frombuffer(blob, dtype=np.float32) for (blob,) in self._db.execute(
            "SELECT vector FROM passages WHERE doc=? AND vector IS NOT NULL", (row[0],))]
        if not vectors:
            return SearchResult(total=0, hits=[])
        centre = np.mean(vectors, axis=0)
        centre /= np.linalg.norm(centre) or 1.0
        ranked = [r for r in self._vector_ranked(centre, filters=filters, k=limit + 1) if r[0] != row[0]][:limit]
        return self._hits(ranked, total=len(ranked), query="")

    # -- search internals ------------------------------------------------------------------------------

    def _keyword_search(self, fts: str, *, filters, limit: int, offset: int) -> SearchResult:
        clauses, params = self._where(filters)
        if fts:
            where = " AND ".join(["docs_fts MATCH ?", *clauses])
            base = f"FROM docs_fts JOIN docs d ON d.rowid = docs_fts.rowid WHERE {where}"
            args = [fts, *params]
        else:
            base = f"FROM docs d WHERE {' AND '.join(clauses) or '1'}"
            args = list(params)
        total = self._db.execute(f"SELECT COUNT(*) {base}", args).fetchone()[0]
        if fts:
            ranked = self._keyword_ranked(fts, filters=filters, k=limit, offset=offset)
            return self._hits([(doc, -rank, None) for doc, rank, _ in ranked], total=total, query="",
                              snippets={doc: snippet for doc, _, snippet in ranked})
        rows = self._db.execute(f"SELECT d.rowid {base} ORDER BY d.published_at DESC LIMIT ? OFFSET ?",
                                [*args, limit, offset]).fetchall()
        return self._hits([(doc, 0.0, None) for (doc,) in rows], total=total, query="")

    def _keyword_ranked(self, fts: str, *, filters, k: int, offset: int = 0) -> list[tuple[int, float, str]]:
        """(doc, bm25 rank, snippet) best first; FTS5's bm25 is lower-is-better."""
        if not fts:
            return []
        clauses, params = self._where(filters)
        where = " AND ".join(["docs_fts MATCH ?", *clauses])
        return self._db.execute(
            f"SELECT d.rowid, bm25(docs_fts, 4.0, 1.0), snippet(docs_fts, 1, '**', '**', '…', 20) "
            f"FROM docs_fts JOIN docs d ON d.rowid = docs_fts.rowid WHERE {where} "
            f"ORDER BY bm25(docs_fts, 4.0, 1.0) LIMIT ? OFFSET ?", [fts, *params, k, offset]).fetchall()

    def _vector_matrix(self):
        """All passage vectors as one float16 matrix, cached until the next write."""
        if self._vectors is None:
            rows = self._db.execute("SELECT doc, idx, vector FROM passages WHERE vector IS NOT NULL").fetchall()
            if rows:
                matrix = np.stack([np.frombuffer(blob, dtype=np.float32) for _, _, blob in rows]).astype(np.float16)
                docs = np.array([doc for doc, _, _ in rows], dtype=np.int64)
                passages = np.array([idx for _, idx, _ in rows], dtype=np.int32)
            else:
                matrix, docs, passages = np.zeros((0, 1), np.float16), np.zeros(0, np.int64), np.zeros(0, np.int32)
            self._vectors = (matrix, docs, passages)
        return self._vectors

    def _vector_ranked(self, vector: np.ndarray, *, filters, k: int) -> list[tuple[int, float, int]]:
        """(doc, best passage similarity, that passage's index) for the k closest articles."""
        matrix, docs, passages = self._vector_matrix()
        if not len(docs):
            return []
        similarities = matrix @ np.asarray(vector, dtype=np.float16)
        clauses, params = self._where(filters)
        if clauses:
            allowed = np.array([r[0] for r in self._db.execute(
                f"SELECT d.rowid FROM docs d WHERE {' AND '.join(clauses)}", params)], dtype=np.int64)
            similarities = np.where(np.isin(docs, allowed), similarities, np.float16(-2))
        # Best passage per article: sort passages by similarity, keep each article's first.
        order = np.argsort(-similarities.astype(np.float32), kind="stable")
        ranked, seen = [], set()
        for position in order:
            similarity = float(similarities[position])
            if similarity <= -1.5:
                break
            doc = int(docs[position])
            if doc in seen:
                continue
            seen.add(doc)
            ranked.append((doc, round(similarity, 4), int(passages[position])))
            if len(ranked) >= k:
                break
        return ranked

    def _hits(self, ranked: list[tuple[int, float, int | None]], *, total: int, query: str,
              snippets: dict[int, str] | None = None) -> SearchResult:
        snippets = snippets or {}
        words = [w for w in re.findall(r"\w+", query) if len(w) > 3 and w.upper() not in _OPERATORS]
        hits = []
        for doc, score, passage_index in ranked:
            row = self._db.execute("SELECT id, title, url, outlet, outlet_name, language, published_at FROM docs "
                                   "WHERE rowid=?", (doc,)).fetchone()
            if row is None:
                continue
            id, title, url, outlet, outlet_name, language, published = row
            themes = [r[0] for r in self._db.execute("SELECT theme FROM doc_themes WHERE doc=? ORDER BY score DESC",
                                                     (doc,))]
            if passage_index is None:
                best = self._db.execute("SELECT idx, text FROM passages WHERE doc=? ORDER BY idx LIMIT 1", (doc,)).fetchone()
            else:
                best = self._db.execute("SELECT idx, text FROM passages WHERE doc=? AND idx=?", (doc, passage_index)).fetchone()
            passage_index, passage = best if best else (None, "")
            snippet = snippets.get(doc) or _highlight(passage[:300] + ("…" if len(passage) > 300 else ""), words)
            hits.append(Hit(id=id, score=round(float(score), 4), title=title, url=url, outlet=outlet,
                            outlet_name=outlet_name, language=language, published_at=published,
                            snippet=" ".join(snippet.split()), themes=themes, passage=passage,
                            passage_index=passage_index))
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
