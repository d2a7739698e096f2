"""Rendering briefs: templates are data, run in a Jinja2 sandbox, written as Markdown or DOCX.

Everything a brief shows from the index (titles, excerpts, quotes, outlet and organisation names, URLs)
was written by strangers, and Markdown would read its asterisks, brackets and leading hashes as markup. So
a template never sees those values as they are: :func:`render_markdown` hands it a copy of the context in
which every string is escaped for Markdown (:func:`escape_markdown`), and reads as written once the brief
is turned into HTML, Word or PDF. Only text marked :class:`Markdown` is placed as it is: the author's own
prose from the inputs file, and markup the code builds (chart images). The context itself is left intact,
so verification and redaction keep working on the words as published.
"""
from __future__ import annotations

import copy
import dataclasses
import re
import shutil
import tempfile
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path

import jinja2
import jinja2.meta
import jinja2.nodes
from jinja2.sandbox import SandboxedEnvironment, SecurityError

from advocacy.briefs.charts import Chart
from advocacy.briefs.citations import CITATION_STYLES, apply_style
from advocacy.briefs.errors import BriefError, TemplateNotFound, TemplateRenderError
from advocacy.briefs.evidence import Source

TEMPLATE_SUFFIX = ".md.j2"
FORMATS = ("md", "html", "docx", "pdf")


def builtin_templates_dir() -> Path:
    return Path(str(resources.files("advocacy.templates")))


def _search_path(extra_dir: Path | None) -> list[Path]:
    return [p for p in (extra_dir, builtin_templates_dir()) if p is not None]


def available_templates(extra_dir: Path | None = None) -> list[str]:
    names = set()
    for directory in _search_path(extra_dir):
        if directory.is_dir():
            names.update(p.name[:-len(TEMPLATE_SUFFIX)] for p in directory.glob(f"*{TEMPLATE_SUFFIX}"))
    return sorted(names)


def environment(extra_dir: Path | None = None) -> SandboxedEnvironment:
    # The sandbox keeps a user's template from reaching Python internals; the loader only serves files
    # from the template directories, so it cannot read anything else either.
    env = SandboxedEnvironment(loader=jinja2.FileSystemLoader([str(p) for p in _search_path(extra_dir)]),
                               autoescape=False, undefined=jinja2.StrictUndefined, trim_blocks=True,
                               lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["date"] = lambda value: (value or "")[:10] or "undated"
    return env


def with_verified_items(context: dict, verification) -> dict:
    """``context`` plus the quotes and figures that passed verification (``voices``, ``key_figures``) and
    the :class:`~advocacy.briefs.verification.Verification` itself. Templates only ever see verified items."""
    return {**context, "voices": verification.quotes, "key_figures": verification.figures,
            "verification": verification}


def _locate(template: str, extra_dir: Path | None) -> tuple[SandboxedEnvironment, str]:
    path = Path(template)
    if path.suffix == ".j2" or path.is_file():
        if not path.is_file():
            raise TemplateNotFound(f"template file {path} does not exist")
        return environment(path.parent), path.name
    if template not in available_templates(extra_dir):
        raise TemplateNotFound(f"no template named {template!r}; available: "
                               f"{', '.join(available_templates(extra_dir)) or 'none'}")
    return environment(extra_dir), template + TEMPLATE_SUFFIX


def template_variables(template: str, *, extra_dir: Path | None = None) -> set[str] | None:
    """The context variables ``template`` uses, so that a brief gathers (and cites) only what it shows; a
    chart placed as ``charts.attention`` also adds "charts.attention". Templates it includes, imports or
    extends by a fixed name count too. None when that cannot be told: a template named by a variable, or
    one that does not parse (rendering then reports the error)."""
    env, name = _locate(template, extra_dir)
    found: set[str] = set()
    pending, seen = [name], set()
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        try:
            source, _, _ = env.loader.get_source(env, current)
            tree = env.parse(source)
        except (jinja2.TemplateError, OSError, UnicodeDecodeError):
            return None
        for node in tree.find_all((jinja2.nodes.Include, jinja2.nodes.Extends, jinja2.nodes.Import,
                                   jinja2.nodes.FromImport)):
            if not isinstance(node.template, jinja2.nodes.Const) or not isinstance(node.template.value, str):
                return None
            pending.append(node.template.value)
        found |= jinja2.meta.find_undeclared_variables(tree)
        for node in tree.find_all(jinja2.nodes.Getattr):
            if isinstance(node.node, jinja2.nodes.Name) and node.node.name == "charts":
                found.add(f"charts.{node.attr}")
        for node in tree.find_all(jinja2.nodes.Getitem):
            if (isinstance(node.node, jinja2.nodes.Name) and node.node.name == "charts"
                    and isinstance(node.arg, jinja2.nodes.Const)):
                found.add(f"charts.{node.arg.value}")
    return found


def render_markdown(template: str, context: dict, *, extra_dir: Path | None = None) -> str:
    """Render ``template`` (a name such as ``policy-paper``, or a path to a ``.md.j2`` file). The template
    sees ``context`` with its text escaped for Markdown (see :func:`markdown_context`)."""
    env, name = _locate(template, extra_dir)
    try:
        return env.get_template(name).render(**markdown_context(context))
    except SecurityError as exc:
        raise TemplateRenderError(f"template {template!r}{_where(exc, name)} tried something templates may not "
                                  f"do: {exc}") from None
    except jinja2.TemplateError as exc:
        raise TemplateRenderError(f"template {template!r} failed{_where(exc, name)}: {exc}") from None
    except (ArithmeticError, TypeError, ValueError, LookupError, AttributeError, RecursionError) as exc:
        # A template is user data: its runtime errors are reported like syntax errors, never as tracebacks.
        raise TemplateRenderError(f"template {template!r} failed{_where(exc, name)}: "
                                  f"{type(exc).__name__}: {exc}") from None


class Markdown(str):
    """Text that is Markdown already and is placed as it is: the author's prose, markup the code built."""
    __slots__ = ()


# Characters that mean something wherever they stand: emphasis, code, links and images, raw HTML and
# autolinks, table cells, the escape itself.
_ALWAYS = frozenset("\\`*[]<|")
# Emphasis with _ and strikethrough with ~ (GitHub's Markdown, Pandoc) never open or close between two
# letters or digits: "snake_case" needs no escape.
_OUTSIDE_WORDS = frozenset("_~")
# An entity reference, which Markdown would print as the character it names.
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{0,31});")
# The start of a list item, and a line that would underline the one above as a heading or be a rule.
_LIST_ITEM = re.compile(r"(?:[-+]|\d{1,9}[.)])(?=[ \t]|$)")
_UNDERLINE = re.compile(r"(?:=+|-[- \t]*)[ \t]*$")
_LINE_BREAKS = re.compile(r"\s*(?:\r\n|[\r\n])\s*")


def escape_markdown(text: str) -> str:
    """``text`` written so that Markdown shows it as it is: a backslash before every character that would
    otherwise be markup, leading spaces (which would make code blocks) left out. Characters that are markup
    only in some places are escaped only there, so ordinary prose stays easy to read: ``_`` between two
    letters or digits, ``#`` inside a word and ``-``, ``+``, ``=`` or a number not opening a line are left
    alone. Every line counts as opening one, since a template may place the text anywhere."""
    lines = str(text).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(_escape_line(line.lstrip(" \t")) for line in lines)


def _escape_line(line: str) -> str:
    marker = _LIST_ITEM.match(line)
    block = {marker.end() - 1} if marker else set()         # "1." → "1\.", "- " → "\- "
    if line.startswith(">") or _UNDERLINE.match(line):
        block.add(0)
    out = []
    for index, character in enumerate(line):
        before, after = line[index - 1:index], line[index + 1:index + 2]
        if (character in _ALWAYS or index in block
                or character in _OUTSIDE_WORDS and not (before.isalnum() and after.isalnum())
                or character == "#" and (not before or before.isspace())
                or character == "&" and _ENTITY.match(line, index)):
            out.append("\\")
        out.append(character)
    return "".join(out)


# Characters a web address keeps as they are. Everything else is percent-encoded, so that the address
# means the same as an autolink (<…>, where backslash escapes do not apply), as a link target and as text.
_URL_SAFE = "/:?#@!$&'+,;=%-."


def markdown_url(url: str) -> str:
    """``url`` as a brief may place it, inside ``<…>``, as a link's target or as text. An http(s) address
    is percent-encoded where Markdown would read it, so it stays one working link. Anything else (a
    ``javascript:`` or ``data:`` address, a relative path) is escaped as text: no autolink is read from it,
    and as a link's target it is refused like any such target in Markdown written by hand."""
    url = str(url).strip()
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme not in ("http", "https"):
        text = escape_markdown(_one_line(url)).replace(":", "\\:")
        # Placed as <…>, "/b" would read as the closing tag </b>.
        return "\\" + text if text.startswith("/") else text
    encoded = []
    for index, character in enumerate(url):
        before, after = url[index - 1:index], url[index + 1:index + 2]
        keep = (character.isascii() and character.isalnum() or character in _URL_SAFE
                or not character.isascii() and character.isprintable() and not character.isspace()
                or character in _OUTSIDE_WORDS and before.isalnum() and after.isalnum())
        if character == "&" and _ENTITY.match(url, index):
            keep = False
        encoded.append(character if keep else "".join(f"%{byte:02X}" for byte in character.encode("utf-8")))
    return "".join(encoded)


def _one_line(text: str) -> str:
    return _LINE_BREAKS.sub(" ", text).strip()


# Fields whose line breaks are part of what is quoted (paragraphs of an excerpt, a sentence the extractor
# kept on two lines); any other text is a name, a title or a label, and is kept on one line so that it
# cannot end a table row or a list item.
_MULTILINE = frozenset({"text", "passage", "verbatim", "sentence", "description", "reason"})
_URLS = frozenset({"url"})


class _ShownMap(dict):
    """A mapping whose keys a template may print (outlet names counted in ``coverage``): stored escaped,
    still found by the key as written, so ``digest.top_stories`` works as well as a loop over names."""

    def __init__(self, pairs, written: dict):
        super().__init__(pairs)
        self._written = written

    def _key(self, key):
        return self._written.get(key, key) if isinstance(key, str) else key

    def __getitem__(self, key):
        return super().__getitem__(self._key(key))

    def __contains__(self, key):
        return super().__contains__(self._key(key))

    def get(self, key, default=None):
        return super().get(self._key(key), default)


class _Escaper:
    """Copies a context with its text escaped. Shared objects stay shared (a source cited in a section and
    quoted among the voices is one escaped source), and the copies are new: the context is not touched."""

    def __init__(self):
        self._copies: dict[int, tuple[object, object]] = {}
        self.sources: list[Source] = []

    def __call__(self, value, field: str | None = None):
        if isinstance(value, Markdown) or value is None or isinstance(value, (bool, int, float)):
            return value
        if isinstance(value, str):
            if field in _URLS:
                return markdown_url(value)
            return escape_markdown(value if field in _MULTILINE else _one_line(value))
        done = self._copies.get(id(value))
        if done is not None:
            return done[1]
        if isinstance(value, dict):
            written = {key: self(key) for key in value if isinstance(key, str)}
            result = _ShownMap({written.get(key, key): self(item, key if isinstance(key, str) else field)
                                for key, item in value.items()}, written)
        elif isinstance(value, tuple) and hasattr(value, "_fields"):
            result = type(value)(*(self(item, name) for item, name in zip(value, value._fields)))
        elif isinstance(value, (list, tuple, set, frozenset)):
            result = type(value)(self(item, field) for item in value)
        elif isinstance(value, Chart):
            # The chart's Markdown (its image link) is built from the code's own title and file name, and
            # must keep naming the file written beside the brief; only its labels come from articles.
            result = copy.copy(value)
            result.labels = [self(label) for label in value.labels]
            result.highlight_from = self(value.highlight_from)
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            result = copy.copy(value)
            self._copies[id(value)] = (value, result)
            for item in dataclasses.fields(value):
                object.__setattr__(result, item.name, self(getattr(value, item.name), item.name))
            if isinstance(value, Source):
                self.sources.append(result)
            return result
        else:
            return value
        self._copies[id(value)] = (value, result)
        return result


def markdown_context(context: dict) -> dict:
    """A copy of ``context`` as templates see it: every string escaped with :func:`escape_markdown` (URLs
    with :func:`markdown_url`), names and titles kept on one line, :class:`Markdown` values as they are.
    Sources get their citation marks and bibliography entries again, built from the escaped names."""
    escaper = _Escaper()
    escaped = {key: escaper(value, key) for key, value in context.items()}
    cited = [source for source in escaper.sources if source.cite or source.entry]
    if cited:
        style = context.get("citation_style")
        if style not in CITATION_STYLES:
            style = "numbered" if cited[0].cite.startswith("[") else "author-date"
        apply_style(cited, style)
    return escaped


def _where(exc: BaseException, name: str) -> str:
    """" (line N)" of the template line that failed. Syntax errors carry it; for runtime errors Jinja2
    rewrites the traceback so that the template's frames point at template lines."""
    line = getattr(exc, "lineno", None)
    traceback = exc.__traceback__
    while traceback is not None:
        if traceback.tb_frame.f_code.co_filename.endswith(name):
            line = traceback.tb_lineno
        traceback = traceback.tb_next
    return f" (line {line})" if line else ""


def write_brief(markdown: str, out_path: Path, *, format: str, title: str,
                images: dict[str, bytes] | None = None) -> Path:
    """Write the brief as ``format``. ``images`` ({file name: PNG}, the charts the Markdown places) are
    written beside a Markdown file, inlined in HTML and embedded in Word and PDF."""
    if format not in FORMATS:
        raise BriefError(f"unknown format {format!r}; choose one of {', '.join(FORMATS)}")
    images = images or {}
    out_path.parent.mkdir(parents=True, exist_ok=True)
    if format == "md":
        out_path.write_text(markdown, encoding="utf-8")
        for name, png in images.items():
            (out_path.parent / name).write_bytes(png)
        return out_path
    if format == "html":
        from advocacy.briefs.html import write_html

        return write_html(markdown, out_path, title=title, images=images)
    from advocacy.briefs.docx import docx_to_pdf, markdown_to_docx

    with tempfile.TemporaryDirectory(prefix="advocacy-brief-") as scratch:
        scratch = Path(scratch)
        for name, png in images.items():
            (scratch / name).write_bytes(png)
        if format == "docx":
            return markdown_to_docx(markdown, out_path, title=title, images_dir=scratch)
        # PDF: the Word document, converted by LibreOffice, so both share headings, notes and contents.
        docx = markdown_to_docx(markdown, scratch / f"{out_path.stem}.docx", title=title, images_dir=scratch)
        converted = docx_to_pdf(docx, scratch)
        shutil.move(str(converted), out_path)
    return out_path


def chart_prefix(out_path: Path) -> str:
    """The stem chart files share with the brief they belong to, safe to write as a Markdown link."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", out_path.stem).strip("-.") or "brief"


def default_output_name(template: str, format: str) -> str:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    return f"{Path(template).name.removesuffix(TEMPLATE_SUFFIX)}-{stamp}.{format}"
