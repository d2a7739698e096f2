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

SCHEMA_VERSION = 1

# What the crawler concluded about a page. "failed" pages are fetched again by a later crawl, and
# "blocked" ones (forbidden by robots.txt, never fetched) are checked against robots.txt again.
PAGE_STATUSES = ("stored", "duplicate", "off_topic", "not_article", "blocked", "failed")
_UNSETTLED = ("blocked", "failed")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY,
    stage TEXT NOT NULL,
    outlet TEXT NOT NULL,
    url TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    band0 INTEGER, band1 INTEGER, band2 INTEGER, band3 INTEGER, band4 INTEGER, band5 INTEGER,
    simhash INTEGER,
    record TEXT NOT NULL,
    vectors BLOB,
    vector_dim INTEGER,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS articles_stage ON articles(stage);
CREATE INDEX IF NOT EXISTS articles_content_hash ON articles(content_hash);
CREATE INDEX IF NOT EXISTS articles_band0 ON articles(band0);
CREATE INDEX IF NOT EXISTS articles_band1 ON articles(band1);
CREATE INDEX IF NOT EXISTS articles_band2 ON articles(band2);
CREATE INDEX IF NOT EXISTS articles_band3 ON articles(band3);
CREATE INDEX IF NOT EXISTS articles_band4 ON articles(band4);
CREATE INDEX IF NOT EXISTS articles_band5 ON articles(band5);
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
    fetched_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS pages_status ON pages(status);
"""


class LedgerError(RuntimeError):
    """The ledger file is unusable (corrupt, from a newer version, or not a ledger)."""


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _signed64(value: int) -> int:
    return value - (1 << 64) if value >= (1 << 63) else value


# Six bands of 11, 11, 11, 11, 10 and 10 bits: two fingerprints within NEAR_DUPLICATE_BITS of each other
# agree on at least one band (pigeonhole), so indexed band lookups find every near-duplicate.
_BAND_WIDTHS = (11, 11, 11, 11, 10, 10)
NEAR_DUPLICATE_BITS = 5


def _bands(simhash: int) -> list[int]:
    bands, shift = [], 0
    for width in _BAND_WIDTHS:
        bands.append((simhash >> shift) & ((1 << width) - 1))
        shift += width
    return bands


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
        if row is None:
            self._db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        elif int(row[0]) > SCHEMA_VERSION:
            raise LedgerError(f"{self.path} was written by a newer Advocacy Monitor (schema {row[0]}); upgrade first")

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

    def is_settled(self, url: str) -> bool:
        """True when the crawler already reached a final decision about ``url``."""
        status = self.page_status(url)
        return status is not None and status not in _UNSETTLED

    def record_page(self, url: str, *, outlet: str, status: str, reason: str = "", article: str | None = None,
                    archive: dict | None = None, http_status: int | None = None) -> None:
        if status not in PAGE_STATUSES:
            raise ValueError(f"unknown page status {status!r}; expected one of {', '.join(PAGE_STATUSES)}")
        archive = archive or {}
        self._db.execute(
            """INSERT INTO pages (url_id, url, outlet, status, reason, article_id, archive_file, archive_offset,
                                  http_status, fetched_at)
               VALUES (?,?,?,?,?,?,?,?,?,?)
               ON CONFLICT(url_id) DO UPDATE SET status=excluded.status, reason=excluded.reason,
                   article_id=excluded.article_id, archive_file=excluded.archive_file,
                   archive_offset=excluded.archive_offset, http_status=excluded.http_status,
                   fetched_at=excluded.fetched_at, attempts=pages.attempts + 1""",
            (article_id(url), url, outlet, status, reason, article, archive.get("file"), archive.get("offset"),
             http_status, _now()))

    def page_counts(self) -> dict[str, int]:
        return dict(self._db.execute("SELECT status, COUNT(*) FROM pages GROUP BY status ORDER BY status"))

    # -- articles --------------------------------------------------------------------------------------

    def find_duplicate(self, *, ids: list[str], content_hash: str, simhash: int | None,
                       max_distance: int = NEAR_DUPLICATE_BITS) -> str | None:
        """Id of a stored article that is the same story: same URL id, same text, or near-same text."""
        for candidate in dict.fromkeys(ids):
            if self._db.execute("SELECT 1 FROM articles WHERE id=?", (candidate,)).fetchone():
                return candidate
        row = self._db.execute("SELECT id FROM articles WHERE content_hash=? LIMIT 1", (content_hash,)).fetchone()
        if row:
            return row[0]
        if simhash is None:
            return None
        rows = self._db.execute("SELECT id, simhash FROM articles WHERE band0=? OR band1=? OR band2=? OR band3=? "
                                "OR band4=? OR band5=?", _bands(simhash))
        for candidate, other in rows:
            if other is not None and bin((other & 0xFFFFFFFFFFFFFFFF) ^ simhash).count("1") <= max_distance:
                return candidate
        return None

    def add_article(self, article: Article, *, simhash: int | None = None) -> bool:
        """Store a newly collected article; False (and nothing changed) if its id is already stored."""
        bands = _bands(simhash) if simhash is not None else [None] * len(_BAND_WIDTHS)
        cursor = self._db.execute(
            """INSERT OR IGNORE INTO articles (id, stage, outlet, url, content_hash, band0, band1, band2, band3,
                                               band4, band5, simhash, record, updated_at)
               VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)""",
            (article.id, article.stage, article.outlet, article.url, article.content_hash, *bands,
             _signed64(simhash) if simhash is not None else None, json.dumps(article.to_dict(), ensure_ascii=False),
             _now()))
        return cursor.rowcount == 1

    def add_duplicate_url(self, original_id: str, url: str) -> None:
        """Remember that ``url`` carries the story ``original_id``; an indexed story goes back one stage so
        the index learns of the new copy."""
        with self.transaction():
            article = self.get(original_id)
            if article is None or url in article.duplicates:
                return
            article.duplicates.append(url)
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
