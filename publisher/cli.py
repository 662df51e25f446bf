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


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="xxgk", description="Linked open data from Chinese government "
                                 "information-disclosure annual reports.")
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("parse", help="read reports (text, HTML, PDF, DOCX) and print their cells")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--format", choices=("jsonl", "table"), default="table")
    p.set_defaults(run=_parse)
    args = ap.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
