import json

from click.testing import CliRunner

from advocacy.cli import main


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_tag_a_jsonl_file_without_a_store(tmp_path):
    lines = [
        {"id": "a", "title": "Clinic turns away migrants",
         "text": "Migrants without papers were refused treatment at the hospital emergency ward in Oujda and a "
                 "pregnant woman had to give birth without medical care, doctors from an association said."},
        {"id": "b", "title": "Expulsions à Tanger",
         "text": "Une vingtaine de familles migrantes ont été expulsées de leur logement à Tanger ; le "
                 "propriétaire a changé les serrures et elles dorment désormais dans la rue."},
        {"id": "c", "title": "Derby", "text": "The home side won the derby two goals to one on Sunday evening."},
    ]
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n")
    out = tmp_path / "out.jsonl"
    result = run("--data-dir", str(tmp_path / "d"), "tag", "--jsonl", str(source), "--out", str(out))
    assert result.exit_code == 0, result.output
    tagged = {row["id"]: row for row in map(json.loads, out.read_text().splitlines())}
    assert tagged["a"]["labels"] == ["health"] and tagged["c"]["labels"] == []
    assert "housing" in tagged["b"]["labels"] and "health" not in tagged["b"]["labels"]
    assert set(tagged["a"]["scores"]) == {"health", "education", "housing", "justice"}
    assert "hospital" in json.dumps(tagged["a"]["reasons"]["health"])


def test_tag_reports_bad_lines(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text('{"id": "a", "text": "fine"}\n{"title": "no id"}\n')
    result = run("--data-dir", str(tmp_path / "d"), "tag", "--jsonl", str(source), "--out", str(tmp_path / "o.jsonl"))
    assert result.exit_code == 1 and "line 2" in result.output
    assert not (tmp_path / "o.jsonl").exists()


def test_eval_tags_reports_every_language_and_theme(tmp_path):
    result = run("--data-dir", str(tmp_path / "d"), "eval", "tags", "--split", "test", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["scorer"] == "learned model" and set(report["languages"]) == {"all", "en", "fr", "ar"}
    for block in report["languages"].values():
        assert set(block["themes"]) == {"health", "education", "housing", "justice"}
        assert 0 <= block["macro_f1"] <= 1 and block["items"] > 0
    rules = json.loads(run("--data-dir", str(tmp_path / "d"), "eval", "tags", "--scorer", "rules", "--json").output)
    assert rules["scorer"] == "rules"


def test_eval_tags_on_a_file_of_ones_own(tmp_path):
    labelled = tmp_path / "mine.jsonl"
    labelled.write_text(json.dumps({"id": "x1", "language": "en", "split": "test", "title": "Eviction",
                                    "text": "Families were evicted from their rooms in Rabat.", "labels": ["housing"]})
                        + "\n" + json.dumps({"id": "x2", "language": "en", "split": "test", "title": "t",
                                             "text": "x", "labels": ["weather"]}) + "\n")
    result = run("--data-dir", str(tmp_path / "d"), "eval", "tags", "--file", str(labelled), "--scorer", "rules")
    assert result.exit_code == 1 and "unknown theme" in result.output


def test_a_correction_of_an_unknown_theme_or_article(tmp_path):
    result = run("--data-dir", str(tmp_path), "tags", "correct", "abc", "weather", "yes")
    assert result.exit_code == 1 and "unknown theme" in result.output
    assert "No corrections yet." in run("--data-dir", str(tmp_path), "tags", "corrections").output
