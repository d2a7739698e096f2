"""Crawl throughput on a generated news site: the Advocacy Monitor crawler, then news-please on the same site.

    .venv/bin/python benchmarks/crawl.py [--pages 2000] [--skip-news-please] [--keep DIR]

The site (benchmarks/synthetic_site.py) has four outlets on 127.0.0.1, each with its robots.txt, RSS feed
of the 50 latest articles, sitemap index and home page; 85% of its articles are about refugees and
migrants. The script

1. runs ``advocacy --data-dir TMP crawl --sources S`` as a subprocess of this interpreter, with the
   politeness settings of a local benchmark (no download delay, 16 requests at once per site, no link
   following, robots.txt still obeyed), then reads ``advocacy status --json``;
2. unless ``--skip-news-please``, crawls the same site with news-please (its SitemapCrawler, same
   concurrency, no delay, robots.txt obeyed, JSON files as output), installed on first use in a
   virtualenv under ~/.cache/advocacy-bench/news-please-venv.

For each crawler it measures the wall time and the peak resident memory of the whole process tree
(VmRSS of the process and all its descendants, summed, sampled every 50 ms from /proc), and counts the
requests the site answered. Both crawls start from nothing: a fresh data directory, fresh news-please
state.

news-please cannot tell outlets apart by port (its allowed domain would include the port, and Scrapy
drops every request for it), so it reaches the outlets as http://<key>.synthetic.test/ through the site's
own HTTP proxy mode. ``--via-proxy`` makes the Advocacy Monitor crawl go through the same proxy.

news-please keeps every article (it has no relevance filter) while Advocacy Monitor keeps only those about
refugees and migrants, so both "articles stored per second" and "article pages fetched per second" are
printed, and the ratio of each.
"""
from __future__ import annotations

import argparse
import configparser
import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic_site import DEFAULT_PAGES, DEFAULT_SEED, SyntheticSite  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
TARGET_ARTICLES_PER_S = 60.0
POLL_SECONDS = 0.05
NEWS_PLEASE_VENV = Path.home() / ".cache" / "advocacy-bench" / "news-please-venv"
BENCH_ENV = {
    "ADVOCACY_CRAWLER_DOWNLOAD_DELAY": "0",
    "ADVOCACY_CRAWLER_CONCURRENT_REQUESTS_PER_DOMAIN": "16",
    "ADVOCACY_CRAWLER_CRAWL_DEPTH": "0",
    "ADVOCACY_CRAWLER_OBEY_ROBOTS_TXT": "true",
}
PROXY_VARIABLES = ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY",
                   "no_proxy", "NO_PROXY")


class BenchmarkError(Exception):
    """A step failed in a way the reader must hear about; the message says what to do."""


# --------------------------------------------------------------------------------------------------
# Measuring a process tree
# --------------------------------------------------------------------------------------------------


@dataclass
class Measurement:
    wall: float                   # seconds from start until the top process exited
    peak_rss_mb: float            # highest sum of VmRSS over the process and its descendants
    returncode: int | None
    timed_out: bool
    descendants_done: float       # seconds until the last descendant was last seen (0 if there were none)
    log: Path


def _children(pid: int) -> list[int]:
    children: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return children
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                children.extend(int(child) for child in handle.read().split())
        except OSError:
            continue
    return children


def _children_by_scan() -> dict[int, list[int]]:
    """Parent → children for every process, for kernels without /proc/PID/task/TID/children."""
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                stat = handle.read()
        except OSError:
            continue
        # The command name may hold spaces and parentheses; the fields after its last ")" are fixed.
        parent = int(stat[stat.rindex(")") + 2:].split()[1])
        tree.setdefault(parent, []).append(int(entry))
    return tree


_HAS_CHILDREN_FILE = os.path.exists(f"/proc/{os.getpid()}/task/{os.getpid()}/children")


def _tree(root: int) -> list[int]:
    scanned = None if _HAS_CHILDREN_FILE else _children_by_scan()
    pids, queue = [], [root]
    while queue:
        pid = queue.pop()
        pids.append(pid)
        queue.extend(_children(pid) if scanned is None else scanned.get(pid, []))
    return pids


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _end_group(pgid: int, grace: float = 10.0) -> None:
    """SIGTERM, then SIGKILL, to the process group this script created for one run."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                os.killpg(pgid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)


def measure(command: list[str], *, env: dict[str, str], cwd: Path, timeout: float, log: Path) -> Measurement:
    """Run ``command`` in its own process group, sampling the memory of its process tree."""
    with open(log, "wb") as output:
        started = time.monotonic()
        process = subprocess.Popen(command, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=output,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        peak_kb, descendants_seen, timed_out = 0, 0.0, False
        try:
            while process.poll() is None:
                now = time.monotonic()
                if now - started > timeout:
                    timed_out = True
                    break
                pids = _tree(process.pid)
                peak_kb = max(peak_kb, sum(_rss_kb(pid) for pid in pids))
                if len(pids) > 1:
                    descendants_seen = now - started
                time.sleep(POLL_SECONDS)
            wall = time.monotonic() - started
        finally:
            if process.poll() is None or timed_out:
                _end_group(process.pid)
            else:
                # Anything the run left behind in its group is ended too.
                _end_group(process.pid, grace=2.0)
            process.wait()
    return Measurement(wall=wall, peak_rss_mb=peak_kb / 1024, returncode=None if timed_out else process.returncode,
                       timed_out=timed_out, descendants_done=descendants_seen, log=log)


def _tail(path: Path, lines: int = 25) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join("    " + line for line in text.splitlines()[-lines:])


# --------------------------------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------------------------------


@dataclass
class Result:
    label: str
    measurement: Measurement
    stored: int
    article_pages: int            # article pages the site served
    requests: int                 # everything the site served

    @property
    def articles_per_s(self) -> float:
        return self.stored / self.measurement.wall if self.measurement.wall else 0.0

    @property
    def pages_per_s(self) -> float:
        return self.article_pages / self.measurement.wall if self.measurement.wall else 0.0


def _n(value: int) -> str:
    return f"{value:,}"


def _row(label: str, value: str) -> None:
    print(f"  {label:<34}{value}")


def _hits_text(hits: dict[str, int]) -> str:
    order = ("article", "robots", "feed", "sitemap", "home", "section", "image", "not-found", "unknown-host")
    parts = [f"{_n(hits[kind])} {kind}" for kind in order if hits.get(kind)]
    return f"{_n(sum(hits.values()))} ({', '.join(parts)})" if parts else "0"


# --------------------------------------------------------------------------------------------------
# Advocacy Monitor
# --------------------------------------------------------------------------------------------------


def _advocacy_python() -> str:
    """This interpreter if it can import Advocacy Monitor, else the repository's .venv."""
    candidates = [sys.executable, str(REPO / ".venv" / "bin" / "python")]
    for candidate in candidates:
        if not Path(candidate).exists():
            continue
        check = subprocess.run([candidate, "-c", "import advocacy.cli"], capture_output=True, cwd=tempfile.gettempdir())
        if check.returncode == 0:
            if candidate != sys.executable:
                print(f"note: {sys.executable} cannot import advocacy; using {candidate}")
            return candidate
    raise BenchmarkError("Advocacy Monitor is not installed for this interpreter; run ./scripts/setup, then "
                         ".venv/bin/python benchmarks/crawl.py")


def _clean_env() -> dict[str, str]:
    return {key: value for key, value in os.environ.items()
            if not key.startswith("ADVOCACY_") and key not in PROXY_VARIABLES}


def run_advocacy(site: SyntheticSite, work: Path, timeout: float) -> Result:
    python = _advocacy_python()
    data_dir = work / "advocacy-data"
    sources = work / "sources.toml"
    sources.write_text(site.sources_toml(), encoding="utf-8")
    env = _clean_env() | BENCH_ENV
    if site.proxy_url:
        env["ADVOCACY_CRAWLER_HTTP_PROXY"] = site.proxy_url
    command = [python, "-m", "advocacy.cli", "--data-dir", str(data_dir), "crawl", "--sources", str(sources)]
    site.reset_hits()
    print(f"\nCrawling with Advocacy Monitor: {' '.join(command[1:])}", flush=True)
    measurement = measure(command, env=env, cwd=work, timeout=timeout, log=work / "advocacy-crawl.log")
    hits = site.hits()
    if measurement.timed_out:
        print(f"  the crawl was stopped after {timeout:.0f} s (--timeout); figures cover what it did until then")
    elif measurement.returncode != 0:
        print(f"  the crawl exited with status {measurement.returncode}; last lines of its output:\n"
              f"{_tail(measurement.log)}")
    status_run = subprocess.run([python, "-m", "advocacy.cli", "--data-dir", str(data_dir), "status", "--json"],
                                env=_clean_env(), cwd=work, capture_output=True, text=True, timeout=300)
    if status_run.returncode != 0:
        raise BenchmarkError(f"`advocacy status --json` failed with status {status_run.returncode}:\n"
                             f"{status_run.stderr.strip()[-2000:]}")
    try:
        status = json.loads(status_run.stdout)
    except json.JSONDecodeError as error:
        raise BenchmarkError(f"`advocacy status --json` did not print JSON ({error}):\n"
                             f"{status_run.stdout[:2000]}") from None
    pages = {str(key): int(value) for key, value in (status.get("pages") or {}).items()}
    stored = int(status.get("articles", 0))
    off_topic = sum(count for key, count in pages.items() if key.replace("-", "_").lower() == "off_topic")
    expected = site.expected()
    result = Result("Advocacy Monitor", measurement, stored, hits.get("article", 0), sum(hits.values()))

    print(f"Advocacy Monitor crawler ({_n(expected['articles'])} article pages: {_n(expected['on_topic'])} "
          f"on topic, {_n(expected['off_topic'])} off topic; 4 outlets"
          f"{', through the proxy' if site.proxy_url else ', one port each'})")
    _row("wall time", f"{measurement.wall:.1f} s")
    _row("requests answered by the site", _hits_text(hits))
    _row("pages fetched (article pages)", _n(result.article_pages))
    _row("pages decided (ledger)", f"{_n(sum(pages.values()))}  "
                                     + json.dumps(dict(sorted(pages.items())), ensure_ascii=False))
    _row("articles stored", f"{_n(stored)} of {_n(expected['on_topic'])} on-topic articles")
    _row("off-topic pages", f"{_n(off_topic)} of {_n(expected['off_topic'])}")
    verdict = "met" if result.articles_per_s >= TARGET_ARTICLES_PER_S else "NOT met"
    _row("articles/s (end to end)", f"{result.articles_per_s:.1f}   target >= {TARGET_ARTICLES_PER_S:.0f} "
                                     f"articles/s on 2 cores: {verdict}")
    _row("pages/s (article pages fetched)", f"{result.pages_per_s:.1f}")
    _row("peak RSS (process tree)", f"{measurement.peak_rss_mb:.0f} MB")
    print(f"  log: {measurement.log}   by stage: {json.dumps(status.get('by_stage', {}))}", flush=True)
    return result


# --------------------------------------------------------------------------------------------------
# news-please
# --------------------------------------------------------------------------------------------------


def _venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def _news_please_ready(venv: Path) -> bool:
    python = _venv_python(venv)
    if not python.exists() or not (venv / "bin" / "news-please").exists():
        return False
    return subprocess.run([str(python), "-c", "import newsplease.__main__"], capture_output=True,
                          cwd=tempfile.gettempdir(), timeout=300).returncode == 0


def ensure_news_please(venv: Path) -> Path | None:
    """The news-please virtualenv, created on first use; None (with the reason printed) when it cannot be."""
    if _news_please_ready(venv):
        return venv
    print(f"\nInstalling news-please into {venv} (first run only; this takes a few minutes)…", flush=True)
    venv.parent.mkdir(parents=True, exist_ok=True)
    log = venv.parent / "news-please-install.log"
    python3 = shutil.which("python3") or sys.executable
    steps = [[python3, "-m", "venv", "--clear", str(venv)],
             [str(_venv_python(venv)), "-m", "pip", "install", "--disable-pip-version-check", "news-please"]]
    with open(log, "wb") as output:
        for step in steps:
            try:
                done = subprocess.run(step, stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                      timeout=1800)
            except (OSError, subprocess.TimeoutExpired) as error:
                print(f"  `{' '.join(step)}` failed: {error}")
                return None
            if done.returncode != 0:
                print(f"  `{' '.join(step)}` failed with status {done.returncode}; news-please is skipped.\n"
                      f"  See {log}; its last lines:\n{_tail(log, 15)}")
                return None
    if not _news_please_ready(venv):
        print(f"  news-please was installed but cannot be imported; it is skipped. See {log}.")
        return None
    return venv


def _news_please_version(venv: Path) -> str:
    done = subprocess.run([str(_venv_python(venv)), "-c",
                           "import importlib.metadata as m; print(m.version('news-please'))"],
                          capture_output=True, text=True, cwd=tempfile.gettempdir())
    return done.stdout.strip() or "?"


def _news_please_config(venv: Path, site: SyntheticSite, config_dir: Path, working: Path) -> None:
    """config.cfg (the package's defaults with local-benchmark settings) and sitelist.hjson."""
    defaults = glob.glob(str(venv / "lib" / "python*" / "site-packages" / "newsplease" / "config" / "config.cfg"))
    if not defaults:
        raise BenchmarkError(f"news-please's default config.cfg was not found under {venv}")
    config = configparser.RawConfigParser()
    config.read(defaults[0], encoding="utf-8")
    settings = {
        "Crawler": {
            # Sitemaps only: no fallback to following links when a site has none.
            "default": "SitemapCrawler",
            "fallbacks": json.dumps({"RssCrawler": None, "RecursiveSitemapCrawler": None, "SitemapCrawler": None,
                                     "RecursiveCrawler": None, "Download": None}).replace("null", "None"),
            "sitemap_patterns": "[]",
        },
        "Files": {"working_path": str(working) + os.sep},
        "Scrapy": {
            # INFO: its JSON storage then logs one line per article, which is how extractions are counted.
            "LOG_LEVEL": "INFO",
            "ROBOTSTXT_OBEY": "True",
            "CONCURRENT_REQUESTS": "16",
            "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
            "DOWNLOAD_DELAY": "0",
            "AUTOTHROTTLE_ENABLED": "False",
        },
    }
    for section, values in settings.items():
        if not config.has_section(section):
            config.add_section(section)
        for key, value in values.items():
            config.set(section, key, value)
    config_dir.mkdir(parents=True, exist_ok=True)
    with open(config_dir / "config.cfg", "w", encoding="utf-8") as handle:
        config.write(handle)
    sites = {"base_urls": [{"url": outlet.homepage, "crawler": "SitemapCrawler"} for outlet in site.outlets]}
    (config_dir / "sitelist.hjson").write_text(json.dumps(sites, indent=2), encoding="utf-8")


def run_news_please(venv: Path, site: SyntheticSite, work: Path, timeout: float) -> Result:
    config_dir, working = work / "news-please-config", work / "news-please-data"
    _news_please_config(venv, site, config_dir, working)
    env = _clean_env() | {"http_proxy": site.proxy_url or "", "HTTP_PROXY": site.proxy_url or ""}
    command = [str(venv / "bin" / "news-please"), "-c", str(config_dir), "-no-confirm"]
    site.reset_hits()
    version = _news_please_version(venv)
    print(f"\nCrawling with news-please {version}: {' '.join(command)}", flush=True)
    measurement = measure(command, env=env, cwd=work, timeout=timeout, log=work / "news-please.log")
    hits = site.hits()
    if measurement.timed_out:
        print(f"  news-please was stopped after {timeout:.0f} s (--timeout); figures cover what it did until then")
    elif measurement.returncode != 0:
        print(f"  news-please exited with status {measurement.returncode}; last lines of its output:\n"
              f"{_tail(measurement.log)}")
    on_topic = off_topic = unknown = 0
    for path in (working / "data").rglob("*.json"):
        try:
            url = json.loads(path.read_text(encoding="utf-8")).get("url") or ""
        except (OSError, ValueError):
            unknown += 1
            continue
        article = site.article_at(url)
        if article is None:
            unknown += 1
        elif article.on_topic:
            on_topic += 1
        else:
            off_topic += 1
    files = on_topic + off_topic + unknown
    # news-please names its files after the URL's directory and the second of download, so pages with
    # URLs ending in "/" that are saved within the same second overwrite one another: its log says how
    # many articles it extracted and saved.
    log_text = measurement.log.read_text(encoding="utf-8", errors="replace")
    stored = max(log_text.count("Saving JSON to "), files)
    expected = site.expected()
    result = Result("news-please", measurement, stored, hits.get("article", 0), sum(hits.values()))

    print(f"news-please {version} (SitemapCrawler; same site through the proxy; keeps every article)")
    _row("wall time", f"{measurement.wall:.1f} s")
    if measurement.descendants_done:
        _row("last crawler process seen at", f"{measurement.descendants_done:.1f} s  (its launcher checks "
                                             "every 10 s whether its crawlers are done)")
    _row("requests answered by the site", _hits_text(hits))
    _row("pages fetched (article pages)", _n(result.article_pages))
    _row("articles extracted and saved", f"{_n(stored)} of {_n(expected['articles'])}")
    _row("JSON files left", f"{_n(files)}: {_n(on_topic)} on topic, {_n(off_topic)} off topic"
                            + (f", {_n(unknown)} not from the site" if unknown else "")
                            + ("  (the others were overwritten: same file name)" if files < stored else ""))
    _row("articles/s (end to end)", f"{result.articles_per_s:.1f}" + (
        f"   ({stored / measurement.descendants_done:.1f} up to the last crawler process)"
        if measurement.descendants_done else ""))
    _row("pages/s (article pages fetched)", f"{result.pages_per_s:.1f}")
    _row("peak RSS (process tree)", f"{measurement.peak_rss_mb:.0f} MB")
    print(f"  log: {measurement.log}", flush=True)
    return result


def _ratio(ours: float, theirs: float) -> str:
    return f"{ours / theirs:.2f}x" if theirs else "n/a (news-please did nothing)"


def compare(ours: Result, theirs: Result) -> None:
    print("\nAdvocacy Monitor / news-please")
    _row("articles/s", f"{_ratio(ours.articles_per_s, theirs.articles_per_s)}  "
                       f"({ours.articles_per_s:.1f} / {theirs.articles_per_s:.1f}; ours keeps on-topic articles only)")
    _row("pages/s", f"{_ratio(ours.pages_per_s, theirs.pages_per_s)}  "
                    f"({ours.pages_per_s:.1f} / {theirs.pages_per_s:.1f})")
    _row("wall time", f"{_ratio(ours.measurement.wall, theirs.measurement.wall)}  "
                      f"({ours.measurement.wall:.1f} s / {theirs.measurement.wall:.1f} s)")
    _row("peak RSS", f"{_ratio(ours.measurement.peak_rss_mb, theirs.measurement.peak_rss_mb)}  "
                     f"({ours.measurement.peak_rss_mb:.0f} MB / {theirs.measurement.peak_rss_mb:.0f} MB)")


# --------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=DEFAULT_PAGES, help="articles on the site (default 2000)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed of the generated site")
    parser.add_argument("--skip-news-please", action="store_true", help="only crawl with Advocacy Monitor")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="keep the data directories, logs and configuration in DIR (default: a temporary "
                             "directory, removed at the end)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds allowed to each crawl (default 1800)")
    parser.add_argument("--via-proxy", action="store_true",
                        help="crawl with Advocacy Monitor through the site's proxy too, as news-please does")
    parser.add_argument("--news-please-venv", type=Path, default=NEWS_PLEASE_VENV,
                        help=f"where news-please is installed (default {NEWS_PLEASE_VENV})")
    args = parser.parse_args(argv)
    if args.pages < 1:
        parser.error("--pages must be at least 1")

    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        if any(args.keep.iterdir()):
            parser.error(f"--keep {args.keep}: the directory must be empty, so both crawls start from nothing")
        work, cleanup = args.keep.resolve(), None
    else:
        cleanup = tempfile.TemporaryDirectory(prefix="advocacy-bench-")
        work = Path(cleanup.name)
    try:
        print(f"{os.cpu_count()} CPU(s); generating {args.pages:,} articles (seed {args.seed})…", flush=True)
        started = time.perf_counter()
        site = SyntheticSite(args.pages, seed=args.seed, virtual_hosts=args.via_proxy)
        with site:
            print(f"site generated and rendered in {time.perf_counter() - started:.1f} s: "
                  f"{json.dumps(site.expected())}", flush=True)
            ours = run_advocacy(site, work, args.timeout)
        if args.skip_news_please:
            return 0
        venv = ensure_news_please(args.news_please_venv)
        if venv is None:
            print("news-please comparison skipped.")
            return 0
        with SyntheticSite(args.pages, seed=args.seed, virtual_hosts=True) as proxied:
            theirs = run_news_please(venv, proxied, work, args.timeout)
        compare(ours, theirs)
        return 0
    except BenchmarkError as error:
        print(f"\nerror: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    finally:
        if cleanup is not None:
            cleanup.cleanup()
            print(f"\nremoved {work} (use --keep DIR to keep the data, logs and configuration)")
        else:
            print(f"\nkept in {work}")


if __name__ == "__main__":
    sys.exit(main())
