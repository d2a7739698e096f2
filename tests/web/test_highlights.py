"""Only the words a search matched are highlighted, in the API, the search page and its export, whatever the
article's own text holds: stars, <mark> tags or the control characters a search engine may use as tags."""
import csv
import io
import re

import numpy as np
import pytest

from advocacy.article import Article, Passage, ThemeScore, article_id
from advocacy.index.sqlite import SqliteStore

from .conftest import DIMENSION, fill_index, make_app, make_settings, token_client

TEXT = ("Figures for **2024** show that asylum seekers wait eight months for their papers in Rabat, "
        "*twice* as long as in <mark>2023</mark>.\x02\x03")
URL = "http://atlas.test/asylum-waits"
STARRED = article_id(URL)


def starred_article() -> Article:
    return Article(id=STARRED, url=URL, outlet="atlas", outlet_name="The Atlas Tribune", country="MA", language="en",
                   title="Asylum seekers wait for their papers", text=TEXT, published_at="2024-03-01T09:00:00+00:00",
                   stage="indexed", themes=[ThemeScore("legal", 0.8)], passages=[Passage(0, TEXT, 0, len(TEXT))])


@pytest.fixture(scope="module")
def viewer(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("highlights")
    fill_index(data_dir)
    store = SqliteStore(data_dir / "index.db")
    vector = np.zeros(DIMENSION, dtype=np.float32)
    vector[5] = 1.0
    store.upsert(starred_article(), vectors=vector[None, :])
    store.close()
    return token_client(make_app(make_settings(data_dir)), "viewer1")


@pytest.mark.parametrize("mode", ["keyword", "hybrid", "semantic"])
def test_the_api_gives_the_text_as_written_and_where_the_matches_are(viewer, mode):
    answer = viewer.get("/api/search", params={"q": "asylum", "mode": mode, "facets": "false"})
    assert answer.status_code == 200, answer.text
    hit = next(hit for hit in answer.json()["hits"] if hit["id"] == STARRED)
    assert hit["snippet"] == TEXT
    assert hit["highlights"] == [[TEXT.index("asylum"), TEXT.index("asylum") + len("asylum")]]


def test_the_api_documents_highlights():
    from advocacy.web.schemas import HitOut

    schema = HitOut.model_json_schema()["properties"]
    assert "plain text" in schema["snippet"]["description"]
    assert "[start, end)" in schema["highlights"]["description"]


def test_the_search_page_marks_only_the_matched_words(viewer):
    page = viewer.get("/search", params={"q": "asylum", "mode": "keyword"}).text
    item = re.search(r'<li class="hit">\s*<h2[^>]*><a href="/articles/' + STARRED + r'">.*?</li>', page, re.S).group(0)
    snippet = re.search(r'<p class="snippet"[^>]*>(.*?)</p>', item, re.S).group(1)
    assert snippet == ("Figures for **2024** show that <mark>asylum</mark> seekers wait eight months for their "
                       "papers in Rabat, *twice* as long as in &lt;mark&gt;2023&lt;/mark&gt;.\x02\x03")
    assert re.findall(r"<mark>(.*?)</mark>", snippet) == ["asylum"]


def test_the_export_has_the_text_as_written(viewer):
    answer = viewer.get("/search.csv", params={"q": "asylum", "mode": "keyword"})
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    row = next(row for row in rows if row["id"] == STARRED)
    assert "Figures for **2024** show that asylum seekers" in row["snippet"]
