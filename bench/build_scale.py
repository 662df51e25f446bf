"""Build throughput at scale: reports/s per core by input format, 1 → 2 cores, incremental rebuilds.

    python bench/build_scale.py [--reports 1000] [--formats txt,html,docx,pdf] [--work DIR]

For each format it generates a synthetic corpus (bench/synth.py: N reports, truth beside them),
then times `xxgk build` on it (no cache) with 1 and with 2 worker processes, each in a subprocess
whose peak resident memory is read from the kernel (RUSAGE_CHILDREN: the largest single process of
the build, the main one or a worker, not their sum), then the
incremental rebuild after changing one report (goal: under 2 % of the full build). It prints one
line per measurement and a table at the end. The peer each figure is measured against is named
in the line: the same build on 1 core, or the full build.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))


def run_build(reports: Path, out: Path, jobs: int, cache: bool) -> tuple[float, float, dict]:
    """Wall seconds, peak RSS (MiB) of the build's largest process, and build.json."""
    command = [sys.executable, "-m", "publisher.cli", "build", str(reports), "--out", str(out), "--jobs", str(jobs)]
    if not cache:
        command.append("--no-cache")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    # a wrapper process, so that RUSAGE_CHILDREN covers exactly this build and its workers
    wrapper = ("import resource, subprocess, sys; r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, "
               "stderr=subprocess.DEVNULL); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); "
               "sys.exit(r.returncode)")
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", wrapper, *command], capture_output=True, text=True, env=env)
    seconds = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(f"build failed: {' '.join(command)}\n{done.stderr[-2000:]}")
    peak_mib = int(done.stdout.strip().splitlines()[-1]) / 1024
    return seconds, peak_mib, json.loads((out / "build.json").read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reports", type=int, default=1000)
    ap.add_argument("--formats", default="txt,html,docx,pdf")
    ap.add_argument("--work", type=Path, default=None, help="where corpora and builds go (default: a temp dir)")
    ap.add_argument("--cores", default="1,2",
                    help="worker processes to time the full build with (default 1,2; 0: none, only the rebuild)")
    ap.add_argument("--incremental", action=argparse.BooleanOptionalAction, default=True,
                    help="also time the rebuild after changing one report (default on)")
    args = ap.parse_args(argv)
    import synth

    work = args.work or Path(tempfile.mkdtemp(prefix="xxgk-scale-"))
    rows = []
    for fmt in [f.strip() for f in args.formats.split(",") if f.strip()]:
        corpus = work / f"corpus-{fmt}-{args.reports}"
        years = list(range(2019, 2026))
        agencies = max(1, -(-args.reports // len(years)))
        if not (corpus / "raw").exists():
            started = time.monotonic()
            synth.generate(corpus, agencies=agencies, years=years, formats=fmt, seed=7, log=lambda m: None)
            print(f"[{fmt}] generated {sum(1 for _ in (corpus / 'raw').iterdir())} reports in "
                  f"{time.monotonic() - started:.0f} s", flush=True)
        raw = corpus / "raw"
        files = sorted(raw.iterdir())
        n = len(files)
        timings = {}
        cores = [int(c) for c in args.cores.split(",") if c.strip() and c.strip() != "0"]
        for jobs in cores:
            out = work / f"out-{fmt}-{jobs}"
            shutil.rmtree(out, ignore_errors=True)
            seconds, peak, meta = run_build(raw, out, jobs, cache=False)
            timings[jobs] = seconds
            print(f"[{fmt}] {n} reports, {jobs} core(s): {seconds:.1f} s, {n / seconds:.2f} reports/s "
                  f"({n / seconds / jobs:.2f} per core), peak RSS {peak:.0f} MiB, {meta['counts']['triples']} triples, "
                  f"{meta['counts']['reports']} reports published; seconds by step: {meta.get('phases')}; "
                  f"build process peak MiB by step: "
                  f"{meta.get('peak_mib')}", flush=True)
            rows.append((fmt, n, jobs, seconds, peak))
        if 1 in timings and 2 in timings:
            print(f"[{fmt}] scaling 1 → 2 cores: {timings[1] / timings[2]:.2f}× (peer: the same build on 1 core)",
                  flush=True)
        if not args.incremental:
            continue
        out = work / f"out-{fmt}-inc"
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(out.parent / f".{out.name}.cache", ignore_errors=True)
        full, full_peak, full_meta = run_build(raw, out, 2, cache=True)
        print(f"[{fmt}] full build with the cache, 2 cores: {full:.1f} s, peak RSS {full_peak:.0f} MiB; seconds by "
              f"step: {full_meta.get('phases')}; build process peak MiB by step: "
              f"{full_meta.get('peak_mib')}", flush=True)
        victim = files[len(files) // 2]
        if fmt in ("txt", "html"):
            victim.write_bytes(victim.read_bytes() + b"\n")
        else:  # append bytes a PDF or DOCX reader ignores
            victim.write_bytes(victim.read_bytes() + b"\0")
        again, peak, meta = run_build(raw, out, 2, cache=True)
        print(f"[{fmt}] incremental rebuild after changing 1 of {n}: {again:.1f} s = {100 * again / full:.1f} % "
              f"of the full build ({full:.1f} s; goal < 2 %), read again: {meta['parsed_again']}; seconds by step: "
              f"{meta.get('phases')}; build process peak MiB by step: "
                  f"{meta.get('peak_mib')}", flush=True)
        rows.append((fmt, n, "rebuild", again, peak))
    print("\nformat  reports  cores     seconds  reports/s/core  peak MiB")
    for fmt, n, jobs, seconds, peak in rows:
        per_core = "" if jobs == "rebuild" else f"{n / seconds / jobs:14.2f}"
        print(f"{fmt:6} {n:8} {jobs!s:>7} {seconds:10.1f} {per_core:>15} {peak:9.0f}")
    print(f"\nthis process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
