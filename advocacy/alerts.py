"""`advocacy alerts`: saved searches, and what is new in them, as an email digest and an Atom feed.

Saved searches live in the index (:meth:`Store.save_search`), beside the articles whose indexing times tell
what is new. A run takes one cut (:meth:`Store.indexed_up_to`) and then, per search, finds the matching
articles indexed after the search's mark and up to the cut, mails them, rewrites the search's feed, and only
then moves the mark to the cut. A digest that could not be sent is therefore sent whole by a later run, and
nothing is sent twice. The rendering and the SMTP exchange are :mod:`advocacy.index.delivery`'s.
"""
from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urljoin

from advocacy.config import ConfigError, Settings
from advocacy.index.store import Hit, SavedSearch, SearchFilters, timestamp

SECURITY_PORTS = {"none": 25, "starttls": 587, "ssl": 465}
_FEED_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://advocacy-monitor.invalid/saved-search")


@dataclass(frozen=True)
class MailServer:
    host: str
    port: int
    security: str
    username: str | None
    password: str | None
    timeout: float
    sender: str


@dataclass
class AlertOutcome:
    """What a run did for one saved search."""
    name: str
    new: int = 0                                       # matching articles indexed since the mark
    hits: list[Hit] = field(default_factory=list)      # those the digest lists
    recipients: list[str] = field(default_factory=list)
    sent: bool = False
    feed: Path | None = None                           # the feed written (None: left as it was)
    error: str = ""                                    # why the digest was not delivered; the mark stayed
    warning: str = ""                                  # delivered, but not to everyone


def feed_path(settings: Settings, name: str) -> Path:
    from advocacy.pipeline import Workspace

    return Workspace(settings.data_dir).feeds_dir / f"{name}.xml"


def feed_url(settings: Settings, name: str) -> str | None:
    """Where the feed is published on the web (alerts.feed_base_url), or None when it is not."""
    base = settings.get("alerts", "feed_base_url").strip()
    return urljoin(base if base.endswith("/") else base + "/", f"{name}.xml") if base else None


def _open(settings: Settings):
    from advocacy.index import open_store

    return open_store(settings.store_url)


def add_alert(settings: Settings, name: str, query: str, *, mode: str = "keyword",
              emails: list[str] | tuple[str, ...] = ()) -> SavedSearch:
    """Save ``query`` under ``name``. A malformed query raises QuerySyntaxError; a bad name, mode or email
    address, or a name already taken, SavedSearchError."""
    from advocacy.index import SavedSearchError
    from advocacy.index.delivery import check_address
    from advocacy.index.query import parse

    parse(query)
    recipients = []
    for address in emails:
        try:
            address = check_address(address)
        except ValueError as exc:
            raise SavedSearchError(str(exc)) from None
        if address not in recipients:
            recipients.append(address)
    search = SavedSearch(name=name, query=query, mode=mode, emails=recipients, created_at=timestamp())
    store = _open(settings)
    try:
        if any(saved.name == name for saved in store.saved_searches()):
            raise SavedSearchError(f"a saved search named {name!r} exists already; remove it first with "
                                   f"`advocacy alerts remove {name}`")
        store.save_search(search)
    finally:
        store.close()
    return search


def list_alerts(settings: Settings) -> list[SavedSearch]:
    store = _open(settings)
    try:
        return store.saved_searches()
    finally:
        store.close()


def remove_alert(settings: Settings, name: str) -> Path | None:
    """Forget the saved search ``name`` and delete its feed; returns the feed's path if there was one."""
    from advocacy.index import SavedSearchError

    store = _open(settings)
    try:
        if not store.delete_search(name):
            raise SavedSearchError(f"no saved search named {name!r}; `advocacy alerts list` shows them")
    finally:
        store.close()
    path = feed_path(settings, name)
    if path.exists():
        path.unlink()
        return path
    return None


def mail_server(settings: Settings) -> MailServer | str:
    """The configured mail server, or why there is none to use. A value no mail server could work with
    raises ConfigError naming the key."""
    from advocacy.index.delivery import check_address

    section = settings.table["alerts"]
    security = section["smtp_security"].strip().lower()
    if security not in SECURITY_PORTS:
        raise ConfigError(f"alerts.smtp_security must be one of {', '.join(SECURITY_PORTS)}, not "
                          f"{section['smtp_security']!r}")
    host = section["smtp_host"].strip()
    if not host:
        return "no mail server is configured: set alerts.smtp_host and alerts.sender"
    if not section["sender"].strip():
        raise ConfigError("alerts.sender is empty: set it to the address the digests come from")
    try:
        sender = check_address(section["sender"])
    except ValueError as exc:
        raise ConfigError(f"alerts.sender: {exc}") from None
    if not 0 <= section["smtp_port"] <= 65535:
        raise ConfigError(f"alerts.smtp_port must be 0 (the usual port) or a port from 1 to 65535, not "
                          f"{section['smtp_port']}")
    if section["smtp_timeout"] <= 0:
        raise ConfigError(f"alerts.smtp_timeout must be a number of seconds above 0, not {section['smtp_timeout']}")
    username = section["smtp_username"].strip() or None
    password = None
    if username:
        variable = section["smtp_password_env"].strip()
        password = os.environ.get(variable, "") if variable else ""
        if not password:
            return (f"alerts.smtp_username is set but the environment variable {variable or '(none named)'} "
                    "that should hold its password is empty (see alerts.smtp_password_env)")
    return MailServer(host=host, port=section["smtp_port"] or SECURITY_PORTS[security], security=security,
                      username=username, password=password, timeout=float(section["smtp_timeout"]), sender=sender)


def run_alerts(settings: Settings, name: str | None = None, *, dry_run: bool = False, encoder=None,
               on_outcome=None) -> list[AlertOutcome]:
    """Deliver what is new in every saved search (or only ``name``). ``dry_run``: find it and say what would
    be sent, but send, write and mark nothing. ``on_outcome(outcome)`` hears of each search as it is done."""
    from advocacy.index import SavedSearchError

    limits = settings.table["alerts"]
    for key in ("digest_hits", "feed_entries"):
        if limits[key] < 1:
            raise ConfigError(f"alerts.{key} must be 1 or more, not {limits[key]}")
    mail = mail_server(settings)
    store = _open(settings)
    try:
        searches = store.saved_searches()
        if name is not None:
            searches = [search for search in searches if search.name == name]
            if not searches:
                raise SavedSearchError(f"no saved search named {name!r}; `advocacy alerts list` shows them")
        cut = store.indexed_up_to()
        embed = _QueryEmbedder(settings, encoder)
        outcomes = []
        for search in searches:
            outcome = _run_one(settings, store, search, cut=cut, mail=mail, embed=embed, dry_run=dry_run)
            outcomes.append(outcome)
            if on_outcome:
                on_outcome(outcome)
        return outcomes
    finally:
        store.close()


class _QueryEmbedder:
    """Query vectors for semantic and hybrid searches; the model is loaded only if one needs it."""

    def __init__(self, settings: Settings, encoder=None):
        self.settings, self.encoder = settings, encoder

    def __call__(self, query: str):
        from advocacy.pipeline import query_encoder, query_wording

        wording = query_wording(query)
        if not wording:
            return None  # only fields: the search matches by them alone
        if self.encoder is None:
            self.encoder = query_encoder(self.settings)
        return self.encoder.encode([wording])[0]


def _run_one(settings: Settings, store, search: SavedSearch, *, cut: str, mail, embed, dry_run: bool) -> AlertOutcome:
    section = settings.table["alerts"]
    vector = embed(search.query) if search.mode != "keyword" else None
    result = store.search(search.query, mode=search.mode, vector=vector, min_similarity=section["min_similarity"],
                          filters=SearchFilters(indexed_after=search.delivered_until, indexed_until=cut),
                          limit=max(section["digest_hits"], section["feed_entries"]))
    new = max(result.total, len(result.hits))
    outcome = AlertOutcome(search.name, new=new, hits=result.hits[:section["digest_hits"]],
                           recipients=list(search.emails))
    if dry_run:
        return outcome

    path = feed_path(settings, search.name)
    search.recent = _newest_first(result.hits, search.recent, keep=section["feed_entries"])
    if result.hits or not path.exists():
        _write_feed(settings, search, path)
        outcome.feed = path
    if result.hits and search.emails:
        outcome.error, outcome.warning = _mail_digest(settings, search, outcome, mail=mail)
        outcome.sent = not outcome.error
    search.last_run = timestamp()
    search.last_error = outcome.error
    if not outcome.error:
        # Only now: a digest that did not go out is found again, whole, by the next run.
        search.delivered_until = cut
    store.save_search(search)
    return outcome


def _newest_first(new: list[Hit], recent: list[Hit], *, keep: int) -> list[Hit]:
    """The feed's entries: this run's hits, newest published first, then the earlier ones, ``keep`` at most."""
    fresh = sorted((replace(hit, passage="", passage_index=None) for hit in new),
                   key=lambda hit: hit.published_at or "", reverse=True)
    seen = {hit.id for hit in fresh}
    return (fresh + [hit for hit in recent if hit.id not in seen])[:keep]


def _write_feed(settings: Settings, search: SavedSearch, path: Path) -> None:
    from advocacy.index.delivery import atom_feed

    document = atom_feed(
        # A search removed and saved again under the same name is a new feed: its creation time is in the id.
        feed_id=f"urn:uuid:{uuid.uuid5(_FEED_NAMESPACE, f'{search.name} {search.created_at}')}",
        title=f"Advocacy Monitor: {search.name}", subtitle=f"Search: {search.query}",
        self_url=feed_url(settings, search.name) or path.resolve().as_uri(), hits=search.recent,
        updated=datetime.now(timezone.utc))
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written aside and renamed, so a feed reader never fetches half a file.
    partial = path.with_name(path.name + ".part")
    partial.write_bytes(document)
    partial.replace(path)


def _period(search: SavedSearch) -> str:
    if not search.delivered_until:
        return "Everything indexed so far (first digest of this search)"
    since = datetime.fromisoformat(search.delivered_until).astimezone(timezone.utc)
    return f"Indexed since {since:%Y-%m-%d %H:%M} UTC"


def _mail_digest(settings: Settings, search: SavedSearch, outcome: AlertOutcome, *, mail) -> tuple[str, str]:
    """Send the digest; returns (error, warning), empty when there is nothing to say."""
    from advocacy.index.delivery import DeliveryError, DigestSection, build_message, render_digest, send_message

    if isinstance(mail, str):
        return mail, ""
    section = DigestSection(search.name, search.query, outcome.hits, total_new=outcome.new,
                            feed_url=feed_url(settings, search.name))
    text, html = render_digest([section], title=f"Advocacy Monitor: {search.name}", period=_period(search))
    subject = f"{search.name}: {outcome.new} new article{'s' if outcome.new != 1 else ''}"
    message = build_message(sender=mail.sender, recipients=search.emails, subject=subject, text=text, html=html)
    try:
        send_message(message, host=mail.host, port=mail.port, username=mail.username, password=mail.password,
                     starttls=mail.security == "starttls", ssl=mail.security == "ssl", timeout=mail.timeout)
    except DeliveryError as exc:
        if exc.refused and set(exc.refused) < set(search.emails):
            # The others have it; sending again would give them a second copy.
            return "", str(exc)
        return str(exc), ""
    return "", ""
