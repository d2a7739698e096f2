"""Charts drawn from Store figures, and how a template's variables decide what a brief gathers."""
from __future__ import annotations

from advocacy.briefs import template_variables
from advocacy.briefs.charts import attention_chart, facet_chart, placed_images, share_of_voice_chart

ATTENTION = [{"period": f"2024-{month:02d}-01", "count": count, "total": 10, "share": count / 10}
             for month, count in zip(range(1, 7), (1, 4, 0, 2, 7, 3))]


def test_a_chart_is_a_png_drawn_the_same_way_twice():
    chart = attention_chart(ATTENTION, filename="brief-attention.png")
    first, second = chart.png(), chart.png()
    assert first.startswith(b"\x89PNG\r\n\x1a\n") and first == second
    assert str(chart) == "![Attention over time](brief-attention.png)"


def test_every_kind_of_chart_draws():
    charts = [attention_chart(ATTENTION * 3, filename="a.png", highlight_from="2024-04-01"),
              facet_chart("themes", {"health": 4, "education": 2}, filename="t.png", title="Themes",
                          names={"health": "Health"}),
              share_of_voice_chart([{"name": "UNHCR", "share": 0.6}, {"name": "AMDH", "share": 0.4}],
                                   filename="s.png")]
    for chart in charts:
        assert chart.png().startswith(b"\x89PNG")
    assert charts[1].labels == ["Health", "education"] and charts[2].values == [60.0, 40.0]


def test_a_chart_without_figures_says_so_and_is_never_drawn():
    empty = facet_chart("outlets", {}, filename="o.png", title="Articles per outlet")
    assert str(empty) == "*Articles per outlet: nothing to chart for this selection.*"
    full = attention_chart(ATTENTION, filename="a.png")
    other = facet_chart("themes", {"health": 1}, filename="t.png", title="Themes")
    images = placed_images({"attention": full, "themes": other, "outlets": empty}, f"# Brief\n\n{full}\n\n{empty}\n")
    assert list(images) == ["a.png"]


def test_template_variables_name_the_charts_and_follow_includes(tmp_path):
    (tmp_path / "footer.md.j2").write_text("{% for s in sources %}{{ s.entry }}{% endfor %}", encoding="utf-8")
    main = tmp_path / "main.md.j2"
    main.write_text("# {{ title }}\n{{ charts.attention }}{{ charts['outlets'] }}\n{% include 'footer.md.j2' %}\n",
                    encoding="utf-8")
    assert template_variables(str(main)) == {"title", "charts", "charts.attention", "charts.outlets", "sources"}
    # An include chosen at render time cannot be followed: everything is gathered.
    main.write_text("{% include title %}", encoding="utf-8")
    assert template_variables(str(main)) is None
    assert {"sections", "recommendations", "charts.attention"} <= template_variables("policy-paper")
    assert "digest" in template_variables("media-digest") and "sections" not in template_variables("media-digest")
