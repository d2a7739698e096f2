"""The theme tagger: weighted multilingual lexicons and embedding similarity, combined into one score.

Each signal covers the other's blind spot. Lexicon terms are precise and explainable but miss paraphrase;
similarity between the article's passages and each theme's description catches paraphrase. The tagger uses
similarity as a contrast (a theme's similarity minus the mean over all themes): an English-only model finds
every Arabic passage "similar" to every description, and the contrast cancels that out instead of letting it
push all themes up.

Two scorers turn that evidence into a calibrated probability. The rule scorer is a logistic function of the
lexicon score and the contrast with hand-set constants; it needs no training data. The learned scorer (see
``training.py``) adds the article's mean passage embedding and is fitted on labelled examples and analysts'
corrections, so it learns what the lexicons miss.
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from advocacy.article import Passage, ThemeScore
from advocacy.nlp.taxonomy import Theme
from advocacy.text import TermMatcher, fold, weighted_score, words

# Rule scorer, fitted on the demo corpus' hand labels (5-fold cross-validated macro-F1 0.91).
LEXICON_COEF = 3.2
CONTRAST_COEF = 11.0
BIAS = -6.5
SUBTHEME_THRESHOLD = 0.5


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))


@dataclass
class ThemeEvidence:
    """What the tagger saw for one theme in one article; the scorers' input and the reason's material."""
    theme: str
    lexicon: float                       # weighted lexicon score, title terms counted twice
    similarity: float                    # mean of the two best passage similarities to the description
    contrast: float                      # similarity minus the mean similarity over all themes
    found: Counter = field(default_factory=Counter)
    per_passage: list[Counter] = field(default_factory=list)
    passage_similarities: np.ndarray = field(default_factory=lambda: np.zeros(0))


class RuleScorer:
    name = "rules"

    def score(self, evidence: ThemeEvidence, *, mean_vector: np.ndarray) -> float:
        return _sigmoid(LEXICON_COEF * math.log1p(evidence.lexicon) + CONTRAST_COEF * evidence.contrast + BIAS)


def feature_vector(evidence: ThemeEvidence, mean_vector: np.ndarray) -> np.ndarray:
    """The learned scorer's input: the two rule features, the raw similarity, and the mean embedding."""
    return np.concatenate([[math.log1p(evidence.lexicon), evidence.contrast * 10, evidence.similarity],
                           mean_vector]).astype(np.float32)


@dataclass
class ThemeModel:
    theme: Theme
    matcher: TermMatcher
    description_vectors: np.ndarray          # one row per description language
    subtheme_matchers: list[tuple[str, TermMatcher]]


class ThemeTagger:
    def __init__(self, themes: list[Theme], encoder, *, threshold: float = 0.5, scorer=None):
        self.themes = themes
        self.encoder = encoder
        self.threshold = threshold
        self.scorer = scorer or RuleScorer()
        self._models: list[ThemeModel] | None = None
        self._lexicons: _Lexicons | None = None

    def _prepare(self) -> list[ThemeModel]:
        if self._models is None:
            models = []
            for theme in self.themes:
                descriptions = [text for text in theme.description.values() if text] or [theme.label_in("en")]
                models.append(ThemeModel(
                    theme=theme, matcher=TermMatcher(theme.weights),
                    description_vectors=self.encoder.encode(descriptions),
                    subtheme_matchers=[(s.key, TermMatcher(s.terms)) for s in theme.subthemes]))
            self._models = models
            self._lexicons = _Lexicons(models)
        return self._models

    def evidence(self, *, title: str, passages: list[Passage], vectors: np.ndarray) -> list[ThemeEvidence]:
        """The lexicon and similarity evidence for every theme of the taxonomy, in taxonomy order."""
        return self._evidence(title, passages, vectors)[0]

    def _evidence(self, title: str, passages: list[Passage], vectors: np.ndarray):
        """The evidence, and each passage's lexicon counts (see :meth:`_Lexicons.scan`) for the reasons."""
        models = self._prepare()
        lexicons = self._lexicons
        in_title_all = lexicons.scan(fold(title))
        per_passage_all = [lexicons.scan(fold(p.text)) for p in passages]
        similarities = []
        for model in models:
            if len(vectors):
                per_passage = (vectors @ model.description_vectors.T).max(axis=1)
                similarities.append((per_passage, float(np.sort(per_passage)[::-1][:2].mean())))
            else:
                similarities.append((np.zeros(0), 0.0))
        mean_similarity = float(np.mean([s for _, s in similarities])) if similarities else 0.0
        evidence = []
        for index, (model, (per_passage_similarity, similarity)) in enumerate(zip(models, similarities)):
            slot = lexicons.theme_slots[index]
            per_passage = [counts[slot] for counts in per_passage_all]
            in_title = in_title_all[slot]
            found = sum(per_passage, start=in_title.copy())
            lexicon = weighted_score(found, model.theme.weights) + weighted_score(in_title, model.theme.weights)
            evidence.append(ThemeEvidence(model.theme.key, lexicon, similarity, similarity - mean_similarity, found,
                                          per_passage, per_passage_similarity))
        return evidence, per_passage_all

    def tag(self, *, title: str, passages: list[Passage], vectors: np.ndarray) -> list[ThemeScore]:
        """Themes whose score reaches the threshold, best first, each with its evidence."""
        return [t for t in self.score_all(title=title, passages=passages, vectors=vectors)
                if t.score >= self.threshold]

    def score_all(self, *, title: str, passages: list[Passage], vectors: np.ndarray) -> list[ThemeScore]:
        """Every theme with its score and reason, best first (the threshold is not applied)."""
        models = self._prepare()
        mean_vector = _mean_vector(vectors, self.encoder)
        all_evidence, per_passage_all = self._evidence(title, passages, vectors)
        results = []
        for index, (model, evidence) in enumerate(zip(models, all_evidence)):
            score = self.scorer.score(evidence, mean_vector=mean_vector)
            similarities = evidence.passage_similarities
            # The passages that drove the decision: lexicon hits first, similarity breaks ties.
            ranked = sorted(range(len(passages)), reverse=True,
                            key=lambda i: (weighted_score(evidence.per_passage[i], model.theme.weights),
                                           float(similarities[i]) if len(similarities) else 0.0))
            decisive = [i for i in ranked[:3] if evidence.per_passage[i] or (len(similarities) and similarities[i] >= 0.3)]
            subthemes = {}
            for (key, _), slot in zip(model.subtheme_matchers, self._lexicons.subtheme_slots[index]):
                hits = sum(sum(counts[slot].values()) for counts in per_passage_all)
                sub_score = 1.0 - math.exp(-0.7 * hits)
                if sub_score >= SUBTHEME_THRESHOLD:
                    subthemes[key] = round(sub_score, 3)
            terms = dict(evidence.found.most_common(10))
            reason = (f"terms: {', '.join(f'{t} ×{n}' for t, n in terms.items()) or 'none'} "
                      f"(lexicon score {evidence.lexicon:.1f}); passages' similarity to the theme description "
                      f"{evidence.similarity:.2f}, {evidence.contrast:+.2f} against the other themes; "
                      f"scored by {self.scorer.name}")
            results.append(ThemeScore(theme=evidence.theme, score=round(score, 3), subthemes=subthemes,
                                      matched_terms=terms, passages=decisive, reason=reason))
        return sorted(results, key=lambda t: -t.score)


class _Lexicons:
    """Every theme and subtheme lexicon of a taxonomy, run over a text in one pass.

    Each lexicon alone would walk every word of every passage; here a word is looked up once, in a table of
    the lexicons that have a term starting with it, and each lexicon then runs only at its own places. The
    counts are those each lexicon's :meth:`TermMatcher.count` gives."""

    def __init__(self, models: list[ThemeModel]):
        self.matchers: list[TermMatcher] = []
        self.theme_slots: list[int] = []
        self.subtheme_slots: list[list[int]] = []
        for model in models:
            self.theme_slots.append(self._add(model.matcher))
            self.subtheme_slots.append([self._add(matcher) for _, matcher in model.subtheme_matchers])
        self._owners: dict[str, tuple[int, ...]] = {}

    def _add(self, matcher: TermMatcher) -> int:
        self.matchers.append(matcher)
        return len(self.matchers) - 1

    def scan(self, folded: str) -> list[Counter]:
        """One Counter of matched terms per lexicon, in the order they were added."""
        counts = [Counter() for _ in self.matchers]
        if not folded:
            return counts
        tokens = words(folded)
        places: dict[int, list[int]] = {}
        owners = self._owners
        if len(owners) > 200_000:
            owners.clear()
        for position, token in enumerate(tokens):
            found = owners.get(token)
            if found is None:
                found = owners[token] = tuple(i for i, m in enumerate(self.matchers) if m.has_candidates(token))
            for slot in found:
                places.setdefault(slot, []).append(position)
        for slot, positions in places.items():
            counts[slot] = self.matchers[slot].count_tokens(tokens, positions)
        return counts


def _mean_vector(vectors: np.ndarray, encoder) -> np.ndarray:
    if len(vectors):
        mean = vectors.mean(axis=0)
        norm = float(np.linalg.norm(mean))
        return mean / norm if norm else mean
    return np.zeros(encoder.dimension, dtype=np.float32)
