"""The whole pipeline, run as a user runs it: the `advocacy` command in a subprocess, on the demo web."""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from advocacy.article import article_id
from advocacy.demo.web import DemoWeb
from advocacy.ledger import Ledger

pytestmark = pytest.mark.slow


def advocacy(data_dir, *args, check=True, env=None):
    command = [sys.executable, "-m", "advocacy.cli", "--data-dir", str(data_dir), *args]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600,
                            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})})
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result


@pytest.fixture(scope="module")
def expected():
    with DemoWeb(virtual_hosts=True) as web:
        return web.expected_articles()


@pytest.fixture(scope="module")
def outlet_language():
    return {outlet.key: outlet.language for outlet in DemoWeb().outlets}


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("demo")
    result = advocacy(data_dir, "demo")
    (data_dir / "demo-output.txt").write_text(result.stdout)
    return data_dir


def status(data_dir):
    return json.loads(advocacy(data_dir, "status", "--json").stdout)


def stored_articles(data_dir):
    with Ledger(data_dir / "ledger.db") as ledger:
        return list(ledger.iter_articles())


def test_every_on_topic_story_is_stored_exactly_once(demo_dir, expected):
    articles = stored_articles(demo_dir)
    urls_of = {a.id: {a.url, a.canonical_url, *a.duplicates} for a in articles}
    on_topic = [page for page in expected if page.on_topic]
    for page in on_topic:
        holders = [id for id, urls in urls_of.items() if page.url in urls or id == article_id(page.url)]
        assert len(holders) == 1, f"{page.url} is held by {len(holders)} stored articles"
    stories = {page.syndicated_from or f"{page.outlet}/{page.slug}" for page in on_topic}
    assert len(articles) == len(stories)
    assert all(a.stage == "indexed" for a in articles)


def test_the_syndicated_copy_is_not_stored_twice(demo_dir, expected):
    copies = [page for page in expected if page.syndicated_from]
    assert copies, "the demo web must hold a syndicated copy"
    by_key = {f"{page.outlet}/{page.slug}": page for page in expected}
    articles = stored_articles(demo_dir)
    for copy in copies:
        original = by_key[copy.syndicated_from]
        holders = [a for a in articles if {copy.url, original.url} & {a.url, a.canonical_url, *a.duplicates}]
        assert len(holders) == 1
        assert {copy.url, original.url} <= {holders[0].canonical_url, *holders[0].duplicates}


def test_off_topic_and_non_article_pages_are_excluded(demo_dir, expected):
    stored_urls = {url for a in stored_articles(demo_dir) for url in (a.url, a.canonical_url, *a.duplicates)}
    off_topic = [page.url for page in expected if not page.on_topic]
    assert off_topic and not stored_urls & set(off_topic)
    assert not [url for url in stored_urls if re.search(r"/(tag|contact|about|private)/|\.test/$", url)]
    with Ledger(demo_dir / "ledger.db") as ledger:
        pages = ledger.page_counts()
    assert pages["off_topic"] >= len(off_topic) and pages["not_article"] > 0


def test_robots_txt_is_obeyed(demo_dir):
    import sqlite3

    db = sqlite3.connect(demo_dir / "ledger.db")
    private = db.execute("SELECT status, http_status FROM pages WHERE url LIKE '%/private/%'").fetchall()
    assert private, "the home pages link to /private/ drafts; the crawler should have met them"
    assert set(private) == {("blocked", None)}  # decided without ever being fetched


@pytest.mark.parametrize("query, language", [
    ("volunteer doctors refugees free consultations", "en"),
    ("médecins bénévoles réfugiés consultations gratuites", "fr"),
])
def test_a_seed_story_is_found_in_english_and_in_french(demo_dir, expected, outlet_language, query, language):
    seed_urls = {page.url for page in expected if page.seed == "cnom-unhcr" and outlet_language[page.outlet] == language}
    assert seed_urls
    hits = json.loads(advocacy(demo_dir, "search", query, "--lang", language, "--json").stdout)["hits"]
    assert seed_urls & {hit["url"] for hit in hits}


def test_the_query_language_in_every_search_mode(demo_dir):
    query = "theme:health AND (réfugiés OR refugees)"
    keyword = json.loads(advocacy(demo_dir, "search", query, "--mode", "keyword", "--limit", "50", "--json").stdout)
    assert keyword["total"] >= 4 and {hit["language"] for hit in keyword["hits"]} == {"en", "fr"}
    for hit in keyword["hits"]:
        assert "health" in hit["themes"] and hit["passage"]
        matched = [hit["snippet"][start:end] for start, end in hit["highlights"]]
        assert any(re.fullmatch(r"(?i:r[ée]fug)\w*", word) for word in matched), (hit["snippet"], matched)
    hybrid = json.loads(advocacy(demo_dir, "search", query, "--json").stdout)
    assert hybrid["mode"] == "hybrid" and hybrid["hits"]
    assert all("health" in hit["themes"] for hit in hybrid["hits"])        # the filter holds in every mode
    assert [hit["score"] for hit in hybrid["hits"]] == sorted((hit["score"] for hit in hybrid["hits"]), reverse=True)
    assert sum(bool(hit["highlights"]) for hit in hybrid["hits"]) >= 3
    semantic = json.loads(advocacy(demo_dir, "search", "hospital care for migrants lang:ar", "--mode", "semantic",
                                   "--json").stdout)
    assert semantic["hits"] and {hit["language"] for hit in semantic["hits"]} == {"ar"}
    assert all(hit["passage"] for hit in semantic["hits"])


def test_a_malformed_query_exits_with_one_line_before_any_model_loads(demo_dir):
    result = advocacy(demo_dir, "search", "(refugees AND", check=False)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "Error: cannot read the query “(refugees AND” at position 10 (“AND”): AND needs something on both sides, "
        "e.g. refugees AND health"]


def test_stats_reports_on_the_demo(demo_dir):
    def figures(*args):
        return json.loads(advocacy(demo_dir, "stats", *args, "--json").stdout)

    attention = figures("attention", "theme:health", "--by", "month")
    assert sum(row["count"] for row in attention["rows"]) + attention["undated"] == attention["matching"] > 5
    assert all(0 <= row["share"] <= 1 for row in attention["rows"])
    voices = figures("share-of-voice")["rows"]
    assert voices and {row["type"] for row in voices} == {"organisation"}
    assert "org:unhcr" in {row["entity"] for row in voices}
    outlets = figures("outlets", "--sources", str(demo_dir / "demo-sources.toml"))
    assert outlets["unknown_reach"] == [] and outlets["audience"] > 0
    assert {row["outlet"] for row in outlets["rows"]} == {"atlas-tribune", "echo-du-detroit", "bamako-matin",
                                                           "al-jisr"}
    assert figures("entities", "lang:fr", "--type", "place")["rows"]
    assert figures("terms", "theme:education")["rows"]
    table = advocacy(demo_dir, "stats", "share-of-voice", "theme:health").stdout
    assert "share of voice" in table.splitlines()[0]
    csv_text = advocacy(demo_dir, "stats", "attention", "--by", "month", "--csv").stdout
    assert csv_text.splitlines()[0] == "period,count,total,share,spike,z"


def test_the_policy_paper_cites_a_source_in_every_theme_section(demo_dir):
    paper = (demo_dir / "briefs" / "demo-policy-paper.md").read_text()
    for theme in ("Health", "Education", "Housing", "Justice"):
        section = paper.split(f"\n## {theme}\n", 1)[1].split("\n## ", 1)[0]
        numbers = re.findall(r"\[(\d+)\]", section)
        assert numbers, f"the {theme} section cites nothing"
        for number in numbers:
            assert re.search(rf"^{number}\. .+<http://[^>]+>", paper, re.M), f"source {number} missing"
    assert (demo_dir / "briefs" / "demo-policy-paper.docx").stat().st_size > 10_000


def test_the_word_document_opens_in_libreoffice(demo_dir, tmp_path):
    if not (shutil.which("soffice") or shutil.which("libreoffice")):
        pytest.skip("LibreOffice is not installed (scripts/setup installs it on Debian as root)")
    from advocacy.briefs.docx import docx_to_pdf

    pdf = docx_to_pdf(demo_dir / "briefs" / "demo-policy-paper.docx", tmp_path)
    assert pdf.read_bytes().startswith(b"%PDF")


def test_a_second_run_adds_nothing(demo_dir):
    before = status(demo_dir)
    assert before["articles"] > 40 and before["by_stage"]["indexed"] == before["articles"]
    advocacy(demo_dir, "demo")
    assert status(demo_dir) == before


def test_killed_during_enrichment_the_rerun_completes_with_nothing_lost_or_doubled(demo_dir, tmp_path):
    data_dir = tmp_path / "killed"
    command = [sys.executable, "-m", "advocacy.cli", "--data-dir", str(data_dir), "demo"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"}, start_new_session=True)
    try:
        for line in process.stdout:
            if line.strip().startswith("enriched "):
                os.killpg(process.pid, signal.SIGKILL)
                break
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == -signal.SIGKILL, "the demo finished before it could be killed"
    interrupted = status(data_dir)
    assert 0 < interrupted["by_stage"]["enriched"] < interrupted["articles"]

    advocacy(data_dir, "demo")
    after = status(data_dir)
    reference = status(demo_dir)
    assert after["articles"] == reference["articles"]
    assert after["by_stage"] == reference["by_stage"]
    from advocacy.index.sqlite import SqliteStore

    store = SqliteStore(data_dir / "index.db")
    try:
        assert store.count() == reference["articles"]
        assert sorted(store.ids()) == sorted(a.id for a in stored_articles(data_dir))
    finally:
        store.close()


def test_crawl_enrich_and_run_commands_against_a_live_site(tmp_path):
    with DemoWeb(virtual_hosts=True) as web:
        sources = tmp_path / "sources.toml"
        sources.write_text(web.sources_toml())
        env = {"ADVOCACY_CRAWLER_HTTP_PROXY": web.proxy_url, "ADVOCACY_CRAWLER_DOWNLOAD_DELAY": "0"}
        crawled = advocacy(tmp_path / "d", "crawl", "--sources", str(sources), "--outlet", "al-jisr",
                           env=env)
        assert "stored" in crawled.stdout
        counts = status(tmp_path / "d")
        assert counts["by_stage"]["collected"] == counts["articles"] == web.article_count("al-jisr") - 2
        advocacy(tmp_path / "d", "run", "--sources", str(sources), env=env)
    counts = status(tmp_path / "d")
    assert counts["by_stage"]["indexed"] == counts["articles"] > 50
    shown = advocacy(tmp_path / "d", "show", stored_articles(tmp_path / "d")[0].id[:10]).stdout
    assert "Themes:" in shown and "Archived in" in shown


def test_import_a_list_of_urls(tmp_path, expected):
    on_topic = [page.url for page in expected if page.on_topic and not page.syndicated_from][:3]
    off_topic = [page.url for page in expected if not page.on_topic][:1]
    urls = tmp_path / "reading-list.csv"
    urls.write_text("url,note\n" + "\n".join(f"{u},x" for u in on_topic + off_topic) + "\n")
    with DemoWeb(virtual_hosts=True) as web:
        env = {"ADVOCACY_CRAWLER_HTTP_PROXY": web.proxy_url, "ADVOCACY_CRAWLER_DOWNLOAD_DELAY": "0"}
        result = advocacy(tmp_path / "d", "import", str(urls), env=env)
    assert "3 stored" in result.stdout and "1 off-topic" in result.stdout
    stored = stored_articles(tmp_path / "d")
    assert {a.canonical_url for a in stored} == set(on_topic)
    assert {a.discovered_via for a in stored} == {"import"}


# Killed late, the first crawl has recorded pages that robots.txt forbids; the restart retries them all at
# once, before robots.txt has arrived (the case that once stored the forbidden draft as a 57th story).
@pytest.mark.parametrize("kill_after", [10, 25, 40])
def test_a_crawl_killed_with_sigkill_and_restarted_stores_every_story_once(tmp_path, expected, kill_after):
    data_dir = tmp_path / "killed-crawl"
    with DemoWeb(virtual_hosts=True) as web:
        sources = tmp_path / "sources.toml"
        sources.write_text(web.sources_toml())
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "ADVOCACY_CRAWLER_HTTP_PROXY": web.proxy_url,
               "ADVOCACY_CRAWLER_DOWNLOAD_DELAY": "0"}
        command = [sys.executable, "-m", "advocacy.cli", "--data-dir", str(data_dir), "crawl", "--sources", str(sources)]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                                   start_new_session=True)
        stored_lines = 0
        try:
            for line in process.stdout:
                stored_lines += "stored" in line
                if stored_lines == kill_after:
                    os.killpg(process.pid, signal.SIGKILL)
                    break
            process.wait(timeout=60)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
        assert process.returncode == -signal.SIGKILL, "the crawl finished before it could be killed"
        interrupted = status(data_dir)["articles"]
        assert 0 < interrupted < 56
        advocacy(data_dir, "crawl", "--sources", str(sources), env={k: env[k] for k in env if k.startswith("ADVOCACY")})
    articles = stored_articles(data_dir)
    stories = {page.syndicated_from or f"{page.outlet}/{page.slug}" for page in expected if page.on_topic}
    assert not [a.url for a in articles if "/private/" in a.url], "a page robots.txt forbids was stored"
    assert len(articles) == len(stories)
    assert len({a.id for a in articles}) == len({a.content_hash for a in articles}) == len(articles)
    for page in expected:
        if page.on_topic:
            assert sum(page.url in {a.canonical_url, *a.duplicates} for a in articles) == 1, page.url


def test_polling_is_scheduled_and_conditional(tmp_path):
    with DemoWeb(virtual_hosts=True) as web:
        sources = tmp_path / "sources.toml"
        sources.write_text(web.sources_toml())
        env = {"ADVOCACY_CRAWLER_HTTP_PROXY": web.proxy_url, "ADVOCACY_CRAWLER_DOWNLOAD_DELAY": "0"}
        advocacy(tmp_path / "d", "crawl", "--sources", str(sources), "--outlet", "bamako-matin", env=env)
        with Ledger(tmp_path / "d" / "ledger.db") as ledger:
            first = {row["url"]: row for row in ledger.endpoints()}
        feed = web.outlet("bamako-matin").feed_url
        assert first[feed]["last_status"] == "HTTP 200" and first[feed]["etag"] and first[feed]["items"] > 0
        assert first[feed]["next_poll"] > first[feed]["last_attempt"]
        second = advocacy(tmp_path / "d", "crawl", "--sources", str(sources), "--outlet", "bamako-matin", env=env)
        assert "nothing new" in second.stdout  # nothing was due
        advocacy(tmp_path / "d", "crawl", "--sources", str(sources), "--outlet", "bamako-matin", "--force", env=env)
        with Ledger(tmp_path / "d" / "ledger.db") as ledger:
            third = {row["url"]: row for row in ledger.endpoints()}
    assert third[feed]["last_status"] == "not modified"
    assert third[feed]["last_attempt"] >= first[feed]["last_attempt"]


def test_corrections_survive_re_enrichment_and_teach_the_tagger(demo_dir, tmp_path):
    data_dir = tmp_path / "corrected"
    shutil.copytree(demo_dir, data_dir)
    articles = stored_articles(data_dir)
    target = next(a for a in articles if "housing" in a.theme_names and "health" not in a.theme_names)
    before = json.loads(advocacy(data_dir, "show", target.id, "--json").stdout)
    assert "housing" in [t["theme"] for t in before["themes"]]

    advocacy(data_dir, "tags", "correct", target.id[:10], "housing", "no", "--note", "about a hotel")
    advocacy(data_dir, "tags", "correct", target.id[:10], "health", "yes")
    shown = json.loads(advocacy(data_dir, "show", target.id, "--json").stdout)
    themes = {t["theme"]: t for t in shown["themes"]}
    assert "housing" not in themes and themes["health"]["confirmed"]
    assert shown["stage"] == "enriched"  # the index must learn of it
    advocacy(data_dir, "index")
    hits = json.loads(advocacy(data_dir, "search", "", "--theme", "health", "--limit", "100", "--json").stdout)["hits"]
    assert target.id in {hit["id"] for hit in hits}

    # Re-enrichment from scratch keeps the analysts' verdicts.
    with Ledger(data_dir / "ledger.db") as ledger:
        ledger.reset_stage(to="collected", frm=("enriched", "indexed"))
    advocacy(data_dir, "enrich")
    again = {t["theme"]: t for t in json.loads(advocacy(data_dir, "show", target.id, "--json").stdout)["themes"]}
    assert "housing" not in again and again["health"]["confirmed"]
    history = json.loads(advocacy(data_dir, "tags", "corrections", "--json").stdout)
    assert [(h["theme"], h["verdict"]) for h in history] == [("housing", "no"), ("health", "yes")]

    # Retraining learns from the corrections: the same text scores differently afterwards.
    probe = tmp_path / "probe.jsonl"
    probe.write_text(json.dumps({"id": "p", "title": target.title, "text": target.text}, ensure_ascii=False) + "\n")
    advocacy(data_dir, "tag", "--jsonl", str(probe), "--out", str(tmp_path / "before.jsonl"))
    advocacy(data_dir, "tags", "retrain")
    advocacy(data_dir, "tag", "--jsonl", str(probe), "--out", str(tmp_path / "after.jsonl"))
    score_before = json.loads((tmp_path / "before.jsonl").read_text())["scores"]
    score_after = json.loads((tmp_path / "after.jsonl").read_text())["scores"]
    assert score_after["housing"] < score_before["housing"]
    assert score_after["health"] > score_before["health"]
