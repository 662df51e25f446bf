"""The external store: RemoteStore against a real SPARQL server, and `xxgk serve DIR --store URL`.

The server is `oxigraph serve` (the binary of the PyPI package ``oxigraph``, in the test extra),
started once for the module on a free loopback port with its data in tmp_path, and always stopped.
Every test that needs data loads it into an emptied default graph.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import io
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
import rdflib
import rdflib.compare
from servers import free_port, serving

from publisher import remote as rm
from publisher import store as st
from publisher.remote import RemoteError, RemoteFailed, RemoteRejected, RemoteStore, RemoteUnavailable

pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "tests" / "fixtures" / "rdf" / "sample.ttl"
FILES = [*sorted((ROOT / "ontology").glob("*.ttl")), SAMPLE]
BASE = "https://w3id.org/xxgk/"
DEF = BASE + "def/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
GRAPH = "https://example.org/graph/one"
SERVER_TIMEOUT = 5  # oxigraph's own limit: a query abandoned by a test stops there after this long
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # ~10^11 rows: never finishes
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
AGENCIES = f"""PREFIX xxgk: <{DEF}>
PREFIX skos: <{SKOS}>
SELECT ?agency ?name WHERE {{ ?agency a xxgk:Agency ; skos:prefLabel ?name }} ORDER BY ?agency"""
CONSTRUCT = f"""PREFIX xxgk: <{DEF}>
CONSTRUCT {{ ?obs xxgk:count ?n ; xxgk:agency ?agency }} WHERE {{ ?obs xxgk:count ?n ; xxgk:agency ?agency }}"""
OBSERVATION = BASE + "report/pingtan/2023/cell/requests.new.total"


def file_triples(path: Path) -> int:
    return len(rdflib.Graph().parse(path))


def twice(path: Path) -> int:
    """Triples after loading `path` twice into pyoxigraph: its blank nodes are new each time."""
    store = ox.Store()
    for _ in range(2):
        store.bulk_load(path=str(path), format=ox.RdfFormat.TURTLE)
    return len(store)


def oxigraph_binary() -> str:
    found = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    if not Path(found).exists():
        pytest.fail("the oxigraph server is missing: pip install -e '.[test]' (PyPI package oxigraph)")
    return found


@contextlib.contextmanager
def oxigraph_serve(location: Path):
    """Yield the URL of `oxigraph serve --location location` on a free loopback port; stop it afterwards."""
    port = free_port()
    log_path = location.parent / f"oxigraph-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen([oxigraph_binary(), "serve", "--location", str(location), "--bind",
                                    f"127.0.0.1:{port}", "--timeout-s", str(SERVER_TIMEOUT)],
                                   stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                if process.poll() is not None:
                    raise RuntimeError("oxigraph exited:\n" + log_path.read_text())
                try:
                    if httpx.get(url + "/query", params={"query": "ASK {}"}, timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("oxigraph did not start:\n" + log_path.read_text())
                time.sleep(0.1)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory):
    with oxigraph_serve(tmp_path_factory.mktemp("oxigraph") / "data") as url:
        yield url


@pytest.fixture()
def remote(oxigraph):
    with RemoteStore.from_url(oxigraph, timeout=30) as store:
        store.clear()
        store.clear(GRAPH)
        yield store


@pytest.fixture(scope="module")
def embedded(tmp_path_factory) -> ox.Store:
    store = st.open_store(tmp_path_factory.mktemp("embedded") / "store")
    for path in FILES:
        st.load(store, path)
    return store


def load_all(store: RemoteStore) -> int:
    for path in FILES:
        store.load_path(path)
    return sum(file_triples(p) for p in FILES)


# -- store locations -----------------------------------------------------------------------------------------------


def test_url_forms(tmp_path):
    oxi = ("http://127.0.0.1:7878/query", "http://127.0.0.1:7878/store", "http://127.0.0.1:7878/update")
    assert rm.endpoints("http://127.0.0.1:7878") == oxi
    assert rm.endpoints("http://127.0.0.1:7878/") == oxi
    assert rm.endpoints("https://db.example.org/oxigraph/") == (
        "https://db.example.org/oxigraph/query", "https://db.example.org/oxigraph/store",
        "https://db.example.org/oxigraph/update")
    assert rm.endpoints("http://h:8890/sparql") == ("http://h:8890/sparql", None, "http://h:8890/sparql")
    assert rm.endpoints("query=http://h/q&store=http://h/gsp") == ("http://h/q", "http://h/gsp", None)
    assert rm.endpoints("query=http://h/sparql%3Fa%3D1%26b%3D2&update=http://h/u&store=http://h/s") == (
        "http://h/sparql?a=1&b=2", "http://h/s", "http://h/u")
    for bad in ("http://h/sparql?timeout=1", "store=http://h/s", "query=ftp://h/q", "query=http://a&query=http://b",
                "query=http://h/q&graph=http://h/g", "http://", "query="):
        with pytest.raises(ValueError):
            rm.endpoints(bad)
    store = st.open_store("http://127.0.0.1:7878")
    assert isinstance(store, RemoteStore) and (store.query_url, store.graph_store_url, store.update_url) == oxi
    assert isinstance(st.open_store("query=http://h/q"), RemoteStore)
    assert isinstance(st.open_store(tmp_path / "here"), ox.Store)
    assert not st.is_remote(tmp_path / "http:")
    assert not st.is_remote("relative/dir") and st.is_remote("HTTPS://h/")


# -- loading, counting, clearing ------------------------------------------------------------------------------------


def test_counts_match_the_files(remote, embedded):
    assert remote.count() == 0
    total = 0
    for path in FILES:
        remote.load_path(path)
        total += file_triples(path)
        assert remote.count() == total, path.name
    assert total == st.count_triples(embedded) == len(remote)
    assert remote.count(GRAPH) == 0


def test_bytes_streams_and_named_graphs(remote):
    n = file_triples(SAMPLE)
    remote.load(SAMPLE.read_bytes(), "text/turtle", graph=GRAPH)
    assert remote.count(GRAPH) == n and remote.count() == 0
    nt = rdflib.Graph().parse(SAMPLE).serialize(format="nt", encoding="utf-8")
    remote.load(io.BytesIO(nt), ox.RdfFormat.N_TRIPLES)
    assert remote.count() == n
    remote.load(iter([nt[: len(nt) // 2], nt[len(nt) // 2:]]), "nt", graph=GRAPH)  # chunks split mid-line
    assert remote.count(GRAPH) == twice(SAMPLE)  # the blank nodes of each load are new
    remote.clear(GRAPH)
    assert remote.count(GRAPH) == 0 and remote.count() == n
    remote.clear()
    remote.clear()  # already empty: no error
    assert remote.count() == 0


def test_large_files_are_streamed_in_chunks(remote, tmp_path, monkeypatch):
    lines = b"".join(b'<https://example.org/s/%d> <https://example.org/p> "value %d" .\n' % (i, i)
                     for i in range(40_000))
    assert len(lines) > 2 * rm.CHUNK_BYTES
    (tmp_path / "big.nt").write_bytes(lines)
    (tmp_path / "big.nt.gz").write_bytes(gzip.compress(lines))
    sent = []
    file_chunks = rm._file_chunks

    def counted(path, size=rm.CHUNK_BYTES):
        for chunk in file_chunks(path, size):
            assert len(chunk) <= rm.CHUNK_BYTES
            sent.append(len(chunk))
            yield chunk

    monkeypatch.setattr(rm, "_file_chunks", counted)
    remote.load_path(tmp_path / "big.nt")
    assert remote.count() == 40_000
    assert len(sent) >= 3 and sum(sent) == len(lines)
    sent.clear()
    remote.load_path(tmp_path / "big.nt.gz", graph=GRAPH)
    assert remote.count(GRAPH) == 40_000
    assert len(sent) >= 3 and sum(sent) == len(lines)


def test_store_module_functions_and_pyoxigraph_manners(remote, tmp_path):
    st.load(remote, SAMPLE)
    st.load(remote, SAMPLE.read_bytes(), "text/turtle")
    n = file_triples(SAMPLE)
    assert st.count_triples(remote) == twice(SAMPLE)
    remote.clear()
    remote.bulk_load(SAMPLE.read_bytes(), ox.RdfFormat.TURTLE)
    remote.bulk_load(path=str(SAMPLE), to_graph=ox.NamedNode(GRAPH))
    remote.flush()
    assert len(remote) == n and remote.count(GRAPH) == n
    dumped = remote.dump()
    assert len(list(ox.parse(dumped, format=ox.RdfFormat.N_TRIPLES))) == n
    remote.dump(tmp_path / "out.ttl", ox.RdfFormat.TURTLE, from_graph=ox.NamedNode(GRAPH))
    assert rdflib.compare.isomorphic(rdflib.Graph().parse(tmp_path / "out.ttl"), rdflib.Graph().parse(SAMPLE))
    with pytest.raises(ValueError, match="base IRI"):
        st.load(remote, SAMPLE, base_iri="http://example.org/")


def test_clear_by_sparql_update(remote, oxigraph):
    remote.load_path(SAMPLE)
    assert remote.count() > 0
    no_gsp = RemoteStore(oxigraph + "/query", update_url=oxigraph + "/update")
    no_gsp.clear()
    assert remote.count() == 0
    with pytest.raises(RemoteError, match="no Graph Store Protocol URL"):
        no_gsp.load_path(SAMPLE)
    with pytest.raises(RemoteError, match="no update URL"):
        RemoteStore(oxigraph + "/query").update("CLEAR ALL")


# -- queries --------------------------------------------------------------------------------------------------------


def test_queries_answer_like_the_embedded_store(remote, embedded):
    load_all(remote)
    agencies = remote.query(AGENCIES)
    assert agencies.names == ["agency", "name"] and [v.value for v in agencies.variables] == ["agency", "name"]
    assert [row["agency"].value for row in agencies] == [
        BASE + "agency/cq-yubei-luoqi", BASE + "agency/huaian-hongze", BASE + "agency/pingtan"]
    assert agencies[2]["name"] == ox.Literal("平潭综合实验区管理委员会", language="zh")
    assert agencies.values()[2] == {"agency": BASE + "agency/pingtan", "name": "平潭综合实验区管理委员会"}
    local = embedded.query(AGENCIES)
    assert [tuple(row) for row in agencies] == [tuple(row) for row in local]
    assert remote.query(COUNT).values() == [{"n": st.count_triples(embedded)}]
    assert remote.query(f"ASK {{ <{BASE}agency/pingtan> ?p ?o }}") is True
    assert remote.query("ASK { <http://nothing> ?p ?o }") is False
    constructed = remote.query(CONSTRUCT)
    assert isinstance(constructed, bytes)
    graph = rdflib.Graph().parse(data=constructed, format="nt")
    assert len(graph) == 8
    assert rdflib.compare.isomorphic(graph, rdflib.Graph().parse(SAMPLE).query(CONSTRUCT).graph)
    described = rdflib.Graph().parse(data=remote.query(f"DESCRIBE <{OBSERVATION}>"), format="nt")
    assert len(described) == 21  # the observation and the blank nodes it reaches, as the embedded store says
    values = remote.query('SELECT (1.5 AS ?d) (2.5e0 AS ?f) (true AS ?b) ("2024-01-02"^^<http://www.w3.org/2001/'
                          'XMLSchema#date> AS ?day) (BNODE() AS ?x) ?unbound {}').values()[0]
    assert values["d"] == rm.Decimal("1.5") and values["f"] == 2.5 and values["b"] is True
    assert str(values["day"]) == "2024-01-02" and values["x"].startswith("_:") and "unbound" not in values


def test_dataset_parameters(remote):
    remote.load_path(SAMPLE, graph=GRAPH)
    assert remote.query(COUNT)[0]["n"].value == "0"
    assert remote.query(COUNT, default_graph=[GRAPH]).values() == [{"n": file_triples(SAMPLE)}]


# -- errors ---------------------------------------------------------------------------------------------------------


def test_server_down_is_a_clear_error(tmp_path):
    url = f"http://127.0.0.1:{free_port()}"
    store = RemoteStore.from_url(url, timeout=5)
    started = time.monotonic()
    with pytest.raises(RemoteUnavailable, match=f"{url}/query cannot be reached") as down:
        store.count()
    assert down.value.url == url + "/query" and down.value.status is None
    with pytest.raises(RemoteUnavailable, match=f"{url}/store"):
        store.load_path(SAMPLE)
    with pytest.raises(RemoteUnavailable):
        asyncio.run(store.aquery("ASK {}"))
    assert time.monotonic() - started < 10
    with pytest.raises(FileNotFoundError):
        store.load_path(tmp_path / "missing.ttl")


def test_bad_requests_carry_the_servers_message(remote, oxigraph):
    with pytest.raises(RemoteRejected) as bad:
        remote.query("SELECT * WHERE { ?s ?p }")
    error = bad.value
    assert error.status == 400 and error.url == oxigraph + "/query"
    assert f"{oxigraph}/query answered POST with 400 Bad Request: error at" in str(error)
    assert error.reason.startswith("error at") and isinstance(error, st.QuerySyntaxError)
    with pytest.raises(RemoteRejected, match=r"/store\?default answered POST with 400 Bad Request: .*[Pp]arser"):
        remote.load(b"this is not turtle <", "text/turtle")
    with pytest.raises(RemoteFailed, match="404") as missing:
        RemoteStore(oxigraph + "/nothing-here").count()
    assert missing.value.status == 404
    with pytest.raises(ValueError, match="unknown RDF format"):
        remote.load(b"", "nonsense")


def test_aquery_rules(remote):
    load_all(remote)

    async def scenario():
        try:
            result = await remote.aquery(AGENCIES, "csv")
            assert result.media_type == "text/csv" and result.count == 3
            assert result.body.decode().splitlines()[3] == f"{BASE}agency/pingtan,平潭综合实验区管理委员会"
            graph = await remote.aquery(f"DESCRIBE <{OBSERVATION}>", "json", "turtle")
            assert graph.count == 21 and b"@prefix xxgk:" in graph.body
            ask = await remote.aquery("ASK {}", "xml")
            assert b"<boolean>true</boolean>" in ask.body
            with pytest.raises(st.ResultLimitExceeded, match="more than 100 solutions"):
                await remote.aquery("SELECT * { ?s ?p ?o }", limit=100)
            with pytest.raises(st.ResultLimitExceeded, match="more than 10 triples"):
                await remote.aquery("CONSTRUCT WHERE { ?s ?p ?o }", limit=10)
            for refused in ("INSERT DATA { <http://a> <http://b> <http://c> }",
                            "SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"):
                with pytest.raises(st.QueryRefused):
                    await remote.aquery(refused)
            started = time.monotonic()
            with pytest.raises(st.QueryTimeout, match="longer than 1 s"):
                await remote.aquery(SLOW, timeout=1)
            assert time.monotonic() - started < 3
        finally:
            await remote.aclose()

    asyncio.run(scenario())
    assert remote.count() > 0  # the update was never sent


# -- xxgk serve DIR --store URL -------------------------------------------------------------------------------------


def make_site(out: Path) -> None:
    """A build directory without a store: the data is in the remote store."""
    for name, text in {"index.html": "<h1>xxgk</h1>", "report/pingtan/2023/index.html": "<h1>平潭 2023</h1>"}.items():
        (out / "site" / name).parent.mkdir(parents=True, exist_ok=True)
        (out / "site" / name).write_text(text, encoding="utf-8")
    (out / "dumps").mkdir()
    (out / "build.json").write_text(json.dumps({"base": BASE}), encoding="utf-8")


def test_serve_answers_from_the_remote_store(remote, oxigraph, tmp_path):
    triples = load_all(remote)
    out = tmp_path / "out"
    make_site(out)
    with serving(out, "--store", oxigraph, "--timeout", "2", "--limit", "1000") as url, \
            httpx.Client(base_url=url, timeout=30) as http:
        count = http.get("/sparql", params={"query": COUNT}, headers={"Accept": "application/sparql-results+json"})
        assert count.status_code == 200
        assert int(count.json()["results"]["bindings"][0]["n"]["value"]) == triples
        agencies = http.post("/sparql", data={"query": AGENCIES, "format": "tsv"})
        assert agencies.status_code == 200 and agencies.headers["content-type"].startswith("text/tab-separated")
        assert agencies.text.splitlines()[3] == f"<{BASE}agency/pingtan>\t\"平潭综合实验区管理委员会\"@zh"
        constructed = http.post("/sparql", content=CONSTRUCT.encode(),
                                headers={"Content-Type": "application/sparql-query", "Accept": "text/turtle"})
        assert constructed.status_code == 200 and constructed.headers["content-type"].startswith("text/turtle")
        assert rdflib.compare.isomorphic(rdflib.Graph().parse(data=constructed.text, format="turtle"),
                                         rdflib.Graph().parse(SAMPLE).query(CONSTRUCT).graph)
        # linked data: a DESCRIBE of the resource, answered by the remote store
        described = http.get("/report/pingtan/2023/cell/requests.new.total", headers={"Accept": "text/turtle"})
        assert described.status_code == 200 and described.headers["content-type"].startswith("text/turtle")
        assert len(rdflib.Graph().parse(data=described.text, format="turtle")) == 21
        agency = http.get("/agency/pingtan", headers={"Accept": "application/n-triples"})
        assert agency.status_code == 200 and f"<{BASE}agency/pingtan>" in agency.text
        page = http.get("/agency/pingtan", headers={"Accept": "text/html"})
        assert page.status_code == 200 and "平潭综合实验区管理委员会" in page.text  # generated from the DESCRIBE
        assert http.get("/report/pingtan/2023", headers={"Accept": "text/html"}).status_code == 303
        assert http.get("/agency/nowhere", headers={"Accept": "text/turtle"}).status_code == 404
        description = http.get("/sparql", headers={"Accept": "text/turtle"})
        assert f"void:triples {triples}" in description.text
        # the same rules as for the embedded store
        update = http.post("/sparql", data={"update": "CLEAR ALL"})
        assert update.status_code == 403 and "read-only" in update.text
        service = http.get("/sparql", params={"query": "SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"})
        assert service.status_code == 403
        malformed = http.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p }"})
        assert malformed.status_code == 400 and malformed.text.startswith("error at")  # oxigraph's parser
        assert oxigraph not in malformed.text
        too_many = http.get("/sparql", params={"query": "SELECT * { ?s ?p ?o }"})
        assert too_many.status_code == 400 and "more than 1000 solutions" in too_many.text
        started = time.monotonic()
        slow = http.get("/sparql", params={"query": SLOW})
        assert slow.status_code == 503 and "longer than 2 s" in slow.text
        assert time.monotonic() - started < 5
        assert http.get("/sparql", params={"query": "ASK {}"}).status_code == 200  # still answering
    assert remote.count() == triples  # nothing was changed through the web server


def test_serve_with_the_remote_store_down(tmp_path):
    from fastapi.testclient import TestClient

    from publisher.server import create_app

    make_site(tmp_path)
    dead = f"http://127.0.0.1:{free_port()}"
    with TestClient(create_app(tmp_path, timeout=2, store_url=dead)) as client:
        down = client.get("/sparql", params={"query": "ASK {}"})
        assert down.status_code == 503 and "does not answer" in down.text and dead not in down.text
        assert client.get("/agency/pingtan", headers={"Accept": "text/turtle"}).status_code == 503
        assert client.get("/", headers={"Accept": "text/html"}).status_code == 200  # the site is still served
    with pytest.raises(ValueError):
        create_app(tmp_path, store_url="http://h/sparql?x=1")


def test_serve_rejects_a_bad_store_url(tmp_path):
    make_site(tmp_path)
    result = subprocess.run([sys.executable, "-m", "publisher.cli", "serve", str(tmp_path), "--port", "9",
                             "--store", "query=ftp://h/q"], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert result.returncode == 2 and "not an http(s) URL" in result.stderr


def test_xxgk_build_loads_into_the_external_store(oxigraph, tmp_path):
    from corpus import FIXTURES

    from publisher.build import build

    result = build([str(FIXTURES / "014_pingtan-2021.html"), str(FIXTURES / "016_pingtan-2023.html")],
                   str(tmp_path / "out"), log=lambda m: None, jobs=1, store_url=oxigraph)
    with RemoteStore.from_url(oxigraph, timeout=30) as store:
        assert store.count() == result.triples
        rows = store.query("PREFIX xxgk: <https://w3id.org/xxgk/def/> SELECT ?r { ?r a xxgk:AnnualReport }")
        assert sorted(r[0].value for r in rows) == sorted(p.uri for p in result.published)
