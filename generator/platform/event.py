"""Shapes of the CloudFront event object: `{value, multiValue?}` entries, the query string text.

Headers, cookies and the query string of an event are objects of `{value, multiValue?}`
entries. CloudFront forwards the query as `name=value` pairs joined by `&`, a bare `name`
when the value is empty, one pair per entry of `multiValue`. Used by the reference model,
the test runner, the emulator's output check, `cfroutes serve` and `cfroutes diff`.

Also the event types and the one rule of the request flow that decides whether a function
runs at all (`function_runs`): CloudFront gives a viewer-response function no response whose
origin status is 400 or higher.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

VIEWER_REQUEST = "viewer-request"
VIEWER_RESPONSE = "viewer-response"
#: connection functions (mTLS, SPEC §7): their own event, the connection object (emulator/connection.py)
CONNECTION_REQUEST = "connection-request"
#: top-level fields that make an event a connection object (DG/write-connection-function-code.html)
CONNECTION_FIELDS = ("connectionId", "clientIp", "clientCertificate")
#: the event types of the functions cfroutes runs (connection-request: SPEC §7, not yet)
EVENT_TYPES = (VIEWER_REQUEST, VIEWER_RESPONSE)
#: CloudFront runs no viewer-response function for an origin status of this or higher
VIEWER_RESPONSE_STATUS_LIMIT = 400
VIEWER_RESPONSE_SKIPPED = ("CloudFront skips viewer-response functions when the origin status is "
                           f"{VIEWER_RESPONSE_STATUS_LIMIT} or higher")


def is_connection_event(event: Mapping[str, Any]) -> bool:
    """A connection function's event: the connection object itself (no `request`, one of its fields),
    or an event whose `context.eventType` says connection-request."""
    ctx = event.get("context")
    if isinstance(ctx, dict) and ctx.get("eventType") == CONNECTION_REQUEST:
        return True
    return "request" not in event and any(k in event for k in CONNECTION_FIELDS)


def event_type(event: Mapping[str, Any]) -> str:
    """`context.eventType` of an event (viewer-request when it has none; connection-request for a
    connection object)."""
    if is_connection_event(event):
        return CONNECTION_REQUEST
    return str((event.get("context") or {}).get("eventType") or VIEWER_REQUEST)


def viewer_response_runs(status: int) -> bool:
    """Does CloudFront run the viewer-response function on an origin response of `status`?"""
    return status < VIEWER_RESPONSE_STATUS_LIMIT


def function_runs(function_event: str, event: Mapping[str, Any]) -> bool:
    """Does CloudFront run a function of event type `function_event` on `event`? Not a
    viewer-response function on an origin response of 400 or higher (the response goes to the
    viewer as the origin sent it)."""
    return function_event != VIEWER_RESPONSE or viewer_response_runs(event["response"]["statusCode"])


def entry_value(entry: Any) -> str | None:
    """The `value` of one entry as a string (a bare non-dict value is taken as it is); None if none."""
    if isinstance(entry, dict):
        v = entry.get("value")
        return None if v is None else str(v)
    return None if entry is None else str(entry)


def entry_values(entry: Any) -> list[str]:
    """Every value of one entry: each of a non-empty `multiValue`, else the value; [] if none."""
    if isinstance(entry, dict) and isinstance(entry.get("multiValue"), list) and entry["multiValue"]:
        return [str(entry_value(x)) for x in entry["multiValue"]]
    v = entry_value(entry)
    return [] if v is None else [v]


def join_query(pairs: Iterable[tuple[str, str]]) -> str:
    """`k=v` pairs (bare `k` for an empty value) joined by `&`."""
    return "&".join(k if v == "" else f"{k}={v}" for k, v in pairs)


def format_query(qs: Any, keys: Iterable[str] | None = None) -> str:
    """The text of a `querystring` object (a string is returned as it is).

    `keys` gives the order of the names (default: the object's own order); an entry
    without any value is written as a bare name.
    """
    if isinstance(qs, str):
        return qs
    qs = qs or {}
    return join_query((k, v) for k in (qs if keys is None else keys) for v in entry_values(qs[k]) or [""])
