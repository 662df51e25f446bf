"""Open-data dumps: N-Triples, Turtle, JSON-LD, a tidy CSV on the Web table, Parquet, findings,
and a DCAT + VoID catalogue with the size and sha256 of every file."""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pyoxigraph as ox
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, XSD

from .codes import codes
from .output import number
from .published import PublishedReport
from .rdf import bind

VOID = Namespace("http://rdfs.org/ns/void#")
COLUMNS = ["agency", "agency_uri", "year", "format", "cell", "row_zh", "column_zh", "row_en", "column_en",
           "value", "state"]
CONTEXT = {
    "@context": {
        "xxgk": "https://w3id.org/xxgk/def/", "qb": "http://purl.org/linked-data/cube#",
        "skos": "http://www.w3.org/2004/02/skos/core#", "dcterms": "http://purl.org/dc/terms/",
        "dcat": "http://www.w3.org/ns/dcat#", "prov": "http://www.w3.org/ns/prov#", "org": "http://www.w3.org/ns/org#",
        "rdfs": "http://www.w3.org/2000/01/rdf-schema#", "xsd": "http://www.w3.org/2001/XMLSchema#",
        "sh": "http://www.w3.org/ns/shacl#", "time": "http://www.w3.org/2006/time#",
    }
}
FORMATS = {
    "xxgk.nt.gz": "N-Triples (gzip)", "xxgk.ttl": "Turtle", "xxgk.jsonld": "JSON-LD",
    "context.jsonld": "JSON-LD context",
    "observations.csv": "CSV (CSV on the Web)", "observations.csv-metadata.json": "CSVW metadata",
    "observations.parquet": "Parquet", "findings.csv": "CSV", "catalog.ttl": "DCAT and VoID (Turtle)",
}
MEDIA = {
    "xxgk.nt.gz": "application/n-triples", "xxgk.ttl": "text/turtle", "xxgk.jsonld": "application/ld+json",
    "context.jsonld": "application/ld+json", "observations.csv": "text/csv",
    "observations.csv-metadata.json": "application/csvm+json", "observations.parquet": "application/vnd.apache.parquet",
    "findings.csv": "text/csv", "catalog.ttl": "text/turtle",
}


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


BATCH = 100_000  # observation rows per Parquet row group: memory stays flat however many reports


def _observations(out: Path, published: list[PublishedReport], base: str) -> None:
    """observations.csv and observations.parquet, written side by side in batches."""
    schema = pa.schema([(k, pa.float64() if k == "value" else pa.int64() if k == "year" else pa.string())
                        for k in COLUMNS])
    with (out / "observations.csv").open("w", newline="", encoding="utf-8") as f, \
            pq.ParquetWriter(out / "observations.parquet", schema) as parquet:
        w = csv.DictWriter(f, fieldnames=COLUMNS)
        w.writeheader()
        batch: list[dict] = []

        def flush() -> None:
            columns = {k: [r[k] for r in batch] for k in COLUMNS}
            columns["value"] = [None if v is None else float(v) for v in columns["value"]]
            parquet.write_table(pa.table(columns, schema=schema))
            batch.clear()

        for r in observation_rows(published, base):
            w.writerow({k: ("" if v is None else v) for k, v in r.items()})
            batch.append(r)
            if len(batch) >= BATCH:
                flush()
        if batch:
            flush()


def write_dumps(out: Path, store: ox.Store, published: list[PublishedReport], base: str) -> list[dict]:
    out.mkdir(parents=True, exist_ok=True)
    nt = out / "xxgk.nt"
    store.dump(output=str(nt), format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
    with nt.open("rb") as src, gzip.open(out / "xxgk.nt.gz", "wb") as dst:
        shutil.copyfileobj(src, dst)
    nt.unlink()
    prefixes = {k: v for k, v in CONTEXT["@context"].items()}
    store.dump(output=str(out / "xxgk.ttl"), format=ox.RdfFormat.TURTLE, from_graph=ox.DefaultGraph(),
               prefixes=prefixes)
    # expanded JSON-LD, streamed by the store (rdflib would hold the whole graph in memory);
    # context.jsonld is published for whoever wants it compacted (jsonld.compact(data, context))
    (out / "context.jsonld").write_text(json.dumps(CONTEXT, indent=1), encoding="utf-8")
    store.dump(output=str(out / "xxgk.jsonld"), format=ox.RdfFormat.JSON_LD, from_graph=ox.DefaultGraph())
    _observations(out, published, base)
    (out / "observations.csv-metadata.json").write_text(json.dumps(_csvw(base), ensure_ascii=False, indent=1),
                                                        encoding="utf-8")
    with (out / "findings.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["report_uri", "agency", "year", "rule", "severity", "message", "message_zh", "cells"])
        for p in published:
            for fd in p.findings:
                w.writerow([p.uri, p.agency.name, p.year, fd.rule, fd.severity, fd.message, fd.message_zh,
                            " ".join(fd.cells)])
    files = [n for n in FORMATS if n != "catalog.ttl" and (out / n).exists()]
    dumps = [{"name": n, "format": FORMATS[n], "media_type": MEDIA[n], "bytes": (out / n).stat().st_size,
              "sha256": _sha256(out / n)} for n in files]
    catalog(out / "catalog.ttl", store, dumps, base)
    dumps.append({"name": "catalog.ttl", "format": FORMATS["catalog.ttl"], "media_type": MEDIA["catalog.ttl"],
                  "bytes": (out / "catalog.ttl").stat().st_size, "sha256": _sha256(out / "catalog.ttl")})
    (out / "SHA256SUMS").write_text("".join(f"{d['sha256']}  {d['name']}\n" for d in dumps), encoding="utf-8")
    (out / "manifest.json").write_text(json.dumps(dumps, indent=1), encoding="utf-8")
    return dumps


def catalog(path: Path, store: ox.Store, dumps: list[dict], base: str) -> None:
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
    g.add((ds, VOID.triples, Literal(len(store), datatype=XSD.integer)))
    entities = next(iter(store.query("SELECT (COUNT(DISTINCT ?s) AS ?n) { ?s ?p ?o FILTER isIRI(?s) }")))["n"].value
    g.add((ds, VOID.entities, Literal(int(entities), datatype=XSD.integer)))
    for row in store.query("SELECT ?c (COUNT(?s) AS ?n) { ?s a ?c } GROUP BY ?c ORDER BY ?c"):
        part = URIRef(f"{base}dataset/class/{hashlib.sha1(row['c'].value.encode()).hexdigest()[:10]}")
        g.add((ds, VOID.classPartition, part))
        g.add((part, VOID["class"], URIRef(row["c"].value)))
        g.add((part, VOID.entities, Literal(int(row["n"].value), datatype=XSD.integer)))
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
