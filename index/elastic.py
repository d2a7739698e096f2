"""The Elasticsearch store, for corpora and teams that outgrow one SQLite file.

Opened from ``http(s)://[user:password@]host[:port][/index_prefix][?option=value&…]``; the port defaults to
9200 and the prefix to ``advocacy``. Options: ``refresh`` (``false``, ``wait_for`` or ``true``, see below),
``timeout`` (seconds per request), ``verify_certs`` (``true``/``false``) and ``ca_certs`` (a PEM file).

Layout
------
Two indices, created on first use with explicit mappings (``dynamic: strict``, so a field this module
does not know is refused instead of silently left unsearchable):

``<prefix>-articles``
    One document per article, ``_id`` = article id. Keyword fields for filters and facets (id, outlet,
    outlet_name, country, language, themes, entities; ``theme`` is an alias of ``themes`` so the query
    language's ``theme:`` works unchanged), ``published_at`` as a date, ``title`` and ``text`` analysed
    four ways: the main field folds case, accents and Arabic spelling variants and splits at apostrophes
    (what SQLite's unicode61 tokenizer does), and the sub-fields ``.en``, ``.fr`` and ``.ar`` use
    Elasticsearch's English, French and Arabic analysers for stemming. The whole record, less its text
    (which is already in ``text``), lies in ``record``, a disabled object: stored, never indexed, so
    ``get()`` gives back exactly what was upserted. ``centroid`` (disabled too) is the mean of the
    article's passage vectors, for ``more_like_this``.

``<prefix>-searches``
    One document per saved search, ``_id`` = its name, the whole record in ``record`` (disabled). Written
    with ``refresh=wait_for`` whatever the URL says: saved searches change rarely, and a list must show the
    one just added.

``<prefix>-passages``
    One document per passage, ``_id`` = ``<article id>:<passage index>``, with the text, an optional
    ``vector`` (``dense_vector``, cosine, HNSW-indexed; its dimension is fixed by the first upsert that
    brings vectors) and copies of the article's filterable fields, so a kNN search filters while it
    searches instead of after (which would return fewer than k hits).

Both article and passage documents carry ``indexed_at`` (``date_nanos``), the time the article was first
indexed, kept when it is upserted again, for saved searches' "new since the last run". The time is taken
by the client; :meth:`ElasticsearchStore.indexed_up_to` therefore stays behind the clock by as long as a
write may be on its way (every attempt's timeout, plus a refresh), so no article slips between two runs.

A kNN search returns passages; an article is ranked by its best passage. Grouping happens here rather
than with ``collapse``: collapsing is applied after kNN has chosen its k passages, so it can never yield
more articles than grouping those same passages, and grouping here lets the search widen k when a few long
articles fill the top with their passages, on any 8.x server.

Upserts
-------
An article and its passages go in one bulk request; passages an earlier, longer version left behind are
deleted in the same request. No search is needed to find them: the article document keeps
``passage_slots``, one more than the highest passage index it ever had, and it is read with a real-time
get, so it does not depend on a refresh. A bulk request is not a transaction: if part of one fails, the
error is raised, and upserting the article again (as `advocacy index` does after a failure) repairs it.

``refresh`` decides when writes become searchable. ``false`` (the default) lets writes return at once,
which keeps `advocacy index` fast, and this store refreshes the indices itself before its next read and
when it is closed, so it always sees its own writes and others see them once it is closed (or after the
index's refresh interval, one second by default). ``wait_for`` makes every write wait until it is
searchable; ``true`` forces a refresh per write (costly).

Ranking follows the SQLite store: BM25 with the title weighing four times the text, hybrid search fused by
reciprocal rank in Python (no licensed server feature involved), semantic scores reported as cosine
similarities. BM25 statistics differ between the two engines, so equal queries may order close results
differently.
"""
from __future__ import annotations

import math
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Iterable
from urllib.parse import parse_qsl, unquote, urlsplit

import numpy as np

from advocacy.article import Article
from advocacy.index import analytics
from advocacy.index import query as query_language
from advocacy.index.errors import StoreError, StoreUrlError
from advocacy.index.highlight import Highlighted, Highlighter, untagged
from advocacy.index.sqlite import RRF_DEPTH, RRF_K
from advocacy.index.store import SEARCH_MODES, Hit, SavedSearch, SearchFilters, SearchResult, timestamp

SCHEMA_VERSION = 1
DEFAULT_PORT = 9200
DEFAULT_PREFIX = "advocacy"
DEFAULT_TIMEOUT = 30.0
MAX_RETRIES = 2
REFRESH_POLICIES = ("false", "wait_for", "true")
# Oldest server with the search API's `knn` section and its `filter`.
MINIMUM_VERSION = (8, 4)
INSTALL_HINT = "pip install 'advocacy-monitor[elasticsearch]'"

# Elasticsearch refuses from + size beyond index.max_result_window, and k or num_candidates above 10,000.
MAX_WINDOW = 10_000
FACET_SIZE = 10_000
FACET_FIELDS = {"theme": "themes", "outlet": "outlet", "language": "language", "country": "country"}

LANGUAGE_ANALYSERS = {"en": "english", "fr": "french", "ar": "arabic"}
# Title weighted 4 against the text, as SqliteStore weighs its bm25 columns.
SEARCH_FIELDS = ("title^4", *(f"title.{code}^4" for code in LANGUAGE_ANALYSERS),
                 "text", *(f"text.{code}" for code in LANGUAGE_ANALYSERS))
HIGHLIGHT_FIELDS = ("text", *(f"text.{code}" for code in LANGUAGE_ANALYSERS))
SNIPPET_CHARS = 160

_PREFIX_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,199}")


# -- the URL ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ElasticsearchSettings:
    """What a store URL says, credentials apart from the address so messages can show the address."""
    scheme: str
    host: str
    port: int
    prefix: str = DEFAULT_PREFIX
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    refresh: str = "false"
    timeout: float = DEFAULT_TIMEOUT
    verify_certs: bool | None = None
    ca_certs: str | None = None

    @property
    def node_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"

    @property
    def articles_index(self) -> str:
        return f"{self.prefix}-articles"

    @property
    def passages_index(self) -> str:
        return f"{self.prefix}-passages"

    @property
    def searches_index(self) -> str:
        return f"{self.prefix}-searches"


def _flag(name: str, value: str) -> bool:
    lowered = value.lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no"):
        return False
    raise StoreUrlError(f"store URL option {name}={value!r} must be true or false")


def redact(url: str) -> str:
    """The URL with its password masked, for messages and logs."""
    return re.sub(r"(//[^/@:]*:)[^/@]*@", r"\1***@", url)


def parse_url(url: str) -> ElasticsearchSettings:
    """Read ``http(s)://[user:password@]host[:port][/index_prefix][?options]``; StoreUrlError says what is wrong."""
    shown = redact(url)
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise StoreUrlError(f"an Elasticsearch store URL starts with http:// or https://, not {shown!r}")
    if not parts.hostname:
        raise StoreUrlError(f"store URL {shown!r} names no host; e.g. http://localhost:9200")
    try:
        port = parts.port or DEFAULT_PORT
    except ValueError:
        raise StoreUrlError(f"store URL {shown!r} has an invalid port") from None
    prefix = parts.path.strip("/") or DEFAULT_PREFIX
    if not _PREFIX_NAME.fullmatch(prefix):
        raise StoreUrlError(f"index prefix {prefix!r} in the store URL must be lower-case letters, digits, '-', "
                            "'_' or '.', starting with a letter or digit (it becomes part of index names)")
    options = dict(parse_qsl(parts.query, keep_blank_values=True))
    known = {"refresh", "timeout", "verify_certs", "ca_certs"}
    unknown = sorted(set(options) - known)
    if unknown:
        raise StoreUrlError(f"unknown store URL option(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    refresh = options.get("refresh", "false").lower()
    if refresh not in REFRESH_POLICIES:
        raise StoreUrlError(f"store URL option refresh={refresh!r}; use one of {', '.join(REFRESH_POLICIES)}")
    try:
        timeout = float(options.get("timeout", DEFAULT_TIMEOUT))
    except ValueError:
        timeout = -1.0
    if not timeout > 0 or math.isinf(timeout):
        raise StoreUrlError(f"store URL option timeout={options['timeout']!r} must be a number of seconds above 0")
    verify = _flag("verify_certs", options["verify_certs"]) if "verify_certs" in options else None
    return ElasticsearchSettings(
        scheme=scheme, host=parts.hostname, port=port, prefix=prefix,
        username=unquote(parts.username) if parts.username is not None else None,
        password=unquote(parts.password) if parts.password is not None else None,
        refresh=refresh, timeout=timeout, verify_certs=verify, ca_certs=options.get("ca_certs") or None)


# -- index bodies -----------------------------------------------------------------------------------------

ANALYSIS = {
    "char_filter": {
        # unicode61 (SQLite) cuts l'école into "l" and "ecole"; the standard tokenizer would keep one token.
        "advocacy_apostrophes": {"type": "mapping",
                                 "mappings": ["'=>\\u0020", "’=>\\u0020", "ʼ=>\\u0020", "‘=>\\u0020"]},
        # The query language spells hamza on a seat as a bare hamza (مسؤول / مسئول); the index must agree.
        "advocacy_hamza": {"type": "mapping", "mappings": ["ؤ=>ء", "ئ=>ء"]},
    },
    "analyzer": {
        "advocacy_folded": {
            "type": "custom",
            "char_filter": ["advocacy_apostrophes", "advocacy_hamza"],
            "tokenizer": "standard",
            "filter": ["lowercase", "decimal_digit", "asciifolding", "arabic_normalization"],
        },
    },
}


def _text_mapping() -> dict:
    return {"type": "text", "analyzer": "advocacy_folded",
            "fields": {code: {"type": "text", "analyzer": analyser} for code, analyser in LANGUAGE_ANALYSERS.items()}}


_KEYWORD = {"type": "keyword"}
_DISABLED = {"type": "object", "enabled": False}


def _filterable_properties() -> dict:
    """Fields that filters and the query language's name:value items look at, on both indices."""
    return {
        "outlet": dict(_KEYWORD), "outlet_name": dict(_KEYWORD), "country": dict(_KEYWORD),
        "language": dict(_KEYWORD), "themes": dict(_KEYWORD), "entities": dict(_KEYWORD),
        "theme": {"type": "alias", "path": "themes"},
        # An unparseable date must not make the whole article unsearchable; it just matches no date filter.
        "published_at": {"type": "date", "ignore_malformed": True},
        # Microseconds, as the SQLite store keeps them; "date" would round marks and times to milliseconds.
        "indexed_at": {"type": "date_nanos"},
    }


def _exposure_properties() -> dict:
    """Fields of the articles index behind the media-exposure figures (attention, share of voice)."""
    return {
        # 1 + the distinct other outlets that carried the article (see index/analytics.py, "Syndication").
        "exposure": {"type": "integer"},
        # One object per entity the article names, so that mentions and exposure add up per entity.
        "entity_counts": {"type": "nested", "properties": {
            "entity": dict(_KEYWORD), "name": dict(_KEYWORD), "type": dict(_KEYWORD),
            "count": {"type": "integer"}, "exposure": {"type": "integer"}}},
    }


def _settings() -> dict:
    # One shard is plenty for a newsroom-sized corpus; replicas appear when the cluster has a second node.
    return {"number_of_shards": 1, "auto_expand_replicas": "0-1", "analysis": ANALYSIS}


def articles_index_body() -> dict:
    """Settings and mappings of the articles index."""
    return {
        "settings": _settings(),
        "mappings": {
            "dynamic": "strict",
            "_meta": {"schema_version": SCHEMA_VERSION},
            "properties": {
                "id": dict(_KEYWORD),
                **_filterable_properties(),
                "title": _text_mapping(),
                "text": _text_mapping(),
                "passage_slots": {"type": "integer", "index": False},
                **_exposure_properties(),
                "centroid": dict(_DISABLED),
                "record": dict(_DISABLED),
            },
        },
    }


def passages_index_body() -> dict:
    """Settings and mappings of the passages index; ``vector`` is added by :func:`vector_mapping` later."""
    return {
        "settings": _settings(),
        "mappings": {
            "dynamic": "strict",
            "_meta": {"schema_version": SCHEMA_VERSION},
            "properties": {
                "article_id": dict(_KEYWORD),
                "passage_index": {"type": "integer"},
                "text": {"type": "text", "index": False},
                **_filterable_properties(),
            },
        },
    }


def searches_index_body() -> dict:
    """Settings and mappings of the saved searches index."""
    return {
        "settings": {"number_of_shards": 1, "auto_expand_replicas": "0-1"},
        "mappings": {
            "dynamic": "strict",
            "_meta": {"schema_version": SCHEMA_VERSION},
            "properties": {"name": dict(_KEYWORD), "record": dict(_DISABLED)},
        },
    }


def vector_mapping(dims: int) -> dict:
    return {"type": "dense_vector", "dims": int(dims), "index": True, "similarity": "cosine"}


# -- queries ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CompiledQuery:
    """A user's query in Elasticsearch terms."""
    clause: dict | None                  # None: every article
    has_text: bool                       # asks for words (so results are ranked, not listed by date)
    constraints: tuple[dict, ...] = ()   # what a match by meaning must meet, as kNN filters
    node: object = query_language.MatchAll   # the parsed query, for highlighting


def _on_title_or_text(kind: str, spec: dict) -> dict:
    return {"bool": {"should": [{kind: {"title": {**spec, "boost": 4}}}, {kind: {"text": dict(spec)}}],
                     "minimum_should_match": 1}}


def _widen(clause):
    """The query language's text leaves search ``text`` and ``text.stemmed``; here they search the title as
    well, and the per-language sub-fields this index has instead of one stemmed field."""
    if isinstance(clause, list):
        return [_widen(item) for item in clause]
    if not isinstance(clause, dict):
        return clause
    if len(clause) == 1:
        (kind, spec), = clause.items()
        if kind == "multi_match" and "text" in spec.get("fields", ()):
            return {"multi_match": {**spec, "fields": list(SEARCH_FIELDS)}}
        if kind in ("prefix", "match_phrase_prefix") and isinstance(spec, dict) and set(spec) == {"text"}:
            return _on_title_or_text(kind, spec["text"])
    return {key: _widen(value) for key, value in clause.items()}


def _constraints(node) -> tuple[dict, ...]:
    parts = node.parts if isinstance(node, query_language.And) else (node,)
    return tuple(query_language.to_elasticsearch(part) for part in parts
                 if isinstance(part, query_language.Field)
                 or isinstance(part, query_language.Not) and isinstance(part.part, query_language.Field))


def _holds_text(node) -> bool:
    if isinstance(node, (query_language.Term, query_language.Phrase)):
        return True
    if isinstance(node, query_language.Not):
        return _holds_text(node.part)
    if isinstance(node, (query_language.And, query_language.Or)):
        return any(_holds_text(part) for part in node.parts)
    return False


def _knn_constraints(node) -> tuple[dict, ...]:
    """What a search by meaning must respect (:func:`~advocacy.index.query.restrictions`), as filters of the
    passages index. That index holds no searchable text, so when the restrictions leave out words
    ("-Nador"), only the name:value items at the top of the query are kept."""
    restricted = query_language.restrictions(node)
    if restricted is query_language.MatchAll:
        return ()
    if not _holds_text(restricted):
        return (query_language.to_elasticsearch(restricted),)
    return _constraints(restricted)


def compile_query(query: str) -> CompiledQuery:
    """The query language (:mod:`advocacy.index.query`) in Elasticsearch terms; a malformed query raises
    :class:`~advocacy.index.query.QuerySyntaxError`, as it does with every store."""
    node = query_language.parse(query)
    if node is query_language.MatchAll:
        return CompiledQuery(None, False)
    return CompiledQuery(_widen(query_language.to_elasticsearch(node)), bool(query_language.text_terms(node)),
                         _knn_constraints(node), node)


def _end_of(value: str) -> str:
    # "until" is inclusive: round a day, month or year up to its last millisecond, as SQLite's "~" does.
    unit = {1: "y", 2: "M", 3: "d"}.get(len(value.split("-"))) if re.fullmatch(r"\d{4}(-\d\d){0,2}", value) else None
    return f"{value}||/{unit}" if unit else value


def filter_clauses(filters: SearchFilters | None) -> list[dict]:
    """SearchFilters as bool ``filter`` clauses (valid on both indices)."""
    if filters is None:
        return []
    clauses = []
    for name, values in (("themes", filters.themes), ("language", filters.languages), ("outlet", filters.outlets),
                         ("country", [c.upper() for c in filters.countries])):
        if values:
            clauses.append({"terms": {name: list(values)}})
    bounds = {}
    if filters.since:
        bounds["gte"] = filters.since
    if filters.until:
        bounds["lte"] = _end_of(filters.until)
    if bounds:
        clauses.append({"range": {"published_at": bounds}})
    if filters.indexed_after:
        clauses.append({"range": {"indexed_at": {"gt": filters.indexed_after}}})
    if filters.indexed_until:
        # Articles indexed before times were kept have none, and count as indexed before any mark.
        clauses.append({"bool": {"should": [{"range": {"indexed_at": {"lte": filters.indexed_until}}},
                                            {"bool": {"must_not": [{"exists": {"field": "indexed_at"}}]}}],
                                 "minimum_should_match": 1}})
    return clauses


def build_query(compiled: CompiledQuery | str, filters: SearchFilters | None = None) -> dict:
    """The ``query`` of a search of the articles index."""
    if isinstance(compiled, str):
        compiled = compile_query(compiled)
    clauses = filter_clauses(filters)
    if compiled.clause is None and not clauses:
        return {"match_all": {}}
    body: dict = {}
    if compiled.clause is not None:
        body["must"] = [compiled.clause]
    if clauses:
        body["filter"] = clauses
    return {"bool": body}


def reciprocal_rank_fusion(rankings: list[list[str]], k: int = RRF_K) -> list[tuple[str, float]]:
    """Ids by the sum over rankings of 1 / (k + rank), best first; ties keep first-seen order."""
    fused: dict[str, float] = {}
    for ranking in rankings:
        for rank, id in enumerate(ranking):
            fused[id] = fused.get(id, 0.0) + 1.0 / (k + rank + 1)
    return sorted(fused.items(), key=lambda item: -item[1])


# The highlighter's tags: two control characters no article is expected to hold. Any that does is noticed
# (see _snippet) and highlighted here instead, since tags inside text already indexed cannot be told apart.
PRE_TAG, POST_TAG = "\x02", "\x03"


def _best_fragment(highlight: dict) -> str:
    """The fragment with the most marked words; the plain field's wins ties (it marks unstemmed matches)."""
    best, marks = "", -1
    for name in HIGHLIGHT_FIELDS:
        for fragment in highlight.get(name, [])[:1]:
            count = fragment.count(PRE_TAG)
            if count > marks:
                best, marks = fragment, count
    return best


def _snippet(fragment: str, article: Article, passage: str, highlighter: Highlighter) -> Highlighted:
    """The server's fragment as plain text and matches; when it has none, or the article's own text holds the
    tags' characters, the passage's (or the text's) snippet found here."""
    text, found = article.text or "", None
    if fragment and PRE_TAG not in text and POST_TAG not in text:
        found = untagged(fragment, PRE_TAG, POST_TAG)
    if fragment and found is None and highlighter:
        found = highlighter.snippet(passage, article.language) or highlighter.snippet(text, article.language)
    return found or highlighter.passage_snippet(passage, article.language)


_HIGHLIGHT = {
    "pre_tags": [PRE_TAG], "post_tags": [POST_TAG],
    # A long imported report would otherwise fail the whole search (the server's limit is 1,000,000
    # characters); past this point its text is simply not highlighted.
    "max_analyzed_offset": 500_000,
    "fields": {name: {"fragment_size": SNIPPET_CHARS, "number_of_fragments": 1,
                      "no_match_size": SNIPPET_CHARS if name == "text" else 0} for name in HIGHLIGHT_FIELDS},
}
_BY_DATE = [{"published_at": {"order": "desc", "missing": "_last"}}, {"id": {"order": "asc"}}]


def _unit(vector) -> list[float] | None:
    """The vector as floats of length 1, or None when it cannot be one (cosine refuses zero vectors)."""
    array = np.asarray(vector, dtype=np.float32).ravel()
    norm = float(np.linalg.norm(array)) if array.size else 0.0
    if not norm or not math.isfinite(norm):
        return None
    return (array / norm).astype(np.float32).tolist()


# -- the store --------------------------------------------------------------------------------------------

def _import_client():
    try:
        import elasticsearch
    except ImportError:
        raise StoreError(f"the Elasticsearch store needs the official client: {INSTALL_HINT}") from None
    return elasticsearch


def _connection_reason(exc: Exception) -> str:
    """The operating system's words for what failed ("Connection refused"), without the client's wrapping."""
    text = " | ".join(str(part) for part in (getattr(exc, "message", ""), exc) if part)
    found = re.search(r"\[Errno -?\d+\] ([^()<>\[\]|]+)", text)
    if found:
        return found.group(1).strip().rstrip(".,")
    if "timed out" in text.lower() or "timeout" in type(exc).__name__.lower():
        return "no answer in time"
    if "ssl" in text.lower() or "certificate" in text.lower():
        return "TLS failed; check verify_certs / ca_certs in the store URL"
    return "connection failed"


def _api_reason(exc) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        error = body["error"]
        causes = error.get("root_cause") or [error]
        reason = causes[0].get("reason") or error.get("reason") or error.get("type")
        caused_by = (error.get("caused_by") or {}).get("reason")
        return f"{reason} ({caused_by})" if caused_by and caused_by != reason else str(reason)
    message = getattr(exc, "message", None)
    status = getattr(getattr(exc, "meta", None), "status", None)
    if message in (None, "", "None") and status:
        return f"HTTP {status}"
    return str(message or exc)


class ElasticsearchStore:
    def __init__(self, url: str):
        self.settings = parse_url(url)
        self._es = _import_client()
        options: dict = {"request_timeout": self.settings.timeout, "max_retries": MAX_RETRIES,
                         "retry_on_timeout": True}
        if self.settings.username is not None:
            options["basic_auth"] = (self.settings.username, self.settings.password or "")
        if self.settings.verify_certs is not None:
            options["verify_certs"] = self.settings.verify_certs
        if self.settings.ca_certs:
            options["ca_certs"] = self.settings.ca_certs
        self._articles = self.settings.articles_index
        self._passages = self.settings.passages_index
        self._searches = self.settings.searches_index
        self._refresh = self.settings.refresh
        self._stale = False          # written with refresh=false and not refreshed since
        self._dims: int | None = None
        try:
            self._client = self._es.Elasticsearch(self.settings.node_url, **options)
        except (ValueError, TypeError) as exc:
            raise StoreError(f"cannot use Elasticsearch at {self.settings.node_url}: {exc}") from None
        try:
            self._check_server()
            self._ensure_indices()
        except BaseException:
            self._client.close()
            raise

    # -- connection and schema -------------------------------------------------------------------------

    @property
    def _where(self) -> str:
        return f"{self.settings.node_url}/{self.settings.prefix}"

    def _translate(self, exc: Exception, doing: str) -> StoreError:
        """A sentence a user can act on, for any error of the client."""
        es, node = self._es, self.settings.node_url
        if isinstance(exc, es.AuthenticationException):
            return StoreError(f"Elasticsearch at {node} rejected the credentials while {doing}; check user:password "
                              "in index.store_url")
        if isinstance(exc, es.AuthorizationException):
            return StoreError(f"Elasticsearch at {node} refused {doing}: {_api_reason(exc)}; the user needs read "
                              f"and write rights on the {self.settings.prefix}-* indices")
        if isinstance(exc, es.UnsupportedProductError):
            return StoreError(f"{node} does not answer as Elasticsearch; index.store_url must point at an "
                              "Elasticsearch 8 server")
        if isinstance(exc, es.ApiError):
            return StoreError(f"Elasticsearch at {self._where} returned an error while {doing}: {_api_reason(exc)}")
        if isinstance(exc, (es.ConnectionError, es.ConnectionTimeout)):
            return StoreError(f"cannot reach Elasticsearch at {node} ({_connection_reason(exc)}) while {doing}; "
                              "start it or fix index.store_url")
        return StoreError(f"talking to Elasticsearch at {node} failed while {doing}: {exc}")

    @contextmanager
    def _calls(self, doing: str):
        try:
            yield
        except (self._es.ApiError, self._es.TransportError) as exc:
            raise self._translate(exc, doing) from None

    def _check_server(self) -> None:
        es = self._es
        try:
            info = self._client.options(max_retries=0).info()
        except es.AuthorizationException:
            return  # a user limited to its own indices may not read the server's version: no reason to stop
        except (es.ConnectionError, es.ConnectionTimeout) as exc:
            raise StoreError(f"cannot reach Elasticsearch at {self.settings.node_url} ({_connection_reason(exc)}); "
                             "start it (see \"Scaling out with Elasticsearch\" in the README) or fix "
                             "index.store_url") from None
        except (es.AuthenticationException, es.UnsupportedProductError, es.TransportError) as exc:
            raise self._translate(exc, "checking the server") from None
        except es.ApiError as exc:
            raise StoreError(f"{self.settings.node_url} answered {_api_reason(exc)} where Elasticsearch describes "
                             "itself; check that index.store_url points at an Elasticsearch server") from None
        number = str(info.get("version", {}).get("number", ""))
        found = re.match(r"(\d+)\.(\d+)", number)
        if found and tuple(int(n) for n in found.groups()) < MINIMUM_VERSION:
            raise StoreError(f"Elasticsearch {number} at {self.settings.node_url} is too old; this store needs "
                             f"{'.'.join(map(str, MINIMUM_VERSION))} or later")

    def _ensure_indices(self) -> None:
        for name, body in ((self._articles, articles_index_body()), (self._passages, passages_index_body()),
                           (self._searches, searches_index_body())):
            with self._calls(f"creating index {name}"):
                try:
                    if not self._client.indices.exists(index=name):
                        self._client.indices.create(index=name, settings=body["settings"], mappings=body["mappings"])
                except self._es.BadRequestError as exc:
                    if exc.message != "resource_already_exists_exception":  # another process was quicker
                        raise
            mapping = self._check_mapping(name)
            if name != self._searches and "indexed_at" not in mapping.get("properties", {}):
                # Indices created before indexing times were kept: adding a field is allowed in place.
                with self._calls(f"adding the indexing time to {name}"):
                    self._client.indices.put_mapping(index=name,
                                                     properties={"indexed_at": _filterable_properties()["indexed_at"]})
            if name == self._articles and "exposure" not in mapping.get("properties", {}):
                # Likewise for the exposure fields; articles indexed before them count from their next upsert.
                with self._calls(f"adding the exposure fields to {name}"):
                    self._client.indices.put_mapping(index=name, properties=_exposure_properties())

    def _check_mapping(self, name: str) -> dict:
        with self._calls(f"reading the mapping of {name}"):
            response = self._client.indices.get_mapping(index=name)
        mapping = next(iter(response.body.values()), {}).get("mappings", {})
        version = int((mapping.get("_meta") or {}).get("schema_version", 0) or 0)
        if version > SCHEMA_VERSION:
            raise StoreError(f"index {name} was written by a newer Advocacy Monitor; upgrade first")
        if name == self._passages:
            dims = mapping.get("properties", {}).get("vector", {}).get("dims")
            self._dims = int(dims) if dims else None
        return mapping

    def _ensure_vector_field(self, dims: int) -> None:
        if self._dims is None:
            self._check_mapping(self._passages)   # another process may have fixed it since we opened
        if self._dims is None:
            with self._calls("adding the passage vector field"):
                self._client.indices.put_mapping(index=self._passages, properties={"vector": vector_mapping(dims)})
            self._dims = dims
        if self._dims != dims:
            raise StoreError(f"these vectors have {dims} dimensions but {self._passages} holds {self._dims}: the "
                             f"embedding model changed; delete the {self.settings.prefix}-* indices and re-index")

    def _fresh(self) -> None:
        """Make this store's own earlier writes visible to the search it is about to run."""
        if self._stale:
            with self._calls("refreshing the indices"):
                self._client.indices.refresh(index=[self._articles, self._passages])
            self._stale = False

    def close(self) -> None:
        try:
            self._fresh()
        except StoreError:
            pass  # the writes are stored all the same; the server's own periodic refresh will show them
        finally:
            self._client.close()

    def drop(self) -> None:
        """Delete both indices and everything in them (for tests and resets); the store is unusable after."""
        with self._calls("deleting the indices"):
            self._client.indices.delete(index=[self._articles, self._passages, self._searches],
                                        ignore_unavailable=True)
        self._stale = False

    # -- writing ---------------------------------------------------------------------------------------

    def _stored(self, id: str) -> dict | None:
        """The stored article's ``passage_slots`` and ``indexed_at`` (real-time); None: no such article."""
        with self._calls(f"reading article {id}"):
            try:
                doc = self._client.get(index=self._articles, id=id, source_includes=["passage_slots", "indexed_at"])
            except self._es.NotFoundError:
                return None
        return doc["_source"]

    def _passage_slots(self, id: str) -> int | None:
        """Passage ids the stored article may have used run from 0 to this minus 1; None: no such article."""
        stored = self._stored(id)
        return None if stored is None else int(stored.get("passage_slots") or 0)

    def _bulk(self, operations: list[dict], doing: str) -> list[dict]:
        refresh = None if self._refresh == "false" else self._refresh
        # Set first: a request that fails half-way may still have written something.
        self._stale = self._stale or refresh is None
        with self._calls(doing):
            response = self._client.bulk(operations=operations, refresh=refresh)
        items = [next(iter(item.values())) for item in response["items"]]
        failed = [item for item in items if "error" in item]
        if failed:
            error = failed[0]["error"]
            reason = error.get("reason", error) if isinstance(error, dict) else error
            raise StoreError(f"Elasticsearch at {self._where} refused {len(failed)} of {len(items)} writes while "
                             f"{doing}: {reason}; run it again once the cause is fixed")
        return items

    def upsert(self, article: Article, vectors: np.ndarray | None = None) -> None:
        self._bulk(self._upsert_operations(article, vectors), f"indexing article {article.id}")

    def upsert_many(self, items: Iterable[tuple[Article, np.ndarray | None]]) -> int:
        operations: list[dict] = []
        count = 0
        for article, vectors in items:
            operations += self._upsert_operations(article, vectors)
            count += 1
        if operations:
            self._bulk(operations, f"indexing {count} article{'s' if count != 1 else ''}")
        return count

    def _upsert_operations(self, article: Article, vectors: np.ndarray | None) -> list[dict]:
        vectors = None if vectors is None else np.asarray(vectors, dtype=np.float32)
        if vectors is not None and vectors.ndim == 1:
            vectors = vectors.reshape(1, -1)
        unit_vectors: dict[int, list[float]] = {}
        if vectors is not None and len(vectors):
            for passage in article.passages:
                if 0 <= passage.index < len(vectors):
                    unit = _unit(vectors[passage.index])
                    if unit is not None:
                        unit_vectors[passage.index] = unit
            if unit_vectors:
                self._ensure_vector_field(vectors.shape[1])
        stored = self._stored(article.id) or {}
        previous = int(stored.get("passage_slots") or 0)
        shared = {
            "outlet": article.outlet, "outlet_name": article.outlet_name, "country": article.country,
            "language": article.language, "entities": [entity.id for entity in article.entities],
            "themes": [theme.theme for theme in sorted(article.themes, key=lambda t: -t.score)],
            # The first time is kept: re-tagging an article must not make it new again for saved searches.
            "indexed_at": stored.get("indexed_at") or timestamp(),
        }
        if article.published_at:
            shared["published_at"] = article.published_at
        record = article.to_dict()
        record.pop("text", None)  # kept once, in the searchable "text" field
        # Never shrinks, so a passage left by a failed earlier upsert is still named, and deleted, next time.
        slots = max(previous, max((passage.index for passage in article.passages), default=-1) + 1)
        exposure = 1 + len({outlet for outlet in article.carried_by if outlet and outlet != article.outlet})
        document = {"id": article.id, **shared, "title": article.title, "text": article.text,
                    "passage_slots": slots, "record": record, "exposure": exposure,
                    "entity_counts": [{"entity": e.id, "name": e.name, "type": e.type, "count": e.count,
                                       "exposure": exposure} for e in article.entities]}
        if unit_vectors:
            # Mean of the vectors as given, then unit length: the direction SqliteStore.more_like_this uses.
            document["centroid"] = _unit(np.mean(vectors[sorted(unit_vectors)], axis=0))
        operations: list[dict] = []
        indexes = set()
        for passage in article.passages:
            indexes.add(passage.index)
            source = {"article_id": article.id, "passage_index": passage.index, "text": passage.text, **shared}
            if passage.index in unit_vectors:
                source["vector"] = unit_vectors[passage.index]
            operations += [{"index": {"_index": self._passages, "_id": f"{article.id}:{passage.index}"}}, source]
        for stale in range(previous):
            if stale not in indexes:
                operations.append({"delete": {"_index": self._passages, "_id": f"{article.id}:{stale}"}})
        operations += [{"index": {"_index": self._articles, "_id": article.id}}, document]
        return operations

    def delete(self, id: str) -> bool:
        slots = self._passage_slots(id)
        if slots is None:
            return False
        operations = [{"delete": {"_index": self._articles, "_id": id}}]
        operations += [{"delete": {"_index": self._passages, "_id": f"{id}:{index}"}} for index in range(slots)]
        items = self._bulk(operations, f"deleting article {id}")
        return items[0].get("result") == "deleted"

    # -- reading ---------------------------------------------------------------------------------------

    def _fetch(self, ids: list[str]) -> dict[str, Article]:
        """Articles by id (real-time, no refresh needed), missing ones left out."""
        if not ids:
            return {}
        with self._calls("fetching articles"):
            response = self._client.mget(index=self._articles, ids=list(ids), source_includes=["record", "text"])
        found = {}
        for doc in response["docs"]:
            if doc.get("found"):
                source = doc["_source"]
                found[doc["_id"]] = Article.from_dict({**source["record"], "text": source.get("text", "")})
        return found

    def get(self, id: str) -> Article | None:
        return self._fetch([id]).get(id)

    def count(self) -> int:
        self._fresh()
        with self._calls("counting articles"):
            return int(self._client.count(index=self._articles)["count"])

    def indexed_up_to(self) -> str:
        # Every process stamps its writes before sending them; one stamped earlier than this may still be on its
        # way for as long as all its attempts can take, and then wait for the next refresh (one second).
        in_flight = self.settings.timeout * (MAX_RETRIES + 1) + 1.0
        with self._calls("refreshing the indices"):
            self._client.indices.refresh(index=[self._articles, self._passages])
        self._stale = False
        cut = datetime.now(timezone.utc) - timedelta(seconds=in_flight)
        return cut.isoformat(timespec="microseconds")

    # -- saved searches --------------------------------------------------------------------------------

    def save_search(self, search: SavedSearch) -> None:
        with self._calls(f"saving the search {search.name}"):
            self._client.index(index=self._searches, id=search.name,
                               document={"name": search.name, "record": search.to_dict()}, refresh="wait_for")

    def saved_searches(self) -> list[SavedSearch]:
        with self._calls("listing saved searches"):
            response = self._client.search(index=self._searches, query={"match_all": {}}, size=MAX_WINDOW,
                                           sort=[{"name": {"order": "asc"}}], track_total_hits=False)
        return [SavedSearch.from_dict(hit["_source"]["record"]) for hit in response["hits"]["hits"]]

    def delete_search(self, name: str) -> bool:
        with self._calls(f"deleting the saved search {name}"):
            try:
                self._client.delete(index=self._searches, id=name, refresh="wait_for")
            except self._es.NotFoundError:
                return False
        return True

    def search(self, query: str, *, filters: SearchFilters | None = None, limit: int = 10, offset: int = 0,
               vector: np.ndarray | None = None, mode: str = "keyword",
               min_similarity: float | None = None) -> SearchResult:
        if mode not in SEARCH_MODES:
            raise ValueError(f"unknown search mode {mode!r}; choose one of {', '.join(SEARCH_MODES)}")
        if mode != "keyword" and vector is None:
            mode = "keyword"  # no query embedding (no model, or an empty query): words only
        compiled = compile_query(query)
        self._fresh()
        if mode == "keyword" or mode == "hybrid" and not compiled.has_text:
            return self._keyword_search(compiled, filters=filters, limit=limit, offset=offset)
        wanted = offset + limit
        semantic = self._vector_ranked(vector, filters=filters, constraints=compiled.constraints,
                                       k=max(wanted, RRF_DEPTH), min_similarity=min_similarity)
        if mode == "semantic":
            return self._hits(semantic[offset:wanted], total=len(semantic), highlighter=Highlighter(compiled.node))
        keyword = self._keyword_ranked(compiled, filters=filters, size=max(wanted, RRF_DEPTH))
        fused = reciprocal_rank_fusion([[id for id, _, _ in keyword], [id for id, _, _ in semantic]])
        best_passage = {id: passage for id, _, passage in semantic}
        snippets = {id: snippet for id, _, snippet in keyword}
        ranked = [(id, score, best_passage.get(id)) for id, score in fused[offset:wanted]]
        return self._hits(ranked, total=len(fused), highlighter=Highlighter(compiled.node), snippets=snippets)

    def more_like_this(self, article_id: str, *, limit: int = 10, filters: SearchFilters | None = None) -> SearchResult:
        """Articles whose passages are closest to this article's, itself excluded."""
        with self._calls(f"reading article {article_id}"):
            try:
                doc = self._client.get(index=self._articles, id=article_id, source_includes=["centroid"])
            except self._es.NotFoundError:
                return SearchResult(total=0, hits=[])
        centre = doc["_source"].get("centroid")
        if not centre:
            return SearchResult(total=0, hits=[])
        self._fresh()
        ranked = self._vector_ranked(centre, filters=filters, k=limit, exclude=article_id)
        return self._hits(ranked, total=len(ranked), highlighter=Highlighter(query_language.MatchAll))

    def facets(self, field: str, *, query: str = "", filters: SearchFilters | None = None) -> dict[str, int]:
        """Article counts per value of ``field`` (theme, outlet, language, country) among matching articles."""
        if field not in FACET_FIELDS:
            raise ValueError(f"cannot facet on {field!r}; choose one of {', '.join(FACET_FIELDS)}")
        self._fresh()
        with self._calls(f"counting articles per {field}"):
            response = self._client.search(
                index=self._articles, query=build_query(compile_query(query), filters), size=0,
                track_total_hits=False,
                aggs={"values": {"terms": {"field": FACET_FIELDS[field], "size": FACET_SIZE,
                                           "order": [{"_count": "desc"}, {"_key": "asc"}]}}})
        return {bucket["key"]: bucket["doc_count"] for bucket in response["aggregations"]["values"]["buckets"]}

    def attention(self, query: str = "", *, filters: SearchFilters | None = None, by: str = "week") -> list[dict]:
        """Matching articles per period next to all articles, as SqliteStore.attention gives them: the same
        zero-filled periods (see index/analytics.py), counted by two date histograms."""
        if by not in analytics.BUCKETS:
            raise ValueError(f"cannot count by {by!r}; choose one of {', '.join(analytics.BUCKETS)}")
        low = analytics.bound(filters.since if filters else None, "since")
        high = analytics.bound(filters.until if filters else None, "until")
        if low and high and low > high:
            return []
        self._fresh()
        # Day buckets, regrouped like the SQLite store's so that a week starts on Monday and edges match.
        histogram = {"date_histogram": {"field": "published_at", "calendar_interval": "day", "format": "yyyy-MM-dd",
                                        "min_doc_count": 1}}
        matching = build_query(compile_query(query), filters)
        window = {"range": {"published_at": {k: v for k, v in (("gte", low and low.isoformat()),
                                                                 ("lte", high and high.isoformat())) if v}}}
        with self._calls("counting articles over time"):
            response = self._client.search(
                index=self._articles, size=0, track_total_hits=False,
                query={"bool": {"filter": [window]}} if (low or high) else {"match_all": {}},
                aggs={"all": histogram, "matching": {"filter": matching, "aggs": {"days": histogram}}})
        aggregations = response["aggregations"]

        def day_counts(buckets) -> dict:
            return {date.fromisoformat(bucket["key_as_string"]): bucket["doc_count"] for bucket in buckets}

        return analytics.series(day_counts(aggregations["matching"]["days"]["buckets"]),
                                day_counts(aggregations["all"]["buckets"]), by=by, since=low, until=high)

    def share_of_voice(self, query: str = "", *, filters: SearchFilters | None = None,
                       limit: int = 10) -> list[dict]:
        """The organisations the matching articles name most, as SqliteStore.share_of_voice gives them, from
        a nested aggregation over each article's entities."""
        self._fresh()
        order = [{"_count": "desc"}, {"mentions": "desc"}, {"_key": "asc"}]
        with self._calls("counting organisations"):
            response = self._client.search(
                index=self._articles, size=0, track_total_hits=False, query=build_query(compile_query(query), filters),
                aggs={"named": {"nested": {"path": "entity_counts"}, "aggs": {"organisations": {
                    "filter": {"term": {"entity_counts.type": "organisation"}},
                    "aggs": {
                        "exposure": {"sum": {"field": "entity_counts.exposure"}},
                        "entities": {"terms": {"field": "entity_counts.entity", "size": max(1, limit), "order": order},
                                     "aggs": {"mentions": {"sum": {"field": "entity_counts.count"}},
                                              "exposure": {"sum": {"field": "entity_counts.exposure"}},
                                              "name": {"terms": {"field": "entity_counts.name", "size": 1}}}}}}}}})
        organisations = response["aggregations"]["named"]["organisations"]
        pairs, exposure_pairs = organisations["doc_count"], organisations["exposure"]["value"]
        rows = []
        for bucket in organisations["entities"]["buckets"][:limit]:
            names = bucket["name"]["buckets"]
            exposure = int(bucket["exposure"]["value"])
            rows.append({"entity": bucket["key"], "name": names[0]["key"] if names else bucket["key"].split(":", 1)[-1],
                         "type": "organisation", "articles": bucket["doc_count"],
                         "mentions": int(bucket["mentions"]["value"]), "exposure": exposure,
                         "share": bucket["doc_count"] / pairs if pairs else 0.0,
                         "exposure_share": exposure / exposure_pairs if exposure_pairs else 0.0})
        return rows

    # -- search internals ------------------------------------------------------------------------------

    def _keyword_search(self, compiled: CompiledQuery, *, filters, limit: int, offset: int) -> SearchResult:
        start = max(0, min(offset, MAX_WINDOW))
        size = max(0, min(limit, MAX_WINDOW - start))
        request: dict = {"index": self._articles, "query": build_query(compiled, filters), "from_": start,
                         "size": size, "track_total_hits": True, "source": False}
        if compiled.has_text:
            request["highlight"] = _HIGHLIGHT
        else:
            request["sort"] = _BY_DATE
        with self._calls("searching"):
            response = self._client.search(**request)
        hits = response["hits"]["hits"]
        ranked = [(hit["_id"], float(hit.get("_score") or 0.0) if compiled.has_text else 0.0, None) for hit in hits]
        snippets = {hit["_id"]: _best_fragment(hit.get("highlight", {})) for hit in hits}
        return self._hits(ranked, total=int(response["hits"]["total"]["value"]), highlighter=Highlighter(compiled.node),
                          snippets=snippets)

    def _keyword_ranked(self, compiled: CompiledQuery, *, filters, size: int) -> list[tuple[str, float, str]]:
        """(id, BM25 score, snippet), best first."""
        if not compiled.has_text:
            return []
        with self._calls("searching"):
            response = self._client.search(index=self._articles, query=build_query(compiled, filters),
                                           size=min(size, MAX_WINDOW), source=False, track_total_hits=False,
                                           highlight=_HIGHLIGHT)
        return [(hit["_id"], float(hit["_score"] or 0.0), _best_fragment(hit.get("highlight", {})))
                for hit in response["hits"]["hits"]]

    def _vector_ranked(self, vector, *, filters, k: int, constraints: tuple[dict, ...] = (),
                       exclude: str | None = None, min_similarity: float | None = None) -> list[tuple[str, float, int]]:
        """(article id, best passage's cosine similarity, that passage's index) for the k closest articles,
        none less similar than ``min_similarity``."""
        if self._dims is None:
            self._check_mapping(self._passages)
        if self._dims is None or k <= 0:
            return []  # no vector was ever indexed
        query_vector = _unit(vector)
        if query_vector is None:
            return []
        if len(query_vector) != self._dims:
            raise StoreError(f"the query vector has {len(query_vector)} dimensions but {self._passages} holds "
                             f"{self._dims}: search with the model the articles were indexed with")
        narrowing: dict = {}
        wanted = [*filter_clauses(filters), *constraints]
        if wanted:
            narrowing["filter"] = wanted
        if exclude is not None:
            narrowing["must_not"] = [{"term": {"article_id": exclude}}]
        # Passages first, grouped into articles below; start with a few per article and widen while the
        # best passages keep coming from articles already seen.
        passages = min(MAX_WINDOW, max(4 * k, 40))
        while True:
            knn: dict = {"field": "vector", "query_vector": query_vector, "k": passages,
                         "num_candidates": min(MAX_WINDOW, max(2 * passages, 100))}
            if narrowing:
                knn["filter"] = {"bool": narrowing}
            with self._calls("searching by meaning"):
                response = self._client.search(index=self._passages, knn=knn, size=passages,
                                               source=["article_id", "passage_index"], track_total_hits=False)
            hits = response["hits"]["hits"]
            ranked, seen, too_far = [], set(), False
            for hit in hits:
                # Elasticsearch scores cosine as (1 + cos) / 2; report the cosine itself, as SqliteStore does.
                similarity = 2.0 * float(hit["_score"]) - 1.0
                if min_similarity is not None and similarity < min_similarity:
                    too_far = True   # passages come most similar first: the rest are further still
                    break
                article = hit["_source"]["article_id"]
                if article in seen:
                    continue
                seen.add(article)
                ranked.append((article, round(similarity, 4), int(hit["_source"]["passage_index"])))
            if too_far or len(ranked) >= k or len(hits) < passages or passages >= MAX_WINDOW:
                return ranked[:k]
            passages = min(MAX_WINDOW, passages * 4)

    def _hits(self, ranked: list[tuple[str, float, int | None]], *, total: int, highlighter: Highlighter,
              snippets: dict[str, str] | None = None) -> SearchResult:
        snippets = snippets or {}
        articles = self._fetch([id for id, _, _ in ranked])
        hits = []
        for id, score, passage_index in ranked:
            article = articles.get(id)
            if article is None:
                continue  # deleted between the search and the fetch
            passages = sorted(article.passages, key=lambda p: p.index)
            if passage_index is None:
                # Found by words: the passage that holds most of them.
                passage_index = highlighter.best_passage([(p.index, p.text) for p in passages], article.language)
            best = next((p for p in passages if p.index == passage_index), None)
            passage_index, passage = (best.index, best.text) if best else (None, "")
            snippet = _snippet(snippets.get(id, ""), article, passage, highlighter).collapsed()
            hits.append(Hit(id=id, score=round(float(score), 4), title=article.title,
                            url=article.canonical_url or article.url, outlet=article.outlet,
                            outlet_name=article.outlet_name, language=article.language,
                            published_at=article.published_at, snippet=snippet.text,
                            themes=[t.theme for t in sorted(article.themes, key=lambda t: -t.score)],
                            passage=passage, passage_index=passage_index, highlights=list(snippet.spans)))
        return SearchResult(total=total, hits=hits)
