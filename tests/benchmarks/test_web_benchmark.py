"""benchmarks/web.py end to end for a few seconds on the small index of the web tests: it starts the server,
loads it, prints every figure it promises, stops the server and leaves no account behind."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.web.conftest import fill_index

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "web.py"
NUMBER = r"[\d,]+(?:\.\d+)?"
MS = rf"{NUMBER} ms"
LATENCIES = rf"p50 {MS}  p95 {MS}  p99 {MS}  max {MS}"
KINDS = ("search", "article", "similar", "stats json", "stats csv", "saved searches", "sources")


def run(*args: str, timeout: int = 180) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize("workers", [1, 2])
def test_prints_every_figure_and_cleans_up(tmp_path, workers):
    # The demo would take half a minute to build; the web tests' index has articles in English and French,
    # vectors for similar articles, and dates for the figures, which is all the calls need.
    fill_index(tmp_path)
    result = run("--data-dir", str(tmp_path), "--clients", "3", "--seconds", "2", "--workers", str(workers))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = result.stdout

    expected = {
        "title": rf"^Advocacy Monitor web benchmark: 3 clients for 2 s, .* on the data in {re.escape(str(tmp_path))} "
                 r"\(5 articles\)",
        "server": r"^server   http://127\.0\.0\.1:\d+, " + (f"{workers} worker processes, " if workers > 1 else "")
                  + r"\d+ CPUs \(\d+ usable, shared with the load generator\), "
                  r"advocacy-monitor \S+, Python 3\.\S+, uvicorn \S+, FastAPI \S+, Starlette \S+; clients: httpx \S+",
        "search mode": r"^search   mode keyword",
        "mix": r"^mix      search \d+%, .*warm-up",
        "requests": rf"^requests {NUMBER} in {NUMBER} s: {NUMBER} requests/s",
        "latency": rf"^latency  {LATENCIES}  \(every answered call\)",
        "errors": r"^errors   0$",
        "target": rf"^target   p95 < 300 ms and 0 errors: (?:met|missed) \(p95 {MS}, 0 errors\)",
        "server figures": rf"^server   peak RSS {NUMBER} MB \(VmHWM\); CPU {NUMBER} s = {NUMBER} cores on average; "
                          rf"load generator CPU {NUMBER} s = {NUMBER} cores",
    }
    for figure, pattern in expected.items():
        assert re.search(pattern, out, re.M), f"{figure} missing from:\n{out}"
    # Two seconds of three clients call every kind many times over.
    for kind in KINDS:
        assert re.search(rf"^  {kind:<15} +{NUMBER}  {LATENCIES}$", out, re.M), f"{kind} missing from:\n{out}"
    requests = int(re.search(r"^requests ([\d,]+)", out, re.M).group(1).replace(",", ""))
    assert requests >= 20, out

    assert "server stopped cleanly (exit code 0)" in result.stderr
    from advocacy.web.accounts import Accounts

    assert Accounts(tmp_path / "accounts.db").users() == []


def test_refuses_a_directory_without_an_index(tmp_path):
    result = run("--data-dir", str(tmp_path), timeout=60)
    assert result.returncode == 2 and "holds no index.db" in result.stderr
