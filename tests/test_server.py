"""The SPARQL endpoint and linked-data server, driven over HTTP by real clients.

The server runs as `xxgk serve` (python -m publisher.cli serve) in a subprocess on a free loopback
port, over a build directory made in tmp_path: a store holding the ontology and
tests/fixtures/rdf/sample.ttl, a small stand-in site, a dump and build.json.
"""

from __future__ import annotations

import gzip
import http.client as http_client
import json
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import rdflib
import rdflib.compare
from rdflib import RDF, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from servers import serving
from SPARQLWrapper import CSV, GET, JSON, JSONLD, N3, POST, POSTDIRECTLY, RDFXML, TSV, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from publisher import store as st

pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "tests" / "fixtures" / "rdf" / "sample.ttl"
BASE = "https://w3id.org/xxgk/"
DEF = BASE + "def/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
TIMEOUT = 2.0
LIMIT = 1000
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # ~10^11 rows: never finishes
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
AGENCIES = f"""PREFIX xxgk: <{DEF}>
PREFIX skos: <{SKOS}>
SELECT ?agency ?name WHERE {{ ?agency a xxgk:Agency ; skos:prefLabel ?name }} ORDER BY ?agency"""
OBSERVATION = BASE + "report/pingtan/2023/cell/requests.new.total"


@dataclass
class Server:
    url: str
    out: Path
    triples: int

    @property
    def sparql(self) -> str:
        return self.url + "/sparql"


def make_build(out: Path) -> int:
    store = st.open_store(out / "store")
    for path in [*sorted((ROOT / "ontology").glob("*.ttl")), SAMPLE]:
        st.load(store, path)
    triples = st.count_triples(store)
    del store  # closed: the server's workers open it read-only
    pages = {"index.html": "<h1>xxgk</h1>", "agency/pingtan/index.html": "<h1>平潭</h1>",
             "report/pingtan/2023/index.html": "<h1>平潭 2023</h1>", "en/agency/pingtan/index.html": "<h1>Pingtan</h1>",
             "404.html": "<h1>not here</h1>", "assets/app.css": "body{}"}
    for name, text in pages.items():
        (out / "site" / name).parent.mkdir(parents=True, exist_ok=True)
        (out / "site" / name).write_text(text, encoding="utf-8")
    (out / "site" / "agency" / "pingtan.ttl").write_bytes(SAMPLE.read_bytes())
    (out / "dumps").mkdir()
    (out / "dumps" / "xxgk.nt.gz").write_bytes(gzip.compress(b"<http://a> <http://b> <http://c> .\n"))
    (out / "build.json").write_text(json.dumps({"base": BASE}), encoding="utf-8")
    return triples


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    out = tmp_path_factory.mktemp("build")
    triples = make_build(out)
    with serving(out, "--timeout", str(TIMEOUT), "--limit", str(LIMIT)) as url:
        yield Server(url, out, triples)


@pytest.fixture()
def http(server):
    with httpx.Client(base_url=server.url, timeout=30) as client:
        yield client


def wrapper(server: Server, query: str, fmt: str, method: str = GET) -> SPARQLWrapper:
    w = SPARQLWrapper(server.sparql)
    w.setQuery(query)
    w.setReturnFormat(fmt)
    w.setMethod(method)
    return w


# -- SPARQLWrapper -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", [GET, POST, POSTDIRECTLY])
def test_sparqlwrapper_select_json(server, method):
    w = wrapper(server, AGENCIES, JSON, POST if method == POSTDIRECTLY else method)
    if method == POSTDIRECTLY:
        w.setRequestMethod(POSTDIRECTLY)
    doc = w.query().convert()
    assert [b["agency"]["value"] for b in doc["results"]["bindings"]] == [
        BASE + "agency/cq-yubei-luoqi", BASE + "agency/huaian-hongze", BASE + "agency/pingtan"]
    assert doc["results"]["bindings"][2]["name"] == {"type": "literal", "value": "平潭综合实验区管理委员会",
                                                     "xml:lang": "zh"}


def test_sparqlwrapper_select_xml_csv_tsv(server):
    document = wrapper(server, AGENCIES, XML).query().convert()
    uris = [node.firstChild.data for node in document.getElementsByTagName("uri")]
    assert uris == [BASE + "agency/cq-yubei-luoqi", BASE + "agency/huaian-hongze", BASE + "agency/pingtan"]
    csv = wrapper(server, AGENCIES, CSV, POST).query().convert().decode()
    assert csv.splitlines()[0] == "agency,name"
    assert csv.splitlines()[3] == f"{BASE}agency/pingtan,平潭综合实验区管理委员会"
    tsv = wrapper(server, AGENCIES, TSV).query().convert().decode()
    assert tsv.splitlines()[0] == "?agency\t?name"
    assert tsv.splitlines()[3] == f"<{BASE}agency/pingtan>\t\"平潭综合实验区管理委员会\"@zh"


def test_sparqlwrapper_ask_and_count(server):
    assert wrapper(server, f"ASK {{ <{BASE}agency/pingtan> ?p ?o }}", JSON).query().convert()["boolean"] is True
    assert wrapper(server, "ASK { <http://nothing> ?p ?o }", XML).query().convert().getElementsByTagName(
        "boolean")[0].firstChild.data == "false"
    doc = wrapper(server, COUNT, JSON, POST).query().convert()
    assert int(doc["results"]["bindings"][0]["n"]["value"]) == server.triples


CONSTRUCT = f"""PREFIX xxgk: <{DEF}>
CONSTRUCT {{ ?obs xxgk:count ?n ; xxgk:agency ?agency }} WHERE {{ ?obs xxgk:count ?n ; xxgk:agency ?agency }}"""


def expected_construct() -> rdflib.Graph:
    return rdflib.Graph().parse(SAMPLE).query(CONSTRUCT).graph


@pytest.mark.parametrize("fmt", [TURTLE, JSONLD, RDFXML, "ntriples"])
def test_sparqlwrapper_construct(server, fmt):
    if fmt == "ntriples":  # SPARQLWrapper has no N-Triples format: ask for it by content negotiation only
        w = wrapper(server, CONSTRUCT, N3, POST)
        w.setOnlyConneg(True)
        w.addCustomHttpHeader("Accept", "application/n-triples")
        response = w.query()
        assert response.response.headers["Content-Type"].startswith("application/n-triples")
        graph = rdflib.Graph().parse(data=response.convert(), format="nt")
    else:
        result = wrapper(server, CONSTRUCT, fmt).query().convert()
        graph = rdflib.Graph().parse(data=result, format="turtle") if fmt == TURTLE else result
    assert len(graph) == 8
    assert rdflib.compare.isomorphic(graph, expected_construct())


def test_sparqlwrapper_describe_keeps_blank_node_closure(server):
    graph = wrapper(server, f"DESCRIBE <{OBSERVATION}>", RDFXML).query().convert()
    assert len(graph) == 21
    derivation = graph.value(URIRef(OBSERVATION), URIRef("http://www.w3.org/ns/prov#qualifiedDerivation"))
    position = graph.value(derivation, URIRef(DEF + "cellPosition"))
    assert int(graph.value(position, URIRef(DEF + "column"))) == 8


def test_sparqlwrapper_errors(server):
    with pytest.raises(QueryBadFormed, match="error at"):
        wrapper(server, "SELECT * WHERE { ?s ?p }", JSON).query()
    update = wrapper(server, "INSERT DATA { <http://a> <http://b> <http://c> }", JSON, POST)
    assert update.isSparqlUpdateRequest()
    with pytest.raises(urllib.error.HTTPError) as refused:
        update.query()
    assert refused.value.code == 403 and b"read-only" in refused.value.read()
    doc = wrapper(server, COUNT, JSON).query().convert()
    assert int(doc["results"]["bindings"][0]["n"]["value"]) == server.triples  # nothing was inserted


# -- rdflib's SPARQLStore ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST", "POST_FORM"])
def test_rdflib_sparqlstore(server, method):
    graph = rdflib.Graph(store=SPARQLStore(server.sparql, method=method))
    assert len(graph) == server.triples
    rows = list(graph.query(AGENCIES))
    assert [str(r.agency) for r in rows][-1] == BASE + "agency/pingtan"
    assert str(rows[-1].name) == "平潭综合实验区管理委员会" and rows[-1].name.language == "zh"
    agency = URIRef(BASE + "agency/pingtan")
    assert (agency, RDF.type, URIRef(DEF + "Agency")) in graph
    labels = {str(o) for o in graph.objects(agency, URIRef(SKOS + "altLabel"))}
    assert labels == {"平潭综合实验区管委会"}
    assert graph.query(f"ASK {{ <{OBSERVATION}> ?p ?o }}").askAnswer is True
    constructed = graph.query(CONSTRUCT).graph
    assert rdflib.compare.isomorphic(constructed, expected_construct())


# -- the protocol, over httpx --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("accept", "fmt", "media"), [
    ("application/sparql-results+json", None, "application/sparql-results+json"),
    ("application/sparql-results+xml", None, "application/sparql-results+xml"),
    ("text/csv", None, "text/csv"),
    ("text/tab-separated-values", None, "text/tab-separated-values"),
    ("text/html,application/xhtml+xml,*/*;q=0.8", None, "application/sparql-results+json"),
    (None, "xml", "application/sparql-results+xml"),
    ("application/sparql-results+json", "tsv", "text/tab-separated-values"),
])
def test_select_negotiation(http, accept, fmt, media):
    params = {"query": AGENCIES} | ({"format": fmt} if fmt else {})
    response = http.get("/sparql", params=params, headers={"Accept": accept} if accept else {})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media)
    assert "平潭综合实验区管理委员会" in response.text


@pytest.mark.parametrize(("accept", "fmt", "media", "parse_as"), [
    ("text/turtle", None, "text/turtle", "turtle"),
    ("application/n-triples", None, "application/n-triples", "nt"),
    ("application/ld+json", None, "application/ld+json", "json-ld"),
    ("application/rdf+xml", None, "application/rdf+xml", "xml"),
    (None, None, "text/turtle", "turtle"),
    ("application/sparql-results+json", "jsonld", "application/ld+json", "json-ld"),
    (None, "ntriples", "application/n-triples", "nt"),
    (None, "rdfxml", "application/rdf+xml", "xml"),
])
def test_construct_negotiation(http, accept, fmt, media, parse_as):
    params = {"query": CONSTRUCT} | ({"format": fmt} if fmt else {})
    response = http.get("/sparql", params=params, headers={"Accept": accept} if accept else {})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media)
    graph = rdflib.Graph().parse(data=response.content, format=parse_as)
    assert rdflib.compare.isomorphic(graph, expected_construct())


def test_post_bodies(http, server):
    form = http.post("/sparql", data={"query": COUNT}, headers={"Accept": "text/csv"})
    assert form.status_code == 200 and form.text.split() == ["n", str(server.triples)]
    direct = http.post("/sparql", content=COUNT.encode(), headers={"Content-Type": "application/sparql-query"})
    assert direct.status_code == 200 and direct.json()["results"]["bindings"][0]["n"]["value"] == str(server.triples)
    assert http.post("/sparql", content=b"x", headers={"Content-Type": "text/plain"}).status_code == 415
    assert http.post("/sparql", data={"format": "json"}).status_code == 400
    assert http.get("/sparql", params=[("query", COUNT), ("query", COUNT)]).status_code == 400


def test_dataset_parameters(http):
    empty = http.get("/sparql", params={"query": COUNT, "default-graph-uri": "http://example.org/none"})
    assert empty.json()["results"]["bindings"][0]["n"]["value"] == "0"


def test_updates_are_refused(http):
    update = "INSERT DATA { <http://a> <http://b> <http://c> }"
    by_form = http.post("/sparql", data={"update": update})
    assert by_form.status_code == 403 and "read-only" in by_form.text
    direct = http.post("/sparql", content=update, headers={"Content-Type": "application/sparql-update"})
    assert direct.status_code == 403 and "read-only" in direct.text
    as_query = http.post("/sparql", data={"query": update})
    assert as_query.status_code == 403
    ask = http.get("/sparql", params={"query": "ASK { <http://a> <http://b> <http://c> }"})
    assert ask.json()["boolean"] is False


def test_service_is_refused(http):
    for query in ("SELECT * WHERE { SERVICE <http://example.org/> { ?s ?p ?o } }",
                  "SELECT * WHERE { SERVICE SILENT <http://127.0.0.1:9/> { ?s ?p ?o } }"):
        response = http.get("/sparql", params={"query": query})
        assert response.status_code == 403 and "SERVICE" in response.text


def test_malformed_query(http):
    response = http.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p "})
    assert response.status_code == 400
    assert response.text.startswith("error at 1:")


def test_huge_query(http, server):
    huge = "SELECT * WHERE { ?s ?p ?o } # " + "很" * 40_000  # 120 kB of UTF-8
    assert http.post("/sparql", data={"query": huge}).status_code == 413
    assert http.post("/sparql", content=huge.encode(), headers={"Content-Type": "application/sparql-query"}
                     ).status_code == 413
    url = server.sparql + "?" + urllib.parse.urlencode({"query": huge})  # httpx refuses so long a URL; urllib does not
    with pytest.raises(urllib.error.HTTPError) as too_large:
        urllib.request.urlopen(url, timeout=10)
    assert too_large.value.code == 413
    assert http.post("/sparql", content=b"q" * 2_000_000, headers={"Content-Type": "application/sparql-query"}
                     ).status_code == 413


def test_not_utf8(http):
    assert http.get("/sparql?query=ASK%20%7B%7D%FF").status_code == 400
    body = b"ASK { ?s ?p '\xff' }"
    response = http.post("/sparql", content=body, headers={"Content-Type": "application/sparql-query"})
    assert response.status_code == 400 and "UTF-8" in response.text
    form = http.post("/sparql", content=b"query=ASK%7B%7D%C3%28",
                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert form.status_code == 400


def test_result_limit(http):
    too_many = http.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
    assert too_many.status_code == 400
    assert f"more than {LIMIT} solutions" in too_many.text
    graph = http.get("/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"})
    assert graph.status_code == 400 and f"more than {LIMIT} triples" in graph.text
    limited = http.get("/sparql", params={"query": f"SELECT * WHERE {{ ?s ?p ?o }} LIMIT {LIMIT}"})
    assert limited.status_code == 200 and len(limited.json()["results"]["bindings"]) == LIMIT


def test_timeout_keeps_the_server_responsive(server):
    def slow():
        started = time.monotonic()
        response = httpx.get(server.sparql, params={"query": SLOW}, timeout=30)
        return response, time.monotonic() - started

    with ThreadPoolExecutor(1) as executor, httpx.Client(timeout=30) as client:
        future = executor.submit(slow)
        time.sleep(0.3)
        quick = []
        for _ in range(5):
            started = time.monotonic()
            response = client.get(server.sparql, params={"query": COUNT})
            quick.append(time.monotonic() - started)
            assert response.status_code == 200
        assert not future.done(), "the slow query should still be running"
        response, seconds = future.result()
    assert response.status_code == 503
    assert f"longer than {TIMEOUT:g} s" in response.text
    assert TIMEOUT <= seconds < TIMEOUT + 3
    assert max(quick) < 1.0, quick
    after = httpx.get(server.sparql, params={"query": "ASK { ?s ?p ?o }"}, timeout=10)
    assert after.status_code == 200 and after.json()["boolean"] is True


def test_cors(http):
    response = http.get("/sparql", params={"query": "ASK {}"}, headers={"Origin": "https://example.org"})
    assert response.headers["access-control-allow-origin"] == "*"
    assert http.get("/no/such/thing").headers["access-control-allow-origin"] == "*"
    preflight = http.request("OPTIONS", "/sparql", headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert preflight.headers["access-control-allow-headers"] == "content-type"


def test_service_description(http, server):
    response = http.get("/sparql", headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/turtle")
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    sd = "http://www.w3.org/ns/sparql-service-description#"
    service = URIRef(server.sparql)
    assert (service, RDF.type, URIRef(sd + "Service")) in graph
    assert (service, URIRef(sd + "supportedLanguage"), URIRef(sd + "SPARQL11Query")) in graph
    assert int(next(graph.objects(None, URIRef("http://rdfs.org/ns/void#triples")))) == server.triples
    as_jsonld = http.get("/sparql", headers={"Accept": "application/ld+json"})
    assert rdflib.compare.isomorphic(rdflib.Graph().parse(data=as_jsonld.content, format="json-ld"), graph)
    assert http.get("/sparql").headers["content-type"].startswith("text/turtle")  # no Accept: the description


def test_query_page(http, server):
    builtin = http.get("/sparql", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert builtin.status_code == 200 and builtin.headers["content-type"].startswith("text/html")
    assert '<form method="get" action="/sparql">' in builtin.text
    page = server.out / "site" / "sparql" / "index.html"
    page.parent.mkdir(exist_ok=True)
    page.write_text("<html><body><div id='yasgui'></div></body></html>", encoding="utf-8")
    try:
        assert "yasgui" in http.get("/sparql", headers={"Accept": "text/html"}).text
    finally:
        page.unlink()


# -- linked data ---------------------------------------------------------------------------------------------------

RDF_TYPES = [("text/turtle", "turtle"), ("application/n-triples", "nt"), ("application/ld+json", "json-ld"),
             ("application/rdf+xml", "xml")]


@pytest.mark.parametrize(("path", "page"), [
    ("/agency/pingtan", "/agency/pingtan/"),
    ("/report/pingtan/2023", "/report/pingtan/2023/"),
    ("/en/agency/pingtan", "/en/agency/pingtan/"),
])
def test_browsers_are_sent_to_the_page(http, path, page):
    for accept in ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "*/*", None):
        response = http.get(path, headers={"Accept": accept} if accept else {})
        assert response.status_code == 303, (path, accept)
        assert response.headers["location"] == page
        assert "Accept" in response.headers["vary"]
    followed = http.get(path, headers={"Accept": "text/html"}, follow_redirects=True)
    assert followed.status_code == 200 and followed.text.startswith("<h1>")


@pytest.mark.parametrize(("accept", "parse_as"), RDF_TYPES)
def test_machines_get_the_description(http, accept, parse_as):
    response = http.get("/report/pingtan/2023/cell/requests.new.total", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(accept)
    graph = rdflib.Graph().parse(data=response.content, format=parse_as)
    assert len(graph) == 21  # the outgoing triples, and those of the blank nodes they reach
    subject = URIRef(OBSERVATION)
    assert int(graph.value(subject, URIRef(DEF + "count"))) == 132
    assert {s for s in graph.subjects() if isinstance(s, URIRef)} == {subject}

    agency = http.get("/agency/pingtan", headers={"Accept": accept})
    graph = rdflib.Graph().parse(data=agency.content, format=parse_as)
    assert (URIRef(BASE + "agency/pingtan"), RDF.type, URIRef(DEF + "Agency")) in graph


def test_ontology_terms_dereference(http):
    concept = http.get("/def/cell/requests.new.total", headers={"Accept": "text/turtle"})
    assert concept.status_code == 200
    graph = rdflib.Graph().parse(data=concept.text, format="turtle")
    assert (URIRef(DEF + "cell/requests.new.total"), RDF.type, URIRef(SKOS + "Concept")) in graph
    ontology = http.get("/def/", headers={"Accept": "text/turtle"})
    graph = rdflib.Graph().parse(data=ontology.text, format="turtle")
    assert (URIRef(DEF), RDF.type, URIRef("http://www.w3.org/2002/07/owl#Ontology")) in graph
    # no page in this site: a generated view, with links that stay on this server
    view = http.get("/def/cell/requests.new.total", headers={"Accept": "text/html"})
    assert view.status_code == 200 and 'href="/def/row/requests.new"' in view.text


def test_unknown_resources_are_404(http):
    for accept in ("text/turtle", "application/ld+json", "text/html"):
        response = http.get("/agency/no-such-agency", headers={"Accept": accept})
        assert response.status_code == 404, accept
    assert http.get("/report/pingtan/1999", headers={"Accept": "text/turtle"}).status_code == 404
    assert http.get("/agency/<bad>", headers={"Accept": "text/turtle"}).status_code == 404


def test_static_files(http, server):
    home = http.get("/")
    assert home.status_code == 200 and home.text == "<h1>xxgk</h1>"
    page = http.get("/agency/pingtan/")
    assert page.status_code == 200 and "平潭" in page.text
    ttl = http.get("/agency/pingtan.ttl")
    assert ttl.status_code == 200 and ttl.headers["content-type"].startswith("text/turtle")
    assert ttl.content == SAMPLE.read_bytes()
    css = http.get("/assets/app.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    dump = http.get("/dumps/xxgk.nt.gz")
    assert dump.status_code == 200 and dump.headers["content-type"] == "application/gzip"
    assert "content-encoding" not in dump.headers
    assert gzip.decompress(dump.content).startswith(b"<http://a>")
    missing = http.get("/no/such/page/")
    assert missing.status_code == 404 and "not here" in missing.text
    assert http.get("/dumps/nothing.ttl").status_code == 404
    for raw in ("/../../etc/passwd", "/agency/../../build.json", "/..%2F..%2Fbuild.json"):  # sent as is
        connection = http_client.HTTPConnection("127.0.0.1", int(server.url.rsplit(":", 1)[1]), timeout=10)
        connection.request("GET", raw, headers={"Accept": "text/html"})
        response = connection.getresponse()
        assert response.status == 404 and b'"base"' not in response.read(), raw
        connection.close()


@pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")
def test_def_paths_name_the_fixed_ontology_namespace(server):
    """With another base (a test deployment), resources move with it; /def/ stays the w3id namespace."""
    from fastapi.testclient import TestClient

    from publisher.server import create_app

    app = create_app(server.out, timeout=5, limit=100, workers=1, base="http://localhost:8000/")
    with TestClient(app) as client:
        turtle = {"Accept": "text/turtle"}
        assert client.get("/agency/pingtan", headers=turtle).status_code == 404  # the store uses the w3id base
        concept = client.get("/def/cell/requests.new.total", headers=turtle)
        assert concept.status_code == 200 and "skos:Concept" in concept.text


def test_serve_without_a_store(tmp_path):
    result = subprocess.run([sys.executable, "-m", "publisher.cli", "serve", str(tmp_path), "--port", "9"],
                            capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert result.returncode == 2 and "no store" in result.stderr
