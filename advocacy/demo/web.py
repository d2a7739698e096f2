"""A local web of fictional news outlets, served on 127.0.0.1 for the offline demo and for tests.

Each outlet of ``site/outlets.toml`` gets its own HTTP server on a free port, so the crawler sees separate
hosts exactly as it would on the real web. Every page is rendered once, at :meth:`DemoWeb.start`, from the
Markdown files under ``site/<outlet-key>/``; the server only looks pages up.

The outlets differ on purpose, because each difference is something the crawler has to cope with:

* URL styles: ``dated`` (``/2024/05/slug.html``), ``section`` (``/actualites/slug/``) and ``id``
  (canonical ``/article/N``, numbered in slug order, but linked everywhere as
  ``/article.php?id=N&utm_source=…``, which serves the same page).
* Where the publication date can be read (``date_in`` of each article):
  ``meta`` - ``article:published_time``, JSON-LD, a visible ``<time>``, the feed and the sitemap;
  ``url``  - only the article's URL, plus the feed and the sitemap. ``dated`` outlets keep their
  ``/YYYY/MM/slug.html`` form, which carries no day; the other outlets use ``/YYYY/MM/DD/slug/``;
  ``none`` - nowhere: not on the page, not in its URL (``dated`` outlets file such stories under
  ``/news/slug.html``), not in the feed, not in the sitemap, not in a Last-Modified header.
  Pages that do not state their own date link dated neighbours through ``/s/N/`` shortlinks, so
  their related-articles box offers no stray date either.
* RSS 2.0 or Atom feeds (the 20 latest articles) that answer conditional requests with 304.
* A sitemap index, a ``robots.txt`` that forbids ``/private/``, and a draft page under ``/private/``
  that the home page links to and that a polite crawler must never fetch.
* Syndicated copies that, like most real ones, do not point their canonical link at the original.
"""
from __future__ import annotations

import argparse
import email.utils
import hashlib
import html
import json
import re
import threading
import tomllib
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import parse_qs, quote, unquote, urlsplit

__all__ = ["DemoWeb", "DemoOutlet", "DemoPage", "DEFAULT_SITE_DIR"]

DEFAULT_SITE_DIR = Path(__file__).parent / "site"

FEED_SIZE = 20
HOME_SIZE = 30
RELATED_SIZE = 3
NAV_TAG_COUNT = 6

FEED_PATHS = {"rss": "/feed.xml", "atom": "/atom.xml"}
FEED_TYPES = {"rss": "application/rss+xml", "atom": "application/atom+xml"}
URL_STYLES = ("dated", "section", "id")
DATE_EXPOSURES = ("meta", "url", "none")
RTL_LANGUAGES = {"ar", "fa", "he", "ur"}
DRAFT_PATH = "/private/draft/"

_FRONT_MATTER_FENCE = "+++"
_REQUIRED_FRONT_MATTER = ("slug", "title", "date", "tags", "themes", "on_topic", "date_in")
_OPTIONAL_FRONT_MATTER = ("author", "seed", "syndicated_from")
_REQUIRED_OUTLET_KEYS = ("key", "name", "language", "country", "type", "reach", "feed", "url_style")

_SENTENCE_END = re.compile(r"[.!?؟…](?:[\"'»”’)\]]*)(?=\s|$)")
_SLUG = re.compile(r"[\w-]+")


@dataclass
class DemoOutlet:
    """One fictional outlet. ``base_url`` is ``None`` until :meth:`DemoWeb.start` gives it a port."""

    key: str
    name: str
    language: str
    country: str
    type: str
    reach: int
    feed: str
    url_style: str
    base_url: str | None = None

    @property
    def homepage(self) -> str | None:
        return self.base_url

    @property
    def feed_url(self) -> str | None:
        return self._absolute(FEED_PATHS[self.feed])

    @property
    def sitemap_url(self) -> str | None:
        return self._absolute("/sitemap.xml")

    def _absolute(self, path: str) -> str | None:
        return None if self.base_url is None else self.base_url.rstrip("/") + path


@dataclass(frozen=True)
class DemoPage:
    """What a perfect crawler would collect from one article file of the demo site.

    ``url`` is the canonical URL; ``listed_url`` is the form the outlet links to (they differ only for
    ``id``-style outlets, whose links carry ``article.php`` and a tracking parameter). ``date`` is the true
    publication date even when ``date_in == "none"`` hides it from every page, feed and sitemap.
    """

    outlet: str
    slug: str
    url: str
    listed_url: str
    title: str
    date: datetime
    date_in: str
    author: str | None
    tags: tuple[str, ...]
    themes: tuple[str, ...]
    on_topic: bool
    seed: str | None
    syndicated_from: str | None
    text: str


@dataclass
class _Article:
    outlet: str
    slug: str
    title: str
    date: datetime
    date_in: str
    author: str | None
    tags: tuple[str, ...]
    themes: tuple[str, ...]
    on_topic: bool
    seed: str | None
    syndicated_from: str | None
    paragraphs: tuple[str, ...]
    source: Path
    number: int = 0

    @property
    def exposes_date(self) -> bool:
        return self.date_in != "none"

    @property
    def teaser(self) -> str:
        return first_sentence(self.paragraphs[0])


# --------------------------------------------------------------------------------------------------
# Loading the site
# --------------------------------------------------------------------------------------------------


def _load_outlets(path: Path) -> list[DemoOutlet]:
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"{path}: not valid TOML: {error}") from error
    entries = table.get("outlet")
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"{path}: expected at least one [[outlet]] table")
    outlets: list[DemoOutlet] = []
    for position, entry in enumerate(entries, start=1):
        where = f"{path}: outlet #{position}"
        missing = [key for key in _REQUIRED_OUTLET_KEYS if key not in entry]
        if missing:
            raise ValueError(f"{where}: missing {', '.join(missing)}")
        for key in ("key", "name", "language", "country", "type", "feed", "url_style"):
            if not isinstance(entry[key], str) or not entry[key].strip():
                raise ValueError(f"{where}: {key!r} must be a non-empty string")
        if not isinstance(entry["reach"], int) or isinstance(entry["reach"], bool):
            raise ValueError(f"{where}: 'reach' must be an integer")
        if entry["feed"] not in FEED_PATHS:
            raise ValueError(f"{where}: 'feed' must be one of {', '.join(FEED_PATHS)}")
        if entry["url_style"] not in URL_STYLES:
            raise ValueError(f"{where}: 'url_style' must be one of {', '.join(URL_STYLES)}")
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", entry["key"]):
            raise ValueError(f"{where}: 'key' must be lower-case letters, digits and hyphens")
        if any(outlet.key == entry["key"] for outlet in outlets):
            raise ValueError(f"{where}: duplicate key {entry['key']!r}")
        outlets.append(DemoOutlet(**{key: entry[key] for key in _REQUIRED_OUTLET_KEYS}))
    return outlets


def _split_front_matter(path: Path, text: str) -> tuple[str, list[str]]:
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].rstrip() != _FRONT_MATTER_FENCE:
        raise ValueError(f"{path}: must start with a line '{_FRONT_MATTER_FENCE}' opening the front matter")
    for index in range(1, len(lines)):
        if lines[index].rstrip() == _FRONT_MATTER_FENCE:
            return "\n".join(lines[1:index]), lines[index + 1:]
    raise ValueError(f"{path}: the front matter is never closed by a line '{_FRONT_MATTER_FENCE}'")


def _paragraphs(lines: list[str]) -> tuple[str, ...]:
    paragraphs: list[str] = []
    current: list[str] = []
    for line in [*lines, ""]:
        if line.strip():
            current.append(line)
        elif current:
            # Authors may hard-wrap; a browser (and therefore an extractor) joins the lines with a space.
            paragraphs.append(" ".join(" ".join(current).split()))
            current = []
    return tuple(paragraphs)


def _as_utc(value: Any, path: Path) -> datetime:
    if isinstance(value, datetime):
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
    raise ValueError(f"{path}: 'date' must be a TOML date-time such as 2024-05-12T08:30:00Z")


def _string_list(value: Any, key: str, path: Path) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
        raise ValueError(f"{path}: {key!r} must be a list of non-empty strings")
    return tuple(item.strip() for item in value)


def _parse_article(path: Path, outlet_key: str) -> _Article:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(f"{path}: not UTF-8 text: {error}") from error
    front_matter, body = _split_front_matter(path, text)
    try:
        meta = tomllib.loads(front_matter)
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"{path}: front matter is not valid TOML: {error}") from error

    missing = [key for key in _REQUIRED_FRONT_MATTER if key not in meta]
    if missing:
        raise ValueError(f"{path}: front matter lacks {', '.join(missing)}")
    # A misspelt optional key ("sead", "syndicated") would otherwise vanish without a trace.
    unknown = sorted(set(meta) - set(_REQUIRED_FRONT_MATTER) - set(_OPTIONAL_FRONT_MATTER))
    if unknown:
        known = ", ".join((*_REQUIRED_FRONT_MATTER, *_OPTIONAL_FRONT_MATTER))
        raise ValueError(f"{path}: unknown front matter key(s) {', '.join(unknown)}; known keys: {known}")

    for key in ("slug", "title", "date_in", *_OPTIONAL_FRONT_MATTER):
        if key in meta and (not isinstance(meta[key], str) or not meta[key].strip()):
            raise ValueError(f"{path}: {key!r} must be a non-empty string")
    slug = meta["slug"]
    if not _SLUG.fullmatch(slug):
        raise ValueError(f"{path}: slug {slug!r} may only hold letters, digits, '-' and '_'")
    if slug != path.stem:
        raise ValueError(f"{path}: slug {slug!r} differs from the file name {path.stem!r}")
    if meta["date_in"] not in DATE_EXPOSURES:
        raise ValueError(f"{path}: 'date_in' must be one of {', '.join(DATE_EXPOSURES)}")
    if not isinstance(meta["on_topic"], bool):
        raise ValueError(f"{path}: 'on_topic' must be true or false")
    syndicated_from = meta.get("syndicated_from")
    if syndicated_from is not None and not re.fullmatch(r"[^/\s]+/[^/\s]+", syndicated_from):
        raise ValueError(f"{path}: 'syndicated_from' must read 'outlet-key/slug'")

    paragraphs = _paragraphs(body)
    if not paragraphs:
        raise ValueError(f"{path}: no text after the front matter")
    return _Article(
        outlet=outlet_key,
        slug=slug,
        title=" ".join(meta["title"].split()),
        date=_as_utc(meta["date"], path),
        date_in=meta["date_in"],
        author=meta.get("author"),
        tags=_string_list(meta["tags"], "tags", path),
        themes=_string_list(meta["themes"], "themes", path),
        on_topic=meta["on_topic"],
        seed=meta.get("seed"),
        syndicated_from=syndicated_from,
        paragraphs=paragraphs,
        source=path,
    )


def _load_articles(site_dir: Path, outlets: list[DemoOutlet]) -> dict[str, list[_Article]]:
    keys = {outlet.key for outlet in outlets}
    for child in site_dir.iterdir():
        if child.is_dir() and not child.name.startswith((".", "_")) and child.name not in keys:
            raise ValueError(f"{child}: folder of articles for an outlet missing from outlets.toml")

    articles: dict[str, list[_Article]] = {}
    for outlet in outlets:
        folder = site_dir / outlet.key
        files = sorted(folder.glob("*.md")) if folder.is_dir() else []
        parsed = [_parse_article(path, outlet.key) for path in files]
        for number, article in enumerate(sorted(parsed, key=lambda a: a.slug), start=1):
            article.number = number
        articles[outlet.key] = parsed

    for outlet_articles in articles.values():
        for article in outlet_articles:
            if article.syndicated_from is None:
                continue
            source_outlet, source_slug = article.syndicated_from.split("/")
            if source_outlet == article.outlet:
                raise ValueError(f"{article.source}: 'syndicated_from' names the article's own outlet")
            if not any(a.slug == source_slug for a in articles.get(source_outlet, [])):
                raise ValueError(f"{article.source}: 'syndicated_from' names {article.syndicated_from!r}, "
                                 "which is not an article of the demo site")
    return articles


# --------------------------------------------------------------------------------------------------
# Text helpers
# --------------------------------------------------------------------------------------------------


def first_sentence(paragraph: str, limit: int = 240) -> str:
    match = _SENTENCE_END.search(paragraph)
    sentence = paragraph[: match.end()] if match else paragraph
    if len(sentence) > limit:
        sentence = sentence[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    return sentence


def tag_slug(tag: str) -> str:
    """Accents go, scripts stay: ``Réfugiés`` → ``refugies``, ``لاجئون`` stays Arabic (percent-encoded in links)."""
    decomposed = unicodedata.normalize("NFKD", tag.casefold())
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return re.sub(r"[\W_]+", "-", bare).strip("-")


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _http_date(moment: datetime) -> str:
    return email.utils.format_datetime(moment.astimezone(timezone.utc), usegmt=True)


def _escape(text: str) -> str:
    return html.escape(text, quote=True)


def toml_string(value: str) -> str:
    escapes = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}
    parts = []
    for char in value:
        if char in escapes:
            parts.append(escapes[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            parts.append(f"\\u{ord(char):04X}")
        else:
            parts.append(char)
    return '"' + "".join(parts) + '"'


# --------------------------------------------------------------------------------------------------
# Interface language of the outlets
# --------------------------------------------------------------------------------------------------

_MONTHS = {
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"],
    "fr": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre"],
    "ar": ["يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر",
           "ديسمبر"],
}

_COUNTRIES = {
    "MA": {"en": "Morocco", "fr": "Maroc", "ar": "المغرب"},
    "ML": {"en": "Mali", "fr": "Mali", "ar": "مالي"},
    "DZ": {"en": "Algeria", "fr": "Algérie", "ar": "الجزائر"},
    "TN": {"en": "Tunisia", "fr": "Tunisie", "ar": "تونس"},
    "LY": {"en": "Libya", "fr": "Libye", "ar": "ليبيا"},
    "EG": {"en": "Egypt", "fr": "Égypte", "ar": "مصر"},
    "MR": {"en": "Mauritania", "fr": "Mauritanie", "ar": "موريتانيا"},
    "SN": {"en": "Senegal", "fr": "Sénégal", "ar": "السنغال"},
    "NE": {"en": "Niger", "fr": "Niger", "ar": "النيجر"},
    "BF": {"en": "Burkina Faso", "fr": "Burkina Faso", "ar": "بوركينا فاسو"},
    "ES": {"en": "Spain", "fr": "Espagne", "ar": "إسبانيا"},
    "FR": {"en": "France", "fr": "France", "ar": "فرنسا"},
}

_UI: dict[str, dict[str, str]] = {
    "en": {
        "tagline": "Independent news and analysis",
        "home": "Home", "about": "About us", "contact": "Contact",
        "latest": "Latest news", "read_more": "Read more",
        "by": "By {author}", "published": "Published {date}",
        "share": "Share", "share_email": "Email", "tags": "Tags:", "list_separator": ", ",
        "related": "Related articles",
        "newsletter": "Get our morning newsletter", "email": "Your email address", "subscribe": "Subscribe",
        "comments": "Comments",
        "comments_closed": "Comments are open to subscribers only. Log in to join the discussion.",
        "cookies": "We use cookies to measure our audience and improve your experience.",
        "accept": "Accept", "refuse": "Refuse",
        "notice": "{name} is a fictional outlet of the Advocacy Monitor demo. Its articles were written for "
                  "testing and report no real events.",
        "tag": "Tag: {tag}", "tag_empty": "No article carries this tag yet.",
        "not_found": "Page not found",
        "not_found_text": "The page you are looking for does not exist or has been moved.",
        "back_home": "Back to the home page",
        "contact_title": "Contact the newsroom",
        "contact_text": "Tips, corrections and letters to the editor are read by the duty editor every day.",
        "address": "Address", "name": "Name", "message": "Message", "send": "Send",
        "about_text": "{name} is a {type} news outlet in {country}. It covers politics, society and the "
                      "economy, with a team of reporters and correspondents across the country.",
        "national": "national", "regional": "regional",
        "newsroom": "Newsroom preview", "breadcrumb": "You are here",
        "menu": "Main menu", "street": "14 Harbour Lane, 2nd floor",
    },
    "fr": {
        "tagline": "L'information indépendante",
        "home": "Accueil", "about": "À propos", "contact": "Contact",
        "latest": "À la une", "read_more": "Lire la suite",
        "by": "Par {author}", "published": "Publié le {date}",
        "share": "Partager", "share_email": "E-mail", "tags": "Mots-clés :", "list_separator": ", ",
        "related": "À lire aussi",
        "newsletter": "Recevez notre lettre du matin", "email": "Votre adresse e-mail",
        "subscribe": "S'inscrire",
        "comments": "Commentaires",
        "comments_closed": "Les commentaires sont réservés aux abonnés. Connectez-vous pour participer.",
        "cookies": "Nous utilisons des cookies pour mesurer notre audience et améliorer votre expérience.",
        "accept": "Accepter", "refuse": "Refuser",
        "notice": "{name} est un média fictif de la démonstration d'Advocacy Monitor. Ses articles ont été "
                  "rédigés pour des tests et ne relatent aucun fait réel.",
        "tag": "Mot-clé : {tag}", "tag_empty": "Aucun article ne porte encore ce mot-clé.",
        "not_found": "Page introuvable",
        "not_found_text": "La page que vous cherchez n'existe pas ou a été déplacée.",
        "back_home": "Retour à l'accueil",
        "contact_title": "Écrire à la rédaction",
        "contact_text": "Informations, rectifications et courrier des lecteurs sont lus chaque jour par la "
                        "permanence de la rédaction.",
        "address": "Adresse", "name": "Nom", "message": "Message", "send": "Envoyer",
        "about_text": "{name} est un média d'information {type} basé au {country}. Il couvre la politique, "
                      "la société et l'économie grâce à une équipe de journalistes et de correspondants.",
        "national": "national", "regional": "régional",
        "newsroom": "Aperçu de la rédaction", "breadcrumb": "Vous êtes ici",
        "menu": "Menu principal", "street": "14, rue du Port, 2e étage",
    },
    "ar": {
        "tagline": "أخبار وتحليلات مستقلة",
        "home": "الرئيسية", "about": "من نحن", "contact": "اتصل بنا",
        "latest": "آخر الأخبار", "read_more": "اقرأ المزيد",
        "by": "بقلم {author}", "published": "نُشر في {date}",
        "share": "شارك", "share_email": "البريد الإلكتروني", "tags": "الوسوم:", "list_separator": "، ",
        "related": "مقالات ذات صلة",
        "newsletter": "اشترك في نشرتنا الصباحية", "email": "بريدك الإلكتروني", "subscribe": "اشترك",
        "comments": "التعليقات",
        "comments_closed": "التعليقات متاحة للمشتركين فقط. سجّل الدخول للمشاركة في النقاش.",
        "cookies": "نستخدم ملفات تعريف الارتباط لقياس عدد الزوار وتحسين تجربتك.",
        "accept": "قبول", "refuse": "رفض",
        "notice": "{name} وسيلة إعلام خيالية ضمن العرض التجريبي لـ Advocacy Monitor. كُتبت مقالاتها لأغراض "
                  "الاختبار ولا تروي أحداثًا حقيقية.",
        "tag": "وسم: {tag}", "tag_empty": "لا توجد مقالات تحمل هذا الوسم بعد.",
        "not_found": "الصفحة غير موجودة",
        "not_found_text": "الصفحة التي تبحث عنها غير موجودة أو نُقلت إلى عنوان آخر.",
        "back_home": "العودة إلى الصفحة الرئيسية",
        "contact_title": "راسل هيئة التحرير",
        "contact_text": "يطّلع محرر المناوبة يوميًا على المعلومات والتصويبات ورسائل القراء.",
        "address": "العنوان", "name": "الاسم", "message": "الرسالة", "send": "إرسال",
        "about_text": "{name} وسيلة إعلام {type} في {country}، تغطي السياسة والمجتمع والاقتصاد بفريق من "
                      "الصحفيين والمراسلين.",
        "national": "وطنية", "regional": "جهوية",
        "newsroom": "معاينة التحرير", "breadcrumb": "أنت هنا",
        "menu": "القائمة الرئيسية", "street": "14 شارع الميناء، الطابق الثاني",
    },
}

# The unpublished page behind robots.txt: unmistakably on topic, so a crawler that ignores robots.txt
# would collect it and the test would notice.
_DRAFT: dict[str, tuple[str, list[str]]] = {
    "en": (
        "DRAFT - not for publication: refugee families stranded at the border wait for asylum hearings",
        [
            "Dozens of refugee families have been waiting for weeks at a makeshift camp near the border crossing, "
            "unable to lodge their asylum claims, according to aid workers interviewed for this draft.",
            "Several parents said their children had no access to school and that medical visits had become rare. "
            "A legal aid volunteer described the situation as a de facto suspension of the right to seek asylum.",
            "[Editor: check figures with the refugee agency before publication. Awaiting the ministry's answer.]",
        ],
    ),
    "fr": (
        "BROUILLON - ne pas publier : à la frontière, des familles réfugiées attendent l'examen de leur "
        "demande d'asile",
        [
            "Des dizaines de familles réfugiées patientent depuis des semaines dans un camp de fortune près du "
            "poste-frontière, sans pouvoir déposer leur demande d'asile, selon des humanitaires interrogés.",
            "Plusieurs parents expliquent que leurs enfants ne sont plus scolarisés et que les consultations "
            "médicales se font rares. Une juriste bénévole parle d'une suspension de fait du droit d'asile.",
            "[Note de la rédaction : vérifier les chiffres auprès de l'agence pour les réfugiés. Réponse du "
            "ministère attendue.]",
        ],
    ),
    "ar": (
        "مسودة - غير مخصصة للنشر: عائلات لاجئة عالقة على الحدود في انتظار البت في طلبات اللجوء",
        [
            "تنتظر عشرات العائلات اللاجئة منذ أسابيع في مخيم مؤقت قرب المعبر الحدودي، دون أن تتمكن من تقديم "
            "طلبات اللجوء، بحسب عاملين في المجال الإنساني.",
            "وقال عدد من الآباء إن أطفالهم انقطعوا عن الدراسة وإن الزيارات الطبية أصبحت نادرة، فيما وصفت "
            "متطوعة في المساعدة القانونية الوضع بأنه تعليق فعلي لحق اللجوء.",
            "[ملاحظة للمحرر: التحقق من الأرقام لدى وكالة اللاجئين قبل النشر. في انتظار رد الوزارة.]",
        ],
    ),
}

_STYLE = """
body{font-family:Georgia,serif;margin:0;color:#1d1d1d;background:#fafaf7}
header.masthead{border-bottom:3px double #333;padding:1rem 2rem}
header.masthead .brand{font-size:2rem;font-weight:bold;color:inherit;text-decoration:none}
nav.menu ul{list-style:none;display:flex;gap:1rem;padding:0 2rem;flex-wrap:wrap}
main{max-width:46rem;margin:0 auto;padding:1rem 2rem}
.teaser h2{font-size:1.2rem;margin-bottom:.2rem}
.byline,.dateline,.breadcrumb{color:#555;font-size:.9rem}
.share button{margin-inline-end:.4rem}
aside.related,form.newsletter,section.comments{border-top:1px solid #ccc;margin-top:1.5rem;padding-top:1rem}
footer.site-footer{background:#222;color:#eee;padding:1rem 2rem;font-size:.85rem}
footer.site-footer a{color:#eee}
#cookie-consent{position:fixed;bottom:0;inset-inline:0;background:#fffbe6;padding:.6rem 2rem}
""".strip()


def _ui(language: str) -> dict[str, str]:
    return _UI.get(language, _UI["en"])


def _display_date(moment: datetime, language: str) -> str:
    months = _MONTHS.get(language, _MONTHS["en"])
    return f"{moment.day} {months[moment.month - 1]} {moment.year}"


# --------------------------------------------------------------------------------------------------
# One outlet: URLs and rendered pages
# --------------------------------------------------------------------------------------------------


@dataclass
class _Response:
    status: int
    content_type: str
    body: bytes
    last_modified: datetime | None = None
    location: str | None = None
    etag: str = field(init=False)

    def __post_init__(self) -> None:
        self.etag = '"' + hashlib.sha256(self.body).hexdigest()[:24] + '"'


class _OutletSite:
    """The pages of one outlet. Paths are fixed at load time; absolute URLs wait for the port."""

    def __init__(self, outlet: DemoOutlet, articles: list[_Article]):
        self.outlet = outlet
        self.ui = _ui(outlet.language)
        self.articles = sorted(articles, key=lambda a: (a.date, a.slug), reverse=True)
        self.paths = {article.slug: self._canonical_path(article) for article in self.articles}
        if len(set(self.paths.values())) != len(self.paths):
            raise ValueError(f"outlet {outlet.key}: two articles would share one URL")
        self.tags: dict[str, str] = {}
        tag_counts: dict[str, int] = {}
        for article in self.articles:
            for tag in article.tags:
                slug = tag_slug(tag)
                if not slug:
                    raise ValueError(f"{article.source}: tag {tag!r} has no letters or digits to name its page")
                self.tags.setdefault(slug, tag)
                tag_counts[slug] = tag_counts.get(slug, 0) + 1
        self.nav_tags = sorted(tag_counts, key=lambda slug: (-tag_counts[slug], slug))[:NAV_TAG_COUNT]
        self.base_url = ""
        self.routes: dict[str, _Response] = {}
        self.routes_by_id: dict[int, _Response] = {}
        self.not_found = _Response(404, "text/html; charset=utf-8", b"")

    @property
    def newest_exposed_date(self) -> datetime | None:
        # Feeds and sitemaps must not leak the date of a "none" article through their own timestamps.
        return max((article.date for article in self.articles if article.exposes_date), default=None)

    # URLs ------------------------------------------------------------------------------------------

    def _canonical_path(self, article: _Article) -> str:
        slug = quote(article.slug)
        if self.outlet.url_style == "dated":
            # A dated URL would give away the date that "none" promises to hide, so such articles live
            # under an undated legacy path, as on sites that changed their URL scheme over the years.
            return f"/news/{slug}.html" if article.date_in == "none" else f"/{article.date:%Y/%m}/{slug}.html"
        if article.date_in == "url":
            return f"/{article.date:%Y/%m/%d}/{slug}/"
        if self.outlet.url_style == "section":
            return f"/actualites/{slug}/"
        return f"/article/{article.number}"

    def _uses_id_links(self, article: _Article) -> bool:
        return self.outlet.url_style == "id" and article.date_in != "url"

    def link_path(self, article: _Article, via: str = "home") -> str:
        if self._uses_id_links(article):
            return f"/article.php?id={article.number}&utm_source={via}"
        return self.paths[article.slug]

    def _link_shows_date(self, article: _Article) -> bool:
        return article.date_in == "url" or (article.date_in == "meta" and self.outlet.url_style == "dated")

    def related_link_path(self, article: _Article, on_page_of: _Article) -> str:
        # On a page that does not state its own date, a dated neighbour URL would hand date-guessing
        # extractors a wrong date; such pages reach their neighbours through redirecting shortlinks, as
        # WordPress's ?p=N links do. The only date signal left is then the intended one, or none at all.
        if on_page_of.date_in != "meta" and self._link_shows_date(article):
            return f"/s/{article.number}/"
        return self.link_path(article, "related")

    def absolute(self, path: str) -> str:
        return self.base_url + path

    def canonical_url(self, article: _Article) -> str:
        return self.absolute(self.paths[article.slug])

    def tag_path(self, slug: str) -> str:
        return f"/tag/{quote(slug)}/"

    # Building --------------------------------------------------------------------------------------

    def build(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        html_type = "text/html; charset=utf-8"
        routes: dict[str, _Response] = {
            "/": _Response(200, html_type, self.render_home()),
            "/about/": _Response(200, html_type, self.render_about()),
            "/contact/": _Response(200, html_type, self.render_contact()),
            DRAFT_PATH: _Response(200, html_type, self.render_draft()),
            "/robots.txt": _Response(200, "text/plain; charset=utf-8", self.render_robots()),
        }
        for slug, name in self.tags.items():
            routes[f"/tag/{slug}/"] = _Response(200, html_type, self.render_tag(slug, name))

        newest = self.newest_exposed_date
        feed_body = self.render_rss() if self.outlet.feed == "rss" else self.render_atom()
        feed_type = f"{FEED_TYPES[self.outlet.feed]}; charset=utf-8"
        routes[FEED_PATHS[self.outlet.feed]] = _Response(200, feed_type, feed_body, newest)
        xml_type = "application/xml; charset=utf-8"
        routes["/sitemap.xml"] = _Response(200, xml_type, self.render_sitemap_index(), newest)
        routes["/sitemap-pages.xml"] = _Response(200, xml_type, self.render_sitemap_pages())
        routes["/sitemap-articles.xml"] = _Response(200, xml_type, self.render_sitemap_articles(), newest)

        by_id: dict[int, _Response] = {}
        for article in self.articles:
            page = _Response(200, html_type, self.render_article(article))
            routes[unquote(self.paths[article.slug])] = page
            routes[f"/s/{article.number}/"] = _Response(301, html_type, b"",
                                                        location=self.absolute(self.link_path(article, "short")))
            if self._uses_id_links(article):
                by_id[article.number] = page
        self.routes, self.routes_by_id = routes, by_id
        self.not_found = _Response(404, html_type, self.render_not_found())

    def resolve(self, raw_target: str) -> _Response:
        target = urlsplit(raw_target)
        path = unquote(target.path or "/")
        if path == "/article.php" and self.routes_by_id:
            ids = parse_qs(target.query).get("id", [])
            if len(ids) == 1 and ids[0].isdigit():
                return self.routes_by_id.get(int(ids[0]), self.not_found)
            return self.not_found
        page = self.routes.get(path)
        if page is not None:
            return page
        if not path.endswith("/") and path + "/" in self.routes:
            location = self.absolute(quote(path + "/")) + (f"?{target.query}" if target.query else "")
            return _Response(301, "text/html; charset=utf-8", b"", location=location)
        return self.not_found

    # HTML ------------------------------------------------------------------------------------------

    def _layout(self, *, title: str, description: str, main: str, canonical: str | None = None,
                head_extra: str = "") -> bytes:
        outlet, ui = self.outlet, self.ui
        direction = ' dir="rtl"' if outlet.language in RTL_LANGUAGES else ""
        menu = [f'<li><a href="/">{_escape(ui["home"])}</a></li>']
        menu += [f'<li><a href="{self.tag_path(slug)}">{_escape(self.tags[slug])}</a></li>'
                 for slug in self.nav_tags]
        menu += [f'<li><a href="/about/">{_escape(ui["about"])}</a></li>',
                 f'<li><a href="/contact/">{_escape(ui["contact"])}</a></li>']
        menu_items = "\n".join(menu)
        feed_link = (f'<link rel="alternate" type="{FEED_TYPES[outlet.feed]}" title="{_escape(outlet.name)}" '
                     f'href="{FEED_PATHS[outlet.feed]}">')
        canonical_link = f'<link rel="canonical" href="{_escape(canonical)}">\n' if canonical else ""
        notice = _escape(ui["notice"].format(name=outlet.name))
        if outlet.language != "en":
            notice += (f'</p>\n<p class="demo-notice" lang="en" dir="ltr">'
                       f'{_escape(_UI["en"]["notice"].format(name=outlet.name))}')
        page = f"""<!DOCTYPE html>
<html lang="{_escape(outlet.language)}"{direction}>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_escape(title)}</title>
<meta name="description" content="{_escape(description)}">
{canonical_link}{head_extra}{feed_link}
<style>{_STYLE}</style>
</head>
<body>
<header class="masthead">
<a class="brand" href="/">{_escape(outlet.name)}</a>
<p class="tagline">{_escape(ui["tagline"])}</p>
</header>
<nav class="menu" aria-label="{_escape(ui["menu"])}">
<ul>
{menu_items}
</ul>
</nav>
{main}
<footer class="site-footer">
<p class="demo-notice">{notice}</p>
<p><a href="/about/">{_escape(ui["about"])}</a> · <a href="/contact/">{_escape(ui["contact"])}</a></p>
</footer>
<div id="cookie-consent" class="cookie-banner" role="dialog" aria-live="polite">
<p>{_escape(ui["cookies"])}</p>
<button type="button" data-consent="accept">{_escape(ui["accept"])}</button>
<button type="button" data-consent="refuse">{_escape(ui["refuse"])}</button>
</div>
</body>
</html>
"""
        return page.encode("utf-8")

    def _teaser(self, article: _Article) -> str:
        when = ""
        if article.date_in == "meta":
            when = (f'<p class="dateline"><time datetime="{_iso(article.date)}">'
                    f'{_escape(_display_date(article.date, self.outlet.language))}</time></p>\n')
        href = _escape(self.link_path(article, "home"))
        return (f'<article class="teaser">\n<h2><a href="{href}">{_escape(article.title)}</a></h2>\n{when}'
                f'<p>{_escape(article.teaser)} <a class="more" href="{href}">{_escape(self.ui["read_more"])}</a>'
                f'</p>\n</article>')

    def render_home(self) -> bytes:
        teasers = "\n".join(self._teaser(article) for article in self.articles[:HOME_SIZE])
        main = f"""<main id="content">
<h1 class="section-title">{_escape(self.ui["latest"])}</h1>
{teasers}
<aside class="newsroom"><a href="{DRAFT_PATH}">{_escape(self.ui["newsroom"])}</a></aside>
</main>"""
        head = (f'<meta property="og:title" content="{_escape(self.outlet.name)}">\n'
                f'<meta property="og:type" content="website">\n'
                f'<meta property="og:url" content="{_escape(self.absolute("/"))}">\n')
        return self._layout(title=f"{self.outlet.name} - {self.ui['tagline']}", description=self.ui["tagline"],
                            main=main, canonical=self.absolute("/"), head_extra=head)

    def _related(self, article: _Article) -> list[_Article]:
        others = [other for other in self.articles if other is not article]
        shared = {other.slug: len(set(other.tags) & set(article.tags)) for other in others}
        # self.articles is newest first and sort is stable, so ties go to the most recent story.
        return sorted(others, key=lambda other: -shared[other.slug])[:RELATED_SIZE]

    def render_article(self, article: _Article) -> bytes:
        ui, language = self.ui, self.outlet.language
        canonical = self.canonical_url(article)
        head = [
            f'<meta property="og:title" content="{_escape(article.title)}">',
            '<meta property="og:type" content="article">',
            f'<meta property="og:url" content="{_escape(canonical)}">',
            f'<meta property="og:site_name" content="{_escape(self.outlet.name)}">',
        ]
        if article.author:
            head.append(f'<meta name="author" content="{_escape(article.author)}">')
        if article.date_in == "meta":
            head.append(f'<meta property="article:published_time" content="{_iso(article.date)}">')
        for tag in article.tags:
            head.append(f'<meta property="article:tag" content="{_escape(tag)}">')
        structured: dict[str, Any] = {
            "@context": "https://schema.org", "@type": "NewsArticle", "headline": article.title,
            "inLanguage": language, "mainEntityOfPage": canonical,
            "publisher": {"@type": "Organization", "name": self.outlet.name},
        }
        if article.author:
            structured["author"] = {"@type": "Person", "name": article.author}
        if article.date_in == "meta":
            structured["datePublished"] = _iso(article.date)
        ld_json = json.dumps(structured, ensure_ascii=False).replace("</", "<\\/")
        head.append(f'<script type="application/ld+json">{ld_json}</script>')

        crumbs = [f'<a href="/">{_escape(ui["home"])}</a>']
        if article.tags:
            first = tag_slug(article.tags[0])
            crumbs.append(f'<a href="{self.tag_path(first)}">{_escape(self.tags[first])}</a>')
        crumbs.append(f"<span>{_escape(article.title)}</span>")

        byline = ""
        if article.author:
            author = f'<span class="author">{_escape(article.author)}</span>'
            byline = f'<p class="byline">{_escape(ui["by"]).format(author=author)}</p>\n'
        dateline = ""
        if article.date_in == "meta":
            shown = ui["published"].format(date=_display_date(article.date, language))
            dateline = f'<p class="dateline"><time datetime="{_iso(article.date)}">{_escape(shown)}</time></p>\n'
        paragraphs = "\n".join(f"<p>{_escape(paragraph)}</p>" for paragraph in article.paragraphs)
        # Buttons, not links: the offline demo must not hand the crawler any off-site URL.
        networks = (("facebook", "Facebook"), ("x", "X"), ("whatsapp", "WhatsApp"), ("email", ui["share_email"]))
        share = "\n".join(f'<button type="button" class="share-{network}" data-share="{network}">{_escape(label)}'
                          "</button>" for network, label in networks)
        tag_links = ui["list_separator"].join(
            f'<a href="{self.tag_path(tag_slug(tag))}" rel="tag">{_escape(tag)}</a>' for tag in article.tags)
        tag_line = f'<p class="story-tags">{_escape(ui["tags"])} {tag_links}</p>\n' if article.tags else ""
        related = "\n".join(
            f'<li><a href="{_escape(self.related_link_path(other, article))}">{_escape(other.title)}</a></li>'
            for other in self._related(article))
        main = f"""<main id="content">
<nav class="breadcrumb" aria-label="{_escape(ui["breadcrumb"])}">{" › ".join(crumbs)}</nav>
<article class="story">
<header class="story-header">
<h1>{_escape(article.title)}</h1>
{byline}{dateline}</header>
<div class="share" aria-label="{_escape(ui["share"])}">
{share}
</div>
<div class="story-body">
{paragraphs}
</div>
{tag_line}</article>
<aside class="related">
<h2>{_escape(ui["related"])}</h2>
<ul>
{related}
</ul>
</aside>
<form class="newsletter" action="/newsletter/" method="post">
<h2>{_escape(ui["newsletter"])}</h2>
<label for="newsletter-email">{_escape(ui["email"])}</label>
<input id="newsletter-email" type="email" name="email" required>
<button type="submit">{_escape(ui["subscribe"])}</button>
</form>
<section class="comments" id="comments">
<h2>{_escape(ui["comments"])}</h2>
<p>{_escape(ui["comments_closed"])}</p>
</section>
</main>"""
        return self._layout(title=f"{article.title} | {self.outlet.name}", description=article.teaser,
                            main=main, canonical=canonical, head_extra="\n".join(head) + "\n")

    def render_tag(self, slug: str, name: str) -> bytes:
        tagged = [article for article in self.articles if slug in {tag_slug(tag) for tag in article.tags}]
        teasers = "\n".join(self._teaser(article) for article in tagged) or f"<p>{_escape(self.ui['tag_empty'])}</p>"
        heading = self.ui["tag"].format(tag=name)
        main = f'<main id="content">\n<h1 class="section-title">{_escape(heading)}</h1>\n{teasers}\n</main>'
        return self._layout(title=f"{heading} | {self.outlet.name}", description=heading, main=main,
                            canonical=self.absolute(self.tag_path(slug)))

    def render_about(self) -> bytes:
        ui, outlet = self.ui, self.outlet
        country = _COUNTRIES.get(outlet.country, {}).get(outlet.language, outlet.country)
        text = ui["about_text"].format(name=outlet.name, type=ui.get(outlet.type, outlet.type), country=country)
        main = f"""<main id="content">
<h1>{_escape(ui["about"])}</h1>
<p>{_escape(text)}</p>
<p>{_escape(ui["notice"].format(name=outlet.name))}</p>
</main>"""
        return self._layout(title=f"{ui['about']} | {outlet.name}", description=text, main=main,
                            canonical=self.absolute("/about/"))

    def render_contact(self) -> bytes:
        ui, outlet = self.ui, self.outlet
        country = _COUNTRIES.get(outlet.country, {}).get(outlet.language, outlet.country)
        main = f"""<main id="content">
<h1>{_escape(ui["contact_title"])}</h1>
<p>{_escape(ui["contact_text"])}</p>
<address>
<strong>{_escape(ui["address"])}</strong><br>
{_escape(outlet.name)}<br>
{_escape(ui["street"])}<br>
{_escape(country)}<br>
<a href="mailto:newsroom@{outlet.key}.example">newsroom@{outlet.key}.example</a>
</address>
<form class="contact-form" action="/contact/" method="post">
<p><label for="contact-name">{_escape(ui["name"])}</label> <input id="contact-name" name="name" required></p>
<p><label for="contact-email">{_escape(ui["email"])}</label>
<input id="contact-email" type="email" name="email" required></p>
<p><label for="contact-message">{_escape(ui["message"])}</label><br>
<textarea id="contact-message" name="message" rows="6" cols="60"></textarea></p>
<p><button type="submit">{_escape(ui["send"])}</button></p>
</form>
</main>"""
        return self._layout(title=f"{ui['contact']} | {outlet.name}", description=ui["contact_text"], main=main,
                            canonical=self.absolute("/contact/"))

    def render_draft(self) -> bytes:
        title, paragraphs = _DRAFT.get(self.outlet.language, _DRAFT["en"])
        body = "\n".join(f"<p>{_escape(paragraph)}</p>" for paragraph in paragraphs)
        main = f"""<main id="content">
<article class="story draft">
<header class="story-header"><h1>{_escape(title)}</h1></header>
<div class="story-body">
{body}
</div>
</article>
</main>"""
        return self._layout(title=f"{title} | {self.outlet.name}", description=first_sentence(paragraphs[0]),
                            main=main, head_extra='<meta name="robots" content="noindex, nofollow">\n')

    def render_not_found(self) -> bytes:
        ui = self.ui
        main = f"""<main id="content">
<h1>{_escape(ui["not_found"])}</h1>
<p>{_escape(ui["not_found_text"])}</p>
<p><a href="/">{_escape(ui["back_home"])}</a></p>
</main>"""
        return self._layout(title=f"{ui['not_found']} | {self.outlet.name}", description=ui["not_found"],
                            main=main, head_extra='<meta name="robots" content="noindex">\n')

    # Machine-readable ------------------------------------------------------------------------------

    def render_robots(self) -> bytes:
        return (f"User-agent: *\nDisallow: /private/\n\nSitemap: {self.absolute('/sitemap.xml')}\n").encode("utf-8")

    def _feed_articles(self) -> list[_Article]:
        return self.articles[:FEED_SIZE]

    def render_rss(self) -> bytes:
        items = []
        for article in self._feed_articles():
            parts = [
                f"<title>{_escape(article.title)}</title>",
                f"<link>{_escape(self.absolute(self.link_path(article, 'rss')))}</link>",
                f'<guid isPermaLink="true">{_escape(self.canonical_url(article))}</guid>',
            ]
            if article.exposes_date:
                parts.append(f"<pubDate>{_http_date(article.date)}</pubDate>")
            parts.append(f"<description>{_escape(article.teaser)}</description>")
            if article.author:
                parts.append(f"<dc:creator>{_escape(article.author)}</dc:creator>")
            parts += [f"<category>{_escape(tag)}</category>" for tag in article.tags]
            items.append("<item>\n" + "\n".join(parts) + "\n</item>")
        newest = self.newest_exposed_date
        item_lines = "\n".join(items)
        build_date = f"<lastBuildDate>{_http_date(newest)}</lastBuildDate>\n" if newest else ""
        feed = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
<title>{_escape(self.outlet.name)}</title>
<link>{_escape(self.absolute("/"))}</link>
<description>{_escape(self.ui["tagline"])}</description>
<language>{_escape(self.outlet.language)}</language>
{build_date}<atom:link href="{_escape(self.absolute("/feed.xml"))}" rel="self" type="application/rss+xml"/>
{item_lines}
</channel>
</rss>
"""
        return feed.encode("utf-8")

    def render_atom(self) -> bytes:
        entries = []
        for article in self._feed_articles():
            link = self.absolute(self.link_path(article, "atom"))
            parts = [
                f"<title>{_escape(article.title)}</title>",
                f'<link rel="alternate" type="text/html" href="{_escape(link)}"/>',
                f"<id>{_escape(self.canonical_url(article))}</id>",
            ]
            if article.exposes_date:
                parts += [f"<published>{_iso(article.date)}</published>", f"<updated>{_iso(article.date)}</updated>"]
            parts.append(f"<summary>{_escape(article.teaser)}</summary>")
            if article.author:
                parts.append(f"<author><name>{_escape(article.author)}</name></author>")
            parts += [f'<category term="{_escape(tag)}"/>' for tag in article.tags]
            entries.append("<entry>\n" + "\n".join(parts) + "\n</entry>")
        newest = self.newest_exposed_date
        updated = f"<updated>{_iso(newest)}</updated>\n" if newest else ""
        entry_lines = "\n".join(entries)
        feed = f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{_escape(self.outlet.language)}">
<title>{_escape(self.outlet.name)}</title>
<subtitle>{_escape(self.ui["tagline"])}</subtitle>
<link rel="alternate" type="text/html" href="{_escape(self.absolute("/"))}"/>
<link rel="self" type="application/atom+xml" href="{_escape(self.absolute("/atom.xml"))}"/>
<id>{_escape(self.absolute("/"))}</id>
{updated}{entry_lines}
</feed>
"""
        return feed.encode("utf-8")

    def render_sitemap_index(self) -> bytes:
        entries = "\n".join(f"<sitemap><loc>{_escape(self.absolute(path))}</loc></sitemap>"
                            for path in ("/sitemap-pages.xml", "/sitemap-articles.xml"))
        return (f'<?xml version="1.0" encoding="UTF-8"?>\n'
                f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{entries}\n</sitemapindex>\n'
                ).encode("utf-8")

    def render_sitemap_pages(self) -> bytes:
        paths = ["/", *(self.tag_path(slug) for slug in self.tags), "/contact/", "/about/"]
        entries = "\n".join(f"<url><loc>{_escape(self.absolute(path))}</loc></url>" for path in paths)
        return (f'<?xml version="1.0" encoding="UTF-8"?>\n'
                f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{entries}\n</urlset>\n'
                ).encode("utf-8")

    def render_sitemap_articles(self) -> bytes:
        entries = []
        for article in self.articles:
            parts = [f"<loc>{_escape(self.absolute(self.link_path(article, 'home')))}</loc>"]
            if article.exposes_date:
                parts.append(f"<lastmod>{_iso(article.date)}</lastmod>")
                parts.append(
                    "<news:news><news:publication>"
                    f"<news:name>{_escape(self.outlet.name)}</news:name>"
                    f"<news:language>{_escape(self.outlet.language)}</news:language>"
                    "</news:publication>"
                    f"<news:publication_date>{_iso(article.date)}</news:publication_date>"
                    f"<news:title>{_escape(article.title)}</news:title>"
                    "</news:news>")
            entries.append("<url>" + "".join(parts) + "</url>")
        return (f'<?xml version="1.0" encoding="UTF-8"?>\n'
                f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
                f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n'
                + "\n".join(entries) + "\n</urlset>\n").encode("utf-8")

    # Expectations ----------------------------------------------------------------------------------

    def expected(self, article: _Article) -> DemoPage:
        return DemoPage(
            outlet=article.outlet, slug=article.slug, url=self.canonical_url(article),
            listed_url=self.absolute(self.link_path(article, "home")), title=article.title, date=article.date,
            date_in=article.date_in, author=article.author, tags=article.tags, themes=article.themes,
            on_topic=article.on_topic, seed=article.seed, syndicated_from=article.syndicated_from,
            text="\n\n".join(article.paragraphs),
        )


# --------------------------------------------------------------------------------------------------
# HTTP
# --------------------------------------------------------------------------------------------------


class _OutletServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, site: _OutletSite):
        super().__init__(("127.0.0.1", 0), _OutletRequestHandler)
        self.site = site

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that hang up mid-response are routine for a crawler under test; stderr stays clean.
        pass


def _etag_matches(header: str, etag: str) -> bool:
    candidates = [candidate.strip() for candidate in header.split(",")]
    return any(candidate == "*" or candidate.removeprefix("W/") == etag for candidate in candidates)


def _not_modified_since(header: str, last_modified: datetime | None) -> bool:
    if last_modified is None:
        return False
    try:
        since = email.utils.parsedate_to_datetime(header)
    except (TypeError, ValueError, IndexError):
        return False
    if since is None:
        return False
    if since.tzinfo is None:
        since = since.replace(tzinfo=timezone.utc)
    return last_modified.replace(microsecond=0) <= since


class _OutletRequestHandler(BaseHTTPRequestHandler):
    server: _OutletServer
    protocol_version = "HTTP/1.1"
    server_version = "nginx"
    sys_version = ""

    def do_GET(self) -> None:
        self._answer(with_body=True)

    def do_HEAD(self) -> None:
        self._answer(with_body=False)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _resolve(self) -> "_Response":
        return self.server.site.resolve(self.path)

    def _answer(self, with_body: bool) -> None:
        response = self._resolve()
        if response.status == 200 and self._client_copy_is_fresh(response):
            self.send_response(304)
            self._send_validators(response)
            self.end_headers()
            return
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        if response.location:
            self.send_header("Location", response.location)
        if response.status == 200:
            self._send_validators(response)
        self.end_headers()
        if with_body:
            self.wfile.write(response.body)

    def _client_copy_is_fresh(self, response: _Response) -> bool:
        # RFC 9110: when If-None-Match is present, If-Modified-Since is ignored.
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:
            return _etag_matches(if_none_match, response.etag)
        if_modified_since = self.headers.get("If-Modified-Since")
        return if_modified_since is not None and _not_modified_since(if_modified_since, response.last_modified)

    def _send_validators(self, response: _Response) -> None:
        self.send_header("ETag", response.etag)
        if response.last_modified is not None:
            self.send_header("Last-Modified", _http_date(response.last_modified))


class _VirtualHostServer(ThreadingHTTPServer):
    """All outlets behind one port, told apart by host name, the way an HTTP proxy is asked for them."""
    daemon_threads = True

    def __init__(self, sites: dict[str, "_OutletSite"]):
        super().__init__(("127.0.0.1", 0), _VirtualHostRequestHandler)
        self.sites = sites

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


class _VirtualHostRequestHandler(_OutletRequestHandler):
    server: _VirtualHostServer  # type: ignore[assignment]

    def _resolve(self) -> "_Response":
        # A proxy receives absolute URIs ("GET http://host/path"); a plain client sends a Host header.
        target = urlsplit(self.path)
        host = (target.hostname or (self.headers.get("Host") or "").split(":")[0]).lower()
        site = self.server.sites.get(host)
        if site is None:
            body = f"unknown demo host {host!r}".encode()
            return _Response(404, "text/plain; charset=utf-8", body)
        path = target.path or "/"
        if target.query:
            path += "?" + target.query
        return site.resolve(path if target.scheme else self.path)


# --------------------------------------------------------------------------------------------------
# The demo web
# --------------------------------------------------------------------------------------------------


class DemoWeb:
    """All fictional outlets, each on its own local port.

    >>> with DemoWeb() as web:
    ...     sources = web.sources_toml()       # hand this to the crawler
    ...     truth = web.expected_articles()    # what it should bring back
    """

    def __init__(self, site_dir: Path | str | None = None, *, virtual_hosts: bool = False):
        """With ``virtual_hosts``, every outlet keeps the same address on every start
        (``http://<key>.demo.test/``) and one server on a free port answers for all of them as an HTTP proxy
        (:attr:`proxy_url`); stable addresses let a second crawl recognise what it already stored."""
        self.site_dir = Path(site_dir) if site_dir is not None else DEFAULT_SITE_DIR
        self.virtual_hosts = virtual_hosts
        self.proxy_url: str | None = None
        self.outlets = _load_outlets(self.site_dir / "outlets.toml")
        articles = _load_articles(self.site_dir, self.outlets)
        self._sites = {outlet.key: _OutletSite(outlet, articles[outlet.key]) for outlet in self.outlets}
        self._servers: list[tuple[_OutletServer, threading.Thread]] = []

    @property
    def running(self) -> bool:
        return bool(self._servers)

    def start(self) -> "DemoWeb":
        if self._servers:
            raise RuntimeError("the demo web is already running")
        try:
            if self.virtual_hosts:
                self._start_virtual_hosts()
                return self
            for outlet in self.outlets:
                site = self._sites[outlet.key]
                server = _OutletServer(site)
                host, port = server.server_address[:2]
                site.build(f"http://{host}:{port}")
                outlet.base_url = f"http://{host}:{port}/"
                thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                                          name=f"demo-web-{outlet.key}", daemon=True)
                thread.start()
                self._servers.append((server, thread))
        except BaseException:
            self.stop()
            raise
        return self

    def _start_virtual_hosts(self) -> None:
        hosts = {}
        for outlet in self.outlets:
            host = f"{outlet.key}.demo.test"
            self._sites[outlet.key].build(f"http://{host}")
            outlet.base_url = f"http://{host}/"
            hosts[host] = self._sites[outlet.key]
        server = _VirtualHostServer(hosts)
        host, port = server.server_address[:2]
        self.proxy_url = f"http://{host}:{port}"
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                                  name="demo-web-virtual-hosts", daemon=True)
        thread.start()
        self._servers.append((server, thread))

    def stop(self) -> None:
        self.proxy_url = None
        servers, self._servers = self._servers, []
        for server, thread in servers:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)
        for outlet in self.outlets:
            outlet.base_url = None

    def __enter__(self) -> "DemoWeb":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _require_running(self) -> None:
        if not self._servers:
            raise RuntimeError("start the demo web first: its URLs depend on the ports it gets")

    def outlet(self, key: str) -> DemoOutlet:
        for outlet in self.outlets:
            if outlet.key == key:
                return outlet
        raise KeyError(key)

    def sources_toml(self) -> str:
        """A sources file for the crawler, valid only while this demo web is running."""
        self._require_running()
        blocks = ["# Sources of the demo web" + (f", reached through the proxy {self.proxy_url}.\n" if self.virtual_hosts
                                              else "; its ports change on every start.\n")]
        for outlet in self.outlets:
            blocks.append("\n".join([
                "[[outlet]]",
                f"key = {toml_string(outlet.key)}",
                f"name = {toml_string(outlet.name)}",
                f"homepage = {toml_string(outlet.homepage or '')}",
                f"country = {toml_string(outlet.country)}",
                f"languages = [{toml_string(outlet.language)}]",
                f"type = {toml_string(outlet.type)}",
                f"reach = {outlet.reach}",
                f"feeds = [{toml_string(outlet.feed_url or '')}]",
                f"sitemaps = [{toml_string(outlet.sitemap_url or '')}]",
            ]) + "\n")
        return "\n".join(blocks)

    def expected_articles(self) -> list[DemoPage]:
        """One entry per article file, newest first within each outlet, outlets in outlets.toml order."""
        self._require_running()
        return [site.expected(article) for site in self._sites.values() for article in site.articles]

    def article_count(self, outlet_key: str | None = None) -> int:
        sites: Iterable[_OutletSite] = (self._sites.values() if outlet_key is None
                                        else [self._sites[outlet_key]])
        return sum(len(site.articles) for site in sites)


def main(argv: list[str] | None = None) -> None:
    """Serve the demo web until interrupted, optionally writing the matching sources file."""
    parser = argparse.ArgumentParser(prog="python -m advocacy.demo.web", description=main.__doc__)
    parser.add_argument("--site-dir", type=Path, default=None, help="folder holding outlets.toml")
    parser.add_argument("--sources", type=Path, default=None, help="write the sources file here")
    args = parser.parse_args(argv)
    with DemoWeb(args.site_dir) as web:
        if args.sources:
            args.sources.write_text(web.sources_toml(), encoding="utf-8")
        for outlet in web.outlets:
            print(f"{outlet.key:24} {outlet.base_url}", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
