"""Choosing the evidence a brief cites: per theme, the strongest passages, spread across outlets."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone

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

    @property
    def date(self) -> str:
        return (self.published_at or "")[:10] or "undated"


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


def select_evidence(store: Store, *, theme: str, filters: SearchFilters, per_theme: int, citations: Citations,
                    candidates: int = 60, redaction: RedactionPolicy | None = None) -> tuple[int, list[Evidence]]:
    """(number of matching articles, chosen evidence) for one theme.

    Candidates are ranked by theme score, recency and whether their date is verified; the first pass takes
    at most one article per outlet so a brief does not lean on a single newspaper. Each excerpt has its
    private people's names withheld according to ``redaction`` (by default: every private individual).
    """
    theme_filters = SearchFilters(**{**filters.__dict__, "themes": [theme]})
    result = store.search("", filters=theme_filters, limit=candidates)
    now = datetime.now(timezone.utc)
    ranked = []
    for hit in result.hits:
        article = store.get(hit.id)
        if article is None:
            continue
        theme_score = next((t for t in article.themes if t.theme == theme), None)
        if theme_score is None or not article.passages:
            continue
        dated = 1.0 if article.published_at_source in ("page-metadata", "feed") else 0.8
        ranked.append((theme_score.score * dated * (0.6 + 0.4 * _recency(article.published_at, now)),
                       article, theme_score))
    ranked.sort(key=lambda item: -item[0])
    chosen, used_outlets = [], set()
    for strict in (True, False):
        for score, article, theme_score in ranked:
            if len(chosen) >= per_theme:
                break
            if any(e.source.article_id == article.id for e in chosen):
                continue
            if strict and article.outlet in used_outlets:
                continue
            index = theme_score.passages[0] if theme_score.passages else 0
            passage = article.passages[min(index, len(article.passages) - 1)].text
            verbatim = excerpt(passage)
            redacted = redact_article_text(verbatim, article, policy=redaction)
            chosen.append(Evidence(citations.cite(article), redacted.text, round(score, 3), verbatim=verbatim,
                                   redactions=redacted.count))
            used_outlets.add(article.outlet)
    return result.total, chosen
