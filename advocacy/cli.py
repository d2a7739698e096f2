"""The ``advocacy`` command: thin commands that open what they need, call one library function, and turn
domain errors into a clear message and exit code 1."""
from __future__ import annotations

import inspect
import json
import sys
import time
from pathlib import Path

import click

from advocacy.config import ConfigError, default_config_text, load_settings
from advocacy.pipeline import Workspace



def example(text: str):
    """Append an Example section to a command's help (click keeps \b paragraphs as written)."""
    def decorate(function):
        function.__doc__ = inspect.cleandoc(function.__doc__ or "") + "\n\n\b\nExample:\n  " + text
        return function
    return decorate


def _domain_errors() -> tuple[type[Exception], ...]:
    """Errors that mean "the user can fix this": reported as one line, never as a traceback."""
    from advocacy.briefs.errors import BriefError
    from advocacy.crawler.errors import CrawlerError
    from advocacy.index.errors import IndexError_
    from advocacy.ledger import LedgerError
    from advocacy.nlp.errors import NlpError

    return ConfigError, CrawlerError, NlpError, IndexError_, BriefError, LedgerError


class AdvocacyGroup(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except _domain_errors() as exc:
            # A query error shows the query and where in it the problem is.
            explain = getattr(exc, "explain", None)
            raise click.ClickException(explain() if callable(explain) else str(exc)) from None


@click.group(cls=AdvocacyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--config", "config_file", type=click.Path(dir_okay=False), envvar="ADVOCACY_CONFIG",
              help="Configuration file (TOML). Default: built-in defaults; see `advocacy config show`.")
@click.option("--data-dir", type=click.Path(file_okay=False), help="Directory for all data (ledger, archive, "
              "index, briefs). Overrides data_dir of the configuration.")
@click.version_option(package_name="advocacy-monitor")
@click.pass_context
def main(ctx: click.Context, config_file: str | None, data_dir: str | None) -> None:
    """Advocacy Monitor: follow the news about refugees' and migrants' rights, search the evidence,
    and draft cited briefs.

    \b
    Example (a complete offline demo in a scratch directory):
      advocacy --data-dir ./demo-data demo
    """
    try:
        settings = load_settings(config_file)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    if data_dir:
        settings = settings.with_data_dir(data_dir)
    ctx.obj = settings


def _echo_outcome(outcome) -> None:
    labels = {"stored": click.style("stored   ", fg="green"), "duplicate": click.style("duplicate", fg="yellow"),
              "off_topic": "off-topic", "not_article": "skipped  ", "failed": click.style("failed   ", fg="red"),
              "known": "known    ", "updated": click.style("updated  ", fg="cyan")}
    detail = outcome.title[:70] if outcome.status in ("stored", "duplicate", "off_topic", "updated") else outcome.reason
    click.echo(f"  {labels.get(outcome.status, outcome.status)}  {outcome.url[:80]}  {detail}")


def _progress(label: str):
    def report(done: int, total: int) -> None:
        click.echo(f"  {label} {done}/{total}")
    return report


def _crawl(settings, **kwargs) -> None:
    from advocacy.pipeline import run_crawl

    started = time.monotonic()
    report = run_crawl(settings, on_outcome=_echo_outcome, **kwargs)
    counts = report.counts()
    summary = ", ".join(f"{n} {status.replace('_', '-')}" for status, n in sorted(counts.items())) or "nothing new"
    click.echo(f"Crawl finished in {time.monotonic() - started:.1f}s: {summary}.")


@main.command()
@click.option("--sources", "sources_file", type=click.Path(dir_okay=False, exists=True),
              help="Sources file to crawl instead of the configured one.")
@click.option("--outlet", "outlet_keys", multiple=True, help="Only these outlets (repeatable).")
@click.option("--force", is_flag=True, help="Poll every feed, sitemap and home page now, even those not due yet.")
@click.pass_obj
@example("advocacy crawl --sources my-sources.toml --outlet hespress-fr")
def crawl(settings, sources_file: str | None, outlet_keys: tuple[str, ...], force: bool = False) -> None:
    """Fetch new articles from the outlets of the sources file.

    Feeds, sitemaps and home pages are polled when due (busy ones often, quiet ones rarely); pages already
    decided about are not fetched again, and failed ones are retried."""
    from advocacy.crawler import load_sources

    outlets = load_sources(Path(sources_file) if sources_file else settings.path_or_none("sources", "file"))
    if outlet_keys:
        unknown = set(outlet_keys) - {o.key for o in outlets}
        if unknown:
            raise click.ClickException(f"unknown outlet(s): {', '.join(sorted(unknown))}; known: "
                                       f"{', '.join(o.key for o in outlets)}")
        outlets = [o for o in outlets if o.key in outlet_keys]
    _crawl(settings, outlets=outlets, force=force)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "json_out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write {file id: text}; - for standard output.")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64),
              help="Processes extracting in parallel.")
@click.pass_obj
@example("advocacy extract ../shared/bench/extraction/html --json predictions.json")
def extract(settings, paths: tuple[Path, ...], json_out: Path, workers: int) -> None:
    """Extract the main text of saved web pages (.html, .htm, and the same gzipped), given as files or
    found in directories. Writes {file id: text}, the id being the file name without its extensions."""
    from advocacy.crawler.extract_files import extract_files, find_html_files

    try:
        files = find_html_files(list(paths))
    except (FileNotFoundError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    if not files:
        raise click.ClickException("no .html, .htm, .html.gz or .htm.gz file found in the paths given")
    started = time.monotonic()
    progress = _progress("extracted") if json_out != Path("-") else None
    texts = extract_files(files, workers=workers,
                          progress=(lambda done, total: progress(done, total) if done % 50 == 0 or done == total
                                    else None) if progress else None)
    payload = json.dumps(texts, ensure_ascii=False, indent=1)
    if json_out == Path("-"):
        click.echo(payload)
        return
    json_out.parent.mkdir(parents=True, exist_ok=True)
    json_out.write_text(payload, encoding="utf-8")
    elapsed = time.monotonic() - started
    click.echo(f"Extracted {len(texts)} pages in {elapsed:.1f}s ({len(texts) / max(elapsed, 1e-9):.0f} pages/s) "
               f"into {json_out}")


@main.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--outlet", "outlet_key", help="Outlet key to file PDF reports under (default: from --url's host).")
@click.option("--url", help="Where a single PDF report was published, for its citation.")
@click.pass_obj
@example("advocacy import old-crawl.warc.gz urls.csv unhcr-report.pdf")
def import_(settings, paths: tuple[Path, ...], outlet_key: str | None, url: str | None) -> None:
    """Add evidence from files: WARC archives (.warc, .warc.gz), lists of URLs to fetch (.csv with a url
    column, or .txt with one URL per line) and PDF reports (.pdf). Directories are searched for them.

    Everything goes through the same extraction, relevance filter and deduplication as crawled pages."""
    from advocacy.pipeline import run_import

    outcomes = run_import(settings, list(paths), outlet_key=outlet_key, url=url, on_outcome=_echo_outcome)
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    click.echo("Import finished: " + (", ".join(f"{n} {s.replace('_', '-')}" for s, n in sorted(counts.items()))
                                      or "nothing new") + ". Run `advocacy enrich` and `advocacy index` next.")


@main.command()
@click.pass_obj
@example("advocacy enrich")
def enrich(settings) -> None:
    """Tag themes, find entities and embed passages of every collected article."""
    from advocacy.pipeline import run_enrich

    started = time.monotonic()
    done = run_enrich(settings, on_batch=_progress("enriched"))
    click.echo(f"Enriched {done} article{'s' if done != 1 else ''} in {time.monotonic() - started:.1f}s.")


@main.command()
@click.pass_obj
@example("advocacy index")
def index(settings) -> None:
    """Add every enriched article to the search index."""
    from advocacy.pipeline import run_index

    done = run_index(settings, on_batch=_progress("indexed"))
    click.echo(f"Indexed {done} article{'s' if done != 1 else ''}.")


@main.command()
@click.option("--sources", "sources_file", type=click.Path(dir_okay=False, exists=True),
              help="Sources file to crawl instead of the configured one.")
@click.pass_context
@example("advocacy run --sources my-sources.toml")
def run(ctx, sources_file: str | None) -> None:
    """All stages in turn: crawl, enrich, index."""
    ctx.invoke(crawl, sources_file=sources_file, outlet_keys=(), force=False)
    ctx.invoke(enrich)
    ctx.invoke(index)


def _filters(theme, lang, outlet, country, since, until):
    from advocacy.index import SearchFilters

    for value, name in ((since, "--since"), (until, "--until")):
        if value:
            try:
                time.strptime(value, "%Y-%m-%d")
            except ValueError:
                raise click.BadParameter(f"{value!r} is not a date like 2024-06-30", param_hint=name) from None
    return SearchFilters(themes=list(theme), languages=list(lang), outlets=list(outlet), countries=list(country),
                         since=since, until=until)


def _filter_options(command):
    for option in reversed([
        click.option("--theme", multiple=True, help="Only articles with this theme (repeatable)."),
        click.option("--lang", multiple=True, help="Only this language: en, fr, ar (repeatable)."),
        click.option("--outlet", multiple=True, help="Only this outlet key (repeatable)."),
        click.option("--country", multiple=True, help="Only outlets of this country code, e.g. MA (repeatable)."),
        click.option("--since", help="Published on or after this date (YYYY-MM-DD)."),
        click.option("--until", help="Published on or before this date (YYYY-MM-DD)."),
    ]):
        command = option(command)
    return command


def _open_store(settings):
    from advocacy.index import open_store

    return open_store(settings.store_url)


@main.command()
@click.option("--jsonl", "in_path", required=True, type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help='Input: one JSON object per line with "id", "title" and "text".')
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help='Output: one line per input with "id", "labels", "scores" and "reasons".')
@click.pass_obj
@example("advocacy tag --jsonl paragraphs.jsonl --out tagged.jsonl")
def tag(settings, in_path: Path, out_path: Path) -> None:
    """Tag texts with themes without crawling or storing them."""
    from advocacy.pipeline import run_tag_jsonl

    started = time.monotonic()
    count = run_tag_jsonl(settings, in_path, out_path, on_batch=_progress("tagged"))
    click.echo(f"Tagged {count} texts in {time.monotonic() - started:.1f}s into {out_path}")


@main.group("eval")
@example("advocacy eval tags --split test")
def eval_() -> None:
    """Measure quality against labelled data."""


@eval_.command("tags")
@click.option("--split", type=click.Choice(["test", "dev"]), default="test", show_default=True,
              help="Report on the held-out test split, or on the dev split used for fitting.")
@click.option("--file", "files", multiple=True, type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="Labelled JSONL files instead of the set shipped with Advocacy Monitor (repeatable).")
@click.option("--scorer", type=click.Choice(["auto", "rules", "learned"]), default="auto", show_default=True,
              help="auto: the learned model when one was trained (advocacy tags retrain), else the rules.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@click.pass_obj
@example("advocacy eval tags --split test --scorer rules")
def eval_tags(settings, split: str, files: tuple[Path, ...], scorer: str, as_json: bool) -> None:
    """Per-theme precision, recall and F1, and macro-F1 per language, of the theme tagger."""
    from advocacy.nlp.evaluation import format_report
    from advocacy.pipeline import run_eval_tags

    report, used = run_eval_tags(settings, split=split, paths=list(files) or None, scorer=scorer)
    if as_json:
        click.echo(json.dumps({"split": split, "scorer": used, "languages": {
            language: {"macro_f1": round(block["macro-F1"], 4), "items": block["items"],
                       "themes": {theme: {k: round(v, 4) if isinstance(v, float) else v for k, v in s.__dict__.items()}
                                  for theme, s in block["themes"].items()}}
            for language, block in report.items()}}, indent=2))
        return
    click.echo(format_report(report, title=f"Theme tagging, {split} split, scored by {used}"))


@main.group()
@example("advocacy tags correct 3fa2c1 housing yes")
def tags() -> None:
    """Correct the tagger and teach it: corrections are kept forever and win over the tagger."""


@tags.command("correct")
@click.argument("article_id")
@click.argument("theme")
@click.argument("verdict", type=click.Choice(["yes", "no"]))
@click.option("--note", default="", help="Why (kept with the correction).")
@click.pass_obj
@example("advocacy tags correct 3fa2c1 housing no --note 'about a hotel, not shelter'")
def tags_correct(settings, article_id: str, theme: str, verdict: str, note: str) -> None:
    """Say whether ARTICLE_ID (a unique prefix is enough) is about THEME."""
    from advocacy.pipeline import run_correct

    result = run_correct(settings, article_id, theme, verdict == "yes", note=note)
    click.echo(f"Recorded: {result['article'][:12]} {theme} {verdict} (applied {result['applied']}"
               + (f"; themes now {', '.join(result['themes']) or 'none'}" if "themes" in result else "") + ").")


@tags.command("retrain")
@click.option("--without-labelled-set", is_flag=True, help="Learn from corrections only.")
@click.pass_obj
@example("advocacy tags retrain && advocacy index")
def tags_retrain(settings, without_labelled_set: bool) -> None:
    """Fit the learned theme scorer on the labelled dev texts and all corrections, then re-tag the stored
    articles with it (run `advocacy index` afterwards to refresh search)."""
    from advocacy.pipeline import run_retrain

    result = run_retrain(settings, with_labelled_set=not without_labelled_set, on_batch=_progress("re-tagged"))
    click.echo(f"Trained on {result['labelled_texts']} labelled texts and {result['corrected_articles']} corrected "
               f"articles; saved {result['model']}; re-tagged {result['retagged']} articles.")


@tags.command("corrections")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
@example("advocacy tags corrections --json")
def tags_corrections(settings, as_json: bool) -> None:
    """Every correction made so far, oldest first."""
    workspace = Workspace(settings.data_dir)
    history = []
    if workspace.ledger_path.exists():
        with workspace.ledger() as ledger:
            history = ledger.correction_history()
    if as_json:
        click.echo(json.dumps(history, ensure_ascii=False, indent=2))
        return
    for row in history:
        click.echo(f"{row['created_at']}  {row['article_id'][:12]}  {row['theme']:<10} {row['verdict']:<3}  {row['note']}")
    if not history:
        click.echo("No corrections yet.")


@main.command()
@click.argument("query", required=False, default="")
@_filter_options
@click.option("--mode", type=click.Choice(["hybrid", "keyword", "semantic"]), default="hybrid", show_default=True,
              help="hybrid: words and meaning together; keyword: words only; semantic: meaning only.")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 1000))
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@click.pass_obj
@example('advocacy search "theme:health AND (réfugiés OR refugees) after:2024-01-01" --json')
def search(settings, query, theme, lang, outlet, country, since, until, mode, limit, as_json) -> None:
    """Search the indexed articles. Words must all appear; use "quotes" for phrases, OR, NOT or -word,
    (parentheses), word* and filters such as theme:health lang:fr outlet:"Le Matin" country:MA
    after:2024-01-01 before:2024-06-30 entity:UNHCR population:asylum_seekers. Hybrid search (the default)
    also finds passages that say the same thing in other words; filters apply in every mode."""
    from advocacy.pipeline import run_search

    result = run_search(settings, query, filters=_filters(theme, lang, outlet, country, since, until), mode=mode,
                        limit=limit)
    if as_json:
        click.echo(json.dumps({"query": query, "mode": mode, "total": result.total,
                               "hits": [h.__dict__ for h in result.hits]}, ensure_ascii=False, indent=2))
        return
    _print_hits(query, result)


@main.command()
@click.argument("article_id")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 100))
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@click.pass_obj
@example("advocacy similar 3fa2c1 --limit 5")
def similar(settings, article_id: str, limit: int, as_json: bool) -> None:
    """Articles most like ARTICLE_ID (a unique prefix is enough), by the meaning of their passages."""
    from advocacy.pipeline import resolve_article_id

    with Workspace(settings.data_dir).ledger() as ledger:
        full_id = resolve_article_id(ledger, article_id)
    store = _open_store(settings)
    try:
        result = store.more_like_this(full_id, limit=limit)
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps({"article": full_id, "hits": [h.__dict__ for h in result.hits]}, ensure_ascii=False,
                              indent=2))
        return
    _print_hits(f"like {full_id[:12]}", result)


def _print_hits(query: str, result) -> None:
    from advocacy.index.highlight import Highlighted

    click.echo(f"{result.total} result{'s' if result.total != 1 else ''} for {query!r}"
               + (f" (showing {len(result.hits)})" if result.total > len(result.hits) else ""))
    for rank, hit in enumerate(result.hits, 1):
        click.echo(f"\n{rank}. {click.style(hit.title, bold=True)}")
        click.echo(f"   {hit.outlet_name} · {hit.language} · {(hit.published_at or 'undated')[:10]} · "
                   f"{', '.join(hit.themes) or 'no theme'}")
        # Bold on a terminal; click.echo drops the styling when the output goes to a pipe or a file.
        snippet = "".join(click.style(piece, bold=True) if matched else piece
                          for piece, matched in Highlighted(hit.snippet, tuple(hit.highlights)).pieces())
        click.echo(f"   {snippet}")
        click.echo(f"   {hit.id[:12]} · {hit.url}")


def _stats_options(command):
    """QUERY, the search filters and the output format, shared by every `advocacy stats` report."""
    for option in reversed([
        click.argument("query", required=False, default=""),
        _filter_options,
        click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON."),
        click.option("--csv", "as_csv", is_flag=True, help="Print the figures as CSV (for a spreadsheet)."),
        click.pass_obj,
    ]):
        command = option(command)
    return command


_stats_limit = click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 10_000),
                            help="Rows at most.")


def _stats(settings, report, query, filters, as_json, as_csv, **options) -> None:
    from advocacy.index.analytics import to_csv
    from advocacy.stats import render_table, run_stats

    if as_json and as_csv:
        raise click.UsageError("choose one of --json and --csv")
    result = run_stats(settings, report, query, filters=filters, **options)
    if as_json:
        click.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2))
    elif as_csv:
        click.echo(to_csv(result.rows), nl=False)
    else:
        click.echo(render_table(result))


@main.group()
@example('advocacy stats attention "theme:health AND (réfugiés OR refugees)" --by month')
def stats() -> None:
    """Media-exposure figures for the articles a query matches: attention over time, share of voice,
    outlets and their reach, entities and terms. QUERY and the filters work as in `advocacy search`; with
    no QUERY, every indexed article counts. Tables by default, --json or --csv for other programs."""


@stats.command("attention")
@_stats_options
@click.option("--by", type=click.Choice(["day", "week", "month"]), default="week", show_default=True,
              help="Length of a period.")
@example('advocacy stats attention "entity:UNHCR lang:fr" --by month --csv > attention.csv')
def stats_attention(settings, query, theme, lang, outlet, country, since, until, as_json, as_csv, by) -> None:
    """Matching articles per period, beside all articles indexed in that period (share: the first over the
    second), with the periods that stand out from the weeks before flagged as spikes."""
    _stats(settings, "attention", query, _filters(theme, lang, outlet, country, since, until), as_json, as_csv,
           by=by)


@stats.command("share-of-voice")
@_stats_options
@_stats_limit
@example('advocacy stats share-of-voice "theme:health country:MA" --json')
def stats_share_of_voice(settings, query, theme, lang, outlet, country, since, until, limit, as_json,
                         as_csv) -> None:
    """How much of the matching coverage names each organisation: articles, mentions, exposure (syndicated
    copies included) and their shares among the organisations named."""
    _stats(settings, "share-of-voice", query, _filters(theme, lang, outlet, country, since, until), as_json,
           as_csv, limit=limit)


@stats.command("outlets")
@_stats_options
@_stats_limit
@click.option("--sources", "sources_file", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="Sources file to read the outlets' reach from instead of the configured one.")
@example("advocacy stats outlets theme:housing --sources my-sources.toml")
def stats_outlets(settings, query, theme, lang, outlet, country, since, until, limit, as_json, as_csv,
                  sources_file) -> None:
    """Outlets that carried the matching coverage, with their reach from the sources file and the
    reach-weighted exposure (reach x appearances), largest audience first."""
    _stats(settings, "outlets", query, _filters(theme, lang, outlet, country, since, until), as_json, as_csv,
           limit=limit, sources_file=sources_file)


@stats.command("entities")
@_stats_options
@_stats_limit
@click.option("--type", "entity_type", type=click.Choice(["organisation", "place", "person", "population", "all"]),
              default="all", show_default=True, help="Only entities of this kind.")
@example("advocacy stats entities theme:justice --type place")
def stats_entities(settings, query, theme, lang, outlet, country, since, until, limit, as_json, as_csv,
                   entity_type) -> None:
    """Organisations, places, people and population groups named in the most matching articles."""
    _stats(settings, "entities", query, _filters(theme, lang, outlet, country, since, until), as_json, as_csv,
           limit=limit, entity_type=entity_type)


@stats.command("terms")
@_stats_options
@_stats_limit
@example('advocacy stats terms "theme:education lang:fr" --limit 30')
def stats_terms(settings, query, theme, lang, outlet, country, since, until, limit, as_json, as_csv) -> None:
    """The most frequent words of the matching articles (stopwords in English, French and Arabic left out)."""
    _stats(settings, "terms", query, _filters(theme, lang, outlet, country, since, until), as_json, as_csv,
           limit=limit)


@main.group()
@example('advocacy alerts add health-oujda "theme:health AND Oujda" --email comms@ngo.example')
def alerts() -> None:
    """Saved searches, and what is new in them by email digest and Atom feed. Schedule `advocacy alerts run`
    (cron, a systemd timer): each search's "since" mark moves only once its digest has gone out."""


@alerts.command("add")
@click.argument("name")
@click.argument("query")
@click.option("--mode", type=click.Choice(["keyword", "semantic", "hybrid"]), default="keyword", show_default=True,
              help="keyword: the query's words must match; semantic and hybrid: articles close in meaning match "
                   "too (from alerts.min_similarity).")
@click.option("--email", "emails", multiple=True, help="Send the digests to this address (repeatable).")
@click.pass_obj
@example('advocacy alerts add oxfam-fr "entity:Oxfam lang:fr" --email comms@ngo.example --email field@ngo.example')
def alerts_add(settings, name: str, query: str, mode: str, emails: tuple[str, ...]) -> None:
    """Save QUERY, written as for `advocacy search`, under NAME (lower-case letters, digits, '-' and '_').
    Without --email the search still has its Atom feed."""
    from advocacy.alerts import add_alert, feed_path

    search = add_alert(settings, name, query, mode=mode, emails=list(emails))
    click.echo(f"Saved {search.name}: {search.query!r} ({search.mode})"
               + (f", digests to {', '.join(search.emails)}." if search.emails else ", feed only."))
    if search.emails and not settings.get("alerts", "smtp_host").strip():
        click.echo("No mail server is configured yet: set alerts.smtp_host and alerts.sender before "
                   "`advocacy alerts run`.")
    click.echo(f"`advocacy alerts run` delivers what it finds; the feed will be {feed_path(settings, search.name)}")


@alerts.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the saved searches as JSON.")
@click.pass_obj
@example("advocacy alerts list --json")
def alerts_list(settings, as_json: bool) -> None:
    """The saved searches, their recipients, how far they have been delivered and their feeds."""
    from advocacy.alerts import feed_path, feed_url, list_alerts

    searches = list_alerts(settings)
    if as_json:
        click.echo(json.dumps([{
            "name": s.name, "query": s.query, "mode": s.mode, "emails": s.emails, "created_at": s.created_at,
            "delivered_until": s.delivered_until, "last_run": s.last_run, "last_error": s.last_error,
            "feed": str(feed_path(settings, s.name)), "feed_url": feed_url(settings, s.name),
            "feed_entries": len(s.recent)} for s in searches], ensure_ascii=False, indent=2))
        return
    if not searches:
        click.echo("No saved searches yet; add one with `advocacy alerts add NAME QUERY`.")
    for s in searches:
        click.echo(f"{click.style(s.name, bold=True)}  ({s.mode})  {s.query}")
        click.echo(f"    {'digests to ' + ', '.join(s.emails) if s.emails else 'no email: feed only'}")
        click.echo(f"    delivered up to {s.delivered_until or 'nothing yet'}; last run {s.last_run or 'never'}")
        if s.last_error:
            click.echo(click.style(f"    last run could not deliver: {s.last_error}", fg="red"))
        click.echo(f"    feed {feed_path(settings, s.name)}")


@alerts.command("remove")
@click.argument("name")
@click.pass_obj
@example("advocacy alerts remove oxfam-fr")
def alerts_remove(settings, name: str) -> None:
    """Forget the saved search NAME and delete its feed."""
    from advocacy.alerts import remove_alert

    feed = remove_alert(settings, name)
    click.echo(f"Removed {name}" + (f" and its feed {feed}." if feed else "."))


def _echo_alert(outcome, *, dry_run: bool) -> None:
    news = f"{outcome.new} new article{'s' if outcome.new != 1 else ''}" if outcome.new else "nothing new"
    click.echo(f"{click.style(outcome.name, bold=True)}: {news}")
    if dry_run:
        for rank, hit in enumerate(outcome.hits, 1):
            day = (hit.published_at or "undated")[:10]
            click.echo(f"  {rank}. {hit.title}  ({hit.outlet_name or hit.outlet}, {day})")
        if outcome.new and outcome.recipients:
            click.echo(f"  would go to {', '.join(outcome.recipients)}")
    elif outcome.error:
        click.echo(click.style(f"  digest not sent: {outcome.error}", fg="red"))
    elif outcome.sent:
        click.echo(f"  digest sent to {', '.join(outcome.recipients)}")
    if outcome.warning:
        click.echo(click.style(f"  {outcome.warning}", fg="yellow"))
    if outcome.feed:
        click.echo(f"  feed {outcome.feed}")


@alerts.command("run")
@click.argument("name", required=False)
@click.option("--dry-run", is_flag=True, help="Show what would be sent; send, write and mark nothing.")
@click.pass_obj
@example("advocacy alerts run --dry-run")
def alerts_run(settings, name: str | None, dry_run: bool) -> None:
    """Find what is new in every saved search (or only NAME) since its last delivered run: articles indexed
    since then that match. Mail each search's digest, rewrite its Atom feed, then move its mark. A digest
    that cannot be sent is reported, its mark stays, and the next run sends it; the exit code is then 1."""
    from advocacy.alerts import run_alerts

    outcomes = run_alerts(settings, name, dry_run=dry_run, on_outcome=lambda o: _echo_alert(o, dry_run=dry_run))
    if not outcomes:
        click.echo("No saved searches yet; add one with `advocacy alerts add NAME QUERY`.")
    if dry_run:
        click.echo("Dry run: nothing was sent, written or marked.")
    failed = [outcome.name for outcome in outcomes if outcome.error]
    if failed:
        raise click.ClickException(f"{len(failed)} digest{'s' if len(failed) != 1 else ''} not delivered "
                                   f"({', '.join(failed)}); the next run sends {'them' if len(failed) != 1 else 'it'} "
                                   "once the cause is fixed")


@main.command()
@click.argument("article_id")
@click.option("--json", "as_json", is_flag=True, help="Print the whole record as JSON.")
@click.pass_obj
@example("advocacy show 3fa2c1")
def show(settings, article_id: str, as_json: bool) -> None:
    """Show one article: metadata, themes with their reasons, organisations, places, people, population
    groups, key figures, quotes and the text. ID may be a unique prefix."""
    with Workspace(settings.data_dir).ledger() as ledger:
        matches = [i for i in ledger.ids() if i.startswith(article_id.lower())]
        if not matches:
            raise click.ClickException(f"no article with id {article_id!r}; find ids with `advocacy search`")
        if len(matches) > 1:
            raise click.ClickException(f"{article_id!r} matches {len(matches)} articles; give more characters")
        article = ledger.get(matches[0])
    if as_json:
        click.echo(json.dumps(article.to_dict(), ensure_ascii=False, indent=2))
        return
    click.echo(click.style(article.title, bold=True))
    click.echo(f"{article.outlet_name} ({article.outlet}, {article.country}) · {article.language} · stage {article.stage}")
    click.echo(f"Published {article.published_at or 'unknown'} (date from {article.published_at_source}); "
               f"fetched {article.fetched_at}")
    click.echo(f"URL {article.canonical_url or article.url}")
    for copy in article.duplicates:
        click.echo(f"Also published at {copy}")
    click.echo(f"Archived in {article.archive.get('file')} at offset {article.archive.get('offset')}")
    if article.themes:
        click.echo("\nThemes:")
        for theme in article.themes:
            subs = f" ({', '.join(theme.subthemes)})" if theme.subthemes else ""
            click.echo(f"  {theme.theme} {theme.score:.2f}{subs} — {theme.reason}")
    groups = {"organisation": "Organisations", "place": "Places", "person": "People", "population": "Populations"}
    for kind, label in groups.items():
        found = [e for e in article.entities if e.type == kind]
        if found:
            click.echo(f"\n{label}: " + ", ".join(f"{e.name} ×{e.count}" for e in found))
    if article.figures:
        click.echo("\nKey figures:")
        for figure in article.figures:
            click.echo(f"  {figure.text}  ({figure.value:g} {figure.unit})".rstrip())
    if article.quotes:
        click.echo("\nQuotes:")
        for quote in article.quotes:
            click.echo(f"  “{quote.text}” — {quote.speaker or 'speaker not named'}")
    click.echo("\n" + article.text)


@main.command()
@click.argument("template", required=False)
@click.option("--template", "template_path", type=click.Path(dir_okay=False, exists=True),
              help="A template file of your own instead of a built-in name.")
@click.option("--format", "fmt", type=click.Choice(["md", "html", "docx", "pdf"]), default="md", show_default=True,
              help="Markdown, a self-contained print-ready HTML page, Word, or PDF (through LibreOffice).")
@click.option("--out", "out_path", type=click.Path(dir_okay=False), help="Output file. Default: under DATA_DIR/briefs.")
@click.option("--theme", multiple=True, help="Only these themes (repeatable). Default: all themes.")
@click.option("--country", multiple=True, help="Only outlets of this country code (repeatable).")
@click.option("--since", help="Evidence published on or after this date (YYYY-MM-DD).")
@click.option("--until", help="Evidence published on or before this date (YYYY-MM-DD).")
@click.option("--title", default=None, help="Title of the brief.")
@click.option("--inputs", "inputs_path", type=click.Path(dir_okay=False, exists=True),
              help="Your position, arguments, asks and recommendations (YAML or Markdown; see the README).")
@click.option("--citations", type=click.Choice(["numbered", "author-date"]), default=None,
              help="Citation style: [3] or (Le Matin 2024a). Default: briefs.citation_style.")
@click.option("--cite", "cite", multiple=True, metavar="ID",
              help="Cite this article (its id from `advocacy search`; a unique prefix is enough), whatever the "
                   "filters; repeat for several.")
@click.pass_obj
@example("advocacy brief position-paper --inputs position.yaml --citations author-date --format docx "
         "--out position.docx --since 2024-01-01 --cite 3fa2c1d4e5f6")
def brief(settings, template, template_path, fmt, out_path, theme, country, since, until, title, inputs_path,
          citations, cite) -> None:
    """Write a brief (policy paper, position paper, media digest, …) from the indexed evidence, with
    citations and charts, as Markdown, HTML, Word or PDF.

    TEMPLATE is a built-in template name such as policy-paper; a wrong name lists the available ones.
    Each article given to --cite is quoted first in the sections and arguments whose theme or query it
    fits, and under "Further evidence chosen by the author" when it fits none."""
    from advocacy.briefs import available_templates
    from advocacy.pipeline import resolve_article_id, run_brief

    chosen = template_path or template
    if not chosen:
        raise click.UsageError("name a template (available: "
                               f"{', '.join(available_templates(settings.path_or_none('briefs', 'templates_dir')))}) "
                               "or pass --template FILE")
    def report(verification) -> None:
        for warning in verification.warnings:
            click.echo(f"Warning: {warning}", err=True)
        click.echo(verification.summary() + ".")

    def report_redactions(withheld: int) -> None:
        if withheld:
            click.echo(f"Withheld {withheld} name{'s' if withheld != 1 else ''} of private individuals "
                       "(briefs.redact_private_names).")

    # `advocacy search` shows ids cut short: those are completed from the ledger; a whole id (32
    # characters) goes to the index as it is, which says when it holds no such article.
    cite = [given.strip() for given in cite]
    if any(len(given) < 32 for given in cite):
        with Workspace(settings.data_dir).ledger() as ledger:
            cite = [resolve_article_id(ledger, given) if len(given) < 32 else given for given in cite]
    path = run_brief(settings, template=chosen, fmt=fmt, out_path=Path(out_path) if out_path else None,
                     filters=_filters(theme, (), (), country, since, until), title=title, on_verified=report,
                     on_redacted=report_redactions, inputs=Path(inputs_path) if inputs_path else None,
                     citations=citations, cite=cite)
    click.echo(f"Brief written to {path}")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@click.pass_obj
@example("advocacy status --json")
def status(settings, as_json: bool) -> None:
    """Counts of articles per stage and of pages per crawler decision."""
    from advocacy.pipeline import status as pipeline_status

    counts = pipeline_status(settings)
    if as_json:
        click.echo(json.dumps(counts, indent=2, sort_keys=True))
        return
    click.echo(f"Data directory: {counts['data_dir']}")
    click.echo(f"Articles: {counts['articles']} ("
               + ", ".join(f"{n} {stage}" for stage, n in counts["by_stage"].items()) + ")")
    if counts["pages"]:
        click.echo("Pages: " + ", ".join(f"{n} {status.replace('_', '-')}" for status, n in counts["pages"].items()))


@main.command()
@click.pass_obj
@example("advocacy --data-dir ./demo-data demo")
def demo(settings) -> None:
    """Run the whole pipeline offline on a demo news web served on 127.0.0.1, then search and write a
    policy paper (Markdown and Word) under the data directory."""
    from advocacy.demo.run import run_demo

    run_demo(settings, echo=click.echo)


def _outlets(settings, sources_file: str | None):
    from advocacy.crawler import load_sources

    return load_sources(Path(sources_file) if sources_file else settings.path_or_none("sources", "file"))


def _endpoint_history(settings) -> dict[str, dict]:
    workspace = Workspace(settings.data_dir)
    if not workspace.ledger_path.exists():
        return {}
    with workspace.ledger() as ledger:
        return {row["url"]: row for row in ledger.endpoints()}


@main.group()
@example("advocacy sources check")
def sources() -> None:
    """List, add and check the outlets Advocacy Monitor follows."""


@sources.command("list")
@click.option("--sources", "sources_file", type=click.Path(dir_okay=False, exists=True),
              help="Sources file to read instead of the configured one.")
@click.option("--json", "as_json", is_flag=True, help="Print the outlets and their feeds' history as JSON.")
@click.pass_obj
@example("advocacy sources list --json")
def sources_list(settings, sources_file: str | None, as_json: bool) -> None:
    """The outlets of the sources file, with what the crawls so far saw of their feeds and sitemaps."""
    outlets = _outlets(settings, sources_file)
    history = _endpoint_history(settings)
    if as_json:
        click.echo(json.dumps([{
            "key": o.key, "name": o.name, "homepage": o.homepage, "country": o.country, "languages": o.languages,
            "type": o.type, "reach": o.reach, "verified": o.verified,
            "endpoints": [{"url": url, **history.get(url, {})} for url in (*o.feeds, *o.sitemaps)]}
            for o in outlets], ensure_ascii=False, indent=2))
        return
    for outlet in outlets:
        click.echo(f"{click.style(outlet.key, bold=True)}  {outlet.name} · {outlet.country or '—'} · "
                   f"{'/'.join(outlet.languages) or '—'} · {outlet.type} · reach {outlet.reach or 'unknown'}"
                   + ("" if outlet.verified else " · not verified"))
        for url in (*outlet.feeds, *outlet.sitemaps):
            seen = history.get(url)
            if seen is None:
                click.echo(f"    {url}  (never polled)")
                continue
            click.echo(f"    {url}  last success {seen['last_success'] or 'never'}, {seen['items']} items, "
                       f"{seen['failures']} failure(s) in a row, next poll {seen['next_poll']}")


@sources.command("add")
@click.argument("key")
@click.option("--name", required=True, help="Display name of the outlet.")
@click.option("--homepage", required=True, help="Home page URL (http or https).")
@click.option("--country", default="", help="ISO 3166-1 alpha-2 code, e.g. MA.")
@click.option("--language", "languages", multiple=True, help="Language code, e.g. fr (repeatable).")
@click.option("--type", "kind", default="national", show_default=True,
              type=click.Choice(["national", "regional", "international", "ngo-un", "blog"]))
@click.option("--reach", default=0, type=click.IntRange(min=0), help="Estimated monthly readers.")
@click.option("--feed", "feeds", multiple=True, help="RSS or Atom feed URL (repeatable).")
@click.option("--sitemap", "sitemaps", multiple=True, help="Sitemap URL (repeatable).")
@click.option("--allow", multiple=True, help="Only follow home-page links under this path (repeatable).")
@click.option("--depth", type=click.IntRange(0, 5), default=None, help="Clicks to follow from the home page.")
@click.option("--file", "file_path", type=click.Path(dir_okay=False),
              help="Sources file to add to. Default: the configured [sources] file.")
@click.pass_obj
@example('advocacy sources add hespress-fr --name "Hespress FR" --homepage https://fr.hespress.com/ '
         "--country MA --language fr --feed https://fr.hespress.com/feed --file my-sources.toml")
def sources_add(settings, key, name, homepage, country, languages, kind, reach, feeds, sitemaps, allow, depth,
                file_path) -> None:
    """Add an outlet to your sources file. The file is checked as a whole before it is replaced."""
    from advocacy.crawler.sources import add_outlet, outlet_block

    target = Path(file_path) if file_path else settings.path_or_none("sources", "file")
    if target is None:
        raise click.ClickException("no sources file is configured: pass --file my-sources.toml, or set [sources] "
                                   "file in your configuration (the built-in starter list is never edited)")
    block = outlet_block(key=key, name=name, homepage=homepage, country=country.upper(), languages=list(languages),
                         type=kind, reach=reach, feeds=list(feeds), sitemaps=list(sitemaps), crawl_allow=list(allow),
                         crawl_depth=depth)
    outlet = add_outlet(target, block)
    click.echo(f"Added {outlet.key} to {target}. Check its feeds with `advocacy sources check`.")


@sources.command("check")
@click.option("--sources", "sources_file", type=click.Path(dir_okay=False, exists=True),
              help="Sources file to check instead of the configured one.")
@click.option("--outlet", "outlet_keys", multiple=True, help="Only these outlets (repeatable).")
@click.option("--timeout", default=20.0, show_default=True, type=click.FloatRange(0.1, 300))
@click.option("--silent-after", default=14, show_default=True, type=click.IntRange(1, 3650),
              help="Flag a feed whose newest item is older than this many days.")
@click.option("--json", "as_json", is_flag=True, help="Print the checks as JSON.")
@click.pass_obj
@example("advocacy sources check --outlet hespress-fr --timeout 10")
def sources_check(settings, sources_file, outlet_keys, timeout, silent_after, as_json) -> None:
    """Ask every feed and sitemap now and report whether it answers, how many items it lists and whether
    it went silent, beside what past crawls recorded."""
    from advocacy.crawler.health import check_endpoints, summarise

    outlets = _outlets(settings, sources_file)
    if outlet_keys:
        outlets = [o for o in outlets if o.key in outlet_keys]
    history = _endpoint_history(settings)
    checks = check_endpoints(outlets, user_agent=settings.get("crawler", "user_agent"), timeout=timeout,
                             max_bytes=settings.get("crawler", "max_page_bytes"), silent_after_days=silent_after,
                             proxy=settings.get("crawler", "http_proxy"))
    verdicts = summarise(checks)
    if as_json:
        click.echo(json.dumps({"outlets": verdicts, "endpoints": [
            {**check.__dict__, "newest": check.newest.isoformat() if check.newest else None,
             "history": history.get(check.url)} for check in checks]}, ensure_ascii=False, indent=2))
        return
    colours = {"ok": "green", "warning": "yellow", "failing": "red"}
    for outlet in outlets:
        verdict = verdicts.get(outlet.key, "no feeds or sitemaps to check")
        click.echo(f"{click.style(outlet.key, bold=True)}: {click.style(verdict, fg=colours.get(verdict))}")
        for check in (c for c in checks if c.outlet == outlet.key):
            newest = check.newest.date().isoformat() if check.newest else "no dates"
            state = "ok" if check.ok else "FAILING"
            click.echo(f"    {check.kind:<7} {state:<7} {check.items:>5} items, newest {newest}  {check.url}")
            if check.problem:
                click.echo(f"            {check.problem}")
            seen = history.get(check.url)
            if seen:
                click.echo(f"            crawls: last success {seen['last_success'] or 'never'}, "
                           f"{seen['failures']} failure(s) in a row")


@main.group()
@example("advocacy config init advocacy.toml")
def config() -> None:
    """Show or create the configuration file."""


@config.command("show")
@click.pass_obj
@example("advocacy --config my.toml config show")
def config_show(settings) -> None:
    """Print the effective settings and where they came from."""
    click.echo(f"# from: {settings.source}")
    click.echo(json.dumps(settings.table, indent=2, ensure_ascii=False))


@config.command("init")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@example("advocacy config init advocacy.toml")
def config_init(path: str, force: bool) -> None:
    """Write the documented default configuration to PATH, to edit."""
    target = Path(path)
    if target.exists() and not force:
        raise click.ClickException(f"{target} already exists; pass --force to overwrite it")
    target.write_text(default_config_text(), encoding="utf-8")
    click.echo(f"Wrote {target}; use it with `advocacy --config {target} …`")


# -- web application and its accounts -------------------------------------------------------------------

# advocacy.web.accounts.ROLES, spelt out so that the other commands never import the web application
# (tests/web/test_cli.py keeps the two equal).
_ROLES = ("viewer", "analyst", "admin")

def _accounts(settings):
    from advocacy.web.accounts import Accounts
    from advocacy.web.settings import check_web_settings

    check_web_settings(settings)
    return Accounts.from_settings(settings)


def _web_errors(function):
    """Report the web application's errors (AccountError, …) as one line, like the other domain errors."""
    import functools

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        from advocacy.web.errors import WebError

        try:
            return function(*args, **kwargs)
        except WebError as exc:
            raise click.ClickException(str(exc)) from None
    return wrapper


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password (10 characters or more)", hide_input=True,
                        confirmation_prompt="Repeat the password")


@main.command()
@click.option("--host", default=None, help="Address to listen on. Default: web.host, 127.0.0.1 (this machine only).")
@click.option("--port", type=click.IntRange(0, 65535), default=None, help="Port to listen on. Default: web.port, 8000.")
@click.option("--allow-remote", is_flag=True,
              help="Listen on an address other machines can reach. Put an HTTPS reverse proxy in front.")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Server processes answering at once. Default: web.workers, 1. One per CPU core serves "
                   "the most people; each holds its own copy of the embedding model.")
@click.pass_obj
@example("advocacy --data-dir demo-data serve --port 8080 --workers 2")
@_web_errors
def serve(settings, host: str | None, port: int | None, allow_remote: bool, workers: int | None) -> None:
    """Run the web application and its REST API (under /api, described at /openapi.json) until Ctrl+C.

    Create the first administrator with `advocacy users add NAME --role admin`. Only this machine can
    reach the server unless --allow-remote is given."""
    from advocacy.web.server import serve as run_server
    from advocacy.web.settings import check_web_settings

    check_web_settings(settings)
    run_server(settings, host=host or settings.get("web", "host"),
               port=settings.get("web", "port") if port is None else port, allow_remote=allow_remote,
               workers=settings.get("web", "workers") if workers is None else workers, echo=click.echo)


@main.group()
@example("advocacy users add amina --role admin")
def users() -> None:
    """Who may sign in to the web application, and with which role: a viewer searches and reads, an
    analyst also corrects themes, saves searches and writes briefs, an admin also manages users."""


@users.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(_ROLES), default="viewer", show_default=True,
              help="viewer: search and read; analyst: also correct themes, save searches, write briefs; "
                   "admin: also manage users.")
@click.option("--display-name", default="", help="The name shown in the pages. Default: the username.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input instead of asking twice.")
@click.pass_obj
@example("advocacy users add amina.tazi --role analyst --display-name 'Amina Tazi'")
@_web_errors
def users_add(settings, username: str, role: str, display_name: str, password_stdin: bool) -> None:
    """Create a user; the password (10 characters or more) is asked twice."""
    accounts = _accounts(settings)
    user = accounts.add_user(username, _read_password(password_stdin), role=role, display_name=display_name)
    click.echo(f"Created {user.username} ({user.role}).")


@users.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the users as JSON.")
@click.pass_obj
@example("advocacy users list")
@_web_errors
def users_list(settings, as_json: bool) -> None:
    """The users, their roles and whether they are disabled."""
    found = _accounts(settings).users()
    if as_json:
        click.echo(json.dumps([user.__dict__ for user in found], ensure_ascii=False, indent=2))
        return
    if not found:
        click.echo("No users yet; create an administrator with `advocacy users add NAME --role admin`.")
    for user in found:
        click.echo(f"{user.username:<24} {user.role:<8} {user.display_name}"
                   + ("  (disabled)" if user.disabled else "") + f"  since {user.created_at[:10]}")


@users.command("set-role")
@click.argument("username")
@click.argument("role", type=click.Choice(_ROLES))
@click.pass_obj
@example("advocacy users set-role amina.tazi admin")
@_web_errors
def users_set_role(settings, username: str, role: str) -> None:
    """Give USERNAME another role. The last administrator cannot be demoted."""
    user = _accounts(settings).set_role(username, role)
    click.echo(f"{user.username} is now {'an' if user.role[0] in 'aeiou' else 'a'} {user.role}.")


@users.command("disable")
@click.argument("username")
@click.pass_obj
@example("advocacy users disable omar")
@_web_errors
def users_disable(settings, username: str) -> None:
    """Stop USERNAME from signing in, at once: their sessions end and their API tokens stop working, but the
    account, its saved work and its tokens are kept for `advocacy users enable`. The last administrator
    cannot be disabled."""
    user = _accounts(settings).update_user(username, disabled=True)
    click.echo(f"{user.username} is disabled: signed out everywhere, API tokens refused until enabled again.")


@users.command("enable")
@click.argument("username")
@click.pass_obj
@example("advocacy users enable omar")
@_web_errors
def users_enable(settings, username: str) -> None:
    """Let a disabled USERNAME sign in again; their API tokens work again."""
    user = _accounts(settings).update_user(username, disabled=False)
    click.echo(f"{user.username} can sign in again.")


@users.command("set-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input instead of asking twice.")
@click.pass_obj
@example("advocacy users set-password amina.tazi")
@_web_errors
def users_set_password(settings, username: str, password_stdin: bool) -> None:
    """Replace USERNAME's password (for someone who forgot theirs); their sessions end, API tokens stay."""
    accounts = _accounts(settings)
    if accounts.get_user(username) is None:
        raise click.ClickException(f"no user named {username!r}; `advocacy users list` shows them")
    accounts.set_password(username, _read_password(password_stdin))
    click.echo(f"Password of {username} replaced; they must sign in again.")


@users.command("remove")
@click.argument("username")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_obj
@example("advocacy users remove amina.tazi --yes")
@_web_errors
def users_remove(settings, username: str, yes: bool) -> None:
    """Remove USERNAME with their sessions and API tokens. The last administrator cannot be removed."""
    accounts = _accounts(settings)
    if not yes:
        click.confirm(f"Remove {username} and their API tokens?", abort=True)
    accounts.remove_user(username)
    click.echo(f"Removed {username}.")


@main.group()
@example("advocacy tokens add amina.tazi --name 'reporting sheet'")
def tokens() -> None:
    """API tokens: let a program (a spreadsheet, a script) use the REST API as a user, with
    `Authorization: Bearer TOKEN`. Only a digest is kept, so a token is shown once, when it is made."""


@tokens.command("add")
@click.argument("username")
@click.option("--name", required=True, help="What uses the token, to recognise it later.")
@click.pass_obj
@example("advocacy tokens add amina.tazi --name 'reporting sheet'")
@_web_errors
def tokens_add(settings, username: str, name: str) -> None:
    """Make an API token for USERNAME and print it, this once."""
    secret, token = _accounts(settings).add_token(username, name)
    click.echo(f"Token {token.id} ({token.name}) for {token.username}. Copy it now, it is not shown again:")
    click.echo(secret)


@tokens.command("list")
@click.argument("username", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the tokens as JSON.")
@click.pass_obj
@example("advocacy tokens list amina.tazi")
@_web_errors
def tokens_list(settings, username: str | None, as_json: bool) -> None:
    """Every API token (or USERNAME's): id, name, first characters, when made and last used."""
    found = _accounts(settings).tokens(username)
    if as_json:
        click.echo(json.dumps([token.__dict__ for token in found], ensure_ascii=False, indent=2))
        return
    if not found:
        click.echo("No API tokens.")
    for token in found:
        click.echo(f"{token.id:>4}  {token.username:<20} {token.name:<24} {token.prefix}…  "
                   f"made {token.created_at[:10]}, last used {token.last_used or 'never'}")


@tokens.command("revoke")
@click.argument("token_id", type=click.IntRange(min=1))
@click.pass_obj
@example("advocacy tokens revoke 3")
@_web_errors
def tokens_revoke(settings, token_id: int) -> None:
    """Revoke token TOKEN_ID (see `advocacy tokens list`); programs using it are refused from now on."""
    token = _accounts(settings).revoke_token(token_id)
    click.echo(f"Revoked token {token.id} ({token.name}) of {token.username}.")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
