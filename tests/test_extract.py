"""publisher.extract: every reader turns a real report into pieces that say where they were read.

A piece's location must lead back to the very text it holds: the line of a text file, the
table/row/cell of an HTML page or a Word file, the page and box of a PDF.
"""

from __future__ import annotations

from collections import Counter
from functools import cache

import lxml.html
import pdfplumber
import pytest
from corpus import FIXTURES, GARBLED_REPORTS, REPORTS

from publisher.extract import Document, extract, sniff
from publisher.extract.charset import decode
from publisher.extract.html import cell_text

TEXT = [p for p in REPORTS if p.suffix == ".txt"] + GARBLED_REPORTS
HTML = [p for p in REPORTS if p.suffix == ".html"]
PDF = [p for p in REPORTS if p.suffix == ".pdf"]
DOCX = [p for p in REPORTS if p.suffix == ".docx"]


def _id(path) -> str:
    return path.name


@cache
def _extract(path) -> Document:
    return extract(str(path))


def _squash(text: str) -> str:
    return "".join(text.split())


def test_every_kind_of_fixture_is_here():
    assert TEXT and HTML and PDF and DOCX


@pytest.mark.parametrize("path", REPORTS + GARBLED_REPORTS, ids=_id)
def test_pieces_come_in_reading_order_with_a_location(path):
    doc = _extract(path)
    assert doc.pieces
    rows = [p.row for p in doc.pieces]
    assert rows == sorted(rows), "rows go forward through the document"
    for p in doc.pieces:
        assert p.where is not None and str(p.where)
        assert p.text == p.text.strip()
        if p.table:
            assert p.cell


@pytest.mark.parametrize("path", TEXT, ids=_id)
def test_text_pieces_name_their_line(path):
    doc = extract(str(path))
    assert doc.media_type == "text/plain"
    lines = path.read_text(encoding="utf-8").splitlines()
    for p in doc.pieces:
        assert p.where.line is not None and p.where.table is None and p.where.page is None
        assert p.text == lines[p.where.line - 1].strip()
        # a tab-indented line is one table cell copied as text
        assert p.cell == lines[p.where.line - 1].lstrip(" ").startswith("\t")


def test_text_table_cells_one_per_line_make_a_row():
    doc = extract(str(FIXTURES / "000_cq-yubei-luoqi-2020.txt"))
    row = [p for p in doc.pieces if p.row == next(q.row for q in doc.pieces if q.text == "规章")]
    assert [p.text for p in row] == ["规章", "0", "0", "0"]
    assert [p.where.line for p in row] == list(range(row[0].where.line, row[0].where.line + 4))
    assert "规章\t0\t0\t0" in doc.text().splitlines()


def _html_tables(path):
    """The tables of a page as the reader numbers them: those with rows of their own, in order."""
    root = lxml.html.document_fromstring(decode(path.read_bytes(), html=True)[0])
    out = []
    for table in root.iter("table"):
        rows = [tr for tr in table.iter("tr") if next(tr.iterancestors("table")) is table]
        if rows:
            out.append([[td for td in tr if td.tag in ("td", "th")] for tr in rows])
    return out


@pytest.mark.parametrize("path", HTML, ids=_id)
def test_html_cells_name_their_table_row_and_cell(path):
    doc = extract(str(path))
    assert doc.media_type == "text/html" and doc.title
    tables = _html_tables(path)
    cells = [p for p in doc.pieces if p.cell]
    assert len({p.where.table for p in cells}) >= 3  # tables 二, 三 and 四 at least
    for p in cells:
        w = p.where
        assert w.table and w.row and w.column and w.page is None and w.bbox is None
        assert cell_text(tables[w.table - 1][w.row - 1][w.column - 1]) == p.text
    for p in doc.pieces:
        if not p.cell:
            assert p.where.line is not None and p.where.table is None


def test_html_row_of_a_report_table():
    doc = extract(str(FIXTURES / "014_pingtan-2021.html"))
    label = next(p for p in doc.pieces if p.cell and p.text == "规章")
    row = [p for p in doc.pieces if p.row == label.row]
    assert [p.text for p in row] == ["规章", "0", "0", "0"]
    assert [p.where.column for p in row] == [1, 2, 3, 4]
    assert {(p.where.table, p.where.row) for p in row} == {(label.where.table, label.where.row)}


@pytest.mark.parametrize("path", DOCX, ids=_id)
def test_docx_cells_name_their_table_row_and_cell(path):
    import docx
    from docx.oxml.ns import qn

    doc = extract(str(path))
    assert doc.media_type.endswith("wordprocessingml.document") and doc.title
    tables = docx.Document(str(path)).tables
    cells = [p for p in doc.pieces if p.cell]
    assert len({p.where.table for p in cells}) >= 3
    for p in cells:
        w = p.where
        tr = tables[w.table - 1]._tbl.tr_lst[w.row - 1]
        printed = [tc for tc in tr.tc_lst if tc.vMerge in (None, "restart")]  # a vertical merge prints once
        tc = printed[w.column - 1]
        paras = ["".join(t.text or "" for t in para.iter(qn("w:t"))) for para in tc.iter(qn("w:p"))]
        assert "\n".join(x for x in paras if x.strip()) == p.text
    paragraphs = [p for p in doc.pieces if not p.cell]
    assert paragraphs and all(p.where.line for p in paragraphs)


@pytest.mark.parametrize("path", PDF, ids=_id)
def test_pdf_pieces_name_their_page_and_box(path):
    doc = _extract(path)
    assert doc.media_type == "application/pdf"
    with pdfplumber.open(str(path)) as pdf:
        pages = pdf.pages
        assert {p.where.page for p in doc.pieces} <= set(range(1, len(pages) + 1))
        for p in doc.pieces:
            w = p.where
            page = pages[w.page - 1]
            x0, top, x1, bottom = w.bbox
            assert 0 <= x0 < x1 <= page.width + 1 and 0 <= top < bottom <= page.height + 1
            if p.cell:
                assert w.table and w.row and w.column
            else:
                assert w.table is None and w.line is None
            # the characters printed in the box spell the piece (give or take a character on its edge)
            inside = "".join(c["text"] for c in page.chars
                             if x0 - 1 <= (c["x0"] + c["x1"]) / 2 <= x1 + 1
                             and top - 1 <= (c["top"] + c["bottom"]) / 2 <= bottom + 1)
            assert not Counter(_squash(p.text)) - Counter(_squash(inside)), (p.text, w)
            if p.cell and p.text.isdigit():
                assert _squash(inside) == p.text, w


def test_pdf_page_numbers_are_left_out():
    doc = _extract(FIXTURES / "003_huaian-city-2024.pdf")
    assert not [p for p in doc.pieces if not p.cell and p.text.strip("-— ").isdigit()]


def test_kind_is_told_from_the_bytes_not_the_name(tmp_path):
    html = (FIXTURES / "016_pingtan-2023.html").read_bytes()
    pdf = (FIXTURES / "020_huaian-city-2024-word.pdf").read_bytes()
    (tmp_path / "page.txt").write_bytes(html)
    (tmp_path / "report.bin").write_bytes(pdf)
    assert sniff("page.txt", html) == "html" and sniff("report.bin", pdf) == "pdf"
    assert extract(str(tmp_path / "page.txt")).media_type == "text/html"
    assert extract(str(tmp_path / "report.bin")).media_type == "application/pdf"


def test_document_text_joins_a_row_with_tabs():
    doc = extract(str(FIXTURES / "019_huaian-city-2024-word.docx"))
    assert isinstance(doc, Document)
    label = next(p for p in doc.pieces if p.cell and p.text == "规章")
    row = "\t".join(p.text for p in doc.pieces if p.row == label.row)
    assert row.startswith("规章\t") and row.count("\t") == 3
    assert row in doc.text().splitlines()


def test_charsets_declared_missing_or_cut():
    page = "<html><head><meta charset='gb2312'></head><body>平潭綜合</body></html>"
    assert decode(page.encode("gb18030"), html=True) == (page, "gb18030")  # GB2312 widened to GB18030
    assert decode("政府信息公开".encode("gbk")) == ("政府信息公开", "gb18030")  # no declaration
    assert decode("\ufeff年度报告".encode()) == ("年度报告", "utf-8-sig")
    # a file cut off inside its last character keeps everything before it
    text = "平潭综合实验区政府信息公开工作年度报告"
    assert decode(text.encode()[:-1]) == (text[:-1], "utf-8")
    assert decode(text.encode("gbk")[:-1]) == (text[:-1], "gb18030")
