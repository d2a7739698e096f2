"""The learned theme scorer: fitted on labelled texts and analysts' corrections.

One logistic regression per theme over the rule features (lexicon score, similarity contrast, similarity)
and the article's mean passage embedding. The embedding lets it learn how a theme is talked about beyond
the lexicon's words; the rule features keep it anchored when examples are few. Corrections weigh more than
the labelled set because they are the analysts' own judgement on their own corpus.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from advocacy.nlp.errors import NlpError
from advocacy.nlp.themes import RuleScorer, ThemeEvidence, _sigmoid, feature_vector

CORRECTION_WEIGHT = 3.0
REGULARISATION = 1.0   # inverse strength (scikit-learn's C); chosen by cross-validation on the dev split


@dataclass
class TrainingExample:
    evidence: list[ThemeEvidence]   # for every theme of the taxonomy
    mean_vector: np.ndarray
    labels: dict[str, bool]         # theme -> present?; themes absent from the dict are unknown
    weight: float = 1.0


class LearnedScorer:
    name = "learned model"

    def __init__(self, weights: dict[str, tuple[np.ndarray, float]], *, info: dict):
        self.weights = weights
        self.info = info
        self._fallback = RuleScorer()

    def score(self, evidence: ThemeEvidence, *, mean_vector: np.ndarray) -> float:
        if evidence.theme not in self.weights:
            return self._fallback.score(evidence, mean_vector=mean_vector)
        coefficients, intercept = self.weights[evidence.theme]
        features = feature_vector(evidence, mean_vector)
        if len(features) != len(coefficients):
            return self._fallback.score(evidence, mean_vector=mean_vector)
        return _sigmoid(float(features @ coefficients) + intercept)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays = {f"coef_{theme}": coef for theme, (coef, _) in self.weights.items()}
        intercepts = {theme: intercept for theme, (_, intercept) in self.weights.items()}
        temporary = path.with_name(path.name + ".tmp.npz")
        np.savez(temporary, meta=np.array(json.dumps({"info": self.info, "intercepts": intercepts})), **arrays)
        temporary.replace(path)

    @classmethod
    def load(cls, path: Path) -> "LearnedScorer":
        try:
            with np.load(path, allow_pickle=False) as data:
                meta = json.loads(str(data["meta"]))
                weights = {theme: (np.array(data[f"coef_{theme}"]), float(intercept))
                           for theme, intercept in meta["intercepts"].items()}
        except (OSError, KeyError, ValueError) as exc:
            raise NlpError(f"theme model {path} is unreadable ({exc}); rebuild it with `advocacy tags retrain`") from None
        return cls(weights, info=meta["info"])


def train_scorer(examples: list[TrainingExample], themes: list[str], *, regularisation: float = REGULARISATION,
                 model_name: str = "") -> LearnedScorer:
    """Fit one logistic regression per theme; a theme with only one class among its examples keeps the rules."""
    from sklearn.linear_model import LogisticRegression

    weights, counts = {}, {}
    for theme in themes:
        rows, targets, sample_weights = [], [], []
        for example in examples:
            if theme not in example.labels:
                continue
            evidence = next(e for e in example.evidence if e.theme == theme)
            rows.append(feature_vector(evidence, example.mean_vector))
            targets.append(int(example.labels[theme]))
            sample_weights.append(example.weight)
        counts[theme] = {"examples": len(rows), "positive": int(sum(targets))}
        if len(set(targets)) < 2:
            continue
        model = LogisticRegression(C=regularisation, max_iter=2000)
        model.fit(np.array(rows), np.array(targets), sample_weight=np.array(sample_weights))
        weights[theme] = (model.coef_[0].astype(np.float32), float(model.intercept_[0]))
    info = {"trained_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "examples": counts,
            "embedding_model": model_name, "regularisation": regularisation}
    return LearnedScorer(weights, info=info)
