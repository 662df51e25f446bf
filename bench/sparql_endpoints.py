"""Time /sparql on the same data served by three servers, in one run:

* ours: ``xxgk serve`` (publisher/server.py: FastAPI + uvicorn, queries in pyoxigraph worker processes);
* ``oxigraph serve-read-only`` (the Rust server of the PyPI package ``oxigraph``) on the same store;
* ``rdflib-endpoint`` (FastAPI + uvicorn over an in-memory rdflib Graph of the same triples).

Each server gets one keep-alive HTTP connection (httpx). Each query is sent a few times to warm
up, then ``--runs`` times (``--rdflib-runs`` for rdflib-endpoint, which is slow), the servers taking
turns so that they share whatever else the machine is doing; the median latency is printed per
server and query, with the ratios ours/oxigraph (goal ≤ 1.5) and rdflib/ours (goal ≥ 20).

The data: ``--dir DIR`` serves an existing ``xxgk build`` output directory; by default a build
directory is made in a temporary folder from the ontology, tests/fixtures/rdf/sample.ttl and
``--agencies`` synthetic agencies × 3 years × every cell of the code lists, with figures made up.

    pip install -e '.[bench]'
    python bench/sparql_endpoints.py [--agencies 30] [--runs 30]

All servers listen on 127.0.0.1 only and are stopped at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from publisher import store as st  # noqa: E402

BASE = "https://w3id.org/xxgk/"
PREFIXES = """PREFIX xxgk: <https://w3id.org/xxgk/def/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX qb: <http://purl.org/linked-data/cube#>
"""
OVERHEAD = "ASK {}"  # no data touched: the cost of one request, shown apart from the means
QUERIES = {
    "empty ASK (per request)": OVERHEAD,
    "count all triples": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "GROUP BY over concepts": PREFIXES + """SELECT ?scheme (COUNT(?concept) AS ?n) WHERE {
  ?concept a skos:Concept ; skos:inScheme ?scheme .
} GROUP BY ?scheme ORDER BY DESC(?n)""",
    "FILTER on labels": PREFIXES + """SELECT ?concept ?label WHERE {
  ?concept skos:prefLabel ?label .
  FILTER(LANG(?label) = "zh" && CONTAINS(?label, "申请"))
} ORDER BY ?concept""",
    "FILTER on figures": PREFIXES + """SELECT ?report (SUM(?n) AS ?total) WHERE {
  ?obs qb:dataSet ?report ; xxgk:count ?n .
  FILTER(?n >= 50)
} GROUP BY ?report ORDER BY DESC(?total) LIMIT 20""",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def synthetic_turtle(agencies: int, seed: int = 1) -> str:
    """Reports in the shape of publisher/rdf.py: one observation per cell of the code lists."""
    import pyoxigraph as ox

    codes = ox.Store()
    codes.load(path=str(ROOT / "ontology" / "codes.ttl"), format=ox.RdfFormat.TURTLE)
    cells = [(s["c"].value, s["id"].value) for s in codes.query(
        PREFIXES + "SELECT ?c ?id { ?c skos:inScheme xxgk:cells ; skos:notation ?id } ORDER BY ?id")]
    rng = random.Random(seed)
    lines = [PREFIXES.replace("PREFIX", "@prefix").replace(">\n", "> .\n")]
    for a in range(agencies):
        agency = f"<{BASE}agency/synthetic-{a:04d}>"
        lines.append(f'{agency} a xxgk:Agency ; skos:prefLabel "合成机关{a}"@zh .')
        for year in (2022, 2023, 2024):
            report = f"{BASE}report/synthetic-{a:04d}/{year}"
            lines.append(f'<{report}> a xxgk:AnnualReport, qb:DataSet ; xxgk:agency {agency} ; '
                         f'xxgk:year "{year}"^^<http://www.w3.org/2001/XMLSchema#gYear> .')
            for concept, cell_id in cells:
                n = rng.randrange(0, 200)
                lines.append(f'<{report}/cell/{cell_id}> a qb:Observation ; qb:dataSet <{report}> ; '
                             f'xxgk:agency {agency} ; xxgk:cell <{concept}> ; xxgk:state xxgk:Number ; '
                             f'xxgk:count {n} ; xxgk:printed "{n}" .')
    return "\n".join(lines) + "\n"


def make_build(out: Path, agencies: int) -> None:
    store = st.open_store(out / "store")
    for path in sorted((ROOT / "ontology").glob("*.ttl")):
        st.load(store, path)
    st.load(store, ROOT / "tests" / "fixtures" / "rdf" / "sample.ttl")
    if agencies:
        st.load(store, synthetic_turtle(agencies).encode(), "text/turtle")
    del store
    (out / "build.json").write_text(json.dumps({"base": BASE}))


def dump_ntriples(store_dir: Path, target: Path) -> int:
    import pyoxigraph as ox

    store = ox.Store.read_only(str(store_dir))
    store.dump(str(target), ox.RdfFormat.N_QUADS)  # all in the default graph: N-Quads without graphs = N-Triples
    return len(store)


def serve_rdflib(ntriples: str, port: int) -> None:
    """Child-process mode: rdflib-endpoint over an rdflib Graph of `ntriples`."""
    import rdflib
    import uvicorn
    from rdflib_endpoint import SparqlEndpoint

    graph = rdflib.Graph()
    graph.parse(ntriples, format="nt")
    app = SparqlEndpoint(graph=graph, path="/sparql", cors_enabled=True)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


def wait_up(url: str, process: subprocess.Popen, seconds: float = 600) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the server exited with {process.returncode}")
        try:
            r = httpx.get(url, params={"query": "ASK { ?s ?p ?o }"},
                          headers={"Accept": "application/sparql-results+json"}, timeout=5)
            if r.status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url}: not up after {seconds} s")


class Capped(Exception):
    """rdflib-endpoint did not answer within the cap."""


def time_queries(clients: dict[str, httpx.Client], urls: dict[str, str], query: str, runs: dict[str, int],
                 warmup: int = 3, cap: float = 60.0) -> tuple[dict[str, list[float]], dict[str, int], set[str]]:
    """Latencies of `query` on each server; the servers take turns, so that they share the noise.

    A server that does not answer within `cap` seconds (only rdflib-endpoint ever does) is given
    no more runs of this query; its name is returned in the third item, and its figure is a
    lower bound: the cap.
    """
    headers = {"Accept": "application/sparql-results+json"}
    samples: dict[str, list[float]] = {name: [] for name in urls}
    rows: dict[str, int] = {}
    capped: set[str] = set()
    first = {name: warmup if runs[name] >= warmup else 1 for name in urls}  # a slow server warms up once
    for i in range(max(first[name] + runs[name] for name in urls)):
        for name, url in urls.items():
            if i >= first[name] + runs[name] or name in capped:
                continue
            started = time.perf_counter()
            try:
                response = clients[name].get(url, params={"query": query}, headers=headers,
                                             timeout=cap if name == "rdflib-endpoint" else 600)
            except httpx.TimeoutException:
                capped.add(name)
                samples[name] = [cap]
                continue
            elapsed = time.perf_counter() - started
            response.raise_for_status()
            if i == 0:
                doc = response.json()
                rows[name] = len(doc["results"]["bindings"]) if "results" in doc else 1
            if i >= first[name]:
                samples[name].append(elapsed)
    return samples, rows, capped


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile, nearest rank (p99 of 30 runs is the slowest)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dir", type=Path, help="an existing build directory (default: make one)")
    ap.add_argument("--agencies", type=int, default=30, help="synthetic agencies (×3 reports) when making the data")
    ap.add_argument("--gallery", action="store_true", help="time the gallery queries (default with --dir)")
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--rdflib-runs", type=int, default=5)
    ap.add_argument("--rdflib", action=argparse.BooleanOptionalAction, default=True,
                    help="also serve with rdflib-endpoint (its in-memory graph needs ~1.5 KB of RAM per triple)")
    ap.add_argument("--rdflib-cap", type=float, default=60.0,
                    help="seconds to wait for rdflib-endpoint per request; beyond it the ratio is a lower bound")
    ap.add_argument("--serve-rdflib", nargs=2, metavar=("NT", "PORT"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.serve_rdflib:
        serve_rdflib(args.serve_rdflib[0], int(args.serve_rdflib[1]))
        return 0

    oxigraph = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    if not Path(oxigraph).exists():
        sys.exit("the oxigraph server is missing: pip install -e '.[bench]'")
    tmp = Path(tempfile.mkdtemp(prefix="xxgk-bench-"))
    processes: list[subprocess.Popen] = []
    try:
        out = args.dir
        if out is None:
            out = tmp / "build"
            started = time.monotonic()
            make_build(out, args.agencies)
            print(f"built the store in {time.monotonic() - started:.1f} s", flush=True)
        nt = tmp / "all.nt"
        if args.rdflib:
            triples = dump_ntriples(out / "store", nt)
        else:  # no dump needed: count in the store
            import pyoxigraph as ox

            triples = len(ox.Store.read_only(str(out / "store")))
        print(f"{triples} triples", flush=True)

        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
        ports = {name: free_port() for name in ("ours", "oxigraph", "rdflib-endpoint")}
        commands = {
            "ours": [sys.executable, "-m", "publisher.cli", "serve", str(out), "--port", str(ports["ours"]),
                     "--timeout", "120", "--limit", "10000000"],
            "oxigraph": [oxigraph, "serve-read-only", "--location", str(out / "store"),
                         "--bind", f"127.0.0.1:{ports['oxigraph']}"],
            "rdflib-endpoint": [sys.executable, __file__, "--serve-rdflib", str(nt), str(ports["rdflib-endpoint"])],
        }
        if not args.rdflib:
            del commands["rdflib-endpoint"]
        urls = {name: f"http://127.0.0.1:{ports[name]}" + ("/query" if name == "oxigraph" else "/sparql")
                for name in commands}
        servers: dict[str, subprocess.Popen] = {}

        def start(name: str) -> None:
            log = open(tmp / f"{name}.log", "ab")  # noqa: SIM115 - lives as long as the server
            servers[name] = subprocess.Popen(commands[name], stdout=log, stderr=subprocess.STDOUT, env=env)
            processes.append(servers[name])

        def restart(name: str) -> None:
            servers[name].kill()
            servers[name].wait()
            start(name)
            wait_up(urls[name], servers[name])

        for name in commands:
            start(name)
        for name, url in urls.items():
            started = time.monotonic()
            wait_up(url, servers[name])
            print(f"{name} up in {time.monotonic() - started:.1f} s at {url}", flush=True)

        queries = dict(QUERIES)
        if args.dir is not None or args.gallery:  # the research queries of the site's gallery
            from publisher.site import gallery

            queries = {"empty ASK (per request)": OVERHEAD}
            queries |= {f"gallery: {q['name']}"[:26]: q["query"] for q in gallery()}
        results: dict[str, dict[str, float]] = {}
        bounded: set[str] = set()  # queries where rdflib-endpoint hit the cap
        print(f"\nlatency over {args.runs} runs ({args.rdflib_runs} for rdflib-endpoint, capped at "
              f"{args.rdflib_cap:.0f} s), milliseconds: p50 (p99)")
        print(f"{'query':26} {'rows':>5} {'ours':>17} {'oxigraph':>17} {'rdflib-ep':>10} {'ours/oxi':>9} "
              f"{'rdflib/ours':>12}")
        runs = {name: args.rdflib_runs if name == "rdflib-endpoint" else args.runs for name in urls}
        clients = {name: httpx.Client(timeout=600) for name in urls}
        for label, query in queries.items():
            samples, rows, capped = time_queries(clients, urls, query, runs, cap=args.rdflib_cap)
            r = results[label] = {name: statistics.median(v) for name, v in samples.items()}
            p99 = {name: percentile(v, 99) for name, v in samples.items()}
            if capped:  # it still works on the query: start it afresh, so the next query is not queued behind
                bounded.add(label)
                restart("rdflib-endpoint")
            mismatch = "" if len(set(rows.values())) == 1 else f"  rows differ: {rows}"
            sign = "≥" if capped else " "
            rdflib = (f"{sign}{r['rdflib-endpoint'] * 1e3:9.0f}", f"{sign}{r['rdflib-endpoint'] / r['ours']:11.1f}") \
                if args.rdflib else (f"{'-':>10}", f"{'-':>12}")
            print(f"{label:26} {rows['ours']:>5} {r['ours'] * 1e3:8.2f} ({p99['ours'] * 1e3:6.1f}) "
                  f"{r['oxigraph'] * 1e3:8.2f} ({p99['oxigraph'] * 1e3:6.1f}) "
                  f"{rdflib[0]} {r['ours'] / r['oxigraph']:9.2f} {rdflib[1]}{mismatch}", flush=True)
        for client in clients.values():
            client.close()
        data = [r for label, r in results.items() if queries[label] != OVERHEAD]
        ours_vs_oxi = statistics.geometric_mean(r["ours"] / r["oxigraph"] for r in data)
        if not args.rdflib:
            print(f"\n{triples} triples; geometric mean over the {len(data)} data queries: ours/oxigraph "
                  f"{ours_vs_oxi:.2f} (goal ≤ 1.5); rdflib-endpoint not run (--no-rdflib)")
            return 0
        rdflib_vs_ours = statistics.geometric_mean(r["rdflib-endpoint"] / r["ours"] for r in data)
        least = min(r["rdflib-endpoint"] / r["ours"] for r in data)
        sign = "≥ " if bounded else ""
        print(f"\n{triples} triples; geometric mean over the {len(data)} data queries: ours/oxigraph "
              f"{ours_vs_oxi:.2f} (goal ≤ 1.5), rdflib-endpoint/ours {sign}{rdflib_vs_ours:.1f} (goal ≥ 20; "
              f"least {least:.1f}); rdflib-endpoint hit the {args.rdflib_cap:.0f} s cap on {len(bounded)}, "
              "so those ratios are lower bounds")
        return 0
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
