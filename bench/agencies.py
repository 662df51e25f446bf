"""Agency identity at national scale: `agencies.resolve` against the pairwise rule it replaced.

    .venv/bin/python bench/agencies.py [--names 2000,8000,20000] [--pairwise-max 8000]

`resolve` finds the longer names that end with each name from an index of every name's tails,
linear in the names. The peer, measured in the same run on the same names, is the rule as it was
written first: every name compared with every other, quadratic (some 200,000 names a year
nationally). Names are generated as places (one to three) before a body, so that many are tails of
others, some ambiguous. The pairwise peer runs only up to `--pairwise-max` names.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from publisher.agencies import MIN_TAIL, resolve  # noqa: E402
from publisher.normalize import fold  # noqa: E402


def pairwise(names: list[str]) -> dict[str, str]:
    """The peer: each name's parent found by comparing it with every other name."""
    keys = sorted({fold(n) for n in names if n}, key=len)
    parent = {k: k for k in keys}
    for short in keys:
        longer = [k for k in keys if len(k) > len(short) and k.endswith(short)]
        tops = {k for k in longer if not any(o != k and o.endswith(k) for o in longer)}
        if len(tops) == 1 and len(short) >= MIN_TAIL:
            parent[short] = min(longer, key=len)
    return parent


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--names", default="2000,8000,20000")
    ap.add_argument("--pairwise-max", type=int, default=8000)
    args = ap.parse_args(argv)
    rng = random.Random(7)
    places = [a + b for a in "淮南福江湖广山河云贵四陕甘青新西"
              for b in ("安市", "京市", "州市", "宁区", "城区", "关镇", "阳县")]
    bodies = ["人民政府", "人民政府办公室", "教育局", "财政局", "公安局", "卫生健康委员会"]
    for n in (int(x) for x in args.names.split(",")):
        names = sorted({"".join(rng.sample(places, rng.randint(1, 3))) + rng.choice(bodies) for _ in range(n)})
        started = time.perf_counter()
        resolve(names)
        ours = time.perf_counter() - started
        line = f"{len(names)} distinct names: resolve {ours:.3f} s"
        if len(names) <= args.pairwise_max:
            started = time.perf_counter()
            pairwise(names)
            peer = time.perf_counter() - started
            line += f"; peer (pairwise rule) {peer:.3f} s = {peer / ours:.1f}x resolve's time"
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
