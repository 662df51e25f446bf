"""Reports as JSON lines (the contract of ../shared/tools/score) and as tables for a person."""

from __future__ import annotations

from decimal import Decimal

from .codes import codes
from .model import Report, State
from .pipeline import Failure


def number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def as_json(result: Report | Failure) -> dict:
    if isinstance(result, Failure):
        return {"source": result.source, "error": result.error}
    r = result
    return {
        "source": r.source.path,
        "agency": r.agency,
        "year": r.year,
        "format": r.format,
        "published": r.published,
        "sha256": r.source.sha256,
        "media_type": r.source.media_type,
        "cells": {cid: number(c.value) for cid, c in r.cells.items()},
        "unreadable": sorted(cid for cid, c in r.cells.items() if c.state is State.UNREADABLE),
        "where": {cid: str(c.where) for cid, c in r.cells.items() if c.where},
        "narrative": r.narrative,
        "warnings": r.warnings,
    }


def as_table(result: Report | Failure) -> str:
    if isinstance(result, Failure):
        return f"ERROR {result.error}\n"
    r = result
    c = codes()
    out = [f"{r.source.path}", f"  agency {r.agency}  year {r.year}  format {r.format}  published {r.published}"]
    section = None
    for spec in sorted(c.cells.values(), key=lambda s: s.order):
        cell = r.cells.get(spec.id)
        if cell is None:
            continue
        if spec.section != section:
            section = spec.section
            out.append(f"  {c.sections[section].label_zh}")
        shown = {State.NUMBER: str(number(cell.value)), State.BLANK: "(blank)", State.UNREADABLE: "?? UNREADABLE"}
        out.append(f"    {spec.label_zh:<40} {shown[cell.state]:>14}   {spec.id}")
    for w in r.warnings:
        out.append(f"  warning: {w}")
    return "\n".join(out) + "\n"
