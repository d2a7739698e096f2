"""Quotes and figures are checked word for word against the stored article text before a brief prints them."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from advocacy.article import Article, Figure, Quote, ThemeScore, article_id
from advocacy.briefs.evidence import Citations
from advocacy.briefs.verification import UnverifiableEvidence, locate, normalise, verify_sources
from advocacy.cli import main
from advocacy.index.sqlite import SqliteStore
from tests.briefs.articles import paragraph_passages

TEXT_EN = (
    "Hospitals in Oujda turned away 326 migrants in March, according to the regional health observatory.\n\n"
    "\"We were told to come back with papers we can never get,\" said Amina Tazi, a lawyer for the association. "
    "The clinic run by volunteers now treats 40 patients a day.\n\n"
    "The ministry said that 35% of its budget for the region had not been spent."
)
TEXT_FR = (
    "À Bamako, les écoles ont refusé d\u2019inscrire 1\u00a0200 enfants de réfugiés cette année.\n\n"
    "\u00ab\u00a0Nous n\u2019avons plus de place pour eux\u00a0\u00bb, a déclaré le directeur d\u2019une école du "
    "quartier."
)


def _span(text: str, needle: str) -> tuple[int, int]:
    start = text.index(needle)
    return start, start + len(needle)


def quote(text: str, words: str, speaker: str, sentence: str) -> Quote:
    return Quote(words, speaker, sentence, *_span(text, words))


def figure(text: str, written: str, value: float, unit: str, sentence: str) -> Figure:
    return Figure(written, value, unit, sentence, *_span(text, written))


def make_article(key: str, outlet: str, outlet_name: str, text: str, *, language: str = "en",
                 quotes=(), figures=()) -> Article:
    url = f"https://{outlet}.test/news/{key}.html"
    passages = paragraph_passages(text)
    return Article(id=article_id(url), url=url, canonical_url=url, outlet=outlet, outlet_name=outlet_name,
                   country="MA", title=f"Story {key}", text=text, published_at="2024-05-02T08:30:00+00:00",
                   published_at_source="page-metadata", fetched_at="2024-05-20T10:00:00+00:00", language=language,
                   content_hash=f"hash-{key}", archive={"file": f"crawl-{outlet}.warc.gz", "offset": 100},
                   themes=[ThemeScore("health", 0.9, passages=[0])], passages=passages,
                   quotes=list(quotes), figures=list(figures), stage="indexed")


SENTENCE_EN = ("\"We were told to come back with papers we can never get,\" said Amina Tazi, a lawyer for the "
               "association.")
SENTENCE_326 = ("Hospitals in Oujda turned away 326 migrants in March, according to the regional health "
                "observatory.")
GOOD_QUOTE = quote(TEXT_EN, "We were told to come back with papers we can never get,", "Amina Tazi", SENTENCE_EN)
GOOD_FIGURE = figure(TEXT_EN, "326 migrants", 326.0, "migrants", SENTENCE_326)
PERCENT = figure(TEXT_EN, "35%", 35.0, "%", "The ministry said that 35% of its budget for the region had not "
                                            "been spent.")


def verify(*articles: Article, mode: str = "drop"):
    citations = Citations()
    sources = [citations.cite(a) for a in articles]
    stored = {a.id: a for a in articles}
    return verify_sources(sources, load=stored.get, mode=mode)


def test_a_quote_and_figures_found_at_their_offsets_are_verified():
    article = make_article("h1", "tribune", "The Rabat Tribune", TEXT_EN, quotes=[GOOD_QUOTE],
                           figures=[GOOD_FIGURE, PERCENT])
    result = verify(article)
    assert [q.text for q in result.quotes] == [GOOD_QUOTE.text]
    assert result.quotes[0].speaker == "Amina Tazi" and result.quotes[0].found == "offsets"
    assert [f.text for f in result.figures] == ["326 migrants", "35%"]
    assert result.dropped == [] and result.warnings == []
    assert result.summary() == "Verified 1 quote and 2 figures against their sources; dropped none"


def test_a_quote_with_one_word_changed_is_dropped_with_a_warning_naming_the_article():
    altered = Quote(GOOD_QUOTE.text.replace("never", "rarely"), "Amina Tazi", SENTENCE_EN, GOOD_QUOTE.start,
                    GOOD_QUOTE.end)
    article = make_article("h2", "tribune", "The Rabat Tribune", TEXT_EN, quotes=[altered], figures=[GOOD_FIGURE])
    result = verify(article)
    assert result.quotes == [] and [f.text for f in result.figures] == ["326 migrants"]
    [warning] = result.warnings
    assert warning.startswith("dropped quote “We were told to come back with papers we can rarely get,”")
    assert "The Rabat Tribune" in warning and "“Story h2”" in warning and article.id[:12] in warning
    assert "do not occur in the stored article text" in warning
    assert result.summary().startswith("Verified 0 quotes and 1 figure against their sources; dropped 1 (quote [1]: ")


def test_fail_mode_stops_with_a_clear_error():
    altered = Quote("We were told to come back later,", "Amina Tazi", SENTENCE_EN, GOOD_QUOTE.start, GOOD_QUOTE.end)
    article = make_article("h3", "tribune", "The Rabat Tribune", TEXT_EN, quotes=[altered, GOOD_QUOTE])
    with pytest.raises(UnverifiableEvidence) as caught:
        verify(article, mode="fail")
    message = str(caught.value)
    assert message.startswith("1 of the quotes and figures chosen for this brief could not be verified")
    assert 'briefs.unverifiable = "fail"' in message and 'briefs.unverifiable = "drop"' in message
    assert "“We were told to come back later,”" in message and article.id[:12] in message
    # Nothing is unverifiable: "fail" mode passes.
    assert len(verify(make_article("h4", "tribune", "The Rabat Tribune", TEXT_EN, quotes=[GOOD_QUOTE]),
                      mode="fail").quotes) == 1


def test_an_unknown_mode_is_refused():
    with pytest.raises(Exception, match="briefs.unverifiable must be one of drop, fail, not 'warn'"):
        verify(make_article("h5", "tribune", "The Rabat Tribune", TEXT_EN), mode="warn")


def test_curly_and_straight_quote_marks_and_non_breaking_spaces_still_verify():
    # The records were written by an older extractor that typeset quote marks and spaces differently, so
    # their offsets no longer hold; the words are the same.
    straight_fr = "Nous n'avons plus de place pour eux"
    fr_sentence = "« Nous n'avons plus de place pour eux », a déclaré le directeur d'une école du quartier."
    article_fr = make_article(
        "f1", "echo", "L'Echo du Sahel", TEXT_FR, language="fr",
        quotes=[Quote(straight_fr, "le directeur d'une école du quartier", fr_sentence, 0, len(straight_fr))],
        figures=[Figure("1 200 enfants", 1200.0, "children",
                        "À Bamako, les écoles ont refusé d'inscrire 1 200 enfants de réfugiés cette année.", 0, 5)])
    curly_en = "We were told to come back with papers we can\u00a0never get,"
    article_en = make_article(
        "c1", "tribune", "The Rabat Tribune", TEXT_EN,
        quotes=[Quote(curly_en, "Amina Tazi", SENTENCE_EN.replace('"', "“", 1).replace('"', "”", 1), 3, 10)])
    result = verify(article_fr, article_en)
    assert result.dropped == []
    assert [q.found for q in result.quotes] == ["normalised", "normalised"]
    assert [f.text for f in result.figures] == ["1 200 enfants"]


def test_normalisation_forgives_typesetting_only():
    assert normalise("«\u00a0Nous\u202fpartons\u00a0»") == normalise('"Nous partons"') == '"Nous partons"'
    assert normalise("l’école  \n est") == "l'école est"
    assert locate("Nous partons", "« Nous partons »") == "normalised"
    assert locate("Nous partirons", "« Nous partons »") is None
    assert locate("nous partons", "« Nous partons »") is None   # case is part of the wording
    assert locate("", "anything") is None


def test_a_figure_whose_number_differs_from_the_source_is_dropped():
    wrong_number = Figure("362 migrants", 362.0, "migrants", SENTENCE_326, GOOD_FIGURE.start, GOOD_FIGURE.end)
    wrong_unit = Figure("35 points", 35.0, "", PERCENT.sentence, PERCENT.start, PERCENT.end)
    article = make_article("h6", "tribune", "The Rabat Tribune", TEXT_EN,
                           figures=[wrong_number, wrong_unit, GOOD_FIGURE])
    result = verify(article)
    assert [f.text for f in result.figures] == ["326 migrants"]
    assert [(d.kind, d.text) for d in result.dropped] == [("figure", "362 migrants"), ("figure", "35 points")]
    assert all("number with its unit does not occur" in d.reason for d in result.dropped)


def test_a_figure_printed_beside_a_sentence_that_does_not_hold_it_is_dropped():
    moved = Figure("326 migrants", 326.0, "migrants", PERCENT.sentence, GOOD_FIGURE.start, GOOD_FIGURE.end)
    result = verify(make_article("h7", "tribune", "The Rabat Tribune", TEXT_EN, figures=[moved]))
    assert result.figures == [] and "not in the sentence printed beside it" in result.dropped[0].reason


# -- the command ------------------------------------------------------------------------------------------

@pytest.fixture
def data_dir(tmp_path):
    altered = Quote(GOOD_QUOTE.text.replace("papers", "passports"), "Amina Tazi", SENTENCE_EN,
                    GOOD_QUOTE.start, GOOD_QUOTE.end)
    wrong_number = Figure("362 migrants", 362.0, "migrants", SENTENCE_326, GOOD_FIGURE.start, GOOD_FIGURE.end)
    store = SqliteStore(tmp_path / "index.db")
    store.upsert(make_article("k1", "tribune", "The Rabat Tribune", TEXT_EN, quotes=[GOOD_QUOTE],
                              figures=[GOOD_FIGURE, PERCENT]))
    store.upsert(make_article("k2", "observer", "Sahel Observer", TEXT_EN, quotes=[altered],
                              figures=[wrong_number]))
    store.close()
    return tmp_path


def brief(data_dir, *args, env=None):
    return CliRunner().invoke(main, ["--data-dir", str(data_dir), "brief", "policy-paper", "--theme", "health",
                                     "--out", str(data_dir / "paper.md"), *args], env=env, catch_exceptions=False)


def test_the_brief_command_prints_the_counts_and_prints_verified_items_only(data_dir):
    result = brief(data_dir)
    assert result.exit_code == 0, result.output
    assert ("Verified 1 quote and 2 figures against their sources; dropped 2 (quote [2]: the quoted words do "
            "not occur in the stored article text; figure [2]: the number with its unit does not occur in the "
            "stored article text).") in result.stdout
    assert result.stderr.count("Warning: dropped ") == 2 and "Sahel Observer" in result.stderr
    paper = (data_dir / "paper.md").read_text(encoding="utf-8")
    figures = paper.split("\n## Key figures\n", 1)[1].split("\n## ", 1)[0]
    voices = paper.split("\n## Voices\n", 1)[1].split("\n## ", 1)[0]
    assert "**326 migrants**: Hospitals in Oujda" in figures and "**35%**" in figures
    assert "362 migrants" not in paper and "passports" not in paper
    assert "> “We were told to come back with papers we can never get,”" in voices
    assert "— Amina Tazi, in *The Rabat Tribune*, 2024-05-02 [1]" in voices


def test_the_brief_command_fails_on_unverifiable_items_when_configured(data_dir):
    result = brief(data_dir, env={"ADVOCACY_BRIEFS_UNVERIFIABLE": "fail"})
    assert result.exit_code == 1
    assert "could not be verified against the stored article text" in result.output
    assert "Traceback" not in result.output and not (data_dir / "paper.md").exists()
    bad = brief(data_dir, env={"ADVOCACY_BRIEFS_UNVERIFIABLE": "sometimes"})
    assert bad.exit_code == 1 and "briefs.unverifiable must be one of drop, fail, not 'sometimes'" in bad.output


def test_html_and_pdf_briefs(data_dir):
    import shutil as _shutil

    result = CliRunner().invoke(main, ["--data-dir", str(data_dir), "brief", "policy-paper", "--theme", "health",
                                       "--format", "html", "--out", str(data_dir / "paper.html")],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    page = (data_dir / "paper.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<h2>Key figures</h2>" in page and "<style>" in page
    assert "<script" not in page and "http-equiv" not in page  # nothing runs, nothing is fetched
    if not (_shutil.which("soffice") or _shutil.which("libreoffice")):
        pytest.skip("LibreOffice is not installed (scripts/setup installs it)")
    result = CliRunner().invoke(main, ["--data-dir", str(data_dir), "brief", "policy-paper", "--theme", "health",
                                       "--format", "pdf", "--out", str(data_dir / "paper.pdf")],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert (data_dir / "paper.pdf").read_bytes().startswith(b"%PDF")


def test_raw_html_in_an_article_is_shown_as_text_in_an_html_brief():
    from advocacy.briefs.html import markdown_to_html

    page = markdown_to_html('> "<script>alert(1)</script>" said <b>someone</b>', title="<Brief>")
    assert "<script>" not in page and "&lt;script&gt;" in page and "<title>&lt;Brief&gt;</title>" in page
