"""`xxgk build` on real reports: one publication per agency and year, dumps that reload."""

from __future__ import annotations

import gzip
import hashlib
import json
from collections import Counter
from decimal import Decimal

import pyoxigraph as ox
import pytest
from corpus import FIXTURES
from rdflib import Graph, URIRef

from publisher.build import build
from publisher.dumps import COLUMNS
from publisher.model import State
from publisher.pipeline import parse_file
from publisher.rdf import DEFAULT_BASE as BASE

FILES = [FIXTURES / "001_huaian-hongze-2023.pdf", FIXTURES / "002_huaian-hongze-2024.pdf",
         FIXTURES / "019_huaian-city-2024-word.docx", FIXTURES / "003_huaian-city-2024.pdf"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("build") / "out"
    junk = tmp_path_factory.mktemp("junk") / "junk.html"
    junk.write_text("<html><body><p>not a report</p></body></html>", encoding="utf-8")
    result = build([str(f) for f in FILES] + [str(junk)], str(out), log=lambda m: None)
    return result


def test_the_same_report_from_several_files_is_published_once(built):
    uris = sorted(p.uri for p in built.published)
    assert len(uris) == 3  # 洪泽区 2023 and 2024 (one agency under two names), 淮安市 2024 from two files
    city = next(p for p in built.published if p.alternates)
    assert city.report.source.path.endswith(".docx")
    assert city.alternates[0].endswith("003_huaian-city-2024.pdf")
    hongze = {p.agency.slug for p in built.published if "hongze" in p.report.source.path}
    assert len(hongze) == 1


def test_a_bad_file_is_listed_with_its_reason_and_the_rest_is_published(built):
    assert len(built.failures) == 1
    assert "junk.html" in built.failures[0].error
    assert "not an annual report" in built.failures[0].error
    meta = json.loads((built.out / "build.json").read_text(encoding="utf-8"))
    assert meta["failures"][0]["source"].endswith("junk.html")


def test_the_ntriples_dump_has_the_stores_triples(built):
    lines = gzip.open(built.out / "dumps" / "xxgk.nt.gz", "rt", encoding="utf-8").read().splitlines()
    store = ox.Store.read_only(str(built.out / "store"))
    assert len(lines) == len(store) == built.triples
    dumped = Graph().parse(data="\n".join(lines), format="nt")
    assert len(dumped) == len(lines)


def test_observations_csv_loads_with_its_csvw_types_and_equals_the_parser(built):
    pandas = pytest.importorskip("pandas")
    meta = json.loads((built.out / "dumps" / "observations.csv-metadata.json").read_text(encoding="utf-8"))
    columns = meta["tableSchema"]["columns"]
    assert [c["name"] for c in columns] == COLUMNS
    dtypes = {"integer": "Int64", "decimal": "float64"}
    frame = pandas.read_csv(built.out / "dumps" / "observations.csv",
                            dtype={c["name"]: dtypes.get(c["datatype"], "string") for c in columns})
    for p in built.published:
        again = parse_file(p.report.source.path)
        rows = frame[(frame.agency_uri.str.endswith(p.agency.slug)) & (frame.year == p.year)]
        assert len(rows) == len(again.cells)
        for row in rows.itertuples():
            cell = again.cells[row.cell]
            assert row.state == cell.state.value
            if cell.state is State.NUMBER:
                assert abs(Decimal(str(row.value)) - cell.value) < Decimal("0.000001")
            else:
                assert pandas.isna(row.value)


def test_catalogue_states_sizes_and_digests_of_every_dump(built):
    manifest = json.loads((built.out / "dumps" / "manifest.json").read_text(encoding="utf-8"))
    names = {d["name"] for d in manifest}
    assert {"xxgk.nt.gz", "xxgk.ttl.gz", "xxgk.jsonld.gz", "observations.csv", "observations.parquet",
            "findings.csv", "catalog.ttl"} <= names
    for d in manifest:
        data = (built.out / "dumps" / d["name"]).read_bytes()
        assert (len(data), hashlib.sha256(data).hexdigest()) == (d["bytes"], d["sha256"]), d["name"]


def test_the_catalogue_counts_what_the_store_holds(built):
    """The dumps are assembled from parts; their counts must still be the whole store's."""
    store = ox.Store.read_only(str(built.out / "store"))
    cat = Graph().parse(built.out / "dumps" / "catalog.ttl")
    void = "http://rdfs.org/ns/void#"
    assert int(next(cat.objects(None, URIRef(void + "triples")))) == len(store) == built.triples
    entities = next(iter(store.query("SELECT (COUNT(DISTINCT ?s) AS ?n) { ?s ?p ?o FILTER isIRI(?s) }")))["n"]
    assert int(next(cat.objects(URIRef(BASE + "dataset"), URIRef(void + "entities")))) == int(entities.value)
    classes = {row["c"].value: int(row["n"].value)
               for row in store.query("SELECT ?c (COUNT(?s) AS ?n) { ?s a ?c } GROUP BY ?c")}
    stated = {str(c): int(n) for part in cat.objects(None, URIRef(void + "classPartition"))
              for c in cat.objects(part, URIRef(void + "class")) for n in cat.objects(part, URIRef(void + "entities"))}
    assert stated == classes


def test_findings_of_the_agency_reach_the_dumps(built):
    text = (built.out / "dumps" / "findings.csv").read_text(encoding="utf-8")
    assert "review-total" in text  # 洪泽区 2023 prints 总计 0 beside 结果维持 10


def test_findings_are_read_from_the_cache_when_asked_for_and_counted_without_it(built):
    """The build keeps each report's findings in its cache, not in memory: only their count."""
    import csv

    rows = list(csv.DictReader((built.out / "dumps" / "findings.csv").open(encoding="utf-8")))
    for p in built.published:
        kept = list(p.findings)
        assert type(p.findings).__name__ == "Kept"
        assert [(f.rule, f.severity, f.message) for f in kept] == [
            (r["rule"], r["severity"], r["message"]) for r in rows if r["report_uri"] == p.uri]
        assert p.tally == dict(Counter(f.severity for f in kept)) and len(p.findings) == len(kept)
    assert rows and len(rows) == sum(len(p.findings) for p in built.published)


def test_turtle_and_json_ld_dumps_reload_to_the_same_triples(built):
    for name, fmt in (("xxgk.ttl.gz", "turtle"), ("xxgk.jsonld.gz", "json-ld")):
        g = Graph().parse(data=gzip.decompress((built.out / "dumps" / name).read_bytes()), format=fmt)
        assert len(g) == built.triples, name


def test_the_parquet_table_equals_the_csv(built):
    pq = pytest.importorskip("pyarrow.parquet")
    import pandas as pd

    table = pq.read_table(built.out / "dumps" / "observations.parquet").to_pandas()
    csv = pd.read_csv(built.out / "dumps" / "observations.csv", dtype={"value": float, "year": int},
                      keep_default_na=False, na_values={"value": [""]})
    assert list(table.columns) == COLUMNS and len(table) == len(csv) > 0
    assert table["value"].isna().sum() == csv["value"].isna().sum()
    assert table["cell"].tolist() == csv["cell"].tolist()
    assert (table["value"].fillna(-1) == csv["value"].fillna(-1)).all()


def test_a_failure_while_loading_is_raised_not_swallowed_by_the_store():
    from publisher.build import _stream_into

    def reports():
        yield b"<https://example.org/a> <https://example.org/b> <https://example.org/c> .\n"
        raise RuntimeError("worker died")

    store = ox.Store()
    with pytest.raises(RuntimeError, match="worker died"):
        _stream_into(store, reports())
