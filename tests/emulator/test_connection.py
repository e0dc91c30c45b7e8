"""Connection functions (mTLS) in the emulator, on both engines through LocalEdge.

The function below is written from the Developer Guide's connection-function pages
(DG/write-connection-function-code.html: `connectionHandler(connection)`, the connection object,
`connection.allow()` / `connection.deny()`, `logCustomData`; DG/implement-certificate-revocation.html:
serial numbers without colons as KVS keys, revoked when the key exists). Expected decisions are what
those pages say the function does, not output of this emulator.
"""
from __future__ import annotations

import json
from typing import Any

import pytest
from cfroutes.emulator.event import event_problems
from cfroutes.emulator.local_edge import EdgeFunction, LocalEdge, Mode
from cfroutes.platform.event import CONNECTION_REQUEST, event_type
from cfroutes.platform.profile import CONNECTION, JS1, JS2

REVOCATION = """import cf from 'cloudfront';

async function connectionHandler(connection) {
    if (!connection.clientCertificate) {
        console.log("no client certificate");
        return connection.deny();
    }
    const leaf = connection.clientCertificate.certificates.leaf;
    const serial = leaf.serialNumber.replace(/:/g, "");
    if (await cf.kvs().exists(serial)) {
        connection.logCustomData(`revoked ${serial}`);
        return connection.deny();
    }
    if (!leaf.subject.includes("O=Example Corp")) {
        return connection.deny();
    }
    return connection.allow();
}
"""

SUBJECT_ONLY = """function connectionHandler(connection) {
    var subject = connection.clientCertificate.certificates.leaf.subject;
    if (subject.indexOf("O=Example Corp") < 0) { connection.deny(); } else { connection.allow(); }
}
"""


def conn(serial: str = "4a:3f:5c:92:d1:e8:7b:6c", subject: str = "CN=client.example.com,O=Example Corp,C=US",
         cert: bool = True) -> dict[str, Any]:
    c: dict[str, Any] = {"connectionId": "Fdb-test==", "clientIp": "203.0.113.42"}
    if cert:
        c["clientCertificate"] = {"certificates": {"leaf": {
            "subject": subject, "issuer": "CN=Example Corp Intermediate CA,O=Example Corp,C=US",
            "serialNumber": serial, "validity": {"notBefore": "2024-01-15T00:00:00Z", "notAfter": "2025-01-14T23:59:59Z"},
            "sha256Fingerprint": "a1b2c3"}}}
    return c


@pytest.fixture(params=[Mode.QUICKJS, Mode.NJS])
def mode(request: pytest.FixtureRequest) -> Mode:
    if request.param is Mode.NJS:
        request.getfixturevalue("njs")  # tests/conftest.py: skips (fails in CI) without njs
    return Mode(request.param)


def edge_of(mode: Mode, source: str, runtime: str = JS2, store: dict[str, str] | None = None) -> LocalEdge:
    return LocalEdge([EdgeFunction("c", source, runtime, CONNECTION_REQUEST, store)], mode)


def decision(edge: LocalEdge, event: dict[str, Any]) -> str:
    inv = edge.invoke("c", event)
    assert inv.ok, (inv.error, inv.validation_errors)
    assert inv.output is not None
    return str(inv.output["decision"])


def test_revocation_list_in_the_store_decides(mode: Mode) -> None:
    with edge_of(mode, REVOCATION, store={"4a3f5c92d1e87b6c": "revoked"}) as edge:
        inv = edge.invoke("c", conn())
        assert inv.ok and inv.output == {"decision": "deny", "customData": ["revoked 4a3f5c92d1e87b6c"]}
        assert decision(edge, conn(serial="01:02")) == "allow"
        assert decision(edge, conn(serial="01:02", subject="CN=x,O=Other")) == "deny"
        none = edge.invoke("c", conn(cert=False))
        assert none.output == {"decision": "deny"} and none.logs == ["no client certificate"]


def test_a_sync_handler_decides_too(mode: Mode) -> None:
    with edge_of(mode, SUBJECT_ONLY) as edge:
        assert decision(edge, conn()) == "allow"
        assert decision(edge, conn(subject="CN=x,O=Other")) == "deny"


def test_no_decision_or_two_decisions_are_errors(mode: Mode) -> None:
    with edge_of(mode, "function connectionHandler(c) { if (c.clientIp === '1.1.1.1') { c.allow(); c.deny(); } }") as edge:
        inv = edge.invoke("c", conn())
        assert inv.output is None and inv.validation_errors == [
            "connection: the function must call connection.allow() or connection.deny()"]
        two = edge.invoke("c", dict(conn(), clientIp="1.1.1.1"))
        assert two.output == {"decision": "allow"} and "called 2 times" in two.validation_errors[0]


def test_a_missing_handler_and_a_throw_are_errors(mode: Mode) -> None:
    with edge_of(mode, "function handlerX(c) { c.allow(); }") as edge:
        assert "connectionHandler" in edge.invoke("c", conn()).error
    with edge_of(mode, "function connectionHandler(c) { throw new Error('boom'); }") as edge:
        assert "boom" in edge.invoke("c", conn()).error


def test_runtime_1_is_refused() -> None:
    with edge_of(Mode.QUICKJS, SUBJECT_ONLY, runtime=JS1) as edge:
        failure = edge.load_failure("c")
        assert failure is not None and CONNECTION.runtime in str(failure)


def test_connection_events_are_recognised_and_checked() -> None:
    assert event_type(conn()) == CONNECTION_REQUEST
    assert event_problems(conn()) == [] and event_problems(conn(cert=False)) == []
    bad = json.loads('{"clientIp": 5, "clientCertificate": {"certificates": {}}}')
    assert event_problems(bad) == ["clientIp: must be a string, got the number 5",
                                   "clientCertificate.certificates.leaf: missing (an object with subject, issuer, "
                                   "serialNumber, validity)"]
    leaf = conn()
    leaf["clientCertificate"]["certificates"]["leaf"]["validity"]["notAfter"] = 1
    assert event_problems(leaf) == ["clientCertificate.certificates.leaf.validity.notAfter: must be a string, got the number 1"]


def test_emulate_prints_the_connection_test_result_shape(tmp_path: Any) -> None:
    import io

    from cfroutes.cli.emulate import emulate
    fn, ev, kvs = tmp_path / "f.js", tmp_path / "e.json", tmp_path / "k.json"
    fn.write_text(REVOCATION)
    ev.write_text(json.dumps(conn()))
    kvs.write_text(json.dumps({"data": [{"key": "4a3f5c92d1e87b6c", "value": "1"}]}))
    out, err = io.StringIO(), io.StringIO()
    assert emulate(str(fn), str(ev), None, str(kvs), out, err) == 0, err.getvalue()
    result = json.loads(out.getvalue())
    assert sorted(result) == ["ComputeUtilization", "ConnectionFunctionErrorMessage", "ConnectionFunctionExecutionLogs",
                              "ConnectionFunctionOutput", "Steps", "ValidationErrors"]
    assert json.loads(result["ConnectionFunctionOutput"])["decision"] == "deny"


def test_an_oversize_connection_object_is_refused() -> None:
    big = dict(conn(), padding="x" * CONNECTION.test_object_max)
    problems = event_problems(big)
    assert len(problems) == 1 and f"at most {CONNECTION.test_object_max} bytes" in problems[0]
    assert event_problems(dict(conn(), padding="x" * 1000)) == []


BUSY = """function connectionHandler(connection) {
    if (connection.clientIp === "203.0.113.1") { connection.allow(); return; }
    var n = 0, i;
    var stop = connection.clientIp === "203.0.113.2" ? 20000 : -1;
    for (i = 0; i !== stop; i++) { n += i; }
    connection.allow();
}
"""


def test_the_5_ms_execution_limit_stops_a_busy_loop(mode: Mode) -> None:
    """DG/write-connection-function-code.html: a connection function runs at most 5 ms. QuickJS counts
    it in steps (deterministic), njs stops the function after connection.NJS_TIMEOUT. A quick event
    goes first so njs's allowance for the first event of a batch does not apply to the busy one."""
    from cfroutes.emulator.connection import STEP_LIMIT
    from cfroutes.emulator.local_edge import Request

    with edge_of(mode, BUSY) as edge:
        quick, busy = edge.invoke_many([Request("c", conn() | {"clientIp": "203.0.113.1"}),
                                        Request("c", conn() | {"clientIp": "198.51.100.7"})])
        assert quick.ok and quick.output == {"decision": "allow"}
        assert not busy.ok and busy.output is None
        assert busy.error is not None and busy.error.startswith("execution limit exceeded: a connection function "
                                                                "runs at most 5 ms")
        assert busy.compute_utilization == 100
        if mode is Mode.QUICKJS:  # a loop well inside the step limit still decides
            assert STEP_LIMIT == CONNECTION.execution_limit_ms * 10_000
            inv = edge.invoke("c", conn() | {"clientIp": "203.0.113.2"})
            assert inv.ok and inv.output == {"decision": "allow"} and inv.steps < STEP_LIMIT


def test_viewer_functions_keep_their_own_budget() -> None:
    """The 5 ms limit is the connection functions': a viewer function may take more steps."""
    src = "function handler(e) { var n = 0, i; for (i = 0; i < 60000; i++) { n += i; } return e.request; }"
    from cfroutes.platform.event import VIEWER_REQUEST

    with LocalEdge([EdgeFunction("v", src, JS2, VIEWER_REQUEST, None)], Mode.QUICKJS) as edge:
        inv = edge.invoke("v", {"version": "1.0", "context": {"eventType": "viewer-request"},
                                "viewer": {"ip": "192.0.2.1"},
                                "request": {"method": "GET", "uri": "/", "querystring": {}, "headers": {},
                                            "cookies": {}}})
        assert inv.ok, inv.error


GUIDE_AS_ROUTES = """version: 1
functions:
  c:
    event: connection-request
    kvs: {name: revoked}
    routes:
      - clientCertificate: false
        deny: true
      - lookup: {key: "{serialNumber}"}
        log: "revoked {serialNumber}"
        deny: true
      - subject: {O: Example Corp}
        allow: true
      - deny: true
"""


def test_the_guides_revocation_function_and_its_routes_yaml_form_agree(mode: Mode, tmp_path: Any) -> None:
    """REVOCATION (written from the guide) and the same behaviour declared in routes.yaml decide
    alike on connections where the two readings coincide (lower-case serials; the organisation as
    a whole DN attribute, which the guide's `includes` reads as a substring)."""
    from cfroutes.compiler.pipeline import compile_config

    (tmp_path / "routes.yaml").write_text(GUIDE_AS_ROUTES)
    compiled = compile_config(str(tmp_path / "routes.yaml"))
    assert not compiled.errors
    store = {"4a3f5c92d1e87b6c": "revoked"}
    events = [conn(), conn(serial="01:02"), conn(cert=False), conn(subject="CN=x,O=Other Corp,C=US"),
              conn(serial="4a:3f:5c:92:d1:e8:7b:6c", subject="CN=x,O=Other,C=US")]
    with edge_of(mode, REVOCATION, store=store) as guide, LocalEdge.of(compiled.functions, mode) as ours:
        for ev in events:
            a, b = guide.invoke("c", ev), ours.invoke("c", ev, store)
            assert a.ok and b.ok, (a.error, b.error)
            assert a.output == b.output, (ev, a.output, b.output)
