"""The search query language: parsing, normalisation, stemming, errors, and its SQL run for real."""
import json
import random
import sqlite3

import pytest

from advocacy.index.errors import QueryError
from advocacy.index.query import (
    FIELDS, MAX_ITEMS, MAX_NESTING, INDEX_TOKENIZER, And, Field, MatchAll, Not, Or, Phrase, QuerySyntaxError,
    Term, candidate_entity_ids, index_text, normalise_text, parse, ranking_fts, requires_text, restrictions, stem,
    text_terms, to_elasticsearch, to_sqlite, words,
)


def T(text, prefix=False):
    return Term(text, prefix)


# -- parsing ---------------------------------------------------------------------------------------------

def test_empty_queries_match_everything():
    assert parse("") is MatchAll
    assert parse("   \t ") is MatchAll
    assert parse("🙂 *") is MatchAll        # nothing a word index could look for


def test_precedence_not_over_and_over_or():
    assert parse("a OR b AND c") == Or((T("a"), And((T("b"), T("c")))))
    assert parse("a AND b OR c") == Or((And((T("a"), T("b"))), T("c")))
    assert parse("a OR NOT b c") == Or((T("a"), And((Not(T("b")), T("c")))))
    assert parse("a NOT b OR c") == Or((And((T("a"), Not(T("b")))), T("c")))


def test_implicit_and_and_minus():
    assert parse("refugees health") == And((T("refugees"), T("health")))
    assert parse("refugees AND health") == parse("refugees health")
    assert parse("migrants -Nador") == And((T("migrants"), Not(T("nador"))))
    assert parse("migrants NOT Nador") == parse("migrants -Nador")
    assert parse('refugees -"Le Matin"') == And((T("refugees"), Not(Phrase(("le", "matin")))))
    assert parse("refugees -(Nador OR Oujda)") == And((T("refugees"), Not(Or((T("nador"), T("oujda"))))))
    # Only a glued "-" negates; words keep their inner hyphens as adjacent words.
    assert parse("a - b") == And((T("a"), T("b")))
    assert parse("sub-saharan") == Phrase(("sub", "saharan"))
    assert parse("refugees NOT NOT health") == And((T("refugees"), T("health")))


def test_lower_case_operators_are_words():
    assert parse("not or and") == And((T("not"), T("or"), T("and")))


def test_nested_parentheses():
    assert parse("((a OR b) (c OR (d e)))") == And((Or((T("a"), T("b"))), Or((T("c"), And((T("d"), T("e")))))))
    assert parse("(((refugees)))") == T("refugees")


def test_phrases_prefixes_and_quotes():
    assert parse('"free consultations"') == Phrase(("free", "consultations"))
    assert parse('"asylum seek*"') == Phrase(("asylum", "seek"), prefix=True)
    assert parse("migrant*") == T("migrant", prefix=True)
    assert parse("“Le Matin”") == parse("«Le Matin»") == parse('"Le Matin"') == Phrase(("le", "matin"))
    assert parse("l'école") == Phrase(("l", "ecole"))
    assert parse('"refugees"') == T("refugees")


def test_filters_anywhere_quoted_and_combined():
    assert parse("after:2024-01-01 refugees lang:fr") == And(
        (Field("after", "2024-01-01"), T("refugees"), Field("lang", "fr")))
    assert parse('outlet:"Le Matin" health') == And((Field("outlet", "Le Matin"), T("health")))
    assert parse("outlet:«Le Matin»") == Field("outlet", "Le Matin")
    assert parse("(theme:health OR theme:housing) AND refugees") == And(
        (Or((Field("theme", "health"), Field("theme", "housing"))), T("refugees")))
    assert parse("refugees NOT lang:ar") == And((T("refugees"), Not(Field("lang", "ar"))))
    assert parse("refugees -country:ml") == And((T("refugees"), Not(Field("country", "ML"))))
    assert parse("entity:org:unhcr x") == And((Field("entity", "org:unhcr"), T("x")))
    assert parse("population:asylum_seekers x").parts[0] == Field("population", "asylum_seekers")


def test_field_values_are_tidied():
    assert parse("Theme:Health x").parts[0] == Field("theme", "health")
    assert parse("LANG:FR x").parts[0] == Field("lang", "fr")
    assert parse("language:français x").parts[0] == Field("lang", "fr")
    assert parse("lang:arabic x").parts[0] == Field("lang", "ar")
    assert parse("country:ma x").parts[0] == Field("country", "MA")
    assert parse("after:2024-1-5 x").parts[0] == Field("after", "2024-01-05")
    assert parse("before:2024/06 x").parts[0] == Field("before", "2024-06")
    assert parse("before:2024 x").parts[0] == Field("before", "2024")
    assert parse("after:٢٠٢٤-٠٣-٠١ x").parts[0] == Field("after", "2024-03-01")


def test_colons_that_are_not_fields():
    # A pasted headline or address is text.
    assert parse("Rabat: evictions") == And((T("rabat"), T("evictions")))
    assert parse("https://example.org/a") == Phrase(("https", "example", "org", "a"))
    assert parse("10:30") == Phrase(("10", "30"))


def test_text_terms_are_the_positive_words():
    node = parse('(refugees OR "free consultations") migrant* NOT Nador -(theme:health OR doctors)')
    assert text_terms(node) == ["refugees", "free consultations", "migrant*"]
    assert text_terms(node, wildcards=False) == ["refugees", "free consultations", "migrant"]
    assert text_terms(parse("santé NOT NOT Réfugiés")) == ["sante", "refugies"]
    assert text_terms(MatchAll) == []


# -- normalisation and stemming -----------------------------------------------------------------------------

def test_words_as_written_for_embedding_the_query():
    node = parse('theme:health (réfugiés OR "Free Consultations") -Nador migr*')
    assert text_terms(node, wildcards=False, as_written=True) == ["réfugiés", "Free Consultations", "migr"]
    assert text_terms(node, wildcards=False) == ["refugies", "free consultations", "migr"]
    assert parse("Réfugiés") == T("refugies")      # what was written does not change what the query means


def test_which_queries_require_their_words():
    assert requires_text(parse("refugees theme:health"))
    assert requires_text(parse("(refugees OR migrants) -Nador"))
    assert not requires_text(parse("refugees OR theme:health"))
    assert not requires_text(parse("theme:health -Nador"))
    assert not requires_text(MatchAll)


def test_restrictions_keep_fields_and_exclusions_but_not_wanted_words():
    assert restrictions(parse("theme:health AND (réfugiés OR refugees)")) == Field("theme", "health")
    assert restrictions(parse("refugees -Nador lang:fr")) == And((Not(T("nador")), Field("lang", "fr")))
    assert restrictions(parse("refugees OR theme:health")) is MatchAll
    assert restrictions(parse("(refugees theme:health) OR theme:housing")) == Or(
        (Field("theme", "health"), Field("theme", "housing")))
    assert restrictions(parse("refugees")) is MatchAll
    assert restrictions(MatchAll) is MatchAll


def test_normalisation_of_latin_text():
    assert normalise_text("Santé") == normalise_text("sante") == "sante"
    assert normalise_text("CŒUR") == "coeur"
    assert parse("SANTÉ") == parse("sante") == T("sante")


def test_normalisation_of_arabic_text():
    assert normalise_text("أطباء") == normalise_text("اطباء")          # alef with hamza above
    assert normalise_text("إدارة") == normalise_text("ادارة")           # alef with hamza below
    assert normalise_text("آمن") == normalise_text("امن")              # alef madda
    assert normalise_text("الصحة") == normalise_text("الصحه")          # ta marbuta
    assert normalise_text("مستشفى") == normalise_text("مستشفي")        # alef maqsura
    assert normalise_text("مسؤول") == normalise_text("مسئول")          # hamza on waw / on yeh
    assert normalise_text("اللَّاجِئِينَ") == normalise_text("اللاجئين")  # harakat
    assert normalise_text("لاجـــئين") == normalise_text("لاجئين")      # tatweel
    assert normalise_text("٢٠٢٤") == "2024"


def test_index_text_uses_the_same_normalisation():
    assert index_text("Réfugiés à l'hôpital", "fr") == ("refugies a l hopital", "refugi a l hopital")
    assert index_text("Refugees were housed", "en") == ("refugees were housed", "refuge were hous")
    assert words("L'Écho du Détroit") == ["l", "echo", "du", "detroit"]
    assert INDEX_TOKENIZER.startswith("unicode61")


@pytest.mark.parametrize("forms, language", [
    (("refugees", "refugee"), "en"),
    (("houses", "house", "housing", "housed"), "en"),
    (("studies", "studied", "study"), "en"),
    (("consultations", "consultation"), "en"),
    (("families", "family"), "en"),
    (("running", "run"), "en"),
    (("legally", "legal"), "en"),
    (("réfugiés", "réfugié", "réfugiée", "réfugiées", "refugies"), "fr"),
    (("hôpitaux", "hôpital"), "fr"),
    (("migrantes", "migrante", "migrants", "migrant"), "fr"),
    (("logements", "logement"), "fr"),
    (("rapidement", "rapide"), "fr"),
    (("santé", "sante"), "fr"),
    (("اللاجئين", "لاجئين", "اللاجئون", "لاجئة", "لاجئات", "لاجئ"), "ar"),
    (("المهاجرين", "مهاجرون", "والمهاجرات", "مهاجرة"), "ar"),
])
def test_light_stemming_brings_forms_together(forms, language):
    assert len({stem(form, language) for form in forms}) == 1, {form: stem(form, language) for form in forms}


def test_stemming_is_light_and_leaves_short_or_foreign_words():
    assert stem("news", "en") == "news"          # not "new"
    assert stem("need", "en") == "need"
    assert stem("bring", "en") == "bring"
    assert stem("moment", "fr") == "moment"      # -ment needs a longer word
    assert stem("quinze", "de") == "quinze"      # no stemmer for that language
    assert stem("2024", "en") == "2024"
    assert stem("قانون", "ar") == "قانون"        # -ون needs four letters left
    # Arabic script is stemmed as Arabic whatever the article's language.
    assert stem("اللاجئين", "fr") == stem("لاجئين", "ar")
    # Documented miss: ل + ال before a word in ل cannot be told from لل + word.
    assert stem("للاجئين", "ar") != stem("لاجئين", "ar")


# -- errors ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("query, position, words_in_message", [
    ("(refugees OR health", 19, ["unclosed parenthesis opened at position 0"]),
    ("refugees AND (health (x)", 24, ["unclosed parenthesis opened at position 13"]),
    ("refugees) health", 8, ['")" closes nothing']),
    (")", 0, ['")" closes nothing']),
    ('"free consultations', 19, ["unclosed quote opened at position 0"]),
    ('outlet:"Le Matin', 16, ["unclosed quote opened at position 7"]),
    ("«Le Matin", 9, ["unclosed quote opened at position 0"]),
    ("refugees AND", 9, ["AND needs something on both sides"]),
    ("AND refugees", 0, ["AND needs something on both sides"]),
    ("refugees OR", 9, ["OR needs something"]),
    ("refugees OR OR health", 9, ["OR needs something"]),
    ("(refugees OR) health", 10, ["OR needs something"]),
    ("refugees AND OR health", 9, ["AND needs something"]),
    ("refugees NOT", 9, ["NOT needs something after it"]),
    ("refugees NOT )", 9, ["NOT needs something after it"]),
    ("NOT", 0, ["NOT needs something after it"]),
    ("NOT refugees", 0, ["NOT only says what to leave out"]),
    ("-Nador", 0, ["NOT only says what to leave out"]),
    ("NOT lang:ar", 0, ["NOT only says what to leave out"]),
    ("(-a -b) OR NOT c", 1, ["NOT only says what to leave out"]),
    ("()", 0, ["empty parentheses"]),
    ("refugees ()", 9, ["empty parentheses"]),
    ("theme:", 6, ["theme: needs a value"]),
    ("theme: health", 6, ["theme: needs a value"]),
    ('outlet:"" x', 8, ["outlet: needs a value"]),
    ("themes:health", 0, ['unknown field "themes"', "known: " + ", ".join(FIELDS), 'did you mean "theme"']),
    ('source:"Le Matin"', 0, ['unknown field "source"']),
    ('after:"last week"', 7, ['after: expects a date like 2024-01-31, not "last week"']),
    ("after:yesterday x", 6, ['after: expects a date like 2024-01-31, not "yesterday"']),
    ("before:2024-02-30 x", 7, ["no such day"]),
    ("before:31/01/2024 x", 7, ["expects a date"]),
    ("country:Morocco", 8, ["two-letter country code"]),
    ("lang:fr1", 5, ["language code"]),
    ("theme:heal*", 10, ["* works only on words"]),
    ("population:🙂", 11, ["expects a group"]),
])
def test_errors_say_what_and_where(query, position, words_in_message):
    with pytest.raises(QuerySyntaxError) as caught:
        parse(query)
    error = caught.value
    assert error.position == position, str(error)
    assert str(error).startswith(f"position {position}: ")
    for expected in words_in_message:
        assert expected in str(error)
    assert isinstance(error, ValueError) and isinstance(error, QueryError)


def test_explain_shows_the_query_and_where_on_one_line():
    with pytest.raises(QuerySyntaxError) as caught:
        parse("(refugees AND\thealth) OR")
    # The tab is shown as a space, so the position still points at the same character.
    assert caught.value.explain() == ("cannot read the query “(refugees AND health) OR” at position 22 (“OR”): "
                                      "OR needs something on both sides, e.g. refugees OR migrants")
    with pytest.raises(QuerySyntaxError) as caught:
        parse("theme:")
    assert caught.value.explain() == ("cannot read the query “theme:” at the end: theme: needs a value right "
                                      "after the colon, e.g. theme:health")
    with pytest.raises(QuerySyntaxError) as caught:
        parse('refugees lang:french1 and a long tail of words after it')
    assert caught.value.explain().startswith(
        "cannot read the query “refugees lang:french1 and a long tail of words after it” at position 14 "
        "(“french1 and a long t…”): lang: expects a language code")
    assert "\n" not in caught.value.explain()


def test_positions_count_characters_from_zero():
    query = "réfugiés AND (santé OR"
    with pytest.raises(QuerySyntaxError) as caught:
        parse(query)
    assert query[caught.value.position:].startswith("OR")


def test_limits_on_nesting_and_length():
    deep = "(" * MAX_NESTING + "x" + ")" * MAX_NESTING
    assert parse(deep) == T("x")
    with pytest.raises(QuerySyntaxError, match="nested more than"):
        parse("(" + deep + ")")
    parse(" ".join(f"w{i}" for i in range(MAX_ITEMS)))
    with pytest.raises(QuerySyntaxError, match="at most"):
        parse(" ".join(f"w{i}" for i in range(MAX_ITEMS + 1)))


def test_only_query_syntax_errors_for_odd_input():
    for query in (None, 42, b"refugees"):
        with pytest.raises(QuerySyntaxError):
            parse(query)
    assert parse("a\ud800b") == Phrase(("a", "b"))   # a lone surrogate is punctuation


# -- SQL, run against a real database -----------------------------------------------------------------------

SCHEMA = f"""
CREATE TABLE docs (rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, outlet TEXT NOT NULL,
                   outlet_name TEXT NOT NULL, country TEXT NOT NULL, language TEXT NOT NULL, published_at TEXT,
                   url TEXT NOT NULL, title TEXT NOT NULL, record TEXT NOT NULL);
CREATE TABLE doc_themes (doc INTEGER NOT NULL, theme TEXT NOT NULL, score REAL NOT NULL, PRIMARY KEY (doc, theme));
CREATE TABLE doc_entities (doc INTEGER NOT NULL, entity TEXT NOT NULL, type TEXT NOT NULL, count INTEGER NOT NULL,
                           PRIMARY KEY (doc, entity));
CREATE VIRTUAL TABLE docs_fts USING fts5(text_exact, text_stemmed, tokenize = "{INDEX_TOKENIZER}");
"""

ATLAS = ("atlas-tribune", "The Atlas Tribune")
MATIN = ("le-matin", "Le Matin")
ECHO = ("echo-du-detroit", "L'Écho du Détroit")
JISR = ("al-jisr", "الجسر")

# id: (outlet, language, country, published, themes, entities, text)
DOCS = {
    "doctors-en": (ATLAS, "en", "MA", "2024-05-02T08:00:00+00:00", ["health"], ["org:unhcr", "pop:refugees"],
                   "Volunteer doctors gave free consultations to refugees in Rabat."),
    "medecins-fr": (MATIN, "fr", "MA", "2024-03-10T09:00:00+00:00", ["health"], ["org:unhcr", "pop:refugees"],
                    "Des médecins bénévoles offrent des consultations gratuites aux réfugiés à Oujda ; la santé "
                    "des femmes migrantes s'améliore à l'hôpital."),
    "expulsions-fr": (MATIN, "fr", "MA", "2023-11-20T07:00:00+00:00", ["housing"], ["place:nador", "pop:migrants"],
                      "Les migrants de Nador expulsés de leurs logements par la police."),
    "evictions-en": (ATLAS, "en", "MA", "2024-02-01T10:00:00+00:00", ["housing"], ["place:nador", "pop:migrants"],
                     "Migrant families evicted near Nador after their houses were destroyed."),
    "programme-fr": (ECHO, "fr", "MA", "2024-04-04T12:00:00+00:00", ["health"], ["org:msf"],
                     "Le programme « free consultations » de l'ONG s'étend aux hôpitaux de Tanger."),
    "lawyers-en": (ATLAS, "en", "MA", "2024-06-30T23:59:00+00:00", ["justice"], ["pop:asylum_seekers"],
                   "Lawyers offer a free consultation to asylum seekers facing detention."),
    "vaccins-en": (ATLAS, "en", "MA", "2024-07-01T08:00:00+00:00", ["health"], ["pop:migrants"],
                   "A vaccination campaign in Tiznit reaches migrants and their children."),
    "gao-en": (ATLAS, "en", "ML", None, ["education"], ["place:gao", "pop:refugees"],
               "Refugees enrol in Gao schools despite the insecurity."),
    "atiba-ar": (JISR, "ar", "MA", "2024-05-05T08:00:00+00:00", ["health"], ["pop:refugees"],
                 "قدم الأطباء استشارات مجانية لاجئين في الرباط لتحسين الصحة"),
    "sakan-ar": (JISR, "ar", "MA", "2024-05-06T08:00:00+00:00", ["housing"], ["pop:refugees"],
                 "اللاجئون في وجدة يطالبون بالسكن"),
    "fes-ar": (JISR, "ar", "MA", "2024-05-07T08:00:00+00:00", ["housing"], ["pop:refugees"],
               "مساعدات للاجئين في فاس لدفع الإيجار"),
    "hijra-ar": (JISR, "ar", "MA", "2024-05-08T08:00:00+00:00", ["justice"], ["pop:migrants"],
                 "قانون الهجرة والمهاجرين أمام البرلمان"),
}


@pytest.fixture(scope="module")
def db():
    connection = sqlite3.connect(":memory:")
    connection.executescript(SCHEMA)
    for rowid, (doc_id, (outlet, language, country, published, themes, entities, text)) in enumerate(DOCS.items(), 1):
        connection.execute("INSERT INTO docs VALUES (?,?,?,?,?,?,?,?,?,?)",
                           (rowid, doc_id, outlet[0], outlet[1], country, language, published,
                            f"http://{outlet[0]}.test/{doc_id}", text[:40], "{}"))
        exact, stemmed = index_text(text, language)
        connection.execute("INSERT INTO docs_fts (rowid, text_exact, text_stemmed) VALUES (?,?,?)",
                           (rowid, exact, stemmed))
        connection.executemany("INSERT INTO doc_themes VALUES (?,?,1.0)", [(rowid, t) for t in themes])
        connection.executemany("INSERT INTO doc_entities VALUES (?,?,?,1)",
                               [(rowid, e, e.split(":")[0]) for e in entities])
    yield connection
    connection.close()


def search(db, query, **options):
    sql, params = to_sqlite(parse(query), **options)
    return {row[0] for row in db.execute(f"SELECT d.id FROM docs d WHERE {sql}", params)}


@pytest.mark.parametrize("query, expected", [
    # The brief's examples.
    ("theme:health AND (réfugiés OR refugees)", {"doctors-en", "medecins-fr"}),
    ('"free consultations" NOT lang:fr', {"doctors-en", "lawyers-en"}),   # lawyers: "free consultation", by stem
    ('outlet:"Le Matin" after:2024-01-01', {"medecins-fr"}),
    ("migrant* -Nador", {"medecins-fr", "vaccins-en"}),
    # Accents, case and stems.
    ("santé", {"medecins-fr"}),
    ("SANTE", {"medecins-fr"}),
    ("hôpital", {"medecins-fr", "programme-fr"}),          # hôpital / hôpitaux
    ("réfugiée", {"medecins-fr"}),                         # meets réfugiés through the stem
    ("housing", {"evictions-en"}),                          # houses
    ("evict", {"evictions-en"}),
    ("logement", {"expulsions-fr"}),
    ("migrant", {"evictions-en", "vaccins-en", "medecins-fr", "expulsions-fr"}),
    ('"asylum seek*"', {"lawyers-en"}),
    ('"free consultations"', {"doctors-en", "lawyers-en", "programme-fr"}),
    # Arabic: alef, ta marbuta and the light stem.
    ("الاطباء", {"atiba-ar"}),                             # written الأطباء
    ("الصحه", {"atiba-ar"}),                               # written الصحة
    # "اللاجئين" meets لاجئين and اللاجئون through the stem "لاجء"; للاجئين (ل + ال) is the documented miss.
    ("اللاجئين", {"atiba-ar", "sakan-ar"}),
    ("لاجئ*", {"atiba-ar", "sakan-ar"}),
    ("مهاجر", {"hijra-ar"}),                               # والمهاجرين
    # Fields.
    ("outlet:le-matin", {"medecins-fr", "expulsions-fr"}),
    ('outlet:"le matin"', {"medecins-fr", "expulsions-fr"}),
    ("outlet:الجسر lang:ar الهجرة", {"hijra-ar"}),
    ("country:ml", {"gao-en"}),
    ("lang:ar -theme:housing", {"atiba-ar", "hijra-ar"}),
    ("before:2024-03-10 theme:health", {"medecins-fr"}),   # the whole day is included
    ("after:2024-06-30 before:2024-06-30", {"lawyers-en"}),
    ("after:2024-06 before:2024-06", {"lawyers-en"}),
    ("refugees after:2024-01-01", {"doctors-en"}),
    ("refugees NOT after:2024-01-01", {"gao-en"}),         # undated: not "after" anything
    ("entity:UNHCR", {"doctors-en", "medecins-fr"}),
    ("entity:org:unhcr", {"doctors-en", "medecins-fr"}),
    ("entity:Nador lang:fr", {"expulsions-fr"}),           # tried as place:nador
    ("population:asylum_seekers", {"lawyers-en"}),
    ('population:"asylum seekers"', {"lawyers-en"}),
    ("population:pop:asylum_seekers", {"lawyers-en"}),
    # Filters mixed with OR and NOT, in any order.
    ("(theme:justice OR country:ML) refugees OR lawyers", {"gao-en", "lawyers-en"}),
    ("(theme:health OR theme:housing) AND refugees", {"doctors-en"}),
    ("refugees OR theme:education", {"doctors-en", "gao-en"}),
    ("migrants OR NOT theme:health", set(DOCS) - {"doctors-en", "programme-fr", "atiba-ar"}),
    ("(consultations -lang:fr) OR (consultations lang:fr -free)", {"doctors-en", "lawyers-en", "medecins-fr"}),
    ("", set(DOCS)),
])
def test_sqlite_returns_the_right_articles(db, query, expected):
    assert search(db, query) == expected


def test_entity_names_resolved_by_the_store(db):
    aliases = {normalise_text(alias): ["org:unhcr"] for alias in ("HCR", "المفوضية")}

    def resolve(value):
        return aliases.get(normalise_text(value), [])

    assert search(db, "entity:HCR") == set()
    assert search(db, "entity:HCR", resolve_entity=resolve) == {"doctors-en", "medecins-fr"}
    assert search(db, "entity:المفوضية", resolve_entity=resolve) == {"doctors-en", "medecins-fr"}
    assert candidate_entity_ids("Red Crescent") == ["org:red_crescent", "place:red_crescent", "pop:red_crescent",
                                                    "person:red-crescent"]


def test_adjacent_text_shares_one_match(db):
    sql, params = to_sqlite(parse("refugees free consultations -Nador theme:health"))
    assert sql.count("MATCH ?") == 1
    assert params[-1] == "health"
    assert "NOT" in params[0]


def test_several_columns_are_searched_together(db):
    sql, params = to_sqlite(parse("refugees"), column_exact="title_exact text_exact",
                            column_stemmed="title_stemmed text_stemmed")
    assert params[0].startswith('({title_exact text_exact} : "refugees" OR {title_stemmed text_stemmed} : ')
    assert ranking_fts(parse("migr*"), column_exact="a b", column_stemmed="c d") == '{a b c d} : "migr"*'
    with pytest.raises(ValueError):
        to_sqlite(parse("refugees"), column_exact="a b;")


def test_columns_and_table_can_be_renamed(db):
    sql, params = to_sqlite(parse("refugees"), column_exact="a", column_stemmed="b", table="t")
    assert "FROM t WHERE t MATCH ?" in sql and params[0].startswith("(a : ")
    with pytest.raises(ValueError):
        to_sqlite(parse("refugees"), column_exact="a; DROP TABLE docs")


def test_ranking_expression_runs_with_bm25(db):
    node = parse('theme:health (refugees OR réfugiés) NOT Nador')
    expression = ranking_fts(node)
    assert "nador" not in expression
    rows = db.execute("SELECT d.id, bm25(docs_fts) FROM docs_fts JOIN docs d ON d.rowid = docs_fts.rowid "
                      "WHERE docs_fts MATCH ? ORDER BY bm25(docs_fts)", [expression]).fetchall()
    assert {row[0] for row in rows} >= {"doctors-en", "medecins-fr"}
    assert ranking_fts(parse("theme:health")) is None


def test_deep_queries_still_run(db):
    deep = "(" * (MAX_NESTING - 1) + "refugees OR (x -y)" + ")" * (MAX_NESTING - 1)
    assert search(db, deep) == {"doctors-en", "gao-en"}
    # Alternating OR and AND nest in the tree too; FTS5 would overflow its parser stack on one MATCH, so
    # the SQL splits it into several.
    nested = "refugees"
    for level in range(MAX_NESTING // 2):
        nested = f"(w{level} OR (refugees {nested}))"
    assert search(db, nested) == {"doctors-en", "gao-en"}
    assert to_sqlite(parse(nested))[0].count("MATCH ?") > 1
    wide = " OR ".join(f"theme:t{i}" for i in range(MAX_ITEMS - 1)) + " OR refugees"
    assert search(db, wide) == {"doctors-en", "gao-en"}


# -- Elasticsearch ------------------------------------------------------------------------------------------

def test_elasticsearch_bool_query():
    query = to_elasticsearch(parse('theme:health (réfugiés OR "free consultations") -lang:fr migrant* '
                                   'before:2024-06 entity:UNHCR'))
    clauses = query["bool"]
    assert {"term": {"theme": "health"}} in clauses["filter"]
    assert {"range": {"published_at": {"lte": "2024-06||/M"}}} in clauses["filter"]
    assert {"terms": {"entities": candidate_entity_ids("UNHCR")}} in clauses["filter"]
    assert clauses["must_not"] == [{"term": {"language": "fr"}}]
    either = clauses["must"][0]["bool"]
    assert either["minimum_should_match"] == 1
    assert {"multi_match": {"query": "refugies", "fields": ["text", "text.stemmed"]}} in either["should"]
    assert {"multi_match": {"query": "free consultations", "type": "phrase",
                            "fields": ["text", "text.stemmed"]}} in either["should"]
    assert {"prefix": {"text": {"value": "migrant"}}} in clauses["must"]


def test_elasticsearch_top_level_is_always_bool():
    assert to_elasticsearch(MatchAll) == {"bool": {"must": [{"match_all": {}}]}}
    assert to_elasticsearch(parse("refugees")) == {
        "bool": {"must": [{"multi_match": {"query": "refugees", "fields": ["text", "text.stemmed"]}}]}}
    outlet = to_elasticsearch(parse('outlet:"Le Matin"'))["bool"]
    assert {"term": {"outlet_name": {"value": "Le Matin", "case_insensitive": True}}} in outlet["should"]
    assert to_elasticsearch(parse("a OR NOT population:refugees"))["bool"]["should"][1] == {
        "bool": {"must_not": [{"terms": {"entities": ["pop:refugees"]}}]}}


# -- fuzzing ---------------------------------------------------------------------------------------------

PIECES = ["AND", "OR", "NOT", "and", "-", "--", "(", ")", "((", "))", '"', '"', "“", "”", "«", "»", "„", ":", "::",
          "*", "**", "theme:", "theme:health", "lang:", "lang:fr", "outlet:", 'outlet:"Le Matin"', "country:MA",
          "after:", "after:2024-01-01", "before:2024-13-01", "entity:", "entity:org:unhcr", "population:x",
          "themes:", "foo:bar", "http://x", "refugees", "réfugiés", "santé", "migrant*", "l'école", "sub-saharan",
          "اللاجئين", "لاجئ*", "الصحة", "ـ", "َ", "🙂", "👩🏽‍⚕️", "\u200f", "\t", "\n", "\x00", "\ud800", "10:30",
          "'", "\\", "%", "_", "?", "{", "}", "[", "]", "^", "~", ",", ";", "NEAR", "+", "=", "<", ">", "|", "&"]


def random_queries(count, seed):
    rng = random.Random(seed)
    for _ in range(count):
        if rng.random() < 0.75:
            pieces = rng.choices(PIECES, k=rng.randint(1, 12))
            yield "".join(piece + rng.choice(["", " ", " ", "  "]) for piece in pieces)
        else:
            yield "".join(chr(rng.choice([rng.randint(32, 126), rng.randint(0x600, 0x6ff), rng.randint(0, 0x2fff),
                                          rng.randint(0x1f300, 0x1faff), rng.randint(0xd800, 0xdfff)]))
                          for _ in range(rng.randint(0, 25)))


def test_fuzz_only_query_syntax_errors_and_valid_sql(db):
    parsed = failed = 0
    for query in random_queries(2000, seed=20240501):
        try:
            node = parse(query)
        except QuerySyntaxError as error:
            assert 0 <= error.position <= len(query), (query, error)
            failed += 1
            continue
        parsed += 1
        sql, params = to_sqlite(node)
        db.execute(f"SELECT count(*) FROM docs d WHERE {sql}", params).fetchone()  # FTS5 and SQL both accept it
        json.dumps(to_elasticsearch(node))
        text_terms(node)
        expression = ranking_fts(node)
        if expression:
            db.execute("SELECT count(*) FROM docs_fts WHERE docs_fts MATCH ?", [expression]).fetchone()
    # Both branches were exercised.
    assert parsed > 200 and failed > 200, (parsed, failed)
