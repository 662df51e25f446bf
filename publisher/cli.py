"""The `xxgk` command: a thin shell over the pipeline."""

from __future__ import annotations

import argparse
import json
import sys

from .output import as_json, as_table
from .pipeline import Failure, parse_file


def _parse(args: argparse.Namespace) -> int:
    failed = 0
    for path in args.files:
        result = parse_file(path)
        if args.format == "jsonl":
            print(json.dumps(as_json(result), ensure_ascii=False), flush=True)
        else:
            print(as_table(result), flush=True)
        failed += isinstance(result, Failure)
    return 1 if failed else 0


def _serve(args: argparse.Namespace) -> int:
    from .server import serve

    try:
        serve(args.dir, host=args.host, port=args.port, timeout=args.timeout, limit=args.limit, workers=args.workers,
              store=args.store)
    except (FileNotFoundError, ValueError) as e:
        print(f"xxgk serve: {e}", file=sys.stderr)
        return 2
    return 0


def _validate(args: argparse.Namespace) -> int:
    from .validate import validate_reports

    reports, failed = [], 0
    for path in args.files:
        result = parse_file(path)
        if isinstance(result, Failure):
            failed += 1
            print(json.dumps({"source": path, "error": result.error}, ensure_ascii=False) if args.format == "jsonl"
                  else f"ERROR {result.error}", flush=True)
        else:
            reports.append(result)
    validations, across = validate_reports(reports)
    for report, v in zip(reports, validations, strict=True):
        findings = v.findings + [f for f in across if f.report == v.report]
        violations = [f for f in findings if f.severity == "violation"]
        warnings = [f for f in findings if f.severity == "warning"]
        unchecked = [f for f in findings if f.severity == "info"]
        failed += bool(violations)
        if args.format == "jsonl":
            print(json.dumps({"source": report.source.path, "report": v.report,
                              "violations": [f.as_json() for f in violations],
                              "warnings": [f.as_json() for f in warnings],
                              "cannot_check": [f.as_json() for f in unchecked]}, ensure_ascii=False), flush=True)
        else:
            print(f"{report.source.path}: {len(violations)} violations, {len(warnings)} warnings, "
                  f"{len(unchecked)} checks not possible (blank or unreadable inputs)")
            for f in violations + warnings:
                print(f"  {f.severity} [{f.rule}] {f.message}")
    return 1 if failed else 0


def _ontology_doc(args: argparse.Namespace) -> int:
    from .ontodoc import render

    print(render(args.outdir))
    return 0


def _build(args: argparse.Namespace) -> int:
    from .build import BuildError, build

    try:
        from .site import render_site
    except ImportError:  # the site module is optional while it is being written
        render_site = None
    try:
        result = build(args.reports, args.out, base=args.base, site=render_site,
                       log=lambda m: print(m, file=sys.stderr, flush=True), jobs=args.jobs,
                       executor_spec=args.executor, use_cache=not args.no_cache, store_url=args.store)
    except BuildError as e:
        print(f"xxgk build: {e}", file=sys.stderr)
        return 2
    print(f"built {result.out}: {len(result.published)} reports, {result.triples} triples, "
          f"{len(result.failures)} files skipped, {result.seconds:.1f} s")
    for f in result.failures:
        print(f"  skipped: {f.error}")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="xxgk", description="Linked open data from Chinese government "
                                 "information-disclosure annual reports.")
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("parse", help="read reports (text, HTML, PDF, DOCX) and print their cells")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--format", choices=("jsonl", "table"), default="table")
    p.set_defaults(run=_parse)
    p = sub.add_parser("build", help="parse, map, validate and publish reports: store, dumps, site")
    p.add_argument("reports", nargs="+", metavar="REPORTS", help="report files or folders of them")
    p.add_argument("--out", required=True, metavar="DIR")
    p.add_argument("--base", default="https://w3id.org/xxgk/", help="base URI of the published resources")
    p.add_argument("--jobs", type=int, default=None, help="worker processes (default: every core)")
    p.add_argument("--executor", default=None, metavar="dask://HOST:PORT",
                   help="run parsing and validation on an existing Dask cluster")
    p.add_argument("--no-cache", action="store_true", help="read every source again")
    p.add_argument("--store", default=None, metavar="URL",
                   help="also load the result into this SPARQL 1.1 server (Graph Store Protocol)")
    p.set_defaults(run=_build)
    p = sub.add_parser("validate", help="check reports against the SHACL shapes: structure and arithmetic")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--format", choices=("jsonl", "text"), default="text")
    p.set_defaults(run=_validate)
    p = sub.add_parser("ontology-doc", help="write the ontology's documentation page (OUTDIR/index.html)")
    p.add_argument("outdir", metavar="OUTDIR")
    p.set_defaults(run=_ontology_doc)
    p = sub.add_parser("serve", help="serve a build directory: SPARQL endpoint, linked data, static site")
    p.add_argument("dir", metavar="DIR", help="the output directory of `xxgk build`")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--timeout", type=float, default=10.0, metavar="S", help="time limit of one query (seconds)")
    p.add_argument("--limit", type=int, default=100_000, metavar="N", help="most results one query may return")
    p.add_argument("--workers", type=int, default=2, metavar="N", help="query worker processes")
    p.add_argument("--store", default=None, metavar="LOCATION",
                   help="answer from this store instead of DIR/store: a directory, or a SPARQL 1.1 server "
                        "(http://HOST:PORT for `oxigraph serve`, or query=URL&store=URL&update=URL)")
    p.set_defaults(run=_serve)
    args = ap.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
