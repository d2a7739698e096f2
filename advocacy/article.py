"""The Article record: the one language every stage speaks.

A story enters as ``stage="collected"`` (crawler), becomes ``"enriched"`` (nlp) and then ``"indexed"``
(index). Each stage fills in its own fields and leaves the others alone; no stage defines another record.

Fields, by the stage that fills them
------------------------------------
Identity (crawler)
    id                   32 hex characters: SHA-256 of the normalised URL (see :func:`normalise_url`).
                         The same story fetched through a feed, a sitemap or a link gets the same id.
    url                  The URL the story was fetched from, as found (after redirects).
    canonical_url        The page's own ``<link rel="canonical">`` or ``og:url`` when present, else ``url``.
    outlet               Key of the outlet in the sources file (``sahel-observer``), never a display name.
    outlet_name          The outlet's display name, copied from the sources file at fetch time.
    country              ISO 3166-1 alpha-2 code of the outlet's country (``MA``, ``ML``), if known.
    discovered_via       How the URL was found: ``feed``, ``sitemap`` or ``crawl``.
Content (crawler)
    title                Headline, as extracted.
    text                 Main text, paragraphs separated by blank lines; boilerplate removed.
    authors              Bylines, as a list of names (may be empty).
    published_at         ISO 8601 date-time (UTC) of publication, or ``None`` when no trustworthy date exists.
    published_at_source  Where that date came from: ``page-metadata``, ``feed``, ``sitemap``, ``url`` or
                         ``none``. Dates more than a day in the future are dropped, not trusted.
    fetched_at           ISO 8601 date-time (UTC) of the fetch.
    language             ISO 639-1 code (``en``, ``fr``, ``ar``) detected from the text itself.
    content_hash         SHA-256 (hex) of the normalised text: equal hashes mean the same story text.
    relevance            The crawler's refugees/migrants relevance filter: ``{"score", "terms", "relevant"}``.
    archive              Where the raw response is kept: ``{"file": "crawl-….warc.gz", "offset": N}``,
                         relative to the archive directory. Re-extraction reads it; nothing is refetched.
    duplicates           URLs of copies of this story found elsewhere (syndication, URL variants).
    carried_by           Keys of the other outlets that published this story (syndication), so exposure
                         counts credit every outlet that carried it.
Enrichment (nlp)
    themes               One :class:`ThemeScore` per theme above the threshold, best first: calibrated
                         score in [0, 1], subthemes and the reason (matched terms, decisive passages).
                         Analysts' corrections win over the tagger: a confirmed theme stays (confirmed=True),
                         a rejected one is left out, whatever a later re-enrichment computes.
    entities             :class:`Entity` list: organisations, places and people under one canonical id.
    passages             :class:`Passage` list: the text cut into retrievable pieces with character offsets.
                         Their embeddings travel beside the record (see ``Ledger``), not inside it.
    figures              :class:`Figure` list: key figures with value, unit and sentence, verbatim from ``text``.
    quotes               :class:`Quote` list: quotations with their speaker and sentence, verbatim from ``text``.
Pipeline
    stage                ``collected`` → ``enriched`` → ``indexed``. A stage picks up the records that are
                         behind it; redoing a stage rewrites its own fields only.
"""
from __future__ import annotations

import dataclasses
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

STAGES = ("collected", "enriched", "indexed")

# Query parameters that identify a campaign, a visitor or a page format, never a different story.
_TRACKING_PARAMS = re.compile(r"^(utm_\w+|fbclid|gclid|mc_cid|mc_eid|ref|xtor|at_\w+|_ga|amp|outputtype|"
                              r"output_type)$", re.I)
# Host prefixes of mobile and AMP editions that serve the same stories as the main site.
_EDITION_HOST = re.compile(r"^(?:www|m|mobile|amp)\.", re.I)
# AMP editions put "amp" as a path segment (/amp/2024/story, /2024/story/amp) or suffix (story.amp.html).
_AMP_SEGMENT = re.compile(r"(?:(?<=/)amp(?=/|$)|\.amp(?=\.html?$))", re.I)


def normalise_url(url: str) -> str:
    """Return the form of ``url`` used for identity: lower-case scheme and host without www/m/amp prefixes,
    no default port, no fragment, no tracking or format parameters, no AMP path segment, sorted query, no
    trailing slash except for the root."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = _EDITION_HOST.sub("", (parts.hostname or "").lower())
    port = parts.port
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    path = re.sub(r"/{2,}", "/", _AMP_SEGMENT.sub("", parts.path or "/"))
    if len(path) > 1:
        path = path.rstrip("/")
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                             if not _TRACKING_PARAMS.match(k)))
    # http and https serve the same story on almost every news site.
    if scheme == "https":
        scheme = "http"
    return urlunsplit((scheme, host, path, query, ""))


def article_id(url: str) -> str:
    """Stable id of the story behind ``url``: 32 hex characters of SHA-256 of the normalised URL."""
    return hashlib.sha256(normalise_url(url).encode("utf-8")).hexdigest()[:32]


def normalise_text(text: str) -> str:
    """Text as compared for identity: NFKC, case-folded, whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def content_hash(text: str) -> str:
    return hashlib.sha256(normalise_text(text).encode("utf-8")).hexdigest()


@dataclass
class Passage:
    """A retrievable piece of an article's text; ``start``/``end`` are character offsets into ``text``."""
    index: int
    text: str
    start: int
    end: int


@dataclass
class ThemeScore:
    """A theme assigned to an article, with the evidence that made the tagger assign it."""
    theme: str
    score: float
    subthemes: dict[str, float] = field(default_factory=dict)
    matched_terms: dict[str, int] = field(default_factory=dict)
    passages: list[int] = field(default_factory=list)  # indexes into Article.passages
    reason: str = ""
    confirmed: bool = False                            # an analyst confirmed it (`advocacy tags correct`)


@dataclass
class Entity:
    """An organisation, place or person, under one canonical id whatever the language of the mention."""
    id: str                       # canonical id, e.g. "org:unhcr", "place:oujda"
    name: str                     # canonical display name
    type: str                     # "organisation" | "place" | "person" | "population"
    mentions: list[str] = field(default_factory=list)  # surface forms as written in the article
    count: int = 0


@dataclass
class Figure:
    """A figure as written (``text == article_text[start:end]``), with the value and unit it stands for.

    ``value`` is the number with its scale applied ("2,5 millions" is 2500000.0); a percentage keeps its
    number (35.0) with unit "%". ``unit`` is an ISO 4217 code for money ("USD", "EUR", "MAD", "XOF"), "%",
    an English plural for counted people and things ("migrants", "refugees", "children", "beds") whatever
    the article's language, or "" when the number stands alone.
    """
    text: str
    value: float
    unit: str
    sentence: str
    start: int
    end: int


@dataclass
class Quote:
    """A quotation as written (``text == article_text[start:end]``, marks excluded) and who said it.

    ``speaker`` is written as in the article ("Dr Abdellah Amzil", "the provincial health delegate",
    "Amina Tazi, a lawyer"), "" when the article does not say. ``sentence`` is the sentence, or the run of
    sentences, holding the quote and its attribution, verbatim.
    """
    text: str
    speaker: str
    sentence: str
    start: int
    end: int


@dataclass
class Article:
    id: str
    url: str
    outlet: str
    title: str = ""
    text: str = ""
    canonical_url: str = ""
    outlet_name: str = ""
    country: str = ""
    discovered_via: str = ""
    authors: list[str] = field(default_factory=list)
    published_at: str | None = None
    published_at_source: str = "none"
    fetched_at: str = ""
    language: str = ""
    content_hash: str = ""
    relevance: dict[str, Any] = field(default_factory=dict)
    archive: dict[str, Any] = field(default_factory=dict)
    duplicates: list[str] = field(default_factory=list)
    carried_by: list[str] = field(default_factory=list)
    themes: list[ThemeScore] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    stage: str = "collected"

    def __post_init__(self) -> None:
        if self.stage not in STAGES:
            raise ValueError(f"unknown stage {self.stage!r}; expected one of {', '.join(STAGES)}")

    @property
    def theme_names(self) -> list[str]:
        return [t.theme for t in self.themes]

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Article":
        known = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["themes"] = [ThemeScore(**t) for t in data.get("themes", [])]
        values["entities"] = [Entity(**e) for e in data.get("entities", [])]
        values["passages"] = [Passage(**p) for p in data.get("passages", [])]
        values["figures"] = [Figure(**f) for f in data.get("figures", [])]
        values["quotes"] = [Quote(**q) for q in data.get("quotes", [])]
        return cls(**values)
