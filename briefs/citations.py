"""Citation styles: how a cited source is marked in the text and listed at the end.

``numbered``     "[3]" in the text; the bibliography in order of first citation.
``author-date``  "(Le Matin 2024)" in the text, "a", "b"… telling apart one outlet's articles of the same
                 year; the bibliography in alphabetical order of outlet, then year.

Every entry gives outlet, title, publication date, URL, retrieval date and where the raw page is archived
(WARC file and offset), so a reader can check the quote even when the page has gone.
"""
from __future__ import annotations

from string import ascii_lowercase

from advocacy.briefs.errors import BriefError
from advocacy.briefs.evidence import Source

CITATION_STYLES = ("numbered", "author-date")


def check_style(style: str) -> str:
    if style not in CITATION_STYLES:
        raise BriefError(f"unknown citation style {style!r}; choose one of {', '.join(CITATION_STYLES)}")
    return style


def apply_style(sources: list[Source], style: str = "numbered") -> list[Source]:
    """Set each source's ``cite`` and ``entry``; returns the sources in bibliography order."""
    check_style(style)
    by_number = sorted(sources, key=lambda s: s.number)
    if style == "numbered":
        for source in by_number:
            source.cite = f"[{source.number}]"
            source.entry = f"{source.number}. {_reference(source, source.outlet_name + ',')}"
        return by_number
    groups: dict[tuple[str, str], list[Source]] = {}
    for source in by_number:
        groups.setdefault((source.outlet_name, source.year), []).append(source)
    for (outlet, year), group in groups.items():
        # Letters follow publication order, so "2024a" is the earlier article of the two.
        group.sort(key=lambda s: (s.published_at or "", s.number))
        for position, source in enumerate(group):
            suffix = _suffix(position) if len(group) > 1 else ""
            source.cite = f"({outlet} {year}{suffix})"
            source.entry = f"- {_reference(source, f'{outlet} ({year}{suffix}).')}"
    return sorted(by_number, key=lambda s: (s.outlet_name.casefold(), s.year, s.cite))


def _suffix(position: int) -> str:
    # After "z" come "aa", "ab"…: an outlet rarely gives 26 articles of one year to one brief, but it may.
    letters = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        letters = ascii_lowercase[rest] + letters
    return letters


def _reference(source: Source, lead: str) -> str:
    archive = source.archive or {}
    if archive.get("file"):
        archived = f"archived copy: {archive['file']} @ {archive.get('offset', 0)}"
    else:
        archived = "no archived copy"
    retrieved = (source.fetched_at or "")[:10] or "date unknown"
    return f'{lead} "{source.title}", {source.date}. <{source.url}> (retrieved {retrieved}; {archived})'
