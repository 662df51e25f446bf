"""Word (.docx) reports with python-docx: paragraphs and tables in body order, merged cells once."""

from __future__ import annotations

import io
import zipfile

import docx
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph

from ..model import Location, ReportError
from .document import Document, Piece


def _cells(tr):
    """The cells a row prints: a horizontal merge is one <w:tc>; a vertical continuation is skipped."""
    for tc in tr.iterchildren(qn("w:tc")):
        pr = tc.tcPr
        vmerge = pr.find(qn("w:vMerge")) if pr is not None else None
        if vmerge is not None and vmerge.get(qn("w:val")) in (None, "continue"):
            continue
        yield tc


def _tc_text(tc) -> str:
    paras = ["".join(t.text or "" for t in p.iter(qn("w:t"))) for p in tc.iter(qn("w:p"))]
    return "\n".join(p for p in paras if p.strip())


def read(path: str, data: bytes) -> Document:
    try:
        d = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError, Exception) as e:  # python-docx raises many kinds
        raise ReportError(f"{path}: not a readable Word .docx file ({type(e).__name__}: {e})") from e
    doc = Document(path, "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    title = d.core_properties.title
    if title:
        doc.title = title
    row = 0
    tables = 0
    line = 0

    def table(t: Table) -> None:
        nonlocal row, tables
        tables += 1
        number = tables
        for r, tr in enumerate(t._tbl.tr_lst, start=1):
            row += 1
            for c, tc in enumerate(_cells(tr), start=1):
                if tc.find(".//" + qn("w:tbl")) is not None:
                    for inner in tc.iterchildren(qn("w:tbl")):
                        table(Table(inner, t))
                    row += 1
                    continue
                doc.add(Piece(_tc_text(tc), Location(table=number, row=r, column=c), row,
                              cell=True, table=True))

    for block in d.iter_inner_content():
        if isinstance(block, Paragraph):
            line += 1
            if block.text.strip():
                row += 1
                doc.add(Piece(block.text.strip(), Location(line=line), row))
        else:
            table(block)
    return doc
