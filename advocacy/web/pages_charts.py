"""The dashboard's charts as PNG: rankings drawn by the briefs' own chart code, and attention over time
with its spikes marked (which brief charts do not need)."""
from __future__ import annotations

import io
import threading

# Grey like the brief charts, so a chart pasted into a brief matches; spikes get the one accent colour.
_LINE = "#4d4d4d"
_SPIKE = "#b3261e"
_SIZE = (7.5, 3.4)
_DPI = 110

# Drawing shares matplotlib's font and text caches, which are not made for threads; a chart takes
# tens of milliseconds, so one at a time costs little.
_drawing = threading.Lock()


def ranking_png(labels: list[str], values: list[float], *, title: str, value_label: str) -> bytes:
    from advocacy.briefs.charts import Chart

    # The brief charts' drawing makes every label print as written ($ signs, Arabic).
    chart = Chart("ranking", title, "ranking.png", "ranking", list(labels), list(values), value_label=value_label)
    with _drawing:
        return chart.png()


def attention_png(periods: list[str], counts: list[int], spikes: list[bool], *, title: str, value_label: str,
                  spike_label: str) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    from advocacy.briefs.charts import label_text

    with _drawing:
        figure = Figure(figsize=_SIZE, dpi=_DPI)
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        positions = list(range(len(periods)))
        if len(periods) > 8:
            axes.plot(positions, counts, color=_LINE, linewidth=1.5, marker="o", markersize=3)
        else:
            axes.bar(positions, counts, color=[_SPIKE if spike else _LINE for spike in spikes])
        marked = [p for p, spike in zip(positions, spikes) if spike]
        if marked:
            axes.scatter(marked, [counts[p] for p in marked], color=_SPIKE, marker="^", s=60, zorder=3,
                         label=label_text(spike_label))
            axes.legend(loc="upper left", fontsize=8, frameon=False)
        step = max(1, len(positions) // 12)
        axes.set_xticks(positions[::step], [label_text(p) for p in periods[::step]], rotation=45, ha="right", fontsize=8)
        axes.set_ylabel(label_text(value_label))
        axes.set_ylim(bottom=0)
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_title(label_text(title), fontsize=10)
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", metadata={"Software": None})
        return buffer.getvalue()
