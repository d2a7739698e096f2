"""The theme taxonomy: themes and subthemes with labels, descriptions and lexicons in EN, FR and AR.

It is a TOML file a non-programmer edits (see the header of ``themes.toml``); adding a theme is adding a
table. This module only reads and checks it.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from advocacy.nlp.errors import TaxonomyError

STRONG_WEIGHT = 3.0
WEAK_WEIGHT = 1.0


@dataclass
class Subtheme:
    key: str
    label: dict[str, str]
    description: dict[str, str]
    terms: list[str]


@dataclass
class Theme:
    key: str
    label: dict[str, str]
    description: dict[str, str]
    weights: dict[str, float]                 # lexicon term -> weight, all languages together
    subthemes: list[Subtheme] = field(default_factory=list)

    def label_in(self, language: str) -> str:
        return self.label.get(language) or self.label.get("en") or self.key


def _texts(table: dict, key: str, where: str) -> dict[str, str]:
    value = table.get(key, {})
    if isinstance(value, str):
        return {"en": value}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise TaxonomyError(f"{where}: {key!r} must be a table of language = \"text\"")
    return value


def _term_lists(value: object, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, dict):
        raise TaxonomyError(f"{where} must be a table of language = [\"term\", ...]")
    terms: list[str] = []
    for language, words in value.items():
        if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
            raise TaxonomyError(f"{where}.{language} must be a list of strings")
        terms.extend(words)
    return terms


def parse_taxonomy(text: str, *, origin: str = "themes") -> list[Theme]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TaxonomyError(f"{origin} is not valid TOML: {exc}") from None
    themes = []
    for key, table in data.items():
        where = f"{origin} [{key}]"
        if not isinstance(table, dict):
            raise TaxonomyError(f"{where}: each theme must be a table")
        terms = table.get("terms", {})
        if not isinstance(terms, dict):
            raise TaxonomyError(f"{where}: terms must be a table with strong and weak lists "
                                f"([{key}.terms] strong = {{ en = [...] }})")
        weights: dict[str, float] = {}
        for term in _term_lists(terms.get("weak"), f"{where}.terms.weak"):
            weights[term] = WEAK_WEIGHT
        for term in _term_lists(terms.get("strong"), f"{where}.terms.strong"):
            weights[term] = STRONG_WEIGHT
        if not weights:
            raise TaxonomyError(f"{where}: the theme has no terms (add [{key}.terms] strong = {{ en = [...] }})")
        subthemes = []
        subtheme_tables = table.get("subthemes", {})
        if not isinstance(subtheme_tables, dict) or not all(isinstance(v, dict) for v in subtheme_tables.values()):
            raise TaxonomyError(f"{where}: subthemes must be tables ([{key}.subthemes.NAME])")
        for sub_key, sub in subtheme_tables.items():
            sub_where = f"{where}.subthemes.{sub_key}"
            subthemes.append(Subtheme(sub_key, _texts(sub, "label", sub_where), _texts(sub, "description", sub_where),
                                      _term_lists(sub.get("terms"), f"{sub_where}.terms")))
        themes.append(Theme(key, _texts(table, "label", where), _texts(table, "description", where), weights,
                            subthemes))
    if not themes:
        raise TaxonomyError(f"{origin}: no themes defined")
    return themes


def load_taxonomy(path: str | Path | None = None) -> list[Theme]:
    """Themes from ``path``, or the taxonomy shipped with Advocacy Monitor when ``None``."""
    if path is None:
        text = resources.files("advocacy.nlp").joinpath("themes.toml").read_text(encoding="utf-8")
        return parse_taxonomy(text, origin="built-in themes.toml")
    path = Path(path)
    if not path.is_file():
        raise TaxonomyError(f"theme taxonomy {path} does not exist")
    return parse_taxonomy(path.read_text(encoding="utf-8"), origin=str(path))
