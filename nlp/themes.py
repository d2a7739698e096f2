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
from advocacy.text import TermMatcher, fold, weighted_score

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
        return self._models

    def evidence(self, *, title: str, passages: list[Passage], vectors: np.ndarray) -> list[ThemeEvidence]:
        """The lexicon and similarity evidence for every theme of the taxonomy, in taxonomy order."""
        models = self._prepare()
        folded_title = fold(title)
        folded_passages = [fold(p.text) for p in passages]
        similarities = []
        for model in models:
            if len(vectors):
                per_passage = (vectors @ model.description_vectors.T).max(axis=1)
                similarities.append((per_passage, float(np.sort(per_passage)[::-1][:2].mean())))
            else:
                similarities.append((np.zeros(0), 0.0))
        mean_similarity = float(np.mean([s for _, s in similarities])) if similarities else 0.0
        evidence = []
        for model, (per_passage_similarity, similarity) in zip(models, similarities):
            per_passage = [model.matcher.count(text, folded=True) for text in folded_passages]
            in_title = model.matcher.count(folded_title, folded=True)
            found = sum(per_passage, start=in_title.copy())
            lexicon = weighted_score(found, model.theme.weights) + weighted_score(in_title, model.theme.weights)
            evidence.append(ThemeEvidence(model.theme.key, lexicon, similarity, similarity - mean_similarity, found,
                                          per_passage, per_passage_similarity))
        return evidence

    def tag(self, *, title: str, passages: list[Passage], vectors: np.ndarray) -> list[ThemeScore]:
        """Themes whose score reaches the threshold, best first, each with its evidence."""
        return [t for t in self.score_all(title=title, passages=passages, vectors=vectors)
                if t.score >= self.threshold]

    def score_all(self, *, title: str, passages: list[Passage], vectors: np.ndarray) -> list[ThemeScore]:
        """Every theme with its score and reason, best first (the threshold is not applied)."""
        models = {m.theme.key: m for m in self._prepare()}
        mean_vector = _mean_vector(vectors, self.encoder)
        folded_passages = [fold(p.text) for p in passages]
        results = []
        for evidence in self.evidence(title=title, passages=passages, vectors=vectors):
            model = models[evidence.theme]
            score = self.scorer.score(evidence, mean_vector=mean_vector)
            similarities = evidence.passage_similarities
            # The passages that drove the decision: lexicon hits first, similarity breaks ties.
            ranked = sorted(range(len(passages)), reverse=True,
                            key=lambda i: (weighted_score(evidence.per_passage[i], model.theme.weights),
                                           float(similarities[i]) if len(similarities) else 0.0))
            decisive = [i for i in ranked[:3] if evidence.per_passage[i] or (len(similarities) and similarities[i] >= 0.3)]
            subthemes = {}
            for key, matcher in model.subtheme_matchers:
                hits = sum(sum(matcher.count(text, folded=True).values()) for text in folded_passages)
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


def _mean_vector(vectors: np.ndarray, encoder) -> np.ndarray:
    if len(vectors):
        mean = vectors.mean(axis=0)
        norm = float(np.linalg.norm(mean))
        return mean / norm if norm else mean
    return np.zeros(encoder.dimension, dtype=np.float32)
