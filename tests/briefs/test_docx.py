"""Markdown briefs rendered to .docx (and PDF when LibreOffice is installed)."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import docx
import pytest
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml.ns import qn
from docx.shared import Cm

from advocacy.briefs.docx import DocxRenderError, docx_to_pdf, markdown_to_docx

BRIEF_TITLE = "Pushbacks at the Evros border"
ARABIC_SENTENCE = "يحق لكل فرد أن يلتمس ملجأ في بلدان أخرى وأن يتمتع به خلاصاً من الاضطهاد."

BRIEF_MARKDOWN = f"""\
# {BRIEF_TITLE}

## Key findings

Since January, **47 reports** describe *collective expulsions* of asylum seekers,
including children.<sup>3</sup> See the [UNHCR statement](https://www.unhcr.org/news/statement)
and the `article 33` obligation of non-refoulement.

- Reports from Greek and Turkish media
- Testimonies collected by NGOs
  - Médecins Sans Frontières
  - Human Rights Watch
- Court rulings

1. Open an independent investigation
2. Suspend returns to Türkiye

### Situation à la frontière

Les demandeurs d'asile décrivent des refoulements répétés ; l'accès à la procédure
d'asile reste très limité à Évros.

{ARABIC_SENTENCE}

> Everyone has the right to seek and to enjoy in other countries asylum from persecution.

| Source | Country | Reports |
|--------|---------|--------:|
| Kathimerini | Greece | 21 |
| Bianet | Türkiye | 14 |

---

#### Method

```
advocacy search --since 2024-01-01 "pushback"
```
"""


def _tiny_png(width: int = 8, height: int = 4) -> bytes:
    """A solid blue RGB PNG, built by hand to avoid an imaging dependency."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    scanlines = b"".join(b"\x00" + b"\x1f\x4e\x9a" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(scanlines))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def brief_docx(tmp_path: Path) -> Path:
    return markdown_to_docx(BRIEF_MARKDOWN, tmp_path / "brief.docx", title=BRIEF_TITLE)


def _paragraphs_with_style(document, style_name: str):
    return [p for p in document.paragraphs if p.style.name == style_name]


def _texts_with_style(document, style_name: str) -> list[str]:
    return [p.text for p in _paragraphs_with_style(document, style_name)]


def _paragraph_containing(document, fragment: str):
    return next(p for p in document.paragraphs if fragment in p.text)


def test_returns_the_output_path_and_writes_a_docx(brief_docx: Path):
    assert brief_docx.name == "brief.docx"
    assert brief_docx.read_bytes()[:2] == b"PK"


def test_title_is_not_duplicated_by_the_matching_h1(brief_docx: Path):
    document = docx.Document(str(brief_docx))

    assert _texts_with_style(document, "Title") == [BRIEF_TITLE]
    assert _texts_with_style(document, "Heading 1") == []
    assert document.paragraphs[0].style.name == "Title"
    assert document.core_properties.title == BRIEF_TITLE
    assert document.core_properties.created is not None


def test_headings_use_word_heading_styles(brief_docx: Path):
    document = docx.Document(str(brief_docx))

    assert _texts_with_style(document, "Heading 2") == ["Key findings"]
    assert _texts_with_style(document, "Heading 3") == ["Situation à la frontière"]
    assert _texts_with_style(document, "Heading 4") == ["Method"]


def test_without_title_the_h1_stays_a_heading(tmp_path: Path):
    path = markdown_to_docx(BRIEF_MARKDOWN, tmp_path / "untitled.docx")
    document = docx.Document(str(path))

    assert _texts_with_style(document, "Heading 1") == [BRIEF_TITLE]
    assert _texts_with_style(document, "Title") == []
    assert document.core_properties.title == BRIEF_TITLE


def test_links_are_real_hyperlinks_with_an_external_relationship(brief_docx: Path):
    document = docx.Document(str(brief_docx))
    paragraph = _paragraph_containing(document, "UNHCR statement")

    hyperlink = paragraph.hyperlinks[0]
    assert hyperlink.text == "UNHCR statement"
    assert hyperlink.address == "https://www.unhcr.org/news/statement"
    targets = {
        rel.target_ref
        for rel in document.part.rels.values()
        if rel.reltype == RELATIONSHIP_TYPE.HYPERLINK and rel.is_external
    }
    assert "https://www.unhcr.org/news/statement" in targets
    link_style = hyperlink.runs[0].style
    assert link_style.name == "Hyperlink"
    assert link_style.font.underline
    assert str(link_style.font.color.rgb) == "0563C1"


def test_inline_bold_italic_code_and_superscript(brief_docx: Path):
    document = docx.Document(str(brief_docx))
    runs = _paragraph_containing(document, "47 reports").runs

    assert any(run.bold and run.text == "47 reports" for run in runs)
    assert any(run.italic and run.text == "collective expulsions" for run in runs)
    assert any(run.font.name == "Courier New" and run.text == "article 33" for run in runs)
    superscripts = [run.text for run in runs if run.font.superscript]
    assert superscripts == ["3"]


def test_soft_line_breaks_become_spaces(brief_docx: Path):
    document = docx.Document(str(brief_docx))
    assert "asylum seekers, including children." in _paragraph_containing(document, "47").text


def test_bullet_and_ordered_lists_use_list_styles_with_nesting(brief_docx: Path):
    document = docx.Document(str(brief_docx))

    assert _texts_with_style(document, "List Bullet") == [
        "Reports from Greek and Turkish media",
        "Testimonies collected by NGOs",
        "Court rulings",
    ]
    assert _texts_with_style(document, "List Bullet 2") == [
        "Médecins Sans Frontières",
        "Human Rights Watch",
    ]
    assert _texts_with_style(document, "List Number") == [
        "Open an independent investigation",
        "Suspend returns to Türkiye",
    ]


def test_each_ordered_list_restarts_at_its_own_start(tmp_path: Path):
    markdown = "1. first\n2. second\n\nText between.\n\n3. third list starts at three\n"
    document = docx.Document(str(markdown_to_docx(markdown, tmp_path / "lists.docx")))
    numbered = _paragraphs_with_style(document, "List Number")

    numbering_ids = [p._p.pPr.numPr.numId.val for p in numbered]
    assert numbering_ids[0] == numbering_ids[1] != numbering_ids[2]
    numbering = document.part.numbering_part.element
    second_list = numbering.num_having_numId(numbering_ids[2])
    start = second_list.find(qn("w:lvlOverride")).find(qn("w:startOverride"))
    assert start.get(qn("w:val")) == "3"


def test_blockquote_uses_quote_style(brief_docx: Path):
    document = docx.Document(str(brief_docx))
    assert _texts_with_style(document, "Quote") == [
        "Everyone has the right to seek and to enjoy in other countries asylum from persecution."
    ]


def test_table_has_grid_style_bold_header_and_cell_texts(brief_docx: Path):
    document = docx.Document(str(brief_docx))
    [table] = document.tables

    assert table.style.name == "Table Grid"
    cell_texts = [[cell.text for cell in row.cells] for row in table.rows]
    assert cell_texts == [
        ["Source", "Country", "Reports"],
        ["Kathimerini", "Greece", "21"],
        ["Bianet", "Türkiye", "14"],
    ]
    header_runs = [run for cell in table.rows[0].cells for run in cell.paragraphs[0].runs]
    assert header_runs and all(run.bold for run in header_runs)
    assert not any(run.bold for run in table.rows[1].cells[0].paragraphs[0].runs)
    right_aligned = table.rows[1].cells[2].paragraphs[0].alignment
    assert right_aligned is not None and right_aligned.name == "RIGHT"


def test_french_accents_survive(brief_docx: Path):
    document = docx.Document(str(brief_docx))
    paragraph = _paragraph_containing(document, "demandeurs d'asile")
    assert "l'accès à la procédure d'asile reste très limité à Évros." in paragraph.text
    assert paragraph._p.pPr is None or paragraph._p.pPr.find(qn("w:bidi")) is None


def test_arabic_paragraph_is_marked_right_to_left(brief_docx: Path):
    document = docx.Document(str(brief_docx))
    paragraph = _paragraph_containing(document, ARABIC_SENTENCE)

    assert paragraph.text == ARABIC_SENTENCE
    assert paragraph._p.pPr.find(qn("w:bidi")) is not None
    assert all(run.font.rtl for run in paragraph.runs)


def test_table_of_contents_field_and_update_on_open(brief_docx: Path):
    document = docx.Document(str(brief_docx))
    body_xml = document.element.body.xml

    instructions = [node.text for node in document.element.body.iter(qn("w:instrText"))]
    assert any('TOC \\o "1-3" \\h \\z \\u' in text for text in instructions)
    assert 'w:fldCharType="begin"' in body_xml and 'w:fldCharType="end"' in body_xml
    update_fields = document.settings.element.find(qn("w:updateFields"))
    assert update_fields is not None and update_fields.get(qn("w:val")) == "true"
    # The field sits right after the title so it opens the brief.
    assert document.paragraphs[0].style.name == "Title"
    assert document.paragraphs[1].style.name == "TOC Heading"
    assert "table of contents" in document.paragraphs[2].text


def test_table_of_contents_can_be_left_out(tmp_path: Path):
    path = markdown_to_docx(BRIEF_MARKDOWN, tmp_path / "no_toc.docx", table_of_contents=False)
    document = docx.Document(str(path))

    assert not list(document.element.body.iter(qn("w:instrText")))
    assert document.settings.element.find(qn("w:updateFields")) is None


def test_horizontal_rule_and_code_block(brief_docx: Path):
    document = docx.Document(str(brief_docx))

    ruled = [
        p for p in document.paragraphs
        if p._p.pPr is not None and p._p.pPr.find(qn("w:pBdr")) is not None
    ]
    assert len(ruled) == 1 and ruled[0].text == ""
    [code] = _paragraphs_with_style(document, "Code Block")
    assert code.text == 'advocacy search --since 2024-01-01 "pushback"'
    assert code.style.font.name == "Courier New"


def test_page_is_a4_with_2_5_cm_margins(brief_docx: Path):
    section = docx.Document(str(brief_docx)).sections[0]

    assert abs(section.page_width - Cm(21)) < Cm(0.01)
    assert abs(section.page_height - Cm(29.7)) < Cm(0.01)
    for margin in (section.top_margin, section.bottom_margin,
                   section.left_margin, section.right_margin):
        assert abs(margin - Cm(2.5)) < Cm(0.01)


def test_resolvable_image_is_embedded_at_15_cm(tmp_path: Path):
    images = tmp_path / "charts"
    images.mkdir()
    (images / "arrivals.png").write_bytes(_tiny_png())
    markdown = "![Monthly arrivals](arrivals.png)\n\n![Missing chart](nowhere.png)\n"

    path = markdown_to_docx(markdown, tmp_path / "images.docx", images_dir=images)
    document = docx.Document(str(path))

    [picture] = document.inline_shapes
    assert abs(picture.width - Cm(15)) < Cm(0.01)
    fallback = _paragraph_containing(document, "Missing chart")
    assert fallback.runs[0].italic


def test_other_inline_and_block_html_is_rendered_as_text(tmp_path: Path):
    markdown = (
        'A <span class="note">flagged</span> claim<br>next line <!-- hidden -->\n\n'
        "<div>Raw <b>HTML</b> block</div>\n"
    )
    document = docx.Document(str(markdown_to_docx(markdown, tmp_path / "html.docx")))
    texts = [p.text for p in document.paragraphs]

    assert any("A flagged claim" in text and "next line" in text for text in texts)
    assert "Raw HTML block" in texts
    assert not any("hidden" in text or "<" in text for text in texts)


def test_internal_and_empty_links_do_not_create_broken_relationships(tmp_path: Path):
    markdown = "See [the method](#method) and [nothing]().\n\n#### Method\n"
    document = docx.Document(str(markdown_to_docx(markdown, tmp_path / "links.docx")))
    paragraph = _paragraph_containing(document, "the method")

    [internal] = paragraph.hyperlinks
    assert internal.fragment == "method"
    assert "nothing" in paragraph.text
    assert not [rel for rel in document.part.rels.values()
                if rel.reltype == RELATIONSHIP_TYPE.HYPERLINK]


def test_superscript_markers_work_inside_table_cells(tmp_path: Path):
    markdown = "| Claim | Source |\n|---|---|\n| 12 pushbacks<sup>4</sup> | NGO |\n"
    document = docx.Document(str(markdown_to_docx(markdown, tmp_path / "cells.docx")))
    runs = document.tables[0].rows[1].cells[0].paragraphs[0].runs

    assert [run.text for run in runs if run.font.superscript] == ["4"]


def test_bytes_input_gives_a_clear_error(tmp_path: Path):
    with pytest.raises(DocxRenderError, match="must be str"):
        markdown_to_docx(b"# Bytes", tmp_path / "x.docx")


def test_missing_images_dir_gives_a_clear_error(tmp_path: Path):
    with pytest.raises(DocxRenderError, match="images_dir"):
        markdown_to_docx("text", tmp_path / "x.docx", images_dir=tmp_path / "absent")


def test_pdf_conversion_without_libreoffice_explains_how_to_install(
    brief_docx: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setattr("advocacy.briefs.docx.MACOS_SOFFICE", brief_docx.parent / "absent")

    with pytest.raises(DocxRenderError, match="apt-get install libreoffice-writer-nogui"):
        docx_to_pdf(brief_docx)


def test_pdf_conversion_of_a_missing_file_fails_clearly(tmp_path: Path):
    with pytest.raises(DocxRenderError, match="file not found"):
        docx_to_pdf(tmp_path / "missing.docx")


def _require_libreoffice() -> None:
    if not (shutil.which("soffice") or shutil.which("libreoffice")):
        pytest.skip("LibreOffice not installed (apt-get install libreoffice-writer-nogui): "
                    "PDF conversion not tested")


def test_docx_converts_to_pdf(brief_docx: Path, tmp_path: Path):
    _require_libreoffice()

    pdf_path = docx_to_pdf(brief_docx, tmp_path / "pdf")

    assert pdf_path == tmp_path / "pdf" / "brief.pdf"
    assert pdf_path.read_bytes().startswith(b"%PDF")


def test_pdf_defaults_to_the_docx_directory(brief_docx: Path):
    _require_libreoffice()

    assert docx_to_pdf(brief_docx) == brief_docx.with_suffix(".pdf")


def test_pdf_table_of_contents_lists_the_headings(brief_docx: Path, tmp_path: Path):
    _require_libreoffice()
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext not installed (apt-get install poppler-utils)")

    pdf_path = docx_to_pdf(brief_docx, tmp_path)
    first_page = subprocess.run(
        ["pdftotext", "-l", "1", str(pdf_path), "-"], capture_output=True, text=True, check=True
    ).stdout

    assert "Update Field" not in first_page
    assert re.search(r"Key findings\.{3,}\s*1", first_page)


def test_parallel_conversions_do_not_share_a_profile(tmp_path: Path):
    _require_libreoffice()
    sources = [
        markdown_to_docx(f"# Brief {number}\n\nText.", tmp_path / f"brief{number}.docx")
        for number in range(3)
    ]

    with ThreadPoolExecutor(max_workers=3) as pool:
        pdf_paths = list(pool.map(docx_to_pdf, sources))

    assert all(path.read_bytes().startswith(b"%PDF") for path in pdf_paths)


def test_conversion_that_exceeds_the_timeout_fails_clearly(brief_docx: Path, tmp_path: Path):
    _require_libreoffice()

    with pytest.raises(DocxRenderError, match="within the timeout"):
        docx_to_pdf(brief_docx, tmp_path / "pdf", timeout=0.01)
    assert not (tmp_path / "pdf" / "brief.pdf").exists()


def test_failed_conversion_reports_libreoffice_output(tmp_path: Path):
    _require_libreoffice()
    not_a_document = tmp_path / "broken.docx"
    not_a_document.write_bytes(b"\x00" * 64)

    failure = r"(?s)LibreOffice failed to convert.*could not be loaded"
    with pytest.raises(DocxRenderError, match=failure):
        docx_to_pdf(not_a_document, tmp_path / "pdf")


def test_an_image_an_article_spells_out_never_reads_a_file_outside_the_charts(tmp_path: Path):
    images = tmp_path / "charts"
    images.mkdir()
    (images / "arrivals.png").write_bytes(_tiny_png())
    secret = tmp_path / "secret.png"
    secret.write_bytes(_tiny_png())
    markdown = (f"![chart](arrivals.png)\n\n![absolute path]({secret})\n\n![parent folder](../secret.png)\n\n"
                f"![file address](file://{secret})\n\n![encoded parent](%2E%2E/secret.png)\n")

    document = docx.Document(str(markdown_to_docx(markdown, tmp_path / "quoted.docx", images_dir=images)))

    assert len(document.inline_shapes) == 1          # the chart, and nothing read from beside it
    for alt in ("absolute path", "parent folder", "encoded parent"):
        assert _paragraph_containing(document, alt).runs[0].italic
    # Markdown itself refuses file: addresses: that one stays as the text written.
    assert "file address" in _paragraph_containing(document, "file address").text


def test_without_a_charts_directory_no_image_is_read(tmp_path: Path):
    picture = tmp_path / "picture.png"
    picture.write_bytes(_tiny_png())
    document = docx.Document(str(markdown_to_docx(f"![x]({picture})\n", tmp_path / "none.docx")))
    assert not document.inline_shapes
