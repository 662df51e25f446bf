"""Reading the value of one cell, and splitting digits that ran together, only where certain.

A value is a number, blank ('', '/', '-', '—': the report leaves it empty) or unreadable. Money
is normalised to 万元 from the unit the cell or its header prints; '无' is 0.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from .model import State

BLANK_MARKS = {"", "/", "-", "—", "——", "–", "－", "\\", "／", "—/—", "-/-", "…", "……", "--", "---"}
ZERO_WORDS = {"无", "0件", "零"}
_BLANK = {unicodedata.normalize("NFKC", m) for m in BLANK_MARKS}  # as cells are compared: '…' is '...'
_YUAN_PER = {"元": Decimal("0.0001"), "万元": Decimal(1), "万": Decimal(1),
             "亿元": Decimal(10000), "亿": Decimal(10000)}
_COUNT_UNITS = ("件", "个", "项", "条", "次", "人", "家", "份", "宗")
_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")
_GROUPED = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?")
_SPACED = re.compile(r"\d{1,3}( \d{3})+")


@dataclass(frozen=True)
class Value:
    state: State
    number: Decimal | None = None
    problem: str | None = None  # why it is unreadable


def unit_in(text: str) -> str | None:
    """The money unit a header or cell prints: '元', '万元' (or '万'), '亿元'; None when none."""
    t = unicodedata.normalize("NFKC", text)
    for unit in ("亿元", "万元", "元", "万", "亿"):
        if unit in t:
            return unit
    return None


def read_value(text: str, money: bool = False, header_unit: str | None = None, signed: bool = False) -> Value:
    """Read one printed cell. Never guesses: what is not plainly a number is unreadable."""
    t = unicodedata.normalize("NFKC", text).replace("\u00a0", " ").strip()
    t = t.replace("−", "-").replace("—", "—")
    if t in _BLANK or set(t) <= set("/-—–－ "):
        return Value(State.BLANK)
    if t in ZERO_WORDS:
        return Value(State.NUMBER, Decimal(0))
    unit = None
    if money:
        for u in ("亿元", "万元", "元", "万", "亿"):
            if t.endswith(u):
                unit, t = u, t[: -len(u)].strip()
                break
    else:
        for u in _COUNT_UNITS:
            if t.endswith(u):
                t = t[:-1].strip()
                break
    if _SPACED.fullmatch(t):
        t = t.replace(" ", "")
    if _GROUPED.fullmatch(t):
        t = t.replace(",", "")
    if t.startswith(("+", "-")) and not signed:  # counts and amounts are never negative
        return Value(State.UNREADABLE, problem=f"a sign where none belongs: {text!r}")
    if not _NUMBER.fullmatch(t):
        return Value(State.UNREADABLE, problem=f"not a number: {text!r}")
    try:
        n = Decimal(t)
    except InvalidOperation:
        return Value(State.UNREADABLE, problem=f"not a number: {text!r}")
    if money:
        unit = unit or header_unit
        if n == 0:  # nothing is nothing in any unit
            return Value(State.NUMBER, Decimal(0))
        if unit is None:
            return Value(State.UNREADABLE, problem=f"amount {text!r} prints no unit (元 or 万元)")
        return Value(State.NUMBER, _clean(n * _YUAN_PER[unit]))
    if n != n.to_integral_value():
        return Value(State.UNREADABLE, problem=f"a count with decimals: {text!r}")
    return Value(State.NUMBER, Decimal(int(n)))


def _clean(d: Decimal) -> Decimal:
    d = d.normalize()
    return d.quantize(Decimal(1)) if d == d.to_integral_value() else d


# -- digits that ran together ---------------------------------------------------------------

_PART = re.compile(r"[+-]?(0|[1-9]\d*)(\.\d+)?")


def split_run(text: str, n: int) -> list[str | None] | None:
    """Split a run of n cells whose boundaries were lost ('0 0 00', '898989') where certain.

    Spaces are real boundaries; every cell is a number written without leading zeros. Every way
    of cutting the run into n such numbers is considered (by dynamic programming, so long runs
    stay cheap); a cell is read only when all of them agree on it, else it is None. Returns None
    when the run cannot be n cells at all.
    """
    t = unicodedata.normalize("NFKC", text).replace("\u00a0", " ").strip()
    groups = t.split()
    if not groups or any(not re.fullmatch(r"[0-9.+-]+", g) for g in groups):
        return None
    s = "".join(groups)
    forced = set()
    pos = 0
    for g in groups[:-1]:
        pos += len(g)
        forced.add(pos)
    L = len(s)

    def valid(i: int, j: int) -> bool:
        return _PART.fullmatch(s, i, j) is not None and not any(i < b < j for b in forced)

    ends = [[j for j in range(i + 1, L + 1) if valid(i, j)] for i in range(L)]
    # reach[k]: positions where a prefix cut into k cells can end; back[k]: starts of a suffix of k cells
    reach = [set() for _ in range(n + 1)]
    reach[0].add(0)
    for k in range(n):
        for i in reach[k]:
            if i < L:
                reach[k + 1].update(ends[i])
    if L not in reach[n]:
        return None
    back = [set() for _ in range(n + 1)]
    back[0].add(L)
    for k in range(1, n + 1):
        back[k] = {i for i in range(L) if any(j in back[k - 1] for j in ends[i])}
    out: list[str | None] = []
    for k in range(n):
        seen = {s[i:j] for i in reach[k] if i < L for j in ends[i] if j in back[n - k - 1]}
        values = {Decimal(v) for v in seen}
        out.append(seen.pop() if len(values) == 1 else None)
    return out
