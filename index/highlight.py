"""A query's words marked in a text as the outlet wrote it, the snippet around them, and the passage that
holds most of them.

FTS5's own snippet() cannot do this: the index holds the folded, stemmed forms of the words (see
:func:`advocacy.index.query.index_text`), which would make unreadable snippets. Here the text is cut into the
very words the index saw, each remembering where it was written, and a word matches by the index's rules:
its normalised form equals the query word, or its stem in the article's language is one of the query
word's stems. So whatever made an article match is what gets marked.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from advocacy.index.query import QUERY_LANGUAGES, Phrase, Term, normalise_text, positive_leaves, stem, stems

MARK = "**"
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

    def mark(self, text: str, language: str) -> str:
        """``text`` with each match wrapped in ``**``."""
        return _marked(text, self.spans(text, language), 0, len(text))

    def score(self, text: str, language: str) -> tuple[int, int]:
        """(different words and phrases of the query found, matches in all), to compare texts by."""
        if not self._leaves:
            return 0, 0
        # Where the words are is not needed here, so they are cut the fast way (the same words, see words()).
        found = self._found(_WORD.findall(normalise_text(text)), language)
        return len({number for _, _, number in found}), len(found)

    def snippet(self, text: str, language: str, *, size: int = SNIPPET_WORDS) -> str | None:
        """The stretch of about ``size`` words of ``text`` holding the most different words of the query,
        marked; None when ``text`` holds none of them."""
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
        spans = [(words[first][0], words[last - 1][1]) for first, last, _ in found
                 if first >= best_start and last <= end_word]
        return ("…" if best_start else "") + _marked(text, spans, begin, end) + ("" if end == len(text) else "…")

    def passage_snippet(self, passage: str, language: str) -> str:
        """The start of a passage, marked: the snippet of an article found by meaning."""
        cut = passage[:PASSAGE_SNIPPET_CHARS]
        return self.mark(cut, language) + ("…" if len(passage) > PASSAGE_SNIPPET_CHARS else "")

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


def _marked(text: str, spans: list[tuple[int, int]], begin: int, end: int) -> str:
    out, at = [], begin
    for start, stop in spans:
        out += [text[at:start], MARK, text[start:stop], MARK]
        at = stop
    out.append(text[at:end])
    return "".join(out)
