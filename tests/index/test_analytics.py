"""Media-exposure analytics, computed on a real store holding a small, hand-counted corpus.

The corpus runs from January to April 2024 (weeks start on Mondays; 2024-01-01 is one). It has four
outlets, one of which only appears as a syndication partner, two undated articles, a quiet week with no
articles at all, and a planted spike: the week of 11 March, when ten articles covered a capsized boat.
The expected figures below were counted by hand from the table.
"""
import csv
import io

import pytest

from advocacy.article import Article, Entity, Passage, ThemeScore, article_id
from advocacy.index.analytics import (ALL, BUCKETS, STOPWORDS, attention, attention_report, breakdown,
                                      reach_exposure, share_of_voice, spikes, to_csv, top_entities, top_outlets,
                                      top_terms, undated_count)
from advocacy.index.sqlite import SqliteStore

OUTLETS = {  # key: (display name, country, language)
    "atlas": ("Atlas Daily", "MA", "en"),
    "echo": ("L'Écho du Nord", "MA", "fr"),
    "sahel": ("Sahel Observer", "ML", "fr"),
    "nour": ("نور", "MA", "ar"),
}
REACH = {"atlas": 100_000, "echo": 50_000, "sahel": 20_000, "wire": 5_000}  # no figure for nour

U, I, X = "org:unhcr", "org:iom", "org:oxfam"
SPIKE_ENTITIES = {U: 2, I: 1, "place:oujda": 1, "pop:refugees": 1}
NAMES = {U: "UNHCR", I: "IOM", X: "Oxfam", "place:oujda": "Oujda", "pop:refugees": "refugees"}
TYPES = {"org": "organisation", "place": "place", "pop": "population"}

SPIKE_TEXT = {
    "en": ("Boat capsizes off Oujda, UNHCR says",
           "The UNHCR said that the boat was carrying refugees and migrants. The IOM said survivors were taken "
           "to Oujda."),
    "fr": ("Un bateau chavire au large de Oujda", "Un bateau a chaviré au large de Oujda, selon le HCR."),
}
TEXTS = {  # number -> (title, text), where a test reads the words
    5: ("المفوضية تدعم اللاجئين", "قالت المفوضيّة إن اللاجئين في حاجة إلى الدعم."),
    11: ("أطفال اللاجئين", "هذه المفوضية التي تدعم اطفال اللاجئين."),
    19: ("غرق قارب قرب وجدة", "قالت المفوضية إن القارب غرق قرب وجدة."),
    24: ("غرق قارب للمهاجرين", "غرق القارب على بعد كيلومترات من وجدة."),
    29: ("المنظمة الدولية للهجرة", "أعلنت المنظمة الدولية للهجرة عن برنامج جديد."),
    6: ("Les enfants réfugiés à l'école", "Les enfants des réfugiés sont inscrits à l'école de Oujda."),
    14: ("Rentrée scolaire pour les enfants", "La rentrée des enfants REFUGIES est difficile selon les écoles."),
    30: ("École et asile", "Une école pour les enfants demandeurs d'asile."),
}

# number, day (None: undated), outlet, themes, entities {id: count}, carried_by
CORPUS = [
    (1, "2024-01-02", "atlas", ["health"], {U: 1}, []),
    (2, "2024-01-04", "echo", ["housing"], {X: 1}, []),
    (3, "2024-01-10", "sahel", ["justice"], {I: 1}, []),
    (4, "2024-01-15", "atlas", ["health"], {X: 2}, ["echo"]),
    (5, "2024-01-19", "nour", ["health"], {U: 1}, []),
    (6, "2024-01-24", "echo", ["education"], {}, []),
    (7, "2024-01-29", "atlas", ["housing"], {U: 1, X: 1}, []),
    (8, "2024-02-02", "sahel", ["justice"], {I: 2}, []),       # in the week of 29 January, but in February
    (9, "2024-02-07", "echo", ["health"], {U: 1}, []),
    # nothing in the week of 12 February
    (10, "2024-02-20", "atlas", ["justice"], {}, []),
    (11, "2024-02-23", "nour", ["housing"], {X: 1}, []),
    (12, "2024-02-29", "sahel", ["health"], {U: 1}, []),
    (13, "2024-03-05", "atlas", ["health", "justice"], {I: 1}, []),
    (14, "2024-03-08", "echo", ["education"], {}, []),
    # the spike: ten articles in the week of 11 March
    (15, "2024-03-11", "atlas", ["protection"], SPIKE_ENTITIES, ["wire", "echo"]),
    (16, "2024-03-11", "echo", ["protection"], SPIKE_ENTITIES, []),
    (17, "2024-03-12", "atlas", ["protection"], SPIKE_ENTITIES, ["wire", "echo"]),
    (18, "2024-03-12", "sahel", ["protection"], SPIKE_ENTITIES, []),
    (19, "2024-03-13", "nour", ["protection"], SPIKE_ENTITIES, ["wire"]),
    (20, "2024-03-13", "echo", ["protection"], SPIKE_ENTITIES, []),
    (21, "2024-03-14", "atlas", ["protection"], SPIKE_ENTITIES, []),
    (22, "2024-03-14", "sahel", ["protection"], SPIKE_ENTITIES, []),
    (23, "2024-03-15", "echo", ["protection"], SPIKE_ENTITIES, []),
    (24, "2024-03-15", "nour", ["protection"], SPIKE_ENTITIES, []),
    (25, "2024-03-18", "sahel", ["protection"], {U: 1}, []),
    (26, "2024-03-21", "atlas", ["health"], {X: 1}, []),
    (27, "2024-03-27", "echo", ["housing"], {}, []),
    (28, "2024-04-01", "atlas", ["health"], {U: 1}, ["wire", "atlas", "wire"]),  # self and repeat: ignored
    (29, "2024-04-04", "nour", ["health"], {I: 1}, []),
    # nothing in the week of 8 April; a mild rise to three in the week of 15 April
    (30, "2024-04-15", "echo", ["education"], {X: 1}, []),
    (31, "2024-04-16", "sahel", ["justice"], {}, []),
    (32, "2024-04-18", "atlas", ["housing"], {}, []),
    (33, "2024-04-24", "echo", ["justice"], {}, []),
    (34, None, "atlas", ["health"], {U: 1}, []),
    (35, None, "echo", ["housing"], {}, []),
]

WEEKLY = [("2024-01-01", 2), ("2024-01-08", 1), ("2024-01-15", 2), ("2024-01-22", 1), ("2024-01-29", 2),
          ("2024-02-05", 1), ("2024-02-12", 0), ("2024-02-19", 2), ("2024-02-26", 1), ("2024-03-04", 2),
          ("2024-03-11", 10), ("2024-03-18", 2), ("2024-03-25", 1), ("2024-04-01", 2), ("2024-04-08", 0),
          ("2024-04-15", 3), ("2024-04-22", 1)]

FRENCH = ("d.language = ?", ["fr"])


def build(number, day, outlet, themes, entities, carried_by):
    name, country, language = OUTLETS[outlet]
    if number == 1:
        name = "Atlas"  # the outlet's former name: labels use the latest one
    if number in TEXTS:
        title, text = TEXTS[number]
    elif 15 <= number <= 24 and language in SPIKE_TEXT:
        title, text = SPIKE_TEXT[language]
    else:
        title, text = f"Note {number}", "Rights of refugees and migrants."
    url = f"http://{outlet}.test/story-{number}"
    return Article(
        id=article_id(url), url=url, outlet=outlet, outlet_name=name, country=country, language=language,
        title=title, text=text, published_at=f"{day}T09:00:00+00:00" if day else None, stage="indexed",
        carried_by=list(carried_by), themes=[ThemeScore(t, 0.8) for t in themes],
        entities=[Entity(e, NAMES[e], TYPES[e.split(":")[0]], [NAMES[e]], n) for e, n in entities.items()],
        passages=[Passage(0, text, 0, len(text))])


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    store = SqliteStore(tmp_path_factory.mktemp("analytics") / "index.db")
    for row in CORPUS:
        store.upsert(build(*row))
    yield store._db
    store.close()


def outlet_is(key):
    return ("d.outlet = ?", [key])


def theme_is(theme):
    return ("d.rowid IN (SELECT doc FROM doc_themes WHERE theme = ?)", [theme])


# -- attention -----------------------------------------------------------------------------------------------

def test_weekly_attention_is_zero_filled_and_labelled_by_monday(db):
    series = attention(db)
    assert [(r["period"], r["count"]) for r in series] == WEEKLY
    assert all(r["total"] == r["count"] for r in series)
    assert [r["share"] for r in series if r["count"] == 0] == [0.0, 0.0]
    assert {r["share"] for r in series if r["count"]} == {1.0}
    assert sum(r["count"] for r in series) == 33
    assert undated_count(db) == 2


def test_attention_of_a_filtered_query_is_shared_against_all_coverage(db):
    series = {r["period"]: r for r in attention(db, where=FRENCH)}
    assert len(series) == 17
    assert series["2024-03-11"] == {"period": "2024-03-11", "count": 5, "total": 10, "share": 0.5}
    assert series["2024-01-15"] == {"period": "2024-01-15", "count": 0, "total": 2, "share": 0.0}
    assert series["2024-02-12"] == {"period": "2024-02-12", "count": 0, "total": 0, "share": 0.0}
    assert series["2024-04-15"]["count"] == 2 and series["2024-04-15"]["total"] == 3
    assert sum(r["count"] for r in series.values()) == 17
    assert undated_count(db, where=FRENCH) == 1


def test_attention_spans_the_matching_articles_only(db):
    series = attention(db, where=outlet_is("nour"))
    assert series[0]["period"] == "2024-01-15" and series[-1]["period"] == "2024-04-01"
    assert len(series) == 12
    assert [r["period"] for r in series if r["count"]] == ["2024-01-15", "2024-02-19", "2024-03-11", "2024-04-01"]
    assert series[8] == {"period": "2024-03-11", "count": 2, "total": 10, "share": 0.2}
    assert undated_count(db, where=outlet_is("nour")) == 0


def test_monthly_and_daily_buckets(db):
    months = attention(db, by="month")
    assert [(r["period"], r["count"]) for r in months] == [
        ("2024-01-01", 7), ("2024-02-01", 5), ("2024-03-01", 15), ("2024-04-01", 6)]
    days = attention(db, by="day", since="2024-03-11", until="2024-03-12")
    assert [(r["period"], r["count"]) for r in days] == [("2024-03-11", 2), ("2024-03-12", 2)]
    assert BUCKETS == ("day", "week", "month")
    with pytest.raises(ValueError):
        attention(db, by="year")


def test_since_and_until_bound_the_series_and_cut_edge_weeks(db):
    series = attention(db, since="2024-03-01", until="2024-03-31")
    # 1 March is a Friday: its week starts on 26 February, but 29 February lies outside the bounds.
    assert [(r["period"], r["count"], r["total"]) for r in series] == [
        ("2024-02-26", 0, 0), ("2024-03-04", 2, 2), ("2024-03-11", 10, 10), ("2024-03-18", 2, 2),
        ("2024-03-25", 1, 1)]
    quiet = attention(db, where=outlet_is("nour"), since="2024-02-05", until="2024-02-18")
    assert [(r["period"], r["count"], r["total"]) for r in quiet] == [("2024-02-05", 0, 1), ("2024-02-12", 0, 0)]
    assert attention(db, where=outlet_is("nobody")) == []


def test_attention_follows_a_full_text_query(db):
    series = attention(db, where=("d.rowid IN (SELECT rowid FROM docs_fts WHERE docs_fts MATCH ?)", ['"capsizes"']))
    assert series == [{"period": "2024-03-11", "count": 3, "total": 10, "share": 0.3}]


# -- breakdowns ----------------------------------------------------------------------------------------------

def test_breakdown_by_outlet_uses_the_latest_display_name(db):
    rows = breakdown(db, field="outlet")
    assert [(r["value"], r["label"], r["count"]) for r in rows] == [
        ("atlas", "Atlas Daily", 12), ("echo", "L'Écho du Nord", 11), ("sahel", "Sahel Observer", 7),
        ("nour", "نور", 5)]
    assert rows[0]["share"] == pytest.approx(12 / 35)


def test_breakdown_by_theme_counts_articles_with_several_themes_in_each(db):
    rows = breakdown(db, field="theme")
    assert [(r["value"], r["count"]) for r in rows] == [
        ("protection", 11), ("health", 10), ("housing", 6), ("justice", 6), ("education", 3)]
    assert sum(r["share"] for r in rows) == pytest.approx(36 / 35)
    assert [r["value"] for r in breakdown(db, field="theme", limit=2)] == ["protection", "health"]


def test_breakdown_by_country_and_language_with_a_filter(db):
    assert [(r["value"], r["count"]) for r in breakdown(db, field="country")] == [("MA", 28), ("ML", 7)]
    assert [(r["value"], r["count"]) for r in breakdown(db, field="language")] == [("fr", 18), ("en", 12), ("ar", 5)]
    french = breakdown(db, field="outlet", where=FRENCH)
    assert [(r["value"], r["count"], r["share"]) for r in french] == [("echo", 11, 11 / 18), ("sahel", 7, 7 / 18)]
    with pytest.raises(ValueError):
        breakdown(db, field="author")


# -- share of voice ------------------------------------------------------------------------------------------

def test_share_of_voice_counts_articles_mentions_and_syndicated_exposure(db):
    rows = share_of_voice(db)
    assert [(r["entity"], r["name"], r["articles"], r["mentions"], r["exposure"]) for r in rows] == [
        (U, "UNHCR", 18, 28, 24), (I, "IOM", 14, 15, 19), (X, "Oxfam", 6, 7, 7)]
    assert [r["share"] for r in rows] == pytest.approx([18 / 38, 14 / 38, 6 / 38])
    assert [r["exposure_share"] for r in rows] == pytest.approx([24 / 50, 19 / 50, 7 / 50])
    assert all(r["type"] == "organisation" for r in rows)
    assert [r["entity"] for r in share_of_voice(db, limit=2)] == [U, I]


def test_share_of_voice_of_chosen_organisations_within_a_filter(db):
    rows = share_of_voice(db, entities=[X, "org:msf", U], where=FRENCH)
    assert [(r["entity"], r["name"], r["articles"], r["mentions"], r["exposure"]) for r in rows] == [
        (X, "Oxfam", 2, 2, 2), ("org:msf", "msf", 0, 0, 0), (U, "UNHCR", 8, 13, 8)]
    # The denominator is every organisation named in French coverage, IOM's 7 articles included.
    assert [r["share"] for r in rows] == pytest.approx([2 / 17, 0.0, 8 / 17])


def test_share_of_voice_for_places(db):
    assert [(r["entity"], r["name"], r["articles"], r["share"]) for r in share_of_voice(db, type="place")] == [
        ("place:oujda", "Oujda", 10, 1.0)]


# -- reach ---------------------------------------------------------------------------------------------------

def test_reach_exposure_credits_carrying_outlets_and_lists_unknown_reach(db):
    result = reach_exposure(db, reach=REACH)
    assert result["series"] == [
        {"period": "2024-01-01", "articles": 7, "exposure": 8, "reach": 470_000},
        {"period": "2024-02-01", "articles": 5, "exposure": 5, "reach": 190_000},
        {"period": "2024-03-01", "articles": 15, "exposure": 20, "reach": 925_000},
        {"period": "2024-04-01", "articles": 6, "exposure": 7, "reach": 325_000},
    ]
    assert result["unknown_reach"] == ["nour"]


def test_reach_exposure_is_zero_filled_and_filtered(db):
    result = reach_exposure(db, reach=REACH, where=theme_is("education"))
    assert [(r["period"], r["articles"], r["reach"]) for r in result["series"]] == [
        ("2024-01-01", 1, 50_000), ("2024-02-01", 0, 0), ("2024-03-01", 1, 50_000), ("2024-04-01", 1, 50_000)]
    assert result["unknown_reach"] == []
    weekly = reach_exposure(db, reach={}, where=outlet_is("sahel"), by="week")["series"]
    assert len(weekly) == 15 and sum(r["articles"] for r in weekly) == 7
    assert reach_exposure(db, reach=REACH, where=outlet_is("nobody")) == {"series": [], "unknown_reach": []}


# -- top lists -----------------------------------------------------------------------------------------------

def test_top_outlets_include_syndication_partners(db):
    rows = top_outlets(db)
    assert [(r["outlet"], r["label"], r["articles"], r["carried"], r["appearances"]) for r in rows] == [
        ("echo", "L'Écho du Nord", 11, 3, 14), ("atlas", "Atlas Daily", 12, 0, 12),
        ("sahel", "Sahel Observer", 7, 0, 7), ("nour", "نور", 5, 0, 5), ("wire", "wire", 0, 4, 4)]
    assert rows[0]["country"] == "MA" and rows[0]["share"] == pytest.approx(11 / 35)
    assert "audience" not in rows[0]
    assert len(top_outlets(db, limit=2)) == 2


def test_top_outlets_by_audience_when_reach_is_known(db):
    rows = top_outlets(db, reach=REACH)
    assert [(r["outlet"], r["reach"], r["audience"]) for r in rows] == [
        ("atlas", 100_000, 1_200_000), ("echo", 50_000, 700_000), ("sahel", 20_000, 140_000),
        ("wire", 5_000, 20_000), ("nour", None, None)]


def test_top_entities_of_every_type_and_of_one(db):
    rows = top_entities(db)
    assert [(r["entity"], r["type"], r["articles"], r["mentions"]) for r in rows] == [
        (U, "organisation", 18, 28), (I, "organisation", 14, 15), ("place:oujda", "place", 10, 10),
        ("pop:refugees", "population", 10, 10), (X, "organisation", 6, 7)]
    assert rows[0]["name"] == "UNHCR" and rows[0]["share"] == pytest.approx(18 / 35)
    places = top_entities(db, type="place", where=FRENCH)
    assert [(r["entity"], r["articles"], r["share"]) for r in places] == [("place:oujda", 5, 5 / 18)]
    assert [r["entity"] for r in top_entities(db, type="organisation", limit=1)] == [U]


def test_top_terms_fold_arabic_spellings_and_drop_stopwords(db):
    rows = top_terms(db, where=outlet_is("nour"))
    assert [(r["folded"], r["count"], r["articles"]) for r in rows[:9]] == [
        ("مفوضيه", 4, 3), ("قارب", 4, 2), ("لاجئين", 4, 2), ("وجده", 3, 2), ("تدعم", 2, 2),
        ("اطفال", 2, 1), ("دوليه", 2, 1), ("للهجره", 2, 1), ("منظمه", 2, 1)]
    # "المفوضيّة" (with a shadda) and "المفوضية" are one term, shown as most often written.
    assert rows[0]["term"] == "المفوضية"
    assert {"اطفال": "أطفال", "لاجئين": "اللاجئين"}.items() <= {r["folded"]: r["term"] for r in rows}.items()
    folded = {r["folded"] for r in rows}
    assert not folded & {"قالت", "التي", "هذه", "غرق"}  # stopwords, and a word under min_length


def test_top_terms_fold_french_accents_and_case(db):
    rows = top_terms(db, where=theme_is("education"))
    assert [(r["term"], r["count"], r["articles"]) for r in rows[:5]] == [
        ("enfants", 5, 3), ("école", 4, 2), ("réfugiés", 3, 2), ("asile", 2, 1), ("rentrée", 2, 1)]
    assert len(rows) == 11 and not {r["folded"] for r in rows} & {"les", "pour", "selon", "sont"}
    assert top_terms(db, where=theme_is("education"), stopwords=STOPWORDS | {"Enfants"})[0]["term"] == "école"
    unfiltered = top_terms(db, where=theme_is("education"), stopwords=set(), min_length=3)
    assert ("les", 5) in [(r["term"], r["count"]) for r in unfiltered]


def test_top_terms_in_english_coverage(db):
    where = ("d.outlet = ? AND d.published_at >= ? AND d.published_at < ?", ["atlas", "2024-03-11", "2024-03-18"])
    rows = top_terms(db, where=where, limit=4)
    assert [(r["term"], r["count"], r["articles"]) for r in rows] == [
        ("boat", 6, 3), ("oujda", 6, 3), ("unhcr", 6, 3), ("capsizes", 3, 3)]
    every = {r["term"] for r in top_terms(db, where=where, limit=None, min_length=1)}
    assert not every & {"the", "said", "says", "that", "was", "were", "to", "off"}
    assert {"iom", "survivors", "carrying"} <= every


# -- spikes --------------------------------------------------------------------------------------------------

def test_spike_detection_finds_the_planted_week_only(db):
    found = spikes(attention(db))
    assert [(r["period"], r["count"]) for r in found] == [("2024-03-11", 10)]
    assert found[0]["baseline"] == 1.5
    assert found[0]["z"] == pytest.approx(8.5 / (1.4826 * 0.5))
    # Without the minimum count, the small weeks still do not qualify; the rise to 3 in April neither.
    assert [r["period"] for r in spikes(attention(db), min_count=1)] == ["2024-03-11"]
    assert spikes(attention(db), window=8, threshold=20) == []


def test_spikes_on_a_flat_baseline_and_short_history():
    flat = [{"period": str(i), "count": 0} for i in range(8)]
    assert [r["z"] for r in spikes(flat + [{"period": "8", "count": 5}])] == [5.0]  # zero MAD, zero mean deviation
    assert spikes(flat + [{"period": "8", "count": 2}], threshold=1) == []           # below min_count
    ones = [{"period": str(i), "count": 1} for i in range(8)] + [{"period": "8", "count": 2}]
    assert spikes(ones) == []
    mostly_flat = [{"period": str(i), "count": c} for i, c in enumerate([0, 0, 0, 0, 0, 0, 0, 2, 4])]
    found = spikes(mostly_flat)  # zero MAD: the mean absolute deviation (0.25) sets the scale
    assert [(r["period"], r["baseline"]) for r in found] == [("8", 0)]
    assert found[0]["z"] == pytest.approx(4 / (1.2533 * 0.25))
    assert spikes([{"period": "0", "count": 50}, {"period": "1", "count": 500}]) == []  # too little history
    reach_series = [{"period": str(i), "reach": 1000} for i in range(6)] + [{"period": "6", "reach": 90_000}]
    assert [r["period"] for r in spikes(reach_series, key="reach")] == ["6"]


# -- CSV -----------------------------------------------------------------------------------------------------

def test_csv_round_trips_awkward_values():
    rows = [
        {"outlet": "echo", "label": "L'Écho du Nord, \"édition\" Oujda", "count": 11, "share": 0.25},
        {"outlet": "nour", "label": "نور\nالمغرب", "count": 5, "share": None, "note": "line one\r\nline two"},
        {"outlet": "wire", "label": "", "count": 0, "share": 0.0},
    ]
    text = to_csv(rows)
    assert text.startswith("outlet,label,count,share,note\r\n")
    assert '"L\'Écho du Nord, ""édition"" Oujda"' in text
    back = list(csv.DictReader(io.StringIO(text, newline="")))
    assert back == [
        {"outlet": "echo", "label": "L'Écho du Nord, \"édition\" Oujda", "count": "11", "share": "0.25", "note": ""},
        {"outlet": "nour", "label": "نور\nالمغرب", "count": "5", "share": "", "note": "line one\r\nline two"},
        {"outlet": "wire", "label": "", "count": "0", "share": "0.0", "note": ""},
    ]
    assert text.encode("utf-8").decode("utf-8") == text


def test_csv_of_analytics_rows_and_formula_guard(db):
    rows = breakdown(db, field="outlet")
    back = list(csv.DictReader(io.StringIO(to_csv(rows), newline="")))
    assert [(r["value"], r["label"], int(r["count"]), float(r["share"])) for r in back] == [
        (r["value"], r["label"], r["count"], r["share"]) for r in rows]
    guarded = to_csv([{"title": "=HYPERLINK(\"x\")", "count": -3, "tags": ["a", "b"], "meta": {"k": 1}}])
    assert list(csv.reader(io.StringIO(guarded, newline="")))[1] == ["'=HYPERLINK(\"x\")", "-3", "a; b", '{"k": 1}']
    raw = to_csv([{"title": "=1+1"}], formula_guard=False)
    assert raw == "title\r\n=1+1\r\n"
    assert to_csv([]) == ""


@pytest.mark.parametrize("where, by, since, until", [
    (ALL, "week", None, None), (FRENCH, "month", None, None), (FRENCH, "day", "2024-03-01", "2024-03-31"),
    (outlet_is("nour"), "week", "2024-02-01", None), (ALL, "month", "2024-05-01", "2024-04-01"),
    (("d.rowid IN (SELECT rowid FROM docs_fts WHERE docs_fts MATCH ?)", ['"capsizes"']), "week", None, None),
])
def test_the_attention_report_gives_in_one_pass_what_three_calls_give(db, where, by, since, until):
    report = attention_report(db, where=where, by=by, since=since, until=until)
    assert report["series"] == attention(db, where=where, by=by, since=since, until=until)
    assert report["undated"] == undated_count(db, where=where)
    sql, params = where
    assert report["matching"] == db.execute(f"SELECT COUNT(*) FROM docs d WHERE {sql}", params).fetchone()[0]
