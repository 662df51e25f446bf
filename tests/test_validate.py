"""SHACL validation: the real reports, crafted breakages of them, the corpus rules and `xxgk validate`.

Every fixture must map to RDF with no Violation, and its Warnings must be exactly the arithmetic
inconsistencies the report really prints, computed here from truth/*.json and nothing else (not
from the shapes, not from the code lists). Then every constraint is made to fire on a real report's
graph with one triple changed, and shown not to fire on the unchanged graph.

pyshacl takes about a second per report, so each graph is validated once (`validated` caches).
"""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest
from corpus import FIXTURES, GARBLED_REPORTS, REPORTS, agencies, parsed, report_rdf, same_agency, truth
from rdflib import Graph, Literal, URIRef
from rdflib import namespace as ns
from rdflib.namespace import DCTERMS, PROV, RDF, SH

from publisher.codes import XXGK, codes
from publisher.model import State
from publisher.rdf import QB, URIs
from publisher.validate import Finding, Validation, to_store, validate_graph, validate_store

BASE21 = FIXTURES / "016_pingtan-2023.html"  # 2021 format, every cell printed, arithmetic consistent
BASE19 = FIXTURES / "012_pingtan-2019.html"  # 2019 format, the same
HONGZE = (FIXTURES / "001_huaian-hongze-2023.pdf", FIXTURES / "002_huaian-hongze-2024.pdf")
XXGK_CLI = Path(sys.executable).parent / "xxgk"

APPLICANTS = ("natural_person", "business", "research", "nonprofit", "legal_services", "other_org")
PROCEEDINGS = ("review", "litigation_direct", "litigation_after_review")
RESULTS = ("upheld", "corrected", "other", "pending")


@cache
def validated(path: Path) -> Validation:
    g, uri = report_rdf(path)
    return validate_graph(g, uri)


def _id(path: Path) -> str:
    return path.stem


# -- what truth says each report should get ----------------------------------------------------------


def _outcome_row(row: str) -> bool:
    """The rows （一）-（六） of 三、本年度办理结果, whatever the format prints of （六）."""
    return row in ("requests.granted", "requests.partial", "requests.other") or row.startswith(
        ("requests.denied.", "requests.unavailable.", "requests.rejected.", "requests.other."))


def expected(cells: dict) -> tuple[set, set]:
    """(warnings, cannot-check) a report should get: {(rule, frozenset(cells))} and {(rule, cell)}."""
    warnings: set[tuple[str, frozenset]] = set()
    unchecked: set[tuple[str, str]] = set()

    def check(rule: str, total: str, parts: list[str], holds=None) -> None:
        inputs = [total, *parts]
        if any(i not in cells for i in inputs):
            return
        nulls = [i for i in inputs if cells[i] is None]
        if nulls:
            unchecked.update((rule, i) for i in nulls)
        elif not (holds(cells) if holds else sum(Decimal(str(cells[p])) for p in parts) == cells[total]):
            warnings.add((rule, frozenset(inputs)))

    requests = {cid.rsplit(".", 1)[0] for cid in cells if cid.startswith("requests.")}
    for col in (*APPLICANTS, "total"):
        new, cin, tot, cout = (f"requests.{r}.{col}" for r in ("new", "carried_in", "total", "carried_out"))
        check("balance", tot, [new, cin, cout],
              lambda c, new=new, cin=cin, tot=tot, cout=cout: c[new] + c[cin] == c[tot] + c[cout])
        check("column-total", f"requests.total.{col}",
              [f"{row}.{col}" for row in sorted(requests) if _outcome_row(row)])
    for row in requests:
        check("row-total", f"{row}.total", [f"{row}.{a}" for a in APPLICANTS])
    for p in PROCEEDINGS:
        check("review-total", f"{p}.total", [f"{p}.{r}" for r in RESULTS])
    for cid, v in cells.items():  # a count below zero; 本年增/减 (the signed change) may be
        if v is not None and v < 0 and not cid.endswith((".change", ".amount")):
            warnings.add(("non-negative", frozenset([cid])))
    return warnings, unchecked


def test_expected_from_truth_sees_the_published_errors():
    # the notes of 001 name two wrong totals in table 四; nothing else in the corpus is inconsistent
    warnings, unchecked = expected(truth(HONGZE[0])["cells"])
    assert {rule for rule, _ in warnings} == {"review-total"}
    assert {"review.total", "litigation_after_review.total"} <= {c for _, cells in warnings for c in cells}
    assert not unchecked
    # 011 prints zeros as blanks: every sum has a blank input, nothing can be called wrong
    warnings, unchecked = expected(truth(FIXTURES / "011_shanghai-govoffice-2019.html")["cells"])
    assert not warnings and {rule for rule, _ in unchecked} == {"balance", "row-total", "column-total",
                                                                "review-total"}


# -- the real reports ----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", REPORTS, ids=_id)
def test_report_has_no_violation_and_exactly_its_own_inconsistencies(path):
    v = validated(path)
    assert [f.message for f in v.of("violation")] == []
    want_warnings, want_unchecked = expected(truth(path)["cells"])
    assert {(f.rule, frozenset(f.cells)) for f in v.of("warning")} == want_warnings
    got_unchecked = {(f.rule, c) for f in v.of("info") for c in f.cells}
    assert got_unchecked == want_unchecked
    assert all(len(f.cells) == 1 and f.message.startswith("cannot check") for f in v.of("info"))


@pytest.mark.parametrize("path", GARBLED_REPORTS, ids=_id)
def test_unreadable_cells_make_rules_unchecked_never_wrong(path):
    # archived page text whose cells ran together: what cannot be read is Info, and nothing is called wrong
    report = parsed(path)
    assert any(c.state is State.UNREADABLE for c in report.cells.values())
    v = validated(path)
    assert [f.message for f in v.of("violation")] == []
    read = {cid: (c.value if c.state is State.NUMBER else None) for cid, c in report.cells.items()}
    warnings, unchecked = expected(read)
    assert {(f.rule, frozenset(f.cells)) for f in v.of("warning")} == warnings
    assert warnings <= expected(truth(path)["cells"])[0]  # no misread figure makes a finding
    assert {(f.rule, c) for f in v.of("info") for c in f.cells} == unchecked
    assert unchecked


def _consecutive_pairs():
    """(last year's, this year's) fixture of one agency, by truth's names and years alone."""
    paths = {p: truth(p) for p in REPORTS}
    return [(a, b) for a in paths for b in paths
            if paths[b]["year"] == paths[a]["year"] + 1 and same_agency(paths[a]["agency"], paths[b]["agency"])]


def expected_across() -> set[tuple[str, str, frozenset]]:
    """(rule, this year's report path, cells) of carry-over and in-force, from truth."""
    out = set()
    for prev, this in _consecutive_pairs():
        before, now = truth(prev), truth(this)
        b, n = before["cells"], now["cells"]
        for col in (*APPLICANTS, "total"):
            cin, cout = f"requests.carried_in.{col}", f"requests.carried_out.{col}"
            if n.get(cin) is not None and b.get(cout) is not None and n[cin] != b[cout]:
                out.add(("carry-over", this.stem, frozenset([cin, cout])))
        if before["format"] == now["format"] == "2021":
            for cid in (k for k in n if k.endswith(".in_force")):
                row = cid.rsplit(".", 1)[0]
                vals = [b.get(cid), n.get(f"{row}.issued"), n.get(f"{row}.repealed"), n.get(cid)]
                if None not in vals and vals[0] + vals[1] - vals[2] != vals[3]:
                    out.add(("in-force", this.stem, frozenset([cid, f"{row}.issued", f"{row}.repealed"])))
    return out


@pytest.fixture(scope="module")
def corpus_store():
    return to_store([report_rdf(p)[0] for p in REPORTS])


def test_the_hongze_reports_are_one_agency_in_consecutive_years():
    assert (HONGZE[0], HONGZE[1]) in _consecutive_pairs()
    a, b = (agencies()[parsed(p).agency] for p in HONGZE)
    assert a is b


def test_corpus_rules_find_what_truth_says(corpus_store):
    findings = validate_store(corpus_store)
    uri_to_stem = {report_rdf(p)[1]: p.stem for p in REPORTS}
    # 003, 019 and 020 are one report (淮安市人民政府 2024) in three files: one URI, never a duplicate
    assert len(set(uri_to_stem)) == len(REPORTS) - 2
    got = {(f.rule, uri_to_stem[f.report], frozenset(f.cells)) for f in findings
           if f.rule != "one-report-per-agency-year"}
    want = {(rule, stem, cells) for rule, stem, cells in expected_across()}
    assert got == want
    assert not [f for f in findings if f.rule == "one-report-per-agency-year"]


# -- crafted breakages -----------------------------------------------------------------------------


def obs(g: Graph, cell_id: str) -> URIRef:
    found = list(g.subjects(DCTERMS.identifier, Literal(cell_id)))
    assert len(found) == 1, cell_id
    return found[0]


def report_node(g: Graph) -> URIRef:
    return next(iter(g.subjects(RDF.type, XXGK.AnnualReport)))


def set_count(g: Graph, cell_id: str, value) -> None:
    o = obs(g, cell_id)
    g.remove((o, XXGK["count"], None))
    g.add((o, XXGK["count"], value if isinstance(value, Literal) else Literal(value)))


def shift(g: Graph, cell_id: str, by: int) -> None:
    o = obs(g, cell_id)
    set_count(g, cell_id, int(g.value(o, XXGK["count"])) + by)


def make_blank(g: Graph, cell_id: str) -> None:
    o = obs(g, cell_id)
    g.remove((o, XXGK["count"], None))
    g.set((o, XXGK.state, XXGK.Blank))


def add_observation(g: Graph, like: str, cell_id: str, value: int) -> URIRef:
    """A new observation for `cell_id`, its report, agency and year those of `like`'s."""
    spec, c = codes().cells[cell_id], codes()
    src = obs(g, like)
    new = URIRef(str(src).rsplit("/", 1)[0] + "/" + cell_id)
    for p, o in g.predicate_objects(src):
        if p in (QB.dataSet, XXGK.agency, XXGK.period, QB.measureType, XXGK.unit, RDF.type):
            g.add((new, p, o))
    for p, o in ((XXGK.row, URIRef(c.rows[spec.row].uri)), (XXGK.column, URIRef(c.columns[spec.column].uri)),
                 (XXGK.cell, URIRef(spec.uri)), (DCTERMS.identifier, Literal(cell_id)),
                 (XXGK.state, XXGK.Number), (XXGK["count"], Literal(value))):
        g.add((new, p, o))
    return new


def duplicate(g: Graph, cell_id: str) -> None:
    o = obs(g, cell_id)
    for p, v in list(g.predicate_objects(o)):
        g.add((URIRef(str(o) + "-again"), p, v))


def on_report(p, o=None, drop=True):
    def mutate(g: Graph) -> None:
        r = report_node(g)
        if drop:
            g.remove((r, p, None))
        if o is not None:
            g.add((r, p, o))
    return mutate


def on_source(p, o=None):
    def mutate(g: Graph) -> None:
        src = next(iter(g.subjects(RDF.type, XXGK.SourceFile)))
        g.remove((src, p, None))
        if o is not None:
            g.add((src, p, o))
    return mutate


def on_cell(cell_id, p, o=None):
    def mutate(g: Graph) -> None:
        node = obs(g, cell_id)
        g.remove((node, p, None))
        if o is not None:
            g.add((node, p, o))
    return mutate


def steps(*fns):
    def mutate(g: Graph) -> None:
        for fn in fns:
            fn(g)
    return mutate


BAL_BUSINESS = frozenset(f"requests.{r}.business" for r in ("new", "carried_in", "total", "carried_out"))
# the observation cases of one group each break a cell of their own
C = {name: f"requests.{row}.{col}" for name, (row, col) in {
    "no-dataset": ("granted", "business"), "no-agency-dimension": ("granted", "research"),
    "no-period-dimension": ("granted", "nonprofit"), "no-row-dimension": ("granted", "legal_services"),
    "no-column-dimension": ("granted", "other_org"), "bad-measure-type": ("partial", "business"),
    "bad-state": ("partial", "research"), "no-cell": ("partial", "nonprofit"),
    "no-identifier": ("partial", "legal_services"), "count-as-string": ("partial", "other_org"),
    "count-as-decimal": ("denied.state_secret", "business"), "number-without-count": ("denied.third_party", "business"),
    "blank-with-count": ("denied.third_party", "research"), "cell-in-wrong-column": ("new", "natural_person"),
    "duplicate-observation": ("carried_in", "natural_person")}.items()}

# (id, base, change, severity, rule, cells the finding names (None: none), words of its English message)
CRAFTED = [
    # report metadata: one case per property of xs:ReportShape
    ("no-agency", BASE21, on_report(XXGK.agency), "violation", "report-metadata", None, "exactly one agency"),
    ("two-periods", BASE21, on_report(XXGK.period, URIRef("https://w3id.org/xxgk/year/1999"), drop=False),
     "violation", "report-metadata", None, "exactly one reporting year"),
    ("year-not-gyear", BASE21, on_report(XXGK.year, Literal("2023")), "violation", "report-metadata", None,
     "xsd:gYear"),
    ("unknown-format", BASE21, on_report(XXGK.formatVersion, Literal("2020")), "violation", "report-metadata",
     None, "2019 or 2021"),
    ("no-structure", BASE21, on_report(QB.structure), "violation", "report-metadata", None, "structure (IC-2)"),
    ("no-title", BASE21, on_report(DCTERMS.title), "violation", "report-metadata", None, "has a title"),
    ("no-source", BASE21, on_report(PROV.wasDerivedFrom), "violation", "report-metadata", None,
     "names its source file"),
    ("no-parsing", BASE21, on_report(PROV.wasGeneratedBy), "violation", "report-metadata", None,
     "names the parsing"),
    # source file
    ("bad-sha256", BASE21, on_source(XXGK.sha256, Literal("ABC123")), "violation", "source-metadata", None,
     "SHA-256"),
    ("no-media-type", BASE21, on_source(ns.DCAT.mediaType), "violation", "source-metadata", None, "media type"),
    # observation structure: one case per property of xs:ObservationShape
    ("no-dataset", BASE21, on_cell(C["no-dataset"], QB.dataSet), "violation", "observation-structure",
     {C["no-dataset"]}, "IC-1"),
    ("no-agency-dimension", BASE21, on_cell(C["no-agency-dimension"], XXGK.agency), "violation",
     "observation-structure", {C["no-agency-dimension"]}, "IC-11"),
    ("no-period-dimension", BASE21, on_cell(C["no-period-dimension"], XXGK.period), "violation",
     "observation-structure", {C["no-period-dimension"]}, "IC-11"),
    ("no-row-dimension", BASE21, on_cell(C["no-row-dimension"], XXGK.row), "violation", "observation-structure",
     {C["no-row-dimension"]}, "IC-11"),
    ("no-column-dimension", BASE21, on_cell(C["no-column-dimension"], XXGK.column), "violation",
     "observation-structure", {C["no-column-dimension"]}, "IC-11"),
    ("bad-measure-type", BASE21, on_cell(C["bad-measure-type"], QB.measureType, XXGK.weight), "violation",
     "observation-structure", {C["bad-measure-type"]}, "count or amount"),
    ("bad-state", BASE21, on_cell(C["bad-state"], XXGK.state, XXGK.Smudged), "violation", "observation-structure",
     {C["bad-state"]}, "number, blank or unreadable"),
    ("no-cell", BASE21, on_cell(C["no-cell"], XXGK.cell), "violation", "observation-structure", {C["no-cell"]},
     "one cell of the format"),
    ("no-identifier", BASE21, on_cell(C["no-identifier"], DCTERMS.identifier), "violation", "observation-structure",
     None, "carries its cell id"),
    ("count-as-string", BASE21, on_cell(C["count-as-string"], XXGK["count"], Literal("80")), "violation",
     "observation-structure", {C["count-as-string"]}, "xsd:integer"),
    ("count-as-decimal", BASE21, on_cell(C["count-as-decimal"], XXGK["count"],
                                         Literal(Decimal("80.0"), datatype=ns.XSD.decimal)),
     "violation", "observation-structure", {C["count-as-decimal"]}, "xsd:integer"),
    ("amount-as-string", BASE21, on_cell("active.fees.amount", XXGK.amount, Literal("5949.088667")), "violation",
     "observation-structure", {"active.fees.amount"}, "xsd:decimal"),
    # the Data Cube integrity constraints written in SPARQL
    ("number-without-count", BASE21, on_cell(C["number-without-count"], XXGK["count"]), "violation",
     "measure-present", {C["number-without-count"]}, "has its measure value"),
    ("blank-with-count", BASE21, on_cell(C["blank-with-count"], XXGK.state, XXGK.Blank), "violation",
     "measure-present", {C["blank-with-count"]}, "blank or unreadable cell has none"),
    ("cell-in-wrong-column", BASE21, on_cell(C["cell-in-wrong-column"], XXGK.column,
                                             URIRef(codes().columns["requests.business"].uri)),
     "violation", "code-list", {C["cell-in-wrong-column"]}, "match its cell"),
    ("2021-cell-in-2019-report", BASE19, lambda g: add_observation(g, "active.rules.made", "active.rules.issued", 1),
     "violation", "format-version", {"active.rules.issued"}, "format version 2019"),
    ("duplicate-observation", BASE21, lambda g: duplicate(g, C["duplicate-observation"]), "violation",
     "no-duplicate-observation", {C["duplicate-observation"]}, "appears twice"),
    # what an agency may publish wrong (Warnings)
    ("negative-count", BASE21, lambda g: set_count(g, "requests.partial.research", -1), "warning", "non-negative",
     {"requests.partial.research"}, "negative count -1"),
    ("unbalanced", BASE21, lambda g: shift(g, "requests.carried_out.business", 1), "warning", "balance",
     BAL_BUSINESS, "do not balance"),
    ("row-total-off", BASE21, lambda g: shift(g, "requests.granted.total", 1), "warning", "row-total",
     {"requests.granted.total", *(f"requests.granted.{a}" for a in APPLICANTS)}, "row total wrong"),
    ("column-total-off", BASE21, lambda g: shift(g, "requests.total.nonprofit", 2), "warning", "column-total",
     {"requests.total.nonprofit", *(c for c in truth(BASE21)["cells"]
                                    if c.endswith(".nonprofit") and _outcome_row(c.rsplit(".", 1)[0]))},
     "column total wrong"),
    ("review-total-off", BASE21, lambda g: shift(g, "litigation_direct.other", 3), "warning", "review-total",
     {f"litigation_direct.{r}" for r in (*RESULTS, "total")}, "review total wrong"),
    # a blank input: the rule cannot be checked (Info), and even a wrong sum is not a Warning
    ("blank-balance-input", BASE21, steps(lambda g: make_blank(g, "requests.new.business"),
                                          lambda g: shift(g, "requests.total.business", 5)),
     "info", "balance", {"requests.new.business"}, "cannot check balance"),
    ("blank-row-total-input", BASE21, steps(lambda g: make_blank(g, "requests.new.business"),
                                            lambda g: shift(g, "requests.new.total", 5)),
     "info", "row-total", {"requests.new.business"}, "cannot check a row total"),
    ("blank-column-total-input", BASE21, steps(lambda g: make_blank(g, "requests.partial.research"),
                                               lambda g: shift(g, "requests.total.research", 5)),
     "info", "column-total", {"requests.partial.research"}, "cannot check a column total"),
    ("blank-review-total-input", BASE21, steps(lambda g: make_blank(g, "review.pending"),
                                               lambda g: shift(g, "review.upheld", 5)),
     "info", "review-total", {"review.pending"}, "cannot check a review total"),
]


# Independent breakages share one graph (and one pyshacl run): each touches a node or cell of its own, and
# each case still asserts its own finding. The Info cases stay alone: they assert the absence of a Warning.
GROUPS = {
    "metadata": [c[0] for c in CRAFTED if c[4] in ("report-metadata", "source-metadata")],
    "observations": [c[0] for c in CRAFTED if c[4] in ("observation-structure", "measure-present", "code-list",
                                                       "no-duplicate-observation")],
    "arithmetic": [c[0] for c in CRAFTED if c[3] == "warning"],
}


def group_of(case_id: str) -> str:
    return next((name for name, ids in GROUPS.items() if case_id in ids), case_id)


@cache
def _crafted_group(group: str) -> Validation:
    cases = [c for c in CRAFTED if group_of(c[0]) == group]
    assert len({c[1] for c in cases}) == 1
    g, uri = report_rdf(cases[0][1])
    for case in cases:
        case[2](g)
    return validate_graph(g, uri)


def crafted(case_id: str) -> Validation:
    """The validation of the graph `case_id` breaks (with the other breakages of its group)."""
    return _crafted_group(group_of(case_id))


def test_grouped_breakages_touch_different_cells():
    cells = [C[c[0]] for c in CRAFTED if c[0] in GROUPS["observations"] and c[0] in C]
    assert len(cells) == len(set(cells))


def _matches(f: Finding, severity: str, rule: str, cells, words: str) -> bool:
    return (f.severity == severity and f.rule == rule and words in f.message
            and (frozenset(f.cells) == frozenset(cells) if cells is not None else not f.cells))


@pytest.mark.parametrize("case", CRAFTED, ids=[c[0] for c in CRAFTED])
def test_constraint_fires_on_a_crafted_graph_and_holds_on_the_real_one(case):
    case_id, base, _, severity, rule, cells, words = case
    got = crafted(case_id)
    assert any(_matches(f, severity, rule, cells, words) for f in got.findings), \
        [(f.severity, f.rule, f.cells, f.message) for f in got.findings if f.severity != "info"][:10]
    assert not any(_matches(f, severity, rule, cells, words) for f in validated(base).findings)
    assert not validated(base).of("violation") and not validated(base).of("warning")
    assert not validated(base).of("info")
    found = next(f for f in got.findings if _matches(f, severity, rule, cells, words))
    assert any("\u4e00" <= ch <= "\u9fff" for ch in found.message_zh)  # and in Chinese
    if severity == "info":  # a blank input is never a Warning of its rule, however wrong the sum
        assert not [f for f in got.of("warning") if f.rule == rule]


def test_every_constraint_of_the_shapes_has_a_crafted_case():
    from publisher.validate import corpus_shapes_graph, shapes_graph

    rules = {str(r) for s in (shapes_graph(), corpus_shapes_graph()) for r in s.objects(None, XXGK.rule)}
    tested = {c[4] for c in CRAFTED} | {"carry-over", "in-force", "one-report-per-agency-year"}
    assert rules == tested
    # every property of the structural shapes (each its own minCount, datatype, pattern...) fired somewhere
    shapes = shapes_graph()
    props = {p for shape in (shapes.subjects(RDF.type, SH.NodeShape)) for p in shapes.objects(shape, SH.property)}
    assert len(props) == 8 + 2 + 11
    fired = set()
    for group in ("metadata", "observations"):
        g = _crafted_group(group).graph
        fired |= {g.value(r, SH.sourceShape) for r in g.subjects(RDF.type, SH.ValidationResult)}
    assert props <= fired


def test_the_validation_report_is_rdf_about_the_report():
    v = validated(HONGZE[0])
    g = v.graph
    report = next(iter(g.subjects(RDF.type, SH.ValidationReport)))
    assert g.value(report, XXGK.about) == URIRef(v.report)
    results = list(g.objects(report, SH.result))
    assert len(results) == len(v.findings) == 2
    for r in results:
        assert g.value(r, SH.resultSeverity) == SH.Warning
        assert g.value(r, SH.focusNode) == URIRef(v.report)
        assert g.value(r, SH.sourceConstraint) == URIRef("https://w3id.org/xxgk/shapes/review-total")
    # Warnings are findings about the agency's report, not a failure of ours: it still conforms
    assert g.value(report, SH.conforms) == Literal(True)
    broken = crafted("no-row-dimension").graph
    report = next(iter(broken.subjects(RDF.type, SH.ValidationReport)))
    assert broken.value(report, SH.conforms) == Literal(False)
    assert broken.value(report, XXGK.about) == URIRef(crafted("no-row-dimension").report)
    # it serialises like any graph
    assert "sh:ValidationReport" in g.serialize(format="turtle")


# -- the corpus rules, crafted ------------------------------------------------------------------------


def _rename(g: Graph, old: str, new: str) -> Graph:
    def term(t):
        return URIRef(new + str(t)[len(old):]) if isinstance(t, URIRef) and str(t).startswith(old) else t
    out = Graph()
    for s, p, o in g:
        out.add((term(s), p, term(o)))
    return out


def _hongze(change=None) -> tuple[list[Graph], str]:
    (g23, _), (g24, uri24) = report_rdf(HONGZE[0]), report_rdf(HONGZE[1])
    if change:
        change(g24)
    return [g23, g24], uri24


@pytest.mark.parametrize("rule,change,cells", [
    ("carry-over", lambda g: shift(g, "requests.carried_in.research", 2),
     {"requests.carried_in.research", "requests.carried_out.research"}),
    ("in-force", lambda g: shift(g, "active.normative.in_force", -1),
     {"active.normative.in_force", "active.normative.issued", "active.normative.repealed"}),
], ids=["carry-over", "in-force"])
def test_cross_year_rule_fires_on_consecutive_years(rule, change, cells):
    graphs, uri24 = _hongze(change)
    got = [f for f in validate_store(to_store(graphs)) if f.rule == rule]
    assert [(f.report, f.severity, frozenset(f.cells)) for f in got] == [(uri24, "warning", frozenset(cells))]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in got[0].message_zh)
    # unchanged, the two years agree
    assert not [f for f in validate_store(to_store(_hongze()[0])) if f.rule == rule]


def test_cross_year_rules_need_the_same_agency():
    graphs, _ = _hongze(lambda g: shift(g, "requests.carried_in.research", 2))
    other = URIs().agency("someone-else")
    old = URIs().agency(agencies()[parsed(HONGZE[1]).agency].slug)
    graphs[1] = _rename(graphs[1], str(old), str(other))
    assert not [f for f in validate_store(to_store(graphs)) if f.rule in ("carry-over", "in-force")]


def test_two_reports_of_one_agency_and_year():
    g, uri = report_rdf(BASE21)
    twin = _rename(g, uri, uri + "-bis")  # the same agency and year under another report URI
    got = [f for f in validate_store(to_store([g, twin])) if f.rule == "one-report-per-agency-year"]
    assert sorted(f.report for f in got) == [uri, uri + "-bis"]
    assert not [f for f in validate_store(to_store([g])) if f.rule == "one-report-per-agency-year"]


def test_pyshacl_runs_the_corpus_shapes_to_the_same_findings():
    # the corpus shapes are SHACL like the others: pyshacl on the two graphs finds what the store finds
    from pyshacl import validate

    from publisher.validate import corpus_shapes_graph

    graphs, uri24 = _hongze(lambda g: shift(g, "requests.carried_in.research", 2))
    data = Graph()
    for g in graphs:
        data += g
    _, results, _ = validate(data, shacl_graph=corpus_shapes_graph(), advanced=True, allow_warnings=True)
    focus = {(str(results.value(r, SH.focusNode)), str(results.value(r, SH.sourceConstraint)))
             for r in results.subjects(RDF.type, SH.ValidationResult)}
    assert focus == {(uri24, "https://w3id.org/xxgk/shapes/carry-over")}


# -- the command -----------------------------------------------------------------------------------


def test_cli_validate_jsonl():
    files = [HONGZE[0], FIXTURES / "011_shanghai-govoffice-2019.html"]
    proc = subprocess.run([str(XXGK_CLI), "validate", "--format", "jsonl", *map(str, files)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr  # Warnings are findings, not failures
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [o["source"] for o in lines] == [str(f) for f in files]
    for o in lines:
        for key in ("violations", "warnings"):
            assert isinstance(o[key], list)
            assert all({"rule", "message", "cells"} <= set(f) and isinstance(f["cells"], list) for f in o[key])
        assert o["violations"] == []
    hongze, shanghai = lines
    assert sorted((f["rule"], sorted(f["cells"])[0]) for f in hongze["warnings"]) == [
        ("review-total", "litigation_after_review.corrected"), ("review-total", "review.corrected")]
    assert "add up to 11" in " ".join(f["message"] for f in hongze["warnings"])
    assert shanghai["warnings"] == [] and shanghai["cannot_check"]
    assert all(f["message"].startswith("cannot check") for f in shanghai["cannot_check"])


def test_cli_validate_text_and_bad_files(tmp_path):
    junk = tmp_path / "junk.html"
    junk.write_text("<html><body>not a report</body></html>", encoding="utf-8")
    shanghai = FIXTURES / "011_shanghai-govoffice-2019.html"
    proc = subprocess.run([str(XXGK_CLI), "validate", str(junk), str(shanghai)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1  # the junk file failed
    out = proc.stdout.splitlines()
    assert out[0].startswith("ERROR ") and str(junk) in out[0]
    assert out[1].startswith(f"{shanghai}: 0 violations, 0 warnings, ") and "checks not possible" in out[1]
