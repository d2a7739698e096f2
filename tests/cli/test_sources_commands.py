import json

from click.testing import CliRunner

from advocacy.cli import main
from advocacy.demo.web import DemoWeb


def run(*args, env=None):
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def test_add_then_list(tmp_path):
    sources = tmp_path / "sources.toml"
    result = run("--data-dir", str(tmp_path), "sources", "add", "rabat-news", "--name", "Rabat News",
                 "--homepage", "https://rabat-news.test/", "--country", "ma", "--language", "fr",
                 "--feed", "https://rabat-news.test/feed", "--allow", "/societe/", "--depth", "2", "--file", str(sources))
    assert result.exit_code == 0, result.output
    listed = json.loads(run("--data-dir", str(tmp_path), "sources", "list", "--sources", str(sources), "--json").output)
    assert listed[0]["key"] == "rabat-news" and listed[0]["country"] == "MA" and listed[0]["verified"] is False
    assert listed[0]["endpoints"] == [{"url": "https://rabat-news.test/feed"}]


def test_add_refuses_what_would_break_the_file_and_leaves_it_intact(tmp_path):
    sources = tmp_path / "sources.toml"
    run("sources", "add", "a", "--name", "A", "--homepage", "https://a.test/", "--file", str(sources))
    before = sources.read_text()
    again = run("sources", "add", "a", "--name", "B", "--homepage", "https://b.test/", "--file", str(sources))
    assert again.exit_code == 1 and "used twice" in again.output
    bad_url = run("sources", "add", "b", "--name", "B", "--homepage", "ftp://b.test/", "--file", str(sources))
    assert bad_url.exit_code == 1 and "not an http(s) URL" in bad_url.output
    assert sources.read_text() == before


def test_add_without_a_sources_file_explains_what_to_do(tmp_path):
    result = run("--data-dir", str(tmp_path), "sources", "add", "a", "--name", "A", "--homepage", "https://a.test/")
    assert result.exit_code == 1 and "--file" in result.output


def test_check_reports_live_feeds_and_sitemaps(tmp_path):
    with DemoWeb(virtual_hosts=True) as web:
        sources = tmp_path / "sources.toml"
        sources.write_text(web.sources_toml())
        result = run("--data-dir", str(tmp_path), "sources", "check", "--sources", str(sources), "--json",
                     "--silent-after", "3650", env={"ADVOCACY_CRAWLER_HTTP_PROXY": web.proxy_url})
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["outlets"] == {outlet.key: "ok" for outlet in web.outlets}
    feeds = [e for e in report["endpoints"] if e["kind"] == "feed"]
    assert len(feeds) == 4 and all(e["ok"] and e["items"] > 0 and e["newest"] for e in feeds)


def test_check_flags_a_dead_feed(tmp_path):
    sources = tmp_path / "sources.toml"
    sources.write_text('[[outlet]]\nkey = "gone"\nhomepage = "http://127.0.0.1:9/"\nfeeds = ["http://127.0.0.1:9/feed"]\n')
    result = run("--data-dir", str(tmp_path), "sources", "check", "--sources", str(sources), "--timeout", "2")
    assert result.exit_code == 0 and "failing" in result.output and "FAILING" in result.output
