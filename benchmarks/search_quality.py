"""Search quality on the demo corpus: nDCG@k, recall@k and MRR of the keyword, semantic and hybrid modes,
against graded relevance judgments. Run after `advocacy --data-dir DIR demo`.

    python benchmarks/search_quality.py DIR [--judgments FILE] [--k 10] [--json] [--per-query]
    python benchmarks/search_quality.py --self-test

The judgments (benchmarks/search_judgments.jsonl by default) hold one query a line:

    {"id": "q01", "language": "en", "query": "...", "intent": "...", "judgments": {"<canonical URL>": 2}}

A grade of 2 means the article answers the intent, 1 that it partly does; an article that is not listed is
not relevant. Queries are written as staff type them, in English, French and Arabic, and relevant articles
are judged in every language, so a query also measures how well a mode crosses languages.

Syndicated copies: the crawler keeps one of an article and its syndicated copy and records the other as a
duplicate, and which one it keeps depends on the order pages arrive in. The judgments name the original
only; hits on a copy the demo web declares (``syndicated_from``) are counted as hits on its original.

Metrics, per query, then averaged over the queries of a language and over all of them:

* nDCG@k: gains 2^grade - 1, discount log2(rank + 1), normalised by the DCG of the ideal ranking of the
  judged articles (so an article the index lacks still counts against every mode);
* recall@k: the share of judged articles (grade 1 or 2) in the first k results;
* MRR: 1 / rank of the first judged article in the first k results, 0 when there is none.

Hits are compared by canonical URL (copies mapped to their original); a URL repeated in one result list counts once, at its first rank.
A query on which a mode raises scores 0 for that mode and is reported; the exit status is then 1.
"""
from __future__ import annotations

import argparse
import inspect
import json
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path

MODES = ("keyword", "semantic", "hybrid")
LANGUAGES = ("en", "fr", "ar")
GRADES = (1, 2)
DEFAULT_JUDGMENTS = Path(__file__).resolve().parent / "search_judgments.jsonl"


# ---------------------------------------------------------------------------------------------------------
# Judgments


@dataclass
class Query:
    id: str
    language: str
    query: str
    intent: str
    judgments: dict[str, int]


def load_judgments(path: Path) -> list[Query]:
    """Read and check the judgments file; raises ValueError naming the line at fault."""
    queries: list[Query] = []
    seen: set[str] = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{where}: not JSON ({exc})") from None
        missing = [key for key in ("id", "language", "query", "intent", "judgments") if key not in row]
        if missing:
            raise ValueError(f"{where}: missing {', '.join(missing)}")
        if row["id"] in seen:
            raise ValueError(f"{where}: duplicate id {row['id']!r}")
        seen.add(row["id"])
        if row["language"] not in LANGUAGES:
            raise ValueError(f"{where}: language {row['language']!r} is not one of {', '.join(LANGUAGES)}")
        judgments = row["judgments"]
        if not isinstance(judgments, dict) or not judgments:
            raise ValueError(f"{where}: judgments must be a non-empty object of URL -> grade")
        bad = {url: grade for url, grade in judgments.items() if grade not in GRADES or isinstance(grade, bool)}
        if bad:
            raise ValueError(f"{where}: grades must be 1 or 2, got {bad}")
        if 2 not in judgments.values():
            raise ValueError(f"{where}: query {row['id']} has no article graded 2")
        queries.append(Query(row["id"], row["language"], row["query"], row["intent"], dict(judgments)))
    if not queries:
        raise ValueError(f"{path}: no queries")
    return queries


# ---------------------------------------------------------------------------------------------------------
# Metrics


def unique_urls(urls: list[str], k: int) -> list[str]:
    """The first k distinct URLs, in rank order."""
    ranked: list[str] = []
    for url in urls:
        if url not in ranked:
            ranked.append(url)
            if len(ranked) == k:
                break
    return ranked


def dcg(grades: list[int]) -> float:
    return sum((2 ** grade - 1) / math.log2(rank + 1) for rank, grade in enumerate(grades, 1))


def ndcg_at_k(ranked: list[str], judgments: dict[str, int], k: int) -> float:
    ranked = unique_urls(ranked, k)
    ideal = dcg(sorted(judgments.values(), reverse=True)[:k])
    if ideal == 0:
        return 0.0
    return dcg([judgments.get(url, 0) for url in ranked]) / ideal


def recall_at_k(ranked: list[str], judgments: dict[str, int], k: int) -> float:
    relevant = {url for url, grade in judgments.items() if grade > 0}
    if not relevant:
        return 0.0
    return len(relevant.intersection(unique_urls(ranked, k))) / len(relevant)


def reciprocal_rank(ranked: list[str], judgments: dict[str, int], k: int) -> float:
    for rank, url in enumerate(unique_urls(ranked, k), 1):
        if judgments.get(url, 0) > 0:
            return 1.0 / rank
    return 0.0


@dataclass
class Scores:
    ndcg: float = 0.0
    recall: float = 0.0
    rr: float = 0.0


def score(ranked: list[str], judgments: dict[str, int], k: int) -> Scores:
    return Scores(ndcg_at_k(ranked, judgments, k), recall_at_k(ranked, judgments, k),
                  reciprocal_rank(ranked, judgments, k))


def mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def demo_aliases() -> dict[str, str]:
    """Syndicated copy URL -> original URL, as the demo web declares them (empty without the demo web)."""
    try:
        from advocacy.demo.web import DemoWeb
    except ImportError:
        return {}
    with DemoWeb(virtual_hosts=True) as web:
        pages = web.expected_articles()
    by_key = {f"{page.outlet}/{page.slug}": page.url for page in pages}
    return {page.url: by_key[page.syndicated_from] for page in pages
            if page.syndicated_from and page.syndicated_from in by_key}


def canonical_judgments(queries: list[Query], aliases: dict[str, str]) -> None:
    """Judge a copy through its original (keeping the higher grade when both are listed)."""
    for q in queries:
        merged: dict[str, int] = {}
        for url, grade in q.judgments.items():
            url = aliases.get(url, url)
            merged[url] = max(grade, merged.get(url, 0))
        q.judgments = merged


# ---------------------------------------------------------------------------------------------------------
# Self-test


def self_test() -> None:
    """Check the metrics on small rankings computed by hand."""
    judgments = {"a": 2, "b": 1, "c": 1}
    # Ranking b, x, a at k=3:
    #   DCG  = (2^1-1)/log2(2) + 0 + (2^2-1)/log2(4)            = 1 + 0 + 1.5               = 2.5
    #   IDCG = (2^2-1)/log2(2) + (2^1-1)/log2(3) + (2^1-1)/log2(4) = 3 + 0.6309298 + 0.5      = 4.1309298
    #   nDCG = 2.5 / 4.1309298 = 0.6051902; recall = 2/3; reciprocal rank = 1 (b, at rank 1, is relevant)
    got = score(["b", "x", "a"], judgments, 3)
    assert math.isclose(got.ndcg, 0.6051902, abs_tol=1e-6), got
    assert math.isclose(got.recall, 2 / 3), got
    assert got.rr == 1.0, got
    # The same ranking cut at k=2: DCG = 1, IDCG = 3 + 0.6309298 = 3.6309298, nDCG = 0.2754114.
    got = score(["b", "x", "a"], judgments, 2)
    assert math.isclose(got.ndcg, 0.2754114, abs_tol=1e-6), got
    assert math.isclose(got.recall, 1 / 3), got
    # The first relevant hit at rank 3: reciprocal rank 1/3; DCG = 3/log2(4) = 1.5, nDCG = 1.5/4.1309298.
    got = score(["x", "y", "a", "b"], judgments, 3)
    assert math.isclose(got.rr, 1 / 3), got
    assert math.isclose(got.ndcg, 1.5 / 4.1309298, abs_tol=1e-6), got
    # The ideal ranking scores 1; a repeated URL counts once, at its first rank; nothing found scores 0.
    assert math.isclose(ndcg_at_k(["a", "b", "c"], judgments, 10), 1.0)
    assert math.isclose(ndcg_at_k(["a", "a", "b", "c"], judgments, 3), 1.0)
    assert score([], judgments, 10) == Scores(0.0, 0.0, 0.0)
    assert score(["x", "y"], judgments, 10) == Scores(0.0, 0.0, 0.0)
    # A grade-1 article first is worth less than the grade-2 one first.
    assert ndcg_at_k(["b", "a"], judgments, 10) < ndcg_at_k(["a", "b"], judgments, 10)
    # A judged copy is merged into its original, keeping the higher grade.
    queries = [Query("t", "en", "q", "i", {"copy": 2, "orig": 1, "other": 1})]
    canonical_judgments(queries, {"copy": "orig"})
    assert queries[0].judgments == {"orig": 2, "other": 1}, queries[0].judgments
    # The shipped judgments load and satisfy their own rules.
    if DEFAULT_JUDGMENTS.exists():
        queries = load_judgments(DEFAULT_JUDGMENTS)
        assert {q.language for q in queries} == set(LANGUAGES)
    print("self-test passed")


# ---------------------------------------------------------------------------------------------------------
# Running the searches


def _fail(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)
    sys.exit(2)


def open_settings(data_dir: Path):
    """Settings for DATA_DIR, or exit with a clear message when it holds no index."""
    from advocacy.config import load_settings

    if not data_dir.is_dir():
        _fail(f"{data_dir} does not exist; build the demo index first: advocacy --data-dir {data_dir} demo")
    settings = load_settings().with_data_dir(data_dir)
    url = settings.store_url
    hint = f"build it first: advocacy --data-dir {data_dir} demo"
    if url.startswith("sqlite:///"):
        # Opening an SQLite store creates the file: look before opening.
        path = Path(url[len("sqlite:///"):])
        if not path.is_file():
            _fail(f"{data_dir} has no search index ({path} is missing); {hint}")
    from advocacy.index import open_store

    store = open_store(url)
    try:
        count = store.count()
    finally:
        store.close()
    if count == 0:
        _fail(f"the search index of {data_dir} holds no articles; {hint}")
    return settings


def _searcher(settings, aliases: dict[str, str]):
    """A function (query, mode, k) -> list of hit URLs (copies mapped to their original), calling
    advocacy.pipeline.run_search."""
    try:
        from advocacy.pipeline import run_search
    except ImportError:
        _fail("advocacy.pipeline.run_search is not available in this version of Advocacy Monitor")
    extra = {}
    if "encoder" in inspect.signature(run_search).parameters:
        # One embedding model for every query rather than one per call.
        from advocacy.nlp import Encoder

        nlp = settings.table["nlp"]
        extra["encoder"] = Encoder(nlp["embedding_model"], device=nlp["device"], allow_download=nlp["allow_download"])

    def search(query: str, mode: str, k: int) -> list[str]:
        result = run_search(settings, query, mode=mode, limit=k, **extra)
        return [aliases.get(hit.url, hit.url) for hit in result.hits]

    return search


@dataclass
class ModeRun:
    per_query: dict[str, Scores] = field(default_factory=dict)
    hits: dict[str, list[str]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def evaluate(queries: list[Query], search, k: int, modes=MODES) -> dict[str, ModeRun]:
    runs = {mode: ModeRun() for mode in modes}
    for mode in modes:
        run = runs[mode]
        for q in queries:
            try:
                urls = search(q.query, mode, k)
            except Exception as exc:  # a failing query is a finding, not a reason to stop the benchmark
                run.errors[q.id] = f"{type(exc).__name__}: {exc}"
                urls = []
            run.hits[q.id] = unique_urls(urls, k)
            run.per_query[q.id] = score(urls, q.judgments, k)
    return runs


def summarise(queries: list[Query], runs: dict[str, ModeRun]) -> dict:
    groups = {language: [q.id for q in queries if q.language == language] for language in LANGUAGES}
    groups = {name: ids for name, ids in groups.items() if ids}
    groups["overall"] = [q.id for q in queries]
    summary = {}
    for mode, run in runs.items():
        summary[mode] = {}
        for name, ids in groups.items():
            scores = [run.per_query[i] for i in ids]
            summary[mode][name] = {"queries": len(ids), "ndcg": mean([s.ndcg for s in scores]),
                                   "recall": mean([s.recall for s in scores]), "mrr": mean([s.rr for s in scores])}
    return summary


def winner(summary: dict, group: str) -> str:
    """The mode with the best mean nDCG on ``group``; MRR, then recall, break ties."""
    return max(summary, key=lambda mode: (round(summary[mode][group]["ndcg"], 6), round(summary[mode][group]["mrr"], 6),
                                          round(summary[mode][group]["recall"], 6)))


# ---------------------------------------------------------------------------------------------------------
# Output


def print_report(queries, runs, summary, k, data_dir, judgments_path, per_query: bool) -> None:
    counts = {language: sum(q.language == language for q in queries) for language in LANGUAGES}
    judged = sum(len(q.judgments) for q in queries) / len(queries)
    print(f"Search quality at k={k}: {len(queries)} queries ("
          + ", ".join(f"{language} {n}" for language, n in counts.items() if n)
          + f"), {judged:.1f} judged articles per query on average")
    print(f"Index: {data_dir}   Judgments: {judgments_path}\n")
    header = f"{'language':<9}{'mode':<10}{'queries':>8}{f'nDCG@{k}':>10}{f'recall@{k}':>11}{'MRR':>8}   best"
    print(header)
    print("-" * len(header))
    groups = [name for name in (*LANGUAGES, "overall") if name in next(iter(summary.values()))]
    for name in groups:
        best = winner(summary, name)
        for mode in summary:
            row = summary[mode][name]
            mark = "  *" if mode == best else ""
            print(f"{name:<9}{mode:<10}{row['queries']:>8}{row['ndcg']:>10.3f}{row['recall']:>11.3f}{row['mrr']:>8.3f}{mark}")
        print()
    best = winner(summary, "overall")
    others = ", ".join(f"{mode} {summary[mode]['overall']['ndcg']:.3f}" for mode in summary if mode != best)
    print(f"Best mode overall: {best} (nDCG@{k} {summary[best]['overall']['ndcg']:.3f}"
          + (f"; {others}" if others else "") + ")")
    for mode, run in runs.items():
        for qid, message in run.errors.items():
            print(f"ERROR {mode} {qid}: {message}", file=sys.stderr)
    if per_query:
        print(f"\nPer query (nDCG@{k}):")
        print(f"{'id':<5}{'lang':<5}" + "".join(f"{mode:>10}" for mode in runs) + "  query")
        for q in queries:
            print(f"{q.id:<5}{q.language:<5}" + "".join(f"{runs[mode].per_query[q.id].ndcg:>10.3f}" for mode in runs)
                  + f"  {q.query}")


def json_report(queries, runs, summary, k, data_dir, judgments_path) -> dict:
    return {
        "k": k,
        "data_dir": str(data_dir),
        "judgments": str(judgments_path),
        "queries": {language: sum(q.language == language for q in queries) for language in LANGUAGES},
        "judged_per_query": sum(len(q.judgments) for q in queries) / len(queries),
        "summary": summary,
        "winner": winner(summary, "overall"),
        "winner_by_language": {language: winner(summary, language) for language in LANGUAGES
                               if language in next(iter(summary.values()))},
        "errors": {mode: run.errors for mode, run in runs.items() if run.errors},
        "per_query": [
            {"id": q.id, "language": q.language, "query": q.query,
             **{mode: {"ndcg": runs[mode].per_query[q.id].ndcg, "recall": runs[mode].per_query[q.id].recall,
                       "rr": runs[mode].per_query[q.id].rr, "hits": runs[mode].hits[q.id]} for mode in runs}}
            for q in queries],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data_dir", nargs="?", type=Path, help="a data directory indexed by `advocacy demo`")
    parser.add_argument("--judgments", type=Path, default=DEFAULT_JUDGMENTS, help="graded judgments (JSON lines)")
    parser.add_argument("--k", type=int, default=10, help="rank cut-off (default 10)")
    parser.add_argument("--mode", action="append", choices=MODES, help="evaluate only this mode (repeatable)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--per-query", action="store_true", help="also print every query's nDCG per mode")
    parser.add_argument("--self-test", action="store_true", help="check the metrics on hand-computed examples")
    args = parser.parse_args(argv)

    if args.self_test:
        self_test()
        return 0
    if args.data_dir is None:
        parser.error("DATA_DIR is required (or use --self-test)")
    if args.k < 1:
        parser.error("--k must be at least 1")
    try:
        queries = load_judgments(args.judgments)
    except (OSError, ValueError) as exc:
        _fail(str(exc))
    settings = open_settings(args.data_dir)
    aliases = demo_aliases()
    canonical_judgments(queries, aliases)
    modes = tuple(m for m in MODES if m in args.mode) if args.mode else MODES
    runs = evaluate(queries, _searcher(settings, aliases), args.k, modes)
    summary = summarise(queries, runs)
    if args.json:
        print(json.dumps(json_report(queries, runs, summary, args.k, args.data_dir, args.judgments),
                         ensure_ascii=False, indent=2))
    else:
        print_report(queries, runs, summary, args.k, args.data_dir, args.judgments, args.per_query)
    return 1 if any(run.errors for run in runs.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
