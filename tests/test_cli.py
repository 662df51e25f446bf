"""The `xxgk` console script, run as a user runs it: `xxgk parse --format jsonl FILE...`.

One JSON line per file, in the order given; a file that cannot be read gets a line with `source`
and `error` and never stops the others; the exit status says whether any failed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from corpus import FIXTURES, GARBLED, same_agency, same_number, truth

XXGK = Path(sys.executable).parent / "xxgk"
GOOD = [FIXTURES / "000_cq-yubei-luoqi-2020.txt", FIXTURES / "016_pingtan-2023.html",
        FIXTURES / "019_huaian-city-2024-word.docx"]


def xxgk(*args: str) -> subprocess.CompletedProcess:
    assert XXGK.exists(), f"the console script is not installed next to {sys.executable}"
    return subprocess.run([str(XXGK), *args], capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    """Good reports with bad files between them: junk bytes, a missing path, an empty file."""
    tmp = tmp_path_factory.mktemp("cli")
    junk = tmp / "junk.bin"
    junk.write_bytes(bytes(range(256)) * 40)
    empty = tmp / "empty.txt"
    empty.write_bytes(b"")
    files = [junk, GOOD[0], tmp / "no-such-report.pdf", GOOD[1], empty, GOOD[2]]
    proc = xxgk("parse", "--format", "jsonl", *map(str, files))
    return files, proc


def test_one_json_line_per_file_in_order(mixed):
    files, proc = mixed
    lines = proc.stdout.splitlines()
    assert len(lines) == len(files)
    assert [json.loads(line)["source"] for line in lines] == [str(f) for f in files]


def test_failures_name_the_file_and_the_problem(mixed):
    files, proc = mixed
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    errors = {o["source"]: o["error"] for o in out if "error" in o}
    assert set(errors) == {str(files[0]), str(files[2]), str(files[4])}
    assert "binary" in errors[str(files[0])]
    assert "No such file" in errors[str(files[2])]
    assert "empty" in errors[str(files[4])]
    for source, error in errors.items():
        assert error.startswith(source)
        assert set(out[[o["source"] for o in out].index(source)]) == {"source", "error"}


def test_good_reports_still_read_between_bad_files(mixed):
    files, proc = mixed
    out = {o["source"]: o for o in map(json.loads, proc.stdout.splitlines())}
    for path in GOOD:
        got, want = out[str(path)], truth(path)
        assert "error" not in got
        assert got["year"] == want["year"] and got["format"] == want["format"]
        assert same_agency(got["agency"], want["agency"])
        assert all(same_number(None if got["cells"].get(k) is None else _dec(got["cells"][k]), v)
                   for k, v in want["cells"].items())


def test_exit_status_is_non_zero_iff_a_file_failed(mixed):
    _, proc = mixed
    assert proc.returncode == 1
    ok = xxgk("parse", "--format", "jsonl", *map(str, GOOD[:2]))
    assert ok.returncode == 0, ok.stderr
    assert len(ok.stdout.splitlines()) == 2


def test_the_json_contract_of_the_score(mixed):
    # ../shared/tools/score reads: source, agency, year, format, cells ({id: number or null})
    _, proc = mixed
    report = json.loads(proc.stdout.splitlines()[1])
    for key in ("source", "agency", "year", "format", "published", "cells", "unreadable", "where", "warnings"):
        assert key in report
    assert report["format"] in ("2019", "2021")
    assert all(v is None or isinstance(v, int | float) for v in report["cells"].values())
    assert report["cells"]["active.procurement.amount"] == 40  # printed '40万': in 万元
    assert report["unreadable"] == ["active.normative.total"]
    assert report["where"]["active.procurement.amount"].startswith("line ")


def test_table_format_marks_unreadable_cells():
    proc = xxgk("parse", "--format", "table", str(GARBLED / "006_pingtan-2021.txt"))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].endswith("006_pingtan-2021.txt")
    unreadable = [line for line in lines if "UNREADABLE" in line]
    assert unreadable and all(line.split()[-1].startswith(("active.", "requests.", "review", "litigation"))
                              for line in unreadable)
    assert any("requests.new.total" in line for line in unreadable)  # '…申请数量640020470' is ambiguous
    assert any(line.split()[-2:] == ["0", "active.rules.issued"] for line in lines)  # '规章000' is certain
    assert any(line.startswith("  warning:") and "(requests.new.total)" in line for line in lines)


def test_table_format_reports_a_failure():
    proc = xxgk("parse", "--format", "table", "/no/such/report.html")
    assert proc.returncode == 1
    assert proc.stdout.startswith("ERROR /no/such/report.html: cannot read the file")


def _dec(v):
    from decimal import Decimal

    return Decimal(str(v))
