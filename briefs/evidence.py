"""Choosing the evidence a brief cites: per theme, the articles the author chose, then the strongest
passages, spread across outlets."""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

import numpy as np

from advocacy.article import Article
from advocacy.briefs.redaction import RedactionPolicy, redact_article_text
from advocacy.index import Hit, SearchFilters, Store

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
    chosen: bool = False   # the author asked for this article; relevance did not pick it


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
                    redaction: RedactionPolicy | None = None, diversity: float = 0.7,
                    chosen: Sequence[Article] = ()) -> tuple[int, list[Evidence]]:
    """(number of matching articles, chosen evidence) for a theme, a query, or a query within a theme.

    Of the articles the author has ``chosen``, those that carry the theme and that the query finds come
    first, in the author's order, even beyond ``per_theme`` and whatever the filters: the author picked them
    on purpose. The rest, up to ``per_theme``, are candidates ranked by theme score (or search rank), recency and
    whether their date is verified, then chosen by maximal marginal relevance: each pick weighs its
    relevance (weight ``diversity``; 1 = relevance alone) against its likeness to the passages already
    chosen, by their stored vectors or, when a passage has none, by shared words. A first pass takes at most
    one article per outlet so a brief does not lean on a single newspaper; near-duplicates of chosen
    passages come only when nothing else is left. Each excerpt has its private people's names withheld
    according to ``redaction`` (by default: every private individual).
    """
    search_filters = SearchFilters(**{**filters.__dict__, "themes": [theme]}) if theme else filters
    result = store.search(query, filters=search_filters, limit=candidates)
    now = datetime.now(timezone.utc)
    hits = result.hits
    first = _chosen_that_fit(store, chosen, theme=theme, query=query, hits=hits, now=now)
    placed = {c.article.id for c in first}
    ranked = []
    for rank, hit in enumerate(hits):
        if hit.id in placed:
            continue
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
        ranked.append(_candidate(article, index, relevance=relevance, now=now))
    ranked.sort(key=lambda c: -c.score)
    picked = _diversify(ranked, count=per_theme, similarity=_Similarity(store, [*first, *ranked]),
                        diversity=diversity, already=first)
    evidence = [cite_excerpt(c.article, c.passage_index, score=c.score, citations=citations, redaction=redaction,
                             chosen=True) for c in first]
    evidence += [cite_excerpt(c.article, c.passage_index, score=c.score, citations=citations, redaction=redaction)
                 for c in picked]
    return result.total, evidence


def cite_excerpt(article: Article, passage_index: int, *, citations: Citations, score: float = 0.0,
                 redaction: RedactionPolicy | None = None, chosen: bool = False) -> Evidence:
    """The article cited with an excerpt of one of its passages (of its text, when it has none), private
    people's names withheld; the excerpt as published is kept as ``verbatim`` for verification."""
    if article.passages:
        text = article.passages[min(max(passage_index, 0), len(article.passages) - 1)].text
    else:
        text = article.text
    verbatim = excerpt(text)
    redacted = redact_article_text(verbatim, article, policy=redaction)
    return Evidence(citations.cite(article), redacted.text, round(score, 3), verbatim=verbatim,
                    redactions=redacted.count, chosen=chosen)


def theme_passage(article: Article, theme: str | None = None) -> int:
    """The passage that speaks for ``theme`` in ``article``, by default for its top-scoring theme; 0 when
    no theme names one."""
    scores = [t for t in article.themes if theme is None or t.theme == theme]
    best = max(scores, key=lambda t: t.score, default=None)
    return best.passages[0] if best is not None and best.passages else 0


def _candidate(article: Article, passage_index: int, *, relevance: float, now: datetime) -> _Candidate:
    dated = 1.0 if article.published_at_source in ("page-metadata", "feed") else 0.8
    index = min(max(passage_index, 0), len(article.passages) - 1) if article.passages else 0
    return _Candidate(relevance * dated * (0.6 + 0.4 * _recency(article.published_at, now)), article, index)


def _chosen_that_fit(store: Store, chosen: Sequence[Article], *, theme: str | None, query: str, hits: list[Hit],
                     now: datetime) -> list[_Candidate]:
    """The chosen articles that carry ``theme`` and that ``query`` finds, in the author's order, each with
    the passage that speaks for the theme, else the one that best answers the query."""
    found = {hit.id: hit for hit in hits}
    fitting = []
    for article in chosen:
        theme_score = next((t for t in article.themes if t.theme == theme), None) if theme else None
        if theme and theme_score is None:
            continue
        hit = None
        if query.strip():
            hit = found.get(article.id) or _find(store, query, article, theme=theme)
            if hit is None:
                continue
        if theme_score is not None:
            relevance, index = theme_score.score, theme_passage(article, theme)
        else:
            relevance, index = 1.0, hit.passage_index if hit and hit.passage_index is not None else 0
        fitting.append(_candidate(article, index, relevance=relevance, now=now))
    return fitting


def _find(store: Store, query: str, article: Article, *, theme: str | None) -> Hit | None:
    """``article``'s hit for ``query`` within ``theme``, or None when the query does not find it. The Store
    contract filters by outlet and date but not by id, so the search is narrowed to the article's outlet
    and the days around its publication (a day either side, for time zones), then paged through."""
    day = _day(article.published_at)
    filters = SearchFilters(themes=[theme] if theme else [], outlets=[article.outlet],
                            since=(day - timedelta(days=1)).isoformat() if day else None,
                            until=(day + timedelta(days=1)).isoformat() if day else None)
    offset, page = 0, 200
    while True:
        result = store.search(query, filters=filters, limit=page, offset=offset)
        hit = next((hit for hit in result.hits if hit.id == article.id), None)
        if hit is not None or not result.hits:
            return hit
        offset += page
        if offset >= result.total:
            return None


def _day(published_at: str | None) -> date | None:
    try:
        return date.fromisoformat((published_at or "")[:10])
    except ValueError:
        return None


def _diversify(ranked: list[_Candidate], *, count: int, similarity: "_Similarity", diversity: float,
               already: Sequence[_Candidate] = ()) -> list[_Candidate]:
    """Maximal marginal relevance in three passes: one article per outlet, then any outlet, then
    near-duplicates of what is already chosen, only if nothing else is left. ``already`` (the author's
    choices) count towards ``count`` and are weighed against like the picks; only the picks are returned."""
    if not ranked or count <= len(already):
        return []
    top = ranked[0].score or 1.0
    chosen: list[_Candidate] = list(already)
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
    return chosen[len(already):]


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
            passages = candidate.article.passages
            # A chosen article may have no passages; its text then speaks for it.
            text = passages[candidate.passage_index].text if passages else candidate.article.text
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
