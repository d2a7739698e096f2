"""The author's inputs file: YAML and Markdown give the same inputs, and a bad file is one clear error."""
from __future__ import annotations

import pytest

from advocacy.briefs import InputsError, load_inputs
from advocacy.briefs.inputs import Argument, AuthorInputs

YAML_TEXT = """\
position: Every child in Morocco has the right to go to school, whatever their papers.
arguments:
  - claim: Schools turn away migrant children who lack a residence permit.
    theme: education
  - claim: Families are asked for documents they cannot obtain.
    query: "birth certificate OR acte de naissance"
asks:
  - Instruct school directors to enrol every child.
  - Publish enrolment figures by nationality.
recommendations:
  - Publish the 2013 circular in every school.
"""

MARKDOWN_TEXT = """\
# Education for every child

## Position

Every child in Morocco has the right to go to school, whatever their papers.

## Arguments

### Schools turn away migrant children who lack a residence permit.
theme: education

### Families are asked for documents
they cannot obtain.
query: "birth certificate OR acte de naissance"

## Asks

- Instruct school directors to enrol every child.
- Publish enrolment figures
  by nationality.

## Recommendations

1. Publish the 2013 circular in every school.
"""

EXPECTED = AuthorInputs(
    position="Every child in Morocco has the right to go to school, whatever their papers.",
    arguments=[Argument("Schools turn away migrant children who lack a residence permit.", theme="education"),
               Argument("Families are asked for documents they cannot obtain.",
                        query="birth certificate OR acte de naissance")],
    asks=["Instruct school directors to enrol every child.", "Publish enrolment figures by nationality."],
    recommendations=["Publish the 2013 circular in every school."])


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("name, text", [("inputs.yaml", YAML_TEXT), ("inputs.yml", YAML_TEXT),
                                        ("inputs.md", MARKDOWN_TEXT)])
def test_yaml_and_markdown_give_the_same_inputs(tmp_path, name, text):
    assert load_inputs(write(tmp_path, name, text)) == EXPECTED


def test_sections_may_be_left_out_and_a_single_ask_may_be_a_sentence(tmp_path):
    inputs = load_inputs(write(tmp_path, "asks.yaml", "asks: Open the schools.\n"))
    assert inputs == AuthorInputs(asks=["Open the schools."])
    assert load_inputs(write(tmp_path, "empty.yaml", "")) == AuthorInputs()
    assert load_inputs(write(tmp_path, "recs.md", "## Recommendations\n\nOpen the schools.\n\nHire teachers.\n")) \
        == AuthorInputs(recommendations=["Open the schools.", "Hire teachers."])


BAD_FILES = [
    ("inputs.txt", "position: x\n", r"use a \.yaml, \.yml or \.md file, not \.txt"),
    ("inputs.yaml", "position: [unclosed\n", r"is not valid YAML at line 2"),
    ("inputs.yaml", "- just\n- a list\n", r"must hold keys such as position, arguments, asks, recommendations, not a list"),
    ("inputs.yaml", "postion: typo\n", r"unknown key postion; known keys: position, arguments, asks, recommendations"),
    ("inputs.yaml", "position:\n  nested: map\n", r"position must be text, not a dict"),
    ("inputs.yaml", "arguments: a claim\n", r"arguments must be a list"),
    ("inputs.yaml", "arguments:\n  - claim: Schools refuse children.\n", r"argument 1 needs a theme or a query"),
    ("inputs.yaml", "arguments:\n  - theme: education\n", r"argument 1 has no claim"),
    ("inputs.yaml", "arguments:\n  - claim: x\n    theme: education\n    source: me\n",
     r"argument 1: unknown key source; known keys: claim, theme, query"),
    ("inputs.yaml", "asks:\n  - {a: b}\n", r"asks must be a list of sentences"),
    ("inputs.md", "## Demands\n\n- more\n", r"line 1: unknown section “Demands”; use ## Position, ## Arguments"),
    ("inputs.md", "Some text first.\n\n## Position\n\nx\n", r"line 1: text outside a section"),
    ("inputs.md", "## Arguments\n\ntheme: education\n", r"line 3: under ## Arguments, start each argument"),
    ("inputs.md", "## Asks\n- a\n## Asks\n- b\n", r"line 3: ## Asks appears twice"),
]


@pytest.mark.parametrize("name, text, message", BAD_FILES, ids=[m for _, _, m in BAD_FILES])
def test_a_bad_inputs_file_is_one_clear_line(tmp_path, name, text, message):
    path = write(tmp_path, name, text)
    with pytest.raises(InputsError, match=message) as caught:
        load_inputs(path)
    assert str(path) in str(caught.value) and "\n" not in str(caught.value)
    assert caught.value.__cause__ is None


def test_a_missing_or_binary_file(tmp_path):
    with pytest.raises(InputsError, match=r"does not exist"):
        load_inputs(tmp_path / "absent.yaml")
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00position")
    with pytest.raises(InputsError, match=r"is not UTF-8 text"):
        load_inputs(binary)
