"""Telling people what is new in their saved searches: an email digest, and an Atom feed per saved search.

Everything shown here comes from crawled articles, which are untrusted: titles, snippets, outlet names and
URLs are escaped or checked at the point where they enter HTML or XML, never earlier.
"""
from __future__ import annotations

import email.policy
import html
import re
import smtplib
import socket
import ssl as ssl_module
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date, datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from urllib.parse import urljoin, urlsplit

from advocacy.index.highlight import Highlighted
from advocacy.index.store import Hit

__all__ = ["DeliveryError", "DigestSection", "atom_feed", "build_message", "check_address", "entry_id",
           "render_digest", "send_message"]


class DeliveryError(Exception):
    """A digest could not be handed to the mail server; the message says why in plain words.

    ``refused`` lists the recipients the server turned down. When it is set but the server accepted the
    message for others, retrying would send those others a second copy.
    """

    def __init__(self, message: str, *, refused: tuple[str, ...] = ()):
        super().__init__(message)
        self.refused = refused


@dataclass
class DigestSection:
    search_name: str
    query: str
    hits: list[Hit]
    total_new: int
    feed_url: str | None = None


# ---------------------------------------------------------------------------------------------- text hygiene

# Characters XML 1.0 forbids (and that mail clients choke on): C0 controls other than tab/LF/CR, DEL,
# lone surrogates (which also cannot be encoded to UTF-8) and the two non-characters.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*")
_RTL_LANGUAGES = {"ar", "arc", "ckb", "dv", "fa", "he", "ps", "sd", "ug", "ur", "yi"}


def _clean(text: str | None) -> str:
    return _FORBIDDEN.sub("", text or "")


def _line(text: str | None) -> str:
    """One line of text: a title or a name must not break the layout, or a mail header, with newlines."""
    return " ".join(_clean(text).split())


def _snippet(hit: Hit) -> Highlighted:
    """The hit's snippet on one line, cleaned as _line() cleans text, its matches still on the same words."""
    return Highlighted(hit.snippet or "", tuple(hit.highlights or ())).collapsed(drop=_FORBIDDEN)


def _language(tag: str | None) -> str | None:
    """A BCP 47 tag fit for lang/xml:lang, or None; "und" and junk say nothing useful."""
    tag = (tag or "").strip()
    if not _LANGUAGE_TAG.fullmatch(tag) or tag.lower() == "und":
        return None
    return tag


def _is_rtl(language: str | None) -> bool:
    if not language:
        return False
    tag = language.lower()
    return tag in _RTL_LANGUAGES or tag.split("-", 1)[0] in _RTL_LANGUAGES or "-arab" in tag or "-hebr" in tag


def _web_url(url: str | None) -> str | None:
    """``url`` if it is an absolute http(s) address safe to put in href, else None.

    Anything else (javascript:, data:, relative, or hidden whitespace that browsers would strip before
    reading the scheme) is shown as text instead of becoming a link.
    """
    url = (url or "").strip()
    if not url or any(c.isspace() or not c.isprintable() for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or not url.lower().startswith(
            ("http://", "https://")):
        return None
    return url


def _resolve(url: str | None, base_url: str | None) -> str | None:
    if not url:
        return None
    if base_url and _web_url(base_url) and not urlsplit(url.strip()).scheme:
        url = urljoin(base_url, url.strip())
    return _web_url(url)


def _day(published_at: str | None) -> str:
    parsed = _parse_time(published_at)
    return parsed.date().isoformat() if parsed else ""


def _parse_time(value: str | None) -> datetime | None:
    """ISO 8601 timestamps as stored by the index; a bare date means midnight, and no zone means UTC."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        try:
            day = date.fromisoformat(value[:10])
        except ValueError:
            return None
        parsed = datetime(day.year, day.month, day.day)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


# ---------------------------------------------------------------------------------------------- digest

def render_digest(sections: list[DigestSection], *, title: str, period: str,
                  base_url: str | None = None) -> tuple[str, str]:
    """The digest as (plain text, self-contained HTML); sections keep their order, hits theirs."""
    return _digest_text(sections, title=title, period=period, base_url=base_url), \
        _digest_html(sections, title=title, period=period, base_url=base_url)


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _more(section: DigestSection) -> int:
    return max(section.total_new, len(section.hits)) - len(section.hits)


def _digest_text(sections: list[DigestSection], *, title: str, period: str, base_url: str | None) -> str:
    out = [_line(title), _line(period), ""]
    if not sections:
        out += ["No saved searches to report on.", ""]
    for section in sections:
        name = _line(section.search_name)
        out += [name, "=" * max(len(name), 3)]
        out.append(f"Search: {_line(section.query)}")
        total = max(section.total_new, len(section.hits))
        out.append(_count(total, "new article") if total else "Nothing new.")
        out.append("")
        for rank, hit in enumerate(section.hits, 1):
            out.append(f"{rank}. {_line(hit.title) or '(untitled)'}")
            meta = " · ".join(part for part in (_line(hit.outlet_name or hit.outlet), _day(hit.published_at)) if part)
            if meta:
                out.append(f"   {meta}")
            snippet = _snippet(hit).text
            if snippet:
                out.append(f"   {snippet}")
            if _line(hit.url):
                out.append(f"   {_line(hit.url)}")
            out.append("")
        more = _more(section)
        feed = _resolve(section.feed_url, base_url)
        if more:
            out.append(f"... and {more} more" + (f": {feed}" if feed else "."))
        elif feed:
            out.append(f"Feed: {feed}")
        if more or feed:
            out.append("")
    if base_url and _web_url(base_url):
        out += ["--", f"Manage your saved searches: {_web_url(base_url)}", ""]
    return "\n".join(out)


def _esc(text: str | None) -> str:
    return html.escape(_line(text), quote=True)


def _highlighted(hit: Hit) -> str:
    """Escape the snippet piece by piece so that only our own <mark> tags reach the HTML."""
    out = []
    for piece, matched in _snippet(hit).pieces():
        escaped = html.escape(piece, quote=True)
        out.append(f"<mark>{escaped}</mark>" if matched else escaped)
    return "".join(out)


def _link(url: str | None, label_html: str) -> str:
    safe = _web_url(url)
    if safe is None:
        return label_html
    return f'<a href="{html.escape(safe, quote=True)}" style="color:#1a4f8b">{label_html}</a>'


# Inline styles only: many mail clients drop <style> blocks and block anything fetched from the network.
_BODY = "margin:0;padding:16px;background:#f4f4f1;font-family:Helvetica,Arial,sans-serif;color:#222;line-height:1.45"
_CARD = "max-width:680px;margin:0 auto;background:#fff;padding:20px 24px;border-radius:6px"
_ITEM = "margin:0 0 14px 0"
_META = "color:#666;font-size:13px"
_SMALL = "color:#555;font-size:14px"


def _digest_html(sections: list[DigestSection], *, title: str, period: str, base_url: str | None) -> str:
    out = ['<!DOCTYPE html>', '<html lang="en">', '<head>', '<meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f'<title>{_esc(title)}</title>', '</head>', f'<body style="{_BODY}">', f'<div style="{_CARD}">',
           f'<h1 style="font-size:22px;margin:0 0 4px 0">{_esc(title)}</h1>',
           f'<p style="{_SMALL};margin:0 0 20px 0">{_esc(period)}</p>']
    if not sections:
        out.append("<p>No saved searches to report on.</p>")
    for section in sections:
        total = max(section.total_new, len(section.hits))
        out.append('<div class="section">')
        out.append(f'<h2 style="font-size:18px;margin:24px 0 2px 0;border-bottom:1px solid #ddd">'
                   f'{_esc(section.search_name)}</h2>')
        out.append(f'<p style="{_SMALL};margin:4px 0 12px 0">Search: <code>{_esc(section.query)}</code> · '
                   f'{_count(total, "new article") if total else "nothing new"}</p>')
        if section.hits:
            out.append('<ol style="padding-left:22px;margin:0">')
            for hit in section.hits:
                out.append(_hit_html(hit))
            out.append("</ol>")
        more = _more(section)
        feed = _resolve(section.feed_url, base_url)
        if more:
            tail = f" — {_link(feed, 'see them all in the feed')}" if feed else "."
            out.append(f'<p style="{_SMALL}">… and {more} more{tail}</p>')
        elif feed:
            out.append(f'<p style="{_SMALL}">{_link(feed, "Atom feed for this search")}</p>')
        out.append("</div>")
    if base_url and _web_url(base_url):
        out.append(f'<p style="{_META};margin-top:28px;border-top:1px solid #ddd;padding-top:8px">'
                   f'{_link(base_url, "Manage your saved searches")}</p>')
    out += ["</div>", "</body>", "</html>", ""]
    return "\n".join(out)


def _hit_html(hit: Hit) -> str:
    language = _language(hit.language)
    attrs = f' lang="{html.escape(language, quote=True)}"' if language else ""
    if _is_rtl(language):
        attrs += ' dir="rtl"'
    title = _esc(hit.title) or "(untitled)"
    parts = [f'<li{attrs} style="{_ITEM}">', f'<div style="font-weight:bold">{_link(hit.url, title)}</div>']
    meta = [p for p in (_esc(hit.outlet_name or hit.outlet), _esc(_day(hit.published_at))) if p]
    if _web_url(hit.url) is None and _line(hit.url):
        # Not a web address we are willing to link to; the reader can still see where it claimed to be.
        meta.append(f"<span>{_esc(hit.url)}</span>")
    if meta:
        parts.append(f'<div style="{_META}">{" · ".join(meta)}</div>')
    snippet = _highlighted(hit)
    if snippet:
        parts.append(f'<div style="margin-top:2px">{snippet}</div>')
    parts.append("</li>")
    return "\n".join(parts)


# ---------------------------------------------------------------------------------------------- email

_LOCAL_PART = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_DOMAIN_LABEL = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?")


def check_address(address: str) -> str:
    """``address`` without surrounding spaces if it is a plain email address such as name@example.org, else
    ValueError saying why.

    Strict on purpose: only what every mail server takes (no display names, quoted local parts, IP literals
    or non-ASCII), so that a typo is caught when a saved search is added, not when its first digest bounces.
    """
    address = (address or "").strip()
    example = "an email address such as name@example.org"
    if not address:
        raise ValueError(f"an empty recipient is not {example}")
    local, at, domain = address.rpartition("@")
    if not at:
        raise ValueError(f"{address!r} is not {example}: it has no @")
    if not local:
        raise ValueError(f"{address!r} is not {example}: it needs a name before the @")
    if not _LOCAL_PART.fullmatch(local) or len(local) > 64:
        raise ValueError(f"{address!r} is not {example}: the part before the @ holds spaces, accents, a second @ "
                         "or other characters mail servers refuse")
    labels = domain.split(".")
    if len(labels) < 2 or len(domain) > 253 or not all(_DOMAIN_LABEL.fullmatch(label) for label in labels) \
            or labels[-1].isdigit():
        raise ValueError(f"{address!r} is not {example}: {domain or 'the part after the @'!s} is not a domain "
                         "name such as example.org")
    return address


def build_message(*, sender: str, recipients: list[str], subject: str, text: str, html: str) -> EmailMessage:
    """A multipart/alternative message, plain text first so that clients prefer the HTML part."""
    recipients = [r.strip() for r in recipients if r and r.strip()]
    if not recipients:
        raise ValueError("a digest needs at least one recipient")
    for address in (sender, *recipients):
        if any(c in address for c in "\r\n"):
            raise ValueError(f"email address {address!r} contains a line break")
    # cte_type 7bit makes the bodies quoted-printable or base64, so relays without 8BITMIME carry
    # Arabic and French text unharmed.
    message = EmailMessage(policy=email.policy.SMTP.clone(cte_type="7bit"))
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Subject"] = _line(subject)
    message["Date"] = format_datetime(datetime.now(timezone.utc))
    # Without a domain make_msgid asks DNS for this machine's name, which can stall for seconds.
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid(domain=domain)
    # RFC 3834: keeps vacation responders and ticket systems from answering an automated digest.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(_clean(text), subtype="plain", charset="utf-8")
    message.add_alternative(_clean(html), subtype="html", charset="utf-8")
    return message


def _where(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _reply(exc: smtplib.SMTPResponseException) -> str:
    text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
    return f"{exc.smtp_code} {' '.join(text.split())}".strip()


def _network_reason(exc: BaseException, timeout: float) -> str:
    if isinstance(exc, smtplib.SMTPServerDisconnected) and isinstance(exc.__context__, OSError):
        # smtplib reports a read timeout or reset as a disconnection; the underlying error says more.
        exc = exc.__context__
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, TimeoutError):
        return f"no answer within {timeout:g} seconds"
    if isinstance(exc, socket.gaierror):
        return "unknown host name"
    if isinstance(exc, ssl_module.SSLCertVerificationError):
        return f"its TLS certificate could not be verified ({exc.verify_message})"
    if isinstance(exc, ssl_module.SSLError):
        return f"the TLS handshake failed ({exc.reason or exc}); check whether the port expects ssl or starttls"
    if isinstance(exc, smtplib.SMTPConnectError):
        return f"it answered {_reply(exc)}"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return "it closed the connection"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror[0].lower() + exc.strerror[1:]
    return str(exc) or type(exc).__name__


def _plural(addresses, word: str) -> str:
    addresses = list(addresses)
    return f"{word}{'s' if len(addresses) > 1 else ''} {', '.join(addresses)}"


def send_message(message: EmailMessage, *, host: str, port: int, username: str | None = None,
                 password: str | None = None, starttls: bool = False, ssl: bool = False,
                 timeout: float = 30) -> None:
    """Hand ``message`` to an SMTP server; any failure becomes a DeliveryError with a readable message."""
    if starttls and ssl:
        raise ValueError("use either starttls (upgrade a plain connection) or ssl (TLS from the start), not both")
    if (username is None) != (password is None):
        raise ValueError("give both a username and a password, or neither")
    where = _where(host, port)
    context = ssl_module.create_default_context() if (starttls or ssl) else None
    try:
        if ssl:
            client = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
        else:
            client = smtplib.SMTP(host, port, timeout=timeout)
    except OSError as exc:  # smtplib's errors are OSErrors too
        raise DeliveryError(f"cannot reach the mail server {where}: {_network_reason(exc, timeout)}") from exc

    step = "talking to"
    try:
        if starttls:
            step = "securing the connection to"
            client.ehlo()
            client.starttls(context=context)
            client.ehlo()
        if username is not None:
            step = "logging in to"
            try:
                client.login(username, password)
            except UnicodeEncodeError:
                raise DeliveryError("the mail server login needs a username and password in plain ASCII "
                                    "characters") from None
        step = "sending to"
        refused = client.send_message(message)
    except DeliveryError:
        raise
    except smtplib.SMTPAuthenticationError as exc:
        raise DeliveryError(f"the mail server refused the login ({_reply(exc)})") from exc
    except smtplib.SMTPNotSupportedError as exc:
        if step == "securing the connection to":
            raise DeliveryError(f"the mail server {where} does not offer STARTTLS") from exc
        if step == "logging in to":
            raise DeliveryError(f"the mail server {where} does not accept a login on this connection; it may "
                                "need starttls or ssl first") from exc
        raise DeliveryError(f"the mail server {where} cannot take this message: {exc}") from exc
    except smtplib.SMTPRecipientsRefused as exc:
        if not exc.recipients:
            raise DeliveryError("the message has no recipients") from exc
        raise DeliveryError(f"the mail server refused {_plural(exc.recipients, 'recipient')}",
                            refused=tuple(exc.recipients)) from exc
    except smtplib.SMTPSenderRefused as exc:
        raise DeliveryError(f"the mail server refused sender {exc.sender} ({_reply(exc)})") from exc
    except smtplib.SMTPDataError as exc:
        raise DeliveryError(f"the mail server refused the message ({_reply(exc)})") from exc
    except smtplib.SMTPResponseException as exc:
        raise DeliveryError(f"the mail server {where} answered {_reply(exc)} while {step} it") from exc
    except ssl_module.SSLError as exc:
        raise DeliveryError(f"cannot secure the connection to the mail server {where}: "
                            f"{_network_reason(exc, timeout)}") from exc
    except OSError as exc:
        raise DeliveryError(f"lost the connection while {step} the mail server {where}: "
                            f"{_network_reason(exc, timeout)}") from exc
    finally:
        _hang_up(client)
    if refused:
        raise DeliveryError(f"the mail server refused {_plural(refused, 'recipient')}; the others accepted "
                            "the message", refused=tuple(refused))


def _hang_up(client: smtplib.SMTP) -> None:
    # Once the server has taken the message, a failed QUIT must not turn success into an error: the
    # caller would retry and send everyone a second copy.
    try:
        client.quit()
    except OSError:
        pass
    finally:
        client.close()


# ---------------------------------------------------------------------------------------------- Atom

_ATOM = "http://www.w3.org/2005/Atom"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# Entry ids must never change for a story, or feed readers show it again as new; deriving a name-based
# UUID from the article id keeps them stable and yields a registered URN scheme (RFC 4122) with no
# authority or date to invent, as a tag: URI would need.
_ENTRY_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://advocacy-monitor.invalid/article")


def _rfc3339(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _child(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    node = ET.SubElement(parent, tag, {k: _clean(v) for k, v in attrs.items()})
    if text is not None:
        node.text = _clean(text)
    return node


def entry_id(article_id: str) -> str:
    """The Atom entry id of an article, the same in every feed it appears in."""
    return f"urn:uuid:{uuid.uuid5(_ENTRY_NAMESPACE, article_id)}"


def atom_feed(*, feed_id: str, title: str, self_url: str, hits: list[Hit], updated: datetime,
              subtitle: str = "") -> bytes:
    """An Atom 1.0 document (RFC 4287), UTF-8; entries keep the order of ``hits``."""
    feed_id = _line(feed_id)
    if not re.match(r"[A-Za-z][A-Za-z0-9+.-]*:\S", feed_id):
        raise ValueError(f"feed id {feed_id!r} must be an absolute IRI such as tag:… or urn:…")
    # Namespaced tags are written without prefixes; setting xmlns by hand avoids ElementTree's
    # process-wide namespace registry.
    feed = ET.Element("feed", {"xmlns": _ATOM})
    _child(feed, "id", feed_id)
    _child(feed, "title", _line(title), type="text")
    if _line(subtitle):
        _child(feed, "subtitle", _line(subtitle), type="text")
    _child(feed, "updated", _rfc3339(updated))
    _child(feed, "link", rel="self", type="application/atom+xml", href=_line(self_url))
    author = _child(feed, "author")
    _child(author, "name", "Advocacy Monitor")

    for hit in hits:
        entry = _child(feed, "entry")
        language = _language(hit.language)
        if language:
            entry.set(_XML_LANG, language)
        _child(entry, "id", entry_id(hit.id))
        _child(entry, "title", _line(hit.title) or "(untitled)", type="text")
        published = _parse_time(hit.published_at)
        _child(entry, "updated", _rfc3339(published or updated))
        if published:
            _child(entry, "published", _rfc3339(published))
        if _line(hit.outlet_name or hit.outlet):
            source_author = _child(entry, "author")
            _child(source_author, "name", _line(hit.outlet_name or hit.outlet))
        link = _web_url(hit.url)
        if link:
            _child(entry, "link", rel="alternate", type="text/html", href=link)
        for theme in hit.themes or []:
            if _line(theme):
                _child(entry, "category", term=_line(theme))
        summary = _snippet(hit).text
        if summary:
            _child(entry, "summary", summary, type="text")
        if not link:
            # RFC 4287 §4.1.1.1: an entry without an alternate link must carry content instead.
            _child(entry, "content", summary or _line(hit.title) or "(no text)", type="text")
    # Indenting touches only elements that have children, never the text of a title or summary.
    ET.indent(feed)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"
