"""Enrich: language, passages and their embeddings, themes with reasons, entities.

``Enricher`` is the stage's API; it knows nothing of crawling or indexing.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from advocacy.article import Article, Passage, ThemeScore
from advocacy.nlp.analysis import AnalysisRunner, TextItem, default_workers
from advocacy.nlp.embeddings import Encoder, resolve_model
from advocacy.nlp.errors import ModelError, NlpError, TaxonomyError
from advocacy.nlp.passages import split_passages
from advocacy.nlp.taxonomy import Theme, load_taxonomy
from advocacy.nlp.themes import RuleScorer, ThemeTagger
from advocacy.nlp.training import CORRECTION_WEIGHT, LearnedScorer, TrainingExample, train_scorer
from advocacy.text import detect_language

__all__ = ["Encoder", "Enricher", "LearnedScorer", "ModelError", "NlpError", "TaxonomyError", "Theme",
           "apply_corrections", "load_taxonomy", "resolve_model", "split_passages"]


def apply_corrections(themes: list[ThemeScore], all_scores: list[ThemeScore],
                      corrections: dict[str, bool]) -> list[ThemeScore]:
    """The article's themes once analysts' verdicts are applied: rejected themes go, confirmed ones stay
    (with the tagger's evidence when it had any), marked as confirmed."""
    kept = [t for t in themes if corrections.get(t.theme, True)]
    present = {t.theme for t in kept}
    scored = {t.theme: t for t in all_scores}
    for theme, verdict in corrections.items():
        if verdict and theme not in present:
            base = scored.get(theme) or ThemeScore(theme=theme, score=0.0)
            kept.append(ThemeScore(theme=theme, score=base.score, subthemes=base.subthemes,
                                   matched_terms=base.matched_terms, passages=base.passages,
                                   reason=(base.reason + "; " if base.reason else "") + "confirmed by an analyst",
                                   confirmed=True))
    for theme in kept:
        if corrections.get(theme.theme):
            theme.confirmed = True
    return sorted(kept, key=lambda t: (not t.confirmed, -t.score))


class Enricher:
    """Adds the enrich stage's fields to articles. Models load on first use, not on construction."""

    def __init__(self, *, themes_file: Path | None = None, gazetteer_file: Path | None = None,
                 embedding_model: str = "all-MiniLM-L6-v2", device: str = "cpu", batch_size: int = 32,
                 theme_threshold: float = 0.5, passage_chars: int = 600, allow_download: bool = False,
                 theme_model: Path | None = None, find_people: bool = True, precision: str = "float32",
                 max_tokens: int = 0, workers: int = 0, threads: int = 0):
        """``workers``: processes finding entities, figures and quotes beside the embedding model (0: all in
        this process; -1: one when there is a second core). ``threads``: the embedding model's threads (0:
        torch's default)."""
        workers = default_workers() if workers < 0 else workers
        if not threads and workers:
            # The analysis worker takes one core; the model takes the rest, and all of them once the worker
            # is done with its share of a batch (see enrich).
            threads = max(1, (os.cpu_count() or 1) - workers)
        self.encoder = Encoder(embedding_model, device=device, batch_size=batch_size, allow_download=allow_download,
                               precision=precision, max_tokens=max_tokens, threads=threads)
        scorer = LearnedScorer.load(theme_model) if theme_model is not None and theme_model.exists() else RuleScorer()
        self.tagger = ThemeTagger(load_taxonomy(themes_file), self.encoder, threshold=theme_threshold, scorer=scorer)
        self.analysis = AnalysisRunner(gazetteer_file=gazetteer_file, find_people=find_people, workers=workers)
        self.passage_chars = passage_chars

    @classmethod
    def from_settings(cls, settings, *, theme_model: Path | None = None) -> "Enricher":
        nlp = settings.table["nlp"]
        return cls(theme_model=theme_model, themes_file=settings.path_or_none("nlp", "themes_file"),
                   gazetteer_file=settings.path_or_none("nlp", "gazetteer_file"),
                   embedding_model=nlp["embedding_model"], device=nlp["device"], batch_size=nlp["batch_size"],
                   theme_threshold=nlp["theme_threshold"], passage_chars=nlp["passage_chars"],
                   allow_download=nlp["allow_download"], find_people=nlp["find_people"],
                   precision=nlp["precision"], max_tokens=nlp["max_tokens"], workers=nlp["workers"],
                   threads=nlp["threads"])

    def close(self) -> None:
        """Stop the analysis worker, if one runs."""
        self.analysis.close()

    def enrich(self, articles: list[Article]) -> list[tuple[Article, np.ndarray]]:
        """Enrich ``articles`` in place (stage becomes "enriched"); return each with its passage vectors."""
        all_passages = []
        for article in articles:
            if not article.language:
                article.language = detect_language(f"{article.title}\n{article.text}")
            article.passages = split_passages(article.text, target_chars=self.passage_chars)
            all_passages.extend(p.text for p in article.passages)
        # Entities, figures and quotes are found (in a worker process, when there is one) while the
        # passages are embedded and tagged here.
        pending = self.analysis.submit([TextItem(a.title, a.text, a.language) for a in articles])
        vectors = self.encoder.encode(all_passages, spare_cores=pending.done)
        results, offset = [], 0
        for article in articles:
            own = vectors[offset:offset + len(article.passages)]
            offset += len(article.passages)
            article.themes = self.tagger.tag(title=article.title, passages=article.passages, vectors=own)
            results.append((article, own))
        for (article, _), found in zip(results, pending.result()):
            article.entities = found.entities
            # Offsets point into article.text, where briefs verify every figure and quote verbatim.
            article.figures = found.figures
            article.quotes = found.quotes
            article.stage = "enriched"
        return results

    def retag(self, article: Article, vectors: np.ndarray, *, corrections: dict[str, bool] | None = None) -> None:
        """Recompute the article's themes from its stored passages and vectors (after retraining)."""
        all_scores = self.tagger.score_all(title=article.title, passages=article.passages, vectors=vectors)
        themes = [t for t in all_scores if t.score >= self.tagger.threshold]
        article.themes = apply_corrections(themes, all_scores, corrections or {})

    def correct(self, article: Article, vectors: np.ndarray | None, corrections: dict[str, bool]) -> None:
        """Apply analysts' verdicts to an article's themes, with the tagger's evidence where available."""
        all_scores = (self.tagger.score_all(title=article.title, passages=article.passages, vectors=vectors)
                      if vectors is not None else [])
        article.themes = apply_corrections(article.themes, all_scores, corrections)

    def embed_texts(self, items: list[tuple[str, str]]) -> list[tuple[list[Passage], np.ndarray]]:
        """Passages and their vectors for (title, text) pairs, embedded in one batch."""
        cut = [split_passages(text, target_chars=self.passage_chars) for _, text in items]
        vectors = self.encoder.encode([p.text for passages in cut for p in passages])
        out, offset = [], 0
        for passages in cut:
            out.append((passages, vectors[offset:offset + len(passages)]))
            offset += len(passages)
        return out

    def tag_texts(self, items: list[tuple[str, str]]) -> list[list[ThemeScore]]:
        """Every theme scored, for each (title, text) pair; callers apply the threshold they need."""
        return [self.tagger.score_all(title=title, passages=passages, vectors=vectors)
                for (title, _), (passages, vectors) in zip(items, self.embed_texts(items))]

    def training_example(self, *, title: str, passages: list[Passage], vectors: np.ndarray,
                         labels: dict[str, bool], weight: float = 1.0) -> TrainingExample:
        from advocacy.nlp.themes import _mean_vector

        evidence = self.tagger.evidence(title=title, passages=passages, vectors=vectors)
        return TrainingExample(evidence, _mean_vector(vectors, self.encoder), labels, weight)

    def train(self, examples: list[TrainingExample]) -> LearnedScorer:
        scorer = train_scorer(examples, [t.key for t in self.tagger.themes], model_name=self.encoder.key)
        self.tagger.scorer = scorer
        return scorer
