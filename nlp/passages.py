"""Cutting an article into passages: the unit that is embedded, retrieved, quoted and cited."""
from __future__ import annotations

import re

from advocacy.article import Passage

# A paragraph ends before a blank line or before whatever whitespace closes the text.
_PARAGRAPH = re.compile(r"\S(?:.*?\S)?(?=[ \t]*\n\s*\n|\s*\Z)", re.S)
_SENTENCE_END = re.compile(r"(?:(?<=[.!?؟])|(?<=[.!?؟][\"»”’]))\s+")


def _pieces(text: str, limit: int):
    """(start, end) spans of paragraphs, with over-long paragraphs cut at sentence ends."""
    for match in _PARAGRAPH.finditer(text):
        start, end = match.span()
        if end - start <= limit * 1.5:
            yield start, end
            continue
        piece_start = start
        for boundary in _SENTENCE_END.finditer(text, start, end):
            if boundary.start() - piece_start >= limit:
                yield piece_start, boundary.start()
                piece_start = boundary.end()
        if piece_start < end:
            yield piece_start, end


def split_passages(text: str, *, target_chars: int = 600) -> list[Passage]:
    """Consecutive paragraphs joined until about ``target_chars``; offsets point into ``text``."""
    passages: list[Passage] = []
    current: tuple[int, int] | None = None
    for start, end in _pieces(text, target_chars):
        if current is not None and end - current[0] > target_chars:
            passages.append(Passage(len(passages), text[current[0]:current[1]], *current))
            current = None
        current = (current[0], end) if current else (start, end)
    if current is not None:
        passages.append(Passage(len(passages), text[current[0]:current[1]], *current))
    return passages
