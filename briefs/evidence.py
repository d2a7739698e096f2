"""Choosing the evidence a brief cites: per theme, the strongest passages, spread across outlets."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone

import numpy as np

from advocacy.article import Article
from advocacy.briefs.redaction import RedactionPolicy, redact_article_text
from advocacy.index import SearchFilters, Store

# A sentence ends at . ! ? or ؟, possibly followed by a closing quote; a quote alone ends nothing.
_SENTENCE_END = re.compile(r"(?:(?<=[.!?؟])|(?<=[.!?؟][\"»”’]))\s+")


@dataclass
class Source:
    """One cited article, numbered in order of first citation."""
    number: int
    article_id: str
    title: str
    outlet_name: str
    url: str
    published_at: str | None
    fetched_at: str
    language: str
    archive: dict
    # Set by :func:`advocacy.briefs.citations.apply_style` once every source is known: the mark placed in
    # the text ("[3]" or "(Le Matin 2024a)") and the full bibliography entry.
    cite: str = ""
    entry: str = ""

    @property
    def date(self) -> str:
        return (self.published_at or "")[:10] or "undated"

    @property
    def year(self) -> str:
        return (self.published_at or "")[:4] or "n.d."


@dataclass
class Evidence:
    source: Source
    passage: str           # as placed in the brief: the excerpt with private people's names withheld
    score: float
    verbatim: str = ""     # the excerpt exactly as in the stored article text, to verify against the source
    redactions: int = 0    # names withheld from ``passage`` (see briefs/redaction.py)


@dataclass
class ThemeSection:
    key: str
    label: str
    description: str
    article_count: int
    evidence: list[Evidence] = field(default_factory=list)


def excerpt(text: str, *, limit: int = 420) -> str:
    """The leading sentences of ``text`` up to about ``limit`` characters, cut only at a sentence end so
    the excerpt stays a verbatim substring of the source."""
    if len(text) <= limit:
        return text
    cut = 0
    for boundary in _SENTENCE_END.finditer(text):
        if boundary.start() > limit:
            break
        cut = boundary.start()
    return text[:cut] if cut else text[:limit].rsplit(" ", 1)[0]


class Citations:
    def __init__(self) -> None:
        self.sources: dict[str, Source] = {}

    def cite(self, article: Article) -> Source:
        if article.id not in self.sources:
            self.sources[article.id] = Source(
                number=len(self.sources) + 1, article_id=article.id, title=article.title,
                outlet_name=article.outlet_name or article.outlet, url=article.canonical_url or article.url,
                published_at=article.published_at, fetched_at=article.fetched_at, language=article.language,
                archive=article.archive)
        return self.sources[article.id]


def _recency(published_at: str | None, now: datetime) -> float:
    if not published_at:
        return 0.5
    try:
        published = datetime.fromisoformat(published_at)
    except ValueError:
        return 0.5
    if published.tzinfo is None:
        published = published.replace(tzinfo=timezone.utc)
    age_days = (now - published).days
    return 1.0 / (1.0 + max(age_days, 0) / 730)


@dataclass
class _Candidate:
    score: float
    article: Article
    passage_index: int

    @property
    def key(self) -> tuple[str, int]:
        return self.article.id, self.passage_index


# Passages this alike say the same thing (a syndicated copy, a press release reprinted): a second one
# adds nothing while anything else is left.
NEAR_DUPLICATE = 0.9
_WORD = re.compile(r"\w{3,}")


def select_evidence(store: Store, *, filters: SearchFilters, per_theme: int, citations: Citations,
                    theme: str | None = None, query: str = "", candidates: int = 60,
                    redaction: RedactionPolicy | None = None, diversity: float = 0.7) -> tuple[int, list[Evidence]]:
    """(number of matching articles, chosen evidence) for a theme, a query, or a query within a theme.

    Candidates are ranked by theme score (or search rank), recency and whether their date is verified, then
    chosen by maximal marginal relevance: each pick weighs its relevance (weight ``diversity``; 1 =
    relevance alone) against its likeness to the passages already chosen, by their stored vectors or, when
    a passage has none, by shared words. A first pass takes at most one article per outlet so a brief does
    not lean on a single newspaper; near-duplicates of chosen passages come only when nothing else is left. Each excerpt has its private people's
    names withheld according to ``redaction`` (by default: every private individual).
    """
    search_filters = SearchFilters(**{**filters.__dict__, "themes": [theme]}) if theme else filters
    result = store.search(query, filters=search_filters, limit=candidates)
    now = datetime.now(timezone.utc)
    ranked = []
    hits = result.hits
    for rank, hit in enumerate(hits):
        article = store.get(hit.id)
        if article is None or not article.passages:
            continue
        # Search rank matters only when there are words to rank by; a theme alone lists newest first.
        relevance = 1.0 - 0.5 * rank / len(hits) if query.strip() else 1.0
        if theme:
            theme_score = next((t for t in article.themes if t.theme == theme), None)
            if theme_score is None:
                continue
            relevance *= theme_score.score
            index = theme_score.passages[0] if theme_score.passages else 0
        else:
            index = hit.passage_index if hit.passage_index is not None else 0
        dated = 1.0 if article.published_at_source in ("page-metadata", "feed") else 0.8
        ranked.append(_Candidate(relevance * dated * (0.6 + 0.4 * _recency(article.published_at, now)), article,
                                 min(max(index, 0), len(article.passages) - 1)))
    ranked.sort(key=lambda c: -c.score)
    chosen = _diversify(ranked, count=per_theme, similarity=_Similarity(store, ranked), diversity=diversity)
    evidence = []
    for candidate in chosen:
        article = candidate.article
        verbatim = excerpt(article.passages[candidate.passage_index].text)
        redacted = redact_article_text(verbatim, article, policy=redaction)
        evidence.append(Evidence(citations.cite(article), redacted.text, round(candidate.score, 3),
                                 verbatim=verbatim, redactions=redacted.count))
    return result.total, evidence


def _diversify(ranked: list[_Candidate], *, count: int, similarity: "_Similarity",
               diversity: float) -> list[_Candidate]:
    """Maximal marginal relevance in three passes: one article per outlet, then any outlet, then
    near-duplicates of what is already chosen, only if nothing else is left."""
    if not ranked or count <= 0:
        return []
    top = ranked[0].score or 1.0
    chosen: list[_Candidate] = []
    for one_per_outlet, duplicates in ((True, False), (False, False), (False, True)):
        while len(chosen) < count:
            outlets = {c.article.outlet for c in chosen}
            taken = {c.article.id for c in chosen}
            best, best_value = None, None
            for candidate in ranked:
                if candidate.article.id in taken or (one_per_outlet and candidate.article.outlet in outlets):
                    continue
                likeness = max((similarity(candidate, other) for other in chosen), default=0.0)
                if likeness >= NEAR_DUPLICATE and not duplicates:
                    continue
                value = diversity * candidate.score / top - (1.0 - diversity) * likeness
                # Ranked best first, so a tie keeps the more relevant candidate.
                if best_value is None or value > best_value:
                    best, best_value = candidate, value
            if best is None:
                break
            chosen.append(best)
    return chosen


class _Similarity:
    """Likeness of two candidate passages: cosine of their stored vectors, else the overlap of their words.
    The same story text (equal content hashes) counts as identical."""

    def __init__(self, store: Store, candidates: list[_Candidate]):
        self.vectors: dict[tuple[str, int], np.ndarray] = {}
        self.words: dict[tuple[str, int], set[str]] = {}
        # Vectors are an extra of the embedded store, not part of the contract; without them words will do.
        fetch = getattr(store, "passages_with_vectors", None)
        wanted = {c.key for c in candidates}
        if fetch is not None and candidates:
            for id, index, _text, vector in fetch(sorted({c.article.id for c in candidates})):
                if (id, index) in wanted:
                    norm = float(np.linalg.norm(vector))
                    if norm:
                        self.vectors[(id, index)] = vector / norm
        for candidate in candidates:
            text = candidate.article.passages[candidate.passage_index].text
            self.words[candidate.key] = set(_WORD.findall(text.lower()))

    def __call__(self, one: _Candidate, other: _Candidate) -> float:
        if one.article.id == other.article.id or (
                one.article.content_hash and one.article.content_hash == other.article.content_hash):
            return 1.0
        a, b = self.vectors.get(one.key), self.vectors.get(other.key)
        if a is not None and b is not None and a.shape == b.shape:
            return max(0.0, float(a @ b))
        words_a, words_b = self.words[one.key], self.words[other.key]
        if not words_a or not words_b:
            return 0.0
        return len(words_a & words_b) / len(words_a | words_b)
