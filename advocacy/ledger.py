"""The ledger: the durable record of every page the crawler decided about and every article's stage.

One SQLite file (WAL) under the data directory. It is the queue between stages: each stage selects the
articles whose ``stage`` is behind it, writes its result and advances the stage in one transaction, so a
command killed at any moment loses nothing and a rerun duplicates nothing. The search index is built from
it and can always be rebuilt from it.
"""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from advocacy.article import STAGES, Article, article_id

SCHEMA_VERSION = 2

# What the crawler concluded about a page. "fetched" pages are archived but not yet extracted (a crawl was
# interrupted); the next crawl finishes them from the archive. "failed" pages are fetched again by a later
# crawl, and "blocked" ones (forbidden by robots.txt, never fetched) are checked against robots.txt again.
PAGE_STATUSES = ("fetched", "stored", "duplicate", "off_topic", "not_article", "blocked", "failed")
_UNSETTLED = ("blocked", "failed")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    stage TEXT NOT NULL,
    outlet TEXT NOT NULL,
    url TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    minhash BLOB,
    record TEXT NOT NULL,
    vectors BLOB,
    vector_dim INTEGER,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS articles_stage ON articles(stage);
CREATE INDEX IF NOT EXISTS articles_content_hash ON articles(content_hash);
CREATE TABLE IF NOT EXISTS story_bands (band INTEGER NOT NULL, key INTEGER NOT NULL, article_id TEXT NOT NULL,
                                        PRIMARY KEY (band, key, article_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS pages (
    url_id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    outlet TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    article_id TEXT,
    archive_file TEXT,
    archive_offset INTEGER,
    http_status INTEGER,
    attempts INTEGER NOT NULL DEFAULT 1,
    fetched_at TEXT NOT NULL,
    discovered_via TEXT NOT NULL DEFAULT '',
    feed_date TEXT,
    sitemap_date TEXT
);
CREATE INDEX IF NOT EXISTS pages_status ON pages(status);
CREATE TABLE IF NOT EXISTS corrections (
    id INTEGER PRIMARY KEY,
    article_id TEXT NOT NULL,
    theme TEXT NOT NULL,
    verdict INTEGER NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS corrections_article ON corrections(article_id);
CREATE TABLE IF NOT EXISTS endpoints (
    url TEXT PRIMARY KEY,
    outlet TEXT NOT NULL,
    kind TEXT NOT NULL,
    etag TEXT,
    last_modified TEXT,
    last_attempt TEXT,
    last_success TEXT,
    last_status TEXT NOT NULL DEFAULT '',
    items INTEGER NOT NULL DEFAULT 0,
    new_items INTEGER NOT NULL DEFAULT 0,
    newest_item TEXT,
    failures INTEGER NOT NULL DEFAULT 0,
    next_poll TEXT
);
"""

# Columns added after the first release of a table: (table, column, declaration).
_ADDED_COLUMNS = (
    ("articles", "minhash", "BLOB"),
    ("pages", "discovered_via", "TEXT NOT NULL DEFAULT ''"),
    ("pages", "feed_date", "TEXT"),
    ("pages", "sitemap_date", "TEXT"),
)


class LedgerError(RuntimeError):
    """The ledger file is unusable (corrupt, from a newer version, or not a ledger)."""


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _migrate(db: sqlite3.Connection) -> None:
    """Bring a ledger written by an earlier version up to date, in place, keeping every row."""
    for table, column, declaration in _ADDED_COLUMNS:
        existing = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
        if column not in existing:
            db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")


class Ledger:
    """Open (creating if needed) the ledger at ``path``."""

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
            raise LedgerError(f"{self.path} is not a usable ledger ({exc}); move it aside and rerun") from None
        if row is not None and int(row[0]) > SCHEMA_VERSION:
            raise LedgerError(f"{self.path} was written by a newer Advocacy Monitor (schema {row[0]}); upgrade first")
        if row is None or int(row[0]) < SCHEMA_VERSION:
            with self.transaction():
                _migrate(self._db)
                self._db.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "Ledger":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- pages (crawler) -------------------------------------------------------------------------------

    def page_status(self, url: str) -> str | None:
        row = self._db.execute("SELECT status FROM pages WHERE url_id=?", (article_id(url),)).fetchone()
        return row[0] if row else None

    def page(self, url: str) -> dict | None:
        """What the ledger knows of ``url``: status, article id, when it was fetched."""
        row = self._db.execute("SELECT status, article_id, fetched_at FROM pages WHERE url_id=?",
                               (article_id(url),)).fetchone()
        return dict(zip(("status", "article_id", "fetched_at"), row)) if row else None

    def is_settled(self, url: str) -> bool:
        """True when the crawler already reached a final decision about ``url``."""
        status = self.page_status(url)
        return status is not None and status not in _UNSETTLED

    def record_page(self, url: str, *, outlet: str, status: str, reason: str = "", article: str | None = None,
                    archive: dict | None = None, http_status: int | None = None, discovered_via: str = "",
                    feed_date: str | None = None, sitemap_date: str | None = None) -> None:
        if status not in PAGE_STATUSES:
            raise ValueError(f"unknown page status {status!r}; expected one of {', '.join(PAGE_STATUSES)}")
        archive = archive or {}
        # A decision about an archived page keeps the archive location and discovery facts it already had.
        self._db.execute(
            """INSERT INTO pages (url_id, url, outlet, status, reason, article_id, archive_file, archive_offset,
                                  http_status, fetched_at, discovered_via, feed_date, sitemap_date)
               VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)
               ON CONFLICT(url_id) DO UPDATE SET status=excluded.status, reason=excluded.reason,
                   article_id=excluded.article_id,
                   archive_file=COALESCE(excluded.archive_file, pages.archive_file),
                   archive_offset=COALESCE(excluded.archive_offset, pages.archive_offset),
                   http_status=COALESCE(excluded.http_status, pages.http_status),
                   fetched_at=excluded.fetched_at,
                   discovered_via=CASE WHEN excluded.discovered_via != '' THEN excluded.discovered_via
                                       ELSE pages.discovered_via END,
                   feed_date=COALESCE(excluded.feed_date, pages.feed_date),
                   sitemap_date=COALESCE(excluded.sitemap_date, pages.sitemap_date),
                   attempts=pages.attempts + (excluded.status IN ('fetched', 'failed', 'blocked')
                                              OR pages.status NOT IN ('fetched'))""",
            (article_id(url), url, outlet, status, reason, article, archive.get("file"), archive.get("offset"),
             http_status, _now(), discovered_via, feed_date, sitemap_date))

    def retry_candidates(self, *, max_attempts: int) -> list[dict]:
        """Failed or robots-blocked pages worth asking for again (fewer than ``max_attempts`` so far)."""
        rows = self._db.execute(
            """SELECT url, outlet, discovered_via, feed_date, sitemap_date FROM pages
               WHERE status IN ('failed', 'blocked') AND attempts < ? ORDER BY fetched_at""",
            (max_attempts,)).fetchall()
        keys = ("url", "outlet", "discovered_via", "feed_date", "sitemap_date")
        return [dict(zip(keys, row)) for row in rows]

    def pending_pages(self) -> list[dict]:
        """Pages archived by an interrupted crawl and not yet decided about, oldest first."""
        rows = self._db.execute(
            """SELECT url, outlet, archive_file, archive_offset, http_status, discovered_via, feed_date, sitemap_date
               FROM pages WHERE status='fetched' ORDER BY fetched_at""").fetchall()
        keys = ("url", "outlet", "archive_file", "archive_offset", "http_status", "discovered_via", "feed_date",
                "sitemap_date")
        return [dict(zip(keys, row)) for row in rows]

    def page_counts(self) -> dict[str, int]:
        return dict(self._db.execute("SELECT status, COUNT(*) FROM pages GROUP BY status ORDER BY status"))

    # -- discovery endpoints (feeds, sitemaps, home pages) --------------------------------------------

    def endpoint(self, url: str) -> dict | None:
        row = self._db.execute("SELECT * FROM endpoints WHERE url=?", (url,)).fetchone()
        if row is None:
            return None
        names = [d[0] for d in self._db.execute("SELECT * FROM endpoints LIMIT 0").description]
        return dict(zip(names, row))

    def endpoints(self) -> list[dict]:
        cursor = self._db.execute("SELECT * FROM endpoints ORDER BY outlet, kind, url")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor]

    def record_endpoint(self, url: str, *, outlet: str, kind: str, ok: bool, status: str, next_poll: str,
                        etag: str | None = None, last_modified: str | None = None, items: int | None = None,
                        new_items: int | None = None, newest_item: str | None = None) -> None:
        """Remember how a feed, sitemap or home page answered, and when to ask it again."""
        now = _now()
        self._db.execute(
            """INSERT INTO endpoints (url, outlet, kind, etag, last_modified, last_attempt, last_success, last_status,
                                      items, new_items, newest_item, failures, next_poll)
               VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)
               ON CONFLICT(url) DO UPDATE SET outlet=excluded.outlet, kind=excluded.kind,
                   etag=COALESCE(excluded.etag, endpoints.etag),
                   last_modified=COALESCE(excluded.last_modified, endpoints.last_modified),
                   last_attempt=excluded.last_attempt,
                   last_success=COALESCE(excluded.last_success, endpoints.last_success),
                   last_status=excluded.last_status,
                   items=COALESCE(?, endpoints.items), new_items=COALESCE(?, endpoints.new_items),
                   newest_item=COALESCE(excluded.newest_item, endpoints.newest_item),
                   failures=CASE WHEN ? THEN 0 ELSE endpoints.failures + 1 END,
                   next_poll=excluded.next_poll""",
            (url, outlet, kind, etag, last_modified, now, now if ok else None, status, items or 0, new_items or 0,
             newest_item, 0 if ok else 1, next_poll, items, new_items, ok))

    # -- analysts' corrections (kept forever; the latest verdict per article and theme wins) -----------

    def add_correction(self, article_id: str, theme: str, verdict: bool, *, note: str = "") -> None:
        self._db.execute("INSERT INTO corrections (article_id, theme, verdict, note, created_at) VALUES (?,?,?,?,?)",
                         (article_id, theme, int(verdict), note, _now()))

    def corrections_for(self, article_id: str) -> dict[str, bool]:
        rows = self._db.execute("SELECT theme, verdict FROM corrections WHERE article_id=? ORDER BY id", (article_id,))
        return {theme: bool(verdict) for theme, verdict in rows}

    def corrections(self) -> dict[str, dict[str, bool]]:
        """article id -> {theme: verdict}, latest verdicts only."""
        out: dict[str, dict[str, bool]] = {}
        for article, theme, verdict in self._db.execute("SELECT article_id, theme, verdict FROM corrections ORDER BY id"):
            out.setdefault(article, {})[theme] = bool(verdict)
        return out

    def correction_history(self) -> list[dict]:
        cursor = self._db.execute("SELECT article_id, theme, verdict, note, created_at FROM corrections ORDER BY id")
        return [{"article_id": a, "theme": t, "verdict": "yes" if v else "no", "note": n, "created_at": c}
                for a, t, v, n, c in cursor]

    # -- articles --------------------------------------------------------------------------------------

    def find_duplicate(self, *, ids: list[str], content_hash: str, signature: np.ndarray | None = None,
                       band_keys: list[int] | None = None, threshold: float = 0.6) -> str | None:
        """Id of a stored article that is the same story: same URL id, same text, or near-same text
        (MinHash similarity at least ``threshold``, candidates found through the band index)."""
        for candidate in dict.fromkeys(ids):
            if self._db.execute("SELECT 1 FROM articles WHERE id=?", (candidate,)).fetchone():
                return candidate
        row = self._db.execute("SELECT id FROM articles WHERE content_hash=? LIMIT 1", (content_hash,)).fetchone()
        if row:
            return row[0]
        if signature is None or not band_keys:
            return None
        clauses = " OR ".join("(band=? AND key=?)" for _ in band_keys)
        params = [value for pair in enumerate(band_keys) for value in pair]
        candidates = [r[0] for r in self._db.execute(
            f"SELECT DISTINCT article_id FROM story_bands WHERE {clauses}", params)]
        best, best_similarity = None, threshold
        for candidate in candidates:
            blob = self._db.execute("SELECT minhash FROM articles WHERE id=?", (candidate,)).fetchone()
            if blob and blob[0]:
                other = np.frombuffer(blob[0], dtype=np.uint64)
                similarity = float(np.mean(other == signature)) if len(other) == len(signature) else 0.0
                if similarity >= best_similarity:
                    best, best_similarity = candidate, similarity
        return best

    def add_article(self, article: Article, *, signature: np.ndarray | None = None,
                    band_keys: list[int] | None = None) -> bool:
        """Store a newly collected article; False (and nothing changed) if its id is already stored."""
        with self.transaction():
            cursor = self._db.execute(
                """INSERT OR IGNORE INTO articles (id, stage, outlet, url, content_hash, minhash, record, updated_at)
                   VALUES (?,?,?,?,?,?,?,?)""",
                (article.id, article.stage, article.outlet, article.url, article.content_hash,
                 signature.astype(np.uint64).tobytes() if signature is not None else None,
                 json.dumps(article.to_dict(), ensure_ascii=False), _now()))
            if cursor.rowcount == 1 and band_keys:
                self._db.executemany("INSERT OR IGNORE INTO story_bands VALUES (?,?,?)",
                                     [(band, key, article.id) for band, key in enumerate(band_keys)])
            return cursor.rowcount == 1

    def update_content(self, article: Article, *, signature: np.ndarray | None = None,
                       band_keys: list[int] | None = None) -> None:
        """Replace a stored article's content after its outlet changed it; it goes back to "collected" so
        enrichment and indexing run again. Its id, duplicates and corrections stay."""
        with self.transaction():
            article.stage = "collected"
            self._db.execute(
                "UPDATE articles SET stage=?, content_hash=?, minhash=?, record=?, vectors=NULL, updated_at=? WHERE id=?",
                (article.stage, article.content_hash,
                 signature.astype(np.uint64).tobytes() if signature is not None else None,
                 json.dumps(article.to_dict(), ensure_ascii=False), _now(), article.id))
            self._db.execute("DELETE FROM story_bands WHERE article_id=?", (article.id,))
            if band_keys:
                self._db.executemany("INSERT OR IGNORE INTO story_bands VALUES (?,?,?)",
                                     [(band, key, article.id) for band, key in enumerate(band_keys)])

    def add_duplicate_url(self, original_id: str, url: str, *, outlet: str | None = None) -> None:
        """Remember that ``url`` (of ``outlet``) carries the story ``original_id``; an indexed story goes back
        one stage so the index learns of the new copy."""
        with self.transaction():
            article = self.get(original_id)
            if article is None:
                return
            changed = False
            if url not in article.duplicates and url not in (article.url, article.canonical_url):
                article.duplicates.append(url)
                changed = True
            if outlet and outlet not in article.carried_by:
                article.carried_by.append(outlet)
                changed = True
            if not changed:
                return
            if article.stage == "indexed":
                article.stage = "enriched"
            self._write(article)

    def get(self, id: str) -> Article | None:
        row = self._db.execute("SELECT record, stage FROM articles WHERE id=?", (id,)).fetchone()
        if row is None:
            return None
        article = Article.from_dict(json.loads(row[0]))
        article.stage = row[1]
        return article

    def get_vectors(self, id: str) -> np.ndarray | None:
        row = self._db.execute("SELECT vectors, vector_dim FROM articles WHERE id=?", (id,)).fetchone()
        if row is None or row[0] is None:
            return None
        return np.frombuffer(row[0], dtype=np.float32).reshape(-1, row[1])

    def behind(self, stage: str, *, limit: int) -> list[tuple[Article, np.ndarray | None]]:
        """Up to ``limit`` articles whose stage is ``stage`` (to be advanced past it), oldest first."""
        if stage not in STAGES:
            raise ValueError(f"unknown stage {stage!r}")
        rows = self._db.execute(
            "SELECT record, vectors, vector_dim, stage FROM articles WHERE stage=? ORDER BY rowid LIMIT ?",
            (stage, limit)).fetchall()
        out = []
        for record, blob, dim, row_stage in rows:
            article = Article.from_dict(json.loads(record))
            article.stage = row_stage
            vectors = np.frombuffer(blob, dtype=np.float32).reshape(-1, dim) if blob is not None else None
            out.append((article, vectors))
        return out

    def save(self, article: Article, *, vectors: np.ndarray | None = None) -> None:
        """Rewrite a stored article (its stage included); ``vectors`` replace the stored ones when given."""
        with self.transaction():
            self._write(article, vectors)

    def set_stage(self, ids: list[str], stage: str) -> None:
        if stage not in STAGES:
            raise ValueError(f"unknown stage {stage!r}")
        with self.transaction():
            for id in ids:
                row = self._db.execute("SELECT record FROM articles WHERE id=?", (id,)).fetchone()
                if row is None:
                    continue
                record = json.loads(row[0])
                record["stage"] = stage
                self._db.execute("UPDATE articles SET stage=?, record=?, updated_at=? WHERE id=?",
                                 (stage, json.dumps(record, ensure_ascii=False), _now(), id))

    def reset_stage(self, *, to: str, frm: tuple[str, ...]) -> int:
        """Send every article in stages ``frm`` back to ``to`` (e.g. to re-enrich with a new tagger)."""
        ids = [r[0] for r in self._db.execute(
            f"SELECT id FROM articles WHERE stage IN ({','.join('?' * len(frm))})", frm)]
        self.set_stage(ids, to)
        return len(ids)

    def _write(self, article: Article, vectors: np.ndarray | None = None) -> None:
        payload = json.dumps(article.to_dict(), ensure_ascii=False)
        if vectors is None:
            self._db.execute("UPDATE articles SET stage=?, record=?, updated_at=? WHERE id=?",
                             (article.stage, payload, _now(), article.id))
        else:
            vectors = np.ascontiguousarray(vectors, dtype=np.float32)
            self._db.execute(
                "UPDATE articles SET stage=?, record=?, vectors=?, vector_dim=?, updated_at=? WHERE id=?",
                (article.stage, payload, vectors.tobytes(), vectors.shape[1] if vectors.ndim == 2 else 0, _now(),
                 article.id))

    def ids(self) -> list[str]:
        return [r[0] for r in self._db.execute("SELECT id FROM articles ORDER BY rowid")]

    def iter_articles(self) -> Iterator[Article]:
        for record, stage in self._db.execute("SELECT record, stage FROM articles ORDER BY rowid"):
            article = Article.from_dict(json.loads(record))
            article.stage = stage
            yield article

    def counts(self) -> dict:
        by_stage = {stage: 0 for stage in STAGES}
        by_stage.update(dict(self._db.execute("SELECT stage, COUNT(*) FROM articles GROUP BY stage")))
        return {"articles": sum(by_stage.values()), "by_stage": by_stage, "pages": self.page_counts()}

    # -- transactions ----------------------------------------------------------------------------------

    def transaction(self) -> "_Transaction":
        return _Transaction(self._db)


class _Transaction:
    """BEGIN IMMEDIATE … COMMIT, re-entrant: nested uses join the outer transaction."""

    def __init__(self, db: sqlite3.Connection):
        self._db = db
        self._outer = False

    def __enter__(self) -> None:
        if not self._db.in_transaction:
            self._db.execute("BEGIN IMMEDIATE")
            self._outer = True

    def __exit__(self, exc_type, exc, tb) -> None:
        if not self._outer:
            return
        self._db.execute("ROLLBACK" if exc_type else "COMMIT")
