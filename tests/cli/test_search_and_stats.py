"""`advocacy search` with the query language and `advocacy stats`, on a small index written for the purpose."""
import csv
import io
import json

import pytest
from click.testing import CliRunner

from advocacy.article import Article, Entity, Passage, ThemeScore, article_id
from advocacy.cli import main
from advocacy.index.sqlite import SqliteStore

UNHCR = Entity("org:unhcr", "UNHCR", "organisation", ["HCR"], 2)
IOM = Entity("org:iom", "IOM", "organisation", ["OIM"], 1)
OUJDA = Entity("place:oujda", "Oujda", "place", ["Oujda"], 1)

# slug: (outlet, name, language, day, themes, entities, carried_by, title, text)
CORPUS = {
    "doctors": ("atlas", "The Atlas Tribune", "en", "2024-01-03", ["health"], [UNHCR], ["echo"],
                "Volunteer doctors treat refugees",
                "Volunteer doctors gave free consultations to refugees in Rabat, the UNHCR said."),
    "medecins": ("echo", "L'Écho du Détroit", "fr", "2024-01-10", ["health"], [UNHCR, OUJDA], [],
                 "Des médecins bénévoles soignent les réfugiés",
                 "À Oujda, la santé des réfugiées s'améliore grâce aux consultations gratuites du HCR."),
    "clinic": ("atlas", "The Atlas Tribune", "en", "2024-02-14", ["health"], [IOM], [],
               "A mobile clinic for migrant women", "The IOM runs a mobile clinic for migrant women in Tangier."),
    "evictions": ("echo", "L'Écho du Détroit", "fr", "2024-02-20", ["housing"], [IOM, OUJDA], [],
                  "Des familles expulsées à Oujda", "Des familles de migrants ont été expulsées de leurs logements."),
    "school": ("atlas", "The Atlas Tribune", "en", None, ["education"], [], [],
               "Refugee pupils return to class", "Refugee children went back to school in Rabat."),
}


def build(slug):
    outlet, name, language, day, themes, entities, carried_by, title, text = CORPUS[slug]
    url = f"http://{outlet}.test/{slug}"
    return Article(id=article_id(url), url=url, outlet=outlet, outlet_name=name, country="MA", language=language,
                   title=title, text=text, published_at=f"{day}T09:00:00+00:00" if day else None, stage="indexed",
                   themes=[ThemeScore(t, 0.9) for t in themes], entities=list(entities), carried_by=list(carried_by),
                   passages=[Passage(0, text, 0, len(text))])


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("indexed")
    store = SqliteStore(directory / "index.db")
    for slug in CORPUS:
        store.upsert(build(slug))
    store.close()
    (directory / "sources.toml").write_text(
        '[[outlet]]\nkey = "atlas"\nname = "The Atlas Tribune"\nhomepage = "http://atlas.test/"\nreach = 150000\n\n'
        '[[outlet]]\nkey = "echo"\nname = "L\'Écho du Détroit"\nhomepage = "http://echo.test/"\nreach = 60000\n',
        encoding="utf-8")
    return directory


def run(data_dir, *args):
    return CliRunner().invoke(main, ["--data-dir", str(data_dir), *args], catch_exceptions=False)


def test_search_with_fields_groups_and_two_languages(data_dir):
    result = run(data_dir, "search", "theme:health AND (réfugiés OR refugees)", "--mode", "keyword", "--json")
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    assert found["total"] == 2
    hits = {hit["id"]: hit for hit in found["hits"]}
    assert set(hits) == {build("doctors").id, build("medecins").id}
    assert [hit["score"] for hit in found["hits"]] == sorted((hit["score"] for hit in found["hits"]), reverse=True)
    doctors = hits[build("doctors").id]
    assert "refugees" in [doctors["snippet"][start:end] for start, end in doctors["highlights"]]
    # Short texts are shown whole, the words marked as the outlet wrote them.
    medecins = hits[build("medecins").id]
    assert medecins["snippet"] == ("À Oujda, la santé des réfugiées s'améliore grâce aux consultations gratuites "
                                   "du HCR.")
    assert medecins["highlights"] == [[22, 31]] and medecins["snippet"][22:31] == "réfugiées"
    assert hits[build("medecins").id]["passage"].startswith("À Oujda")


def test_search_prints_ranked_hits_for_people(data_dir):
    result = run(data_dir, "search", 'entity:HCR "consultations gratuites"', "--mode", "keyword")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("1 result for")
    assert "Des médecins bénévoles soignent les réfugiés" in result.output
    # Piped, the snippet is plain text; on a terminal the matched words are in bold.
    assert "   À Oujda, la santé des réfugiées s'améliore grâce aux consultations gratuites du HCR.\n" in (
        result.output)
    coloured = CliRunner().invoke(main, ["--data-dir", str(data_dir), "search", 'entity:HCR "consultations gratuites"',
                                         "--mode", "keyword"], color=True, catch_exceptions=False)
    assert "grâce aux \x1b[1mconsultations gratuites\x1b[0m du HCR." in coloured.output


@pytest.mark.parametrize("mode", ["keyword", "hybrid", "semantic"])
@pytest.mark.parametrize("query, where, why", [
    ("(refugees AND", "at position 10", "AND needs something on both sides"),
    ("theme:", "at the end", "theme: needs a value"),
    ('"unclosed', "at the end", "unclosed quote opened at position 0"),
    ("refugees) OR migrants", "at position 8", '")" closes nothing'),
    ("themes:health", "at position 0", 'did you mean "theme"'),
])
def test_a_malformed_query_is_one_clear_line(data_dir, mode, query, where, why):
    result = run(data_dir, "search", query, "--mode", mode)
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output
    assert query in lines[0] and where in lines[0] and why in lines[0]


def test_stats_refuse_a_malformed_query_too(data_dir):
    result = run(data_dir, "stats", "terms", "lang:fr AND")
    assert result.exit_code == 1 and "AND needs something on both sides" in result.output


def parse_csv(text):
    return list(csv.DictReader(io.StringIO(text)))


def test_stats_attention_as_table_json_and_csv(data_dir):
    table = run(data_dir, "stats", "attention", "theme:health", "--by", "month")
    assert table.exit_code == 0, table.output
    assert table.output.splitlines()[0].split() == ["month", "articles", "all", "articles", "share", "spike"]
    assert "2024-01-01" in table.output and "100.0%" in table.output and "3 matching articles" in table.output

    figures = json.loads(run(data_dir, "stats", "attention", "theme:health", "--by", "month", "--json").output)
    assert figures["matching"] == 3 and figures["by"] == "month" and figures["undated"] == 0
    assert [(row["period"], row["count"], row["total"]) for row in figures["rows"]] == [
        ("2024-01-01", 2, 2), ("2024-02-01", 1, 2)]
    assert figures["rows"][1]["share"] == 0.5 and figures["rows"][1]["spike"] is False

    rows = parse_csv(run(data_dir, "stats", "attention", "refugee* OR réfugiés", "--by", "week", "--csv").output)
    assert rows[0]["period"] == "2024-01-01" and rows[0]["count"] == "1" and set(rows[0]) >= {"share", "spike"}
    undated = json.loads(run(data_dir, "stats", "attention", "refugee*", "--json").output)
    assert undated["undated"] == 1       # the school story has no date


def test_stats_share_of_voice(data_dir):
    figures = json.loads(run(data_dir, "stats", "share-of-voice", "--json").output)
    rows = {row["entity"]: row for row in figures["rows"]}
    assert set(rows) == {"org:unhcr", "org:iom"}          # organisations only: Oujda is a place
    assert rows["org:unhcr"]["articles"] == 2 and rows["org:unhcr"]["exposure"] == 3   # one story syndicated
    assert rows["org:unhcr"]["share"] == pytest.approx(0.5)
    table = run(data_dir, "stats", "share-of-voice", "lang:fr")
    assert table.exit_code == 0 and "UNHCR" in table.output and "IOM" in table.output
    rows = parse_csv(run(data_dir, "stats", "share-of-voice", "theme:housing", "--csv").output)
    assert [(row["name"], row["share"]) for row in rows] == [("IOM", "1.0")]


def test_stats_outlets_with_reach_from_the_sources_file(data_dir):
    sources = str(data_dir / "sources.toml")
    figures = json.loads(run(data_dir, "stats", "outlets", "theme:health", "--sources", sources, "--json").output)
    rows = {row["outlet"]: row for row in figures["rows"]}
    # atlas: 2 articles; echo: 1 article and the syndicated copy of atlas's story.
    assert (rows["atlas"]["appearances"], rows["atlas"]["audience"]) == (2, 300_000)
    assert (rows["echo"]["appearances"], rows["echo"]["audience"]) == (2, 120_000)
    assert figures["audience"] == 420_000 and figures["unknown_reach"] == []
    table = run(data_dir, "stats", "outlets", "theme:health", "--sources", sources)
    assert "300,000" in table.output and "The Atlas Tribune" in table.output
    unknown = run(data_dir, "stats", "outlets", "--csv")   # the built-in source list knows neither outlet
    assert {row["outlet"]: row["reach"] for row in parse_csv(unknown.output)} == {"atlas": "", "echo": ""}
    assert "No reach known" in run(data_dir, "stats", "outlets").output


def test_stats_entities_and_terms(data_dir):
    places = json.loads(run(data_dir, "stats", "entities", "--type", "place", "--json").output)["rows"]
    assert [(row["name"], row["articles"]) for row in places] == [("Oujda", 2)]
    everything = parse_csv(run(data_dir, "stats", "entities", "--csv").output)
    assert {row["entity"] for row in everything} == {"org:unhcr", "org:iom", "place:oujda"}
    assert "UNHCR" in run(data_dir, "stats", "entities", "theme:health").output

    terms = json.loads(run(data_dir, "stats", "terms", "lang:en", "--limit", "3", "--json").output)["rows"]
    assert len(terms) == 3 and (terms[0]["term"], terms[0]["count"], terms[0]["articles"]) == ("rabat", 2, 2)
    assert "consultations" in run(data_dir, "stats", "terms", "lang:fr").output
    rows = parse_csv(run(data_dir, "stats", "terms", "clinic", "--csv").output)
    assert {"term", "count", "articles"} <= set(rows[0])


def test_stats_on_an_empty_selection_and_both_formats(data_dir):
    empty = run(data_dir, "stats", "terms", "lang:ar")
    assert empty.exit_code == 0 and "No indexed article matches" in empty.output
    both = run(data_dir, "stats", "terms", "--json", "--csv")
    assert both.exit_code == 2 and "choose one of --json and --csv" in both.output


def test_stats_attention_flags_a_spike(tmp_path):
    store = SqliteStore(tmp_path / "index.db")
    days = [f"2024-01-{day:02d}" for day in (1, 8, 15, 22, 29)] + ["2024-02-05", "2024-02-12"] + ["2024-02-19"] * 6
    for number, day in enumerate(days):
        url = f"http://atlas.test/boat-{number}"
        store.upsert(Article(id=article_id(url), url=url, outlet="atlas", title="Boat", text="A boat capsized.",
                             language="en", published_at=f"{day}T08:00:00+00:00"))
    store.close()
    figures = json.loads(run(tmp_path, "stats", "attention", "boat", "--json").output)
    assert figures["spikes"] == ["2024-02-19"]
    last = figures["rows"][-1]
    assert (last["period"], last["count"], last["spike"]) == ("2024-02-19", 6, True) and last["z"] > 3
    table = run(tmp_path, "stats", "attention", "boat").output
    assert "1 spike: 2024-02-19" in table and table.splitlines()[-4].rstrip().endswith("yes")


@pytest.mark.parametrize("report, options", [("attention", {"by": "month"}), ("share-of-voice", {"limit": 5})])
def test_stats_through_the_store_contract_match_the_sql_reports(data_dir, report, options):
    """What a store without SQL (Elasticsearch) reports: the same rows, through the contract's methods."""
    from advocacy.config import load_settings
    from advocacy.index import SearchFilters, StoreError
    from advocacy.stats import _through_contract, run_stats

    settings = load_settings(environ={}).with_data_dir(data_dir)
    query, filters = "migrants OR refugees", SearchFilters(languages=["en", "fr"])
    expected = run_stats(settings, report, query, filters=filters, **options)
    store = SqliteStore(data_dir / "index.db")
    try:
        contract = _through_contract(store, report, query, filters=filters, by=options.get("by", "week"),
                                     limit=options.get("limit", 20))
        with pytest.raises(StoreError, match="only attention and share-of-voice"):
            _through_contract(store, "terms", query, filters=filters, by="week", limit=5)
    finally:
        store.close()
    assert contract.rows == expected.rows and contract.rows
    assert contract.summary["matching"] == expected.summary["matching"]
