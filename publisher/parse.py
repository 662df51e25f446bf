"""Turn a Document into a Report: find the labels of the format, read the values beside them.

Everything is matched by label and table structure, never by file, agency or position in the
page: section headings set the context, row labels start a row, header labels name the columns
of table 二, and the national order of columns does the rest for tables 三 and 四. A value is
read only when it is certain which cell it belongs to; otherwise the cell is unreadable and a
warning names its row and column.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from functools import cache

from .codes import CellSpec, Codes, Concept, codes
from .extract import Document, Piece
from .model import Cell, Location, Provenance, Report, State
from .normalize import fold, squash_cjk_spaces
from .values import read_value, split_run, unit_in

TABLE_SECTIONS = (2, 3, 4)


@dataclass
class Token:
    kind: str  # "heading", "label", "value", "text"
    text: str
    piece: Piece
    concept: Concept | None = None
    whole: bool = True  # the source marks this value's cell boundaries


# -- label lookup ---------------------------------------------------------------------------


@cache
def _labels(section: int) -> dict[str, Concept]:
    return codes().labels(section)


@cache
def _scanner(section: int | None) -> re.Pattern:
    """One regex finding headings (and, in a table section, its labels) anywhere in a line."""
    keys = list(codes().headings())
    if section in TABLE_SECTIONS:
        keys += list(_labels(section))
    keys.sort(key=len, reverse=True)
    return re.compile("|".join(re.escape(k) for k in keys))


def _strong_labels() -> dict[str, Concept]:
    """Labels that name one table section only; they place a table whose heading is missing."""
    return _strong()


@cache
def _strong() -> dict[str, Concept]:
    seen: dict[str, set[int]] = {}
    for s in TABLE_SECTIONS:
        for k in _labels(s):
            seen.setdefault(k, set()).add(s)
    return {k: _labels(next(iter(v)))[k] for k, v in seen.items() if len(v) == 1 and len(k) >= 4}


def _fuzzy(key: str, section: int) -> Concept | None:
    """A row label with a typo the code lists do not know yet, when one label is clearly closest."""
    if len(key) < 6 or section not in TABLE_SECTIONS:
        return None
    table = {k: c for k, c in _labels(section).items() if c.kind == "row" and len(k) >= 6}
    scored = sorted(((difflib.SequenceMatcher(None, key, k).ratio(), k) for k in table), reverse=True)
    if not scored or scored[0][0] < 0.86:
        return None
    if len(scored) > 1 and scored[1][0] > scored[0][0] - 0.08 and table[scored[1][1]] is not table[scored[0][1]]:
        return None
    return table[scored[0][1]]


# -- tokens ---------------------------------------------------------------------------------


def _tokens(doc: Document, report: Report) -> list[Token]:
    """Label every piece: section heading, row or column label, value or narrative text."""
    out: list[Token] = []
    headings = codes().headings()
    section: int | None = None
    for piece in doc.pieces:
        if piece.cell:
            key = fold(piece.text)
            if key in headings:
                section = headings[key].section
                out.append(Token("heading", piece.text, piece, headings[key]))
                continue
            labels = _labels(section) if section in TABLE_SECTIONS else {}
            concept = labels.get(key)
            if concept is None and key in _strong() and (section in TABLE_SECTIONS or section is None):
                concept = _strong()[key]
                section = concept.section
            if concept is None and section in TABLE_SECTIONS and not _looks_numeric(piece.text):
                concept = _fuzzy(key, section)
                if concept is not None:
                    report.warnings.append(f"{piece.where}: row label {piece.text!r} read as {concept.label_zh!r}")
            if concept is not None:
                out.append(Token("label", piece.text, piece, concept))
            elif section in TABLE_SECTIONS and _looks_numeric(piece.text):
                out.append(Token("value", piece.text, piece))
            else:
                out.append(Token("text", piece.text, piece))
            continue
        # running text: headings and labels may sit anywhere in it, values run between them
        line = squash_cjk_spaces(piece.text)
        pos = 0
        while pos < len(line):
            m = _scanner(section).search(line, pos)
            end = m.start() if m else len(line)
            chunk = line[pos:end]
            if chunk.strip():
                if section in TABLE_SECTIONS and re.search(r"\d", chunk) and _looks_numeric_run(chunk):
                    out.append(Token("value", chunk, piece, whole=False))
                else:
                    out.append(Token("text", chunk, piece))
            if not m:
                break
            key = m.group(0)
            if key in headings:
                section = headings[key].section
                out.append(Token("heading", key, piece, headings[key]))
            else:
                out.append(Token("label", key, piece, _labels(section)[key]))
            pos = m.end()
    return out


_NUMERIC = re.compile(r"^[\s\d.,，+\-−—–/／\\无万元亿件个项条次人]*$")


def _looks_numeric(text: str) -> bool:
    t = text.replace("\u00a0", " ").strip()
    return bool(_NUMERIC.match(t)) or t in ("无", "—", "-", "/")


def _looks_numeric_run(text: str) -> bool:
    t = text.replace("\u00a0", " ").strip()
    return bool(_NUMERIC.match(t))


# -- the tables -----------------------------------------------------------------------------


@dataclass
class _Reader:
    report: Report
    codes: Codes
    seen: list[Concept] = field(default_factory=list)  # every label met, for the format version
    single_other_row: bool = False

    def put(self, spec: CellSpec, text: str, where: Location, money_unit: str | None = None) -> None:
        signed = spec.column.endswith(".change")
        v = read_value(text, money=spec.money, header_unit=money_unit, signed=signed)
        if spec.id in self.report.cells and self.report.cells[spec.id].state is not State.UNREADABLE:
            old = self.report.cells[spec.id]
            if (old.state, old.value) != (v.state, v.number):
                self.unreadable(spec, where, f"printed twice with different values ({old.text!r}, {text!r})", text)
            return
        if v.state is State.UNREADABLE:
            self.unreadable(spec, where, v.problem or "unreadable", text)
            return
        self.report.cells[spec.id] = Cell(spec.id, v.state, v.number, text.strip(), where)

    def unreadable(self, spec: CellSpec, where: Location | None, why: str, text: str = "") -> None:
        self.report.cells[spec.id] = Cell(spec.id, State.UNREADABLE, None, text.strip(), where)
        self.report.warnings.append(f"{where or 'nowhere'}: {spec.label_zh} ({spec.id}) unreadable: {why}")

    def row(self, label: Token, values: list[Token], specs: list[CellSpec], unit: str | None = None) -> None:
        """Give the values that follow a row label to the row's cells, in order, if certain."""
        n = len(specs)
        if not specs:
            return
        if not values:
            for spec in specs:
                self.unreadable(spec, label.piece.where, "no value printed beside the label")
            return
        if all(v.whole for v in values):
            cells = list(values)
            while len(cells) > n and not cells[0].text.strip():
                cells.pop(0)  # empty cells of the label columns
            while len(cells) > n and not cells[-1].text.strip():
                cells.pop()
            if len(cells) == n:
                for spec, tok in zip(specs, cells, strict=True):
                    self.put(spec, tok.text, tok.piece.where, unit)
                return
            if len(cells) < n and cells[0].piece.where.line is not None and cells[0].piece.table:
                # one cell per line: a short row lost its trailing cells
                for spec, tok in zip(specs, cells, strict=False):
                    self.put(spec, tok.text, tok.piece.where, unit)
                for spec in specs[len(cells):]:
                    self.unreadable(spec, cells[-1].piece.where, f"row prints {len(cells)} of {n} cells")
                return
            for spec in specs:
                self.unreadable(spec, label.piece.where, f"row prints {len(cells)} cells for {n} columns")
            return
        run = " ".join(v.text for v in values)
        money_unit = None
        if specs[-1].money:
            money_unit = unit_in(run[-3:]) or unit
            run = re.sub(r"(亿元|万元|元|万|亿)\s*$", "", run)
        parts = split_run(run, n)
        where = values[0].piece.where
        if parts is None:
            for spec in specs:
                self.unreadable(spec, where, f"cannot split {run.strip()!r} into {n} cells")
            return
        for spec, part in zip(specs, parts, strict=True):
            if part is None:
                self.unreadable(spec, where, f"digits run together in {run.strip()!r}; cell boundaries unknown")
            else:
                self.put(spec, part + (money_unit or "") if spec.money else part, where, money_unit)


def _rows_of(tokens: list[Token], i: int) -> list[Token]:
    """The values after the label at i: same table row (or line), up to the next label."""
    label = tokens[i]
    out = []
    for tok in tokens[i + 1:]:
        if tok.kind in ("label", "heading") or tok.piece.row != label.piece.row:
            break
        if tok.kind == "value" or (tok.kind == "text" and tok.piece.cell):
            out.append(tok)
    return out


def read_tables(tokens: list[Token], report: Report) -> list[Concept]:
    c = codes()
    r = _Reader(report, c)
    section = None
    header: list[Concept] = []
    header_units: list[str | None] = []
    last_label_4 = None
    for i, tok in enumerate(tokens):
        if tok.kind == "heading":
            section = tok.concept.section
            header, header_units = [], []
            continue
        if tok.kind != "label":
            continue
        concept = tok.concept
        section = concept.section
        r.seen.append(concept)
        if section == 4:
            last_label_4 = i
            continue
        if concept.kind == "column":
            if section == 2:
                if concept.id == "active.item":
                    header, header_units = [], []
                elif c.cells and any(s.column == concept.id for s in c.cells.values()):
                    header.append(concept)
                    header_units.append(unit_in(tok.text))
            continue
        values = _rows_of(tokens, i)
        if section == 2:
            if c.children(concept) and not values:
                header, header_units = [], []  # a 第二十条 group label starts a new sub-table
                continue
            if not values:
                continue
            if not header:
                report.warnings.append(f"{tok.piece.where}: row {tok.text!r} has no column header; not read")
                for spec in c.cells_of_row(concept.id):
                    r.unreadable(spec, tok.piece.where, "no column header")
                continue
            specs = []
            for col in header:
                spec = c.cell_for(concept.id, col.id)
                if spec is None:
                    report.warnings.append(
                        f"{tok.piece.where}: no cell {concept.label_zh} × {col.label_zh} in the format")
                specs.append(spec)
            if None in specs:
                continue
            unit = next((u for u in header_units if u), None)
            r.row(tok, values, specs, unit)
        elif section == 3:
            specs = c.cells_of_row(concept.id)
            if c.children(concept):
                if not values:
                    continue  # a group label: its sub-rows follow
                if concept.id == "requests.other":
                    r.single_other_row = True
            r.row(tok, values, specs)
    if last_label_4 is not None:
        _review(tokens, last_label_4, r)
    return r.seen


def _review(tokens: list[Token], last: int, r: _Reader) -> None:
    """Table 四: one row of 15 values under its two-level header, in the national order."""
    specs = codes().cells_of_section(4)
    label = tokens[last]
    values: list[Token] = []
    for tok in tokens[last + 1:]:
        if tok.kind in ("heading", "label"):
            break
        if tok.kind == "value" or (tok.kind == "text" and tok.piece.cell):
            values.append(tok)
    if all(v.whole for v in values):
        rows: dict[int, list[Token]] = {}
        for v in values:
            rows.setdefault(v.piece.row, []).append(v)
        keep = [row for row in rows.values() if any(re.search(r"\d|无", v.text) for v in row)]
        values = [v for row in keep for v in row]
    r.row(label, values, specs)


# -- metadata and narrative -----------------------------------------------------------------

_TITLE = re.compile(
    r"(?P<pre>[^。；;，,]*?)(?P<year>(19|20)\d{2})年度?(?P<post>[^。；;，,0-9]*?)政府信息公开(工作)?(年度)?报告")
_CJK_TAIL = re.compile(r"[\u4e00-\u9fff（）()·]+$")
_DATE_LABEL = re.compile(
    r"(发布日期|发布时间|成文日期|时间|日期)[:：]\s*((19|20)\d{2})[-年/.](\d{1,2})[-月/.](\d{1,2})")
_DATE_LINE = re.compile(r"^((19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日$")
_PERIOD = re.compile(r"统计期限[^0-9]{0,8}((19|20)\d{2})\s*年\s*1\s*月\s*1\s*日")


def _title(lines: list[str], container_title: str | None) -> tuple[str | None, int | None, str | None]:
    candidates = []
    for i, line in enumerate(lines[:40]):
        candidates.append(line)
        if i + 1 < len(lines):
            candidates.append(line + lines[i + 1])
    if container_title:
        candidates.append(container_title)
    for cand in candidates:
        text = squash_cjk_spaces(cand).replace(" ", "")
        m = _TITLE.search(text)
        if not m:
            continue
        agency = m.group("post").strip() or (_CJK_TAIL.search(m.group("pre")) or [""])[0]
        agency = re.sub(r"^(标题|题目|名称)", "", agency).strip("：: ")
        return (agency or None), int(m.group("year")), m.group(0)
    return None, None, None


def _metadata(doc: Document, report: Report, tokens: list[Token]) -> None:
    head: list[str] = []
    for tok in tokens:
        if tok.kind == "heading":
            break
        if tok.piece.text not in head:
            head.append(tok.piece.text)
    if not head:
        head = [p.text for p in doc.pieces[:20]]
    report.agency, report.year, report.title = _title(head, doc.title)
    joined = "\n".join(head)
    m = _DATE_LABEL.search(joined)
    if m:
        report.published = f"{m.group(2)}-{int(m.group(4)):02d}-{int(m.group(5)):02d}"
    else:
        for p in reversed(doc.pieces[-6:]):
            m = _DATE_LINE.match(p.text.replace(" ", ""))
            if m:
                report.published = f"{m.group(1)}-{int(m.group(3)):02d}-{int(m.group(4)):02d}"
                break
    if report.year is None:
        m = _PERIOD.search(squash_cjk_spaces(doc.text()[:5000]))
        if m:
            report.year = int(m.group(1))


def _narrative(tokens: list[Token], report: Report) -> None:
    parts: dict[str, list[str]] = {}
    section = "preamble"
    for tok in tokens:
        if tok.kind == "heading":
            section = str(tok.concept.section)
            continue
        if tok.kind == "text" and section in ("preamble", "1", "5", "6"):
            parts.setdefault(section, []).append(tok.text.strip())
    report.narrative = {k: "\n".join(v) for k, v in parts.items() if any(v)}


def _version(seen: list[Concept]) -> str | None:
    votes = {"2019": 0, "2021": 0}
    c = codes()
    for concept in seen:
        if concept.kind == "row" and c.children(concept):
            continue
        if len(concept.formats) == 1:
            votes[next(iter(concept.formats))] += 1
    if votes["2019"] == votes["2021"]:
        return None
    return "2019" if votes["2019"] > votes["2021"] else "2021"


def _version_by_label_text(tokens: list[Token]) -> str | None:
    """Labels whose wording, not concept, differs between the versions (规范性文件 / 行政规范性文件)."""
    votes = {"2019": 0, "2021": 0}
    for tok in tokens:
        if tok.kind == "label" and tok.concept.id == "active.normative":
            votes["2021" if "行政规范性文件" in fold(tok.text) else "2019"] += 1
    if votes["2019"] == votes["2021"]:
        return None
    return max(votes, key=votes.get)


def parse(doc: Document, source: Provenance) -> Report:
    report = Report(source=source)
    tokens = _tokens(doc, report)
    seen = read_tables(tokens, report)
    _metadata(doc, report, tokens)
    _narrative(tokens, report)
    report.format = _version(seen) or _version_by_label_text(tokens)
    if not seen:
        report.warnings.insert(0, "no table of the annual-report format found")
        return report
    if report.format is None:
        report.warnings.append("format version (2019 or 2021) cannot be told from the labels")
        return report
    single_other = "requests.other.natural_person" in report.cells
    for spec in sorted(codes().cells.values(), key=lambda s: s.order):
        if spec.id in report.cells:
            continue
        wanted = report.format in spec.formats
        if report.format == "2021" and single_other and spec.row.startswith("requests.other"):
            wanted = spec.row == "requests.other"
        if wanted:
            report.cells[spec.id] = Cell(spec.id, State.UNREADABLE)
            report.warnings.append(f"{spec.label_zh} ({spec.id}) not found in the report")
    return report
