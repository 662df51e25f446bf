"""PDF reports with pdfplumber: ruled tables as cells, everything else as text lines.

Tables keep their cells (merged cells appear once, at their first grid position); text lines
that fall inside a table are dropped, and page numbers ('- 3 -', '第3页') are left out.
"""

from __future__ import annotations

import re

import pdfplumber
from pdfminer.pdfparser import PDFSyntaxError
from pdfplumber.utils.exceptions import PdfminerException

from ..model import Location, ReportError
from .document import Document, Piece

_PAGE_NUMBER = re.compile(r"^[-—–\s]*(第\s*)?\d{1,3}(\s*页)?([/／]\s*\d{1,3})?[-—–\s]*$")


def _inside(line: dict, boxes: list[tuple[float, float, float, float]]) -> bool:
    cx = (line["x0"] + line["x1"]) / 2
    cy = (line["top"] + line["bottom"]) / 2
    return any(x0 <= cx <= x1 and top <= cy <= bottom for x0, top, x1, bottom in boxes)


def read(path: str, data: bytes) -> Document:
    import io

    doc = Document(path, "application/pdf")
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except (PdfminerException, PDFSyntaxError, Exception) as e:  # pdfminer raises many kinds
        raise ReportError(f"{path}: not a readable PDF ({type(e).__name__}: {e})") from e
    with pdf:
        title = (pdf.metadata or {}).get("Title")
        if isinstance(title, str) and title.isprintable() and "\x00" not in title:
            doc.title = title
        row = 0
        tables = 0
        chars = 0
        for page_no, page in enumerate(pdf.pages, start=1):
            chars += len(page.chars)
            items: list[tuple[float, int, list[Piece]]] = []  # (top, order, pieces of one row)
            found = page.find_tables()
            boxes = [t.bbox for t in found]
            for t in found:
                tables += 1
                for r, (cells, texts) in enumerate(zip(t.rows, t.extract(), strict=False), start=1):
                    pieces = []
                    col = 0
                    for bbox, text in zip(cells.cells, texts, strict=False):
                        if bbox is None or text is None:
                            continue  # covered by a merged cell
                        col += 1
                        where = Location(page=page_no, table=tables, row=r, column=col,
                                         bbox=tuple(round(v, 1) for v in bbox))
                        pieces.append(Piece(text, where, 0, cell=True, table=True))
                    if pieces:
                        items.append((cells.bbox[1], len(items), pieces))
            for line in page.extract_text_lines(return_chars=False):
                text = line["text"].strip()
                if not text or _inside(line, boxes) or _PAGE_NUMBER.match(text):
                    continue
                where = Location(page=page_no, bbox=(round(line["x0"], 1), round(line["top"], 1),
                                                     round(line["x1"], 1), round(line["bottom"], 1)))
                items.append((line["top"], len(items), [Piece(text, where, 0)]))
            for _, _, pieces in sorted(items, key=lambda i: (i[0], i[1])):
                row += 1
                for p in pieces:
                    doc.add(Piece(p.text, p.where, row, p.cell, p.table))
        if pdf.pages and chars == 0:
            raise ReportError(f"{path}: PDF has no text layer (a scanned image?); OCR it first")
    return doc
