"""Hostile input: mutated real reports and random bytes never crash the parser or hang past the
per-file time limit; they give a report or a clear error naming the file."""

from __future__ import annotations

import time

from corpus import FIXTURES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from publisher.model import Report
from publisher.pipeline import Failure, parse_file

LIMIT = 10.0
SOURCES = {p.suffix: p for p in sorted(FIXTURES.iterdir())
           if p.name.startswith(("000_", "016_", "019_", "002_"))}


@st.composite
def mutated(draw):
    suffix = draw(st.sampled_from(sorted(SOURCES)))
    data = bytearray(SOURCES[suffix].read_bytes())
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["flip", "cut", "insert", "delete", "duplicate"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "flip" and data:
            data[at] ^= draw(st.integers(1, 255))
        elif kind == "cut":
            del data[at:]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=64))
        elif kind == "delete":
            del data[at:at + draw(st.integers(1, 4096))]
        elif kind == "duplicate":
            data[at:at] = data[at:at + draw(st.integers(1, 2048))]
    return suffix, bytes(data)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_reports_fail_cleanly_or_read_only_printed_numbers(tmp_path_factory, case):
    suffix, data = case
    path = tmp_path_factory.mktemp("fuzz") / f"mutant{suffix}"
    path.write_bytes(data)
    started = time.monotonic()
    result = parse_file(str(path), time_limit=LIMIT)
    assert time.monotonic() - started < LIMIT + 5
    assert isinstance(result, Report | Failure)
    if isinstance(result, Failure):
        assert str(path) in result.error
    else:  # what it read is well-formed: every cell has a state, numbers only where it says so
        for cell in result.cells.values():
            assert (cell.value is not None) == (cell.state.value == "number")


@settings(max_examples=30, deadline=None)
@given(st.binary(min_size=0, max_size=4096), st.sampled_from([".txt", ".html", ".pdf", ".docx", ""]))
def test_random_bytes_are_a_clear_error(tmp_path_factory, data, suffix):
    path = tmp_path_factory.mktemp("junk") / f"junk{suffix}"
    path.write_bytes(data)
    result = parse_file(str(path), time_limit=LIMIT)
    assert isinstance(result, Failure)
    assert str(path) in result.error
