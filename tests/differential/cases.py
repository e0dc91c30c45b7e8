"""Small helpers to run one hand-written config + request through both implementations."""
from __future__ import annotations

import tempfile
import textwrap
from typing import Any

from .harness import Case, load_function


def request_event(uri: str = "/", *, method: str = "GET", host: str | None = "ex.com",
                  headers: dict[str, str] | None = None, query: dict[str, Any] | None = None,
                  cookies: dict[str, str] | None = None, event_type: str = "viewer-request",
                  status: int = 200, response_headers: dict[str, str] | None = None) -> dict[str, Any]:
    """A CloudFront event; query values may be lists (multiValue)."""
    hd = {k: {"value": v} for k, v in (headers or {}).items()}
    if host is not None:
        hd["host"] = {"value": host}
    qs: dict[str, Any] = {}
    for k, v in (query or {}).items():
        if isinstance(v, list):
            qs[k] = {"value": v[0], "multiValue": [{"value": x} for x in v]}
        else:
            qs[k] = {"value": v}
    ev: dict[str, Any] = {
        "version": "1.0", "context": {"eventType": event_type}, "viewer": {"ip": "198.51.100.7"},
        "request": {"method": method, "uri": uri, "querystring": qs, "headers": hd,
                    "cookies": {k: {"value": v} for k, v in (cookies or {}).items()}},
    }
    if event_type == "viewer-response":
        ev["response"] = {"statusCode": status, "statusDescription": "OK",
                          "headers": {k: {"value": v} for k, v in (response_headers or {}).items()}}
    return ev


def case_of(yaml_text: str) -> Case:
    """Load a config (one function) from text and build it inline and spilled."""
    text = textwrap.dedent(yaml_text)
    with tempfile.TemporaryDirectory() as d:
        fn = load_function(text, d)
    return Case.build(fn, text)


def agree(yaml_text: str, event: dict[str, Any], kvs: dict[str, str] | None = None) -> None:
    """Assert the emulator (inline and spilled) and the reference agree on `event`."""
    problems = case_of(yaml_text).check(event, kvs or {})
    assert not problems, problems[0]
