"""publisher.parse through publisher.pipeline.parse_file: real reports read into the typed model.

Every report of tests/fixtures must read exactly as its hand-checked truth; the archived page
text of tests/fixtures/garbled, whose table cells ran together, must never read a wrong number.
"""

from __future__ import annotations

import re
from functools import cache

import pytest
from corpus import GARBLED_REPORTS, REPORTS, number, printed_runs, same_agency, same_number, truth, wrong_cells

from publisher.model import Report, State
from publisher.pipeline import MEDIA_TYPES, Failure, parse_file


def _id(path) -> str:
    return path.name


@cache
def _parse(path) -> Report:
    result = parse_file(str(path))
    assert not isinstance(result, Failure), result.error
    return result


@pytest.fixture(params=REPORTS, ids=_id)
def parsed(request) -> tuple[Report, dict]:
    return _parse(request.param), truth(request.param)


def test_every_cell_reads_as_truth(parsed):
    report, want = parsed
    bad = []
    for cid, value in want["cells"].items():
        cell = report.cells.get(cid)
        if cell is None:
            bad.append(f"{cid}: missing (truth {value})")
        elif value is None and cell.state is State.NUMBER:
            bad.append(f"{cid}: read {cell.text!r} at {cell.where} (truth blank)")
        elif value is not None and not same_number(number(cell), value):
            bad.append(f"{cid}: {cell.state.value} {cell.text!r} at {cell.where} (truth {value})")
    assert not bad, "\n".join(bad)
    assert set(report.cells) == set(want["cells"]), "cells the truth does not have"


def test_metadata_reads_as_truth(parsed):
    report, want = parsed
    assert report.year == want["year"]
    assert report.format == want["format"]
    assert report.published == want["published"]
    assert same_agency(report.agency, want["agency"]), (report.agency, want["agency"])


def test_a_number_remembers_where_it_was_printed(parsed):
    report, _ = parsed
    for cell in report.cells.values():
        if cell.state is State.NUMBER:
            assert cell.where is not None and str(cell.where), cell.id
            assert re.search(r"\d|无", cell.text), (cell.id, cell.text)


def test_provenance_names_the_file_and_its_kind(parsed):
    report, _ = parsed
    path = report.source.path
    kind = {".txt": "text", ".html": "html", ".pdf": "pdf", ".docx": "docx"}[path[path.rindex("."):]]
    assert report.source.media_type == MEDIA_TYPES[kind]
    assert len(report.source.sha256) == 64
    assert report.source.size > 0


def test_a_blank_cell_is_blank_not_zero():
    # The Shanghai general office leaves most cells of table 三 blank; blank is not 0.
    report = _parse(next(p for p in REPORTS if "shanghai" in p.name))
    blank = [c for c in report.cells.values() if c.state is State.BLANK]
    assert len(blank) > 100
    assert all(c.value is None for c in blank)


def test_a_cell_missing_from_the_report_is_unreadable_with_a_warning():
    # The 洛碛镇 report prints two of the three cells of its 规范性文件 row.
    report = _parse(next(p for p in REPORTS if "luoqi" in p.name))
    cell = report.cells["active.normative.total"]
    assert cell.state is State.UNREADABLE and cell.value is None
    assert any("active.normative.total" in w and "2 of 3" in w for w in report.warnings)


# -- garbled page text: digits of a row run together ------------------------------------------


@pytest.fixture(params=GARBLED_REPORTS, ids=_id)
def garbled(request) -> tuple[Report, dict]:
    return _parse(request.param), truth(request.param)


def test_garbled_text_never_reads_a_wrong_number(garbled):
    report, want = garbled
    assert not wrong_cells(report, want)
    assert report.year == want["year"] and report.format == want["format"]


def test_garbled_runs_of_single_digits_are_read(garbled):
    # '0000000' under seven columns can only be seven zeros; such runs must be read, not given up.
    report, want = garbled
    runs = [ids for ids in printed_runs(want["cells"])
            if all(isinstance(want["cells"][i], int) and 0 <= want["cells"][i] <= 9 for i in ids)]
    assert runs
    for ids in runs:
        for cid in ids:
            assert report.cells[cid].state is State.NUMBER, (cid, report.cells[cid])
            assert same_number(report.cells[cid].value, want["cells"][cid]), cid


def test_garbled_ambiguous_runs_are_unreadable_not_guessed(garbled):
    # e.g. '规范性文件898989' could be 89|89|89 or 8|98|989 ...: the parser must not pick one.
    report, want = garbled
    unreadable = [c for c in report.cells.values() if c.state is State.UNREADABLE]
    assert unreadable
    for cell in unreadable:
        assert cell.value is None


@pytest.mark.parametrize("path", REPORTS + GARBLED_REPORTS, ids=_id)
def test_every_unreadable_cell_has_a_warning_naming_it(path):
    report = _parse(path)
    for cell in report.cells.values():
        if cell.state is State.UNREADABLE:
            assert any(f"({cell.id})" in w for w in report.warnings), cell.id
