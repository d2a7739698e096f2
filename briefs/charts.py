"""Charts for briefs: attention over time, themes, outlets and share of voice, drawn as PNG images.

The figures come from the Store contract (attention, facets, share_of_voice); a chart only holds them
until the brief is written, and is drawn only when the rendered template actually places it. In a
template, ``{{ charts.attention }}`` becomes a Markdown image whose file is written beside the brief (or
embedded, in HTML and Word).
"""
from __future__ import annotations

import functools
import io
import re
from dataclasses import dataclass, field

# Grey shades print well on the office printers briefs end up on; one accent marks the current period.
_BAR = "#4d4d4d"
_MUTED = "#b3b3b3"
_DPI = 120
_SIZE = (7.5, 3.4)
# Matplotlib ships DejaVu Sans, which has the Arabic letters in all their joined forms; named outright so
# that a site-wide matplotlibrc choosing a Latin-only font cannot turn Arabic labels into empty boxes.
_FONT = "DejaVu Sans"
# Arabic script: the base block, its supplements and extensions, and the presentation forms.
_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\u0870-\u089f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")


@dataclass
class Chart:
    """One chart: labels and values, and how to draw them (``line``, ``bars`` or ``ranking``)."""
    key: str
    title: str
    filename: str
    kind: str
    labels: list[str] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    value_label: str = "articles"
    # Labels from this one on belong to the period under review; those before it are drawn muted.
    highlight_from: str | None = None

    @property
    def empty(self) -> bool:
        return not any(self.values)

    def __str__(self) -> str:
        if self.empty:
            return f"*{self.title}: nothing to chart for this selection.*"
        return f"![{self.title}]({self.filename})"

    def png(self) -> bytes:
        return draw(self)


def draw(chart: Chart) -> bytes:
    """The chart as PNG bytes. Drawn with a bare Figure and the Agg canvas: no pyplot state, no display."""
    figure = figure_of(chart)
    buffer = io.BytesIO()
    # No "Software" stamp, so the same figures give the same bytes whatever matplotlib wrote them.
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def figure_of(chart: Chart):
    """The chart as a matplotlib Figure, laid out and ready to save."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=_SIZE, dpi=_DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    if chart.kind == "ranking":
        positions = list(range(len(chart.labels)))[::-1]
        axes.barh(positions, chart.values, color=_BAR)
        axes.set_yticks(positions, [label_text(_shorten(label)) for label in chart.labels], fontsize=8,
                        fontfamily=_FONT)
        axes.set_xlabel(label_text(chart.value_label), fontfamily=_FONT)
        axes.xaxis.set_major_locator(MaxNLocator(integer=chart.value_label == "articles"))
    else:
        positions = list(range(len(chart.labels)))
        colours = _colours(chart)
        if chart.kind == "line":
            axes.plot(positions, chart.values, color=_BAR, linewidth=1.5, marker="o", markersize=3)
            if chart.highlight_from in chart.labels:
                axes.axvspan(chart.labels.index(chart.highlight_from) - 0.5, len(positions) - 0.5,
                             color=_MUTED, alpha=0.3, linewidth=0)
        else:
            axes.bar(positions, chart.values, color=colours)
        step = max(1, len(positions) // 12)
        axes.set_xticks(positions[::step], [label_text(_shorten(label)) for label in chart.labels[::step]],
                        rotation=45, ha="right", fontsize=8, fontfamily=_FONT)
        axes.set_ylabel(label_text(chart.value_label), fontfamily=_FONT)
        axes.set_ylim(bottom=0)
        # Articles come whole: a count axis reading 0.2, 0.4… would only puzzle.
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_title(label_text(chart.title), fontsize=10, fontfamily=_FONT)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    figure.tight_layout()
    return figure


def label_text(label: str) -> str:
    """``label`` as matplotlib must be given it to print it as written.

    Before 3.11, matplotlib laid text out left to right, one glyph per character: Arabic came out in
    isolated letters, backwards. With such a matplotlib an Arabic label is joined into its contextual letter
    forms and put in display order first; a newer one shapes and orders text itself, and would reverse a
    label given in display order. Then every $ is escaped, since a pair of them would start matplotlib's
    mathematical notation (and an unbalanced formula raises). A \\$ a caller escaped already is read as
    the dollar it stands for, so it is not escaped twice, and cannot be split from its backslash when
    Arabic text is reordered."""
    text = str(label).replace("\\$", "$")
    if _ARABIC.search(text) and not lays_out_complex_text():
        import arabic_reshaper
        from bidi.algorithm import get_display

        text = get_display(arabic_reshaper.reshape(text))
    return text.replace("$", "\\$")


@functools.cache
def lays_out_complex_text() -> bool:
    """Whether matplotlib shapes and orders right-to-left text itself (with libraqm, from 3.11 on)."""
    from matplotlib import ft2font

    return bool(getattr(ft2font, "__libraqm_version__", ""))


def _colours(chart: Chart) -> list[str]:
    if chart.highlight_from not in chart.labels:
        return [_BAR] * len(chart.labels)
    start = chart.labels.index(chart.highlight_from)
    return [_MUTED if index < start else _BAR for index in range(len(chart.labels))]


def _shorten(label: str, limit: int = 28) -> str:
    return label if len(label) <= limit else label[:limit - 1] + "…"


def attention_chart(rows: list[dict], *, filename: str, title: str = "Attention over time",
                    highlight_from: str | None = None) -> Chart:
    """From ``store.attention(…)`` rows: matching articles per period."""
    return Chart("attention", title, filename, "line" if len(rows) > 8 else "bars",
                 [row["period"] for row in rows], [row["count"] for row in rows], highlight_from=highlight_from)


def facet_chart(key: str, counts: dict[str, int], *, filename: str, title: str,
                names: dict[str, str] | None = None, limit: int = 10) -> Chart:
    """From ``store.facets(…)``: the ``limit`` largest values, largest first."""
    top = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]
    return Chart(key, title, filename, "ranking", [(names or {}).get(value, value) for value, _ in top],
                 [count for _, count in top])


def share_of_voice_chart(rows: list[dict], *, filename: str, title: str = "Share of voice") -> Chart:
    """From ``store.share_of_voice(…)`` rows: each organisation's share of the articles naming an
    organisation, in per cent."""
    return Chart("share_of_voice", title, filename, "ranking", [row["name"] for row in rows],
                 [round(100 * row["share"], 1) for row in rows], value_label="% of organisation mentions by article")


def placed_images(charts: dict[str, Chart], markdown: str) -> dict[str, bytes]:
    """{file name: PNG} of the charts ``markdown`` places; the others are never drawn."""
    return {chart.filename: chart.png() for chart in charts.values()
            if not chart.empty and f"]({chart.filename})" in markdown}
