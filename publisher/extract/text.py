"""Plain-text reports: one cell per tab-indented line (rows split by blank lines), or running text."""

from __future__ import annotations

from ..model import Location
from .charset import decode
from .document import Document, Piece


def read(path: str, data: bytes) -> Document:
    text, _ = decode(data)
    doc = Document(path, "text/plain")
    row = 0
    in_row = False
    for n, line in enumerate(text.splitlines(), start=1):
        if line.lstrip(" ").startswith("\t"):
            # a cell of a table copied as text: each cell on its own tab-indented line
            if not in_row:
                row += 1
                in_row = True
            doc.add(Piece(line.strip(), Location(line=n), row, cell=True, table=True))
            continue
        in_row = False
        if line.strip():
            row += 1
            doc.add(Piece(line.strip(), Location(line=n), row))
    if not text.endswith(("\n", "\r")):
        doc.cut_short()  # the last line may be cut off mid-way
    return doc
