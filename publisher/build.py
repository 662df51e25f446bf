"""`xxgk build`: parse, map, validate and publish a folder of reports into one output directory.

The new publication is written beside the old one and swapped in only when complete, so a
failed or killed build leaves the previous publication as it was.
"""

from __future__ import annotations

import glob
import hashlib
import io
import json
import os
import pickle
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache, partial
from pathlib import Path

import pyoxigraph as ox

from .agencies import Agency, resolve
from .codes import ONTOLOGY_DIR, codes
from .dumps import Part, Totals, make_part, part_triples, report_part, write_dumps
from .executors import executor
from .files import link_or_copy
from .model import Report, State
from .pipeline import Failure, parse_file
from .published import Kept, PublishedReport, by_severity
from .rdf import DEFAULT_BASE, URIs, agency_graph, report_graph, software_version
from .validate import (
    Finding,
    context_nt,
    findings_graph,
    name_report,
    report_node,
    validate_agency,
    validate_core,
)

SUFFIXES = {".txt", ".text", ".html", ".htm", ".shtml", ".pdf", ".docx"}
PREFERENCE = {"text/html": 0, "application/vnd.openxmlformats-officedocument.wordprocessingml.document": 1,
              "application/pdf": 2, "text/plain": 3}


class BuildError(Exception):
    """The publication cannot be written; the previous one is left as it was."""


@dataclass
class BuildResult:
    out: Path
    published: list[PublishedReport] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    triples: int = 0
    seconds: float = 0.0
    parsed_again: int = 0  # sources read this time (the rest came from the cache)
    validated_again: int = 0
    phases: dict[str, float] = field(default_factory=dict)  # wall seconds per step, for the benchmarks
    peak_mib: dict[str, int] = field(default_factory=dict)  # the build process's peak RSS by the end of each step

    def lap(self, phase: str, since: float) -> float:
        now = time.monotonic()
        self.phases[phase] = round(self.phases.get(phase, 0.0) + now - since, 2)
        self.peak_mib[phase] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        return now


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
    if len(reports) == 1:
        return reports[0], [], []
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


def _progress(items, label: str, total: int | None = None, unit: str = "report"):
    """A progress bar on stderr (tqdm), quiet when stderr is not a terminal."""
    from tqdm import tqdm

    return tqdm(items, desc=label, unit=unit, total=total, file=sys.stderr, disable=None)


def _digest(path: str) -> str | None:
    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    except OSError:
        return None
    return h.hexdigest()


PARSE_TIME_LIMIT = 120.0  # seconds; a real report takes well under one


def _parse(path: str) -> Report | Failure:
    """The parse step, run in a worker process (or on a Dask worker)."""
    return parse_file(path, time_limit=PARSE_TIME_LIMIT)


def _validate(item: tuple[Report, Agency, str]) -> tuple[bytes, Part, list[Finding]]:
    """The map-and-validate step of one report, run in a worker: its N-Triples for the store (the
    report, its agency, its core validation results), its part of every dump, its findings."""
    report, agency, base = item
    uris = URIs(base)
    g = report_graph(report, agency, uris)
    g += agency_graph(agency, uris)
    uri = str(uris.report(agency.slug, report.year))
    v = validate_core(g, uri)  # the SPARQL constraints run over the agency's reports together
    nt = g.serialize(format="nt").encode("utf-8")
    if v.graph is not None:
        nt += name_report(v.graph, uri).serialize(format="nt").encode("utf-8")
    part = report_part(nt, PublishedReport(report, agency, uri, f"report/{agency.slug}/{report.year}"), base)
    return nt, part, v.findings


def _check_agency(item: tuple[str, list[tuple]]) -> tuple[list[tuple[bytes, Part | None, list[Finding]]],
                                                         list[Finding]]:
    """The map-and-validate step of one agency, run in a worker: each of its reports mapped and
    checked by the core shapes, then the SPARQL constraints over its reports together. A report
    unchanged since the last build comes as the cache kept it, (N-Triples, findings), and goes
    back with no part."""
    base, reports = item
    done = [_validate((r[0], r[1], base)) if isinstance(r[0], Report) else (r[0], None, r[1]) for r in reports]
    return done, validate_agency([nt for nt, _part, _found in done])


CACHE_FORMAT = "4"  # bumped when what the cache holds changes shape


class Cache:
    """Work already done, by content: parsed reports by source sha256, validations and dump parts
    by input digest, each agency's findings by the digest of its reports.

    Kept beside the output directory, per software version, so that a rebuild reads again only
    the sources that changed.
    """

    def __init__(self, root: Path):
        self.root = root
        for kind in ("parsed", "figures", "validated", "part", "agency"):
            (self.root / kind).mkdir(parents=True, exist_ok=True)

    def get(self, kind: str, key: str):
        return _cached(self.root, kind, key)

    def put(self, kind: str, key: str, value) -> None:
        path = self.root / kind / f"{key}.pickle"
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        tmp.replace(path)

    def has(self, kind: str, key: str) -> bool:
        return (self.root / kind / f"{key}.pickle").is_file()


def _cached(root: Path, kind: str, key: str):
    try:
        return pickle.loads((root / kind / f"{key}.pickle").read_bytes())
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return None


def _whole(root: Path, figures: Report) -> Report:
    """The whole report (text, narrative, where each cell was read) of which the build kept the
    figures, read back from the parse cache (or parsed again when the cache lost it)."""
    r = _cached(root, "parsed", figures.source.sha256)
    if not isinstance(r, Report):
        r = _parse(figures.source.path)
        if not isinstance(r, Report):
            raise BuildError(f"{figures.source.path}: could not be read again ({r.error})")
    if r.source.path != figures.source.path:
        r.source = replace(r.source, path=figures.source.path)
    return r


def _findings(root: Path, key: str, uri: str) -> list[Finding]:
    """A report's findings, from its agency's entry in the cache."""
    kept = _agency_entry(root, key)
    if kept is None:
        raise BuildError(f"{uri}: the build's cache no longer holds its findings (see dumps/findings.csv)")
    return kept["findings"][uri]


@lru_cache(maxsize=4)
def _agency_entry(root: Path, key: str) -> dict | None:
    """An agency's entry in the cache, read once for its reports in a row (its report pages ask
    for their findings one after another). Entries are named by content, so a cached one never
    goes stale."""
    return _cached(root, "agency", key)


def _validation_key(report: Report, agency: Agency, base: str) -> str:
    h = hashlib.sha256()
    for part in (report.source.sha256, agency.slug, agency.name, *sorted(agency.variants), base, _shapes_digest()):
        h.update(part.encode("utf-8") + b"\0")
    return h.hexdigest()


@cache
def _shapes_digest() -> str:
    from .validate import SHAPES_DIR

    h = hashlib.sha256()
    for f in sorted([*SHAPES_DIR.glob("*.ttl"), *ONTOLOGY_DIR.glob("*.ttl")]):
        h.update(f.read_bytes())
    return h.hexdigest()


def _state(base: str) -> str:
    """What a publication's store holds besides the reports: a rebuild may start from the previous
    store only when this is the same."""
    return hashlib.sha256("\0".join((software_version(), CACHE_FORMAT, base, _shapes_digest())).encode()).hexdigest()


@dataclass
class _Agency:
    """One agency's reports in this build, and the digest that tells whether any of it changed."""

    slug: str
    reports: list[tuple[Report, Agency, str, list[Report], list[Finding]]]  # (best, agency, uri, rest, disagreements)
    keys: list[str]  # each report's validation key

    @property
    def key(self) -> str:
        h = hashlib.sha256()
        for (_best, _agency, uri, rest, _d), key in zip(self.reports, self.keys, strict=True):
            h.update("\0".join([uri, key, *sorted(r.source.sha256 for r in rest)]).encode("utf-8") + b"\n")
        return h.hexdigest()


def _previous(out_dir: Path, state: str) -> dict | None:
    """The previous publication's record, when its store can be the start of this one."""
    try:
        record = json.loads((out_dir / "build.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if record.get("state") != state or not (out_dir / "store").is_dir() or "agencies" not in record:
        return None
    return record


def build(paths: list[str], out: str, base: str = DEFAULT_BASE, site: Callable | None = None,
          log: Callable[[str], None] = print, jobs: int | None = None, executor_spec: str | None = None,
          use_cache: bool = True, store_url: str | None = None) -> BuildResult:
    """Publish `paths` into `out`; with `store_url`, also replace the data of that SPARQL server.

    The embedded store in `out` is always built (the dumps and cross-report checks read it). With
    the cache, a rebuild starts from the previous publication: its store (a checkpoint: hard links),
    its dump parts and its pages are kept for every agency whose reports did not change, and only
    the changed agencies are taken out, mapped, checked and rendered again. An external store is
    cleared and loaded from the N-Triples dump through the Graph Store Protocol once the
    publication is complete: it is not atomic, so point `xxgk serve` at it only after.
    """
    started = time.monotonic()
    out_dir = Path(out).resolve()
    files = sources(paths)
    result = BuildResult(out_dir)
    try:  # without the cache, this build's work is kept in a scratch folder, removed at the end
        scratch = None if use_cache else Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.scratch-", dir=out_dir.parent))
        work = Cache(scratch or out_dir.parent / f".{out_dir.name}.cache" / software_version() / CACHE_FORMAT)
    except OSError as e:
        raise BuildError(f"{out_dir}: cannot write the output there ({e.strerror or e})") from e
    try:
        return _build(files, out_dir, result, work, base, site, log, jobs, executor_spec, use_cache, store_url,
                      started)
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


def _build(files: list[str], out_dir: Path, result: BuildResult, work: Cache, base: str, site: Callable | None,
           log: Callable[[str], None], jobs: int | None, executor_spec: str | None, use_cache: bool,
           store_url: str | None, started: float) -> BuildResult:
    """The steps: read the sources, plan one report per agency and year, see what changed since
    the previous publication, bring the store up to date, publish dumps, site and record."""
    tmp = _scratch(out_dir)
    try:
        with executor(executor_spec, jobs) as run:
            parsed = _read_all(files, work, run, result, log)
            lap = result.lap("parse", started)
            plan = _plan(parsed, base, log)
            state = _state(base)
            changes = _changes(plan, work, _previous(out_dir, state) if use_cache else None)
            result.validated_again = sum(not (work.has("validated", k) and work.has("part", k))
                                         for slug in changes.touched for k in plan[slug].keys)
            store = _start_store(tmp / "store", out_dir / "store", work, URIs(base), changes)
            # one bulk load for the changed agencies, fed as the workers finish: the build never
            # holds more than the agencies in flight (~600 KB of N-Triples a report)
            _stream_into(store, _checked(plan, sorted(changes.touched), run, work, base))
        lap = result.lap("map, validate and load", lap)
        record, shared = _published(plan, work, result)
        for iri in set(changes.previous["shared"] if changes.previous else ()) - shared:  # a year no report has now
            for q in list(store.quads_for_pattern(ox.NamedNode(iri), None, None, ox.DefaultGraph())):
                store.remove(q)
        _copy_sources(tmp / "site" / "sources", result.published, out_dir / "site" / "sources")
        counts = {"reports": len(result.published), "agencies": len(plan),
                  "observations": sum(len(p.report.cells) for p in result.published),
                  "findings": sum(n for p in result.published for s, n in p.tally.items() if s != "info")}
        store.flush()  # the site's worker processes read it
        # the dumps are written on a thread of this process while the site's pages render on the
        # worker processes; the home page, which lists the dumps, waits for them
        with ThreadPoolExecutor(1) as aside:
            dumping = aside.submit(_dumps, tmp / "dumps", plan, work, store, result, base)

            def listing() -> tuple[list[dict], dict]:
                dumps, totals = dumping.result()
                result.triples = totals.triples
                counts["triples"] = totals.triples
                return dumps, counts
            if site is not None:
                site(tmp / "site", result.published, base, listing, store=store,
                     reuse=out_dir / "site" if changes.previous else None, fresh=changes.touched,
                     jobs=jobs or os.cpu_count() or 1, store_path=tmp / "store", whole=partial(_whole, work.root))
            listing()
        result.lap("dumps and site", lap)
        result.seconds = time.monotonic() - started
        (tmp / "build.json").write_text(json.dumps({
            "base": base, "counts": counts, "seconds": round(result.seconds, 1),
            "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "parsed_again": result.parsed_again, "validated_again": result.validated_again,
            "incremental": changes.previous is not None, "rendered_again": len(changes.touched),
            "phases": result.phases, "peak_mib": result.peak_mib,
            "failures": [{"source": f.source, "error": f.error} for f in result.failures],
            "reports": [{"uri": p.uri, "source": p.report.source.path, "alternates": p.alternates}
                        for p in result.published],
            "state": state if use_cache else None, "agencies": record, "shared": sorted(shared),
        }, ensure_ascii=False, indent=1), encoding="utf-8")
        del store
        _swap(tmp, out_dir)
    except OSError as e:
        shutil.rmtree(tmp, ignore_errors=True)
        raise BuildError(f"{out_dir}: writing the publication failed ({e.strerror or e}); "
                         "the previous publication is unchanged") from e
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if store_url:
        _load_remote(store_url, out_dir / "dumps" / "xxgk.nt.gz", log)
    return result


def _read_all(files: list[str], work: Cache, run, result: BuildResult, log: Callable[[str], None]) -> list[Report]:
    """The figures of every source that reads as a report; the others go to `result.failures`.

    A source is parsed only when the cache has not seen its bytes. Each report goes to the cache
    as its worker hands it over; the build keeps only its figures (a few KB) and reads the whole
    report back when it maps it or renders its page."""
    digests = {f: _digest(f) for f in files}
    todo = [f for f in files if digests[f] is None
            or not (work.has("figures", digests[f]) or work.has("parsed", digests[f]))]
    fresh: dict[str, Report | Failure] = {}
    for f, r in zip(todo, _progress(run(_parse, todo), "parse", len(todo)), strict=True):
        fresh[f] = r.figures() if isinstance(r, Report) else r
        if digests[f] is not None:
            work.put("parsed", digests[f], r)
            work.put("figures", digests[f], fresh[f])
    result.parsed_again = len(todo)
    parsed: list[Report] = []
    for f in files:
        r = fresh[f] if f in fresh else work.get("figures", digests[f])
        if r is None:  # figures not kept yet, or a cache file that cannot be read
            r = work.get("parsed", digests[f])
            if r is None:
                r = _parse(f)
                if digests[f] is not None:
                    work.put("parsed", digests[f], r)
            if isinstance(r, Report):
                r = r.figures()
                if digests[f] is not None:
                    work.put("figures", digests[f], r)
        if isinstance(r, Report) and r.source.path != f:  # the same bytes under another name
            r.source = replace(r.source, path=f)
        if isinstance(r, Failure):
            result.failures.append(Failure(f, r.error.replace(r.source, f, 1)))
        elif r.agency is None or r.year is None:
            result.failures.append(Failure(f, f"{f}: no agency or year could be read from the title"))
        else:
            parsed.append(r)
    for fail in result.failures:
        log(f"skipped {fail.error}")
    return parsed


def _plan(parsed: list[Report], base: str, log: Callable[[str], None]) -> dict[str, _Agency]:
    """Each agency's reports, one per year: of several files of one report, the best (`choose`)."""
    uris = URIs(base)
    agencies = resolve([r.agency for r in parsed])
    groups: dict[tuple[str, int], list[Report]] = {}
    for r in parsed:
        groups.setdefault((agencies[r.agency].slug, r.year), []).append(r)
    plan: dict[str, _Agency] = {}
    for (slug, year), reports in sorted(groups.items()):
        agency = agencies[reports[0].agency]
        uri = str(uris.report(slug, year))
        best, rest, disagreements = choose(reports, uri)
        if rest:
            log(f"{agency.name} {year}: published from {best.source.path}; same report in "
                + ", ".join(r.source.path for r in rest))
        a = plan.setdefault(slug, _Agency(slug, [], []))
        a.reports.append((best, agency, uri, rest, disagreements))
        a.keys.append(_validation_key(best, agency, base))
    return plan


@dataclass
class _Changes:
    """What this build changes of the previous publication (none: a build from scratch)."""

    previous: dict | None  # the previous build.json
    touched: set[str]  # agencies whose reports are mapped, checked and rendered again
    gone: set[str]  # agencies of the previous publication with no report now


def _changes(plan: dict[str, _Agency], work: Cache, previous: dict | None) -> _Changes:
    before = previous["agencies"] if previous else {}
    touched = {slug for slug, a in plan.items() if before.get(slug, {}).get("key") != a.key
               or not work.has("agency", a.key) or not all(work.has("part", k) for k in a.keys)}
    gone = set(before) - set(plan)
    # taking an agency out of the previous store needs the parts it was put in with
    if previous and not all(work.has("agency", before[slug]["key"]) and all(
            work.has("part", k) for k in before[slug]["reports"].values())
            for slug in touched | gone if slug in before):
        previous = None
    if previous is None:
        return _Changes(None, set(plan), set())
    return _Changes(previous, touched, gone)


def _scratch(out_dir: Path) -> Path:
    """The folder the new publication is written in, beside the old one."""
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.building-", dir=out_dir.parent))
        tmp.chmod(0o755)
    except OSError as e:
        raise BuildError(f"{out_dir}: cannot write the output there ({e.strerror or e})") from e
    return tmp


def _start_store(path: Path, previous_path: Path, work: Cache, uris: URIs, changes: _Changes) -> ox.Store:
    """A new store with the ontology and shapes, or a checkpoint of the previous one (hard links)
    without the agencies this build changes."""
    if changes.previous is None:
        store = ox.Store(str(path))
        store.bulk_load(context_nt(), ox.RdfFormat.N_TRIPLES)
        return store
    ox.Store.read_only(str(previous_path)).backup(str(path))
    store = ox.Store(str(path))
    for slug in sorted(changes.touched | changes.gone):
        _take_out(store, work, uris, slug, changes.previous["agencies"].get(slug))
    return store


def _published(plan: dict[str, _Agency], work: Cache, result: BuildResult) -> tuple[dict[str, dict], set[str]]:
    """Every report published, into `result`; the build record of each agency and the subjects
    the reports share (agencies, years)."""
    record: dict[str, dict] = {}
    shared: set[str] = set()
    for slug, a in sorted(plan.items()):
        kept = work.get("agency", a.key)
        shared |= kept["shared"]
        record[slug] = {"key": a.key, "reports": {uri: k for (_b, _a, uri, _r, _d), k
                                                  in zip(a.reports, a.keys, strict=True)}}
        result.published += [PublishedReport(best, agency, uri, f"report/{agency.slug}/{best.year}",
                                             Kept(partial(_findings, work.root, a.key, uri),
                                                  by_severity(kept["findings"][uri])),
                                             [r.source.path for r in rest])
                             for best, agency, uri, rest, _d in a.reports]
    return record, shared


def _parts(plan: dict[str, _Agency], work: Cache) -> Iterator[Part]:
    """Every part of the dumps, agency by agency: its reports', then its findings'."""
    for slug in sorted(plan):
        for k in plan[slug].keys:
            yield work.get("part", k)
        yield work.get("agency", plan[slug].key)["part"]


def _checked(plan: dict[str, _Agency], slugs: list[str], run, work: Cache, base: str) -> Iterator[bytes]:
    """The N-Triples of the agencies `slugs`, checked in the workers one agency at a time: each
    report's, then those of the agency's findings across its reports. What each report and agency
    gave is cached on the way, for the next build."""
    def items():
        for slug in slugs:
            reports = []
            for (best, agency, *_), key in zip(plan[slug].reports, plan[slug].keys, strict=True):
                kept = work.get("validated", key) if work.has("part", key) else None
                reports.append(kept if kept is not None else (_whole(work.root, best), agency))
            yield base, reports

    checked = _progress(run(_check_agency, items()), "map and validate", len(slugs), "agency")
    for slug, (done, across) in zip(slugs, checked, strict=True):
        a = plan[slug]
        found: dict[str, list[Finding]] = {}
        shared: set[str] = set()
        for (_best, _agency, uri, _rest, disagreements), key, (nt, part, core) in zip(a.reports, a.keys, done,
                                                                                      strict=True):
            if part is None:  # unchanged: its part is in the cache
                part = work.get("part", key)
            else:
                work.put("validated", key, (nt, core))
                work.put("part", key, part)
            shared |= part.shared
            found[uri] = [*core, *disagreements, *(f for f in across if f.report == uri)]
            yield nt
        conforms = {uri: not any(f.severity == "violation" for f in fs) for uri, fs in found.items()}
        nt = findings_graph(across, conforms).serialize(format="nt").encode("utf-8")
        yield nt
        part = make_part(ox.parse(nt, ox.RdfFormat.N_TRIPLES), counted=frozenset(str(report_node(u)) for u in found),
                         findings=[(uri, agency.name, best.year, f) for best, agency, uri, *_ in a.reports
                                   for f in found[uri]])
        work.put("agency", a.key, {"findings": found, "shared": frozenset(shared), "part": part})


def _take_out(store: ox.Store, work: Cache, uris: URIs, slug: str, before: dict | None) -> None:
    """Everything an agency put into the previous store: its reports' parts (observations,
    validation results, sources), the findings across its reports, the agency itself."""
    if before is None:
        return
    triples = [t for k in before["reports"].values() for t in part_triples(work.get("part", k))]
    kept = work.get("agency", before["key"])
    if kept is not None:
        triples += part_triples(kept["part"])
    for t in triples:
        store.remove(ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()))
    for q in list(store.quads_for_pattern(ox.NamedNode(str(uris.agency(slug))), None, None, ox.DefaultGraph())):
        store.remove(q)


def _dumps(folder: Path, plan: dict[str, _Agency], work: Cache, store: ox.Store, result: BuildResult,
           base: str) -> tuple[list[dict], Totals]:
    """Every dump, from the cached parts; timed on its own, for it runs alongside the site."""
    begun = time.monotonic()
    written = write_dumps(folder, _parts(plan, work), partial(_vocabulary, store), base)
    result.lap("dumps (alongside the site)", begun)
    return written


def _vocabulary(store: ox.Store, shared: set[str]) -> Part:
    """The dumps' last part: the ontology, the shapes, and what the store says of the subjects the
    reports share (agencies, years, the software)."""
    triples = [q.triple for q in ox.parse(context_nt(), ox.RdfFormat.N_TRIPLES)]
    triples += [q.triple for iri in sorted(shared)
                for q in store.quads_for_pattern(ox.NamedNode(iri), None, None, ox.DefaultGraph())]
    return make_part(triples)


class _Chunks(io.RawIOBase):
    """A readable binary file over an iterator of byte strings.

    An exception raised by the iterator is kept and raised again by `_stream_into`, not inside
    the store's loader, which would report it as a mere read error.
    """

    def __init__(self, chunks: Iterator[bytes]):
        self._chunks = chunks
        self._buffer = b""
        self.error: BaseException | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, target) -> int:
        while not self._buffer:
            try:
                self._buffer = next(self._chunks)
            except StopIteration:
                return 0
            except BaseException as e:  # noqa: BLE001 - re-raised by _stream_into
                self.error = e
                return 0
        n = min(len(target), len(self._buffer))
        target[:n] = self._buffer[:n]
        self._buffer = self._buffer[n:]
        return n


def _stream_into(store: ox.Store, chunks: Iterator[bytes]) -> None:
    """Load N-Triples chunks into `store` with one call of its bulk loader."""
    source = _Chunks(chunks)
    store.bulk_load(io.BufferedReader(source, 1 << 20), ox.RdfFormat.N_TRIPLES)
    if source.error is not None:
        raise source.error


def _load_remote(url: str, dump: Path, log: Callable[[str], None]) -> None:
    from .remote import RemoteError, RemoteStore

    try:
        with RemoteStore.from_url(url, timeout=600) as remote:
            remote.clear()
            remote.load_path(dump)
            log(f"loaded {remote.count()} triples into {url}")
    except RemoteError as e:
        raise BuildError(f"{url}: loading the external store failed ({e}); the local publication is complete") from e


def _copy_sources(dest: Path, published: list[PublishedReport], previous: Path) -> None:
    """The published source files, linked from the previous publication where it has them."""
    dest.mkdir(parents=True, exist_ok=True)
    for p in published:
        name = f"{p.report.source.sha256}{Path(p.report.source.path).suffix.lower()}"
        if not link_or_copy(previous / name, dest / name):
            shutil.copyfile(p.report.source.path, dest / name)


def _swap(tmp: Path, out: Path) -> None:
    """Replace `out` by `tmp` with two renames, then remove the old publication (and any an
    earlier removal left) in a process of its own: at 10,000 reports that is some 70,000 files,
    seconds the command need not wait for once the new publication is in place."""
    old = out.with_name(f".{out.name}.old-{hashlib.sha1(str(time.time()).encode()).hexdigest()[:8]}")
    if out.exists():
        out.rename(old)
    tmp.rename(out)
    _remove_later(sorted(out.parent.glob(f".{glob.escape(out.name)}.old-*")))


_REMOVING: list[subprocess.Popen] = []  # removals under way, held so that they are reaped, not warned of


def _remove_later(folders: list[Path]) -> None:
    """Delete `folders` in a detached process that outlives this one."""
    _REMOVING[:] = [p for p in _REMOVING if p.poll() is None]
    if folders:
        _REMOVING.append(subprocess.Popen(
            [sys.executable, "-c", "import shutil, sys; [shutil.rmtree(f, ignore_errors=True) for f in sys.argv[1:]]",
             *map(str, folders)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True))


__all__ = ["build", "BuildResult", "choose", "sources", "codes"]
