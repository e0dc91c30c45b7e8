"""Connection functions (mTLS): the event a connection function gets, the adapter that runs it on
the engines' viewer-function harness, and the check of its decision.

CloudFront documents (DG/write-connection-function-code.html, DG/connection-functions.html):
- the entry point is `connectionHandler(connection)`, sync or async, runtime cloudfront-js-2.0 only;
- `connection` carries `connectionId`, `clientIp` and, when the viewer presented one,
  `clientCertificate.certificates.leaf` with `subject`, `issuer`, `serialNumber`,
  `validity.{notBefore,notAfter}` and `sha256Fingerprint`;
- the function decides with `connection.allow()` or `connection.deny()`, and may add text to the
  connection log with `connection.logCustomData(text)`;
- an associated KeyValueStore is read with `cf.kvs()` as in viewer functions (revocation lists,
  DG/implement-certificate-revocation.html).

The engines (QuickJS and njs) run every function through one harness that calls `handler(event)`
and reads what it returns. A connection function runs on that same harness: `adapt` appends an
adapter `handler` that gives `connectionHandler` the connection object with the decision methods
and returns `{"decision": ...}`; `engine_event` wraps the connection object in an event whose
`context.eventType` is connection-request, which is how the output check (validate.py) knows to
call `check_decision`. Both engines thus run the function's own bytes plus the same adapter.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from cfroutes.emulator import cost
from cfroutes.emulator.jsvalue import json_value as _type  # the one wording, shared with event.py
from cfroutes.emulator.result import Invocation
from cfroutes.platform.event import CONNECTION_REQUEST
from cfroutes.platform.profile import CONNECTION

#: appended to the function's source before it is checked and loaded (ES5.1 plus a promise test;
#: one line, so the function's own positions are unchanged)
ADAPTER = (
    "\n;function handler(cfConnEvent) {"
    " var cfConn = cfConnEvent.connection, cfConnDecisions = [], cfConnCustom = [];"
    " cfConn.allow = function allow() { cfConnDecisions.push('allow'); };"
    " cfConn.deny = function deny() { cfConnDecisions.push('deny'); };"
    " cfConn.logCustomData = function logCustomData(text) { cfConnCustom.push(String(text)); };"
    " function cfConnOut() { return { decision: cfConnDecisions, customData: cfConnCustom }; }"
    " var cfConnResult = connectionHandler(cfConn);"
    " return cfConnResult && typeof cfConnResult.then === 'function' ? cfConnResult.then(cfConnOut) : cfConnOut(); }\n"
)


#: the 5 ms execution limit (DG/write-connection-function-code.html) in QuickJS steps, at the
#: calibration of emulator/cost.py (10,000 steps ~ 1 ms ~ 100 % ComputeUtilization): deterministic,
#: so a case never passes or fails with the machine's load
STEP_LIMIT = CONNECTION.execution_limit_ms * 100 * cost.STEPS_PER_PERCENT
#: njs counts no steps: a connection function still running after this many wall-clock seconds is
#: stopped (50 times the limit, so a busy machine never fails a function that is within it)
NJS_TIMEOUT = 0.25
_OVER = ("step budget exceeded", "time limit exceeded")


def over_limit(inv: Invocation) -> Invocation:
    """A call that ran out of its steps or time, reported as CloudFront's execution limit."""
    if inv.error and inv.error.startswith(_OVER):
        inv.error = (f"execution limit exceeded: a connection function runs at most {CONNECTION.execution_limit_ms} ms "
                     f"({inv.error})")
        inv.compute_utilization = 100
    return inv


def adapt(source: str) -> str:
    """The source the engines load for a connection function."""
    return source + ADAPTER


def engine_event(connection: dict[str, Any]) -> dict[str, Any]:
    """The event the engines' harness passes to the adapter."""
    return {"version": "1.0", "context": {"eventType": CONNECTION_REQUEST}, "connection": connection}


def is_engine_event(event: dict[str, Any]) -> bool:
    return (event.get("context") or {}).get("eventType") == CONNECTION_REQUEST and "connection" in event


def check_decision(value: Any) -> tuple[dict[str, Any] | None, list[str]]:
    """What the adapter returned -> (the function's output, validation errors). Exactly one call of
    allow() or deny() is a decision; none, or more than one, is an error (CloudFront: "The function
    handler must call either allow or deny")."""
    if not isinstance(value, dict) or not isinstance(value.get("decision"), list):
        return None, ["output: the connection function's result could not be read"]
    calls = [str(d) for d in value["decision"]]
    custom = [str(c) for c in value.get("customData") or []]
    if not calls:
        return None, ["connection: the function must call connection.allow() or connection.deny()"]
    out: dict[str, Any] = {"decision": calls[0]}
    if custom:
        out["customData"] = custom
    if len(calls) > 1:
        return out, [f"connection: allow()/deny() called {len(calls)} times ({', '.join(calls)}); call one, once"]
    return out, []


_LEAF_STRINGS = ("subject", "issuer", "serialNumber", "sha256Fingerprint")


def connection_problems(event: Any) -> Iterator[str]:
    """Every way `event` departs from the documented connection object."""
    if not isinstance(event, dict):
        yield f"connection: must be an object, got {_type(event)}"
        return
    for key in ("connectionId", "clientIp"):
        if key in event and not isinstance(event[key], str):
            yield f"{key}: must be a string, got {_type(event[key])}"
    size = len(json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    if size > CONNECTION.test_object_max:
        yield (f"connection: {size} bytes as compact JSON; TestConnectionFunction takes a connection object of at most "
               f"{CONNECTION.test_object_max} bytes")
    if "clientIp" not in event:
        yield "clientIp: missing (the connecting client's IPv4 or IPv6 address)"
    cert = event.get("clientCertificate")
    if cert is None:
        return  # optional mode: the viewer presented no certificate
    if not isinstance(cert, dict):
        yield f"clientCertificate: must be an object, got {_type(cert)}"
        return
    certs = cert.get("certificates")
    if not isinstance(certs, dict) or not isinstance(certs.get("leaf"), dict):
        yield "clientCertificate.certificates.leaf: missing (an object with subject, issuer, serialNumber, validity)"
        return
    leaf = certs["leaf"]
    for key in _LEAF_STRINGS:
        if key in leaf and not isinstance(leaf[key], str):
            yield f"clientCertificate.certificates.leaf.{key}: must be a string, got {_type(leaf[key])}"
    validity = leaf.get("validity")
    if validity is not None:
        if not isinstance(validity, dict):
            yield f"clientCertificate.certificates.leaf.validity: must be an object, got {_type(validity)}"
        else:
            for key in ("notBefore", "notAfter"):
                if key in validity and not isinstance(validity[key], str):
                    yield f"clientCertificate.certificates.leaf.validity.{key}: must be a string, got {_type(validity[key])}"


def runtime_problem(runtime: str) -> str:
    """'' when connection functions run on `runtime`, else the message."""
    return "" if runtime == CONNECTION.runtime else f"connection functions run on {CONNECTION.runtime} only, not {runtime}"


def test_result(inv: Invocation) -> dict[str, Any]:
    """The ConnectionFunctionTestResult shape of TestConnectionFunction (API reference:
    ComputeUtilization, ConnectionFunctionExecutionLogs, ConnectionFunctionErrorMessage,
    ConnectionFunctionOutput; the ConnectionFunctionSummary is the deployed function's metadata,
    which a local run has none of), plus ValidationErrors and Steps as `emulate` prints for viewer
    functions. ConnectionFunctionOutput is a JSON string of `{"decision": "allow"|"deny"}` (and
    `customData`, what logCustomData was given): the API types it as a string and documents no
    inner structure, so this content is cfroutes' own."""
    viewer = inv.to_test_result()
    return {"ConnectionFunctionOutput": viewer["FunctionOutput"],
            "ConnectionFunctionErrorMessage": viewer["FunctionErrorMessage"],
            "ConnectionFunctionExecutionLogs": viewer["FunctionExecutionLogs"],
            "ComputeUtilization": viewer["ComputeUtilization"],
            "ValidationErrors": viewer["ValidationErrors"], "Steps": viewer["Steps"]}
