"""The main text of an article page: the paragraphs a reader would quote, without menus, share buttons,
newsletter boxes, related links or the headline (stored apart).

trafilatura does the heavy lifting, run twice over one parse of the page:

1. tuned for precision over the whole page. Its paragraphs are trustworthy, but it drops some real ones
   (short paragraphs, subheadings, list items);
2. tuned for recall over the region of the page around what the first run found (the whole page when
   it found too little to place the article). It misses few paragraphs, but keeps some boilerplate.

A recall paragraph is kept when the precision run kept it too, or when it is long enough to be prose
anyway: 80 characters between the first and the last paragraph both runs kept, 200 before or after
them, where share bars, teasers and sign-up boxes gather. Both runs skip trafilatura's readability/jusText comparison (``fast=True``): it
costs as much as an extraction and, measured on the article-extraction benchmark, lowers F1.

Two repairs follow. A line repeating the headline is dropped. An article body that the page template
splits into several containers of the same kind (to put ads in between) is completed with the other
containers, which trafilatura, settling on one container, leaves out.

Everything here is language-independent: lengths, markup and agreement between the two runs, never
word lists, so French and Arabic pages are treated like English ones.
"""
from __future__ import annotations

import copy
import re

import lxml.html
import trafilatura
from lxml import etree

from advocacy.crawler.charset import decode_html

# Elements trafilatura deletes in every run anyway. Deleting them once, before both runs, makes each run
# cheaper (on the benchmark it changes nothing they find); <head> goes once the headline is read from it.
_NEVER_CONTENT = ("script", "style", "noscript", "template", "svg", "iframe", "link", "meta", "head",
                  "button", "input", "select", "textarea", "nav", "footer", "aside", etree.Comment)
# Blocks a line of trafilatura's output is matched back to, to find where on the page it came from.
_BLOCKS = ("p", "li", "h2", "h3", "h4", "blockquote", "pre", "td", "dd")
_WORD = re.compile(r"\w+")


def extract_main_text(html: str | bytes, *, url: str | None = None) -> str:
    """Main text of an article page, paragraphs separated by "\n"; "" when nothing is found."""
    text = _decoded(html) if isinstance(html, bytes) else html
    if not text.strip():
        return ""
    tree = trafilatura.load_html(text)
    if tree is None:
        return ""
    headlines = headline_forms(tree)
    etree.strip_elements(tree, *_NEVER_CONTENT, with_tail=False)
    blocks = _block_keys(tree)

    confirmed = _paragraphs(tree, focus="precision", url=url)
    region = _article_region(confirmed, blocks=blocks, levels_up=2)
    candidates = _paragraphs(_standalone(region) if region is not None else tree, focus="recall", url=url)
    lines = reconcile(candidates, confirmed) if candidates else confirmed
    lines = [line for line in lines if _key(line) not in headlines]
    lines = _complete_split_body(lines, tree=tree, blocks=blocks)
    return "\n".join(lines)


def _decoded(html: bytes) -> str:
    """Text of an HTML page given as bytes. Bytes that form valid UTF-8 are UTF-8 in practice, whatever the
    page declares (real Windows-1252 or -1256 text almost never does; pure ASCII reads the same in all
    three). Only the others need the project's careful decoding (BOM, declared charset, then telling
    Windows-1252 from -1256), which reads the whole page looking for signs of a misreading."""
    try:
        return html.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        return decode_html(html)[0]


def _key(text: str) -> str:
    """Comparison form of a paragraph: trafilatura trims and re-spaces text, so compare words only."""
    return " ".join(_WORD.findall(text.casefold()))


def headline_forms(tree) -> set[str]:
    """Comparison forms of the page's headline as the page states it (<h1>, <title>, Open Graph)."""
    forms = [heading.text_content() for heading in tree.iter("h1")][:3]
    forms += [title.text_content() for title in tree.iter("title")][:1]
    forms += tree.xpath("//meta[@property='og:title' or @name='twitter:title']/@content")
    return {key for key in map(_key, forms) if key}


def _paragraphs(tree, *, focus: str, url: str | None) -> list[str]:
    document = trafilatura.bare_extraction(
        tree, url=url, fast=True, favor_precision=focus == "precision", favor_recall=focus == "recall",
        include_comments=False, include_tables=True, with_metadata=False)
    if document is None or not document.text:
        return []
    return [line.strip() for line in document.text.splitlines() if line.strip()]


def _block_keys(tree) -> dict:
    return {element: _key(element.text_content()) for element in tree.iter(*_BLOCKS)}


def _article_region(lines: list[str], *, blocks: dict, levels_up: int, min_chars: int = 500):
    """The element holding all of ``lines`` on the page, ``levels_up`` levels wider so the recall run also
    sees what sits next to the article (subheadings, lead, last paragraph); None when there is too little
    text to locate the article, or when the region would be the whole page anyway."""
    if sum(map(len, lines)) < min_chars:
        return None
    wanted = {_key(line) for line in lines}
    found = [element for element, key in blocks.items() if key and key in wanted]
    if len(found) < 2:
        return None
    region = _common_ancestor(found)
    for _ in range(levels_up):
        if region is not None and region.getparent() is not None:
            region = region.getparent()
    return None if region is None or region.tag in ("html", "body") else region


def _common_ancestor(elements: list):
    lineages = [list(reversed([element, *element.iterancestors()])) for element in elements]
    common = None
    for generation in zip(*lineages):
        if any(element is not generation[0] for element in generation):
            break
        common = generation[0]
    return common


def _standalone(element):
    """A page of its own holding a copy of ``element``, so the shared tree stays intact."""
    page = lxml.html.Element("html")
    etree.SubElement(page, "body").append(copy.deepcopy(element))
    return page


def reconcile(candidates: list[str], confirmed: list[str], *, min_chars_inside: int = 80,
              min_chars_outside: int = 200) -> list[str]:
    """The recall run's lines (``candidates``) that the precision run also kept (``confirmed``), plus
    unconfirmed lines long enough to be prose: ``min_chars_inside`` between the first and last confirmed
    line, ``min_chars_outside`` before or after them, where share bars and teasers gather.
    Without any confirmation there is nothing to judge by, and every candidate stays."""
    confirmed_keys = {_key(line) for line in confirmed}
    is_confirmed = [_key(line) in confirmed_keys for line in candidates]
    if not any(is_confirmed):
        return candidates
    first = is_confirmed.index(True)
    last = len(is_confirmed) - 1 - is_confirmed[::-1].index(True)
    return [line for position, (line, ok) in enumerate(zip(candidates, is_confirmed))
            if ok or len(line) >= (min_chars_inside if first <= position <= last else min_chars_outside)]


def _complete_split_body(lines: list[str], *, tree, blocks: dict, levels_up: int = 2,
                         min_paragraph_chars: int = 80, min_part_chars: int = 300) -> list[str]:
    """Add the parts of an article body that the template split over several containers of the same
    kind, say ``<div class="body-chunk">`` between ads, when the extraction kept only one of them.

    The container holding most of the extracted paragraphs sets the kind (tag and class). Another part
    is a container of that kind within ``levels_up`` levels of it, with at least ``min_part_chars`` of
    new paragraphs of prose (``min_paragraph_chars`` or more, mostly not link text). Containers without
    a class are too generic to tell a body part from any other block, and are left alone."""
    kept = {_key(line) for line in lines}
    matched = [element for element, key in blocks.items() if element.tag == "p" and key and key in kept]
    weight: dict = {}
    for paragraph in matched:
        weight[paragraph.getparent()] = weight.get(paragraph.getparent(), 0) + len(blocks[paragraph])
    if not weight:
        return lines
    container = max(weight, key=weight.get)
    kind = container.get("class")
    if not kind:
        return lines
    scope = container
    for _ in range(levels_up):
        scope = scope.getparent() if scope.getparent() is not None else scope
    additions = []
    seen = set(kept)
    for part in scope.iter(container.tag):
        if part.get("class") != kind or _nested(part, container):
            continue
        new = [paragraph for paragraph in part.iter("p") if _is_new_prose(
            paragraph, blocks=blocks, seen=seen, min_chars=min_paragraph_chars)]
        if sum(len(blocks[paragraph]) for paragraph in new) >= min_part_chars:
            additions.extend(new)
            seen.update(blocks[paragraph] for paragraph in new)
    if not additions:
        return lines
    return _in_page_order(lines, matched=matched, additions=additions, tree=tree, blocks=blocks)


def _nested(one, other) -> bool:
    return one is other or any(a is other for a in one.iterancestors()) or any(
        a is one for a in other.iterancestors())


def _is_new_prose(paragraph, *, blocks: dict, seen: set, min_chars: int, max_link_share: float = 0.5) -> bool:
    key = blocks.get(paragraph)
    if not key or key in seen or len(key) < min_chars:
        return False
    linked = sum(len(_key(link.text_content())) for link in paragraph.iter("a"))
    return linked <= max_link_share * len(key)


def _in_page_order(lines: list[str], *, matched: list, additions: list, tree, blocks: dict) -> list[str]:
    order = {element: position for position, element in enumerate(tree.iter())}
    position_of = {}
    for paragraph in matched:
        position_of.setdefault(blocks[paragraph], order[paragraph])
    placed, position = [], -1
    for line in lines:
        # a line not found on the page stays right after the line before it
        position = position_of.get(_key(line), position)
        placed.append((position, 0, line))
    placed += [(order[paragraph], 1, " ".join(paragraph.text_content().split())) for paragraph in additions]
    placed.sort(key=lambda item: item[:2])
    return [line for _, _, line in placed]
