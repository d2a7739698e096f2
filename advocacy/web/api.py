"""The REST API under /api: search, articles, theme corrections, saved searches and sources here; figures
and briefs in :mod:`advocacy.web.api_reports`; tokens and users in :mod:`advocacy.web.api_accounts`.

Every route needs a signed-in user (a viewer at least) and calls the same library functions as the
matching ``advocacy`` command, so the web and the command line always agree.
"""
from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Path, Query, Request, Response

from advocacy.web import api_accounts, api_reports
from advocacy.web.context import Analyst, Viewer, encoder_of, opened_store, search_filters, settings_of
from advocacy.web.errors import Conflict, InvalidInput, NotFound
from advocacy.web.schemas import (ArticleOut, CorrectionIn, CorrectionOut, Facets, Mode, SavedSearchIn, SavedSearchOut,
                                  SearchOut, SimilarOut, SourceOut, errors)

router = APIRouter(prefix="/api")
FACETS = ("theme", "outlet", "language", "country")
ArticleId = Path(max_length=64, description="An article id, as search results give it.")


@router.get("/search", response_model=SearchOut, responses=errors(400, 503), tags=["search"])
def search(request: Request, user: Viewer,
           q: str = Query("", max_length=2000, description="A query as in `advocacy search`, e.g. "
                                                           "theme:health AND (réfugiés OR refugees)."),
           theme: list[str] = Query([]), lang: list[str] = Query([]), outlet: list[str] = Query([]),
           country: list[str] = Query([]), since: date | None = None, until: date | None = None,
           mode: Mode | None = Query(None, description="Default: web.search_mode."),
           limit: int = Query(10, ge=1, le=100), offset: int = Query(0, ge=0, le=10_000),
           facets: bool = Query(True, description="Also count the matches per theme, outlet, language and country.")):
    """Ranked articles with snippets, where the matched words are in them, and the best passage; a malformed
    query is a 400 saying where."""
    from advocacy.pipeline import run_search

    settings = settings_of(request)
    mode = mode or settings.get("web", "search_mode")
    filters = search_filters(theme, lang, outlet, country, since, until)
    counts = None
    with opened_store(request) as store:
        result = run_search(settings, q, filters=filters, mode=mode, limit=limit, offset=offset,
                            encoder=encoder_of(request), store=store)
        if facets:
            counts = Facets(**{name: store.facets(name, query=q, filters=filters) for name in FACETS})
    return SearchOut(query=q, mode=mode, total=result.total, limit=limit, offset=offset,
                     hits=result.hits, facets=counts)


def _indexed(request: Request, article_id: str):
    with opened_store(request) as store:
        article = store.get(article_id)
    if article is None:
        raise NotFound(f"no indexed article with id {article_id!r}; ids come from /api/search")
    return article


@router.get("/articles/{article_id}", response_model=ArticleOut, responses=errors(404, 503), tags=["articles"])
def article(request: Request, user: Viewer, article_id: str = ArticleId):
    """One article: text, themes with scores and reasons, entities, figures, quotes, the outlets that carried
    it, its archived copy, and when it was published and retrieved."""
    return _indexed(request, article_id)


@router.get("/articles/{article_id}/similar", response_model=SimilarOut, responses=errors(404, 503),
            tags=["articles"])
def similar(request: Request, user: Viewer, article_id: str = ArticleId, limit: int = Query(10, ge=1, le=50)):
    """The articles most like this one, by the meaning of their passages."""
    _indexed(request, article_id)
    with opened_store(request) as store:
        result = store.more_like_this(article_id, limit=limit)
    return SimilarOut(article=article_id, hits=result.hits)


@router.post("/articles/{article_id}/themes/{theme}", response_model=CorrectionOut,
             responses=errors(400, 404, 409, 503), tags=["articles"])
def correct_theme(request: Request, body: CorrectionIn, user: Analyst, article_id: str = ArticleId,
                  theme: str = Path(max_length=64)):
    """Say whether the article is about the theme, as `advocacy tags correct` does: the verdict is kept
    forever and wins over the tagger. Analysts and admins only."""
    from advocacy.nlp import load_taxonomy
    from advocacy.pipeline import Workspace, run_correct

    settings = settings_of(request)
    known = [t.key for t in load_taxonomy(settings.path_or_none("nlp", "themes_file"))]
    if theme not in known:
        raise InvalidInput(f"unknown theme {theme!r}; known themes: {', '.join(known)}")
    workspace = Workspace(settings.data_dir)
    in_ledger = False
    if workspace.ledger_path.exists():
        with workspace.ledger() as ledger:
            in_ledger = ledger.get(article_id) is not None
    if not in_ledger:
        _indexed(request, article_id)
        raise Conflict(f"article {article_id} is in the index but not in the ledger of {settings.data_dir}, "
                       "where corrections are kept; correct it where it was collected")
    # Who said so is kept beside why, so that a team can tell its members' corrections apart.
    note = f"{body.note.strip()} [by {user.username}]".strip()
    # run_correct loads the tagger's models for each correction; one at a time keeps memory bounded.
    with request.app.state.corrections_lock:
        result = run_correct(settings, article_id, theme, body.verdict == "yes", note=note)
    return CorrectionOut(article=result["article"], theme=theme, verdict=body.verdict, applied=result["applied"],
                         themes=result.get("themes"))


# -- saved searches ----------------------------------------------------------------------------------------

def _saved_out(request: Request, search) -> SavedSearchOut:
    from advocacy.alerts import feed_url

    return SavedSearchOut(name=search.name, query=search.query, mode=search.mode, emails=search.emails,
                          created_at=search.created_at, delivered_until=search.delivered_until,
                          last_run=search.last_run, last_error=search.last_error,
                          feed_url=feed_url(settings_of(request), search.name), feed_entries=len(search.recent))


@router.get("/saved-searches", response_model=list[SavedSearchOut], responses=errors(503), tags=["saved searches"])
def saved_searches(request: Request, user: Viewer):
    """The saved searches, with how far their alerts have been delivered."""
    with opened_store(request) as store:
        found = store.saved_searches()
    return [_saved_out(request, search) for search in found]


@router.post("/saved-searches", response_model=SavedSearchOut, status_code=201,
             responses=errors(400, 409, 503), tags=["saved searches"])
def save_search(request: Request, body: SavedSearchIn, user: Analyst):
    """Save a search under a name, as `advocacy alerts add` does. Analysts and admins only."""
    from advocacy.alerts import add_alert, list_alerts

    settings = settings_of(request)
    if any(search.name == body.name for search in list_alerts(settings)):
        raise Conflict(f"a saved search named {body.name!r} exists already; delete it first or choose another name")
    return _saved_out(request, add_alert(settings, body.name, body.query, mode=body.mode, emails=body.emails))


@router.delete("/saved-searches/{name}", status_code=204, responses=errors(404, 503), tags=["saved searches"])
def delete_saved_search(request: Request, user: Analyst, name: str = Path(max_length=64)):
    """Forget a saved search and delete its feed. Analysts and admins only."""
    from advocacy.alerts import list_alerts, remove_alert

    settings = settings_of(request)
    if not any(search.name == name for search in list_alerts(settings)):
        raise NotFound(f"no saved search named {name!r}")
    remove_alert(settings, name)
    return Response(status_code=204)


# -- sources ---------------------------------------------------------------------------------------------

def _endpoint_state(seen: dict | None) -> str:
    if seen is None:
        return "never polled"
    return "failing" if seen.get("failures") else "ok"


def _health(states: list[str]) -> str:
    polled = [state for state in states if state != "never polled"]
    if not polled:
        return "unknown"
    if all(state == "failing" for state in polled):
        return "failing"
    return "warning" if "failing" in polled else "ok"


@router.get("/sources", response_model=list[SourceOut], responses=errors(503), tags=["sources"])
def sources(request: Request, user: Viewer):
    """The outlets followed, each feed and sitemap with what past crawls saw of it (`advocacy sources
    check` asks them afresh)."""
    from advocacy.crawler import load_sources
    from advocacy.pipeline import Workspace

    settings = settings_of(request)
    outlets = load_sources(settings.path_or_none("sources", "file"))
    workspace = Workspace(settings.data_dir)
    history: dict[str, dict] = {}
    if workspace.ledger_path.exists():
        with workspace.ledger() as ledger:
            history = {row["url"]: row for row in ledger.endpoints()}
    found = []
    for outlet in outlets:
        endpoints = [{**(history.get(url) or {}), "url": url, "kind": kind, "state": _endpoint_state(history.get(url))}
                     for kind, urls in (("feed", outlet.feeds), ("sitemap", outlet.sitemaps)) for url in urls]
        found.append(SourceOut(key=outlet.key, name=outlet.name, homepage=outlet.homepage, country=outlet.country,
                               languages=list(outlet.languages), type=outlet.type, reach=outlet.reach,
                               verified=outlet.verified, health=_health([e["state"] for e in endpoints]),
                               endpoints=endpoints))
    return found


router.include_router(api_reports.router)
router.include_router(api_accounts.router)
