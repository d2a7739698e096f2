"""benchmarks/brief.py end to end on a tiny synthetic index: it writes both formats and prints every figure."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "brief.py"
NUMBER = r"[\d,]+(?:\.\d+)?"


def run(*args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=timeout)


def test_prints_the_time_of_each_format_and_of_the_store_calls():
    result = run("--synthetic", "150")
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert re.search(r"^Advocacy Monitor brief benchmark: policy paper, every theme, synthetic index \(seed 7\), "
                     r"150 articles", out, re.M), out
    for fmt in ("md", "docx"):
        assert re.search(rf"^{fmt}\s+{NUMBER} s  first run {NUMBER} s  \(target on the demo index: <= 5 s: "
                         r"(?:met|missed)\)", out, re.M), out
    calls = re.findall(rf"^\s+of which store calls {NUMBER} s: (.+)$", out, re.M)
    assert len(calls) == 2
    for call in ("search", "get", "facets", "attention", "passages_with_vectors"):
        assert re.search(rf"\b{call} \d+× {NUMBER} ms", calls[0]), calls[0]


def test_refuses_a_directory_without_an_index(tmp_path):
    result = run("--data-dir", str(tmp_path), timeout=60)
    assert result.returncode == 2 and "holds no index.db" in result.stderr
