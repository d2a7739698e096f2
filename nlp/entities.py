"""Organisations, places and population groups found through a multilingual gazetteer.

Every alias, in any language, points to one canonical id, so "HCR", "UNHCR" and "المفوضية" are counted as
the same organisation. Short all-capital acronyms are matched case-sensitively: folded, "EU" would match
the French participle "eu".
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from advocacy.article import Entity
from advocacy.nlp.errors import TaxonomyError
from advocacy.text import TermMatcher

_SECTIONS = {"organisation": "organisation", "place": "place", "population": "population"}


@dataclass
class GazetteerEntry:
    id: str
    name: str
    type: str
    aliases: list[str]
    attributes: dict


def _is_acronym(alias: str) -> bool:
    letters = alias.replace(".", "")
    return letters.isupper() and letters.isalpha() and len(letters) <= 5


def _strings(value: object, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TaxonomyError(f"{where} must be a list of strings, such as [\"Oujda\", \"وجدة\"]")
    return list(value)


def parse_gazetteer(text: str, *, origin: str = "gazetteer") -> list[GazetteerEntry]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TaxonomyError(f"{origin} is not valid TOML: {exc}") from None
    entries, seen = [], set()
    for section, kind in _SECTIONS.items():
        tables = data.get(section, [])
        if not isinstance(tables, list):
            raise TaxonomyError(f"{origin}: write each {section} as its own [[{section}]] table "
                                f"(double brackets), not [{section}]")
        for number, table in enumerate(tables, 1):
            where = f"{origin}, {section} #{number}"
            entry_id = table.get("id")
            if not isinstance(entry_id, str) or not entry_id:
                raise TaxonomyError(f"{where}: 'id' is required")
            if entry_id in seen:
                raise TaxonomyError(f"{where}: id {entry_id!r} is used twice")
            seen.add(entry_id)
            aliases = _strings(table.get("aliases", []), f"{where} ({entry_id}): aliases")
            terms = table.get("terms") or {}
            if not isinstance(terms, dict):
                raise TaxonomyError(f"{where} ({entry_id}): terms must be a table of language = [\"term\", ...]")
            for language, words in terms.items():
                aliases.extend(_strings(words, f"{where} ({entry_id}): terms.{language}"))
            name = table.get("name", entry_id)
            if not aliases:
                aliases = [name]
            attributes = {k: v for k, v in table.items() if k not in {"id", "name", "aliases", "terms"}}
            entries.append(GazetteerEntry(entry_id, name, kind, aliases, attributes))
    return entries


def load_gazetteer(path: str | Path | None = None) -> list[GazetteerEntry]:
    if path is None:
        text = resources.files("advocacy.nlp").joinpath("gazetteer.toml").read_text(encoding="utf-8")
        return parse_gazetteer(text, origin="built-in gazetteer.toml")
    path = Path(path)
    if not path.is_file():
        raise TaxonomyError(f"gazetteer {path} does not exist")
    return parse_gazetteer(path.read_text(encoding="utf-8"), origin=str(path))


class EntityFinder:
    def __init__(self, entries: list[GazetteerEntry]):
        self.entries = {entry.id: entry for entry in entries}
        self._owner: dict[str, str] = {}
        folded_aliases, acronyms = [], []
        for entry in entries:
            for alias in entry.aliases:
                if _is_acronym(alias):
                    acronyms.append(alias)
                else:
                    folded_aliases.append(alias)
                self._owner.setdefault(alias, entry.id)
        self._matcher = TermMatcher(folded_aliases)
        ordered = sorted(set(acronyms), key=len, reverse=True)
        self._acronyms = re.compile(r"(?<!\w)(" + "|".join(map(re.escape, ordered)) + r")(?!\w)") if ordered else None

    def find(self, text: str) -> list[Entity]:
        found: dict[str, Entity] = {}

        def add(alias: str, surface: str, times: int) -> None:
            entry = self.entries[self._owner[alias]]
            entity = found.setdefault(entry.id, Entity(entry.id, entry.name, entry.type))
            entity.count += times
            if surface not in entity.mentions:
                entity.mentions.append(surface)

        for alias, start, end in self._matcher.find(text):
            add(alias, text[start:end], 1)
        if self._acronyms is not None:
            for match in self._acronyms.finditer(text):
                add(match.group(1), match.group(1), 1)
        return sorted(found.values(), key=lambda e: (-e.count, e.id))
