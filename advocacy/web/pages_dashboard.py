"""The dashboard: attention over time, top outlets, themes and share of voice for a query, each as a chart
with its table, and each downloadable as CSV and PNG. The figures are those of `advocacy stats`."""
from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from advocacy.web.context import Viewer, opened_store, settings_of
from advocacy.web.errors import NotFound
from advocacy.web.i18n import language_of, translator
from advocacy.web.pages import Selection, error_text, protect, render, theme_labels

router = APIRouter(include_in_schema=False)
CHARTS = ("attention", "outlets", "themes", "share-of-voice")
TOP = 10


@dataclass
class Panel:
    """One chart's figures: the rows, the columns a person is shown, and what the chart draws."""
    key: str
    title: str
    columns: list[tuple[str, str]]        # (row key, heading)
    rows: list[dict] = field(default_factory=list)
    label: str = ""                       # the row key charted along the axis
    value: str = ""                       # the row key charted as the value
    value_label: str = ""
    notes: list[str] = field(default_factory=list)
    unavailable: str = ""                 # why this store cannot give these figures

    @property
    def empty(self) -> bool:
        return not any(row.get(self.value) for row in self.rows)


def _panel(request: Request, key: str, selection: Selection, t, language: str) -> Panel:
    """The figures of one chart. A malformed query raises QueryError, for the caller to show."""
    from advocacy.index import StoreError
    from advocacy.stats import run_stats

    settings = settings_of(request)
    filters = selection.filters()
    if key == "themes":
        labels = theme_labels(settings, language)
        with opened_store(request) as store:
            counts = store.facets("theme", query=selection.q, filters=filters)
        rows = [{"theme": theme, "label": labels.get(theme, theme), "articles": count}
                for theme, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]
        return Panel(key, t("dashboard.themes"), [("label", t("column.theme")), ("articles", t("column.articles"))],
                     rows, label="label", value="articles", value_label=t("column.articles"))
    if key == "attention":
        panel = Panel(key, t("dashboard.attention"),
                      [("period", t(f"period.{selection.by}")), ("count", t("column.articles")),
                       ("share", t("column.share_of_all")), ("spike", t("column.spike"))],
                      label="period", value="count", value_label=t("column.articles"))
        report = "attention"
    elif key == "outlets":
        panel = Panel(key, t("dashboard.outlets"),
                      [("label", t("column.outlet")), ("articles", t("column.articles")),
                       ("carried", t("column.carried")), ("share", t("column.share")), ("reach", t("column.reach"))],
                      label="label", value="articles", value_label=t("column.articles"))
        report = "outlets"
    else:
        panel = Panel(key, t("dashboard.share_of_voice"),
                      [("name", t("column.organisation")), ("articles", t("column.articles")),
                       ("mentions", t("column.mentions")), ("share", t("column.share_of_voice"))],
                      label="name", value="share", value_label=t("column.share_of_voice_percent"))
        report = "share-of-voice"
    try:
        with opened_store(request) as store:
            result = run_stats(settings, report, selection.q, filters=filters, by=selection.by, limit=TOP,
                               store=store)
    except StoreError as exc:
        panel.unavailable = str(exc)
        return panel
    panel.rows, panel.notes = result.rows, list(result.notes)
    return panel


def _png(panel: Panel, t) -> bytes:
    from advocacy.web.pages_charts import attention_png, ranking_png

    if panel.key == "attention":
        return attention_png([str(row["period"]) for row in panel.rows], [row["count"] for row in panel.rows],
                             [bool(row.get("spike")) for row in panel.rows], title=panel.title,
                             value_label=panel.value_label, spike_label=t("column.spike"))
    scale = 100 if panel.key == "share-of-voice" else 1
    return ranking_png([str(row.get(panel.label) or "") for row in panel.rows[:TOP]],
                       [round(scale * (row.get(panel.value) or 0), 1) for row in panel.rows[:TOP]],
                       title=panel.title, value_label=panel.value_label)


@router.get("/dashboard")
def dashboard(request: Request, user: Viewer):
    from advocacy.index import QueryError

    language = language_of(request)
    t = translator(language)
    selection = Selection.read(request, t)
    panels, error = [], ""
    try:
        panels = [_panel(request, key, selection, t, language) for key in CHARTS]
    except QueryError as exc:
        error = error_text(exc)
    links = {key: {"png": selection.link(f"/dashboard/{key}.png"), "csv": selection.link(f"/dashboard/{key}.csv")}
             for key in CHARTS}
    return render(request, "dashboard.html", section="dashboard", selection=selection, panels=panels, error=error,
                  links=links, search_link=selection.link("/search"),
                  theme_names=theme_labels(settings_of(request), language))


def _one(request: Request, chart: str):
    from advocacy.index import QueryError

    language = language_of(request)
    t = translator(language)
    if chart not in CHARTS:
        raise NotFound(t("dashboard.no_chart", charts=", ".join(CHARTS)))
    selection = Selection.read(request, t)
    try:
        return _panel(request, chart, selection, t, language), t, None
    except QueryError as exc:
        return None, t, render(request, "message.html", status=400, title=t("dashboard.title"),
                               message=error_text(exc), back=selection.link("/dashboard"))


@router.get("/dashboard/{chart}.png")
def chart_png(request: Request, user: Viewer, chart: str = Path(max_length=40)):
    panel, t, refused = _one(request, chart)
    if refused:
        return refused
    headers = {"Content-Disposition": f'inline; filename="{chart}.png"'}
    return protect(Response(_png(panel, t), media_type="image/png", headers=headers))


@router.get("/dashboard/{chart}.csv")
def chart_csv(request: Request, user: Viewer, chart: str = Path(max_length=40)):
    from advocacy.index.analytics import to_csv

    panel, _, refused = _one(request, chart)
    if refused:
        return refused
    headers = {"Content-Disposition": f'attachment; filename="{chart}.csv"'}
    # The byte-order mark makes Excel read the file as UTF-8 (Arabic and accents stay readable).
    return protect(Response("\ufeff" + to_csv(panel.rows), media_type="text/csv; charset=utf-8", headers=headers))
