"""Turn a rendered brief (Markdown) into a Word document, and optionally a PDF.

The Markdown is parsed into a markdown-it token stream and replayed onto a python-docx
document using Word's own styles (Heading 1, List Bullet, Quote, Table Grid...). Partners
receiving a brief can then restyle it, navigate it by headings and refresh its table of
contents, which a visual imitation built from direct formatting would not allow.

PDF conversion is delegated to LibreOffice because it is the only widely packaged engine
that lays out .docx files faithfully without a Word licence.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse
from xml.sax.saxutils import escape

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_UNDERLINE
from docx.image.exceptions import (
    InvalidImageStreamError,
    UnexpectedEndOfFileError,
    UnrecognizedImageError,
)
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.text.paragraph import Paragraph
from docx.text.run import Run
from lxml import html as lxml_html
from lxml.etree import ParserError
from markdown_it import MarkdownIt
from markdown_it.token import Token

__all__ = ["DocxRenderError", "markdown_to_docx", "docx_to_pdf"]


class DocxRenderError(Exception):
    """A brief could not be written as .docx or converted to PDF; the message says why."""


MONOSPACE_FONT = "Courier New"
IMAGE_WIDTH = Cm(15)
HYPERLINK_BLUE = RGBColor(0x05, 0x63, 0xC1)
CODE_BLOCK_STYLE = "Code Block"
HYPERLINK_STYLE = "Hyperlink"
QUOTE_STYLE = "Quote"
QUOTE_INDENT_PER_LEVEL = Cm(1)
TOC_TITLE = "Contents"
TOC_INSTRUCTION = 'TOC \\o "1-3" \\h \\z \\u'
TOC_PLACEHOLDER = "Right-click here and choose “Update Field” to build the table of contents."
DEEPEST_LIST_STYLE_LEVEL = 3
DEEPEST_HEADING_STYLE_LEVEL = 6

LIBREOFFICE_INSTALL_HINT = (
    "LibreOffice is needed to convert .docx to PDF, but neither 'soffice' nor 'libreoffice' "
    "is on PATH. Install it (Debian/Ubuntu: apt-get install libreoffice-writer-nogui; "
    "Fedora: dnf install libreoffice-writer; macOS: brew install --cask libreoffice) "
    "or add its program directory to PATH."
)
# The macOS app bundle does not put soffice on PATH.
MACOS_SOFFICE = Path("/Applications/LibreOffice.app/Contents/MacOS/soffice")
MAX_REPORTED_OUTPUT_CHARS = 4000

# Rebuilds every index twice (entries first, then the page numbers they shifted) before
# exporting. Paths arrive as file URLs in environment variables, which avoids quoting them
# inside the macro URL. Any error jumps to Finish so LibreOffice always exits.
EXPORT_MACRO_MODULE = "AdvocacyBriefExport"
EXPORT_MACRO_URL = f"macro:///Standard.{EXPORT_MACRO_MODULE}.ExportPdf()"
EXPORT_MACRO_BASIC = """\
Sub ExportPdf
    On Error GoTo Finish
    Dim loadArgs(0) As New com.sun.star.beans.PropertyValue
    loadArgs(0).Name = "Hidden"
    loadArgs(0).Value = True
    source = Environ("ADVOCACY_PDF_SOURCE_URL")
    document = StarDesktop.loadComponentFromURL(source, "_blank", 0, loadArgs())
    indexes = document.getDocumentIndexes()
    For pass = 1 To 2
        For position = 0 To indexes.getCount() - 1
            indexes.getByIndex(position).update()
        Next position
    Next pass
    Dim exportArgs(0) As New com.sun.star.beans.PropertyValue
    exportArgs(0).Name = "FilterName"
    exportArgs(0).Value = "writer_pdf_Export"
    document.storeToURL(Environ("ADVOCACY_PDF_TARGET_URL"), exportArgs())
    document.close(True)
Finish:
    StarDesktop.terminate()
End Sub
"""
EXPORT_MACRO_MODULE_XML = f"""\
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">
<script:module xmlns:script="http://openoffice.org/2000/script" \
script:name="{EXPORT_MACRO_MODULE}" script:language="StarBasic">
{escape(EXPORT_MACRO_BASIC, {'"': "&quot;"})}</script:module>
"""
EXPORT_MACRO_LIBRARY_XML = f"""\
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE library:library PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "library.dtd">
<library:library xmlns:library="http://openoffice.org/2000/library" library:name="Standard" \
library:readonly="false" library:passwordprotected="false">
 <library:element library:name="{EXPORT_MACRO_MODULE}"/>
</library:library>
"""

# OOXML validates child order inside <w:pPr> and <w:settings>; Word refuses files that break it,
# so new children are inserted before whichever later sibling is already present.
PARAGRAPH_PROPERTY_ORDER = (
    "w:pStyle", "w:keepNext", "w:keepLines", "w:pageBreakBefore", "w:framePr",
    "w:widowControl", "w:numPr", "w:suppressLineNumbers", "w:pBdr", "w:shd", "w:tabs",
    "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct", "w:topLinePunct",
    "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid",
    "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap",
    "w:jc", "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl",
    "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange",
)
SETTINGS_AFTER_UPDATE_FIELDS = (
    "w:hdrShapeDefaults", "w:footnotePr", "w:endnotePr", "w:compat", "w:docVars", "w:rsids",
    "m:mathPr", "w:attachedSchema", "w:themeFontLang", "w:clrSchemeMapping",
    "w:doNotIncludeSubdocsInStats", "w:doNotAutoCompressPictures", "w:forceUpgrade",
    "w:captions", "w:readModeInkLockDown", "w:smartTagType", "sl:schemaLibrary",
    "w:shapeDefaults", "w:doNotEmbedSmartTags", "w:decimalSymbol", "w:listSeparator",
)
MARKDOWN_TEXT_ALIGNMENTS = {
    "text-align:left": WD_ALIGN_PARAGRAPH.LEFT,
    "text-align:center": WD_ALIGN_PARAGRAPH.CENTER,
    "text-align:right": WD_ALIGN_PARAGRAPH.RIGHT,
}
RIGHT_TO_LEFT_CLASSES = {"R", "AL"}
STRONG_DIRECTION_CLASSES = RIGHT_TO_LEFT_CLASSES | {"L"}


# --------------------------------------------------------------------------- public API


def markdown_to_docx(
    markdown_text: str,
    out_path: Path,
    *,
    title: str | None = None,
    table_of_contents: bool = True,
    images_dir: Path | None = None,
) -> Path:
    """Write a .docx: real Word heading styles, paragraphs, lists, quotes, links, tables, images.

    ``title`` becomes a Title-style paragraph (and the document's title property); an H1 with
    the same text is then not repeated. Image paths are resolved relative to ``images_dir``
    (or the working directory); an image that cannot be found or read is replaced by its alt
    text in italics so a missing chart never blocks a brief. Returns ``out_path``.
    """
    if not isinstance(markdown_text, str):
        raise DocxRenderError(
            f"markdown_text must be str, not {type(markdown_text).__name__}; "
            "decode bytes as UTF-8 first"
        )
    if images_dir is not None and not Path(images_dir).is_dir():
        raise DocxRenderError(f"images_dir {images_dir} does not exist or is not a directory")

    tokens = _parse_markdown(markdown_text)
    document = docx.Document()
    _set_up_page(document)
    _set_core_properties(document, title or _first_h1_text(tokens))

    renderer = _BlockRenderer(document, _ImageResolver(images_dir), title_to_skip=title)
    if title:
        renderer.add_title(title)
    already_rendered = 0
    if not title and _starts_with_h1(tokens):
        # Without an explicit title the leading H1 acts as one, so the TOC belongs after it.
        already_rendered = 3
        renderer.render(tokens[:already_rendered])
    if table_of_contents:
        _add_table_of_contents(document)
    renderer.render(tokens[already_rendered:])

    return _save(document, Path(out_path))


def docx_to_pdf(docx_path: Path, out_dir: Path | None = None, *, timeout: float = 120) -> Path:
    """Convert with LibreOffice headless (soffice/libreoffice on PATH) and return the PDF path.

    The PDF is written next to the .docx unless ``out_dir`` is given; ``timeout`` (seconds)
    bounds the whole conversion. Each call uses its own throw-away LibreOffice profile: a
    shared profile is locked by the first running instance, which makes parallel
    conversions (and runs as root) fail or hang.
    """
    docx_path = Path(docx_path)
    if not docx_path.is_file():
        raise DocxRenderError(f"cannot convert {docx_path} to PDF: file not found")
    office = _find_libreoffice()
    target_dir = Path(out_dir) if out_dir is not None else docx_path.parent
    target_dir.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout

    with tempfile.TemporaryDirectory(prefix="advocacy-pdf-") as scratch:
        session = _LibreOfficeSession(office, Path(scratch, "profile"), docx_path, deadline)
        # Converting into a private directory first means a stale PDF from an earlier run can
        # never be mistaken for this run's output.
        converted_dir = Path(scratch, "converted")
        converted_dir.mkdir()
        produced = converted_dir / f"{docx_path.stem}.pdf"
        if not session.export_with_fresh_indexes(produced):
            session.export_plainly(converted_dir, produced)
        destination = target_dir / produced.name
        shutil.move(str(produced), destination)
    return destination


# --------------------------------------------------------------------------- document setup


def _parse_markdown(markdown_text: str) -> list[Token]:
    return MarkdownIt("commonmark").enable("table").parse(markdown_text)


def _set_up_page(document) -> None:
    for section in document.sections:
        section.page_width = Cm(21)
        section.page_height = Cm(29.7)
        for margin in ("top_margin", "bottom_margin", "left_margin", "right_margin"):
            setattr(section, margin, Cm(2.5))


def _set_core_properties(document, title: str | None) -> None:
    properties = document.core_properties
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    properties.title = title or ""
    properties.created = now
    properties.modified = now
    properties.revision = 1
    # The bundled template carries python-docx's own author fields; a brief should not.
    properties.author = ""
    properties.last_modified_by = ""


def _first_h1_text(tokens: list[Token]) -> str | None:
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag == "h1":
            return _normalise_space(_inline_text(tokens[index + 1]))
    return None


def _inline_text(inline: Token) -> str:
    """The text an inline token shows: its Markdown source with the markup and escapes read, so a title
    written as "\\*2024\\*" in Markdown is "*2024*", as the reader sees it."""
    pieces = []
    for child in inline.children or []:
        if child.type in ("text", "code_inline"):
            pieces.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            pieces.append(" ")
        elif child.type == "image":
            pieces.append(_inline_text(child))
    return "".join(pieces)


def _starts_with_h1(tokens: list[Token]) -> bool:
    return bool(tokens) and tokens[0].type == "heading_open" and tokens[0].tag == "h1"


def _add_table_of_contents(document) -> None:
    document.add_paragraph(TOC_TITLE, style="TOC Heading")
    paragraph = document.add_paragraph()
    _append_field(paragraph, TOC_INSTRUCTION, TOC_PLACEHOLDER)
    _ask_word_to_update_fields(document)


def _append_field(paragraph: Paragraph, instruction: str, placeholder: str) -> None:
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    # A dirty field is recalculated by Word even if the document-wide setting is ignored.
    begin.set(qn("w:dirty"), "true")
    code = OxmlElement("w:instrText")
    code.set(qn("xml:space"), "preserve")
    code.text = f" {instruction} "
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")

    paragraph.add_run()._r.append(begin)
    paragraph.add_run()._r.append(code)
    paragraph.add_run()._r.append(separate)
    paragraph.add_run(placeholder)
    paragraph.add_run()._r.append(end)


def _ask_word_to_update_fields(document) -> None:
    settings = document.settings.element
    if settings.find(qn("w:updateFields")) is not None:
        return
    update_fields = OxmlElement("w:updateFields")
    update_fields.set(qn("w:val"), "true")
    settings.insert_element_before(update_fields, *SETTINGS_AFTER_UPDATE_FIELDS)


def _save(document, out_path: Path) -> Path:
    try:
        out_path.parent.mkdir(parents=True, exist_ok=True)
        document.save(str(out_path))
    except OSError as error:
        raise DocxRenderError(f"cannot write {out_path}: {error.strerror or error}") from error
    return out_path


# --------------------------------------------------------------------------- styles


def _ensure_code_block_style(document) -> str:
    styles = document.styles
    if CODE_BLOCK_STYLE not in [style.name for style in styles]:
        style = styles.add_style(CODE_BLOCK_STYLE, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = styles["Normal"]
        style.font.name = MONOSPACE_FONT
        style.font.size = Pt(9)
        style.font.no_proof = True
        style.paragraph_format.space_before = Pt(4)
        style.paragraph_format.space_after = Pt(8)
        style.paragraph_format.left_indent = Cm(0.5)
        _set_paragraph_property(style.element.get_or_add_pPr(), _shading("F2F2F2"))
    return CODE_BLOCK_STYLE


def _ensure_hyperlink_style(document) -> str:
    # Word treats a character style named "Hyperlink" as its built-in one, so users can
    # restyle every link of a brief at once.
    styles = document.styles
    if HYPERLINK_STYLE not in [style.name for style in styles]:
        style = styles.add_style(HYPERLINK_STYLE, WD_STYLE_TYPE.CHARACTER)
        style.font.color.rgb = HYPERLINK_BLUE
        style.font.underline = WD_UNDERLINE.SINGLE
    return HYPERLINK_STYLE


def _shading(fill_hex: str):
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill_hex)
    return shading


def _bottom_border():
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    bottom.set(qn("w:val"), "single")
    bottom.set(qn("w:sz"), "6")
    bottom.set(qn("w:space"), "1")
    bottom.set(qn("w:color"), "auto")
    borders.append(bottom)
    return borders


def _set_paragraph_property(paragraph_properties, child) -> None:
    existing = paragraph_properties.find(child.tag)
    if existing is not None:
        paragraph_properties.remove(existing)
    ordered_tags = [qn(name) for name in PARAGRAPH_PROPERTY_ORDER]
    later_siblings = PARAGRAPH_PROPERTY_ORDER[ordered_tags.index(child.tag) + 1:]
    paragraph_properties.insert_element_before(child, *later_siblings)


# --------------------------------------------------------------------------- text direction


def _is_right_to_left(text: str) -> bool:
    """Follow the Unicode bidi rule P2: the first strongly directional character decides."""
    for character in text:
        direction = unicodedata.bidirectional(character)
        if direction in STRONG_DIRECTION_CLASSES:
            return direction in RIGHT_TO_LEFT_CLASSES
    return False


def _contains_right_to_left(text: str) -> bool:
    return any(unicodedata.bidirectional(character) in RIGHT_TO_LEFT_CLASSES for character in text)


def _apply_text_direction(paragraph: Paragraph) -> None:
    """Mark Arabic/Hebrew paragraphs and runs so Word shapes and aligns them right-to-left."""
    paragraph_element = paragraph._p
    if _is_right_to_left(paragraph.text):
        _set_paragraph_property(paragraph_element.get_or_add_pPr(), OxmlElement("w:bidi"))
    for run_element in paragraph_element.iter(qn("w:r")):
        run_text = "".join(text.text or "" for text in run_element.iter(qn("w:t")))
        if _contains_right_to_left(run_text):
            Run(run_element, paragraph).font.rtl = True


def _normalise_space(text: str) -> str:
    return " ".join(text.split())


# --------------------------------------------------------------------------- images


class _ImageResolver:
    """Find the brief's own image files (its charts, in ``images_dir``); remote URLs are never fetched.

    Article text reaches the Markdown, so an image reference may have been written by a stranger: one naming
    a file elsewhere on the machine (``![x](/home/…/secret.png)``, ``../../``) must not be read into a
    document that leaves it."""

    def __init__(self, images_dir: Path | None):
        self._base_dir = Path(images_dir).resolve() if images_dir is not None else None

    def resolve(self, source: str) -> Path | None:
        if self._base_dir is None:
            return None
        parsed = urlparse(source)
        has_url_scheme = len(parsed.scheme) > 1  # a one-letter "scheme" is a Windows drive
        if has_url_scheme and parsed.scheme != "file":
            return None
        raw_path = unquote(parsed.path if parsed.scheme == "file" else source)
        if not raw_path:
            return None
        candidate = (self._base_dir / raw_path).resolve()
        if not candidate.is_relative_to(self._base_dir):
            return None
        return candidate if candidate.is_file() else None


# --------------------------------------------------------------------------- inline content


@dataclass
class _InlineFormat:
    # Counters rather than flags, so nested markup such as **a **b** c** stays bold until the
    # outermost marker closes.
    bold: int = 0
    italic: int = 0
    strike: int = 0
    superscript: int = 0
    subscript: int = 0

    def apply_to(self, run: Run) -> None:
        font = run.font
        if self.bold:
            font.bold = font.cs_bold = True
        if self.italic:
            font.italic = font.cs_italic = True
        if self.strike:
            font.strike = True
        if self.superscript:
            font.superscript = True
        elif self.subscript:
            font.subscript = True


_TOGGLE_TOKENS = {
    "strong_open": ("bold", 1), "strong_close": ("bold", -1),
    "em_open": ("italic", 1), "em_close": ("italic", -1),
    "s_open": ("strike", 1), "s_close": ("strike", -1),
}
_HTML_TAG_TOGGLES = {
    "sup": "superscript",
    "sub": "subscript",
    "b": "bold", "strong": "bold",
    "i": "italic", "em": "italic",
    "s": "strike", "del": "strike",
}


def _parse_html_tag(html: str) -> tuple[str, bool, bool] | None:
    """Return (tag name, is closing, is self-closing) for a single HTML tag, else None."""
    stripped = html.strip()
    if not (stripped.startswith("<") and stripped.endswith(">")) or stripped.startswith("<!"):
        return None
    inner = stripped[1:-1].strip()
    closing = inner.startswith("/")
    self_closing = inner.endswith("/")
    inner = inner.strip("/").strip()
    name = inner.split(None, 1)[0].lower() if inner else ""
    return (name, closing, self_closing) if name.isalnum() else None


class _InlineRenderer:
    """Writes one inline token sequence (a paragraph, heading or table cell) as runs."""

    def __init__(self, paragraph: Paragraph, images: _ImageResolver, *, bold: bool = False):
        self._paragraph = paragraph
        self._images = images
        self._format = _InlineFormat(bold=int(bold))
        self._hyperlink = None

    def render(self, children: list[Token]) -> None:
        handlers = {
            "text": self._text,
            "code_inline": self._code,
            "softbreak": self._soft_break,
            "hardbreak": self._line_break,
            "link_open": self._open_hyperlink,
            "link_close": self._close_hyperlink,
            "image": self._add_image,
            "html_inline": self._apply_html_tag,
        }
        for token in children:
            if token.type in _TOGGLE_TOKENS:
                self._toggle(*_TOGGLE_TOKENS[token.type])
            elif token.type in handlers:
                handlers[token.type](token)

    def _toggle(self, attribute: str, delta: int) -> None:
        setattr(self._format, attribute, max(0, getattr(self._format, attribute) + delta))

    def _text(self, token: Token) -> None:
        self._add_text(token.content)

    def _code(self, token: Token) -> None:
        self._add_text(token.content).font.name = MONOSPACE_FONT

    def _soft_break(self, token: Token) -> None:
        # Templates wrap long lines; in Markdown a single newline is just a space.
        self._add_text(" ")

    def _line_break(self, token: Token | None = None) -> None:
        self._new_run().add_break()

    def _new_run(self) -> Run:
        if self._hyperlink is None:
            run = self._paragraph.add_run()
        else:
            run_element = OxmlElement("w:r")
            self._hyperlink.append(run_element)
            run = Run(run_element, self._paragraph)
            run.style = _ensure_hyperlink_style(self._paragraph.part.document)
        self._format.apply_to(run)
        return run

    def _add_text(self, text: str) -> Run:
        run = self._new_run()
        run.text = text
        return run

    def _open_hyperlink(self, token: Token) -> None:
        href = str(token.attrGet("href") or "")
        if not href:
            return  # [text]() has nowhere to go: keep the text, drop the link
        hyperlink = OxmlElement("w:hyperlink")
        if href.startswith("#"):
            hyperlink.set(qn("w:anchor"), href[1:])
        else:
            relationship_id = self._paragraph.part.relate_to(
                href, RELATIONSHIP_TYPE.HYPERLINK, is_external=True
            )
            hyperlink.set(qn("r:id"), relationship_id)
        hyperlink.set(qn("w:history"), "1")
        self._paragraph._p.append(hyperlink)
        self._hyperlink = hyperlink

    def _close_hyperlink(self, token: Token) -> None:
        self._hyperlink = None

    def _add_image(self, token: Token) -> None:
        source = str(token.attrGet("src") or "")
        alt_text = token.content or "".join(child.content for child in token.children or [])
        path = self._images.resolve(source)
        run = self._new_run()
        if path is not None:
            try:
                picture = run.add_picture(str(path), width=IMAGE_WIDTH)
            except (UnrecognizedImageError, InvalidImageStreamError,
                    UnexpectedEndOfFileError, OSError):
                pass  # unreadable or unsupported (e.g. SVG): fall back to the alt text below
            else:
                # Screen readers announce the description; briefs go to accessibility-minded NGOs.
                picture._inline.docPr.set("descr", alt_text)
                return
        run.text = alt_text or f"[image: {Path(source).name or source}]"
        run.italic = True

    def _apply_html_tag(self, token: Token) -> None:
        parsed = _parse_html_tag(token.content)
        if parsed is None:
            return  # comments and malformed fragments carry no visible text
        name, closing, self_closing = parsed
        if name == "br":
            self._line_break()
        elif name in _HTML_TAG_TOGGLES and not self_closing:
            self._toggle(_HTML_TAG_TOGGLES[name], -1 if closing else 1)
        # Any other tag is dropped; the text between tags arrives as ordinary text tokens.


# --------------------------------------------------------------------------- block content


@dataclass
class _ListLevel:
    ordered: bool
    numbering_id: int | None = None
    awaiting_first_paragraph: bool = False


@dataclass
class _TableCell:
    content: Token | None
    is_header: bool
    alignment: WD_ALIGN_PARAGRAPH | None = None


class _BlockRenderer:
    """Replays block tokens onto the document, tracking list and quote nesting."""

    def __init__(self, document, images: _ImageResolver, *, title_to_skip: str | None = None):
        self.document = document
        self.images = images
        self.title_to_skip = title_to_skip
        self._lists: list[_ListLevel] = []
        self._quote_depth = 0

    def add_title(self, title: str) -> None:
        paragraph = self.document.add_paragraph(title, style="Title")
        _apply_text_direction(paragraph)

    def render(self, tokens: list[Token]) -> None:
        handlers = {
            "heading_open": self._heading,
            "paragraph_open": self._paragraph,
            "bullet_list_open": self._open_list,
            "ordered_list_open": self._open_list,
            "bullet_list_close": self._close_list,
            "ordered_list_close": self._close_list,
            "list_item_open": self._open_list_item,
            "blockquote_open": self._open_quote,
            "blockquote_close": self._close_quote,
            "hr": self._horizontal_rule,
            "fence": self._code_block,
            "code_block": self._code_block,
            "table_open": self._table,
            "html_block": self._html_block,
        }
        index = 0
        while index < len(tokens):
            handler = handlers.get(tokens[index].type)
            index = handler(tokens, index) if handler else index + 1

    # Every handler receives the token list and its position and returns where to continue,
    # because headings, paragraphs and tables span several tokens.

    def _heading(self, tokens: list[Token], index: int) -> int:
        inline = tokens[index + 1]
        level = int(tokens[index].tag[1:])
        if level == 1 and self._is_title_repeat(_inline_text(inline)):
            self.title_to_skip = None
            return index + 3
        style = f"Heading {min(level, DEEPEST_HEADING_STYLE_LEVEL)}"
        self._write_inline(self.document.add_paragraph(style=style), inline)
        return index + 3

    def _is_title_repeat(self, heading_text: str) -> bool:
        if not self.title_to_skip:
            return False
        return _normalise_space(heading_text).casefold() == _normalise_space(
            self.title_to_skip
        ).casefold()

    def _paragraph(self, tokens: list[Token], index: int) -> int:
        paragraph = self.document.add_paragraph(style=self._style_for_next_paragraph())
        self._apply_list_numbering(paragraph)
        if self._quote_depth and not self._lists:
            paragraph.paragraph_format.left_indent = QUOTE_INDENT_PER_LEVEL * self._quote_depth
        self._write_inline(paragraph, tokens[index + 1])
        return index + 3

    def _style_for_next_paragraph(self) -> str:
        if self._lists:
            current = self._lists[-1]
            depth = min(len(self._lists), DEEPEST_LIST_STYLE_LEVEL)
            level_suffix = "" if depth == 1 else f" {depth}"
            if not current.awaiting_first_paragraph:
                return f"List Continue{level_suffix}"
            return ("List Number" if current.ordered else "List Bullet") + level_suffix
        return QUOTE_STYLE if self._quote_depth else "Normal"

    def _apply_list_numbering(self, paragraph: Paragraph) -> None:
        if not self._lists or not self._lists[-1].awaiting_first_paragraph:
            return
        current = self._lists[-1]
        current.awaiting_first_paragraph = False
        if current.numbering_id is None:
            return
        numbering = paragraph._p.get_or_add_pPr().get_or_add_numPr()
        numbering.get_or_add_ilvl().val = 0
        numbering.get_or_add_numId().val = current.numbering_id

    def _open_list(self, tokens: list[Token], index: int) -> int:
        token = tokens[index]
        level = _ListLevel(ordered=token.type == "ordered_list_open")
        if level.ordered:
            depth = min(len(self._lists) + 1, DEEPEST_LIST_STYLE_LEVEL)
            style_name = "List Number" if depth == 1 else f"List Number {depth}"
            start = int(token.attrGet("start") or 1)
            level.numbering_id = _restarted_numbering(self.document, style_name, start)
        self._lists.append(level)
        return index + 1

    def _close_list(self, tokens: list[Token], index: int) -> int:
        if self._lists:
            self._lists.pop()
        return index + 1

    def _open_list_item(self, tokens: list[Token], index: int) -> int:
        if self._lists:
            self._lists[-1].awaiting_first_paragraph = True
        return index + 1

    def _open_quote(self, tokens: list[Token], index: int) -> int:
        self._quote_depth += 1
        return index + 1

    def _close_quote(self, tokens: list[Token], index: int) -> int:
        self._quote_depth = max(0, self._quote_depth - 1)
        return index + 1

    def _horizontal_rule(self, tokens: list[Token], index: int) -> int:
        paragraph = self.document.add_paragraph()
        _set_paragraph_property(paragraph._p.get_or_add_pPr(), _bottom_border())
        return index + 1

    def _code_block(self, tokens: list[Token], index: int) -> int:
        style = _ensure_code_block_style(self.document)
        paragraph = self.document.add_paragraph(style=style)
        lines = tokens[index].content.rstrip("\n").split("\n")
        for line_number, line in enumerate(lines):
            run = paragraph.add_run(line)
            if line_number < len(lines) - 1:
                run.add_break()
        return index + 1

    def _html_block(self, tokens: list[Token], index: int) -> int:
        text = _visible_text_of_html(tokens[index].content)
        if text:
            paragraph = self.document.add_paragraph(text, style=self._style_for_next_paragraph())
            self._apply_list_numbering(paragraph)
            _apply_text_direction(paragraph)
        return index + 1

    def _table(self, tokens: list[Token], index: int) -> int:
        end = _matching_close(tokens, index)
        rows = _collect_table_rows(tokens[index:end])
        if rows:
            self._write_table(rows)
        return end + 1

    def _write_table(self, rows: list[list[_TableCell]]) -> None:
        column_count = max(len(row) for row in rows)
        table = self.document.add_table(rows=len(rows), cols=column_count)
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        for row_cells, word_row in zip(rows, table.rows):
            if row_cells and row_cells[0].is_header:
                _repeat_as_header_row(word_row)
            for cell, word_cell in zip(row_cells, word_row.cells):
                paragraph = word_cell.paragraphs[0]
                if cell.alignment is not None:
                    paragraph.alignment = cell.alignment
                if cell.content is not None:
                    self._write_inline(paragraph, cell.content, bold=cell.is_header)

    def _write_inline(self, paragraph: Paragraph, inline: Token, *, bold: bool = False) -> None:
        _InlineRenderer(paragraph, self.images, bold=bold).render(inline.children or [])
        _apply_text_direction(paragraph)


def _restarted_numbering(document, style_name: str, start: int) -> int | None:
    """Give an ordered list its own numbering instance so it starts at ``start``.

    List Number styles share one numbering instance, which would otherwise make the second
    ordered list of a brief continue counting from the first.
    """
    try:
        style_numbering = document.styles[style_name].element.pPr.numPr
        numbering_id = style_numbering.numId.val
    except (KeyError, AttributeError):
        return None
    numbering = document.part.numbering_part.element
    template = numbering.num_having_numId(numbering_id)
    new_instance = numbering.add_num(template.abstractNumId.val)
    override = new_instance.add_lvlOverride(ilvl=0)
    override.add_startOverride(start)
    return new_instance.numId


def _matching_close(tokens: list[Token], open_index: int) -> int:
    depth = 0
    for index in range(open_index, len(tokens)):
        depth += tokens[index].nesting
        if depth == 0:
            return index
    return len(tokens) - 1


def _collect_table_rows(tokens: list[Token]) -> list[list[_TableCell]]:
    rows: list[list[_TableCell]] = []
    for index, token in enumerate(tokens):
        if token.type == "tr_open":
            rows.append([])
        elif token.type in ("th_open", "td_open") and rows:
            following = tokens[index + 1] if index + 1 < len(tokens) else None
            content = following if following is not None and following.type == "inline" else None
            alignment = MARKDOWN_TEXT_ALIGNMENTS.get(str(token.attrGet("style") or ""))
            rows[-1].append(_TableCell(content, token.type == "th_open", alignment))
    return rows


def _repeat_as_header_row(row) -> None:
    # Long evidence tables break across pages; a repeated header keeps columns readable.
    row_properties = row._tr.get_or_add_trPr()
    if row_properties.find(qn("w:tblHeader")) is None:
        row_properties.append(OxmlElement("w:tblHeader"))


def _visible_text_of_html(html: str) -> str:
    try:
        fragments = lxml_html.fragments_fromstring(html)
    except (ParserError, ValueError):
        return ""
    pieces = [
        fragment if isinstance(fragment, str) else fragment.text_content()
        for fragment in fragments
        if isinstance(fragment, str) or not callable(fragment.tag)  # skip comments
    ]
    return _normalise_space(" ".join(pieces))


# --------------------------------------------------------------------------- LibreOffice


def _find_libreoffice() -> str:
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    if MACOS_SOFFICE.is_file():
        return str(MACOS_SOFFICE)
    raise DocxRenderError(LIBREOFFICE_INSTALL_HINT)


class _LibreOfficeSession:
    """One LibreOffice profile, used for a single document's conversion."""

    def __init__(self, office: str, profile_dir: Path, docx_path: Path, deadline: float):
        self._office = office
        self._profile_dir = profile_dir
        self._docx_path = docx_path
        self._deadline = deadline

    def export_with_fresh_indexes(self, pdf_path: Path) -> bool:
        """Export through a Basic macro that first rebuilds the table of contents.

        A plain --convert-to keeps the TOC field's placeholder text, so the PDF would tell its
        reader to right-click. Returns False when the macro route produced nothing, so the
        caller can fall back to a plain conversion that reports LibreOffice's errors.
        """
        self._run("--terminate_after_init")  # lay out the profile before adding the macro
        if not _install_export_macro(self._profile_dir):
            return False
        environment = {
            **os.environ,
            "ADVOCACY_PDF_SOURCE_URL": self._docx_path.resolve().as_uri(),
            "ADVOCACY_PDF_TARGET_URL": pdf_path.resolve().as_uri(),
        }
        self._run(EXPORT_MACRO_URL, environment=environment)
        return pdf_path.is_file()

    def export_plainly(self, converted_dir: Path, pdf_path: Path) -> None:
        outcome = self._run(
            "--convert-to", "pdf:writer_pdf_Export",
            "--outdir", str(converted_dir),
            str(self._docx_path.resolve()),
        )
        if outcome.returncode != 0 or not pdf_path.is_file():
            raise DocxRenderError(_conversion_failure_message(self._docx_path, outcome))

    def _run(self, *arguments: str, environment: dict[str, str] | None = None):
        command = [
            self._office,
            f"-env:UserInstallation={self._profile_dir.resolve().as_uri()}",
            "--headless", "--norestore", "--nolockcheck", "--nodefault",
            *arguments,
        ]
        remaining = self._deadline - time.monotonic()
        return _run_with_timeout(command, remaining, self._docx_path, environment)


def _install_export_macro(profile_dir: Path) -> bool:
    library_dir = profile_dir / "user" / "basic" / "Standard"
    if not library_dir.is_dir():
        return False
    (library_dir / f"{EXPORT_MACRO_MODULE}.xba").write_text(
        EXPORT_MACRO_MODULE_XML, encoding="utf-8"
    )
    (library_dir / "script.xlb").write_text(EXPORT_MACRO_LIBRARY_XML, encoding="utf-8")
    return True


def _run_with_timeout(
    command: list[str], timeout: float, docx_path: Path, environment: dict[str, str] | None
):
    if timeout <= 0:
        raise _timeout_error(docx_path)
    # soffice is a launcher that forks the real process; a new session lets a timeout kill
    # the whole group instead of leaving an orphaned converter behind.
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        errors="replace",
        env=environment,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_process_group(process)
        process.communicate()
        raise _timeout_error(docx_path) from None
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def _timeout_error(docx_path: Path) -> DocxRenderError:
    return DocxRenderError(
        f"LibreOffice did not convert {docx_path} to PDF within the timeout; "
        "pass a larger timeout for very long briefs"
    )


def _kill_process_group(process: subprocess.Popen) -> None:
    if not hasattr(os, "killpg"):  # Windows has no process groups to signal
        process.kill()
        return
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass  # already gone


def _conversion_failure_message(docx_path: Path, outcome: subprocess.CompletedProcess) -> str:
    details = (outcome.stderr or "").strip() or (outcome.stdout or "").strip() or "no output"
    if len(details) > MAX_REPORTED_OUTPUT_CHARS:
        details = "…" + details[-MAX_REPORTED_OUTPUT_CHARS:]
    return (
        f"LibreOffice failed to convert {docx_path} to PDF "
        f"(exit code {outcome.returncode}): {details}"
    )
