"""benchmarks/scale.py end to end at a tiny size: it loads the real store and prints every figure it promises."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "scale.py"
ARTICLES = 200

NUMBER = r"[\d,]+(?:\.\d+)?"
MS = rf"{NUMBER} ms"
VERDICT = r"(?:met|missed)"


def run(*args: str, timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=timeout)


def test_prints_every_figure_beside_its_target(tmp_path):
    kept = tmp_path / "index"
    result = run("--sizes", str(ARTICLES), "--repeat", "1", "--keep", str(kept))
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout

    assert f"== {ARTICLES:,} articles ==" in out
    expected = {
        "bulk load": rf"^bulk load\s+{NUMBER} docs/s\s",
        "size on disk": rf"^size on disk\s+{NUMBER} (?:MB|GB)\s",
        "keyword query": rf"^keyword query\s+p50 {MS}\s+p95 {MS}\s+\(target at 1M: p95 <= 50 ms: {VERDICT}\)",
        "hybrid query": rf"^hybrid query\s+p50 {MS}\s+p95 {MS}\s+\(target at 1M: p95 <= 150 ms: {VERDICT}",
        "analytics": rf"^analytics\s+p50 {MS}\s+p95 {MS}\s+\(target at 1M: p95 <= 200 ms: {VERDICT}",
        "attention by month": rf"^\s+attention/month\s+p50 {MS}\s+p95 {MS}",
        "share of voice": rf"^\s+share of voice\s+p50 {MS}\s+p95 {MS}",
        "peak RSS": rf"^peak RSS\s+{NUMBER} (?:MB|GB)\s+\(target at 1M: <= 2 GB: {VERDICT}\)",
        "warm-up": rf"^warm-up \(excluded\) .*hybrid first query {MS}",
    }
    for figure, pattern in expected.items():
        assert re.search(pattern, out, re.M), f"{figure} missing from:\n{out}"
    # The summary repeats the size with every figure, and the query vectors came from the real model.
    assert re.search(rf"^\s+{ARTICLES}\s+{NUMBER}\s+{NUMBER} (?:MB|GB)\s+{NUMBER}/{NUMBER} ms", out, re.M), out
    assert "embedded with all-MiniLM-L6-v2" in out
    # Every query matches something, or its latency would say little.
    matches = re.search(r"^matches per query\s+median [\d,]+, min ([\d,]+)", out, re.M)
    assert matches and int(matches.group(1).replace(",", "")) > 0, out

    # --keep leaves the index behind, whole, and refuses to write over it the next time.
    assert (kept / "index.db").stat().st_size > 0
    from advocacy.index.sqlite import SqliteStore

    store = SqliteStore(kept / "index.db")
    try:
        assert store.count() == ARTICLES
        assert store.search("refugees OR réfugiés OR اللاجئين", limit=1).total > 0
    finally:
        store.close()
    again = run("--sizes", "10", "--keep", str(kept), timeout=60)
    assert again.returncode == 2 and "not empty" in again.stderr

    # --measure reads that index again as it is, loading nothing.
    measured = run("--measure", str(kept), "--repeat", "1")
    assert measured.returncode == 0, measured.stderr[-3000:]
    assert f"== {ARTICLES:,} articles ==" in measured.stdout
    assert "bulk load          not measured" in measured.stdout
    assert re.search(rf"^keyword query\s+p50 {MS}\s+p95 {MS}", measured.stdout, re.M), measured.stdout
    assert SqliteStore(kept / "index.db").count() == ARTICLES
    assert run("--measure", str(tmp_path), timeout=60).returncode == 2


def test_refuses_sizes_it_cannot_read():
    result = run("--sizes", "ten", timeout=60)
    assert result.returncode == 2
    assert "--sizes takes whole numbers" in result.stderr
