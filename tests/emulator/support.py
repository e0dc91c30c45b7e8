"""Helpers for the emulator tests."""
from __future__ import annotations

import copy
from typing import Any

import pytest
from cfroutes.emulator import FunctionLoadError, Invocation, run_function

V1, V2 = "cloudfront-js-1.0", "cloudfront-js-2.0"
BOTH = (V1, V2)

BASE_EVENT: dict[str, Any] = {
    "version": "1.0",
    "context": {"eventType": "viewer-request", "distributionId": "EDFDVBD6EXAMPLE", "requestId": "r-1"},
    "viewer": {"ip": "198.51.100.7"},
    "request": {
        "method": "GET", "uri": "/index.html",
        "querystring": {"a": {"value": "1"}},
        "headers": {"host": {"value": "www.example.com"}, "accept": {"value": "*/*"}},
        "cookies": {},
    },
}


def request_event(**overrides: Any) -> dict[str, Any]:
    ev = copy.deepcopy(BASE_EVENT)
    ev["request"].update(overrides)
    return ev


def response_event(status: int = 200, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    ev = copy.deepcopy(BASE_EVENT)
    ev["context"]["eventType"] = "viewer-response"
    ev["response"] = {"statusCode": status, "statusDescription": "OK",
                      "headers": headers if headers is not None else {"content-type": {"value": "text/html"}},
                      "cookies": {}}
    return ev


def run(src: str, runtime: str = V2, event: dict[str, Any] | None = None, kvs: dict[str, str] | None = None) -> Invocation:
    return run_function(src, event or request_event(), runtime, kvs)


def body(code: str, runtime: str) -> str:
    """A handler around `code` that returns the request (imports crypto for 2.0 when used)."""
    head = ""
    if runtime == V2 and "crypto." in code:
        head = "import crypto from 'crypto';\n"
    elif runtime == V1 and "crypto." in code:
        head = "var crypto = require('crypto');\n"
    return head + "function handler(event) {\n" + code + "\nreturn event.request;\n}\n"


def fails(src: str, runtime: str, event: dict[str, Any] | None = None) -> str:
    """The load error or run-time error of `src`; '' when it ran fine."""
    try:
        inv = run(src, runtime, event)
    except FunctionLoadError as exc:
        return "load: " + str(exc)
    return inv.error


@pytest.fixture
def ev() -> dict[str, Any]:
    return request_event()
