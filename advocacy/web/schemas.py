"""The shapes of what the REST API sends and accepts, as pydantic models, so that /openapi.json documents
every field. The article-side models mirror :mod:`advocacy.article` and :mod:`advocacy.index.store`,
whose docstrings say more about each field."""
from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

Mode = Literal["keyword", "semantic", "hybrid"]
Role = Literal["viewer", "analyst", "admin"]
Report = Literal["attention", "share-of-voice", "outlets", "entities", "terms"]
BriefFormat = Literal["md", "html", "docx", "pdf"]


class Model(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Problem(Model):
    where: str = Field(description="The parameter or field at fault, e.g. limit or since.")
    problem: str


class ErrorOut(Model):
    """Every error the API returns."""
    error: str = Field(description="A code for programs: bad_query, invalid_request, not_signed_in, forbidden, "
                                   "not_found, conflict, too_many_attempts, bad_brief, index_unavailable, …")
    message: str = Field(description="One sentence for a person: what is wrong and what to do next.")
    position: int | None = Field(None, description="bad_query only: where in the query the problem is (0-based).")
    problems: list[Problem] | None = Field(None, description="invalid_request only: each parameter at fault.")


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` of a route: its possible errors, documented with :class:`ErrorOut`."""
    meaning = {400: "The request cannot be used as sent.", 401: "Not signed in, or the API token is unknown.",
               403: "The user's role is too low, or a cookie-signed change lacked its CSRF token.",
               404: "Not found.", 409: "Conflicts with the present state.",
               429: "Too many failed sign-ins; see Retry-After.",
               503: "The server's index, ledger or configuration is unusable."}
    return {status: {"model": ErrorOut, "description": meaning[status]} for status in (401, 403, *statuses)}


# -- search and articles ---------------------------------------------------------------------------------

class HitOut(Model):
    id: str = Field(description="The article's id (32 hex characters); GET /api/articles/{id} gives all of it.")
    score: float = Field(description="Relevance; only the order matters, scales differ between modes.")
    title: str
    url: str
    outlet: str = Field(description="The outlet's key in the sources file.")
    outlet_name: str
    language: str
    published_at: str | None = Field(description="ISO 8601 date-time, or null when no trustworthy date exists.")
    snippet: str = Field(description="An excerpt in plain text, as the outlet wrote it (whitespace collapsed, "
                                     "… where it was cut); any * or < in it is the outlet's own.")
    themes: list[str]
    passage: str = Field("", description="The passage that best answers the query.")
    passage_index: int | None = None
    highlights: list[list[int]] = Field(
        default_factory=list, description="Where the matched words are in snippet: one [start, end) pair of "
                                          "character offsets (Unicode code points) per match, in order, never "
                                          "overlapping; snippet[start:end] is the match.",
        json_schema_extra={"items": {"type": "array", "items": {"type": "integer", "minimum": 0},
                                     "minItems": 2, "maxItems": 2}})


class Facets(Model):
    """Matching articles per value, for narrowing a search down."""
    theme: dict[str, int]
    outlet: dict[str, int]
    language: dict[str, int]
    country: dict[str, int]


class SearchOut(Model):
    query: str
    mode: Mode
    total: int = Field(description="How many articles match in all.")
    limit: int
    offset: int
    hits: list[HitOut]
    facets: Facets | None = Field(None, description="Counted on the query's words and the filters.")


class SimilarOut(Model):
    article: str
    hits: list[HitOut]


class ThemeOut(Model):
    theme: str
    score: float = Field(description="Calibrated score in [0, 1].")
    subthemes: dict[str, float] = {}
    matched_terms: dict[str, int] = {}
    passages: list[int] = Field([], description="Indexes of the passages that decided the theme.")
    reason: str = Field("", description="Why the tagger assigned the theme, in words.")
    confirmed: bool = Field(False, description="An analyst confirmed it.")


class EntityOut(Model):
    id: str
    name: str
    type: str = Field(description="organisation, place, person or population.")
    mentions: list[str] = []
    count: int = 0


class FigureOut(Model):
    text: str = Field(description="The figure as written in the article.")
    value: float
    unit: str
    sentence: str


class QuoteOut(Model):
    text: str
    speaker: str = Field(description="As the article names them; empty when it does not.")
    sentence: str


class ArchiveOut(Model):
    """Where the raw page is kept, so a quote can be checked even after the page is gone."""
    file: str | None = Field(None, description="WARC file under DATA_DIR/archive.")
    offset: int | None = None


class ArticleOut(Model):
    id: str
    url: str
    canonical_url: str = ""
    title: str
    text: str
    outlet: str
    outlet_name: str = ""
    country: str = ""
    language: str = ""
    authors: list[str] = []
    published_at: str | None = None
    published_at_source: str = Field("none", description="page-metadata, feed, sitemap, url or none.")
    fetched_at: str = Field("", description="When the page was retrieved.")
    themes: list[ThemeOut] = []
    entities: list[EntityOut] = []
    figures: list[FigureOut] = []
    quotes: list[QuoteOut] = []
    carried_by: list[str] = Field([], description="Keys of the other outlets that carried this story.")
    duplicates: list[str] = Field([], description="URLs of copies of this story.")
    archive: ArchiveOut
    stage: str


class CorrectionIn(Model):
    verdict: Literal["yes", "no"] = Field(description="yes: the article is about the theme; no: it is not.")
    note: str = Field("", max_length=1000, description="Why; kept with the correction.")


class CorrectionOut(Model):
    article: str
    theme: str
    verdict: Literal["yes", "no"]
    applied: str = Field(description="\"now\", or \"when the article is enriched\".")
    themes: list[str] | None = Field(None, description="The article's themes after the correction.")


# -- figures, saved searches, briefs, sources ------------------------------------------------------------

class StatsColumn(Model):
    key: str
    heading: str


class StatsOut(Model):
    report: Report
    query: str
    summary: dict[str, Any] = Field(description="Figures about the whole report, e.g. matching.")
    columns: list[StatsColumn] = Field(description="The columns people are shown, in order.")
    rows: list[dict[str, Any]]
    notes: list[str]


class SavedSearchIn(Model):
    name: str = Field(description="Lower-case letters, digits, '-' and '_'; it names the Atom feed.",
                      max_length=64, examples=["health-oujda"])
    query: str = Field(max_length=2000, examples=["theme:health AND (Oujda OR Wajda)"])
    mode: Mode = "keyword"
    emails: list[str] = Field([], max_length=50, description="Where `advocacy alerts run` mails the digests.")


class SavedSearchOut(Model):
    name: str
    query: str
    mode: Mode
    emails: list[str]
    created_at: str
    delivered_until: str | None = Field(description="Every match indexed up to this time has been delivered.")
    last_run: str | None
    last_error: str
    feed_url: str | None = Field(description="Where the Atom feed is published, when alerts.feed_base_url is set.")
    feed_entries: int


class BriefIn(Model):
    template: str = Field(examples=["policy-paper"], description="A template name; a wrong one lists them.")
    themes: list[str] = Field([], description="Only these themes; none means all.")
    country: list[str] = Field([], description="Only outlets of these country codes, e.g. [\"MA\"].")
    since: date | None = None
    until: date | None = None
    format: BriefFormat = "md"
    title: str | None = Field(None, max_length=200)
    citations: Literal["numbered", "author-date"] | None = None
    inputs: str | None = Field(None, max_length=200_000,
                               description="Your position, arguments, asks and recommendations, as YAML text.")
    articles: list[Annotated[str, StringConstraints(max_length=64)]] = Field(
        [], max_length=100, examples=[["3fa2c1d4e5f60718293a4b5c6d7e8f90"]],
        description="Ids of articles to cite, in your order, whatever the filters: each is quoted first in the "
                    "sections and arguments whose theme or query it fits, and under \"further evidence chosen by "
                    "the author\" when it fits none. An id the index does not hold is a 400.")

    @field_validator("country", mode="before")
    @classmethod
    def _one_or_many(cls, value):
        return [value] if isinstance(value, str) else value


class EndpointOut(Model):
    url: str
    kind: Literal["feed", "sitemap"]
    state: Literal["ok", "failing", "never polled"]
    last_success: str | None = None
    last_status: str = ""
    items: int = 0
    failures: int = Field(0, description="Failures in a row.")
    newest_item: str | None = None
    next_poll: str | None = None


class SourceOut(Model):
    key: str
    name: str
    homepage: str
    country: str
    languages: list[str]
    type: str
    reach: int = Field(description="Estimated monthly readers; 0 when unknown.")
    verified: bool
    health: Literal["ok", "warning", "failing", "unknown"] = Field(
        description="From past crawls: failing when no feed or sitemap answers, warning when some fail, "
                    "unknown when none was polled yet.")
    endpoints: list[EndpointOut]


# -- accounts ---------------------------------------------------------------------------------------------

class TokenIn(Model):
    name: str = Field(max_length=64, examples=["reporting sheet"])


class TokenOut(Model):
    id: int
    name: str
    prefix: str = Field(description="The token's first characters, to recognise it.")
    created_at: str
    last_used: str | None


class NewTokenOut(TokenOut):
    token: str = Field(description="The token itself. It is shown this once and cannot be retrieved later.")


class UserOut(Model):
    username: str
    display_name: str
    role: Role
    created_at: str
    disabled: bool


class UserIn(Model):
    username: str = Field(max_length=64)
    password: str = Field(max_length=1024, description="At least 10 characters.")
    role: Role = "viewer"
    display_name: str = Field("", max_length=100)


class UserPatch(Model):
    role: Role | None = None
    display_name: str | None = Field(None, max_length=100)
    disabled: bool | None = None
    password: str | None = Field(None, max_length=1024)


class HealthOut(Model):
    status: Literal["ok"]
    version: str
