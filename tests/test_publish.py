"""A real build served by the real server: the endpoint, the dumps and linked data agree."""

from __future__ import annotations

import gzip

import httpx
import pytest
import rdflib
from corpus import FIXTURES
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from servers import serving
from SPARQLWrapper import JSON, SPARQLWrapper

from publisher.build import build

FILES = [FIXTURES / "001_huaian-hongze-2023.pdf", FIXTURES / "002_huaian-hongze-2024.pdf"]
QB = "http://purl.org/linked-data/cube#"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("publish") / "out"
    result = build([str(f) for f in FILES], str(out), log=lambda m: None)
    with serving(out, "--timeout", "5") as url:
        yield url, result


def test_count_of_the_endpoint_equals_the_ntriples_dump(site):
    url, result = site
    sw = SPARQLWrapper(url + "/sparql")
    sw.setQuery("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }")
    sw.setReturnFormat(JSON)
    n = int(sw.queryAndConvert()["results"]["bindings"][0]["n"]["value"])
    lines = gzip.open(result.out / "dumps" / "xxgk.nt.gz", "rt", encoding="utf-8").read().splitlines()
    assert n == len(lines) == result.triples


def test_rdflib_sparqlstore_reads_the_agency_under_one_uri(site):
    url, _ = site
    g = rdflib.Graph(SPARQLStore(url + "/sparql"))
    rows = list(g.query("""PREFIX xxgk: <https://w3id.org/xxgk/def/>
        SELECT DISTINCT ?agency WHERE { ?r a xxgk:AnnualReport ; xxgk:agency ?agency }"""))
    assert len(rows) == 1  # 洪泽区人民政府 (2023) and 淮安市洪泽区人民政府 (2024)


def test_a_report_uri_dereferences_for_machines_and_browsers(site):
    url, result = site
    path = result.published[0].uri.removeprefix("https://w3id.org/xxgk/")
    r = httpx.get(f"{url}/{path}", headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    g = rdflib.Graph().parse(data=r.text, format="turtle")
    assert (rdflib.URIRef(result.published[0].uri), rdflib.RDF.type, rdflib.URIRef(QB + "DataSet")) in g
    cell = httpx.get(f"{url}/{path}/cell/requests.new.total", headers={"Accept": "application/n-triples"})
    assert cell.status_code == 200 and "requests.new.total" in cell.text
    page = httpx.get(f"{url}/{path}", headers={"Accept": "text/html"}, follow_redirects=False)
    has_page = (result.out / "site" / path / "index.html").exists()
    assert page.status_code == (303 if has_page else 200)  # no page yet: a generated view


def test_validation_reports_are_in_the_store(site):
    url, _ = site
    r = httpx.get(url + "/sparql", params={"query": """PREFIX sh: <http://www.w3.org/ns/shacl#>
        PREFIX xxgk: <https://w3id.org/xxgk/def/>
        SELECT ?report (COUNT(?res) AS ?n) WHERE { ?vr a sh:ValidationReport ; xxgk:about ?report ; sh:result ?res .
          ?res sh:resultSeverity sh:Warning } GROUP BY ?report"""},
                  headers={"Accept": "application/sparql-results+json"})
    rows = r.json()["results"]["bindings"]
    assert any(int(b["n"]["value"]) == 2 for b in rows)  # 洪泽区 2023: two review-total warnings


def test_published_source_files_download_and_never_run_here(site):
    url, result = site
    source = result.published[0].report.source
    r = httpx.get(f"{url}/sources/{source.sha256}.pdf")
    assert r.status_code == 200
    assert r.headers["content-disposition"].startswith("attachment")
    assert "sandbox" in r.headers["content-security-policy"]
    import hashlib

    assert hashlib.sha256(r.content).hexdigest() == source.sha256
