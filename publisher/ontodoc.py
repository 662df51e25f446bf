"""The ontology as a web page: `render(out_dir)` writes out_dir/index.html from ontology/*.ttl.

Everything on the page comes from the Turtle: the ontology's title and description, its classes and
properties with their labels and definitions, the Data Cube structure, and every concept scheme of
the code lists with its concepts in the order of the national table format (xxgk:order; a group
such as （三）不予公开 comes just before its first member), narrower concepts indented under
broader ones. Chinese and English stand side by side. The template is site/templates/ontology.html,
rendered by Jinja2 with autoescaping on, so nothing in a label can become markup.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from .codes import XXGK
from .rdf import QB, ontology_graph, software_version

TEMPLATES = Path(__file__).resolve().parent.parent / "site" / "templates"
NS = str(XXGK)
PREFIXES = {
    NS: "xxgk:", NS + "row/": "row:", NS + "column/": "column:", NS + "cell/": "cell:", NS + "section/": "section:",
    "http://purl.org/linked-data/cube#": "qb:", "http://www.w3.org/ns/org#": "org:",
    "http://www.w3.org/ns/dcat#": "dcat:", "http://www.w3.org/ns/prov#": "prov:",
    "http://www.w3.org/2006/time#": "time:", "http://www.w3.org/2004/02/skos/core#": "skos:",
    "http://www.w3.org/2001/XMLSchema#": "xsd:", "http://purl.org/dc/terms/": "dcterms:",
    "http://www.w3.org/2002/07/owl#": "owl:", "http://www.w3.org/2000/01/rdf-schema#": "rdfs:",
}
SCHEME_ORDER = ["xxgk:sections", "xxgk:disclosureCategories", "xxgk:disclosureMeasures", "xxgk:requestOutcomes",
                "xxgk:applicantTypes", "xxgk:reviewProceedings", "xxgk:reviewOutcomes", "xxgk:units",
                "xxgk:cellStates", "xxgk:rows", "xxgk:columns", "xxgk:cells"]
# no scripts at all; the only styles are the page's own
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; form-action 'self'")
KINDS = {OWL.ObjectProperty: "owl:ObjectProperty", OWL.DatatypeProperty: "owl:DatatypeProperty",
         QB.DimensionProperty: "qb:DimensionProperty", QB.MeasureProperty: "qb:MeasureProperty",
         QB.AttributeProperty: "qb:AttributeProperty", QB.CodedProperty: "qb:CodedProperty"}


def curie(uri) -> str:
    s = str(uri)
    for ns in sorted(PREFIXES, key=len, reverse=True):
        if s.startswith(ns) and "/" not in s[len(ns):] and "#" not in s[len(ns):]:
            return PREFIXES[ns] + s[len(ns):]
    return s


def anchor(uri) -> str:
    """An HTML id for a term: its CURIE with ':' and '.' made safe."""
    return curie(uri).replace(":", "-").replace("/", "-")


def _text(g: Graph, s, p, lang: str) -> str:
    for o in g.objects(s, p):
        if isinstance(o, Literal) and o.language == lang:
            return str(o)
    return ""


@dataclass
class Term:
    uri: str
    curie: str
    anchor: str
    label_zh: str
    label_en: str
    definition_zh: str
    definition_en: str
    facts: list[tuple[str, str, str]] = field(default_factory=list)  # (name zh, name en, CURIE or text)


@dataclass
class ConceptRow:
    term: Term
    notation: str
    depth: int
    alt_zh: list[str]
    formats: list[str]


@dataclass
class Scheme:
    term: Term
    concepts: list[ConceptRow]


def _term(g: Graph, s, label=RDFS.label) -> Term:
    return Term(str(s), curie(s), anchor(s), _text(g, s, label, "zh") or _text(g, s, SKOS.prefLabel, "zh"),
                _text(g, s, label, "en") or _text(g, s, SKOS.prefLabel, "en"),
                _text(g, s, SKOS.definition, "zh"), _text(g, s, SKOS.definition, "en"))


def _order(g: Graph, c) -> int | None:
    v = g.value(c, XXGK.order)
    return int(v) if v is not None and int(v) > 0 else None


def _schemes(g: Graph) -> list[Scheme]:
    out = []
    schemes = set(g.subjects(RDF.type, SKOS.ConceptScheme))
    for scheme in schemes:
        members = set(g.subjects(SKOS.inScheme, scheme))
        kids: dict = {m: [] for m in members}
        tops = []
        for m in members:
            parent = g.value(m, SKOS.broader)
            (kids[parent] if parent in members else tops).append(m)

        def key(c, seen=(), kids=kids) -> tuple:
            # a group without a place of its own sits where its first member does
            own = _order(g, c)
            if own is None and kids[c]:
                own = min((key(k, (*seen, c), kids)[0] for k in kids[c] if k not in seen), default=None)
            return (own if own is not None else 10**9, str(g.value(c, SKOS.notation) or c))

        rows: list[ConceptRow] = []

        def walk(c, depth: int, rows=rows, kids=kids, key=key) -> None:
            rows.append(ConceptRow(_term(g, c, SKOS.prefLabel), str(g.value(c, SKOS.notation) or ""), depth,
                                   sorted(str(o) for o in g.objects(c, SKOS.altLabel)
                                          if isinstance(o, Literal) and o.language == "zh"),
                                   sorted({str(o) for o in g.objects(c, XXGK.formatVersion)})))
            for k in sorted(kids[c], key=key):
                walk(k, depth + 1)

        for t in sorted(tops, key=key):
            walk(t, 0)
        out.append(Scheme(_term(g, scheme, SKOS.prefLabel), rows))
    # the report's own order: sections, then each table's lists, then the lists that cut across tables
    return sorted(out, key=lambda s: (SCHEME_ORDER.index(s.term.curie) if s.term.curie in SCHEME_ORDER
                                      else len(SCHEME_ORDER), s.term.curie))


def _facts(g: Graph, s) -> list[tuple[str, str, str]]:
    facts = []
    for p, zh, en in ((RDFS.subClassOf, "上位类", "subclass of"), (RDFS.domain, "定义域", "domain"),
                      (RDFS.range, "值域", "range"), (QB.codeList, "代码表", "code list")):
        values = sorted(curie(o) for o in g.objects(s, p))
        if values:
            facts.append((zh, en, ", ".join(values)))
    kinds = sorted(KINDS[t] for t in g.objects(s, RDF.type) if t in KINDS)
    if kinds:
        facts.insert(0, ("类型", "type", ", ".join(kinds)))
    return facts


def context(g: Graph | None = None) -> dict:
    """What the page shows, read from the ontology graph (by default ontology/*.ttl)."""
    g = g if g is not None else ontology_graph()
    onto = next(iter(g.subjects(RDF.type, OWL.Ontology)))

    def terms(*types) -> list[Term]:
        found = {s for t in types for s in g.subjects(RDF.type, t) if isinstance(s, URIRef)}
        out = []
        for s in sorted(found, key=curie):
            t = _term(g, s)
            t.facts = _facts(g, s)
            out.append(t)
        return out

    components = []
    for comp in g.objects(XXGK.dsd, QB.component):
        for p, zh, en in ((QB.dimension, "维度", "dimension"), (QB.measure, "度量", "measure"),
                          (QB.attribute, "属性", "attribute")):
            prop = g.value(comp, p)
            if prop is not None:
                order = g.value(comp, QB.order)
                components.append({"kind_zh": zh, "kind_en": en, "curie": curie(prop), "anchor": anchor(prop),
                                   "order": int(order) if order is not None else 99,
                                   "required": bool(g.value(comp, QB.componentRequired))})
    components.sort(key=lambda c: (["dimension", "measure", "attribute"].index(c["kind_en"]), c["order"],
                                   c["curie"]))
    return {
        "uri": str(onto),
        "title_zh": _text(g, onto, DCTERMS.title, "zh"), "title_en": _text(g, onto, DCTERMS.title, "en"),
        "description_zh": _text(g, onto, DCTERMS.description, "zh"),
        "description_en": _text(g, onto, DCTERMS.description, "en"),
        "version": str(g.value(onto, OWL.versionInfo) or ""),
        "license": str(g.value(onto, DCTERMS.license) or ""),
        "see_also": [str(o) for o in g.objects(onto, RDFS.seeAlso)],
        "prefix": str(g.value(onto, URIRef("http://purl.org/vocab/vann/preferredNamespacePrefix")) or "xxgk"),
        "classes": terms(OWL.Class),
        "properties": terms(OWL.ObjectProperty, OWL.DatatypeProperty, RDF.Property),
        "components": components,
        "schemes": _schemes(g),
        "software": software_version(),
    }


def environment() -> Environment:
    return Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True, undefined=StrictUndefined,
                       trim_blocks=True, lstrip_blocks=True)


def render(out_dir, graph: Graph | None = None, in_site: bool | None = None) -> Path:
    """Write out_dir/index.html, the ontology documentation; returns its path.

    Inside the static site (`xxgk build` renders it to SITE/def/, next to SITE/assets/; `in_site=None`
    tells by that) the page also links to the site's home and, as its English twin, to the English
    code-list index at SITE/en/def/. On its own (`xxgk ontology-doc`) it links nowhere else.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if in_site is None:
        in_site = out.name == "def" and (out.parent / "assets" / "xxgk.css").is_file()
    html = environment().get_template("ontology.html").render(**context(graph), in_site=in_site, csp=CSP)
    path = out / "index.html"
    path.write_text(html, encoding="utf-8")
    return path


__all__ = ["render", "context", "curie"]
