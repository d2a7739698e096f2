"""Digests by email and Atom feeds for saved searches: against a real SMTP server and a real feed parser."""
from __future__ import annotations

import datetime as dt
import ipaddress
import re
import socket
import ssl
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

feedparser = pytest.importorskip("feedparser")

from advocacy.index.delivery import (DeliveryError, DigestSection, atom_feed, build_message,  # noqa: E402
                                     check_address, entry_id, render_digest, send_message)
from advocacy.index.store import Hit  # noqa: E402
from tests.smtp_server import accept_only, free_port, smtp  # noqa: E402,F401  (smtp is a fixture)

ATOM = "{http://www.w3.org/2005/Atom}"
UPDATED = dt.datetime(2025, 9, 3, 6, 0, tzinfo=dt.timezone.utc)

FRENCH_TITLE = "Des enfants migrants inscrits à l'école à Oujda"
ARABIC_TITLE = "أطباء متطوعون يعالجون اللاجئين مجاناً في وجدة"
SCRIPT_TITLE = "<script>alert(1)</script>"
IMG_SNIPPET = '"><img src=x onerror=alert(1)> then [[<b>bold</b>]] & more'
EVIL_OUTLET = '<iframe src="javascript:alert(2)"></iframe>'
EVIL_URLS = ["javascript:alert(document.cookie)", "JaVaScRiPt:alert(1)", " javascript:alert(1)",
             "java\tscript:alert(1)", "data:text/html,<script>alert(1)</script>", "//evil.test/x",
             "vbscript:msgbox(1)"]


def hit(slug, *, title, url=None, language="en", snippet="", outlet_name="Atlas Info",
        published_at="2025-09-02T08:30:00+00:00", themes=("health",)):
    """A hit whose ``snippet`` is written with its matches between [[ and ]] (no snippet here holds those)."""
    plain, highlights = "", []
    for number, piece in enumerate(re.split(r"\[\[|\]\]", snippet)):
        if number % 2:
            highlights.append((len(plain), len(plain) + len(piece)))
        plain += piece
    return Hit(id=f"id-{slug}", score=1.0, title=title, url=url or f"https://atlas.test/{slug}", outlet="atlas",
               outlet_name=outlet_name, language=language, published_at=published_at, snippet=plain,
               themes=list(themes), highlights=highlights)


@pytest.fixture
def hits():
    return [
        hit("ecole", title=FRENCH_TITLE, language="fr", outlet_name="L'Écho de l'Oriental",
            snippet="Les [[enfants]] migrants sont scolarisés grâce à une association.", themes=("education",)),
        hit("atibba", title=ARABIC_TITLE, language="ar", outlet_name="هسبريس",
            snippet="قدم [[أطباء]] متطوعون استشارات مجانية", published_at="2025-09-01",
            themes=("health", "access-to-care")),
        hit("xss", title=SCRIPT_TITLE, url=EVIL_URLS[0], snippet=IMG_SNIPPET, outlet_name=EVIL_OUTLET,
            published_at=None, themes=("<script>", "justice")),
    ]


def evil_url_hits():
    return [hit(f"evil{i}", title=f"Evil link {i}", url=url) for i, url in enumerate(EVIL_URLS)]


# ------------------------------------------------------------------------------------------ HTML inspection

class TagRecorder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def parse_html(markup: str) -> TagRecorder:
    recorder = TagRecorder()
    recorder.feed(markup)
    recorder.close()
    return recorder


ALLOWED_TAGS = {"html", "head", "meta", "title", "body", "div", "h1", "h2", "p", "code", "ol", "li", "a", "mark",
                "span"}


def assert_safe_html(markup: str):
    page = parse_html(markup)
    for tag, attrs in page.tags:
        assert tag in ALLOWED_TAGS, f"unexpected <{tag}> reached the HTML"
        assert not any(name.startswith("on") for name in attrs), attrs
        assert "src" not in attrs, "the digest must not load anything"
        if "href" in attrs:
            assert attrs["href"].startswith(("http://", "https://")), attrs["href"]
    return page


# ------------------------------------------------------------------------------------------ digest rendering

def test_digest_renders_both_parts(hits):
    sections = [DigestSection("Health, Oujda", "santé OR health", hits, total_new=7,
                              feed_url="/feeds/health-oujda.atom")]
    text, markup = render_digest(sections, title="Your daily digest", period="2 September 2025",
                                 base_url="https://monitor.example.org/")
    for expected in (FRENCH_TITLE, ARABIC_TITLE, SCRIPT_TITLE, "Health, Oujda", "santé OR health", "7 new articles",
                     "and 4 more: https://monitor.example.org/feeds/health-oujda.atom", "2025-09-01"):
        assert expected in text
    assert "**" not in text
    assert "Les enfants migrants" in text

    page = assert_safe_html(markup)
    visible = "".join(page.text)
    for expected in (FRENCH_TITLE, ARABIC_TITLE, SCRIPT_TITLE, EVIL_OUTLET, "Your daily digest"):
        assert expected in visible
    hrefs = [attrs["href"] for tag, attrs in page.tags if tag == "a"]
    assert "https://atlas.test/ecole" in hrefs
    assert "https://monitor.example.org/feeds/health-oujda.atom" in hrefs
    assert "https://monitor.example.org/" in hrefs
    assert "<mark>enfants</mark>" in markup and "<mark>أطباء</mark>" in markup


# Stars and a <mark> tag the outlet wrote, and a match inside stars: only the matches may be highlighted.
STARRED = hit("starred", title="Waiting for papers",
              snippet="Figures for **2024** show that [[asylum]] seekers wait <mark>eight</mark> **[[months]]**.")


def test_what_the_outlet_wrote_is_never_taken_for_a_highlight():
    text, markup = render_digest([DigestSection("Asylum", "asylum months", [STARRED], total_new=1)],
                                 title="Digest", period="today")
    assert "   Figures for **2024** show that asylum seekers wait <mark>eight</mark> **months**." in text.splitlines()
    item = markup.split('<div style="margin-top:2px">')[1].split("</div>")[0]
    assert item == ("Figures for **2024** show that <mark>asylum</mark> seekers wait &lt;mark&gt;eight&lt;/mark&gt; "
                    "**<mark>months</mark>**.")
    parsed = feedparser.parse(atom_feed(feed_id="urn:x:starred", title="Asylum", self_url="https://m.example/a",
                                        hits=[STARRED], updated=UPDATED))
    assert parsed.bozo == 0
    assert parsed.entries[0].summary == ("Figures for **2024** show that asylum seekers wait <mark>eight</mark> "
                                         "**months**.")


def test_arabic_items_are_right_to_left(hits):
    _, markup = render_digest([DigestSection("Santé", "santé", hits, total_new=3)], title="Digest", period="today")
    items = [attrs for tag, attrs in parse_html(markup).tags if tag == "li"]
    assert items[1] == {**items[1], "lang": "ar", "dir": "rtl"}
    assert items[0].get("lang") == "fr" and "dir" not in items[0]


def test_xss_corpus_is_escaped_in_html(hits):
    _, markup = render_digest([DigestSection('"><script>alert(3)</script>', "<img src=x onerror=alert(4)>",
                                             hits + evil_url_hits(), total_new=20,
                                             feed_url="javascript:alert(5)")],
                              title="<b>Digest</b>", period="<i>today</i>", base_url="javascript:alert(6)")
    page = assert_safe_html(markup)
    assert "<script" not in markup and "<img" not in markup and "<iframe" not in markup
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in markup
    # The highlight survives as <mark>, its content stays text.
    assert "<mark>&lt;b&gt;bold&lt;/b&gt;</mark>" in markup
    visible = "".join(page.text)
    for url in EVIL_URLS[:2]:
        assert url in visible, "a refused link is still shown as text"
    assert not any("javascript" in attrs.get("href", "").lower() for _, attrs in page.tags)


def test_digest_without_news():
    text, markup = render_digest([DigestSection("Housing", "eviction", [], total_new=0)], title="Digest",
                                 period="this week")
    assert "Nothing new." in text and "nothing new" in markup
    assert_safe_html(markup)


# ------------------------------------------------------------------------------------------ message

def test_build_message_structure(hits):
    text, markup = render_digest([DigestSection("Santé", "santé", hits, total_new=3)], title="Digest", period="today")
    message = build_message(sender="Advocacy Monitor <alerts@ngo.example>",
                            recipients=["a@ngo.example", "b@ngo.example"],
                            subject="Veille : 3 nouveaux articles —\r\nBcc: victim@evil.test", text=text, html=markup)
    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == ["text/plain", "text/html"]
    assert all(part.get_content_charset() == "utf-8" for part in message.iter_parts())
    assert message["Date"] and message["Message-ID"].endswith("@ngo.example>")
    assert message["Subject"] == "Veille : 3 nouveaux articles — Bcc: victim@evil.test"
    assert "Bcc" not in message
    raw = message.as_bytes()
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    assert all(byte < 128 for byte in raw), "bodies are encoded for 7-bit relays"
    with pytest.raises(ValueError):
        build_message(sender="a@b.example", recipients=[], subject="x", text="x", html="x")


@pytest.mark.parametrize("address", ["comms@ngo.example", " field.team+alerts@mail.ngo-maroc.org ",
                                     "o'brien@example.org", "x@xn--mgbh0fb.xn--ngbrx"])
def test_plain_addresses_are_accepted(address):
    assert check_address(address) == address.strip()


@pytest.mark.parametrize("address, why", [
    ("", "empty"), ("comms.ngo.example", "no @"), ("@ngo.example", "before the @"),
    ("a b@ngo.example", "before the @"), ("é@ngo.example", "before the @"), ("a..b@ngo.example", "before the @"),
    ("Comms <comms@ngo.example>", "before the @"), ("a@b@ngo.example", "before the @"),
    ("comms@ngo", "not a domain name"), ("comms@ngo..example", "not a domain name"),
    ("comms@-ngo.example", "not a domain name"), ("comms@10.0.0.1", "not a domain name"),
    ("comms@ngo.example\r\nBcc: x@evil.test", "before the @"),
])
def test_bad_addresses_are_refused_with_the_reason(address, why):
    with pytest.raises(ValueError, match=why) as caught:
        check_address(address)
    assert "name@example.org" in str(caught.value)


# ------------------------------------------------------------------------------------------ SMTP

@pytest.fixture
def digest(hits):
    text, markup = render_digest([DigestSection("Santé, Oujda", "santé", hits, total_new=3)],
                                 title="Digest", period="2 September 2025")
    return build_message(sender="alerts@ngo.example", recipients=["comms@ngo.example", "field@ngo.example"],
                         subject="Veille : 3 nouveaux articles — الصحة", text=text, html=markup)


def test_digest_reaches_a_real_smtp(smtp, digest):
    controller, mailbox = smtp()
    send_message(digest, host="127.0.0.1", port=controller.port, timeout=5)
    assert len(mailbox.envelopes) == 1
    envelope = mailbox.envelopes[0]
    assert envelope.mail_from == "alerts@ngo.example"
    assert envelope.rcpt_tos == ["comms@ngo.example", "field@ngo.example"]
    received = mailbox.received()
    assert received["Subject"] == "Veille : 3 nouveaux articles — الصحة"
    plain = received.get_body(preferencelist=("plain",)).get_content()
    rich = received.get_body(preferencelist=("html",)).get_content()
    visible = "".join(assert_safe_html(rich).text)
    for title in (FRENCH_TITLE, ARABIC_TITLE, SCRIPT_TITLE):
        assert title in plain and title in visible
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rich and "<script" not in rich


def test_connection_refused_is_a_plain_error(digest):
    port = free_port()
    with pytest.raises(DeliveryError) as caught:
        send_message(digest, host="127.0.0.1", port=port, timeout=5)
    assert str(caught.value) == f"cannot reach the mail server 127.0.0.1:{port}: connection refused"


def test_silent_server_times_out(digest):
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        port = silent.getsockname()[1]
        with pytest.raises(DeliveryError) as caught:
            send_message(digest, host="127.0.0.1", port=port, timeout=0.3)
    assert str(caught.value) == f"cannot reach the mail server 127.0.0.1:{port}: no answer within 0.3 seconds"


def test_refused_recipient(smtp, digest):
    controller, mailbox = smtp(refuse={"comms@ngo.example", "field@ngo.example"})
    with pytest.raises(DeliveryError) as caught:
        send_message(digest, host="127.0.0.1", port=controller.port, timeout=5)
    assert str(caught.value) == "the mail server refused recipients comms@ngo.example, field@ngo.example"
    assert mailbox.envelopes == []


def test_partly_refused_recipients_say_the_others_got_it(smtp, digest):
    controller, mailbox = smtp(refuse={"field@ngo.example"})
    with pytest.raises(DeliveryError) as caught:
        send_message(digest, host="127.0.0.1", port=controller.port, timeout=5)
    assert str(caught.value).startswith("the mail server refused recipient field@ngo.example;")
    assert caught.value.refused == ("field@ngo.example",)
    assert mailbox.envelopes[0].rcpt_tos == ["comms@ngo.example"]


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_login(smtp, digest):
    # Plain-text AUTH is allowed here only because the test server is on loopback.
    controller, mailbox = smtp(authenticator=accept_only("digest", "s3cret"), auth_require_tls=False,
                                      auth_required=True)
    send_message(digest, host="127.0.0.1", port=controller.port, username="digest", password="s3cret", timeout=5)
    assert len(mailbox.envelopes) == 1

    with pytest.raises(DeliveryError) as caught:
        send_message(digest, host="127.0.0.1", port=controller.port, username="digest", password="wrong",
                     timeout=5)
    assert str(caught.value).startswith("the mail server refused the login")
    assert len(mailbox.envelopes) == 1

    with pytest.raises(DeliveryError, match="plain ASCII"):
        send_message(digest, host="127.0.0.1", port=controller.port, username="digest", password="clé-secrète",
                     timeout=5)


def test_login_not_offered_without_tls(smtp, digest):
    controller, _ = smtp(authenticator=accept_only("digest", "s3cret"))
    with pytest.raises(DeliveryError, match="does not accept a login on this connection"):
        send_message(digest, host="127.0.0.1", port=controller.port, username="digest", password="s3cret",
                     timeout=5)


def test_starttls_not_offered(smtp, digest):
    controller, _ = smtp()
    with pytest.raises(DeliveryError) as caught:
        send_message(digest, host="127.0.0.1", port=controller.port, starttls=True, timeout=5)
    assert str(caught.value) == f"the mail server 127.0.0.1:{controller.port} does not offer STARTTLS"


def test_ssl_against_a_plain_server(smtp, digest):
    controller, _ = smtp()
    with pytest.raises(DeliveryError, match="TLS handshake failed"):
        send_message(digest, host="127.0.0.1", port=controller.port, ssl=True, timeout=5)


def test_conflicting_options(digest):
    with pytest.raises(ValueError):
        send_message(digest, host="127.0.0.1", port=25, ssl=True, starttls=True)
    with pytest.raises(ValueError):
        send_message(digest, host="127.0.0.1", port=25, username="only-user")


# ------------------------------------------------------------------------------------------ TLS

@pytest.fixture
def certificate(tmp_path):
    """A self-signed certificate for 127.0.0.1, and the server-side context that presents it."""
    x509 = pytest.importorskip("cryptography.x509")
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert_path, key_path)
    return cert_path, server_context


@pytest.fixture
def trust(monkeypatch):
    """Make the client trust one extra certificate, as a private CA installed on the host would."""
    def install(cert_path):
        original = ssl.create_default_context
        monkeypatch.setattr(ssl, "create_default_context",
                            lambda *args, **kwargs: original(*args, cafile=str(cert_path)))
    return install


def test_starttls_refuses_an_untrusted_certificate(smtp, digest, certificate):
    _, server_context = certificate
    controller, mailbox = smtp(tls_context=server_context)
    with pytest.raises(DeliveryError, match="^cannot secure the connection to .*certificate could not be verified"):
        send_message(digest, host="127.0.0.1", port=controller.port, starttls=True, timeout=5)
    assert mailbox.envelopes == []


def test_starttls_then_login(smtp, digest, certificate, trust):
    cert_path, server_context = certificate
    controller, mailbox = smtp(tls_context=server_context, require_starttls=True,
                                      authenticator=accept_only("digest", "s3cret"), auth_required=True)
    trust(cert_path)
    send_message(digest, host="127.0.0.1", port=controller.port, starttls=True, username="digest",
                 password="s3cret", timeout=5)
    assert len(mailbox.envelopes) == 1


def test_implicit_tls(smtp, digest, certificate, trust):
    cert_path, server_context = certificate
    controller, mailbox = smtp(ssl_context=server_context)
    trust(cert_path)
    send_message(digest, host="127.0.0.1", port=controller.port, ssl=True, timeout=5)
    assert len(mailbox.envelopes) == 1


# ------------------------------------------------------------------------------------------ Atom

def test_atom_feed_parses_cleanly(hits):
    body = atom_feed(feed_id="tag:monitor.example.org,2025:search/health-oujda", title="Health, Oujda",
                     self_url="https://monitor.example.org/feeds/health-oujda.atom", hits=hits, updated=UPDATED,
                     subtitle="santé OR health")
    parsed = feedparser.parse(body)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.feed.title == "Health, Oujda" and parsed.feed.subtitle == "santé OR health"
    assert parsed.feed.id == "tag:monitor.example.org,2025:search/health-oujda"
    assert parsed.feed.updated_parsed[:6] == (2025, 9, 3, 6, 0, 0)
    assert [link.href for link in parsed.feed.links if link.rel == "self"] == \
        ["https://monitor.example.org/feeds/health-oujda.atom"]
    assert parsed.feed.author

    entries = parsed.entries
    assert [e.title for e in entries] == [FRENCH_TITLE, ARABIC_TITLE, SCRIPT_TITLE]
    assert entries[0].link == "https://atlas.test/ecole"
    assert entries[0].published_parsed[:6] == (2025, 9, 2, 8, 30, 0)
    assert entries[1].published_parsed[:6] == (2025, 9, 1, 0, 0, 0)
    assert entries[2].updated_parsed[:6] == (2025, 9, 3, 6, 0, 0) and "published" not in entries[2]
    assert [t.term for t in entries[1].tags] == ["health", "access-to-care"]
    assert entries[0].summary == "Les enfants migrants sont scolarisés grâce à une association."
    assert entries[1].title_detail.language == "ar"
    assert entries[0].title_detail.language == "fr"
    assert entries[1].author == "هسبريس"
    assert len({e.id for e in entries}) == 3
    assert all(e.id.startswith("urn:uuid:") for e in entries)


def test_atom_structure_follows_rfc_4287(hits):
    root = ET.fromstring(atom_feed(feed_id="urn:uuid:5b0c8e52-7a3e-4c1a-9f7e-2f1a1c3c9d10", title="t",
                                   self_url="https://monitor.example.org/f.atom", hits=hits, updated=UPDATED))
    assert root.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated", "author"):
        assert root.find(f"{ATOM}{required}") is not None
    for entry in root.findall(f"{ATOM}entry"):
        for required in ("id", "title", "updated"):
            assert len(entry.findall(f"{ATOM}{required}")) == 1
        alternate = [link for link in entry.findall(f"{ATOM}link") if link.get("rel") == "alternate"]
        assert alternate or entry.find(f"{ATOM}content") is not None
    ar = root.findall(f"{ATOM}entry")[1]
    assert ar.get("{http://www.w3.org/XML/1998/namespace}lang") == "ar"


def test_entry_ids_are_stable_across_feeds(hits):
    first = feedparser.parse(atom_feed(feed_id="urn:x:a", title="A", self_url="https://m.example/a",
                                       hits=hits, updated=UPDATED))
    second = feedparser.parse(atom_feed(feed_id="urn:x:b", title="B", self_url="https://m.example/b",
                                        hits=hits[::-1], updated=UPDATED + dt.timedelta(days=1)))
    assert {e.id for e in first.entries} == {e.id for e in second.entries} == {entry_id(h.id) for h in hits}


def test_atom_xss_corpus_stays_text(hits):
    evil = hits + evil_url_hits()
    body = atom_feed(feed_id="urn:x:evil", title="<script>alert(7)</script>", self_url="https://m.example/e",
                     hits=evil, updated=UPDATED, subtitle='"><img src=x onerror=alert(8)>')
    assert b"<script" not in body and b"<img" not in body and b"<iframe" not in body
    parsed = feedparser.parse(body)
    assert parsed.bozo == 0
    assert parsed.feed.title == "<script>alert(7)</script>"
    assert parsed.feed.subtitle == '"><img src=x onerror=alert(8)>'
    xss = parsed.entries[2]
    assert xss.title == SCRIPT_TITLE and xss.title_detail.type == "text/plain"
    assert xss.summary == '"><img src=x onerror=alert(1)> then <b>bold</b> & more'
    assert xss.author == EVIL_OUTLET
    assert [t.term for t in xss.tags] == ["<script>", "justice"]
    for entry in parsed.entries:
        for link in entry.get("links", []):
            assert link.href.startswith(("http://", "https://")), link.href
    assert xss.content[0].value, "an entry without a link carries content (RFC 4287 4.1.1.1)"


def test_control_characters_are_removed():
    dirty = hit("dirty", title="Bad\x00 title\x1b[31m\x0b with\ufffe bytes\ud800", snippet="a\x07b [[c\x01]]")
    body = atom_feed(feed_id="urn:x:dirty", title="Feed\x08", self_url="https://m.example/d", hits=[dirty],
                     updated=UPDATED)
    parsed = feedparser.parse(body)
    assert parsed.bozo == 0
    assert parsed.feed.title == "Feed"
    assert parsed.entries[0].title == "Bad title[31m with bytes"
    assert parsed.entries[0].summary == "ab c"
    text, markup = render_digest([DigestSection("D", "d", [dirty], total_new=1)], title="T", period="p")
    assert "\x00" not in text and "\x1b" not in markup
    assert "ab <mark>c</mark>" in markup      # the highlight moves with the characters removed before it
    build_message(sender="a@b.example", recipients=["c@d.example"], subject="s", text=text, html=markup).as_bytes()


def test_empty_feed_is_valid():
    body = atom_feed(feed_id="urn:x:empty", title="Nothing yet", self_url="https://m.example/empty",
                     hits=[], updated=dt.datetime(2025, 9, 3, 6, 0))
    parsed = feedparser.parse(body)
    assert parsed.bozo == 0 and parsed.version == "atom10"
    assert parsed.entries == [] and parsed.feed.title == "Nothing yet"
    assert parsed.feed.updated == "2025-09-03T06:00:00Z"


def test_feed_id_must_be_a_uri():
    with pytest.raises(ValueError):
        atom_feed(feed_id="health-oujda", title="t", self_url="https://m.example/x", hits=[], updated=UPDATED)
