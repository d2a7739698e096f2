"""A query's words found in a text as the outlet wrote it, the snippet around them, and the passage that
holds most of them.

FTS5's own snippet() cannot do this: the index holds the folded, stemmed forms of the words (see
:func:`advocacy.index.query.index_text`), which would make unreadable snippets. Here the text is cut into the
very words the index saw, each remembering where it was written, and a word matches by the index's rules:
its normalised form equals the query word, or its stem in the article's language is one of the query
word's stems. So whatever made an article match is what gets marked.

A match is given by its place, (start, end) offsets into the text (:class:`Highlighted`), never by markers
written into the text: an article whose own text holds ``**`` or ``<mark>`` could not be told from a match.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

from advocacy.index.query import QUERY_LANGUAGES, Phrase, Term, normalise_text, positive_leaves, stem, stems

SNIPPET_WORDS = 24          # about two lines, like FTS5's snippet() with 20 tokens
PASSAGE_SNIPPET_CHARS = 300

_WORD = re.compile(r"[^\W_]+")   # query.words() cuts the same way


@lru_cache(maxsize=4096)
def _normalised_char(char: str) -> str:
    return normalise_text(char)


@lru_cache(maxsize=65536)
def _stem(word: str, language: str) -> str:
    return stem(word, language)


def words_with_offsets(text: str) -> list[tuple[int, int, str]]:
    """(start, end, normalised word) for each word of ``text``, offsets into ``text`` as given."""
    # Normalised one character at a time, so every normalised character knows which one it came from.
    pieces, owners = [], []
    for index, char in enumerate(text):
        normalised = _normalised_char(char)
        pieces.append(normalised)
        owners.extend([index] * len(normalised))
    normalised_text = "".join(pieces)
    return [(owners[m.start()], owners[m.end() - 1] + 1, m.group()) for m in _WORD.finditer(normalised_text)]


Span = tuple[int, int]


@dataclass(frozen=True)
class Highlighted:
    """``text`` exactly as written, and the (start, end) offsets of each match in it: sorted, apart, non-empty.

    Offsets that do not fit the text (from a hand-edited saved search, say) are clipped or dropped here, so
    whoever shows the text can rely on them."""
    text: str
    spans: tuple[Span, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "spans", _tidy(self.spans, len(self.text)))

    def pieces(self) -> list[tuple[str, bool]]:
        """The text cut at the matches' edges: (piece, whether it is a match), in order, none empty."""
        out, at = [], 0
        for start, end in self.spans:
            if start > at:
                out.append((self.text[at:start], False))
            out.append((self.text[start:end], True))
            at = end
        if at < len(self.text):
            out.append((self.text[at:], False))
        return out

    def matched(self) -> list[str]:
        return [self.text[start:end] for start, end in self.spans]

    def collapsed(self, drop: re.Pattern | None = None) -> "Highlighted":
        """Each run of whitespace as one space and none at the ends, as ``" ".join(text.split())`` gives it,
        after leaving out the characters ``drop`` matches; the matches keep covering the same words."""
        out: list[str] = []
        moved: list[int | None] = [None] * len(self.text)    # where each kept character went
        space = False
        for index, char in enumerate(self.text):
            if drop is not None and drop.match(char):
                continue
            if char.isspace():
                space = bool(out)
                continue
            if space:
                out.append(" ")
                space = False
            moved[index] = len(out)
            out.append(char)
        spans = []
        for start, end in self.spans:
            kept = [moved[index] for index in range(start, end) if moved[index] is not None]
            if kept:
                spans.append((kept[0], kept[-1] + 1))
        return Highlighted("".join(out), tuple(spans))

    def framed(self, before: str = "", after: str = "") -> "Highlighted":
        """The text between ``before`` and ``after`` (the ellipses of a cut), the matches where they were."""
        return Highlighted(before + self.text + after,
                           tuple((start + len(before), end + len(before)) for start, end in self.spans))


def _tidy(spans: Iterable, length: int) -> tuple[Span, ...]:
    tidy, at = [], 0
    for start, end in sorted((int(start), int(end)) for start, end in spans):
        start, end = max(start, at, 0), min(end, length)
        if start < end:
            tidy.append((start, end))
            at = end
    return tuple(tidy)


def untagged(text: str, pre: str, post: str) -> Highlighted | None:
    """``text`` with each match written between ``pre`` and ``post`` (as a search engine's highlighter gives
    it) as plain text and offsets; None when the tags do not pair up, as happens when the text holds those
    characters of its own."""
    out, spans, at, length = [], [], 0, 0
    while True:
        start = text.find(pre, at)
        stray = text.find(post, at)
        if start < 0:
            if stray >= 0:
                return None
            out.append(text[at:])
            return Highlighted("".join(out), tuple(spans))
        end = text.find(post, start + len(pre))
        if 0 <= stray < start or end < 0 or text.find(pre, start + len(pre), end) >= 0:
            return None
        before, inside = text[at:start], text[start + len(pre):end]
        out += [before, inside]
        length += len(before)
        spans.append((length, length + len(inside)))
        length += len(inside)
        at = end + len(post)


@dataclass(frozen=True)
class _Leaf:
    exact: tuple[str, ...]                   # the normalised words, in order
    stemmed: frozenset[tuple[str, ...]]      # the same as stems, one tuple per query language
    prefix: bool                             # the last word may continue

    @classmethod
    def of(cls, node: Term | Phrase) -> "_Leaf":
        if isinstance(node, Term):
            variants = {(node.text,)} if node.prefix else {(form,) for form in stems(node.text)}
            return cls((node.text,), frozenset(variants), node.prefix)
        head, last = node.words[:-1], node.words[-1]
        # As in the FTS5 expression: a prefix word is matched as written, its stem would cut it shorter still.
        variants = {tuple(stem(word, language) for word in head) + (last if node.prefix else stem(last, language),)
                    for language in QUERY_LANGUAGES}
        return cls(node.words, frozenset(variants), node.prefix)

    def _fits(self, wanted: tuple[str, ...], found: list[str]) -> bool:
        *head, last = wanted
        if found[:-1] != head:
            return False
        return found[-1].startswith(last) if self.prefix else found[-1] == last

    def matches(self, words: list[str], stemmed: list[str], at: int) -> bool:
        end = at + len(self.exact)
        if end > len(words):
            return False
        return self._fits(self.exact, words[at:end]) or any(
            self._fits(variant, stemmed[at:end]) for variant in self.stemmed)


class Highlighter:
    """Marks, snippets and best passages for one parsed query (see :func:`advocacy.index.query.parse`)."""

    def __init__(self, node: object):
        self._leaves = [_Leaf.of(leaf) for leaf in positive_leaves(node)]
        # The words a match can start with: most words of a text start none, and are skipped at once.
        self._first_words: set[str] = set()
        self._first_stems: set[str] = set()
        prefixes: set[str] = set()
        for leaf in self._leaves:
            if leaf.prefix and len(leaf.exact) == 1:
                prefixes.update({leaf.exact[0], *(variant[0] for variant in leaf.stemmed)})
            else:
                self._first_words.add(leaf.exact[0])
                self._first_stems.update(variant[0] for variant in leaf.stemmed)
        self._prefixes = tuple(sorted(prefixes))

    def __bool__(self) -> bool:
        return bool(self._leaves)

    def _matches(self, text: str, language: str) -> tuple[list[tuple[int, int, str]], list[tuple[int, int, int]]]:
        """The words of ``text``, and (first word, word after the last, leaf number) of each match; at each
        place the longest match wins and matches do not overlap."""
        words = words_with_offsets(text)
        if not self._leaves or not words:
            return words, []
        return words, self._found([word for _, _, word in words], language)

    def _found(self, normalised: list[str], language: str) -> list[tuple[int, int, int]]:
        stemmed = [_stem(word, language) for word in normalised]
        first_words, first_stems, prefixes = self._first_words, self._first_stems, self._prefixes
        found, end = [], 0
        for position, (word, stem_) in enumerate(zip(normalised, stemmed)):
            if position < end or not (word in first_words or stem_ in first_stems
                                      or (prefixes and (word.startswith(prefixes) or stem_.startswith(prefixes)))):
                continue
            best = None
            for number, leaf in enumerate(self._leaves):
                size = len(leaf.exact)
                if (best is None or size > best[1] - position) and leaf.matches(normalised, stemmed, position):
                    best = (position, position + size, number)
            if best is not None:
                found.append(best)
                end = best[1]
        return found

    def spans(self, text: str, language: str) -> list[tuple[int, int]]:
        """(start, end) of each match, as offsets into ``text``."""
        words, found = self._matches(text, language)
        return [(words[first][0], words[last - 1][1]) for first, last, _ in found]

    def mark(self, text: str, language: str) -> Highlighted:
        """``text`` with where each match is."""
        return Highlighted(text, tuple(self.spans(text, language)))

    def score(self, text: str, language: str) -> tuple[int, int]:
        """(different words and phrases of the query found, matches in all), to compare texts by."""
        if not self._leaves:
            return 0, 0
        # Where the words are is not needed here, so they are cut the fast way (the same words, see words()).
        found = self._found(_WORD.findall(normalise_text(text)), language)
        return len({number for _, _, number in found}), len(found)

    def snippet(self, text: str, language: str, *, size: int = SNIPPET_WORDS) -> Highlighted | None:
        """The stretch of about ``size`` words of ``text`` holding the most different words of the query,
        with its matches, and "…" where it was cut; None when ``text`` holds none of them."""
        words, found = self._matches(text, language)
        if not found:
            return None
        # Slide a window of ``size`` words from match to match, counting the matches wholly inside it.
        best_start, best_key = 0, (-1, -1)
        inside: Counter = Counter()
        low = high = 0      # the matches inside the current window are found[low:high]
        for first, _, _ in found:
            # A few words of context before the first match, and a full window when the text allows it.
            start = max(0, min(first - 3, len(words) - size))
            while high < len(found) and found[high][1] <= start + size:
                inside[found[high][2]] += 1
                high += 1
            while low < high and found[low][0] < start:
                inside[found[low][2]] -= 1
                if not inside[found[low][2]]:
                    del inside[found[low][2]]
                low += 1
            key = (len(inside), high - low)
            if key > best_key:
                best_start, best_key = start, key
        end_word = min(len(words), best_start + size)
        begin = words[best_start][0]
        end = len(text) if end_word == len(words) else words[end_word - 1][1]
        spans = tuple((words[first][0] - begin, words[last - 1][1] - begin) for first, last, _ in found
                      if first >= best_start and last <= end_word)
        return Highlighted(text[begin:end], spans).framed("…" if best_start else "",
                                                          "" if end == len(text) else "…")

    def passage_snippet(self, passage: str, language: str) -> Highlighted:
        """The start of a passage, with its matches: the snippet of an article found by meaning."""
        cut = passage[:PASSAGE_SNIPPET_CHARS]
        return self.mark(cut, language).framed(after="…" if len(passage) > PASSAGE_SNIPPET_CHARS else "")

    def best_passage(self, passages: list[tuple[int, str]], language: str) -> int | None:
        """The index of the passage holding the most different words of the query (the earliest on ties),
        or of the first passage when none holds any."""
        if not passages:
            return None
        best_index, best_key = passages[0][0], (0, 0)
        for index, text in passages:
            key = self.score(text, language) if self._leaves else (0, 0)
            if key > best_key:
                best_index, best_key = index, key
        return best_index

