"""Media-exposure analytics over the embedded store: attention over time, breakdowns, share of voice, reach,
top outlets, entities and terms, spikes, and CSV export.

Every function takes the store's connection and ``where``: an SQL boolean expression over ``docs`` aliased
``d``, with its parameters, as built from a user's query and filters (``("1", [])`` for everything). Search
uses the same expression, so a chart always describes exactly the articles a search lists.

Choices
-------
Periods
    A period is labelled by the ISO date of its first day: ``"2024-01-29"`` for the ISO week starting
    Monday 29 January, ``"2024-01-01"`` for January. Chart libraries read a date as a date, whereas
    ``"2024-W05"`` needs custom parsing, and the labels still sort correctly as text. Series are zero-filled
    from the first to the last period, so a quiet week shows as 0 instead of disappearing.
Dates
    ``published_at`` is UTC, so its first ten characters give the day. Articles with no date, or with one
    that cannot be read, are left out of time series rather than guessed at; ``undated_count`` reports how
    many there are, so a chart can mention them.
Syndication
    ``carried_by`` lists the other outlets that also published a story. The *exposure* of an article is
    1 + the number of distinct other outlets in that list. An outlet listed against its own article, and
    repeated entries, are ignored, so one bad record cannot inflate the figure.
Shares
    Each share is divided by the number of matching articles (or, for share of voice, by the number of
    organisation-article pairs). An article can carry several themes, so theme shares can add up to more
    than 1. Shares are returned unrounded; rounding is left to whoever displays them.
Terms
    Titles and texts of the matching articles are tokenised in Python rather than read from an fts5vocab
    table, because the FTS index stores folded words without their accents ("refugies") and light stems
    ("refugi"), which make poor labels. Words are folded with :func:`advocacy.text.fold`
    (case, accents, hamza forms, ta marbuta, harakat), and a leading Arabic article is removed from words
    long enough to keep a stem. Each term is shown in its most common written form.
Spikes
    A period is a spike when its count is at least ``min_count`` and exceeds the median of the previous
    ``window`` periods by at least ``threshold`` robust z-scores. The z-score uses the median absolute
    deviation (x 1.4826, which makes it comparable to a standard deviation). When that is zero, as it is
    for a run of identical weeks, the mean absolute deviation (x 1.2533) is used instead, and when that is
    also zero, a spread of one article. Without these fallbacks, any change at all after a flat run would
    score as infinitely significant.
"""
from __future__ import annotations

import csv
import io
import json
import math
import re
import sqlite3
import statistics
import unicodedata
from collections import Counter, defaultdict
from datetime import date, timedelta
from typing import Any, Iterable, Sequence

from advocacy.text import fold

BUCKETS = ("day", "week", "month")
BREAKDOWN_FIELDS = ("theme", "outlet", "country", "language")
ALL: tuple[str, Sequence] = ("1", ())

Where = tuple[str, Sequence]


# -- helpers -------------------------------------------------------------------------------------------------

def _clause(where: Where) -> tuple[str, list]:
    sql, params = where
    # The caller's expression may contain OR, which would take the rest of the WHERE clause with it.
    return f"({sql})", list(params)


def _limit(limit: int | None) -> int:
    return -1 if limit is None else int(limit)


def _matching(db: sqlite3.Connection, where: Where) -> int:
    sql, params = _clause(where)
    return db.execute(f"SELECT COUNT(*) FROM docs d WHERE {sql}", params).fetchone()[0]


def _day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _check_bucket(by: str) -> None:
    if by not in BUCKETS:
        raise ValueError(f"cannot group by {by!r}; choose one of {', '.join(BUCKETS)}")


def _bucket(day: date, by: str) -> date:
    if by == "week":
        return day - timedelta(days=day.weekday())
    if by == "month":
        return day.replace(day=1)
    return day


def _periods(first: date, last: date, by: str) -> list[date]:
    periods, current = [], first
    while current <= last:
        periods.append(current)
        if by == "day":
            current += timedelta(days=1)
        elif by == "week":
            current += timedelta(days=7)
        else:
            current = date(current.year + current.month // 12, current.month % 12 + 1, 1)
    return periods


def bound(value: str | None, name: str) -> date | None:
    """The day of a ``since``/``until`` bound (None: unbounded); ValueError naming ``name`` if unreadable."""
    if value is None:
        return None
    day = _day(value)
    if day is None:
        raise ValueError(f"{name} must be an ISO date (YYYY-MM-DD), not {value!r}")
    return day


def _bounded(where: Where, since: date | None, until: date | None) -> tuple[str, list]:
    """``where`` restricted to dated articles within the bounds (inclusive days)."""
    sql, params = _clause(where)
    sql += " AND d.published_at IS NOT NULL"
    # ISO text sorts like the dates it holds, so the bounds can use the published_at index.
    if since:
        sql += " AND d.published_at >= ?"
        params.append(since.isoformat())
    if until:
        sql += " AND d.published_at < ?"
        params.append((until + timedelta(days=1)).isoformat())
    return sql, params


def _within(day: date | None, since: date | None, until: date | None) -> bool:
    return day is not None and (since is None or day >= since) and (until is None or day <= until)


def _dated_rows(db: sqlite3.Connection, where: Where, columns: str, since: date | None = None,
                until: date | None = None):
    """(day, *columns) of the matching articles that have a readable date within the bounds."""
    sql, params = _bounded(where, since, until)
    for published, *rest in db.execute(f"SELECT d.published_at, {columns} FROM docs d WHERE {sql}", params):
        day = _day(published)
        if _within(day, since, until):
            yield (day, *rest)


def _day_counts(db: sqlite3.Connection, where: Where, since: date | None = None,
                until: date | None = None) -> Counter:
    sql, params = _bounded(where, since, until)
    # Grouping by day in SQL keeps the rows handed to Python to one per day, even for the whole store.
    counts: Counter = Counter()
    for text, n in db.execute(f"SELECT substr(d.published_at, 1, 10), COUNT(*) FROM docs d "
                              f"WHERE {sql} GROUP BY 1", params):
        day = _day(text)
        if _within(day, since, until):
            counts[day] += n
    return counts


def _carriers(outlet: str, carried_by: Any) -> list[str]:
    """The distinct other outlets that carried an article (``carried_by`` as JSON text or a list)."""
    if isinstance(carried_by, str):
        try:
            carried_by = json.loads(carried_by)
        except ValueError:
            return []
    if not isinstance(carried_by, list):
        return []
    return [c for c in dict.fromkeys(carried_by) if isinstance(c, str) and c and c != outlet]


def exposure(outlet: str, carried_by: Any) -> int:
    """1 + the distinct other outlets that carried an article: what the store keeps in ``docs.exposure``."""
    return 1 + len(_carriers(outlet, carried_by))


# SQL twin of exposure(), to fill ``docs.exposure`` in an index written before the column existed.
EXPOSURE_SQL = ("1 + (SELECT COUNT(DISTINCT c.value) FROM json_each(d.record, '$.carried_by') c "
                "WHERE c.type = 'text' AND c.value NOT IN ('', d.outlet))")


def _entity_names(db: sqlite3.Connection, ids: Iterable[str]) -> dict[str, str]:
    """Display names of entities, as written in the most recently indexed article that mentions each."""
    names = {}
    for entity in ids:
        row = db.execute(
            "SELECT json_extract(je.value, '$.name') FROM docs d, json_each(d.record, '$.entities') je "
            "WHERE d.rowid = (SELECT MAX(doc) FROM doc_entities WHERE entity = ?) "
            "AND json_extract(je.value, '$.id') = ?", (entity, entity)).fetchone()
        names[entity] = (row[0] if row and row[0] else None) or entity.split(":", 1)[-1]
    return names


def _outlet_labels(db: sqlite3.Connection, outlets: Iterable[str]) -> dict[str, tuple[str, str]]:
    """(display name, country) of outlets, from their latest article anywhere in the store."""
    outlets = list(dict.fromkeys(outlets))
    if not outlets:
        return {}
    marks = ",".join("?" * len(outlets))
    # SQLite takes bare columns from the row that supplies MAX(): here the outlet's latest article, so a
    # renamed outlet shows its current name.
    rows = db.execute(f"SELECT outlet, outlet_name, country, MAX(COALESCE(published_at, '')) FROM docs "
                      f"WHERE outlet IN ({marks}) GROUP BY outlet", outlets)
    found = {outlet: (name or outlet, country) for outlet, name, country, _ in rows}
    return {outlet: found.get(outlet, (outlet, "")) for outlet in outlets}


# -- attention over time -------------------------------------------------------------------------------------

def attention(db: sqlite3.Connection, *, where: Where = ALL, by: str = "week", since: str | None = None,
              until: str | None = None) -> list[dict]:
    """Matching articles per period, next to all articles in the store for the same period.

    Returns ``[{"period", "count", "total", "share"}]``, where ``period`` is the ISO date of the period's
    first day and ``share`` is ``count / total`` (0.0 when the store has nothing for that period). The
    series runs from ``since`` (or the first matching article) to ``until`` (or the last one), inclusive
    ISO dates, with every period in between. Edge periods only count the days inside the bounds. Undated
    articles are left out; see :func:`undated_count`.
    """
    _check_bucket(by)
    low, high = bound(since, "since"), bound(until, "until")
    if low and high and low > high:
        return []
    matching = _day_counts(db, where, low, high)
    if not matching and not (low and high):
        return []
    return series(matching, _day_counts(db, ALL, low, high), by=by, since=low, until=high)


def series(matching: dict[date, int], totals: dict[date, int], *, by: str, since: date | None = None,
           until: date | None = None) -> list[dict]:
    """The rows of :func:`attention` from article counts per day (matching and all), however counted."""
    _check_bucket(by)
    counts, all_counts = Counter(), Counter()
    for day, n in matching.items():
        if _within(day, since, until):
            counts[_bucket(day, by)] += n
    if not counts and not (since and until):
        return []
    for day, n in totals.items():
        if _within(day, since, until):
            all_counts[_bucket(day, by)] += n
    first = _bucket(since, by) if since else min(counts)
    last = _bucket(until, by) if until else max(counts)
    return [{"period": period.isoformat(), "count": counts[period], "total": all_counts[period],
             "share": counts[period] / all_counts[period] if all_counts[period] else 0.0}
            for period in _periods(first, last, by)]


def attention_report(db: sqlite3.Connection, *, where: Where = ALL, by: str = "week", since: str | None = None,
                     until: str | None = None) -> dict:
    """What a chart of attention needs in one pass over the matching articles: ``{"matching", "undated",
    "series"}``, where ``series`` is :func:`attention`'s and ``undated`` :func:`undated_count`'s. Each of
    those runs the query again; on a large index the query's full-text match is most of the cost."""
    sql, params = _clause(where)
    matching_days = dict(db.execute(f"SELECT substr(d.published_at, 1, 10), COUNT(*) FROM docs d WHERE {sql} "
                                    f"GROUP BY 1", params))
    return attention_from_days(matching_days, _AllDays(db, since, until), by=by, since=since, until=until)


class _AllDays:
    """Every article per day, counted only if a series is drawn (an empty one needs no totals)."""

    def __init__(self, db: sqlite3.Connection, since: str | None, until: str | None):
        self._db, self._since, self._until = db, since, until

    def items(self):
        low, high = bound(self._since, "since"), bound(self._until, "until")
        return ((day.isoformat(), n) for day, n in _day_counts(self._db, ALL, low, high).items())


def attention_from_days(matching_days: dict[str, int], all_days: dict[str, int], *, by: str = "week",
                        since: str | None = None, until: str | None = None) -> dict:
    """:func:`attention_report` from article counts per publication day already counted elsewhere (the
    word index), keyed by the ``published_at`` text's day ("" or anything unreadable for the undated)."""
    _check_bucket(by)
    low, high = bound(since, "since"), bound(until, "until")
    days: Counter = Counter()
    matching = undated = 0
    for text, n in matching_days.items():
        matching += n
        day = _day(text)
        if day is None:
            undated += n
        else:
            days[day] += n
    if low and high and low > high:
        return {"matching": matching, "undated": undated, "series": []}
    within = Counter({day: n for day, n in days.items() if _within(day, low, high)})
    if not (within or (low and high)):
        return {"matching": matching, "undated": undated, "series": []}
    totals: Counter = Counter()
    for text, n in all_days.items():
        day = _day(text)
        if day is not None and _within(day, low, high):
            totals[day] += n
    return {"matching": matching, "undated": undated,
            "series": series(within, totals, by=by, since=low, until=high)}


def undated_count(db: sqlite3.Connection, *, where: Where = ALL) -> int:
    """How many matching articles have no readable publication date, and so appear in no time series."""
    dated = sum(_day_counts(db, where).values())
    return _matching(db, where) - dated


# -- breakdowns ----------------------------------------------------------------------------------------------

def breakdown(db: sqlite3.Connection, *, field: str, where: Where = ALL, limit: int | None = 20) -> list[dict]:
    """Matching articles per theme, outlet, country or language, most frequent first.

    Returns ``[{"value", "label", "count", "share"}]``. For an outlet, ``label`` is its display name from
    its latest article; for the other fields it is the value itself. ``share`` is the fraction of matching
    articles, so theme shares can add up to more than 1.
    """
    sql, params = _clause(where)
    if field == "theme":
        query = (f"SELECT t.theme, t.theme, COUNT(*) FROM doc_themes t JOIN docs d ON d.rowid = t.doc "
                 f"WHERE {sql} GROUP BY t.theme ORDER BY COUNT(*) DESC, t.theme LIMIT ?")
    elif field == "outlet":
        query = (f"SELECT d.outlet, d.outlet_name, COUNT(*), MAX(COALESCE(d.published_at, '')) FROM docs d "
                 f"WHERE {sql} GROUP BY d.outlet ORDER BY COUNT(*) DESC, d.outlet LIMIT ?")
    elif field in ("country", "language"):
        query = (f"SELECT d.{field}, d.{field}, COUNT(*) FROM docs d WHERE {sql} "
                 f"GROUP BY d.{field} ORDER BY COUNT(*) DESC, d.{field} LIMIT ?")
    else:
        raise ValueError(f"cannot break down by {field!r}; choose one of {', '.join(BREAKDOWN_FIELDS)}")
    matching = _matching(db, where)
    return [{"value": value, "label": label or value, "count": count, "share": count / matching}
            for value, label, count, *_ in db.execute(query, [*params, _limit(limit)])]


# -- share of voice ------------------------------------------------------------------------------------------

def share_of_voice(db: sqlite3.Connection, *, entities: list[str] | None = None, where: Where = ALL,
                   type: str | None = "organisation", limit: int | None = 10) -> list[dict]:
    """How much of the coverage matching ``where`` each organisation (or entity of ``type``) gets.

    Returns ``[{"entity", "name", "type", "articles", "mentions", "exposure", "share", "exposure_share"}]``:
    ``articles`` counts each article once however often it names the entity, ``mentions`` adds up the
    mention counts, and ``exposure`` credits syndicated copies too (an article carried by k other outlets
    counts 1 + k). ``share`` is ``articles`` over all entity-article pairs of ``type`` (any type when None)
    among the matching articles; ``exposure_share`` is the same ratio for exposure.

    By default, the ``limit`` entities that appear in the most articles are returned, with ties broken by
    mentions. Articles are ranked first because one article that repeats a name twenty times is still one
    appearance in the news. Pass ``entities`` to compare a fixed set (your organisation and its peers, for
    example): they come back in the order given, with zeros for those never mentioned.
    """
    sql, params = _clause(where)
    stats = {}
    if entities is None and type is not None:
        # Only entities of that type can be chosen: the others need not be counted at all.
        sql, params = f"({sql}) AND e.type = ?", [*params, type]
    for entity, kind, articles, mentions, exposure in db.execute(
            f"SELECT e.entity, e.type, COUNT(*), SUM(e.count), SUM(d.exposure) "
            f"FROM doc_entities e JOIN docs d ON d.rowid = e.doc WHERE {sql} GROUP BY e.entity", params):
        stats[entity] = {"type": kind, "articles": articles, "mentions": mentions, "exposure": exposure}
    return voice_rows(db, stats, entities=entities, type=type, limit=limit)


def voice_rows(db: sqlite3.Connection, stats: dict[str, dict], *, entities: list[str] | None = None,
               type: str | None = "organisation", limit: int | None = 10) -> list[dict]:
    """The rows of :func:`share_of_voice` from per-entity figures (``{"type", "articles", "mentions",
    "exposure"}`` by entity id) however counted; ``db`` supplies the entities' names."""
    pool = [s for s in stats.values() if type is None or s["type"] == type]
    pairs = sum(s["articles"] for s in pool)
    exposure_pairs = sum(s["exposure"] for s in pool)
    if entities is None:
        ranked = sorted((e for e, s in stats.items() if type is None or s["type"] == type),
                        key=lambda e: (-stats[e]["articles"], -stats[e]["mentions"], e))
        chosen = ranked if limit is None else ranked[:limit]
    else:
        chosen = list(dict.fromkeys(entities))
    names = _entity_names(db, chosen)
    rows = []
    for entity in chosen:
        s = stats.get(entity, {"type": type or "", "articles": 0, "mentions": 0, "exposure": 0})
        rows.append({"entity": entity, "name": names[entity], "type": s["type"], "articles": s["articles"],
                     "mentions": s["mentions"], "exposure": s["exposure"],
                     "share": s["articles"] / pairs if pairs else 0.0,
                     "exposure_share": s["exposure"] / exposure_pairs if exposure_pairs else 0.0})
    return rows


# -- reach ---------------------------------------------------------------------------------------------------

def reach_exposure(db: sqlite3.Connection, *, reach: dict[str, int], where: Where = ALL,
                   by: str = "month") -> dict:
    """Potential audience of the matching coverage per period.

    ``reach`` maps outlet keys to an audience figure (readers, visits, followers; any unit, as long as it is
    the same for all outlets). For each period, ``reach`` sums the audience of the publishing outlet and of
    every other outlet that carried the story. Returns ``{"series": [{"period", "articles", "exposure",
    "reach"}], "unknown_reach": [...]}``. Outlets that are missing from ``reach`` contribute 0 and are
    listed in ``unknown_reach``, so an unexpectedly low figure can be traced to missing data rather than
    to low coverage. Undated articles are left out, as in :func:`attention`.
    """
    _check_bucket(by)
    buckets: dict[date, dict] = defaultdict(lambda: {"articles": 0, "exposure": 0, "reach": 0})
    unknown: set[str] = set()
    for day, outlet, carried in _dated_rows(db, where, "d.outlet, json_extract(d.record, '$.carried_by')"):
        outlets = [outlet, *_carriers(outlet, carried)]
        bucket = buckets[_bucket(day, by)]
        bucket["articles"] += 1
        bucket["exposure"] += len(outlets)
        bucket["reach"] += sum(reach.get(o, 0) for o in outlets)
        unknown.update(o for o in outlets if o not in reach)
    if not buckets:
        return {"series": [], "unknown_reach": []}
    empty = {"articles": 0, "exposure": 0, "reach": 0}
    series = [{"period": period.isoformat(), **buckets.get(period, empty)}
              for period in _periods(min(buckets), max(buckets), by)]
    return {"series": series, "unknown_reach": sorted(unknown)}


# -- top lists -----------------------------------------------------------------------------------------------

def top_outlets(db: sqlite3.Connection, *, where: Where = ALL, limit: int | None = 10,
                reach: dict[str, int] | None = None) -> list[dict]:
    """Outlets that carried the matching coverage, busiest first.

    Returns ``[{"outlet", "label", "country", "articles", "carried", "appearances", "share"}]``: ``articles``
    are the matching articles the outlet published, ``carried`` the matching stories from other outlets that
    it also ran (according to their ``carried_by``), ``appearances`` the two together, and ``share`` is
    ``articles`` over all matching articles. Outlets that only appear through syndication are included.

    With ``reach``, each row also has ``reach`` (None when unknown) and ``audience`` (reach times
    appearances, None when unknown), and the outlets are ranked by audience instead of appearances, since
    audience is what a caller who supplies reach figures wants to compare.
    """
    sql, params = _clause(where)
    articles: Counter = Counter()
    carried: Counter = Counter()
    for outlet, carried_by in db.execute(
            f"SELECT d.outlet, json_extract(d.record, '$.carried_by') FROM docs d WHERE {sql}", params):
        articles[outlet] += 1
        carried.update(_carriers(outlet, carried_by))
    matching = sum(articles.values())
    outlets = list(dict.fromkeys([*articles, *carried]))
    labels = _outlet_labels(db, outlets)
    rows = []
    for outlet in outlets:
        label, country = labels[outlet]
        row = {"outlet": outlet, "label": label, "country": country, "articles": articles[outlet],
               "carried": carried[outlet], "appearances": articles[outlet] + carried[outlet],
               "share": articles[outlet] / matching if matching else 0.0}
        if reach is not None:
            known = reach.get(outlet)
            row["reach"] = known
            row["audience"] = None if known is None else known * row["appearances"]
        rows.append(row)
    if reach is None:
        rows.sort(key=lambda r: (-r["appearances"], -r["articles"], r["outlet"]))
    else:
        rows.sort(key=lambda r: (-(r["audience"] or 0), -r["appearances"], r["outlet"]))
    return rows if limit is None else rows[:limit]


def top_entities(db: sqlite3.Connection, *, type: str | None = None, where: Where = ALL,
                 limit: int | None = 20) -> list[dict]:
    """Entities (of ``type``: organisation, place, person, population; all when None) named in the most
    matching articles. Returns ``[{"entity", "name", "type", "articles", "mentions", "share"}]``, with
    ``share`` the fraction of matching articles that name the entity."""
    sql, params = _clause(where)
    if type is not None:
        sql += " AND e.type = ?"
        params.append(type)
    rows = db.execute(f"SELECT e.entity, e.type, COUNT(*), SUM(e.count) FROM doc_entities e "
                      f"JOIN docs d ON d.rowid = e.doc WHERE {sql} GROUP BY e.entity "
                      f"ORDER BY COUNT(*) DESC, SUM(e.count) DESC, e.entity LIMIT ?",
                      [*params, _limit(limit)]).fetchall()
    matching = _matching(db, where)
    names = _entity_names(db, [r[0] for r in rows])
    return [{"entity": entity, "name": names[entity], "type": kind, "articles": articles, "mentions": mentions,
             "share": articles / matching if matching else 0.0}
            for entity, kind, articles, mentions in rows]


# -- terms ---------------------------------------------------------------------------------------------------

# Written as people write them; compared after folding, so "été", "ete" and "Été" are one stopword.
_EN_STOPWORDS = """
a about above after again against all also am an and any are as at be because been before being below
between both but by can could did do does doing down during each few for from further had has have having he
her here hers herself him himself his how i if in into is it its itself just me more most my myself no nor
not now of off on once only or other our ours ourselves out over own same she should so some such than that
the their theirs them themselves then there these they this those through to too under until up very was we
were what when where which while who whom why will with would you your yours yourself yourselves
said says say told according also however among around since within without across per via new year years
week weeks day days monday tuesday wednesday thursday friday saturday sunday one two three many much may might
must shall another every still yet even though already including last first
"""
_FR_STOPWORDS = """
a à ai aie aient aies ait as au aucun aucune aussi autre autres aux avaient avais avait avant avec avez aviez
avions avoir avons ayant c ça car ce ceci cela celle celles celui ces cet cette ceux chez comme comment d dans
de depuis des donc dont du elle elles en encore entre es est et étaient étais était étant été être eu eux
fait faire fois font hors ici il ils j je jusqu l la là le les leur leurs lors lui m ma mais me même mêmes mes
moi moins mon n ne ni nos notre nous on ont or ou où par parce pas peu peut peuvent plus pour pourquoi qu quand
que quel quelle quelles quels qui s sa sans se selon sera seront ses si sien son sont sous sur t ta tandis te
tes toi ton tous tout toute toutes très tu un une vers voici voilà vos votre vous y dit déclaré lundi mardi
mercredi jeudi vendredi samedi dimanche deux trois an ans année années jour jours semaine afin ainsi alors
après aujourd hui contre déjà dès doit doivent fin lequel laquelle lesquels lesquelles tant tel telle tels
telles
"""
_AR_STOPWORDS = """
في من على إلى عن مع هذا هذه ذلك تلك هؤلاء التي الذي الذين اللذين اللتين اللواتي اللاتي هو هي هم هن هما
أنا نحن أنت أنتم كان كانت يكون تكون كانوا ليس ليست قد لقد لم لن لا ما ماذا متى أين كيف كل بعض غير بين
بعد قبل حتى أو أم ثم إن أن إذا إذ لكن بل عند عندما منذ خلال حول ضد دون تحت فوق أمام هناك هنا أي أيضا كما
مثل وقد وكان وفي ومن وعلى وأن وهو وهي فقط جدا عليه عليها منه منها فيه فيها إليه إليها به بها له لها لهم ذات
نحو لدى يوم اليوم أمس عام قال قالت وقال وقالت حيث إلا أكثر أقل أحد إحدى وذلك كذلك ضمن وفق وفقا بينما سنة
"""


def _folded_words(text: str) -> frozenset[str]:
    return frozenset(fold(word) for word in text.split())


STOPWORDS: frozenset[str] = _folded_words(_EN_STOPWORDS) | _folded_words(_FR_STOPWORDS) | _folded_words(_AR_STOPWORDS)

# \w alone would split words at combining accents and Arabic harakat, which are marks, not letters.
_TOKEN = re.compile(r"(?:\w|[\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670])+")
_ARABIC = re.compile("[\u0600-\u06ff]")


def _term_key(folded: str) -> str:
    # The article is part of the written word in Arabic ("اللاجئين"); without it the bare and the definite
    # forms count as one term. Short words keep it: "الم" or "الاف" are words, not article + stem.
    if folded.startswith("ال") and len(folded) > 4 and _ARABIC.match(folded):
        return folded[2:]
    return folded


def top_terms(db: sqlite3.Connection, *, where: Where = ALL, limit: int | None = 30, min_length: int = 4,
              stopwords: Iterable[str] | None = None) -> list[dict]:
    """The most frequent words in the titles and texts of the matching articles.

    Returns ``[{"term", "folded", "count", "articles"}]``, most occurrences first (ties: more articles,
    then alphabetical). ``term`` is the most common written form, in lower case; ``folded`` is the key the
    words were merged under. Numbers, words shorter than ``min_length`` (after folding), and stopwords are
    skipped. ``stopwords`` replaces the built-in English, French and Arabic lists (:data:`STOPWORDS`); to
    add to them instead, pass ``STOPWORDS | {"migrants"}``. Stopwords are folded before they are compared.
    """
    stop = STOPWORDS if stopwords is None else frozenset(fold(w) for w in stopwords)
    sql, params = _clause(where)
    counts: Counter = Counter()
    articles: Counter = Counter()
    forms: dict[str, Counter] = defaultdict(Counter)
    for title, text in db.execute(f"SELECT d.title, json_extract(d.record, '$.text') FROM docs d WHERE {sql}",
                                  params):
        seen = set()
        content = unicodedata.normalize("NFC", f"{title or ''}\n{text or ''}")
        for word in _TOKEN.findall(content):
            folded = fold(word)
            if any(ch.isdigit() or ch == "_" for ch in folded) or folded in stop:
                continue
            key = _term_key(folded)
            if len(key) < min_length or key in stop:
                continue
            counts[key] += 1
            forms[key][word.lower()] += 1
            seen.add(key)
        articles.update(seen)
    ranked = sorted(counts, key=lambda k: (-counts[k], -articles[k], k))
    if limit is not None:
        ranked = ranked[:limit]
    return [{"term": forms[k].most_common(1)[0][0], "folded": k, "count": counts[k], "articles": articles[k]}
            for k in ranked]


# -- spikes --------------------------------------------------------------------------------------------------

_MAD_SCALE = 1.4826    # MAD x this estimates the standard deviation of normally distributed counts
_MEAN_AD_SCALE = 1.2533  # the same for the mean absolute deviation (sqrt(pi / 2))


def spikes(series: list[dict], *, window: int = 8, threshold: float = 3.0, min_count: int = 3,
           key: str = "count") -> list[dict]:
    """Periods of ``series`` (as from :func:`attention`) whose ``key`` value jumps above its recent level.

    The baseline for each period is the median of the previous ``window`` periods; a period needs at least
    half a window of history to be judged at all, so the first weeks of a series never count as spikes.
    A period is returned when its value is at least ``min_count`` and its robust z-score is at least
    ``threshold``. Each result is a copy of the series row with ``baseline`` (the median) and ``z`` added.
    """
    if window < 1:
        raise ValueError("window must be at least 1")
    needed = max(1, math.ceil(window / 2))
    found = []
    for index, row in enumerate(series):
        history = [r[key] for r in series[max(0, index - window):index]]
        if len(history) < needed:
            continue
        value = row[key]
        baseline = statistics.median(history)
        spread = _MAD_SCALE * statistics.median(abs(x - baseline) for x in history)
        if spread == 0:
            spread = _MEAN_AD_SCALE * statistics.fmean(abs(x - baseline) for x in history)
        if spread == 0:
            spread = 1.0
        z = (value - baseline) / spread
        if value >= min_count and z >= threshold:
            found.append({**row, "baseline": baseline, "z": z})
    return found


# -- export --------------------------------------------------------------------------------------------------

# A cell starting with one of these is run as a formula by spreadsheet programs, and exports of headlines
# get opened in spreadsheets.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any, guard: bool) -> Any:
    if value is None:
        return ""
    if isinstance(value, (set, frozenset)):
        value = sorted(value, key=str)
    if isinstance(value, (list, tuple)):
        value = "; ".join(str(v) for v in value)
    elif isinstance(value, dict):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    if guard and isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def to_csv(rows: list[dict], *, formula_guard: bool = True) -> str:
    """``rows`` as RFC 4180 CSV text: a header row with every key in first-seen order, CRLF line ends,
    fields quoted only when needed, and embedded quotes doubled.

    Missing values and None become empty cells; lists and sets are joined with "; ", and dicts are written
    as JSON. Text that a spreadsheet would run as a formula (starting with =, +, -, @) gets a leading
    apostrophe unless ``formula_guard`` is False; numbers are never changed. The result is text; write it
    as UTF-8 (with ``encoding="utf-8-sig"`` if it will be opened in Excel, which otherwise garbles Arabic).
    """
    if not rows:
        return ""
    header = list(dict.fromkeys(key for row in rows for key in row))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_cell(key, formula_guard) for key in header])
    for row in rows:
        writer.writerow([_cell(row.get(key), formula_guard) for key in header])
    return out.getvalue()
