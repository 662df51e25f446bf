"""Report -> RDF: one qb:Observation per cell, with its state, its source location and provenance.

URIs (base configurable, default https://w3id.org/xxgk/):
  {base}agency/{slug}                           an agency (org:Organization)
  {base}year/{yyyy}                             a reporting year
  {base}report/{slug}/{yyyy}                    an annual report (qb:DataSet)
  {base}report/{slug}/{yyyy}/cell/{cell id}     one observation
  {base}source/{sha256}                         a source file
The ontology and code lists live at https://w3id.org/xxgk/def/ whatever the base.
Blank and unreadable cells are observations too, with xxgk:state and no measure: never 0.
"""

from __future__ import annotations

from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, PROV, RDF, RDFS, SKOS, XSD

from .agencies import Agency
from .codes import XXGK, codes
from .model import Report, State

QB = Namespace("http://purl.org/linked-data/cube#")
ORG = Namespace("http://www.w3.org/ns/org#")
TIME = Namespace("http://www.w3.org/2006/time#")
DEFAULT_BASE = "https://w3id.org/xxgk/"
STATE = {State.NUMBER: XXGK.Number, State.BLANK: XXGK.Blank, State.UNREADABLE: XXGK.Unreadable}
NARRATIVE = {"preamble": XXGK.preamble, "1": XXGK.generalSituation, "5": XXGK.problems, "6": XXGK.otherMatters}


def software_version() -> str:
    try:
        return version("xxgk")
    except PackageNotFoundError:
        return "0+unknown"


def bind(g: Graph) -> Graph:
    for prefix, ns in (("xxgk", XXGK), ("qb", QB), ("org", ORG), ("skos", SKOS), ("dcat", DCAT), ("prov", PROV),
                       ("dcterms", DCTERMS), ("time", TIME)):
        g.bind(prefix, ns)
    return g


class URIs:
    def __init__(self, base: str = DEFAULT_BASE):
        self.base = base if base.endswith("/") else base + "/"

    def agency(self, slug: str) -> URIRef:
        return URIRef(f"{self.base}agency/{slug}")

    def year(self, year: int) -> URIRef:
        return URIRef(f"{self.base}year/{year}")

    def report(self, slug: str, year: int) -> URIRef:
        return URIRef(f"{self.base}report/{slug}/{year}")

    def observation(self, slug: str, year: int, cell: str) -> URIRef:
        return URIRef(f"{self.base}report/{slug}/{year}/cell/{cell}")

    def source(self, sha256: str) -> URIRef:
        return URIRef(f"{self.base}source/{sha256}")


def agency_graph(agency: Agency, uris: URIs) -> Graph:
    g = bind(Graph())
    a = uris.agency(agency.slug)
    g.add((a, RDF.type, XXGK.Agency))
    g.add((a, RDF.type, ORG.Organization))
    g.add((a, SKOS.prefLabel, Literal(agency.name, lang="zh")))
    g.add((a, RDFS.label, Literal(agency.name, lang="zh")))
    for v in sorted(agency.variants - {agency.name}):
        g.add((a, SKOS.altLabel, Literal(v, lang="zh")))
    return g


def report_graph(report: Report, agency: Agency, uris: URIs | None = None,
                 parsed_at: datetime | None = None) -> Graph:
    """The RDF of one report; the agency's own triples come from agency_graph."""
    uris = uris or URIs()
    c = codes()
    g = bind(Graph())
    if report.year is None:
        raise ValueError(f"{report.source.path}: no reporting year; cannot name the report")
    r = uris.report(agency.slug, report.year)
    a = uris.agency(agency.slug)
    y = uris.year(report.year)
    src = uris.source(report.source.sha256)

    g.add((y, RDF.type, XXGK.ReportingYear))
    g.add((y, XXGK.year, Literal(str(report.year), datatype=XSD.gYear)))
    g.add((y, RDFS.label, Literal(str(report.year))))

    for t in (XXGK.AnnualReport, QB.DataSet, DCAT.Dataset, PROV.Entity):
        g.add((r, RDF.type, t))
    g.add((r, QB.structure, XXGK.dsd))
    g.add((r, XXGK.agency, a))
    g.add((r, DCTERMS.publisher, a))
    g.add((r, XXGK.period, y))
    g.add((r, XXGK.year, Literal(str(report.year), datatype=XSD.gYear)))
    if report.format:
        g.add((r, XXGK.formatVersion, Literal(report.format)))
    title = report.title or f"{agency.name}{report.year}年政府信息公开工作年度报告"
    g.add((r, DCTERMS.title, Literal(title, lang="zh")))
    g.add((r, RDFS.label, Literal(title, lang="zh")))
    if report.agency:
        g.add((r, XXGK.agencyNameAsPrinted, Literal(report.agency, lang="zh")))
    if report.published:
        g.add((r, DCTERMS.issued, Literal(report.published, datatype=XSD.date)))
    for key, text in report.narrative.items():
        if key in NARRATIVE and text.strip():
            g.add((r, NARRATIVE[key], Literal(text, lang="zh")))
    for w in report.warnings:
        g.add((r, XXGK.warning, Literal(w)))

    # provenance: the file, and the parsing that read it
    for t in (XXGK.SourceFile, DCAT.Distribution, PROV.Entity):
        g.add((src, RDF.type, t))
    g.add((src, XXGK.sha256, Literal(report.source.sha256)))
    g.add((src, DCAT.mediaType, Literal(report.source.media_type)))
    g.add((src, DCAT.byteSize, Literal(report.source.size, datatype=XSD.integer)))
    g.add((src, DCTERMS.title, Literal(Path(report.source.path).name)))
    g.add((r, DCAT.distribution, src))
    g.add((r, PROV.wasDerivedFrom, src))
    activity = URIRef(f"{r}/parsing")
    g.add((activity, RDF.type, XXGK.Parsing))
    g.add((activity, RDF.type, PROV.Activity))
    g.add((activity, PROV.used, src))
    if parsed_at is None and report.parsed_at:
        parsed_at = datetime.fromisoformat(report.parsed_at)
    when = (parsed_at or datetime.now(UTC)).replace(microsecond=0)
    g.add((activity, PROV.endedAtTime, Literal(when.isoformat(), datatype=XSD.dateTime)))
    agent = URIRef(f"{uris.base}software/xxgk/{software_version()}")
    g.add((agent, RDF.type, PROV.SoftwareAgent))
    g.add((agent, RDFS.label, Literal(f"xxgk {software_version()}")))
    g.add((activity, PROV.wasAssociatedWith, agent))
    g.add((r, PROV.wasGeneratedBy, activity))

    for cell in report.cells.values():
        spec = c.cells.get(cell.id)
        if spec is None:
            continue
        o = uris.observation(agency.slug, report.year, cell.id)
        g.add((o, RDF.type, QB.Observation))
        g.add((o, QB.dataSet, r))
        g.add((o, XXGK.agency, a))
        g.add((o, XXGK.period, y))
        g.add((o, XXGK.row, URIRef(c.rows[spec.row].uri)))
        g.add((o, XXGK.column, URIRef(c.columns[spec.column].uri)))
        g.add((o, XXGK.cell, URIRef(spec.uri)))
        g.add((o, DCTERMS.identifier, Literal(cell.id)))
        measure = XXGK.amount if spec.money else XXGK["count"]
        g.add((o, QB.measureType, measure))
        g.add((o, XXGK.unit, XXGK.TenThousandYuan if spec.money else XXGK.Count))
        g.add((o, XXGK.state, STATE[cell.state]))
        if cell.state is State.NUMBER and cell.value is not None:
            # a count that is not whole stays a decimal, for the shapes to reject: never rounded away
            whole = not spec.money and cell.value == cell.value.to_integral_value()
            lit = Literal(int(cell.value)) if whole else Literal(cell.value, datatype=XSD.decimal)
            g.add((o, measure, lit))
        if cell.text:
            g.add((o, XXGK.printed, Literal(cell.text)))
        if cell.where is not None:
            g.add((o, XXGK.location, Literal(str(cell.where))))
            g.add((o, PROV.wasDerivedFrom, src))
            if cell.where.page is not None:
                g.add((o, XXGK.page, Literal(cell.where.page)))
            if cell.where.bbox is not None:
                g.add((o, XXGK.bbox, Literal(",".join(f"{v:.1f}" for v in cell.where.bbox))))
    return g


def ontology_graph() -> Graph:
    from .codes import ONTOLOGY_DIR

    g = bind(Graph())
    for f in sorted(ONTOLOGY_DIR.glob("*.ttl")):
        g.parse(f)
    return g


__all__ = ["URIs", "agency_graph", "report_graph", "ontology_graph", "QB", "ORG", "BNode"]
