"""Markdown rendering, always sanitised with nh3 before it reaches a page."""

from __future__ import annotations

import markdown as markdown_lib
import nh3
from flask import Flask
from markupsafe import Markup

_ALLOWED_TAGS = {"p", "br", "ul", "ol", "li", "strong", "em", "b", "i", "a", "blockquote", "code", "pre",
                 "h3", "h4", "table", "thead", "tbody", "tr", "th", "td", "hr"}


def render_markdown(source: str | None) -> Markup:
    """Markdown → safe HTML: raw HTML, scripts and javascript: links are removed; line breaks are kept."""
    if not source:
        return Markup("")
    html = markdown_lib.markdown(source, extensions=["nl2br", "sane_lists"], output_format="html")
    clean = nh3.clean(html, tags=_ALLOWED_TAGS, attributes={"a": {"href", "title"}},
                      url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer nofollow")
    return Markup(clean)  # noqa: S704 — sanitised by nh3 just above


def init_app(app: Flask) -> None:
    """Register the `markdown` template filter."""
    app.add_template_filter(render_markdown, "markdown")
