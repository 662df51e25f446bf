"""The typed model of one annual report: plain dataclasses, no behaviour beyond views."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum


class State(StrEnum):
    NUMBER = "number"
    BLANK = "blank"  # the report leaves the cell empty or prints '/', '-', '—'
    UNREADABLE = "unreadable"  # the cell is there but cannot be read with certainty


@dataclass(frozen=True)
class Location:
    """Where in the source a piece of text was read."""

    line: int | None = None  # plain text
    table: int | None = None  # HTML, DOCX, PDF: 1-based table number in the document
    row: int | None = None  # 1-based row within the table
    column: int | None = None  # 1-based cell within the row, as printed (merged cells count once)
    page: int | None = None  # PDF, 1-based
    bbox: tuple[float, float, float, float] | None = None  # PDF points: x0, top, x1, bottom

    def __str__(self) -> str:
        parts = []
        if self.page is not None:
            parts.append(f"page {self.page}")
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.table is not None:
            parts.append(f"table {self.table}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"cell {self.column}")
        if self.bbox is not None:
            parts.append("bbox " + ",".join(f"{v:.1f}" for v in self.bbox))
        return " ".join(parts)

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass(frozen=True)
class Cell:
    id: str  # the id of ../spec/cells.tsv, e.g. "requests.new.total"
    state: State
    value: Decimal | None = None  # counts are integral; money is in 万元
    text: str = ""  # the text as printed
    where: Location | None = None


@dataclass(frozen=True)
class Provenance:
    path: str
    sha256: str
    media_type: str
    size: int


@dataclass
class Report:
    source: Provenance
    agency: str | None = None
    year: int | None = None
    format: str | None = None  # "2019" or "2021", told from the labels
    published: str | None = None  # ISO date when printed
    title: str | None = None
    cells: dict[str, Cell] = field(default_factory=dict)
    narrative: dict[str, str] = field(default_factory=dict)  # "preamble", "1", "5", "6"
    warnings: list[str] = field(default_factory=list)
    parsed_at: str | None = None  # when it was read (ISO 8601, UTC): part of its provenance

    def value(self, cell_id: str) -> Decimal | None:
        cell = self.cells.get(cell_id)
        return cell.value if cell and cell.state is State.NUMBER else None


class ReportError(Exception):
    """A file that cannot be read as a report; the message names the file and the problem."""
