"""Hard use of the real server: many concurrent clients, and a runaway query among them.

50 clients (threads, each with its own HTTP connection) send a mix of research queries, page
and linked-data requests for LOAD_SECONDS (60 by default, bounded, loopback only). Every answer
must be a success; p50 and p99 are printed. Meanwhile a runaway query must time out (503)
without stalling the others.
"""

from __future__ import annotations

import os
import random
import statistics
import threading
import time

import httpx
import pytest
from corpus import FIXTURES
from servers import serving

from publisher.build import build

CLIENTS = 50
SECONDS = float(os.environ.get("LOAD_SECONDS", "60"))
TIMEOUT = 5
FILES = ["001_huaian-hongze-2023.pdf", "002_huaian-hongze-2024.pdf", "014_pingtan-2021.html", "016_pingtan-2023.html"]
PREFIXES = """PREFIX xxgk: <https://w3id.org/xxgk/def/>
PREFIX qb: <http://purl.org/linked-data/cube#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
"""
QUERIES = [
    # requests received per agency and year
    PREFIXES + """SELECT ?agency ?year ?n WHERE { ?o xxgk:cell <https://w3id.org/xxgk/def/cell/requests.new.total> ;
        xxgk:agency ?agency ; xxgk:period/xxgk:year ?year ; xxgk:count ?n } ORDER BY DESC(?n)""",
    # denials by reason across all reports
    PREFIXES + """SELECT ?reason (SUM(?n) AS ?total) WHERE { ?o xxgk:row ?row ; xxgk:column
        <https://w3id.org/xxgk/def/column/requests.total> ; xxgk:count ?n .
        ?row skos:broader <https://w3id.org/xxgk/def/row/requests.denied> ; skos:prefLabel ?reason
        FILTER(lang(?reason) = "zh") } GROUP BY ?reason ORDER BY DESC(?total)""",
    # observations per state
    PREFIXES + "SELECT ?state (COUNT(?o) AS ?n) WHERE { ?o xxgk:state ?state } GROUP BY ?state",
    PREFIXES + "ASK { ?r a xxgk:AnnualReport }",
]
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    out = tmp_path_factory.mktemp("load") / "out"
    result = build([str(FIXTURES / f) for f in FILES], str(out), log=lambda m: None)
    with serving(out, "--timeout", str(TIMEOUT), "--workers", "2") as url:
        yield url, result


def test_fifty_clients_and_a_runaway_query(server):
    url, result = server
    paths = ["/dumps/manifest.json", "/dumps/SHA256SUMS"]
    paths += ["/" + p.uri.removeprefix("https://w3id.org/xxgk/") for p in result.published]
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop = time.monotonic() + SECONDS

    def client(seed: int) -> None:
        rng = random.Random(seed)
        with httpx.Client(base_url=url, timeout=TIMEOUT * 3) as http:
            while time.monotonic() < stop:
                if rng.random() < 0.6:
                    req = ("GET", "/sparql", {"query": rng.choice(QUERIES)},
                           {"Accept": "application/sparql-results+json"})
                else:
                    req = ("GET", rng.choice(paths), None, {"Accept": rng.choice(["text/turtle", "*/*"])})
                t = time.monotonic()
                try:
                    r = http.request(req[0], req[1], params=req[2], headers=req[3])
                    ok = r.status_code in (200, 303)
                    why = f"{r.status_code} {req[1]} {r.text[:80]}"
                except httpx.HTTPError as e:
                    ok, why = False, f"{type(e).__name__} {req[1]}"
                with lock:
                    latencies.append(time.monotonic() - t)
                    if not ok:
                        errors.append(why)

    runaway: dict = {}

    def run_away() -> None:
        time.sleep(min(5, SECONDS / 4))
        t = time.monotonic()
        r = httpx.get(url + "/sparql", params={"query": RUNAWAY}, timeout=TIMEOUT * 4)
        runaway.update(status=r.status_code, seconds=time.monotonic() - t, text=r.text[:200])

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    threads.append(threading.Thread(target=run_away))
    for t in threads:
        t.start()
    for t in threads:
        t.join(SECONDS + TIMEOUT * 6)
    assert not any(t.is_alive() for t in threads), "a client hung"
    latencies.sort()
    p50 = statistics.median(latencies)
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    print(f"\nload: {len(latencies)} requests from {CLIENTS} clients in {SECONDS:.0f} s, "
          f"{len(errors)} errors, p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms; "
          f"runaway query: {runaway.get('status')} after {runaway.get('seconds', 0):.1f} s")
    assert errors == []
    assert runaway["status"] == 503, runaway
    assert TIMEOUT - 0.5 <= runaway["seconds"] < TIMEOUT * 3
    assert p99 < TIMEOUT  # the runaway query stalled no one past the timeout
