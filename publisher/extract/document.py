"""What every reader hands the parser: the text of a file as pieces in reading order."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..model import Location, ReportError

# A report is a few hundred cells and lines, a few hundred thousand characters at the very most;
# a file with far more is not a report, and reading all of it would only cost time and memory.
MAX_PIECES = 100_000
MAX_CHARS = 4_000_000

# the end of a line that may be a number cut short: digits, separators, signs, spaces
_CUT_NUMBER = re.compile(r"[\d\s.,，+\-−—–/／]+$")


@dataclass(frozen=True)
class Piece:
    """One table cell, or one line of running text.

    `row` groups the pieces of one table row (or one text line); `cell` says the source marks
    where the cell begins and ends (a table cell, a tab-indented line), so its text is one value
    and never a run of several.
    """

    text: str
    where: Location
    row: int
    cell: bool = False
    table: bool = False


@dataclass
class Document:
    path: str
    media_type: str
    pieces: list[Piece] = field(default_factory=list)
    title: str | None = None  # a title the container states (HTML <title>, PDF metadata)
    chars: int = 0  # characters in all pieces so far

    def add(self, piece: Piece) -> None:
        """Append a piece; stop with a ReportError as soon as the file holds more than any report."""
        self.pieces.append(piece)
        self.chars += len(piece.text)
        if len(self.pieces) > MAX_PIECES or self.chars > MAX_CHARS:
            raise ReportError(f"{self.path}: far more text than any report (over {MAX_PIECES} lines and cells "
                              f"or {MAX_CHARS} characters); not a report")

    def cut_short(self) -> None:
        """The file stops before its end (a download cut off): its last piece may have lost its end.

        A last table cell is dropped (its row then lacks a cell and is not read); a number that
        ends the last line of running text is dropped, since it may be missing digits.
        """
        if not self.pieces:
            return
        last = self.pieces.pop()
        if last.cell:
            return
        text = _CUT_NUMBER.sub("", last.text)
        if text.strip():
            self.pieces.append(Piece(text, last.where, last.row, last.cell, last.table))

    def text(self) -> str:
        """All text, one row per line, cells separated by tabs."""
        lines: list[str] = []
        last = None
        for p in self.pieces:
            if p.row != last:
                lines.append(p.text)
                last = p.row
            else:
                lines[-1] += "\t" + p.text
        return "\n".join(lines)
