"""The HTML pages: what they share (rendering, the search selection read from a page's address, links),
and :func:`install`, which mounts them and their static files on the app.

Each concern has its own module: sign-in and language (:mod:`pages_auth`), search and articles
(:mod:`pages_search`), the dashboard (:mod:`pages_dashboard`), alerts (:mod:`pages_alerts`), briefs and the
evidence basket (:mod:`pages_briefs`), sources (:mod:`pages_sources`) and users (:mod:`pages_users`).
Every change a page makes goes through the same function as the matching API route or command, so the
browser, the API and the command line always agree.

Templates are rendered with autoescaping on; anything marked up from data (highlighted snippets) is
escaped first and marked up after. Pages forbid inline scripts and styles (Content-Security-Policy), so a
string that slipped through would still not run.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from markupsafe import Markup, escape

from advocacy.web.auth import csrf_token, current_user
from advocacy.web.context import settings_of
from advocacy.web.i18n import language_of, translator

PAGE_TEMPLATES = Path(__file__).with_name("page_templates")
STATIC = Path(__file__).with_name("static")
RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur"})
MAX_QUERY = 2000
MAX_VALUES = 20        # values of one filter; more is no longer a person choosing
MAX_PAGE = 500
SEARCH_MODES = ("keyword", "semantic", "hybrid")
PERIODS = ("day", "week", "month")
# Notices are named, never passed as text: a crafted link cannot make a page say something it did not.
NOTICES = ("corrected", "basket_added", "basket_removed", "alert_saved", "alert_deleted", "source_added",
           "user_added", "user_changed", "user_removed")

SECTION_PAGES = {"search": "/search", "dashboard": "/dashboard", "alerts": "/alerts", "briefs": "/briefs",
                 "sources": "/sources", "users": "/admin/users"}

CONTENT_SECURITY_POLICY = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                           "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def install(app) -> None:
    """Mount the pages and /static on ``app``; called by create_app."""
    from fastapi.staticfiles import StaticFiles

    from advocacy.config import ConfigError
    from advocacy.web import (pages_alerts, pages_auth, pages_briefs, pages_dashboard, pages_search, pages_sources,
                              pages_users)
    from advocacy.web.basket import Basket
    from advocacy.web.i18n import check_language

    check_language(app.state.settings.get("web", "language"), "web.language")
    silent = app.state.settings.get("web", "silent_feed_days")
    if silent < 1:
        raise ConfigError(f"web.silent_feed_days must be 1 or more, not {silent}")
    app.state.pages = environment()
    app.state.basket = Basket(app.state.accounts.path)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (pages_auth, pages_search, pages_dashboard, pages_alerts, pages_briefs, pages_sources, pages_users):
        app.include_router(module.router)


def environment():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(loader=FileSystemLoader(PAGE_TEMPLATES), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update(marked=marked, web_link=web_link, day=day, direction=direction, percent=percent,
                       number=number)
    return env


# -- filters ---------------------------------------------------------------------------------------------

def marked(snippet: str | None, highlights=()) -> Markup:
    """A snippet as HTML, each of its ``highlights`` ((start, end) offsets, as hits give them) in ``<mark>``.
    Every piece of the text is escaped on its own, so nothing of the text itself can become markup."""
    from advocacy.index.highlight import Highlighted

    return Markup("".join(f"<mark>{escape(piece)}</mark>" if matched else str(escape(piece))
                          for piece, matched in Highlighted(snippet or "", tuple(highlights or ())).pieces()))


def web_link(url: str | None) -> str | None:
    """``url`` when it is an http(s) address a link may point to, else None (javascript:, data:, relative…)."""
    text = (url or "").strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or any(c in text for c in "\x00\r\n\t "):
        return None
    return text


def day(moment: str | None) -> str:
    """The date part of an ISO date-time ("" when there is none); dates are written the same in every language."""
    return (moment or "")[:10]


def direction(language: str | None) -> str:
    return "rtl" if (language or "").lower()[:2] in RTL_LANGUAGES else "ltr"


def percent(value) -> str:
    return f"{value:.1%}" if isinstance(value, (int, float)) and not isinstance(value, bool) else "—"


def number(value) -> str:
    if isinstance(value, bool) or value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


# -- rendering -------------------------------------------------------------------------------------------

def protect(response):
    """Headers every page carries: not kept by caches (pages hold the organisation's work), no inline code."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return response


def render(request: Request, template: str, *, status: int = 200, section: str = "", headers: dict | None = None,
           **context) -> HTMLResponse:
    """``template`` rendered for the signed-in user in their language."""
    language = language_of(request)
    user = current_user(request)
    notice = request.query_params.get("notice", "")
    # A page shown in answer to a form has no address of its own to come back to; its section's page does.
    back = here(request) if request.method in ("GET", "HEAD") else (
        context.pop("return_to", "") or SECTION_PAGES.get(section, "/"))
    context.pop("return_to", None)
    page = request.app.state.pages.get_template(template).render(
        t=translator(language), lang=language, user=user, csrf_token=csrf_token(request), section=section,
        path=request.url.path, here=back, notice=notice if notice in NOTICES else "",
        is_analyst=bool(user and user.has_role("analyst")), is_admin=bool(user and user.has_role("admin")),
        **context)
    return protect(HTMLResponse(page, status_code=status, headers=headers))


def here(request: Request) -> str:
    """This page's path and query, to come back to after a form elsewhere (``notice`` left out)."""
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "notice"]
    return request.url.path + (f"?{urlencode(query)}" if query else "")


def redirect(target: str, *, notice: str = "") -> RedirectResponse:
    """303 to ``target`` (a path on this site), with a named notice for the page to show."""
    if notice:
        target += ("&" if "?" in target else "?") + urlencode({"notice": notice})
    return RedirectResponse(target, status_code=303)


def error_text(exc: BaseException) -> str:
    """What a page says of a refused request: the error's own explanation (a query's shows where)."""
    explain = getattr(exc, "explain", None)
    return explain() if callable(explain) else str(exc)


def validation_text(exc) -> str:
    """A pydantic ValidationError in one line: which field, what is wrong."""
    return "; ".join(f"{'.'.join(str(p) for p in error.get('loc', ())) or 'value'}: {error.get('msg', 'invalid')}"
                     for error in exc.errors())


# -- what a page searches ------------------------------------------------------------------------------

@dataclass
class Selection:
    """The query, filters, period and page a search or dashboard address names. Read leniently: a value
    that cannot be used is left out and said (``problems``), so an odd address still shows a page."""
    q: str = ""
    themes: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    outlets: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    since: date | None = None
    until: date | None = None
    mode: str = "hybrid"
    page: int = 1
    by: str = "week"
    problems: list[str] = field(default_factory=list)

    @classmethod
    def read(cls, request: Request, t) -> "Selection":
        params = request.query_params
        found = cls(mode=settings_of(request).get("web", "search_mode"))
        found.q = params.get("q", "").replace("\x00", "").strip()
        if len(found.q) > MAX_QUERY:
            found.problems.append(t("problem.query_too_long", limit=MAX_QUERY))
            found.q = ""
        for name, attribute in (("theme", "themes"), ("lang", "languages"), ("outlet", "outlets"),
                                ("country", "countries")):
            values = [v.strip()[:100] for v in params.getlist(name) if v.strip() and "\x00" not in v]
            setattr(found, attribute, list(dict.fromkeys(values))[:MAX_VALUES])
        for name in ("since", "until"):
            text = params.get(name, "").strip()
            if text:
                try:
                    setattr(found, name, date.fromisoformat(text))
                except ValueError:
                    found.problems.append(t("problem.date", value=text[:40]))
        if found.since and found.until and found.since > found.until:
            found.problems.append(t("problem.period"))
        mode = params.get("mode", "").strip()
        if mode in SEARCH_MODES:
            found.mode = mode
        elif mode:
            found.problems.append(t("problem.mode", value=mode[:40]))
        by = params.get("by", "").strip()
        if by in PERIODS:
            found.by = by
        page = params.get("page", "").strip()
        if page:
            found.page = int(page) if page.isdigit() and len(page) < 6 else 1
            found.page = min(max(found.page, 1), MAX_PAGE)
        return found

    def filters(self):
        from advocacy.web.context import search_filters

        return search_filters(self.themes, self.languages, self.outlets, self.countries, self.since, self.until)

    def params(self) -> list[tuple[str, str]]:
        pairs = [("q", self.q)] if self.q else []
        for name, values in (("theme", self.themes), ("lang", self.languages), ("outlet", self.outlets),
                             ("country", self.countries)):
            pairs += [(name, value) for value in values]
        pairs += [(name, value.isoformat()) for name, value in (("since", self.since), ("until", self.until)) if value]
        pairs.append(("mode", self.mode))
        if self.by != "week":
            pairs.append(("by", self.by))
        if self.page > 1:
            pairs.append(("page", str(self.page)))
        return pairs

    def link(self, path: str, **changes) -> str:
        """The address of ``path`` for this selection with ``changes`` (keyword: attribute name)."""
        changed = replace(self, problems=[], **changes)
        query = urlencode(changed.params())
        return path + (f"?{query}" if query else "")

    def toggled(self, path: str, attribute: str, value: str) -> str:
        """The address with ``value`` added to or taken from a filter, back on the first page."""
        values = list(getattr(self, attribute))
        values = [v for v in values if v != value] if value in values else values + [value]
        return self.link(path, page=1, **{attribute: values})


# -- names shown for keys ------------------------------------------------------------------------------

def theme_labels(settings, language: str) -> dict[str, str]:
    """Theme key → its label in ``language`` (the taxonomy's own translations)."""
    from advocacy.nlp import NlpError, load_taxonomy

    try:
        return {t.key: t.label_in(language) for t in load_taxonomy(settings.path_or_none("nlp", "themes_file"))}
    except (NlpError, OSError):
        return {}


def outlet_names(settings) -> dict[str, str]:
    """Outlet key → display name from the sources file; empty when that file cannot be read (a page that
    only names outlets shows their keys rather than failing)."""
    from advocacy.crawler import load_sources
    from advocacy.crawler.errors import CrawlerError

    try:
        return {o.key: o.name for o in load_sources(settings.path_or_none("sources", "file"))}
    except (CrawlerError, OSError):
        return {}
