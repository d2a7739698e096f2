"""Text helpers shared by the stages: folding for comparison, lexicon matching, language detection.

Lexicons (relevance terms, theme terms, gazetteer aliases) are written by people, in three languages, so
matching forgives case, accents and Arabic spelling variants, and a trailing ``*`` means "any ending".
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import lru_cache
from typing import Iterable, Mapping

_ARABIC_DIACRITICS = re.compile("[\u064b-\u0652\u0670\u0640]")  # harakat, dagger alef, tatweel
_ARABIC_LETTERS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ى": "ي"})
_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "‘": "'", "`": "'"})
_ARABIC_CHAR = re.compile("[\u0600-\u06ff]")
# Conjunctions and prepositions written attached to an Arabic word, optionally followed by the article.
_ARABIC_PROCLITICS = "(?:[وف]?[بلك]?(?:ال|ل)?)"


def fold(text: str) -> str:
    """Case-, accent- and Arabic-variant-insensitive form of ``text`` for matching (not for display)."""
    text = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES))
    text = "".join(ch for ch in text if not unicodedata.combining(ch) or _ARABIC_CHAR.match(ch))
    text = _ARABIC_DIACRITICS.sub("", text)
    return unicodedata.normalize("NFC", text).translate(_ARABIC_LETTERS).casefold()


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


def _term_pattern(term: str) -> str:
    words = fold(term).split()
    parts = []
    arabic = bool(_ARABIC_CHAR.search(term))
    for position, word in enumerate(words):
        # The article is left to the proclitic pattern, so "المفوضية" also matches "للمفوضية".
        if arabic and position == 0 and word.startswith("ال") and len(word) > 4:
            word = word[2:]
        wildcard = word.endswith("*")
        word = word.rstrip("*")
        parts.append(re.escape(word) + (r"\w*" if wildcard else ""))
    body = r"[\s\-]+".join(parts)
    if arabic:
        return _ARABIC_PROCLITICS + body
    return body


class TermMatcher:
    """Finds which of a set of lexicon terms occur in a text, and how often.

    >>> TermMatcher(["refugee*", "demandeur* d'asile"]).count("Deux demandeurs d'asile et un réfugié")
    Counter({"demandeur* d'asile": 1})
    """

    def __init__(self, terms: Iterable[str]):
        self.terms = list(dict.fromkeys(t.strip() for t in terms if t and t.strip()))
        if not self.terms:
            self._regex = None
            return
        # Longest first, so that "asylum seeker*" wins over "asylum" at the same position.
        ordered = sorted(range(len(self.terms)), key=lambda i: -len(self.terms[i]))
        alternatives = [f"(?P<t{i}>{_term_pattern(self.terms[i])})" for i in ordered]
        self._regex = re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)")

    def find(self, text: str) -> list[tuple[str, int, int]]:
        """(term, start, end) of every match, with offsets into ``text`` as given (not folded)."""
        if self._regex is None or not text:
            return []
        folded, offsets = fold_with_offsets(text)
        return [(self.terms[int(m.lastgroup[1:])], offsets[m.start()], offsets[m.end() - 1] + 1)
                for m in self._regex.finditer(folded)]

    def count(self, text: str, *, folded: bool = False) -> Counter[str]:
        found: Counter[str] = Counter()
        if self._regex is None or not text:
            return found
        for match in self._regex.finditer(text if folded else fold(text)):
            found[self.terms[int(match.lastgroup[1:])]] += 1
        return found


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
