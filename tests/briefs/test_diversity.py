"""Evidence chosen by maximal marginal relevance: passage vectors from the store, or shared words when
passages have none, keep a brief from quoting the same thing twice."""
from __future__ import annotations

import numpy as np
import pytest

from advocacy.briefs.evidence import Citations, select_evidence
from advocacy.index import SearchFilters
from advocacy.index.sqlite import SqliteStore
from tests.briefs.test_evidence import make_article

DIMENSIONS = 8


def unit(*values):
    vector = np.zeros(DIMENSIONS, dtype=np.float32)
    vector[:len(values)] = values
    return vector / np.linalg.norm(vector)


def passages_vectors(key_vector):
    """Vectors of the three passages make_article writes: the key passage (index 1) gets ``key_vector``."""
    return np.stack([unit(0, 0, 0, 0, 0, 0, 0, 1), key_vector, unit(0, 0, 0, 0, 0, 0, 1, 0)])


def paragraphs(sentence):
    return ["Opening lines.", sentence, "Closing lines."]


@pytest.fixture
def store(tmp_path):
    store = SqliteStore(tmp_path / "index.sqlite")
    same_day = "2024-05-02T08:30:00+00:00"
    # b1 says much what a1 says (cosine 0.6); c1 says something else, but is less relevant.
    articles = [
        (make_article("a1", "tribune", theme_scores={"health": 0.95}, published=same_day,
                      paragraphs=paragraphs("Hospitals in Rabat refuse to treat refugees without papers.")),
         unit(1, 0)),
        (make_article("b1", "echo", theme_scores={"health": 0.90}, published=same_day,
                      paragraphs=paragraphs("Clinics in Rabat ask refugees for residence permits.")),
         unit(0.6, 0.8)),
        (make_article("c1", "observer", theme_scores={"health": 0.60}, published=same_day,
                      paragraphs=paragraphs("Pregnant women in Mopti cannot reach a maternity ward.")),
         unit(0, 0, 1)),
    ]
    for article, key_vector in articles:
        store.upsert(article, passages_vectors(key_vector))
    yield store
    store.close()


def chosen(store, **kwargs):
    _, evidence = select_evidence(store, theme="health", filters=SearchFilters(), citations=Citations(), **kwargs)
    return [e.source.title.removeprefix("Story ") for e in evidence]


def test_relevance_weighs_more_by_default_variety_when_asked(store):
    assert chosen(store, per_theme=2, diversity=0.7) == ["a1", "b1"]
    # Half relevance, half variety: the passage unlike a1's wins over the more relevant look-alike.
    assert chosen(store, per_theme=2, diversity=0.5) == ["a1", "c1"]
    assert chosen(store, per_theme=3, diversity=0.5) == ["a1", "c1", "b1"]


def test_a_near_duplicate_passage_comes_only_when_nothing_else_is_left(tmp_path):
    store = SqliteStore(tmp_path / "index.sqlite")
    try:
        day = "2024-05-02T08:30:00+00:00"
        store.upsert(make_article("a1", "tribune", theme_scores={"health": 0.95}, published=day,
                                  paragraphs=paragraphs("Hospitals refuse refugees.")), passages_vectors(unit(1, 0)))
        # A syndicated copy in another outlet: other outlets come first, yet its vector is a1's.
        store.upsert(make_article("a2", "echo", theme_scores={"health": 0.94}, published=day,
                                  paragraphs=paragraphs("Hospitals refuse refugees, says the agency.")),
                     passages_vectors(unit(1, 0.05)))
        store.upsert(make_article("h1", "tribune", theme_scores={"health": 0.50}, published=day,
                                  paragraphs=paragraphs("A second Tribune story on maternity care.")),
                     passages_vectors(unit(0, 1)))
        assert chosen(store, per_theme=2, diversity=1.0) == ["a1", "h1"]
        assert chosen(store, per_theme=3, diversity=1.0) == ["a1", "h1", "a2"]
    finally:
        store.close()


def test_without_vectors_shared_words_tell_near_duplicates(tmp_path):
    store = SqliteStore(tmp_path / "index.sqlite")
    try:
        day = "2024-05-02T08:30:00+00:00"
        text = "Hospitals in Rabat refuse to treat refugees who cannot show a residence permit."
        store.upsert(make_article("a1", "tribune", theme_scores={"health": 0.95}, published=day,
                                  paragraphs=paragraphs(text)))
        store.upsert(make_article("a2", "echo", theme_scores={"health": 0.94}, published=day,
                                  paragraphs=paragraphs(text)))
        store.upsert(make_article("c1", "observer", theme_scores={"health": 0.30}, published=day,
                                  paragraphs=paragraphs("Pregnant women in Mopti cannot reach a maternity ward.")))
        assert chosen(store, per_theme=2) == ["a1", "c1"]
    finally:
        store.close()


def test_a_query_ranks_candidates_and_quotes_the_passage_that_answers_it(tmp_path):
    store = SqliteStore(tmp_path / "index.sqlite")
    try:
        store.upsert(make_article("q1", "tribune", theme_scores={"justice": 0.9}, published="2024-05-02T08:30:00+00:00",
                                  paragraphs=["Opening lines.", "Courts were closed.",
                                              "Lawyers visited the detention centre in Nador."]))
        store.upsert(make_article("q2", "echo", theme_scores={"health": 0.9}, published="2024-05-02T08:30:00+00:00",
                                  paragraphs=paragraphs("Hospitals refuse refugees.")))
        total, evidence = select_evidence(store, query="lawyers detention", filters=SearchFilters(), per_theme=3,
                                          citations=Citations())
        assert total == 1 and [e.source.title for e in evidence] == ["Story q1"]
        assert evidence[0].passage == "Lawyers visited the detention centre in Nador."
    finally:
        store.close()
