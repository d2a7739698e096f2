"""Whether an address typed into a page may become one the crawler fetches.

A source added in the browser is fetched later by the server itself, so an address on the server's own
machine or network (127.0.0.1, 10.x, 169.254.169.254 where clouds keep their credentials…) would let
whoever can add a source read what only the server can reach. Such addresses are refused unless an
administrator allows them on purpose (an intranet feed, say).

The host is resolved and every address it resolves to is checked, so a name pointing inside is refused
like the address itself; numeric spellings (2130706433, 0x7f.1, [::ffff:127.0.0.1]) resolve to the
addresses they stand for. A name resolved here may resolve elsewhere when the crawler fetches it later;
this check stops mistakes and casual probing, not a hostile DNS server.
"""
from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from advocacy.web.errors import InvalidInput

SCHEMES = ("http", "https")


def _resolve(host: str, port: int) -> list[str]:
    return [info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


def _numeric_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """The address an all-numeric host stands for, read as inet_aton reads it (2130706433, 0x7f.1, 0177.0.0.1),
    or None when the host is not such a number. Read here rather than left to the resolver, whose reading
    differs between C libraries."""
    parts = host.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    values = []
    for part in parts:
        lowered = part.lower()
        if lowered.startswith("0x") and all(c in "0123456789abcdef" for c in lowered[2:]):
            values.append(int(lowered[2:] or "0", 16))
        elif part.isascii() and part.isdigit() and len(part) > 1 and part.startswith("0"):
            if not set(part) <= set("01234567"):
                return None     # not a number to inet_aton either: the resolver decides
            values.append(int(part, 8))
        elif part.isascii() and part.isdigit():
            values.append(int(part, 10))
        else:
            return None
    *leading, last = values
    if any(value > 255 for value in leading) or last >= 256 ** (5 - len(values)):
        return None
    number = last
    for index, value in enumerate(leading):
        number += value << (8 * (3 - index))
    return ipaddress.IPv4Address(number)


def _literal(host: str):
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return _numeric_ipv4(host)


def _inside(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour or (address.teredo or (None, None))[1]
        if embedded is not None and _inside(embedded):
            return True
    return not address.is_global or address.is_multicast


def check_public_url(url: str, *, allow_private: bool = False, resolve=_resolve) -> str:
    """``url`` without surrounding spaces when it is an http(s) address whose host resolves only to public
    addresses (or to any address, with ``allow_private``); otherwise InvalidInput saying why.
    ``resolve(host, port)`` returns the host's addresses (tests pass their own)."""
    text = (url or "").strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise InvalidInput(f"{text!r} is not a web address") from None
    if parts.scheme.lower() not in SCHEMES or not parts.hostname:
        raise InvalidInput(f"{text!r} is not an http:// or https:// address")
    if any(char in text for char in "\x00\r\n\t "):
        raise InvalidInput(f"{text!r} contains spaces or control characters")
    if allow_private:
        return text
    host = parts.hostname.rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        raise InvalidInput(f"{text!r} points at the server itself ({host})")
    literal = _literal(host)
    try:
        addresses = [str(literal)] if literal else resolve(host, port or (443 if parts.scheme.lower() == "https"
                                                                          else 80))
    except (OSError, UnicodeError, ValueError):
        raise InvalidInput(f"the host of {text!r} cannot be found; check the address") from None
    if not addresses:
        raise InvalidInput(f"the host of {text!r} cannot be found; check the address")
    for found in addresses:
        try:
            address = ipaddress.ip_address(str(found).split("%")[0])
        except ValueError:
            raise InvalidInput(f"the host of {text!r} resolves to an unusable address {found!r}") from None
        if _inside(address):
            raise InvalidInput(f"{text!r} leads to {address}, an address on the server's own machine or private "
                               "network; only an administrator can allow such a source")
    return text
