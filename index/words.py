"""The embedded store's word index: tantivy, beside the database, for searches and counts on a large store.

FTS5 ranks every article a query matches before it can hand back the best ten: a word found in 50,000
articles of a million costs half a second, whatever the page size. tantivy, an embedded search library (no
server: a directory of files beside ``index.db``), skips through its postings to the top ten (block-max
WAND) and counts and aggregates matches over column-stored fields, which keeps searches, facets, attention
over time and share of voice within their targets at a million articles (``benchmarks/scale.py``).

It holds exactly the words FTS5 holds, as :func:`~advocacy.index.query.index_text` gives them (normalised
and stemmed, joined by spaces and cut at spaces here), so both select the same articles for a query; only
the order of equally relevant articles and the exact scores differ.

The database stays the only source of truth, as for the passage vectors (index/vectors.py):

* every write to an article lists it in ``words_pending`` (in the same transaction), with a stamp;
* :meth:`WordIndex.sync` brings the word index up to date from the records and then clears exactly the
  stamps it indexed, so an article rewritten meanwhile stays pending, and a process killed at any point
  leaves at worst some articles indexed twice over (each is deleted before it is added);
* while anything is pending (another process is writing, or one died before its sync), or for a query the
  word index cannot answer exactly, the store answers from SQLite and FTS5 instead. A missing, unreadable
  or outdated word index is rebuilt from the records.
"""
from __future__ import annotations

import json
import re
import shutil
import sqlite3
from collections import Counter
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Callable, Iterable

from advocacy.index.query import (QUERY_LANGUAGES, And, Field, MatchAll, Not, Or, Phrase, Term, _entity_ids,
                                  _population_id, index_text, requires_text, stem, stems)
from advocacy.index.store import SearchFilters

# Changes whenever the fields below, or what goes into them, change: the word index is then rebuilt.
WORDS_INDEX_VERSION = "1"
# A word in the title counts four times one in the text, as in the FTS5 ranking.
TITLE_WEIGHT = 4.0
TEXT_FIELDS = ("title_exact", "title_stemmed", "text_exact", "text_stemmed")
# Articles indexed per commit when catching up, and the most a search catches up with before answering.
SYNC_BATCH = 5_000
SYNC_ON_READ = 2_000
WRITER_HEAP = 128_000_000
FACET_FIELDS = {"outlet": "outlet", "language": "language", "country": "country", "theme": "theme"}
MANY = 1 << 30            # terms aggregation size: every value, not a top few
# The most words a phrase's final prefix ("asylum seek*") may stand for: tantivy expands it to at most
# 16,384 terms; a prefix standing for more is answered by FTS5, which expands it fully.
PHRASE_PREFIX_TERMS = 10_000

_UNIT = "\x1f"            # joins an organisation and its mention count in the ``voice`` field
_ROWID_BITS = 24          # "newest first" packs the publication time above the rowid (see _newest)
_FULL_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_PARTIAL_DATE = re.compile(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?")


class WordIndexUnavailable(Exception):
    """The word index cannot be used here (tantivy missing, or the directory unusable)."""


def _ascii_lower(value: str) -> str:
    # SQLite's lower() and upper() fold ASCII only; the filters must select what the SQL ones select.
    return "".join(c.lower() if c.isascii() else c for c in value)


def _ascii_upper(value: str) -> str:
    return "".join(c.upper() if c.isascii() else c for c in value)


def _day(published: str | None) -> date | None:
    if not published:
        return None
    try:
        return date.fromisoformat(published[:10])
    except ValueError:
        return None


def _newest(published: str | None, doc: int) -> int:
    """A sort key, highest first, for "newest first, then in the order indexed": the publication time in
    seconds above the inverted rowid. Undated articles come last, as NULLs do in SQLite's DESC order."""
    seconds = -1
    if published:
        try:
            moment = datetime.fromisoformat(published.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=timezone.utc)
            seconds = int(moment.timestamp())
        except ValueError:
            seconds = -1
    return ((seconds + (1 << 36)) << _ROWID_BITS) | ((1 << _ROWID_BITS) - 1 - doc)


def _first_day(value: str) -> int | None:
    match = _PARTIAL_DATE.fullmatch(value)
    if not match:
        return None
    year, month, day = match.groups()
    return date(int(year), int(month or 1), int(day or 1)).toordinal()


def _last_day(value: str) -> int | None:
    """The last day a "before:" bound of a year, month or day includes (the SQL compares text up to "~")."""
    match = _PARTIAL_DATE.fullmatch(value)
    if not match:
        return None
    year, month, day = match.groups()
    if day:
        return date(int(year), int(month), int(day)).toordinal()
    if month:
        following = date(int(year) + (month == "12"), int(month) % 12 + 1, 1)
        return following.toordinal() - 1
    return date(int(year), 12, 31).toordinal()


class _Unsupported(Exception):
    """A query or filter the word index cannot answer exactly as SQL would: SQL answers it."""


class WordIndex:
    """tantivy beside the database: what :class:`~advocacy.index.sqlite.SqliteStore` searches and counts
    with whenever it is up to date."""

    def __init__(self, db: sqlite3.Connection, path: Path, *, words_version: str = ""):
        self._db = db
        self.path = path
        # What the directory must have been written by: this layout, and index_text() as the store has it.
        self._version = f"{WORDS_INDEX_VERSION}/{words_version}"
        self.enabled = True          # False answers everything from SQLite (tests compare both)
        self._index = None
        self._schema = None
        self._prepared: dict[int, object] = {}
        self._totals: tuple[object, Counter] | None = None
        try:
            import tantivy
        except ImportError:
            self._tantivy = None
            self.enabled = False
            return
        self._tantivy = tantivy
        self._open()

    # -- the directory ---------------------------------------------------------------------------------

    def _build_schema(self):
        tantivy = self._tantivy
        builder = tantivy.SchemaBuilder()
        builder.add_integer_field("doc", indexed=True, fast=True)
        for name in TEXT_FIELDS:
            builder.add_text_field(name, tokenizer_name="whitespace", index_option="position")
        for name in ("language", "outlet", "country", "theme"):
            builder.add_text_field(name, tokenizer_name="raw", fast=True)
        for name in ("outlet_key", "entity"):
            builder.add_text_field(name, tokenizer_name="raw")
        builder.add_text_field("day", tokenizer_name="raw", fast=True)
        builder.add_text_field("voice", tokenizer_name="raw", fast=True)
        builder.add_integer_field("day_number", indexed=True, fast=True)
        builder.add_integer_field("newest", fast=True)
        builder.add_unsigned_field("exposure", fast=True)
        return builder.build()

    def _recorded_version(self) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key='words_index'").fetchone()
        return row[0] if row else None

    def _open(self) -> None:
        """Open the directory, or start a new one and list every article as pending when it is missing,
        unreadable or written by another version."""
        tantivy = self._tantivy
        self._schema = self._build_schema()
        if self._recorded_version() == self._version and (self.path / "meta.json").exists():
            try:
                self._index = tantivy.Index(self._schema, path=str(self.path), reuse=True)
                return
            except ValueError:
                pass                        # unreadable, or another schema: rebuilt below
        self._db.execute("BEGIN IMMEDIATE")
        try:
            shutil.rmtree(self.path, ignore_errors=True)
            self.path.mkdir(parents=True, exist_ok=True)
            self._index = tantivy.Index(self._schema, path=str(self.path), reuse=False)
            self._db.execute("INSERT OR REPLACE INTO words_pending (doc, stamp) SELECT rowid, 0 FROM docs")
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('words_index', ?)", (self._version,))
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    # -- writing ---------------------------------------------------------------------------------------

    def document(self, doc: int, stamp: int, article, title_words: tuple[str, str], text_words: tuple[str, str]):
        """The article's document, from the words the caller already computed for FTS5; kept until the
        next :meth:`sync` so that loading does not fold and stem every text twice. ``stamp`` is the one its
        pending row got: if another process rewrites the article first, the row's stamp differs and the
        sync reads that newer record instead."""
        if self._tantivy is None:
            return None
        document = self._make(doc, language=article.language, outlet=article.outlet,
                              outlet_name=article.outlet_name, country=article.country,
                              published=article.published_at, themes=[t.theme for t in article.themes],
                              entities=[(e.id, e.type, e.count) for e in article.entities],
                              exposure=_exposure(article), title_words=title_words, text_words=text_words)
        self._prepared[doc] = (stamp, document)
        return document

    def _make(self, doc: int, *, language, outlet, outlet_name, country, published, themes, entities, exposure,
              title_words, text_words):
        tantivy = self._tantivy
        document = tantivy.Document()
        document.add_integer("doc", doc)
        for name, value in zip(TEXT_FIELDS, (*title_words, *text_words)):
            document.add_text(name, value)
        document.add_text("language", language or "")
        document.add_text("outlet", outlet or "")
        document.add_text("outlet_key", _ascii_lower(outlet_name or ""))
        document.add_text("country", country or "")
        for theme in themes:
            document.add_text("theme", theme)
        for entity, kind, count in entities:
            document.add_text("entity", entity)
            if kind == "organisation":
                document.add_text("voice", f"{entity}{_UNIT}{int(count)}")
        day = _day(published)
        document.add_text("day", day.isoformat() if day else "")
        if day is not None:
            document.add_integer("day_number", day.toordinal())
        document.add_integer("newest", _newest(published, doc))
        document.add_unsigned("exposure", int(exposure))
        return document

    def _from_record(self, doc: int, record: str, title: str):
        from advocacy.index.analytics import exposure

        data = json.loads(record)        # read as stored: its passages have no text (the store keeps it apart)
        language = data.get("language") or ""
        return self._make(doc, language=language, outlet=data.get("outlet"), outlet_name=data.get("outlet_name"),
                          country=data.get("country"), published=data.get("published_at"),
                          themes=[t["theme"] for t in data.get("themes") or []],
                          entities=[(e["id"], e.get("type"), e.get("count") or 0) for e in data.get("entities") or []],
                          exposure=exposure(data.get("outlet") or "", data.get("carried_by")),
                          title_words=index_text(title, language), text_words=index_text(data.get("text") or "", language))

    def forget_prepared(self) -> None:
        """The caller's transaction was rolled back: its documents must not be indexed."""
        self._prepared.clear()

    def pending_count(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM words_pending").fetchone()[0]

    def sync(self, *, most: int | None = None) -> bool:
        """Index the pending articles (or delete them from the word index when they are gone), committing
        every SYNC_BATCH; True when nothing is left pending. False without waiting when another process
        holds the word index's writer, or when ``most`` articles are pending or more (a read will not
        stall for a rebuild)."""
        if self._tantivy is None or self._index is None:
            return False
        if most is not None:
            waiting = self._db.execute("SELECT COUNT(*) FROM (SELECT 1 FROM words_pending LIMIT ?)",
                                       (most,)).fetchone()[0]
            if waiting >= most:
                return False
        writer = None
        try:
            while True:
                # One statement: the records and the stamps come from the same snapshot of the database.
                rows = self._db.execute(
                    "SELECT w.doc, w.stamp, d.record, d.title FROM words_pending w LEFT JOIN docs d "
                    "ON d.rowid = w.doc ORDER BY w.doc LIMIT ?", (SYNC_BATCH,)).fetchall()
                if not rows:
                    return True
                if writer is None:
                    try:
                        writer = self._index.writer(heap_size=WRITER_HEAP, num_threads=1)
                    except ValueError:
                        return False        # another process is writing; it will catch up
                for doc, stamp, record, title in rows:
                    writer.delete_documents_by_term("doc", doc)
                    if record is not None:
                        prepared_stamp, document = self._prepared.pop(doc, (None, None))
                        if prepared_stamp != stamp:
                            document = self._from_record(doc, record, title)
                        writer.add_document(document)
                writer.commit()
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    self._db.executemany("DELETE FROM words_pending WHERE doc=? AND stamp=?",
                                         [(doc, stamp) for doc, stamp, _, _ in rows])
                    self._db.execute("COMMIT")
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
        finally:
            self._prepared.clear()
            if writer is not None:
                writer.wait_merging_threads()
                self._index.reload()

    def ready(self) -> bool:
        """Whether searches and counts may come from the word index: it exists and nothing is pending
        (a few pending articles are indexed first)."""
        if not self.enabled or self._index is None:
            return False
        if self._db.execute("SELECT 1 FROM words_pending LIMIT 1").fetchone() is None:
            return True
        return self.sync(most=SYNC_ON_READ)

    # -- reading ---------------------------------------------------------------------------------------

    def _searcher(self):
        self._index.reload()
        return self._index.searcher()

    def search(self, node, filters: SearchFilters | None, *, k: int, offset: int = 0,
               resolve_entity: Callable[[str], Iterable[str]] | None = None):
        """(total, [(doc, score)]) best first, as SqliteStore's keyword search ranks them; None when SQL
        must answer (see :meth:`ready` and :class:`_Unsupported`)."""
        searcher = self._searcher()
        try:
            translate = _Translator(self._tantivy, self._schema, resolve_entity, searcher)
            query = translate.query(node, filters)
            by_words = translate.ranks_by_words(node)
        except _Unsupported:
            return None
        if by_words:
            result = searcher.search(query, k, count=True, offset=offset)
        else:
            result = searcher.search(query, k, count=True, offset=offset, order_by_field="newest")
        addresses = [address for _, address in result.hits]
        docs = searcher.fast_field_values("doc", addresses) if addresses else []
        scores = [float(score) if by_words else 0.0 for score, _ in result.hits]
        return result.count, list(zip(docs, scores))

    def among(self, docs: list[int], node, filters, *, resolve_entity=None) -> set[int] | None:
        """Those of ``docs`` that match ``node`` and ``filters``; None when SQL must tell (an empty ``docs``
        asks only whether the word index can)."""
        searcher = self._searcher()
        try:
            query = _Translator(self._tantivy, self._schema, resolve_entity, searcher).query(node, filters)
        except _Unsupported:
            return None
        if not docs:
            return set()
        Query, Occur = self._tantivy.Query, self._tantivy.Occur
        query = Query.boolean_query([(Occur.Must, query),
                                     (Occur.Must, Query.term_set_query(self._schema, "doc", list(docs)))])
        result = searcher.search(query, len(docs), count=False)
        return set(searcher.fast_field_values("doc", [address for _, address in result.hits]))

    def _aggregate(self, node, filters, aggregation: dict, resolve_entity):
        searcher = self._searcher()
        try:
            query = _Translator(self._tantivy, self._schema, resolve_entity, searcher).query(node, filters)
        except _Unsupported:
            return None
        return searcher.aggregate(query, aggregation)

    def count(self, node, filters, *, resolve_entity=None) -> int | None:
        found = self.search(node, filters, k=1, resolve_entity=resolve_entity)
        return None if found is None else found[0]

    def values(self, field: str, node, filters, *, resolve_entity=None) -> Counter | None:
        """Matching articles per value of a keyword field (theme, outlet, language, country, day)."""
        result = self._aggregate(node, filters, {"values": {"terms": {"field": field, "size": MANY}}},
                                 resolve_entity)
        if result is None:
            return None
        return Counter({bucket["key"]: bucket["doc_count"] for bucket in result["values"]["buckets"]})

    def day_counts(self, node, filters, *, resolve_entity=None) -> Counter | None:
        """Matching articles per publication day ("" for the undated)."""
        return self.values("day", node, filters, resolve_entity=resolve_entity)

    def all_day_counts(self) -> Counter:
        """Every article per publication day, remembered until the index changes (the normalising totals
        are the same for every query)."""
        searcher = self._searcher()
        stamp = (searcher.num_docs, _stamp(self.path / "meta.json"))
        if self._totals is None or self._totals[0] != stamp:
            self._totals = (stamp, self.values("day", MatchAll, None))
        return self._totals[1]

    def organisation_voice(self, node, filters, *, resolve_entity=None) -> dict[str, dict] | None:
        """entity -> {"articles", "mentions", "exposure"} over the matching articles, organisations only."""
        result = self._aggregate(node, filters, {"voice": {"terms": {"field": "voice", "size": MANY},
                                                           "aggs": {"exposure": {"sum": {"field": "exposure"}}}}},
                                 resolve_entity)
        if result is None:
            return None
        stats: dict[str, dict] = {}
        for bucket in result["voice"]["buckets"]:
            entity, _, count = bucket["key"].rpartition(_UNIT)
            s = stats.setdefault(entity, {"type": "organisation", "articles": 0, "mentions": 0, "exposure": 0})
            s["articles"] += bucket["doc_count"]
            s["mentions"] += int(count) * bucket["doc_count"]
            s["exposure"] += int(bucket["exposure"]["value"] or 0)
        return stats


def _stamp(path: Path):
    try:
        status = path.stat()
    except FileNotFoundError:
        return None
    return status.st_mtime_ns, status.st_size


def _exposure(article) -> int:
    from advocacy.index.analytics import exposure

    return exposure(article.outlet, article.carried_by)


class _Translator:
    """A parsed query and SearchFilters as one tantivy query selecting what the SQL of
    :func:`~advocacy.index.query.to_sqlite` selects; scored by the words only (fields score nothing)."""

    def __init__(self, tantivy, schema, resolve_entity, searcher=None):
        self.tantivy, self.schema, self.resolve_entity = tantivy, schema, resolve_entity
        self.searcher = searcher      # to count what a phrase's last word* may stand for
        self.Query, self.Occur = tantivy.Query, tantivy.Occur

    def ranks_by_words(self, node) -> bool:
        if not requires_text(node):
            # "refugees OR theme:education": SQL lists the matches without any of the words newest first,
            # after those with words; ranked here they would come in index order.
            from advocacy.index.query import positive_leaves

            if positive_leaves(node):
                raise _Unsupported
            return False
        return True

    def query(self, node, filters: SearchFilters | None):
        parts = [self.node(node)] if node is not MatchAll else []
        parts += self.filters(filters)
        if not parts:
            return self.Query.all_query()
        if len(parts) == 1:
            return parts[0]
        return self.Query.boolean_query([(self.Occur.Must, part) for part in parts])

    # -- fields and filters -------------------------------------------------------------------------------

    def _quiet(self, query):
        return self.Query.const_score_query(query, 0.0)

    def _term(self, field: str, value):
        return self.Query.term_query(self.schema, field, value)

    def _any(self, field: str, values: list):
        if not values:
            return self.Query.empty_query()
        if len(values) == 1:
            return self._term(field, values[0])
        return self.Query.term_set_query(self.schema, field, list(values))

    def _days(self, low: int | None, high: int | None):
        return self.Query.range_query(self.schema, "day_number", self.tantivy.FieldType.Integer, low, high,
                                      True, True)

    def filters(self, filters: SearchFilters | None) -> list:
        if filters is None:
            return []
        if filters.indexed_after or filters.indexed_until:
            raise _Unsupported          # what is new for a saved search: SQL knows the indexing times
        parts = []
        if filters.themes:
            parts.append(self._any("theme", filters.themes))
        if filters.languages:
            parts.append(self._any("language", filters.languages))
        if filters.outlets:
            parts.append(self._any("outlet", filters.outlets))
        if filters.countries:
            parts.append(self._any("country", [_ascii_upper(c) for c in filters.countries]))
        for bound in (filters.since, filters.until):
            if bound is not None and not _FULL_DATE.fullmatch(bound):
                raise _Unsupported
        if filters.since or filters.until:
            try:
                low = date.fromisoformat(filters.since).toordinal() if filters.since else None
                high = date.fromisoformat(filters.until).toordinal() if filters.until else None
            except ValueError:
                raise _Unsupported from None
            parts.append(self._days(low, high))
        return [self._quiet(part) for part in parts]

    def field(self, node: Field):
        name, value = node.name, node.value
        if name == "theme":
            query = self._term("theme", value)
        elif name == "lang":
            query = self._term("language", value)
        elif name == "outlet":
            query = self.Query.boolean_query([(self.Occur.Should, self._term("outlet", value)),
                                              (self.Occur.Should, self._term("outlet_key", _ascii_lower(value)))])
        elif name == "country":
            query = self._term("country", _ascii_upper(value))
        elif name in ("after", "before"):
            day = _first_day(value) if name == "after" else _last_day(value)
            if day is None:
                raise _Unsupported
            query = self._days(day, None) if name == "after" else self._days(None, day)
        else:
            ids = [_population_id(value)] if name == "population" else _entity_ids(value, self.resolve_entity)
            query = self._any("entity", ids)
        return self._quiet(query)

    # -- words --------------------------------------------------------------------------------------------

    def _weighted(self, field: str, query):
        return self.Query.boost_query(query, TITLE_WEIGHT) if field.startswith("title") else query

    def _either(self, pairs: list[tuple[str, object]]):
        return self.Query.boolean_query([(self.Occur.Should, self._weighted(f, q)) for f, q in pairs])

    def _prefix(self, field: str, text: str):
        return self.Query.regex_query(self.schema, field, re.escape(text) + ".*")

    def _phrase(self, field: str, words: list[str], prefix: bool):
        if len(words) == 1:
            return self._prefix(field, words[0]) if prefix else self._term(field, words[0])
        if prefix:
            # tantivy expands the last word to a bounded number of terms; FTS5 to all of them.
            if self.searcher is None or len(self.searcher.terms_with_prefix(
                    field, words[-1], limit=PHRASE_PREFIX_TERMS + 1)) > PHRASE_PREFIX_TERMS:
                raise _Unsupported
            return self.Query.regex_phrase_query(self.schema, field,
                                                 [re.escape(w) for w in words[:-1]] + [re.escape(words[-1]) + ".*"])
        return self.Query.phrase_query(self.schema, field, list(words))

    def leaf(self, node: Term | Phrase):
        if isinstance(node, Term):
            if node.prefix:
                return self._either([(f, self._prefix(f, node.text)) for f in TEXT_FIELDS])
            pairs = [(f, self._term(f, node.text)) for f in ("title_exact", "text_exact")]
            for form in stems(node.text):
                pairs += [(f, self._term(f, form)) for f in ("title_stemmed", "text_stemmed")]
            return self._either(pairs)
        words = list(node.words)
        pairs = [(f, self._phrase(f, words, node.prefix)) for f in ("title_exact", "text_exact")]
        # A prefix word is matched as written: its stem would cut the prefix shorter still.
        head, last = words[:-1], words[-1]
        variants = list(dict.fromkeys(
            tuple([*(stem(w, language) for w in head), last if node.prefix else stem(last, language)])
            for language in QUERY_LANGUAGES))
        for variant in variants:
            pairs += [(f, self._phrase(f, list(variant), node.prefix)) for f in ("title_stemmed", "text_stemmed")]
        return self._either(pairs)

    def node(self, node):
        if node is MatchAll:
            return self.Query.all_query()
        if isinstance(node, (Term, Phrase)):
            return self.leaf(node)
        if isinstance(node, Field):
            return self.field(node)
        if isinstance(node, Not):
            return self.Query.boolean_query([(self.Occur.Must, self._quiet(self.Query.all_query())),
                                             (self.Occur.MustNot, self.node(node.part))])
        if isinstance(node, And):
            clauses = [(self.Occur.MustNot, self.node(p.part)) if isinstance(p, Not) else (self.Occur.Must, self.node(p))
                       for p in node.parts]
            if all(occur == self.Occur.MustNot for occur, _ in clauses):
                clauses.append((self.Occur.Must, self._quiet(self.Query.all_query())))
            return self.Query.boolean_query(clauses)
        if isinstance(node, Or):
            return self.Query.boolean_query([(self.Occur.Should, self.node(p)) for p in node.parts])
        raise _Unsupported
