"""Brief: assemble policy papers, position papers and media digests from indexed evidence, cite it, chart
it, render it as Markdown, HTML, Word or PDF.

Reads articles only through the index's Store contract.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone

from advocacy.briefs.charts import Chart, attention_chart, facet_chart, share_of_voice_chart
from advocacy.briefs.citations import CITATION_STYLES, apply_style
from advocacy.briefs.errors import BriefError, InputsError, TemplateNotFound, TemplateRenderError
from advocacy.briefs.evidence import (Citations, Evidence, Source, ThemeSection, cite_excerpt, select_evidence,
                                      theme_passage)
from advocacy.briefs.inputs import Argument, AuthorInputs, load_inputs
from advocacy.briefs.redaction import RedactionPolicy, count_redactions
from advocacy.briefs.render import (FORMATS, Markdown, available_templates, default_output_name,
                                    render_markdown, template_variables, write_brief)
from advocacy.article import Article
from advocacy.index import SearchFilters, Store

__all__ = ["ArgumentSection", "AuthorInputs", "BriefError", "BriefRequest", "CITATION_STYLES", "Evidence",
           "FORMATS", "InputsError", "MAX_CHOSEN_ARTICLES", "RedactionPolicy", "Source", "TemplateNotFound",
           "TemplateRenderError", "ThemeInfo", "ThemeSection", "available_templates", "build_context",
           "default_output_name", "load_inputs", "render_markdown", "template_variables", "write_brief"]

CHARTS = ("attention", "themes", "outlets", "share_of_voice", "period_comparison")
# A brief cites what the author chose, however many; beyond this it is a bibliography, not a brief.
MAX_CHOSEN_ARTICLES = 100


@dataclass
class ThemeInfo:
    key: str
    label: str
    description: str


@dataclass
class ArgumentSection:
    """One of the author's arguments with the evidence the index holds for it."""
    claim: str
    theme: str
    theme_label: str
    query: str
    article_count: int
    evidence: list[Evidence] = field(default_factory=list)


@dataclass
class BriefRequest:
    title: str = "Migrants' access to health, education, housing and justice"
    themes: list[ThemeInfo] | None = None
    filters: SearchFilters | None = None
    evidence_per_theme: int = 3
    # Private people's names are withheld unless a policy says otherwise (do no harm by default).
    redaction: RedactionPolicy | None = None
    # What the author wrote: position, arguments, asks, recommendations. Never filled in by the generator.
    inputs: AuthorInputs | None = None
    citation_style: str = "numbered"
    # Weight of relevance against variety when choosing evidence (1 = relevance alone).
    diversity: float = 0.7
    # Chart files are named "<chart_prefix>-<chart>.png", after the brief they belong to.
    chart_prefix: str = "brief"
    # The context variables the template uses (see render.template_variables); None = gather everything.
    needs: set[str] | None = None
    # Media digest: the period under review when the filters give no dates, and how many top stories.
    digest_days: int = 30
    top_stories: int = 5
    # Ids of the articles the author chose to cite, in their order (see build_context).
    chosen_articles: list[str] = field(default_factory=list)


def build_context(store: Store, request: BriefRequest) -> dict:
    """Everything a template may use: sections with cited evidence, the author's inputs with the evidence
    behind each argument, coverage figures, the media digest, charts, and the bibliography.

    The articles the author chose (``request.chosen_articles``) are cited whatever the filters: first in
    every section whose theme they carry and every argument whose theme or query they fit, and those that
    fit none of the sections and arguments the template shows in ``further_evidence``."""
    needs = request.needs

    def wanted(name: str) -> bool:
        return needs is None or name in needs

    filters = request.filters or SearchFilters()
    # Read first, so that an unknown id stops the brief before any work is done.
    chosen = _chosen_articles(store, request.chosen_articles)
    names = {theme.key: theme.label for theme in request.themes or []}
    citations = Citations()
    inputs = request.inputs or AuthorInputs()
    digest = None
    # Its top stories are cited, so the digest is gathered only for a template that shows it.
    if needs is not None and "digest" in needs:
        digest = _digest(store, request, filters, citations, names)
        # A digest's period is its brief's selection: coverage and charts describe it too.
        filters = digest["filters"]
    sections = []
    if wanted("sections") or wanted("gaps"):
        for theme in request.themes or []:
            total, evidence = select_evidence(store, theme=theme.key, filters=filters,
                                              per_theme=request.evidence_per_theme, citations=citations,
                                              redaction=request.redaction, diversity=request.diversity,
                                              chosen=chosen)
            sections.append(ThemeSection(theme.key, theme.label, theme.description, total, evidence))
    arguments = []
    if wanted("arguments"):
        for argument in inputs.arguments:
            total, evidence = select_evidence(
                store, theme=argument.theme or None, query=argument.query, filters=filters,
                per_theme=request.evidence_per_theme, citations=citations, redaction=request.redaction,
                diversity=request.diversity, chosen=chosen)
            arguments.append(ArgumentSection(Markdown(argument.claim), argument.theme,
                                             names.get(argument.theme, argument.theme), argument.query, total,
                                             evidence))
    further = []
    if wanted("further_evidence"):
        placed = {item.source.article_id for part in [*sections, *arguments] for item in part.evidence}
        further = [cite_excerpt(article, theme_passage(article), citations=citations, redaction=request.redaction,
                                score=max((t.score for t in article.themes), default=0.0), chosen=True)
                   for article in chosen if article.id not in placed]
    outlets = _by_outlet_name(store, store.facets("outlet", filters=filters))
    languages = store.facets("language", filters=filters)
    themes = store.facets("theme", filters=filters)
    gaps = [s for s in sections if len(s.evidence) < request.evidence_per_theme]
    return {
        "title": request.title,
        "generated_at": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "filters": filters,
        "sections": sections,
        "gaps": gaps,
        "coverage": {"articles": sum(outlets.values()), "outlets": outlets, "languages": languages,
                     "themes": themes},
        # The author's own words are Markdown and placed as written; everything else is escaped (render.py).
        "position": Markdown(inputs.position),
        "arguments": arguments,
        "asks": [Markdown(ask) for ask in inputs.asks],
        "recommendations": [Markdown(recommendation) for recommendation in inputs.recommendations],
        # The author's chosen articles that no section or argument placed: cited all the same.
        "further_evidence": further,
        "digest": digest,
        "charts": _charts(store, request, filters, digest, themes=themes, outlets=outlets, names=names),
        "citation_style": request.citation_style,
        "sources": apply_style(list(citations.sources.values()), request.citation_style),
        "evidence_per_theme": request.evidence_per_theme,
        "redactions": count_redactions([*sections, *arguments, further]),
    }


def _chosen_articles(store: Store, ids: list[str]) -> list[Article]:
    """The articles the author chose, in their order, each once."""
    ids = list(dict.fromkeys(id.strip() for id in ids if id and id.strip()))
    if len(ids) > MAX_CHOSEN_ARTICLES:
        raise BriefError(f"{len(ids)} articles were chosen for the brief; it cites at most {MAX_CHOSEN_ARTICLES}: "
                         "keep the strongest")
    articles = {id: store.get(id) for id in ids}
    missing = [id for id, article in articles.items() if article is None]
    if missing:
        shown = ", ".join(repr(id[:64]) for id in missing[:5]) + (f" and {len(missing) - 5} more"
                                                                  if len(missing) > 5 else "")
        raise BriefError(f"the index holds no article with the id {shown}; leave "
                         f"{'it' if len(missing) == 1 else 'them'} out, or find the id again with a search")
    return list(articles.values())


def _charts(store: Store, request: BriefRequest, filters: SearchFilters, digest: dict | None, *,
            themes: dict[str, int], outlets: dict[str, int], names: dict[str, str]) -> dict[str, Chart]:
    needs = request.needs
    if needs is not None and "charts" not in needs:
        return {}
    named = {name.removeprefix("charts.") for name in needs or () if name.startswith("charts.")}
    # A template that only names "charts" as a whole (a loop, say) gets every chart.
    keys = [key for key in CHARTS if not named or key in named]
    if digest is None:
        keys = [key for key in keys if key != "period_comparison"]
    file = lambda key: f"{request.chart_prefix}-{key.replace('_', '-')}.png"
    charts: dict[str, Chart] = {}
    if "attention" in keys:
        rows = store.attention("", filters=filters, by="month")
        if len(rows) < 4:
            rows = store.attention("", filters=filters, by="week")
        charts["attention"] = attention_chart(rows, filename=file("attention"))
    if "themes" in keys:
        charts["themes"] = facet_chart("themes", themes, filename=file("themes"), title="Articles per theme",
                                       names=names)
    if "outlets" in keys:
        charts["outlets"] = facet_chart("outlets", outlets, filename=file("outlets"), title="Articles per outlet")
    if "share_of_voice" in keys:
        rows = digest["share_of_voice"] if digest else store.share_of_voice("", filters=filters, limit=10)
        charts["share_of_voice"] = share_of_voice_chart(rows, filename=file("share_of_voice"),
                                                        title="Share of voice among organisations")
    if "period_comparison" in keys:
        both = replace(filters, since=digest["previous"]["since"], until=digest["period"]["until"])
        rows = store.attention("", filters=both, by="day" if digest["period"]["days"] <= 31 else "week")
        start = next((row["period"] for row in rows if row["period"] >= digest["period"]["since"]), None)
        charts["period_comparison"] = attention_chart(
            rows, filename=file("period_comparison"), highlight_from=start,
            title="Articles per day: previous period, then this period" if digest["period"]["days"] <= 31
            else "Articles per week: previous period, then this period")
    return charts


def _digest(store: Store, request: BriefRequest, filters: SearchFilters, citations: Citations,
            names: dict[str, str]) -> dict:
    """This period against the one of equal length just before it: counts and change, per theme and
    outlet, top stories and share of voice. Without dates, the period is the last ``digest_days`` days up
    to the newest indexed article."""
    until = _day(filters.until)
    if until is None:
        newest = store.search("", filters=replace(filters, since=None), limit=1).hits
        until = _day(newest[0].published_at) if newest and newest[0].published_at else None
        until = until or datetime.now(timezone.utc).date()
    since = _day(filters.since) or until - timedelta(days=max(request.digest_days, 1) - 1)
    if since > until:
        raise BriefError(f"the period starts ({since}) after it ends ({until})")
    days = (until - since).days + 1
    previous_until = since - timedelta(days=1)
    previous_since = previous_until - timedelta(days=days - 1)
    current = replace(filters, since=since.isoformat(), until=until.isoformat())
    previous = replace(filters, since=previous_since.isoformat(), until=previous_until.isoformat())

    result = store.search("", filters=current, limit=max(100, request.top_stories * 10))
    previous_total = store.search("", filters=previous, limit=1).total
    theme_rows = _compare(store.facets("theme", filters=current), store.facets("theme", filters=previous),
                          keys=list(names) or None, names=names)
    current_outlets, previous_outlets = store.facets("outlet", filters=current), store.facets("outlet", filters=previous)
    outlet_rows = _compare(current_outlets, previous_outlets,
                           names=outlet_names(store, [*current_outlets, *previous_outlets]))
    return {
        "filters": current,
        "period": {"since": current.since, "until": current.until, "days": days, "articles": result.total},
        "previous": {"since": previous.since, "until": previous.until, "days": days, "articles": previous_total},
        "change": result.total - previous_total,
        "change_percent": _percent(result.total, previous_total),
        "themes": theme_rows,
        "outlets": outlet_rows,
        "top_stories": _top_stories(store, result.hits, citations, limit=request.top_stories),
        "share_of_voice": store.share_of_voice("", filters=current, limit=10),
    }


def outlet_names(store: Store, keys: list[str]) -> dict[str, str]:
    """Outlet key -> the name its latest indexed article gives it (readers know "Le Matin", not "le-matin");
    two outlets of one name keep their keys beside it."""
    names = {}
    for key in dict.fromkeys(keys):
        hits = store.search("", filters=SearchFilters(outlets=[key]), limit=1).hits
        names[key] = (hits[0].outlet_name if hits else "") or key
    repeated = {name for name in names.values() if list(names.values()).count(name) > 1}
    return {key: f"{name} ({key})" if name in repeated else name for key, name in names.items()}


def _by_outlet_name(store: Store, counts: dict[str, int]) -> dict[str, int]:
    names = outlet_names(store, list(counts))
    return {names[key]: count for key, count in counts.items()}


def _day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise BriefError(f"{value!r} is not a date like 2024-06-30") from None


def _percent(current: int, previous: int) -> int | None:
    return round(100 * (current - previous) / previous) if previous else None


def _compare(current: dict[str, int], previous: dict[str, int], *, keys: list[str] | None = None,
             names: dict[str, str] | None = None) -> list[dict]:
    keys = keys if keys is not None else sorted(set(current) | set(previous))
    rows = [{"key": key, "label": (names or {}).get(key, key), "current": current.get(key, 0),
             "previous": previous.get(key, 0), "change": current.get(key, 0) - previous.get(key, 0),
             "change_percent": _percent(current.get(key, 0), previous.get(key, 0))} for key in keys]
    return sorted(rows, key=lambda row: (-row["current"], -row["previous"], row["label"]))


def _top_stories(store: Store, hits: list, citations: Citations, *, limit: int) -> list[dict]:
    """The period's most carried stories: by how many outlets ran them, then by relevance, then newest."""
    stories = []
    for order, hit in enumerate(hits):
        article = store.get(hit.id)
        if article is None:
            continue
        outlets = 1 + len(set(article.carried_by) - {article.outlet})
        relevance = float((article.relevance or {}).get("score") or 0.0)
        stories.append((-outlets, -relevance, order, article))
    stories.sort(key=lambda item: item[:3])
    return [{"title": article.title, "outlet_name": article.outlet_name or article.outlet,
             "date": (article.published_at or "")[:10] or "undated", "outlets": -outlets,
             "themes": [t.theme for t in article.themes], "source": citations.cite(article)}
            for outlets, _, _, article in stories[:limit]]
