"""Parse throughput on the real reports of tests/fixtures, by kind, and the PDF reader against pdfplumber.

    .venv/bin/python bench/parse_throughput.py [--repeat N] [--clock cpu|wall]

Each kind (text, HTML, PDF, DOCX) is parsed end to end with publisher.pipeline.parse_file, N times
over all its fixtures; the median pass gives reports per second. In the same run, plain pdfplumber
text and table extraction (`page.extract_text()` and `page.extract_tables()` on every page) of the
same PDFs is timed, interleaved pass by pass with ours, and our PDF time is printed as a ratio of it
(goal: at most 1.3x). The default clock is this process's CPU time, which other work on a shared
machine disturbs far less than wall time.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import pdfplumber

from publisher.pipeline import Failure, parse_file

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
KINDS = {
    "text": sorted(FIXTURES.glob("*.txt")) + sorted((FIXTURES / "garbled").glob("*.txt")),
    "html": sorted(FIXTURES.glob("*.html")),
    "pdf": sorted(FIXTURES.glob("*.pdf")),
    "docx": sorted(FIXTURES.glob("*.docx")),
}
GOAL = 1.3


def ours(files: list[Path]) -> None:
    for path in files:
        result = parse_file(str(path))
        if isinstance(result, Failure):
            sys.exit(f"bench: {result.error}")


def plain_pdfplumber(files: list[Path]) -> None:
    for path in files:
        with pdfplumber.open(str(path)) as pdf:
            for page in pdf.pages:
                page.extract_text()
                page.extract_tables()


def timed(fn, files: list[Path], clock) -> float:
    start = clock()
    fn(files)
    return clock() - start


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=7, metavar="N", help="passes over each kind (default 7)")
    ap.add_argument("--clock", choices=("cpu", "wall"), default="cpu")
    a = ap.parse_args()
    clock = time.process_time if a.clock == "cpu" else time.perf_counter

    for files in KINDS.values():  # warm up: imports, the code lists, pdfminer's caches of fonts
        ours(files)
    plain_pdfplumber(KINDS["pdf"])

    print(f"parse throughput, median of {a.repeat} passes ({a.clock} time)")
    medians = {}
    for kind, files in KINDS.items():
        runs = [timed(ours, files, clock) for _ in range(a.repeat)]
        medians[kind] = statistics.median(runs)
        size = sum(p.stat().st_size for p in files) / 1024
        per = medians[kind] / len(files)
        print(f"  {kind:<5} {len(files):>2} reports {size:>7.0f} KB  {per * 1000:>8.1f} ms/report"
              f"  {1 / per:>8.1f} reports/s")

    pdfs = KINDS["pdf"]
    pages = 0
    for path in pdfs:
        with pdfplumber.open(str(path)) as pdf:
            pages += len(pdf.pages)
    mine, theirs = [], []
    for _ in range(a.repeat):  # interleaved, so both see the same machine
        theirs.append(timed(plain_pdfplumber, pdfs, clock))
        mine.append(timed(ours, pdfs, clock))
    m, t = statistics.median(mine), statistics.median(theirs)
    print(f"pdf: {len(pdfs)} reports, {pages} pages")
    print(f"  pdfplumber extract_text + extract_tables  {t:.3f} s")
    print(f"  xxgk parse_file (read, extract, parse)    {m:.3f} s")
    ratio = m / t
    print(f"ratio: ours / pdfplumber = {ratio:.2f}x (goal <= {GOAL}x) {'ok' if ratio <= GOAL else 'TOO SLOW'}")
    return 0 if ratio <= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
