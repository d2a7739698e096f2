"""Text helpers shared by the stages: folding for comparison, lexicon matching, language detection.

Lexicons (relevance terms, theme terms, gazetteer aliases) are written by people, in three languages, so
matching forgives case, accents and Arabic spelling variants, and a trailing ``*`` means "any ending".
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Mapping

_ARABIC_DIACRITICS = re.compile("[\u064b-\u0652\u0670\u0640]")  # harakat, dagger alef, tatweel
_ARABIC_LETTERS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ى": "ي"})
_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "‘": "'", "`": "'"})


def translator(table: dict[int, str]):
    """``str.translate`` with ``table``, skipped when the text holds none of its characters: translate
    looks every character up in a dict, which makes it the slowest step of folding a long text."""
    present = re.compile("[" + re.escape("".join(map(chr, table))) + "]").search

    def translate(text: str) -> str:
        return text.translate(table) if present(text) else text
    return translate


_straighten_apostrophes = translator(_APOSTROPHES)
_unify_arabic_letters = translator(_ARABIC_LETTERS)
_ARABIC_CHAR = re.compile("[\u0600-\u06ff]")


# Combining marks of Latin-script accents (Arabic marks are handled apart: some must survive NFKD so that
# NFC can rebuild hamza letters before they are normalised).
_LATIN_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def fold(text: str) -> str:
    """Case-, accent- and Arabic-variant-insensitive form of ``text`` for matching (not for display)."""
    if text.isascii():
        return _straighten_apostrophes(text).casefold()
    text = unicodedata.normalize("NFKD", _straighten_apostrophes(text))
    text = _LATIN_COMBINING.sub("", text)
    text = _ARABIC_DIACRITICS.sub("", text)
    return _unify_arabic_letters(unicodedata.normalize("NFC", text)).casefold()


@lru_cache(maxsize=8192)
def _fold_char(ch: str) -> str:
    return fold(ch)


def fold_with_offsets(text: str) -> tuple[str, list[int]]:
    """``fold(text)`` and, for each folded character, the index of the original character it came from
    (plus one final entry for the end), so matches in folded text can be shown as written."""
    pieces, offsets = [], []
    for index, ch in enumerate(text):
        folded = _fold_char(ch)
        pieces.append(folded)
        offsets.extend([index] * len(folded))
    offsets.append(len(text))
    return "".join(pieces), offsets


_WORD = re.compile(r"\w+")
_PROCLITIC_CHOICES = (("", "و", "ف"), ("", "ب", "ل", "ك"), ("", "ال", "ل"))


def _arabic_stems(token: str) -> list[str]:
    """The token and what remains of it without attached conjunctions, prepositions and article."""
    stems = [token]
    for first in _PROCLITIC_CHOICES[0]:
        for second in _PROCLITIC_CHOICES[1]:
            for third in _PROCLITIC_CHOICES[2]:
                prefix = first + second + third
                if prefix and token.startswith(prefix) and len(token) - len(prefix) >= 2:
                    stems.append(token[len(prefix):])
    return list(dict.fromkeys(stems))


@dataclass(frozen=True)
class _CompiledTerm:
    index: int
    words: tuple[tuple[str, bool], ...]   # (folded word, is a prefix)
    arabic: bool


def _compile(index: int, term: str) -> _CompiledTerm | None:
    arabic = bool(_ARABIC_CHAR.search(term))
    words = []
    for position, raw in enumerate(re.split(r"[\s\-'’]+", fold(term))):
        wildcard = raw.endswith("*")
        word = "".join(_WORD.findall(raw.rstrip("*")))
        if not word:
            continue
        # The article is left to the proclitic stripping, so "المفوضية" also matches "للمفوضية".
        if arabic and position == 0 and word.startswith("ال") and len(word) > 4:
            word = word[2:]
        words.append((word, wildcard))
    return _CompiledTerm(index, tuple(words), arabic) if words else None


class TermMatcher:
    """Finds which of a set of lexicon terms occur in a text, and how often.

    Matching is word by word: a text is cut into words once, and each word is looked up in an index of the
    terms' first words (exact, or as a prefix for ``word*``), which keeps the cost proportional to the text
    rather than to the size of the lexicon.

    >>> TermMatcher(["refugee*", "demandeur* d'asile"]).count("Deux demandeurs d'asile et un réfugié")
    Counter({"demandeur* d'asile": 1})
    """

    def __init__(self, terms: Iterable[str]):
        self.terms = list(dict.fromkeys(t.strip() for t in terms if t and t.strip()))
        self._exact: dict[str, list[_CompiledTerm]] = {}
        self._prefix: dict[str, list[_CompiledTerm]] = {}
        self._prefix_lengths: set[int] = set()
        self._has_arabic = False
        # Words repeat across a text and across texts; their candidate terms are looked up once.
        self._cache: dict[str, list[_CompiledTerm]] = {}
        for index, term in enumerate(self.terms):
            compiled = _compile(index, term)
            if compiled is None:
                continue
            first, wildcard = compiled.words[0]
            (self._prefix if wildcard else self._exact).setdefault(first, []).append(compiled)
            if wildcard:
                self._prefix_lengths.add(len(first))
            self._has_arabic |= compiled.arabic

    def _candidates(self, token: str) -> list[_CompiledTerm]:
        cached = self._cache.get(token)
        if cached is not None:
            return cached
        if len(self._cache) > 200_000:
            self._cache.clear()
        forms = _arabic_stems(token) if self._has_arabic and _ARABIC_CHAR.match(token) else [token]
        found = []
        for form in forms:
            found.extend(self._exact.get(form, ()))
            for length in self._prefix_lengths:
                if length <= len(form):
                    found.extend(self._prefix.get(form[:length], ()))
        self._cache[token] = found
        return found

    def has_candidates(self, token: str) -> bool:
        """Whether a term could start at this folded word; a caller scanning a text for many matchers at
        once uses it to find the places worth looking at."""
        return bool(self._candidates(token))

    def _matches(self, tokens: list[str], positions: Iterable[int] | None = None):
        """(term index, first token, token after the last) of each match, longest first at each place.
        ``positions`` (ascending) may list the only places where a term can start; others are skipped."""
        following = 0
        for position in range(len(tokens)) if positions is None else positions:
            if position < following:
                continue
            best = None
            for term in self._candidates(tokens[position]):
                if term.arabic != bool(_ARABIC_CHAR.match(tokens[position])):
                    continue
                size = len(term.words)
                if position + size > len(tokens):
                    continue
                if all((tokens[position + k].startswith(word) if wildcard else tokens[position + k] == word)
                       for k, (word, wildcard) in enumerate(term.words[1:], 1)):
                    key = (size, len(self.terms[term.index]))
                    if best is None or key > best[0]:
                        best = (key, term.index)
            if best is None:
                continue
            size = best[0][0]
            yield best[1], position, position + size
            following = position + size

    def find(self, text: str) -> list[tuple[str, int, int]]:
        """(term, start, end) of every match, with offsets into ``text`` as given (not folded)."""
        if not text or not (self._exact or self._prefix):
            return []
        folded, offsets = fold_with_offsets(text)
        spans = [m.span() for m in _WORD.finditer(folded)]
        tokens = [folded[a:b] for a, b in spans]
        return [(self.terms[index], offsets[spans[first][0]], offsets[spans[last - 1][1] - 1] + 1)
                for index, first, last in self._matches(tokens)]

    def count(self, text: str, *, folded: bool = False) -> Counter[str]:
        if not text or not (self._exact or self._prefix):
            return Counter()
        return self.count_tokens(_WORD.findall(text if folded else fold(text)))

    def count_tokens(self, tokens: list[str], positions: Iterable[int] | None = None) -> Counter[str]:
        """:meth:`count` over words already cut by :func:`words`, optionally only at ``positions``."""
        found: Counter[str] = Counter()
        for index, _, _ in self._matches(tokens, positions):
            found[self.terms[index]] += 1
        return found


def words(folded: str) -> list[str]:
    """The words of folded text, as :class:`TermMatcher` cuts it."""
    return _WORD.findall(folded)


def weighted_score(found: Mapping[str, int], weights: Mapping[str, float]) -> float:
    """Each distinct term counts its weight once; repeats add a little, so one word said ten times does
    not outweigh five different words."""
    total = 0.0
    for term, count in found.items():
        total += weights.get(term, 1.0) * (1.0 + 0.25 * min(count - 1, 4))
    return total


_SCRIPT_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f]")
_SCRIPT_LATIN = re.compile("[A-Za-z\u00c0-\u024f]")


@lru_cache(maxsize=4)
def _identifier(languages: tuple[str, ...]):
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(languages))
    return identifier


def detect_language(text: str, *, languages: tuple[str, ...] = ("en", "fr", "ar"), hint: str = "") -> str:
    """ISO 639-1 code of the language ``text`` is written in, among ``languages``.

    The script decides Arabic outright (the statistical model is unreliable on short Arabic text); for
    Latin-script text the model chooses. ``hint`` (the page's lang attribute) only breaks near-ties.
    """
    sample = text[:5000]
    arabic = len(_SCRIPT_ARABIC.findall(sample))
    latin = len(_SCRIPT_LATIN.findall(sample))
    if arabic + latin == 0:
        return hint[:2].lower() if hint else ""
    if "ar" in languages and arabic > latin:
        return "ar"
    latin_languages = tuple(lang for lang in languages if lang != "ar") or languages
    if len(latin_languages) == 1:
        return latin_languages[0]
    ranked = _identifier(latin_languages).rank(sample)
    (best, p_best), (_, p_next) = ranked[0], ranked[1]
    hint = hint[:2].lower()
    if hint in latin_languages and hint != best and p_best - p_next < 0.2:
        return hint
    return best
