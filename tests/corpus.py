"""The real reports under tests/fixtures and their hand-checked truth, for the parser's tests.

Truth holds every cell of a report: a number, or null where the report leaves the cell blank
(the same contract as ../shared/tools/score). A cell agrees with truth when it reads the same
number, or when truth is null and the cell is blank or unreadable.
"""

from __future__ import annotations

import json
from decimal import Decimal
from functools import cache
from pathlib import Path

from rdflib import Graph

from publisher.agencies import Agency, resolve
from publisher.codes import codes
from publisher.model import Cell, Report, State
from publisher.pipeline import Failure, parse_file
from publisher.rdf import URIs, agency_graph, report_graph

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
GARBLED = FIXTURES / "garbled"
TRUTH = FIXTURES / "truth"

REPORTS = sorted(p for p in FIXTURES.iterdir() if p.is_file() and (TRUTH / f"{p.stem}.json").exists())
GARBLED_REPORTS = sorted(p for p in GARBLED.iterdir() if p.is_file())


def truth(path: Path) -> dict:
    return json.loads((TRUTH / f"{path.stem}.json").read_text(encoding="utf-8"))


def number(cell: Cell) -> Decimal | None:
    """A cell as truth writes it: its number, or None when blank or unreadable."""
    return cell.value if cell.state is State.NUMBER else None


def same_number(got: Decimal | None, want: int | float | None) -> bool:
    if got is None or want is None:
        return got is None and want is None
    return abs(got - Decimal(str(want))) <= Decimal("0.000001")


def same_agency(got: str | None, want: str) -> bool:
    """As the score counts it: one name ends with the other (淮安市洪泽区人民政府 ~ 洪泽区人民政府)."""
    g, w = "".join((got or "").split()), "".join(want.split())
    return bool(g) and (g.endswith(w) or w.endswith(g))


def wrong_cells(report: Report, want: dict) -> list[str]:
    """Cells the report reads (number or blank) that differ from truth; unreadable ones never count."""
    out = []
    for cid, cell in report.cells.items():
        if cell.state is State.UNREADABLE:
            continue
        if cid not in want["cells"]:
            out.append(f"{cid}: {cell.text!r} is not a cell of this report")
        elif not same_number(number(cell), want["cells"][cid]):
            out.append(f"{cid}: read {cell.text!r} at {cell.where}, truth {want['cells'][cid]}")
    return out


def printed_runs(cell_ids) -> list[list[str]]:
    """Cells in the groups a report prints together: one group per row of tables 二 and 三, and
    table 四 as one group (its 15 values follow one header, so a garbled page runs them together)."""
    c = codes()
    groups: dict[str, list[str]] = {}
    for cid in cell_ids:
        spec = c.cells[cid]
        groups.setdefault("review" if spec.section == 4 else spec.row, []).append(cid)
    return list(groups.values())


@cache
def parsed(path: Path) -> Report:
    """A fixture read once per test session; tests that change a report work on a copy."""
    result = parse_file(str(path))
    assert not isinstance(result, Failure), result.error
    return result


@cache
def agencies() -> dict[str, Agency]:
    """The agency of every printed name of the corpus, resolved over all its reports at once."""
    return resolve([parsed(p).agency for p in REPORTS])


def report_rdf(path: Path) -> tuple[Graph, str]:
    """A fresh graph of one fixture as `xxgk validate` maps it (the report, its agency) and the report's URI."""
    report = parsed(path)
    agency = agencies()[report.agency]
    uris = URIs()
    g = report_graph(report, agency, uris) + agency_graph(agency, uris)
    return g, str(uris.report(agency.slug, report.year))
