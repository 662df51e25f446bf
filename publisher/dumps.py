"""Open-data dumps: N-Triples, Turtle, JSON-LD, a tidy CSV on the Web table, Parquet, findings,
and a DCAT + VoID catalogue with the size and sha256 of every file."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import itertools
import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pyoxigraph as ox
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, XSD

from .codes import codes
from .output import number
from .published import PublishedReport
from .rdf import bind
from .validate import Finding

VOID = Namespace("http://rdfs.org/ns/void#")
COLUMNS = ["agency", "agency_uri", "year", "format", "cell", "row_zh", "column_zh", "row_en", "column_en",
           "value", "state"]
FINDING_COLUMNS = ["report_uri", "agency", "year", "rule", "severity", "message", "message_zh", "cells"]
CONTEXT = {
    "@context": {
        "xxgk": "https://w3id.org/xxgk/def/", "qb": "http://purl.org/linked-data/cube#",
        "skos": "http://www.w3.org/2004/02/skos/core#", "dcterms": "http://purl.org/dc/terms/",
        "dcat": "http://www.w3.org/ns/dcat#", "prov": "http://www.w3.org/ns/prov#", "org": "http://www.w3.org/ns/org#",
        "rdfs": "http://www.w3.org/2000/01/rdf-schema#", "xsd": "http://www.w3.org/2001/XMLSchema#",
        "sh": "http://www.w3.org/ns/shacl#", "time": "http://www.w3.org/2006/time#",
    }
}
PREFIXES = dict(CONTEXT["@context"])
FORMATS = {
    "xxgk.nt.gz": "N-Triples (gzip)", "xxgk.ttl.gz": "Turtle (gzip)", "xxgk.jsonld.gz": "JSON-LD (gzip)",
    "context.jsonld": "JSON-LD context",
    "observations.csv": "CSV (CSV on the Web)", "observations.csv-metadata.json": "CSVW metadata",
    "observations.parquet": "Parquet", "findings.csv": "CSV", "catalog.ttl": "DCAT and VoID (Turtle)",
}
MEDIA = {
    "xxgk.nt.gz": "application/n-triples", "xxgk.ttl.gz": "text/turtle", "xxgk.jsonld.gz": "application/ld+json",
    "context.jsonld": "application/ld+json", "observations.csv": "text/csv",
    "observations.csv-metadata.json": "application/csvm+json", "observations.parquet": "application/vnd.apache.parquet",
    "findings.csv": "text/csv", "catalog.ttl": "text/turtle",
}
RDF_DUMPS = ("xxgk.nt.gz", "xxgk.ttl.gz", "xxgk.jsonld.gz")
_TYPE = ox.NamedNode(str(RDF.type))


@dataclass
class Part:
    """One piece of every dump (a report, an agency, the findings of an agency, the vocabulary).

    Each RDF format is a gzip member: gzip files, Turtle documents and (between brackets) JSON-LD
    node arrays concatenate, so a dump is written by appending parts made once, in parallel, and
    kept in the build cache; a rebuild makes only the parts that changed.
    """

    nt: bytes = b""
    ttl: bytes = b""
    jsonld: bytes = b""  # expanded JSON-LD node objects joined by commas, without the brackets
    csv: bytes = b""  # observation rows, no header
    findings: bytes = b""  # findings.csv rows, no header
    triples: int = 0
    subjects: int = 0  # distinct IRI subjects (parts never share a subject)
    classes: dict[str, int] = field(default_factory=dict)
    shared: frozenset[str] = frozenset()  # subjects left to the vocabulary part (years, the software)


def make_part(triples: Iterable[ox.Triple | ox.Quad], rows: Iterable[dict] = (),
              keep: Callable[[ox.NamedNode | ox.BlankNode], bool] = lambda s: True,
              counted: frozenset[str] = frozenset(), findings: Iterable[tuple[str, str, int, Finding]] = ()) -> Part:
    """The part of `triples` whose subject `keep`s; the others' subjects are named as shared.
    Subjects in `counted` are described in another part too and counted there. `findings` are
    (report URI, agency name, year, finding), for findings.csv."""
    own: dict[ox.Triple, None] = {}
    shared: set[str] = set()
    for t in triples:
        t = t.triple if isinstance(t, ox.Quad) else t
        if keep(t.subject):
            own[t] = None
        elif isinstance(t.subject, ox.NamedNode):
            shared.add(t.subject.value)
    rdf = list(own)
    classes = Counter(t.object.value for t in rdf if t.predicate == _TYPE and isinstance(t.object, ox.NamedNode))
    out = io.StringIO()
    csv.DictWriter(out, fieldnames=COLUMNS).writerows({k: ("" if v is None else v) for k, v in r.items()}
                                                      for r in rows)
    jsonld = ox.serialize(rdf, format=ox.RdfFormat.JSON_LD).strip() if rdf else b"[]"
    found = io.StringIO()
    csv.writer(found).writerows([uri, agency, year, f.rule, f.severity, f.message, f.message_zh, " ".join(f.cells)]
                                for uri, agency, year, f in findings)
    return Part(nt=_gz(ox.serialize(rdf, format=ox.RdfFormat.N_TRIPLES) if rdf else b""),
                ttl=_gz(ox.serialize(rdf, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES) if rdf else b""),
                jsonld=_gz(jsonld[1:-1]), csv=out.getvalue().encode("utf-8"),
                findings=found.getvalue().encode("utf-8"), triples=len(rdf),
                subjects=len({t.subject.value for t in rdf if isinstance(t.subject, ox.NamedNode)} - counted),
                classes=dict(classes), shared=frozenset(shared))


def _gz(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=6, mtime=0) if data else b""


def part_triples(part: Part) -> list[ox.Triple]:
    """The triples of a part, read back (to take them out of the store again)."""
    return [q.triple for q in ox.parse(gzip.decompress(part.nt), ox.RdfFormat.N_TRIPLES)] if part.nt else []


def observation_rows(published: list[PublishedReport], base: str):
    c = codes()
    for p in sorted(published, key=lambda p: (p.agency.slug, p.year)):
        for spec in sorted(c.cells.values(), key=lambda s: s.order):
            cell = p.report.cells.get(spec.id)
            if cell is None:
                continue
            row, col = c.rows[spec.row], c.columns[spec.column]
            yield {"agency": p.agency.name, "agency_uri": f"{base}agency/{p.agency.slug}", "year": p.year,
                   "format": p.report.format, "cell": spec.id, "row_zh": row.label_zh, "column_zh": col.label_zh,
                   "row_en": row.label_en, "column_en": col.label_en,
                   "value": number(cell.value) if cell.state.value == "number" else None, "state": cell.state.value}


def _csvw(base: str) -> dict:
    types = {"year": "integer", "value": "decimal", "agency_uri": "anyURI"}
    titles = {"agency": "机关 agency", "agency_uri": "机关URI agency URI", "year": "年度 year", "format": "格式 format",
              "cell": "单元格编号 cell id (cells.tsv)", "row_zh": "行 row (zh)", "column_zh": "列 column (zh)",
              "row_en": "row (en)", "column_en": "column (en)", "value": "值 value (counts; amounts in 万元)",
              "state": "状态 state: number, blank or unreadable"}
    return {
        "@context": ["http://www.w3.org/ns/csvw", {"@language": "en"}],
        "url": "observations.csv",
        "dc:title": "xxgk observations: one row per cell of every report",
        "dc:license": {"@id": "https://creativecommons.org/licenses/by/4.0/"},
        "tableSchema": {
            "columns": [{"name": n, "titles": titles[n], "datatype": types.get(n, "string"),
                         "required": n not in ("value", "format")} for n in COLUMNS],
            "primaryKey": ["agency_uri", "year", "cell"],
            "aboutUrl": base + "report/{+agency_uri}/{year}/cell/{cell}",
        },
    }


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class _Sink:
    """A dump being appended to, hashed on the way (hashing it again would read gigabytes)."""

    def __init__(self, path: Path):
        self.file = path.open("wb")
        self.hash = hashlib.sha256()

    def write(self, data: bytes) -> None:
        if data:
            self.file.write(data)
            self.hash.update(data)


@dataclass
class Totals:
    """What the catalogue states of the whole dataset, summed over the parts."""

    triples: int = 0
    subjects: int = 0
    classes: Counter = field(default_factory=Counter)

    def add(self, part: Part) -> None:
        self.triples += part.triples
        self.subjects += part.subjects
        self.classes.update(part.classes)


ROW_GROUP = 1 << 18  # rows of observations.parquet held in memory before they are written


def _parquet(out: Path) -> None:
    """observations.parquet from observations.csv, read in small blocks and written in row groups
    of `ROW_GROUP` rows: memory stays flat (at 10,000 reports, 16 MB blocks as row groups held
    ~600 MB; this ~110 MB, and the file is smaller)."""
    types = {k: pa.float64() if k == "value" else pa.int64() if k == "year" else pa.string() for k in COLUMNS}
    schema = pa.schema(list(types.items()))
    reader = pacsv.open_csv(out / "observations.csv", read_options=pacsv.ReadOptions(block_size=1 << 20),
                            convert_options=pacsv.ConvertOptions(column_types=types, strings_can_be_null=False,
                                                                 null_values=[""]))
    pending: list[pa.RecordBatch] = []
    rows = 0
    with pq.ParquetWriter(out / "observations.parquet", schema) as parquet:
        for batch in reader:
            pending.append(batch)
            rows += batch.num_rows
            if rows >= ROW_GROUP:
                parquet.write_table(pa.Table.from_batches(pending).cast(schema))
                pending, rows = [], 0
        if pending:
            parquet.write_table(pa.Table.from_batches(pending).cast(schema))


def write_dumps(out: Path, parts: Iterable[Part], vocabulary: Callable[[set[str]], Part],
                base: str) -> tuple[list[dict], Totals]:
    """Every dump, appended part by part in the order given; `vocabulary` makes the last part
    (the ontology, the shapes and the subjects the other parts share) from the shared IRIs."""
    out.mkdir(parents=True, exist_ok=True)
    sinks = {name: _Sink(out / name) for name in (*RDF_DUMPS, "observations.csv", "findings.csv")}
    for name, columns in (("observations.csv", COLUMNS), ("findings.csv", FINDING_COLUMNS)):
        header = io.StringIO()
        csv.writer(header).writerow(columns)
        sinks[name].write(header.getvalue().encode("utf-8"))
    sinks["xxgk.jsonld.gz"].write(_gz(b"["))
    comma, totals, shared, first = _gz(b","), Totals(), set(), True
    try:
        for part in itertools.chain(parts, [None]):  # one part in memory at a time
            if part is None:
                part = vocabulary(shared)
            shared |= part.shared
            totals.add(part)
            sinks["xxgk.nt.gz"].write(part.nt)
            sinks["xxgk.ttl.gz"].write(part.ttl)
            if part.triples:
                sinks["xxgk.jsonld.gz"].write(part.jsonld if first else comma + part.jsonld)
                first = False
            sinks["observations.csv"].write(part.csv)
            sinks["findings.csv"].write(part.findings)
        sinks["xxgk.jsonld.gz"].write(_gz(b"]"))
    finally:
        for sink in sinks.values():
            sink.file.close()
    _parquet(out)
    # context.jsonld is published for whoever wants the JSON-LD compacted (jsonld.compact(data, context))
    (out / "context.jsonld").write_text(json.dumps(CONTEXT, indent=1), encoding="utf-8")
    (out / "observations.csv-metadata.json").write_text(json.dumps(_csvw(base), ensure_ascii=False, indent=1),
                                                        encoding="utf-8")
    digests = {name: sink.hash.hexdigest() for name, sink in sinks.items()}
    files = [n for n in FORMATS if n != "catalog.ttl" and (out / n).exists()]
    dumps = [{"name": n, "format": FORMATS[n], "media_type": MEDIA[n], "bytes": (out / n).stat().st_size,
              "sha256": digests.get(n) or _sha256(out / n)} for n in files]
    catalog(out / "catalog.ttl", totals, dumps, base)
    dumps.append({"name": "catalog.ttl", "format": FORMATS["catalog.ttl"], "media_type": MEDIA["catalog.ttl"],
                  "bytes": (out / "catalog.ttl").stat().st_size, "sha256": _sha256(out / "catalog.ttl")})
    (out / "SHA256SUMS").write_text("".join(f"{d['sha256']}  {d['name']}\n" for d in dumps), encoding="utf-8")
    (out / "manifest.json").write_text(json.dumps(dumps, indent=1), encoding="utf-8")
    return dumps, totals


def catalog(path: Path, totals: Totals, dumps: list[dict], base: str) -> None:
    """DCAT catalogue (DCAT-AP friendly) and VoID description of the dataset."""
    g = bind(Graph())
    g.bind("void", VOID)
    cat, ds = URIRef(f"{base}catalog"), URIRef(f"{base}dataset")
    g.add((cat, RDF.type, DCAT.Catalog))
    g.add((cat, DCTERMS.title, Literal("xxgk 政府信息公开工作年度报告开放数据", lang="zh")))
    g.add((cat, DCTERMS.title, Literal("xxgk: open data from government information-disclosure annual reports",
                                       lang="en")))
    g.add((cat, DCTERMS.description, Literal("Chinese government information-disclosure annual reports as linked "
                                             "open data.", lang="en")))
    g.add((cat, DCTERMS.publisher, URIRef(f"{base}")))
    g.add((cat, DCAT.dataset, ds))
    for t in (DCAT.Dataset, VOID.Dataset):
        g.add((ds, RDF.type, t))
    g.add((ds, DCTERMS.title, Literal("政府信息公开工作年度报告数据", lang="zh")))
    g.add((ds, DCTERMS.title, Literal("Government information-disclosure annual report data", lang="en")))
    g.add((ds, DCTERMS.description, Literal("Every cell of every report, its provenance and data-quality findings.",
                                            lang="en")))
    g.add((ds, DCTERMS.license, URIRef("https://creativecommons.org/licenses/by/4.0/")))
    g.add((ds, DCAT.keyword, Literal("政府信息公开", lang="zh")))
    g.add((ds, DCAT.keyword, Literal("freedom of information", lang="en")))
    g.add((ds, VOID.sparqlEndpoint, URIRef(f"{base}sparql")))
    g.add((ds, VOID.uriSpace, Literal(base)))
    g.add((ds, VOID.vocabulary, URIRef("https://w3id.org/xxgk/def/")))
    g.add((ds, VOID.triples, Literal(totals.triples, datatype=XSD.integer)))
    g.add((ds, VOID.entities, Literal(totals.subjects, datatype=XSD.integer)))
    for cls, n in sorted(totals.classes.items()):
        part = URIRef(f"{base}dataset/class/{hashlib.sha1(cls.encode()).hexdigest()[:10]}")
        g.add((ds, VOID.classPartition, part))
        g.add((part, VOID["class"], URIRef(cls)))
        g.add((part, VOID.entities, Literal(n, datatype=XSD.integer)))
    for d in dumps:
        dist = URIRef(f"{base}dumps/{d['name']}")
        g.add((ds, DCAT.distribution, dist))
        if d["name"] == "xxgk.nt.gz":
            g.add((ds, VOID.dataDump, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        g.add((dist, DCTERMS.title, Literal(d["format"])))
        g.add((dist, DCAT.downloadURL, dist))
        g.add((dist, DCAT.mediaType, Literal(d["media_type"])))
        g.add((dist, DCAT.byteSize, Literal(d["bytes"], datatype=XSD.integer)))
        g.add((dist, URIRef("http://spdx.org/rdf/terms#checksum"), Literal(d["sha256"])))
    api = URIRef(f"{base}sparql")
    g.add((api, RDF.type, DCAT.DataService))
    g.add((api, DCAT.endpointURL, api))
    g.add((api, DCAT.servesDataset, ds))
    g.add((cat, DCAT.service, api))
    g.serialize(path, format="turtle")


def report_part(nt: bytes, p: PublishedReport, base: str) -> Part:
    """A report's part: the triples of its own subjects (the report, its observations, source,
    parsing and validation results, all named under its IRI or the source's) and its CSV rows;
    the agency, year and software it names are shared with other reports."""
    mine = (f"{base}report/", f"{base}source/")
    return make_part(ox.parse(nt, ox.RdfFormat.N_TRIPLES), observation_rows([p], base),
                     keep=lambda s: isinstance(s, ox.NamedNode) and s.value.startswith(mine))
