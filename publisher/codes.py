"""The code lists of the report format, read from the SKOS in `ontology/codes.ttl`.

The ontology is the one source of truth for rows, columns, cells and their labels; the parser,
the RDF mapping, the shapes and the site all take them from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import SKOS

from .normalize import fold

ONTOLOGY_DIR = Path(__file__).resolve().parent.parent / "ontology"
XXGK = Namespace("https://w3id.org/xxgk/def/")
DEF = "https://w3id.org/xxgk/def/"


@dataclass(frozen=True)
class Concept:
    """A section, row or column of the format."""

    id: str  # skos:notation, e.g. "requests.denied" or "requests.natural_person"
    kind: str  # "section", "row" or "column"
    uri: str
    section: int  # 1..6
    label_zh: str
    label_en: str
    alt_labels: tuple[str, ...] = ()
    order: int = 0
    formats: frozenset[str] = frozenset()
    broader: str | None = None

    @property
    def labels(self) -> tuple[str, ...]:
        return (self.label_zh, *self.alt_labels)


@dataclass(frozen=True)
class CellSpec:
    """One cell of a table: a row concept crossed with a column concept."""

    id: str
    uri: str
    row: str
    column: str
    section: int
    formats: frozenset[str]
    money: bool  # amount in 万元 rather than a count
    order: int
    label_zh: str
    label_en: str


@dataclass
class Codes:
    sections: dict[int, Concept] = field(default_factory=dict)
    rows: dict[str, Concept] = field(default_factory=dict)
    columns: dict[str, Concept] = field(default_factory=dict)
    cells: dict[str, CellSpec] = field(default_factory=dict)

    def cell_for(self, row: str, column: str) -> CellSpec | None:
        return self._by_pair.get((row, column))

    def cells_of_row(self, row: str) -> list[CellSpec]:
        return sorted((c for c in self.cells.values() if c.row == row), key=lambda c: c.order)

    def cells_of_section(self, section: int) -> list[CellSpec]:
        """The cells of one table, in the national order."""
        return sorted((c for c in self.cells.values() if c.section == section), key=lambda c: c.order)

    def children(self, concept: Concept) -> list[Concept]:
        pool = self.rows if concept.kind == "row" else self.columns
        return sorted((c for c in pool.values() if c.broader == concept.id), key=lambda c: c.order)

    def labels(self, section: int) -> dict[str, Concept]:
        """Folded label -> concept, for the rows and columns of one section."""
        out: dict[str, Concept] = {}
        for c in (*self.rows.values(), *self.columns.values()):
            if c.section == section:
                for label in c.labels:
                    out.setdefault(fold(label), c)
        return out

    def headings(self) -> dict[str, Concept]:
        return {fold(label): s for s in self.sections.values() for label in s.labels}

    def __post_init__(self) -> None:
        self._by_pair: dict[tuple[str, str], CellSpec] = {}

    def index(self) -> None:
        self._by_pair = {(c.row, c.column): c for c in self.cells.values()}


def _zh_en(g: Graph, s: URIRef) -> tuple[str, str, tuple[str, ...]]:
    zh = en = ""
    for o in g.objects(s, SKOS.prefLabel):
        if isinstance(o, Literal):
            zh, en = (str(o), en) if o.language == "zh" else (zh, str(o))
    alts = tuple(sorted(str(o) for o in g.objects(s, SKOS.altLabel) if getattr(o, "language", None) == "zh"))
    return zh, en, alts


def _notation(g: Graph, s: URIRef | None) -> str | None:
    return None if s is None else str(g.value(s, SKOS.notation))


@cache
def codes() -> Codes:
    g = Graph().parse(ONTOLOGY_DIR / "codes.ttl")
    out = Codes()
    section_no = {}
    for s in g.subjects(SKOS.inScheme, XXGK.sections):
        zh, en, alts = _zh_en(g, s)
        n = int(g.value(s, XXGK.order))
        section_no[s] = n
        out.sections[n] = Concept(str(g.value(s, SKOS.notation)), "section", str(s), n, zh, en, alts, n)
    for s in g.subjects(SKOS.notation, None):
        uri = str(s)
        kind = uri[len(DEF):].split("/", 1)[0] if uri.startswith(DEF) else ""
        if kind not in ("row", "column", "cell"):
            continue
        zh, en, alts = _zh_en(g, s)
        sec = section_no[g.value(s, XXGK.section)]
        order = int(g.value(s, XXGK.order) or 0)
        formats = frozenset(str(o) for o in g.objects(s, XXGK.formatVersion))
        notation = str(g.value(s, SKOS.notation))
        if kind == "cell":
            out.cells[notation] = CellSpec(
                notation, uri, _notation(g, g.value(s, XXGK.row)), _notation(g, g.value(s, XXGK.column)),
                sec, formats, g.value(s, XXGK.unit) == XXGK.TenThousandYuan, order, zh, en)
        else:
            concept = Concept(notation, kind, uri, sec, zh, en, alts, order, formats,
                              _notation(g, g.value(s, SKOS.broader)))
            (out.rows if kind == "row" else out.columns)[notation] = concept
    out.index()
    return out
