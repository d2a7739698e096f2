"""Rendering briefs: the Jinja2 sandbox, template lookup and error messages, and writing .md / .docx files."""
from __future__ import annotations

from pathlib import Path

import docx
import pytest

from advocacy.briefs import (BriefError, TemplateNotFound, TemplateRenderError, available_templates,
                             render_markdown, write_brief)

# A context shaped like the one build_context returns, small enough to read.
CONTEXT = {"title": "Access to hospitals", "sections": [], "sources": []}


def _user_template(directory: Path, text: str, name: str = "evil.md.j2") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


# (payload, what the error message must say). Every payload must fail with TemplateRenderError: the sandbox
# refuses dunder attributes, the context offers no `config` or `request`, and the loader only serves files
# from the template directories.
INJECTIONS = [
    ("{{ ''.__class__.__mro__[1].__subclasses__() }}",
     r"\(line \d+\) tried something templates may not do: access to attribute '__class__' of 'str' object is unsafe"),
    ("{{ cycler.__init__.__globals__.os.popen('id').read() }}",
     r"\(line \d+\) tried something templates may not do: access to attribute '__init__'"),
    ("{{ self.__init__.__globals__ }}",
     r"\(line \d+\) tried something templates may not do: access to attribute '__init__' of 'TemplateReference'"),
    ("{{ config.items() }}", r"failed \(line \d+\): 'config' is undefined"),
    ("{{ lipsum.__globals__['os'].popen('id').read() }}",
     r"\(line \d+\) tried something templates may not do: access to attribute '__globals__' of 'function' object is unsafe"),
    ("{% include '/etc/passwd' %}", r"failed \(line \d+\): '/etc/passwd' not found in search paths"),
    ("{{ request.application.__globals__ }}", r"failed \(line \d+\): 'request' is undefined"),
    ("{{ self._TemplateReference__context }}",
     r"\(line \d+\) tried something templates may not do: access to attribute '_TemplateReference__context'"),
    ("{% extends '/etc/passwd' %}", r"failed \(line \d+\): '/etc/passwd' not found in search paths"),
    ("{% import '/etc/passwd' as passwd %}{{ passwd }}", r"failed \(line \d+\): '/etc/passwd' not found in search paths"),
    ("{{ config }}", r"failed \(line \d+\): 'config' is undefined"),
    ("{{ request }}", r"failed \(line \d+\): 'request' is undefined"),
    ("{{ lipsum.__globals__ }}",
     r"\(line \d+\) tried something templates may not do: access to attribute '__globals__' of 'function' object is unsafe"),
    ("{{ title | attr('__class__') }}",
     r"\(line \d+\) tried something templates may not do: access to attribute '__class__' of 'str' object is unsafe"),
    ("{{ (title | attr('__class__')).__mro__ }}",
     r"\(line \d+\) tried something templates may not do: access to attribute '__class__' of 'str' object is unsafe"),
    ("{{ joiner.__init__.__globals__ }}", r"\(line \d+\) tried something templates may not do: access to attribute '__init__'"),
    ("{% import 'os' as os %}{{ os.system('id') }}", r"failed \(line \d+\): 'os' not found in search paths"),
    ("{% from 'subprocess' import run %}{{ run('id') }}", r"failed \(line \d+\): 'subprocess' not found in search paths"),
]


@pytest.mark.parametrize("payload, message", INJECTIONS, ids=[p for p, _ in INJECTIONS])
def test_template_injection_payloads_are_refused(tmp_path, payload, message):
    template = _user_template(tmp_path / "templates", f"# Brief\n\n{payload}\n")
    with pytest.raises(TemplateRenderError, match=message) as caught:
        render_markdown(str(template), CONTEXT)
    text = str(caught.value)
    # The message names the template, and nothing ran or was read: no `id` output, no passwd lines.
    assert str(template) in text
    assert "uid=" not in text and "root:" not in text
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_include_cannot_climb_out_of_the_template_directory(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    template = _user_template(tmp_path / "templates", "{% include '../secret.txt' %}")
    with pytest.raises(TemplateRenderError, match=r"failed \(line \d+\): \.\./secret\.txt") as caught:
        render_markdown(str(template), CONTEXT)
    assert "root:" not in str(caught.value)


def test_include_of_a_sibling_template_still_works(tmp_path):
    directory = tmp_path / "templates"
    _user_template(directory, "Shared footer for {{ title }}.", name="footer.md.j2")
    template = _user_template(directory, "# {{ title }}\n\n{% include 'footer.md.j2' %}\n")
    # trim_blocks drops the newline that follows a block tag.
    assert render_markdown(str(template), CONTEXT) == "# Access to hospitals\n\nShared footer for Access to hospitals."


def test_harmless_template_globals_render_as_plain_text(tmp_path):
    # Naming a global is allowed; it only prints its repr and gives no way further.
    template = _user_template(tmp_path / "templates", "{{ cycler }}|{{ self }}")
    assert render_markdown(str(template), CONTEXT) == "<class 'jinja2.utils.Cycler'>|<TemplateReference 'evil.md.j2'>"


def test_unknown_template_name_lists_the_available_ones(tmp_path):
    with pytest.raises(TemplateNotFound, match=r"no template named 'no-such-brief'; available: .*policy-paper"):
        render_markdown("no-such-brief", CONTEXT)
    _user_template(tmp_path / "mine", "# {{ title }}\n", name="donor-update.md.j2")
    with pytest.raises(TemplateNotFound) as caught:
        render_markdown("no-such-brief", CONTEXT, extra_dir=tmp_path / "mine")
    assert "available: donor-update, media-digest, policy-paper, position-paper" in str(caught.value)


def test_a_missing_template_file_is_not_found(tmp_path):
    missing = tmp_path / "absent.md.j2"
    with pytest.raises(TemplateNotFound, match=r"template file .*absent\.md\.j2 does not exist"):
        render_markdown(str(missing), CONTEXT)


def test_available_templates_lists_builtin_and_user_templates(tmp_path):
    builtin = ["media-digest", "policy-paper", "position-paper"]
    assert available_templates() == builtin
    _user_template(tmp_path / "mine", "x", name="donor-update.md.j2")
    (tmp_path / "mine" / "notes.txt").write_text("not a template", encoding="utf-8")
    assert available_templates(tmp_path / "mine") == ["donor-update", *builtin]
    assert available_templates(tmp_path / "does-not-exist") == builtin


def test_a_user_template_directory_is_searched_by_name(tmp_path):
    _user_template(tmp_path / "mine", "## {{ title | upper }}\n", name="donor-update.md.j2")
    assert render_markdown("donor-update", CONTEXT, extra_dir=tmp_path / "mine") == "## ACCESS TO HOSPITALS\n"


def test_the_date_filter_keeps_the_day_or_says_undated(tmp_path):
    template = _user_template(tmp_path / "t", "{{ a | date }} {{ b | date }}")
    assert render_markdown(str(template), {"a": "2024-05-02T08:30:00+00:00", "b": None}) == "2024-05-02 undated"


def test_a_syntax_error_names_the_line(tmp_path):
    template = _user_template(tmp_path / "t", "# Title\n\n{% if %}\n")
    with pytest.raises(TemplateRenderError, match=r"failed \(line 3\): Expected an expression"):
        render_markdown(str(template), CONTEXT)


def test_an_unknown_filter_names_the_line(tmp_path):
    template = _user_template(tmp_path / "t", "# Title\n{{ title | shout }}\n")
    with pytest.raises(TemplateRenderError, match=r"failed \(line 2\): No filter named 'shout'"):
        render_markdown(str(template), CONTEXT)


def test_an_undefined_variable_is_a_render_error_naming_the_variable(tmp_path):
    template = _user_template(tmp_path / "t", "# {{ title }}\n\nWritten by {{ author }}.\n")
    with pytest.raises(TemplateRenderError, match=r"failed.*'author' is undefined"):
        render_markdown(str(template), CONTEXT)


def test_an_undefined_variable_error_names_the_line(tmp_path):
    template = _user_template(tmp_path / "t", "# {{ title }}\n\nWritten by {{ author }}.\n")
    with pytest.raises(TemplateRenderError, match=r"\(line 3\)"):
        render_markdown(str(template), CONTEXT)


@pytest.mark.parametrize("body", ["{{ range(10 ** 9) | list | length }}", "{{ 1 / 0 }}", "{{ title + 1 }}"],
                         ids=["sandbox-range-limit", "division-by-zero", "type-error"])
def test_runtime_errors_in_a_template_are_render_errors(tmp_path, body):
    template = _user_template(tmp_path / "t", f"# Title\n{body}\n")
    with pytest.raises(TemplateRenderError):
        render_markdown(str(template), CONTEXT)


def test_write_brief_markdown_writes_the_text(tmp_path):
    text = "# Access to hospitals\n\nRéfugiés — اللاجئون\n"
    out = write_brief(text, tmp_path / "out" / "brief.md", format="md", title="Access to hospitals")
    assert out == tmp_path / "out" / "brief.md"
    assert out.read_text(encoding="utf-8") == text


def test_write_brief_docx_writes_a_word_document(tmp_path):
    text = "# Access to hospitals\n\n## Health\n\nHospitals turned away refugees in Rabat.\n"
    out = write_brief(text, tmp_path / "out" / "brief.docx", format="docx", title="Access to hospitals")
    assert out == tmp_path / "out" / "brief.docx"
    document = docx.Document(str(out))
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == "Access to hospitals"
    assert "Health" in texts and "Hospitals turned away refugees in Rabat." in texts
    assert document.core_properties.title == "Access to hospitals"


def test_write_brief_refuses_an_unknown_format(tmp_path):
    with pytest.raises(BriefError, match=r"unknown format 'odt'; choose one of md, html, docx, pdf"):
        write_brief("# x\n", tmp_path / "brief.odt", format="odt", title="x")
    assert not (tmp_path / "brief.odt").exists()


def test_html_brief_inlines_its_charts_and_fetches_nothing_an_article_wrote():
    from advocacy.briefs.html import markdown_to_html

    page = markdown_to_html("![Attention](chart.png)\n\nQuoted: ![pixel](http://tracker.test/p.gif) and "
                            "![local](/etc/hosts)\n", title="t", images={"chart.png": b"\x89PNG"})

    assert page.count("<img") == 1 and 'src="data:image/png;base64,' in page and 'alt="Attention"' in page
    assert "tracker.test" not in page and "/etc/hosts" not in page
    assert "pixel" in page and "local" in page
