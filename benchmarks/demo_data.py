"""What the benchmark scripts share: the demo data built in a directory, and the size of an index.

The scripts run as ``python benchmarks/NAME.py``, so this module is found beside them."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def build_demo(directory: Path) -> None:
    """Run `advocacy demo` into ``directory`` (about 20 s: the offline news web, crawled, enriched, indexed);
    exits with the demo's output when it fails."""
    print(f"building the demo data in {directory} (about 20 s)…", file=sys.stderr, flush=True)
    command = [sys.executable, "-m", "advocacy.cli", "--data-dir", str(directory), "demo"]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"the demo failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")


def article_count(directory: Path) -> int:
    """The articles in ``directory``'s embedded index."""
    from advocacy.index.sqlite import SqliteStore

    store = SqliteStore(directory / "index.db")
    try:
        return store.count()
    finally:
        store.close()
