"""The brief builder and the evidence basket.

A brief is written by the API's own route (and so by :func:`advocacy.pipeline.run_brief`), which chooses
its evidence by theme and by the queries of the author's arguments, and cites the articles the writer
chose. The basket is where the writer keeps those: each item is a box in the form, ticked at first, and
every ticked article is cited, first in the sections and arguments it fits, else among the further
evidence before the sources. The basket is also copied, as YAML comments that change nothing, into the
inputs the writer starts from, to have the articles at hand while writing the arguments.
"""
from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Form, Request

from advocacy.web.auth import safe_next
from advocacy.web.basket import MAX_ITEMS
from advocacy.web.context import Analyst, Viewer, opened_store, settings_of
from advocacy.web.errors import InvalidInput, NotFound, Unavailable
from advocacy.web.i18n import language_of, translator
from advocacy.web.pages import error_text, redirect, render, theme_labels, validation_text

router = APIRouter(include_in_schema=False)
FORMATS = ("docx", "pdf", "html", "md")


def _one_line(text: str) -> str:
    return " ".join((text or "").split())


def starter_inputs(items, t) -> str:
    """The inputs a writer starts from: the format, commented, then the basket as a commented reading list
    (the form's boxes, not these lines, say which of its articles are cited)."""
    lines = [f"# {t('briefs.inputs_help_1')}", f"# {t('briefs.inputs_help_2')}", "#",
             "# position: …", "# arguments:", "#   - claim: …", "#     theme: education",
             "#   - claim: …", "#     query: \"acte de naissance OR birth certificate\"", "# asks:", "#   - …",
             "# recommendations:", "#   - …"]
    if items:
        lines += ["#", f"# {t('briefs.reading_list')}:", f"# ({t('briefs.reading_list_note')})"]
        for item in items:
            lines.append(f"#   - {_one_line(item.title)} — {_one_line(item.outlet_name)}, "
                         f"{(item.published_at or '')[:10] or t('article.undated')} — {_one_line(item.url)}")
    return "\n".join(lines) + "\n"


def _briefs_page(request: Request, user, *, form: dict | None = None, error: str = "", status: int = 200):
    from advocacy.briefs import CITATION_STYLES, available_templates

    language = language_of(request)
    t = translator(language)
    settings = settings_of(request)
    names = available_templates(settings.path_or_none("briefs", "templates_dir"))
    items = request.app.state.basket.items(user.username) if user.has_role("analyst") else []
    form = form or {"template": "policy-paper" if "policy-paper" in names else (names or [""])[0], "themes": [],
                    "country": "", "since": "", "until": "", "title": "", "format": "docx",
                    "citations": settings.get("briefs", "citation_style"), "inputs": starter_inputs(items, t),
                    "articles": [item.article_id for item in items]}
    return render(request, "briefs.html", status=status, section="briefs", templates=names, form=form, error=error,
                  theme_names=theme_labels(settings, language), citation_styles=CITATION_STYLES, formats=FORMATS,
                  basket=items)


@router.get("/briefs")
def briefs_page(request: Request, user: Viewer):
    return _briefs_page(request, user)


@router.post("/briefs")
def generate_brief(request: Request, user: Analyst, template: str = Form("", max_length=100),
                   themes: list[str] = Form([]), country: str = Form("", max_length=100),
                   since: str = Form("", max_length=40), until: str = Form("", max_length=40),
                   title: str = Form("", max_length=300), format: str = Form("docx", max_length=10),
                   citations: str = Form("", max_length=40), inputs: str = Form("", max_length=200_000),
                   articles: list[str] = Form([])):
    """Write the brief through the API's own route and send it as a download, citing the basket's ticked
    articles."""
    from pydantic import ValidationError

    from advocacy.briefs import BriefError
    from advocacy.config import ConfigError
    from advocacy.web import api_reports
    from advocacy.web.schemas import BriefIn

    t = translator(language_of(request))
    form = {"template": template, "themes": themes[:50], "country": country, "since": since, "until": until,
            "title": title, "format": format, "citations": citations, "inputs": inputs,
            "articles": articles[:MAX_ITEMS]}
    try:
        dates = {}
        for name, text in (("since", since), ("until", until)):
            try:
                dates[name] = date.fromisoformat(text.strip()) if text.strip() else None
            except ValueError:
                raise InvalidInput(t("problem.date", value=text[:40])) from None
        body = BriefIn(template=template, themes=themes[:50], since=dates["since"], until=dates["until"],
                       country=[code.strip() for code in country.replace(";", ",").split(",") if code.strip()],
                       format=format, title=title.strip() or None, citations=citations or None,
                       inputs=inputs if inputs.strip() else None, articles=articles)
        return api_reports.brief(request, body, user)
    except ValidationError as exc:
        return _briefs_page(request, user, form=form, error=validation_text(exc), status=400)
    except (InvalidInput, BriefError, ConfigError) as exc:
        return _briefs_page(request, user, form=form, error=error_text(exc), status=400)
    except Unavailable as exc:
        return _briefs_page(request, user, form=form, error=error_text(exc), status=503)


# -- the basket ------------------------------------------------------------------------------------------

@router.post("/basket/add")
def basket_add(request: Request, user: Analyst, article_id: str = Form("", max_length=64),
               next: str = Form("/briefs", max_length=2000)):
    t = translator(language_of(request))
    with opened_store(request) as store:
        article = store.get(article_id)
    if article is None:
        raise NotFound(t("article.not_found", id=article_id))
    request.app.state.basket.add(user.username, article)
    return redirect(safe_next(next, "/briefs"), notice="basket_added")


@router.post("/basket/remove")
def basket_remove(request: Request, user: Analyst, article_id: str = Form("", max_length=64),
                  next: str = Form("/briefs", max_length=2000)):
    request.app.state.basket.remove(user.username, article_id)
    return redirect(safe_next(next, "/briefs"), notice="basket_removed")


@router.post("/basket/clear")
def basket_clear(request: Request, user: Analyst):
    request.app.state.basket.clear(user.username)
    return redirect("/briefs", notice="basket_removed")
