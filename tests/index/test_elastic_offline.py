"""The Elasticsearch store's parts that need no server: URL, index bodies, query translation, fusion, errors.

The store's behaviour against a real server is checked by test_store_contract.py when ELASTICSEARCH_URL is set.
"""
import sys
import time

import pytest

from advocacy.article import Article, Passage, article_id
from advocacy.index import BACKENDS, SearchFilters, StoreError, StoreUrlError, open_store
from advocacy.index.elastic import (
    FACET_FIELDS, POST_TAG, PRE_TAG, SEARCH_FIELDS, CompiledQuery, ElasticsearchStore, _best_fragment, _snippet,
    articles_index_body, build_query, compile_query, filter_clauses, parse_url, passages_index_body,
    reciprocal_rank_fusion, redact, searches_index_body, vector_mapping,
)
from advocacy.index.highlight import Highlighter
from advocacy.index.query import QuerySyntaxError, parse

FIELDS = list(SEARCH_FIELDS)


def words(text):
    return {"multi_match": {"query": text, "fields": FIELDS}}


# -- URL ----------------------------------------------------------------------------------------------------

def test_url_defaults():
    settings = parse_url("http://localhost:9200")
    assert settings.node_url == "http://localhost:9200"
    assert settings.prefix == "advocacy"
    assert (settings.articles_index, settings.passages_index) == ("advocacy-articles", "advocacy-passages")
    assert settings.username is None and settings.password is None
    assert settings.refresh == "false"
    assert parse_url("http://es.internal").port == 9200


def test_url_prefix_credentials_and_options():
    settings = parse_url("https://elastic:p%40ss:w0rd@search.example.org:9243/newsroom/"
                         "?refresh=wait_for&timeout=5&verify_certs=false&ca_certs=/etc/ca.pem")
    assert settings.node_url == "https://search.example.org:9243"
    assert settings.prefix == "newsroom"
    assert (settings.username, settings.password) == ("elastic", "p@ss:w0rd")
    assert settings.articles_index == "newsroom-articles"
    assert (settings.refresh, settings.timeout, settings.verify_certs, settings.ca_certs) == (
        "wait_for", 5.0, False, "/etc/ca.pem")
    assert "w0rd" not in repr(settings)
    assert redact("https://elastic:p%40ss:w0rd@search.example.org:9243/x") == "https://elastic:***@search.example.org:9243/x"


@pytest.mark.parametrize("url, message", [
    ("http://localhost:9200/Newsroom", "lower-case"),
    ("http://localhost:9200/_hidden", "lower-case"),
    ("http://localhost:9200/a/b", "lower-case"),
    ("http://localhost:9200?refresh=sometimes", "refresh"),
    ("http://localhost:9200?timeout=0", "timeout"),
    ("http://localhost:9200?timeout=soon", "timeout"),
    ("http://localhost:9200?verify_certs=maybe", "verify_certs"),
    ("http://localhost:9200?shards=3", "unknown store URL option"),
    ("http://localhost:port", "port"),
    ("http://:secret@/x", "no host"),
])
def test_bad_urls_are_explained(url, message):
    with pytest.raises(StoreUrlError, match=message) as caught:
        parse_url(url)
    assert "secret" not in str(caught.value)


def test_http_and_https_are_registered_backends():
    assert {"sqlite", "http", "https"} <= set(BACKENDS)
    with pytest.raises(StoreUrlError, match="http://"):
        open_store("mongodb://localhost/x")


# -- index bodies -------------------------------------------------------------------------------------------

def test_articles_mapping_has_filter_fields_analysers_and_the_stored_record():
    body = articles_index_body()
    analysis = body["settings"]["analysis"]
    folded = analysis["analyzer"]["advocacy_folded"]
    assert folded["tokenizer"] == "standard"
    assert {"lowercase", "asciifolding"} <= set(folded["filter"])
    for char_filter in folded["char_filter"]:
        assert char_filter in analysis["char_filter"]
    mappings = body["mappings"]
    assert mappings["dynamic"] == "strict"
    properties = mappings["properties"]
    for name in ("id", "outlet", "outlet_name", "country", "language", "themes", "entities"):
        assert properties[name] == {"type": "keyword"}, name
    assert properties["theme"] == {"type": "alias", "path": "themes"}
    assert properties["published_at"]["type"] == "date"
    for name in ("title", "text"):
        assert properties[name]["analyzer"] == "advocacy_folded"
        assert {code: sub["analyzer"] for code, sub in properties[name]["fields"].items()} == {
            "en": "english", "fr": "french", "ar": "arabic"}
    assert properties["record"] == {"type": "object", "enabled": False}
    assert properties["centroid"] == {"type": "object", "enabled": False}
    assert set(FACET_FIELDS.values()) <= set(properties)


def test_passages_mapping_carries_the_article_filters_and_takes_a_cosine_vector():
    properties = passages_index_body()["mappings"]["properties"]
    assert properties["article_id"] == {"type": "keyword"}
    assert properties["passage_index"]["type"] == "integer"
    assert properties["text"]["index"] is False
    for name in ("outlet", "country", "language", "themes", "published_at"):
        assert properties[name] == articles_index_body()["mappings"]["properties"][name]
    assert "vector" not in properties  # its dimension comes from the first upsert with vectors
    assert vector_mapping(384) == {"type": "dense_vector", "dims": 384, "index": True, "similarity": "cosine"}


def test_both_indices_keep_the_indexing_time_to_the_microsecond_and_saved_searches_have_their_own():
    for body in (articles_index_body(), passages_index_body()):
        assert body["mappings"]["properties"]["indexed_at"] == {"type": "date_nanos"}
    searches = searches_index_body()["mappings"]
    assert searches["dynamic"] == "strict"
    assert searches["properties"] == {"name": {"type": "keyword"}, "record": {"type": "object", "enabled": False}}
    assert parse_url("http://localhost:9200/newsroom").searches_index == "newsroom-searches"


def test_indexing_time_bounds_count_untimed_articles_as_old():
    mark = "2025-09-01T06:00:00.123456+00:00"
    assert filter_clauses(SearchFilters(indexed_after=mark)) == [{"range": {"indexed_at": {"gt": mark}}}]
    until, = filter_clauses(SearchFilters(indexed_until=mark))
    assert until["bool"]["minimum_should_match"] == 1
    assert until["bool"]["should"] == [{"range": {"indexed_at": {"lte": mark}}},
                                       {"bool": {"must_not": [{"exists": {"field": "indexed_at"}}]}}]


# -- query translation --------------------------------------------------------------------------------------

def test_keyword_query_with_filters():
    filters = SearchFilters(themes=["health"], languages=["fr"], outlets=["echo"], countries=["ma"],
                            since="2024-01-01", until="2024-05-02")
    assert build_query("réfugiés santé", filters) == {"bool": {
        "must": [{"bool": {"must": [words("refugies"), words("sante")]}}],
        "filter": [
            {"terms": {"themes": ["health"]}},
            {"terms": {"language": ["fr"]}},
            {"terms": {"outlet": ["echo"]}},
            {"terms": {"country": ["MA"]}},
            {"range": {"published_at": {"gte": "2024-01-01", "lte": "2024-05-02||/d"}}},
        ],
    }}


def test_empty_query_and_no_filters_match_everything():
    assert build_query("") == {"match_all": {}}
    assert build_query("   ", SearchFilters()) == {"match_all": {}}
    assert build_query("", SearchFilters(countries=["ml"])) == {"bool": {"filter": [{"terms": {"country": ["ML"]}}]}}


def test_until_rounds_partial_dates_up():
    assert filter_clauses(SearchFilters(until="2024")) == [{"range": {"published_at": {"lte": "2024||/y"}}}]
    assert filter_clauses(SearchFilters(until="2024-05")) == [{"range": {"published_at": {"lte": "2024-05||/M"}}}]


def test_query_language_phrases_prefixes_and_exclusions():
    clause = compile_query('"free consultations" migrant* -Nador').clause
    assert clause == {"bool": {
        "must": [
            {"multi_match": {"query": "free consultations", "type": "phrase", "fields": FIELDS}},
            {"bool": {"should": [{"prefix": {"title": {"value": "migrant", "boost": 4}}},
                                 {"prefix": {"text": {"value": "migrant"}}}], "minimum_should_match": 1}},
        ],
        "must_not": [words("nador")],
    }}


def test_query_language_fields_become_filters_and_knn_constraints():
    compiled = compile_query("theme:health refugees -lang:fr")
    assert compiled.has_text
    assert compiled.clause["bool"]["filter"] == [{"term": {"theme": "health"}}]
    assert compiled.clause["bool"]["must_not"] == [{"term": {"language": "fr"}}]
    # By meaning, the words are the embedding's business; the fields still apply.
    assert compiled.constraints == ({"bool": {"filter": [{"term": {"theme": "health"}}],
                                              "must_not": [{"term": {"language": "fr"}}]}},)
    assert compile_query("(theme:health OR theme:housing) refugees").constraints == ({"bool": {
        "should": [{"term": {"theme": "health"}}, {"term": {"theme": "housing"}}], "minimum_should_match": 1}},)
    assert compile_query("refugees OR theme:health").constraints == ()
    # The passages index holds no text to leave words out by: the top-level fields are kept.
    assert compile_query("refugees -Nador lang:fr").constraints == ({"bool": {"must": [{"term": {"language": "fr"}}]}},)
    only_fields = compile_query("country:MA")
    assert not only_fields.has_text and only_fields.clause is not None


def test_or_is_a_should_with_one_required():
    assert compile_query("Nador OR Oujda").clause == {"bool": {
        "should": [words("nador"), words("oujda")], "minimum_should_match": 1}}


@pytest.mark.parametrize("query", ["", "   ", "*", "-", "؟", "Rabat: migrants", "http://x.test/a"])
def test_odd_but_valid_queries_compile(query):
    compiled = compile_query(query)
    assert isinstance(compiled, CompiledQuery)
    build_query(compiled, SearchFilters(themes=["x"]))


@pytest.mark.parametrize("query", ['"unclosed', "NOT", "AND OR", "((", 'a"b', ")(", '"a" OR', "OR NOT AND",
                                   "theme:", "(refugees AND", "colour:red x"])
def test_malformed_queries_are_refused_as_by_every_store(query):
    with pytest.raises(QuerySyntaxError):
        compile_query(query)


# -- fusion -------------------------------------------------------------------------------------------------

def test_reciprocal_rank_fusion():
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["b", "d"]])
    assert [id for id, _ in fused] == ["b", "a", "d", "c"]
    scores = dict(fused)
    assert scores["b"] == pytest.approx(1 / 62 + 1 / 61)
    assert scores["a"] == pytest.approx(1 / 61)
    assert scores["d"] == pytest.approx(1 / 62) and scores["c"] == pytest.approx(1 / 63)
    # Equal scores keep the order in which the rankings named them (keyword list first).
    assert [id for id, _ in reciprocal_rank_fusion([["x"], ["y"]])] == ["x", "y"]
    assert reciprocal_rank_fusion([[], []]) == []


def tagged(text):
    """A fragment as the server's highlighter writes it, from one written here with [ and ] around the matches."""
    return text.replace("[", PRE_TAG).replace("]", POST_TAG)


def test_the_snippet_is_the_fragment_with_most_marked_words():
    best = tagged("free [surgeries] to [refugees]")
    assert _best_fragment({"text": [tagged("Private doctors gave **2024**")], "text.en": [best],
                           "text.fr": [tagged("free surgeries to [refugees]")]}) == best
    assert _best_fragment({"text": [tagged("the [same]")], "text.en": [tagged("the [same]")]}) == tagged("the [same]")
    assert _best_fragment({}) == ""


def lookalike(text):
    url = "http://atlas.test/lookalike"
    return Article(id=article_id(url), url=url, outlet="atlas", title="Waiting", text=text, language="en",
                   passages=[Passage(0, text, 0, len(text))])


def test_the_servers_fragment_becomes_plain_text_and_the_places_of_its_matches():
    text = "Figures for **2024** (*) show that <mark>asylum</mark> seekers  wait eight months."
    fragment = text.replace("asylum", tagged("[asylum]")).replace("months", tagged("[months]"))
    found = _snippet(fragment, lookalike(text), text, Highlighter(parse("asylum months"))).collapsed()
    assert found.text == " ".join(text.split())
    assert found.matched() == ["asylum", "months"]
    # A fragment without matches (the start of the text) is shown as it is.
    plain = _snippet(text[:30], lookalike(text), text, Highlighter(parse("asylum months")))
    assert (plain.text, plain.spans) == (text[:30], ())


def test_an_article_holding_the_tags_characters_is_highlighted_here_instead():
    text = f"Figures for **2024** show {PRE_TAG}that{POST_TAG} asylum seekers wait {PRE_TAG}eight months."
    # As the server would tag it: its own tags cannot be told from the article's characters.
    fragment = text.replace("asylum", tagged("[asylum]"))
    found = _snippet(fragment, lookalike(text), text, Highlighter(parse("asylum")))
    assert found.text == text and found.matched() == ["asylum"]
    # Even where the tags would happen to pair up.
    text = f"Figures for **2024** show {PRE_TAG}that{POST_TAG} asylum seekers wait."
    found = _snippet(text.replace("asylum", tagged("[asylum]")), lookalike(text), text, Highlighter(parse("asylum")))
    assert found.text == text and found.matched() == ["asylum"]


# -- errors -------------------------------------------------------------------------------------------------

def test_an_unreachable_server_is_a_clear_store_error():
    pytest.importorskip("elasticsearch")
    started = time.monotonic()
    with pytest.raises(StoreError, match=r"cannot reach Elasticsearch at http://127\.0\.0\.1:9 ") as caught:
        open_store("http://user:secret@127.0.0.1:9/advocacy?timeout=2")
    assert time.monotonic() - started < 30
    message = str(caught.value)
    assert "secret" not in message and "Traceback" not in message
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_a_missing_client_package_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "elasticsearch", None)  # what `import elasticsearch` sees when absent
    with pytest.raises(StoreError, match=r"pip install 'advocacy-monitor\[elasticsearch\]'"):
        ElasticsearchStore("http://localhost:9200")
    with pytest.raises(StoreError, match="advocacy-monitor"):
        open_store("https://localhost:9200/newsroom")
