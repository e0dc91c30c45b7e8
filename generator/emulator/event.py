"""Check the shape of an input event before a function runs on it (`cfroutes emulate --event`).

The event structure of docs/cloudfront-platform §2: `request` with `method` (a string), `uri`
(a string starting with `/`), and `querystring`, `headers`, `cookies` as objects of
`{value, multiValue?}` entries; in a viewer-response event a `response` with an integer
`statusCode`. What the function *returns* is checked by validate.py; this is its input side.
Header names follow the header policy's token rule (platform/headers.py); two names that differ
only in case (`host` and `Host`) are refused: CloudFront's event has one lower-case entry per header.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cfroutes.emulator.connection import connection_problems, is_engine_event
from cfroutes.emulator.jsvalue import json_value as _type  # the one wording, shared with connection.py
from cfroutes.emulator.tenant import TENANT_KEY
from cfroutes.platform.event import EVENT_TYPES, VIEWER_REQUEST, VIEWER_RESPONSE, is_connection_event
from cfroutes.platform.headers import TOKEN_RE


def _entries(where: str, obj: Any, attributes: bool = False, names: bool = False) -> Iterator[str]:
    """`{name: {value: "...", multiValue?: [{value}...]}}`."""
    if not isinstance(obj, dict):
        yield f"{where}: must be an object of {{value}} entries, got {_type(obj)}"
        return
    if names:  # CloudFront passes header names lower-cased, a repeated header as one entry (multiValue)
        seen: dict[str, str] = {}
        for name in obj:
            first = seen.setdefault(name.lower(), name)
            if first != name:
                yield (f"{where}: {first!r} and {name!r} name the same header; CloudFront lower-cases header names "
                       "and passes a repeated header as one entry with multiValue: write it once, in lower case")
    for name, entry in obj.items():
        at = f"{where}.{name}"
        if names and not TOKEN_RE.match(name):
            yield f"{at}: invalid header name"
        if not isinstance(entry, dict) or "value" not in entry:
            yield f"{at}: must be an object {{\"value\": \"...\"}}, got {_type(entry)}"
            continue
        items = [(at, entry)]
        if "multiValue" in entry:
            mv = entry["multiValue"]
            if not isinstance(mv, list):
                yield f"{at}.multiValue: must be an array of {{value}} objects, got {_type(mv)}"
            else:
                items += [(f"{at}.multiValue[{i}]", m) for i, m in enumerate(mv)]
        for path, item in items:
            if not isinstance(item, dict) or not isinstance(item.get("value"), str):
                got = item.get("value") if isinstance(item, dict) else item
                yield f"{path}.value: must be a string, got {_type(got)}"
            elif attributes and "attributes" in item and not isinstance(item["attributes"], str):
                yield f"{path}.attributes: must be a string, got {_type(item['attributes'])}"


def _optional(parent: dict[str, Any], where: str, key: str, **kw: Any) -> Iterator[str]:
    if key in parent:
        yield from _entries(f"{where}.{key}", parent[key], **kw)


def event_problems(event: Any) -> list[str]:
    """Every way `event` departs from the CloudFront Functions event structure ([] when fine)."""
    if isinstance(event, dict) and is_connection_event(event):  # connection functions (emulator/connection.py)
        return list(connection_problems(event["connection"] if is_engine_event(event) else event))
    return list(_event(event))


def _event(event: Any) -> Iterator[str]:
    if not isinstance(event, dict):
        yield f"event: must be an object, got {_type(event)}"
        return
    if "version" in event and not isinstance(event["version"], str):
        yield f"version: must be a string such as \"1.0\", got {_type(event['version'])}"
    ctx = event.get("context", {})
    etype = VIEWER_REQUEST
    if not isinstance(ctx, dict):
        yield f"context: must be an object, got {_type(ctx)}"
    elif "endpoint" in ctx and not isinstance(ctx["endpoint"], str):
        yield f"context.endpoint: must be a string (the connection group's domain), got {_type(ctx['endpoint'])}"
    if TENANT_KEY in event:
        yield f"{TENANT_KEY}: reserved by the emulator; give the tenant with --tenant-id and --tenant-param"
    if isinstance(ctx, dict) and "eventType" in ctx:
        etype = ctx["eventType"]
        if etype not in EVENT_TYPES:
            yield f"context.eventType: must be {' or '.join(EVENT_TYPES)}, got {_type(etype)}"
    viewer = event.get("viewer", {})
    if not isinstance(viewer, dict):
        yield f"viewer: must be an object, got {_type(viewer)}"
    elif "ip" in viewer and not isinstance(viewer["ip"], str):
        yield f"viewer.ip: must be a string, got {_type(viewer['ip'])}"
    req = event.get("request")
    if not isinstance(req, dict):
        yield f"request: {'missing' if 'request' not in event else 'must be an object, got ' + _type(req)}"
    else:
        method = req.get("method")
        if not isinstance(method, str) or not TOKEN_RE.match(method):
            yield f"request.method: {'missing' if 'method' not in req else 'must be a method name such as GET, got ' + _type(method)}"
        uri = req.get("uri")
        if not isinstance(uri, str) or not uri.startswith("/"):
            yield f"request.uri: {'missing' if 'uri' not in req else 'must be a string starting with /, got ' + _type(uri)}"
        yield from _optional(req, "request", "querystring")
        yield from _optional(req, "request", "headers", names=True)
        yield from _optional(req, "request", "cookies")
    if etype == VIEWER_RESPONSE or "response" in event:
        resp = event.get("response")
        if not isinstance(resp, dict):
            yield (f"response: {'missing' if 'response' not in event else 'must be an object, got ' + _type(resp)}"
                   + (" (a viewer-response event carries the origin's response)" if etype == VIEWER_RESPONSE else ""))
            return
        status = resp.get("statusCode")
        if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
            yield f"response.statusCode: {'missing' if 'statusCode' not in resp else 'must be an integer 100-599, got ' + _type(status)}"
        if "statusDescription" in resp and not isinstance(resp["statusDescription"], str):
            yield f"response.statusDescription: must be a string, got {_type(resp['statusDescription'])}"
        yield from _optional(resp, "response", "headers", names=True)
        yield from _optional(resp, "response", "cookies", attributes=True)


def complete(event: dict[str, Any]) -> dict[str, Any]:
    """The event as the function receives it: CloudFront's request always has `querystring`,
    `headers` and `cookies` objects (empty when the viewer sent none), and a viewer-response
    event's `response` its `headers` and `cookies` (docs/fidelity.md "Event and output shape":
    DG/functions-event-structure.html). The one place both engines' input is completed
    (local_edge.LocalEdge); `event` itself is not changed. A field present with another type is
    left for `event_problems` to report."""
    req = event.get("request")
    resp = event.get("response")
    missing = (isinstance(req, dict) and any(k not in req for k in _REQUEST_OBJECTS)) or \
        (isinstance(resp, dict) and any(k not in resp for k in _RESPONSE_OBJECTS))
    if not missing:
        return event
    out = dict(event)
    if isinstance(req, dict):
        out["request"] = dict(req, **{k: {} for k in _REQUEST_OBJECTS if k not in req})
    if isinstance(resp, dict):
        out["response"] = dict(resp, **{k: {} for k in _RESPONSE_OBJECTS if k not in resp})
    return out


_REQUEST_OBJECTS = ("querystring", "headers", "cookies")
_RESPONSE_OBJECTS = ("headers", "cookies")
