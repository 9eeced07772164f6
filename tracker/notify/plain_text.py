"""The plain-text part of an email, made from its HTML: headings underlined, lists with bullets, links written out
— text that reads as text in a mail client without HTML, not Markdown source."""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCKS = {"p", "ul", "ol", "table", "blockquote", "pre", "hr"}
_HEADINGS = {"h1": "=", "h2": "=", "h3": "-", "h4": "-"}


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.lists: list[list] = []  # [kind, counter]
        self.heading: str | None = None
        self.heading_start = 0
        self.link: str | None = None
        self.link_start = 0

    def _line_break(self, blank: bool = False) -> None:
        text = "".join(self.out).rstrip(" ")
        wanted = "\n\n" if blank else "\n"
        if text and not text.endswith(wanted):
            self.out = [text.rstrip("\n") + wanted]

    def handle_starttag(self, tag, attrs):
        if tag in _HEADINGS:
            self._line_break(blank=True)
            self.heading, self.heading_start = tag, len("".join(self.out))
        elif tag in ("ul", "ol"):
            self._line_break(blank=not self.lists)
            self.lists.append([tag, 0])
        elif tag == "li":
            self._line_break()
            kind = self.lists[-1] if self.lists else ["ul", 0]
            kind[1] += 1
            indent = "  " * max(len(self.lists) - 1, 0)
            self.out.append(f"{indent}{kind[1]}. " if kind[0] == "ol" else f"{indent}• ")
        elif tag in _BLOCKS:
            self._line_break(blank=True)
        elif tag == "br":
            self.out.append("\n")
        elif tag == "a":
            self.link, self.link_start = dict(attrs).get("href"), len("".join(self.out))
        elif tag in ("td", "th"):
            self.out.append(" | ")
        elif tag == "tr":
            self._line_break()

    def handle_endtag(self, tag):
        if tag in _HEADINGS and self.heading:
            text = "".join(self.out)
            title = text[self.heading_start:].strip()
            self.out = [text + "\n" + _HEADINGS[tag] * max(len(title), 3)]
            self.heading = None
            self._line_break(blank=True)
        elif tag in ("ul", "ol") and self.lists:
            self.lists.pop()
            self._line_break(blank=not self.lists)
        elif tag == "a" and self.link:
            label = "".join(self.out)[self.link_start:].strip()
            if self.link != label:
                self.out.append(f": {self.link}")
            self.link = None
        elif tag in _BLOCKS:
            self._line_break(blank=True)

    def handle_data(self, data):
        self.out.append(re.sub(r"\s+", " ", data) if "\n" in data else data)


def html_to_text(html: str) -> str:
    """Readable plain text of a (sanitised) HTML email body."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    text = "".join(parser.out)
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
