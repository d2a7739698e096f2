"""The demo web over real HTTP on 127.0.0.1: what the crawler will see must match what the site files say."""
from __future__ import annotations

import re
import socket
import tomllib
import urllib.error
import urllib.request
import urllib.robotparser
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from advocacy.demo.web import DEFAULT_SITE_DIR, FEED_SIZE, DemoPage, DemoWeb

FIXTURE_SITE = Path(__file__).parent / "fixtures" / "site"

RSS_DC = "{http://purl.org/dc/elements/1.1/}"
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"


# --------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    url: str

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


def fetch(url: str, headers: dict[str, str] | None = None, method: str = "GET") -> Reply:
    request = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return Reply(response.status, dict(response.headers), response.read(), response.url)
    except urllib.error.HTTPError as error:
        # urllib treats 304 and 404 as errors; for these tests they are ordinary answers.
        with error:
            return Reply(error.code, dict(error.headers), error.read(), url)


@dataclass
class PageFacts:
    html_attrs: dict[str, str] = field(default_factory=dict)
    title: str = ""
    h1: str = ""
    meta: dict[str, str] = field(default_factory=dict)
    canonical: str | None = None
    story_paragraphs: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    time_elements: int = 0
    ids: set[str] = field(default_factory=set)


class _FactParser(HTMLParser):
    """Collects what the tests check, telling the story body apart from the boilerplate around it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.facts = PageFacts()
        self.open_tags: list[tuple[str, bool]] = []  # (tag, opens the story body)
        self.capture: str | None = None
        self.buffer: list[str] = []

    def in_story_body(self) -> bool:
        return any(is_body for _, is_body in self.open_tags)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if "id" in attributes:
            self.facts.ids.add(attributes["id"])
        if tag == "html":
            self.facts.html_attrs = attributes
        elif tag == "meta":
            key = attributes.get("name") or attributes.get("property")
            if key:
                self.facts.meta[key] = attributes.get("content", "")
        elif tag == "link" and attributes.get("rel") == "canonical":
            self.facts.canonical = attributes.get("href")
        elif tag == "a" and "href" in attributes:
            self.facts.links.append(attributes["href"])
        elif tag == "time":
            self.facts.time_elements += 1
        if tag in {"title", "h1"} or (tag == "p" and self.in_story_body()):
            self.capture, self.buffer = tag, []
        if tag not in {"meta", "link", "input", "br", "img"}:
            self.open_tags.append((tag, tag == "div" and "story-body" in attributes.get("class", "").split()))

    def handle_endtag(self, tag: str) -> None:
        if tag == self.capture:
            text = " ".join("".join(self.buffer).split())
            if tag == "title":
                self.facts.title = text
            elif tag == "h1":
                self.facts.h1 = text
            else:
                self.facts.story_paragraphs.append(text)
            self.capture = None
        while self.open_tags:
            if self.open_tags.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        if self.capture:
            self.buffer.append(data)


def page_facts(html_text: str) -> PageFacts:
    parser = _FactParser()
    parser.feed(html_text)
    parser.close()
    return parser.facts


def site_relative(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def xml_of(url: str) -> ET.Element:
    reply = fetch(url)
    assert reply.status == 200, url
    return ET.fromstring(reply.body)


def articles_of(web: DemoWeb, outlet_key: str) -> list[DemoPage]:
    return [page for page in web.expected_articles() if page.outlet == outlet_key]


def write_site(root: Path, outlets: str, articles: dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "outlets.toml").write_text(outlets, encoding="utf-8")
    for relative, text in articles.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


ONE_OUTLET = """
[[outlet]]
key = "test-post"
name = "Test Post"
language = "en"
country = "MA"
type = "national"
reach = 10
feed = "rss"
url_style = "dated"
"""


def article_file(slug: str, *, date: str = "2024-03-01T10:00:00Z", extra: str = "", text: str = "Body.") -> str:
    return (f'+++\nslug = "{slug}"\ntitle = "Title of {slug}"\ndate = {date}\ntags = ["News"]\n'
            f'themes = []\non_topic = false\ndate_in = "meta"\n{extra}+++\n{text}\n')


# --------------------------------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def web():
    with DemoWeb(FIXTURE_SITE) as running:
        yield running


def _package_site_has_articles() -> bool:
    return any(DEFAULT_SITE_DIR.glob("*/*.md"))


@pytest.fixture(scope="module", params=["fixture-site", "package-site"])
def any_web(request):
    """The checks every demo site must pass: the small fixture site and the shipped one."""
    if request.param == "package-site":
        if not _package_site_has_articles():
            pytest.skip("the package's site/ folder holds no articles yet")
        site = None
    else:
        site = FIXTURE_SITE
    with DemoWeb(site) as running:
        yield running


# --------------------------------------------------------------------------------------------------
# Life cycle
# --------------------------------------------------------------------------------------------------


def test_start_gives_each_outlet_its_own_port_and_stop_frees_it():
    demo = DemoWeb(FIXTURE_SITE)
    assert all(outlet.base_url is None for outlet in demo.outlets)
    demo.start()
    try:
        ports = [urlsplit(outlet.base_url).port for outlet in demo.outlets]
        assert len(set(ports)) == len(demo.outlets)
        assert all(urlsplit(outlet.base_url).hostname == "127.0.0.1" for outlet in demo.outlets)
        for outlet in demo.outlets:
            assert fetch(outlet.base_url).status == 200
        with pytest.raises(RuntimeError):
            demo.start()
    finally:
        demo.stop()
    assert all(outlet.base_url is None for outlet in demo.outlets)
    for port in ports:
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
    demo.stop()  # stopping twice is harmless


def test_urls_need_a_running_web():
    demo = DemoWeb(FIXTURE_SITE)
    with pytest.raises(RuntimeError):
        demo.expected_articles()
    with pytest.raises(RuntimeError):
        demo.sources_toml()


def test_context_manager_restarts_on_new_ports():
    demo = DemoWeb(FIXTURE_SITE)
    with demo:
        first = demo.outlets[0].base_url
        assert fetch(first).status == 200
    with demo:
        assert fetch(demo.outlets[0].base_url).status == 200
    assert demo.outlets[0].base_url is None and first


# --------------------------------------------------------------------------------------------------
# Every site: articles, feeds, sitemaps, robots.txt, sources
# --------------------------------------------------------------------------------------------------


def test_every_article_url_serves_its_title_and_text(any_web):
    pages = any_web.expected_articles()
    assert pages
    assert len({(page.outlet, page.slug) for page in pages}) == len(pages)
    for page in pages:
        for url in {page.url, page.listed_url}:
            reply = fetch(url)
            assert reply.status == 200, url
            assert reply.headers["Content-Type"].startswith("text/html")
            facts = page_facts(reply.text)
            assert facts.h1 == page.title, url
            assert facts.title.startswith(page.title)
            assert facts.story_paragraphs == page.text.split("\n\n"), url
            assert facts.canonical == page.url
            assert facts.meta["og:url"] == page.url
            assert facts.meta["og:type"] == "article"
            assert facts.meta["og:title"] == page.title
            assert facts.meta["description"]
            assert facts.meta.get("author") == page.author


def test_article_pages_carry_realistic_boilerplate(any_web):
    for page in any_web.expected_articles():
        reply = fetch(page.listed_url)
        facts = page_facts(reply.text)
        assert {"content", "comments", "cookie-consent"} <= facts.ids
        for marker in ('class="breadcrumb"', 'class="share"', 'class="related"', 'class="newsletter"',
                       'class="site-footer"', "<article", 'class="menu"'):
            assert marker in reply.text, (page.url, marker)
        related = reply.text.split('class="related"', 1)[1].split("</aside>", 1)[0]
        others = len(articles_of(any_web, page.outlet)) - 1
        assert related.count("<li>") == min(3, others)


def test_date_exposure_follows_date_in(any_web):
    for page in any_web.expected_articles():
        reply = fetch(page.url)
        facts = page_facts(reply.text)
        path = urlsplit(page.url).path
        if page.date_in == "meta":
            published = datetime.fromisoformat(facts.meta["article:published_time"].replace("Z", "+00:00"))
            assert published == page.date
            assert facts.time_elements >= 1
        else:
            assert "article:published_time" not in facts.meta
            assert facts.time_elements == 0
            assert '"datePublished"' not in reply.text
            assert "Last-Modified" not in reply.headers
        if page.date_in == "url":
            assert f"/{page.date:%Y/%m}/" in path
        if page.date_in == "none":
            assert not re.search(r"/(19|20)\d\d/", path), path
            assert f"{page.date:%Y-%m}" not in reply.text
            assert not re.search(r"/(19|20)\d\d/\d\d/", reply.text), page.url


def test_feed_lists_the_latest_articles(any_web):
    for outlet in any_web.outlets:
        pages = sorted(articles_of(any_web, outlet.key), key=lambda page: (page.date, page.slug), reverse=True)
        latest = pages[:FEED_SIZE]
        reply = fetch(outlet.feed_url)
        assert reply.status == 200
        root = ET.fromstring(reply.body)
        if outlet.feed == "rss":
            assert outlet.feed_url.endswith("/feed.xml")
            assert reply.headers["Content-Type"].startswith("application/rss+xml")
            items = root.findall("./channel/item")
            assert [item.findtext("guid") for item in items] == [page.url for page in latest]
            for item, page in zip(items, latest):
                assert item.findtext("title") == page.title
                assert (item.find("pubDate") is None) == (page.date_in == "none")
                assert item.findtext(f"{RSS_DC}creator") == page.author
                assert item.findtext("description")
        else:
            assert outlet.feed_url.endswith("/atom.xml")
            assert reply.headers["Content-Type"].startswith("application/atom+xml")
            entries = root.findall(f"{ATOM}entry")
            assert [entry.findtext(f"{ATOM}id") for entry in entries] == [page.url for page in latest]
            for entry, page in zip(entries, latest):
                assert entry.findtext(f"{ATOM}title") == page.title
                assert (entry.find(f"{ATOM}updated") is None) == (page.date_in == "none")
                assert entry.findtext(f"{ATOM}author/{ATOM}name") == page.author
                assert entry.findtext(f"{ATOM}summary")
        links = ([item.findtext("link") for item in root.findall("./channel/item")] if outlet.feed == "rss"
                 else [entry.find(f"{ATOM}link").get("href") for entry in root.findall(f"{ATOM}entry")])
        for link, page in zip(links, latest):
            assert page_facts(fetch(link).text).canonical == page.url


def test_sitemap_index_leads_to_every_article(any_web):
    for outlet in any_web.outlets:
        index = xml_of(outlet.sitemap_url)
        assert index.tag == f"{SITEMAP}sitemapindex"
        children = [loc.text for loc in index.iter(f"{SITEMAP}loc")]
        assert sorted(urlsplit(child).path for child in children) == ["/sitemap-articles.xml", "/sitemap-pages.xml"]

        articles_sitemap = xml_of(next(child for child in children if child.endswith("articles.xml")))
        pages = {page.listed_url: page for page in articles_of(any_web, outlet.key)}
        entries = articles_sitemap.findall(f"{SITEMAP}url")
        assert sorted(entry.findtext(f"{SITEMAP}loc") for entry in entries) == sorted(pages)
        for entry in entries:
            page = pages[entry.findtext(f"{SITEMAP}loc")]
            published = entry.findtext(f"{NEWS}news/{NEWS}publication_date")
            lastmod = entry.findtext(f"{SITEMAP}lastmod")
            if page.date_in == "none":
                assert published is None and lastmod is None
            else:
                assert datetime.fromisoformat(published.replace("Z", "+00:00")) == page.date
                assert lastmod == published

        pages_sitemap = xml_of(next(child for child in children if child.endswith("pages.xml")))
        listed = [loc.text for loc in pages_sitemap.iter(f"{SITEMAP}loc")]
        paths = {urlsplit(url).path for url in listed}
        assert {"/", "/about/", "/contact/"} <= paths
        assert not any(path.startswith("/private/") for path in paths)
        for url in listed:
            assert fetch(url).status == 200, url


def test_robots_txt_forbids_the_private_draft_that_the_home_page_links(any_web):
    for outlet in any_web.outlets:
        reply = fetch(outlet.base_url + "robots.txt")
        assert reply.status == 200
        assert reply.headers["Content-Type"].startswith("text/plain")
        assert reply.text == f"User-agent: *\nDisallow: /private/\n\nSitemap: {outlet.sitemap_url}\n"

        robots = urllib.robotparser.RobotFileParser()
        robots.parse(reply.text.splitlines())
        draft = urljoin(outlet.base_url, "/private/draft/")
        assert not robots.can_fetch("AdvocacyMonitor", draft)
        assert robots.can_fetch("AdvocacyMonitor", outlet.base_url)

        home = page_facts(fetch(outlet.base_url).text)
        assert "/private/draft/" in home.links
        draft_reply = fetch(draft)
        assert draft_reply.status == 200
        assert page_facts(draft_reply.text).h1


def test_sources_toml_describes_the_running_outlets(any_web):
    sources = tomllib.loads(any_web.sources_toml())
    assert [entry["key"] for entry in sources["outlet"]] == [outlet.key for outlet in any_web.outlets]
    for entry, outlet in zip(sources["outlet"], any_web.outlets):
        assert entry == {
            "key": outlet.key, "name": outlet.name, "homepage": outlet.base_url, "country": outlet.country,
            "languages": [outlet.language], "type": outlet.type, "reach": outlet.reach,
            "feeds": [outlet.feed_url], "sitemaps": [outlet.sitemap_url],
        }
        assert fetch(entry["homepage"]).status == 200
        assert fetch(entry["feeds"][0]).status == 200
        assert fetch(entry["sitemaps"][0]).status == 200


# --------------------------------------------------------------------------------------------------
# The fixture site: specific behaviours
# --------------------------------------------------------------------------------------------------


def test_sources_toml_escapes_quotes_and_keeps_arabic(web):
    text = web.sources_toml()
    assert 'name = "The Harbour \\"Gazette\\""' in text
    assert 'name = "المرصد"' in text
    names = [entry["name"] for entry in tomllib.loads(text)["outlet"]]
    assert names == ['The Harbour "Gazette"', "Coastal Courier", "المرصد"]


def test_home_page_lists_articles_with_teasers_and_the_fiction_notice(web):
    for outlet in web.outlets:
        reply = fetch(outlet.base_url)
        facts = page_facts(reply.text)
        for page in articles_of(web, outlet.key):
            assert site_relative(page.listed_url) in facts.links
        assert "fictional outlet of the Advocacy Monitor demo" in reply.text
        assert 'id="cookie-consent"' in reply.text
        assert "/about/" in facts.links and "/contact/" in facts.links
    teaser = fetch(web.outlet("harbour-gazette").base_url).text
    assert "The port city&#x27;s two shelters for migrants are full three weeks before the first cold snap, " \
           "volunteers said on Monday." in teaser
    assert "Staff at the larger shelter" not in teaser


def test_language_and_direction_are_declared(web):
    english = page_facts(fetch(web.outlet("harbour-gazette").base_url).text)
    assert english.html_attrs.get("lang") == "en" and "dir" not in english.html_attrs
    arabic_page = next(page for page in articles_of(web, "al-marsad"))
    arabic = page_facts(fetch(arabic_page.url).text)
    assert arabic.html_attrs == {"lang": "ar", "dir": "rtl"}


def test_text_is_escaped_not_interpreted(web):
    page = next(page for page in articles_of(web, "harbour-gazette") if page.slug == "shelter-beds-run-short")
    raw = fetch(page.url).text
    assert "&lt;no&gt;" in raw and "<no>" not in raw
    assert "winter nears &amp; arrivals rise" in raw
    assert "third site would open once its heating" in page.text  # hard-wrapped lines joined


def test_urls_follow_each_outlets_style(web):
    by_slug = {(page.outlet, page.slug): page for page in web.expected_articles()}
    paths = {key: urlsplit(page.url).path for key, page in by_slug.items()}
    assert paths["harbour-gazette", "ferry-timetable-changes"] == "/2024/12/ferry-timetable-changes.html"
    assert paths["harbour-gazette", "fishing-quotas-debate"] == "/2024/10/fishing-quotas-debate.html"
    assert paths["harbour-gazette", "clinic-opens-for-undocumented"] == "/news/clinic-opens-for-undocumented.html"
    assert paths["coastal-courier", "beach-cleanup"] == "/actualites/beach-cleanup/"
    assert paths["coastal-courier", "asylum-hearings-backlog"] == "/2024/10/12/asylum-hearings-backlog/"
    # id style: numbered in slug order (boat-rescue-coast, student-visas, water-prices).
    assert paths["al-marsad", "boat-rescue-coast"] == "/article/1"
    assert paths["al-marsad", "student-visas"] == "/2024/10/18/student-visas/"
    assert paths["al-marsad", "water-prices"] == "/article/3"


def test_id_style_links_carry_tracking_but_the_page_declares_the_clean_canonical(web):
    outlet = web.outlet("al-marsad")
    home = page_facts(fetch(outlet.base_url).text)
    assert "/article.php?id=1&utm_source=home" in home.links
    assert "/article.php?id=3&utm_source=home" in home.links

    tracked = fetch(outlet.base_url + "article.php?id=1&utm_source=home")
    clean = fetch(outlet.base_url + "article/1")
    assert tracked.status == clean.status == 200
    assert page_facts(tracked.text).canonical == outlet.base_url + "article/1"
    assert tracked.body == clean.body
    assert fetch(outlet.base_url + "article.php?id=1").status == 200
    for missing in ("article.php?id=99&utm_source=home", "article.php?id=abc", "article.php", "article/99",
                    "article.php?id=2"):
        assert fetch(outlet.base_url + missing).status == 404, missing


def test_syndicated_copy_declares_no_foreign_canonical(web):
    copy = next(page for page in web.expected_articles() if page.syndicated_from)
    assert copy.syndicated_from == "harbour-gazette/shelter-beds-run-short"
    original = next(page for page in articles_of(web, "harbour-gazette") if page.slug == "shelter-beds-run-short")
    facts = page_facts(fetch(copy.url).text)
    assert facts.canonical == copy.url != original.url
    assert copy.text == original.text


def test_pages_without_a_stated_date_reach_dated_neighbours_through_shortlinks(web):
    clinic = next(page for page in articles_of(web, "harbour-gazette") if page.date_in == "none")
    raw = fetch(clinic.url).text
    related = raw.split('class="related"', 1)[1].split("</aside>", 1)[0]
    assert "/s/" in related and "/2024/" not in related
    shortlink = page_facts(related).links[0]
    landed = fetch(urljoin(clinic.url, shortlink))
    assert landed.status == 200 and page_facts(landed.text).canonical != clinic.url


def test_tag_pages_list_their_articles(web):
    outlet = web.outlet("harbour-gazette")
    reply = fetch(outlet.base_url + "tag/migration/")
    assert reply.status == 200
    links = page_facts(reply.text).links
    tagged = [page for page in articles_of(web, outlet.key) if "Migration" in page.tags]
    assert len(tagged) == 2
    assert all(site_relative(page.listed_url) in links for page in tagged)
    assert "/2024/12/ferry-timetable-changes.html" not in links

    arabic = web.outlet("al-marsad")
    reply = fetch(arabic.base_url + "tag/%D9%87%D8%AC%D8%B1%D8%A9/")  # هجرة
    assert reply.status == 200
    assert "/article.php?id=1&utm_source=home" in page_facts(reply.text).links


def test_missing_trailing_slash_redirects(web):
    outlet = web.outlet("harbour-gazette")
    reply = fetch(outlet.base_url + "contact")
    assert reply.status == 200 and reply.url == outlet.base_url + "contact/"
    assert "<form" in reply.text and "<address>" in reply.text
    about = fetch(outlet.base_url + "about/")
    assert about.status == 200 and "fictional" in about.text


def test_feed_answers_conditional_requests_with_304(web):
    for outlet in web.outlets:
        first = fetch(outlet.feed_url)
        etag, last_modified = first.headers["ETag"], first.headers["Last-Modified"]

        by_etag = fetch(outlet.feed_url, {"If-None-Match": etag})
        assert by_etag.status == 304 and by_etag.body == b""
        assert by_etag.headers["ETag"] == etag
        assert fetch(outlet.feed_url, {"If-None-Match": f'"stale", W/{etag}'}).status == 304

        assert fetch(outlet.feed_url, {"If-Modified-Since": last_modified}).status == 304
        later = format_datetime(datetime.now(timezone.utc), usegmt=True)
        assert fetch(outlet.feed_url, {"If-Modified-Since": later}).status == 304

        assert fetch(outlet.feed_url, {"If-None-Match": '"stale"'}).status == 200
        # If-None-Match wins over If-Modified-Since when both are sent.
        assert fetch(outlet.feed_url, {"If-None-Match": '"stale"', "If-Modified-Since": later}).status == 200
        newest = max(page.date for page in articles_of(web, outlet.key) if page.date_in != "none")
        earlier = format_datetime(newest - timedelta(days=1), usegmt=True)
        assert fetch(outlet.feed_url, {"If-Modified-Since": earlier}).status == 200


def test_unknown_paths_get_a_404_page(web):
    outlet = web.outlet("coastal-courier")
    for path in ("no/such/page/", "2024/10/12/no-such-story/", "private/", "feed.xml", "tag/no-such-tag/"):
        reply = fetch(outlet.base_url + path)
        assert reply.status == 404, path
        assert reply.headers["Content-Type"].startswith("text/html")
        assert "Page not found" in reply.text


def test_head_requests_get_headers_without_body(web):
    outlet = web.outlet("harbour-gazette")
    for path in ("", "feed.xml", "sitemap.xml", "no-such-page"):
        full = fetch(outlet.base_url + path)
        head = fetch(outlet.base_url + path, method="HEAD")
        assert head.status == full.status
        assert head.body == b""
        assert int(head.headers["Content-Length"]) == len(full.body)


def test_server_writes_nothing_to_stderr(web, capfd):
    outlet = web.outlet("harbour-gazette")
    fetch(outlet.base_url)
    fetch(outlet.base_url + "missing")
    fetch(outlet.base_url, method="POST")
    port = urlsplit(outlet.base_url).port
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        raw.sendall(b"NONSENSE\r\n\r\n")
        raw.recv(1024)
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        raw.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")  # then hang up before reading
    fetch(outlet.base_url)
    assert capfd.readouterr().err == ""


def test_feed_keeps_the_twenty_latest(tmp_path):
    articles = {f"test-post/story-{day:02d}.md": article_file(f"story-{day:02d}", date=f"2024-03-{day:02d}T10:00:00Z")
                for day in range(1, 26)}
    site = write_site(tmp_path / "site", ONE_OUTLET, articles)
    with DemoWeb(site) as demo:
        outlet = demo.outlets[0]
        items = xml_of(outlet.feed_url).findall("./channel/item")
        assert len(items) == FEED_SIZE
        assert items[0].findtext("title") == "Title of story-25"
        assert items[-1].findtext("title") == "Title of story-06"
        sitemap = xml_of(outlet.base_url + "sitemap-articles.xml")
        assert len(sitemap.findall(f"{SITEMAP}url")) == 25


# --------------------------------------------------------------------------------------------------
# Bad site files
# --------------------------------------------------------------------------------------------------

BROKEN_ARTICLES = {
    "no opening fence": "slug = 'broken'\n+++\nText.\n",
    "unclosed front matter": "+++\nslug = \"broken\"\nText.\n",
    "invalid toml": "+++\nslug = broken\n+++\nText.\n",
    "missing title": article_file("broken").replace('title = "Title of broken"\n', ""),
    "bad date_in": article_file("broken").replace('date_in = "meta"', 'date_in = "page"'),
    "unknown key": article_file("broken", extra='sead = "typo"\n'),
    "date is text": article_file("broken", date='"yesterday"'),
    "on_topic not bool": article_file("broken").replace("on_topic = false", 'on_topic = "no"'),
    "tags not a list": article_file("broken").replace('tags = ["News"]', 'tags = "News"'),
    "slug differs from file": article_file("other-name"),
    "no text": article_file("broken", text=""),
    "unknown syndication source": article_file("broken", extra='syndicated_from = "elsewhere/story"\n'),
}


@pytest.mark.parametrize("case", sorted(BROKEN_ARTICLES))
def test_bad_front_matter_raises_value_error_naming_the_file(tmp_path, case):
    site = write_site(tmp_path / "site", ONE_OUTLET, {
        "test-post/fine.md": article_file("fine"),
        "test-post/broken.md": BROKEN_ARTICLES[case],
    })
    with pytest.raises(ValueError, match="broken.md"):
        DemoWeb(site)


def test_bad_outlets_file_is_reported(tmp_path):
    site = write_site(tmp_path / "site", ONE_OUTLET.replace('feed = "rss"', 'feed = "json"'), {})
    with pytest.raises(ValueError, match="outlets.toml"):
        DemoWeb(site)
    site = write_site(tmp_path / "other", ONE_OUTLET, {"stray-outlet/story.md": article_file("story")})
    with pytest.raises(ValueError, match="stray-outlet"):
        DemoWeb(site)


def test_virtual_hosts_keep_addresses_stable_across_starts():
    import html
    import urllib.request

    from advocacy.demo.web import DemoWeb

    homepages = []
    for _ in range(2):
        with DemoWeb(virtual_hosts=True) as web:
            homepages.append([outlet.homepage for outlet in web.outlets])
            opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": web.proxy_url}))
            with opener.open(web.outlets[0].homepage + "robots.txt") as response:
                assert b"Disallow: /private/" in response.read()
            page = web.expected_articles()[0]
            with opener.open(page.url) as response:
                assert html.escape(page.title).encode() in response.read()
    assert homepages[0] == homepages[1]
    assert all(url.endswith(".demo.test/") for url in homepages[0])
