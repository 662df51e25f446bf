"""The ontology, the code lists and the shapes as published Turtle: they parse everywhere, the shapes
are valid SHACL, every term is labelled and defined in Chinese and English, and the code lists agree
with the cell list of the spec (tests/fixtures/cells.tsv, a copy of ../shared/spec/cells.tsv)."""

from __future__ import annotations

import csv
import re
from importlib.resources import files
from pathlib import Path

import pyoxigraph as ox
import pytest
from pyshacl import validate
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH, SKOS

from publisher.codes import XXGK, codes

ROOT = Path(__file__).resolve().parent.parent
TURTLE = sorted((ROOT / "ontology").glob("*.ttl")) + sorted((ROOT / "shapes").glob("*.ttl"))
SHAPES = sorted((ROOT / "shapes").glob("*.ttl"))
CELLS_TSV = ROOT / "tests" / "fixtures" / "cells.tsv"
ROW = "https://w3id.org/xxgk/def/row/"
CELL = "https://w3id.org/xxgk/def/cell/"


def _name(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def graph(name: str) -> Graph:
    return Graph().parse(ROOT / name)


def langs(g: Graph, s, p) -> set[str | None]:
    return {o.language for o in g.objects(s, p) if isinstance(o, Literal)}


@pytest.mark.parametrize("path", TURTLE, ids=_name)
def test_parses_in_rdflib_and_pyoxigraph(path):
    g = Graph().parse(path)
    triples = list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
    assert len(g) > 0 and len(set(triples)) == len(g)


def test_shacl_shacl_is_the_w3c_shapes_graph():
    text = (files("pyshacl") / "assets" / "shacl-shacl.ttl").read_text(encoding="utf-8")
    assert "shsh:ShapeShape" in text and "http://www.w3.org/ns/shacl-shacl#" in text


@pytest.mark.parametrize("path", SHAPES, ids=_name)
def test_shapes_are_valid_shacl(path):
    shacl_shacl = Graph().parse(files("pyshacl") / "assets" / "shacl-shacl.ttl", format="turtle")
    conforms, _, text = validate(Graph().parse(path), shacl_graph=shacl_shacl)
    assert conforms, text


def test_shacl_shacl_catches_a_broken_shape():
    # the check is not vacuous: a property shape with two paths and a string minCount is not SHACL
    shacl_shacl = Graph().parse(files("pyshacl") / "assets" / "shacl-shacl.ttl", format="turtle")
    bad = Graph().parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        ex:S a sh:NodeShape ; sh:targetClass ex:C ;
            sh:property [ sh:path ex:p, ex:q ; sh:minCount "one" ] .""", format="turtle")
    conforms, _, _ = validate(bad, shacl_graph=shacl_shacl)
    assert not conforms


def test_every_concept_has_chinese_and_english_labels():
    g = graph("ontology/codes.ttl") + graph("ontology/xxgk.ttl")
    concepts = set(g.subjects(RDF.type, SKOS.Concept)) | set(g.subjects(RDF.type, XXGK.CellState))
    assert len(concepts) > 300
    missing = [str(c) for c in concepts if not {"zh", "en"} <= langs(g, c, SKOS.prefLabel)]
    assert missing == []
    # one prefLabel per language (SKOS S14)
    twice = [str(c) for c in concepts for lang in ("zh", "en")
             if sum(1 for o in g.objects(c, SKOS.prefLabel) if o.language == lang) > 1]
    assert twice == []
    schemes = set(g.subjects(RDF.type, SKOS.ConceptScheme))
    assert all({"zh", "en"} <= langs(g, s, SKOS.prefLabel) for s in schemes)
    assert all(set(g.objects(c, SKOS.inScheme)) <= schemes and set(g.objects(c, SKOS.inScheme)) for c in concepts)


def test_every_class_and_property_is_labelled_and_defined_in_both_languages():
    g = graph("ontology/xxgk.ttl")
    terms = set()
    for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, RDF.Property):
        terms |= set(g.subjects(RDF.type, kind))
    assert len(terms) > 30
    for t in terms:
        assert {"zh", "en"} <= langs(g, t, RDFS.label), t
        assert {"zh", "en"} <= langs(g, t, SKOS.definition), t
    assert {"zh", "en"} <= langs(g, URIRef(str(XXGK)), RDFS.label) | langs(g, URIRef(str(XXGK)), _DCT_TITLE)


_DCT_TITLE = URIRef("http://purl.org/dc/terms/title")


def test_every_term_used_is_defined():
    onto = graph("ontology/codes.ttl") + graph("ontology/xxgk.ttl")
    used = set()
    for path in TURTLE:
        for triple in Graph().parse(path):
            used |= {t for t in triple if isinstance(t, URIRef) and str(t).startswith(str(XXGK))}
    assert [str(t) for t in used if (t, RDF.type, None) not in onto] == []


def outcomes(g: Graph) -> list[URIRef]:
    """The rows of 三、本年度办理结果: every concept under row:requests.outcome."""
    return [s for s in g.subjects(SKOS.broader * "+", URIRef(ROW + "requests.outcome"))]


def test_outcome_definitions_cite_an_article_of_the_regulations():
    g = graph("ontology/codes.ttl")
    found = outcomes(g)
    assert len(found) >= 25  # 予以公开 … 其他处理 and 总计, both formats
    for c in found:
        d = {o.language: str(o) for o in g.objects(c, SKOS.definition)}
        assert re.search(r"《条例》第[一二三四五六七八九十]+条", d.get("zh", "")), (c, d)
        assert re.search(r"Regulations Arts?\. \d+", d.get("en", "")), (c, d)


def test_every_cell_of_the_spec_is_a_cell_concept():
    g = graph("ontology/codes.ttl")
    with CELLS_TSV.open(encoding="utf-8") as f:
        spec = list(csv.DictReader(f, delimiter="\t"))
    assert len(spec) == 226
    c = codes()
    for row in spec:
        uri = URIRef(CELL + row["id"])
        assert (uri, RDF.type, SKOS.Concept) in g, row["id"]
        assert (uri, SKOS.inScheme, XXGK.cells) in g
        assert str(g.value(uri, SKOS.notation)) == row["id"]
        assert c.cells[row["id"]].formats == frozenset(row["formats"].split(","))
        assert c.cells[row["id"]].money == (row["unit"] != "count")
    # and no cell concept that the spec does not have
    assert {str(s)[len(CELL):] for s in g.subjects(SKOS.inScheme, XXGK.cells)} == {r["id"] for r in spec}


def test_cells_cross_a_row_and_a_column_of_the_code_lists():
    g = graph("ontology/codes.ttl")
    for cell in g.subjects(SKOS.inScheme, XXGK.cells):
        row, col = g.value(cell, XXGK.row), g.value(cell, XXGK.column)
        assert (row, SKOS.inScheme, XXGK.rows) in g and (col, SKOS.inScheme, XXGK.columns) in g, cell
        assert g.value(cell, XXGK.unit) in (XXGK.Count, XXGK.TenThousandYuan)


def test_the_data_structure_names_every_component():
    g = graph("ontology/xxgk.ttl")
    qb = "http://purl.org/linked-data/cube#"
    components = list(g.objects(XXGK.dsd, URIRef(qb + "component")))
    dims = {g.value(c, URIRef(qb + "dimension")) for c in components} - {None}
    assert dims == {XXGK.agency, XXGK.period, XXGK.row, XXGK.column, URIRef(qb + "measureType")}
    measures = {g.value(c, URIRef(qb + "measure")) for c in components} - {None}
    assert measures == {XXGK["count"], XXGK.amount}


def test_shapes_name_their_rule_and_speak_both_languages():
    for path in SHAPES:
        g = Graph().parse(path)
        for c in g.subjects(RDF.type, SH.SPARQLConstraint):
            assert g.value(c, XXGK.rule) is not None, c
            assert {"zh", "en"} <= langs(g, c, SH.message), c
        for p in g.objects(None, SH.property):
            assert {"zh", "en"} <= langs(g, p, SH.message), p
