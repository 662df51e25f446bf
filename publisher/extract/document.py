"""What every reader hands the parser: the text of a file as pieces in reading order."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..model import Location


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
