"""The typed model of one annual report: plain dataclasses, no behaviour beyond views."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar


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


class Figures(Mapping[str, Cell]):
    """A report's cells as states and values only, in a few hundred bytes instead of ~80 KB: what
    a build keeps of every report in memory (lists, rankings, totals); the printed text and where
    it was read stay in the parse cache, for the report's own page."""

    __slots__ = ("_index", "_states", "_values", "layout")
    _indexes: ClassVar[dict[tuple[str, ...], dict[str, int]]] = {}  # one per layout of cells, shared
    _layouts: ClassVar[dict[tuple[str, ...], int]] = {}  # a number per layout: the same cells, the same number
    _numbers: ClassVar[dict[Decimal, Decimal]] = {}  # one object per distinct value, shared
    _order: ClassVar[list[State]] = list(State)

    def __init__(self, cells: Mapping[str, Cell]):
        self._share(tuple(cells), bytes(self._order.index(c.state) for c in cells.values()),
                    tuple(c.value for c in cells.values()))

    def _share(self, ids: tuple[str, ...], states: bytes, values: tuple[Decimal | None, ...]) -> None:
        self._index = self._indexes.setdefault(ids, {k: i for i, k in enumerate(ids)})
        self.layout = self._layouts.setdefault(ids, len(self._layouts))
        self._states = states
        self._values = tuple(None if v is None else self._numbers.setdefault(v, v) for v in values)

    def __reduce__(self):
        return _figures, (tuple(self._index), self._states, self._values)

    def __getitem__(self, cell_id: str) -> Cell:
        i = self._index[cell_id]
        return Cell(cell_id, self._order[self._states[i]], self._values[i])

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)

    def __contains__(self, cell_id: object) -> bool:
        return cell_id in self._index

    def number(self, cell_id: str) -> Decimal | None:
        """The cell's value when it holds a number (what `Report.value` asks, without a `Cell`)."""
        i = self._index.get(cell_id)
        return None if i is None or self._order[self._states[i]] is not State.NUMBER else self._values[i]


def _figures(ids: tuple[str, ...], states: bytes, values: tuple[Decimal | None, ...]) -> Figures:
    figures = Figures.__new__(Figures)
    figures._share(ids, states, values)
    return figures


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
        if isinstance(self.cells, Figures):
            return self.cells.number(cell_id)
        cell = self.cells.get(cell_id)
        return cell.value if cell and cell.state is State.NUMBER else None

    def figures(self) -> Report:
        """This report without its text: its cells as `Figures`, no narrative, no warnings."""
        return replace(self, cells=Figures(self.cells), narrative={}, warnings=[])


class ReportError(Exception):
    """A file that cannot be read as a report; the message names the file and the problem."""
