"""The routes.yaml and test-case formats as one declarative table, and their JSON Schema.

Every mapping of the format is an `Obj` here: its keys (in the order the docs list them),
what each value may be, and which keys are required. The validator reads its allowed
keys from these objects (validator.py, load.py, routes.py, testing/cases.py),
and `json_schema()` renders the same table as a JSON Schema (draft-07, what editors'
YAML language servers read), so the format is written down once.

The schema describes shape (keys, types, enumerations); the validator also checks what a
schema cannot (patterns compile, names are bound, open redirects, sizes).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from cfroutes.config.model import (
    CASE_MODES,
    METHODS,
    REDIRECT_STATUSES,
    SLASH_MODES,
    SPILL_MODES,
    VIEWER_REQUEST,
    VIEWER_RESPONSE,
)
from cfroutes.platform.error_pages import DEFAULT_TTL as ERROR_TTL
from cfroutes.platform.error_pages import ERROR_CODES, RESPONSE_CODES
from cfroutes.platform.error_pages import TTL_MAX as ERROR_TTL_MAX
from cfroutes.platform.event import CONNECTION_REQUEST
from cfroutes.platform.limits import NAME_CHARS
from cfroutes.platform.profile import JS1, JS2

SCHEMA_ID = "https://cfroutes.dev/schema/routes.schema.json"
CASES_SCHEMA_ID = "https://cfroutes.dev/schema/cases.schema.json"
DRAFT = "http://json-schema.org/draft-07/schema#"


@dataclass(frozen=True)
class Obj:
    """A mapping of the format: its keys and the schema of each value."""

    title: str
    props: dict[str, Any]
    required: tuple[str, ...] = ()
    any_of_required: tuple[tuple[str, ...], ...] = ()  # at least one of these key sets
    extra: dict[str, Any] = field(default_factory=dict)  # more JSON Schema keywords

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(self.props)

    def schema(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "object", "title": self.title,
                               "properties": {k: _render(v) for k, v in self.props.items()},
                               "additionalProperties": False}
        if self.required:
            out["required"] = list(self.required)
        if self.any_of_required:
            out["anyOf"] = [{"required": list(keys)} for keys in self.any_of_required]
        out.update(self.extra)
        return out


def _render(v: Any) -> Any:
    if isinstance(v, Obj):
        return v.schema()
    if isinstance(v, dict):
        return {k: _render(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_render(x) for x in v]
    return v


def one_of(*alts: Any) -> dict[str, Any]:
    return {"oneOf": list(alts)}


def doc(text: str, value: Any) -> Any:
    """`value` with a description (what an editor shows on hover); an `Obj` keeps its own
    and gets this one where it is used."""
    if isinstance(value, Obj):
        return {**value.schema(), "description": text}
    return {**value, "description": text}


def exactly_one(groups: tuple[tuple[str, ...], ...], keys: tuple[str, ...]) -> dict[str, Any]:
    """JSON Schema for "exactly one of these groups of keys": each group is a set of keys that may
    appear together (at least one of them), and no key of another group may appear with it."""
    alts = []
    for group in groups:
        others = [k for k in keys if k not in group]
        alt: dict[str, Any] = ({"required": list(group)} if len(group) == 1
                               else {"anyOf": [{"required": [k]} for k in group]})
        alt["not"] = {"anyOf": [{"required": [k]} for k in others]}
        alts.append(alt)
    return {"oneOf": alts}


# YAML 1.1 reads `NO`, `1.10` and `0755` as non-strings; the validator takes their text
TEXT = {"type": ["string", "number", "boolean"]}
STRING = {**TEXT, "minLength": 1}
PATH = {"type": "string", "pattern": "^/", "description": "/a/:name/* (literal segments, :name, a final *)"}
TEMPLATE = {"type": "string", "minLength": 1, "description": "a path or URL with {name} placeholders"}
NAMES = {"type": "array", "items": STRING}
REGEX_COND = Obj("regex condition", {
    "regex": doc("a JavaScript regex the value must match (searched; named groups bind names)", STRING),
}, required=("regex",))
COND = one_of({**TEXT, "description": 'a value to equal, or "*" for present'},
              {"type": "null", "description": "absent"}, REGEX_COND)
CONDS = {"type": "object", "additionalProperties": COND}
HEADER_VALUES = {"type": "object", "additionalProperties": TEXT}
STATUS = {"type": "integer", "minimum": 100, "maximum": 599}
QUERY = {"enum": ["keep", "drop"]}

# ------------------------------------------------------------------ routes.yaml
TENANT_MATCH = Obj("tenant match", {
    "id": doc("the distribution tenant's ID, e.g. dt_1a2b3c4d5e6f7", STRING),
    "params": doc("tenant parameters: name -> a value to equal, \"*\" (present), null (absent) or {regex: ...}",
                  CONDS),
})
MATCH = {
    "path": doc("the URI path pattern: literal segments, :name binds one segment, a final * binds the rest as "
                "{splat} (/a/* matches /a, /a/ and /a/b/c)", PATH),
    "regex": doc("instead of `path`: a JavaScript regex searched in the URI path (not anchored unless it says "
                 "so); named groups bind names", {"type": "string", "minLength": 1}),
    "host": doc("the Host header as labels: :name binds one label, a leading *. matches one or more labels; "
                "case-insensitive, the port ignored (e.g. :tenant.example.com)", {"type": "string", "minLength": 1}),
    "methods": doc("the request methods this matches, e.g. [GET, HEAD]",
                   {"type": "array", "minItems": 1, "items": {"enum": list(METHODS) + [m.lower() for m in METHODS]}}),
    "query": doc("query parameters: name -> a value to equal, \"*\" (present), null (absent) or {regex: ...}",
                 CONDS),
    "headers": doc("request headers (names case-insensitive): name -> a value to equal, \"*\" (present), null "
                   "(absent) or {regex: ...}", CONDS),
    "cookies": doc("cookies: name -> a value to equal, \"*\" (present), null (absent) or {regex: ...}", CONDS),
    "country": doc("viewer countries (ISO codes, e.g. [DE, AT]) from cloudfront-viewer-country, which the cache "
                   "or origin request policy must forward",
                   {"type": "array", "items": {"type": "string", "pattern": "^[A-Z]{2}$"}}),
    "file": doc("exists: the request's path is one of the function's `files:` (a folder's index.html counts for "
                "the folder); missing: it is not", {"enum": ["exists", "missing"]}),
    "tenant": doc("the distribution tenant (CloudFront SaaS Manager, runtime 2.0): {id?, params?: name -> a value "
                  "to equal, \"*\" (present), null (absent) or {regex: ...}}; a standard distribution never matches",
                  TENANT_MATCH),
}
RESPONSE = Obj("response", {
    "status": doc("the status code of the response made at the edge (200-599)",
                  {"type": "integer", "minimum": 200, "maximum": 599}),
    "body": doc("the body, literal text (no templates)", {"type": ["string", "number", "boolean"]}),
    "content_type": doc("the content-type header (default with a body: text/plain; charset=utf-8)", STRING),
    "headers": doc("more response headers: name -> value", HEADER_VALUES),
}, required=("status",))
REDIRECT = Obj("redirect", {
    "to": doc("the target: a path (/x/{name}) or an absolute URL (https://{host}/x)", TEMPLATE),
    "status": doc("301 (default), 302, 303, 307 or 308", {"enum": list(REDIRECT_STATUSES)}),
    "query": doc("keep (default: the request's query goes along, after any query in `to`) or drop", QUERY),
}, required=("to",))
REWRITE = Obj("rewrite", {
    "to": doc("the new URI path, with {name} placeholders", TEMPLATE),
    "query": doc("keep (default: `to`'s own query pairs are added to the request's) or drop (the request's "
                 "query is dropped)", QUERY),
}, required=("to",))
ORIGIN = Obj("origin", {
    "id": doc("an origin of the distribution by its ID (selectRequestOriginById)", TEMPLATE),
    "domain": doc("a host name to send the request to (updateRequestOrigin); no scheme, port or path", TEMPLATE),
    "path": doc("with `domain`: the origin path, starting with / and not ending with /", TEMPLATE),
    "host_header": doc("the Host header the origin receives", TEMPLATE),
})
LOOKUP = Obj("lookup", {
    "key": doc("the KeyValueStore key to read, a template such as {tenant} or {tenant.params.site}/configurator", TEMPLATE),
    "format": doc("string (default) or json: {as.field} then reads fields of the JSON value",
                  {"enum": ["string", "json"]}),
    "as": doc("the name the value is bound to ({as} in templates)", STRING),
    "missing": doc("next (default: the route does not match) or a response {status, body?} to answer with",
                   one_of({"const": "next"}, RESPONSE)),
}, required=("key", "as"))
ACTIONS = {
    "redirect": doc("answer with a redirect: a target, or {to, status, query}", one_of(TEMPLATE, REDIRECT)),
    "rewrite": doc("change the URI that goes on to the origin: a path, or {to, query}; may go with `origin`",
                   one_of(TEMPLATE, REWRITE)),
    "respond": doc("answer at the edge: {status, body?, content_type?, headers?}", RESPONSE),
    "origin": doc("send the request to another origin: {id} or {domain, path?, host_header?} (runtime 2.0, "
                  "viewer-request); may go with `rewrite`", ORIGIN),
}
#: the actions a route may combine: one group per route (exactly one action, or origin with rewrite)
ACTION_GROUPS = (("redirect",), ("respond",), ("rewrite", "origin"))
ROUTE = Obj("route", {
    "name": doc("a label for messages, coverage and the report", STRING),
    **MATCH,
    "lookup": doc("read the function's KeyValueStore before the action: {key, as, format?, missing?}", LOOKUP),
    **ACTIONS,
    "set_headers": doc("headers to set on the request (rewrite, origin) or on the generated response (redirect, "
                       "respond): name -> template", {"type": "object", "additionalProperties": TEXT}),
    "remove_headers": doc("header names to remove (request or generated response, as set_headers)", NAMES),
    "allow_external": doc("true: allow a redirect host taken from the request (an open redirect, on purpose)",
                          {"type": "boolean"}),
}, extra=exactly_one(ACTION_GROUPS, tuple(ACTIONS)))
RULE = Obj("header rule", {
    **MATCH,
    "set": doc("headers to set: name -> template (viewer-request: on the request to the origin; viewer-response: "
               "on the response)", {"type": "object", "additionalProperties": TEXT}),
    "remove": doc("header names to remove", NAMES),
    "status": doc("viewer-response only: the response statuses this rule applies to, e.g. [200, 304]",
                  {"type": "array", "minItems": 1, "items": STATUS}),
}, any_of_required=(("set",), ("remove",)))
OPTIONS = Obj("options", {
    "case": doc("sensitive (default) or insensitive path matching (captures keep their case)",
                {"enum": list(CASE_MODES)}),
    "trailing_slash": doc("ignore (default: /a matches /a/) or strict", {"enum": list(SLASH_MODES)}),
    "index": doc("a file name such as index.html appended to URIs ending in / (or without a . in the last "
                 "segment) that go on to the origin", {"type": "string", "pattern": "^[A-Za-z0-9._~-]+$"}),
    "spill": doc("auto (default), never or always: move exact routes into the KeyValueStore when the code is "
                 "over its size budget", {"enum": list(SPILL_MODES)}),
})
KVS = Obj("kvs", {
    "name": doc("the KeyValueStore's name (1-64 of A-Z a-z 0-9 _ -)", {"type": "string", "pattern": f"^{NAME_CHARS}$"}),
    "seed": doc("a YAML or JSON file of key -> value below the config's folder: test data and the import file's "
                "source", STRING),
}, required=("name",))

# ------------------------------------------------------------------ connection functions (mTLS)
CERT_VALUE = one_of({**TEXT, "description": "a value (colons and case ignored)"},
                    {"type": "array", "minItems": 1, "items": TEXT, "description": "any of these values"},
                    REGEX_COND)
DN = {"type": "object", "propertyNames": {"pattern": "^[A-Za-z][A-Za-z0-9.-]*$"}, "additionalProperties": COND}
ISO_TIME = {"type": "string", "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?Z$"}
VALIDITY = Obj("validity bound", {
    "before": doc("the time is earlier than this (ISO 8601 UTC, e.g. 2026-01-01T00:00:00Z)", ISO_TIME),
    "after": doc("the time is later than this (ISO 8601 UTC)", ISO_TIME),
}, extra={"minProperties": 1, "maxProperties": 1})
CONN_LOOKUP = Obj("connection lookup", {
    "key": doc("the KeyValueStore key, a template: {serialNumber}, {sha256Fingerprint} (colons removed, lower "
               "case), {clientIp}, {connectionId}, {subject.CN}, {issuer.O}, ...", TEMPLATE),
    "exists": doc("true (default): the route matches when the key is in the store; false: when it is not",
                  {"type": "boolean"}),
}, required=("key",))
CONNECTION_MATCH = {
    "clientIp": doc("the client's IP address is in one of these networks (CIDR, IPv4 or IPv6; a bare address is "
                    "/32 or /128)", one_of(STRING, {"type": "array", "minItems": 1, "items": STRING})),
    "clientCertificate": doc("true: the viewer presented a client certificate; false: it did not (optional mode)",
                             {"type": "boolean"}),
    "subject": doc("the leaf certificate's subject DN by attribute (CN, O, OU, C, ...): a value to equal, \"*\" "
                   "(present), null (absent) or {regex: ...}; any value of a repeated attribute may match", DN),
    "issuer": doc("the leaf certificate's issuer DN by attribute, as `subject`", DN),
    "serialNumber": doc("the leaf certificate's serial number: a value or a list of values (colons and case "
                        "ignored), or {regex: ...} searched in the value as given", CERT_VALUE),
    "sha256Fingerprint": doc("the leaf certificate's SHA-256 fingerprint: a value or list (colons and case "
                             "ignored), or {regex: ...}", CERT_VALUE),
    "notBefore": doc("the leaf certificate's validity.notBefore: {before?, after?}", VALIDITY),
    "notAfter": doc("the leaf certificate's validity.notAfter: {before?, after?}", VALIDITY),
}
CONNECTION_ROUTE = Obj("connection route", {
    "name": doc("a label for messages, coverage and the report", STRING),
    **CONNECTION_MATCH,
    "lookup": doc("a condition on the function's KeyValueStore: {key, exists?} (revocation or device lists)",
                  CONN_LOOKUP),
    "log": doc("text added to the connection log (connection.logCustomData) when this route decides; a template "
               "with the lookup key's names", TEMPLATE),
    "allow": doc("allow the connection (connection.allow())", {"const": True}),
    "deny": doc("deny the connection (connection.deny())", {"const": True}),
}, extra=exactly_one((("allow",), ("deny",)), ("allow", "deny")))

CACHE_NAMES = {"type": "array", "maxItems": 10, "items": STRING}
CACHE_KEY = Obj("cache key", {
    "host": doc("true: the Host header is in the cache key (each host, each tenant, cached apart)", {"type": "boolean"}),
    "headers": doc("request headers in the cache key (at most 10; host here is host: true)", CACHE_NAMES),
    "cookies": doc("cookies in the cache key: all, none (default) or a list of names", one_of(
        {"enum": ["all", "none"]}, CACHE_NAMES)),
    "query": doc("query strings in the cache key: all, none (default) or a list of names", one_of(
        {"enum": ["all", "none"]}, CACHE_NAMES)),
})
CACHE_TTL = Obj("cache ttl", {
    "min": doc("minimum TTL in seconds (default 0): also used when the origin says no-store, no-cache or private",
               {"type": "integer", "minimum": 0}),
    "default": doc("default TTL in seconds when the origin sends no Cache-Control max-age/s-maxage or Expires "
                   "(default 86400)", {"type": "integer", "minimum": 0}),
    "max": doc("maximum TTL in seconds: caps the origin's max-age, s-maxage and Expires (default 31536000)",
               {"type": "integer", "minimum": 0}),
})
CACHE = Obj("cache policy", {
    "key": doc("what the cache key holds besides the URI: {host, headers, cookies, query}", CACHE_KEY),
    "ttl": doc("how long objects stay cached, in seconds: {min, default, max}", CACHE_TTL),
})
MANAGED_CACHE_POLICIES = ["Amplify", "CachingDisabled", "CachingOptimized", "CachingOptimizedForUncompressedObjects",
                          "Elemental-MediaPackage", "UseOriginCacheControlHeaders",
                          "UseOriginCacheControlHeaders-QueryStrings"]

# ------------------------------------------------------------------ test cases
VALUES = {"type": "object", "additionalProperties": one_of(TEXT, {"type": "array", "minItems": 1, "items": TEXT})}
EXPECT_VALUES = {"type": "object",
                 "additionalProperties": one_of(TEXT, {"type": "null"}, {"type": "array", "items": TEXT})}
CASE_RESPONSE = Obj("origin response", {
    "status": doc("the origin's status code", STATUS),
    "status_description": doc("the origin's status text", {"type": "string"}),
    "headers": doc("the origin's response headers: name -> value or list", VALUES),
    "cookies": doc("the origin's cookies: name -> value or list", VALUES),
})
EXPECT_ORIGIN = Obj("expected origin", {
    "id": doc("the origin ID selected", STRING), "domain": doc("the origin domain set", STRING),
    "path": doc("the origin path set", STRING), "host_header": doc("the Host header set for the origin", STRING),
})
EXPECT = Obj("expect", {
    "status": doc("the response status (a response made at the edge)", STATUS),
    "location": doc("the location header of a redirect", {"type": "string"}),
    "uri": doc("the URI that goes on to the origin", PATH),
    "querystring": doc("the query string that goes on to the origin (k=v&...)", {"type": "string"}),
    "headers": doc("headers: name -> value, list, or null (absent)", EXPECT_VALUES),
    "cookies": doc("cookies: name -> value, list, or null (absent)", EXPECT_VALUES),
    "origin": doc("the origin change: {id | domain, path?, host_header?}, or null (none)",
                  one_of({"type": "null"}, EXPECT_ORIGIN)),
    "body": doc("the body of a response made at the edge", {"type": "string"}),
    "error": doc("the function throws an error containing this text", {"type": "string"}),
    "allow": doc("connection-request functions: true (the connection is allowed) or false (denied)",
                 {"type": "boolean"}),
    "log": doc("connection-request functions: the texts given to connection.logCustomData, in order",
               {"type": "array", "items": {"type": "string"}}),
}, extra={"minProperties": 1})
CASE_TENANT = Obj("tenant", {
    "id": doc("the distribution tenant's ID (cf.distributionTenant.id), e.g. dt_1a2b3c4d5e6f7", STRING),
    "params": doc("the tenant's parameters (cf.distributionTenant.parameters.get): name -> value",
                  {"type": "object", "additionalProperties": TEXT}),
    "endpoint": doc("the connection group's domain (event.context.endpoint), e.g. d111111abcdef8.cloudfront.net",
                    STRING),
}, required=("id",))
CASE_CONNECTION = Obj("connection", {
    "clientIp": doc("the client's IP address (default 192.0.2.1)", STRING),
    "connectionId": doc("the connection's ID (default cfroutes-test)", STRING),
    "clientCertificate": doc("false: the viewer presented no certificate (default true: the leaf below)",
                             {"type": "boolean"}),
    "subject": doc("the leaf certificate's subject DN (default CN=client.example.com)", {"type": "string"}),
    "issuer": doc("the leaf certificate's issuer DN (default CN=cfroutes test CA)", {"type": "string"}),
    "serialNumber": doc("the leaf certificate's serial number (default 01)", STRING),
    "sha256Fingerprint": doc("the leaf certificate's SHA-256 fingerprint (default 64 zeros)", STRING),
    "notBefore": doc("validity.notBefore (default 2025-01-01T00:00:00Z)", STRING),
    "notAfter": doc("validity.notAfter (default 2027-01-01T00:00:00Z)", STRING),
})
CASE = Obj("test case", {
    "name": doc("what the case checks (shown on failure)", STRING),
    "function": doc("the function to run (needed when the config has several)", STRING),
    "request": doc("the request: GET https://host/path?q, or just a path",
                   {"type": "string", "minLength": 1}),
    "headers": doc("request headers: name -> value or list", VALUES),
    "cookies": doc("request cookies: name -> value or list", VALUES),
    "viewer_ip": doc("the viewer's IP address", STRING),
    "kvs": doc("KeyValueStore entries merged over the seed for this case (null: the key is missing)",
               {"type": "object", "additionalProperties": {"type": ["string", "number", "boolean", "null", "object",
                                                                     "array"]}}),
    "response": doc("viewer-response functions: the origin's response", CASE_RESPONSE),
    "tenant": doc("run on a multi-tenant distribution as this tenant: {id, params?, endpoint?} (without it: a "
                  "standard distribution)", CASE_TENANT),
    "connection": doc("connection-request functions, instead of `request`: the connection object's fields, each "
                      "with a default (clientIp, clientCertificate, subject, issuer, serialNumber, ...)",
                      CASE_CONNECTION),
    "expect": doc("what should happen: status, location, uri, querystring, headers, cookies, origin, body, error; "
                  "connection functions: allow, log, error", EXPECT),
}, required=("expect",), any_of_required=(("request",), ("connection",)))
CASES_FILE = Obj("case file", {
    "config": doc("the routes.yaml these cases are for (relative to this file)", STRING),
    "function": doc("the function every case runs unless it names one", STRING),
    "tests": doc("the cases", {"type": "array", "items": CASE}),
}, required=("tests",))

FUNCTION = Obj("function", {
    "event": doc("viewer-request (before the cache), viewer-response (on the way back) or connection-request "
                 "(mTLS: the TLS handshake, runtime 2.0; routes allow or deny)",
                 {"enum": [VIEWER_REQUEST, VIEWER_RESPONSE, CONNECTION_REQUEST]}),
    "runtime": doc("cloudfront-js-2.0 (default) or cloudfront-js-1.0", {"enum": [JS2, JS1]}),
    "kvs": doc("the function's KeyValueStore (runtime 2.0): {name, seed?}", KVS),
    "options": doc("matching options: case, trailing_slash, index, spill", OPTIONS),
    "routes": doc("routes in order: the first that matches wins (connection-request: routes that allow or deny)",
                  {"type": "array"}),
    "headers": doc("header rules: every rule that matches applies, in order", {"type": "array", "items": RULE}),
    "tests": doc("inline test cases", {"type": "array", "items": CASE}),
    "cache": doc("viewer-request: the cache policy of the function's cache behaviour, a managed policy by name or "
                 "{key, ttl}; `check` reports routes whose answer depends on a request part the key leaves out",
                 one_of({"enum": MANAGED_CACHE_POLICIES}, CACHE)),
    "files": doc("the site's files for `file:` conditions: the publish folder, or a text file with one URI path "
                 "per line (relative to routes.yaml, inside its folder)", STRING),
}, required=("event",), extra={  # routes of a connection-request function allow or deny
    "if": {"properties": {"event": {"const": CONNECTION_REQUEST, "description": "a connection-request function"}},
           "required": ["event"]},
    "then": {"properties": {"routes": {"description": "routes that allow or deny a connection, in order: the first "
                                                      "that matches decides (none: deny)",
                                       "items": CONNECTION_ROUTE.schema()}}},
    "else": {"properties": {"routes": {"description": "routes in order: the first that matches wins",
                                       "items": ROUTE.schema()}}}})
PAGE = {"type": "string", "pattern": "^/[^/]|^/$", "description": "a path of the distribution, e.g. /404.html"}
ERROR_PAGE = Obj("error page", {
    "page": doc("the path of the page to serve (ResponsePagePath), e.g. /404.html", PAGE),
    "status": doc("the status to answer with (ResponseCode; default: the origin's status)",
                  {"enum": list(RESPONSE_CODES)}),
    "ttl": doc(f"seconds CloudFront caches the error (ErrorCachingMinTTL; default {ERROR_TTL})",
               {"type": "integer", "minimum": 0, "maximum": ERROR_TTL_MAX}),
}, required=("page",))
ERROR_PAGES = {"type": "object", "propertyNames": {"enum": [str(c) for c in ERROR_CODES]},
               "additionalProperties": one_of(PAGE, ERROR_PAGE)}
CONFIG = Obj("routes.yaml", {
    "version": doc("the format version: 1", {"const": 1}),
    "functions": doc("function name (1-64 of A-Z a-z 0-9 _ -, the file dist/NAME.js) -> function",
                     {"type": "object", "minProperties": 1, "propertyNames": {"pattern": f"^{NAME_CHARS}$"},
                      "additionalProperties": FUNCTION}),
    "error_pages": doc("the distribution's custom error responses: the origin's status (404) -> the page to serve "
                       "(/404.html) or {page, status, ttl}; written by `export`", ERROR_PAGES),
}, required=("version", "functions"))


def json_schema(cases: bool = False) -> dict[str, Any]:
    """The JSON Schema of routes.yaml, or (cases=True) of a `*.cases.yaml` file."""
    if cases:
        body: dict[str, Any] = {"title": "cfroutes test cases",
                                "oneOf": [{"type": "array", "items": CASE.schema()}, CASES_FILE.schema()]}
        sid = CASES_SCHEMA_ID
    else:
        body = CONFIG.schema()
        body["title"] = "cfroutes routes.yaml"
        sid = SCHEMA_ID
    return {"$schema": DRAFT, "$id": sid, **body}


def json_schema_text(cases: bool = False) -> str:
    return json.dumps(json_schema(cases), indent=2, ensure_ascii=False) + "\n"
