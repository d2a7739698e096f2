"""Marks, snippets and best passages follow the index's matching rules, on the text as the outlet wrote it."""
import re

from advocacy.index.highlight import Highlighted, Highlighter, untagged, words_with_offsets
from advocacy.index.query import parse


def starred(found):
    """The text with its matches between ** and **, to read an expectation at a glance (these texts hold none)."""
    return "".join(f"**{piece}**" if matched else piece for piece, matched in found.pieces())


def mark(query, text, language="en"):
    found = Highlighter(parse(query)).mark(text, language)
    assert found.text == text
    return starred(found)


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
    snippet = starred(Highlighter(parse("refugees doctors")).snippet(text, "en", size=10))
    assert snippet.startswith("…") and snippet.endswith("…")
    assert "**Refugees** asked **doctors**" in snippet
    assert starred(Highlighter(parse("refugees")).snippet("Short text about refugees.", "en")) == (
        "Short text about **refugees**.")
    assert Highlighter(parse("nowhere")).snippet(text, "en") is None


# What an outlet may write that looks like a highlight, or like the tags of the Elasticsearch store's highlighter.
LOOKALIKES = "Figures for **2024** (*) show <mark>that</mark> \x02asylum\x03 seekers wait ** months"


def test_a_snippet_is_the_text_as_written_and_the_places_of_its_matches():
    for found in (Highlighter(parse("asylum")).snippet(LOOKALIKES, "en"),
                  Highlighter(parse("asylum")).mark(LOOKALIKES, "en"),
                  Highlighter(parse("asylum")).passage_snippet(LOOKALIKES, "en")):
        assert found.text == LOOKALIKES
        assert found.matched() == ["asylum"]
        assert found.text[:found.spans[0][0]].endswith("\x02") and found.text[found.spans[0][1]:].startswith("\x03")
    cut = Highlighter(parse("months")).snippet(LOOKALIKES, "en", size=4)
    assert cut.text == "…asylum\x03 seekers wait ** months" and cut.matched() == ["months"]


def test_collapsing_whitespace_keeps_the_matches_on_their_words():
    text = "  free \n\t consultations  for\u00a0 **migrants** "
    found = Highlighted(text, ((2, text.index("s  for") + 1), (text.index("m"), text.index("s*") + 1)))
    assert found.matched() == ["free \n\t consultations", "migrants"]
    collapsed = found.collapsed()
    assert collapsed.text == " ".join(found.text.split()) == "free consultations for **migrants**"
    assert collapsed.matched() == ["free consultations", "migrants"]
    # Characters left out on the way close up as they would in the text alone.
    dropped = Highlighted("a \x07b\x07c d", ((3, 6),)).collapsed(drop=re.compile("\x07"))
    assert (dropped.text, dropped.matched()) == ("a bc d", ["bc"])


def test_spans_that_do_not_fit_the_text_are_tidied():
    assert Highlighted("abcdef", [(4, 99), (0, 2), (1, 3), (5, 5)]).spans == ((0, 2), (2, 3), (4, 6))
    assert Highlighted("<b>", [(0, 3)]).pieces() == [("<b>", True)]
    assert Highlighted("x", []).pieces() == [("x", False)] and Highlighted("").pieces() == []


def test_tagged_fragments_become_text_and_places_only_when_the_tags_pair_up():
    found = untagged("free \x02consultations\x03 for \x02migrants\x03", "\x02", "\x03")
    assert found.text == "free consultations for migrants" and found.matched() == ["consultations", "migrants"]
    assert untagged("no tags at all", "\x02", "\x03") == Highlighted("no tags at all")
    for broken in ("a \x03b\x03", "a \x02b", "\x02a \x02b\x03 c\x03", "b\x03 \x02c"):
        assert untagged(broken, "\x02", "\x03") is None, broken


def test_best_passage_holds_the_most_different_words():
    passages = [(0, "Refugees in Rabat."), (1, "Doctors treat refugees for free."), (2, "Doctors, doctors, doctors.")]
    assert Highlighter(parse("refugees doctors")).best_passage(passages, "en") == 1
    assert Highlighter(parse("weather")).best_passage(passages, "en") == 0
    assert Highlighter(parse("theme:health")).best_passage(passages, "en") == 0
    assert Highlighter(parse("x")).best_passage([], "en") is None
