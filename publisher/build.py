"""`xxgk build`: parse, map, validate and publish a folder of reports into one output directory.

The new publication is written beside the old one and swapped in only when complete, so a
failed or killed build leaves the previous publication as it was.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from .agencies import resolve
from .codes import codes
from .dumps import write_dumps
from .model import Report, State
from .pipeline import Failure, parse_file
from .published import PublishedReport
from .rdf import DEFAULT_BASE, URIs, agency_graph, ontology_graph, report_graph
from .validate import Finding, validate_graph, validate_store

SUFFIXES = {".txt", ".text", ".html", ".htm", ".shtml", ".pdf", ".docx"}
PREFERENCE = {"text/html": 0, "application/vnd.openxmlformats-officedocument.wordprocessingml.document": 1,
              "application/pdf": 2, "text/plain": 3}


@dataclass
class BuildResult:
    out: Path
    published: list[PublishedReport] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    triples: int = 0
    seconds: float = 0.0


def sources(paths: list[str]) -> list[str]:
    out: list[str] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            out += sorted(str(f) for f in path.rglob("*") if f.is_file() and f.suffix.lower() in SUFFIXES)
        else:
            out.append(str(path))
    return out


def _unreadable(r: Report) -> int:
    return sum(c.state is State.UNREADABLE for c in r.cells.values())


def choose(reports: list[Report], uri: str) -> tuple[Report, list[Report], list[Finding]]:
    """One report from several files of it: the most readable, then HTML > DOCX > PDF > text.

    Every cell on which two files disagree is a finding.
    """
    ranked = sorted(reports, key=lambda r: (_unreadable(r), PREFERENCE.get(r.source.media_type, 9), r.source.path))
    best, rest = ranked[0], ranked[1:]
    findings = []
    for other in rest:
        for cid, cell in best.cells.items():
            o = other.cells.get(cid)
            if o is None or State.UNREADABLE in (cell.state, o.state):
                continue
            if (cell.state, cell.value) != (o.state, o.value):
                a = cell.value if cell.state is State.NUMBER else cell.state.value
                b = o.value if o.state is State.NUMBER else o.state.value
                findings.append(Finding(
                    "sources-disagree", "warning",
                    f"cell {cid}: {Path(best.source.path).name} prints {a}, {Path(other.source.path).name} prints {b}",
                    f"单元格 {cid}：{Path(best.source.path).name} 为 {a}，{Path(other.source.path).name} 为 {b}",
                    (cid,), uri))
    return best, rest, findings


def _progress(items: list, label: str):
    """A progress bar on stderr (tqdm), quiet when stderr is not a terminal."""
    from tqdm import tqdm

    return tqdm(items, desc=label, unit="file", file=sys.stderr, disable=None)


def build(paths: list[str], out: str, base: str = DEFAULT_BASE,
          site: Callable | None = None, log: Callable[[str], None] = print) -> BuildResult:
    started = time.monotonic()
    out_dir = Path(out).resolve()
    files = sources(paths)
    result = BuildResult(out_dir)
    parsed: list[Report] = []
    for f in _progress(files, "parse"):
        r = parse_file(f)
        if isinstance(r, Failure):
            result.failures.append(r)
        elif r.agency is None or r.year is None:
            result.failures.append(Failure(f, f"{f}: no agency or year could be read from the title"))
        else:
            parsed.append(r)
    for fail in result.failures:
        log(f"skipped {fail.error}")

    uris = URIs(base)
    agencies = resolve([r.agency for r in parsed])
    groups: dict[tuple[str, int], list[Report]] = {}
    for r in parsed:
        groups.setdefault((agencies[r.agency].slug, r.year), []).append(r)

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.building-", dir=out_dir.parent))
    tmp.chmod(0o755)
    try:
        store = ox.Store(str(tmp / "store"))
        for g in (ontology_graph(), _shapes()):
            store.bulk_load(g.serialize(format="nt").encode("utf-8"), ox.RdfFormat.N_TRIPLES)
        for (slug, year), reports in _progress(sorted(groups.items()), "validate"):
            agency = agencies[reports[0].agency]
            uri = str(uris.report(slug, year))
            best, rest, disagreements = choose(reports, uri)
            if rest:
                log(f"{agency.name} {year}: published from {best.source.path}; same report in "
                    + ", ".join(r.source.path for r in rest))
            g = report_graph(best, agency, uris) + agency_graph(agency, uris)
            v = validate_graph(g, uri)
            store.bulk_load(g.serialize(format="nt").encode("utf-8"), ox.RdfFormat.N_TRIPLES)
            if v.graph is not None:
                store.bulk_load(v.graph.serialize(format="nt").encode("utf-8"), ox.RdfFormat.N_TRIPLES)
            result.published.append(PublishedReport(best, agency, uri, f"report/{slug}/{year}",
                                                    v.findings + disagreements, [r.source.path for r in rest]))
        across = validate_store(store)
        for p in result.published:
            p.findings += [f for f in across if f.report == p.uri]
        store.flush()
        result.triples = len(store)
        dumps = write_dumps(tmp / "dumps", store, result.published, base)
        _copy_sources(tmp / "site" / "sources", result.published)
        counts = {"reports": len(result.published), "agencies": len({p.agency.slug for p in result.published}),
                  "observations": sum(len(p.report.cells) for p in result.published), "triples": result.triples,
                  "findings": sum(f.severity != "info" for p in result.published for f in p.findings)}
        if site is not None:
            site(tmp / "site", result.published, base, dumps, counts)
        result.seconds = time.monotonic() - started
        (tmp / "build.json").write_text(json.dumps({
            "base": base, "counts": counts, "seconds": round(result.seconds, 1),
            "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "failures": [{"source": f.source, "error": f.error} for f in result.failures],
            "reports": [{"uri": p.uri, "source": p.report.source.path, "alternates": p.alternates}
                        for p in result.published],
        }, ensure_ascii=False, indent=1), encoding="utf-8")
        del store
        _swap(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return result


def _shapes() -> Graph:
    from .validate import corpus_shapes_graph, shapes_graph

    return shapes_graph() + corpus_shapes_graph()


def _copy_sources(dest: Path, published: list[PublishedReport]) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    for p in published:
        src = Path(p.report.source.path)
        shutil.copyfile(src, dest / f"{p.report.source.sha256}{src.suffix.lower()}")


def _swap(tmp: Path, out: Path) -> None:
    """Replace `out` by `tmp` with two renames; the old publication is removed last."""
    old = out.with_name(f".{out.name}.old-{hashlib.sha1(str(time.time()).encode()).hexdigest()[:8]}")
    if out.exists():
        out.rename(old)
    tmp.rename(out)
    shutil.rmtree(old, ignore_errors=True)


def gz_lines(path: Path, lines) -> None:
    with gzip.open(path, "wt", encoding="utf-8") as f:
        for line in lines:
            f.write(line)


__all__ = ["build", "BuildResult", "choose", "sources", "codes"]
