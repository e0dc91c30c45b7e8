"""Parse and validate test cases (docs/testing.md) into typed, positioned `Case` records.

Cases live inline under a function's `tests:` or in case files (`*.cases.yaml`):
either a list of cases or a mapping `{config?, function?, tests: [...]}`, where
`config` is the routes file the cases are for (default: the nearest `routes.yaml`
in the file's directory or above) and `function` the default function of its cases.
Every problem becomes a `FILE:LINE:COL` diagnostic; all are raised at once as
`InputError` (exit code 2).
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from typing import Any

from cfroutes.codes import Code
from cfroutes.config import schema
from cfroutes.config.load import Validator
from cfroutes.config.model import SPILL_PREFIX, VIEWER_REQUEST, VIEWER_RESPONSE, Config, Function
from cfroutes.config.yamlload import Node, load_file
from cfroutes.emulator.tenant import Tenant, with_tenant
from cfroutes.errors import Diagnostic, InputError, Span
from cfroutes.kvs.importfile import key_problem, value_problem
from cfroutes.platform.event import CONNECTION_REQUEST
from cfroutes.platform.headers import TOKEN_RE
from cfroutes.runcache import note_dir
from cfroutes.safeio import read_head
from cfroutes.testing.events import RequestError, build_event

# the keys of each mapping come from the one description of the format (generator/schema.py)
CASE_KEYS = schema.CASE.keys
EXPECT_KEYS = schema.EXPECT.keys
RESPONSE_KEYS = schema.CASE_RESPONSE.keys
ORIGIN_KEYS = schema.EXPECT_ORIGIN.keys
FILE_KEYS = schema.CASES_FILE.keys
CASE_FILE_SUFFIX = ".cases.yaml"
#: directories never searched for case files
SKIP_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", "dist", "build", ".venv", "venv",
                       "__pycache__", ".tox", ".nox", ".mypy_cache", ".pytest_cache"})



@dataclass(frozen=True)
class Expect:
    """What a case expects; a field left as None (or empty) is not checked."""

    status: int | None = None
    location: str | None = None
    uri: str | None = None
    querystring: str | None = None
    headers: tuple[tuple[str, Any], ...] = ()  # (lower-case name, str | tuple[str, ...] | None)
    cookies: tuple[tuple[str, Any], ...] = ()
    origin: dict[str, str] | None = None
    origin_absent: bool = False  # `origin: null`: no origin helper may be called
    body: str | None = None
    error: str | None = None
    allow: bool | None = None  # connection functions: the decision
    log: tuple[str, ...] | None = None  # connection functions: what logCustomData was given
    spans: dict[str, Span] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Case:
    name: str
    function: str
    event_type: str
    request: str
    event: dict[str, Any] = field(compare=False)
    expect: Expect
    kvs: dict[str, str | None] | None  # merged over the store (None value: key removed)
    span: Span  # the case's list item
    index: int  # position in its list

    @property
    def file(self) -> str:
        return self.span.file


# ------------------------------------------------------------------ entry points
def inline_cases(config: Config) -> list[Case]:
    """All inline `tests:` of every function of `config`."""
    v = Validator(config.path, Code.CASE_INVALID)
    cases: list[Case] = []
    for fn in config.functions:
        node = fn.tests
        if isinstance(node, Node):
            cases.extend(_case_list(v, node, config, fn, None))
    _raise(v)
    return cases


def file_cases(path: str, config: Config) -> list[Case]:
    """The cases of one case file, checked against `config`."""
    root, _ = load_file(path)
    v = Validator(path, Code.CASE_INVALID)
    cases = _file_cases(v, root, path, config)
    _raise(v)
    return cases


def load_cases(config: Config, files: list[str]) -> list[Case]:
    """Cases of several files; every file is validated before any error is raised."""
    diags: list[Diagnostic] = []
    cases: list[Case] = []
    for path in files:
        try:
            cases.extend(file_cases(path, config))
        except InputError as e:
            diags.extend(e.diagnostics)
    if diags:
        raise InputError(diags)
    return cases


def _raise(v: Validator) -> None:
    if v.diags:
        raise InputError(sorted(v.diags, key=lambda d: (d.span.file, d.span.line, d.span.col)))


def declared_config(path: str) -> str | None:
    """The `config:` a case file names, resolved against its directory (cheap text scan)."""
    found = declared_config_at(path)
    return found[0] if found else None


def declared_config_at(path: str) -> tuple[str, str, int] | None:
    """(resolved path, the text as written, its line) of the `config:` a case file names."""
    text = read_head(path, 65536)
    if text is None:
        return None
    m = re.search(r"^config:[ \t]*['\"]?([^'\"#\n]+?)['\"]?[ \t]*(?:#.*)?$", text, re.MULTILINE)
    if m is None:
        return None
    line = text.count("\n", 0, m.start()) + 1
    return os.path.normpath(os.path.join(os.path.dirname(path), m.group(1))), m.group(1), line


def config_for(path: str, stop: str | None = None) -> str | None:
    """The routes file of a case file: its `config:` or the nearest routes.yaml upwards."""
    declared = declared_config(path)
    if declared is not None:
        return declared
    d = os.path.dirname(os.path.abspath(path))
    stop_at = os.path.abspath(stop) if stop else None
    while True:
        cand = os.path.join(d, "routes.yaml")
        if os.path.isfile(cand):
            return cand
        parent = os.path.dirname(d)
        if parent == d or (stop_at is not None and d == stop_at):
            return None
        d = parent


def find_case_files(config_path: str) -> list[str]:
    """`*.cases.yaml` files that belong to `config_path`.

    Searches the config's directory tree, skipping hidden and build directories and
    any directory that holds its own `routes.yaml` (those cases belong to that one).
    A file belongs to the config its `config:` names, else to the nearest routes.yaml
    at or above its directory (up to the config's directory), else to `config_path`.
    """
    root = os.path.dirname(os.path.abspath(config_path))
    target = os.path.realpath(config_path)
    found: list[str] = []
    for d, dirs, files in os.walk(root):
        note_dir(d)  # (check's result cache: a new case file or routes.yaml is a change)
        dirs[:] = sorted(x for x in dirs if x not in SKIP_DIRS and not x.startswith(".")
                         and not os.path.isfile(os.path.join(d, x, "routes.yaml")))
        for name in sorted(files):
            if name.endswith(CASE_FILE_SUFFIX):
                path = os.path.join(d, name)
                owner = config_for(path, stop=root)
                if owner is None or os.path.realpath(owner) == target:
                    found.append(os.path.relpath(path) if not os.path.isabs(config_path) else path)
    return found


# ------------------------------------------------------------------ parsing
def _file_cases(v: Validator, root: Node, path: str, config: Config) -> list[Case]:
    default_fn: Function | None = None
    tests = root
    if root.is_map:
        m = v.mapping(root, "the case file", FILE_KEYS)
        assert m is not None
        if "config" in m:
            cpath = v.string(m["config"], "config")
            if cpath is not None:
                resolved = os.path.join(os.path.dirname(path), cpath)
                if os.path.realpath(resolved) != os.path.realpath(config.path):
                    v.err(m["config"], f"these cases are for {cpath}, not {config.path}",
                          hint=f"run them with -c {os.path.normpath(resolved)}", code=Code.CASE_INVALID)
                    return []
        if "function" in m:
            default_fn = _function_ref(v, m["function"], config)
            if default_fn is None:
                return []
        if "tests" not in m:
            v.err(root, "a case file is a list of cases or a mapping with `tests:`", code=Code.WRONG_TYPE)
            return []
        tests = m["tests"]
    elif root.value is None:
        return []
    return _case_list(v, tests, config, default_fn, path)


def _function_ref(v: Validator, node: Node, config: Config) -> Function | None:
    name = v.string(node, "function")
    if name is None:
        return None
    fn = config.function(name)
    if fn is None:
        import difflib

        names = [f.name for f in config.functions]
        close = difflib.get_close_matches(name, names, n=1, cutoff=0.5)
        v.err(node, f"no function '{name}' in {config.path}",
              hint=f"did you mean '{close[0]}'?" if close else "functions: " + ", ".join(names), code=Code.CASE_FUNCTION)
    return fn


def _case_list(v: Validator, node: Node, config: Config, owner: Function | None,
               file: str | None) -> list[Case]:
    if not node.is_list:
        v.err(node, f"tests must be a list of cases, got {node.type_name()}", code=Code.WRONG_TYPE)
        return []
    out = []
    for i, item in enumerate(node.value):
        case = _case(v, item, i, config, owner, inline=file is None)
        if case is not None:
            out.append(case)
    return out


def _case(v: Validator, node: Node, index: int, config: Config, owner: Function | None,
          *, inline: bool) -> Case | None:
    n_err = len(v.diags)
    m = v.mapping(node, "a test case", CASE_KEYS)
    if m is None:
        return None
    fn = owner
    if "function" in m:
        ref = _function_ref(v, m["function"], config)
        if ref is not None and inline and owner is not None and ref is not owner:
            v.err(m["function"], f"this case is inline under '{owner.name}'; it cannot run '{ref.name}'", code=Code.CASE_FUNCTION)
        elif ref is not None:
            fn = ref
    elif fn is None:
        if len(config.functions) == 1:
            fn = config.functions[0]
        else:
            v.err(node, "this case needs `function:` (the config has several functions: "
                  + ", ".join(f.name for f in config.functions) + ")", code=Code.CASE_FUNCTION)
    if fn is not None and fn.event == CONNECTION_REQUEST or "connection" in m:
        return _connection_case(v, node, m, index, fn)
    req_node = m.get("request")
    request = None
    if req_node is None:
        v.err(node, "a test case needs `request:` (e.g. GET https://example.com/path)", code=Code.CASE_REQUEST)
    else:
        request = v.string(req_node, "request")
    name = request or f"case {index + 1}"
    if "name" in m:
        name = v.string(m["name"], "name") or name
    headers = _values_map(v, m["headers"], "headers", header=True) if "headers" in m else None
    cookies = _values_map(v, m["cookies"], "cookies", header=False) if "cookies" in m else None
    viewer_ip = v.string(m["viewer_ip"], "viewer_ip") if "viewer_ip" in m else None
    kvs = _kvs(v, m["kvs"], fn) if "kvs" in m else None
    tenant = _tenant(v, m["tenant"]) if "tenant" in m else None
    response = None
    if "response" in m:
        if fn is not None and fn.event != VIEWER_RESPONSE:
            v.err(m["response"], f"`response` is the origin's response for viewer-response functions; "
                  f"'{fn.name}' is {fn.event}", code=Code.CASE_REQUEST)
        else:
            response = _response(v, m["response"])
    expect = None
    if "expect" not in m:
        v.err(node, "a test case needs `expect:` (status, location, uri, querystring, headers, cookies, "
              "origin, body or error)", code=Code.CASE_EXPECT)
    else:
        expect = _expect(v, m["expect"], fn)
    if fn is None or request is None or req_node is None:
        return None
    try:
        event = build_event(request, event_type=fn.event, headers=headers, cookies=cookies,
                            viewer_ip=viewer_ip, response=response)
    except RequestError as e:
        where = _request_span(req_node, request, e.column) if e.column else node.span
        if "viewer_ip" in e.message and "viewer_ip" in m:
            where = m["viewer_ip"].span
        elif "header" in e.message and "headers" in m:
            where = m["headers"].span
        elif "cookie" in e.message.lower() and "cookies" in m:
            where = m["cookies"].span
        elif e.column is None and "response" in m:
            where = m["response"].span
        v.err(where, e.message, hint=e.hint, code=Code.CASE_REQUEST)
        return None
    if expect is None or len(v.diags) > n_err:
        return None
    return Case(name, fn.name, fn.event, request, with_tenant(event, tenant), expect, kvs, node.span, index)


#: a case's connection object: every field it does not name (docs/testing.md)
CONNECTION_DEFAULTS = {"connectionId": "cfroutes-test", "clientIp": "192.0.2.1"}
LEAF_DEFAULTS = {"subject": "CN=client.example.com", "issuer": "CN=cfroutes test CA", "serialNumber": "01",
                 "sha256Fingerprint": "0" * 64}
VALIDITY_DEFAULTS = {"notBefore": "2025-01-01T00:00:00Z", "notAfter": "2027-01-01T00:00:00Z"}


def connection_event(fields: dict[str, str], certificate: bool = True) -> dict[str, Any]:
    """The connection object of a case (or `cfroutes run`): `fields` over the defaults; without
    `certificate`, no clientCertificate (the viewer presented none)."""
    conn: dict[str, Any] = {k: fields.get(k, d) for k, d in CONNECTION_DEFAULTS.items()}
    if certificate:
        leaf: dict[str, Any] = {k: fields.get(k, d) for k, d in LEAF_DEFAULTS.items()}
        leaf["validity"] = {k: fields.get(k, d) for k, d in VALIDITY_DEFAULTS.items()}
        conn["clientCertificate"] = {"certificates": {"leaf": leaf}}
    return conn


def _connection_case(v: Validator, node: Node, m: dict[str, Node], index: int, fn: Function | None) -> Case | None:
    """A case of a connection-request function: `connection: {...}` (defaults for what it leaves
    out) and `expect: {allow, log?, error?}`."""
    n_err = len(v.diags)
    if fn is not None and fn.event != CONNECTION_REQUEST:
        v.err(m["connection"], f"`connection` is for connection-request functions; '{fn.name}' is {fn.event}",
              hint="give it a `request:` instead", code=Code.CASE_REQUEST)
        return None
    for key in ("request", "headers", "cookies", "viewer_ip", "response", "tenant"):
        if key in m:
            v.err(node.keys[key], f"`{key}` does not apply to a connection-request function (use `connection:`)",
                  code=Code.CASE_REQUEST)
    fields: dict[str, str] = {}
    cert = True
    cm = v.mapping(m["connection"], "connection", schema.CASE_CONNECTION.keys) if "connection" in m else {}
    for key, val in (cm or {}).items():
        if key == "clientCertificate":
            if not isinstance(val.value, bool):
                v.err(val, "connection.clientCertificate must be true or false", code=Code.WRONG_TYPE)
            else:
                cert = val.value
            continue
        text = v.string(val, f"connection.{key}", allow_empty=key in ("subject", "issuer"))
        if text is not None:
            fields[key] = text
    conn = connection_event(fields, cert)
    if not cert and cm and any(k in cm for k in (*LEAF_DEFAULTS, *VALIDITY_DEFAULTS)):
        v.err(cm["clientCertificate"], "clientCertificate: false (no certificate) with certificate fields",
              code=Code.CASE_REQUEST)
    kvs = _kvs(v, m["kvs"], fn) if "kvs" in m else None
    expect = None
    if "expect" not in m:
        v.err(node, "a test case needs `expect:` (allow: true or false)", code=Code.CASE_EXPECT)
    else:
        expect = _expect(v, m["expect"], fn)
    label = f"connection from {conn['clientIp']}" + ("" if cert else " without a certificate")
    name = label
    if "name" in m:
        name = v.string(m["name"], "name") or name
    if fn is None or expect is None or len(v.diags) > n_err:
        return None
    return Case(name, fn.name, CONNECTION_REQUEST, label, conn, expect, kvs, node.span, index)


def _request_span(node: Node, text: str, column: int) -> Span:
    """The span of column `column` of the request text, when it maps 1:1 onto the file."""
    if node.raw != text or "\n" in text:
        return node.span
    quote = 0 if node.plain else 1
    return Span(node.span.file, node.span.line, node.span.col + quote + column - 1)


def _values_map(v: Validator, node: Node, what: str, *, header: bool,
                allow_null: bool = False) -> dict[str, Any] | None:
    """name -> string | list of strings (| None when `allow_null`)."""
    if not node.is_map:
        v.err(node, f"{what} must be a mapping of name to value, got {node.type_name()}", code=Code.WRONG_TYPE)
        return None
    out: dict[str, Any] = {}
    for name, val in node.value.items():
        key_node = node.keys[name]
        if not TOKEN_RE.match(name):
            v.err(key_node, f"invalid {what[:-1]} name {name!r}")
            continue
        key = name.lower() if header else name
        if val.value is None and allow_null:
            out[key] = None
        elif val.is_list:
            items = v.string_list(val, f"{what}.{name}")
            if items is not None:
                if not items:
                    v.err(val, f"{what}.{name} must not be an empty list", code=Code.EMPTY_VALUE)
                out[key] = tuple(s for _, s in items) if allow_null else [s for _, s in items]
        else:
            s = v.string(val, f"{what}.{name}", allow_empty=True)
            if s is not None and v.no_control(val, s, f"{what}.{name}"):
                out[key] = s
    return out


def _tenant(v: Validator, node: Node) -> Tenant | None:
    """`tenant: {id, params?, endpoint?}`: the distribution tenant the case runs for."""
    m = v.mapping(node, "tenant", schema.CASE_TENANT.keys)
    if m is None:
        return None
    tid = v.string(m["id"], "tenant.id") if "id" in m else None
    if "id" not in m:
        v.err(node, "tenant needs `id:` (the distribution tenant's ID, e.g. dt_1a2b3c4d5e6f7)", code=Code.CASE_INVALID)
    params: dict[str, str] = {}
    if "params" in m:
        pnode = m["params"]
        if not pnode.is_map:
            v.err(pnode, f"tenant.params must be a mapping of parameter name to value, got {pnode.type_name()}",
                  code=Code.WRONG_TYPE)
        else:
            for key, val in pnode.value.items():
                s = v.string(val, f"tenant.params.{key}", allow_empty=True)
                if s is not None:
                    params[key] = s
    endpoint = v.string(m["endpoint"], "tenant.endpoint") if "endpoint" in m else None
    return None if tid is None else Tenant(tid, params, endpoint)


def _kvs(v: Validator, node: Node, fn: Function | None) -> dict[str, str | None] | None:
    if fn is not None and fn.kvs is None:
        v.err(node, f"function '{fn.name}' has no KeyValueStore (`kvs:` block), so a case cannot set kvs", code=Code.CASE_INVALID)
        return None
    if not node.is_map:
        v.err(node, f"kvs must be a mapping of key to value, got {node.type_name()}", code=Code.WRONG_TYPE)
        return None
    out: dict[str, str | None] = {}
    for key, val in node.value.items():
        knode = node.keys[key]
        problem = key_problem(key)
        if problem is not None:
            v.err(knode, problem, code=Code.SEED)
            continue
        if key.startswith(SPILL_PREFIX):
            v.err(knode, f"KVS keys starting with {SPILL_PREFIX!r} are reserved for spilled routes", code=Code.SEED)
            continue
        if val.value is None:
            out[key] = None
        elif val.is_map or val.is_list:
            out[key] = json.dumps(val.to_python(), separators=(",", ":"), ensure_ascii=False)
        else:
            s = v.string(val, f"kvs.{key}", allow_empty=True)
            if s is not None:
                out[key] = s
        stored = out.get(key)
        problem = None if stored is None else value_problem(key, stored)
        if problem is not None:
            v.err(val, problem)
            del out[key]
    return out


def _response(v: Validator, node: Node) -> dict[str, Any] | None:
    m = v.mapping(node, "response", RESPONSE_KEYS)
    if m is None:
        return None
    out: dict[str, Any] = {}
    if "status" in m:
        out["status"] = v.integer(m["status"], "response.status", 100, 599)
    if "status_description" in m:
        out["status_description"] = v.string(m["status_description"], "response.status_description",
                                             allow_empty=True)
    if "headers" in m:
        out["headers"] = _values_map(v, m["headers"], "response.headers", header=True)
    if "cookies" in m:
        out["cookies"] = _values_map(v, m["cookies"], "response.cookies", header=False)
    return out


def _expect(v: Validator, node: Node, fn: Function | None) -> Expect | None:
    m = v.mapping(node, "expect", EXPECT_KEYS)
    if m is None:
        return None
    if not m:
        v.err(node, "expect is empty: say what should happen (status, uri, headers, ...)", code=Code.CASE_EXPECT)
        return None
    spans = {k: n.span for k, n in m.items()}
    for key, n in m.items():
        if n.value is None and key not in ("origin",):
            v.err(n, f"expect.{key} must not be null" + (
                "; to require a header to be absent write `headers: {name: null}`" if key in ("headers", "cookies") else ""), code=Code.CASE_EXPECT)
    kw: dict[str, Any] = {}
    if "status" in m and m["status"].value is not None:
        kw["status"] = v.integer(m["status"], "expect.status", 100, 599)
    for key in ("location", "uri", "querystring", "body", "error"):
        if key in m and m[key].value is not None:
            kw[key] = v.string(m[key], f"expect.{key}", allow_empty=key in ("querystring", "body"))
    if kw.get("uri") is not None and not kw["uri"].startswith("/"):
        v.err(m["uri"], "expect.uri must start with '/'", code=Code.CASE_EXPECT)
    for key in ("headers", "cookies"):
        if key in m and m[key].value is not None:
            vals = _values_map(v, m[key], f"expect.{key}", header=key == "headers", allow_null=True)
            kw[key] = tuple((vals or {}).items())
    if "origin" in m:
        on = m["origin"]
        if on.value is None:
            kw["origin_absent"] = True
        else:
            om = v.mapping(on, "expect.origin", ORIGIN_KEYS)
            if om is not None:
                if not om:
                    v.err(on, "expect.origin needs id, domain, path or host_header (or null: no origin change)", code=Code.CASE_EXPECT)
                kw["origin"] = {k: s for k, n in om.items()
                                if (s := v.string(n, f"expect.origin.{k}")) is not None}
    for key in ("allow",):
        if key in m and m[key].value is not None:
            if not isinstance(m[key].value, bool):
                v.err(m[key], "expect.allow must be true or false", code=Code.WRONG_TYPE)
            else:
                kw["allow"] = m[key].value
    if "log" in m and m["log"].value is not None:
        items = v.string_list(m["log"], "expect.log")
        if items is not None:
            kw["log"] = tuple(text for _, text in items)
    conn_keys = [k for k in ("allow", "log") if k in m]
    if fn is not None and fn.event == CONNECTION_REQUEST:
        other = [k for k in m if k not in ("allow", "log", "error")]
        if other:
            v.err(m[other[0]], f"expect.{other[0]} does not apply to a connection-request function; it expects "
                  "allow (true or false), log or error", code=Code.CASE_EXPECT)
    elif fn is not None and conn_keys:
        v.err(m[conn_keys[0]], f"expect.{conn_keys[0]} is for connection-request functions; '{fn.name}' is "
              f"{fn.event}", code=Code.CASE_EXPECT)
    if fn is not None:
        req_keys = [k for k in ("uri", "querystring", "origin") if k in m]
        resp_keys = [k for k in ("status", "location", "body") if k in m]
        if fn.event == VIEWER_RESPONSE and req_keys:
            v.err(m[req_keys[0]], f"expect.{req_keys[0]} checks a request that goes on to the origin; "
                  f"'{fn.name}' is a viewer-response function and returns a response", code=Code.CASE_EXPECT)
        elif fn.event == VIEWER_REQUEST and req_keys and resp_keys:
            v.err(node, f"expect.{resp_keys[0]} describes a response made at the edge and expect.{req_keys[0]} "
                  "a request that goes on to the origin; a case can only expect one of them", code=Code.CASE_EXPECT)
    return Expect(spans=spans, **kw)


__all__ = ["Case", "Expect", "CASE_FILE_SUFFIX", "config_for", "declared_config", "file_cases",
           "find_case_files", "inline_cases", "load_cases"]
