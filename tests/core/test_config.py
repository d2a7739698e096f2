import pytest

from advocacy.config import ConfigError, default_config_text, load_settings


def test_defaults_work_without_any_file(tmp_path):
    settings = load_settings(environ={})
    assert settings.get("nlp", "embedding_model") == "all-MiniLM-L6-v2"
    assert settings.store_url.startswith("sqlite:///")
    assert settings.with_data_dir(tmp_path).store_url == f"sqlite:///{tmp_path}/index.db"


def test_user_file_overrides_defaults_and_resolves_relative_paths(tmp_path):
    config = tmp_path / "advocacy.toml"
    config.write_text('data_dir = "data"\n[crawler]\ndownload_delay = 2\n[sources]\nfile = "my-sources.toml"\n')
    settings = load_settings(config, environ={})
    assert settings.data_dir == tmp_path / "data"
    assert settings.get("crawler", "download_delay") == 2.0
    assert settings.path_or_none("sources", "file") == tmp_path / "my-sources.toml"
    assert settings.path_or_none("nlp", "themes_file") is None


def test_environment_overrides_the_file(tmp_path):
    settings = load_settings(environ={"ADVOCACY_CRAWLER_OBEY_ROBOTS_TXT": "false",
                                      "ADVOCACY_DATA_DIR": str(tmp_path), "ADVOCACY_NLP_BATCH_SIZE": "8"})
    assert settings.get("crawler", "obey_robots_txt") is False
    assert settings.get("nlp", "batch_size") == 8
    assert settings.data_dir == tmp_path


@pytest.mark.parametrize("content, message", [
    ("[crawler]\ndownload_dely = 1\n", "unknown setting 'download_dely'"),
    ("[crawler]\ndownload_delay = \"fast\"\n", "must be a number"),
    ("[crawler]\nobey_robots_txt = \"maybe\"\n", "true or false"),
    ("crawler = 3\n", "must be a table"),
    ("[crawler\n", "not valid TOML"),
])
def test_bad_files_are_reported_with_the_key(tmp_path, content, message):
    config = tmp_path / "bad.toml"
    config.write_text(content)
    with pytest.raises(ConfigError, match=message):
        load_settings(config, environ={})


def test_missing_file_says_how_to_create_one(tmp_path):
    with pytest.raises(ConfigError, match="advocacy config init"):
        load_settings(tmp_path / "nope.toml", environ={})


def test_the_documented_defaults_are_the_defaults(tmp_path):
    copy = tmp_path / "copy.toml"
    copy.write_text(default_config_text())
    assert load_settings(copy, environ={}).table == load_settings(environ={}).table
