"""The part of enrichment that reads words, not vectors: entities, people, figures and quotes.

It needs nothing the embedding model computes, so it can run in a process of its own while the embedding
model works on the same batch. On two cores that is the difference between the two halves taking turns and
running side by side: spaCy's recogniser and the embedding model each take about half of the time.
"""
from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from advocacy.article import Entity, Figure, Quote
from advocacy.nlp.entities import EntityFinder, load_gazetteer
from advocacy.nlp.figures import find_figures
from advocacy.nlp.people import PeopleFinder, folded_aliases
from advocacy.nlp.quotes import find_quotes


@dataclass
class TextFindings:
    entities: list[Entity]
    figures: list[Figure]
    quotes: list[Quote]


@dataclass(frozen=True)
class TextItem:
    """What the analysis reads of an article: names are looked for in the title too, while figures and quotes
    keep offsets into the text alone, where briefs verify them verbatim."""
    title: str
    text: str
    language: str


class TextAnalysis:
    """Entities (gazetteer, then spaCy for people and what the gazetteer lacks), figures and quotes."""

    def __init__(self, *, gazetteer_file: Path | None = None, find_people: bool = True):
        gazetteer = load_gazetteer(gazetteer_file)
        self.entities = EntityFinder(gazetteer)
        # Names the gazetteer knows are left to the gazetteer.
        self.people = PeopleFinder(known_names=folded_aliases(gazetteer)) if find_people else None

    def analyse(self, items: list[TextItem]) -> list[TextFindings]:
        texts = [f"{item.title}\n\n{item.text}" for item in items]
        people = (self.people.find_many(texts, languages=[item.language for item in items]) if self.people
                  else [[] for _ in items])
        findings = []
        for item, text, found_people in zip(items, texts, people):
            entities = self.entities.find(text)
            known = {entity.id for entity in entities}
            findings.append(TextFindings(
                entities=entities + [entity for entity in found_people if entity.id not in known],
                figures=find_figures(item.text, language=item.language),
                quotes=find_quotes(item.text, language=item.language)))
        return findings


def default_workers() -> int:
    """One analysis process beside the embedding model when there is a second core to run it on."""
    return 1 if (os.cpu_count() or 1) >= 2 else 0


class AnalysisRunner:
    """Runs :class:`TextAnalysis` in this process (``workers`` = 0) or in a worker process, returning a future
    either way so that the caller can embed while it waits.

    The worker loads its models once and lives as long as the runner; it is started with forkserver, not fork,
    since forking a process that holds the embedding model's threads can deadlock the child.
    """

    def __init__(self, *, gazetteer_file: Path | None = None, find_people: bool = True, workers: int = 0):
        self.workers = max(0, int(workers))
        load_gazetteer(gazetteer_file)  # a broken file fails here, not at the first article in a worker
        self._options = {"gazetteer_file": gazetteer_file, "find_people": find_people}
        self._local: TextAnalysis | None = None
        self._pool: ProcessPoolExecutor | None = None

    @property
    def local(self) -> TextAnalysis:
        """The in-process analysis (also what the tests and the single-process mode use)."""
        if self._local is None:
            self._local = TextAnalysis(**self._options)
        return self._local

    def submit(self, items: list[TextItem]) -> Future:
        if not self.workers or not items:
            future: Future = Future()
            try:
                future.set_result(self.local.analyse(items))
            except Exception as exc:  # handed to the caller at result(), as a worker's error would be
                future.set_exception(exc)
            return future
        if self._pool is None:
            context = multiprocessing.get_context("forkserver")
            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=context, initializer=_start_worker,
                                             initargs=(self._options,))
        return self._pool.submit(_analyse_in_worker, items)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass


_worker_analysis: TextAnalysis | None = None


def _start_worker(options: dict) -> None:
    global _worker_analysis
    _worker_analysis = TextAnalysis(**options)


def _analyse_in_worker(items: list[TextItem]) -> list[TextFindings]:
    return _worker_analysis.analyse(items)
