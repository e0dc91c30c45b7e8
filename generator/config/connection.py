"""Routes of `event: connection-request` functions (mTLS, SPEC §7): validation into `ConnRoute`s.

A connection route is a set of conditions on the connection object as CloudFront documents it
(DG/write-connection-function-code.html: `clientIp`, `clientCertificate.certificates.leaf`'s
`subject`, `issuer`, `serialNumber`, `validity.{notBefore,notAfter}`, `sha256Fingerprint`), an
optional KeyValueStore condition (`lookup: {key, exists}`: revocation and device lists,
DG/implement-certificate-revocation.html), an optional `log:` text for `connection.logCustomData`,
and its decision, `allow: true` or `deny: true`. Semantics: docs/semantics.md §10.
"""
from __future__ import annotations

import ipaddress
import re

from cfroutes.codes import Code
from cfroutes.config import schema
from cfroutes.config.model import CertValue, ConnLookup, ConnRoute, Decision, Template, ValueCond
from cfroutes.config.validator import FnCtx, Validator, _conditions
from cfroutes.config.yamlload import Node
from cfroutes.platform.profile import CONNECTION

ROUTE_KEYS = schema.CONNECTION_ROUTE.keys
#: what a `lookup.key` or `log:` template may name: the connection's values (normal forms in §10)
TEMPLATE_NAMES = ("serialNumber", "sha256Fingerprint", "clientIp", "connectionId")
DN_FIELDS = ("subject", "issuer")
ISO_TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?Z\Z")
DN_ATTR_RE = re.compile(r"^[A-Za-z][A-Za-z0-9.-]*\Z")
HEX_RE = re.compile(r"^[0-9a-f]+\Z")


def cert_normal(value: str) -> str:
    """The normal form of a serial number or fingerprint: colons removed, ASCII letters lower case (§10)."""
    return re.sub("[A-Z]+", lambda m: m.group().lower(), value.replace(":", ""))


def time_normal(value: str) -> str:
    """An ISO 8601 UTC time as a string that compares as the time does (milliseconds padded to 3)."""
    base, _, frac = value[:-1].partition(".")
    return base + "." + (frac + "000")[:3]


def validate_routes(v: Validator, node: Node, ctx: FnCtx) -> list[ConnRoute]:
    routes = v.items(node, "routes", lambda n, i: validate_route(v, n, i, ctx))
    if not node.is_list:
        return routes
    for i, r in enumerate(routes):
        if r.is_default and i < len(routes) - 1:
            later = routes[i + 1]
            v.warn(later.span, f"{later.title} can never match: {r.title} has no condition and decides every "
                   "connection that reaches it", code=Code.UNREACHABLE_ROUTE)
            break
    if routes and not any(r.is_default for r in routes):
        v.warn(node, "no default route: a connection that no route matches is denied",
               hint="end the routes with `- allow: true` or `- deny: true` to say it", code=Code.CONNECTION_DEFAULT)
    if not routes and not v.diags and not node.value:
        v.err(node, "a connection function needs at least one route", code=Code.CONNECTION)
    return routes


def validate_route(v: Validator, node: Node, index: int, ctx: FnCtx) -> ConnRoute | None:
    m = v.mapping(node, f"route {index + 1}", ROUTE_KEYS)
    if m is None:
        return None
    nerr = len(v.diags)
    name = v.string(m["name"], "name") if "name" in m else None
    decisions = [k for k in CONNECTION.decisions if k in m]
    if len(decisions) != 1:
        v.err(node if not decisions else node.keys[decisions[1]],
              "a connection route needs exactly one decision: `allow: true` or `deny: true`", code=Code.ACTIONS)
        return None
    dnode = m[decisions[0]]
    if dnode.value is not True:
        v.err(dnode, f"`{decisions[0]}:` must be true (write the other decision to say the opposite)",
              code=Code.WRONG_TYPE)
    client_ip = _networks(v, m["clientIp"]) if "clientIp" in m else None
    certificate = None
    if "clientCertificate" in m:
        if not isinstance(m["clientCertificate"].value, bool):
            v.err(m["clientCertificate"], "clientCertificate must be true or false", code=Code.WRONG_TYPE)
        else:
            certificate = m["clientCertificate"].value
    dns = {f: _dn(v, m[f], f) if f in m else () for f in DN_FIELDS}
    serial = _cert_value(v, m["serialNumber"], "serialNumber") if "serialNumber" in m else None
    fingerprint = _cert_value(v, m["sha256Fingerprint"], "sha256Fingerprint") if "sha256Fingerprint" in m else None
    not_before = _validity(v, m["notBefore"], "notBefore") if "notBefore" in m else None
    not_after = _validity(v, m["notAfter"], "notAfter") if "notAfter" in m else None
    if certificate is False and (dns["subject"] or dns["issuer"] or serial or fingerprint or not_before or not_after):
        v.err(m["clientCertificate"], "clientCertificate: false never matches together with a condition on the "
              "certificate", code=Code.CONNECTION)
    lookup = None
    if "lookup" in m:
        lm = v.mapping(m["lookup"], "lookup", schema.CONN_LOOKUP.keys)
        if lm is not None:
            if not ctx.has_kvs:
                v.err(m["lookup"], "a lookup needs the function's `kvs:` store", hint="add `kvs: {name: ...}`",
                      code=Code.CONNECTION)
            key = _template(v, lm["key"], "lookup.key") if "key" in lm else None
            if "key" not in lm:
                v.err(m["lookup"], "lookup needs a `key`", code=Code.MISSING_KEY)
            exists = True
            if "exists" in lm:
                if not isinstance(lm["exists"].value, bool):
                    v.err(lm["exists"], "lookup.exists must be true or false", code=Code.WRONG_TYPE)
                else:
                    exists = lm["exists"].value
            if key is not None:
                lookup = ConnLookup(key, exists)
    log = _template(v, m["log"], "log") if "log" in m else None
    if len(v.diags) > nerr:
        return None
    decision: Decision = "allow" if decisions[0] == "allow" else "deny"
    return ConnRoute(index, node.span, decision, client_ip, certificate, dns["subject"], dns["issuer"], serial,
                     fingerprint, not_before, not_after, lookup, log, name)


def _networks(v: Validator, node: Node) -> tuple[str, ...] | None:
    items = v.string_list(node, "clientIp") if node.is_list else None
    if not node.is_list:
        s = v.string(node, "clientIp")
        items = [(node, s)] if s is not None else None
    if items is None:
        return None
    if not items:
        v.err(node, "clientIp must not be empty", code=Code.EMPTY_VALUE)
        return None
    out = []
    for n, s in items:
        if "%" in s:
            v.err(n, f"clientIp {s!r}: a scoped address (%zone) is never a client's address", code=Code.CONNECTION)
            continue
        try:
            net = ipaddress.ip_network(s, strict=True)
        except ValueError as e:
            hint = None
            try:
                hint = f"did you mean {ipaddress.ip_network(s, strict=False)}?"
            except ValueError:
                pass
            v.err(n, f"clientIp {s!r} is not an IPv4 or IPv6 address or network: {e}", hint=hint, code=Code.CONNECTION)
            continue
        out.append(str(net))
    return tuple(out) if len(out) == len(items) else None


def _dn(v: Validator, node: Node, what: str) -> tuple[tuple[str, ValueCond], ...]:
    conds = _conditions(v, node, what)
    out = []
    for name, c in conds:
        if not DN_ATTR_RE.match(name):
            v.err(node.keys.get(name, node), f"{what}: {name!r} is not a DN attribute type (CN, O, OU, C, ...)",
                  code=Code.CONNECTION)
            continue
        out.append((name.upper(), ValueCond(c.kind, c.value)))  # groups bind nothing in a connection route
    return tuple(out)


def _cert_value(v: Validator, node: Node, what: str) -> CertValue | None:
    if node.is_map:
        m = v.mapping(node, what, schema.REGEX_COND.keys)
        if m is None or "regex" not in m:
            if m is not None:
                v.err(node, f"{what}: expected a value, a list of values or {{regex: ...}}", code=Code.WRONG_TYPE)
            return None
        rx = v.regex(m["regex"])
        return None if rx is None else CertValue(regex=rx.js_source)
    items = v.string_list(node, what) if node.is_list else None
    if not node.is_list:
        s = v.string(node, what)
        items = [(node, s)] if s is not None else None
    if not items:
        if items is not None:
            v.err(node, f"{what} must not be empty", code=Code.EMPTY_VALUE)
        return None
    values = []
    for n, s in items:
        norm = cert_normal(s)
        if not HEX_RE.match(norm):
            v.err(n, f"{what} {s!r} is not hexadecimal (colons allowed)", hint="use {regex: ...} for other text",
                  code=Code.CONNECTION)
            continue
        values.append(norm)
    return CertValue(tuple(values)) if len(values) == len(items) else None


def _validity(v: Validator, node: Node, what: str) -> tuple[str, str] | None:
    m = v.mapping(node, what, schema.VALIDITY.keys)
    if m is None:
        return None
    if len(m) != 1:
        v.err(node, f"{what} needs exactly one of `before` or `after`", code=Code.CONNECTION)
        return None
    op, vn = next(iter(m.items()))
    s = v.string(vn, f"{what}.{op}")
    if s is None:
        return None
    if not ISO_TIME_RE.match(s):
        v.err(vn, f"{what}.{op} must be an ISO 8601 UTC time such as 2026-01-01T00:00:00Z, got {s!r}",
              code=Code.CONNECTION)
        return None
    return (op, time_normal(s))


def _template(v: Validator, node: Node, what: str) -> Template | None:
    t = v.template(node, what)
    if t is None:
        return None
    ok = True
    for ref in t.refs:
        if ref.name in DN_FIELDS and len(ref.fields) == 1 and DN_ATTR_RE.match(ref.fields[0]):
            continue
        if ref.name in TEMPLATE_NAMES and not ref.fields:
            continue
        v.err(node, f"{what}: {{{'.'.join((ref.name, *ref.fields))}}} is not a connection value",
              hint="use {serialNumber}, {sha256Fingerprint}, {clientIp}, {connectionId}, {subject.CN}, {issuer.O}, ...",
              code=Code.TEMPLATE)
        ok = False
    return t if ok else None
