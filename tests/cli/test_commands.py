"""Commands answer bad input with a clear message and exit code, never a traceback."""
import json

from click.testing import CliRunner

from advocacy.cli import main


def run(*args, env=None):
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def test_status_of_an_empty_data_dir(tmp_path):
    result = run("--data-dir", str(tmp_path), "status", "--json")
    assert result.exit_code == 0
    counts = json.loads(result.output)
    assert counts["articles"] == 0 and set(counts["by_stage"]) == {"collected", "enriched", "indexed"}


def test_a_broken_configuration_file_is_reported(tmp_path):
    config = tmp_path / "bad.toml"
    config.write_text("[crawler]\ndownload_delay = 'soon'\n")
    result = run("--config", str(config), "status")
    assert result.exit_code == 1 and "download_delay must be a number" in result.output
    assert "Traceback" not in result.output


def test_config_init_writes_a_file_that_loads(tmp_path):
    target = tmp_path / "advocacy.toml"
    assert run("config", "init", str(target)).exit_code == 0
    again = run("config", "init", str(target))
    assert again.exit_code == 1 and "--force" in again.output
    shown = run("--config", str(target), "config", "show")
    assert shown.exit_code == 0 and str(target) in shown.output


def test_show_with_an_unknown_id(tmp_path):
    result = run("--data-dir", str(tmp_path), "show", "abc123")
    assert result.exit_code == 1 and "no article with id" in result.output


def test_search_rejects_a_bad_date(tmp_path):
    result = run("--data-dir", str(tmp_path), "search", "refugees", "--since", "last week")
    assert result.exit_code == 2 and "is not a date like" in result.output


def test_search_on_an_empty_index(tmp_path):
    result = run("--data-dir", str(tmp_path), "search", "refugees", "--json")
    assert result.exit_code == 0 and json.loads(result.output)["total"] == 0


def test_unknown_store_backend(tmp_path):
    result = run("--data-dir", str(tmp_path), "search", "x", env={"ADVOCACY_INDEX_STORE_URL": "mongodb://db/x"})
    assert result.exit_code == 1 and "names no known backend" in result.output


def test_brief_needs_a_known_template(tmp_path):
    result = run("--data-dir", str(tmp_path), "brief", "press-release")
    assert result.exit_code == 1 and "policy-paper" in result.output
    result = run("--data-dir", str(tmp_path), "brief")
    assert result.exit_code == 2 and "policy-paper" in result.output


def test_brief_with_an_unknown_theme(tmp_path):
    result = run("--data-dir", str(tmp_path), "brief", "policy-paper", "--theme", "weather")
    assert result.exit_code == 1 and "unknown theme" in result.output


def test_crawl_with_an_unknown_outlet(tmp_path):
    sources = tmp_path / "sources.toml"
    sources.write_text('[[outlet]]\nkey = "a"\nhomepage = "http://a.test/"\n')
    result = run("--data-dir", str(tmp_path), "crawl", "--sources", str(sources), "--outlet", "b")
    assert result.exit_code == 1 and "unknown outlet" in result.output


def test_crawl_with_a_broken_sources_file(tmp_path):
    sources = tmp_path / "sources.toml"
    sources.write_text('[[outlet]]\nkey = "a"\nhomepage = "gopher://a.test/"\n')
    result = run("--data-dir", str(tmp_path), "crawl", "--sources", str(sources))
    assert result.exit_code == 1 and "not an http(s) URL" in result.output


def test_a_corrupt_ledger_is_reported_not_overwritten(tmp_path):
    ledger = tmp_path / "ledger.db"
    ledger.write_bytes(b"garbage" * 200)
    result = run("--data-dir", str(tmp_path), "status")
    assert result.exit_code == 1 and "not a usable ledger" in result.output
    assert ledger.read_bytes() == b"garbage" * 200


def test_enrich_and_index_with_nothing_to_do(tmp_path):
    assert "Enriched 0 articles" in run("--data-dir", str(tmp_path), "enrich").output
    assert "Indexed 0 articles" in run("--data-dir", str(tmp_path), "index").output


def test_extract_writes_text_by_file_id(tmp_path):
    import gzip

    page = ("<html><body><nav>Home</nav><article><h1>Title</h1>" + "<p>Refugees in Rabat received free "
            "consultations from volunteer doctors, the association said on Monday evening.</p>" * 5
            + "</article><footer>Contact</footer></body></html>")
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "one.html").write_text(page)
    (tmp_path / "pages" / "two.html.gz").write_bytes(gzip.compress(page.encode()))
    out = tmp_path / "out.json"
    result = run("extract", str(tmp_path / "pages"), "--json", str(out))
    assert result.exit_code == 0, result.output
    texts = json.loads(out.read_text())
    assert set(texts) == {"one", "two"} and "volunteer doctors" in texts["two"] and "Contact" not in texts["one"]
    missing = run("extract", str(tmp_path / "nope"), "--json", str(out))
    assert missing.exit_code == 1 and "no such file" in missing.output
