"""Near-duplicate detection: 64-bit SimHash over word shingles.

Two copies of a story that differ by a credit line, a byline or a few edits land within a few bits of each
other, while different stories on the same subject are far apart.
"""
from __future__ import annotations

import hashlib
import re

from advocacy.text import fold

_WORD = re.compile(r"\w+")


def simhash(text: str, *, shingle: int = 3) -> int | None:
    """SimHash of ``text``; None when the text is too short to fingerprint meaningfully."""
    words = _WORD.findall(fold(text))
    if len(words) < shingle * 4:
        return None
    weights = [0] * 64
    for i in range(len(words) - shingle + 1):
        digest = hashlib.blake2b(" ".join(words[i:i + shingle]).encode("utf-8"), digest_size=8).digest()
        value = int.from_bytes(digest, "big")
        for bit in range(64):
            weights[bit] += 1 if value >> bit & 1 else -1
    return sum(1 << bit for bit in range(64) if weights[bit] > 0)


def hamming(a: int, b: int) -> int:
    return bin((a ^ b) & 0xFFFFFFFFFFFFFFFF).count("1")
