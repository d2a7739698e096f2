"""Enrich: language, passages and their embeddings, themes with reasons, entities.

``Enricher`` is the stage's API; it knows nothing of crawling or indexing.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from advocacy.article import Article
from advocacy.nlp.embeddings import Encoder, resolve_model
from advocacy.nlp.entities import EntityFinder, load_gazetteer
from advocacy.nlp.errors import ModelError, NlpError, TaxonomyError
from advocacy.nlp.passages import split_passages
from advocacy.nlp.taxonomy import Theme, load_taxonomy
from advocacy.nlp.themes import ThemeTagger
from advocacy.text import detect_language

__all__ = ["Encoder", "Enricher", "ModelError", "NlpError", "TaxonomyError", "Theme", "load_taxonomy",
           "resolve_model", "split_passages"]


class Enricher:
    """Adds the enrich stage's fields to articles. Models load on first use, not on construction."""

    def __init__(self, *, themes_file: Path | None = None, gazetteer_file: Path | None = None,
                 embedding_model: str = "all-MiniLM-L6-v2", device: str = "cpu", batch_size: int = 32,
                 theme_threshold: float = 0.5, passage_chars: int = 600, allow_download: bool = False):
        self.encoder = Encoder(embedding_model, device=device, batch_size=batch_size, allow_download=allow_download)
        self.tagger = ThemeTagger(load_taxonomy(themes_file), self.encoder, threshold=theme_threshold)
        self.entities = EntityFinder(load_gazetteer(gazetteer_file))
        self.passage_chars = passage_chars

    @classmethod
    def from_settings(cls, settings) -> "Enricher":
        nlp = settings.table["nlp"]
        return cls(themes_file=settings.path_or_none("nlp", "themes_file"),
                   gazetteer_file=settings.path_or_none("nlp", "gazetteer_file"),
                   embedding_model=nlp["embedding_model"], device=nlp["device"], batch_size=nlp["batch_size"],
                   theme_threshold=nlp["theme_threshold"], passage_chars=nlp["passage_chars"],
                   allow_download=nlp["allow_download"])

    def enrich(self, articles: list[Article]) -> list[tuple[Article, np.ndarray]]:
        """Enrich ``articles`` in place (stage becomes "enriched"); return each with its passage vectors."""
        all_passages = []
        for article in articles:
            if not article.language:
                article.language = detect_language(f"{article.title}\n{article.text}")
            article.passages = split_passages(article.text, target_chars=self.passage_chars)
            all_passages.extend(p.text for p in article.passages)
        vectors = self.encoder.encode(all_passages)
        results, offset = [], 0
        for article in articles:
            own = vectors[offset:offset + len(article.passages)]
            offset += len(article.passages)
            article.themes = self.tagger.tag(title=article.title, passages=article.passages, vectors=own)
            article.entities = self.entities.find(f"{article.title}\n\n{article.text}")
            article.stage = "enriched"
            results.append((article, own))
        return results
