"""Incremental rebuilds of an existing publication, against a full build measured before.

    python bench/rebuild.py --reports DIR/raw --out DIR/out --full-seconds S [--times 2]

`build_scale.py` times a full build and one rebuild in the same run; this times more rebuilds of
the publication it left (a catch-up build first, so the cache holds what this code keeps), each
after appending a byte to another report, and prints each as a share of the full build's `S`
seconds (the peer, named in every line).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_scale import run_build  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reports", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--full-seconds", type=float, required=True, help="the full build's seconds (the peer)")
    ap.add_argument("--times", type=int, default=2)
    args = ap.parse_args(argv)
    seconds, _, meta = run_build(args.reports, args.out, 2, cache=True)
    print(f"catch-up build: {seconds:.1f} s, read again {meta['parsed_again']}", flush=True)
    files = sorted(args.reports.iterdir())
    for k in range(args.times):
        victim = files[(len(files) // 2 + 1 + k * len(files) // 7) % len(files)]
        victim.write_bytes(victim.read_bytes() + b"\n")
        seconds, peak, meta = run_build(args.reports, args.out, 2, cache=True)
        print(f"rebuild after changing 1 of {len(files)}: {seconds:.1f} s = "
              f"{100 * seconds / args.full_seconds:.2f} % of the full build ({args.full_seconds:.1f} s; goal < 2 %), "
              f"peak RSS {peak:.0f} MiB, read again {meta['parsed_again']}, agencies rendered again "
              f"{meta.get('rendered_again')}; seconds by step: {meta.get('phases')}; build process peak MiB by step: "
                  f"{meta.get('peak_mib')}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
