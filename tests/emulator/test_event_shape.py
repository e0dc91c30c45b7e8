"""`cfroutes emulate --event`: an event that is not CloudFront's event structure is exit 2 before anything runs."""
from __future__ import annotations

import copy
import io
import json
from pathlib import Path

import pytest
from cfroutes.cli.emulate import emulate
from cfroutes.emulator.event import event_problems
from cfroutes.testing.events import build_event
from support import BASE_EVENT, response_event

ROOT = Path(__file__).resolve().parents[2]
LOUD = "function handler(e) { console.log('ran'); return e.request; }"


def _with(path: str, value: object, base: dict | None = None) -> dict:
    ev = copy.deepcopy(base or BASE_EVENT)
    *parents, last = path.split(".")
    at = ev
    for p in parents:
        at = at[p]
    if value is KeyError:
        del at[last]
    else:
        at[last] = value
    return ev


BAD = [
    ({"request": {"uri": 5}}, "request.uri: must be a string starting with /, got the number 5"),
    (_with("request.uri", "index.html"), "request.uri: must be a string starting with /, got the string 'index.html'"),
    (_with("request.uri", KeyError), "request.uri: missing"),
    (_with("request.method", ["GET"]), "request.method: must be a method name such as GET, got an array"),
    (_with("request.method", KeyError), "request.method: missing"),
    (_with("request.querystring", "a=1"), "request.querystring: must be an object of {value} entries, got the string 'a=1'"),
    (_with("request.querystring", {"a": "1"}), "request.querystring.a: must be an object {\"value\": \"...\"}, got the string '1'"),
    (_with("request.headers", {"host": {"value": 1}}), "request.headers.host.value: must be a string, got the number 1"),
    (_with("request.headers", {"bad name": {"value": "x"}}), "request.headers.bad name: invalid header name"),
    (_with("request.headers", {"a": {"value": "x", "multiValue": [{"value": None}]}}),
     "request.headers.a.multiValue[0].value: must be a string, got null"),
    (_with("request.cookies", []), "request.cookies: must be an object of {value} entries, got an array"),
    (_with("request", "GET /"), "request: must be an object, got the string 'GET /'"),
    (_with("context", {"eventType": "origin-request"}),
     "context.eventType: must be viewer-request or viewer-response, got the string 'origin-request'"),
    (_with("context", {"eventType": "viewer-response"}), "response: missing (a viewer-response event carries"),
    (_with("response.statusCode", "200", response_event()), "response.statusCode: must be an integer 100-599, got the string '200'"),
    (_with("response.cookies", {"s": {"value": "1", "attributes": 1}}, response_event()),
     "response.cookies.s.attributes: must be a string, got the number 1"),
    (_with("viewer", {"ip": 7}), "viewer.ip: must be a string, got the number 7"),
]


@pytest.mark.parametrize("event,message", BAD, ids=[m.split(":")[0] for _, m in BAD])
def test_a_malformed_event_is_a_positioned_error_and_nothing_runs(tmp_path: Path, event: dict, message: str) -> None:
    (tmp_path / "f.js").write_text(LOUD)
    (tmp_path / "ev.json").write_text(json.dumps(event))
    out, err = io.StringIO(), io.StringIO()
    code = emulate(str(tmp_path / "f.js"), str(tmp_path / "ev.json"), None, None, out, err)
    assert code == 2 and out.getvalue() == ""
    assert f"{tmp_path / 'ev.json'}:1:1: error: invalid event: {message}" in err.getvalue(), err.getvalue()


def test_events_cloudfront_and_cfroutes_write_are_accepted() -> None:
    samples = sorted((ROOT / "tests" / "emulator" / "aws_examples" / "cases").glob("*.event.json"))
    assert samples
    for path in samples:
        assert event_problems(json.loads(path.read_text())) == [], path.name
    assert event_problems(build_event("GET https://example.com/a?x=1&x=2", headers={"a": ["1", "2"]},
                                      cookies={"c": "v"})) == []
    assert event_problems(build_event("/a", event_type="viewer-response",
                                      response={"status": 404, "headers": {"x": "y"}})) == []
    assert event_problems(response_event()) == []
    # the AWS samples write a lower-case `multivalue`: not a field of the event structure, left alone
    assert event_problems(_with("request.headers", {"a": {"value": "1", "multivalue": 3}})) == []
