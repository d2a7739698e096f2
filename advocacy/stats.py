"""`advocacy stats`: media-exposure figures for the articles a query matches, as a table, JSON or CSV.

The query and filters go through the same parser as `advocacy search` (:meth:`SqliteStore.where`), so a
figure always describes exactly the articles a search lists. The figures themselves come from
:mod:`advocacy.index.analytics`; this module only picks the report, adds the outlets' reach from the sources
file, and lays the rows out for people.
"""
from __future__ import annotations

from contextlib import closing, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from advocacy.config import Settings

REPORTS = ("attention", "share-of-voice", "outlets", "entities", "terms")
ENTITY_TYPES = ("organisation", "place", "person", "population", "all")


@dataclass
class StatsReport:
    report: str
    query: str
    rows: list[dict]
    columns: list[tuple[str, str]]                      # (key, heading) of the table shown to people
    summary: dict = field(default_factory=dict)         # figures about the whole report, in the JSON too
    notes: list[str] = field(default_factory=list)      # said under the table

    def to_json(self) -> dict:
        return {"report": self.report, "query": self.query, **self.summary, "rows": self.rows}


def outlet_reach(settings: Settings, sources_file: Path | None = None) -> dict[str, int]:
    """Outlet key -> estimated readers, from the sources file; outlets with reach 0 (unknown) are left out."""
    from advocacy.crawler import load_sources

    outlets = load_sources(sources_file if sources_file else settings.path_or_none("sources", "file"))
    return {outlet.key: outlet.reach for outlet in outlets if outlet.reach > 0}


def run_stats(settings: Settings, report: str, query: str = "", *, filters=None, by: str = "week", limit: int = 20,
              entity_type: str = "organisation", sources_file: Path | None = None, store=None) -> StatsReport:
    """One report over the indexed articles matching ``query`` and ``filters``, from ``store`` when given (it
    is left open) or from the configured one."""
    from advocacy.index import StoreError, open_store

    if report not in REPORTS:
        raise ValueError(f"unknown report {report!r}; choose one of {', '.join(REPORTS)}")
    # Read before the store is opened, so a broken sources file is reported without touching the index.
    reach = outlet_reach(settings, sources_file) if report == "outlets" else {}
    with nullcontext(store) if store is not None else closing(open_store(settings.store_url)) as store:
        if not hasattr(store, "where"):
            result = _through_contract(store, report, query, filters=filters, by=by, limit=limit)
            result.query = query
            return result
        if report == "attention":
            # Through the store, which counts with its word index where it can (index/words.py).
            result = _attention(store.attention_report(query, filters=filters, by=by), by=by)
        elif report == "share-of-voice":
            result = _share_of_voice_rows(store.share_of_voice(query, filters=filters, limit=limit))
        else:
            build = {"outlets": _outlets, "entities": _entities, "terms": _terms}[report]
            result = build(store.connection, store.where(query, filters), limit=limit, entity_type=entity_type,
                           reach=reach)
        # The attention report counts the matches on its way; the others are counted here.
        matching = result.summary.pop("matching", None)
        if matching is None:
            matching = store.matching(query, filters=filters)
    result.query = query
    result.summary = {"matching": matching, **result.summary}
    return result


def _through_contract(store, report: str, query: str, *, filters, by: str, limit: int) -> StatsReport:
    """The reports any store offers through the Store contract (Elasticsearch); the others need SQL."""
    from advocacy.index import StoreError

    if report == "attention":
        result = _attention_rows(store.attention(query, filters=filters, by=by), by=by, undated=None)
    elif report == "share-of-voice":
        result = _share_of_voice_rows(store.share_of_voice(query, filters=filters, limit=limit))
    else:
        raise StoreError(f"`advocacy stats {report}` reads the embedded SQLite index; with index.store_url on "
                         "Elasticsearch, only attention and share-of-voice are counted here (the server's "
                         "aggregations, in Kibana for example, give the others)")
    result.summary = {"matching": store.search(query, filters=filters, limit=1).total, **result.summary}
    return result


def _attention(report: dict, *, by: str) -> StatsReport:
    result = _attention_rows(report["series"], by=by, undated=report["undated"])
    result.summary = {"matching": report["matching"], **result.summary}
    return result


def _attention_rows(series: list[dict], *, by: str, undated: int | None) -> StatsReport:
    """The attention table from a series; ``undated`` None when the store cannot tell (it is then left out)."""
    from advocacy.index.analytics import spikes

    jumps = {row["period"]: row for row in spikes(series)}
    rows = [{**row, "spike": row["period"] in jumps,
             "z": round(jumps[row["period"]]["z"], 2) if row["period"] in jumps else None} for row in series]
    notes = [f"{len(jumps)} spike{'s' if len(jumps) != 1 else ''}: " + ", ".join(jumps)] if jumps else []
    if undated:
        notes.append(f"{undated} matching article{'s have' if undated != 1 else ' has'} no date and "
                     f"{'are' if undated != 1 else 'is'} left out.")
    return StatsReport("attention", "", rows,
                       [("period", by), ("count", "articles"), ("total", "all articles"), ("share", "share"),
                        ("spike", "spike")],
                       summary={"by": by, **({"undated": undated} if undated is not None else {}),
                                "spikes": list(jumps)}, notes=notes)


def _share_of_voice_rows(rows: list[dict]) -> StatsReport:
    return StatsReport("share-of-voice", "", rows,
                       [("name", "organisation"), ("entity", "id"), ("articles", "articles"),
                        ("mentions", "mentions"), ("exposure", "exposure"), ("share", "share of voice"),
                        ("exposure_share", "share of exposure")],
                       notes=["Exposure counts syndicated copies too; shares are among the organisations named."])


def _outlets(db, where, *, limit, reach, **_) -> StatsReport:
    from advocacy.index.analytics import top_outlets

    rows = top_outlets(db, where=where, limit=limit, reach=reach)
    unknown = [row["outlet"] for row in rows if row["reach"] is None]
    notes = []
    if unknown:
        notes.append(f"No reach known for {', '.join(unknown)}: set `reach` for them in the sources file "
                     "(or pass --sources FILE).")
    audience = sum(row["audience"] or 0 for row in rows)
    return StatsReport("outlets", "", rows,
                       [("label", "outlet"), ("outlet", "key"), ("country", "country"), ("articles", "articles"),
                        ("carried", "carried"), ("appearances", "appearances"), ("share", "share"),
                        ("reach", "reach"), ("audience", "reach x appearances")],
                       summary={"audience": audience, "unknown_reach": unknown}, notes=notes)


def _entities(db, where, *, limit, entity_type, **_) -> StatsReport:
    from advocacy.index.analytics import top_entities

    rows = top_entities(db, type=None if entity_type == "all" else entity_type, where=where, limit=limit)
    return StatsReport("entities", "", rows,
                       [("name", "name"), ("entity", "id"), ("type", "type"), ("articles", "articles"),
                        ("mentions", "mentions"), ("share", "share")],
                       summary={"type": entity_type})


def _terms(db, where, *, limit, **_) -> StatsReport:
    from advocacy.index.analytics import top_terms

    rows = top_terms(db, where=where, limit=limit)
    return StatsReport("terms", "", rows, [("term", "term"), ("count", "occurrences"), ("articles", "articles")])


# -- for people ----------------------------------------------------------------------------------------------

MAX_TEXT_WIDTH = 40   # longer names are cut in tables (JSON and CSV keep them whole)


def _cell(key: str, value) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, float):
        # Shares are fractions: people read them as percentages.
        return f"{value:.1%}" if "share" in key else f"{value:.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    text = " ".join(str(value).split())
    return text if len(text) <= MAX_TEXT_WIDTH else text[:MAX_TEXT_WIDTH - 1] + "…"


def render_table(report: StatsReport) -> str:
    """The report as aligned columns, numbers to the right, with its notes underneath."""
    if not report.rows:
        return f"No indexed article matches {report.query!r}." if report.query else "No indexed articles."
    headings = [heading for _, heading in report.columns]
    cells = [[_cell(key, row.get(key)) for key, _ in report.columns] for row in report.rows]
    numeric = [all(isinstance(row.get(key), (int, float)) and not isinstance(row.get(key), bool)
                   or row.get(key) is None for row in report.rows) for key, _ in report.columns]
    widths = [max(len(text) for text in column) for column in zip(headings, *cells)]

    def line(values: list[str]) -> str:
        return "  ".join(value.rjust(width) if right else value.ljust(width)
                         for value, width, right in zip(values, widths, numeric)).rstrip()

    lines = [line(headings), line(["-" * width for width in widths]), *(line(row) for row in cells)]
    matching = report.summary.get("matching")
    if matching is not None:
        lines.append(f"\n{matching:,} matching article{'s' if matching != 1 else ''}"
                     + (f" for {report.query!r}" if report.query else "") + ".")
    lines += report.notes
    return "\n".join(lines)
