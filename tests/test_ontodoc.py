"""The ontology documentation page (publisher.ontodoc, `xxgk ontology-doc OUTDIR`)."""

from __future__ import annotations

from collections import Counter

import lxml.html
import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from publisher.cli import main
from publisher.codes import XXGK, codes
from publisher.ontodoc import curie, environment, render
from publisher.rdf import ontology_graph


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    out = tmp_path_factory.mktemp("ontodoc")
    path = render(out)
    assert path == out / "index.html"
    text = path.read_text(encoding="utf-8")
    return text, lxml.html.fromstring(text)


def test_every_class_property_and_scheme_is_documented(page):
    text, doc = page
    g = ontology_graph()
    terms = [s for t in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty) for s in g.subjects(RDF.type, t)]
    assert len(terms) > 30
    for t in terms:
        block = doc.get_element_by_id(curie(t).replace(":", "-"))
        body = block.text_content()
        for o in (*g.objects(t, RDFS.label), *g.objects(t, SKOS.definition)):
            assert str(o) in body, (t, o)
    for scheme in g.subjects(RDF.type, SKOS.ConceptScheme):
        section = doc.get_element_by_id(curie(scheme).replace(":", "-"))
        body = section.text_content()
        for c in g.subjects(SKOS.inScheme, scheme):
            assert all(str(o) in body for o in (*g.objects(c, SKOS.prefLabel), *g.objects(c, SKOS.definition))), c


def test_chinese_and_english_side_by_side(page):
    _, doc = page
    pairs = doc.find_class("pair")
    assert len(pairs) > 30
    for pair in pairs[:40]:
        langs = [el.get("lang") for el in pair if el.get("lang")]
        assert langs == ["zh-CN", "en"]
    assert "政府信息公开工作年度报告本体" in doc.findtext(".//h1")


def test_concepts_in_national_order(page):
    _, doc = page
    table = doc.get_element_by_id("xxgk-requestOutcomes")
    order = [row.findtext(".//code") for row in table.iter("tr") if row.get("id")]
    c = codes()
    leaves = [r for r in order if c.rows[r].order]
    assert leaves == sorted(leaves, key=lambda r: c.rows[r].order)
    # a group stands just before its first member, its members indented under it
    assert order.index("requests.denied") + 1 == order.index("requests.denied.state_secret")
    assert order.index("requests.outcome") + 1 == order.index("requests.granted")
    assert order[:2] == ["requests.new", "requests.carried_in"] and order[-1] == "requests.carried_out"
    cells = doc.get_element_by_id("xxgk-cells")
    ids = [row.findtext(".//code") for row in cells.iter("tr") if row.get("id")]
    assert ids == sorted(c.cells, key=lambda i: c.cells[i].order)
    assert len(ids) == 226


def test_ids_are_unique(page):
    _, doc = page
    ids = Counter(el.get("id") for el in doc.iter() if el.get("id"))
    assert [i for i, n in ids.items() if n > 1] == []


def test_labels_are_escaped(tmp_path):
    assert environment().autoescape is True
    g = ontology_graph()
    evil = '<script>alert("x")</script> & <b>bold</b>'
    g.set((XXGK.Agency, RDFS.label, Literal(evil, lang="en")))
    g.add((XXGK.Evil, RDF.type, OWL.Class))
    g.add((XXGK.Evil, RDFS.label, Literal("坏<img src=x onerror=alert(1)>", lang="zh")))
    g.add((XXGK.Evil, RDFS.label, Literal("evil", lang="en")))
    g.add((XXGK.Evil, RDFS.seeAlso, URIRef('https://example.org/"onmouseover="x')))
    text = render(tmp_path, graph=g).read_text(encoding="utf-8")
    assert "<script>" not in text and "<img" not in text and "<b>bold" not in text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in text
    assert "坏&lt;img src=x onerror=alert(1)&gt;" in text
    doc = lxml.html.fromstring(text)
    assert not doc.xpath("//script") and not doc.xpath("//img")


def test_cli_writes_the_page(tmp_path, capsys):
    assert main(["ontology-doc", str(tmp_path / "doc")]) == 0
    assert (tmp_path / "doc" / "index.html").exists()
    assert str(tmp_path / "doc" / "index.html") in capsys.readouterr().out


def test_inside_the_site_it_links_to_its_english_twin(tmp_path):
    standalone = render(tmp_path / "alone").read_text(encoding="utf-8")
    assert 'id="lang-switch"' not in standalone
    (tmp_path / "site" / "assets").mkdir(parents=True)
    (tmp_path / "site" / "assets" / "xxgk.css").write_text("", encoding="utf-8")
    text = render(tmp_path / "site" / "def").read_text(encoding="utf-8")  # where `xxgk build` puts it
    doc = lxml.html.fromstring(text)
    assert doc.get_element_by_id("lang-switch").get("href") == "../en/def/"
    csp = doc.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")[0]
    assert "script-src 'self';" in csp and "unsafe-eval" not in csp
