"""The store contract every index backend fulfils, and the table that picks a backend from a URL."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from advocacy.article import Article
from advocacy.index.errors import StoreUrlError


@dataclass
class SearchFilters:
    """Restrictions applied on top of the query; every list means "any of these"."""
    themes: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    outlets: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    since: str | None = None      # ISO date, inclusive
    until: str | None = None      # ISO date, inclusive


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
    snippet: str
    themes: list[str]
    passage: str = ""                  # the article's passage that best answers the query
    passage_index: int | None = None


@dataclass
class SearchResult:
    total: int
    hits: list[Hit]


class Store(Protocol):
    """What the rest of Advocacy Monitor may ask of an index. Upserts are idempotent by article id."""

    def upsert(self, article: Article, vectors: np.ndarray | None = None) -> None: ...
    def get(self, id: str) -> Article | None: ...
    def delete(self, id: str) -> bool: ...
    def search(self, query: str, *, filters: SearchFilters | None = None, limit: int = 10, offset: int = 0,
               vector: np.ndarray | None = None, mode: str = "keyword") -> SearchResult:
        """Ranked articles. ``query`` is in the query language (:mod:`advocacy.index.query`); a malformed
        one raises :class:`~advocacy.index.errors.QueryError` saying where and why. ``mode``: keyword
        (BM25), semantic (passage vectors; needs ``vector``, the query's embedding) or hybrid (both, fused
        by reciprocal rank). The query's fields and exclusions, and ``filters``, apply in every mode."""
    def more_like_this(self, article_id: str, *, limit: int = 10,
                       filters: SearchFilters | None = None) -> SearchResult: ...
    def facets(self, field: str, *, query: str = "", filters: SearchFilters | None = None) -> dict[str, int]: ...
    def count(self) -> int: ...
    def close(self) -> None: ...


def _open_sqlite(url: str) -> Store:
    from advocacy.index.sqlite import SqliteStore

    return SqliteStore(url[len("sqlite:///"):])


def _open_elasticsearch(url: str) -> Store:
    # Imported here so the optional Elasticsearch client is needed only by those who use it.
    from advocacy.index.elastic import ElasticsearchStore

    return ElasticsearchStore(url)


# Scheme -> opener.
BACKENDS = {"sqlite": _open_sqlite, "http": _open_elasticsearch, "https": _open_elasticsearch}


def open_store(url: str) -> Store:
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    opener = BACKENDS.get(scheme)
    if opener is None:
        raise StoreUrlError(f"store URL {url!r} names no known backend; use one of: "
                            + ", ".join(f"{s}://…" for s in BACKENDS))
    return opener(url)
