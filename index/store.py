"""The store contract every index backend fulfils, and the table that picks a backend from a URL."""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timezone
from typing import Iterable, Protocol

import numpy as np

from advocacy.article import Article
from advocacy.index.errors import SavedSearchError, StoreUrlError


@dataclass
class SearchFilters:
    """Restrictions applied on top of the query; every list means "any of these"."""
    themes: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    outlets: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    since: str | None = None      # ISO date, inclusive
    until: str | None = None      # ISO date, inclusive
    # When the article reached the index (a timestamp()): after is exclusive, until inclusive. Articles indexed
    # by a version that kept no such time count as indexed before every saved search's mark.
    indexed_after: str | None = None
    indexed_until: str | None = None


SEARCH_MODES = ("keyword", "semantic", "hybrid")


@dataclass
class Hit:
    id: str
    score: float
    title: str
    url: str
    outlet: str
    outlet_name: str
    language: str
    published_at: str | None
    snippet: str                       # an excerpt exactly as written (whitespace collapsed, "…" where cut)
    themes: list[str]
    passage: str = ""                  # the article's passage that best answers the query
    passage_index: int | None = None
    # (start, end) of each match in ``snippet``, sorted and apart: places rather than markers in the text,
    # which could not be told from the same characters written by the outlet.
    highlights: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class SearchResult:
    total: int
    hits: list[Hit]


def timestamp() -> str:
    """Now, in UTC, always to the microsecond: fixed width, so that the strings sort as the times do."""
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


# A saved search's name is its key in every store and the name of its feed file, hence the narrow alphabet.
SAVED_SEARCH_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")


@dataclass
class SavedSearch:
    """A query kept under a name, with what its alerts have delivered so far.

    ``delivered_until`` is the "since" mark: every matching article indexed at or before that time (a value of
    :meth:`Store.indexed_up_to`) has been delivered; None until the first successful run. ``recent`` holds the
    hits of the latest runs, newest first, which are the entries of the search's Atom feed.
    """
    name: str
    query: str
    mode: str = "keyword"
    emails: list[str] = field(default_factory=list)
    created_at: str = ""
    delivered_until: str | None = None
    last_run: str | None = None
    last_error: str = ""               # why the last run could not deliver; empty when it could
    recent: list[Hit] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not SAVED_SEARCH_NAME.fullmatch(self.name):
            raise SavedSearchError(f"{self.name!r} cannot name a saved search: use up to 64 lower-case letters, "
                                   "digits, '-' and '_', starting with a letter or digit, e.g. health-oujda")
        if self.mode not in SEARCH_MODES:
            raise SavedSearchError(f"unknown search mode {self.mode!r}; choose one of {', '.join(SEARCH_MODES)}")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "SavedSearch":
        known = {f.name for f in fields(cls)}
        hit_fields = {f.name for f in fields(Hit)}
        values = {key: value for key, value in data.items() if key in known}
        values["recent"] = [_stored_hit({k: v for k, v in hit.items() if k in hit_fields})
                            for hit in data.get("recent") or []]
        return cls(**values)


# How hits were highlighted before they carried their highlights' places: the matched words between ** and **.
_LEGACY_MARKED = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)


def _stored_hit(values: dict) -> Hit:
    if "highlights" in values:
        values["highlights"] = [(int(start), int(end)) for start, end in values["highlights"] or []]
    elif isinstance(values.get("snippet"), str):
        # Saved before highlights were kept apart from the text: read the markers as they were meant then.
        plain, highlights = [], []
        snippet, at, length = values["snippet"], 0, 0
        for found in _LEGACY_MARKED.finditer(snippet):
            plain.append(snippet[at:found.start()])
            length += found.start() - at
            plain.append(found.group(1))
            highlights.append((length, length + len(found.group(1))))
            length += len(found.group(1))
            at = found.end()
        plain.append(snippet[at:])
        values["snippet"] = "".join(plain)
        values["highlights"] = highlights
    return Hit(**values)


class Store(Protocol):
    """What the rest of Advocacy Monitor may ask of an index. Upserts are idempotent by article id."""

    def upsert(self, article: Article, vectors: np.ndarray | None = None) -> None: ...
    def upsert_many(self, items: Iterable[tuple[Article, np.ndarray | None]]) -> int:
        """Upsert many (article, passage vectors) pairs at once, as one write where the backend allows;
        returns how many."""
    def get(self, id: str) -> Article | None: ...
    def delete(self, id: str) -> bool: ...
    def search(self, query: str, *, filters: SearchFilters | None = None, limit: int = 10, offset: int = 0,
               vector: np.ndarray | None = None, mode: str = "keyword",
               min_similarity: float | None = None) -> SearchResult:
        """Ranked articles. ``query`` is in the query language (:mod:`advocacy.index.query`); a malformed
        one raises :class:`~advocacy.index.errors.QueryError` saying where and why. ``mode``: keyword
        (BM25), semantic (passage vectors; needs ``vector``, the query's embedding) or hybrid (both, fused
        by reciprocal rank). The query's fields and exclusions, and ``filters``, apply in every mode.
        ``min_similarity`` (cosine) leaves out articles whose best passage is less similar than that: by
        meaning alone every article is somewhat similar, and a saved search must tell matches from the rest."""
    def more_like_this(self, article_id: str, *, limit: int = 10,
                       filters: SearchFilters | None = None) -> SearchResult: ...
    def facets(self, field: str, *, query: str = "", filters: SearchFilters | None = None) -> dict[str, int]: ...
    def count(self) -> int: ...
    def attention(self, query: str = "", *, filters: SearchFilters | None = None, by: str = "week") -> list[dict]:
        """Matching articles per day, week or month next to all articles of that period:
        ``[{"period", "count", "total", "share"}]``, zero-filled, periods labelled by their first day."""
    def share_of_voice(self, query: str = "", *, filters: SearchFilters | None = None,
                       limit: int = 10) -> list[dict]:
        """The organisations the matching articles name most: ``[{"entity", "name", "articles", "mentions",
        "exposure", "share", "exposure_share"}]`` (see :func:`advocacy.index.analytics.share_of_voice`)."""
    def indexed_up_to(self) -> str:
        """A timestamp() such that every article indexed at or before it can be searched now, and every article
        indexed from now on gets a later one: where "new since the last run" ends."""
    def save_search(self, search: SavedSearch) -> None:
        """Keep ``search`` under its name, replacing the one of that name if any."""
    def saved_searches(self) -> list[SavedSearch]:
        """Every saved search, by name."""
    def delete_search(self, name: str) -> bool: ...
    def close(self) -> None: ...


def _open_sqlite(url: str, *, any_thread: bool = False) -> Store:
    from advocacy.index.sqlite import SqliteStore

    return SqliteStore(url[len("sqlite:///"):], any_thread=any_thread)


def _open_elasticsearch(url: str, *, any_thread: bool = False) -> Store:
    # Imported here so the optional Elasticsearch client is needed only by those who use it.
    from advocacy.index.elastic import ElasticsearchStore

    return ElasticsearchStore(url)        # the client is thread-safe: any_thread changes nothing


# Scheme -> opener.
BACKENDS = {"sqlite": _open_sqlite, "http": _open_elasticsearch, "https": _open_elasticsearch}


def open_store(url: str, *, any_thread: bool = False) -> Store:
    """The store ``url`` names. A store is used by one thread at a time; ``any_thread`` lets that thread
    change from call to call (a server's pool of open stores), where by default only the opening thread may
    use it."""
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    opener = BACKENDS.get(scheme)
    if opener is None:
        raise StoreUrlError(f"store URL {url!r} names no known backend; use one of: "
                            + ", ".join(f"{s}://…" for s in BACKENDS))
    return opener(url, any_thread=any_thread)
