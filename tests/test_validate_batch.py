"""The build's fast validation (core shapes with pyshacl, SPARQL constraints over the store at once)
finds exactly what pyshacl finds running every shape on each report."""

from __future__ import annotations

from collections import Counter

import pytest
from corpus import REPORTS

from publisher.agencies import resolve
from publisher.pipeline import parse_file
from publisher.rdf import URIs, agency_graph, ontology_graph, report_graph
from publisher.validate import to_store, validate_batch, validate_core, validate_graph, validate_store

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


@pytest.mark.parametrize("longest_scoped", [500, 0], ids=["values", "filtered"])
def test_checking_some_reports_finds_what_checking_all_finds_for_them(longest_scoped, monkeypatch):
    """A rebuild checks only the agencies it touched: in the query (VALUES ?this) or, for many
    reports, by filtering a whole run."""
    from publisher import validate

    monkeypatch.setattr(validate, "SCOPED_MAX", longest_scoped)
    graphs, uris = [ontology_graph()], []
    for path in REPORTS:
        report = parse_file(str(path))
        agency = resolve([report.agency])[report.agency]
        graphs.append(report_graph(report, agency) + agency_graph(agency, URIs()))
        uris.append(str(URIs().report(agency.slug, report.year)))
    store = to_store(graphs)
    everything = validate_batch(store) + validate_store(store)
    some = sorted(set(uris))[1::2]
    scoped = validate_batch(store, focus=some) + validate_store(store, focus=some)
    assert scoped and kinds(scoped) == kinds(f for f in everything if f.report in some)
    assert {f.report for f in scoped} <= set(some)
    assert validate_batch(store, focus=[]) == []
