"""Main-text extraction quality and speed on the article-extraction benchmark (Scrapinghub's 181 news and
blog pages with hand-checked article bodies), ours beside plain trafilatura.

    python benchmarks/extraction.py [--bench DIR] [--scorer FILE] [--workers N] [--repeat N]

The benchmark data stays outside the repository; DIR holds ``ground-truth.json`` and ``html/<id>.html.gz``.
Scores come from ``score_extraction.py`` (by default next to DIR), which computes the metric of the
benchmark's published table: precision and recall of 4-word shingles averaged over documents, their F1,
and the share of documents extracted exactly.

Speed is compared on pages already read and decompressed, in this one process: each of ``--repeat``
passes runs every method in turn, and each method's fastest pass counts, measured in CPU time so that
other work on the machine does not tilt the comparison. The end-to-end runs of extract_files (reading
the files, with one and with ``--workers`` processes) are timed on the wall clock, the only clock that
sees several processes.
"""
from __future__ import annotations

import argparse
import gzip
import importlib.util
import os
import sys
import time
from pathlib import Path
from typing import Callable

import trafilatura

from advocacy.crawler.extract_files import extract_files, file_id, find_html_files
from advocacy.crawler.main_text import extract_main_text

DEFAULT_BENCH = Path(os.environ.get("EXTRACTION_BENCH", "/work/shared/bench/extraction"))
# include_comments=False as in the benchmark's own trafilatura run
TRAFILATURA_SETTINGS = {
    "trafilatura default": {"include_comments": False},
    "trafilatura favor_precision": {"include_comments": False, "favor_precision": True},
}


def load_scorer(path: Path):
    if not path.is_file():
        sys.exit(f"scorer not found: {path} (give its location with --scorer)")
    spec = importlib.util.spec_from_file_location("score_extraction", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for needed in ("load_truth", "score"):
        if not hasattr(module, needed):
            sys.exit(f"{path} does not look like the extraction scorer: it has no {needed}()")
    return module


def compare_speed(methods: dict[str, Callable[[str], str]], pages: dict[str, str], *,
                  repeat: int) -> dict[str, tuple[dict[str, str], float]]:
    """{method: (texts, docs per CPU second of its fastest pass)}."""
    fastest = {name: float("inf") for name in methods}
    texts: dict[str, dict[str, str]] = {}
    for _ in range(max(1, repeat)):
        for name, extract in methods.items():
            start = time.process_time()
            texts[name] = {key: extract(html) or "" for key, html in pages.items()}
            fastest[name] = min(fastest[name], time.process_time() - start)
    return {name: (texts[name], len(pages) / max(fastest[name], 1e-9)) for name in methods}


def timed_extract_files(files: list[Path], *, workers: int) -> tuple[dict[str, str], float]:
    start = time.perf_counter()
    texts = extract_files(files, workers=workers)
    return texts, len(files) / (time.perf_counter() - start)


def print_row(name: str, result: dict, docs_per_s: float) -> None:
    print(f"{name:<38} {result['f1']:>6.3f} {result['precision']:>6.3f} {result['recall']:>6.3f} "
          f"{result['accuracy']:>6.3f} {docs_per_s:>8.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bench", type=Path, default=DEFAULT_BENCH,
                        help=f"benchmark directory (default {DEFAULT_BENCH}, or $EXTRACTION_BENCH)")
    parser.add_argument("--scorer", type=Path, help="score_extraction.py (default: next to the benchmark directory)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="processes for the parallel run")
    parser.add_argument("--repeat", type=int, default=3, help="passes per method; the fastest is reported")
    args = parser.parse_args()

    if not (args.bench / "ground-truth.json").is_file():
        sys.exit(f"no ground-truth.json in {args.bench} (give the benchmark directory with --bench)")
    scorer = load_scorer(args.scorer or args.bench.parent / "score_extraction.py")
    truth = scorer.load_truth(args.bench)
    files = find_html_files([args.bench / "html"])
    pages = {file_id(path): gzip.decompress(path.read_bytes()).decode("utf-8") for path in files}
    print(f"{len(pages)} pages, trafilatura {trafilatura.__version__}\n")
    print(f"{'method':<38} {'F1':>6} {'P':>6} {'R':>6} {'acc':>6} {'docs/s':>8}  (CPU time; extract_files: wall)")

    methods = {"ours (extract_main_text)": extract_main_text}
    methods.update({name: (lambda html, settings=settings: trafilatura.extract(html, **settings))
                    for name, settings in TRAFILATURA_SETTINGS.items()})
    for name, (texts, speed) in compare_speed(methods, pages, repeat=args.repeat).items():
        print_row(name, scorer.score(truth, texts, 4), speed)

    for workers in sorted({1, args.workers}):
        texts, speed = timed_extract_files(files, workers=workers)
        print_row(f"ours, extract_files, {workers} worker{'s' if workers > 1 else ''}",
                  scorer.score(truth, texts, 4), speed)


if __name__ == "__main__":
    main()
