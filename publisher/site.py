"""The static website: Jinja2 templates in ``site/templates`` rendered into ``DIR/site`` by `render_site`.

Every page exists twice, in Chinese at ``/<path>`` and in English at ``/en/<path>``, and links to its
twin. Links are relative to the page (``../../agency/…``), so the site works from any static host
and from any folder; the only root-relative URLs are the SPARQL endpoint ``/sparql`` (served by
`xxgk serve`) and those of ``404.html``, which a server shows at any depth. Nothing is loaded from
another host: the front-end packages (YASGUI, Chart.js) come from npm (``site/package.json``,
``make site-assets``) and are copied into ``assets/``.

The report tables are laid out from the code lists (`publisher.codes.codes`), never from a second
copy of the labels: table 二 by its 第二十条 groups, table 三 with the applicant columns and the
nested outcome rows, table 四 with its grouped header. Templates escape everything (autoescape is
on for every template), so names, narrative and messages from the reports always render as text.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import json
import multiprocessing
import re
import shutil
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from rdflib.namespace import DCAT, DCTERMS, PROV, RDF, RDFS

from .agencies import Agency
from .codes import XXGK, CellSpec, Concept, codes
from .files import link_or_copy, link_tree
from .model import Report, State
from .published import PublishedReport
from .rdf import URIs
from .store import PREFIXES, write_graph

SITE_DIR = Path(__file__).resolve().parent.parent / "site"
TEMPLATES = SITE_DIR / "templates"
STATIC = SITE_DIR / "static"
QUERIES = SITE_DIR / "queries"
NODE_MODULES = SITE_DIR / "node_modules"
LICENSE = "https://creativecommons.org/licenses/by/4.0/"
ENDPOINT = "/sparql"
LANGS = ("zh", "en")
RANK_LIMIT = 200
PAGE_SIZE = 500  # entries per page of the agency list and of a year's reports
PARALLEL_FROM = 50  # agencies to render before worker processes (a second or two to start) pay off
SEVERITIES = ("violation", "warning", "info")
EXTENSIONS = {"application/pdf": ".pdf", "text/html": ".html", "text/plain": ".txt",
              "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx"}

# (npm package, file in the package, name under assets/): what the pages load, copied at build time.
VENDOR = [
    ("@triply/yasgui", "build/yasgui.min.js", "yasgui.min.js"),
    ("@triply/yasgui", "build/yasgui.min.js.LICENSE.txt", "yasgui.min.js.LICENSE.txt"),
    ("@triply/yasgui", "build/yasgui.min.css", "yasgui.min.css"),
    ("@triply/yasgui", "LICENSE.txt", "licenses/yasgui.txt"),
    ("chart.js", "dist/chart.umd.min.js", "chart.umd.min.js"),
    ("chart.js", "LICENSE.md", "licenses/chart.js.md"),
]

# The page's own scripts and styles only; the query page may also reach other SPARQL endpoints.
# what the agency's and the year's RDF files say of each of their reports
SUMMARY = {ox.NamedNode(str(u)) for u in (RDF.type, RDFS.label, DCTERMS.title, XXGK.agency, XXGK.year, XXGK.period,
                                          DCTERMS.publisher)}
_DATASET = ox.NamedNode("http://purl.org/linked-data/cube#dataSet")
_OWNED = [ox.NamedNode(str(u)) for u in (DCAT.distribution, PROV.wasGeneratedBy)]  # a report's source, its parsing
_BY = ox.NamedNode(str(PROV.wasAssociatedWith))  # the parsing's software agent
_PERIOD, _AGENCY = ox.NamedNode(str(XXGK.period)), ox.NamedNode(str(XXGK.agency))

CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "font-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; connect-src ")

# UI strings: (中文, English)
STRINGS: dict[str, tuple[str, str]] = {
    "site": ("政府信息公开年度报告开放数据", "Government information disclosure reports: open data"),
    "site_short": ("xxgk 开放数据", "xxgk open data"),
    "home": ("首页", "Home"),
    "agencies": ("机关", "Agencies"),
    "years": ("年度", "Years"),
    "query": ("SPARQL 查询", "SPARQL query"),
    "ontology": ("本体与代码表", "Ontology and code lists"),
    "lang_other": ("English", "中文"),
    "intro": ("本站把各级行政机关发布的《政府信息公开工作年度报告》中的统计表格"
              "（主动公开、依申请公开、行政复议和行政诉讼）逐格读出，核对其内部算术，"
              "作为关联开放数据（RDF Data Cube）发布，可浏览、下载和用 SPARQL 查询。",
              "This site reads the statistical tables of the annual reports on government information disclosure "
              "(政府信息公开工作年度报告) published by Chinese administrative agencies — proactive disclosure, "
              "requests for disclosure, administrative reconsideration and litigation — cell by cell, checks their "
              "arithmetic, and publishes them as linked open data (RDF Data Cube) to browse, download and query "
              "with SPARQL."),
    "counts": ("数据规模", "In numbers"),
    "n_reports": ("年度报告", "annual reports"),
    "n_agencies": ("机关", "agencies"),
    "n_observations": ("单元格观测值", "cell observations"),
    "n_triples": ("RDF 三元组", "RDF triples"),
    "n_findings": ("核查发现（错误与不一致）", "findings (errors and inconsistencies)"),
    "downloads": ("下载", "Downloads"),
    "file": ("文件", "File"),
    "format": ("格式", "Format"),
    "size": ("大小", "Size"),
    "examples": ("SPARQL 查询示例", "Example SPARQL queries"),
    "open_in_editor": ("在查询页中打开", "Open in the query page"),
    "cite": ("引用", "How to cite"),
    "cite_text": ("请注明数据来源并附上许可：", "Please credit the data and give its licence:"),
    "license": ("许可", "Licence"),
    "license_text": ("数据以 CC BY 4.0 许可发布；原始报告的版权归各发布机关。",
                     "Data under CC BY 4.0; the original reports belong to the agencies that published them."),
    "search": ("搜索机关", "Search agencies"),
    "search_hint": ("输入名称、拼音或年份", "name, pinyin or year"),
    "shown": ("显示", "shown"),
    "pages": ("分页", "Pages"),
    "page_of": ("第 {n} 页，共 {pages} 页（第 {first}–{last} 条，共 {total} 条）",
                "page {n} of {pages} (entries {first}–{last} of {total})"),
    "prev_page": ("上一页", "previous"),
    "next_page": ("下一页", "next"),
    "search_all": ("在全部机关中搜索；清空后回到本页列表。", "Searches every agency; clear it to see this page again."),
    "more_hits": ("只显示前 {n} 条，请输入更多字。", "Only the first {n} are shown: type more."),
    "of": ("共", "of"),
    "reports": ("报告", "Reports"),
    "report": ("报告", "Report"),
    "year": ("年度", "Year"),
    "agency": ("机关", "Agency"),
    "variants": ("名称变体", "Names as printed"),
    "uri": ("URI", "URI"),
    "trends": ("历年趋势", "Trends across years"),
    "chart_requests": ("政府信息公开申请", "Requests for disclosure"),
    "chart_outcomes": ("办理结果", "Outcomes"),
    "chart_appeals": ("行政复议和行政诉讼", "Reconsideration and litigation"),
    "query_agency": ("用 SPARQL 查询此机关的趋势", "Query this agency's trend with SPARQL"),
    "key_figures": ("主要数字", "Key figures"),
    "findings": ("核查发现", "Findings"),
    "no_findings": ("未发现算术或结构问题。", "No arithmetic or structural problems found."),
    "sev_violation": ("数据错误", "Violation"),
    "sev_violation_note": ("数据本身不合规（由本站处理造成，应修正）", "malformed data, to be fixed on our side"),
    "sev_warning": ("报告内不一致", "Warning"),
    "sev_warning_note": ("机关发布的数字相互矛盾", "the figures the agency published contradict each other"),
    "sev_info": ("无法检查", "Cannot check"),
    "sev_info_note": ("所需单元格空白或无法读取，规则无法检查", "an input is blank or unreadable, so the rule "
                      "could not be checked"),
    "rule": ("规则", "Rule"),
    "cells": ("单元格", "Cells"),
    "legend": ("图例", "Legend"),
    "legend_blank": ("报告中空白或印为“/”“—”（不是 0）", "blank in the report, or printed as '/' or '—' (not 0)"),
    "legend_unreadable": ("报告中有此格但无法可靠读出", "the cell is there but could not be read reliably"),
    "legend_absent": ("报告中没有此格", "not in the report"),
    "legend_na": ("此格式版本无此格", "not part of this version of the form"),
    "legend_finding": ("有核查发现（悬停查看）", "has a finding (hover for details)"),
    "blank": ("空白", "blank"),
    "unreadable": ("无法读取", "unreadable"),
    "absent": ("报告中没有此格", "not in the report"),
    "printed": ("印为", "printed as"),
    "location": ("位置", "location"),
    "format_version": ("表格格式", "Form version"),
    "form_2019": ("2019 年版（国办公开办函〔2019〕60号）", "2019 version"),
    "form_2021": ("2021 年版（国办公开办函〔2021〕30号）", "2021 version"),
    "other_cells": ("其他单元格", "Other cells"),
    "narrative": ("正文", "Text of the report"),
    "narrative_note": ("原文，未翻译。", "As published, in Chinese."),
    "preamble": ("前言", "Preamble"),
    "source": ("来源文件", "Source file"),
    "source_download": ("下载原始文件", "Download the original file"),
    "media_type": ("媒体类型", "Media type"),
    "sha256": ("SHA-256", "SHA-256"),
    "published_on": ("发布日期", "Published"),
    "alternates": ("同一报告的其他文件", "Other files of the same report"),
    "title_as_printed": ("标题", "Title"),
    "rdf": ("RDF", "RDF"),
    "previous": ("上一年", "Previous year"),
    "next": ("下一年", "Next year"),
    "all_years": ("全部年度", "All years"),
    "n_reports_col": ("报告数", "Reports"),
    "warnings_col": ("不一致", "Warnings"),
    "violations_col": ("错误", "Violations"),
    "concept_row": ("行", "Row"),
    "concept_column": ("列", "Column"),
    "section": ("部分", "Section"),
    "broader": ("上位", "Broader"),
    "narrower": ("下位", "Narrower"),
    "alt_labels": ("其他写法", "Other spellings"),
    "in_forms": ("表格格式", "In form versions"),
    "ranking_agencies": ("机关排名（各年合计）", "Agencies ranked (all years added up)"),
    "ranking_reports": ("报告排名", "Reports ranked"),
    "rank": ("名次", "Rank"),
    "total": ("合计", "Total"),
    "n_with_value": ("有数值的报告", "reports with a number"),
    "top_note": ("仅列前 {n} 名；完整数据见下载和 SPARQL。", "Top {n} only; the downloads and SPARQL have all."),
    "group_note": ("分组的数值为其下位各行之和。", "The figure of a group is the sum of its sub-rows."),
    "heading_note": ("这是表头分组，没有自己的数值；见其下位概念。", "A heading of the table with no figures of "
                     "its own; see its narrower concepts."),
    "no_values": ("尚无数值。", "No figures yet."),
    "codelists": ("代码表", "Code lists"),
    "ontology_docs": ("本体文档", "Ontology documentation"),
    "rows": ("行", "Rows"),
    "columns": ("列", "Columns"),
    "gallery": ("研究查询示例", "Research queries"),
    "gallery_intro": ("点击“载入”把查询放入编辑器，或“运行”直接执行。端点：", "“Load” puts a query into the "
                      "editor, “Run” runs it. Endpoint:"),
    "load": ("载入", "Load"),
    "run": ("运行", "Run"),
    "show_query": ("查看查询", "Show the query"),
    "endpoint_note": ("只读 SPARQL 1.1；有超时和结果数上限。", "Read-only SPARQL 1.1, with a time limit and a "
                      "result limit."),
    "not_found": ("未找到页面", "Page not found"),
    "built": ("生成于", "Built"),
}


def strings(lang: str) -> dict[str, str]:
    i = LANGS.index(lang)
    return {k: v[i] for k, v in STRINGS.items()}


class SiteAssetsMissing(RuntimeError):
    """The npm packages the pages bundle are not installed in site/node_modules."""


# -- gallery ----------------------------------------------------------------------------------------


def gallery() -> list[dict]:
    """The ready research queries of the query page, from ``site/queries/*.rq``.

    Each file starts with ``# title_zh: …`` and ``# title_en: …``; the file name (without a leading
    ``NN-`` that orders them) is the query's name.
    """
    out = []
    for path in sorted(QUERIES.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        meta, body = {}, []
        for line in text.splitlines():
            m = re.match(r"#\s*(title_zh|title_en):\s*(.*\S)", line)
            if m and not body:
                meta[m.group(1)] = m.group(2)
            else:
                body.append(line)
        name = re.sub(r"^\d+-", "", path.stem)
        out.append({"name": name, "title_zh": meta.get("title_zh", name), "title_en": meta.get("title_en", name),
                    "query": "\n".join(body).strip() + "\n"})
    return out


# -- values -----------------------------------------------------------------------------------------


@cache
def _order(concept_id: str, kind: str) -> int:
    """The national order of a row or column; a group without one comes where its first child does."""
    c = codes()
    concept = (c.rows if kind == "row" else c.columns)[concept_id]
    if concept.order:
        return concept.order
    kids = c.children(concept)
    return min((_order(k.id, kind) for k in kids), default=10_000)


def kids(concept: Concept) -> list[Concept]:
    return list(_kids(concept.id, concept.kind))


@cache
def _kids(concept_id: str, kind: str) -> tuple[Concept, ...]:
    c = codes()
    concept = (c.rows if kind == "row" else c.columns)[concept_id]
    return tuple(sorted(c.children(concept), key=lambda k: _order(k.id, k.kind)))


def roots(section: int, kind: str) -> list[Concept]:
    pool = codes().rows if kind == "row" else codes().columns
    return sorted((c for c in pool.values() if c.section == section and c.broader is None),
                  key=lambda c: _order(c.id, kind))


@cache
def _recipe(row: str, column: str) -> tuple[str | None, tuple[tuple[str, str], ...]]:
    """The cell of a row and column, and the (row, column) pairs that add up to it in a report
    without that cell: the row's parts, or else the column's."""
    c = codes()
    spec = c.cell_for(row, column)
    parts = kids(c.rows[row])
    pairs = tuple((k.id, column) for k in parts) if parts else tuple((row, k.id) for k in kids(c.columns[column]))
    return (spec.id if spec is not None else None), pairs


def value(report: Report, row: str, column: str) -> Decimal | None:
    """The figure of a row and column; for a group, the sum of its parts that have a number."""
    cells = report.cells
    layout = getattr(cells, "layout", None)  # reports with the same cells (Figures) share their leaves
    if layout is None:
        leaves, get = _expand(cells, row, column), report.value
    else:
        leaves = _LEAVES.get((layout, row, column))
        if leaves is None:
            leaves = _LEAVES[(layout, row, column)] = _expand(cells, row, column)
        get = cells.number
    if len(leaves) == 1 and leaves[0] == _recipe(row, column)[0]:  # its own cell
        return get(leaves[0])
    total = None
    for leaf in leaves:
        v = get(leaf)
        if v is not None:
            total = (Decimal(0) if total is None else total) + v
    return total


_LEAVES: dict[tuple[int, str, str], tuple[str, ...]] = {}


def _expand(cells, row: str, column: str) -> tuple[str, ...]:
    """The cells whose numbers add up to a row and column: its own cell when the report has it,
    else those of its parts (a sum of sums is the sum of the leaves)."""
    cell, parts = _recipe(row, column)
    if cell is not None and cell in cells:
        return (cell,)
    return tuple(leaf for r, k in parts for leaf in _expand(cells, r, k))


def heading_only(concept: Concept) -> bool:
    """A group that holds its own total (三、本年度办理结果, 申请人情况) is a heading with no figure."""
    return any(k.id.endswith("total") for k in kids(concept))


def number(v: Decimal | float | int | None) -> str:
    if v is None:
        return "—"
    d = Decimal(v)
    if d == d.to_integral_value():
        return str(int(d))
    return format(d.normalize(), "f")


def _json_number(v: Decimal | None) -> float | int | None:
    if v is None:
        return None
    return int(v) if v == v.to_integral_value() else float(v)


KEY_FIGURES = [  # (name, row, column): the figures shown for every report in lists and charts
    ("received", "requests.new", "requests.total"),
    ("handled", "requests.total", "requests.total"),
    ("granted", "requests.granted", "requests.total"),
    ("denied", "requests.denied", "requests.total"),
    ("review", "review", "review.total"),
    ("litigation", "litigation", "review.total"),
]


def key_figures(report: Report) -> list[Decimal | None]:
    return [value(report, row, col) for _, row, col in KEY_FIGURES]


def form_of(report: Report) -> str:
    if report.format in ("2019", "2021"):
        return report.format
    cells = codes().cells
    only = defaultdict(int)
    for cid in report.cells:
        spec = cells.get(cid)
        if spec is not None and len(spec.formats) == 1:
            only[next(iter(spec.formats))] += 1
    return "2021" if only["2021"] > only["2019"] else "2019"


# -- report tables ----------------------------------------------------------------------------------


@dataclass
class CellView:
    id: str
    text: str
    cls: str
    title: dict[str, str]
    refs: list[int] = field(default_factory=list)


@dataclass
class Head:
    concept: Concept
    children: list[Head] = field(default_factory=list)
    cell: CellSpec | None = None


class ReportView:
    """One report laid out like the printed form, with its findings attached to the cells."""

    def __init__(self, p: PublishedReport):
        self.p = p
        self.report = p.report
        self.form = form_of(p.report)
        rank = {s: i for i, s in enumerate(SEVERITIES)}
        self.findings = sorted(p.findings, key=lambda f: (rank.get(f.severity, 9), f.rule, f.cells))
        self.by_cell: dict[str, list[int]] = defaultdict(list)
        for n, f in enumerate(self.findings, 1):
            for cid in f.cells:
                self.by_cell[cid].append(n)
        self.placed: set[str] = set()

    def in_form(self, spec: CellSpec | None) -> bool:
        return spec is not None and (not spec.formats or self.form in spec.formats)

    def has_cells(self, concept: Concept) -> bool:
        attr = "row" if concept.kind == "row" else "column"
        return any(getattr(s, attr) == concept.id and self.in_form(s) for s in codes().cells.values())

    def cell(self, spec: CellSpec | None, row: Concept | None = None, column: Concept | None = None) -> CellView:
        if not self.in_form(spec):
            name = f"{row.id}/{column.id}" if row and column else ""
            return CellView(name, "", "na", {lang: strings(lang)["legend_na"] for lang in LANGS})
        assert spec is not None
        self.placed.add(spec.id)
        cell = self.report.cells.get(spec.id)
        title = {lang: f"{spec.label_zh if lang == 'zh' else spec.label_en} ({spec.id})" for lang in LANGS}
        if cell is None:
            text, cls = "", "absent"
            for lang in LANGS:
                title[lang] += "\n" + strings(lang)["absent"]
        elif cell.state is State.NUMBER:
            text, cls = number(cell.value), "num"
        else:
            text, cls = ("—", "blank") if cell.state is State.BLANK else ("?", "unreadable")
            for lang in LANGS:
                t = strings(lang)
                title[lang] += f"\n{t[cls]}" + (f" · {t['printed']} “{cell.text}”" if cell.text else "")
        if cell is not None and cell.where is not None:
            for lang in LANGS:
                title[lang] += f"\n{strings(lang)['location']}: {cell.where}"
        refs = self.by_cell.get(spec.id, [])
        if refs:
            worst = min(rank for rank, s in enumerate(SEVERITIES) if any(self.findings[n - 1].severity == s
                                                                         for n in refs))
            cls += f" finding f-{SEVERITIES[worst]}"
            for lang in LANGS:
                for n in refs:
                    f = self.findings[n - 1]
                    title[lang] += f"\n[{n}] {strings(lang)['sev_' + f.severity]}: " + (
                        f.message_zh if lang == "zh" else f.message)
        return CellView(spec.id, text, cls, title, list(refs))

    # table 二: one block per 第二十条 group, with the columns its rows have in this form
    def table2(self) -> list[dict]:
        c = codes()
        blocks = []
        for group in roots(2, "row"):
            rows = [r for r in kids(group) if self.has_cells(r)]
            if not rows:
                continue
            cols = sorted({s.column for r in rows for s in c.cells_of_row(r.id) if self.in_form(s)},
                          key=lambda k: _order(k, "column"))
            columns = [c.columns[k] for k in cols]
            body = [{"concept": r, "cells": [self.cell(c.cell_for(r.id, k.id), r, k) for k in columns]} for r in rows]
            blocks.append({"group": group, "item": c.columns.get("active.item"), "columns": columns, "rows": body})
        return blocks

    def _head(self, concept: Concept) -> Head | None:
        if self.has_cells(concept):
            return Head(concept)
        children = [h for h in (self._head(k) for k in kids(concept)) if h is not None]
        return Head(concept, children) if children else None

    @staticmethod
    def _depth(heads: list[Head]) -> int:
        return max((1 + ReportView._depth(h.children) for h in heads), default=0)

    @staticmethod
    def _leaves(h: Head) -> list[Head]:
        return [h] if not h.children else [x for k in h.children for x in ReportView._leaves(k)]

    @staticmethod
    def header(heads: list[Head]) -> tuple[list[list[dict]], list[Head]]:
        """Header rows (cells with colspan and rowspan) of a tree of headings, and its leaves in order."""
        depth = ReportView._depth(heads)
        rows: list[list[dict]] = [[] for _ in range(depth)]
        leaves: list[Head] = []

        def walk(h: Head, level: int) -> None:
            if h.children:
                rows[level].append({"concept": h.concept, "colspan": len(ReportView._leaves(h)), "rowspan": 1})
                for k in h.children:
                    walk(k, level + 1)
            else:
                rows[level].append({"concept": h.concept, "colspan": 1, "rowspan": depth - level})
                leaves.append(h)
        for h in heads:
            walk(h, 0)
        return rows, leaves

    # table 三: applicant columns across, the nested outcome rows down
    def table3(self) -> dict:
        c = codes()
        head_rows, leaves = self.header([h for h in (self._head(k) for k in roots(3, "column")) if h is not None])
        row_heads = [h for h in (self._head(k) for k in roots(3, "row")) if h is not None]
        depth = self._depth(row_heads)
        body: list[dict] = []

        def walk(h: Head, level: int) -> list[dict]:
            if not h.children:
                cells = [self.cell(c.cell_for(h.concept.id, col.concept.id), h.concept, col.concept) for col in leaves]
                return [{"labels": [{"concept": h.concept, "rowspan": 1, "colspan": depth - level}], "cells": cells}]
            rows = [r for k in h.children for r in walk(k, level + 1)]
            rows[0]["labels"].insert(0, {"concept": h.concept, "rowspan": len(rows), "colspan": 1})
            return rows
        for h in row_heads:
            body += walk(h, 0)
        return {"head": head_rows, "corner": {"rowspan": len(head_rows), "colspan": depth}, "body": body}

    # table 四: one line of figures under a header of rows (复议, 诉讼 > 两类) over result columns
    def table4(self) -> dict:
        c = codes()

        def head(row: Concept) -> Head | None:
            if self.has_cells(row):
                cols = [Head(col, cell=c.cell_for(row.id, col.id)) for col in
                        sorted((col for col in c.columns.values() if col.section == 4),
                               key=lambda col: _order(col.id, "column"))
                        if self.in_form(c.cell_for(row.id, col.id))]
                return Head(row, cols)
            children = [h for h in (head(k) for k in kids(row)) if h is not None]
            return Head(row, children) if children else None
        head_rows, leaves = self.header([h for h in (head(r) for r in roots(4, "row")) if h is not None])
        return {"head": head_rows, "cells": [self.cell(leaf.cell) for leaf in leaves]}

    def other_cells(self) -> list[tuple[CellSpec, CellView]]:
        specs = codes().cells
        return [(specs[cid], self.cell(specs[cid])) for cid in sorted(self.report.cells, key=lambda k: (
            specs[k].order if k in specs else 10_000, k)) if cid in specs and cid not in self.placed]


# -- rendering --------------------------------------------------------------------------------------


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["num"] = number
    env.filters["size"] = _size
    return env


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def copy_assets(dest: Path) -> None:
    """The site's own scripts and styles, and the npm packages' files the pages load, into `dest`."""
    for package, rel, _ in VENDOR:
        if not (NODE_MODULES / package / rel).is_file():
            raise SiteAssetsMissing(
                f"the npm package {package} is not installed ({NODE_MODULES / package / rel} is missing): "
                f"run `make site-assets` (that is, `npm ci --prefix site`) before building the site")
    dest.mkdir(parents=True, exist_ok=True)
    for package, rel, name in VENDOR:
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        data = (NODE_MODULES / package / rel).read_bytes()
        if name.endswith((".js", ".css")):  # the source maps are not shipped
            data = re.sub(rb"\n?[/][/*]# sourceMappingURL=[^\n]*", b"", data)
        target.write_bytes(data)
    for f in sorted(STATIC.iterdir()):
        if f.is_file():
            shutil.copyfile(f, dest / f.name)


class _Site:
    def __init__(self, out: Path, published: list[PublishedReport], base: str,
                 listing: Callable[[], tuple[list[dict], dict]], store: ox.Store, page_size: int = PAGE_SIZE,
                 reuse: Path | None = None, fresh: set[str] | None = None, jobs: int = 1,
                 store_path: Path | None = None, whole: Callable[[Report], Report] | None = None):
        self.out = out
        self.whole = whole
        self.jobs = jobs
        self.store_path = store_path
        self.reuse = reuse
        self.fresh = fresh
        self.store = store
        self.page_size = page_size
        self.base = base if base.endswith("/") else base + "/"
        self.uris = URIs(self.base)
        self.published = sorted(published, key=lambda p: (p.agency.slug, p.year))
        self.listing = listing
        self.env = _environment()
        self.built = datetime.now(UTC)
        self.agencies: dict[str, Agency] = {}
        self.by_agency: dict[str, list[PublishedReport]] = defaultdict(list)
        for p in self.published:
            self.agencies.setdefault(p.agency.slug, p.agency)
            self.by_agency[p.agency.slug].append(p)
        self.by_year: dict[int, list[PublishedReport]] = defaultdict(list)
        for p in sorted(self.published, key=lambda p: (p.year, p.agency.name)):
            self.by_year[p.year].append(p)
        self.gallery = gallery()

    # one page, twice
    def page(self, path: str, template: str, rdf: str | None = None, connect: str = "'self'",
             langs: tuple[str, ...] = LANGS, **ctx) -> None:
        """Render `template` at `path` ("" or "a/b/": a folder) in both languages."""
        depth = path.count("/")
        for lang in langs:
            root = "../" * (depth + (lang == "en"))
            home = root + ("en/" if lang == "en" else "")
            other = root + (path if lang == "en" else "en/" + path)
            other = other or "./"
            rdf_links = [{"type": "text/turtle", "href": f"{root}{rdf}.ttl"},
                         {"type": "application/ld+json", "href": f"{root}{rdf}.jsonld"}] if rdf else []
            t = strings(lang)

            def label(x, lang=lang) -> str:
                return x.label_zh if lang == "zh" else x.label_en
            html = self.env.get_template(template).render(
                lang=lang, t=t, root=root, home=home or "./", other_href=other, path=path, rdf=rdf_links,
                label=label, base=self.base, csp=CSP + connect, built=self.built.strftime("%Y-%m-%d"),
                endpoint=ENDPOINT, severities=SEVERITIES, **ctx)
            target = self.out / ("en" if lang == "en" else "") / path / "index.html"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(html, encoding="utf-8")

    # the RDF files beside the pages, read from the store by subject (index lookups, no query)
    def about(self, *nodes: ox.NamedNode, only: set[ox.NamedNode] | None = None) -> list[ox.Triple]:
        """The store's triples of `nodes` as subject (with `only`, of those predicates)."""
        return [q.triple for n in nodes for q in self.store.quads_for_pattern(n, None, None, ox.DefaultGraph())
                if only is None or q.predicate in only]

    def objects(self, node: ox.NamedNode, predicate: ox.NamedNode) -> list:
        return [q.object for q in self.store.quads_for_pattern(node, predicate, None, ox.DefaultGraph())]

    def report_triples(self, p: PublishedReport) -> list[ox.Triple]:
        """Everything the store says of a report: the report, its observations, its source and parsing."""
        r = ox.NamedNode(p.uri)
        nodes = [r, ox.NamedNode(str(self.uris.agency(p.agency.slug))), ox.NamedNode(str(self.uris.year(p.year)))]
        nodes += [q.subject for q in self.store.quads_for_pattern(None, _DATASET, r, ox.DefaultGraph())]
        owned = [o for pred in _OWNED for o in self.objects(r, pred)]
        owned += [o for a in owned for o in self.objects(a, _BY)]
        return self.about(*nodes, *dict.fromkeys(o for o in owned if isinstance(o, ox.NamedNode)))

    def write_rdf(self, stem: str, triples: list[ox.Triple]) -> None:
        typ = str(RDF.type)  # grouped by subject, its types first, for a readable Turtle
        triples = sorted(set(triples), key=lambda t: (str(t.subject), t.predicate.value != typ, str(t.predicate),
                                                      str(t.object)))
        target = self.out / stem
        target.parent.mkdir(parents=True, exist_ok=True)
        (target.parent / (target.name + ".ttl")).write_bytes(write_graph(triples, "turtle", PREFIXES))
        (target.parent / (target.name + ".jsonld")).write_bytes(write_graph(triples, "jsonld"))

    @staticmethod
    def _reused(slug: str) -> tuple[list[str], list[str]]:
        """The folders and files of an agency's pages and RDF, as the previous site has them."""
        return ([f"{lang}{kind}/{slug}" for lang in ("", "en/") for kind in ("agency", "report")],
                [f"agency/{slug}.ttl", f"agency/{slug}.jsonld"])

    def unchanged(self) -> list[str]:
        """The agencies not `fresh` (their reports and findings did not change) whose pages the
        previous site has: those are linked, every other one is rendered."""
        if self.reuse is None or self.fresh is None:
            return []
        reuse = self.reuse

        def kept(slug: str) -> bool:
            trees, files = self._reused(slug)
            return all((reuse / t).is_dir() for t in trees) and all((reuse / f).is_file() for f in files)
        return [slug for slug in self.agencies if slug not in self.fresh and kept(slug)]

    def link(self, slugs: list[str]) -> None:
        """The pages and RDF files of `slugs`, linked from the previous site."""
        for slug in slugs:
            trees, files = self._reused(slug)
            for t in trees:
                link_tree(self.reuse / t, self.out / t)
            for f in files:
                link_or_copy(self.reuse / f, self.out / f)

    def render(self) -> None:
        """Every page. The agencies' own, the years' and the concepts' render on the worker
        processes while this one links the unchanged pages and writes the small ones; the home
        page comes last, because it lists the dumps, which the build writes meanwhile."""
        self.out.mkdir(parents=True, exist_ok=True)
        unchanged = self.unchanged()
        linked = set(unchanged)
        with self.shares([slug for slug in self.agencies if slug not in linked]):
            self.link(unchanged)
            copy_assets(self.out / "assets")
            self.ontology_docs()
            self.agency_pages()
            self.sparql_page()
            self.not_found()
            self.codelist_index()
        self.home()

    def agency_group(self, slug: str) -> None:
        """An agency's own pages: its page and each of its reports', with their RDF files."""
        self.agency_page(self.agencies[slug])
        for p in self.by_agency[slug]:
            self.report_page(p)

    @contextmanager
    def shares(self, slugs: list[str]) -> Iterator[None]:
        """The pages that take time: the agencies' own (`slugs`), the years' lists and the
        concepts' rankings; on `jobs` processes when there are many agencies, finished when the
        block ends. Each worker opens the store read-only (the build wrote and flushed it). The
        agencies are dealt out; the years and the concepts, which read every report's figures,
        are shares of their own, so that a rebuild, which renders few agencies, spreads them over
        the cores too."""
        concepts = _ranked_concepts()
        if self.jobs <= 1 or self.store_path is None or len(self.agencies) < PARALLEL_FROM:
            self.render_share(slugs, True, concepts)
            yield
            return
        n = 4 * self.jobs
        shares = [(self.published, [], True, []),
                  *((self.published, [], False, concepts[i::self.jobs]) for i in range(self.jobs)),
                  *(([p for s in slugs[i::n] for p in self.by_agency[s]], slugs[i::n], False, []) for i in range(n))]
        with ProcessPoolExecutor(self.jobs, mp_context=multiprocessing.get_context("forkserver")) as pool:
            rendering = [pool.submit(_render_share, (self.out, published, self.base, self.store_path, self.page_size,
                                                     self.whole, self.built, share)) for published, *share in shares]
            yield
            for done in rendering:
                done.result()

    def render_share(self, slugs: list[str], years: bool = False, concepts: list[Concept] = ()) -> None:
        for slug in slugs:
            self.agency_group(slug)
        if years:
            self.year_pages()
        for concept in concepts:
            self.concept_page(concept)

    def ontology_docs(self) -> None:
        if importlib.util.find_spec("publisher.ontodoc") is None:
            return
        ontodoc = importlib.import_module("publisher.ontodoc")
        render = getattr(ontodoc, "render", None)
        if render is not None:
            render(self.out / "def")

    def home(self) -> None:
        dumps, counts = self.listing()
        years = sorted(self.by_year)
        dataset = {
            "@context": "https://schema.org/",
            "@type": "Dataset",
            "name": STRINGS["site"][0],
            "alternateName": STRINGS["site"][1],
            "description": STRINGS["intro"][1],
            "url": self.base,
            "identifier": self.base + "dataset",
            "license": LICENSE,
            "isAccessibleForFree": True,
            "inLanguage": ["zh", "en"],
            "keywords": ["政府信息公开", "government information disclosure", "annual reports", "China",
                         "linked open data", "RDF Data Cube"],
            "spatialCoverage": {"@type": "Place", "name": "中华人民共和国 People's Republic of China"},
            "creator": {"@type": "Organization", "name": "xxgk"},
            "dateModified": self.built.strftime("%Y-%m-%d"),
            "distribution": [{"@type": "DataDownload", "name": d["name"],
                              "encodingFormat": d.get("media_type") or d.get("format"),
                              "description": d.get("format"),
                              "contentUrl": self.base + "dumps/" + quote(d["name"]),
                              "contentSize": f"{d.get('bytes', 0)} B", "sha256": d.get("sha256")}
                             for d in dumps],
        }
        if years:
            dataset["temporalCoverage"] = f"{years[0]}/{years[-1]}" if len(years) > 1 else str(years[0])
        catalog = next((d for d in dumps if d["name"] == "catalog.ttl"), None)
        self.page("", "index.html", dataset=dataset, counts=counts, dumps=dumps,
                  examples=self.gallery[:3], years=years, catalog=catalog,
                  cite_year=self.built.year)

    def paged(self, path: str, template: str, entries: list, **ctx) -> None:
        """A long list over numbered pages: ``path`` holds the first, ``path/page/N/`` the N-th."""
        size = self.page_size
        pages = max(1, -(-len(entries) // size))
        for n in range(1, pages + 1):
            here = path if n == 1 else f"{path}page/{n}/"
            self.page(here, template, entries=entries[(n - 1) * size:n * size], total=len(entries),
                      paging={"n": n, "pages": pages, "first": (n - 1) * size + 1, "size": size,
                             "href": lambda k: path if k == 1 else f"{path}page/{k}/"}, **ctx)

    def agency_pages(self) -> None:
        agencies = sorted(self.agencies.values(), key=lambda a: a.slug)
        years = {a.slug: [p.year for p in self.by_agency[a.slug]] for a in agencies}
        self.paged("agency/", "agencies.html", [{"agency": a, "years": years[a.slug]} for a in agencies])
        # the search index of every agency, a script (so that it loads from file:// too) fetched on first use
        index = [[a.slug, a.name, " ".join([a.name, *sorted(a.variants), a.slug, *map(str, years[a.slug])]),
                  years[a.slug]] for a in agencies]
        (self.out / "agency" / "search.js").write_text(
            "window.xxgkAgencies = " + json.dumps(index, ensure_ascii=False, separators=(",", ":")) + ";\n",
            encoding="utf-8")

    def agency_page(self, a: Agency) -> None:
        trend = next((q for q in self.gallery if q["name"] == "agency-trend"), None)
        reports = self.by_agency[a.slug]
        node = ox.NamedNode(str(self.uris.agency(a.slug)))
        self.write_rdf(f"agency/{a.slug}", self.about(node) + self.about(
            *(ox.NamedNode(p.uri) for p in reports), only=SUMMARY))
        query_href = None
        if trend is not None:
            values = f"VALUES ?agency {{ <{self.uris.agency(a.slug)}> }}\n"
            pinned = re.sub(r"\{ SELECT \?agency WHERE[^\n]*\n", values, trend["query"], count=1)
            query_href = "sparql/?query=" + quote(pinned, safe="")
        self.page(f"agency/{a.slug}/", "agency.html", rdf=f"agency/{a.slug}", agency=a,
                  uri=str(self.uris.agency(a.slug)), reports=reports, key=self.key_header(),
                  figures={p.year: key_figures(p.report) for p in reports},
                  findings={p.year: self.finding_counts(p) for p in reports},
                  charts=self.charts(reports), query_href=query_href)

    def key_header(self) -> list[Concept]:
        c = codes()
        return [c.rows[row] for _, row, _ in KEY_FIGURES]

    @staticmethod
    def finding_counts(p: PublishedReport) -> dict[str, int]:
        return dict.fromkeys(SEVERITIES, 0) | p.tally

    def charts(self, reports: list[PublishedReport]) -> list[dict]:
        c = codes()
        years = [p.year for p in reports]

        def series(rows: list[str], column: str) -> list[dict]:
            return [{"label": {"zh": c.rows[r].label_zh, "en": c.rows[r].label_en},
                     "data": [_json_number(value(p.report, r, column)) for p in reports]} for r in rows]
        outcomes = [k.id for k in kids(c.rows["requests.outcome"]) if not k.id.endswith("total")]
        appeals = [leaf for r in roots(4, "row") for leaf in ([r.id] if not kids(r) else [k.id for k in kids(r)])]
        return [
            {"id": "chart-requests", "type": "line", "stacked": False, "title": STRINGS["chart_requests"],
             "years": years, "series": series(["requests.new", "requests.carried_in", "requests.total"],
                                              "requests.total")},
            {"id": "chart-outcomes", "type": "bar", "stacked": True, "title": STRINGS["chart_outcomes"],
             "years": years, "series": series(outcomes, "requests.total")},
            {"id": "chart-appeals", "type": "bar", "stacked": False, "title": STRINGS["chart_appeals"],
             "years": years, "series": series(appeals, "review.total")},
        ]

    def report_page(self, p: PublishedReport) -> None:
        sources = self.out / "sources"
        if self.whole is not None:  # the build keeps only the figures of each report
            p = replace(p, report=self.whole(p.report))
        a, year = p.agency, p.year
        self.write_rdf(p.path, self.report_triples(p))
        view = ReportView(p)
        tables = {"t2": view.table2(), "t3": view.table3(), "t4": view.table4()}
        others = view.other_cells()
        src = self.source_file(p.report.source.path, p.report.source.sha256, p.report.source.media_type, sources)
        alternates = []
        for path in p.alternates:
            f = Path(path)
            sha = _sha256(f) if f.is_file() else None
            alternates.append({"name": f.name, "href": self.source_file(path, sha, None, sources) if sha else None})
        years = [q.year for q in self.by_agency[a.slug]]
        i = years.index(year)
        narrative = [(key, p.report.narrative[key]) for key in ("preamble", "1", "5", "6")
                     if p.report.narrative.get(key, "").strip()]
        self.page(p.path + "/", "report.html", rdf=p.path, p=p, report=p.report, agency=a, view=view,
                  tables=tables, others=others, source=src, alternates=alternates,
                  prev=years[i - 1] if i > 0 else None, next=years[i + 1] if i + 1 < len(years) else None,
                  narrative=narrative, sections=codes().sections, form=view.form,
                  file_name=Path(p.report.source.path).name, title=p.report.title or "")

    @staticmethod
    def source_file(path: str, sha: str | None, media: str | None, dest: Path) -> str | None:
        """The site path of the copy of a source file (``sources/<sha256><ext>``), copying it if need be."""
        if not sha:
            return None
        ext = Path(path).suffix.lower() or EXTENSIONS.get(media or "", "")
        target = dest / f"{sha}{ext}"
        if not target.exists() and Path(path).is_file():
            dest.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
        return f"sources/{sha}{ext}" if target.exists() else None

    def year_pages(self) -> None:
        years = sorted(self.by_year)
        summary = []
        for y in years:
            figs = [key_figures(p.report) for p in self.by_year[y]]
            sums = [sum((f[i] for f in figs if f[i] is not None), Decimal(0)) if any(f[i] is not None for f in figs)
                    else None for i in range(len(KEY_FIGURES))]
            summary.append({"year": y, "n": len(self.by_year[y]), "sums": sums})
        self.page("year/", "years.html", summary=summary, key=self.key_header())
        for y in years:
            reports = self.by_year[y]
            self.write_rdf(f"year/{y}", self.about(ox.NamedNode(str(self.uris.year(y))), only=SUMMARY) + self.about(
                *(ox.NamedNode(p.uri) for p in reports), only={_PERIOD, _AGENCY}))
            self.paged(f"year/{y}/", "year.html", reports, rdf=f"year/{y}", year=y, key=self.key_header(),
                      figures={p.path: key_figures(p.report) for p in reports},
                      findings={p.path: self.finding_counts(p) for p in reports},
                      prev=max((x for x in years if x < y), default=None),
                      next=min((x for x in years if x > y), default=None))

    # concept pages: every row and column of tables 二, 三 and 四, with agencies ranked by its figure
    def measures(self, concept: Concept) -> list[tuple[Concept, Concept]]:
        """(row, column) pairs whose figures rank the agencies on the concept's page; the first ranks."""
        c = codes()
        if heading_only(concept):
            return []
        if concept.kind == "row":
            if concept.section == 3:
                return [(concept, c.columns["requests.total"])]
            if concept.section == 4:
                return [(concept, c.columns["review.total"])]
            cols = sorted({s.column for s in c.cells_of_row(concept.id)}, key=lambda k: _order(k, "column"))
            return [(concept, c.columns[k]) for k in cols]
        if concept.section == 3:
            rows = ["requests.new", "requests.granted", "requests.partial", "requests.denied", "requests.total"]
        else:
            rows = [s.row for s in sorted(c.cells.values(), key=lambda s: s.order) if s.column == concept.id]
            rows = list(dict.fromkeys(rows))
        return [(c.rows[r], concept) for r in rows]

    def ranking(self, measures: list[tuple[Concept, Concept]]) -> tuple[list[dict], list[dict], int]:
        per_report = []
        for p in self.published:
            vals = [value(p.report, r.id, k.id) for r, k in measures]
            per_report.append((p, vals))
        # rank by the first measure that any report has a number for
        rank_by = next((i for i in range(len(measures)) if any(v[i] is not None for _, v in per_report)), 0)
        reports = sorted(((p, v) for p, v in per_report if v and v[rank_by] is not None),
                         key=lambda pv: (-pv[1][rank_by], pv[0].agency.slug, pv[0].year))
        agg: dict[str, dict] = {}
        for p, vals in per_report:
            if not vals or all(v is None for v in vals):
                continue
            e = agg.setdefault(p.agency.slug, {"agency": p.agency, "sums": [None] * len(vals), "years": []})
            e["years"].append(p.year)
            for i, v in enumerate(vals):
                if v is not None:
                    e["sums"][i] = (e["sums"][i] or Decimal(0)) + v
        agencies = sorted((e for e in agg.values() if e["sums"][rank_by] is not None),
                          key=lambda e: (-e["sums"][rank_by], e["agency"].slug))
        return agencies[:RANK_LIMIT], [{"p": p, "vals": v} for p, v in reports[:RANK_LIMIT]], rank_by

    def concept_page(self, concept: Concept) -> None:
        c = codes()
        path = f"def/{concept.kind}/{concept.id}"
        self.write_rdf(path, self.about(ox.NamedNode(concept.uri)))
        measures = self.measures(concept)
        agencies, reports, rank_by = self.ranking(measures) if measures else ([], [], 0)
        pool = c.rows if concept.kind == "row" else c.columns
        self.page(path + "/", "concept.html", rdf=path, concept=concept, section=c.sections[concept.section],
                  broader=pool.get(concept.broader) if concept.broader else None, narrower=kids(concept),
                  measures=measures, agencies=agencies, reports=reports, rank_by=rank_by, limit=RANK_LIMIT,
                  group=concept.kind == "row" and bool(kids(concept)), heading=heading_only(concept))

    def codelist_index(self) -> None:
        c = codes()
        index = {s: {"rows": [r for r in sorted(c.rows.values(), key=lambda r: _order(r.id, "row")) if r.section == s],
                     "columns": [k for k in sorted(c.columns.values(), key=lambda k: _order(k.id, "column"))
                                 if k.section == s]} for s in (2, 3, 4)}
        has_docs = (self.out / "def" / "index.html").exists()
        # the code-list index; in Chinese only when the ontology docs (publisher.ontodoc) are missing
        self.page("def/", "codelists.html", langs=("en",) if has_docs else LANGS, index=index,
                  sections=c.sections, has_docs=has_docs)

    def sparql_page(self) -> None:
        self.page("sparql/", "sparql.html", connect="*", queries=self.gallery)

    def not_found(self) -> None:
        html = self.env.get_template("404.html").render(t_zh=strings("zh"), t_en=strings("en"), csp=CSP + "'self'")
        (self.out / "404.html").write_text(html, encoding="utf-8")


def _render_share(work: tuple) -> None:
    """A share of the pages (`_Site.render_share`), in a worker process."""
    out, published, base, store_path, page_size, whole, built, (slugs, years, concepts) = work
    site = _Site(out, published, base, lambda: ([], {}), _read_only(store_path), page_size, whole=whole)
    site.built = built
    site.render_share(slugs, years, concepts)


def _ranked_concepts() -> list[Concept]:
    """The rows and columns of tables 二, 三 and 四, each with a page ranking the agencies by it."""
    c = codes()
    return [x for x in (*c.rows.values(), *c.columns.values()) if x.section in (2, 3, 4)]


@cache
def _read_only(path: Path) -> ox.Store:
    return ox.Store.read_only(str(path))


def render_site(out: Path, published: list[PublishedReport], base: str,
                listing: Callable[[], tuple[list[dict], dict]], store: ox.Store, page_size: int = PAGE_SIZE,
                reuse: Path | None = None, fresh: set[str] | None = None, jobs: int = 1,
                store_path: Path | None = None, whole: Callable[[Report], Report] | None = None) -> None:
    """Write the website into `out` (``DIR/site``): pages in Chinese and English, RDF files, assets.

    `listing` gives what the home page lists: the dumps' manifest (`write_dumps`) and the counts.
    It is called once every other page is written, so that a build can write the dumps meanwhile.

    The RDF file beside each page is read from `store` (the build's, holding the ontology and every
    report); long lists (agencies, a year's reports) are split into pages of `page_size`. With
    `reuse` (the previous site) only the agencies in `fresh` get their pages rendered again; the
    others' are linked from there. Lists, years, rankings and the home page are always rendered.
    With `store_path` (where `store` lives, flushed) the agencies' own pages are rendered on `jobs`
    processes. With `whole`, the reports in `published` are only their figures (`Report.figures`)
    and `whole` gives each one back entire for its page.
    """
    _Site(Path(out), published, base, listing, store, page_size, reuse,
          None if fresh is None else set(fresh), jobs, store_path, whole).render()


__all__ = ["render_site", "gallery", "copy_assets", "SiteAssetsMissing", "ReportView", "value", "key_figures"]
