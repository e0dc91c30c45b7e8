"""The edge played locally: viewer-request function, origin, viewer-response function.

Built on the standard library's `ThreadingHTTPServer`: a development server for one
person's browser needs no dependency, and the engine calls are serialised by one lock
anyway (a QuickJS context is not thread-safe). Each request:

1. becomes a viewer-request event as CloudFront builds it (`testing.events.build_event`:
   lower-case headers, `host`, query and cookies in the `{value, multiValue}` shape; the
   headers CloudFront never shows a function are left out);
2. runs through the built viewer-request function (the shipped bytes, in the emulator,
   with the seed KVS); a returned response is sent as it is;
3. otherwise the (rewritten) URI is fetched from the origin: a folder (the URI is
   percent-decoded and must stay inside it) or an upstream `http://127.0.0.1:PORT`;
4. the origin's response runs through the viewer-response function (not for statuses
   of 400 and above, which CloudFront does not give to viewer-response functions).

The route that decided is named in the log line (read from the reference model, as route
coverage does). The config and its seed files are checked for changes before each
request; a change rebuilds, and a config that does not build answers every request with
an error page showing the diagnostics until it is fixed.
"""
from __future__ import annotations

import base64
import html
import http.client
import mimetypes
import os
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cfroutes.compiler import Compiled, compile_config
from cfroutes.config.model import VIEWER_REQUEST, VIEWER_RESPONSE
from cfroutes.emulator import FunctionLoadError, Invocation, WarmFunction, prepare
from cfroutes.errors import InputError, render_all
from cfroutes.platform.event import format_query
from cfroutes.platform.headers import is_disallowed
from cfroutes.reference import Trace, evaluate
from cfroutes.serve import cache as edge_cache
from cfroutes.testing.events import RequestError, build_event, build_response

MAX_BODY = 10 * 1024 * 1024
HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te",
                        "trailer", "proxy-authenticate", "proxy-authorization", "content-length"})


@dataclass
class Build:
    compiled: Compiled | None
    error: str = ""
    stamps: dict[str, float] = field(default_factory=dict)
    warm: dict[str, WarmFunction | FunctionLoadError] = field(default_factory=dict)
    stores: dict[str, dict[str, str] | None] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    cache: edge_cache.EdgeCache | None = None  # the declared cache policy's cache (serve/cache.py)

    def function(self, event: str) -> Any:
        if self.compiled is None:
            return None
        return next((cf for cf in self.compiled.functions if cf.function.event == event), None)

    def store(self, cf: Any) -> dict[str, str] | None:
        """The function's seed store, made once per build (not per request)."""
        if cf.name not in self.stores:
            self.stores[cf.name] = cf.kvs_dict()
        return self.stores[cf.name]

    def run(self, cf: Any, ev: dict[str, Any]) -> Invocation:
        with self.lock:  # a warm context (and its worker pipe) serves one call at a time
            w = self.warm.get(cf.name)
            if w is None:
                try:
                    w = WarmFunction(prepare(cf.source, cf.function.runtime, f"dist/{cf.name}.js"))
                except FunctionLoadError as exc:
                    w = exc
                self.warm[cf.name] = w
            if isinstance(w, FunctionLoadError):
                return Invocation(error=f"the function does not load: {w}")
            return w.invoke(ev, self.store(cf))


def _watched(config: str, compiled: Compiled | None) -> list[str]:
    files = [config]
    if compiled is not None:
        base = os.path.dirname(os.path.abspath(config))
        for f in compiled.config.functions:
            if f.kvs is not None and f.kvs.seed_path:
                files.append(os.path.join(base, f.kvs.seed_path))
    return files


def _stamps(files: list[str]) -> dict[str, float]:
    out = {}
    for f in files:
        try:
            st = os.stat(f)
            out[f] = st.st_mtime_ns + st.st_size
        except OSError:
            out[f] = -1
    return out


class Edge:
    """The state shared by the handler threads: the current build and the origin."""

    def __init__(self, config: str, origin: str | None, log: Callable[[str], None]) -> None:
        self.config = config
        self.origin = origin
        self.log = log
        self.lock = threading.Lock()
        self._files = [config]
        self.build = self._compile()

    def _compile(self) -> Build:
        try:
            compiled = compile_config(self.config)
        except InputError as exc:
            b = Build(None, render_all(exc.diagnostics))
            # the files the last good build read (its seeds) and every file an error names,
            # so fixing a seed is seen as well as fixing the config
            named = [d.span.file for d in exc.diagnostics if os.path.isfile(d.span.file)]
            b.stamps = _stamps(list(dict.fromkeys([*self._files, *named])))
            return b
        problems = render_all(compiled.errors) if compiled.errors else ""
        b = Build(compiled if not compiled.errors else None, problems)
        b.cache = edge_cache.for_build(b.compiled)
        self._files = _watched(self.config, compiled)
        b.stamps = _stamps(self._files)
        return b

    def current(self) -> Build:
        """The build, rebuilt first when the config or a seed file changed."""
        with self.lock:  # one rebuild at a time; engine calls and origin fetches run outside it
            b = self.build
            if _stamps(list(b.stamps)) != b.stamps:
                self.build = b = self._compile()
                self.log("rebuilt: " + ("ok" if b.compiled else "the config has errors (serving the error page)"))
            return b

    # ------------------------------------------------------------------ origin
    def fetch(self, method: str, req: dict[str, Any]) -> tuple[int, dict[str, list[str]], bytes]:
        uri = req["uri"]
        qs = format_query(req.get("querystring"))
        if self.origin is None:
            body = f"cfroutes serve: no --origin; the request would go on as {uri}{'?' + qs if qs else ''}\n"
            return 200, {"content-type": ["text/plain; charset=utf-8"]}, body.encode()
        if self.origin.startswith(("http://", "https://")):
            return self._upstream(method, uri, qs, req)
        if method not in ("GET", "HEAD"):  # a bucket behind CloudFront serves reads only
            return 405, {"content-type": ["text/plain; charset=utf-8"], "allow": ["GET, HEAD"]}, \
                f"{method} is not allowed on a folder origin\n".encode()
        root = Path(self.origin).resolve()
        key = urllib.parse.unquote(uri)
        not_found = (404, {"content-type": ["text/plain; charset=utf-8"]}, f"not found in the origin: {uri}\n".encode())
        # S3 reads a key literally: "/public/../x" is no key (and never a way out of the folder)
        if "\0" in key or any(seg in (".", "..") for seg in key.split("/")):
            return not_found
        try:
            target = (root / key.lstrip("/")).resolve()
            if not target.is_relative_to(root) or not target.is_file():
                return not_found
        except (OSError, ValueError):
            return not_found
        ctype = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        data = target.read_bytes()[:MAX_BODY]
        return 200, {"content-type": [ctype], "last-modified": [time.strftime(
            "%a, %d %b %Y %H:%M:%S GMT", time.gmtime(target.stat().st_mtime))]}, data

    def _upstream(self, method: str, uri: str, qs: str, req: dict[str, Any]) -> tuple[int, dict[str, list[str]], bytes]:
        u = urllib.parse.urlsplit(self.origin)
        conn_cls = http.client.HTTPSConnection if u.scheme == "https" else http.client.HTTPConnection
        conn = conn_cls(u.hostname or "127.0.0.1", u.port, timeout=30)
        headers = {n: e["value"] for n, e in (req.get("headers") or {}).items() if n not in HOP_BY_HOP}
        cookies = "; ".join(f"{n}={e['value']}" for n, e in (req.get("cookies") or {}).items())
        if cookies:
            headers["cookie"] = cookies
        path = (u.path.rstrip("/") + uri) + (f"?{qs}" if qs else "")
        try:
            conn.request(method, path, headers=headers)
            resp = conn.getresponse()
            body = resp.read(MAX_BODY)
            out: dict[str, list[str]] = {}
            for n, v in resp.getheaders():
                if n.lower() not in HOP_BY_HOP:
                    out.setdefault(n.lower(), []).append(v)
            return resp.status, out, body
        except OSError as exc:
            return 502, {"content-type": ["text/plain; charset=utf-8"]}, f"origin {self.origin}: {exc}\n".encode()
        finally:
            conn.close()


def _route_name(build: Build, cf: Any, event: dict[str, Any]) -> str:
    t = Trace()
    try:
        evaluate(cf.function, event, build.store(cf), t)
    except Exception:  # noqa: BLE001 - naming the route is best effort
        return "?"
    if t.route is None:
        return "no route"
    r = cf.function.routes[t.route]
    return r.title + (" (missing)" if t.missing else "")


def _headers_of(resp: dict[str, Any]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for n, e in (resp.get("headers") or {}).items():
        vals = [m["value"] for m in e.get("multiValue") or []] or [e.get("value", "")]
        out += [(n, str(v)) for v in vals]
    for n, c in (resp.get("cookies") or {}).items():
        for v in c.get("multiValue") or [c]:
            attrs = v.get("attributes")
            out.append(("set-cookie", f"{n}={v.get('value', '')}" + (f"; {attrs}" if attrs else "")))
    return out


def _body_of(resp: dict[str, Any]) -> bytes | None:
    body = resp.get("body")
    if body is None:
        return None
    if isinstance(body, str):
        return body.encode()
    data = body.get("data", "")
    return base64.b64decode(data) if body.get("encoding") == "base64" else str(data).encode()


class Handler(BaseHTTPRequestHandler):
    server_version = "cfroutes-serve"
    edge: Edge  # set on the subclass made by make_server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's name
        pass  # one line per request is written by _handle

    def do_GET(self) -> None:  # noqa: N802 - http.server's names
        self._handle()

    do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_GET

    def _send(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        # only the headers the functions and the origin produced (no Server header of our own;
        # a Date only when the origin sent none, as CloudFront adds one)
        self.log_request(status)
        self.send_response_only(status)
        names = set()
        for n, v in headers:
            if n.lower() not in HOP_BY_HOP:
                self.send_header(n, v)
                names.add(n.lower())
        if "date" not in names:
            self.send_header("date", self.date_time_string())
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _handle(self) -> None:
        start = time.perf_counter()
        edge = self.edge
        self._cache_headers: list[tuple[str, str]] = []  # x-cache and age, when a cache policy is declared
        try:
            status, headers, body, note = self._edge(edge)
        except Exception as exc:  # noqa: BLE001 - a request never takes the server down
            status, headers = 500, [("content-type", "text/plain; charset=utf-8")]
            body, note = f"cfroutes serve: internal error: {exc!r}\n".encode(), f"(internal error: {exc!r})"
        edge.log(f"{self.command} {self.path} -> {status} {note} ({(time.perf_counter() - start) * 1000:.1f} ms)")
        self._send(status, headers + self._cache_headers, body)

    def _edge(self, edge: Edge) -> tuple[int, list[tuple[str, str]], bytes, str]:
        b = edge.current()
        if b.compiled is None:
            page = ("<!DOCTYPE html><meta charset=utf-8><title>cfroutes: config error</title>"
                    "<h1>routes.yaml does not build</h1><pre>" + html.escape(b.error) + "</pre>"
                    "<p>Fix it and reload: the server rebuilds on every change.</p>")
            return 500, [("content-type", "text/html; charset=utf-8")], page.encode(), "(config error page)"
        host = (self.headers.get("host") or "").strip()
        if not host:  # CloudFront answers a request without a Host with 400 before any function runs
            return 400, [("content-type", "text/plain; charset=utf-8")], b"a Host header is required\n", "(no host)"
        hdrs: dict[str, list[str]] = {}
        for n, v in self.headers.items():
            low = n.lower()
            if low in HOP_BY_HOP or is_disallowed(low):
                continue
            hdrs.setdefault(low, []).append(v)
        hdrs["host"] = [host]
        try:
            event = build_event(f"{self.command} http://{host}{self.path}", headers=hdrs,
                                viewer_ip=self.client_address[0])
        except (RequestError, ValueError) as exc:
            return 400, [("content-type", "text/plain; charset=utf-8")], f"{exc}\n".encode(), "(bad request)"
        notes: list[str] = []
        vreq = b.function(VIEWER_REQUEST)
        req = event["request"]
        if vreq is not None:
            inv = b.run(vreq, event)
            notes.append(f"{vreq.name}: {_route_name(b, vreq, event)}, {inv.steps} steps, "
                         f"~{inv.compute_utilization}% compute")
            if not inv.ok:
                msg = "; ".join(([inv.error] if inv.error else []) + inv.validation_errors)
                status = 502 if inv.validation_errors and not inv.error else 503
                return status, [("content-type", "text/plain; charset=utf-8")], \
                    f"{vreq.name}: {msg}\n".encode(), " ".join(notes) + f" [{msg}]"
            out = inv.output or {}
            if "response" in out:
                resp = out["response"]
                if b.cache is not None:
                    self._cache_headers = [("x-cache", edge_cache.FUNCTION_ANSWER)]
                return int(resp.get("statusCode", 200)), _headers_of(resp), _body_of(resp) or b"", " ".join(notes)
            req = out.get("request", req)
        if b.cache is not None:  # CloudFront's cache between the function and the origin
            res = b.cache.fetch(self.command, req, lambda: edge.fetch(self.command, req))
            status, oheaders, obody = res.status, res.headers, res.body
            self._cache_headers = res.extra_headers()
            notes.append(f"cache {res.x_cache.split()[0].lower()} key {res.key}")
        else:
            status, oheaders, obody = edge.fetch(self.command, req)
        if not self._cache_headers or self._cache_headers[0][1] != edge_cache.HIT:  # a hit never asks the origin
            notes.append(f"origin {req['uri']}")
        vresp = b.function(VIEWER_RESPONSE)
        if vresp is not None and status < 400:
            shown = {n: v for n, v in oheaders.items() if n not in HOP_BY_HOP and not is_disallowed(n)}
            try:
                ev = dict(event, request=req, response=build_response({"status": status, "headers": shown}))
            except RequestError as exc:
                return 502, [("content-type", "text/plain; charset=utf-8")], f"origin response: {exc}\n".encode(), \
                    " ".join(notes) + f" [origin response: {exc}]"
            ev["context"] = dict(event["context"], eventType=VIEWER_RESPONSE)
            inv = b.run(vresp, ev)
            notes.append(f"{vresp.name}: {inv.steps} steps")
            if not inv.ok:
                msg = "; ".join(([inv.error] if inv.error else []) + inv.validation_errors)
                return 502, [("content-type", "text/plain; charset=utf-8")], f"{vresp.name}: {msg}\n".encode(), \
                    " ".join(notes) + f" [{msg}]"
            resp = (inv.output or {}).get("response", {})
            body = _body_of(resp)
            return int(resp.get("statusCode", status)), _headers_of(resp), obody if body is None else body, \
                " ".join(notes)
        return status, [(n, v) for n, vs in oheaders.items() for v in vs], obody, " ".join(notes)


def make_server(config: str, origin: str | None, port: int, log: Callable[[str], None],
                host: str = "127.0.0.1") -> ThreadingHTTPServer:
    edge = Edge(config, origin, log)
    handler = type("BoundHandler", (Handler,), {"edge": edge})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server
