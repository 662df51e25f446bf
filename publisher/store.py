"""The triple store: an on-disk pyoxigraph store, bulk loading, and read-only SPARQL queries.

pyoxigraph cannot be interrupted from Python, so queries do not run in the calling process: a
`QueryPool` keeps a few worker processes (``python -m publisher.store``), each with the store
opened by `Store.read_only`. A query is sent to an idle worker over a pipe; when its answer has not
come back within the timeout, the worker is killed (SIGKILL) and a fresh one takes its place, so a
runaway query costs one worker for at most `timeout` seconds and never blocks the other workers.

Before a query reaches a worker it is checked lexically (`check_query`): SPARQL Update requests and
any SERVICE clause (federation; pyoxigraph would fetch from the named host) are refused, and so are
queries longer than `MAX_QUERY_BYTES`. Results are counted as they are read: more than `limit`
solutions (SELECT) or triples (CONSTRUCT, DESCRIBE) raise `ResultLimitExceeded` instead of being
cut short silently.

A SPARQL 1.1 server can hold the data instead: `open_store` gives a `RemoteStore` for a URL
(publisher/remote.py), and `load` and `count_triples` work on it too.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import os
import pickle
import queue
import re
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

if TYPE_CHECKING:
    from .remote import RemoteStore

MAX_QUERY_BYTES = 100_000
DEFAULT_TIMEOUT = 10.0  # seconds a query may run
DEFAULT_LIMIT = 100_000  # solutions or triples a query may return
DEFAULT_WORKERS = 2

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
DEF = "https://w3id.org/xxgk/def/"
PREFIXES = {
    "rdf": RDF,
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": XSD,
    "owl": "http://www.w3.org/2002/07/owl#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "qb": "http://purl.org/linked-data/cube#",
    "org": "http://www.w3.org/ns/org#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "prov": "http://www.w3.org/ns/prov#",
    "time": "http://www.w3.org/2006/time#",
    "xxgk": DEF,
    "section": DEF + "section/",
    "row": DEF + "row/",
    "column": DEF + "column/",
    "cell": DEF + "cell/",
}

# name -> media type; the first name of each table is the default.
RESULT_FORMATS = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
GRAPH_FORMATS = {
    "turtle": "text/turtle",
    "ntriples": "application/n-triples",
    "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
}
_OX_GRAPH_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
}


class QueryError(Exception):
    """A query could not be answered; the message says why, in words fit for the user."""


class QueryRefused(QueryError):
    """The request is not allowed on this read-only, non-federating endpoint (update, SERVICE)."""


class QueryTooLarge(QueryError):
    """The query text is longer than MAX_QUERY_BYTES."""


class QuerySyntaxError(QueryError):
    """The query does not parse; the message is the parser's."""


class QueryTimeout(QueryError):
    """The query ran longer than the timeout and its worker was killed."""


class ResultLimitExceeded(QueryError):
    """The query returns more solutions or triples than the limit."""


class StoreBusy(QueryError):
    """Every worker stayed busy for as long as the timeout."""


class WorkerFailed(QueryError):
    """A worker process died or could not open the store."""


# ---------------------------------------------------------------------------------------------
# The store itself


def is_remote(location: str | os.PathLike) -> bool:
    """Whether `location` names a SPARQL server (see publisher/remote.py) rather than a directory."""
    if not isinstance(location, str):
        return False
    text = location.strip()
    return text.lower().startswith(("http://", "https://")) or text.startswith(("query=", "store=", "update="))


def open_store(location: str | os.PathLike) -> ox.Store | RemoteStore:
    """The store at `location`: a directory (the embedded store, created when missing, opened for
    writing) or the URL of a SPARQL 1.1 server (a `RemoteStore`; the URL forms are in
    publisher/remote.py: ``http://HOST:PORT`` for ``oxigraph serve``, ``query=URL&store=URL…``).
    """
    if is_remote(location):
        from .remote import RemoteStore

        return RemoteStore.from_url(str(location))
    Path(location).mkdir(parents=True, exist_ok=True)
    return ox.Store(str(location))


def _format_of(name: str) -> ox.RdfFormat:
    stem = name[:-3] if name.endswith(".gz") else name
    ext = stem.rsplit(".", 1)[-1].lower()
    fmt = ox.RdfFormat.from_extension(ext)
    if fmt is None:
        raise ValueError(f"cannot tell the RDF format of {name!r}")
    return fmt


def load(store: ox.Store, source, format: ox.RdfFormat | str | None = None, base_iri: str | None = None) -> None:
    """Bulk-load RDF into the default graph of `store`.

    `source` is a path (`.nt`, `.ttl`, … optionally `.gz`), bytes, or a binary stream; `format` is an
    `RdfFormat`, a media type or an extension, and may be left out for paths. A `RemoteStore` gets
    the data over the Graph Store Protocol, streamed.
    """
    if not isinstance(store, ox.Store) and hasattr(store, "load_path"):  # a RemoteStore
        if base_iri is not None:
            raise ValueError("a base IRI cannot be given to a remote store")
        if isinstance(source, (str, os.PathLike)):
            store.load_path(source, format)
        elif format is None:
            raise ValueError("the format is needed to load bytes or a stream")
        else:
            store.load(source, format)
        return
    if isinstance(format, str):
        format = ox.RdfFormat.from_media_type(format) or ox.RdfFormat.from_extension(format)
    if isinstance(source, (str, os.PathLike)):
        name = str(source)
        format = format or _format_of(name)
        if name.endswith(".gz"):
            with gzip.open(name, "rb") as stream:
                store.bulk_load(stream, format, base_iri=base_iri)
        else:
            store.bulk_load(path=name, format=format, base_iri=base_iri)
        return
    if format is None:
        raise ValueError("the format is needed to load bytes or a stream")
    store.bulk_load(source, format, base_iri=base_iri)


def count_triples(store: ox.Store) -> int:
    """The number of triples (quads, in all graphs) in `store`; of its default graph for a `RemoteStore`."""
    return len(store)


# ---------------------------------------------------------------------------------------------
# Checking a query before it runs

_LEXEMES = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*(?:"""|$)'
    r"|'''(?:[^'\\]|\\.|'(?!''))*(?:'''|$)"
    r'|"(?:[^"\\\n\r]|\\.)*"?'
    r"|'(?:[^'\\\n\r]|\\.)*'?"
    r'|<[^<>"{}|^`\\\x00-\x20]*>'
    r"|#[^\n\r]*",
    re.S,
)
_SERVICE = re.compile(r"(?<![\w:?$.\-])SERVICE(?![\w:\-])", re.I)
_PROLOGUE = r"(?:\s*(?:BASE\s*<>|PREFIX\s+[^\s:]*:\s*<>))*\s*"
_UPDATE = re.compile(_PROLOGUE + r"(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\b", re.I)
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def _blank(match: re.Match) -> str:
    text = match.group(0)
    if text.startswith("#"):
        return " "
    return "<>" if text.startswith("<") else '""'


def _unescape(text: str) -> str:
    def one(m: re.Match) -> str:
        try:
            return chr(int(m.group(1) or m.group(2), 16))
        except ValueError:
            return " "

    return _ESCAPE.sub(one, text)


_FORM = re.compile(_PROLOGUE + r"(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.I)


def query_form(text: str) -> str | None:
    """The form of a query, read lexically: "SELECT", "ASK", "CONSTRUCT", "DESCRIBE", or None."""
    match = _FORM.match(_LEXEMES.sub(_blank, text))
    return match.group(1).upper() if match else None


def limit_exceeded(limit: int, what: str) -> ResultLimitExceeded:
    """The error for a query that returns more than `limit` `what` ("solutions" or "triples")."""
    return ResultLimitExceeded(f"the query returns more than {limit} {what}, the limit of this "
                               f"endpoint; add LIMIT {limit} (or less) or narrow the query")


def check_query(text: str) -> None:
    """Refuse what this endpoint never runs: over-long text, SPARQL Update, SERVICE.

    The check is lexical: strings, IRIs and comments are blanked out, then the rest is searched for
    the keywords. A SERVICE keyword spelled with \\u escapes is refused too.
    """
    if len(text.encode("utf-8")) > MAX_QUERY_BYTES:
        raise QueryTooLarge(f"the query is longer than {MAX_QUERY_BYTES} bytes")
    for variant in (text, _unescape(text)) if "\\" in text else (text,):
        code = _LEXEMES.sub(_blank, variant)
        if _UPDATE.match(code):
            raise QueryRefused("this endpoint is read-only: SPARQL Update is not accepted")
        if _SERVICE.search(code):
            raise QueryRefused("federated queries (SERVICE) are not accepted by this endpoint")


# ---------------------------------------------------------------------------------------------
# Running a query in this process and writing its results


@dataclass
class Result:
    kind: str  # "solutions", "boolean" or "graph"
    format: str  # a key of RESULT_FORMATS or GRAPH_FORMATS
    body: bytes
    count: int  # solutions or triples; 1 for ASK

    @property
    def media_type(self) -> str:
        return (GRAPH_FORMATS if self.kind == "graph" else RESULT_FORMATS)[self.format]


def _json_term(term) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != XSD + "string":
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, ox.Triple):
        return {"type": "triple", "value": {"subject": _json_term(term.subject),
                                            "predicate": _json_term(term.predicate),
                                            "object": _json_term(term.object)}}
    raise TypeError(f"unexpected term {term!r}")


def _xml_term(term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
        if term.datatype.value != XSD + "string":
            return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
        return f"<literal>{escape(term.value)}</literal>"
    if isinstance(term, ox.Triple):
        return (f"<triple><subject>{_xml_term(term.subject)}</subject><predicate>{_xml_term(term.predicate)}"
                f"</predicate><object>{_xml_term(term.object)}</object></triple>")
    raise TypeError(f"unexpected term {term!r}")


def _csv_field(term) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        text = "_:" + term.value
    elif isinstance(term, (ox.NamedNode, ox.Literal)):
        text = term.value
    else:
        text = str(term)
    if any(c in text for c in ',"\r\n'):
        text = '"' + text.replace('"', '""') + '"'
    return text


def _tsv_field(term) -> str:
    if term is None:
        return ""
    return str(term).replace("\t", "\\t")


def write_solutions(variables: list[str], rows: list[tuple], fmt: str) -> bytes:
    """SPARQL results (SELECT) in `fmt` (a key of RESULT_FORMATS)."""
    if fmt == "json":
        bindings = [{v: _json_term(t) for v, t in zip(variables, row, strict=True) if t is not None} for row in rows]
        doc = {"head": {"vars": variables}, "results": {"bindings": bindings}}
        return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()
    if fmt == "xml":
        out = ['<?xml version="1.0" encoding="UTF-8"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
               "<head>"]
        out += [f"<variable name={quoteattr(v)}/>" for v in variables]
        out.append("</head><results>")
        for row in rows:
            out.append("<result>")
            out += [f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>"
                    for v, t in zip(variables, row, strict=True) if t is not None]
            out.append("</result>")
        out.append("</results></sparql>\n")
        return "".join(out).encode()
    if fmt == "csv":
        lines = [",".join(_csv_field(ox.Literal(v)) for v in variables)]
        lines += [",".join(_csv_field(t) for t in row) for row in rows]
        return ("\r\n".join(lines) + "\r\n").encode()
    if fmt == "tsv":
        lines = ["\t".join("?" + v for v in variables)]
        lines += ["\t".join(_tsv_field(t) for t in row) for row in rows]
        return ("\n".join(lines) + "\n").encode()
    raise ValueError(f"unknown results format {fmt!r}")


def write_boolean(value: bool, fmt: str) -> bytes:
    """The answer of an ASK query in `fmt` (a key of RESULT_FORMATS)."""
    word = "true" if value else "false"
    if fmt == "json":
        return b'{"head":{},"boolean":' + word.encode() + b"}"
    if fmt == "xml":
        return ('<?xml version="1.0" encoding="UTF-8"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
                f"<head/><boolean>{word}</boolean></sparql>\n").encode()
    if fmt == "csv":
        return f"_askResult\r\n{word}\r\n".encode()
    if fmt == "tsv":
        return f"?_askResult\n{word}\n".encode()
    raise ValueError(f"unknown results format {fmt!r}")


def _used_prefixes(triples: list, prefixes: dict[str, str]) -> dict[str, str]:
    iris = set()
    for t in triples:
        iris.add(t.predicate.value)
        for term in (t.subject, t.object):
            if isinstance(term, ox.NamedNode):
                iris.add(term.value)
            elif isinstance(term, ox.Literal):
                iris.add(term.datatype.value)
    used = {ns for ns in prefixes.values() if any(i.startswith(ns) for i in iris)}
    return {p: ns for p, ns in sorted(prefixes.items()) if ns in used}


def write_graph(triples: list, fmt: str, prefixes: dict[str, str] | None = None) -> bytes:
    """Triples in `fmt` (a key of GRAPH_FORMATS); `prefixes` that the triples use are declared."""
    if fmt in ("turtle", "rdfxml") and prefixes:
        return ox.serialize(triples, format=_OX_GRAPH_FORMATS[fmt], prefixes=_used_prefixes(triples, prefixes))
    return ox.serialize(triples, format=_OX_GRAPH_FORMATS[fmt])


def _graphs(iris):
    if iris is None:
        return None
    return [ox.NamedNode(i) for i in iris]


def execute(store: ox.Store, text: str, results_format: str = "json", graph_format: str = "turtle", *,
            limit: int | None = DEFAULT_LIMIT, default_graph: list[str] | None = None,
            named_graphs: list[str] | None = None, prefixes: dict[str, str] | None = None) -> Result:
    """Run one query on `store` in this process (no timeout: see QueryPool) and serialize its results."""
    check_query(text)
    if results_format not in RESULT_FORMATS:
        raise ValueError(f"unknown results format {results_format!r}")
    if graph_format not in GRAPH_FORMATS:
        raise ValueError(f"unknown graph format {graph_format!r}")
    try:
        kwargs = {}
        if default_graph:
            kwargs["default_graph"] = _graphs(default_graph)
        if named_graphs:
            kwargs["named_graphs"] = _graphs(named_graphs)
        answer = store.query(text, **kwargs)
        if isinstance(answer, ox.QueryBoolean):
            return Result("boolean", results_format, write_boolean(bool(answer), results_format), 1)
        items = []
        for item in answer:
            if limit is not None and len(items) >= limit:
                raise limit_exceeded(limit, "triples" if isinstance(answer, ox.QueryTriples) else "solutions")
            items.append(item if isinstance(answer, ox.QueryTriples) else tuple(item))
        if isinstance(answer, ox.QueryTriples):
            return Result("graph", graph_format, write_graph(items, graph_format, prefixes), len(items))
        variables = [v.value for v in answer.variables]
        return Result("solutions", results_format, write_solutions(variables, items, results_format), len(items))
    except SyntaxError as e:
        raise QuerySyntaxError(str(e)) from None
    except OSError as e:
        raise QueryError(f"the query failed: {e}") from None


# ---------------------------------------------------------------------------------------------
# Worker processes

_HEADER = struct.Struct(">Q")


def _write_message(stream, obj) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def _read_exact(fd: int, n: int, deadline: float | None) -> bytes:
    """Read n bytes from the non-blocking `fd`, waiting in select() until `deadline` (monotonic)."""
    buf = bytearray()
    while len(buf) < n:
        try:
            chunk = os.read(fd, min(n - len(buf), 1 << 20))
        except BlockingIOError:
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                raise TimeoutError from None
            if not select.select([fd], [], [], remaining)[0]:
                raise TimeoutError from None
            continue
        if not chunk:
            raise EOFError("the worker closed its pipe")
        buf += chunk
    return bytes(buf)


def _wake(future: asyncio.Future) -> None:
    if not future.done():
        future.set_result(None)


async def _read_exact_async(fd: int, n: int, deadline: float) -> bytes:
    """Like _read_exact, waiting in the event loop instead of blocking a thread."""
    loop = asyncio.get_running_loop()
    buf = bytearray()
    while len(buf) < n:
        try:
            chunk = os.read(fd, min(n - len(buf), 1 << 20))
        except BlockingIOError:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError from None
            readable = loop.create_future()
            loop.add_reader(fd, _wake, readable)
            try:
                await asyncio.wait_for(readable, remaining)
            finally:
                loop.remove_reader(fd)
            continue
        if not chunk:
            raise EOFError("the worker closed its pipe")
        buf += chunk
    return bytes(buf)


def _read_message(fd: int, deadline: float | None):
    (size,) = _HEADER.unpack(_read_exact(fd, _HEADER.size, deadline))
    return pickle.loads(_read_exact(fd, size, deadline))


async def _read_message_async(fd: int, deadline: float):
    (size,) = _HEADER.unpack(await _read_exact_async(fd, _HEADER.size, deadline))
    return pickle.loads(await _read_exact_async(fd, size, deadline))


def _die_with_parent() -> None:
    """Ask Linux to SIGKILL this process when its parent dies (best effort elsewhere)."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _worker_main(path: str, read_fd: int, write_fd: int, memory_limit: int) -> None:
    parent = os.getppid()
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the server, which stops its workers
    if os.getppid() != parent:
        return
    if memory_limit > 0:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
    requests = os.fdopen(read_fd, "rb")
    replies = os.fdopen(write_fd, "wb")
    try:
        store = ox.Store.read_only(path)
    except Exception as e:  # noqa: BLE001 - reported to the parent
        _write_message(replies, ("error", "WorkerFailed", f"cannot open the store at {path}: {e}"))
        return
    _write_message(replies, ("ready", len(store)))
    while True:
        header = requests.read(_HEADER.size)
        if len(header) < _HEADER.size:
            return  # the parent has gone
        text, results_format, graph_format, options = pickle.loads(requests.read(_HEADER.unpack(header)[0]))
        try:
            reply = ("ok", execute(store, text, results_format, graph_format, **options))
        except QueryError as e:
            reply = ("error", type(e).__name__, str(e))
        except MemoryError:
            reply = ("error", "QueryError", "the query needs more memory than this endpoint allows")
        except Exception as e:  # noqa: BLE001 - reported to the parent
            reply = ("error", "QueryError", f"the query failed: {type(e).__name__}: {e}")
        _write_message(replies, reply)


_ERRORS = {cls.__name__: cls for cls in (QueryError, QueryRefused, QueryTooLarge, QuerySyntaxError, QueryTimeout,
                                         ResultLimitExceeded, StoreBusy, WorkerFailed)}


class _Worker:
    """One worker process and the two pipes to it."""

    def __init__(self, path: str, memory_limit: int):
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        package_root = str(Path(__file__).resolve().parent.parent)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "publisher.store", path, str(to_child_r), str(from_child_w), str(memory_limit)],
                pass_fds=(to_child_r, from_child_w), env=env, stdin=subprocess.DEVNULL)
        finally:
            os.close(to_child_r)
            os.close(from_child_w)
        self.requests = os.fdopen(to_child_w, "wb")
        self.replies = from_child_r
        os.set_blocking(self.replies, False)
        self.triples: int | None = None
        self.killed = False

    def wait_ready(self, timeout: float) -> None:
        if self.triples is not None:
            return
        try:
            message = _read_message(self.replies, time.monotonic() + timeout)
        except TimeoutError:
            raise WorkerFailed(f"a query worker did not open the store within {timeout:g} s") from None
        except EOFError:
            raise WorkerFailed("a query worker exited while opening the store") from None
        if message[0] != "ready":
            raise WorkerFailed(message[2])
        self.triples = message[1]

    def send(self, request: tuple) -> None:
        _write_message(self.requests, request)

    def receive(self, deadline: float):
        return _read_message(self.replies, deadline)

    async def receive_async(self, deadline: float):
        return await _read_message_async(self.replies, deadline)

    def kill(self) -> None:
        if self.killed:  # once only: a second close of the pipe could hit a reused descriptor
            return
        self.killed = True
        with contextlib.suppress(ProcessLookupError):
            self.process.kill()
        self.process.wait()
        with contextlib.suppress(OSError):
            self.requests.close()
        with contextlib.suppress(OSError):
            os.close(self.replies)


class QueryPool:
    """Read-only SPARQL over the store at `path`, in `workers` killable worker processes.

    `query` blocks its calling thread (call it from a thread pool in async code); many threads may
    call it at once. At most `workers` queries run at a time, the others wait for a free worker for
    up to `timeout` seconds (then `StoreBusy`). A query still running after `timeout` seconds gets
    `QueryTimeout`; its worker is killed and replaced. `memory_limit` (bytes of address space per
    worker, 0 for none) stops a query that would eat the machine: its worker dies and the query gets
    `WorkerFailed`.
    """

    def __init__(self, path: str | os.PathLike, *, workers: int = DEFAULT_WORKERS, timeout: float = DEFAULT_TIMEOUT,
                 limit: int | None = DEFAULT_LIMIT, memory_limit: int = 0, prefixes: dict[str, str] | None = None,
                 start_timeout: float = 60.0):
        if not (Path(path) / "CURRENT").exists():
            raise FileNotFoundError(f"no store at {path}")
        self.path = str(path)
        self.timeout = timeout
        self.limit = limit
        self.memory_limit = memory_limit
        self.prefixes = PREFIXES if prefixes is None else prefixes
        self.start_timeout = start_timeout
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._live: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        for _ in range(workers):
            self._spawn()

    def _spawn(self, background: bool = False) -> None:
        """Start a worker; in the background, it joins the idle ones only once it has opened the store."""
        worker = _Worker(self.path, self.memory_limit)
        with self._lock:
            if self._closed:
                worker.kill()
                return
            self._live.add(worker)
        if not background:
            self._idle.put(worker)
            return

        def when_ready():
            try:
                worker.wait_ready(self.start_timeout)
            except WorkerFailed as e:
                print(f"xxgk: {e}", file=sys.stderr)
                self._retire(worker, replace=False)
                return
            self._idle.put(worker)

        threading.Thread(target=when_ready, name="xxgk-worker-start", daemon=True).start()

    def _retire(self, worker: _Worker, replace: bool = True) -> None:
        with self._lock:
            self._live.discard(worker)
        worker.kill()
        if replace and not self._closed:
            self._spawn(background=True)

    def wait_ready(self) -> int:
        """Wait until every worker has opened the store; return the number of triples in it."""
        taken = []
        try:
            for _ in range(len(self._live)):
                worker = self._idle.get(timeout=self.start_timeout)
                taken.append(worker)
                worker.wait_ready(self.start_timeout)
            return taken[0].triples if taken else 0
        finally:
            for worker in taken:
                self._idle.put(worker)

    def _prepare(self, text, results_format, graph_format, default_graph, named_graphs, timeout, limit):
        if self._closed:
            raise WorkerFailed("the query pool is closed")
        check_query(text)
        timeout = self.timeout if timeout is None else timeout
        options = {"limit": self.limit if limit is None else limit, "default_graph": default_graph,
                   "named_graphs": named_graphs, "prefixes": self.prefixes}
        return (text, results_format, graph_format, options), timeout

    def _dispatch(self, request: tuple, timeout: float, worker: _Worker | None = None) -> _Worker:
        """Send `request` to an idle worker (`worker` if given: already taken) and return that worker."""
        for attempt in (1, 2):  # a worker that died while idle is replaced, and the query sent to another
            if worker is None:
                try:
                    worker = self._idle.get(timeout=timeout)
                except queue.Empty:
                    raise StoreBusy(f"every query worker stayed busy for {timeout:g} s; try again later") from None
            try:
                worker.wait_ready(self.start_timeout)
                worker.send(request)
                return worker
            except (WorkerFailed, OSError):
                self._retire(worker)
                worker = None
                if attempt == 2:
                    raise WorkerFailed("no query worker could take the query") from None
            except BaseException:
                self._retire(worker)
                raise
        raise AssertionError("unreachable")

    def _failed(self, worker: _Worker, error: BaseException, timeout: float) -> BaseException:
        self._retire(worker)
        if isinstance(error, TimeoutError):
            return QueryTimeout(f"the query ran longer than {timeout:g} s, the time limit of this endpoint, "
                                "and was stopped")
        if isinstance(error, (EOFError, OSError, pickle.UnpicklingError)):
            return WorkerFailed("the query worker died while running the query (out of memory?)")
        return error

    def _finish(self, worker: _Worker, reply) -> Result:
        self._idle.put(worker)
        if reply[0] == "ok":
            return reply[1]
        raise _ERRORS.get(reply[1], QueryError)(reply[2])

    def query(self, text: str, results_format: str = "json", graph_format: str = "turtle", *,
              default_graph: list[str] | None = None, named_graphs: list[str] | None = None,
              timeout: float | None = None, limit: int | None = None) -> Result:
        """Run one query; blocks the calling thread until its result, or an error, is there."""
        request, timeout = self._prepare(text, results_format, graph_format, default_graph, named_graphs,
                                         timeout, limit)
        worker = self._dispatch(request, timeout)
        try:
            reply = worker.receive(time.monotonic() + timeout)
        except BaseException as e:
            raise self._failed(worker, e, timeout) from None
        return self._finish(worker, reply)

    async def aquery(self, text: str, results_format: str = "json", graph_format: str = "turtle", *,
                     default_graph: list[str] | None = None, named_graphs: list[str] | None = None,
                     timeout: float | None = None, limit: int | None = None) -> Result:
        """`query` for asyncio: waits for the worker in the event loop, not in a thread.

        Only when every worker is busy does the wait for a free one go to a thread. A cancelled
        call kills its worker, so no stale answer is left in the pipe.
        """
        request, timeout = self._prepare(text, results_format, graph_format, default_graph, named_graphs,
                                         timeout, limit)
        try:
            worker = self._idle.get_nowait()
        except queue.Empty:
            worker = None
        if worker is not None and worker.triples is not None:
            worker = self._dispatch(request, timeout, worker)
        else:
            worker = await asyncio.to_thread(self._dispatch, request, timeout, worker)
        try:
            reply = await worker.receive_async(time.monotonic() + timeout)
        except BaseException as e:
            raise self._failed(worker, e, timeout) from None
        return self._finish(worker, reply)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers = list(self._live)
            self._live.clear()
        for worker in workers:
            worker.kill()

    def __enter__(self) -> QueryPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


if __name__ == "__main__":  # a worker: run from the imported module, so pickled classes are publisher.store's
    from publisher.store import _worker_main as main

    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
