"""HTML reports: running text as lines, and every table row as cells (nested layout tables unwrapped)."""

from __future__ import annotations

import itertools
import re

import lxml.html
from lxml import etree

from ..model import Location, ReportError
from .charset import decode
from .document import Document, Piece

_BLOCK = {
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "br", "section", "article",
    "blockquote", "pre", "center", "dd", "dt", "dl", "header", "footer", "form", "hr", "caption",
}
_SKIP = {"script", "style", "noscript", "head", "template", "iframe", "object", "select", "button"}
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_END = re.compile(r"</(body|html)\s*>", re.I)


class _Walker:
    def __init__(self, doc: Document):
        self.doc = doc
        self.row = 0
        self.tables = 0
        self.line: list[str] = []

    def flush(self) -> None:
        text = "".join(self.line).strip()
        self.line = []
        if text:
            self.row += 1
            self.doc.add(Piece(text, Location(line=self.row), self.row))

    def walk(self, el) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in _SKIP:
            self._tail(el)
            return
        if tag == "table":
            self.flush()
            self.table(el)
            self._tail(el)
            return
        block = tag in _BLOCK
        if block:
            self.flush()
        if el.text and tag:
            self.line.append(el.text)
        for child in el:
            self.walk(child)
        if block:
            self.flush()
        self._tail(el)

    def _tail(self, el) -> None:
        if el.tail:
            self.line.append(el.tail)

    def table(self, table) -> None:
        """Emit a table's rows; a cell that holds a table is layout, so read it as running text."""
        rows = (tr for tr in table.iter("tr") if _owner(tr) is table)  # lazily: a huge table stops early
        first = next(rows, None)
        if first is None:
            for child in table:
                self.walk(child)
            return
        self.tables += 1
        number = self.tables
        for r, tr in enumerate(itertools.chain([first], rows), start=1):
            cells = [c for c in tr if isinstance(c.tag, str) and c.tag in ("td", "th")]
            self.row += 1
            row_id = self.row
            for c, td in enumerate(cells, start=1):
                if td.find(".//table") is not None:
                    self.flush()
                    for child in td:
                        self.walk(child)
                    self.flush()
                    self.row += 1
                    row_id = self.row
                    continue
                where = Location(table=number, row=r, column=c)
                self.doc.add(Piece(cell_text(td), where, row_id, cell=True, table=True))


def _owner(tr):
    for anc in tr.iterancestors():
        if anc.tag == "table":
            return anc
    return None


def cell_text(el) -> str:
    """A cell's text with line breaks where <br>, <p> or <div> break it."""
    parts: list[str] = []

    def walk(e) -> None:
        tag = e.tag if isinstance(e.tag, str) else ""
        if tag in _SKIP:
            if e.tail:
                parts.append(e.tail)
            return
        if tag in _BLOCK:
            parts.append("\n")
        if e.text and tag:
            parts.append(e.text)
        for child in e:
            walk(child)
        if tag in _BLOCK:
            parts.append("\n")
        if e.tail and e is not el:
            parts.append(e.tail)

    walk(el)
    text = "".join(parts).replace("\xa0", " ")
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def read(path: str, data: bytes) -> Document:
    text, _ = decode(data, html=True)
    text = _XML_DECL.sub("", text)
    try:
        root = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as e:
        raise ReportError(f"{path}: not a readable HTML page ({e})") from e
    doc = Document(path, "text/html")
    title = root.find(".//title")
    if title is not None and title.text_content().strip():
        doc.title = title.text_content().strip()
    body = root.find("body")
    walker = _Walker(doc)
    walker.walk(body if body is not None else root)
    walker.flush()
    if not _END.search(text):
        doc.cut_short()  # the page stops before </body> and </html>: cut off mid-way
    return doc
