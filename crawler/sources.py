"""The source registry: the outlets to follow, kept in a TOML file that non-programmers edit.

Each outlet is one ``[[outlet]]`` table::

    [[outlet]]
    key = "hespress-fr"                 # short unique id, used in filters and reports
    name = "Hespress FR"
    homepage = "https://fr.hespress.com/"
    country = "MA"                      # ISO 3166-1 alpha-2
    languages = ["fr"]
    type = "national"                   # national | regional | international | ngo-un | blog
    reach = 500000                      # estimated monthly readers, used to weigh exposure
    feeds = ["https://fr.hespress.com/feed"]
    sitemaps = []
    verified = false                    # has someone checked the feeds answer?
    [outlet.crawl]                      # optional: follow links from the home page
    allow = ["/societe/"]               # only paths starting with one of these
    depth = 1
"""
from __future__ import annotations

import functools
import json
import os
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from advocacy.article import article_id
from advocacy.crawler.errors import SourcesError

OUTLET_TYPES = ("national", "regional", "international", "ngo-un", "blog")


@dataclass(frozen=True)
class Outlet:
    key: str
    name: str
    homepage: str
    country: str = ""
    languages: tuple[str, ...] = ()
    type: str = "national"
    reach: int = 0
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    crawl_allow: tuple[str, ...] = ()
    crawl_depth: int | None = None
    verified: bool = False
    domains: tuple[str, ...] = field(default=())

    def owns(self, url: str) -> bool:
        """True when ``url`` is on one of this outlet's hosts (the home page's, its feeds', sitemaps')."""
        host = (urlsplit(url).hostname or "").lower().removeprefix("www.")
        return host in self.domains

    def endpoint_kind(self, url: str) -> str | None:
        """Which of this outlet's configured discovery endpoints ``url`` is: "home" (the home page, or the
        root of one of its hosts), "robots", "feed" or "sitemap"; None for any other page. URLs are compared
        as stories are (``article_id``), so "http://site" and "https://www.site/#top" are the same page."""
        kind = self._endpoints.get(article_id(url))
        if kind is None and self.owns(url) and not urlsplit(url).path.strip("/"):
            return "home"
        return kind

    @functools.cached_property
    def _endpoints(self) -> dict[str, str]:
        """article id -> kind of each configured endpoint; the first kind named wins. Worked out once: the
        spider asks about every link it sees."""
        found: dict[str, str] = {}
        for endpoint, kind in [(self.homepage, "home"), (urljoin(self.homepage, "/robots.txt"), "robots"),
                               *((feed, "feed") for feed in self.feeds),
                               *((sitemap, "sitemap") for sitemap in self.sitemaps)]:
            found.setdefault(article_id(endpoint), kind)
        return found


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower().removeprefix("www.")


def _check_url(url: object, where: str) -> str:
    if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
        raise SourcesError(f"{where}: {url!r} is not an http(s) URL")
    return url


def parse_sources(text: str, *, origin: str = "sources") -> list[Outlet]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SourcesError(f"{origin} is not valid TOML: {exc}") from None
    tables = data.get("outlet", [])
    if not isinstance(tables, list):
        raise SourcesError(f"{origin}: outlets must be written as [[outlet]] tables")
    outlets: list[Outlet] = []
    seen: set[str] = set()
    for number, table in enumerate(tables, 1):
        where = f"{origin}, outlet #{number}"
        key = table.get("key")
        if not isinstance(key, str) or not key.strip():
            raise SourcesError(f"{where}: 'key' is required (a short unique id such as \"hespress-fr\")")
        where = f"{origin}, outlet {key!r}"
        if key in seen:
            raise SourcesError(f"{where}: the key is used twice")
        seen.add(key)
        homepage = _check_url(table.get("homepage"), f"{where}, homepage")
        kind = table.get("type", "national")
        if kind not in OUTLET_TYPES:
            raise SourcesError(f"{where}: type {kind!r} is not one of {', '.join(OUTLET_TYPES)}")
        feeds = tuple(_check_url(u, f"{where}, feeds") for u in table.get("feeds", []))
        sitemaps = tuple(_check_url(u, f"{where}, sitemaps") for u in table.get("sitemaps", []))
        crawl = table.get("crawl", {})
        reach = table.get("reach", 0)
        if not isinstance(reach, int) or reach < 0:
            raise SourcesError(f"{where}: reach must be a whole number of readers, not {reach!r}")
        domains = tuple(dict.fromkeys(_host(u) for u in (homepage, *feeds, *sitemaps)))
        outlets.append(Outlet(
            key=key, name=table.get("name", key), homepage=homepage, country=table.get("country", ""),
            languages=tuple(table.get("languages", [])), type=kind, reach=reach, feeds=feeds,
            sitemaps=sitemaps, crawl_allow=tuple(crawl.get("allow", [])), crawl_depth=crawl.get("depth"),
            verified=bool(table.get("verified", False)), domains=domains))
    return outlets


def load_sources(path: str | Path | None = None) -> list[Outlet]:
    """Outlets from ``path``, or from the starter list shipped with Advocacy Monitor when ``None``."""
    if path is None:
        text = resources.files("advocacy.crawler").joinpath("sources.toml").read_text(encoding="utf-8")
        return parse_sources(text, origin="built-in sources.toml")
    path = Path(path)
    if not path.is_file():
        raise SourcesError(f"sources file {path} does not exist")
    return parse_sources(path.read_text(encoding="utf-8"), origin=str(path))


def _toml_value(value) -> str:
    # A JSON string is a valid TOML basic string; lists of strings likewise.
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)


def outlet_block(*, key: str, name: str, homepage: str, country: str = "", languages: list[str] = (),
                 type: str = "national", reach: int = 0, feeds: list[str] = (), sitemaps: list[str] = (),
                 crawl_allow: list[str] = (), crawl_depth: int | None = None) -> str:
    """The TOML text of one ``[[outlet]]`` table."""
    lines = ["[[outlet]]"]
    for field_name, value in (("key", key), ("name", name), ("homepage", homepage), ("country", country),
                              ("languages", list(languages)), ("type", type), ("reach", reach),
                              ("feeds", list(feeds)), ("sitemaps", list(sitemaps)), ("verified", False)):
        lines.append(f"{field_name} = {_toml_value(value)}")
    if crawl_allow or crawl_depth is not None:
        lines.append("[outlet.crawl]")
        if crawl_allow:
            lines.append(f"allow = {_toml_value(list(crawl_allow))}")
        if crawl_depth is not None:
            lines.append(f"depth = {crawl_depth}")
    return "\n".join(lines) + "\n"


def add_outlet(path: str | Path, block: str) -> Outlet:
    """Append an outlet to the sources file at ``path`` (created if missing), after checking that the whole
    file still reads correctly. The file is replaced atomically, so a failure leaves it as it was."""
    path = Path(path)
    current = path.read_text(encoding="utf-8") if path.exists() else ""
    separator = "" if not current or current.endswith("\n\n") else ("\n" if current.endswith("\n") else "\n\n")
    updated = current + separator + block
    outlets = parse_sources(updated, origin=str(path))  # raises SourcesError, naming the problem
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(updated, encoding="utf-8")
    os.replace(temporary, path)
    return outlets[-1]
