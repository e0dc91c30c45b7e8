"""The edge played locally: viewer-request function, origin, viewer-response function.

The HTTP side is `server.EdgeServer` (standard library only: a selector thread that reads
whole requests and writes answer bodies, a fixed pool of handler threads). Each request,
in `Handler`:

0. is refused with 400 when CloudFront would refuse it (a Host that is no host, two Hosts,
   a bare CR in the head, a bad Content-Length), and with 421 when `--allowed-hosts` does
   not name its host;
   As a multi-tenant distribution (`--tenant-id`, or `--tenants FILE`: serve/tenants.py) the
   request is for the tenant whose domain its Host names (403 when none has it), and the
   functions see that tenant (cf.distributionTenant, event.context.endpoint);
1. becomes a viewer-request event as CloudFront builds it (`testing.events.build_event`:
   lower-case headers, `host`, query and cookies in the `{value, multiValue}` shape; the
   headers CloudFront never shows a function are left out);
2. runs through the built viewer-request function (the shipped bytes, in the emulator,
   with the seed KVS); a returned response is sent as it is;
3. otherwise the (rewritten) URI is fetched from the origin: a folder (the URI is
   percent-decoded, read as a literal key, and must stay inside it; the file is streamed)
   or an upstream `http://127.0.0.1:PORT` (request bodies forwarded; a bad head is 502);
4. the origin's response runs through the viewer-response function (not for statuses
   of 400 and above, which CloudFront does not give to viewer-response functions).

Every engine call goes through `Runner`, the one seam to point at another engine: the
functions in the emulator's watchdog worker, the route named in the log line (read from the
reference model, as route coverage does) in a watchdog worker of its own; both bounded in
wall-clock time, and no JavaScript runs in this process's handler threads. The config and
its seed files are checked for changes before each request; a change rebuilds, and a config
that does not build answers every request with an error page showing the diagnostics until
it is fixed.
"""
from __future__ import annotations

import base64
import html
import http.client
import io
import mimetypes
import os
import re
import stat
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, BinaryIO

from cfroutes.compiler import Compiled, compile_config
from cfroutes.config.model import VIEWER_REQUEST, VIEWER_RESPONSE, Function, HostPattern
from cfroutes.emulator import Invocation
from cfroutes.emulator.local_edge import LocalEdge
from cfroutes.emulator.tenant import with_tenant
from cfroutes.errors import InputError, render_all
from cfroutes.platform.event import format_query, viewer_response_runs
from cfroutes.platform.headers import is_disallowed
from cfroutes.platform.limits import VALUE_CONTROL_RE
from cfroutes.reference import Trace, evaluate, match_host, request_of
from cfroutes.serve import cache as edge_cache
from cfroutes.serve.server import MAX_REQUEST_BODY, WRITE_TIMEOUT, DeadlineWriter, EdgeServer, Outgoing, Request
from cfroutes.serve.tenants import TenantMap, host_name, load_tenants
from cfroutes.serve.tenants import stamp as tenant_file_stamp
from cfroutes.terminal import escape_terminal
from cfroutes.testing.events import RequestError, build_event, build_response, check_authority

MAX_BODY = 10 * 1024 * 1024       # an upstream origin's body; over it: 502, never a cut 200
MAX_UPSTREAM_HEADERS = 100         # an upstream answer with more headers: 502
ENGINE_WAIT = 10.0                 # seconds a request waits for the engine before it is answered 503
HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te",
                        "trailer", "proxy-authenticate", "proxy-authorization", "content-length"})
TEXT = ("content-type", "text/plain; charset=utf-8")
#: loopback names every --allowed-hosts mode except a list accepts
LOOPBACK = ("localhost", "127.0.0.1", "[::1]")


@dataclass
class FileBody:
    """An origin file, sent in pieces from the descriptor opened and checked in `Edge.fetch`."""

    fh: BinaryIO
    size: int

    def close(self) -> None:
        self.fh.close()


Body = bytes | FileBody


# ------------------------------------------------------------------ the seam: engine calls
_ENGINE_SLOT = threading.Lock()   # one function invocation at a time (the watchdog's worker serves one)


def _route_name(fn: Function, store: dict[str, str] | None, event: dict[str, Any]) -> str:
    """The route that decides `event`, by the reference model (its regexes run through the one
    bounded regex engine, emulator/jsregex.py: an overrun ends as "?", never a hang)."""
    t = Trace()
    try:
        evaluate(fn, event, store, t)
    except Exception:  # noqa: BLE001 - naming the route is best effort
        return "?"
    if t.route is None:
        return "no route"
    return fn.routes[t.route].title + (" (missing)" if t.missing else "")


class Runner:
    """Every engine call `serve` makes, for one build: the seam to point at another engine.

    `invoke` runs a built function on the local edge (its shipped bytes, warm, with the seed store) in the
    watchdog's worker process (emulator/watchdog.py): a runaway function, a ReDoS regex
    included, ends at the wall-clock limit with `time limit exceeded` (answered 503).
    `route` names the route that decides a request through the reference model, whose regexes
    run in the one bounded regex engine (emulator/jsregex.py: CPU and memory limits, one locked
    context), so handler threads share no unguarded engine context. Invocations wait at most
    `ENGINE_WAIT` seconds for their turn, then answer busy."""

    def __init__(self, compiled: Compiled) -> None:
        self.stores: dict[str, dict[str, str] | None] = {cf.name: cf.kvs_dict() for cf in compiled.functions}
        # the build on the local edge: shipped bytes, warm, the seed store, the watchdog's bound
        self.edge = LocalEdge.of(compiled.functions)

    def invoke(self, cf: Any, event: dict[str, Any]) -> Invocation:
        if not _ENGINE_SLOT.acquire(timeout=ENGINE_WAIT):
            return Invocation(error=f"busy: the engine did not become free within {ENGINE_WAIT:.0f} s")
        try:
            return self.edge.invoke(cf.name, event)
        finally:
            _ENGINE_SLOT.release()

    def route(self, cf: Any, event: dict[str, Any]) -> str:
        return _route_name(cf.function, self.stores[cf.name], event)


@dataclass
class Build:
    compiled: Compiled | None
    error: str = ""
    stamps: dict[str, float] = field(default_factory=dict)
    runner: Runner | None = None
    hosts: tuple[HostPattern, ...] = ()  # the host patterns of every route (--allowed-hosts routed)
    cache: edge_cache.EdgeCache | None = None  # the declared cache policy's cache (serve/cache.py)

    def function(self, event: str) -> Any:
        if self.compiled is None:
            return None
        return next((cf for cf in self.compiled.functions if cf.function.event == event), None)


def _watched(config: str, compiled: Compiled | None) -> list[str]:
    files = [config]
    if compiled is not None:
        base = os.path.dirname(os.path.abspath(config))
        for f in compiled.config.functions:
            if f.kvs is not None and f.kvs.seed_path:
                files.append(os.path.join(base, f.kvs.seed_path))
    return files


def _stamps(files: list[str]) -> dict[str, float]:
    out: dict[str, float] = {}
    for f in files:
        try:
            st = os.stat(f)
            out[f] = st.st_mtime_ns + st.st_size
        except OSError:
            out[f] = -1
    return out


class HostPolicy:
    """Which Host headers are answered (`--allowed-hosts`): `any`; `routed` (the hosts some
    route's `host:` names, and loopback names: a DNS-rebinding page's own name is refused);
    or a comma-separated list of names (`*.example.com` for its subdomains)."""

    def __init__(self, spec: str = "any") -> None:
        self.spec = spec.strip().lower()
        self.names = () if self.spec in ("any", "routed") else tuple(
            n.strip() for n in self.spec.split(",") if n.strip())

    def allows(self, host: str, build: Build) -> bool:
        if self.spec == "any":
            return True
        name = _without_port(host).lower()
        if self.names:
            return any(name == n or (n.startswith("*.") and name.endswith(n[1:])) for n in self.names)
        if name in LOOPBACK:
            return True
        r = request_of({"uri": "/", "headers": {"host": {"value": host}}})
        return any(match_host(hp, r, {}) for hp in build.hosts)


def _without_port(host: str) -> str:
    if host.startswith("["):
        return host[:host.index("]") + 1] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class Edge:
    """The state shared by the handler threads: the current build and the origin."""

    def __init__(self, config: str, origin: str | None, log: Callable[[str], None],
                 allowed_hosts: str = "any", tenants: TenantMap | None = None) -> None:
        self.config = config
        self.origin = origin
        self._log = log
        self.hosts = HostPolicy(allowed_hosts)
        self.tenants = tenants or TenantMap()  # the distribution tenants (serve/tenants.py); none: standard
        self._tenants_stamp = tenant_file_stamp(self.tenants.path)
        self.lock = threading.Lock()
        self._files = [config]
        self.build = self._compile()

    def log(self, line: str) -> None:
        """One log line, control characters escaped (a request line may carry any byte)."""
        self._log(escape_terminal(line))

    def _compile(self) -> Build:
        # the stamps are taken before compiling: a file saved while this compiles is seen
        # as changed by the next request, which compiles again
        before = _stamps(self._files)
        try:
            compiled = compile_config(self.config)
        except InputError as exc:
            b = Build(None, render_all(exc.diagnostics))
            # the files the last good build read (its seeds) and every file an error names,
            # so fixing a seed is seen as well as fixing the config
            named = [d.span.file for d in exc.diagnostics if os.path.isfile(d.span.file)]
            b.stamps = {**before, **_stamps([f for f in dict.fromkeys(named) if f not in before])}
            return b
        problems = render_all(compiled.errors) if compiled.errors else ""
        b = Build(compiled if not compiled.errors else None, problems)
        b.cache = edge_cache.for_build(b.compiled)
        self._files = _watched(self.config, compiled)
        b.stamps = {f: before[f] if f in before else _stamps([f])[f] for f in self._files}
        if b.compiled is not None:
            b.runner = Runner(b.compiled)
            b.hosts = tuple(r.match.host for f in b.compiled.config.functions for r in f.routes
                            if r.match.host is not None)
        return b

    def tenant_map(self) -> TenantMap:
        """The tenants, read again when the --tenants file changed (a file that no longer reads keeps
        the previous tenants, and says why in the log)."""
        path = self.tenants.path
        if path is None:
            return self.tenants
        with self.lock:
            now = tenant_file_stamp(path)
            if now != self._tenants_stamp:
                self._tenants_stamp = now
                try:
                    self.tenants = load_tenants(path, os.path.dirname(os.path.abspath(self.config)))
                    self.log(f"tenants reloaded: {self.tenants.describe()}")
                except InputError as exc:
                    self.log("tenants file has errors (the previous tenants stay):\n" + render_all(exc.diagnostics))
            return self.tenants

    def current(self) -> Build:
        """The build, rebuilt first when the config or a seed file changed."""
        with self.lock:  # one rebuild at a time; engine calls and origin fetches run outside it
            b = self.build
            if _stamps(list(b.stamps)) != b.stamps:
                self.build = b = self._compile()
                self.log("rebuilt: " + ("ok" if b.compiled else "the config has errors (serving the error page)"))
            return b

    # ------------------------------------------------------------------ origin
    def fetch(self, method: str, req: dict[str, Any], body: bytes = b"") -> tuple[int, dict[str, list[str]], Body]:
        uri = req["uri"]
        qs = format_query(req.get("querystring"))
        if self.origin is None:
            text = f"cfroutes serve: no --origin; the request would go on as {uri}{'?' + qs if qs else ''}\n"
            return 200, {"content-type": [TEXT[1]]}, text.encode()
        if self.origin.startswith(("http://", "https://")):
            return self._upstream(method, uri, qs, req, body)
        if method not in ("GET", "HEAD"):  # a bucket behind CloudFront serves reads only
            return 405, {"content-type": [TEXT[1]], "allow": ["GET, HEAD"]}, \
                f"{method} is not allowed on a folder origin\n".encode()
        return self._file(uri)

    def _file(self, uri: str) -> tuple[int, dict[str, list[str]], Body]:
        """The file the key names, opened once and checked on its descriptor (a file removed or
        replaced after the check is never read by name again). Every failure is the same 404
        naming the request's URI only, never a path of this machine."""
        not_found = (404, {"content-type": [TEXT[1]]}, f"not found in the origin: {uri}\n".encode())
        key = urllib.parse.unquote(uri)
        # S3 reads a key literally: "/public/../x" is no key (and never a way out of the folder);
        # "index.html/" and "a//b" are keys no file of a folder holds
        segs = key.lstrip("/").split("/")
        if "\0" in key or any(seg in (".", "..", "") for seg in segs):
            return not_found
        try:
            root = Path(self.origin or ".").resolve()
            target = (root / "/".join(segs)).resolve(strict=True)
            if not target.is_relative_to(root):
                return not_found
            fd = os.open(target, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        except (OSError, RuntimeError, ValueError):  # missing, a symlink loop, removed meanwhile
            return not_found
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                os.close(fd)
                return not_found
            fh = os.fdopen(fd, "rb")
        except OSError:
            os.close(fd)
            return not_found
        ctype = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        return 200, {"content-type": [ctype], "last-modified": [time.strftime(
            "%a, %d %b %Y %H:%M:%S GMT", time.gmtime(st.st_mtime))]}, FileBody(fh, st.st_size)

    def _upstream(self, method: str, uri: str, qs: str, req: dict[str, Any],
                  body: bytes) -> tuple[int, dict[str, list[str]], Body]:
        assert self.origin is not None
        u = urllib.parse.urlsplit(self.origin)
        conn_cls = http.client.HTTPSConnection if u.scheme == "https" else http.client.HTTPConnection
        conn = conn_cls(u.hostname or "127.0.0.1", u.port, timeout=30)
        conn.response_class = _CheckedResponse
        headers = {n: e["value"] for n, e in (req.get("headers") or {}).items() if n not in HOP_BY_HOP}
        cookies = "; ".join(f"{n}={e['value']}" for n, e in (req.get("cookies") or {}).items())
        if cookies:
            headers["cookie"] = cookies
        path = (u.path.rstrip("/") + uri) + (f"?{qs}" if qs else "")

        def bad(why: str) -> tuple[int, dict[str, list[str]], Body]:
            return 502, {"content-type": [TEXT[1]]}, f"cfroutes serve: the origin's answer is refused: {why}\n".encode()

        try:
            conn.request(method, path, body=body if body or method in ("POST", "PUT", "PATCH") else None,
                         headers=headers)
            resp = conn.getresponse()
            if isinstance(resp, _CheckedResponse) and _BARE_CR.search(resp.head):
                return bad("a CR without LF in its head")
            pairs = resp.getheaders()
            if len(pairs) > MAX_UPSTREAM_HEADERS:
                return bad(f"{len(pairs)} headers (at most {MAX_UPSTREAM_HEADERS})")
            out: dict[str, list[str]] = {}
            for n, v in pairs:
                if _UNSAFE_HEADER.search(n) or _UNSAFE_HEADER.search(v):
                    return bad("a header holds a line break or a control character")
                if n.lower() not in HOP_BY_HOP:
                    out.setdefault(n.lower(), []).append(v)
            data = resp.read(MAX_BODY + 1)
            if len(data) > MAX_BODY:
                return bad(f"its body is over {MAX_BODY} bytes")
            return resp.status, out, data
        except http.client.HTTPException as exc:  # e.g. "got more than 100 headers", a bad status line
            return bad(type(exc).__name__ + (f": {exc}" if str(exc) else ""))
        except OSError as exc:
            return 502, {"content-type": [TEXT[1]]}, \
                f"origin {self.origin}: {exc.strerror or type(exc).__name__}\n".encode()
        finally:
            conn.close()


class _Recording:
    """A response's file that keeps the lines read until the head has been parsed."""

    def __init__(self, fp: Any) -> None:
        self.fp = fp
        self.lines: list[bytes] | None = []

    def readline(self, limit: int = -1) -> bytes:
        line: bytes = self.fp.readline(limit)
        if self.lines is not None:
            self.lines.append(line)
        return line

    def __getattr__(self, name: str) -> Any:
        return getattr(self.fp, name)


class _CheckedResponse(http.client.HTTPResponse):
    """An upstream answer whose raw head is kept (`head`): http.client's header parser splits
    a line at a bare CR, which would let an origin smuggle a header past the check."""

    head = b""

    def __init__(self, sock: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(sock, *args, **kwargs)
        self.fp = _Recording(self.fp)  # type: ignore[assignment]

    def begin(self) -> None:
        try:
            super().begin()
        finally:
            if isinstance(self.fp, _Recording) and self.fp.lines is not None:
                self.head = b"".join(self.fp.lines)
                self.fp.lines = None


#: what no header name or value may hold on the way out (CR, LF, NUL and other C0 but TAB, DEL)
_UNSAFE_HEADER = VALUE_CONTROL_RE
_BARE_CR = re.compile(rb"\r(?!\n)")


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
    """One request, fully read by `server.EdgeServer` (`self.request`), answered here."""

    server_version = "cfroutes-serve"
    protocol_version = "HTTP/1.1"  # keep-alive; every answer has a Content-Length
    default_request_version = "HTTP/1.0"  # an unparsable request line still gets a status line (not HTTP/0.9)
    edge: Edge  # set on the subclass made by make_server
    request: Request

    def setup(self) -> None:
        self.connection = self.request.sock
        self.rfile = io.BytesIO(self.request.data)
        self.wfile = DeadlineWriter(self.connection, WRITE_TIMEOUT)

    def handle(self) -> None:
        self.close_connection = True
        self.handle_one_request()

    def finish(self) -> None:
        pass  # the server keeps or closes the connection

    def handle_expect_100(self) -> bool:
        return True  # the server sent "100 Continue" while it read the body

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's name
        pass  # one line per request is written by _handle

    def log_error(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's name
        # http.server's own refusals (a bad request line, 414, 431, 501): logged, escaped
        line = getattr(self, "requestline", "") or bytes(getattr(self, "raw_requestline", b""))[:200].decode("latin-1").rstrip("\r\n")
        self.edge.log(f"{line[:2000]} -> {format % args}")

    def do_GET(self) -> None:  # noqa: N802 - http.server's names
        self._handle()

    do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_GET

    def _send(self, status: int, headers: list[tuple[str, str]], body: Body) -> None:
        # only the headers the functions and the origin produced (no Server header of our own;
        # a Date only when the origin sent none, as CloudFront adds one)
        if any(_UNSAFE_HEADER.search(n) or _UNSAFE_HEADER.search(v) for n, v in headers):
            _discard(body)
            status, headers = 502, [TEXT]
            body = b"cfroutes serve: a header of the answer holds a line break or a control character\n"
        try:
            self.send_response_only(status)
            names = set()
            for n, v in headers:
                if n.lower() not in HOP_BY_HOP:
                    self.send_header(n, v)
                    names.add(n.lower())
            if "date" not in names:
                self.send_header("date", self.date_time_string())
            self.send_header("content-length", str(body.size if isinstance(body, FileBody) else len(body)))
            if self.close_connection:
                self.send_header("connection", "close")
            self.end_headers()
        except BaseException:
            _discard(body)
            raise
        if self.command == "HEAD":
            _discard(body)
        elif isinstance(body, FileBody):  # streamed by the server as the client reads (server.Outgoing)
            self.request.outgoing = Outgoing(b"", body.fh, body.size)
        else:
            self.request.outgoing = Outgoing(body)

    def _handle(self) -> None:
        start = time.perf_counter()
        edge = self.edge
        self._cache_headers: list[tuple[str, str]] = []  # x-cache and age, when a cache policy is declared
        try:
            status, headers, body, note = self._edge(edge)
        except Exception as exc:  # noqa: BLE001 - a request never takes the server down
            status, headers = 500, [TEXT]
            body = b"cfroutes serve: internal error (the server's log has the details)\n"
            note = f"(internal error: {type(exc).__name__}: {exc})"
        edge.log(f"{self.command} {self.path} -> {status} {note} ({(time.perf_counter() - start) * 1000:.1f} ms)")
        self._send(status, headers + self._cache_headers, body)

    def _refuse(self, status: int, text: str, note: str) -> tuple[int, list[tuple[str, str]], Body, str]:
        self.close_connection = True
        return status, [TEXT], f"{text}\n".encode(), note

    def _edge(self, edge: Edge) -> tuple[int, list[tuple[str, str]], Body, str]:
        # what CloudFront answers 400 before any function runs
        if _BARE_CR.search(self.request.head):
            return self._refuse(400, "a CR without LF in the request head", "(bare CR)")
        hosts = self.headers.get_all("host") or []
        if len(hosts) > 1:
            return self._refuse(400, "more than one Host header", "(duplicate host)")
        host = hosts[0].strip() if hosts else ""
        if not host:  # CloudFront answers a request without a Host with 400 before any function runs
            return self._refuse(400, "a Host header is required", "(no host)")
        try:
            check_authority(host)
        except RequestError:
            return self._refuse(400, "the Host header is not a host name (with an optional port)", "(bad host)")
        if self.headers.get("transfer-encoding") is not None:
            return self._refuse(411, "send the request body with a Content-Length (no chunked bodies)",
                                "(chunked body)")
        lengths = self.headers.get_all("content-length") or []
        if len(lengths) > 1 or (lengths and not lengths[0].strip().isdigit()):
            return self._refuse(400, "one Content-Length with a number is required", "(bad content-length)")
        size = int(lengths[0]) if lengths else 0
        if size > MAX_REQUEST_BODY:
            return self._refuse(413, f"the request body is over {MAX_REQUEST_BODY} bytes", "(body too large)")
        body = self.rfile.read(size)
        b = edge.current()
        if not edge.hosts.allows(host, b):  # DNS rebinding: a page of another name reaching this port
            return self._refuse(421, f"this server answers only the hosts of --allowed-hosts {edge.hosts.spec}",
                                "(host not allowed)")
        if b.compiled is None or b.runner is None:
            page = ("<!DOCTYPE html><meta charset=utf-8><title>cfroutes: config error</title>"
                    "<h1>routes.yaml does not build</h1><pre>" + html.escape(b.error) + "</pre>"
                    "<p>Fix it and reload: the server rebuilds on every change.</p>")
            return 500, [("content-type", "text/html; charset=utf-8")], page.encode(), "(config error page)"
        hdrs: dict[str, list[str]] = {}
        for n, v in self.headers.items():
            low = n.lower()
            if low in HOP_BY_HOP or is_disallowed(low):
                continue
            hdrs.setdefault(low, []).append(v)
        hdrs["host"] = [host]
        tenants = edge.tenant_map()
        tenant = tenants.tenant_for(host) if tenants.multi_tenant else None
        if tenants.multi_tenant and tenant is None:  # CloudFront refuses a Host no tenant has
            return self._refuse(403, f"no distribution tenant has the domain {host_name(host)} "
                                f"(--tenants {tenants.path})", "(no tenant)")
        try:
            event = with_tenant(build_event(f"{self.command} http://{host}{self.path}", headers=hdrs,
                                            viewer_ip=self.client_address[0]), tenant)
        except (RequestError, ValueError) as exc:
            return 400, [TEXT], f"{exc}\n".encode(), "(bad request)"
        runner = b.runner
        notes: list[str] = [f"tenant {tenant.id}"] if tenant is not None else []
        vreq = b.function(VIEWER_REQUEST)
        req = event["request"]
        if vreq is not None:
            inv = runner.invoke(vreq, event)
            notes.append(f"{vreq.name}: {runner.route(vreq, event)}, {inv.steps} steps, "
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
            res = b.cache.fetch(self.command, req, lambda: edge.fetch(self.command, req, body))
            status, oheaders = res.status, res.headers
            obody = res.body if isinstance(res.body, (bytes, FileBody)) else b""
            self._cache_headers = res.extra_headers()
            notes.append(f"cache {res.x_cache.split()[0].lower()} key {res.key}")
        else:
            status, oheaders, obody = edge.fetch(self.command, req, body)
        if not self._cache_headers or self._cache_headers[0][1] != edge_cache.HIT:  # a hit never asks the origin
            notes.append(f"origin {req['uri']}")
        epage = next((p for p in b.compiled.config.error_pages if p.code == status), None)
        if epage is not None:  # the distribution's custom error response (`error_pages:`)
            pstatus, pheaders, pbody = edge.fetch("GET", dict(req, uri=epage.page, querystring={}))
            if pstatus < 400:  # (a page the origin does not have: CloudFront answers the origin's error)
                _discard(obody)
                notes.append(f"error page {epage.page} for the origin's {status}")
                # the origin answered an error, so no viewer-response function runs (CloudFront)
                return epage.status, [(n, v) for n, vs in pheaders.items() for v in vs], pbody, " ".join(notes)
            _discard(pbody)
        vresp = b.function(VIEWER_RESPONSE)
        if vresp is not None and viewer_response_runs(status):
            shown = {n: v for n, v in oheaders.items() if n not in HOP_BY_HOP and not is_disallowed(n)}
            try:
                ev = dict(event, request=req, response=build_response({"status": status, "headers": shown}))
            except RequestError as exc:
                _discard(obody)
                return 502, [("content-type", "text/plain; charset=utf-8")], f"origin response: {exc}\n".encode(), \
                    " ".join(notes) + f" [origin response: {exc}]"
            ev["context"] = dict(event["context"], eventType=VIEWER_RESPONSE)
            inv = runner.invoke(vresp, ev)
            notes.append(f"{vresp.name}: {inv.steps} steps")
            if not inv.ok:
                _discard(obody)
                msg = "; ".join(([inv.error] if inv.error else []) + inv.validation_errors)
                return 502, [("content-type", "text/plain; charset=utf-8")], f"{vresp.name}: {msg}\n".encode(), \
                    " ".join(notes) + f" [{msg}]"
            resp = (inv.output or {}).get("response", {})
            vbody = _body_of(resp)
            if vbody is not None:
                _discard(obody)
            return int(resp.get("statusCode", status)), _headers_of(resp), obody if vbody is None else vbody, \
                " ".join(notes)
        return status, [(n, v) for n, vs in oheaders.items() for v in vs], obody, " ".join(notes)


def _discard(body: Body) -> None:
    if isinstance(body, FileBody):
        body.close()


def make_server(config: str, origin: str | None, port: int, log: Callable[[str], None],
                host: str = "127.0.0.1", allowed_hosts: str = "any", tenants: TenantMap | None = None) -> EdgeServer:
    edge = Edge(config, origin, log, allowed_hosts, tenants)
    handler = type("BoundHandler", (Handler,), {"edge": edge})
    return EdgeServer((host, port), handler)
