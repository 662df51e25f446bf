"""An external SPARQL 1.1 server as the triple store, for data past one machine (`--store URL`).

The embedded pyoxigraph store (publisher/store.py) stays the default. `RemoteStore` keeps the data
in any SPARQL 1.1 server instead: RDF goes in through the Graph Store HTTP Protocol (a POST per
file, streamed in chunks), queries go through the SPARQL 1.1 Protocol (a form POST), and a graph
is emptied by a Graph Store DELETE or a SPARQL Update ``CLEAR``. It is tested against the
``oxigraph`` server of PyPI (``oxigraph serve``); nothing in it is particular to that server.

Store locations (`open_store`, `RemoteStore.from_url`, ``xxgk serve DIR --store LOCATION``)
    ``http://HOST:PORT`` or ``http://HOST:PORT/PREFIX/`` (no path, or a path ending in ``/``)
        a server laid out like ``oxigraph serve``: queries at ``…/query``, the Graph Store
        Protocol at ``…/store``, updates at ``…/update``.
    ``http://HOST:PORT/PATH`` (a path that does not end in ``/``)
        one SPARQL endpoint for both queries and updates (Virtuoso's ``/sparql``, for one). It
        has no Graph Store Protocol, so nothing can be loaded through it: use the next form.
    ``query=URL&store=URL&update=URL``
        each endpoint spelled out; ``store`` (loading) and ``update`` may be left out. Written
        as a query string: an ``&`` or ``=`` inside one of the URLs is percent-encoded.
    anything else
        a directory: the embedded store (`publisher.store.open_store`).

    ``https://`` works wherever ``http://`` does; ``http://USER:PASSWORD@HOST…`` sends HTTP
    basic authentication.

Operations
    `load` / `load_path` (POST to ``store?default``, or ``store?graph=IRI``), `clear` (DELETE of
    the same, or ``CLEAR DEFAULT`` / ``CLEAR SILENT GRAPH <IRI>`` when there is no Graph Store
    URL), `count` (``SELECT (COUNT(*) AS ?n)`` over the default graph, or one named graph),
    `query` (SELECT → `Solutions`, ASK → bool, CONSTRUCT / DESCRIBE → N-Triples bytes), `update`,
    `dump`. `bulk_load`, `len()` and `flush` behave like pyoxigraph's, for code written for it.
    For the web server, `aquery` answers like `publisher.store.QueryPool.aquery`: the same
    lexical refusals (`check_query`), time limit and result limit, with at most
    `max_concurrent` queries at the server at once.

Errors
    Every failure is a `RemoteError` that names the URL, and the HTTP status when there was one:
    `RemoteUnavailable` (nothing answers), `RemoteTimeout`, `RemoteRejected` (status 400: the
    query or the data does not parse; the message is the server's) and `RemoteFailed` (any other
    error status, or an answer that cannot be read). They are also the `QueryError`s of
    publisher/store.py that the server maps to HTTP statuses.

A query cut short by its time limit is only abandoned on this side: the server goes on until it
is done or its own limit stops it (``oxigraph serve --timeout-s S``; give it the same limit).
"""

from __future__ import annotations

import asyncio
import datetime
import gzip
import hashlib
import html
import json
import os
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

import httpx
import pyoxigraph as ox

from .store import (
    DEFAULT_LIMIT,
    DEFAULT_WORKERS,
    GRAPH_FORMATS,
    PREFIXES,
    RESULT_FORMATS,
    XSD,
    QueryError,
    QuerySyntaxError,
    QueryTimeout,
    Result,
    StoreBusy,
    WorkerFailed,
    _format_of,
    check_query,
    limit_exceeded,
    query_form,
    write_boolean,
    write_graph,
    write_solutions,
)

DEFAULT_REMOTE_TIMEOUT = 60.0  # seconds: a query, or a pause in any exchange with the server
DEFAULT_LOAD_TIMEOUT = 3600.0  # seconds the server may take to answer once a file is sent
CHUNK_BYTES = 1 << 20  # files are sent in chunks of this size
MAX_RESPONSE_BYTES = 512 << 20  # the largest answer read from the server
_ERROR_CHARS = 2000  # of an error body, kept in the message

_SOLUTIONS_ACCEPT = "application/sparql-results+json, application/sparql-results+xml;q=0.8"
_GRAPH_ACCEPT = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5, text/plain;q=0.4"
_ACCEPT = {"SELECT": _SOLUTIONS_ACCEPT, "ASK": _SOLUTIONS_ACCEPT, "CONSTRUCT": _GRAPH_ACCEPT,
           "DESCRIBE": _GRAPH_ACCEPT, None: f"{_SOLUTIONS_ACCEPT}, {_GRAPH_ACCEPT}"}
_RESULTS_MEDIA = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON, "application/json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML, "application/xml": ox.QueryResultsFormat.XML,
    "text/xml": ox.QueryResultsFormat.XML, "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
_GRAPH_MEDIA = {"text/plain": ox.RdfFormat.N_TRIPLES, "application/xml": ox.RdfFormat.RDF_XML,
                "text/xml": ox.RdfFormat.RDF_XML, "application/json": ox.RdfFormat.JSON_LD}


# ---------------------------------------------------------------------------------------------
# Errors


class RemoteError(Exception):
    """The SPARQL server at `url` failed a request; `status` is its HTTP status (None: no answer)."""

    def __init__(self, message: str, url: str, status: int | None = None, reason: str = ""):
        super().__init__(message)
        self.url = url
        self.status = status
        self.reason = reason  # the server's own words, when it gave some

    @property
    def public(self) -> str:
        """What the web server tells its clients (without the store's URL)."""
        return str(self)


class RemoteUnavailable(RemoteError, WorkerFailed):
    """Nothing answers at the URL (connection refused, unknown host, connection lost)."""

    @property
    def public(self) -> str:
        return "the triple store does not answer; try again later"


class RemoteTimeout(RemoteError, QueryTimeout):
    """The server took longer than the timeout."""

    @property
    def public(self) -> str:
        return "the triple store did not answer in time; try again later"


class RemoteRejected(RemoteError, QuerySyntaxError):
    """The server answered 400: the query or the data does not parse; `reason` is its message."""

    @property
    def public(self) -> str:
        return self.reason or "the triple store refused the query"


class RemoteFailed(RemoteError, QueryError):
    """Any other error status, or an answer that is not what was asked for."""

    @property
    def public(self) -> str:
        status = f" (HTTP {self.status})" if self.status else ""
        return f"the triple store failed to answer{status}"


def _error_text(body: bytes, media: str) -> str:
    text = body.decode("utf-8", "replace")
    if "html" in media or text.lstrip().startswith("<"):
        text = html.unescape(re.sub(r"<[^>]*>", " ", re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", text)))
    text = " ".join(text.split())
    return text[:_ERROR_CHARS] + ("…" if len(text) > _ERROR_CHARS else "")


def _status_error(method: str, url: str, response: httpx.Response, body: bytes) -> RemoteError:
    reason = _error_text(body, response.headers.get("content-type", ""))
    message = f"the SPARQL server at {url} answered {method} with {response.status_code} {response.reason_phrase}"
    message += f": {reason}" if reason else ""
    cls = RemoteRejected if response.status_code == 400 else RemoteFailed
    return cls(message, url, response.status_code, reason)


def _transport_error(url: str, error: httpx.TransportError, timeout: float | None) -> RemoteError:
    if isinstance(error, httpx.TimeoutException) and not isinstance(error, httpx.ConnectTimeout):
        return RemoteTimeout(f"the SPARQL server at {url} did not answer within {timeout:g} s", url)
    what = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    return RemoteUnavailable(f"the SPARQL server at {url} cannot be reached ({what})", url)


# ---------------------------------------------------------------------------------------------
# URLs


def endpoints(location: str) -> tuple[str, str | None, str | None]:
    """(query URL, Graph Store URL or None, update URL or None) of a store location (module docstring)."""
    text = location.strip()
    if not text.lower().startswith(("http://", "https://")):
        try:
            pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=True)
        except ValueError:
            pairs = []
        urls = dict(pairs)
        if not pairs or len(urls) != len(pairs) or not set(urls) <= {"query", "store", "update"} or "query" not in urls:
            raise ValueError(f"not a store URL: {location!r}; give http://HOST:PORT or query=URL&store=URL&update=URL")
        for key, url in urls.items():
            if not url.lower().startswith(("http://", "https://")) or not urlsplit(url).netloc:
                raise ValueError(f"the {key} URL of {location!r} is not an http(s) URL: {url!r}")
        return urls["query"], urls.get("store") or None, urls.get("update") or None
    parts = urlsplit(text)
    if not parts.netloc:
        raise ValueError(f"not a store URL: {location!r}: no host")
    if parts.query or parts.fragment:
        raise ValueError(f"a store URL has no query or fragment: {location!r}; spell each endpoint out with "
                         "query=URL&store=URL&update=URL (percent-encoded)")
    if parts.path in ("", "/") or parts.path.endswith("/"):
        prefix = urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))
        return prefix + "/query", prefix + "/store", prefix + "/update"
    return text, None, text


def _graph_url(store_url: str, graph: str | None) -> str:
    joiner = "&" if "?" in store_url else "?"
    return store_url + joiner + ("default" if graph is None else "graph=" + quote(str(graph), safe=""))


def _media_type(fmt) -> str:
    """A media type from an `ox.RdfFormat`, a media type or a file extension."""
    if isinstance(fmt, ox.RdfFormat):
        return fmt.media_type
    text = str(fmt).strip()
    if "/" in text:
        return text
    found = ox.RdfFormat.from_extension(text.lstrip(".").lower())
    if found is None:
        raise ValueError(f"unknown RDF format {fmt!r}")
    return found.media_type


def _graph_name(graph) -> str | None:
    if graph is None or isinstance(graph, ox.DefaultGraph):
        return None
    return graph.value if isinstance(graph, ox.NamedNode) else str(graph)


# ---------------------------------------------------------------------------------------------
# Results


def python_value(term) -> Any:
    """A plain Python value for an RDF term: IRIs as str, blank nodes as "_:label", literals by
    datatype (int, Decimal, float, bool, datetime, date; str otherwise), None for unbound."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    if isinstance(term, ox.Triple):
        return (python_value(term.subject), python_value(term.predicate), python_value(term.object))
    value, datatype = term.value, term.datatype.value
    if not datatype.startswith(XSD):
        return value
    kind = datatype[len(XSD):]
    try:
        if kind in ("integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
                    "negativeInteger", "nonPositiveInteger", "unsignedLong", "unsignedInt", "unsignedShort",
                    "unsignedByte"):
            return int(value)
        if kind == "decimal":
            return Decimal(value)
        if kind in ("double", "float"):
            return float(value)
        if kind == "boolean":
            return value.strip() in ("true", "1")
        if kind == "dateTime":
            return datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        if kind == "date":
            return datetime.date.fromisoformat(value)
    except (ValueError, InvalidOperation):
        return value
    return value


class Row:
    """One solution: terms by variable name (or position); unbound variables are None."""

    __slots__ = ("_index", "_terms")

    def __init__(self, index: dict[str, int], terms: tuple):
        self._index = index
        self._terms = terms

    def __getitem__(self, key):
        if isinstance(key, int):
            return self._terms[key]
        name = key.value if isinstance(key, ox.Variable) else key
        return self._terms[self._index[name]]

    def get(self, name: str, default=None):
        position = self._index.get(name)
        term = None if position is None else self._terms[position]
        return default if term is None else term

    def __iter__(self) -> Iterator:
        return iter(self._terms)

    def __len__(self) -> int:
        return len(self._terms)

    def __eq__(self, other) -> bool:
        return isinstance(other, Row) and (self._index, self._terms) == (other._index, other._terms)

    __hash__ = None

    def asdict(self) -> dict[str, Any]:
        """The bound variables as plain Python values (`python_value`)."""
        return {name: python_value(self._terms[i]) for name, i in self._index.items() if self._terms[i] is not None}

    def __repr__(self) -> str:
        return f"Row({self.asdict()!r})"


class Solutions:
    """The answer of a SELECT: `names` (the variables, as str), `variables` (as `ox.Variable`) and
    the rows, in the server's order; `values()` gives them as dicts of plain Python values."""

    def __init__(self, names: list[str], rows: list[tuple]):
        self.names = names
        self.variables = [ox.Variable(n) for n in names]
        index = {n: i for i, n in enumerate(names)}
        self.rows = [Row(index, r) for r in rows]

    def __iter__(self) -> Iterator[Row]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, position: int) -> Row:
        return self.rows[position]

    def values(self) -> list[dict[str, Any]]:
        return [row.asdict() for row in self.rows]

    def __repr__(self) -> str:
        return f"Solutions({self.names!r}, {len(self.rows)} rows)"


def _blank_node(label: str) -> ox.BlankNode:
    try:
        return ox.BlankNode(label)
    except ValueError:  # e.g. Virtuoso's nodeID://b123: same label, same node
        return ox.BlankNode("b" + hashlib.sha1(label.encode()).hexdigest()[:24])


def _json_term(b: dict):
    kind, value = b.get("type"), b.get("value")
    if kind == "uri":
        return ox.NamedNode(value)
    if kind == "bnode":
        return _blank_node(value)
    if kind in ("literal", "typed-literal"):
        if b.get("xml:lang"):
            return ox.Literal(value, language=b["xml:lang"])
        if b.get("datatype"):
            return ox.Literal(value, datatype=ox.NamedNode(b["datatype"]))
        return ox.Literal(value)
    if kind == "triple":
        return ox.Triple(_json_term(value["subject"]), _json_term(value["predicate"]), _json_term(value["object"]))
    raise ValueError(f"unknown term type {kind!r}")


def _decode(url: str, content_type: str, body: bytes, form: str | None):
    """("boolean", bool) | ("solutions", names, rows of terms) | ("graph", triples) from an answer."""
    media = content_type.split(";")[0].strip().lower()
    graph_expected = form in ("CONSTRUCT", "DESCRIBE")
    if not media and not graph_expected and body.lstrip()[:1] == b"{":
        media = "application/sparql-results+json"
    results_format = _RESULTS_MEDIA.get(media)
    graph_format = (_GRAPH_MEDIA.get(media) or ox.RdfFormat.from_media_type(media)) if media else None
    try:
        # application/json and application/xml are results, unless a graph was asked for
        if results_format is not None and (not graph_expected or "+" in media or graph_format is None):
            if results_format == ox.QueryResultsFormat.JSON:
                doc = json.loads(body)
                if "boolean" in doc:
                    return "boolean", bool(doc["boolean"])
                names = list(doc["head"].get("vars", []))
                rows = [tuple(_json_term(b[n]) if n in b else None for n in names)
                        for b in doc["results"]["bindings"]]
                return "solutions", names, rows
            answer = ox.parse_query_results(body, results_format)
            if isinstance(answer, ox.QueryBoolean):
                return "boolean", bool(answer)
            names = [v.value for v in answer.variables]
            return "solutions", names, [tuple(s[n] for n in names) for s in answer]
        if graph_format is not None and form not in ("SELECT", "ASK"):
            return "graph", _triples(body, graph_format)
    except (ValueError, KeyError, TypeError, SyntaxError, AttributeError) as e:
        tail = _error_text(body[-300:], media)
        raise RemoteFailed(f"the answer of the SPARQL server at {url} cannot be read as {media}: {e}"
                           + (f" (it ends: {tail})" if tail else ""), url, 200) from None
    raise RemoteFailed(f"the SPARQL server at {url} answered with {media or 'no media type'}, "
                       f"which is not a {'graph' if graph_expected else 'SPARQL results'} format", url, 200)


def _triples(body: bytes, fmt: ox.RdfFormat) -> list[ox.Triple]:
    out = []
    for item in ox.parse(body, format=fmt):
        if isinstance(item, ox.Quad):
            if not isinstance(item.graph_name, ox.DefaultGraph):
                continue
            item = item.triple
        out.append(item)
    return out


def _chunks(stream: BinaryIO, size: int = CHUNK_BYTES) -> Iterator[bytes]:
    while chunk := stream.read(size):
        yield chunk


def _file_chunks(path: str, size: int = CHUNK_BYTES) -> Iterator[bytes]:
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as stream:
        yield from _chunks(stream, size)


# ---------------------------------------------------------------------------------------------
# The store


class RemoteStore:
    """A SPARQL 1.1 server used as the triple store (see the module docstring).

    `query_url` is the SPARQL Protocol query endpoint, `graph_store_url` the Graph Store Protocol
    endpoint (for loading), `update_url` the SPARQL Update endpoint. `timeout` bounds every wait
    for the server, and a whole query in `aquery`; `load_timeout` how long the server may take to
    answer once a file is sent. `limit`, `max_concurrent` and `prefixes` are for `aquery`.
    """

    def __init__(self, query_url: str, graph_store_url: str | None = None, update_url: str | None = None, *,
                 timeout: float = DEFAULT_REMOTE_TIMEOUT, load_timeout: float | None = DEFAULT_LOAD_TIMEOUT,
                 limit: int | None = DEFAULT_LIMIT, max_concurrent: int = DEFAULT_WORKERS,
                 prefixes: dict[str, str] | None = None, max_response_bytes: int = MAX_RESPONSE_BYTES):
        self.query_url = query_url
        self.graph_store_url = graph_store_url
        self.update_url = update_url
        self.timeout = timeout
        self.load_timeout = load_timeout
        self.limit = limit
        self.max_concurrent = max(1, max_concurrent)
        self.prefixes = PREFIXES if prefixes is None else prefixes
        self.max_response_bytes = max_response_bytes
        self._client: httpx.Client | None = None
        self._async: tuple[asyncio.AbstractEventLoop, httpx.AsyncClient, asyncio.Semaphore] | None = None

    @classmethod
    def from_url(cls, location: str, **options) -> RemoteStore:
        """The store at `location`, one of the URL forms of the module docstring."""
        return cls(*endpoints(location), **options)

    def __repr__(self) -> str:
        return f"RemoteStore({self.query_url!r}, {self.graph_store_url!r}, {self.update_url!r})"

    # -- HTTP ------------------------------------------------------------------------------------

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(timeout=self.timeout, headers={"User-Agent": "xxgk"})
        return self._client

    def _request(self, method: str, url: str, *, timeout=None, **kwargs) -> tuple[httpx.Response, bytes]:
        """One exchange; the answer's body is read whole (up to max_response_bytes)."""
        timeout = self.timeout if timeout is None else timeout
        try:
            with self.client.stream(method, url, timeout=timeout, **kwargs) as response:
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > self.max_response_bytes:
                        raise RemoteFailed(f"the answer of the SPARQL server at {url} is larger than "
                                           f"{self.max_response_bytes} bytes", url, response.status_code)
        except httpx.TransportError as e:
            seconds = timeout.read if isinstance(timeout, httpx.Timeout) else timeout
            raise _transport_error(url, e, seconds) from None
        if response.status_code >= 400:
            raise _status_error(method, url, response, bytes(body))
        return response, bytes(body)

    def _need(self, url: str | None, what: str) -> str:
        if url is None:
            raise RemoteError(f"the store at {self.query_url} has no {what} URL; give it with "
                              f"query=URL&store=URL&update=URL", self.query_url)
        return url

    # -- loading and clearing ----------------------------------------------------------------------

    def load(self, data: bytes | BinaryIO | Iterable[bytes], media_type, graph: str | None = None) -> None:
        """Add RDF to the default graph (or the named `graph`) by a Graph Store Protocol POST.

        `data` is bytes, a binary stream (read and sent in chunks) or an iterable of byte chunks;
        `media_type` a media type, an `ox.RdfFormat` or a file extension.
        """
        if isinstance(data, (bytes, bytearray, memoryview)):
            content = bytes(data)
        elif hasattr(data, "read"):
            content = _chunks(data)
        else:
            content = iter(data)
        self._post_data(content, _media_type(media_type), graph)

    def load_path(self, path: str | os.PathLike, media_type=None, graph: str | None = None) -> None:
        """Add the RDF file at `path` (``.nt``, ``.ttl``, … optionally ``.gz``), streamed in chunks;
        its format follows the extension unless `media_type` is given."""
        name = str(path)
        media = _media_type(media_type if media_type is not None else _format_of(name))
        headers = {}
        if not name.endswith(".gz"):
            headers["Content-Length"] = str(Path(name).stat().st_size)
        else:
            Path(name).stat()  # a missing file is FileNotFoundError here, not in the middle of a request
        self._post_data(_file_chunks(name), media, graph, headers)

    def _post_data(self, content, media: str, graph: str | None, headers: dict | None = None) -> None:
        url = _graph_url(self._need(self.graph_store_url, "Graph Store Protocol"), _graph_name(graph))
        timeout = httpx.Timeout(self.timeout, read=self.load_timeout)
        self._request("POST", url, content=content, timeout=timeout,
                      headers={"Content-Type": media, **(headers or {})})

    def bulk_load(self, input=None, format=None, *, path=None, base_iri=None, to_graph=None) -> None:
        """pyoxigraph's `Store.bulk_load`, over the Graph Store Protocol (no `base_iri`)."""
        if base_iri is not None:
            raise ValueError("a base IRI cannot be given to a remote store")
        if path is not None:
            self.load_path(path, format, _graph_name(to_graph))
        else:
            if format is None:
                raise ValueError("the format is needed to load bytes or a stream")
            self.load(input, format, _graph_name(to_graph))

    def clear(self, graph: str | None = None) -> None:
        """Empty the default graph (or the named `graph`): a Graph Store DELETE, or SPARQL Update."""
        graph = _graph_name(graph)
        if self.graph_store_url is not None:
            try:
                self._request("DELETE", _graph_url(self.graph_store_url, graph))
            except RemoteFailed as e:
                if e.status != 404:  # 404: there was no such graph, which is as good as empty
                    raise
            return
        self._need(self.update_url, "Graph Store Protocol or update")
        self.update("CLEAR DEFAULT" if graph is None else f"CLEAR SILENT GRAPH <{graph}>")

    def update(self, sparql: str) -> None:
        """Run a SPARQL Update at the update endpoint."""
        url = self._need(self.update_url, "update")
        self._request("POST", url, content=sparql.encode("utf-8"),
                      headers={"Content-Type": "application/sparql-update; charset=utf-8"})

    def flush(self) -> None:
        """Nothing to do: the server has the data once `load` returns (as pyoxigraph's `flush`)."""

    def dump(self, output=None, format=ox.RdfFormat.N_TRIPLES, *, from_graph=None) -> bytes | None:
        """The default graph (or `from_graph`) by a Graph Store GET, into the file path or binary
        stream `output` (streamed), or returned as bytes when `output` is None."""
        url = _graph_url(self._need(self.graph_store_url, "Graph Store Protocol"), _graph_name(from_graph))
        media = _media_type(format or ox.RdfFormat.N_TRIPLES)
        if output is None:
            return self._request("GET", url, headers={"Accept": media})[1]
        try:
            with self.client.stream("GET", url, headers={"Accept": media}) as response:
                if response.status_code >= 400:
                    raise _status_error("GET", url, response, response.read())
                stream = open(output, "wb") if isinstance(output, (str, os.PathLike)) else output  # noqa: SIM115
                try:
                    for chunk in response.iter_bytes(CHUNK_BYTES):
                        stream.write(chunk)
                finally:
                    if stream is not output:
                        stream.close()
        except httpx.TransportError as e:
            raise _transport_error(url, e, self.timeout) from None
        return None

    # -- querying --------------------------------------------------------------------------------

    def _query_form_data(self, sparql: str, default_graph, named_graphs) -> dict[str, str | list[str]]:
        data: dict[str, str | list[str]] = {"query": sparql}
        if default_graph:
            data["default-graph-uri"] = list(default_graph)
        if named_graphs:
            data["named-graph-uri"] = list(named_graphs)
        return data

    def query(self, sparql: str, *, default_graph: list[str] | None = None,
              named_graphs: list[str] | None = None) -> Solutions | bool | bytes:
        """Run a query: SELECT → `Solutions`, ASK → bool, CONSTRUCT / DESCRIBE → N-Triples bytes."""
        form = query_form(sparql)
        response, body = self._request("POST", self.query_url,
                                       data=self._query_form_data(sparql, default_graph, named_graphs),
                                       headers={"Accept": _ACCEPT[form]})
        content_type = response.headers.get("content-type", "")
        if form in ("CONSTRUCT", "DESCRIBE") and content_type.split(";")[0].strip() == "application/n-triples":
            return body
        kind, *payload = _decode(self.query_url, content_type, body, form)
        if kind == "boolean":
            return payload[0]
        if kind == "solutions":
            return Solutions(*payload)
        return ox.serialize(payload[0], format=ox.RdfFormat.N_TRIPLES)

    def count(self, graph: str | None = None) -> int:
        """The number of triples in the default graph, or in the named `graph`."""
        graph = _graph_name(graph)
        pattern = "?s ?p ?o" if graph is None else f"GRAPH <{graph}> {{ ?s ?p ?o }}"
        answer = self.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}")
        if not isinstance(answer, Solutions) or len(answer) != 1 or answer[0][0] is None:
            raise RemoteFailed(f"the SPARQL server at {self.query_url} gave no count", self.query_url)
        return int(answer[0][0].value)

    def __len__(self) -> int:
        return self.count()

    # -- the web server's queries ------------------------------------------------------------------

    def _async_state(self) -> tuple[httpx.AsyncClient, asyncio.Semaphore]:
        loop = asyncio.get_running_loop()
        if self._async is None or self._async[0] is not loop:
            client = httpx.AsyncClient(timeout=self.timeout, headers={"User-Agent": "xxgk"},
                                       limits=httpx.Limits(max_connections=self.max_concurrent))
            self._async = (loop, client, asyncio.Semaphore(self.max_concurrent))
        return self._async[1], self._async[2]

    async def aquery(self, text: str, results_format: str = "json", graph_format: str = "turtle", *,
                     default_graph: list[str] | None = None, named_graphs: list[str] | None = None,
                     timeout: float | None = None, limit: int | None = None) -> Result:
        """`publisher.store.QueryPool.aquery`, answered by the server: the same refusals, time limit
        (`QueryTimeout`), result limit (`ResultLimitExceeded`) and wait for a free slot (`StoreBusy`)."""
        check_query(text)
        if results_format not in RESULT_FORMATS:
            raise ValueError(f"unknown results format {results_format!r}")
        if graph_format not in GRAPH_FORMATS:
            raise ValueError(f"unknown graph format {graph_format!r}")
        timeout = self.timeout if timeout is None else timeout
        limit = self.limit if limit is None else limit
        form = query_form(text)
        client, slots = self._async_state()
        try:
            async with asyncio.timeout(timeout):
                await slots.acquire()
        except TimeoutError:
            raise StoreBusy(f"every query slot stayed busy for {timeout:g} s; try again later") from None
        try:
            async with asyncio.timeout(timeout):
                content_type, body = await self._afetch(client, text, form, default_graph, named_graphs, timeout)
        except TimeoutError:
            raise QueryTimeout(f"the query ran longer than {timeout:g} s, the time limit of this endpoint, "
                               "and was stopped") from None
        finally:
            slots.release()
        return await asyncio.to_thread(self._result, content_type, body, form, results_format, graph_format, limit)

    async def _afetch(self, client: httpx.AsyncClient, text: str, form: str | None, default_graph, named_graphs,
                      timeout: float) -> tuple[str, bytes]:
        url = self.query_url
        try:
            async with client.stream("POST", url, data=self._query_form_data(text, default_graph, named_graphs),
                                     headers={"Accept": _ACCEPT[form]}, timeout=timeout + 1) as response:
                if response.status_code >= 400:
                    raise _status_error("POST", url, response, (await response.aread())[:1 << 20])
                body = bytearray()
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > self.max_response_bytes:
                        raise RemoteFailed(f"the answer of the SPARQL server at {url} is larger than "
                                           f"{self.max_response_bytes} bytes", url, response.status_code)
                return response.headers.get("content-type", ""), bytes(body)
        except httpx.TransportError as e:
            raise _transport_error(url, e, timeout) from None

    def _result(self, content_type: str, body: bytes, form: str | None, results_format: str, graph_format: str,
                limit: int | None) -> Result:
        kind, *payload = _decode(self.query_url, content_type, body, form)
        if kind == "boolean":
            return Result("boolean", results_format, write_boolean(payload[0], results_format), 1)
        if kind == "solutions":
            names, rows = payload
            if limit is not None and len(rows) > limit:
                raise limit_exceeded(limit, "solutions")
            return Result("solutions", results_format, write_solutions(names, rows, results_format), len(rows))
        triples = payload[0]
        if limit is not None and len(triples) > limit:
            raise limit_exceeded(limit, "triples")
        return Result("graph", graph_format, write_graph(triples, graph_format, self.prefixes), len(triples))

    def wait_ready(self) -> int:
        """The number of triples in the default graph (QueryPool's `wait_ready`)."""
        return self.count()

    # -- closing ---------------------------------------------------------------------------------

    async def aclose(self) -> None:
        if self._async is not None:
            client = self._async[1]
            self._async = None
            await client.aclose()

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._async is not None:  # outside its event loop: dropped, its connections close with it
            self._async = None

    def __enter__(self) -> RemoteStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


__all__ = ["RemoteStore", "RemoteError", "RemoteUnavailable", "RemoteTimeout", "RemoteRejected", "RemoteFailed",
           "Solutions", "Row", "endpoints", "python_value"]

