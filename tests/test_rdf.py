"""Report -> RDF (publisher.rdf): one observation per cell, states, provenance, narrative, units, URIs."""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from datetime import datetime
from decimal import Decimal

import pytest
from corpus import FIXTURES, GARBLED_REPORTS, REPORTS, agencies, parsed, report_rdf, truth
from rdflib import Graph, Literal, URIRef
from rdflib import namespace as ns
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS

from publisher.agencies import resolve
from publisher.codes import XXGK, codes
from publisher.model import Cell, State
from publisher.pipeline import MEDIA_TYPES
from publisher.rdf import QB, URIs, agency_graph, ontology_graph, report_graph

COUNT, AMOUNT = XXGK["count"], XXGK.amount
GARBLED_2021 = next(p for p in GARBLED_REPORTS if p.stem == "006_pingtan-2021")


def _id(path) -> str:
    return path.stem


def graph_of(path) -> tuple[Graph, URIRef]:
    """Garbled fixtures are not in the corpus' agency list: resolve them on their own."""
    if path in REPORTS:
        g, uri = report_rdf(path)
        return g, URIRef(uri)
    report = parsed(path)
    agency = resolve([report.agency])[report.agency]
    return report_graph(report, agency) + agency_graph(agency, URIs()), URIs().report(agency.slug, report.year)


@pytest.mark.parametrize("path", REPORTS + GARBLED_REPORTS, ids=_id)
def test_one_observation_per_cell(path):
    report = parsed(path)
    g, uri = graph_of(path)
    observations = set(g.subjects(RDF.type, QB.Observation))
    assert len(observations) == len(report.cells)
    ids = {str(g.value(o, DCTERMS.identifier)): o for o in observations}
    assert set(ids) == set(report.cells)
    c = codes()
    for cid, o in ids.items():
        assert str(o) == f"{uri}/cell/{cid}"
        assert g.value(o, QB.dataSet) == uri
        spec = c.cells[cid]
        assert g.value(o, XXGK.cell) == URIRef(spec.uri)
        assert g.value(o, XXGK.row) == URIRef(c.rows[spec.row].uri)
        assert g.value(o, XXGK.column) == URIRef(c.columns[spec.column].uri)


@pytest.mark.parametrize("path", [FIXTURES / "011_shanghai-govoffice-2019.html", GARBLED_2021,
                                  FIXTURES / "000_cq-yubei-luoqi-2020.txt"], ids=_id)
def test_blank_and_unreadable_cells_have_a_state_and_no_value(path):
    report = parsed(path)
    g, _ = graph_of(path)
    states = {State.NUMBER: XXGK.Number, State.BLANK: XXGK.Blank, State.UNREADABLE: XXGK.Unreadable}
    not_numbers = 0
    for cid, cell in report.cells.items():
        o = next(g.subjects(DCTERMS.identifier, Literal(cid)))
        assert g.value(o, XXGK.state) == states[cell.state]
        values = list(g.objects(o, COUNT)) + list(g.objects(o, AMOUNT))
        if cell.state is State.NUMBER:
            assert len(values) == 1 and Decimal(str(values[0])) == cell.value
        else:
            not_numbers += 1
            assert values == []  # never 0
            assert truth(path)["cells"].get(cid) is None or cell.state is State.UNREADABLE
    assert not_numbers


def test_blank_cells_are_where_truth_has_null():
    path = FIXTURES / "011_shanghai-govoffice-2019.html"
    g, _ = graph_of(path)
    blank = {str(g.value(o, DCTERMS.identifier)) for o in g.subjects(XXGK.state, XXGK.Blank)}
    assert blank == {cid for cid, v in truth(path)["cells"].items() if v is None}
    assert not [o for o in g.subjects(XXGK.state, XXGK.Blank) if (o, COUNT, Literal(0)) in g]


def test_counts_are_integers_and_amounts_are_decimal_in_10000_yuan():
    g, _ = graph_of(FIXTURES / "000_cq-yubei-luoqi-2020.txt")  # prints '40万' for 采购总金额
    amount = next(g.subjects(DCTERMS.identifier, Literal("active.procurement.amount")))
    value = g.value(amount, AMOUNT)
    assert value.datatype == ns.XSD.decimal and value.toPython() == Decimal("40")
    assert g.value(amount, XXGK.unit) == XXGK.TenThousandYuan
    assert g.value(amount, QB.measureType) == AMOUNT and g.value(amount, COUNT) is None
    g, _ = graph_of(FIXTURES / "012_pingtan-2019.html")  # prints '75394432.52元'
    amount = next(g.subjects(DCTERMS.identifier, Literal("active.procurement.amount")))
    assert g.value(amount, AMOUNT) == Literal(Decimal("7539.443252"), datatype=ns.XSD.decimal)
    for o in g.subjects(QB.measureType, COUNT):
        assert g.value(o, COUNT).datatype == ns.XSD.integer
        assert g.value(o, XXGK.unit) == XXGK.Count


def test_a_count_that_is_not_whole_is_not_rounded():
    report = parsed(FIXTURES / "016_pingtan-2023.html")
    cells = dict(report.cells)
    cells["requests.new.business"] = Cell("requests.new.business", State.NUMBER, Decimal("2.5"), "2.5")
    odd = replace(report, cells=cells)
    agency = agencies()[report.agency]
    g = report_graph(odd, agency)
    o = next(g.subjects(DCTERMS.identifier, Literal("requests.new.business")))
    assert g.value(o, COUNT) == Literal(Decimal("2.5"), datatype=ns.XSD.decimal)  # the shapes reject it


@pytest.mark.parametrize("path", REPORTS, ids=_id)
def test_provenance(path):
    report = parsed(path)
    g, uri = graph_of(path)
    data = path.read_bytes()
    src = g.value(uri, PROV.wasDerivedFrom)
    assert src == URIRef(f"https://w3id.org/xxgk/source/{hashlib.sha256(data).hexdigest()}")
    assert (src, RDF.type, XXGK.SourceFile) in g and (uri, ns.DCAT.distribution, src) in g
    assert str(g.value(src, XXGK.sha256)) == hashlib.sha256(data).hexdigest()
    assert str(g.value(src, ns.DCAT.mediaType)) in MEDIA_TYPES.values()
    assert str(g.value(src, ns.DCAT.mediaType)) == report.source.media_type
    assert int(g.value(src, ns.DCAT.byteSize)) == len(data)
    activity = g.value(uri, PROV.wasGeneratedBy)
    assert {XXGK.Parsing, PROV.Activity} <= set(g.objects(activity, RDF.type))
    assert g.value(activity, PROV.used) == src
    ended = g.value(activity, PROV.endedAtTime)
    assert ended.datatype == ns.XSD.dateTime
    assert ended.toPython() == datetime.fromisoformat(report.parsed_at)  # when it was read, not mapped
    agent = g.value(activity, PROV.wasAssociatedWith)
    assert (agent, RDF.type, PROV.SoftwareAgent) in g
    assert re.fullmatch(r"xxgk \S+", str(g.value(agent, RDFS.label)))
    # where each cell was read
    located = [o for o in g.subjects(RDF.type, QB.Observation) if g.value(o, XXGK.location) is not None]
    assert located and all(g.value(o, PROV.wasDerivedFrom) == src for o in located)
    if report.source.media_type == "application/pdf":
        assert all(g.value(o, XXGK.page) is not None and g.value(o, XXGK.bbox) is not None for o in located)


def test_report_metadata_and_narrative_in_chinese():
    path = FIXTURES / "016_pingtan-2023.html"
    report = parsed(path)
    g, uri = graph_of(path)
    assert {XXGK.AnnualReport, QB.DataSet, ns.DCAT.Dataset, PROV.Entity} <= set(g.objects(uri, RDF.type))
    assert g.value(uri, QB.structure) == XXGK.dsd
    assert g.value(uri, XXGK.year) == Literal("2023", datatype=ns.XSD.gYear)
    assert g.value(uri, XXGK.period) == URIs().year(2023)
    assert g.value(uri, XXGK.formatVersion) == Literal("2021")
    assert g.value(uri, DCTERMS.issued) == Literal("2024-03-08", datatype=ns.XSD.date)
    assert g.value(uri, DCTERMS.title).language == "zh"
    for key, prop in (("preamble", XXGK.preamble), ("1", XXGK.generalSituation), ("5", XXGK.problems),
                      ("6", XXGK.otherMatters)):
        text = g.value(uri, prop)
        assert text is not None and text.language == "zh" and str(text) == report.narrative[key]
    agency = g.value(uri, XXGK.agency)
    assert g.value(agency, SKOS.prefLabel) == Literal("平潭综合实验区", lang="zh")
    assert (agency, RDF.type, XXGK.Agency) in g


def test_every_term_the_mapping_uses_is_defined_in_the_ontology():
    onto = ontology_graph()
    g, _ = graph_of(FIXTURES / "001_huaian-hongze-2023.pdf")
    used = {t for triple in g for t in triple if isinstance(t, URIRef) and str(t).startswith(str(XXGK))}
    assert used and not [t for t in used if (t, None, None) not in onto]


def test_uris_follow_the_base():
    report = parsed(FIXTURES / "016_pingtan-2023.html")
    agency = agencies()[report.agency]
    uris = URIs("https://example.org/open")
    g = report_graph(report, agency, uris)
    subjects = {str(s) for s in g.subjects() if isinstance(s, URIRef)}
    assert all(s.startswith("https://example.org/open/") for s in subjects)
    assert f"https://example.org/open/report/{agency.slug}/2023" in subjects
    assert f"https://example.org/open/report/{agency.slug}/2023/cell/requests.new.total" in subjects
    # the ontology stays where it is
    assert (URIRef(f"https://example.org/open/report/{agency.slug}/2023"), QB.structure, XXGK.dsd) in g


def test_mapping_is_stable_and_round_trips():
    report = parsed(FIXTURES / "001_huaian-hongze-2023.pdf")
    agency = agencies()[report.agency]
    a, b = report_graph(report, agency), report_graph(report, agency)
    assert isomorphic(a, b)  # the same report maps to the same triples, whenever it is mapped
    assert isomorphic(a, Graph().parse(data=a.serialize(format="turtle"), format="turtle"))


def test_a_report_without_a_year_cannot_be_named():
    report = replace(parsed(FIXTURES / "016_pingtan-2023.html"), year=None)
    with pytest.raises(ValueError, match="no reporting year"):
        report_graph(report, agencies()[report.agency])
