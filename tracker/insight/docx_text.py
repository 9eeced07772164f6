"""Markdown in Word documents: a note is rendered (and sanitised) to HTML once, then its paragraphs, lists, bold,
italics, code and links become Word paragraphs and runs — no literal asterisks in the document."""

from __future__ import annotations

from html.parser import HTMLParser

from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import RGBColor

from tracker.text import render_markdown

_BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "blockquote", "pre", "td", "th"}


class _Writer(HTMLParser):
    """Walks the sanitised HTML of a note and writes it into `container` (a document or a table cell)."""

    def __init__(self, container, first_paragraph=None):
        super().__init__(convert_charrefs=True)
        self.container, self.paragraph = container, first_paragraph
        self.bold = self.italic = self.code = 0
        self.lists: list[str] = []
        self.link: str | None = None

    def _new_paragraph(self, style: str | None = None):
        if self.paragraph is not None and not self.paragraph.text and style is None:
            return self.paragraph  # reuse the empty paragraph a cell starts with
        self.paragraph = self.container.add_paragraph(style=style) if style else self.container.add_paragraph()
        return self.paragraph

    def handle_starttag(self, tag, attrs):
        if tag in ("ul", "ol"):
            self.lists.append(tag)
        elif tag == "li":
            self._new_paragraph("List Number" if self.lists and self.lists[-1] == "ol" else "List Bullet")
        elif tag in _BLOCKS:
            self._new_paragraph()
            if tag.startswith("h"):
                self.bold += 1
        elif tag in ("strong", "b"):
            self.bold += 1
        elif tag in ("em", "i"):
            self.italic += 1
        elif tag == "code":
            self.code += 1
        elif tag == "br" and self.paragraph is not None:
            self.paragraph.add_run().add_break()
        elif tag == "a":
            self.link = dict(attrs).get("href")

    def handle_endtag(self, tag):
        if tag in ("ul", "ol") and self.lists:
            self.lists.pop()
        elif tag in ("strong", "b") or (tag.startswith("h") and tag in _BLOCKS):
            self.bold = max(self.bold - 1, 0)
        elif tag in ("em", "i"):
            self.italic = max(self.italic - 1, 0)
        elif tag == "code":
            self.code = max(self.code - 1, 0)
        elif tag == "a":
            self.link = None

    def handle_data(self, data):
        if not data.strip() and (self.paragraph is None or "\n" in data):
            return  # the line breaks between tags of the HTML, not text
        paragraph = self.paragraph if self.paragraph is not None else self._new_paragraph()
        if self.link:
            _hyperlink(paragraph, data, self.link)
            return
        run = paragraph.add_run(data)
        run.bold, run.italic = bool(self.bold) or None, bool(self.italic) or None
        if self.code:
            run.font.name = "Consolas"


def _hyperlink(paragraph, text: str, url: str) -> None:
    """A real, clickable link (python-docx has no API for it: the relationship and the element by hand)."""
    relationship = paragraph.part.relate_to(url, "http://schemas.openxmlformats.org/officeDocument/2006/"
                                                 "relationships/hyperlink", is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), relationship)
    run = paragraph.add_run(text)
    run.font.color.rgb = RGBColor(0x0B, 0x4F, 0x6C)
    run.font.underline = True
    link.append(run._r)
    paragraph._p.append(link)


def add_markdown(container, source: str | None, html: str | None = None) -> None:
    """Append a note (Markdown source, or its stored rendered HTML) to a document or a table cell."""
    if not source and not html:
        return
    first = container.paragraphs[0] if hasattr(container, "paragraphs") and len(container.paragraphs) == 1 \
        and not container.paragraphs[0].text and not hasattr(container, "add_section") else None
    writer = _Writer(container, first)
    writer.feed(html if html is not None else str(render_markdown(source)))
    writer.close()
