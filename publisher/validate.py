"""SHACL validation: per report with pyshacl, across reports with SPARQL over pyoxigraph.

The shapes in `shapes/` are the only definition of every rule. Per-report shapes run on one
report's graph (plus the ontology); the constraints marked xxgk:scope "corpus" (carry-over,
in-force, one report per agency and year) need the other reports too, so their SELECT queries
also run over the embedded store, which answers them far faster than rdflib's engine.
"""

from __future__ import annotations

import hashlib
import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pyoxigraph as ox
from pyshacl import validate as shacl
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SH

from .codes import XXGK, codes
from .rdf import bind, ontology_graph

SHAPES_DIR = Path(__file__).resolve().parent.parent / "shapes"
SEVERITY = {SH.Violation: "violation", SH.Warning: "warning", SH.Info: "info"}
XS = Namespace("https://w3id.org/xxgk/shapes/")


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str  # "violation", "warning" or "info" (a rule that cannot be checked)
    message: str  # English
    message_zh: str
    cells: tuple[str, ...]
    report: str  # the report's URI
    constraint: str = ""  # the IRI of the SHACL constraint that found it, when known
    value: str = ""  # the IRI of the observation it is about, when known

    def as_json(self) -> dict:
        return {"rule": self.rule, "message": self.message, "message_zh": self.message_zh, "cells": list(self.cells)}


@dataclass
class Validation:
    report: str
    findings: list[Finding] = field(default_factory=list)
    graph: Graph | None = None  # the sh:ValidationReport, linked to the report by xxgk:about

    def of(self, severity: str) -> list[Finding]:
        return [f for f in self.findings if f.severity == severity]


@cache
def shapes_graph() -> Graph:
    """The per-report shapes."""
    return Graph().parse(SHAPES_DIR / "xxgk.shapes.ttl")


@cache
def corpus_shapes_graph() -> Graph:
    """The shapes that compare reports (cross-year, duplicates)."""
    return Graph().parse(SHAPES_DIR / "corpus.shapes.ttl")


@cache
def _ontology() -> Graph:
    return ontology_graph()


def _cells_in(text: str) -> tuple[str, ...]:
    ids = codes().cells
    seen: list[str] = []
    for token in re.findall(r"[A-Za-z_][\w.]*", text):
        token = token.rstrip(".")
        if token in ids and token not in seen:
            seen.append(token)
    return tuple(seen)


def _rule(shapes: Graph, shape) -> str:
    rule = shapes.value(shape, XXGK.rule)
    if rule is None:  # a property shape: the rule of the node shape that holds it
        parent = shapes.value(None, SH.property, shape)
        rule = shapes.value(parent, XXGK.rule) if parent is not None else None
    return str(rule) if rule is not None else "structure"


def _messages(g: Graph, result) -> tuple[str, str]:
    en = zh = ""
    for m in g.objects(result, SH.resultMessage):
        # pyshacl drops the language tag when it fills a message template: tell them by script
        if (isinstance(m, Literal) and m.language == "zh") or re.search(r"[\u4e00-\u9fff]", str(m)):
            zh = str(m)
        else:
            en = en or str(m)
    return en or zh, zh or en


def validate_graph(data: Graph, report_uri: str, shapes: Graph | None = None,
                   ontology: Graph | None = None) -> Validation:
    """Run every shape on one report's graph (the report, its agency, its observations)."""
    shapes = shapes if shapes is not None else shapes_graph()
    # the ontology goes into the data graph for the run and out again: copying ~3,000 triples of a
    # report into a fresh graph took as long as mapping them
    added = [t for t in (ontology if ontology is not None else _ontology()) if t not in data]
    for t in added:
        data.add(t)
    try:
        _, results, _ = shacl(data, shacl_graph=shapes, advanced=True, allow_warnings=True, inference="none",
                              inplace=True)
    finally:
        for t in added:
            data.remove(t)
    out = Validation(report_uri, graph=bind(results))
    for vr in results.subjects(SH.focusNode, None):
        if (vr, RDF.type, SH.ValidationResult) not in results:
            continue
        severity = SEVERITY.get(results.value(vr, SH.resultSeverity), "violation")
        source = results.value(vr, SH.sourceConstraint) or results.value(vr, SH.sourceShape)
        rule = _rule(shapes, source)
        en, zh = _messages(results, vr)
        cells = _cells_in(en)
        value = results.value(vr, SH.value)
        focus = results.value(vr, SH.focusNode)
        if not cells:
            for node in (value, focus):
                ident = data.value(node, DCTERMS.identifier) if node is not None else None
                if ident is not None and str(ident) in codes().cells:
                    cells = (str(ident),)
                    break
        out.findings.append(Finding(rule, severity, en, zh, cells, report_uri))
    for report in results.subjects(RDF.type, SH.ValidationReport):
        results.add((report, XXGK.about, URIRef(report_uri)))
    out.findings.sort(key=lambda f: (f.severity, f.rule, f.cells))
    return out


# -- SHACL-SPARQL constraints run by the embedded store -------------------------------------------


@dataclass(frozen=True)
class Constraint:
    """One sh:SPARQLConstraint of the shapes, ready to run over a whole store at once."""

    iri: str
    shape: str  # the node shape holding it (its severity and target class)
    rule: str
    severity: str
    query: str  # the SELECT with ?this bound by the shape's target class
    message_en: str
    message_zh: str


def _constraints(shapes: Graph) -> list[Constraint]:
    out = []
    for shape, c in shapes.subject_objects(SH.sparql):
        declares = shapes.value(c, SH.prefixes)
        prefixes = "".join(f"PREFIX {shapes.value(d, SH.prefix)}: <{shapes.value(d, SH.namespace)}>\n"
                           for d in shapes.objects(declares, SH.declare))
        select = str(shapes.value(c, SH.select)).replace("$this", "?this")
        target = shapes.value(shape, SH.targetClass)
        if target is not None:  # bind ?this as SHACL's target would, first thing in the WHERE clause
            i = select.index("{", select.upper().index("WHERE"))
            select = select[:i + 1] + f" ?this a <{target}> . " + select[i + 1:]
        severity = shapes.value(shape, SH.severity) or shapes.value(c, SH.severity) or SH.Violation
        msgs = {m.language: str(m) for m in shapes.objects(c, SH.message)}
        out.append(Constraint(str(c), str(shape), str(shapes.value(c, XXGK.rule)), SEVERITY[severity],
                              prefixes + select, msgs.get("en", ""), msgs.get("zh", "")))
    return sorted(out, key=lambda c: c.iri)


@cache
def report_constraints() -> list[Constraint]:
    """The SHACL-SPARQL constraints of the per-report shapes."""
    return _constraints(shapes_graph())


@cache
def corpus_constraints() -> list[Constraint]:
    """The SHACL-SPARQL constraints that compare reports (cross-year, duplicates)."""
    return _constraints(corpus_shapes_graph())


def corpus_queries() -> list[tuple[str, str, str, str, str]]:
    """(rule, severity, query, message en, message zh) of the constraints that compare reports."""
    return [(c.rule, c.severity, c.query, c.message_en, c.message_zh) for c in corpus_constraints()]


def _fill(template: str, row, names: list[str]) -> str:
    for name in names:
        term = row[name]
        template = template.replace("{?" + name + "}", "" if term is None else getattr(term, "value", str(term)))
    return template


def _run(store: ox.Store, constraints: list[Constraint], threads: int | None = None) -> list[Finding]:
    """Every constraint over the whole store, `threads` at once (default: one per core): oxigraph
    evaluates queries outside the GIL."""
    with ThreadPoolExecutor(max_workers=threads or os.cpu_count() or 1) as pool:
        return [f for found in pool.map(lambda c: _run_one(store, c), constraints) for f in found]


def _run_one(store: ox.Store, c: Constraint) -> list[Finding]:
    findings: list[Finding] = []
    solutions = store.query(c.query)
    names = [v.value for v in solutions.variables]
    for row in solutions:
        en = _fill(c.message_en, row, names)
        cells = _cells_in(en)
        if not cells and "value" in names and row["value"] is not None:
            ids = store.quads_for_pattern(row["value"], ox.NamedNode(str(DCTERMS.identifier)), None)
            cells = tuple(q.object.value for q in ids if q.object.value in codes().cells)[:1]
        value = row["value"].value if "value" in names and isinstance(row["value"], ox.NamedNode) else ""
        findings.append(Finding(c.rule, c.severity, en, _fill(c.message_zh, row, names), cells,
                                row["this"].value, c.iri, value))
    return findings


@cache
def context_nt() -> bytes:
    """What a store of reports holds besides them: the ontology and the shapes, as N-Triples
    (the build's store starts with it, and each agency's store for its checks)."""
    g = _ontology() + shapes_graph() + corpus_shapes_graph()
    return g.serialize(format="nt").encode("utf-8")


def validate_agency(reports: list[bytes]) -> list[Finding]:
    """Every SHACL-SPARQL constraint (per report and across reports) for one agency's reports,
    given as N-Triples, in a store of their own.

    Every rule compares a report only with reports of its own agency, so checking agency by agency
    finds what one run over the whole store finds; but in memory bounded by the largest agency,
    on every core, and for a rebuild only the agencies it touched. Over the whole store, the
    group-bys of the row and column totals held every observation of the corpus at once."""
    store = ox.Store()
    for nt in (context_nt(), *reports):
        store.load(nt, ox.RdfFormat.N_TRIPLES)
    return [f for c in (*report_constraints(), *corpus_constraints()) for f in _run_one(store, c)]


def report_node(report_uri: str) -> URIRef:
    """The validation report of one annual report has an IRI of its own: `{report}/validation`."""
    return URIRef(f"{report_uri}/validation")


def name_report(results: Graph, report_uri: str) -> Graph:
    """pyshacl's results with its sh:ValidationReport renamed to `report_node`, linked by xxgk:about;
    sh:conforms is left out (only the whole validation, core and SPARQL, can state it)."""
    node = report_node(report_uri)
    out = bind(Graph())
    olds = set(results.subjects(RDF.type, SH.ValidationReport))

    def name(term):  # results get IRIs under the report's: a rebuild can take exactly them out again
        return node if term in olds else URIRef(f"{node}/{term}") if isinstance(term, BNode) else term
    for s, p, o in results:
        if p == SH.conforms:
            continue
        out.add((name(s), p, name(o)))
    out.add((node, RDF.type, SH.ValidationReport))
    out.add((node, XXGK.about, URIRef(report_uri)))
    return out


def findings_graph(findings: list[Finding], conforms: dict[str, bool]) -> Graph:
    """SHACL results (sh:ValidationResult) for findings of the store-run constraints, attached to
    each report's validation report, and each report's final sh:conforms. The validation reports'
    own type and link to the report are `name_report`'s."""
    g = bind(Graph())
    for f in findings:
        node = report_node(f.report)
        key = "\0".join((f.constraint, f.value, f.message)).encode("utf-8")
        result = URIRef(f"{node}/{hashlib.sha1(key).hexdigest()[:16]}")
        g.add((node, SH.result, result))
        g.add((result, RDF.type, SH.ValidationResult))
        g.add((result, SH.focusNode, URIRef(f.report)))
        g.add((result, SH.resultSeverity, {"violation": SH.Violation, "warning": SH.Warning,
                                           "info": SH.Info}[f.severity]))
        if f.constraint:
            g.add((result, SH.sourceConstraint, URIRef(f.constraint)))
        g.add((result, SH.sourceConstraintComponent, SH.SPARQLConstraintComponent))
        if f.value:
            g.add((result, SH.value, URIRef(f.value)))
        g.add((result, SH.resultMessage, Literal(f.message, lang="en")))
        g.add((result, SH.resultMessage, Literal(f.message_zh, lang="zh")))
    for report, ok in conforms.items():
        g.add((report_node(report), SH.conforms, Literal(ok)))
    return g


def validate_store(store: ox.Store, threads: int | None = None) -> list[Finding]:
    """The cross-report rules, answered by the embedded store for every report at once."""
    return _run(store, corpus_constraints(), threads)


def validate_batch(store: ox.Store, threads: int | None = None) -> list[Finding]:
    """The per-report SHACL-SPARQL constraints (Data Cube checks, arithmetic), for every report in
    the store at once: the same queries pyshacl runs one report at a time, far faster. Pair it
    with `validate_core` on each report to cover every shape."""
    return _run(store, report_constraints(), threads)


@cache
def core_shapes_graph() -> Graph:
    """The per-report shapes without their SPARQL constraints (those run in `validate_batch`)."""
    g = Graph()
    for t in shapes_graph():
        if t[1] != SH.sparql:
            g.add(t)
    return g


@cache
def _types() -> Graph:
    """What the core shapes need of the ontology: the types of its terms and the class hierarchy."""
    g = Graph()
    for t in _ontology():
        if t[1] in (RDF.type, RDFS.subClassOf):
            g.add(t)
    return g


def validate_core(data: Graph, report_uri: str) -> Validation:
    """The core (non-SPARQL) shapes on one report's graph, with pyshacl."""
    return validate_graph(data, report_uri, core_shapes_graph(), _types())


def to_store(graphs: list[Graph]) -> ox.Store:
    store = ox.Store()
    for g in graphs:
        store.bulk_load(g.serialize(format="nt").encode("utf-8"), ox.RdfFormat.N_TRIPLES)
    return store


__all__ = ["Finding", "Validation", "validate_graph", "validate_store", "to_store", "shapes_graph", "BNode"]


def validate_reports(reports: list) -> tuple[list[Validation], list[Finding]]:
    """Validate parsed reports one by one, then across each other; the thin shell the CLI uses."""
    from .agencies import resolve
    from .rdf import URIs, agency_graph, report_graph

    agencies = resolve([r.agency for r in reports if r.agency])
    uris = URIs()
    out, graphs = [], []
    for r in reports:
        agency = agencies.get(r.agency) if r.agency else None
        if agency is None or r.year is None:
            v = Validation(r.source.path)
            what = "agency" if agency is None else "year"
            v.findings.append(Finding("report-metadata", "violation", f"no {what} could be read from the report",
                                      f"未能读出报告的{'机关' if what == 'agency' else '年度'}", (), r.source.path))
            out.append(v)
            continue
        g = report_graph(r, agency, uris) + agency_graph(agency, uris)
        graphs.append(g)
        out.append(validate_graph(g, str(uris.report(agency.slug, r.year))))
    return out, validate_store(to_store(graphs)) if graphs else []
