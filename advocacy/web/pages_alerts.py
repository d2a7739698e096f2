"""Saved searches and their alerts: list them with their feeds; analysts create, delete and run them
(as `advocacy alerts add`, `remove` and `run`)."""
from __future__ import annotations

import re

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import FileResponse

from advocacy.web.context import Analyst, Viewer, encoder_of, settings_of
from advocacy.web.errors import Conflict, NotFound
from advocacy.web.i18n import language_of, translator
from advocacy.web.pages import error_text, protect, redirect, render, validation_text

router = APIRouter(include_in_schema=False)
_ADDRESSES = re.compile(r"[\s,;]+")


def _alerts_page(request: Request, *, error: str = "", status: int = 200, form: dict | None = None,
                 outcome=None, previewed: bool = False):
    from advocacy.alerts import feed_path, feed_url, list_alerts

    settings = settings_of(request)
    searches = [{"search": search, "feed_url": feed_url(settings, search.name),
                 "has_feed": feed_path(settings, search.name).exists()} for search in list_alerts(settings)]
    return render(request, "alerts.html", status=status, section="alerts", searches=searches, error=error,
                  form=form or {"name": "", "query": request.query_params.get("q", "")[:2000], "mode": "keyword",
                                "emails": ""},
                  outcome=outcome, previewed=previewed,
                  mail_configured=bool(settings.get("alerts", "smtp_host").strip()))


@router.get("/alerts")
def alerts_page(request: Request, user: Viewer):
    return _alerts_page(request)


@router.post("/alerts")
def create_alert(request: Request, user: Analyst, name: str = Form("", max_length=200),
                 query: str = Form("", max_length=4000), mode: str = Form("keyword", max_length=20),
                 emails: str = Form("", max_length=5000)):
    """Save a search through the API's own route, so its checks (name, query, addresses) are the same."""
    from pydantic import ValidationError

    from advocacy.index import QueryError, SavedSearchError
    from advocacy.web import api
    from advocacy.web.schemas import SavedSearchIn

    form = {"name": name, "query": query, "mode": mode, "emails": emails}
    t = translator(language_of(request))
    if not query.strip():
        return _alerts_page(request, error=t("alerts.query_needed"), status=400, form=form)
    try:
        body = SavedSearchIn(name=name.strip(), query=query, mode=mode,
                             emails=[address for address in _ADDRESSES.split(emails) if address])
        api.save_search(request, body, user)
    except ValidationError as exc:
        return _alerts_page(request, error=validation_text(exc), status=400, form=form)
    except (QueryError, SavedSearchError) as exc:
        return _alerts_page(request, error=error_text(exc), status=400, form=form)
    except Conflict as exc:
        return _alerts_page(request, error=error_text(exc), status=409, form=form)
    return redirect("/alerts", notice="alert_saved")


@router.post("/alerts/{name}/delete")
def delete_alert(request: Request, user: Analyst, name: str = Path(max_length=64)):
    from advocacy.web import api

    try:
        api.delete_saved_search(request, user, name)
    except NotFound as exc:
        return _alerts_page(request, error=error_text(exc), status=404)
    return redirect("/alerts", notice="alert_deleted")


@router.post("/alerts/{name}/run")
def run_alert(request: Request, user: Analyst, name: str = Path(max_length=64), preview: str = Form("")):
    """Find what is new now. A preview sends and marks nothing; a run delivers the digest and feed as
    `advocacy alerts run NAME` does, and the next run starts after it."""
    from advocacy.alerts import run_alerts
    from advocacy.index import SavedSearchError

    dry_run = bool(preview)
    try:
        outcomes = run_alerts(settings_of(request), name, dry_run=dry_run, encoder=encoder_of(request))
    except SavedSearchError as exc:
        return _alerts_page(request, error=error_text(exc), status=404)
    return _alerts_page(request, outcome=outcomes[0] if outcomes else None, previewed=dry_run)


@router.get("/alerts/{name}/feed.xml")
def alert_feed(request: Request, user: Viewer, name: str = Path(max_length=64)):
    """The saved search's Atom feed as the last run wrote it."""
    from advocacy.alerts import feed_path, list_alerts

    t = translator(language_of(request))
    settings = settings_of(request)
    # Only names of saved searches: the name becomes part of a file path.
    if not any(search.name == name for search in list_alerts(settings)):
        raise NotFound(t("alerts.unknown", name=name))
    path = feed_path(settings, name)
    if not path.exists():
        raise NotFound(t("alerts.no_feed_yet"))
    return protect(FileResponse(path, media_type="application/atom+xml", filename=f"{name}.xml",
                                content_disposition_type="inline"))
