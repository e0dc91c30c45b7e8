"""njs reads its events, outputs and tenant on its own (docs/fidelity.md, "What njs shares with
QuickJS"): with the Python event build (`event.complete`), the Python output reading
(`validate.normalise`) and the prelude's tenant getter sabotaged, njs still gives the outputs
CloudFront recorded, while QuickJS, which uses them, does not. So when the two engines disagree
on these, that is evidence about one of the two implementations, not a shared blind spot."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cfroutes.emulator import local_edge, validate
from cfroutes.emulator import njs as njs_engine
from cfroutes.emulator.local_edge import EdgeFunction, LocalEdge, Mode
from cfroutes.emulator.tenant import Tenant, with_tenant
from cfroutes.platform.event import event_type

OUTSIDE = Path(__file__).parent.parent / "outside"
# recorded outputs that need the event completed (no cookies in the event) and the output read
# (the samples' lower-case `multivalue` dropped, `"cookies": {}` added)
RECORDED = ["sample--add-true-client-ip-header", "sample--redirect-based-on-country", "sample--kvs-jwt-verify"]


def _run(name: str, mode: Mode) -> Any:
    case = json.loads((OUTSIDE / "cases" / f"{name}.json").read_text())
    fn_path = OUTSIDE / "functions" / case["function"]
    fn = EdgeFunction("f", fn_path.read_text(), case["runtime"], event_type(case["event"]), case.get("kvs"))
    with LocalEdge([fn], mode) as edge:
        inv = edge.test_function("f", case["event"])
    return inv.output, case["expect"]["output"]


@pytest.fixture
def sabotaged(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(validate, "normalise", lambda value: {**value, "sabotaged": True})
    monkeypatch.setattr(local_edge, "complete", lambda event: event)


@pytest.mark.njs
@pytest.mark.parametrize("name", RECORDED)
def test_njs_builds_events_and_reads_outputs_itself(name: str, sabotaged: None, njs: Any) -> None:
    got, want = _run(name, Mode.NJS)
    assert got == want


@pytest.mark.parametrize("name", RECORDED)
def test_quickjs_uses_the_python_pieces_the_sabotage_breaks(name: str, sabotaged: None,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CFROUTES_EMULATOR_INPROCESS", "1")  # QuickJS's result path runs in this process
    got, want = _run(name, Mode.QUICKJS)
    assert got != want  # the sabotage reaches QuickJS: the njs test above is not vacuous


TENANT_FN = ("import cf from 'cloudfront';\nfunction handler(e) { e.request.headers['x-t'] = "
             "{ value: cf.distributionTenant.id + '/' + cf.distributionTenant.parameters.get('P') }; return e.request; }")


@pytest.mark.njs
def test_njs_has_its_own_tenant_module(monkeypatch: pytest.MonkeyPatch, njs: Any) -> None:
    from cfroutes.emulator import prelude
    sections = dict(prelude.prelude_sections())
    assert "id: t.id," in sections["cloudfront"]
    sections["cloudfront"] = sections["cloudfront"].replace("id: t.id,", "id: 'from-the-prelude',")
    monkeypatch.setattr(njs_engine, "prelude_sections", lambda: sections)
    njs_engine.harness.cache_clear()
    try:
        event = {"version": "1.0", "context": {"eventType": "viewer-request"}, "viewer": {"ip": "192.0.2.1"},
                 "request": {"method": "GET", "uri": "/", "querystring": {}, "headers": {}, "cookies": {}}}
        ev = with_tenant(event, Tenant("dt_1a2b3c4d5e6f7", {"P": "tenant1"}))
        with LocalEdge([EdgeFunction("f", TENANT_FN, "cloudfront-js-2.0", "viewer-request")], Mode.NJS) as edge:
            inv = edge.test_function("f", ev)
        assert inv.ok, inv.error
        assert inv.output is not None and inv.output["request"]["headers"]["x-t"] == {"value": "dt_1a2b3c4d5e6f7/tenant1"}
    finally:
        njs_engine.harness.cache_clear()


@pytest.mark.njs
def test_njs_reads_a_cookie_called_proto_as_an_own_entry(njs: Any) -> None:
    # found by tests/differential once njs read outputs itself: `n[name] = ...` with the name
    # "__proto__" set a prototype instead of an entry, and the cookie vanished from njs's output
    event = {"version": "1.0", "context": {"eventType": "viewer-request"}, "viewer": {"ip": "192.0.2.1"},
             "request": {"method": "GET", "uri": "/", "headers": {}, "cookies": {"__proto__": {"value": "x"}}}}
    fn = EdgeFunction("f", "function handler(e) { return e.request; }", "cloudfront-js-2.0", "viewer-request")
    outputs = []
    for mode in (Mode.QUICKJS, Mode.NJS):
        with LocalEdge([fn], mode) as edge:
            outputs.append(edge.test_function("f", event).output)
    assert outputs[0] == outputs[1]
    assert outputs[1] is not None and outputs[1]["request"]["cookies"] == {"__proto__": {"value": "x"}}
