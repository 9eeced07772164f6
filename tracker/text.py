"""Markdown rendering, always sanitised with nh3 before it reaches a page, in time linear in the note's length.

Python-Markdown is superlinear on some inputs (thousands of "[" take seconds, ten thousand nested "- " overflow
the stack), and one such note would stall every page that shows it. A linear pre-pass sets such paragraphs
aside as plain text; everything people really write (links, lists, emphasis) renders as before.
"""

from __future__ import annotations

import html
import re
import secrets

import markdown as markdown_lib
import nh3
from flask import Flask
from markupsafe import Markup

_ALLOWED_TAGS = {"p", "br", "ul", "ol", "li", "strong", "em", "b", "i", "a", "blockquote", "code", "pre",
                 "h1", "h2", "h3", "h4", "table", "thead", "tbody", "tr", "th", "td", "hr"}
#: a paragraph with more brackets than this is not a list of links but an attack: it is shown as plain text
MAX_BRACKETS = 64
#: list or quote markers opening one line, beyond which nesting is refused (the parser recurses per level)
MAX_NESTING = 8
#: a note of more lines than this is shown as plain text: the parser's cost per line (a heading, a line break)
#: makes 6,666 one-line headings take 115 ms, and no report a person writes has a thousand lines
MAX_LINES = 1_000
_MARKER = r"[-*+>]|\d{1,9}[.)]"
_LEADING_MARKERS = re.compile(rf"^(?:\s*(?:{_MARKER})(?=\s))+")
_ONE_MARKER = re.compile(_MARKER)
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!<>|~])")


def _is_pathological(block: str) -> bool:
    if block.count("[") > MAX_BRACKETS:
        return True
    for line in block.splitlines():
        leading = _LEADING_MARKERS.match(line)
        if leading and len(_ONE_MARKER.findall(leading.group(0))) > MAX_NESTING:
            return True
    return False


def render_markdown(source: str | None) -> Markup:
    """Markdown → safe HTML: raw HTML, scripts and javascript: links are removed; line breaks are kept."""
    if not source:
        return Markup("")
    if source.count("\n") > MAX_LINES:
        return Markup("<p>" + html.escape(source).replace("\n", "<br>") + "</p>")  # noqa: S704 — escaped # nosec B704
    set_aside: dict[str, str] = {}
    blocks = re.split(r"(\n[ \t]*\n)", source)
    for index, block in enumerate(blocks):
        if _is_pathological(block):
            token = f"MINDETPLAIN{secrets.token_hex(8)}"
            set_aside[token] = "<p>" + html.escape(block).replace("\n", "<br>") + "</p>"
            blocks[index] = token
    rendered = markdown_lib.markdown("".join(blocks), extensions=["nl2br", "sane_lists"], output_format="html")
    for token, plain in set_aside.items():
        rendered = rendered.replace(f"<p>{token}</p>", plain).replace(token, plain)
    clean = nh3.clean(rendered, tags=_ALLOWED_TAGS, attributes={"a": {"href", "title"}},
                      url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer nofollow")
    return Markup(clean)  # noqa: S704 — sanitised by nh3 just above # nosec B704


def escape_markdown(value) -> str:
    """Text that people typed (a name, a reason), made inert before it enters an email's Markdown: a name
    written as "[Нажмите здесь](https://…)" stays text, not a link."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", str(value or ""))


def rendered_note(update) -> Markup:
    """A status update's note as HTML: the form stored when it was written, else rendered now."""
    if update.note_html is not None:
        return Markup(update.note_html)  # noqa: S704 — sanitised by render_markdown when stored # nosec B704
    return render_markdown(update.note)


def init_app(app: Flask) -> None:
    """Register the `markdown`, `note` and `md_escape` template filters."""
    app.add_template_filter(render_markdown, "markdown")
    app.add_template_filter(rendered_note, "note")
    app.add_template_filter(escape_markdown, "md_escape")
