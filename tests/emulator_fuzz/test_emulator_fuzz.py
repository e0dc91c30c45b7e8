"""Fuzz the emulator's entry: random and malformed events, random small functions.

Whatever comes in, `invoke` returns an Invocation (never raises, never hangs: the step
budget, time limit and memory limit stop runaway code), and the emulator stays
usable for the next call. Pathological functions also run in a subprocess with a
wall-clock timeout, so a hang fails the test instead of blocking CI. The suite's run is short
and seeded (`CFROUTES_FUZZ_EXAMPLES`, default 40 random functions, 150 events); the long run is
bench/bench_emulator_fuzz.py.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from cfroutes.emulator import FunctionLoadError, Invocation, invoke, prepare
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from differential.cases import case_of, request_event  # noqa: E402

FUNCTIONS = int(os.environ.get("CFROUTES_FUZZ_EXAMPLES", "40"))
FUZZ = settings(max_examples=max(150, FUNCTIONS), deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
WALL = 10.0  # seconds: far above the emulator's own 1 s CPU limit per call

ROUTER = case_of("""
version: 1
functions:
  f:
    event: viewer-request
    kvs: {name: s}
    options: {index: index.html, case: insensitive}
    routes:
      - {host: ":t.ex.com", path: /c, lookup: {key: "{t}", as: v, format: json}, rewrite: "/k/{v.a}"}
      - {path: /r/*, redirect: "/q/{splat}"}
      - {regex: "^/x/(?<id>[0-9]+)", query: {v: "*"}, headers: {x-a: {regex: "^a"}}, rewrite: "/y/{id}"}
      - {path: /e, respond: {status: 200, body: hi}}
    headers:
      - {path: /*, cookies: {s: null}, set: {x-h: "{host}"}}
""")

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=25,
)


def _checked(inv: Any) -> Invocation:
    assert isinstance(inv, Invocation)
    assert isinstance(inv.error, str) and isinstance(inv.validation_errors, list)
    assert inv.output is None or (isinstance(inv.output, dict) and len(inv.output) == 1)
    return inv


def _still_usable() -> None:
    prepared = ROUTER.variants[0].prepared
    inv = invoke(prepared, request_event("/e"), {})
    assert inv.output is not None and inv.output["response"]["statusCode"] == 200


@FUZZ
@given(event=json_values)
def test_arbitrary_json_as_event(event: Any) -> None:
    t0 = time.perf_counter()
    for v in ROUTER.variants:
        _checked(invoke(v.prepared, event, {}))
    assert time.perf_counter() - t0 < WALL


def _mutations() -> st.SearchStrategy[list[tuple[list[str], Any]]]:
    paths = st.sampled_from([["request"], ["request", "uri"], ["request", "headers"], ["request", "headers", "host"],
                             ["request", "headers", "host", "value"], ["request", "querystring"],
                             ["request", "querystring", "v"], ["request", "cookies"], ["request", "method"],
                             ["context"], ["context", "eventType"], ["request", "querystring", "v", "multiValue"]])
    return st.lists(st.tuples(paths, json_values | st.just("__delete__")), min_size=1, max_size=4)


@FUZZ
@given(uri=st.sampled_from(["/c", "/r/a/b", "/x/12", "/e", "/", "//"]), muts=_mutations())
def test_malformed_events(uri: str, muts: list[tuple[list[str], Any]]) -> None:
    """Valid events with fields deleted or replaced by values of the wrong type."""
    event = request_event(uri, host="a.ex.com", headers={"x-a": "ab"}, query={"v": "1"})
    for path, value in muts:
        obj: Any = event
        for key in path[:-1]:
            obj = obj.get(key) if isinstance(obj, dict) else None
        if isinstance(obj, dict):
            if value == "__delete__":
                obj.pop(path[-1], None)
            else:
                obj[path[-1]] = value
    for v in ROUTER.variants:
        _checked(invoke(v.prepared, event, {"a": '{"a": "/z"}'}))
    _still_usable()


STATEMENTS = [
    "var x = event.request.uri;", "event.request.uri = 42;", "delete event.request;", "event.request.headers = [];",
    "var s = ''; for (var i = 0; i < 1000; i++) s += i;", "throw new Error('boom');", "throw 'str';", "throw null;",
    "return;", "return 42;", "return null;", "return event;", "return event.request;", "return {};",
    "return {statusCode: 200};", "return {statusCode: 99999, headers: {}};", "return {statusCode: '200'};",
    "return {request: event.request};", "return {uri: null, method: 'GET'};", "console.log(event);",
    "console.log('x'.repeat ? 'x' : 'y');", "JSON.parse('{');", "var o = {}; o.a.b = 1;", "undefinedFn();",
    "event.request.headers['x-y'] = {value: 1};", "event.request.headers.host = {value: 'evil'};",
    "var a = []; a.length = 5;", "event.request.uri = '/' + new Array(100).join('long');",
    "return {statusCode: 302, headers: {location: {value: '\\u2028'}}};",
    "var r = /(a+)+$/.test('aaaaaaaaaaaaaaaaaaaaaaaaaaaa!');",
]
PATHOLOGICAL = [
    "while (true) {}", "for (;;) { var q = 1; }", "function f() { return f(); } f();",
    "var a = []; while (true) a.push(new Array(1000).join('x'));", "var s = 'x'; while (true) s += s;",
    "var r = /(a+)+$/.test(new Array(40).join('a') + '!');",
    "await (function l() { return Promise.resolve().then(l); })();",
    "await new Promise(function () {});",
]


def _handler(stmts: list[str], is_async: bool) -> str:
    return ("async " if is_async else "") + "function handler(event) {\n  " + "\n  ".join(stmts) + "\n  return event.request;\n}\n"


@settings(max_examples=FUNCTIONS, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(stmts=st.lists(st.sampled_from(STATEMENTS), min_size=1, max_size=4), is_async=st.booleans(),
       runtime=st.sampled_from(["cloudfront-js-2.0", "cloudfront-js-1.0"]))
def test_random_small_functions(stmts: list[str], is_async: bool, runtime: str) -> None:
    src = _handler(stmts, is_async and runtime.endswith("2.0"))
    try:
        prepared = prepare(src, runtime)
    except FunctionLoadError as e:
        assert e.issues and all(i.line >= 1 for i in e.issues)
        return
    t0 = time.perf_counter()
    _checked(invoke(prepared, request_event("/a"), None))
    assert time.perf_counter() - t0 < WALL
    _still_usable()


@pytest.mark.parametrize("src", ["function handler(event) {", "function handler(event) { return event.request; ",
                                 "handler = 1;", "", "var handler;", "function handler(e) { with (e) {} }",
                                 "let [a] = [1]; function handler(e) { return e.request; }",
                                 "function handler(e) { return eval('1'); }", "\u2028function handler(e){}"])
def test_broken_sources_fail_cleanly(src: str) -> None:
    try:
        prepared = prepare(src)
    except FunctionLoadError as e:
        assert str(e).startswith("<function>:")
        return
    inv = _checked(invoke(prepared, request_event("/a"), None))
    assert inv.error or inv.validation_errors or inv.output is not None


_CHILD = """
import json, sys, time
sys.path.insert(0, {root!r})
from cfroutes.emulator import invoke, prepare
src = sys.stdin.read()
ev = {{"version": "1.0", "context": {{"eventType": "viewer-request"}}, "viewer": {{"ip": "1.2.3.4"}},
      "request": {{"method": "GET", "uri": "/", "querystring": {{}}, "headers": {{}}, "cookies": {{}}}}}}
p = prepare(src)
t0 = time.perf_counter()
inv = invoke(p, ev)
took = time.perf_counter() - t0
ok = invoke(prepare("function handler(e) {{ return e.request; }}"), ev)
print(json.dumps({{"error": inv.error, "took": took, "after": ok.output is not None}}))
"""


@pytest.mark.parametrize("stmt", PATHOLOGICAL)
def test_runaway_code_stops_with_a_clear_error(stmt: str) -> None:
    """Each in its own process with a wall-clock timeout: a hang fails instead of blocking."""
    src = _handler([stmt], "await" in stmt)
    r = subprocess.run([sys.executable, "-c", _CHILD.format(root=str(ROOT))], input=src, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr[-2000:]
    res = json.loads(r.stdout.strip().splitlines()[-1])
    assert res["error"], res
    assert any(w in res["error"] for w in ("step budget", "time limit", "memory", "stack", "promise", "too long", "never settled")), res
    assert res["took"] < WALL and res["after"], res
