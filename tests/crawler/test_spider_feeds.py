"""Reading RSS and Atom feeds: links, dates, and hostile or broken input."""
from __future__ import annotations

import time

import pytest

from advocacy.crawler.extract import parse_date
from advocacy.crawler.spider import feed_entries

RSS2 = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
  <title>The Rabat Tribune</title>
  <link>https://www.tribune.test/</link>
  <item>
    <title>Hospitals turn away refugees</title>
    <link>https://www.tribune.test/2024/05/02/refugees-hospitals.html</link>
    <guid isPermaLink="false">tribune-48213</guid>
    <pubDate>Thu, 02 May 2024 08:30:00 GMT</pubDate>
  </item>
  <item>
    <title>Des réfugiés privés de soins</title>
    <link>
      https://www.tribune.test/fr/2024/05/03/soins.html
    </link>
    <dc:date>2024-05-03T10:00:00+02:00</dc:date>
  </item>
  <item>
    <title>No link, no permalink</title>
    <guid isPermaLink="false">tribune-48215</guid>
  </item>
</channel>
</rss>""".encode("utf-8")


def test_rss2_items_give_link_and_date():
    entries = feed_entries(RSS2)
    assert entries == [
        ("https://www.tribune.test/2024/05/02/refugees-hospitals.html", "Thu, 02 May 2024 08:30:00 GMT"),
        ("https://www.tribune.test/fr/2024/05/03/soins.html", "2024-05-03T10:00:00+02:00"),
    ]
    assert parse_date(entries[1][1]).isoformat() == "2024-05-03T08:00:00+00:00"


ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>L'Echo du Sahel</title>
  <link rel="self" href="https://echo.test/feed.atom"/>
  <entry>
    <title>Refugees and hospitals</title>
    <link rel="self" href="https://echo.test/api/entries/1"/>
    <link rel="alternate" type="text/html" href="https://echo.test/2024/05/refugees.html"/>
    <id>urn:echo:1</id>
    <published>2024-05-07T08:00:00Z</published>
  </entry>
  <entry>
    <title>Link without rel</title>
    <link href="https://echo.test/2024/05/default-rel.html"/>
    <id>urn:echo:2</id>
    <updated>2024-05-06T08:00:00Z</updated>
  </entry>
  <entry>
    <title>Only a self link</title>
    <link rel="self" href="https://echo.test/api/entries/3"/>
    <id>urn:echo:3</id>
  </entry>
  <entry>
    <title>Enclosure before the page</title>
    <link rel="enclosure" type="audio/mpeg" href="https://echo.test/podcast/4.mp3"/>
    <link rel="alternate" href="/2024/05/relative.html"/>
    <id>urn:echo:4</id>
  </entry>
</feed>"""


def test_atom_entries_use_the_alternate_link_never_self():
    assert feed_entries(ATOM) == [
        ("https://echo.test/2024/05/refugees.html", "2024-05-07T08:00:00Z"),
        ("https://echo.test/2024/05/default-rel.html", "2024-05-06T08:00:00Z"),
        ("/2024/05/relative.html", ""),  # the spider resolves it against the feed URL
    ]


def test_atom_prefers_the_publication_date_over_the_update_date():
    feed = b"""<feed xmlns="http://www.w3.org/2005/Atom"><entry>
      <link rel="alternate" href="https://echo.test/2024/05/a.html"/>
      <updated>2024-05-09T12:00:00Z</updated>
      <published>2024-05-07T08:00:00Z</published>
    </entry></feed>"""
    assert feed_entries(feed) == [("https://echo.test/2024/05/a.html", "2024-05-07T08:00:00Z")]


RSS_GUID_ONLY = b"""<rss version="2.0"><channel>
  <item><title>Permalink guid</title><guid>https://www.tribune.test/2024/05/guid-default.html</guid>
        <pubDate>Fri, 03 May 2024 09:00:00 +0000</pubDate></item>
  <item><title>Explicit permalink</title>
        <guid isPermaLink="true"> https://www.tribune.test/2024/05/guid-true.html </guid></item>
  <item><title>Opaque id</title><guid isPermaLink="false">urn:uuid:1b4e28ba-2fa1-11d2</guid></item>
</channel></rss>"""


def test_rss_items_with_only_a_permalink_guid_use_it():
    assert feed_entries(RSS_GUID_ONLY) == [
        ("https://www.tribune.test/2024/05/guid-default.html", "Fri, 03 May 2024 09:00:00 +0000"),
        ("https://www.tribune.test/2024/05/guid-true.html", ""),
    ]


RSS1 = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
         xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://sahel.test/"><title>Sahel</title><link>https://sahel.test/</link></channel>
  <item rdf:about="https://sahel.test/a.html"><title>A</title><link>https://sahel.test/a.html</link>
    <dc:date>2024-04-30</dc:date></item>
</rdf:RDF>"""


def test_rss1_items_are_read_too():
    assert feed_entries(RSS1) == [("https://sahel.test/a.html", "2024-04-30")]


def _billion_laughs(inside: str) -> bytes:
    entities = ['<!ENTITY lol "lol">'] + [
        f'<!ENTITY lol{n} "{("&lol%s;" % ("" if n == 1 else n - 1)) * 10}">' for n in range(1, 10)]
    return (f'<?xml version="1.0"?>\n<!DOCTYPE rss [\n{chr(10).join(entities)}\n]>\n'
            f'<rss version="2.0"><channel>{inside}</channel></rss>').encode("ascii")


@pytest.mark.parametrize("inside, usable", [
    ("<title>&lol9;</title><item><link>https://t.test/a</link><description>&lol9;</description></item>",
     {"https://t.test/a"}),
    ("<item><link>https://t.test/&lol9;</link></item><item><guid>https://t.test/&lol9;</guid></item>",
     {"https://t.test/"}),
], ids=["in-channel-and-item", "in-links"])
def test_an_entity_bomb_is_not_expanded_and_returns_at_once(inside, usable):
    bomb = _billion_laughs(inside)
    started = time.perf_counter()
    entries = feed_entries(bomb)
    assert time.perf_counter() - started < 2.0
    # Expanded, one &lol9; is 10**9 characters. The parser refuses the amplification: at most the text
    # around an entity reference survives, never the entity's replacement text.
    links = [link for link, _ in entries]
    assert set(links) <= usable
    assert not any("lol" in link for link in links)


def test_declared_but_unused_entities_do_not_hide_the_items():
    feed = _billion_laughs("<item><link>https://t.test/a</link><pubDate>Tue, 07 May 2024 10:00:00 GMT</pubDate></item>")
    assert feed_entries(feed) == [("https://t.test/a", "Tue, 07 May 2024 10:00:00 GMT")]


def test_external_entities_are_not_fetched_or_read():
    feed = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd"><!ENTITY net SYSTEM "http://127.0.0.1:9/x">]>
<rss version="2.0"><channel>
  <item><link>https://t.test/&xxe;</link></item>
  <item><guid>&net;</guid></item>
</channel></rss>"""
    entries = feed_entries(feed)
    assert entries == [("https://t.test/", "")]
    assert not any("root:" in link for link, _ in entries)


@pytest.mark.parametrize("body", [
    b"",
    b"\x00\x01\x02garbage\xff\xfe",
    bytes(range(256)) * 8,
    b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
    b"not xml at all",
    b'{"items": [{"link": "https://t.test/a"}]}',
    b"<?xml version='1.0'?>",
    b"<html><body><p>An HTML page, not a feed.</p><a href='/x'>x</a></body></html>",
], ids=["empty", "garbage", "all-bytes", "png", "text", "json", "declaration-only", "html"])
def test_anything_that_is_not_a_feed_gives_no_entries(body):
    assert feed_entries(body) == []


def test_a_truncated_feed_keeps_the_complete_items():
    truncated = RSS2[:RSS2.index(b"<title>Des r")]
    assert feed_entries(truncated) == [
        ("https://www.tribune.test/2024/05/02/refugees-hospitals.html", "Thu, 02 May 2024 08:30:00 GMT")]
