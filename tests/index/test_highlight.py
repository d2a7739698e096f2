"""Marks, snippets and best passages follow the index's matching rules, on the text as the outlet wrote it."""
from advocacy.index.highlight import Highlighter, words_with_offsets
from advocacy.index.query import parse


def mark(query, text, language="en"):
    return Highlighter(parse(query)).mark(text, language)


def test_words_keep_their_place_in_the_written_text():
    text = "L'Œuvre des réfugiés"
    assert [(text[a:b], word) for a, b, word in words_with_offsets(text)] == [
        ("L", "l"), ("Œuvre", "oeuvre"), ("des", "des"), ("réfugiés", "refugies")]


def test_accents_case_and_stems_are_marked_as_written():
    assert mark("sante", "La Santé des réfugiés", "fr") == "La **Santé** des réfugiés"
    assert mark("réfugiée", "La santé des RÉFUGIÉS", "fr") == "La santé des **RÉFUGIÉS**"
    assert mark("refugee", "Refugees and a refugee.") == "**Refugees** and a **refugee**."
    assert mark("hôpital", "Les hôpitaux de Tanger", "fr") == "Les **hôpitaux** de Tanger"


def test_arabic_spelling_variants_are_marked():
    assert mark("الاطباء", "قدم الأطباء استشارات", "ar") == "قدم **الأطباء** استشارات"
    assert mark("الصحه", "لتحسين الصحة", "ar") == "لتحسين **الصحة**"
    assert mark("اللاجئين", "اللاجئون في وجدة", "ar") == "**اللاجئون** في وجدة"


def test_phrases_prefixes_and_exclusions():
    text = "Free consultations for migrants; consultations were not free."
    assert mark('"free consultations"', text) == "**Free consultations** for migrants; consultations were not free."
    assert mark("migr*", text) == "Free consultations for **migrants**; consultations were not free."
    # What the query leaves out is never marked; fields mark nothing.
    assert mark("migrants -free theme:health", text) == (
        "Free consultations for **migrants**; consultations were not free.")
    assert mark("theme:health", text) == text


def test_the_longest_match_wins_where_two_start():
    assert mark('free OR "free consultations"', "free consultations") == "**free consultations**"


def test_snippet_is_the_stretch_with_the_most_query_words():
    filler = " ".join(f"word{n}" for n in range(60))
    text = f"Refugees arrived. {filler} Refugees asked doctors for free care. {filler}"
    snippet = Highlighter(parse("refugees doctors")).snippet(text, "en", size=10)
    assert snippet.startswith("…") and snippet.endswith("…")
    assert "**Refugees** asked **doctors**" in snippet
    assert Highlighter(parse("refugees")).snippet("Short text about refugees.", "en") == (
        "Short text about **refugees**.")
    assert Highlighter(parse("nowhere")).snippet(text, "en") is None


def test_best_passage_holds_the_most_different_words():
    passages = [(0, "Refugees in Rabat."), (1, "Doctors treat refugees for free."), (2, "Doctors, doctors, doctors.")]
    assert Highlighter(parse("refugees doctors")).best_passage(passages, "en") == 1
    assert Highlighter(parse("weather")).best_passage(passages, "en") == 0
    assert Highlighter(parse("theme:health")).best_passage(passages, "en") == 0
    assert Highlighter(parse("x")).best_passage([], "en") is None
