"""Latency of the REST API under load: concurrent API clients against `advocacy serve` on the demo data.

    .venv/bin/python benchmarks/web.py [--data-dir DIR] [--clients 50] [--seconds 60] [--workers 1] [--port 0]
                                       [--mode keyword]

Data (one of):
* ``--data-dir DIR``: an existing data directory with an ``index.db`` (``advocacy --data-dir DIR demo`` builds
  the demo one);
* nothing: the demo data, built first in a temporary directory (about 25 s).

What happens: a temporary viewer account and its API token are made in the data directory with the same code
as ``advocacy users add`` and ``advocacy tokens add`` (and removed at the end); ``advocacy serve`` is started
in a subprocess on 127.0.0.1 with the built-in settings (ADVOCACY_* variables are ignored, so the figures
compare across machines); once /healthz answers, calls of every kind warm the server up (not counted: a
route's first call imports what it needs, torch for similar articles), then ``--clients`` clients call the API
for ``--seconds`` seconds, each one as fast as its answers come (no pause between calls), through a mix of
what advocacy staff do: searches with the query language in English, French and Arabic, the articles those
searches return and the articles similar to them, the figures (attention over time, share of voice, outlets)
as JSON and CSV, the saved searches and the sources.

Printed: requests, throughput, p50/p95/p99/max latency overall and per kind of call, errors (any status
other than 2xx, or no answer) by cause, the verdict against the target, and the server's peak memory and
CPU time. Target: p95 < 300 ms and no error with 50 clients for 60 s on the demo data.

The clients run on the same machine as the server and share its CPUs; the load generator's own CPU time is
printed beside the server's so that a saturated generator can be told from a slow server.
"""
from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict, deque
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from demo_data import article_count, build_demo

TARGET_P95_MS = 300.0
READY_TIMEOUT = 90.0          # seconds for the server to answer /healthz (imports and the accounts database)
REQUEST_TIMEOUT = 30.0        # an answer later than this counts as an error, not as a latency
STOP_TIMEOUT = 15.0           # seconds a graceful shutdown may take before the server is terminated
STARTED = re.compile(r"Uvicorn running on http://[^\s]+:(\d+)")

# (kind, weight in %): what a team's staff and their spreadsheets ask most. Searching and reading dominate;
# figures come next; the lists of saved searches and sources are looked at now and then.
MIX = (("search", 35), ("article", 20), ("similar", 10), ("stats json", 15), ("stats csv", 5),
       ("saved searches", 8), ("sources", 7))

# Queries in the three languages of the demo outlets, with the fields and operators the query language has.
QUERIES = (
    "refugees health",
    "theme:health AND (refugees OR migrants)",
    "entity:UNHCR after:2021-01-01",
    '"free consultations"',
    "migrant* -Nador",
    "theme:education lang:en",
    "santé réfugiés lang:fr",
    "theme:health lang:fr entity:UNHCR after:2021-01-01",
    "expulsions OR expulsées theme:housing",
    "«consultations gratuites»",
    "migrants NOT Oujda lang:fr",
    "اللاجئين",
    "المهاجرين lang:ar",
    "theme:education lang:ar",
    "entity:UNHCR lang:ar after:2022-01",
)
# Extra search parameters a page or a spreadsheet adds: filters as parameters, a second page, no facets.
SEARCH_EXTRAS = ((), (("lang", "fr"),), (("theme", "health"), ("since", "2021-01-01")), (("offset", "10"),),
                 (("limit", "25"), ("facets", "false")), (("country", "MA"),))
STATS = (("attention", (("by", "week"),)), ("attention", (("by", "month"),)), ("share-of-voice", ()),
         ("outlets", ()))
STATS_QUERIES = ("", "entity:UNHCR", "theme:health", "lang:fr", "theme:housing AND (Oujda OR Rabat)")


@dataclass(frozen=True)
class Call:
    kind: str
    path: str
    params: tuple[tuple[str, str], ...] = ()


@dataclass
class Tally:
    """What the clients saw: latencies per kind of call (answered calls), and errors by cause and by kind."""
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter = field(default_factory=Counter)
    errors_by_kind: Counter = field(default_factory=Counter)
    requests: int = 0

    def answered(self, kind: str, seconds: float, status: int) -> None:
        self.requests += 1
        self.latencies[kind].append(seconds)
        if not 200 <= status < 300:
            self.errors[f"status {status}"] += 1
            self.errors_by_kind[kind] += 1

    def failed(self, kind: str, cause: str) -> None:
        self.requests += 1
        self.errors[cause] += 1
        self.errors_by_kind[kind] += 1


def percentile(values: list[float], p: float) -> float:
    """The nearest-rank percentile of sorted ``values``."""
    rank = max(1, math.ceil(p / 100 * len(values)))
    return values[rank - 1]


def package_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "?"


# -- data and account --------------------------------------------------------------------------------------


def benchmark_settings(directory: Path):
    from advocacy.config import load_settings

    # The server is started with the same built-in settings (see server_environment), so the account made
    # here lands in the accounts database it reads.
    return load_settings(environ={}).with_data_dir(directory)


def save_demo_searches(directory: Path) -> None:
    """A few saved searches, so that listing them returns what a team would have (temporary demo only)."""
    from advocacy.alerts import add_alert

    settings = benchmark_settings(directory)
    for name, query in (("health-oujda", "theme:health AND (Oujda OR Wajda)"), ("unhcr-fr", "entity:UNHCR lang:fr"),
                        ("housing-evictions", "theme:housing AND (evictions OR expulsions)")):
        add_alert(settings, name, query)


@contextmanager
def temporary_account(directory: Path):
    """A viewer and an API token made as `advocacy users add` and `advocacy tokens add` make them; yields the
    token. A viewer is all the calls need, and unlike the only admin it can always be removed afterwards."""
    from advocacy.web.accounts import Accounts

    accounts = Accounts.from_settings(benchmark_settings(directory))
    username = f"web-benchmark-{secrets.token_hex(4)}"
    accounts.add_user(username, secrets.token_urlsafe(24), role="viewer", display_name="web benchmark")
    try:
        secret, _ = accounts.add_token(username, "benchmarks/web.py")
        yield secret
    finally:
        accounts.remove_user(username)      # its token goes with it


# -- server ------------------------------------------------------------------------------------------------

def server_environment(directory: Path) -> dict[str, str]:
    environment = {name: value for name, value in os.environ.items() if not name.startswith("ADVOCACY_")}
    demo_sources = directory / "demo-sources.toml"
    if demo_sources.is_file():
        # The demo's outlets, whose feeds its crawl polled: /api/sources then shows their history.
        environment["ADVOCACY_SOURCES_FILE"] = str(demo_sources)
    return environment


class Server:
    """`advocacy serve` in a subprocess on 127.0.0.1, its output in a log file."""

    def __init__(self, directory: Path, *, port: int, workers: int, log_path: Path):
        self.directory, self.requested_port, self.workers, self.log_path = directory, port, workers, log_path
        self.process: subprocess.Popen | None = None
        self.port = 0

    def start(self) -> None:
        command = [sys.executable, "-m", "advocacy.cli", "--data-dir", str(self.directory), "serve",
                   "--host", "127.0.0.1", "--port", str(self.requested_port), "--workers", str(self.workers)]
        with open(self.log_path, "wb") as log:
            # A session of its own: Ctrl+C in the terminal reaches only the benchmark, which then stops the
            # server itself, after the clients are closed.
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                            env=server_environment(self.directory), start_new_session=True)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def wait_ready(self) -> str:
        """Wait until /healthz answers; returns the version it reports. Port 0 is resolved from uvicorn's
        start-up line, which names the port it was given."""
        import httpx

        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server stopped (exit code {self.process.returncode}):\n{self.log_tail()}")
            if not self.port:
                found = STARTED.search(self.log_path.read_text(encoding="utf-8", errors="replace"))
                self.port = int(found.group(1)) if found else 0
            if self.port:
                try:
                    answer = httpx.get(f"{self.url}/healthz", timeout=2)
                    if answer.status_code == 200:
                        return answer.json()["version"]
                except httpx.HTTPError:
                    pass
            time.sleep(0.1)
        raise RuntimeError(f"the server did not answer /healthz within {READY_TIMEOUT:.0f} s:\n{self.log_tail()}")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def processes(self) -> list[int]:
        """The server's process and its descendants (uvicorn's workers), while they run."""
        found, waiting = [], [self.process.pid]
        while waiting:
            pid = waiting.pop()
            found.append(pid)
            for children in Path(f"/proc/{pid}/task").glob("*/children"):
                try:
                    waiting += [int(child) for child in children.read_text().split()]
                except OSError:
                    pass
        return found

    def peak_rss(self) -> int | None:
        """The peak resident memory in bytes (VmHWM) of the server's processes, added up (each one's own
        peak, so an upper bound of their peak together); None where /proc is missing."""
        total, seen = 0, False
        for pid in self.processes():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)
            if found:
                total, seen = total + int(found.group(1)) * 1024, True
        return total if seen else None

    def cpu_seconds(self) -> float | None:
        """CPU time (user + system) the server's processes have used so far; None where /proc is missing."""
        total, seen = 0.0, False
        for pid in self.processes():
            try:
                stat = Path(f"/proc/{pid}/stat").read_text()
            except OSError:
                continue
            # The fields after the command name, which may itself hold spaces and parentheses.
            fields = stat[stat.rindex(")") + 2:].split()
            total, seen = total + (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), True
        return total if seen else None

    def stop(self) -> str:
        """Stop as Ctrl+C would (uvicorn finishes the requests under way), forcefully only if it hangs."""
        if self.process is None or self.process.poll() is not None:
            return f"server had stopped already (exit code {self.process.returncode if self.process else '?'})"
        self.process.send_signal(signal.SIGINT)
        try:
            code = self.process.wait(timeout=STOP_TIMEOUT)
            return f"server stopped cleanly (exit code {code})"
        except subprocess.TimeoutExpired:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            return f"server did not stop within {STOP_TIMEOUT:.0f} s of Ctrl+C and was terminated"


# -- clients -----------------------------------------------------------------------------------------------

def next_call(rng: random.Random, kind: str, ids: deque, mode: str) -> Call:
    if kind in ("article", "similar") and not ids:
        kind = "search"           # nothing read yet: search first, as a person would
    if kind == "search":
        return Call(kind, "/api/search", (("q", rng.choice(QUERIES)), ("mode", mode), *rng.choice(SEARCH_EXTRAS)))
    if kind == "article":
        return Call(kind, f"/api/articles/{rng.choice(ids)}")
    if kind == "similar":
        return Call(kind, f"/api/articles/{rng.choice(ids)}/similar", (("limit", "5"),))
    if kind in ("stats json", "stats csv"):
        report, extra = rng.choice(STATS)
        params = (("q", rng.choice(STATS_QUERIES)), *extra) + ((("format", "csv"),) if kind == "stats csv" else ())
        return Call(kind, f"/api/stats/{report}", params)
    if kind == "saved searches":
        return Call(kind, "/api/saved-searches")
    return Call(kind, "/api/sources")


async def perform(client, call: Call, ids: deque, tally: Tally) -> None:
    import httpx

    started = time.perf_counter()
    try:
        answer = await client.get(call.path, params=call.params)
    except httpx.TimeoutException:
        tally.failed(call.kind, "timeout")
        return
    except httpx.HTTPError as exc:
        tally.failed(call.kind, type(exc).__name__)
        return
    seconds = time.perf_counter() - started
    if call.kind == "search" and answer.status_code == 200:
        try:
            ids.extend(hit["id"] for hit in answer.json()["hits"])
        except (ValueError, KeyError, TypeError):
            tally.failed(call.kind, "unreadable search answer")
            return
    tally.answered(call.kind, seconds, answer.status_code)


def client_for(base_url: str, token: str):
    import httpx

    # One connection per client, kept alive, as one person's browser or one spreadsheet would use.
    return httpx.AsyncClient(base_url=base_url, headers={"Authorization": f"Bearer {token}"},
                             timeout=REQUEST_TIMEOUT, limits=httpx.Limits(max_connections=1))


async def warm_up(base_url: str, token: str, mode: str) -> tuple[list[str], int]:
    """Calls of every kind, uncounted: the server imports what a route needs on its first call (torch for
    similar articles takes a second or more, the embedding model in hybrid mode longer). Returns the problems
    met, which would make the measurement meaningless, and how many article ids the first search gave."""
    problems = []
    ids: deque = deque(maxlen=50)
    rng = random.Random(0)
    # Every article (an empty query matches all) gives ids for the articles' calls; a worded query makes
    # hybrid mode load its model.
    calls = [Call("search", "/api/search", (("q", ""), ("mode", mode), ("limit", "50"))),
             Call("search", "/api/search", (("q", QUERIES[0]), ("mode", mode)))]
    calls += [Call("stats json", f"/api/stats/{report}", extra) for report, extra in STATS]
    async with client_for(base_url, token) as client:
        for call in calls:
            tally = Tally()
            await perform(client, call, ids, tally)
            problems += [f"{call.kind} {call.path}: {cause}" for cause in tally.errors]
        found = len(ids)
        for kind, _ in MIX:
            call = next_call(rng, kind, ids, mode)
            tally = Tally()
            await perform(client, call, ids, tally)
            problems += [f"{call.kind} {call.path}: {cause}" for cause in tally.errors]
    return problems, found


async def one_client(number: int, base_url: str, token: str, mode: str, deadline: float, tally: Tally,
                     seed: int) -> None:
    rng = random.Random(seed * 1000 + number)
    kinds, weights = zip(*MIX)
    ids: deque = deque(maxlen=50)          # the articles this client's searches returned lately
    async with client_for(base_url, token) as client:
        while time.monotonic() < deadline:
            call = next_call(rng, rng.choices(kinds, weights)[0], ids, mode)
            await perform(client, call, ids, tally)


async def load(base_url: str, token: str, *, clients: int, seconds: float, mode: str, tally: Tally,
               seed: int) -> None:
    deadline = time.monotonic() + seconds
    tasks = [asyncio.create_task(one_client(n, base_url, token, mode, deadline, tally, seed)) for n in range(clients)]

    async def progress() -> None:
        started = time.monotonic()
        while True:
            await asyncio.sleep(10)
            print(f"  {time.monotonic() - started:4.0f} s: {tally.requests:,} requests, "
                  f"{sum(tally.errors.values()):,} errors", file=sys.stderr, flush=True)

    reporter = asyncio.create_task(progress())
    try:
        await asyncio.gather(*tasks)
    finally:
        reporter.cancel()


# -- report ------------------------------------------------------------------------------------------------

def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


def latency_line(values: list[float]) -> str:
    ordered = sorted(values)
    return (f"p50 {ms(percentile(ordered, 50))}  p95 {ms(percentile(ordered, 95))}  "
            f"p99 {ms(percentile(ordered, 99))}  max {ms(ordered[-1])}")


def report(*, label: str, articles: int, args, server_version: str, server: Server, mode: str, tally: Tally,
           elapsed: float, server_cpu: float | None, client_cpu: float, peak_rss: int | None,
           interrupted: bool) -> None:
    cpus = os.cpu_count() or 0
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cpus
    print(f"Advocacy Monitor web benchmark: {args.clients} clients for {args.seconds:g} s, each calling as soon as "
          f"its last answer came, against `advocacy serve` on {label} ({articles:,} articles)")
    workers = f"{args.workers} worker processes, " if args.workers > 1 else ""
    print(f"server   {server.url}, {workers}{cpus} CPUs ({usable} usable, shared with the load generator), "
          f"advocacy-monitor {server_version}, Python {sys.version.split()[0]}, uvicorn {package_version('uvicorn')}, "
          f"FastAPI {package_version('fastapi')}, Starlette {package_version('starlette')}; "
          f"clients: httpx {package_version('httpx')}")
    note = ("keyword, the words only (hybrid embeds each query with the model, one query at a time; "
            "--mode hybrid measures it)" if mode == "keyword" else f"{mode} (queries embedded by the server's model)")
    print(f"search   mode {note}")
    print("mix      " + ", ".join(f"{kind} {weight}%" for kind, weight in MIX)
          + "  (after uncounted warm-up calls of each kind)")
    if interrupted:
        print(f"INTERRUPTED after {elapsed:.1f} s: the figures cover the calls made until then")
    throughput = tally.requests / elapsed if elapsed > 0 else 0.0
    print(f"requests {tally.requests:,} in {elapsed:.1f} s: {throughput:,.1f} requests/s")
    everything = [value for values in tally.latencies.values() for value in values]
    if everything:
        print(f"latency  {latency_line(everything)}  (every answered call)")
        for kind, _ in MIX:
            values = tally.latencies.get(kind)
            if values:
                failed = tally.errors_by_kind[kind]
                print(f"  {kind:<15} {len(values):>7,}  {latency_line(values)}"
                      + (f"  errors {failed:,}" if failed else ""))
    else:
        print("latency  none: no call was answered")
    errors = sum(tally.errors.values())
    causes = ", ".join(f"{cause}: {count:,}" for cause, count in tally.errors.most_common())
    print(f"errors   {errors:,}" + (f" ({causes})" if causes else ""))
    p95 = percentile(sorted(everything), 95) * 1000 if everything else math.inf
    met = p95 < TARGET_P95_MS and errors == 0 and not interrupted
    print(f"target   p95 < {TARGET_P95_MS:g} ms and 0 errors: {'met' if met else 'missed'} "
          f"(p95 {p95:,.1f} ms, {errors:,} errors" + (", run interrupted" if interrupted else "") + ")")
    memory = f"peak RSS {peak_rss / 2 ** 20:,.1f} MB (VmHWM)" if peak_rss is not None else "peak RSS unavailable"
    busy = (f"CPU {server_cpu:,.1f} s = {server_cpu / elapsed:.2f} cores on average" if server_cpu is not None
            and elapsed > 0 else "CPU unavailable")
    print(f"server   {memory}; {busy}; load generator CPU {client_cpu:,.1f} s = "
          f"{client_cpu / elapsed if elapsed > 0 else 0:.2f} cores")


# -- main --------------------------------------------------------------------------------------------------

def run(args, directory: Path, label: str, scratch: Path) -> int:
    articles = article_count(directory)
    server = Server(directory, port=args.port, workers=args.workers, log_path=scratch / "server.log")
    tally = Tally()
    interrupted = False
    with temporary_account(directory) as token:
        try:
            server.start()
            server_version = server.wait_ready()
            print(f"server up on {server.url}; warming up…", file=sys.stderr, flush=True)
            problems, found = asyncio.run(warm_up(server.url, token, args.mode))
            if problems or not found:
                problems = problems or ["a search for every article found none"]
                print("warm-up calls failed, the figures would mean little:\n  " + "\n  ".join(problems)
                      + f"\nserver log:\n{server.log_tail()}", file=sys.stderr)
                return 1
            print(f"{args.clients} clients for {args.seconds:g} s…", file=sys.stderr, flush=True)
            cpu_before, client_before = server.cpu_seconds(), time.process_time()
            started = time.monotonic()
            try:
                asyncio.run(load(server.url, token, clients=args.clients, seconds=args.seconds, mode=args.mode,
                                 tally=tally, seed=args.seed))
            except KeyboardInterrupt:
                interrupted = True
            elapsed = time.monotonic() - started
            cpu_after, client_cpu = server.cpu_seconds(), time.process_time() - client_before
            server_cpu = cpu_after - cpu_before if cpu_before is not None and cpu_after is not None else None
            peak_rss = server.peak_rss()
        except RuntimeError as exc:
            print(str(exc), file=sys.stderr)
            return 1
        finally:
            print(server.stop(), file=sys.stderr, flush=True)
    report(label=label, articles=articles, args=args, server_version=server_version, server=server, mode=args.mode,
           tally=tally, elapsed=elapsed, server_cpu=server_cpu, client_cpu=client_cpu, peak_rss=peak_rss,
           interrupted=interrupted)
    return 130 if interrupted else 0


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Load the REST API of `advocacy serve` with concurrent clients and print its latency "
                    "percentiles, throughput and errors (target: p95 < 300 ms, 0 errors).",
        epilog="Example: .venv/bin/python benchmarks/web.py --data-dir demo-data --clients 50 --seconds 60")
    parser.add_argument("--data-dir", type=Path, metavar="DIR",
                        help="an existing data directory with index.db (default: the demo data, built first)")
    parser.add_argument("--clients", type=int, default=50, help="concurrent API clients (default 50)")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the clients call (default 60)")
    parser.add_argument("--workers", type=int, default=1,
                        help="server processes, as `advocacy serve --workers` (default 1)")
    parser.add_argument("--port", type=int, default=0, help="port of the server on 127.0.0.1 (default 0: a free one)")
    parser.add_argument("--mode", choices=("keyword", "hybrid", "semantic"), default="keyword",
                        help="search mode of the searches (default keyword: no embedding model)")
    parser.add_argument("--seed", type=int, default=7, help="random seed of the clients' choices (default 7)")
    args = parser.parse_args(argv)
    if args.clients < 1:
        parser.error("--clients must be at least 1")
    if args.seconds <= 0:
        parser.error("--seconds must be above 0")
    if not 1 <= args.workers <= 64:
        parser.error("--workers must be from 1 to 64")
    if not 0 <= args.port <= 65535:
        parser.error("--port must be from 0 to 65535")
    if args.data_dir and not (args.data_dir / "index.db").is_file():
        parser.error(f"{args.data_dir} holds no index.db: name a data directory such as the demo's")

    # SIGTERM (a CI runner's timeout, say) takes the same way out as Ctrl+C, so the server is stopped.
    signal.signal(signal.SIGTERM, _interrupt)
    with tempfile.TemporaryDirectory(prefix="advocacy-web-bench-") as scratch:
        try:
            if args.data_dir:
                directory, label = args.data_dir.resolve(), f"the data in {args.data_dir}"
            else:
                directory, label = Path(scratch) / "demo", "the demo data"
                build_demo(directory)
                save_demo_searches(directory)
            return run(args, directory, label, Path(scratch))
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            return 130


if __name__ == "__main__":
    sys.exit(main())
