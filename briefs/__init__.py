"""Brief: assemble policy papers from indexed evidence, cite it, render it as Markdown or DOCX.

Reads articles only through the index's Store contract.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from advocacy.briefs.errors import BriefError, TemplateNotFound, TemplateRenderError
from advocacy.briefs.evidence import Citations, Evidence, Source, ThemeSection, select_evidence
from advocacy.briefs.redaction import RedactionPolicy, count_redactions
from advocacy.briefs.render import (FORMATS, available_templates, default_output_name, render_markdown,
                                    write_brief)
from advocacy.index import SearchFilters, Store

__all__ = ["BriefError", "BriefRequest", "Evidence", "FORMATS", "RedactionPolicy", "Source", "TemplateNotFound", "TemplateRenderError",
           "ThemeInfo", "ThemeSection", "available_templates", "build_context", "default_output_name",
           "render_markdown", "write_brief"]


@dataclass
class ThemeInfo:
    key: str
    label: str
    description: str


@dataclass
class BriefRequest:
    title: str = "Migrants' access to health, education, housing and justice"
    themes: list[ThemeInfo] | None = None
    filters: SearchFilters | None = None
    evidence_per_theme: int = 3
    # Private people's names are withheld unless a policy says otherwise (do no harm by default).
    redaction: RedactionPolicy | None = None


def build_context(store: Store, request: BriefRequest) -> dict:
    """Everything a template may use: sections with cited evidence, coverage figures, bibliography."""
    filters = request.filters or SearchFilters()
    citations = Citations()
    sections = []
    for theme in request.themes or []:
        total, evidence = select_evidence(store, theme=theme.key, filters=filters,
                                          per_theme=request.evidence_per_theme, citations=citations,
                                          redaction=request.redaction)
        sections.append(ThemeSection(theme.key, theme.label, theme.description, total, evidence))
    outlets = store.facets("outlet", filters=filters)
    languages = store.facets("language", filters=filters)
    article_total = sum(outlets.values())
    gaps = [s for s in sections if len(s.evidence) < request.evidence_per_theme]
    return {
        "title": request.title,
        "generated_at": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "filters": filters,
        "sections": sections,
        "gaps": gaps,
        "coverage": {"articles": article_total, "outlets": outlets, "languages": languages,
                     "themes": store.facets("theme", filters=filters)},
        "sources": sorted(citations.sources.values(), key=lambda s: s.number),
        "evidence_per_theme": request.evidence_per_theme,
        "redactions": count_redactions(sections),
    }
