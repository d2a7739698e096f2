"""Article text reads as written in every brief: the Markdown syntax it happens to hold is escaped, never
interpreted, while the author's own Markdown and the brief's own markup still work."""
from __future__ import annotations

import re

import docx
import pytest
from click.testing import CliRunner
from docx.opc.constants import RELATIONSHIP_TYPE
from lxml import html as lxml_html
from markdown_it import MarkdownIt

from advocacy.article import Article, Entity, Figure, Quote, ThemeScore, article_id
from advocacy.briefs import BriefRequest, charts
from advocacy.briefs.charts import attention_chart, facet_chart, figure_of, label_text
from advocacy.briefs.citations import apply_style
from advocacy.briefs.evidence import Source
from advocacy.briefs.html import markdown_to_html
from advocacy.briefs.render import Markdown, escape_markdown, markdown_context, markdown_url, render_markdown
from advocacy.cli import main
from advocacy.index.sqlite import SqliteStore
from tests.briefs.articles import paragraph_passages

# Each would be markup in Markdown: bold, italics, underscores, code, a link, a remote image, a heading, raw
# HTML, a table cell's end, an escape.
HOSTILE = ("**2024**", "7*7=49", "_x_", "`rm`", "[link](http://evil.example)", "![img](http://evil.example/a.png)",
           "# heading", "<b>bold</b>", "a | b", "\\\\")
# Markup that only counts where a line starts, inside a longer text.
BLOCKS = ("> not a quote", "- not a list", "1. not a list", "2024. a year", "---", "===", "+ plus", "    not code",
          "[1]: http://evil.example", "<div>raw</div>", "| a | b |", "&copy; &#42; &amp;", "~~struck~~", "#tag")

OUTLET = "The **Hostile** | Times [home](http://evil.example)"
AGENCY = "Agency **2024** | [x](http://evil.example)"
DEFAULT_TITLE = BriefRequest().title
TITLE = "Refugees " + " ".join(HOSTILE)
QUOTED = "We counted **2024** arrivals, 7*7=49 of them, _x_ and `rm`, see [link](http://evil.example) a | b"
SPEAKER = "the <b>bold</b> spokesperson"
SENTENCE = f'"{QUOTED}," said {SPEAKER}.'
FIGURE_SENTENCE = "Officials counted 326 migrants at the ![img](http://evil.example/a.png) border."
TEXT = "\n\n".join([
    "# heading\nHeld at the border, Aminata Diallo, 24, from Guinea, wrote " + " ".join(HOSTILE) + " on a sign.",
    SENTENCE,
    FIGURE_SENTENCE,
])


def _span(text: str, needle: str) -> tuple[int, int]:
    start = text.index(needle)
    return start, start + len(needle)


def hostile_article() -> Article:
    """An article whose title, text, quote, figure, outlet and organisation all hold Markdown syntax."""
    url = "https://hostile.test/news/held_(2024).html"
    return Article(
        id=article_id(url), url=url, canonical_url=url, outlet="hostile", outlet_name=OUTLET,
        country="MA", language="en", title=TITLE, text=TEXT, published_at="2024-05-02T08:30:00+00:00",
        published_at_source="page-metadata", fetched_at="2024-05-20T10:00:00+00:00", content_hash="hash-hostile",
        archive={"file": "crawl_hostile_.warc.gz", "offset": 100},
        themes=[ThemeScore("health", 0.9, passages=[0])], passages=paragraph_passages(TEXT),
        quotes=[Quote(QUOTED, SPEAKER, SENTENCE, *_span(TEXT, QUOTED))],
        figures=[Figure("326 migrants", 326.0, "migrants", FIGURE_SENTENCE, *_span(TEXT, "326 migrants"))],
        entities=[Entity("person:aminata-diallo", "Aminata Diallo", "person", ["Aminata Diallo"], 1),
                  Entity("org:hostile", AGENCY, "organisation", ["Agency"], 1)],
        stage="indexed")


def shown(markdown: str) -> str:
    """The text a reader sees once the Markdown is HTML."""
    rendered = MarkdownIt("commonmark").enable("table").render(markdown)
    return lxml_html.fromstring(f"<div>{rendered}</div>").text_content()


# -- escaping ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", HOSTILE + BLOCKS)
def test_escaped_text_reads_as_written_and_makes_no_markup(text):
    escaped = escape_markdown(text)
    rendered = MarkdownIt("commonmark").enable("table").render(f"Said: {escaped}\n\n{escaped}\n")
    assert re.findall(r"<(\w+)", rendered) == ["p", "p"], rendered
    assert shown(f"{escaped}\n").strip() == text.strip()
    assert shown(f"Said: {escaped}\n").strip() == f"Said: {text.strip()}"


def test_escaped_lines_stay_text_inside_a_quote_and_a_table_cell():
    text = "\n".join(BLOCKS)
    quoted = "> " + escape_markdown(text).replace("\n", "\n> ")
    assert re.findall(r"<(\w+)", MarkdownIt("commonmark").render(quoted)) == ["blockquote", "p"]
    table = f"| Outlet | Articles |\n|---|---|\n| {escape_markdown(OUTLET)} | 3 |\n"
    page = lxml_html.fromstring(MarkdownIt("commonmark").enable("table").render(table))
    assert [cell.text_content() for cell in page.iter("td")] == [OUTLET, "3"]


def test_ordinary_prose_keeps_its_punctuation_unescaped():
    prose = "L'Echo du Sahel: 3.5 million people (35%) - snake_case, C# and -5 degrees, AT&T."
    assert escape_markdown(prose) == prose


def test_a_web_address_stays_one_working_link_and_any_other_is_text():
    url = "https://hostile.test/a_(b)*c_[d]/_e_ f?x=1&y=2#top"
    safe = markdown_url(url)
    assert escape_markdown(safe) == safe    # nothing Markdown would read, wherever it is placed
    rendered = MarkdownIt("commonmark").render(f"<{safe}> and [the article]({safe})\n")
    links = lxml_html.fromstring(rendered).xpath("//a/@href")
    assert links == [safe, safe] and " " not in safe
    assert safe == "https://hostile.test/a%5F%28b%29%2Ac%5F%5Bd%5D/%5Fe%5F%20f?x=1&y=2#top"
    for hostile in ("javascript:alert(1)", "data:text/html,<script>", "/b"):
        written = markdown_url(hostile)
        assert shown(f"<{written}>\n").strip() == f"<{hostile}>"      # "</b>" is no closing tag either
        if hostile != "/b":
            assert "<a" not in MarkdownIt("commonmark").render(f"<{written}> [x]({written})\n")


# -- the context templates see ----------------------------------------------------------------------------

def _source(number: int, outlet: str, url: str = "https://hostile.test/a") -> Source:
    return Source(number, f"id{number}", TITLE, outlet, url, "2024-05-02T08:30:00+00:00",
                  "2024-05-20T10:00:00+00:00", "en", {"file": "crawl_1_.warc.gz", "offset": 7})


def test_the_context_is_escaped_for_templates_and_left_as_it_was():
    sources = apply_style([_source(1, OUTLET), _source(2, "Le Matin", "javascript:alert(1)")], "author-date")
    context = {"title": "Access **2024**", "position": Markdown("We **must** act."), "sources": sources,
               "coverage": {"outlets": {OUTLET: 3, "Le Matin": 1}}, "voices": [{"text": QUOTED}]}
    seen = markdown_context(context)
    assert seen["title"] == "Access \\*\\*2024\\*\\*" and seen["position"] == "We **must** act."
    assert list(seen["coverage"]["outlets"]) == [escape_markdown(OUTLET), "Le Matin"]
    assert seen["coverage"]["outlets"][OUTLET] == 3 and OUTLET in seen["coverage"]["outlets"]
    second, first = seen["sources"]      # in the order of the bibliography: by outlet
    assert first.title == escape_markdown(TITLE) and first.cite == f"({escape_markdown(OUTLET)} 2024)"
    assert shown(first.entry).strip() == (f'{OUTLET} (2024). "{TITLE}", 2024-05-02. https://hostile.test/a '
                                  f"(retrieved 2024-05-20; archived copy: crawl_1_.warc.gz @ 7)")
    assert "<a" not in MarkdownIt("commonmark").render(second.entry)
    # The context keeps the words as published: verification and redaction read those.
    hostile = next(source for source in sources if source.number == 1)
    assert context["title"] == "Access **2024**" and hostile.title == TITLE and hostile.outlet_name == OUTLET
    assert hostile.cite == f"({OUTLET} 2024)"


def test_a_template_cannot_place_article_text_unescaped(tmp_path):
    template = tmp_path / "mine.md.j2"
    template.write_text("{% for s in sources %}{{ s.outlet_name | upper }}: [{{ s.title }}]({{ s.url }}) "
                        "{{ s.url }}\n{% endfor %}{% for name, count in coverage.outlets.items() %}"
                        "{{ name }}={{ count }}\n{% endfor %}{{ charts.outlets }}\n", encoding="utf-8")
    chart = facet_chart("outlets", {OUTLET: 3}, filename="my_brief-outlets.png", title="Articles per outlet")
    context = {"sources": apply_style([_source(1, OUTLET)], "numbered"),
               "coverage": {"outlets": {OUTLET: 3}}, "charts": {"outlets": chart}}
    page = lxml_html.fromstring(markdown_to_html(render_markdown(str(template), context), title="t",
                                                 images={"my_brief-outlets.png": chart.png()}))
    body = page.body.text_content()
    assert f"{OUTLET.upper()}: {TITLE} https://hostile.test/a" in body and f"{OUTLET}=3" in body
    assert page.xpath("//a/@href") == ["https://hostile.test/a"]
    assert [img.get("src")[:22] for img in page.iter("img")] == ["data:image/png;base64,"]
    assert not page.xpath("//strong | //em | //code | //h1")


# -- whole briefs -----------------------------------------------------------------------------------------

@pytest.fixture
def data_dir(tmp_path):
    store = SqliteStore(tmp_path / "index.db")
    store.upsert(hostile_article())
    store.close()
    (tmp_path / "inputs.yaml").write_text(
        "position: Nobody should be held at a border, **whatever** their papers.\n"
        "arguments:\n  - claim: People are held at the *border*.\n    query: border\n"
        "asks:\n  - Release everyone held at the border.\n", encoding="utf-8")
    return tmp_path


def brief(data_dir, template, fmt, *args):
    out = data_dir / f"{template}.{fmt}"
    result = CliRunner().invoke(main, ["--data-dir", str(data_dir), "brief", template, "--theme", "health",
                                       "--format", fmt, "--out", str(out), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return out, result


def _assert_reads_as_written(text: str) -> None:
    text = " ".join(text.split())
    for written in (*HOSTILE, OUTLET, QUOTED, TITLE, SPEAKER, FIGURE_SENTENCE):
        assert written in text, written
    # Private people's names are still withheld from the excerpt, hostile as it is.
    assert "Aminata" not in text
    assert f"# heading Held at the border, a 24-year-old person from Guinea wrote {' '.join(HOSTILE)}" in text


def test_a_markdown_brief_escapes_what_articles_wrote(data_dir):
    out, result = brief(data_dir, "policy-paper", "md")
    assert "Verified 1 quote and 1 figure against their sources; dropped none" in result.stdout
    paper = out.read_text(encoding="utf-8")
    assert "**2024**" not in paper and "[link](http" not in paper and not re.search(r"(?<!\\)<b>", paper)
    assert f"> “{escape_markdown(QUOTED)}”\n" in paper
    assert f"— {escape_markdown(SPEAKER)}, in *{escape_markdown(OUTLET)}*, 2024-05-02 [1]" in paper
    assert "> \\# heading\nHeld at the border, a 24-year-old person from Guinea wrote \\*\\*2024\\*\\*" in paper
    assert f"| {escape_markdown(OUTLET)} | 1 |" in paper
    assert "<https://hostile.test/news/held%5F%282024%29.html>" in paper
    # The brief's own markup is still markup.
    assert "\n## Health\n" in paper and "- **326 migrants**: Officials counted" in paper
    _assert_reads_as_written(shown(paper))


@pytest.mark.parametrize("template", ["policy-paper", "position-paper", "media-digest"])
def test_an_html_brief_shows_what_articles_wrote_as_text(data_dir, template):
    out, _ = brief(data_dir, template, "html", "--inputs", str(data_dir / "inputs.yaml"), "--since", "2024-05-01",
                   "--until", "2024-05-31")
    page = lxml_html.fromstring(out.read_text(encoding="utf-8"))
    body = page.body.text_content()
    if template == "media-digest":
        for written in (OUTLET, TITLE, AGENCY):      # outlets and top stories, organisations in share of voice
            assert written in " ".join(body.split()), written
    else:
        _assert_reads_as_written(body)
    assert not list(page.iter("img")) or all(img.get("src").startswith("data:") for img in page.iter("img"))
    assert not [href for href in page.xpath("//a/@href") if "evil" in href]
    marked = [element.text_content() for element in page.xpath("//strong | //em | //code | //b")]
    for fragment in ("2024", "x", "rm", "bold", "Hostile", "7"):
        assert fragment not in marked, marked
    assert [h1.text_content() for h1 in page.iter("h1")] == [DEFAULT_TITLE]
    # Every table row keeps its cells: an outlet name with | in it does not add one.
    for row in page.iter("tr"):
        assert len(row) == len(row.getparent().getparent().find(".//tr"))
    if template == "position-paper":
        assert "whatever" in marked and "border" in marked    # the author's own Markdown


def test_a_word_brief_shows_what_articles_wrote_literally(data_dir):
    out, _ = brief(data_dir, "policy-paper", "docx", "--title", "Held at the border **2024**")
    document = docx.Document(str(out))
    paragraphs = list(document.paragraphs)
    paragraphs += [p for table in document.tables for row in table.rows for cell in row.cells
                   for p in cell.paragraphs]
    _assert_reads_as_written("\n".join(p.text for p in paragraphs))
    # The title is shown once, as written: the heading that repeats it is recognised despite its escapes.
    assert [p.text for p in document.paragraphs if p.style.name == "Title"] == ["Held at the border **2024**"]
    assert not [p for p in document.paragraphs if p.style.name == "Heading 1"]
    # Bold and italics are the template's (key figures, outlet names), never the article's own markers.
    formatted = [run.text for paragraph in paragraphs for run in paragraph.runs if run.bold or run.italic]
    for fragment in ("2024", "7", "7=49", "x", "rm", "bold", "Hostile"):
        assert fragment not in formatted, formatted
    assert OUTLET in formatted
    code = [run.text for paragraph in paragraphs for run in paragraph.runs if run.font.name == "Courier New"]
    assert code == ["## Recommendations", "--inputs"]      # the template's own, in its placeholder
    assert not [rel for rel in document.part.rels.values()
                if rel.reltype == RELATIONSHIP_TYPE.HYPERLINK and "evil" in rel.target_ref]
    # The pictures are the brief's charts, embedded; nothing is fetched from elsewhere.
    assert not [rel for rel in document.part.rels.values()
                if rel.is_external and rel.reltype != RELATIONSHIP_TYPE.HYPERLINK]


# -- charts -----------------------------------------------------------------------------------------------

ARABIC = "المفوضية السامية للاجئين"


def test_dollar_signs_in_chart_labels_are_printed_as_written():
    from matplotlib import cbook

    chart = facet_chart("outlets", {"$5 $6 outlet": 3, "Le $ Matin": 1, "a $x^2$ b": 2}, filename="o.png",
                        title="Per $ outlet $")
    assert chart.png().startswith(b"\x89PNG")
    axes = figure_of(chart).axes[0]
    assert [label.get_text() for label in axes.get_yticklabels()] == ["\\$5 \\$6 outlet", "a \\$x^2\\$ b",
                                                                    "Le \\$ Matin"]
    assert axes.get_title() == "Per \\$ outlet \\$"
    # Matplotlib reads the escapes as plain dollars: no mathematical notation.
    assert not any(cbook.is_math_text(label.get_text()) for label in axes.get_yticklabels())
    # A label a caller escaped already is not escaped twice.
    assert label_text("\\$5 \\$6") == "\\$5 \\$6"
    over_time = attention_chart([{"period": f"${month} ${month + 1}", "count": month} for month in range(1, 4)],
                                filename="a.png", title="Articles per $week$")
    assert over_time.png().startswith(b"\x89PNG")


def test_arabic_chart_labels_are_shaped_and_ordered_unless_matplotlib_does_it(monkeypatch):
    import arabic_reshaper
    from bidi.algorithm import get_display

    chart = facet_chart("outlets", {ARABIC: 3, "Le Matin": 1}, filename="o.png", title="Articles per outlet")
    assert chart.png().startswith(b"\x89PNG")
    shaped = get_display(arabic_reshaper.reshape(ARABIC))
    assert shaped != ARABIC
    # Before 3.11 matplotlib drew each letter on its own, left to right: it gets the joined letters in
    # display order. From 3.11 it shapes text itself (libraqm) and gets the words as written.
    monkeypatch.setattr(charts, "lays_out_complex_text", lambda: False)
    assert label_text(ARABIC) == shaped and label_text("Le Matin") == "Le Matin"
    labels = [label.get_text() for label in figure_of(chart).axes[0].get_yticklabels()]
    assert sorted(labels) == sorted(["Le Matin", shaped])
    assert chart.png().startswith(b"\x89PNG")
    assert label_text(f"{ARABIC} $5 $6").count("\\$") == 2
    monkeypatch.setattr(charts, "lays_out_complex_text", lambda: True)
    assert label_text(ARABIC) == ARABIC


def test_chart_labels_use_a_font_with_arabic_letters():
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    axes = figure_of(facet_chart("outlets", {ARABIC: 3}, filename="o.png", title="Per outlet")).axes[0]
    [label] = axes.get_yticklabels()
    font = FT2Font(font_manager.findfont(label.get_fontproperties()))
    assert all(ord(letter) in font.get_charmap() for letter in ARABIC if not letter.isspace())
