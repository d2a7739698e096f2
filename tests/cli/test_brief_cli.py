"""`advocacy brief` from the command line: templates, the author's inputs, citation styles, the media
digest, charts in every format, and user templates that try to escape the sandbox."""
from __future__ import annotations

import dataclasses
import re

import docx
import pytest
from click.testing import CliRunner

from advocacy.article import Entity
from advocacy.cli import main
from advocacy.index.sqlite import SqliteStore
from tests.briefs.test_evidence import ARTICLES

UNHCR = Entity(id="org:unhcr", name="UNHCR", type="organisation", mentions=["UNHCR"], count=2)
AMDH = Entity(id="org:amdh", name="AMDH", type="organisation", mentions=["AMDH"], count=1)

POSITION = """\
position: Migrants must be able to see a doctor and go to court.
arguments:
  - claim: Detained migrants rarely get legal aid.
    theme: justice
  - claim: Hospitals send refugees away.
    query: hospitals
asks:
  - Remind hospital managers of the law.
  - Fund legal aid in detention.
"""


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("brief-cli")
    store = SqliteStore(directory / "index.db")
    for article in ARTICLES:
        # A share of voice needs organisations named in the articles.
        named = {"h1": [UNHCR, AMDH], "h3": [UNHCR], "j1": [AMDH], "e1": [UNHCR]}.get(article.title[6:], [])
        store.upsert(dataclasses.replace(article, entities=named))
    store.close()
    return directory


def brief(data_dir, *args, env=None):
    return CliRunner().invoke(main, ["--data-dir", str(data_dir), "brief", *args], env=env, catch_exceptions=False)


def written(result, path):
    assert result.exit_code == 0, result.output
    return path.read_text(encoding="utf-8")


def sources_of(paper):
    return paper.split("\n## Sources\n", 1)[1].strip().splitlines()


# -- position paper and the author's inputs ---------------------------------------------------------------------

def test_the_position_paper_argues_what_the_author_wrote_with_evidence_for_each_argument(data_dir, tmp_path):
    inputs = tmp_path / "position.yaml"
    inputs.write_text(POSITION, encoding="utf-8")
    out = tmp_path / "position.md"
    paper = written(brief(data_dir, "position-paper", "--inputs", str(inputs), "--out", str(out)), out)

    position = paper.split("\n## Our position\n", 1)[1].split("\n## ", 1)[0]
    assert position.strip() == "Migrants must be able to see a doctor and go to court."
    justice = paper.split("\n### 1. Detained migrants rarely get legal aid.\n", 1)[1].split("\n### 2.", 1)[0]
    assert "legal aid for detained migrants" in justice and '"Story j1", 2024-05-01 [1]' in justice
    hospitals = paper.split("\n### 2. Hospitals send refugees away.\n", 1)[1].split("\n## ", 1)[0]
    assert '"Story h1", 2024-05-02 [2]' in hospitals
    assert "1. Remind hospital managers of the law.\n2. Fund legal aid in detention." in paper
    # Only what the paper shows is cited: no theme sections were gathered for it.
    cited = {int(n) for n in re.findall(r"\[(\d+)\]", paper)}
    assert [line.split(".", 1)[0] for line in sources_of(paper)] == [str(n) for n in sorted(cited)]
    assert "Story e1" not in paper and "## Health" not in paper


def test_without_inputs_the_author_sections_say_they_are_the_authors(data_dir, tmp_path):
    out = tmp_path / "position.md"
    paper = written(brief(data_dir, "position-paper", "--out", str(out)), out)
    for section in ("Our position", "Arguments", "Our asks"):
        body = paper.split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
        assert "To be written by the author" in body and "does not invent claims" in body
    assert sources_of(paper) == ["No source is cited."]


def test_the_policy_papers_recommendations_come_from_a_markdown_inputs_file(data_dir, tmp_path):
    inputs = tmp_path / "inputs.md"
    inputs.write_text("# Health\n\n## Recommendations\n\n- Remind hospital managers of the law.\n"
                      "- Train emergency desk staff.\n", encoding="utf-8")
    out = tmp_path / "paper.md"
    paper = written(brief(data_dir, "policy-paper", "--theme", "health", "--inputs", str(inputs),
                          "--out", str(out)), out)
    recommendations = paper.split("\n## Recommendations\n", 1)[1].split("\n## ", 1)[0]
    assert recommendations.strip() == "1. Remind hospital managers of the law.\n2. Train emergency desk staff."

    out_without = tmp_path / "paper-without.md"
    paper = written(brief(data_dir, "policy-paper", "--theme", "health", "--out", str(out_without)), out_without)
    assert "To be written by the author" in paper.split("\n## Recommendations\n", 1)[1]


@pytest.mark.parametrize("name, text, message", [
    ("broken.yaml", "position: [unclosed\n", "is not valid YAML at line 2"),
    ("typo.yaml", "asks: [a]\nrecomendations: [b]\n", "unknown key recomendations"),
    ("weather.yaml", "arguments:\n  - claim: It rains.\n    theme: weather\n", "unknown theme 'weather'"),
    ("notes.txt", "position: x\n", "use a .yaml, .yml or .md file"),
])
def test_a_bad_inputs_file_is_one_line_and_exit_code_1(data_dir, tmp_path, name, text, message):
    inputs = tmp_path / name
    inputs.write_text(text, encoding="utf-8")
    out = tmp_path / "position.md"
    result = brief(data_dir, "position-paper", "--inputs", str(inputs), "--out", str(out))
    assert result.exit_code == 1 and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert not out.exists()


# -- articles the author chose ---------------------------------------------------------------------------------

def test_cite_quotes_the_chosen_articles_whatever_the_filters(data_dir, tmp_path):
    out = tmp_path / "paper.md"
    h4, j1 = (next(a for a in ARTICLES if a.title == f"Story {key}") for key in ("h4", "j1"))
    paper = written(brief(data_dir, "policy-paper", "--theme", "health", "--theme", "education", "--since",
                          "2024-05-01", "--cite", h4.id, "--cite", j1.id, "--out", str(out)), out)
    # h4 (March) is outside the period but leads the health section; j1 (justice) fits no section.
    health = paper.split("\n## Health\n", 1)[1].split("\n## ", 1)[0]
    assert health.index('"Story h4", 2024-03-10 [1]') < health.index('"Story h1"')
    further = paper.split("\n## Further evidence chosen by the author\n", 1)[1].split("\n## Sources\n", 1)[0]
    assert "legal aid for detained migrants" in further and '"Story j1", 2024-05-01 [' in further
    assert "Story h4" not in further
    entries = sources_of(paper)
    assert entries[0].startswith('1. Sahel Observer, "Story h4", 2024-03-10.')
    assert any('"Story j1"' in entry for entry in entries)


def test_cite_takes_the_short_ids_advocacy_search_shows(tmp_path):
    from advocacy.ledger import Ledger

    store = SqliteStore(tmp_path / "index.db")
    with Ledger(tmp_path / "ledger.db") as ledger:
        for article in ARTICLES:
            store.upsert(article)
            ledger.add_article(article)
    store.close()
    out = tmp_path / "digest.md"
    x1 = next(a for a in ARTICLES if a.title == "Story x1")
    digest = written(brief(tmp_path, "media-digest", "--cite", x1.id[:12], "--out", str(out)), out)
    further = digest.split("\n## Further evidence chosen by the author\n", 1)[1]
    assert "evictions of migrant families" in further and '"Story x1", undated [' in further
    unknown = brief(tmp_path, "media-digest", "--cite", "ffffff", "--out", str(out))
    assert unknown.exit_code == 1 and "no article with id 'ffffff'" in unknown.stderr


def test_cite_of_an_article_the_index_does_not_hold_is_one_line_and_exit_code_1(data_dir, tmp_path):
    out = tmp_path / "paper.md"
    result = brief(data_dir, "policy-paper", "--cite", "0" * 32, "--out", str(out))
    assert result.exit_code == 1 and f"the index holds no article with the id '{'0' * 32}'" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output
    assert not out.exists()


# -- citation styles ---------------------------------------------------------------------------------------------

def test_author_date_citations_from_the_option_or_the_setting(data_dir, tmp_path):
    out = tmp_path / "paper.md"
    four = {"ADVOCACY_BRIEFS_EVIDENCE_PER_THEME": "4"}
    paper = written(brief(data_dir, "policy-paper", "--theme", "health", "--citations", "author-date",
                          "--out", str(out), env=four), out)
    health = paper.split("\n## Health\n", 1)[1].split("\n## ", 1)[0]
    # Two Rabat Tribune articles of 2024: "a" is the earlier one.
    assert '> — *The Rabat Tribune*, "Story h1", 2024-05-02 (The Rabat Tribune 2024a)' in health
    assert '> — *The Rabat Tribune*, "Story h2", 2024-05-03 (The Rabat Tribune 2024b)' in health
    assert '> — *Sahel Observer*, "Story h4", 2024-03-10 (Sahel Observer 2024)' in health
    assert "outlet and year in brackets refer to the sources" in paper
    entries = sources_of(paper)
    assert [entry.split(" \"", 1)[0] for entry in entries] == [
        "- L'Echo du Sahel (2024).", "- Sahel Observer (2024).", "- The Rabat Tribune (2024a).",
        "- The Rabat Tribune (2024b)."]
    assert entries[2] == ('- The Rabat Tribune (2024a). "Story h1", 2024-05-02. <https://tribune.test/news/h1.html> '
                          "(retrieved 2024-05-20; archived copy: crawl-tribune.warc.gz @ 200)")
    assert not re.search(r"\[\d+\]", paper)

    by_setting = tmp_path / "setting.md"
    paper = written(brief(data_dir, "policy-paper", "--theme", "health", "--out", str(by_setting),
                          env={**four, "ADVOCACY_BRIEFS_CITATION_STYLE": "author-date"}), by_setting)
    assert "(The Rabat Tribune 2024b)" in paper
    bad = brief(data_dir, "policy-paper", "--out", str(tmp_path / "x.md"),
                env={"ADVOCACY_BRIEFS_CITATION_STYLE": "harvard"})
    assert bad.exit_code == 1 and "briefs.citation_style must be one of numbered, author-date" in bad.output


# -- media digest ------------------------------------------------------------------------------------------------

def test_the_media_digest_compares_the_period_with_the_one_before(data_dir, tmp_path):
    out = tmp_path / "digest.md"
    digest = written(brief(data_dir, "media-digest", "--since", "2024-04-01", "--until", "2024-05-31",
                           "--out", str(out)), out)
    assert "2024-04-01 to 2024-05-31 (61 days), compared with 2024-01-31 to 2024-03-31." in digest
    # Six articles from 1 to 6 May against h4 alone (10 March); x1 is undated.
    assert "| Articles | 1 | 6 | +5 (+500%) |" in digest
    assert "| Sahel Observer | 1 | 1 | 0 |" in digest and "| The Rabat Tribune | 0 | 2 | +2 |" in digest
    stories = digest.split("\n## Top stories\n", 1)[1].split("\n## ", 1)[0]
    assert len(re.findall(r"^\d+\. \*\*Story ", stories, re.M)) == 5
    assert "Story h4" not in stories
    assert (tmp_path / "digest-period-comparison.png").read_bytes().startswith(b"\x89PNG")
    voices = digest.split("\n## Share of voice\n", 1)[1].split("\n## ", 1)[0]
    # Five article-organisation pairs: UNHCR in h1, h3 and e1, AMDH in h1 and j1.
    assert "| UNHCR | 3 | 6 | 60.0% |" in voices and "| AMDH | 2 | 2 | 40.0% |" in voices
    assert "](digest-share-of-voice.png)" in voices


def test_without_dates_the_digest_covers_the_last_days_up_to_the_newest_article(data_dir, tmp_path):
    out = tmp_path / "digest.md"
    digest = written(brief(data_dir, "media-digest", "--out", str(out)), out)
    assert "2024-04-07 to 2024-05-06 (30 days), compared with 2024-03-08 to 2024-04-06." in digest
    assert "| Articles | 1 | 6 | +5 (+500%) |" in digest


# -- charts in every format --------------------------------------------------------------------------------------

def test_markdown_places_the_charts_beside_the_brief(data_dir, tmp_path):
    out = tmp_path / "paper.md"
    paper = written(brief(data_dir, "policy-paper", "--out", str(out)), out)
    for chart in ("attention", "themes", "outlets"):
        assert f"](paper-{chart}.png)" in paper
        assert (tmp_path / f"paper-{chart}.png").read_bytes().startswith(b"\x89PNG")
    # The policy paper does not place a share-of-voice chart, so none is drawn.
    assert not (tmp_path / "paper-share-of-voice.png").exists()


def test_html_inlines_the_charts_and_word_embeds_them(data_dir, tmp_path):
    page = written(brief(data_dir, "policy-paper", "--format", "html", "--out", str(tmp_path / "p.html")),
                   tmp_path / "p.html")
    assert page.count('src="data:image/png;base64,') == 3 and ".png" not in page
    assert not list(tmp_path.glob("*.png"))

    result = brief(data_dir, "media-digest", "--format", "docx", "--out", str(tmp_path / "digest.docx"))
    assert result.exit_code == 0, result.output
    document = docx.Document(str(tmp_path / "digest.docx"))
    assert len(document.inline_shapes) == 2
    images = [part for part in document.part.package.parts if part.content_type == "image/png"]
    assert images and all(part.blob.startswith(b"\x89PNG") for part in images)


# -- user templates that try to escape the sandbox ---------------------------------------------------------------

PAYLOADS = [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ self._TemplateReference__context }}",
    "{{ config }}",
    "{% include '/etc/passwd' %}",
    "{{ lipsum.__globals__ }}",
    "{{ request }}",
    "{{ title | attr('__class__') }}",
    "{{ (sources | attr('__class__')).__base__ }}",
    "{% import 'os' as os %}{{ os.system('id') }}",
    "{{ joiner.__init__.__globals__ }}",
    "{{ namespace.__init__.__globals__['os'] }}",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_template_injection_through_template_path_is_one_line_and_leaks_nothing(data_dir, tmp_path, payload):
    template = tmp_path / "evil.md.j2"
    template.write_text(f"# {{{{ title }}}}\n\n{payload}\n", encoding="utf-8")
    out = tmp_path / "evil.md"
    result = brief(data_dir, "--template", str(template), "--out", str(out))
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: template ") and str(template) in lines[0]
    assert "Traceback" not in result.output and "uid=" not in result.output and "root:" not in result.output
    assert not out.exists()


def test_the_word_policy_paper_has_headings_contents_notes_and_charts(data_dir, tmp_path):
    inputs = tmp_path / "inputs.yaml"
    inputs.write_text("recommendations:\n  - Remind hospital managers of the law.\n", encoding="utf-8")
    out = tmp_path / "paper.docx"
    result = brief(data_dir, "policy-paper", "--format", "docx", "--inputs", str(inputs), "--out", str(out))
    assert result.exit_code == 0, result.output
    document = docx.Document(str(out))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 2"]
    assert headings[:3] == ["Summary", "Context", "Health"] and "Recommendations" in headings
    assert headings[-1] == "Sources"
    assert 'TOC \\o "1-3"' in document.element.xml
    # The opening note is set in italics, as written in the template.
    note = next(p for p in document.paragraphs if p.text.startswith("Policy paper drafted by Advocacy Monitor"))
    assert all(run.italic for run in note.runs if run.text.strip())
    assert len(document.inline_shapes) == 3
    assert [p.text for p in document.paragraphs if p.style.name == "List Number"][0] == \
        "Remind hospital managers of the law."
