"""The evidence basket: the articles an analyst sets aside, from a search or an article page, for the brief
they are writing. One basket per user, kept in its own table of ``DATA_DIR/accounts.db`` so it survives
signing out and follows the user to another browser; removing the user empties it.

Each item keeps the title, outlet and date it had when added, so the basket still reads well after the
index has been rebuilt.
"""
from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from advocacy.web.errors import Conflict

MAX_ITEMS = 200       # a reading list, not an export

_SCHEMA = """
CREATE TABLE IF NOT EXISTS basket_items (
    username TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
    article_id TEXT NOT NULL,
    title TEXT NOT NULL,
    outlet_name TEXT NOT NULL,
    published_at TEXT,
    url TEXT NOT NULL,
    language TEXT NOT NULL,
    added_at TEXT NOT NULL,
    PRIMARY KEY (username, article_id)
);
"""


@dataclass(frozen=True)
class BasketItem:
    article_id: str
    title: str
    outlet_name: str
    published_at: str | None
    url: str
    language: str
    added_at: str


class Basket:
    """The baskets of every user, in the accounts database at ``path`` (which Accounts has created)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        with self._db() as db:
            db.executescript(_SCHEMA)

    @contextmanager
    def _db(self):
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            db.execute("PRAGMA foreign_keys=ON")
            yield db
        finally:
            db.close()

    def items(self, username: str) -> list[BasketItem]:
        with self._db() as db:
            rows = db.execute("SELECT article_id, title, outlet_name, published_at, url, language, added_at "
                              "FROM basket_items WHERE username=? ORDER BY added_at, article_id", (username,))
            return [BasketItem(*row) for row in rows]

    def ids(self, username: str) -> set[str]:
        with self._db() as db:
            return {row[0] for row in db.execute("SELECT article_id FROM basket_items WHERE username=?", (username,))}

    def add(self, username: str, article) -> bool:
        """Put an indexed article in the basket; False when it was there already."""
        added = datetime.now(timezone.utc).isoformat(timespec="seconds")
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                count = db.execute("SELECT COUNT(*) FROM basket_items WHERE username=?", (username,)).fetchone()[0]
                present = db.execute("SELECT 1 FROM basket_items WHERE username=? AND article_id=?",
                                     (username, article.id)).fetchone()
                if present:
                    db.execute("ROLLBACK")
                    return False
                if count >= MAX_ITEMS:
                    raise Conflict(f"the basket holds {MAX_ITEMS} articles already; remove some first")
                db.execute("INSERT INTO basket_items VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                           (username, article.id, article.title or article.url, article.outlet_name or article.outlet,
                            article.published_at, article.canonical_url or article.url, article.language or "",
                            added))
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        return True

    def remove(self, username: str, article_id: str) -> bool:
        with self._db() as db:
            return db.execute("DELETE FROM basket_items WHERE username=? AND article_id=?",
                              (username, article_id)).rowcount > 0

    def clear(self, username: str) -> int:
        with self._db() as db:
            return db.execute("DELETE FROM basket_items WHERE username=?", (username,)).rowcount
