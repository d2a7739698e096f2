"""Figures and briefs: GET /api/stats/{report} (as `advocacy stats`) and POST /api/briefs (as `advocacy
brief`), which answers with the document itself."""
from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path as FilePath
from typing import Literal

from fastapi import APIRouter, Path, Query, Request, Response

from advocacy.web.context import Analyst, Viewer, opened_store, search_filters, settings_of
from advocacy.web.errors import InvalidInput, Unavailable
from advocacy.web.schemas import BriefIn, Report, StatsColumn, StatsOut, errors

router = APIRouter()

MEDIA_TYPES = {"md": "text/markdown; charset=utf-8", "html": "text/html; charset=utf-8",
               "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
               "pdf": "application/pdf"}


@router.get("/stats/{report}", response_model=StatsOut, tags=["figures"],
            responses={**errors(400, 503), 200: {"content": {"text/csv": {}},
                                                 "description": "The figures as JSON, or CSV with format=csv."}})
def stats(request: Request, user: Viewer, report: Report = Path(),
          q: str = Query("", max_length=2000, description="A query as in /api/search; empty: every article."),
          theme: list[str] = Query([]), lang: list[str] = Query([]), outlet: list[str] = Query([]),
          country: list[str] = Query([]), since: date | None = None, until: date | None = None,
          by: Literal["day", "week", "month"] = Query("week", description="attention: the length of a period."),
          limit: int = Query(20, ge=1, le=10_000, description="Rows at most (not for attention)."),
          type: Literal["organisation", "place", "person", "population", "all"] = Query(
              "all", description="entities: only this kind."),
          format: Literal["json", "csv"] = "json"):
    """Media-exposure figures for the articles a query matches: attention over time, share of voice,
    outlets and their reach, entities, terms."""
    from advocacy.index.analytics import to_csv
    from advocacy.stats import run_stats

    with opened_store(request) as store:
        result = run_stats(settings_of(request), report, q,
                           filters=search_filters(theme, lang, outlet, country, since, until),
                           by=by, limit=limit, entity_type=type, store=store)
    if format == "csv":
        # The byte-order mark makes Excel read the file as UTF-8 (Arabic and accents stay readable).
        return Response("\ufeff" + to_csv(result.rows), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{report}.csv"'})
    return StatsOut(report=report, query=result.query, summary=result.summary, rows=result.rows, notes=result.notes,
                    columns=[StatsColumn(key=key, heading=heading) for key, heading in result.columns])


def _check_brief(settings, body: BriefIn) -> None:
    from advocacy.briefs import available_templates
    from advocacy.nlp import load_taxonomy

    # Only names of templates this server holds: a path would let a request render any file it names.
    names = available_templates(settings.path_or_none("briefs", "templates_dir"))
    if body.template not in names:
        raise InvalidInput(f"unknown template {body.template!r}; choose one of {', '.join(names)}")
    known = [t.key for t in load_taxonomy(settings.path_or_none("nlp", "themes_file"))]
    unknown = [theme for theme in body.themes if theme not in known]
    if unknown:
        raise InvalidInput(f"unknown theme {', '.join(map(repr, unknown))}; known themes: {', '.join(known)}")


@router.post("/briefs", response_class=Response, tags=["briefs"], responses={
    **errors(400, 503),
    200: {"content": {media: {} for media in MEDIA_TYPES.values()},
          "description": "The brief as a file to save. X-Brief-Verification says which quotes and figures "
                         "were checked against their articles and which were left out."}})
def brief(request: Request, body: BriefIn, user: Analyst):
    """Write a cited brief from the indexed evidence (as `advocacy brief`) and send it as Markdown, HTML,
    Word or PDF, citing every article listed in ``articles`` (as `--cite`). Analysts and admins only.
    Markdown comes without its chart images; HTML carries them."""
    from advocacy.briefs import BriefError, default_output_name
    from advocacy.briefs.docx import DocxRenderError
    from advocacy.pipeline import run_brief

    settings = settings_of(request)
    _check_brief(settings, body)
    verified: list[str] = []
    with tempfile.TemporaryDirectory(prefix="advocacy-web-brief-") as scratch:
        inputs = None
        if body.inputs and body.inputs.strip():
            inputs = FilePath(scratch) / "inputs.yaml"
            inputs.write_text(body.inputs, encoding="utf-8")
        out = FilePath(scratch) / "brief" / default_output_name(body.template, body.format)
        filters = search_filters(body.themes, [], [], body.country, body.since, body.until)
        try:
            path = run_brief(settings, template=body.template, fmt=body.format, out_path=out, filters=filters,
                             title=body.title, inputs=inputs, citations=body.citations, cite=body.articles,
                             on_verified=lambda verification: verified.append(verification.summary()))
        except BriefError as exc:
            if inputs is None:
                raise
            # The scratch file's name means nothing to the person who wrote the inputs.
            raise type(exc)(str(exc).replace(f"inputs file {inputs}", "inputs").replace(str(inputs), "inputs")) \
                from None
        except DocxRenderError as exc:
            raise Unavailable(f"the document could not be produced: {exc}") from None
        content = path.read_bytes()
    headers = {"Content-Disposition": f'attachment; filename="{out.name}"'}
    if verified:
        headers["X-Brief-Verification"] = verified[0].encode("ascii", "replace").decode("ascii")
    return Response(content, media_type=MEDIA_TYPES[body.format], headers=headers)
