"""Validate what a function returned, as CloudFront does before answering 502.

Every problem becomes one message that starts with the field it concerns, e.g.
`response.headers.x-amz-cf-id: disallowed header added`.
"""
from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from typing import Any

from cfroutes.emulator import connection
from cfroutes.emulator.origin import validate_origin
from cfroutes.emulator.result import Invocation
from cfroutes.platform.event import VIEWER_REQUEST, VIEWER_RESPONSE, join_query
from cfroutes.platform.headers import READ_ONLY, TOKEN_RE, is_disallowed
from cfroutes.platform.limits import QUERY_BAD_RE, URL_MAX, VALUE_CONTROL_RE

_REQUEST_KEYS = frozenset({"method", "uri", "querystring", "headers", "cookies"})
_RESPONSE_KEYS = frozenset({"statusCode", "statusDescription", "headers", "cookies", "body"})


def classify(event: dict[str, Any], value: Any, is_event: bool) -> tuple[str | None, list[str]]:
    """Decide whether `value` is a request or a response: ("request"|"response"|None, errors)."""
    etype = (event.get("context") or {}).get("eventType", VIEWER_REQUEST)
    if is_event or (isinstance(value, dict) and "context" in value and ("request" in value or "response" in value)):
        return None, ["output: the function returned the whole event; return event.request or event.response"]
    if not isinstance(value, dict):
        shown = "undefined" if value is None else type(value).__name__
        return None, [f"output: the function must return a request or response object, got {shown}"]
    if etype == VIEWER_RESPONSE:
        if "statusCode" not in value:
            return None, ["response.statusCode: missing (a viewer-response function must return a response)"]
        return "response", []
    return ("response" if "statusCode" in value else "request"), []


def check_output(inv: Invocation, value: Any, event: dict[str, Any]) -> None:
    """Fill `inv` from what the handler returned: `output` when it is a request or response,
    and the validation errors CloudFront would answer 502 for."""
    if connection.is_engine_event(event):  # a connection function: its decision (emulator/connection.py)
        inv.output, inv.validation_errors = connection.check_decision(value)
        return
    kind, errs = classify(event, value, False)
    if kind is None:
        inv.validation_errors = errs
        return
    inv.validation_errors = validate(event, kind, value, inv.origin)
    inv.output = {kind: normalise(value)}


def normalise(value: dict[str, Any]) -> dict[str, Any]:
    """The returned request or response as CloudFront's FunctionOutput prints it (docs/fidelity.md
    "Event and output shape"; the one place both engines' output goes through):

    - a query, header or cookie entry keeps only the fields CloudFront knows: `value`, `multiValue`
      (each item its `value`) and, in a response's cookies, `attributes`; anything else (the AWS
      samples' lower-case `multivalue`) is dropped. Evidence: aws-samples/amazon-cloudfront-functions
      url-rewrite-single-page-apps, whose event has `"accept": {"value": "text/html", "multivalue":
      [...]}` and whose recorded FunctionOutput has `"accept":{"value":"text/html"}`;
    - `cookies` is always there, `{}` when the function returned none (redirect-based-on-country's
      generated 302 and kvs-jwt-verify's request both print `"cookies":{}`).

    Validation runs on what the function returned, before this; entries of the wrong shape are left
    as they are (they are validation errors already)."""
    out = dict(value)
    attrs = "statusCode" in value
    for key in ("querystring", "headers", "cookies"):
        group = out.get(key)
        if isinstance(group, dict):
            out[key] = {name: _entry(v, attrs and key == "cookies") for name, v in group.items()}
    if "cookies" not in out or out["cookies"] is None:
        out["cookies"] = {}
    return out


def _entry(v: Any, attributes: bool) -> Any:
    if not isinstance(v, dict):
        return v
    keep = ("value", "attributes") if attributes else ("value",)
    out = {k: v[k] for k in keep if k in v}
    mv = v.get("multiValue")
    if "multiValue" in v:
        out["multiValue"] = [_entry(m, attributes) for m in mv] if isinstance(mv, list) else mv
    return out


def validate(event: dict[str, Any], kind: str, value: dict[str, Any], origin: dict[str, Any] | None) -> list[str]:
    etype = (event.get("context") or {}).get("eventType", VIEWER_REQUEST)
    errs = list(_request(event, value) if kind == "request" else _response(event, value, etype))
    if origin is not None:
        errs.extend(validate_origin(origin, etype, kind, value.get("headers") if kind == "request" else None))
    return errs


def _values(where: str, name: str, v: Any, attributes: bool = False) -> Iterator[str]:
    """Check one `{value, multiValue?}` entry."""
    if not isinstance(v, dict) or "value" not in v:
        yield f"{where}.{name}: must be an object with a value"
        return
    items = [v] + (v.get("multiValue") or [] if isinstance(v.get("multiValue"), list) else [])
    if "multiValue" in v and not isinstance(v["multiValue"], list):
        yield f"{where}.{name}.multiValue: must be a list"
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("value"), str):
            yield f"{where}.{name}: value must be a string"
        elif VALUE_CONTROL_RE.search(item["value"]):
            yield f"{where}.{name}: value contains control characters"
        elif attributes and "attributes" in item and not isinstance(item["attributes"], str):
            yield f"{where}.{name}.attributes: must be a string"


def _headers(where: str, headers: Any, original: dict[str, Any] | None, read_only: frozenset[str]) -> Iterator[str]:
    if headers is None:
        headers = {}
    if not isinstance(headers, dict):
        yield f"{where}: must be an object"
        return
    original = original or {}
    for name, v in headers.items():
        lname = name.lower()
        if not TOKEN_RE.match(name):
            yield f"{where}.{name}: invalid header name"
            continue
        if is_disallowed(lname) and lname not in original:
            yield f"{where}.{lname}: disallowed header added"
            continue
        if lname in read_only and _norm(v) != _norm(original.get(lname)):
            yield f"{where}.{lname}: read-only header {'added' if lname not in original else 'changed'}"
            continue
        yield from _values(where, name, v)
    for lname in read_only:
        if lname in original and lname not in {k.lower() for k in headers}:
            yield f"{where}.{lname}: read-only header removed"


def _norm(v: Any) -> Any:
    if not isinstance(v, dict):
        return v
    mv = v.get("multiValue")
    return (v.get("value"), tuple(m.get("value") for m in mv if isinstance(m, dict)) if isinstance(mv, list) else None)


def _query_string(q: Any) -> tuple[str, list[str]]:
    """Rebuild the query string of `q` (object or string); also return problems."""
    if isinstance(q, str):
        bad = ["request.querystring: contains spaces, control characters or '#'"] if QUERY_BAD_RE.search(q) else []
        return q.lstrip("?"), bad
    if q is None:
        return "", []
    if not isinstance(q, dict):
        return "", ["request.querystring: must be an object or a string"]
    parts: list[tuple[str, str]] = []
    errs: list[str] = []
    for k, v in q.items():
        if not isinstance(v, dict) or not isinstance(v.get("value"), str):
            errs.append(f"request.querystring.{k}: must be an object with a string value")
            continue
        mv = v.get("multiValue")
        vals = [m.get("value") for m in mv if isinstance(m, dict)] if isinstance(mv, list) and mv else [v["value"]]
        for val in vals:
            if not isinstance(val, str):
                errs.append(f"request.querystring.{k}: value must be a string")
                continue
            if QUERY_BAD_RE.search(k) or QUERY_BAD_RE.search(val):
                errs.append(f"request.querystring.{k}: contains spaces, control characters or '#'")
            parts.append((k, val))
    return join_query(parts), errs


def _request(event: dict[str, Any], req: dict[str, Any]) -> Iterator[str]:
    orig = event.get("request") or {}
    for key in req:
        if key not in _REQUEST_KEYS:
            yield f"request.{key}: unknown field"
    if req.get("method", orig.get("method")) != orig.get("method"):
        yield "request.method: read-only field changed"
    uri = req.get("uri")
    if not isinstance(uri, str):
        yield "request.uri: missing or not a string"
        uri = ""
    elif not uri.startswith("/"):
        yield "request.uri: must start with /"
    elif VALUE_CONTROL_RE.search(uri) or " " in uri:
        yield "request.uri: contains spaces or control characters"
    qs, errs = _query_string(req.get("querystring"))
    yield from errs
    if len(uri) + (len(qs) + 1 if qs else 0) >= URL_MAX:
        yield f"request.uri: URI plus query string is {len(uri) + len(qs) + 1} characters (must be under {URL_MAX})"
    yield from _headers("request.headers", req.get("headers"), orig.get("headers"), READ_ONLY[VIEWER_REQUEST])
    cookies = req.get("cookies")
    if cookies is not None:
        if not isinstance(cookies, dict):
            yield "request.cookies: must be an object"
        else:
            for name, v in cookies.items():
                yield from _values("request.cookies", name, v)


def _response(event: dict[str, Any], resp: dict[str, Any], etype: str) -> Iterator[str]:
    for key in resp:
        if key not in _RESPONSE_KEYS:
            yield f"response.{key}: unknown field"
    status = resp.get("statusCode")
    if isinstance(status, bool) or not isinstance(status, (int, float)) or status != int(status) \
            or not 200 <= int(status) <= 599:
        yield f"response.statusCode: invalid status {status!r} (an integer 200-599)"
    if "statusDescription" in resp and not isinstance(resp["statusDescription"], str):
        yield "response.statusDescription: must be a string"
    elif isinstance(resp.get("statusDescription"), str) and VALUE_CONTROL_RE.search(resp["statusDescription"]):
        yield "response.statusDescription: contains control characters"
    original = (event.get("response") or {}).get("headers") if etype == VIEWER_RESPONSE else {}
    read_only = READ_ONLY[VIEWER_RESPONSE] if etype == VIEWER_RESPONSE else frozenset()
    yield from _headers("response.headers", resp.get("headers"), original, read_only)
    cookies = resp.get("cookies")
    if cookies is not None:
        if not isinstance(cookies, dict):
            yield "response.cookies: must be an object"
        else:
            for name, v in cookies.items():
                yield from _values("response.cookies", name, v, attributes=True)
    if "body" in resp:
        yield from _body(resp["body"])


def _body(body: Any) -> Iterator[str]:
    if isinstance(body, str):
        return
    if not isinstance(body, dict) or not isinstance(body.get("data"), str):
        yield "response.body: must be a string or {data, encoding}"
        return
    enc = body.get("encoding", "text")
    if enc not in ("text", "base64"):
        yield f"response.body.encoding: must be text or base64, got {enc!r}"
    elif enc == "base64":
        try:
            base64.b64decode(body["data"], validate=True)
        except (binascii.Error, ValueError):
            yield "response.body.data: invalid base64"
