"""An independent reference model of route semantics (docs/semantics.md).

`evaluate(fn, event, kvs)` returns what a function built from `fn` returns for
`event` - `{"request": ...}` or `{"response": ...}` - and the origin helper call it
makes (`{"method", "params"}` as the emulator records it, or None).

Written from the semantics document only: it walks `fn.routes` in order and shares
nothing with the planner or the JS template (no exact tables, no first-segment
groups, no spill). JavaScript behaviour that matters is modelled explicitly:
property order of objects (array-index keys first), `Number#toString`,
`JSON.parse`. Regular expressions are JavaScript regular expressions, so they are
run by a JS engine (QuickJS, through the one bounded way to run a regex:
`cfroutes.emulator.jsregex`) - only `RegExp#exec`. A regex that runs out of time or
memory raises `jsregex.Overrun`, its `rule` set to the route or header rule.
"""
from __future__ import annotations

import copy
import ipaddress
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from cfroutes.config.model import (
    SPILL_PREFIX,
    TENANT_REF,
    VIEWER_RESPONSE,
    CertValue,
    ConnRoute,
    Function,
    HeaderRule,
    HostPattern,
    Match,
    Origin,
    PathPattern,
    Redirect,
    Ref,
    Respond,
    Rewrite,
    Route,
    Template,
    TenantCond,
    ValueCond,
)
from cfroutes.config.patterns import DATA_BAD, HOST_ESCAPE, HOST_LABEL_RE
from cfroutes.emulator.jsregex import Overrun, exec_regex
from cfroutes.emulator.tenant import TENANT_KEY
from cfroutes.platform.event import format_query
from cfroutes.platform.limits import KVS_KEY_MAX, LOCATION_BAD
from cfroutes.platform.uri import normal_path, uri_text

DEFAULT_CONTENT_TYPE = "text/plain; charset=utf-8"
_INDEX_KEY = re.compile(r"^(0|[1-9][0-9]*)\Z")
# semantics §4.1: what a data value may not contain, by where it is rendered
HEADER, LOCATION, URI = 0, 1, 2
_BAD = tuple(re.compile("[" + c + "]") for c in DATA_BAD)
_LABEL = re.compile(HOST_LABEL_RE)
_IN_HOST = re.compile(r"^https?://[^/?#]*$")


class Missing(Exception):
    """A lookup (or one of its JSON fields) is missing."""


@dataclass
class Trace:
    """What decided an evaluation (for route coverage): the route's index in `fn.routes`
    (None: no route), whether its lookup's `missing` response answered, and the indices of
    the header rules that applied."""
    route: int | None = None
    missing: bool = False
    rules: list[int] = field(default_factory=list)


# ------------------------------------------------------------------ JS helpers
def js_keys(obj: dict[str, Any]) -> list[str]:
    """Own-property order of a JS object built from `obj`: array indices ascending first."""
    idx = [k for k in obj if _INDEX_KEY.match(k) and int(k) < 2**32 - 1]
    seen = set(idx)
    return sorted(idx, key=int) + [k for k in obj if k not in seen]


def js_lower(s: str) -> str:
    """`String#toLowerCase` (Unicode default case mapping, as Python's `str.lower`)."""
    return s.lower()


def js_number(x: float) -> str:
    """`Number#toString()` of a double (ECMAScript Number::toString, radix 10)."""
    if x != x:
        return "NaN"
    if x in (float("inf"), float("-inf")):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0:
        return "0"
    sign = "-" if x < 0 else ""
    t = Decimal(repr(abs(x))).normalize().as_tuple()
    digits = "".join(map(str, t.digits))
    k = len(digits)
    n = k + int(t.exponent)
    if k <= n <= 21:
        out = digits + "0" * (n - k)
    elif 0 < n <= 21:
        out = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        out = "0." + "0" * (-n) + digits
    else:
        e = n - 1
        exp = ("+" if e >= 0 else "-") + str(abs(e))
        out = digits[0] + ("." + digits[1:] if k > 1 else "") + "e" + exp
    return sign + out


def _no_constant(name: str) -> Any:
    raise ValueError(f"not JSON: {name}")


def js_json_parse(text: str) -> Any:
    """`JSON.parse`: strict JSON, every number a double."""
    return json.loads(text, parse_int=float, parse_float=float, parse_constant=_no_constant)


def regex_exec(source: str, flags: str, text: str) -> tuple[str | None, ...] | None:
    """`new RegExp(source, flags).exec(text)`: the groups (None = did not participate) or None.
    Bounded in time and memory (`emulator/jsregex.py`); raises `Overrun` when it runs out."""
    return exec_regex(source, flags, text)


def match_rule(rule: Any, r: Req, icase: bool, strict: bool, site: dict[str, int] | None = None
                ) -> dict[str, Any] | None:
    """`match` for a route or header rule; an Overrun says which rule's regex ran out."""
    try:
        return match(rule.match, r, icase, strict, site)
    except Overrun as exc:
        exc.rule = rule
        raise


# ------------------------------------------------------------------ the request
class HasQuery(Protocol):
    """What `redirect_location` reads of a request: its rebuilt query string."""

    @property
    def query(self) -> str: ...


@dataclass
class Req:
    """The request as matched (semantics §1)."""

    uri: str
    raw: list[str]  # g
    norm: list[str]  # n
    trailing: bool  # t
    host: str  # h (raw)
    labels: list[str]  # of hl
    query: str  # {query}
    method: Any
    headers: dict[str, Any]
    querystring: dict[str, Any]
    cookies: dict[str, Any]
    exists: bool = False  # the path is one of the function's `files:` (config/files.py)
    tenant: dict[str, Any] | None = None  # the distribution tenant {id, params} (None: a standard distribution)


def _value(obj: Any, name: str) -> Any:
    """The `value` of entry `name`, or None when there is no such entry/value."""
    if not isinstance(obj, dict) or name not in obj:
        return None
    entry = obj[name]
    return entry.get("value") if isinstance(entry, dict) else None


def _query_text(qs: dict[str, Any]) -> str:
    """`{query}`: the query text, names in the order a JS object holds them."""
    return format_query(qs, js_keys(qs))


def request_of(event_request: dict[str, Any]) -> Req:
    """Split a CloudFront request into what routes match on."""
    u = event_request["uri"]
    s = u[1:]
    g = [] if s == "" else s.split("/")
    if g and g[-1] == "":
        n, t = g[:-1], True
    else:
        n, t = g, False
    h = _value(event_request.get("headers"), "host") or ""
    hl = re.sub(r":[0-9]*\Z", "", js_lower(h))  # an empty port ("host:") is a port too
    return Req(u, g, n, t, h, hl.split("."), _query_text(event_request.get("querystring") or {}),
               event_request.get("method"), event_request.get("headers") or {},
               event_request.get("querystring") or {}, event_request.get("cookies") or {})


# ------------------------------------------------------------------ matching
def _seg_eq(pat: str, seg: str, icase: bool) -> bool:
    # both in the normal form (semantics §1.1), then lower-cased under insensitive
    pat, seg = normal_path(pat), normal_path(seg)
    return js_lower(pat) == js_lower(seg) if icase else pat == seg


def _match_segments(pats: tuple[Any, ...], segs: list[str], icase: bool, b: dict[str, Any]) -> bool:
    for p, s in zip(pats, segs, strict=False):  # a splat pattern is shorter
        if isinstance(p, str):
            if not _seg_eq(p, s, icase):
                return False
        elif s == "":
            return False
        else:
            b[p.name] = s
    return True


def match_path(p: PathPattern, r: Req, icase: bool, strict: bool, b: dict[str, Any]) -> bool:
    if p.splat:
        k = len(p.segments)
        if len(r.raw) < k or not _match_segments(p.segments, r.raw, icase, b):
            return False
        b["splat"] = "/".join(r.raw[k:])
        return True
    if len(r.norm) != len(p.segments):
        return False
    # A pattern without segments ("/", and "//" which parses to it) is the root: never trailing.
    if strict and r.trailing != (p.trailing_slash and bool(p.segments)):
        return False
    return _match_segments(p.segments, r.norm, icase, b)


def match_host(hp: HostPattern, r: Req, b: dict[str, Any]) -> bool:
    labels = r.labels
    pats = hp.labels
    if hp.wildcard:
        if len(labels) <= len(pats):
            return False
        labels = labels[len(labels) - len(pats):]
    elif len(labels) != len(pats):
        return False
    for p, lab in zip(pats, labels, strict=True):
        if isinstance(p, str):
            if p != lab:
                return False
        elif not _LABEL.fullmatch(lab):  # a parameter binds only a label of [a-z0-9_-]
            return False
        else:
            b[p.name] = lab
    return True


def cond_holds(obj: dict[str, Any], name: str, c: ValueCond, b: dict[str, Any], site: dict[str, int]) -> bool:
    """Does the condition hold? A regex's named groups bind into `b`, unless one holds a character
    its site refuses (semantics §4.1): then the condition does not hold."""
    v = _value(obj, name)
    if c.kind == "absent":
        return v is None
    if v is None:
        return False
    if c.kind == "present":
        return True
    if c.kind == "equals":
        return bool(v == c.value)
    assert c.value is not None
    groups = regex_exec(c.value, "", v)
    if groups is None:
        return False
    for g, i in c.groups:
        text = groups[i] or ""
        if _BAD[site.get(g, HEADER)].search(text):
            return False
        b[g] = text
    return True


def match(m: Match, r: Req, icase: bool, strict: bool, site: dict[str, int] | None = None
          ) -> dict[str, Any] | None:
    """The bindings when every condition of `m` holds, else None. `site`: where each name is
    rendered (names not in it: header values)."""
    b: dict[str, Any] = {"host": r.host, "path": r.uri, "query": r.query}
    if m.methods is not None and r.method not in m.methods:
        return None
    if m.file is not None and (m.file == "exists") != r.exists:
        return None
    if m.host is not None and not match_host(m.host, r, b):
        return None
    if m.path is not None and not match_path(m.path, r, icase, strict, b):
        return None
    if m.regex is not None:
        groups = regex_exec(m.regex.js_source, "i" if icase else "", r.uri)
        if groups is None:
            return None
        for name, i in m.regex.groups:
            b[name] = groups[i] if groups[i] is not None else ""
    for obj, conds in ((r.querystring, m.query), (r.headers, m.headers), (r.cookies, m.cookies)):
        if not all(cond_holds(obj, name, c, b, site or {}) for name, c in conds):
            return None
    if m.country is not None and _value(r.headers, "cloudfront-viewer-country") not in m.country:
        return None
    if m.tenant is not None and not tenant_holds(m.tenant, r.tenant, b, site or {}):
        return None
    return b


def tenant_holds(tc: TenantCond, tenant: dict[str, Any] | None, b: dict[str, Any], site: dict[str, int]) -> bool:
    """`tenant: {id?, params?}`: a tenant (not a standard distribution), its ID, its parameters as
    conditions (a parameter the tenant lacks is absent)."""
    if tenant is None or (tc.id is not None and tenant["id"] != tc.id):
        return False
    params = {k: {"value": v} for k, v in tenant["params"].items()}
    return all(cond_holds(params, name, c, b, site) for name, c in tc.params)


# ------------------------------------------------------------------ templates
def _field_text(v: Any) -> str:
    if v is None or isinstance(v, (dict, list)):
        raise Missing()
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return js_number(v)
    return str(v)


# semantics §4.1: a control, space or DEL that a request value brings into a redirect target is
# percent-encoded (a literal target cannot hold one; a data value holding one does not bind)
_LOCATION_ENCODE = re.compile("[" + LOCATION_BAD + "]")


def _percent(m: re.Match[str]) -> str:
    return f"%{ord(m.group(0)):02X}"


def _escape_host(text: str) -> str:
    return "".join(f"%{ord(ch):02X}" if ch in HOST_ESCAPE else ch for ch in text)


def fill(t: Template, b: dict[str, Any], site: int = HEADER, redirect: bool = False, uri: bool = False) -> str:
    """Substitute bindings verbatim; a missing JSON field, or one holding a character `site`
    refuses, raises Missing. In a `redirect` target a value in the host is percent-encoded.
    `uri` (a Location or a rewritten URI): literal text and data values are made valid URI text
    (their non-ASCII characters percent-encoded, §5)."""
    out: list[str] = []
    for part in t.parts:
        if isinstance(part, str):
            out.append(uri_text(part) if uri else part)
            continue
        assert isinstance(part, Ref)
        if part.name == TENANT_REF and part.name not in b:
            raise Missing()  # a standard distribution: no tenant to read
        v = b[part.name]
        for f in part.fields:
            if not isinstance(v, dict) or f not in v:
                raise Missing()
            v = v[f]
        text = _field_text(v)
        if part.fields and _BAD[site].search(text):
            raise Missing()
        if redirect and _IN_HOST.match("".join(out)):
            text = _escape_host(text)
        out.append(uri_text(text) if uri else text)
    return "".join(out)


def sites(route: Route) -> dict[str, int]:
    """The strictest place each name is rendered into by the route (§4.1)."""
    a = route.action
    placed: list[tuple[int, Template]] = [(HEADER, t) for _, t in route.set_headers]
    if isinstance(a, Redirect):
        placed.append((LOCATION, a.to))
    elif isinstance(a, Rewrite):
        placed.append((URI, a.to))
    elif isinstance(a, Origin):
        placed += [(URI, t) for t in (a.origin_id, a.domain, a.path, a.host_header) if t is not None]
        if a.rewrite is not None:
            placed.append((URI, a.rewrite.to))
    out: dict[str, int] = {}
    for site, t in placed:
        for ref in t.refs:
            out[ref.name] = max(out.get(ref.name, HEADER), site)
    return out


def lookup(route: Route, b: dict[str, Any], kvs: Mapping[str, str] | None, site: int = HEADER) -> Any:
    """The looked-up value (string or parsed JSON); raises Missing. A string value holding a
    character its `site` refuses is missing."""
    lk = route.lookup
    assert lk is not None
    key = fill(lk.key, b)
    if (key.startswith(SPILL_PREFIX) or key == "" or len(key.encode("utf-8", "surrogatepass")) > KVS_KEY_MAX
            or kvs is None or key not in kvs):
        raise Missing()
    v = kvs[key]
    if lk.format == "json":
        try:
            return js_json_parse(v)
        except ValueError:
            raise Missing() from None
    if _BAD[site].search(v):
        raise Missing()
    return v


# ------------------------------------------------------------------ actions
def respond(a: Respond) -> dict[str, Any]:
    h: dict[str, Any] = {name: {"value": value} for name, value in a.headers}
    if a.content_type:
        h["content-type"] = {"value": a.content_type}
    elif a.body is not None and "content-type" not in h:
        h["content-type"] = {"value": DEFAULT_CONTENT_TYPE}
    out: dict[str, Any] = {"statusCode": a.status, "headers": h}
    if a.body is not None:
        out["body"] = a.body
    return out


def edit_headers(headers: dict[str, Any], sets: list[tuple[str, str]], removes: tuple[str, ...]) -> None:
    for name, value in sets:
        headers[name] = {"value": value}
    for name in removes:
        headers.pop(name, None)


def rewrite(to: str, query_mode: str, req: dict[str, Any]) -> None:
    """Apply a rendered rewrite target to the request (semantics §5)."""
    path, q, rest = to.partition("?")
    req["uri"] = path if path.startswith("/") else "/" + path
    if query_mode == "drop":
        req["querystring"] = {}
    if not q:
        return
    qs = req.setdefault("querystring", {})
    for piece in rest.split("&"):
        if piece == "":
            continue
        k, eq, v = piece.partition("=")
        if k == "__proto__":
            continue
        if k not in qs:
            qs[k] = {"value": v}
        else:
            first = qs[k]["value"]
            prev = qs[k].get("multiValue") or [{"value": first}]
            qs[k] = {"value": first, "multiValue": list(prev) + [{"value": v}]}


@dataclass
class _Planned:
    """Every rendered value of an action, computed before anything is changed."""

    location: str = ""
    rewrite_to: str | None = None
    origin: dict[str, Any] | None = None
    sets: tuple[tuple[str, str], ...] = ()


def _prepare(route: Route, b: dict[str, Any]) -> _Planned:
    a = route.action
    p = _Planned(sets=tuple((n, fill(t, b, HEADER)) for n, t in route.set_headers))
    if isinstance(a, Redirect):
        p.location = _LOCATION_ENCODE.sub(_percent, fill(a.to, b, LOCATION, redirect=True, uri=True))
    elif isinstance(a, Rewrite):
        p.rewrite_to = fill(a.to, b, URI, uri=True)
    elif isinstance(a, Origin):
        if a.origin_id is not None:
            opts = {"hostHeader": fill(a.host_header, b, URI)} if a.host_header is not None else None
            p.origin = {"method": "selectRequestOriginById",
                        "params": {"originId": fill(a.origin_id, b, URI), "options": opts}}
        else:
            assert a.domain is not None
            params: dict[str, Any] = {"domainName": fill(a.domain, b, URI)}
            if a.path is not None:
                params["originPath"] = fill(a.path, b, URI)
            if a.host_header is not None:
                params["hostHeader"] = fill(a.host_header, b, URI)
            p.origin = {"method": "updateRequestOrigin", "params": params}
        if a.rewrite is not None:
            p.rewrite_to = fill(a.rewrite.to, b, URI, uri=True)
    return p


def redirect_location(loc: str, a: Redirect, r: HasQuery) -> str:
    if loc[:1] in ("/", "\\"):
        loc = "/" + loc.lstrip("/\\")
    if a.query == "keep" and r.query:
        base, mark, fragment = loc.partition("#")  # the query goes before the fragment
        loc = base + ("&" if "?" in base else "?") + r.query + mark + fragment
    return loc


# ------------------------------------------------------------------ the function
def evaluate(fn: Function, event: dict[str, Any], kvs: Mapping[str, str] | None = None,
             trace: Trace | None = None) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """What the built function returns for `event`, and its origin helper call.

    `trace`, when given, records which route and header rules decided the outcome."""
    if trace is None:
        trace = Trace()
    icase = fn.options.icase
    strict = fn.options.strict
    original = event["request"]
    r = request_of(original)
    if fn.files is not None:
        r.exists = fn.files.exists(r.uri)
    tenant = event.get(TENANT_KEY)
    r.tenant = tenant
    req = copy.deepcopy(original)
    for route in fn.routes:
        site = sites(route)
        b = match_rule(route, r, icase, strict, site)
        if b is None:
            continue
        bind_tenant(b, tenant)
        try:
            if route.lookup is not None:
                b[route.lookup.as_name] = lookup(route, b, kvs, site.get(route.lookup.as_name, HEADER))
            planned = _prepare(route, b)
        except Missing:
            lk = route.lookup
            if lk is not None and lk.missing is not None:
                trace.route, trace.missing = route.index, True
                return _finish_response(fn, respond(lk.missing), r, trace), None
            continue
        trace.route = route.index
        a = route.action
        if isinstance(a, (Redirect, Respond)):
            if isinstance(a, Redirect):
                resp: dict[str, Any] = {"statusCode": a.status,
                        "headers": {"location": {"value": redirect_location(planned.location, a, r)}}}
            else:
                resp = respond(a)
            edit_headers(resp["headers"], list(planned.sets), route.remove_headers)
            return _finish_response(fn, resp, r, trace), None
        if isinstance(a, Rewrite):
            assert planned.rewrite_to is not None
            rewrite(planned.rewrite_to, a.query, req)
        elif isinstance(a, Origin) and a.rewrite is not None:
            assert planned.rewrite_to is not None
            rewrite(planned.rewrite_to, a.rewrite.query, req)
        edit_headers(req.setdefault("headers", {}), list(planned.sets), route.remove_headers)
        return _finish_request(fn, req, r, trace), planned.origin
    if fn.event == VIEWER_RESPONSE:
        return _finish_response(fn, copy.deepcopy(event["response"]), r, trace), None
    return _finish_request(fn, req, r, trace), None


def bind_tenant(b: dict[str, Any], tenant: dict[str, Any] | None) -> None:
    """{tenant.id}, {tenant.params.NAME} read `b`: a parameter the tenant lacks (or no tenant) is missing."""
    if tenant is not None:
        b[TENANT_REF] = {"id": tenant["id"], "params": dict(tenant["params"])}


def rule_sets(rule: HeaderRule, b: dict[str, Any], tenant: dict[str, Any] | None) -> list[tuple[str, str]] | None:
    """The values a matching header rule sets, or None: a tenant value it reads is missing
    (semantics §6: the rule does not apply)."""
    bind_tenant(b, tenant)
    try:
        return [(n, fill(t, b)) for n, t in rule.set]
    except Missing:
        return None


def _finish_request(fn: Function, req: dict[str, Any], r: Req, trace: Trace) -> dict[str, Any]:
    """Index file, then every matching header rule (matched on the request as received)."""
    if fn.event == VIEWER_RESPONSE:  # a respond-only function never lets a request go on
        raise AssertionError("viewer-response routes only respond")
    icase = fn.options.icase
    strict = fn.options.strict
    if fn.options.index:
        u = req["uri"]
        if u.endswith("/"):
            req["uri"] = u + fn.options.index
        elif "." not in u.rsplit("/", 1)[-1]:
            req["uri"] = u + "/" + fn.options.index
    for rule in fn.headers:
        b = match_rule(rule, r, icase, strict)
        sets = None if b is None else rule_sets(rule, b, r.tenant)
        if sets is not None:
            trace.rules.append(rule.index)
            edit_headers(req.setdefault("headers", {}), sets, rule.remove)
    return {"request": req}


def _finish_response(fn: Function, resp: dict[str, Any], r: Req, trace: Trace) -> dict[str, Any]:
    """Viewer-response functions: header rules on the response that goes back."""
    if fn.event == VIEWER_RESPONSE:
        icase = fn.options.icase
        strict = fn.options.strict
        for rule in fn.headers:
            if rule.status and resp.get("statusCode") not in rule.status:
                continue
            b = match_rule(rule, r, icase, strict)
            sets = None if b is None else rule_sets(rule, b, r.tenant)
            if sets is not None:
                trace.rules.append(rule.index)
                edit_headers(resp["headers"], sets, rule.remove)
    return {"response": resp}


# ------------------------------------------------------------------ connection functions (§10)
_ISO_TIME = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2})(?:\.([0-9]{1,3}))?Z")
_DN_TYPE = re.compile(r"[A-Za-z][A-Za-z0-9.-]*")
_ASCII_UPPER = re.compile(r"[A-Z]+")


def _obj(value: Any, key: str) -> Any:
    """`value[key]` when `value` is a JSON object that has it, else None."""
    return value.get(key) if isinstance(value, dict) else None


def _text(value: Any, key: str) -> str | None:
    v = _obj(value, key)
    return v if isinstance(v, str) else None


def parse_dn(text: str | None) -> dict[str, list[str]]:
    """§10: attributes split at unescaped `,` or `+`; type and value at the first unescaped `=`;
    a backslash stands for the character after it; spaces trimmed; types upper-cased."""
    out: dict[str, list[str]] = {}
    if text is None:
        return out
    pieces: list[list[str]] = [[""]]  # each attribute: [type] or [type, value]
    chars = iter(text)
    for ch in chars:
        if ch == "\\":
            ch = next(chars, "")
            pieces[-1][-1] += ch
        elif ch in ",+":
            pieces.append([""])
        elif ch == "=" and len(pieces[-1]) == 1:
            pieces[-1].append("")
        else:
            pieces[-1][-1] += ch
    for piece in pieces:
        if len(piece) == 2 and _DN_TYPE.fullmatch(piece[0].strip(" ")):
            out.setdefault(piece[0].strip(" ").upper(), []).append(piece[1].strip(" "))
    return out


def cert_normal(value: str | None) -> str | None:
    """A serial number or fingerprint in §10's normal form: colons removed, ASCII letters lower case."""
    return None if value is None else _ASCII_UPPER.sub(lambda m: m.group().lower(), value.replace(":", ""))


def _time(value: str | None) -> str | None:
    m = _ISO_TIME.fullmatch(value) if value is not None else None
    return None if m is None else f"{m.group(1)}.{(m.group(2) or '').ljust(3, '0')}"


def client_address(text: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The client's address as Python's ipaddress reads it (no scope, ASCII only), else None."""
    if text is None or "%" in text or not text.isascii():
        return None
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _dn_holds(conds: tuple[tuple[str, ValueCond], ...], dn: dict[str, list[str]]) -> bool:
    for attr, c in conds:
        values = dn.get(attr, [])
        if c.kind == "present" and not values or c.kind == "absent" and values:
            return False
        if c.kind == "equals" and c.value not in values:
            return False
        if c.kind == "regex" and not any(regex_exec(c.value or "", "", v) is not None for v in values):
            return False
    return True


def _cert_holds(cv: CertValue, value: str | None) -> bool:
    if value is None:
        return False
    if cv.regex is not None:
        return regex_exec(cv.regex, "", value) is not None
    return cert_normal(value) in cv.values


def _conn_value(ref: Ref, conn: dict[str, Any], leaf: dict[str, Any] | None) -> str | None:
    if ref.name in ("serialNumber", "sha256Fingerprint"):
        return cert_normal(_text(leaf, ref.name))
    if ref.fields:
        values = parse_dn(_text(leaf, ref.name)).get(ref.fields[0], [])
        return values[0] if values else None
    return _text(conn, ref.name)


def _conn_render(t: Template, conn: dict[str, Any], leaf: dict[str, Any] | None, soft: bool) -> str | None:
    out = ""
    for part in t.parts:
        if isinstance(part, str):
            out += part
            continue
        v = _conn_value(part, conn, leaf)
        if v is None and not soft:
            return None
        out += v or ""
    return out


def _in_store(key: str, kvs: Mapping[str, str] | None) -> bool:
    try:
        size = len(key.encode("utf-8"))
    except UnicodeEncodeError:  # a lone surrogate: no store holds such a key
        return False
    return 0 < size <= KVS_KEY_MAX and kvs is not None and key in kvs


def connection_route_holds(r: ConnRoute, conn: dict[str, Any], leaf: dict[str, Any] | None,
                           kvs: Mapping[str, str] | None) -> bool:
    """Every condition of a connection route (§10) holds for this connection."""
    if r.certificate is not None and (leaf is not None) != r.certificate:
        return False
    if r.client_ip is not None:
        addr = client_address(_text(conn, "clientIp"))
        if addr is None or not any(addr in ipaddress.ip_network(n) for n in r.client_ip):
            return False
    needs_leaf = (r.subject or r.issuer or r.serial is not None or r.fingerprint is not None
                  or r.not_before is not None or r.not_after is not None)
    if needs_leaf and leaf is None:
        return False
    if r.subject and not _dn_holds(r.subject, parse_dn(_text(leaf, "subject"))):
        return False
    if r.issuer and not _dn_holds(r.issuer, parse_dn(_text(leaf, "issuer"))):
        return False
    if r.serial is not None and not _cert_holds(r.serial, _text(leaf, "serialNumber")):
        return False
    if r.fingerprint is not None and not _cert_holds(r.fingerprint, _text(leaf, "sha256Fingerprint")):
        return False
    validity = _obj(leaf, "validity")
    for bound, key in ((r.not_before, "notBefore"), (r.not_after, "notAfter")):
        if bound is None:
            continue
        t = _time(_text(validity, key))
        if t is None or not (t < bound[1] if bound[0] == "before" else t > bound[1]):
            return False
    if r.lookup is not None:
        kvs_key = _conn_render(r.lookup.key, conn, leaf, soft=False)
        if kvs_key is None or _in_store(kvs_key, kvs) != r.lookup.exists:
            return False
    return True


def evaluate_connection(fn: Function, conn: dict[str, Any], kvs: Mapping[str, str] | None = None,
                        trace: Trace | None = None) -> dict[str, Any]:
    """What a connection function built from `fn` decides for the connection object `conn`:
    `{"decision": "allow"|"deny"}`, with `customData` when a route logs (the emulator's output).
    No route: deny."""
    certs = _obj(_obj(conn, "clientCertificate"), "certificates")
    leaf = _obj(certs, "leaf")
    leaf = leaf if isinstance(leaf, dict) else None
    for i, r in enumerate(fn.connection):
        if connection_route_holds(r, conn, leaf, kvs):
            if trace is not None:
                trace.route = i
            out: dict[str, Any] = {"decision": r.decision}
            if r.log is not None:
                out["customData"] = [_conn_render(r.log, conn, leaf, soft=True) or ""]
            return out
    return {"decision": "deny"}
