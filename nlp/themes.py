"""The theme tagger: weighted multilingual lexicons and embedding similarity, combined into one score.

Each signal covers the other's blind spot. Lexicon terms are precise and explainable but miss paraphrase;
similarity between the article's passages and each theme's description catches paraphrase but, with an
English-only model, is weak on French and Arabic. The combination is a logistic function of both, so the
score reads as a probability and the threshold is one number in the configuration.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from advocacy.article import Passage, ThemeScore
from advocacy.nlp.taxonomy import Theme
from advocacy.text import TermMatcher, fold, weighted_score

# Logistic combination, set by hand on the demo corpus; `advocacy eval tags` will replace hand-setting.
LEXICON_COEF = 0.35
SIMILARITY_COEF = 9.0
SIMILARITY_CENTRE = 0.30
BIAS = -2.6
SUBTHEME_THRESHOLD = 0.5


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


@dataclass
class ThemeModel:
    theme: Theme
    matcher: TermMatcher
    description_vectors: np.ndarray          # one row per description language
    subtheme_matchers: list[tuple[str, TermMatcher]]


class ThemeTagger:
    def __init__(self, themes: list[Theme], encoder, *, threshold: float = 0.5):
        self.themes = themes
        self.encoder = encoder
        self.threshold = threshold
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

    def tag(self, *, title: str, passages: list[Passage], vectors: np.ndarray) -> list[ThemeScore]:
        """Themes whose score reaches the threshold, best first, each with its evidence."""
        models = self._prepare()
        folded_title = fold(title)
        folded_passages = [fold(p.text) for p in passages]
        results = []
        for model in models:
            per_passage = [model.matcher.count(text, folded=True) for text in folded_passages]
            in_title = model.matcher.count(folded_title, folded=True)
            found = sum(per_passage, start=in_title.copy())
            lexicon = weighted_score(found, model.theme.weights) + weighted_score(in_title, model.theme.weights)
            if len(vectors):
                similarities = (vectors @ model.description_vectors.T).max(axis=1)
                top = np.sort(similarities)[::-1][:2]
                similarity = float(top.mean())
            else:
                similarities, similarity = np.zeros(0), 0.0
            score = _sigmoid(LEXICON_COEF * lexicon + SIMILARITY_COEF * (similarity - SIMILARITY_CENTRE) + BIAS)
            if score < self.threshold:
                continue
            # The passages that drove the decision: lexicon hits first, similarity breaks ties.
            ranked = sorted(range(len(passages)), reverse=True,
                            key=lambda i: (weighted_score(per_passage[i], model.theme.weights),
                                           float(similarities[i]) if len(similarities) else 0.0))
            decisive = [i for i in ranked[:3] if per_passage[i] or (len(similarities) and similarities[i] >= 0.3)]
            subthemes = {}
            for key, matcher in model.subtheme_matchers:
                hits = sum(matcher.count(text, folded=True).values() for text in folded_passages)
                sub_score = 1.0 - math.exp(-0.7 * hits)
                if sub_score >= SUBTHEME_THRESHOLD:
                    subthemes[key] = round(sub_score, 3)
            terms = dict(found.most_common(10))
            reason = (f"terms: {', '.join(f'{t} ×{n}' for t, n in terms.items()) or 'none'}; "
                      f"closest passages' similarity to the theme description {similarity:.2f}")
            results.append(ThemeScore(theme=model.theme.key, score=round(score, 3), subthemes=subthemes,
                                      matched_terms=terms, passages=decisive, reason=reason))
        return sorted(results, key=lambda t: -t.score)
