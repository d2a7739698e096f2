"""Time to write a full policy paper, as Markdown and as Word, from an index of a given size.

    .venv/bin/python benchmarks/brief.py [--data-dir DIR | --synthetic N] [--repeat 1]

Index (one of):
* ``--data-dir DIR``: an existing data directory (``advocacy --data-dir DIR demo`` builds the demo one in
  about 15 s; ``benchmarks/scale.py --keep DIR --sizes 100000`` a 100,000-article one, whose ``index.db``
  is then used from DIR);
* ``--synthetic N``: N synthetic articles made by scale.py's generator, loaded into a temporary index. Their
  passage vectors are random unit vectors (no model is loaded), which changes nothing for a brief: only
  evidence diversity reads them, as it reads real ones;
* neither: the demo index, built first in a temporary directory.

What is measured: ``advocacy.pipeline.run_brief`` with the built-in policy-paper template over every theme,
as ``advocacy brief policy-paper --format md|docx`` runs it: evidence selection, verification, redaction,
charts and rendering. Every Store call it makes is timed too, so a slow brief shows whether the time goes
to the index or to the brief itself. Targets: <= 5 s on the demo index, <= 10 s at 100,000 articles.
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from demo_data import article_count, build_demo

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEMO_TARGET_SECONDS = 5.0
LARGE_TARGET_SECONDS = 10.0
LARGE_SIZE = 100_000
STORE_CALLS = ("search", "get", "facets", "attention", "share_of_voice", "passages_with_vectors")


class StoreTimer:
    """Wraps the embedded store's methods to add up the time each kind of call takes."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self._originals: dict[str, object] = {}

    def install(self) -> None:
        from advocacy.index.sqlite import SqliteStore

        for name in STORE_CALLS:
            original = getattr(SqliteStore, name)
            self._originals[name] = original
            setattr(SqliteStore, name, self._timed(name, original))

    def _timed(self, name, original):
        def timed(store, *args, **kwargs):
            started = time.perf_counter()
            try:
                result = original(store, *args, **kwargs)
                if name == "passages_with_vectors":
                    # A generator: the work happens while it is read.
                    result = list(result)
                return result
            finally:
                self.seconds[name] += time.perf_counter() - started
                self.calls[name] += 1
        return timed

    def reset(self) -> None:
        self.seconds.clear()
        self.calls.clear()

    def report(self) -> str:
        parts = [f"{name} {self.calls[name]}× {1000 * self.seconds[name]:,.0f} ms"
                 for name in sorted(self.seconds, key=lambda n: -self.seconds[n])]
        return ", ".join(parts) or "none"

    @property
    def total(self) -> float:
        return sum(self.seconds.values())


def build_synthetic(directory: Path, size: int, *, seed: int) -> None:
    """``size`` articles from scale.py's generator, with random passage vectors instead of embeddings."""
    spec = importlib.util.spec_from_file_location("advocacy_scale_benchmark", ROOT / "benchmarks" / "scale.py")
    scale = importlib.util.module_from_spec(spec)
    # Its dataclasses look their module up while being defined.
    sys.modules[spec.name] = scale
    spec.loader.exec_module(scale)
    from advocacy.index.sqlite import SqliteStore

    started = time.perf_counter()
    material = scale.load_material()
    vectors = np.random.default_rng(seed).standard_normal((len(material.texts_to_embed()), 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    generator = scale.Generator(material, vectors, seed=seed)
    directory.mkdir(parents=True, exist_ok=True)
    store = SqliteStore(directory / "index.db")
    try:
        scale.load(store, scale.InlineSource(generator, sizes=[size]), 0, size, deadline=None)
    finally:
        store.close()
    print(f"generated and loaded {size:,} synthetic articles in {time.perf_counter() - started:.1f} s",
          file=sys.stderr, flush=True)


def measure(directory: Path, *, repeat: int, timer: StoreTimer) -> dict[str, list[tuple[float, float, str]]]:
    """{format: [(seconds, of which store calls, store calls), …]} over ``repeat`` runs."""
    from advocacy.config import load_settings
    from advocacy.index import SearchFilters
    from advocacy.pipeline import run_brief

    # Built-in defaults whatever the environment says, so the figures compare across machines.
    settings = load_settings(environ={}).with_data_dir(directory)
    results: dict[str, list[tuple[float, float, str]]] = {"md": [], "docx": []}
    with tempfile.TemporaryDirectory(prefix="advocacy-brief-bench-") as out:
        for run in range(repeat):
            for fmt in results:
                timer.reset()
                started = time.perf_counter()
                run_brief(settings, template="policy-paper", fmt=fmt, out_path=Path(out) / f"paper-{run}.{fmt}",
                          filters=SearchFilters())
                results[fmt].append((time.perf_counter() - started, timer.total, timer.report()))
    return results


def verdict(seconds: float, target: float) -> str:
    return "met" if seconds <= target else "missed"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Time a full policy paper (Markdown and Word) from the demo index, an existing index or "
                    "a synthetic one, with the time its Store calls take.",
        epilog="Example: .venv/bin/python benchmarks/brief.py --data-dir demo-data")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--data-dir", type=Path, metavar="DIR", help="an existing data directory with index.db")
    source.add_argument("--synthetic", type=int, metavar="N", help="N synthetic articles in a temporary index")
    parser.add_argument("--repeat", type=int, default=1, help="runs per format (default 1)")
    parser.add_argument("--seed", type=int, default=7, help="random seed of the synthetic corpus (default 7)")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.synthetic is not None and args.synthetic < 1:
        parser.error("--synthetic must be at least 1")
    if args.data_dir and not (args.data_dir / "index.db").is_file():
        parser.error(f"{args.data_dir} holds no index.db: name a data directory such as the demo's")

    with tempfile.TemporaryDirectory(prefix="advocacy-brief-index-") as scratch:
        if args.data_dir:
            directory, label = args.data_dir.resolve(), f"index in {args.data_dir}"
        elif args.synthetic:
            directory, label = Path(scratch), f"synthetic index (seed {args.seed})"
            build_synthetic(directory, args.synthetic, seed=args.seed)
        else:
            directory, label = Path(scratch), "demo index"
            build_demo(directory)
        size = article_count(directory)
        timer = StoreTimer()
        timer.install()
        results = measure(directory, repeat=args.repeat, timer=timer)

    demo_sized = size < 1_000
    if demo_sized:
        target, target_text = DEMO_TARGET_SECONDS, f"target on the demo index: <= {DEMO_TARGET_SECONDS:g} s"
    else:
        target, target_text = LARGE_TARGET_SECONDS, f"target at {LARGE_SIZE:,}: <= {LARGE_TARGET_SECONDS:g} s"
    print(f"Advocacy Monitor brief benchmark: policy paper, every theme, {label}, {size:,} articles "
          f"(Python {sys.version.split()[0]}, {os.cpu_count()} CPUs)")
    for fmt, runs in results.items():
        best = min(runs, key=lambda run: run[0])
        first = runs[0][0]
        print(f"{fmt:<5} {best[0]:6.2f} s  first run {first:.2f} s  ({target_text}: {verdict(best[0], target)})")
        print(f"      of which store calls {best[1]:.2f} s: {best[2]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
