"""The triple store: loading, counting, query checks, result formats, and the killable worker pool."""

from __future__ import annotations

import gzip
import io
import json
import threading
import time
from pathlib import Path

import pytest
import rdflib
import rdflib.compare
from rdflib.query import Result as RdfResult

from publisher import store as st

pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "tests" / "fixtures" / "rdf" / "sample.ttl"
CODES = ROOT / "ontology" / "codes.ttl"
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # ~10^11 rows: never finishes
XXGK = "https://w3id.org/xxgk/"


def expected_triples() -> int:
    return len(rdflib.Graph().parse(CODES)) + len(rdflib.Graph().parse(SAMPLE))


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("store") / "store"
    store = st.open_store(path)
    st.load(store, CODES)
    st.load(store, SAMPLE)
    del store  # closes it: the workers open it read-only
    return path


@pytest.fixture(scope="module")
def pool(store_dir):
    with st.QueryPool(store_dir, workers=2, timeout=1.5, limit=500) as pool:
        pool.wait_ready()
        yield pool


def test_load_and_count(tmp_path):
    store = st.open_store(tmp_path / "s")
    st.load(store, CODES)
    st.load(store, SAMPLE.read_bytes(), "text/turtle")
    assert st.count_triples(store) == expected_triples()
    sample = len(rdflib.Graph().parse(SAMPLE))
    nt = rdflib.Graph().parse(SAMPLE).serialize(format="nt", encoding="utf-8")
    (tmp_path / "sample.nt.gz").write_bytes(gzip.compress(nt))
    for name, source, fmt in (("gz", tmp_path / "sample.nt.gz", None), ("stream", io.BytesIO(nt), "nt")):
        other = st.open_store(tmp_path / name)
        st.load(other, source, fmt)
        assert st.count_triples(other) == sample
    with pytest.raises(ValueError):
        st.load(store, tmp_path / "sample.unknown")


def test_pool_needs_a_store(tmp_path):
    with pytest.raises(FileNotFoundError):
        st.QueryPool(tmp_path / "nothing")


@pytest.mark.parametrize("query", [
    "INSERT DATA { <http://a> <http://b> <http://c> }",
    "PREFIX ex: <http://example.org/>\nBASE <http://x/>\ndelete where { ?s ?p ?o }",
    "# a comment\nLOAD <http://example.org/data.ttl>",
    "CLEAR ALL", "DROP GRAPH <http://g>", "WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
])
def test_updates_are_refused(query):
    with pytest.raises(st.QueryRefused, match="read-only"):
        st.check_query(query)


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
    "select * { service silent <http://127.0.0.1:1/> { ?s ?p ?o } }",
    "SELECT * { ?x ?y ?z . SERVICE ?endpoint { ?s ?p ?o } }",
    "SELECT * { \\u0053ERVICE <http://example.org/> { ?s ?p ?o } }",
])
def test_service_is_refused(query):
    with pytest.raises(st.QueryRefused, match="SERVICE"):
        st.check_query(query)


@pytest.mark.parametrize("query", [
    "SELECT ?service WHERE { ?service ?p 'SERVICE <http://x/>' }",
    "PREFIX service: <http://example.org/service#> SELECT * { ?s service:x <http://example.org/SERVICE> }",
    "SELECT * { ?s ?p ?o } # SERVICE <http://example.org/>",
    'SELECT * { ?s ?p """INSERT\nSERVICE""" }',
    "SELECT * { ?s <http://example.org/p> ?o FILTER(?o < 3 && ?o > 1) }",
])
def test_harmless_look_alikes_pass(query):
    st.check_query(query)


def test_huge_query_is_refused():
    with pytest.raises(st.QueryTooLarge):
        st.check_query("SELECT * { ?s ?p ?o } #" + "x" * st.MAX_QUERY_BYTES)


def _rows(result: st.Result) -> set[tuple]:
    parsed = RdfResult.parse(io.BytesIO(result.body), format=result.format)
    return {tuple(str(v) if v is not None else None for v in row) for row in parsed}


def test_results_formats_agree(store_dir):
    store = st.ox.Store.read_only(str(store_dir))
    query = """PREFIX xxgk: <https://w3id.org/xxgk/def/>
        SELECT ?obs ?n ?note WHERE { ?obs xxgk:cell ?cell . OPTIONAL { ?obs xxgk:count ?n }
        OPTIONAL { ?obs xxgk:printed ?note } }"""
    results = {fmt: st.execute(store, query, fmt) for fmt in st.RESULT_FORMATS}
    assert {r.count for r in results.values()} == {6}
    doc = json.loads(results["json"].body)
    assert doc["head"]["vars"] == ["obs", "n", "note"]
    by_obs = {b["obs"]["value"]: b for b in doc["results"]["bindings"]}
    cell = by_obs[XXGK + "report/pingtan/2023/cell/requests.new.total"]
    assert cell["n"] == {"type": "literal", "value": "132", "datatype": "http://www.w3.org/2001/XMLSchema#integer"}
    assert "n" not in by_obs[XXGK + "report/pingtan/2023/cell/requests.new.business"]  # blank: no count, not 0
    assert _rows(results["json"]) == _rows(results["xml"]) == _rows(results["tsv"])
    csv_rows = results["csv"].body.decode().split("\r\n")
    assert csv_rows[0] == "obs,n,note" and len([r for r in csv_rows if r]) == 7


def test_ask_and_graph_formats(store_dir):
    store = st.ox.Store.read_only(str(store_dir))
    for fmt in st.RESULT_FORMATS:
        assert st.execute(store, "ASK { ?s ?p ?o }", fmt).kind == "boolean"
    assert json.loads(st.execute(store, "ASK { <http://nothing> ?p ?o }").body)["boolean"] is False
    iri = XXGK + "report/pingtan/2023/cell/requests.new.total"
    graphs = {}
    for fmt, rdflib_format in (("turtle", "turtle"), ("ntriples", "nt"), ("jsonld", "json-ld"), ("rdfxml", "xml")):
        result = st.execute(store, f"DESCRIBE <{iri}>", graph_format=fmt)
        assert result.kind == "graph" and result.media_type == st.GRAPH_FORMATS[fmt]
        graphs[fmt] = rdflib.Graph().parse(data=result.body, format=rdflib_format)
    first = graphs["turtle"]
    assert len(first) == 21  # 15 outgoing triples, and the 4 + 2 of the two nested blank nodes
    for g in graphs.values():
        assert rdflib.compare.isomorphic(g, first)


def test_pool_answers_and_refuses(pool):
    result = pool.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert int(json.loads(result.body)["results"]["bindings"][0]["n"]["value"]) == expected_triples()
    with pytest.raises(st.QuerySyntaxError, match="error at"):
        pool.query("SELECT * WHERE { ?s ?p }")
    with pytest.raises(st.QueryRefused):
        pool.query("SELECT * { SERVICE <http://example.org/> { ?s ?p ?o } }")
    with pytest.raises(st.ResultLimitExceeded, match="more than 500 solutions"):
        pool.query("SELECT * WHERE { ?s ?p ?o }")
    with pytest.raises(st.ResultLimitExceeded, match="more than 500 triples"):
        pool.query("CONSTRUCT WHERE { ?s ?p ?o }")
    assert pool.query("SELECT * WHERE { ?s ?p ?o } LIMIT 500").count == 500


def test_runaway_query_is_killed_and_others_go_on(pool):
    before = {w.process.pid for w in pool._live}
    outcome = {}

    def slow():
        started = time.monotonic()
        try:
            pool.query(SLOW)
        except st.QueryError as e:
            outcome["error"] = e
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.2)
    quick = []
    for _ in range(5):
        started = time.monotonic()
        assert pool.query("ASK { ?s ?p ?o }").body.endswith(b"true}")
        quick.append(time.monotonic() - started)
    assert thread.is_alive(), "the slow query should still be running"
    thread.join(10)
    assert isinstance(outcome["error"], st.QueryTimeout), outcome
    assert "longer than 1.5 s" in str(outcome["error"])
    assert 1.5 <= outcome["seconds"] < 3.5
    assert max(quick) < 0.5
    after = {w.process.pid for w in pool._live}
    assert len(after) == 2 and len(before - after) == 1  # the runaway's worker was replaced
    assert pool.query("ASK { ?s ?p ?o }").count == 1


def test_memory_hog_kills_only_its_worker(store_dir):
    with st.QueryPool(store_dir, workers=1, timeout=20, memory_limit=1 << 30) as pool:
        pool.wait_ready()
        started = time.monotonic()
        with pytest.raises(st.WorkerFailed, match="memory"):
            pool.query("SELECT ?a ?d ?g { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?a ?d ?g")
        assert time.monotonic() - started < 15
        assert pool.query("ASK { ?s ?p ?o }").count == 1


def test_close_stops_the_workers(store_dir):
    pool = st.QueryPool(store_dir, workers=2)
    pool.wait_ready()
    processes = [w.process for w in pool._live]
    pool.close()
    assert all(p.poll() is not None for p in processes)
    with pytest.raises(st.WorkerFailed):
        pool.query("ASK { ?s ?p ?o }")


def test_a_worker_that_died_idle_is_replaced(store_dir):
    with st.QueryPool(store_dir, workers=1) as pool:
        pool.wait_ready()
        (worker,) = pool._live
        worker.process.kill()
        worker.process.wait()
        assert pool.query("ASK { ?s ?p ?o }").count == 1
        assert worker not in pool._live
