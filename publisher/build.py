"""`xxgk build`: parse, map, validate and publish a folder of reports into one output directory.

The new publication is written beside the old one and swapped in only when complete, so a
failed or killed build leaves the previous publication as it was.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import pickle
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from .agencies import Agency, resolve
from .codes import ONTOLOGY_DIR, codes
from .dumps import write_dumps
from .executors import executor
from .model import Report, State
from .pipeline import Failure, parse_file
from .published import PublishedReport
from .rdf import DEFAULT_BASE, URIs, agency_graph, ontology_graph, report_graph, software_version
from .validate import (
    Finding,
    findings_graph,
    name_report,
    validate_batch,
    validate_core,
    validate_store,
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

    def lap(self, phase: str, since: float) -> float:
        now = time.monotonic()
        self.phases[phase] = round(self.phases.get(phase, 0.0) + now - since, 2)
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


def _progress(items, label: str, total: int | None = None):
    """A progress bar on stderr (tqdm), quiet when stderr is not a terminal."""
    from tqdm import tqdm

    return tqdm(items, desc=label, unit="report", total=total, file=sys.stderr, disable=None)


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


def _validate(item: tuple[Report, Agency, str]) -> tuple[bytes, bytes, list[Finding]]:
    """The map-and-validate step of one report, run in a worker: (report N-Triples, results, findings)."""
    report, agency, base = item
    uris = URIs(base)
    g = report_graph(report, agency, uris)
    g += agency_graph(agency, uris)
    uri = str(uris.report(agency.slug, report.year))
    v = validate_core(g, uri)  # the SPARQL constraints run later, over the whole store at once
    results = name_report(v.graph, uri).serialize(format="nt").encode("utf-8") if v.graph is not None else b""
    return g.serialize(format="nt").encode("utf-8"), results, v.findings


class Cache:
    """Work already done, by content: parsed reports by source sha256, validations by input digest.

    Kept beside the output directory, per software version, so that a rebuild reads again only
    the sources that changed.
    """

    def __init__(self, out_dir: Path):
        self.root = out_dir.parent / f".{out_dir.name}.cache" / software_version()
        (self.root / "parsed").mkdir(parents=True, exist_ok=True)
        (self.root / "validated").mkdir(parents=True, exist_ok=True)

    def _get(self, kind: str, key: str):
        path = self.root / kind / f"{key}.pickle"
        try:
            return pickle.loads(path.read_bytes())
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            return None

    def _put(self, kind: str, key: str, value) -> None:
        path = self.root / kind / f"{key}.pickle"
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        tmp.replace(path)

    def has(self, kind: str, key: str) -> bool:
        return (self.root / kind / f"{key}.pickle").is_file()

    def parsed(self, sha: str):
        return self._get("parsed", sha)

    def keep_parsed(self, sha: str, value) -> None:
        self._put("parsed", sha, value)

    def validated(self, key: str):
        return self._get("validated", key)

    def keep_validated(self, key: str, value) -> None:
        self._put("validated", key, value)


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


def build(paths: list[str], out: str, base: str = DEFAULT_BASE, site: Callable | None = None,
          log: Callable[[str], None] = print, jobs: int | None = None, executor_spec: str | None = None,
          use_cache: bool = True, store_url: str | None = None) -> BuildResult:
    """Publish `paths` into `out`; with `store_url`, also replace the data of that SPARQL server.

    The embedded store in `out` is always built (the dumps and cross-report checks read it). An
    external store is cleared and loaded from the N-Triples dump through the Graph Store Protocol
    once the publication is complete: it is not atomic, so point `xxgk serve` at it only after.
    """
    started = time.monotonic()
    out_dir = Path(out).resolve()
    files = sources(paths)
    result = BuildResult(out_dir)
    try:
        work = Cache(out_dir) if use_cache else None
    except OSError as e:
        raise BuildError(f"{out_dir}: cannot write the output there ({e.strerror or e})") from e
    parsed: list[Report] = []
    with executor(executor_spec, jobs) as run:
        digests = {f: _digest(f) for f in files}
        todo = [f for f in files if digests[f] is None or work is None or not work.has("parsed", digests[f])]
        fresh = dict(zip(todo, _progress(run(_parse, todo), "parse", len(todo)), strict=True))
        result.parsed_again = len(todo)
        lap = result.lap("parse", started)
        for f in files:
            r = fresh[f] if f in fresh else work.parsed(digests[f])
            if r is None:  # a cache file that cannot be read: parse the source again
                r = fresh[f] = _parse(f)
            if f in fresh and work is not None and digests[f] is not None:
                work.keep_parsed(digests[f], r)
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

        uris = URIs(base)
        agencies = resolve([r.agency for r in parsed])
        groups: dict[tuple[str, int], list[Report]] = {}
        for r in parsed:
            groups.setdefault((agencies[r.agency].slug, r.year), []).append(r)
        chosen = []
        for (slug, year), reports in sorted(groups.items()):
            agency = agencies[reports[0].agency]
            uri = str(uris.report(slug, year))
            best, rest, disagreements = choose(reports, uri)
            if rest:
                log(f"{agency.name} {year}: published from {best.source.path}; same report in "
                    + ", ".join(r.source.path for r in rest))
            chosen.append((best, agency, uri, rest, disagreements))

        keys = [_validation_key(b, a, base) for b, a, *_ in chosen]
        todo_v = [i for i, k in enumerate(keys) if work is None or not work.has("validated", k)]
        result.validated_again = len(todo_v)

        try:
            out_dir.parent.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.building-", dir=out_dir.parent))
            tmp.chmod(0o755)
        except OSError as e:
            raise BuildError(f"{out_dir}: cannot write the output there ({e.strerror or e})") from e
        try:
            store = ox.Store(str(tmp / "store"))
            for g in (ontology_graph(), _shapes()):
                store.bulk_load(g.serialize(format="nt").encode("utf-8"), ox.RdfFormat.N_TRIPLES)
            fresh_v = iter(_progress(run(_validate, [(chosen[i][0], chosen[i][1], base) for i in todo_v]),
                                     "validate", len(todo_v)))
            again = set(todo_v)

            def each_report():
                """Each report's N-Triples as its worker hands it over, in order, cached on the way."""
                for i, (best, agency, uri, rest, disagreements) in enumerate(chosen):
                    done = None if i in again else work.validated(keys[i])
                    if done is None:
                        done = next(fresh_v) if i in again else _validate((best, agency, base))
                        if work is not None:
                            work.keep_validated(keys[i], done)
                    report_nt, results_nt, findings = done
                    result.published.append(PublishedReport(best, agency, uri, f"report/{agency.slug}/{best.year}",
                                                            list(findings) + disagreements,
                                                            [r.source.path for r in rest]))
                    yield report_nt
                    yield results_nt

            # one bulk load for the whole corpus, fed as the workers finish: the build never holds
            # more than the reports in flight (~600 KB of N-Triples each)
            _stream_into(store, each_report())
            lap = result.lap("map, validate and load each report", lap)
            across = validate_batch(store, jobs) + validate_store(store, jobs)
            by_report: dict[str, list[Finding]] = {}
            for f in across:
                by_report.setdefault(f.report, []).append(f)
            for p in result.published:
                p.findings += by_report.get(p.uri, [])
            conforms = {p.uri: not any(f.severity == "violation" for f in p.findings) for p in result.published}
            store.bulk_load(findings_graph(across, conforms).serialize(format="nt").encode("utf-8"),
                            ox.RdfFormat.N_TRIPLES)
            store.flush()
            result.triples = len(store)
            lap = result.lap("validate across reports", lap)
            _copy_sources(tmp / "site" / "sources", result.published)
            counts = {"reports": len(result.published),
                      "agencies": len({p.agency.slug for p in result.published}),
                      "observations": sum(len(p.report.cells) for p in result.published), "triples": result.triples,
                      "findings": sum(f.severity != "info" for p in result.published for f in p.findings)}
            dumps = write_dumps(tmp / "dumps", store, result.published, base)
            lap = result.lap("dumps", lap)
            if site is not None:
                site(tmp / "site", result.published, base, dumps, counts, store=store)
            result.lap("site", lap)
            result.seconds = time.monotonic() - started
            (tmp / "build.json").write_text(json.dumps({
                "base": base, "counts": counts, "seconds": round(result.seconds, 1),
                "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "parsed_again": result.parsed_again, "validated_again": result.validated_again,
                "phases": result.phases,
                "failures": [{"source": f.source, "error": f.error} for f in result.failures],
                "reports": [{"uri": p.uri, "source": p.report.source.path, "alternates": p.alternates}
                            for p in result.published],
            }, ensure_ascii=False, indent=1), encoding="utf-8")
            del store
            _swap(tmp, out_dir)
            if store_url:
                _load_remote(store_url, out_dir / "dumps" / "xxgk.nt.gz", log)
        except OSError as e:
            shutil.rmtree(tmp, ignore_errors=True)
            raise BuildError(f"{out_dir}: writing the publication failed ({e.strerror or e}); "
                             "the previous publication is unchanged") from e
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return result


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


__all__ = ["build", "BuildResult", "choose", "sources", "codes"]
