"""Rendering briefs: templates are data, run in a Jinja2 sandbox, written as Markdown or DOCX."""
from __future__ import annotations

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

from advocacy.briefs.errors import BriefError, TemplateNotFound, TemplateRenderError

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
    """Render ``template`` (a name such as ``policy-paper``, or a path to a ``.md.j2`` file)."""
    env, name = _locate(template, extra_dir)
    try:
        return env.get_template(name).render(**context)
    except SecurityError as exc:
        raise TemplateRenderError(f"template {template!r}{_where(exc, name)} tried something templates may not "
                                  f"do: {exc}") from None
    except jinja2.TemplateError as exc:
        raise TemplateRenderError(f"template {template!r} failed{_where(exc, name)}: {exc}") from None
    except (ArithmeticError, TypeError, ValueError, LookupError, AttributeError, RecursionError) as exc:
        # A template is user data: its runtime errors are reported like syntax errors, never as tracebacks.
        raise TemplateRenderError(f"template {template!r} failed{_where(exc, name)}: "
                                  f"{type(exc).__name__}: {exc}") from None


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
