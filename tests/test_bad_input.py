"""Files that are not good reports: each gets a clear error naming the file and the problem, or,
when enough of a report is there, a report that reads no wrong number; none stops the others.

Every bad file is made here, at test time, from the real reports of tests/fixtures.
"""

from __future__ import annotations

import io
import json
import re
import time
import zipfile
from pathlib import Path

import pdfplumber
import pytest
from corpus import FIXTURES, GARBLED_REPORTS, REPORTS, truth, wrong_cells
from PIL import Image

from publisher import cli
from publisher.extract.document import MAX_CHARS
from publisher.model import Report, State
from publisher.pipeline import Failure, parse_file

FIFTY_MB = 50 * 1024 * 1024
TIME_LIMIT = 20.0  # seconds for a 50 MB file


def _id(path) -> str:
    return path.name


def failure(path: Path, *problem: str) -> str:
    """Parse a file that must fail; check the error names the file and the problem."""
    result = parse_file(str(path))
    assert isinstance(result, Failure), f"{path.name} read as a report"
    assert result.source == str(path)
    assert result.error.startswith(f"{path}: "), result.error
    for words in problem:
        assert words in result.error, result.error
    return result.error


def no_wrong_number(result: Report | Failure, path: Path) -> None:
    """What is read equals truth; every other cell of the format is unreadable, with a warning."""
    if isinstance(result, Failure):  # too little of the report to tell its format: a clear error
        assert result.error.startswith(f"{result.source}: not an annual report"), result.error
        return
    want = truth(path)
    assert not wrong_cells(result, want)
    for cid in want["cells"]:
        cell = result.cells.get(cid)
        assert cell is not None, cid
        if cell.state is State.UNREADABLE:
            assert any(f"({cid})" in w for w in result.warnings), cid


# -- not a report at all --------------------------------------------------------------------


def test_empty_file(tmp_path):
    for name, data in (("empty.txt", b""), ("blank.html", b"  \n\r\n\t ")):
        (tmp_path / name).write_bytes(data)
        failure(tmp_path / name, "the file is empty")


def test_binary_junk(tmp_path):
    path = tmp_path / "report.txt"
    path.write_bytes(bytes(range(256)) * 100)
    failure(path, "binary data, not a report")


def test_an_html_page_that_is_not_a_report(tmp_path):
    path = tmp_path / "index.html"
    path.write_text('<!DOCTYPE html><html><head><meta charset="utf-8"><title>首页 平潭综合实验区</title></head>'
                    "<body><p>欢迎访问</p><table><tr><td>通知公告</td><td>2024-01-01</td></tr></table>"
                    "</body></html>", encoding="utf-8")
    failure(path, "not an annual report of the national format", "no table of the annual-report format")


def test_a_non_existent_path(tmp_path):
    failure(tmp_path / "no-such-report.pdf", "cannot read the file", "No such file")


def test_a_directory(tmp_path):
    failure(tmp_path, "cannot read the file", "directory")


def test_a_docx_that_is_a_zip_of_something_else(tmp_path):
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as z:
        z.writestr("report.csv", "规章,0,0,0\n")
        z.writestr("README.txt", "not a Word file")
    (tmp_path / "report.docx").write_bytes(data.getvalue())
    failure(tmp_path / "report.docx", "not a readable Word .docx file")
    (tmp_path / "report.zip").write_bytes(data.getvalue())
    failure(tmp_path / "report.zip", "a ZIP archive that is not a Word .docx file")


def test_a_docx_whose_zip_is_broken(tmp_path):
    good = (FIXTURES / "019_huaian-city-2024-word.docx").read_bytes()
    path = tmp_path / "report.docx"
    path.write_bytes(good[:200] + bytes(1000) + good[1200:])
    failure(path, "not a readable Word .docx file")


def test_an_old_binary_word_file(tmp_path):
    path = tmp_path / "report.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096))
    failure(path, "old binary Word .doc", ".docx")


def test_a_scanned_pdf_with_no_text_layer(tmp_path):
    # a real report page rendered to an image, saved as an image-only PDF: what a scanner makes
    with pdfplumber.open(str(FIXTURES / "002_huaian-hongze-2024.pdf")) as pdf:
        pages = [pdf.pages[i].to_image(resolution=72).original.convert("RGB") for i in (0, 1)]
    path = tmp_path / "scan.pdf"
    pages[0].save(path, "PDF", resolution=72, save_all=True, append_images=pages[1:])
    failure(path, "PDF has no text layer", "OCR")


def test_a_blank_image_pdf(tmp_path):
    path = tmp_path / "blank.pdf"
    Image.new("RGB", (595, 842), "white").save(path, "PDF")
    failure(path, "no text layer")


# -- a report cut off -----------------------------------------------------------------------


@pytest.mark.parametrize("path", REPORTS, ids=_id)
def test_a_report_cut_off_halfway(tmp_path, path):
    data = path.read_bytes()
    cut = tmp_path / path.name
    cut.write_bytes(data[: len(data) // 2])
    result = parse_file(str(cut))
    if path.suffix in (".pdf", ".docx"):  # the container is broken: nothing can be trusted
        kind = {".pdf": "not a readable PDF", ".docx": "not a readable Word .docx file"}[path.suffix]
        assert isinstance(result, Failure) and result.error.startswith(f"{cut}: {kind}"), result
    else:
        assert isinstance(result, Report), result.error  # half a page still tells the format
        no_wrong_number(result, path)
        assert any(c.state is State.UNREADABLE for c in result.cells.values())


@pytest.mark.parametrize("path", [p for p in REPORTS if p.suffix in (".txt", ".html")] + GARBLED_REPORTS,
                         ids=_id)
def test_a_text_or_html_report_cut_off_anywhere_reads_no_wrong_number(tmp_path, path):
    # a cut inside a cell, a tag, a multi-byte character or a run of digits: the number it
    # leaves may be short of digits, so the last cell of a cut file is never read
    data = path.read_bytes()
    cut = tmp_path / path.name
    for k in range(len(data) // 3, len(data), len(data) // 20 + 7):
        cut.write_bytes(data[:k])
        no_wrong_number(parse_file(str(cut)), path)


def test_a_cut_last_cell_is_not_read(tmp_path):
    # '\t12' could be the start of '\t123': the last cell of a text file without its line end
    text = (FIXTURES / "000_cq-yubei-luoqi-2020.txt").read_text(encoding="utf-8")
    at = text.index("\t0\n", text.index("二、上年结转政府信息公开申请数量")) + 1
    path = tmp_path / "cut.txt"
    path.write_text(text[:at], encoding="utf-8")  # ends '\t': the first value of the row was cut off
    report = parse_file(str(path))
    assert isinstance(report, Report)
    assert report.cells["requests.carried_in.natural_person"].state is State.UNREADABLE
    assert report.cells["requests.new.total"].value == truth(FIXTURES / "000_cq-yubei-luoqi-2020.txt")[
        "cells"]["requests.new.total"]  # the rows before the cut still read


@pytest.mark.parametrize("cut_after", ["<span>2425", '<td colspan="3"><p><span>', "<span>24252.311082"])
def test_a_page_cut_inside_its_last_cell_does_not_read_it(tmp_path, cut_after):
    # <td><span>2425 could be the start of 24252.311082; <td><span> the start of any number
    html = (FIXTURES / "014_pingtan-2021.html").read_text(encoding="utf-8")
    at = html.index(cut_after, html.index("行政事业性收费")) + len(cut_after)
    path = tmp_path / "cut.html"
    path.write_text(html[:at], encoding="utf-8")
    report = parse_file(str(path))
    no_wrong_number(report, FIXTURES / "014_pingtan-2021.html")
    assert report.cells["active.fees.amount"].state is State.UNREADABLE
    assert report.cells["active.coercion.decisions"].value == 42  # the rows before the cut still read


# -- encodings ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [p for p in REPORTS if p.suffix == ".html"], ids=_id)
def test_a_gbk_page_without_a_charset_declaration(tmp_path, path):
    html = path.read_text(encoding="utf-8")
    html, n = re.subn(r"<meta[^>]*charset[^>]*>", "", html, flags=re.I)
    assert n == 1
    gbk = tmp_path / path.name
    gbk.write_bytes(html.encode("gbk"))
    got, want = parse_file(str(gbk)), parse_file(str(path))
    assert isinstance(got, Report), got
    assert {k: (c.state, c.value) for k, c in got.cells.items()} == {
        k: (c.state, c.value) for k, c in want.cells.items()}
    assert (got.agency, got.year, got.format, got.published) == (want.agency, want.year, want.format,
                                                                  want.published)


def test_a_gb18030_text_report(tmp_path):
    path = FIXTURES / "000_cq-yubei-luoqi-2020.txt"  # holds U+2002, which GBK lacks and GB18030 has
    gbk = tmp_path / path.name
    gbk.write_bytes(path.read_text(encoding="utf-8").encode("gb18030"))
    got, want = parse_file(str(gbk)), parse_file(str(path))
    assert {k: c.value for k, c in got.cells.items()} == {k: c.value for k, c in want.cells.items()}
    assert got.agency == want.agency


# -- 50 MB ----------------------------------------------------------------------------------


def test_fifty_megabytes_of_junk_text_fail_fast(tmp_path):
    path = tmp_path / "junk.txt"
    line = "平潭 lorem ipsum 1234 5678 规章 垃圾 text\n".encode()
    path.write_bytes(line * (FIFTY_MB // len(line)))
    start = time.perf_counter()
    failure(path, "far more text than any report")
    assert time.perf_counter() - start < TIME_LIMIT


def test_fifty_megabytes_in_one_line_fail_fast(tmp_path):
    path = tmp_path / "junk.txt"
    path.write_bytes(b"0123456789" * (FIFTY_MB // 10))
    start = time.perf_counter()
    failure(path, "far more text than any report", str(MAX_CHARS))
    assert time.perf_counter() - start < TIME_LIMIT


def test_a_report_padded_to_fifty_megabytes_still_reads(tmp_path):
    path = FIXTURES / "014_pingtan-2021.html"
    html = path.read_text(encoding="utf-8")
    padding = "<!-- " + "x" * FIFTY_MB + " -->"
    padded = tmp_path / path.name
    padded.write_text(html.replace("</body>", padding + "</body>"), encoding="utf-8")
    assert padded.stat().st_size > FIFTY_MB
    start = time.perf_counter()
    got = parse_file(str(padded))
    assert time.perf_counter() - start < TIME_LIMIT
    assert isinstance(got, Report), got
    want = parse_file(str(path))
    assert {k: c.value for k, c in got.cells.items()} == {k: c.value for k, c in want.cells.items()}


def test_a_huge_table_of_junk_fails_fast(tmp_path):
    # 4 MB, 300 000 cells: the reader stops at the first cells beyond what any report holds
    path = tmp_path / "table.html"
    row = "<tr><td>规章</td><td>12</td><td>x</td></tr>\n"
    path.write_text("<html><body><table>" + row * (4 * 1024 * 1024 // len(row.encode())) + "</table></body></html>",
                    encoding="utf-8")
    start = time.perf_counter()
    failure(path, "far more text than any report")
    assert time.perf_counter() - start < TIME_LIMIT


# -- one bad file never stops the others ----------------------------------------------------


def test_bad_files_never_stop_the_good_ones(tmp_path, capsys):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "junk.bin").write_bytes(bytes(range(256)) * 10)
    (tmp_path / "cut.pdf").write_bytes((FIXTURES / "001_huaian-hongze-2023.pdf").read_bytes()[:5000])
    (tmp_path / "sub").mkdir()
    good = FIXTURES / "018_pingtan-2025.html"
    files = [tmp_path / "empty.txt", tmp_path / "junk.bin", good, tmp_path / "cut.pdf", tmp_path / "sub",
             tmp_path / "missing.html"]
    status = cli.main(["parse", "--format", "jsonl", *map(str, files)])
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert status == 1
    assert [o["source"] for o in out] == [str(f) for f in files]
    assert [("error" in o) for o in out] == [True, True, False, True, True, True]
    assert out[2]["cells"] == {k: v for k, v in truth(good)["cells"].items()}
    assert all(o["error"].startswith(o["source"] + ": ") for o in out if "error" in o)
