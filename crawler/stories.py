"""Recognising one story under different URLs: MinHash signatures with locality-sensitive banding.

Syndicated wire copy and republished articles differ from the original by a credit line, a byline or a few
edits. The Jaccard similarity of their word-shingle sets stays high (about 0.9 for a sentence added to a
short article), while two different stories on the same subject share almost no 3-word shingles. A
signature of 64 minimum hashes estimates that similarity; cutting it into 16 bands of 4 lets an index find
candidates without comparing every pair.
"""
from __future__ import annotations

import hashlib
import re

import numpy as np

from advocacy.text import fold

SHINGLE_WORDS = 3
PERMUTATIONS = 64
BANDS = 16
ROWS = PERMUTATIONS // BANDS
# Copies score 0.8–0.95; distinct stories on one topic stay far below.
SAME_STORY_SIMILARITY = 0.6

_WORD = re.compile(r"\w+")
_MERSENNE = np.uint64((1 << 61) - 1)
_GENERATOR = np.random.default_rng(20240620)  # fixed: signatures must compare across runs and versions
_A = _GENERATOR.integers(1, (1 << 61) - 1, size=PERMUTATIONS, dtype=np.uint64)
_B = _GENERATOR.integers(0, (1 << 61) - 1, size=PERMUTATIONS, dtype=np.uint64)


def _shingle_hashes(text: str) -> np.ndarray:
    words = _WORD.findall(fold(text))
    if len(words) < SHINGLE_WORDS:
        return np.zeros(0, dtype=np.uint64)
    shingles = {" ".join(words[i:i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1)}
    return np.fromiter((int.from_bytes(hashlib.blake2b(s.encode("utf-8"), digest_size=8).digest(), "big")
                        % ((1 << 61) - 1) for s in shingles), dtype=np.uint64, count=len(shingles))


def signature(text: str, *, min_words: int = 12) -> np.ndarray | None:
    """MinHash signature of ``text`` (``PERMUTATIONS`` values), or None when too short to compare."""
    if len(_WORD.findall(text)) < min_words:
        return None
    hashes = _shingle_hashes(text)
    # (a·x + b) mod p, computed in floating-safe pieces: a and x are < 2^61, so multiply modulo p by halves.
    low, high = hashes & np.uint64(0xFFFFFFFF), hashes >> np.uint64(32)
    values = []
    for a, b in zip(_A, _B):
        part = ((a * high) % _MERSENNE * np.uint64(1 << 32) + a * low) % _MERSENNE
        values.append(((part + b) % _MERSENNE).min())
    return np.array(values, dtype=np.uint64)


def band_keys(sig: np.ndarray) -> list[int]:
    """One signed 63-bit key per band, for an SQLite index."""
    keys = []
    for band in range(BANDS):
        digest = hashlib.blake2b(sig[band * ROWS:(band + 1) * ROWS].tobytes(), digest_size=8).digest()
        keys.append(int.from_bytes(digest, "big") >> 1)
    return keys


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of the two texts' shingle sets."""
    return float(np.mean(a == b))
