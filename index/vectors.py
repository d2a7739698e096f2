"""Passages by meaning in the embedded store: exact where the store is small, approximate where it is large.

A brute-force scan of every passage vector is exact and, up to a few hundred thousand passages, fast. A
million articles hold some ten million passages: their vectors fill 7.7 GB even as float16, and one scan
takes about a second. Past ``ANN_MIN_PASSAGES`` the store therefore keeps an approximate index beside the
database (``<index>.ann``, faiss IVF-PQ: each vector reduced to 48 bytes, searched in the few clusters
nearest the query) and scans exactly only the passages written since that index was last brought up to
date, which :class:`PassageIndex` tracks in the ``vectors_pending`` table.

The approximate index only proposes articles. Every proposed article's passages are then read from the
database and scored exactly, and the query's filters are applied in the same SQL statement, so scores,
best passages and filters are exact; what an approximate index can cost is an article it failed to propose.
``benchmarks/scale.py`` measures that recall against the exact scan.

Safety: the database stays the only source of truth. The index file is written to a temporary name and
renamed over the old one, and the pending list is only cleared afterwards, so a process killed at any
point leaves at worst some passages listed twice (scored once, as an article is only kept once). Deleted
articles drop out when their passages are read back; a re-indexed article is pending again, so its new
vectors are scanned exactly until the next update. A missing or unreadable index file is rebuilt.
"""
from __future__ import annotations

import json
import os
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# Below this many passages (about 20,000 articles) every query scans all vectors exactly.
ANN_MIN_PASSAGES = 200_000
# The approximate index takes in the pending passages once there are this many. Until then every query scans
# them exactly: a share of the store instead (5 % of a million articles' passages) cost 120 ms a query and
# 380 MB, where rewriting the index file every 10,000 articles costs loading a few per cent.
ANN_UPDATE_PASSAGES = 100_000
# Clusters are re-learnt from scratch once the index has grown this many times past what they were learnt on.
ANN_RETRAIN_GROWTH = 8
# Clusters searched per query, and bytes per passage in the index (PQ sub-vectors of 8 bits each).
ANN_PROBES = 48
ANN_CODE_BYTES = 48
# The most passages asked of it per query: a filter that keeps only a sliver of the store may then come back
# with fewer articles than wanted, instead of reading most of the index.
ANN_MAX_CANDIDATES = 65_536
# An approximate score undershoots or overshoots the exact one by up to about this much.
ANN_SCORE_SLACK = 0.15

# The pending articles' passages, looked up article by article: left to itself, SQLite scans the whole
# passages table for this join, which made every batch written to a large store slower than the one before.
_PENDING_PASSAGES = "vectors_pending v CROSS JOIN passages p ON p.doc = v.doc"

_PASSAGE_BITS = 12          # a passage's key is doc << 12 | index: 4,096 passages per article at most
_READ_CHUNK = 50_000
# Up to this many pending passages are scored in float32 with NumPy (see similarities()).
_NUMPY_ROWS = 20_000


def passage_key(doc: int, index: int) -> int:
    return (doc << _PASSAGE_BITS) | index


def key_doc(keys: np.ndarray) -> np.ndarray:
    return keys >> _PASSAGE_BITS


def similarities(matrix: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """Dot products of the float16 passage matrix with ``vector``, as float32.

    NumPy multiplies float16 matrices without BLAS, ten times slower than float32; torch, which the embedding
    model brings along, multiplies them directly (about 60 ms for a million passages on one core). A small
    matrix is converted to float32 instead: torch's float16 product takes milliseconds whatever the size, and
    importing torch costs a server that only reads its index some 300 MB."""
    if len(matrix) <= _NUMPY_ROWS:
        return matrix.astype(np.float32) @ vector.astype(np.float32)
    try:
        import torch
    except ImportError:
        return (matrix.astype(np.float32) @ vector.astype(np.float32)).astype(np.float32)
    product = torch.from_numpy(matrix) @ torch.from_numpy(np.ascontiguousarray(vector, dtype=np.float16))
    return product.float().numpy()


class _SharedIndexes:
    """The approximate indexes read in this process, one per file, shared by every store open on it: a
    server keeps several stores open (one per request under way), and one copy of an index that may weigh
    hundreds of megabytes is enough, since searching it does not change it."""

    def __init__(self):
        self._loaded: dict[str, tuple[object, object]] = {}      # path -> (file stamp, index or None)
        self._lock = threading.Lock()

    def get(self, path: Path, stamp):
        with self._lock:
            found = self._loaded.get(str(path))
        if found is not None and found[0] == stamp:
            return found[1]
        index = _read_index(path)
        with self._lock:
            self._loaded[str(path)] = (stamp, index)
        return index

    def put(self, path: Path, stamp, index) -> None:
        with self._lock:
            self._loaded[str(path)] = (stamp, index)

    def forget(self, path: Path) -> None:
        with self._lock:
            self._loaded.pop(str(path), None)


def _read_index(path: Path):
    """The approximate index in ``path``, or None when it is unreadable (queries then scan exactly until the
    next update rebuilds it)."""
    import faiss

    try:
        return faiss.read_index(str(path))
    except RuntimeError:
        return None


_SHARED = _SharedIndexes()


@dataclass
class Pending:
    """The passages the approximate index does not hold (all of them while there is none), as float16."""
    matrix: np.ndarray
    docs: np.ndarray
    passages: np.ndarray


class PassageIndex:
    """Candidate articles for a query vector, from the approximate index and the exact scan of the rest."""

    def __init__(self, db: sqlite3.Connection, path: Path, *, dtype: np.dtype = np.dtype(np.float32)):
        self._db = db
        self._dtype = np.dtype(dtype)
        self.path = path
        self._pending: Pending | None = None
        # What the database looked like when the pending matrix was read (PRAGMA data_version, which moves
        # when another connection commits): a store kept open by a server must see what a crawl adds.
        self._pending_version: int | None = None
        self._approximate = True

    @property
    def approximate(self) -> bool:
        """False makes every query scan all vectors exactly, whatever the size: to measure the recall of the
        approximate index."""
        return self._approximate

    @approximate.setter
    def approximate(self, value: bool) -> None:
        self._approximate = bool(value)
        self._pending = None

    # -- writes -------------------------------------------------------------------------------------------

    def changed(self) -> None:
        """The passages changed (in the caller's committed transaction): forget the cached pending matrix."""
        self._pending = None

    def update(self, *, force: bool = False) -> str | None:
        """Bring the approximate index up to date when enough passages wait for it (or ``force``); returns
        "built", "extended" or None. Runs outside any transaction and may take minutes on a large store."""
        meta = self._meta()
        if not meta or not self.path.exists():
            # Counting the passages reads the whole table; the largest rowid bounds their number for free.
            highest = self._db.execute("SELECT COALESCE(MAX(rowid), 0) FROM passages").fetchone()[0]
            if highest < ANN_MIN_PASSAGES and not force:
                return None
            total = self._db.execute("SELECT COUNT(*) FROM passages WHERE vector IS NOT NULL").fetchone()[0]
            if total < ANN_MIN_PASSAGES and not force:
                return None
            self._build(total)
            return "built"
        pending = self._pending_count()
        if meta.get("size", 0) + pending >= ANN_RETRAIN_GROWTH * max(meta.get("trained_on", 0), 1):
            self._build(meta.get("size", 0) + pending)
            return "built"
        if not force and pending < ANN_UPDATE_PASSAGES:
            return None
        if pending:
            self._extend()
            return "extended"
        return None

    def pending_count(self) -> int:
        """Passages the approximate index does not hold yet (all of them while there is none)."""
        if not self._meta() or not self.path.exists():
            return self._db.execute("SELECT COUNT(*) FROM passages WHERE vector IS NOT NULL").fetchone()[0]
        return self._pending_count()

    def _pending_count(self) -> int:
        return self._db.execute(f"SELECT COUNT(*) FROM {_PENDING_PASSAGES} WHERE p.vector IS NOT NULL").fetchone()[0]

    def _meta(self) -> dict:
        row = self._db.execute("SELECT value FROM meta WHERE key='ann'").fetchone()
        return json.loads(row[0]) if row else {}

    def _set_meta(self, meta: dict) -> None:
        self._db.execute("INSERT OR REPLACE INTO meta VALUES ('ann', ?)", (json.dumps(meta),))

    def _read(self, sql: str, params=()):
        """(keys, float32 vectors) of the passages ``sql`` selects (doc, idx, vector), in chunks."""
        cursor = self._db.execute(sql, params)
        while rows := cursor.fetchmany(_READ_CHUNK):
            keys = np.fromiter((passage_key(doc, idx) for doc, idx, _ in rows), dtype=np.int64, count=len(rows))
            vectors = np.frombuffer(b"".join(blob for _, _, blob in rows), dtype=self._dtype).reshape(len(rows), -1)
            yield keys, vectors.astype(np.float32)

    def _build(self, total: int) -> None:
        import faiss

        # Everything written from here on is pending for the new index; what is pending now goes into it.
        mark = self._db.execute("SELECT COALESCE(MAX(doc), 0) FROM vectors_pending").fetchone()[0]
        # About 4 √n clusters, each learnt from at least 39 points (fewer make poor centres).
        clusters = int(max(1, min(16_384, 4 * total ** 0.5, total // 39)))
        sample_size = min(total, 40 * clusters)
        step = max(1, total // sample_size)
        sample = [vectors for _, vectors in self._read(
            "SELECT doc, idx, vector FROM passages WHERE vector IS NOT NULL AND rowid % ? = 0", (step,))]
        training = np.ascontiguousarray(np.concatenate(sample)[:sample_size], dtype=np.float32)
        dimensions = training.shape[1]
        # 4-bit codes are searched with SIMD lookup tables ("fast scan") and learnt in a fraction of a second,
        # where 8-bit ones take minutes; two 4-bit codes per byte.
        sub_vectors = _divisor_near(dimensions, 2 * ANN_CODE_BYTES)
        index = faiss.index_factory(dimensions, f"IVF{clusters},PQ{sub_vectors}x4fs", faiss.METRIC_INNER_PRODUCT)
        index.train(training)
        del training, sample
        size = 0
        for keys, vectors in self._read("SELECT doc, idx, vector FROM passages WHERE vector IS NOT NULL "
                                        f"AND idx < {1 << _PASSAGE_BITS}"):
            index.add_with_ids(vectors, keys)
            size += len(keys)
        self._save(index)
        self._db.execute("BEGIN IMMEDIATE")
        self._db.execute("DELETE FROM vectors_pending WHERE doc <= ?", (mark,))
        highest_doc = self._db.execute("SELECT COALESCE(MAX(doc), 0) FROM passages").fetchone()[0]
        self._set_meta({"trained_on": total, "size": size, "dimensions": dimensions, "clusters": clusters,
                        "highest_doc": highest_doc})
        self._db.execute("COMMIT")
        self._pending = None

    def _extend(self) -> None:
        import faiss

        # A copy of its own to change: the shared one may be searched by other threads meanwhile.
        index = _read_index(self.path) if self._load() is not None else None
        if index is None:
            return self._build(self._db.execute("SELECT COUNT(*) FROM passages").fetchone()[0])
        mark = self._db.execute("SELECT COALESCE(MAX(doc), 0) FROM vectors_pending").fetchone()[0]
        meta = self._meta()
        # A re-indexed article's old vectors go first (its passages may have changed in number too). Articles
        # new since the last update have none, so only those the index may already hold are looked at.
        docs = np.array([doc for (doc,) in self._db.execute(
            "SELECT doc FROM vectors_pending WHERE doc <= ? AND doc <= ?", (mark, meta.get("highest_doc", mark)))],
            dtype=np.int64)
        if len(docs):
            stale = (docs[:, None] << _PASSAGE_BITS) + np.arange(1 << _PASSAGE_BITS, dtype=np.int64)[None, :]
            index.remove_ids(faiss.IDSelectorBatch(stale.ravel()))
        added = 0
        for keys, vectors in self._read(
                f"SELECT p.doc, p.idx, p.vector FROM {_PENDING_PASSAGES} "
                f"WHERE v.doc <= ? AND p.vector IS NOT NULL AND p.idx < {1 << _PASSAGE_BITS}", (mark,)):
            index.add_with_ids(vectors, keys)
            added += len(keys)
        self._save(index)
        self._db.execute("BEGIN IMMEDIATE")
        self._db.execute("DELETE FROM vectors_pending WHERE doc <= ?", (mark,))
        self._set_meta({**meta, "size": int(index.ntotal), "highest_doc": max(mark, meta.get("highest_doc", 0))})
        self._db.execute("COMMIT")
        self._pending = None

    def _save(self, index) -> None:
        import faiss

        partial = self.path.with_name(self.path.name + ".partial")
        faiss.write_index(index, str(partial))
        with open(partial, "rb") as written:
            os.fsync(written.fileno())
        os.replace(partial, self.path)
        _SHARED.put(self.path, self._stamp(), index)

    def _stamp(self):
        try:
            status = self.path.stat()
        except FileNotFoundError:
            return None
        return status.st_mtime_ns, status.st_size, status.st_ino

    def _load(self):
        """The approximate index as on disk (read again when another process rewrote it), or None."""
        stamp = self._stamp()
        if stamp is None or not self._meta():
            _SHARED.forget(self.path)
            return None
        return _SHARED.get(self.path, stamp)

    # -- reads --------------------------------------------------------------------------------------------

    def pending(self) -> Pending:
        version = self._db.execute("PRAGMA data_version").fetchone()[0]
        if version != self._pending_version:
            self._pending, self._pending_version = None, version
        if self._pending is None:
            approximate = self._approximate and self._load() is not None
            sql = (f"SELECT p.doc, p.idx, p.vector FROM {_PENDING_PASSAGES} WHERE p.vector IS NOT NULL"
                   if approximate else
                   "SELECT doc, idx, vector FROM passages WHERE vector IS NOT NULL")
            count = self._db.execute(f"SELECT COUNT(*) FROM ({sql})").fetchone()[0]
            matrix = docs = passages = None
            filled = 0
            for keys, vectors in self._read(sql):
                if matrix is None:
                    # Filled in place: stacking the rows would hold them twice, in float32, at the peak.
                    matrix = np.empty((count, vectors.shape[1]), dtype=np.float16)
                    docs = np.empty(count, dtype=np.int64)
                    passages = np.empty(count, dtype=np.int32)
                end = min(count, filled + len(keys))
                matrix[filled:end] = vectors[:end - filled]
                docs[filled:end] = key_doc(keys[:end - filled])
                passages[filled:end] = keys[:end - filled] & ((1 << _PASSAGE_BITS) - 1)
                filled = end
            if matrix is None or filled == 0:
                matrix, docs, passages = np.zeros((0, 1), np.float16), np.zeros(0, np.int64), np.zeros(0, np.int32)
            self._pending = Pending(matrix[:filled], docs[:filled], passages[:filled])
        return self._pending

    def dimensions(self) -> int | None:
        pending = self.pending()
        if len(pending.docs):
            return pending.matrix.shape[1]
        return self._meta().get("dimensions")

    def candidate_docs(self, vector: np.ndarray, count: int, floor: float) -> tuple[list[int], bool]:
        """Up to ``count`` passages closest to ``vector`` (approximately, for the indexed part), as the
        distinct articles holding them, closest first; and whether there is nothing further to propose
        (fewer passages than asked for, or the next ones already below ``floor``)."""
        ranked: list[tuple[float, int]] = []
        exhausted = True
        pending = self.pending()
        if len(pending.docs):
            scores = similarities(pending.matrix, vector)
            take = min(count, len(scores))
            top = np.argpartition(-scores, take - 1)[:take] if take < len(scores) else np.arange(len(scores))
            ranked += [(float(scores[i]), int(pending.docs[i])) for i in top]
            if take < len(scores) and float(scores[top].min()) >= floor:
                exhausted = False
        index = self._load() if self._approximate else None
        if index is not None and index.ntotal:
            index.nprobe = ANN_PROBES
            take = min(count, ANN_MAX_CANDIDATES, int(index.ntotal))
            scores, keys = index.search(np.ascontiguousarray(vector, dtype=np.float32).reshape(1, -1), take)
            found = keys[0] >= 0
            scores, keys = scores[0][found], keys[0][found]
            ranked += list(zip(scores.tolist(), key_doc(keys).tolist()))
            if (len(keys) == take and take < min(count, index.ntotal)
                    and float(scores[-1]) >= floor - ANN_SCORE_SLACK):
                exhausted = False
        ranked.sort(key=lambda item: -item[0])
        return list(dict.fromkeys(doc for _, doc in ranked)), exhausted


def _divisor_near(dimensions: int, wanted: int) -> int:
    """The even divisor of ``dimensions`` closest to ``wanted`` (or 1 dimension per sub-vector when there
    is none): PQ cuts each vector into equal sub-vectors, and fast scan needs an even number of them."""
    even = [d for d in range(2, dimensions + 1, 2) if dimensions % d == 0]
    return min(even, key=lambda d: (abs(d - wanted), -d)) if even else dimensions
