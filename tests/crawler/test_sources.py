import pytest

from advocacy.crawler.sources import SourcesError, load_sources, parse_sources

GOOD = """
[[outlet]]
key = "tribune"
name = "The Tribune"
homepage = "https://www.tribune.test/"
country = "MA"
languages = ["en"]
type = "national"
reach = 1000
feeds = ["https://feeds.tribune.test/rss"]
[outlet.crawl]
allow = ["/news/"]
depth = 2
"""


def test_an_outlet_is_read_with_its_hosts():
    (outlet,) = parse_sources(GOOD)
    assert outlet.key == "tribune" and outlet.crawl_allow == ("/news/",) and outlet.crawl_depth == 2
    assert outlet.owns("http://tribune.test/news/a") and outlet.owns("https://feeds.tribune.test/x")
    assert not outlet.owns("https://other.test/news/a")


@pytest.mark.parametrize("text, message", [
    ('[[outlet]]\nname = "x"\nhomepage = "http://x.test/"', "'key' is required"),
    ('[[outlet]]\nkey = "x"\nhomepage = "ftp://x.test/"', "not an http"),
    ('[[outlet]]\nkey = "x"\nhomepage = "http://x.test/"\ntype = "tabloid"', "type 'tabloid'"),
    ('[[outlet]]\nkey = "x"\nhomepage = "http://x.test/"\nreach = -5', "reach"),
    ('[[outlet]]\nkey = "x"\nhomepage = "http://x.test/"\n[[outlet]]\nkey = "x"\nhomepage = "http://y.test/"',
     "used twice"),
    ("[[outlet]\n", "not valid TOML"),
])
def test_mistakes_are_named(text, message):
    with pytest.raises(SourcesError, match=message):
        parse_sources(text)


def test_missing_file(tmp_path):
    with pytest.raises(SourcesError, match="does not exist"):
        load_sources(tmp_path / "nope.toml")


def test_the_starter_list_loads():
    outlets = load_sources()
    assert outlets and all(not o.verified for o in outlets)
    assert {"MA", "ML"} <= {o.country for o in outlets}
