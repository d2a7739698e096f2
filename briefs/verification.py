"""Checking every quote and figure a brief will print against the stored text of its source article.

An item is verified when its text is the source text at its recorded offsets, or, failing that, when it
occurs anywhere in the source text once both are normalised: curly and straight quote marks are the same
mark, « » may or may not have spaces inside them, and non-breaking or thin spaces count as spaces. Nothing
else is forgiven: a changed word, digit or unit leaves the item unverified. What a brief prints beside the
item (the figure's sentence, the quote's speaker) is checked the same way.

An unverified item is dropped with a warning (``briefs.unverifiable = "drop"``) or stops the brief
(``"fail"``); :class:`Verification` keeps the counts that ``advocacy brief`` prints.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

from advocacy.article import Article, Figure, Quote
from advocacy.briefs.errors import BriefError
from advocacy.briefs.evidence import Source

MODES = ("drop", "fail")

# Every quote mark a writer or a typesetter might use, mapped to the straight one it stands for.
_MARKS = str.maketrans({"“": '"', "”": '"', "„": '"', "‟": '"', "«": '"', "»": '"', "″": '"',
                        "‘": "'", "’": "'", "‚": "'", "‛": "'", "‹": "'", "›": "'", "′": "'", "`": "'"})
# Spaces typeset inside French quotation marks, written or not depending on the outlet and the extractor.
_GUILLEMET_SPACE = re.compile(r"(?<=[«‹])\s+|\s+(?=[»›])")
# Non-breaking, narrow, thin and other fixed-width spaces, and the zero-width ones.
_SPACES = re.compile(r"[\u00a0\u2000-\u200a\u202f\u205f\u3000]")
_ZERO_WIDTH = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff]")


class UnverifiableEvidence(BriefError):
    """A quote or figure could not be found in its source's stored text and ``briefs.unverifiable`` is
    "fail"; the message lists every such item with its article."""


def normalise(text: str) -> str:
    """``text`` as compared when the offsets do not match: quote marks straightened, spaces inside « »
    removed, every kind of space a plain one, runs of whitespace collapsed. Case and words are kept."""
    text = _ZERO_WIDTH.sub("", _SPACES.sub(" ", text))
    text = _GUILLEMET_SPACE.sub("", text).translate(_MARKS)
    return " ".join(text.split())


def locate(text: str, source: str, *, start: int | None = None, end: int | None = None) -> str | None:
    """How ``text`` was found in ``source``: "offsets" when ``source[start:end]`` is exactly ``text``,
    "normalised" when it occurs somewhere after :func:`normalise`, ``None`` when it is not there."""
    if not text.strip():
        return None
    if start is not None and end is not None and source[start:end] == text:
        return "offsets"
    return "normalised" if normalise(text) in normalise(source) else None


@dataclass
class Verified:
    """A quote or figure that may be printed, with what a template shows beside it."""
    kind: str                # "quote" | "figure"
    text: str                # as written in the article: "326 migrants", the quoted words
    sentence: str            # the sentence holding it, verbatim
    source: Source
    found: str               # "offsets" | "normalised"
    speaker: str = ""        # quotes: who said it, as written; "" when the article does not say
    value: float | None = None   # figures: the number with its scale applied
    unit: str = ""               # figures: "%", "EUR", "migrants", …


@dataclass
class Dropped:
    """A quote or figure left out of the brief, and why."""
    kind: str
    text: str
    source: Source
    reason: str

    def __str__(self) -> str:
        shown = self.text if len(self.text) <= 60 else self.text[:57].rstrip() + "…"
        return (f"{self.kind} “{shown}” from {self.source.outlet_name}, “{self.source.title}” "
                f"[{self.source.number}] (article {self.source.article_id[:12]}): {self.reason}")


@dataclass
class Verification:
    quotes: list[Verified] = field(default_factory=list)
    figures: list[Verified] = field(default_factory=list)
    dropped: list[Dropped] = field(default_factory=list)

    @property
    def warnings(self) -> list[str]:
        return [f"dropped {item}" for item in self.dropped]

    def summary(self) -> str:
        """One line for the person who asked for the brief: what was verified and what was left out."""
        line = (f"Verified {_count(len(self.quotes), 'quote')} and {_count(len(self.figures), 'figure')} "
                f"against their sources")
        if not self.dropped:
            return line + "; dropped none"
        reasons = "; ".join(f"{item.kind} [{item.source.number}]: {item.reason}" for item in self.dropped)
        return line + f"; dropped {len(self.dropped)} ({reasons})"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'s' if number != 1 else ''}"


def check_quote(quote: Quote, source_text: str) -> tuple[str | None, str]:
    """(how the quote was found, or ``None``; the reason when it was not)."""
    found = locate(quote.text, source_text, start=quote.start, end=quote.end)
    if found is None:
        return None, "the quoted words do not occur in the stored article text"
    if quote.sentence and locate(quote.sentence, source_text) is None:
        return None, "the sentence holding the quote does not occur in the stored article text"
    if quote.speaker and locate(quote.speaker, source_text) is None:
        return None, f"the speaker “{quote.speaker}” is not named in the stored article text"
    return found, ""


def check_figure(figure: Figure, source_text: str) -> tuple[str | None, str]:
    """(how the figure was found, or ``None``; the reason when it was not). The figure's text is the number
    with its unit as printed, so a different digit, scale or unit is not found."""
    found = locate(figure.text, source_text, start=figure.start, end=figure.end)
    if found is None:
        return None, "the number with its unit does not occur in the stored article text"
    if figure.sentence and locate(figure.sentence, source_text) is None:
        return None, "the sentence holding the figure does not occur in the stored article text"
    if figure.sentence and normalise(figure.text) not in normalise(figure.sentence):
        return None, "the figure is not in the sentence printed beside it"
    return found, ""


def verify_sources(sources: list[Source], *, load: Callable[[str], Article | None], mode: str = "drop",
                   quotes_per_source: int = 2, figures_per_source: int = 3) -> Verification:
    """Verify the quotes and figures of each cited article (at most ``quotes_per_source`` and
    ``figures_per_source`` of each, in order of appearance) against the text ``load(article_id)`` returns.

    In "drop" mode the unverified items are left out and listed in ``dropped``; in "fail" mode they raise
    :class:`UnverifiableEvidence`.
    """
    if mode not in MODES:
        raise BriefError(f"briefs.unverifiable must be one of {', '.join(MODES)}, not {mode!r}")
    result = Verification()
    for source in sources:
        article = load(source.article_id)
        quotes = list(article.quotes[:quotes_per_source]) if article else []
        figures = list(article.figures[:figures_per_source]) if article else []
        text = article.text if article else ""
        for quote in quotes:
            found, reason = check_quote(quote, text)
            if found:
                result.quotes.append(Verified("quote", quote.text, quote.sentence, source, found,
                                              speaker=quote.speaker))
            else:
                result.dropped.append(Dropped("quote", quote.text, source, reason))
        seen = set()
        for figure in figures:
            if figure.text in seen:
                continue
            seen.add(figure.text)
            found, reason = check_figure(figure, text)
            if found:
                result.figures.append(Verified("figure", figure.text, figure.sentence, source, found,
                                               value=figure.value, unit=figure.unit))
            else:
                result.dropped.append(Dropped("figure", figure.text, source, reason))
    if result.dropped and mode == "fail":
        listed = "\n  ".join(str(item) for item in result.dropped)
        raise UnverifiableEvidence(
            f"{len(result.dropped)} of the quotes and figures chosen for this brief could not be verified against "
            f"the stored article text (briefs.unverifiable = \"fail\"):\n  {listed}\nCompare them with the "
            f"articles (`advocacy show ID`), or set briefs.unverifiable = \"drop\" to leave such items out.")
    return result
