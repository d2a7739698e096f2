"""The search page, its CSV export, and the article page with its theme corrections."""
from __future__ import annotations

import math
from urllib.parse import quote

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import Response

from advocacy.web.context import Analyst, Viewer, opened_store, settings_of
from advocacy.web.errors import Conflict, InvalidInput, NotFound, Unavailable
from advocacy.web.i18n import language_of, translator
from advocacy.web.pages import (MAX_PAGE, Selection, error_text, outlet_names, redirect, render, theme_labels,
                                validation_text)

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 10
EXPORT_LIMIT = 1000
FACET_VALUES = 12
SIMILAR = 5
ENTITY_TYPES = ("organisation", "place", "person", "population")
FACETS = (("theme", "themes"), ("language", "languages"), ("outlet", "outlets"), ("country", "countries"))


def run_page_search(request: Request, user, selection: Selection, *, limit: int, offset: int, facets: bool):
    """(the API's SearchOut, "") or (None, why the query cannot be run); through the API route's own function,
    so a page lists exactly what /api/search answers."""
    from advocacy.index import QueryError
    from advocacy.web import api

    try:
        found = api.search(request, user, q=selection.q, theme=selection.themes, lang=selection.languages,
                           outlet=selection.outlets, country=selection.countries, since=selection.since,
                           until=selection.until, mode=selection.mode, limit=limit, offset=offset, facets=facets)
    except (QueryError, Unavailable) as exc:
        return None, error_text(exc)
    return found, ""


def _facet_groups(selection: Selection, facets, names: dict[str, dict[str, str]]) -> list[dict]:
    groups = []
    for name, attribute in FACETS:
        counts = getattr(facets, name, None) or {}
        chosen = getattr(selection, attribute)
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        shown = ranked[:FACET_VALUES] + [(v, c) for v, c in ranked[FACET_VALUES:] if v in chosen]
        values = [{"value": value, "label": names.get(name, {}).get(value, value), "count": count,
                   "active": value in chosen, "link": selection.toggled("/search", attribute, value)}
                  for value, count in shown]
        if values:
            groups.append({"name": name, "values": values})
    return groups


def _pages(selection: Selection, total: int) -> list[dict]:
    last = min(MAX_PAGE, max(1, math.ceil(total / PAGE_SIZE)))
    if last == 1:
        return []
    numbers = sorted({1, last, *range(max(1, selection.page - 2), min(last, selection.page + 2) + 1)})
    pages, previous = [], 0
    for number in numbers:
        if number - previous > 1:
            pages.append({"gap": True})
        pages.append({"gap": False, "number": number, "current": number == selection.page,
                      "link": selection.link("/search", page=number)})
        previous = number
    return pages


@router.get("/")
@router.get("/search")
def search_page(request: Request, user: Viewer):
    language = language_of(request)
    t = translator(language)
    settings = settings_of(request)
    selection = Selection.read(request, t)
    found, error = run_page_search(request, user, selection, limit=PAGE_SIZE,
                                   offset=(selection.page - 1) * PAGE_SIZE, facets=True)
    themes, outlets = theme_labels(settings, language), outlet_names(settings)
    # Outlets no longer in the sources file keep the name they had when their articles were fetched.
    seen = {hit.outlet: hit.outlet_name for hit in found.hits if hit.outlet_name} if found else {}
    names = {"theme": themes, "outlet": {**seen, **outlets},
             "language": {code: t(f"language.{code}") for code in ("ar", "en", "fr", "es")},
             "country": {code: t(f"country.{code}") for code in ("MA", "ML")}}
    basket = request.app.state.basket.ids(user.username) if user.has_role("analyst") else set()
    return render(request, "search.html", section="search", selection=selection, found=found, error=error,
                  facets=_facet_groups(selection, found.facets, names) if found else [],
                  pages=_pages(selection, found.total) if found else [], theme_names=themes, outlet_names=outlets,
                  in_basket=basket, page_size=PAGE_SIZE,
                  previous_link=selection.link("/search", page=selection.page - 1) if selection.page > 1 else "",
                  next_link=selection.link("/search", page=selection.page + 1)
                  if found and selection.page * PAGE_SIZE < found.total and selection.page < MAX_PAGE else "",
                  csv_link=selection.link("/search.csv", page=1), dashboard_link=selection.link("/dashboard", page=1),
                  clear_link="/search")


@router.get("/search.csv")
def search_csv(request: Request, user: Viewer):
    """The matching articles (the first thousand) as a spreadsheet."""
    from advocacy.index.analytics import to_csv

    t = translator(language_of(request))
    selection = Selection.read(request, t)
    found, error = run_page_search(request, user, selection, limit=EXPORT_LIMIT, offset=0, facets=False)
    if found is None:
        return render(request, "message.html", status=400, title=t("search.title"), message=error,
                      back=selection.link("/search"))
    rows = [{"id": hit.id, "published_at": hit.published_at or "", "outlet": hit.outlet,
             "outlet_name": hit.outlet_name, "language": hit.language, "title": hit.title, "url": hit.url,
             "themes": hit.themes, "snippet": hit.snippet, "score": round(hit.score, 4)}
            for hit in found.hits]
    # The byte-order mark makes Excel read the file as UTF-8 (Arabic and accents stay readable).
    return Response("\ufeff" + to_csv(rows), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="search.csv"', "Cache-Control": "no-store"})


# -- an article ------------------------------------------------------------------------------------------

def _article_page(request: Request, user, article_id: str, *, error: str = "", status: int = 200):
    from advocacy.index import IndexError_

    language = language_of(request)
    t = translator(language)
    settings = settings_of(request)
    with opened_store(request) as store:
        article = store.get(article_id)
        if article is None:
            raise NotFound(t("article.not_found", id=article_id[:64]))
        try:
            similar = store.more_like_this(article_id, limit=SIMILAR).hits
        except IndexError_:
            similar = []
    themes, outlets = theme_labels(settings, language), outlet_names(settings)
    entities = {kind: [e for e in article.entities if e.type == kind] for kind in ENTITY_TYPES}
    shown = {score.theme for score in article.themes}
    paragraphs = [part.strip() for part in article.text.split("\n\n") if part.strip()]
    basket = request.app.state.basket.ids(user.username) if user.has_role("analyst") else set()
    return render(request, "article.html", status=status, section="search", article=article, error=error,
                  paragraphs=paragraphs, entities=entities, similar=similar, theme_names=themes, outlet_names=outlets,
                  other_themes=[(key, label) for key, label in themes.items() if key not in shown],
                  in_basket=article.id in basket, article_path=f"/articles/{quote(article.id, safe='')}",
                  return_to=f"/articles/{quote(article.id, safe='')}")


@router.get("/articles/{article_id}")
def article_page(request: Request, user: Viewer, article_id: str = Path(max_length=64)):
    return _article_page(request, user, article_id)


@router.post("/articles/{article_id}/themes")
def correct_theme(request: Request, user: Analyst, article_id: str = Path(max_length=64),
                  theme: str = Form("", max_length=64), verdict: str = Form("", max_length=8),
                  note: str = Form("", max_length=1000)):
    """Confirm or reject a theme: the API's correction, so the verdict is kept the same way."""
    from pydantic import ValidationError

    from advocacy.nlp import NlpError
    from advocacy.web import api
    from advocacy.web.schemas import CorrectionIn

    try:
        api.correct_theme(request, CorrectionIn(verdict=verdict, note=note), user, article_id, theme)
    except ValidationError as exc:
        return _article_page(request, user, article_id, error=validation_text(exc), status=400)
    except (InvalidInput, NlpError) as exc:
        return _article_page(request, user, article_id, error=error_text(exc), status=400)
    except Conflict as exc:
        return _article_page(request, user, article_id, error=error_text(exc), status=409)
    return redirect(f"/articles/{quote(article_id, safe='')}", notice="corrected")
