"""The author's part of a brief: position, arguments, asks and recommendations, read from a small file.

The generator never invents a claim: whatever a brief argues comes from this file, and the index only
supplies the evidence behind it. Two formats, whichever the author finds easier:

YAML (``.yaml`` / ``.yml``)::

    position: Every child in Morocco has the right to go to school, whatever their papers.
    arguments:
      - claim: Schools turn away migrant children who lack a residence permit.
        theme: education
      - claim: Families are asked for documents they cannot obtain.
        query: "birth certificate OR acte de naissance"
    asks:
      - Instruct school directors to enrol every child.
    recommendations:
      - Publish the 2013 circular on enrolment in every school.

Markdown (``.md`` / ``.markdown``), the same under ``##`` headings; each argument is a ``###`` heading (the
claim) followed by a ``theme:`` or ``query:`` line; asks and recommendations are bullet lists::

    ## Position
    Every child in Morocco has the right to go to school, whatever their papers.

    ## Arguments
    ### Schools turn away migrant children who lack a residence permit.
    theme: education

    ## Asks
    - Instruct school directors to enrol every child.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from advocacy.briefs.errors import InputsError

FIELDS = ("position", "arguments", "asks", "recommendations")
ARGUMENT_FIELDS = ("claim", "theme", "query")
YAML_SUFFIXES = (".yaml", ".yml")
MARKDOWN_SUFFIXES = (".md", ".markdown")


@dataclass
class Argument:
    """One claim of the author's, with where its evidence is to be found: a theme, a search query or both."""
    claim: str
    theme: str = ""
    query: str = ""


@dataclass
class AuthorInputs:
    position: str = ""
    arguments: list[Argument] = field(default_factory=list)
    asks: list[str] = field(default_factory=list)
    recommendations: list[str] = field(default_factory=list)


def load_inputs(path: Path) -> AuthorInputs:
    """Read an inputs file; anything unusable raises :class:`InputsError` with a one-line reason."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in YAML_SUFFIXES + MARKDOWN_SUFFIXES:
        raise InputsError(f"inputs file {path}: use a .yaml, .yml or .md file, not {suffix or 'no extension'}")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputsError(f"inputs file {path} does not exist") from None
    except UnicodeDecodeError:
        raise InputsError(f"inputs file {path} is not UTF-8 text") from None
    except OSError as exc:
        raise InputsError(f"inputs file {path} cannot be read: {exc.strerror or exc}") from None
    data = _parse_yaml(text, path) if suffix in YAML_SUFFIXES else _parse_markdown(text, path)
    return _validate(data, path)


def _parse_yaml(text: str, path: Path) -> dict:
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputsError(f"inputs file {path} is not valid YAML{where}: {problem}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputsError(f"inputs file {path} must hold keys such as {', '.join(FIELDS)}, "
                          f"not a {type(data).__name__}")
    return data


_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(.*)$")
_SOURCE_LINE = re.compile(r"^(theme|query)\s*:\s*(.*)$", re.I)


def _parse_markdown(text: str, path: Path) -> dict:
    sections: dict[str, list[tuple[int, str]]] = {}
    current: str | None = None
    for number, line in enumerate(text.splitlines(), 1):
        heading = _HEADING.match(line)
        if heading and len(heading.group(1)) == 1:
            continue  # the document's title
        if heading and len(heading.group(1)) == 2:
            name = heading.group(2).strip().lower()
            if name not in FIELDS:
                raise InputsError(f"inputs file {path}, line {number}: unknown section “{heading.group(2)}”; "
                                  f"use {', '.join(f'## {f.capitalize()}' for f in FIELDS)}")
            if name in sections:
                raise InputsError(f"inputs file {path}, line {number}: ## {name.capitalize()} appears twice")
            current = name
            sections[current] = []
        elif current is not None:
            sections[current].append((number, line))
        elif line.strip():
            # Text before the first section (other than a # title) would be silently lost.
            raise InputsError(f"inputs file {path}, line {number}: text outside a section; start with a heading "
                              f"such as ## Position")
    data: dict = {}
    for name, lines in sections.items():
        if name == "position":
            data[name] = "\n".join(line for _, line in lines).strip()
        elif name == "arguments":
            data[name] = _markdown_arguments(lines, path)
        else:
            data[name] = _markdown_list(lines)
    return data


def _markdown_list(lines: list[tuple[int, str]]) -> list[str]:
    """Bullet items, a continuation line joining the item above; without bullets, one item per paragraph."""
    items: list[str] = []
    bulleted = any(_BULLET.match(line) for _, line in lines)
    fresh = True
    for _, line in lines:
        bullet = _BULLET.match(line)
        if bullet:
            items.append(bullet.group(1).strip())
        elif not line.strip():
            fresh = True
            continue
        elif items and (bulleted or not fresh):
            items[-1] += " " + line.strip()
        else:
            items.append(line.strip())
        fresh = False
    return items


def _markdown_arguments(lines: list[tuple[int, str]], path: Path) -> list[dict]:
    arguments: list[dict] = []
    for number, line in lines:
        heading = _HEADING.match(line)
        source = _SOURCE_LINE.match(line.strip())
        if heading:
            arguments.append({"claim": heading.group(2).strip()})
        elif source and arguments:
            arguments[-1][source.group(1).lower()] = source.group(2).strip().strip("\"'")
        elif line.strip() and not arguments:
            raise InputsError(f"inputs file {path}, line {number}: under ## Arguments, start each argument with "
                              f"a ### heading holding the claim")
        elif line.strip():
            # More words of the claim, written below its heading.
            arguments[-1]["claim"] += " " + line.strip()
    return arguments


def _validate(data: dict, path: Path) -> AuthorInputs:
    unknown = sorted(str(key) for key in data if key not in FIELDS)
    if unknown:
        raise InputsError(f"inputs file {path}: unknown key {', '.join(unknown)}; known keys: {', '.join(FIELDS)}")
    position = data.get("position") or ""
    if not isinstance(position, str):
        raise InputsError(f"inputs file {path}: position must be text, not a {type(position).__name__}")
    inputs = AuthorInputs(position=position.strip(), asks=_strings(data, "asks", path),
                          recommendations=_strings(data, "recommendations", path))
    arguments = data.get("arguments") or []
    if not isinstance(arguments, list):
        raise InputsError(f"inputs file {path}: arguments must be a list of {{claim, theme or query}}")
    for number, argument in enumerate(arguments, 1):
        where = f"inputs file {path}: argument {number}"
        if not isinstance(argument, dict):
            raise InputsError(f"{where} must have a claim and a theme or a query, not a {type(argument).__name__}")
        extra = sorted(str(key) for key in argument if key not in ARGUMENT_FIELDS)
        if extra:
            raise InputsError(f"{where}: unknown key {', '.join(extra)}; known keys: {', '.join(ARGUMENT_FIELDS)}")
        values = {key: argument.get(key) or "" for key in ARGUMENT_FIELDS}
        for key, value in values.items():
            if not isinstance(value, str):
                raise InputsError(f"{where}: {key} must be text, not a {type(value).__name__}")
        if not values["claim"].strip():
            raise InputsError(f"{where} has no claim")
        if not (values["theme"].strip() or values["query"].strip()):
            raise InputsError(f"{where} needs a theme or a query saying where its evidence is")
        inputs.arguments.append(Argument(values["claim"].strip(), values["theme"].strip(), values["query"].strip()))
    return inputs


def _strings(data: dict, key: str, path: Path) -> list[str]:
    value = data.get(key) or []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, (str, int, float)) for item in value):
        raise InputsError(f"inputs file {path}: {key} must be a list of sentences")
    return [str(item).strip() for item in value if str(item).strip()]
