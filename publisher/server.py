"""The SPARQL endpoint and linked-data server over a build directory (`xxgk serve DIR`).

DIR is what `xxgk build` writes: ``DIR/store`` (the pyoxigraph store), ``DIR/site`` (the static
website), ``DIR/dumps`` (downloads) and ``DIR/build.json`` (``{"base": "https://w3id.org/xxgk/", …}``).

SPARQL endpoint, ``/sparql`` (SPARQL 1.1 Protocol, query only)
    * ``GET /sparql?query=…``, ``POST /sparql`` with a form (``application/x-www-form-urlencoded``,
      field ``query``), or ``POST /sparql`` with the query as body (``application/sparql-query``).
      ``default-graph-uri`` and ``named-graph-uri`` are honoured (all data is in the default graph).
    * SELECT and ASK answer in SPARQL JSON (the default), XML, CSV or TSV; CONSTRUCT and DESCRIBE in
      Turtle (the default), N-Triples, JSON-LD or RDF/XML. The format follows the ``Accept`` header,
      or a ``format=`` (also ``output=``) parameter, which wins: ``json``, ``xml``, ``csv``, ``tsv``,
      ``turtle``, ``ntriples``, ``jsonld``, ``rdfxml`` or a media type.
    * ``GET /sparql`` without a query: for browsers (``Accept: text/html``) the query page
      (``DIR/site/sparql/index.html`` when the site has one, else a minimal built-in form); for
      everyone else the SPARQL service description, in Turtle unless ``Accept`` asks for another
      RDF format.
    * Every response carries ``Access-Control-Allow-Origin: *``; CORS preflights are answered.
    * Errors are plain text with a one-line reason:

      ====  ==================================================================================
      400   the query does not parse (the message is the parser's); no query or two queries;
            the parameters or body are not UTF-8; the result has more rows or triples than the
            result limit (``--limit``, default 100000: add a LIMIT to the query)
      403   SPARQL Update (``update=`` or ``application/sparql-update``) and SERVICE (federated
            query) are refused: the endpoint is read-only and never calls other hosts
      413   the query is longer than 100 kB
      415   a POST body that is neither a form nor ``application/sparql-query``
      503   the query ran longer than the timeout (``--timeout``, default 10 s) and was stopped,
            or every query worker stayed busy that long, or the query exceeded the memory allowed
            to a worker; the server keeps answering other requests meanwhile
      ====  ==================================================================================

Linked data
    Every resource URI ``{base}<path>`` (``agency/<slug>``, ``report/<slug>/<year>``,
    ``report/<slug>/<year>/cell/<cell>``, ``def/…``, …) dereferences at ``/<path>`` with content
    negotiation on ``Accept``:

    * for browsers (``text/html``, also ``*/*`` or no Accept) a **303 See Other** to the resource's
      HTML page ``/<path>/`` when the site has one (``DIR/site/<path>/index.html``); a resource with
      no page but with triples gets a minimal generated HTML view; otherwise 404;
    * for machines (``text/turtle``, ``application/n-triples``, ``application/ld+json``,
      ``application/rdf+xml``) a **200** with ``DESCRIBE <{base}<path>>`` from the store: the
      triples whose subject is the resource, and the triples of the blank nodes they reach,
      transitively; **404** when the store has no triple about it.

    Responses vary on Accept. A path ending in ``/`` is the page itself (static), except that an RDF
    request for a slash URI the store knows (the ontology ``…/def/``) gets its description. Paths
    under ``/def/`` name the ontology and code lists, whose namespace is always
    ``https://w3id.org/xxgk/def/``, whatever the base.

Running
    ``xxgk serve DIR [--host 127.0.0.1] [--port 8000] [--timeout 10] [--limit 100000] [--workers 2]
    [--store LOCATION]``.
    Queries run in ``--workers`` pyoxigraph processes that open the store read-only; one that runs
    past the timeout is killed and replaced, and one that needs more than its memory allowance
    (2 GiB plus twice the store's size, as address space) dies alone: the server itself never
    blocks on a query. Ctrl-C or SIGTERM stops the workers with the server.

    ``--store`` answers from another store than ``DIR/store``: another directory, or a SPARQL 1.1
    server (``http://HOST:PORT`` for ``oxigraph serve``, or ``query=URL&store=URL&update=URL``;
    the forms are in publisher/remote.py). With a server, /sparql queries and the DESCRIBEs of
    linked data are forwarded to it under the same rules (refusals, timeout, result limit, at most
    ``--workers`` at a time) and its answers are written out here in the format asked for; a
    store that does not answer gives 503, one that fails 502. A query past the timeout is
    abandoned, not stopped: give the server the same time limit (``oxigraph serve --timeout-s``).

Static files
    Everything else is served from ``DIR/site`` (``index.html`` for directories, ``404.html`` for
    misses when present) and ``/dumps/…`` from ``DIR/dumps``.
"""

from __future__ import annotations

import contextlib
import html
import json
import mimetypes
import os
import re
import sys
from pathlib import Path
from urllib.parse import unquote_to_bytes

import pyoxigraph as ox
from fastapi import FastAPI, Request
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.staticfiles import StaticFiles

from .remote import RemoteError, RemoteFailed, RemoteStore
from .store import (
    DEF,
    DEFAULT_LIMIT,
    DEFAULT_TIMEOUT,
    DEFAULT_WORKERS,
    GRAPH_FORMATS,
    MAX_QUERY_BYTES,
    PREFIXES,
    QueryError,
    QueryPool,
    QueryRefused,
    QuerySyntaxError,
    QueryTimeout,
    QueryTooLarge,
    ResultLimitExceeded,
    StoreBusy,
    WorkerFailed,
    is_remote,
    write_graph,
)

DEFAULT_BASE = "https://w3id.org/xxgk/"

for _type, _ext in (("text/turtle", ".ttl"), ("application/n-triples", ".nt"), ("application/ld+json", ".jsonld"),
                    ("application/rdf+xml", ".rdf"), ("application/n-quads", ".nq"), ("application/trig", ".trig"),
                    ("application/sparql-query", ".rq"), ("text/csv", ".csv")):
    mimetypes.add_type(_type, _ext)

# Accept media types -> format names, in the server's order of preference.
RESULT_OFFERS = [
    ("application/sparql-results+json", "json"), ("application/json", "json"),
    ("application/sparql-results+xml", "xml"), ("application/xml", "xml"), ("text/xml", "xml"),
    ("text/csv", "csv"), ("text/tab-separated-values", "tsv"),
    ("text/javascript", "json"), ("application/javascript", "json"),
]
GRAPH_OFFERS = [
    ("text/turtle", "turtle"), ("application/turtle", "turtle"), ("application/x-turtle", "turtle"),
    ("application/n-triples", "ntriples"),
    ("application/ld+json", "jsonld"), ("application/x-json+ld", "jsonld"),
    ("application/rdf+xml", "rdfxml"),
    ("text/n3", "turtle"), ("text/rdf+n3", "turtle"), ("application/n3", "turtle"),
    ("application/json", "jsonld"), ("application/xml", "rdfxml"), ("text/xml", "rdfxml"), ("text/plain", "ntriples"),
]
HTML_OFFERS = [("text/html", "html"), ("application/xhtml+xml", "html")]
RDF_OFFERS = GRAPH_OFFERS[:7]

# format= / output= values -> (results format, graph format); None leaves that kind to Accept.
FORMAT_PARAMS = {
    "json": ("json", "jsonld"), "srj": ("json", None), "sparql-results+json": ("json", None),
    "application/sparql-results+json": ("json", None), "application/json": ("json", "jsonld"),
    "xml": ("xml", "rdfxml"), "srx": ("xml", None), "sparql-results+xml": ("xml", None),
    "application/sparql-results+xml": ("xml", None), "application/xml": ("xml", "rdfxml"),
    "csv": ("csv", None), "text/csv": ("csv", None),
    "tsv": ("tsv", None), "text/tab-separated-values": ("tsv", None),
    "turtle": (None, "turtle"), "ttl": (None, "turtle"), "text/turtle": (None, "turtle"),
    "n3": (None, "turtle"), "text/n3": (None, "turtle"),
    "ntriples": (None, "ntriples"), "n-triples": (None, "ntriples"), "nt": (None, "ntriples"),
    "application/n-triples": (None, "ntriples"),
    "jsonld": (None, "jsonld"), "json-ld": (None, "jsonld"), "application/ld+json": (None, "jsonld"),
    "rdfxml": (None, "rdfxml"), "rdf+xml": (None, "rdfxml"), "rdf": (None, "rdfxml"),
    "application/rdf+xml": (None, "rdfxml"),
}

# What a form or a query string may carry, at most: a query of MAX_QUERY_BYTES, percent-encoded.
MAX_BODY_BYTES = 3 * MAX_QUERY_BYTES + 16_384
_IRI_SAFE = re.compile(r'[^<>"{}|^`\\\x00-\x20]*')

_STATUS = [
    (RemoteFailed, 502), (QuerySyntaxError, 400), (ResultLimitExceeded, 400), (QueryRefused, 403), (QueryTooLarge, 413),
    (QueryTimeout, 503), (StoreBusy, 503), (WorkerFailed, 503), (QueryError, 500),
]

_QUERY_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>SPARQL endpoint</title>
<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}textarea{width:100%;font-family:monospace}</style>
</head><body><h1>SPARQL endpoint</h1>
<p>Read-only SPARQL 1.1 over the xxgk data. Time limit __TIMEOUT__ s, at most __LIMIT__ results.</p>
<form method="get" action="/sparql"><textarea name="query" rows="14">PREFIX skos: &lt;http://www.w3.org/2004/02/skos/core#&gt;
SELECT ?concept ?label WHERE {
  ?concept skos:prefLabel ?label .
} LIMIT 20</textarea>
<p><label>Results: <select name="format"><option>json</option><option>xml</option><option>csv</option>
<option>tsv</option><option>turtle</option><option>ntriples</option><option>jsonld</option><option>rdfxml</option>
</select></label> <button type="submit">Run</button></p></form></body></html>
"""


class RequestError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def _parse_accept(header: str | None) -> list[tuple[str, float, int]]:
    if not header or not header.strip():
        return [("*/*", 1.0, 0)]
    ranges = []
    for index, part in enumerate(header.split(",")):
        fields = part.split(";")
        media = fields[0].strip().lower()
        if not media:
            continue
        q = 1.0
        for field in fields[1:]:
            key, _, value = field.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        ranges.append((media, q, index))
    return ranges


def negotiate(accept: str | None, offers: list[tuple[str, str]]) -> str | None:
    """The name of the offer `accept` likes best, or None when it accepts none.

    Ranked by q, then by how specific the matching range is, then by the client's order, then by
    the order of `offers`.
    """
    ranges = _parse_accept(accept)
    best, best_key = None, None
    for position, (media, name) in enumerate(offers):
        kind = media.split("/", 1)[0]
        match = None
        for accepted, q, index in ranges:
            if accepted == media:
                specificity = 2
            elif accepted == kind + "/*":
                specificity = 1
            elif accepted in ("*/*", "*"):
                specificity = 0
            else:
                continue
            if match is None or specificity > match[1]:
                match = (q, specificity, -index)
        if match is None or match[0] <= 0:
            continue
        key = (*match, -position)
        if best_key is None or key > best_key:
            best, best_key = name, key
    return best


def _decode_pairs(raw: bytes) -> list[tuple[str, str]]:
    """application/x-www-form-urlencoded pairs; anything that is not UTF-8 is an error, not a U+FFFD."""
    pairs = []
    try:
        for field in raw.split(b"&"):
            if field:
                key, _, value = field.replace(b"+", b" ").partition(b"=")
                pairs.append((unquote_to_bytes(key).decode("utf-8"), unquote_to_bytes(value).decode("utf-8")))
    except UnicodeDecodeError:
        raise RequestError(400, "the request parameters are not valid UTF-8") from None
    return pairs


async def _read_body(request: Request) -> bytes:
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > MAX_BODY_BYTES:
        raise RequestError(413, f"the request body is larger than {MAX_BODY_BYTES} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise RequestError(413, f"the request body is larger than {MAX_BODY_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _formats(params: dict[str, list[str]], accept: str | None) -> tuple[str, str]:
    results = graph = None
    for key in ("format", "output", "results"):
        for value in params.get(key, ()):
            r, g = FORMAT_PARAMS.get(value.strip().lower(), (None, None))
            results, graph = results or r, graph or g
    results = results or negotiate(accept, RESULT_OFFERS) or "json"
    graph = graph or negotiate(accept, GRAPH_OFFERS) or "turtle"
    return results, graph


class _Files(StaticFiles):
    """StaticFiles that labels compressed files as what they are (application/gzip), not as their content."""

    def file_response(self, full_path, stat_result, scope, status_code: int = 200) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        if isinstance(response, FileResponse) and str(full_path).endswith(".gz"):
            response.media_type = "application/gzip"
            response.headers["content-type"] = "application/gzip"
        if scope.get("path", "").startswith("/sources/"):
            # an agency's own file, published as it came: download it, never run its scripts here
            name = os.path.basename(str(full_path))
            response.headers["content-disposition"] = f'attachment; filename="{name}"'
            response.headers["content-security-policy"] = "sandbox; default-src 'none'"
            response.headers["x-content-type-options"] = "nosniff"
        return response


class CORSMiddleware:
    """Access-Control-Allow-Origin: * on every response; preflight requests answered directly."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        if scope["method"] == "OPTIONS" and b"access-control-request-method" in headers:
            allow = headers.get(b"access-control-request-headers", b"Accept, Content-Type")
            response = Response(status_code=204, headers={
                "Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET, HEAD, POST, OPTIONS",
                "Access-Control-Allow-Headers": allow.decode("latin-1"), "Access-Control-Max-Age": "86400"})
            await response(scope, receive, send)
            return

        async def send_with_cors(message):
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"access-control-allow-origin", b"*")]
            await send(message)

        await self.app(scope, receive, send_with_cors)


def _read_build(out_dir: Path) -> dict:
    path = out_dir / "build.json"
    if path.exists():
        with contextlib.suppress(ValueError, OSError):
            return json.loads(path.read_text(encoding="utf-8"))
    return {}


def _memory_limit(store_dir: Path) -> int:
    """Address space allowed to one query worker: 2 GiB plus twice the store's size on disk."""
    size = sum(f.stat().st_size for f in store_dir.rglob("*") if f.is_file())
    return (2 << 30) + 2 * size


def _service_description(endpoint: str, triples: int | None, timeout: float, limit: int | None) -> str:
    count = f" ;\n            void:triples {triples}" if triples is not None else ""
    return f"""@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
@prefix formats: <http://www.w3.org/ns/formats/> .
@prefix void: <http://rdfs.org/ns/void#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .

<{endpoint}> a sd:Service ;
    sd:endpoint <{endpoint}> ;
    sd:supportedLanguage sd:SPARQL11Query ;
    sd:resultFormat formats:SPARQL_Results_JSON, formats:SPARQL_Results_XML, formats:SPARQL_Results_CSV,
        formats:SPARQL_Results_TSV, formats:Turtle, formats:N-Triples, formats:JSON-LD, formats:RDF_XML ;
    sd:defaultDataset [ a sd:Dataset ;
        sd:defaultGraph [ a sd:Graph{count} ] ] ;
    rdfs:comment "Read-only; no SERVICE. Queries stop after {timeout:g} s and may return at most {limit} results."@en .
"""


def _html_view(iri: str, ntriples: bytes, base: str) -> str:
    """A minimal page for a resource that has triples but no page in the site; links stay on this server."""
    rows = []
    for triple in ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES):
        cells = []
        for term in (triple.subject, triple.predicate, triple.object):
            if isinstance(term, ox.NamedNode):
                href = "/" + term.value[len(base):] if term.value.startswith(base) else term.value
                cells.append(f'<a href="{html.escape(href)}">{html.escape(term.value)}</a>')
            else:
                cells.append(html.escape(str(term)))
        rows.append("<tr><td>" + "</td><td>".join(cells) + "</td></tr>")
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{html.escape(iri)}</title></head><body>'
            f"<h1>{html.escape(iri)}</h1><table>{''.join(rows)}</table></body></html>")


def create_app(out_dir: str | os.PathLike, timeout: float = DEFAULT_TIMEOUT, limit: int | None = DEFAULT_LIMIT, *,
               workers: int = DEFAULT_WORKERS, memory_limit: int | None = None, base: str | None = None,
               store_url: str | os.PathLike | None = None) -> FastAPI:
    """The web application serving the build directory `out_dir` (see the module docstring).

    `timeout` is the time limit of one query in seconds, `limit` the most solutions or triples one
    query may return, `workers` the number of query worker processes, `memory_limit` the address
    space of one worker in bytes (default: 2 GiB plus twice the store's size; 0 for none), `base`
    the base URI of the resources (default: ``build.json``'s ``base``), `store_url` where the data
    is when not in ``out_dir/store``: a store directory, or a SPARQL server's URL (queries are
    forwarded to it; at most `workers` at a time).
    """
    out = Path(out_dir)
    store_dir, site_dir, dumps_dir = out / "store", out / "site", out / "dumps"
    remote = RemoteStore.from_url(str(store_url), timeout=timeout, limit=limit, max_concurrent=workers,
                                  prefixes=PREFIXES) if store_url is not None and is_remote(store_url) else None
    if store_url is not None and remote is None:
        store_dir = Path(store_url)
    if remote is None and not (store_dir / "CURRENT").exists():
        raise FileNotFoundError(f"no store in {store_dir}: run `xxgk build` first")
    base = base or _read_build(out).get("base") or DEFAULT_BASE
    if memory_limit is None and remote is None:
        memory_limit = _memory_limit(store_dir)
    site = _Files(directory=site_dir, html=True, check_dir=False)
    state: dict = {}

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        if remote is not None:
            try:
                state["triples"] = await run_in_threadpool(remote.wait_ready)
            except RemoteError as e:  # the store may come up later: until then, queries get 503
                print(f"xxgk: {e}", file=sys.stderr, flush=True)
            state["pool"] = remote
            try:
                yield
            finally:
                await remote.aclose()
                remote.close()
            return
        pool = QueryPool(store_dir, workers=workers, timeout=timeout, limit=limit, memory_limit=memory_limit)
        try:
            state["triples"] = await run_in_threadpool(pool.wait_ready)
            state["pool"] = pool
            yield
        finally:
            pool.close()

    app = FastAPI(title="xxgk", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    app.state.out_dir, app.state.base, app.state.timeout, app.state.limit = out, base, timeout, limit

    def error(status: int, message: str) -> PlainTextResponse:
        return PlainTextResponse(message + "\n", status_code=status)

    def query_error(e: QueryError) -> PlainTextResponse:
        status = next(code for cls, code in _STATUS if isinstance(e, cls))
        if isinstance(e, RemoteError):  # the store's URL stays in the log, out of the answer
            if status >= 500:
                print(f"xxgk: {e}", file=sys.stderr, flush=True)
            return error(status, e.public)
        return error(status, str(e))

    async def run(text: str, results: str, graph: str, **kwargs):
        return await state["pool"].aquery(text, results, graph, **kwargs)

    def query_page() -> Response:
        page = site_dir / "sparql" / "index.html"
        if page.is_file():
            return FileResponse(page, media_type="text/html")
        text = _QUERY_PAGE.replace("__TIMEOUT__", f"{timeout:g}").replace("__LIMIT__", str(limit))
        return HTMLResponse(text)

    def service_description(request: Request) -> Response:
        fmt = negotiate(request.headers.get("accept"), RDF_OFFERS) or "turtle"
        endpoint = str(request.url.replace(query="", fragment=""))
        text = _service_description(endpoint, state.get("triples"), timeout, limit)
        body = text.encode() if fmt == "turtle" else write_graph(
            list(ox.parse(text, format=ox.RdfFormat.TURTLE)), fmt,
            {"sd": "http://www.w3.org/ns/sparql-service-description#"})
        return Response(body, media_type=GRAPH_FORMATS[fmt], headers={"Vary": "Accept"})

    @app.api_route("/sparql", methods=["GET", "POST"], include_in_schema=False)
    async def sparql(request: Request) -> Response:
        try:
            pairs = _decode_pairs(request.scope.get("query_string", b""))
            text = None
            if request.method == "POST":
                media = request.headers.get("content-type", "").split(";")[0].strip().lower()
                body = await _read_body(request)
                if media == "application/x-www-form-urlencoded":
                    pairs += _decode_pairs(body)
                elif media == "application/sparql-query":
                    try:
                        text = body.decode("utf-8")
                    except UnicodeDecodeError:
                        raise RequestError(400, "the query is not valid UTF-8") from None
                elif media == "application/sparql-update":
                    raise RequestError(403, "this endpoint is read-only: SPARQL Update is not accepted")
                else:
                    raise RequestError(415, "POST a form (application/x-www-form-urlencoded) or a query "
                                            "(application/sparql-query)")
            params: dict[str, list[str]] = {}
            for key, value in pairs:
                params.setdefault(key, []).append(value)
            if "update" in params:
                raise RequestError(403, "this endpoint is read-only: SPARQL Update is not accepted")
            queries = params.get("query", [])
            if text is not None:
                if queries:
                    raise RequestError(400, "give the query either as the body or as a parameter, not both")
                queries = [text]
            if not queries:
                if request.method == "POST":
                    raise RequestError(400, "no query: send the SPARQL query as the 'query' parameter")
                if negotiate(request.headers.get("accept"), RDF_OFFERS + HTML_OFFERS) == "html":
                    return query_page()
                return service_description(request)
            if len(queries) > 1:
                raise RequestError(400, "more than one 'query' parameter")
            results, graph = _formats(params, request.headers.get("accept"))
            result = await run(queries[0], results, graph, default_graph=params.get("default-graph-uri") or None,
                               named_graphs=params.get("named-graph-uri") or None)
        except RequestError as e:
            return error(e.status, str(e))
        except QueryError as e:
            return query_error(e)
        return Response(result.body, media_type=result.media_type, headers={"Vary": "Accept"})

    app.mount("/dumps", _Files(directory=dumps_dir, check_dir=False), name="dumps")

    def iri_of(url_path: str) -> str:
        if url_path == "/def/" or url_path.startswith("/def/"):
            return DEF + url_path[len("/def/"):]
        return base + url_path[1:]

    async def describe(iri: str, fmt: str):
        if not _IRI_SAFE.fullmatch(iri):
            return None
        result = await run(f"DESCRIBE <{iri}>", "json", fmt)
        return result if result.count else None

    @app.api_route("/{path:path}", methods=["GET", "HEAD"], include_in_schema=False)
    async def resource(request: Request, path: str) -> Response:
        url_path = request.scope["path"]
        rel = os.path.normpath(os.path.join(*url_path.split("/"))) if url_path.strip("/") else "."
        if rel == ".." or rel.startswith("../") or os.path.isabs(rel):
            return error(404, "not found")
        accept = request.headers.get("accept")
        try:
            full, found = site.lookup_path(rel)
        except (OSError, ValueError):
            full, found = "", None
        wants = negotiate(accept, HTML_OFFERS + RDF_OFFERS)
        try:
            if url_path.endswith("/") or (found is not None and os.path.isfile(full)):
                if wants not in (None, "html") and url_path.endswith("/"):
                    described = await describe(iri_of(url_path), wants)
                    if described:
                        return Response(described.body, media_type=described.media_type, headers={"Vary": "Accept"})
                return await site.get_response(rel, request.scope)
            iri = iri_of(url_path)
            if wants is None:
                return await site.get_response(rel, request.scope)
            if wants != "html":
                described = await describe(iri, wants)
                if described is None:
                    return error(404, f"nothing is known about <{iri}>")
                return Response(described.body, media_type=described.media_type, headers={"Vary": "Accept"})
            if (site_dir / rel / "index.html").is_file():
                return RedirectResponse(url_path + "/", status_code=303, headers={"Vary": "Accept"})
            described = await describe(iri, "ntriples")
            if described is not None:
                return HTMLResponse(_html_view(iri, described.body, base), headers={"Vary": "Accept"})
            return await site.get_response(rel, request.scope)
        except QueryError as e:
            return query_error(e)
        except HTTPException as e:
            return error(e.status_code, "not found" if e.status_code == 404 else str(e.detail))

    app.add_middleware(CORSMiddleware)
    return app


def serve(out_dir: str | os.PathLike, host: str = "127.0.0.1", port: int = 8000, timeout: float = DEFAULT_TIMEOUT,
          limit: int | None = DEFAULT_LIMIT, workers: int = DEFAULT_WORKERS, log_level: str = "info",
          store: str | None = None) -> None:
    """Run the server with uvicorn until interrupted; `store` as `create_app`'s `store_url`."""
    import uvicorn

    app = create_app(out_dir, timeout=timeout, limit=limit, workers=workers, store_url=store)
    # h11 whatever else is installed: its request-line limit is raised so that a GET of a query up to
    # MAX_QUERY_BYTES reaches the endpoint, which answers 413 beyond that.
    uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=False, http="h11",
                h11_max_incomplete_event_size=MAX_BODY_BYTES)
