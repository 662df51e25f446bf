"""Who published a report: one agency, one URI, across years and variants of its name.

Reports print the agency's name in their title, sometimes with the parent's name in front
(洪泽区人民政府 one year, 淮安市洪泽区人民政府 the next). Identity rule:

1. names are compared without spaces and with full/half width folded;
2. two names are the same agency when they are equal, or when the shorter is the tail of the
   longer (淮安市 + 洪泽区人民政府) and that tail is unambiguous in the collection: it is the tail
   of exactly one longer name (鼓楼区人民政府 next to both 南京市鼓楼区人民政府 and
   福州市鼓楼区人民政府 stays an agency of its own, since we cannot tell which one it is);
3. the agency's URI slug is built from its shortest name (pinyin, plus a short digest of the name
   so that homophones never collide), so the URI does not change when a longer variant appears.
   The preferred label is the longest, most qualified name.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from pypinyin import lazy_pinyin

from .normalize import fold

MIN_TAIL = 4  # a shorter name (人民政府, 政府) is never taken for the tail of a longer one


@dataclass
class Agency:
    slug: str
    name: str  # the most qualified name seen
    variants: set[str] = field(default_factory=set)


def slug(name: str) -> str:
    key = fold(name)
    letters = re.sub(r"[^a-z0-9]+", "", "".join(lazy_pinyin(key)).lower()) or "agency"
    return f"{letters[:60]}-{hashlib.sha1(key.encode('utf-8')).hexdigest()[:6]}"


def resolve(names: list[str]) -> dict[str, Agency]:
    """Map every name (as printed) to its Agency."""
    keys = sorted({fold(n) for n in names if n}, key=len)
    parent: dict[str, str] = {k: k for k in keys}
    # the longer names that end with each name, from every name's tails (of MIN_TAIL characters or
    # more) that are names too: a national collection has some 200,000 names, too many to compare
    # pairwise
    longer: dict[str, list[str]] = {}
    for k in keys:
        for i in range(1, len(k) - MIN_TAIL + 1):
            if k[i:] in parent:
                longer.setdefault(k[i:], []).append(k)
    for short, ends in longer.items():
        # the longest names that end with this one, up to variants of each other: those no name ends with
        tops = [k for k in ends if k not in longer]
        if len(tops) == 1:  # one chain of longer names: the same agency
            parent[short] = min(ends, key=len)

    def root(k: str) -> str:
        while parent[k] != k:
            k = parent[k]
        return k
    groups: dict[str, list[str]] = {}
    for k in keys:
        groups.setdefault(root(k), []).append(k)
    printed: dict[str, str] = {}  # folded key -> the name as a report prints it
    for n in names:
        if n:
            printed.setdefault(fold(n), " ".join(n.split()))
    by_key: dict[str, Agency] = {}
    for members in groups.values():
        members.sort(key=len)
        agency = Agency(slug(members[0]), printed[members[-1]], {printed[m] for m in members})
        for m in members:
            by_key[m] = agency
    return {n: by_key[fold(n)] for n in names if n}
