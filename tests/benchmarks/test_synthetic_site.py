"""The generated benchmark site over real HTTP: what a crawler reads must match what the generator says."""
from __future__ import annotations

import html
import importlib.util
import math
import re
import sys
import time
import tomllib
import unicodedata
import urllib.error
import urllib.request
import urllib.robotparser
import xml.etree.ElementTree as ET
from datetime import datetime
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from pathlib import Path
from types import ModuleType
from urllib.parse import urlsplit

import pytest

SITE_MODULE = Path(__file__).resolve().parents[2] / "benchmarks" / "synthetic_site.py"
PAGES = 40
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def _load() -> ModuleType:
    # benchmarks/ is a folder of scripts, not a package: load the module from its file.
    name = "synthetic_site"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, SITE_MODULE)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


synthetic_site = _load()
SyntheticSite = synthetic_site.SyntheticSite


@pytest.fixture(scope="module")
def site():
    with SyntheticSite(PAGES) as running:
        yield running


def fetch(url: str, *, proxy: str | None = None, method: str = "GET") -> tuple[int, str, bytes]:
    handlers = [urllib.request.ProxyHandler({"http": proxy} if proxy else {})]
    opener = urllib.request.build_opener(*handlers)
    try:
        with opener.open(urllib.request.Request(url, method=method), timeout=10) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers.get("Content-Type", ""), error.read()


class PageFacts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.h1: list[str] = []
        self.meta: dict[str, str] = {}
        self.canonical: str | None = None
        self.links: list[str] = []
        self._in_h1 = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {key: value or "" for key, value in attrs}
        if tag == "h1":
            self._in_h1 = True
            self.h1.append("")
        elif tag == "meta" and "content" in values:
            self.meta[values.get("property") or values.get("name", "")] = values["content"]
        elif tag == "link" and values.get("rel") == "canonical":
            self.canonical = values.get("href")
        elif tag == "a" and values.get("href"):
            self.links.append(values["href"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "h1":
            self._in_h1 = False

    def handle_data(self, data: str) -> None:
        if self._in_h1:
            self.h1[-1] += data


def facts(body: bytes) -> PageFacts:
    parser = PageFacts()
    parser.feed(body.decode("utf-8"))
    return parser


def sitemap_urls(index_url: str, proxy: str | None = None) -> list[tuple[str, list[str]]]:
    """(sitemap URL, article URLs) for every sitemap named by a sitemap index."""
    status, _, body = fetch(index_url, proxy=proxy)
    assert status == 200
    index = ET.fromstring(body)
    assert index.tag == f"{SITEMAP}sitemapindex"
    found = []
    for loc in index.iter(f"{SITEMAP}loc"):
        status, _, body = fetch(loc.text, proxy=proxy)
        assert status == 200, loc.text
        urlset = ET.fromstring(body)
        assert urlset.tag == f"{SITEMAP}urlset"
        found.append((loc.text, [url.text for url in urlset.iter(f"{SITEMAP}loc")]))
    return found


def outlet_articles(site, key: str) -> list:
    """Newest first, as the feeds and the home page list them."""
    return sorted((a for a in site.articles if a.outlet == key), key=lambda a: a.published, reverse=True)


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


# Stems of the migration vocabulary, in English and French, accents removed. An off-topic article must not
# contain a single one, or a relevance filter could keep it for the wrong reason.
MIGRATION_WORDS = re.compile(r"\b(?:" + "|".join([
    "refugi", "refugee", "migra", "migrant", "immigr", "emigr", "asylum", "asile", "exil", "border", "frontiere",
    "displaced", "deplace", "deport", "expuls", "traffick", "traite des etres", "smuggl", "passeur", "clandestin",
    "undocumented", "sans-papiers", "sans papiers", "visa", "passport", "passeport", "diaspora", "transit",
    "humanitarian", "humanitaire", "stateless", "apatride", "xenophob", "racism", "detention", "retention",
    "residence permit", "titre de sejour", "carte de sejour", "sub-saharan", "subsaharien", "repatri", "rapatri",
    "resettle", "shipwreck", "naufrage", "pirogue", "patera", "frontex", "unhcr", "hcr", "oim", "iom",
    "ressortissant", "foreign national", "host countr", "pays d'accueil", "coast guard", "garde-cote",
]) + r")")
STRONG_WORDS = re.compile(r"\b(?:refugee|refugie|migrant|asylum|demandeurs? d'asile|immigration|deplaces?)")


# --------------------------------------------------------------------------------------------------
# Served pages
# --------------------------------------------------------------------------------------------------


def test_robots_txt_names_the_sitemap_index(site):
    for outlet in site.outlets:
        status, content_type, body = fetch(outlet.robots_url)
        assert status == 200 and content_type.startswith("text/plain")
        lines = body.decode("utf-8").splitlines()
        assert f"Sitemap: {outlet.sitemap_url}" in lines
        robots = urllib.robotparser.RobotFileParser(outlet.robots_url)
        robots.parse(lines)
        assert robots.site_maps() == [outlet.sitemap_url]
        article = outlet_articles(site, outlet.key)[0]
        assert robots.can_fetch("AnyCrawler", article.url)
        assert not robots.can_fetch("AnyCrawler", outlet.homepage + "search?q=x")


def test_every_sitemap_article_answers_200_with_its_title(site):
    listed = []
    for outlet in site.outlets:
        for _, urls in sitemap_urls(outlet.sitemap_url):
            listed.extend(urls)
    assert len(listed) == len(set(listed)) == PAGES
    assert set(listed) == {article.url for article in site.articles}
    for url in listed:
        status, content_type, body = fetch(url)
        article = site.article_at(url)
        assert status == 200 and content_type.startswith("text/html"), url
        page = facts(body)
        assert page.h1 == [article.title]
        assert f"<title>{html.escape(article.title)} | " in body.decode("utf-8")


def test_article_pages_carry_article_metadata_and_the_whole_text(site):
    for article in site.articles[:8]:
        body = fetch(article.url)[2]
        page = facts(body)
        assert page.meta["og:type"] == "article"
        assert datetime.fromisoformat(page.meta["article:published_time"]) == article.published
        assert page.canonical == article.url == page.meta["og:url"]
        text = body.decode("utf-8")
        for paragraph in article.paragraphs:
            assert f"<p>{html.escape(paragraph)}</p>" in text
        # Boilerplate a real page has around the story.
        for marker in ('class="share"', 'class="related"', 'class="site-footer"', 'id="cookie-banner"',
                       'class="main-nav"'):
            assert marker in text


def test_feed_parses_and_lists_the_latest_articles(site):
    for outlet in site.outlets:
        status, content_type, body = fetch(outlet.feed_url)
        assert status == 200 and "rss" in content_type
        channel = ET.fromstring(body).find("channel")
        assert channel is not None
        items = channel.findall("item")
        expected = outlet_articles(site, outlet.key)[:synthetic_site.FEED_SIZE]
        assert [item.findtext("link") for item in items] == [article.url for article in expected]
        assert [item.findtext("title") for item in items] == [article.title for article in expected]
        assert parsedate_to_datetime(items[0].findtext("pubDate")) == expected[0].published


def test_feed_holds_at_most_fifty_items():
    with SyntheticSite(240, sitemap_size=1000) as big:
        outlet = big.outlets[0]
        items = ET.fromstring(fetch(outlet.feed_url)[2]).find("channel").findall("item")
        assert len(items) == synthetic_site.FEED_SIZE == 50
        home = facts(fetch(outlet.homepage)[2])
        latest = [a.path for a in outlet_articles(big, outlet.key)[:synthetic_site.HOME_SIZE]]
        assert len(latest) == 30 and set(latest) <= set(home.links)
        older = outlet_articles(big, outlet.key)[synthetic_site.HOME_SIZE].path
        assert older not in home.links


def test_home_page_links_to_the_latest_articles(site):
    for outlet in site.outlets:
        status, _, body = fetch(outlet.homepage)
        assert status == 200
        page = facts(body)
        assert page.meta["og:type"] == "website"
        for article in outlet_articles(site, outlet.key):
            assert article.path in page.links


def test_sitemaps_hold_at_most_the_configured_number_of_urls():
    with SyntheticSite(PAGES, sitemap_size=4) as small:
        for outlet in small.outlets:
            articles = outlet_articles(small, outlet.key)
            maps = sitemap_urls(outlet.sitemap_url)
            assert len(maps) == math.ceil(len(articles) / 4)
            assert all(len(urls) <= 4 for _, urls in maps)
            assert [url for _, urls in maps for url in urls] == [a.url for a in articles]


def test_unknown_pages_answer_404_and_head_has_no_body(site):
    outlet = site.outlets[0]
    assert fetch(outlet.homepage + "no/such/page/")[0] == 404
    status, _, body = fetch(site.articles[0].url, method="HEAD")
    assert status == 200 and body == b""


def test_requests_are_counted_by_kind(site):
    site.reset_hits()
    fetch(site.outlets[1].robots_url)
    fetch(site.articles[1].url)
    fetch(site.outlets[1].homepage + "missing")
    assert site.hits() == {"robots": 1, "article": 1, "not-found": 1}
    assert site.missing() == [("/missing", 1)]


def test_virtual_hosts_answer_through_the_proxy():
    with SyntheticSite(8, virtual_hosts=True) as proxied:
        assert proxied.proxy_url and proxied.proxy_url.startswith("http://127.0.0.1:")
        outlet = proxied.outlets[2]
        assert outlet.homepage == f"http://{outlet.key}.synthetic.test/"
        robots = fetch(outlet.robots_url, proxy=proxied.proxy_url)[2].decode("utf-8")
        assert f"Sitemap: http://{outlet.key}.synthetic.test/sitemap.xml" in robots
        article = outlet_articles(proxied, outlet.key)[0]
        status, _, body = fetch(article.url, proxy=proxied.proxy_url)
        assert status == 200 and facts(body).h1 == [article.title]
        assert fetch("http://elsewhere.synthetic.test/", proxy=proxied.proxy_url)[0] == 404


def test_servers_stop_with_the_context():
    with SyntheticSite(4) as short_lived:
        url = short_lived.outlets[0].homepage
        assert fetch(url)[0] == 200
    assert not short_lived.running
    with pytest.raises(urllib.error.URLError):
        fetch(url)
    with pytest.raises(RuntimeError):
        short_lived.sources_toml()


# --------------------------------------------------------------------------------------------------
# Sources file
# --------------------------------------------------------------------------------------------------


def test_sources_toml_parses_and_points_at_the_running_outlets(site):
    outlets = tomllib.loads(site.sources_toml())["outlet"]
    assert [table["key"] for table in outlets] == [outlet.key for outlet in site.outlets]
    assert len(outlets) == 4
    for table, outlet in zip(outlets, site.outlets):
        assert set(table) == {"key", "name", "homepage", "country", "languages", "type", "reach", "feeds",
                              "sitemaps"}
        assert table["type"] == "national"
        assert table["name"] == outlet.name
        assert table["country"] in ("MA", "ML")
        assert table["languages"] == [outlet.language] and outlet.language in ("en", "fr")
        assert isinstance(table["reach"], int) and table["reach"] > 0
        assert table["homepage"] == outlet.homepage
        assert table["feeds"] == [outlet.feed_url] and table["sitemaps"] == [outlet.sitemap_url]
        assert fetch(table["feeds"][0])[0] == 200 and fetch(table["sitemaps"][0])[0] == 200
    ports = {table["homepage"] for table in outlets}
    assert len(ports) == 4


# --------------------------------------------------------------------------------------------------
# Generated text
# --------------------------------------------------------------------------------------------------


def _snapshot(generated) -> list[tuple]:
    return [(a.outlet, a.title, a.text, a.on_topic, a.subject, a.published, a.slug) for a in generated.articles]


def test_same_seed_same_site_other_seed_other_site():
    first, second = SyntheticSite(PAGES, seed=7), SyntheticSite(PAGES, seed=7)
    assert _snapshot(first) == _snapshot(second)
    other = SyntheticSite(PAGES, seed=8)
    assert [a.text for a in other.articles] != [a.text for a in first.articles]


def test_rendering_is_deterministic_too():
    bodies = []
    for _ in range(2):
        with SyntheticSite(12, seed=3) as generated:
            article = generated.articles[5]
            body = fetch(article.url)[2].decode("utf-8")
            # Only the port, chosen by the system at each start, may differ.
            bodies.append(body.replace(str(urlsplit(article.url).port), "PORT"))
    assert bodies[0] == bodies[1]


def test_on_and_off_topic_shares(site):
    counts = site.expected()
    on_topic = [a for a in site.articles if a.on_topic]
    assert counts == {"articles": PAGES, "on_topic": len(on_topic), "off_topic": PAGES - len(on_topic)}
    assert counts["off_topic"] == round(PAGES * 0.15)
    big = SyntheticSite(400).expected()
    assert 0.80 <= big["on_topic"] / big["articles"] <= 0.90


def test_off_topic_articles_use_no_migration_word_and_on_topic_ones_do():
    generated = SyntheticSite(400)
    for article in generated.articles:
        text = fold(article.title + "\n" + article.text)
        if article.on_topic:
            assert article.subject in ("health", "education", "housing", "justice")
            assert STRONG_WORDS.search(text), article.title
        else:
            assert article.subject in ("sport", "economy", "weather")
            match = MIGRATION_WORDS.search(text)
            assert match is None, f"{article.title!r} says {match.group(0)!r}"


def test_articles_are_350_to_700_words_in_english_and_french():
    generated = SyntheticSite(400)
    assert all(350 <= article.words <= 700 for article in generated.articles)
    assert {a.language for a in generated.articles} == {"en", "fr"}
    assert {a.country for a in generated.articles} == {"MA", "ML"}
    cities = {a.city for a in generated.articles}
    assert {"Bamako", "Rabat"} <= cities or {"Bamako", "Casablanca"} <= cities
    # Varied, not one text repeated: distinct sentences far outnumber articles.
    sentences = {s for a in generated.articles for s in re.split(r"(?<=[.!?»\"])\s+", a.text)}
    assert len(sentences) > 10 * len(generated.articles)


def test_two_thousand_pages_are_generated_and_rendered_in_under_ten_seconds():
    started = time.perf_counter()
    with SyntheticSite(2000) as full:
        assert len(full.articles) == 2000
    assert time.perf_counter() - started < 10
