"""Enrichment throughput on ~800-word articles in English, French and Arabic.

    .venv/bin/python benchmarks/enrich.py [--articles 200] [--batch 32] [--repeat 1] [--seed 7]
                                          [--precision auto|float32|bfloat16] [--max-tokens N]
                                          [--workers N] [--threads N] [--no-people]

The articles are assembled at run time from the demo site's texts (advocacy/demo/site/*/*.md): each one
takes the title of a demo article and about 800 words of sentences drawn from the demo articles of the same
language, regrouped into paragraphs of three to five sentences, with every number replaced. Sentences
are drawn, not whole paragraphs, so that no two passages are alike and a cache keyed on passage text
cannot make the figures look better than a real crawl would.

The enricher runs as ``advocacy enrich`` runs it (advocacy/pipeline.py run_enrich): 32 articles per call.
Models load and one warm-up batch runs before the clock starts; the load time is printed apart. The step
breakdown wraps the enricher's parts, so it shows the time the calling thread spent in each of them; with
the analysis (entities, people, figures, quotes) in a worker process, its line is the wait for the worker's
answer. Peak RSS is this process's high-water mark, and that of its worker processes when there are any.

Options that change the enricher's settings (``--precision``, ``--max-tokens``, ``--workers``, ``--threads``,
``--no-people``) pass straight to it, so the same script measures before and after each lever.
"""
from __future__ import annotations

import argparse
import inspect
import os
import random
import re
import resource
import sys
import time
import tomllib
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SITE = REPO / "advocacy" / "demo" / "site"
TARGET_ARTICLES_PER_S = 20.0
WORDS_PER_ARTICLE = 800
# Roughly the mix of the monitored outlets: French and English dominate, Arabic is a strong minority.
LANGUAGE_MIX = (("en", 0.4), ("fr", 0.4), ("ar", 0.2))
_SENTENCE_END = re.compile(r"(?<=[.!?؟])\s+")
_NUMBER = re.compile(r"\d+")


def load_corpus() -> dict[str, dict[str, list[str]]]:
    """{language: {"titles": [...], "sentences": [...]}} from the demo site's markdown files."""
    outlets = tomllib.loads((SITE / "outlets.toml").read_text(encoding="utf-8"))["outlet"]
    language_of = {outlet["key"]: outlet["language"] for outlet in outlets}
    corpus: dict[str, dict[str, list[str]]] = defaultdict(lambda: {"titles": [], "sentences": []})
    for path in sorted(SITE.glob("*/*.md")):
        language = language_of.get(path.parent.name)
        if language is None:
            continue
        _, header, body = path.read_text(encoding="utf-8").split("+++", 2)
        corpus[language]["titles"].append(tomllib.loads(header)["title"])
        for paragraph in re.split(r"\n\s*\n", body):
            corpus[language]["sentences"].extend(s.strip() for s in _SENTENCE_END.split(paragraph.strip())
                                                 if len(s.strip()) > 20)
    if not corpus:
        sys.exit(f"no demo texts under {SITE}")
    return dict(corpus)


def make_articles(count: int, *, seed: int):
    from advocacy.article import Article

    corpus = load_corpus()
    rng = random.Random(seed)
    languages = [language for language, _ in LANGUAGE_MIX if language in corpus]
    weights = [weight for language, weight in LANGUAGE_MIX if language in corpus]
    articles = []
    for number in range(count):
        language = rng.choices(languages, weights)[0]
        pool = corpus[language]
        paragraphs, words = [], 0
        while words < WORDS_PER_ARTICLE:
            sentences = [_NUMBER.sub(lambda m: str(rng.randint(2, 9999)), rng.choice(pool["sentences"]))
                         for _ in range(rng.randint(3, 5))]
            paragraphs.append(" ".join(sentences))
            words += sum(len(s.split()) for s in sentences)
        # Leaving the language empty makes the enricher detect it, as it does for crawled articles.
        articles.append(Article(id=f"bench-{number:05d}", url=f"https://bench.test/{number}", outlet="bench",
                                title=rng.choice(pool["titles"]), text="\n\n".join(paragraphs)))
    return articles


def peak_rss_mb() -> tuple[float, float]:
    """(this process, its finished and waited-for children) high-water marks in MB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def live_children_rss_mb() -> float:
    """Peak (VmHWM) of the live descendant processes, summed: an analysis worker started by forkserver is a
    grandchild of this process."""
    total, pending, seen = 0.0, [os.getpid()], set()
    while pending:
        pid = pending.pop()
        try:
            tasks = list(Path(f"/proc/{pid}/task").iterdir())
        except OSError:
            continue
        for task in tasks:
            try:
                children = [int(child) for child in (task / "children").read_text().split()]
            except OSError:
                continue
            for child in children:
                if child in seen:
                    continue
                seen.add(child)
                pending.append(child)
                try:
                    match = re.search(r"VmHWM:\s+(\d+) kB", Path(f"/proc/{child}/status").read_text())
                except OSError:
                    continue
                if match:
                    total += int(match.group(1)) / 1024
    return total


class StepTimer:
    """Wraps callables so that the time spent in each is added to a named step."""

    def __init__(self):
        self.seconds: dict[str, float] = defaultdict(float)
        self.enabled = False

    def wrap(self, owner, attribute: str, step: str, *, module_global: bool = False):
        original = getattr(owner, attribute)

        def timed(*args, **kwargs):
            if not self.enabled:
                return original(*args, **kwargs)
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[step] += time.perf_counter() - start

        setattr(owner, attribute, timed)


def build_enricher(options):
    """The enricher ``advocacy enrich`` builds from the built-in configuration (``ADVOCACY_NLP_*`` variables
    apply), with this script's options on top."""
    from advocacy.config import load_settings
    from advocacy.nlp import Enricher

    overrides = {"precision": options.precision, "max_tokens": options.max_tokens, "workers": options.workers,
                 "threads": options.threads, "find_people": False if options.no_people else None}
    nlp = load_settings(environ={k: v for k, v in os.environ.items() if k.startswith("ADVOCACY_NLP_")}).table["nlp"]
    for name, value in overrides.items():
        if value is not None:
            nlp[name] = value
    accepted = inspect.signature(Enricher.__init__).parameters
    return Enricher(**{name: value for name, value in nlp.items() if name in accepted and not name.endswith("_file")})


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--batch", type=int, default=32, help="articles per enrich() call, as in run_enrich")
    parser.add_argument("--repeat", type=int, default=1, help="timed passes; the fastest counts")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--precision", choices=("float32", "bfloat16", "auto"), default=None,
                        help="embedding arithmetic (default: the configured one, [nlp] precision)")
    parser.add_argument("--max-tokens", type=int, default=None,
                        help="tokens of a passage the model reads; 0 = the model's limit (default: [nlp] max_tokens)")
    parser.add_argument("--workers", type=int, default=None,
                        help="analysis processes beside the embedding model; 0 = none, -1 = one if 2+ cores (default: [nlp] workers)")
    parser.add_argument("--threads", type=int, default=None, help="embedding model threads; 0 = automatic (default: [nlp] threads)")
    parser.add_argument("--no-people", action="store_true", help="skip spaCy people extraction")
    options = parser.parse_args(argv)

    import numpy as np

    articles = make_articles(options.articles, seed=options.seed)
    warmup = make_articles(options.batch, seed=options.seed + 1000)
    words = sum(len(a.text.split()) for a in articles) / len(articles)
    by_language = defaultdict(int)
    for article in articles:
        by_language[article.language or "?"] += 1

    start = time.perf_counter()
    enricher = build_enricher(options)
    import advocacy.nlp as nlp_module

    timer = StepTimer()
    timer.wrap(enricher.encoder, "encode", "embedding")
    timer.wrap(enricher.tagger, "tag", "tagging")
    timer.wrap(nlp_module, "detect_language", "language")
    timer.wrap(nlp_module, "split_passages", "passages")
    analysis = enricher.analysis
    if analysis.workers:
        # The analysis runs in a worker process; what this process spends on it is the wait for its answer.
        submit = analysis.submit

        def timed_submit(items):
            future = submit(items)
            wait = future.result

            def result(*args, **kwargs):
                started = time.perf_counter()
                try:
                    return wait(*args, **kwargs)
                finally:
                    if timer.enabled:
                        timer.seconds["waiting for analysis"] += time.perf_counter() - started

            future.result = result
            return future

        analysis.submit = timed_submit
    else:
        import advocacy.nlp.analysis as analysis_module

        timer.wrap(analysis.local.entities, "find", "gazetteer")
        if analysis.local.people is not None:
            timer.wrap(analysis.local.people, "find_many", "people")
        timer.wrap(analysis_module, "find_figures", "figures/quotes")
        timer.wrap(analysis_module, "find_quotes", "figures/quotes")
    # Loading happens on first use: one warm-up batch loads every model and fills the caches of the
    # taxonomy's description vectors, which a long-running enrich pays once.
    enricher.enrich([a for a in warmup])
    load_seconds = time.perf_counter() - start

    import torch

    print(f"{len(articles)} articles, {words:.0f} words each on average; languages: "
          f"{', '.join(f'{k} {v}' for k, v in sorted(by_language.items()))}")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; batch of {options.batch} articles; "
          f"settings: {', '.join(f'{k}={v}' for k, v in vars(options).items())}")
    print(f"models loaded and warm-up batch done in {load_seconds:.1f} s")

    best = None
    for attempt in range(max(1, options.repeat)):
        # A new draw each pass: the same articles again would come from the passage cache.
        fresh = make_articles(options.articles, seed=options.seed + attempt)
        timer.seconds.clear()
        timer.enabled = True
        passages = 0
        cpu_start, wall_start = time.process_time(), time.perf_counter()
        for offset in range(0, len(fresh), options.batch):
            for _, vectors in enricher.enrich(fresh[offset:offset + options.batch]):
                passages += len(vectors)
        wall = time.perf_counter() - wall_start
        cpu = time.process_time() - cpu_start
        timer.enabled = False
        print(f"pass {attempt + 1}: {len(fresh) / wall:.1f} articles/s, {passages / wall:.0f} passages/s "
              f"({wall:.2f} s wall, {cpu:.2f} s CPU in this process)")
        if best is None or wall < best[0]:
            best = (wall, passages, dict(timer.seconds), fresh)

    wall, passages, steps, enriched = best
    rate = len(enriched) / wall
    print(f"\narticles/s: {rate:.1f}   (target {TARGET_ARTICLES_PER_S:.0f}: "
          f"{'met' if rate >= TARGET_ARTICLES_PER_S else 'missed'})")
    print(f"passages/s: {passages / wall:.0f}   ({passages / len(enriched):.1f} passages per article)")
    print("step breakdown (seconds in the calling thread, share of wall time):")
    accounted = 0.0
    for step in ("language", "passages", "embedding", "tagging", "gazetteer", "people", "figures/quotes",
                 "waiting for analysis"):
        if step in steps:
            accounted += steps[step]
            print(f"  {step:<21}{steps[step]:>7.2f} s  {steps[step] / wall:>5.0%}")
    print(f"  {'other':<21}{wall - accounted:>7.2f} s  {(wall - accounted) / wall:>5.0%}")
    own, children = peak_rss_mb()
    workers = live_children_rss_mb()
    print(f"peak RSS: {own:.0f} MB in this process"
          + (f", {max(children, workers):.0f} MB in worker processes" if max(children, workers) else ""))
    themes = sum(len(a.themes) for a in enriched) / len(enriched)
    people = sum(sum(1 for e in a.entities if e.type == "person") for a in enriched) / len(enriched)
    print(f"per article: {themes:.2f} themes, {people:.2f} people, "
          f"{np.mean([len(a.quotes) for a in enriched]):.2f} quotes, "
          f"{np.mean([len(a.figures) for a in enriched]):.2f} figures")


if __name__ == "__main__":
    main()
