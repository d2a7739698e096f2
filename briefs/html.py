"""A brief as one self-contained HTML page: styles inline, nothing fetched, laid out for printing.

Article text comes from the web, so raw HTML in the Markdown is shown as text, never passed through.
"""
from __future__ import annotations

import base64
import html
from pathlib import Path

from markdown_it import MarkdownIt

# Print-friendly: A4 margins, serif body, quotes set off, no colours that waste ink; Arabic paragraphs
# run right to left on their own (dir="auto").
_STYLE = """
@page { size: A4; margin: 22mm 20mm; }
body { font-family: Georgia, "DejaVu Serif", serif; font-size: 11pt; line-height: 1.45; color: #111;
       max-width: 46em; margin: 2em auto; padding: 0 1em; }
h1 { font-size: 20pt; margin-bottom: 0.2em; } h2 { font-size: 15pt; margin-top: 1.6em; border-bottom: 1px solid #999; }
h3 { font-size: 12pt; } blockquote { margin: 0.8em 0 0.8em 1.2em; padding-left: 0.8em; border-left: 3px solid #999; }
img { max-width: 100%; } table { border-collapse: collapse; margin: 0.8em 0; } th, td { border: 1px solid #999; padding: 0.2em 0.5em; }
a { color: inherit; } @media print { a { text-decoration: none; } h2 { page-break-after: avoid; } }
"""


def markdown_to_html(markdown: str, *, title: str, language: str = "en", images: dict[str, bytes] | None = None) -> str:
    """``images`` ({file name: PNG}) are the charts the Markdown refers to by file name; they are inlined
    as data: URIs so the page stays one self-contained file."""
    renderer = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
    charts = images or {}

    def image(self, tokens, idx, options, env) -> str:
        # Only the brief's own charts: an image an article's text spells out (![x](http://…)) would be
        # fetched by whoever opens the page, telling its author who reads the brief; it stays its alt text.
        token = tokens[idx]
        alt = html.escape(self.renderInlineAsText(token.children or [], options, env))
        png = charts.get(token.attrGet("src") or "")
        if png is None:
            return alt
        return f'<img src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}" alt="{alt}">'

    renderer.add_render_rule("image", image)
    body = renderer.render(markdown).replace("<p>", '<p dir="auto">').replace("<li>", '<li dir="auto">')
    return (f'<!DOCTYPE html>\n<html lang="{html.escape(language)}">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{html.escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n")


def write_html(markdown: str, out_path: Path, *, title: str, images: dict[str, bytes] | None = None) -> Path:
    out_path.write_text(markdown_to_html(markdown, title=title, images=images), encoding="utf-8")
    return out_path
