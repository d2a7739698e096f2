"""Main text of saved HTML pages, in bulk: a directory of downloaded pages, a benchmark, an export.

Pages may be gzip-compressed (``.html.gz``). One unreadable page must not cost the other thousands, so
it yields "" and the run goes on.
"""
from __future__ import annotations

import gzip
import logging
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Callable, Iterable

from advocacy.crawler.main_text import extract_main_text

LOGGER = logging.getLogger(__name__)

HTML_SUFFIXES = (".html", ".htm", ".html.gz", ".htm.gz")


def _is_html_file(path: Path) -> bool:
    return path.is_file() and path.name.lower().endswith(HTML_SUFFIXES)


def find_html_files(paths: list[Path]) -> list[Path]:
    """HTML files among ``paths`` and, recursively, inside the directories among them; sorted, each once.

    Raises FileNotFoundError for a path that does not exist, and ValueError for a named file that is not
    an HTML page, rather than silently extracting less than was asked for."""
    found: set[Path] = set()
    for path in map(Path, paths):
        if not path.exists():
            raise FileNotFoundError(f"no such file or directory: {path}")
        if path.is_dir():
            found.update(child for child in path.rglob("*") if _is_html_file(child))
        elif _is_html_file(path):
            found.add(path)
        else:
            raise ValueError(f"not an HTML page (expected {', '.join(HTML_SUFFIXES)}): {path}")
    return sorted(found)


def file_id(path: Path) -> str:
    """The file's name without its extensions: "abc.html.gz" -> "abc"."""
    name = Path(path).name
    for suffix in (".gz", ".html", ".htm"):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
    return name


def _read_page(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.name.lower().endswith(".gz") else data


def _text_of_file(path: Path) -> str:
    try:
        return extract_main_text(_read_page(path))
    except Exception as error:  # noqa: BLE001 -- any page may be broken in any way; the run goes on
        LOGGER.warning("no text from %s: %s", path, error)
        return ""


def _unique_ids(files: Iterable[Path]) -> list[str]:
    ids = [file_id(path) for path in files]
    clashes = sorted({identifier for identifier in ids if ids.count(identifier) > 1})
    if clashes:
        raise ValueError(f"several files share the id {', '.join(clashes[:5])}; results are keyed by id")
    return ids


def extract_files(paths: list[Path], *, workers: int = 1,
                  progress: Callable[[int, int], None] | None = None) -> dict[str, str]:
    """{file id: main text} for the HTML files in ``paths`` (see find_html_files). ``workers`` > 1 spreads
    the pages over that many processes; ``progress(done, total)`` is called after each page."""
    files = find_html_files(paths)
    ids = _unique_ids(files)
    total = len(files)
    if workers > 1 and total > 1:
        workers = min(workers, total, os.cpu_count() or 1)
    if workers <= 1 or total <= 1:
        texts = _texts_one_by_one(files, progress=progress)
    else:
        texts = _texts_in_parallel(files, workers=workers, progress=progress)
    return dict(zip(ids, texts))


def _texts_one_by_one(files: list[Path], *, progress) -> list[str]:
    texts = []
    for done, path in enumerate(files, start=1):
        texts.append(_text_of_file(path))
        if progress:
            progress(done, len(files))
    return texts


def _texts_in_parallel(files: list[Path], *, workers: int, progress) -> list[str]:
    # Pages take a few milliseconds each: handing them over in chunks keeps the processes busy extracting
    # rather than exchanging messages, while small enough chunks still share the work out evenly.
    chunksize = max(1, min(32, len(files) // (workers * 8)))
    texts = []
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for done, text in enumerate(pool.map(_text_of_file, files, chunksize=chunksize), start=1):
            texts.append(text)
            if progress:
                progress(done, len(files))
    return texts
