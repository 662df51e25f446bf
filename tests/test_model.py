"""The model: a report's figures, which a build keeps in memory for every report."""

from __future__ import annotations

import pickle
import tracemalloc

from corpus import FIXTURES

from publisher.model import Figures, State
from publisher.pipeline import parse_file


def test_figures_keep_every_cell_state_and_value_in_a_fraction_of_the_memory():
    report = parse_file(str(FIXTURES / "016_pingtan-2023.html"))
    figures = report.figures()
    assert isinstance(figures.cells, Figures)
    assert list(figures.cells) == list(report.cells) and len(figures.cells) == len(report.cells)
    for cid, cell in report.cells.items():
        assert (figures.cells[cid].state, figures.cells[cid].value) == (cell.state, cell.value)
        assert figures.value(cid) == report.value(cid)
    assert "requests.new.total" in figures.cells and "no.such.cell" not in figures.cells
    assert figures.cells.get("no.such.cell") is None
    assert figures.narrative == {} and figures.title == report.title and figures.source == report.source
    assert any(c.state is State.NUMBER for c in figures.cells.values())
    again = pickle.loads(pickle.dumps(figures))
    assert dict(again.cells) == dict(figures.cells)
    blob = pickle.dumps(report)
    tracemalloc.start()
    whole = [pickle.loads(blob) for _ in range(20)]
    held_whole = tracemalloc.get_traced_memory()[0]
    del whole
    tracemalloc.stop()
    tracemalloc.start()
    kept = [pickle.loads(blob).figures() for _ in range(20)]
    held_figures = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    assert len(kept) == 20 and held_figures * 10 < held_whole
