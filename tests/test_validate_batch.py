"""The build's fast validation (core shapes with pyshacl, SPARQL constraints over the store at once)
finds exactly what pyshacl finds running every shape on each report."""

from __future__ import annotations

from collections import Counter

import pytest
from corpus import REPORTS

from publisher.agencies import resolve
from publisher.pipeline import parse_file
from publisher.rdf import URIs, agency_graph, ontology_graph, report_graph
from publisher.validate import (
    to_store,
    validate_agency,
    validate_batch,
    validate_core,
    validate_graph,
    validate_store,
)

PICKED = [p for p in REPORTS if p.name.startswith(("000_", "001_", "011_", "014_"))]


def kinds(findings) -> Counter:
    return Counter((f.rule, f.severity, frozenset(f.cells)) for f in findings)


@pytest.mark.parametrize("path", PICKED, ids=lambda p: p.name)
def test_both_engines_agree(path):
    report = parse_file(str(path))
    agency = resolve([report.agency])[report.agency]
    uri = str(URIs().report(agency.slug, report.year))
    g = report_graph(report, agency) + agency_graph(agency, URIs())
    reference = validate_graph(g, uri).findings
    fast = validate_core(g, uri).findings + validate_batch(to_store([ontology_graph(), g]))
    assert kinds(fast) == kinds(reference)
    assert all(f.report == uri for f in fast)


def test_batch_finds_a_wrong_total_in_every_report_of_a_store():
    graphs, uris = [ontology_graph()], []
    for path in PICKED[:2]:
        report = parse_file(str(path))
        agency = resolve([report.agency])[report.agency]
        total = report.cells["requests.new.total"]
        report.cells["requests.new.total"] = type(total)(total.id, total.state, total.value + 1, "x", total.where)
        graphs.append(report_graph(report, agency) + agency_graph(agency, URIs()))
        uris.append(str(URIs().report(agency.slug, report.year)))
    found = {f.report for f in validate_batch(to_store(graphs)) if f.rule == "row-total"
             and "requests.new.total" in f.cells}
    assert found == set(uris)


def test_checking_agency_by_agency_finds_what_checking_the_whole_store_finds():
    """The build checks each agency's reports in a store of their own (every rule stays within an
    agency): the same findings as one run over a store of every report, the cross-year ones too."""
    reports = [parse_file(str(path)) for path in REPORTS]
    agencies = resolve([r.agency for r in reports])
    later = next(r for r in reports if any(agencies[x.agency] == agencies[r.agency] and x.year == r.year - 1
                                           for x in reports))
    carried = later.cells["requests.carried_in.research"]  # no longer what the year before carried out
    later.cells[carried.id] = type(carried)(carried.id, carried.state, carried.value + 2, "x", carried.where)
    graphs, by_agency = [ontology_graph()], {}
    for report in reports:
        agency = agencies[report.agency]
        g = report_graph(report, agency) + agency_graph(agency, URIs())
        graphs.append(g)
        by_agency.setdefault(agency.slug, []).append(g.serialize(format="nt").encode("utf-8"))
    store = to_store(graphs)
    everything = validate_batch(store) + validate_store(store)
    one_by_one = [f for nts in by_agency.values() for f in validate_agency(nts)]
    assert Counter(one_by_one) == Counter(everything)
    assert {"row-total", "carry-over"} <= {f.rule for f in one_by_one}
