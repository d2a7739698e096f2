import pytest

from advocacy.article import Article, Entity, Passage, ThemeScore, article_id, content_hash, normalise_url


def test_url_variants_of_one_story_share_an_id():
    variants = [
        "https://Example.org/news/story-1/",
        "http://example.org/news/story-1",
        "http://example.org:80/news/story-1?utm_source=feed&utm_medium=rss",
        "http://example.org/news//story-1#comments",
    ]
    assert len({article_id(url) for url in variants}) == 1
    assert len(article_id(variants[0])) == 32


def test_mobile_and_amp_editions_share_the_id_of_the_story():
    story = article_id("https://www.example.ma/societe/2024/05/story.html")
    for variant in ["https://m.example.ma/societe/2024/05/story.html",
                    "https://amp.example.ma/societe/2024/05/story.html",
                    "https://www.example.ma/amp/societe/2024/05/story.html",
                    "https://www.example.ma/societe/2024/05/story.html/amp",
                    "https://www.example.ma/societe/2024/05/story.amp.html",
                    "https://www.example.ma/societe/2024/05/story.html?amp=1",
                    "https://www.example.ma/societe/2024/05/story.html?outputType=amp"]:
        assert article_id(variant) == story, variant
    assert article_id("https://www.example.ma/news/amplifier-project") != story
    assert normalise_url("http://example.ma/camp/amped") == "http://example.ma/camp/amped"


def test_meaningful_query_parameters_keep_stories_apart():
    assert article_id("http://x.org/article.php?id=1") != article_id("http://x.org/article.php?id=2")
    assert normalise_url("http://x.org/a?b=2&a=1") == "http://x.org/a?a=1&b=2"


def test_content_hash_ignores_case_and_spacing_but_not_words():
    assert content_hash("Refugees  treated\nfor free") == content_hash("refugees treated for free")
    assert content_hash("refugees treated") != content_hash("refugees refused")


def test_record_round_trips_through_a_dict():
    article = Article(id="a" * 32, url="http://x.org/a", outlet="x", title="T", text="Body",
                      themes=[ThemeScore("health", 0.9, {"access_to_care": 0.8}, {"clinic": 2}, [0], "why")],
                      entities=[Entity("org:unhcr", "UNHCR", "organisation", ["HCR"], 2)],
                      passages=[Passage(0, "Body", 0, 4)], stage="enriched")
    again = Article.from_dict(article.to_dict())
    assert again == article
    assert again.theme_names == ["health"]


def test_unknown_stage_is_refused():
    with pytest.raises(ValueError, match="unknown stage"):
        Article(id="x", url="http://x.org", outlet="x", stage="published")
