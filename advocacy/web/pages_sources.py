"""The outlets followed, with the health of their feeds; analysts add outlets (as `advocacy sources add`)."""
from __future__ import annotations

import re
import threading
from datetime import datetime, timedelta, timezone

from fastapi import APIRouter, Form, Request

from advocacy.web.context import Analyst, Viewer, settings_of
from advocacy.web.errors import InvalidInput
from advocacy.web.i18n import language_of, translator
from advocacy.web.pages import error_text, redirect, render, web_link
from advocacy.web.pages_urls import check_public_url

router = APIRouter(include_in_schema=False)
OUTLET_KEY = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
COUNTRY = re.compile(r"[A-Za-z]{2}")
LANGUAGE = re.compile(r"[a-z]{2,3}")
MAX_ADDRESSES = 20
# Two people adding an outlet at the same moment would each rewrite the file from what they read.
_writing = threading.Lock()


def _silent(newest: str | None, *, now: datetime, days: int) -> bool:
    if not newest:
        return False
    try:
        moment = datetime.fromisoformat(newest)
    except ValueError:
        return False
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return now - moment > timedelta(days=days)


def _sources_page(request: Request, user, *, form: dict | None = None, error: str = "", status: int = 200):
    from advocacy.crawler.errors import CrawlerError
    from advocacy.crawler.sources import OUTLET_TYPES
    from advocacy.web import api

    settings = settings_of(request)
    days = settings.get("web", "silent_feed_days")
    now = datetime.now(timezone.utc)
    outlets, unreadable = [], ""
    try:
        found = api.sources(request, user)
    except CrawlerError as exc:
        found, unreadable = [], str(exc)
    for outlet in found:
        endpoints = [{"endpoint": e, "link": web_link(e.url), "silent": _silent(e.newest_item, now=now, days=days)}
                     for e in outlet.endpoints]
        outlets.append({"outlet": outlet, "homepage": web_link(outlet.homepage), "endpoints": endpoints,
                        "silent": any(e["silent"] for e in endpoints)})
    target = settings.path_or_none("sources", "file")
    return render(request, "sources.html", status=status, section="sources", outlets=outlets, unreadable=unreadable,
                  error=error, sources_file=str(target) if target else "", outlet_types=OUTLET_TYPES,
                  silent_days=days,
                  form=form or {"key": "", "name": "", "homepage": "", "country": "", "languages": "",
                                "type": "national", "reach": "", "feeds": "", "sitemaps": "", "allow_private": False})


@router.get("/sources")
def sources_page(request: Request, user: Viewer):
    return _sources_page(request, user)


def _addresses(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


@router.post("/sources")
def add_source(request: Request, user: Analyst, key: str = Form("", max_length=100),
               name: str = Form("", max_length=200),
               homepage: str = Form("", max_length=2000), country: str = Form("", max_length=10),
               languages: str = Form("", max_length=100), kind: str = Form("national", alias="type", max_length=40),
               reach: str = Form("", max_length=20), feeds: str = Form("", max_length=50_000),
               sitemaps: str = Form("", max_length=50_000), allow_private: str = Form("", max_length=10)):
    """Add an outlet to the configured sources file through the same functions as `advocacy sources add`,
    after checking that none of its addresses leads inside the server's network."""
    from advocacy.crawler.errors import SourcesError
    from advocacy.crawler.sources import OUTLET_TYPES, add_outlet, outlet_block

    t = translator(language_of(request))
    # Only an admin may let the crawler reach private addresses, whatever the form sent.
    private = bool(allow_private) and user.has_role("admin")
    form = {"key": key, "name": name, "homepage": homepage, "country": country, "languages": languages, "type": kind,
            "reach": reach, "feeds": feeds, "sitemaps": sitemaps, "allow_private": private}
    target = settings_of(request).path_or_none("sources", "file")
    try:
        if target is None:
            raise InvalidInput(t("sources.no_file"))
        key = key.strip()
        if not OUTLET_KEY.fullmatch(key):
            raise InvalidInput(t("sources.bad_key"))
        if country.strip() and not COUNTRY.fullmatch(country.strip()):
            raise InvalidInput(t("sources.bad_country"))
        codes = [code.strip().lower() for code in re.split(r"[,;\s]+", languages) if code.strip()]
        if any(not LANGUAGE.fullmatch(code) for code in codes):
            raise InvalidInput(t("sources.bad_languages"))
        if kind not in OUTLET_TYPES:
            raise InvalidInput(t("sources.bad_type", types=", ".join(OUTLET_TYPES)))
        if reach.strip() and not (reach.strip().isdigit() and len(reach.strip()) < 13):
            raise InvalidInput(t("sources.bad_reach"))
        feed_list, sitemap_list = _addresses(feeds), _addresses(sitemaps)
        if len(feed_list) > MAX_ADDRESSES or len(sitemap_list) > MAX_ADDRESSES:
            raise InvalidInput(t("sources.too_many", limit=MAX_ADDRESSES))
        checked = {url: check_public_url(url, allow_private=private)
                   for url in (homepage, *feed_list, *sitemap_list)}
        block = outlet_block(key=key, name=" ".join(name.split()) or key, homepage=checked[homepage],
                             country=country.strip().upper(), languages=codes, type=kind,
                             reach=int(reach.strip() or 0), feeds=[checked[u] for u in feed_list],
                             sitemaps=[checked[u] for u in sitemap_list])
        with _writing:
            add_outlet(target, block)
    except (InvalidInput, SourcesError) as exc:
        return _sources_page(request, user, form=form, error=error_text(exc), status=400)
    return redirect("/sources", notice="source_added")
