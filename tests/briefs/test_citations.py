"""Citation styles: the mark in the text and the bibliography entry, numbered and author-date."""
from __future__ import annotations

import pytest

from advocacy.briefs import BriefError
from advocacy.briefs.citations import apply_style
from advocacy.briefs.evidence import Source


def source(number, outlet, published, title=None, archive=None):
    return Source(number=number, article_id=f"id{number}", title=title or f"Story {number}", outlet_name=outlet,
                  url=f"https://example.test/{number}", published_at=published,
                  fetched_at="2024-06-01T10:00:00+00:00", language="fr",
                  archive={"file": f"crawl-{number}.warc.gz", "offset": 100 * number} if archive is None else archive)


def sources():
    return [source(1, "Le Matin", "2024-05-10T08:00:00+00:00"), source(2, "Hespress", "2024-03-01T08:00:00+00:00"),
            source(3, "Le Matin", "2024-02-02T08:00:00+00:00"), source(4, "Le Matin", "2023-12-30T08:00:00+00:00"),
            source(5, "Al Jisr", None, archive={})]


def test_numbered_marks_and_entries_in_order_of_first_citation():
    ordered = apply_style(list(reversed(sources())), "numbered")
    assert [s.number for s in ordered] == [1, 2, 3, 4, 5]
    assert [s.cite for s in ordered] == ["[1]", "[2]", "[3]", "[4]", "[5]"]
    assert ordered[0].entry == ('1. Le Matin, "Story 1", 2024-05-10. <https://example.test/1> '
                                "(retrieved 2024-06-01; archived copy: crawl-1.warc.gz @ 100)")
    assert ordered[4].entry == ('5. Al Jisr, "Story 5", undated. <https://example.test/5> '
                                "(retrieved 2024-06-01; no archived copy)")


def test_author_date_tells_apart_one_outlets_articles_of_a_year_by_publication_order():
    ordered = apply_style(sources(), "author-date")
    cites = {s.number: s.cite for s in ordered}
    # Le Matin 2024: the February article (3) is "a", the May one (1) is "b"; 2023 stands alone.
    assert cites == {1: "(Le Matin 2024b)", 2: "(Hespress 2024)", 3: "(Le Matin 2024a)", 4: "(Le Matin 2023)",
                     5: "(Al Jisr n.d.)"}
    assert [s.number for s in ordered] == [5, 2, 4, 3, 1]
    assert ordered[0].entry == ('- Al Jisr (n.d.). "Story 5", undated. <https://example.test/5> '
                                "(retrieved 2024-06-01; no archived copy)")
    assert ordered[-1].entry == ('- Le Matin (2024b). "Story 1", 2024-05-10. <https://example.test/1> '
                                 "(retrieved 2024-06-01; archived copy: crawl-1.warc.gz @ 100)")


def test_more_than_26_articles_of_an_outlet_year_still_get_distinct_marks():
    many = [source(n, "Le Matin", f"2024-01-01T00:00:{n:02d}+00:00") for n in range(1, 30)]
    cites = [s.cite for s in apply_style(many, "author-date")]
    assert len(set(cites)) == 29
    assert "(Le Matin 2024z)" in cites and "(Le Matin 2024aa)" in cites and "(Le Matin 2024ac)" in cites


def test_an_unknown_style_is_refused():
    with pytest.raises(BriefError, match=r"unknown citation style 'apa'; choose one of numbered, author-date"):
        apply_style(sources(), "apa")
