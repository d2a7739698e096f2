"""Is a page about refugees or migrants? A weighted multilingual lexicon decides, and says why."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from advocacy.crawler.errors import CrawlerError
from advocacy.text import TermMatcher, fold, weighted_score

TIER_WEIGHTS = {"strong": 2.0, "weak": 1.0}


@dataclass
class Relevance:
    score: float
    terms: dict[str, int]

    def as_dict(self) -> dict:
        return {"score": round(self.score, 2), "terms": self.terms}


class RelevanceFilter:
    """Scores a page as the sum of the weights of the distinct lexicon terms it contains; terms in the
    title count double because a headline states what the story is about."""

    def __init__(self, weights: dict[str, float], *, threshold: float):
        self.weights = weights
        self.threshold = threshold
        self._matcher = TermMatcher(weights)

    @classmethod
    def from_file(cls, path: str | Path | None, *, threshold: float) -> "RelevanceFilter":
        if path is None:
            text = resources.files("advocacy.crawler").joinpath("relevance.toml").read_text(encoding="utf-8")
            origin = "built-in relevance.toml"
        else:
            if not Path(path).is_file():
                raise CrawlerError(f"relevance lexicon {path} does not exist")
            text, origin = Path(path).read_text(encoding="utf-8"), str(path)
        try:
            terms = tomllib.loads(text)["terms"]
        except (tomllib.TOMLDecodeError, KeyError) as exc:
            raise CrawlerError(f"{origin}: expected a [terms] table with strong/weak lists ({exc})") from None
        if not isinstance(terms, dict):
            raise CrawlerError(f"{origin}: [terms] must be a table with strong and weak term lists")
        weights: dict[str, float] = {}
        for tier, weight in TIER_WEIGHTS.items():
            tier_table = terms.get(tier, {})
            if not isinstance(tier_table, dict):
                raise CrawlerError(f"{origin}: terms.{tier} must be a table of language = [\"term\", ...]")
            for language, words in tier_table.items():
                if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
                    raise CrawlerError(f"{origin}: terms.{tier}.{language} must be a list of strings")
                for word in words:
                    weights[word] = max(weights.get(word, 0.0), weight)
        if not weights:
            raise CrawlerError(f"{origin}: the lexicon has no terms")
        return cls(weights, threshold=threshold)

    def score(self, *, title: str, text: str) -> Relevance:
        in_text = self._matcher.count(fold(text), folded=True)
        in_title = self._matcher.count(fold(title), folded=True)
        found = in_text + in_title
        total = weighted_score(found, self.weights) + weighted_score(in_title, self.weights)
        return Relevance(score=total, terms=dict(found.most_common()))

    def is_relevant(self, relevance: Relevance) -> bool:
        return relevance.score >= self.threshold
