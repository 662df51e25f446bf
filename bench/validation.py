"""SHACL validation time: per report (pyshacl) and across reports (the corpus rules over pyoxigraph vs rdflib).

    .venv/bin/python bench/validation.py [--reports 1000] [--jobs 2] [--rdflib-reports 100] [--budget 900]

1. The real reports of tests/fixtures: each is mapped to RDF once and validated `--repeat` times with
   `publisher.validate.validate_graph` (pyshacl, every per-report shape); the median is printed.
2. A synthetic set of `--reports` reports: copies of those fixtures under new agency names
   (`report.agency` renamed before mapping), four consecutive years per agency (2020-2023; the copy's
   year is set, its figures kept), so that the cross-year rules have work to do. Each report is mapped
   and validated in a process pool of `--jobs` workers. When the corpus median says the whole set would
   take longer than `--budget` seconds, only the first `--sample` reports are validated and the time
   for the whole set is extrapolated (printed as such).
3. The corpus rules (`publisher.validate.validate_store`: carry-over, in-force, one report per agency
   and year) over a pyoxigraph store of the whole set; then the same SELECT queries with rdflib's
   engine on an rdflib Graph of the first `--rdflib-reports` reports, against pyoxigraph on the same
   subset, and the ratio. For comparison it also times `validate_batch`, the build's way of running the
   per-report SPARQL constraints for every report of the store at once.

Times are wall-clock (time.perf_counter).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import platform
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pyoxigraph as ox  # noqa: E402
import pyshacl  # noqa: E402
import rdflib  # noqa: E402

from publisher.agencies import Agency, resolve, slug  # noqa: E402
from publisher.model import Report  # noqa: E402
from publisher.pipeline import Failure, parse_file  # noqa: E402
from publisher.rdf import URIs, agency_graph, ontology_graph, report_graph  # noqa: E402
from publisher.validate import corpus_queries, validate_batch, validate_graph, validate_store  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"
TRUTH = FIXTURES / "truth"
YEARS = (2020, 2021, 2022, 2023)
CORPUS: list[Report] = []  # filled before the pool forks, so the workers share it


def corpus() -> list[Report]:
    paths = sorted(p for p in FIXTURES.iterdir() if p.is_file() and (TRUTH / f"{p.stem}.json").exists())
    out = []
    for p in paths:
        r = parse_file(str(p))
        if isinstance(r, Failure):
            sys.exit(f"bench: {r.error}")
        out.append(r)
    return out


def synthetic(i: int) -> tuple[Report, Agency]:
    """Report i of the synthetic set: a fixture under agency i // 4, in year 2020 + i % 4."""
    template = CORPUS[i % len(CORPUS)]
    name = f"测试省第{i // len(YEARS) + 1}号市人民政府"
    report = replace(template, agency=name, year=YEARS[i % len(YEARS)], title=None)
    return report, Agency(slug(name), name, {name})


def graph_of(report: Report, agency: Agency) -> rdflib.Graph:
    uris = URIs()
    return report_graph(report, agency, uris) + agency_graph(agency, uris)


def work(task: tuple[int, bool]) -> tuple[float | None, int, int, int, bytes]:
    """Map report i, validate it if asked; (seconds, violations, warnings, infos, its N-Triples)."""
    i, check = task
    report, agency = synthetic(i)
    g = graph_of(report, agency)
    seconds, counts = None, (0, 0, 0)
    if check:
        start = time.perf_counter()
        v = validate_graph(g, str(URIs().report(agency.slug, report.year)))
        seconds = time.perf_counter() - start
        counts = (len(v.of("violation")), len(v.of("warning")), len(v.of("info")))
    return seconds, *counts, g.serialize(format="nt", encoding="utf-8")


def rdflib_corpus_rules(g: rdflib.Graph) -> int:
    return sum(len(list(g.query(query))) for _, _, query, _, _ in corpus_queries())


def load(ntriples: list[bytes]) -> ox.Store:
    store = ox.Store()
    for nt in ntriples:
        store.bulk_load(nt, ox.RdfFormat.N_TRIPLES)
    return store


def median_of_3(fn, *args):
    """The median seconds of three calls, and what the last returned."""
    runs = []
    for _ in range(3):
        start = time.perf_counter()
        out = fn(*args)
        runs.append(time.perf_counter() - start)
    return statistics.median(runs), out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reports", type=int, default=1000, help="size of the synthetic set (default 1000)")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes for the synthetic set (default 2)")
    ap.add_argument("--repeat", type=int, default=3, help="validations of each fixture (default 3)")
    ap.add_argument("--budget", type=float, default=900, help="seconds the synthetic validation may take "
                    "before only --sample reports are validated and the rest extrapolated (default 900)")
    ap.add_argument("--sample", type=int, default=100, help="reports validated when over budget (default 100)")
    ap.add_argument("--rdflib-reports", type=int, default=100,
                    help="reports of the synthetic set the rdflib comparison runs on (default 100)")
    a = ap.parse_args()
    print(f"Python {platform.python_version()}, pyshacl {pyshacl.__version__}, rdflib {rdflib.__version__}, "
          f"pyoxigraph {ox.__version__ if hasattr(ox, '__version__') else '?'}, {mp.cpu_count()} cores")

    # 1. the fixtures, one by one
    CORPUS.extend(corpus())
    agencies = resolve([r.agency for r in CORPUS])
    per_report = []
    graphs = []
    for r in CORPUS:
        agency = agencies[r.agency]
        graphs.append((graph_of(r, agency), str(URIs().report(agency.slug, r.year))))
    validate_graph(*graphs[0])  # warm up: imports, shapes, ontology
    for g, uri in graphs:
        runs = []
        for _ in range(a.repeat):
            start = time.perf_counter()
            validate_graph(g, uri)
            runs.append(time.perf_counter() - start)
        per_report.append(statistics.median(runs))
    median = statistics.median(per_report)
    print(f"\n1. per-report validation (pyshacl, all per-report shapes), {len(CORPUS)} fixtures x {a.repeat}:")
    print(f"   median {median:.2f} s/report (min {min(per_report):.2f}, max {max(per_report):.2f}); "
          f"{len(graphs[0][0])}-{max(len(g) for g, _ in graphs)} triples per report + the ontology")

    # 2. the synthetic set, in a process pool
    n, jobs = a.reports, a.jobs
    estimate = median * n / jobs
    sample = n if estimate <= a.budget else min(a.sample, n)
    print(f"\n2. synthetic set: {n} reports ({n // len(YEARS)} agencies x {len(YEARS)} years), {jobs} processes; "
          f"estimated {estimate / 60:.1f} min to validate all" +
          ("" if sample == n else f" > budget {a.budget / 60:.0f} min: validating {sample}, extrapolating"))
    tasks = [(i, i < sample) for i in range(n)]
    start = time.perf_counter()
    with mp.get_context("fork").Pool(jobs) as pool:
        results = []
        validated_at = None
        for k, res in enumerate(pool.imap(work, tasks, chunksize=4), 1):
            results.append(res)
            if k == sample:
                validated_at = time.perf_counter() - start
            if k % 100 == 0:
                print(f"   {k}/{n} mapped, {min(k, sample)} validated, {time.perf_counter() - start:.0f} s",
                      flush=True)
    total = time.perf_counter() - start
    times = [r[0] for r in results if r[0] is not None]
    viol, warn, info = (sum(r[i] for r in results) for i in (1, 2, 3))
    print(f"   validated {len(times)} reports in {validated_at:.0f} s wall with {jobs} processes: "
          f"median {statistics.median(times):.2f} s/report in a worker, "
          f"{validated_at / len(times):.3f} s/report throughput")
    if sample < n:
        print(f"   EXTRAPOLATED to {n}: {validated_at / len(times) * n / 60:.1f} min")
    else:
        print(f"   all {n}: {validated_at / 60:.1f} min")
    print(f"   findings: {viol} violations, {warn} warnings, {info} cannot-check; "
          f"mapping all {n} took {total:.0f} s in total")
    ntriples = [r[4] for r in results]

    # 3. the corpus rules: pyoxigraph on everything, then both engines on a subset
    start = time.perf_counter()
    store = load(ntriples)
    loaded = time.perf_counter() - start
    triples = len(store)
    ox_all, findings = median_of_3(validate_store, store)
    by_rule = {}
    for f in findings:
        by_rule[f.rule] = by_rule.get(f.rule, 0) + 1
    print(f"\n3. corpus rules (carry-over, in-force, one report per agency and year) over all {n} reports:")
    print(f"   pyoxigraph: {triples} triples loaded in {loaded:.1f} s; validate_store {ox_all:.3f} s "
          f"(median of 3), {len(findings)} findings {dict(sorted(by_rule.items()))}")

    # for comparison: the build's way (publisher.build) of running the per-report SPARQL constraints,
    # over the same store at once (the core shapes still run per report with pyshacl)
    store.bulk_load(ontology_graph().serialize(format="nt", encoding="utf-8"), ox.RdfFormat.N_TRIPLES)
    start = time.perf_counter()
    batch = validate_batch(store)
    print(f"   (per-report SPARQL constraints of all {n} reports at once, validate_batch: "
          f"{time.perf_counter() - start:.1f} s, {len(batch)} findings)")

    m = min(a.rdflib_reports, n)
    sub = load(ntriples[:m])
    ox_sub, ox_findings = median_of_3(validate_store, sub)
    start = time.perf_counter()
    g = rdflib.Graph()
    for nt in ntriples[:m]:
        g.parse(data=nt, format="nt")
    rdflib_loaded = time.perf_counter() - start
    start = time.perf_counter()
    rdflib_rows = rdflib_corpus_rules(g)
    rdf_sub = time.perf_counter() - start
    print(f"   the same queries on the first {m} reports ({len(g)} triples): "
          f"pyoxigraph {ox_sub:.3f} s, rdflib {rdf_sub:.2f} s (loaded in {rdflib_loaded:.0f} s); "
          f"rows {len(ox_findings)} / {rdflib_rows}")
    print(f"   ratio rdflib / pyoxigraph = {rdf_sub / ox_sub:.0f}x")
    if rdflib_rows != len(ox_findings):
        print("   WARNING: the engines disagree on the number of findings")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
