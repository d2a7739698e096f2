"""A local news site that misbehaves in every way real outlets do, for crawling end to end.

``HostileSite`` serves, on 127.0.0.1 and a free port, a home page and an RSS feed linking to one URL per
hostile case (see ``CASES``), a robots.txt that forbids ``/private/``, a broken second feed and a broken
sitemap. It counts requests per path (query included) so a test can tell what was fetched, how often and
when. Every response is built on demand; nothing large is held in memory except the gzip bomb, which is
about 600 KB.
"""
from __future__ import annotations

import html
import random
import struct
import threading
import time
import zlib
from collections import Counter, defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

OUTLET_KEY = "hostile-news"

# case name -> path (with query) of the URL that exercises it
CASES: dict[str, str] = {
    "control": "/news/2024/05/refugees-turned-away-from-hospitals.html",
    "missing_charset": "/fr/2024/05/refugies-prives-de-soins.html",
    "cp1256_meta": "/ar/2024/05/muhajirun-wajda-mustashfayat.html",
    "wrong_charset": "/ar/2024/05/atfal-al-lajiin-madrasa.html",
    "gzip_bomb": "/news/2024/05/leaked-report.html",
    "huge_page": "/news/2024/05/full-transcript.html",
    "slow_drip": "/news/2024/05/live-coverage.html",
    "redirect_loop": "/news/2024/05/loop-a.html",
    "not_found": "/news/2024/05/deleted-story.html",
    "gone": "/news/2024/05/withdrawn-story.html",
    "rate_limited": "/news/2024/05/migrant-families-evicted.html",
    "server_error": "/news/2024/05/crashing-page.html",
    "unavailable": "/news/2024/05/court-orders-release.html",
    "robots_private": "/private/2024/05/detention-memo.html",
    "binary_as_html": "/news/2024/05/photo-gallery.html",
    "truncated": "/news/2024/05/stateless-children-birth-certificates.html",
    "variant_utm": "/news/2024/05/schools-for-refugee-children?utm_source=x",
    "variant_slash": "/news/2024/05/schools-for-refugee-children/",
    "variant_amp": "/amp/news/2024/05/schools-for-refugee-children",
    "malformed_feed": "/feeds/broken.xml",
    "malformed_sitemap": "/sitemap.xml",
}
LOOP_B = "/news/2024/05/loop-b.html"
VARIANT_CANONICAL = "/news/2024/05/schools-for-refugee-children"
FEED = "/feed.xml"
PAGE_CASES = tuple(name for name in CASES if name not in ("malformed_feed", "malformed_sitemap"))
FEED_CASES = ("control", "missing_charset", "cp1256_meta", "wrong_charset", "variant_utm", "robots_private",
              "rate_limited", "unavailable")

RETRY_AFTER = {"rate_limited": (429, 1), "unavailable": (503, 2)}
HUGE_PAGE_BYTES = 20 * 1024 * 1024
BOMB_EXPANDED_MB = 600
PUBLISHED = "2024-05-02T08:30:00Z"


# -- the stories -----------------------------------------------------------------------------------------
# Each story is distinct enough that no two are near-duplicates, so a "duplicate" verdict can only come
# from the URL variants that really carry the same story.

ARTICLES: dict[str, dict] = {
    "control": {"lang": "en", "title": "Refugees turned away from public hospitals in Rabat", "paragraphs": [
        "Refugees and asylum seekers living in Rabat say they are routinely turned away from the emergency "
        "departments of public hospitals, despite a 2017 circular that grants them the same access to primary "
        "care as Moroccan citizens. Aid workers interviewed this week described patients who waited for hours "
        "at the reception desk before being told to come back with a residence permit they do not have.",
        "A nurse at one of the city's largest hospitals, who asked not to be named, said staff were rarely "
        "trained on the rules that apply to migrants and often feared that treating them would never be "
        "reimbursed. Pregnant women and children with chronic illnesses are the most affected, according to a "
        "local association that accompanies about forty refugees to medical appointments every month.",
        "The refugee agency said it was working with the health ministry on a new referral system and on "
        "interpreters for hospitals in Rabat, Casablanca and Oujda. Advocates want the ministry to publish "
        "clear instructions and a complaints procedure, so that a refusal of care can be reported and "
        "corrected within days rather than months."]},
    "missing_charset": {"lang": "fr", "title": "À Rabat, des réfugiés privés de soins à l’hôpital public",
                        "paragraphs": [
        "Les réfugiés et les demandeurs d’asile installés à Rabat dénoncent des refus de soins répétés dans "
        "les hôpitaux publics, alors qu’une circulaire leur garantit depuis 2017 le même accès aux soins de "
        "santé primaires que les citoyens marocains. Plusieurs associations ont reçu cette semaine des "
        "témoignages de patients renvoyés chez eux faute de titre de séjour.",
        "« On m’a dit de revenir avec une carte de séjour que je n’ai pas », raconte une mère congolaise dont "
        "la fille souffre d’asthme. Une infirmière de l’hôpital, qui a requis l’anonymat, reconnaît que le "
        "personnel connaît mal les règles et craint que les soins ne soient jamais remboursés par l’État.",
        "Au cœur du problème, selon les associations, se trouve l’absence d’instructions écrites. Elles "
        "demandent au ministère de la Santé de former les agents d’accueil, de financer des interprètes et "
        "de créer une procédure de plainte simple, pour qu’un refus de soins soit corrigé en quelques jours. "
        "Le Haut-Commissariat pour les réfugiés (HCR) dit préparer un système d’orientation des patients."]},
    "cp1256_meta": {"lang": "ar",
                    "title": "مهاجرون من جنوب الصحراء يواجهون صعوبات في الولوج إلى المستشفيات العمومية بوجدة",
                    "paragraphs": [
        "أفادت جمعيات محلية في مدينة وجدة بأن عددا متزايدا من المهاجرين واللاجئين القادمين من بلدان جنوب "
        "الصحراء يجدون صعوبة كبيرة في الحصول على العلاج داخل المستشفيات العمومية، رغم أن القانون يضمن لهم "
        "الحق في الرعاية الصحية الأساسية.",
        "وقالت منسقة في إحدى هذه الجمعيات إن عددا من المرضى يطلب منهم تقديم وثائق إقامة لا يملكونها، "
        "فيغادرون قسم المستعجلات دون فحص. وأضافت أن النساء الحوامل والأطفال هم الأكثر تضررا من هذا الوضع.",
        "وتدعو المنظمات الحقوقية وزارة الصحة إلى إصدار تعليمات واضحة للعاملين في المستشفيات، وإلى توفير "
        "مترجمين يساعدون المرضى على شرح حالتهم الصحية. كما تطالب بتوسيع برامج التغطية الصحية لتشمل طالبي "
        "اللجوء المسجلين لدى مفوضية اللاجئين.",
        "من جهتها، أكدت إدارة المستشفى الجهوي أن أبوابها مفتوحة أمام جميع المرضى بغض النظر عن وضعيتهم "
        "القانونية، وأن أي رفض للعلاج يعد مخالفة يجب التبليغ عنها."]},
    "wrong_charset": {"lang": "ar", "title": "أطفال اللاجئين في مالي محرومون من المدرسة بسبب غياب شهادات الميلاد",
                      "paragraphs": [
        "كشف تقرير جديد صادر عن منظمة غير حكومية في باماكو أن آلاف الأطفال النازحين واللاجئين لا يستطيعون "
        "التسجيل في المدارس الابتدائية لأنهم لا يحملون شهادات الميلاد أو وثائق مدرسية من بلدانهم الأصلية.",
        "ويروي معلم في حي شعبي أن بعض الأسر فرت من مناطق النزاع تاركة كل أوراقها، وأن الإدارة المدرسية "
        "ترفض قبول أبنائها دون ملف كامل. ويضيف أن الفتيات يتعرضن أكثر من غيرهن للانقطاع المبكر عن الدراسة.",
        "ويوصي التقرير السلطات التربوية بقبول التلاميذ مؤقتا إلى حين تسوية وضعيتهم، وبتنظيم دروس للدعم في "
        "اللغة الفرنسية لمساعدة الأطفال الذين لم يدرسوا منذ سنوات. كما يدعو الشركاء الدوليين إلى تمويل بناء "
        "أقسام جديدة في المدن التي تستقبل أعدادا كبيرة من النازحين."]},
    "variants": {"lang": "en", "title": "New classes open for refugee children in Rabat's public schools",
                 "paragraphs": [
        "Two public primary schools in the Yacoub El Mansour district of Rabat opened bridging classes this "
        "term for refugee and migrant children who arrived without school records. Teachers say most of the "
        "forty pupils had missed at least a year of lessons while their families crossed the Sahara, and "
        "several speak neither Arabic nor French.",
        "The classes combine intensive language lessons with mathematics and are meant to last six months, "
        "after which pupils join ordinary classes at the level that matches their age. The programme is "
        "funded by a European donor and run with a local association, which also pays for books, uniforms "
        "and the bus fare of children living far from the schools.",
        "Head teachers welcomed the initiative but warned that enrolment still depends on documents many "
        "families cannot produce. They asked the education ministry to let directors register children on "
        "the basis of a sworn statement, as the national strategy on immigration and asylum recommends."]},
    "rate_limited": {"lang": "en", "title": "Migrant families evicted from their flats in Casablanca",
                     "paragraphs": [
        "Dozens of migrant families from Guinea, Ivory Coast and Cameroon were evicted this month from flats "
        "they rented in the Oulfa district of Casablanca, after landlords received warnings that letting "
        "homes to people without residence permits was illegal. Lawyers say no law forbids it, and that the "
        "tenants had paid their rent on time.",
        "Several families now sleep in a makeshift camp near the bus station, where volunteers hand out "
        "blankets and food. A mother of three said she had lived in the same building for four years and had "
        "a written lease, which the owner tore up in front of her.",
        "Housing rights groups asked the city to stop what they describe as informal instructions to "
        "landlords, and to open emergency shelters for families with young children while the courts examine "
        "the evictions."]},
    "unavailable": {"lang": "en", "title": "Court orders release of asylum seekers held at Tangier port",
                    "paragraphs": [
        "A court in Tangier ordered the release of eleven asylum seekers who had been held for three weeks in "
        "a room at the port without access to a lawyer, ruling that their detention had no legal basis. The "
        "men, most of them Sudanese, had been intercepted while trying to board lorries bound for Spain.",
        "Their lawyer said the judgement was the first of its kind in the city and should oblige the "
        "authorities to register asylum claims made at the border instead of treating every foreigner as an "
        "irregular migrant. The refugee agency had asked to interview the group but was refused entry.",
        "Human rights organisations welcomed the decision and called for an independent inspection of the "
        "places where migrants are held before being sent south, often without any written decision they "
        "could challenge in court."]},
    "robots_private": {"lang": "en", "title": "Internal memo on the detention of migrants at the border",
                       "paragraphs": [
        "This page sits under a path that robots.txt forbids. A crawler that honours robots.txt never asks "
        "for it, whatever links to it, so the request counter of this path must stay at zero. It is written "
        "as a relevant story about migrants and asylum seekers held at the border, so that fetching it by "
        "mistake would show up as a stored article rather than pass unnoticed as an off-topic page.",
        "The memo describes how migrants intercepted near the fence are moved to detention rooms without a "
        "written decision, and how refugees with papers from the refugee agency are sometimes held with them."]},
    "truncated": {"lang": "en", "title": "Volunteer lawyers help stateless children obtain birth certificates",
                  "paragraphs": [
        "A network of volunteer lawyers in Bamako has helped more than three hundred children of refugees and "
        "internally displaced families obtain birth certificates this year, the first identity document most "
        "of them have ever had. Without one, children cannot sit school exams or, later, prove their "
        "nationality, and risk statelessness.",
        "The lawyers hold weekly sessions in a community centre, collect witness statements from neighbours "
        "and file the late registration requests with the courts, which have agreed to hear them in batches.",
        "Displaced parents describe years of being sent from one office to another. The network now trains "
        "paralegals from the displaced communities so that the work continues when the funding ends."]},
}
for _case in ("variant_utm", "variant_slash", "variant_amp"):
    ARTICLES[_case] = ARTICLES["variants"]

# What the stored text must contain when the page was decoded correctly.
EXPECTED_WORDS: dict[str, tuple[str, ...]] = {
    "control": ("Refugees and asylum seekers living in Rabat", "interpreters for hospitals"),
    "missing_charset": ("réfugiés", "demandeurs d’asile", "reçu", "l’État", "cœur", "« On m’a dit"),
    "cp1256_meta": ("المهاجرين", "المستشفيات العمومية", "مفوضية اللاجئين", "المستعجلات"),
    "wrong_charset": ("اللاجئين", "شهادات الميلاد", "المدارس الابتدائية", "النازحين"),
    "variants": ("bridging classes", "sworn statement"),
    "rate_limited": ("Oulfa district of Casablanca",),
    "unavailable": ("eleven asylum seekers",),
}


def article_html(case: str, *, base_url: str, charset_meta: str | None = None, canonical: str | None = None) -> str:
    story = ARTICLES[case]
    direction = ' dir="rtl"' if story["lang"] == "ar" else ""
    head = [f'<meta charset="{charset_meta}">'] if charset_meta else []
    head += [f"<title>{html.escape(story['title'])} | Hostile News</title>",
             '<meta property="og:type" content="article">',
             f'<meta property="og:title" content="{html.escape(story["title"])}">',
             f'<meta property="article:published_time" content="{PUBLISHED}">']
    if canonical:
        head.append(f'<link rel="canonical" href="{base_url}{canonical}">')
    paragraphs = "".join(f"<p>{html.escape(p, quote=False)}</p>" for p in story["paragraphs"])
    return (f'<!DOCTYPE html><html lang="{story["lang"]}"{direction}><head>{"".join(head)}</head><body>'
            f'<nav><a href="/">Home</a></nav><article><h1>{html.escape(story["title"])}</h1>'
            f'<p class="byline">Hostile News staff</p>{paragraphs}</article>'
            f"<footer>Hostile News, Rabat</footer></body></html>")


# -- payloads built once ---------------------------------------------------------------------------------

_bomb_lock = threading.Lock()
_bomb: bytes | None = None


def gzip_bomb() -> bytes:
    """A valid gzip member of ~600 KB that expands to BOMB_EXPANDED_MB MiB of HTML whitespace.

    Deflate cannot shrink more than ~1:1030, so a 500 MB expansion costs at least ~500 KB on the wire. After
    a full flush the compressor forgets its history, so one compressed megabyte can be repeated as is,
    which builds the bomb in a fraction of a second instead of compressing 600 MB."""
    global _bomb
    with _bomb_lock:
        if _bomb is None:
            prefix = b"<!DOCTYPE html><html><head><title>Leaked report</title></head><body><p>"
            chunk = b" " * (1 << 20)
            compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
            head = compressor.compress(prefix) + compressor.flush(zlib.Z_FULL_FLUSH)
            block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
            tail = compressor.flush()
            crc = zlib.crc32(prefix)
            for _ in range(BOMB_EXPANDED_MB):
                crc = zlib.crc32(chunk, crc)
            size = len(prefix) + BOMB_EXPANDED_MB * len(chunk)
            _bomb = b"".join([b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff", head, block * BOMB_EXPANDED_MB, tail,
                              struct.pack("<II", crc, size & 0xFFFFFFFF)])
        return _bomb


def binary_payload() -> bytes:
    """A PNG signature and header followed by noise: what a misconfigured CDN serves as text/html."""
    noise = random.Random(1).randbytes(64 * 1024)
    ihdr = b"IHDR" + struct.pack(">IIBBBBB", 640, 480, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + ihdr + struct.pack(">I", zlib.crc32(ihdr)) + noise


ROBOTS_TXT = b"User-agent: *\nDisallow: /private/\n"

BROKEN_FEED = (b'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>Breaking & broken'
               b"</title><item><title>Unclosed <b>markup</title><link>/news/2024/05/\x00\x01\x02"
               b"<item><pubDate>yesterday-ish</pubDate></chan\xff\xfe")

BROKEN_SITEMAP = (b'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/'
                  b'sitemap/0.9"><url><loc>\x00\x00<<<</loc><lastmod>not-a-date</lastmod></url><url><loc')


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "HostileNews/1.0"
    sys_version = ""

    site: "HostileSite"  # set on the subclass made for each site

    def log_message(self, format, *args):  # noqa: A002 - the signature is http.server's
        pass

    # -- plumbing ------------------------------------------------------------------------------------

    def _send(self, status: int, body: bytes = b"", content_type: str = "text/html; charset=utf-8",
              headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _start_unbounded(self, content_type: str, *, chunked: bool = False) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True

    def do_GET(self):  # noqa: N802 - http.server's naming
        try:
            self.site._count(self.path)
            self._route()
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError):
            # The crawler hung up: exactly what it should do to the bomb, the drip and the huge page.
            self.close_connection = True

    # -- routes --------------------------------------------------------------------------------------

    def _route(self) -> None:
        site = self.site
        path = urlsplit(self.path).path
        case = site.case_of(self.path)
        if path == "/":
            return self._send(200, site.home_html().encode("utf-8"))
        if path == "/robots.txt":
            return self._send(200, ROBOTS_TXT, "text/plain; charset=utf-8")
        if path == FEED:
            return self._send(200, site.feed_xml().encode("utf-8"), "application/rss+xml; charset=utf-8")
        if path == LOOP_B:
            return self._send(302, b"", headers={"Location": site.base_url + CASES["redirect_loop"]})
        if path in (VARIANT_CANONICAL, VARIANT_CANONICAL + "/"):
            case = "variant_slash"
        handler = getattr(self, f"_case_{case}", None) if case else None
        if handler is None:
            return self._send(404, b"<html><body><p>Not found</p></body></html>")
        return handler()

    def _article(self, case: str, *, content_type: str = "text/html; charset=utf-8", encoding: str = "utf-8",
                 **options) -> None:
        page = article_html(case, base_url=self.site.base_url, **options)
        self._send(200, page.encode(encoding), content_type)

    def _case_control(self):
        self._article("control")

    def _case_missing_charset(self):
        self._article("missing_charset", content_type="text/html", encoding="cp1252")

    def _case_cp1256_meta(self):
        self._article("cp1256_meta", content_type="text/html", encoding="cp1256", charset_meta="windows-1256")

    def _case_wrong_charset(self):
        self._article("wrong_charset", content_type="text/html; charset=utf-8", encoding="cp1256")

    def _case_gzip_bomb(self):
        self._send(200, gzip_bomb(), "text/html; charset=utf-8", headers={"Content-Encoding": "gzip"})

    def _case_huge_page(self):
        # Chunked, with no Content-Length: the size is only known by counting, as with a runaway CMS page.
        self._start_unbounded("text/html; charset=utf-8", chunked=True)
        paragraph = ("<p>" + " ".join(ARTICLES["control"]["paragraphs"]) + "</p>\n").encode("utf-8")
        piece = paragraph * max(1, (64 * 1024) // len(paragraph))
        sent = 0
        self._write_chunk(b"<!DOCTYPE html><html><head><title>Full transcript</title></head><body><article>")
        while sent < HUGE_PAGE_BYTES and not self.site.stopping.is_set():
            self._write_chunk(piece)
            sent += len(piece)
        self._write_chunk(b"</article></body></html>")
        self.wfile.write(b"0\r\n\r\n")

    def _write_chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

    def _case_slow_drip(self):
        self._start_unbounded("text/html; charset=utf-8")
        while not self.site.stopping.is_set():
            self.wfile.write(b"<")
            self.wfile.flush()
            self.site.stopping.wait(1.0)

    def _case_redirect_loop(self):
        self._send(302, b"", headers={"Location": self.site.base_url + LOOP_B})

    def _case_not_found(self):
        self._send(404, b"<html><body><p>This story was deleted.</p></body></html>")

    def _case_gone(self):
        self._send(410, b"<html><body><p>This story was withdrawn.</p></body></html>")

    def _retry_after(self, case: str) -> None:
        """Refuse until the announced delay has passed since the first refusal, then serve the story."""
        status, delay = RETRY_AFTER[case]
        path = CASES[case]
        now = time.monotonic()
        with self.site.lock:
            first = self.site.first_refusal.setdefault(path, now)
        remaining = first + delay - now
        if remaining > 0:
            self._send(status, b"<html><body><p>Slow down.</p></body></html>",
                       headers={"Retry-After": str(max(1, round(remaining)))})
        else:
            self._article(case)

    def _case_rate_limited(self):
        self._retry_after("rate_limited")

    def _case_unavailable(self):
        self._retry_after("unavailable")

    def _case_server_error(self):
        self._send(500, b"<html><body><p>Internal Server Error</p></body></html>")

    def _case_robots_private(self):
        self._article("robots_private")

    def _case_binary_as_html(self):
        self._send(200, binary_payload(), "text/html")

    def _case_truncated(self):
        body = article_html("truncated", base_url=self.site.base_url).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body) * 2))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body[: len(body) * 2 // 3])
        self.wfile.flush()
        self.close_connection = True

    def _case_variant_utm(self):
        self._article("variants", canonical=VARIANT_CANONICAL)

    _case_variant_slash = _case_variant_utm
    _case_variant_amp = _case_variant_utm

    def _case_malformed_feed(self):
        self._send(200, BROKEN_FEED, "application/rss+xml")

    def _case_malformed_sitemap(self):
        self._send(200, BROKEN_SITEMAP, "application/xml")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request, client_address):
        pass  # a client hanging up mid-response is part of the exercise, not news


class HostileSite:
    """``with HostileSite() as site:`` serves the site until the block ends."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.requests: Counter[str] = Counter()
        self.request_times: dict[str, list[float]] = defaultdict(list)
        self.first_refusal: dict[str, float] = {}
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.base_url = ""

    # -- lifecycle -----------------------------------------------------------------------------------

    def __enter__(self) -> "HostileSite":
        handler = type("HostileHandler", (_Handler,), {"site": self})
        self._server = _Server(("127.0.0.1", 0), handler)
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="hostile-site", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    # -- what a test needs ---------------------------------------------------------------------------

    @property
    def case_urls(self) -> dict[str, str]:
        return {name: self.base_url + path for name, path in CASES.items()}

    def case_of(self, path: str) -> str | None:
        for name, case_path in CASES.items():
            if path == case_path:
                return name
        stripped = urlsplit(path).path
        for name, case_path in CASES.items():
            if "?" in case_path and stripped == urlsplit(case_path).path:
                return name
        return None

    def _count(self, path: str) -> None:
        with self.lock:
            self.requests[path] += 1
            self.request_times[path].append(time.monotonic())

    def count(self, url_or_path: str) -> int:
        """Requests received for a path or URL, query included as sent."""
        path = url_or_path[len(self.base_url):] if url_or_path.startswith(self.base_url) else url_or_path
        with self.lock:
            return self.requests[path]

    def counts(self) -> dict[str, int]:
        with self.lock:
            return dict(self.requests)

    def times(self, url_or_path: str) -> list[float]:
        path = url_or_path[len(self.base_url):] if url_or_path.startswith(self.base_url) else url_or_path
        with self.lock:
            return list(self.request_times[path])

    def sources_toml(self) -> str:
        base = self.base_url
        return (f'[[outlet]]\nkey = "{OUTLET_KEY}"\nname = "Hostile News"\nhomepage = "{base}/"\n'
                f'country = "MA"\nlanguages = ["en", "fr", "ar"]\ntype = "national"\nreach = 0\n'
                f'feeds = ["{base}{FEED}", "{base}{CASES["malformed_feed"]}"]\n'
                f'sitemaps = ["{base}{CASES["malformed_sitemap"]}"]\n')

    # -- pages ---------------------------------------------------------------------------------------

    def home_html(self) -> str:
        links = "".join(f'<li><a href="{html.escape(CASES[name])}">{name.replace("_", " ")}</a></li>'
                        for name in PAGE_CASES)
        return ('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Hostile News</title>'
                f'<link rel="alternate" type="application/rss+xml" href="{FEED}">'
                f'<link rel="alternate" type="application/rss+xml" href="{CASES["malformed_feed"]}">'
                f"</head><body><h1>Hostile News</h1><ul>{links}</ul></body></html>")

    def feed_xml(self) -> str:
        items = []
        for name in FEED_CASES:
            title = ARTICLES[name]["title"]
            items.append(f"<item><title>{html.escape(title)}</title>"
                         f"<link>{html.escape(self.base_url + CASES[name])}</link>"
                         f"<pubDate>Thu, 02 May 2024 08:30:00 GMT</pubDate></item>")
        return ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Hostile News</title>'
                f"<link>{self.base_url}/</link>{''.join(items)}</channel></rss>")
