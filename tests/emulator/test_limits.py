"""Runaway code ends with a clear error, and the next invocation in the process still works."""
from __future__ import annotations

import time
from typing import Any

import pytest
from cfroutes.emulator import WarmFunction, invoke, prepare, run_function, watchdog
from cfroutes.emulator.jsregex import binding_interrupts_regex
from support import BOTH, V2, request_event, run

GOOD = prepare("function handler(e) { e.request.uri = '/ok'; return e.request; }", V2)


def _next_is_fine() -> None:
    inv = invoke(GOOD, request_event())
    assert inv.ok and inv.output["request"]["uri"] == "/ok"


@pytest.mark.parametrize("runtime", BOTH)
@pytest.mark.parametrize("code", [
    "for (;;) {}",
    "while (true) { try { for (;;) {} } catch (e) {} }",
    "var n = 0; while (true) { try { n++; } catch (e) {} finally { continue; } }",
    "try { for (;;) {} } catch (e) {} return e.request;",
])
def test_step_budget(runtime: str, code: str) -> None:
    inv = run("function handler(e) {\n" + code + "\n}", runtime)
    assert inv.error.startswith("step budget exceeded"), inv.error
    assert inv.output is None
    _next_is_fine()


def test_recursion_that_swallows_stack_overflows() -> None:
    # At the stack limit the tick itself overflows, so the time-limit backstop ends it.
    p = prepare("function f() { try { f(); } catch (x) { f(); } }\nfunction handler(e) { f(); }", V2)
    inv = invoke(p, request_event(), time_limit=0.3)
    assert inv.error.startswith(("step budget exceeded", "time limit exceeded")), inv.error
    _next_is_fine()


def test_step_budget_is_configurable_and_exact() -> None:
    p = prepare("function handler(e) { for (var i = 0; i < 10; i++) {} return e.request; }", V2)
    assert invoke(p, request_event()).steps == 11          # 1 function entry + 10 iterations
    assert invoke(p, request_event(), step_budget=11).ok
    assert invoke(p, request_event(), step_budget=10).error.startswith("step budget exceeded")


def test_async_infinite_loop() -> None:
    inv = run("async function handler(e) { await null; for (;;) {} }")
    assert inv.error.startswith("step budget exceeded")
    _next_is_fine()


@pytest.mark.parametrize("runtime", BOTH)
def test_memory_bomb(runtime: str) -> None:
    inv = run("function handler(e) { var a = []; for (var i = 0; ; i++) a.push('xxxxxxxxxxxxxxxxxxxxxxxx' + i); }", runtime)
    assert inv.error.startswith("out of memory"), inv.error
    _next_is_fine()


def test_memory_bomb_in_a_single_builtin() -> None:
    inv = run("function handler(e) { var s = 'x'.repeat(3 * 1024 * 1024); return e.request; }")
    assert "out of memory" in inv.error or "RangeError" in inv.error, inv.error
    _next_is_fine()


def test_under_the_memory_limit_is_fine() -> None:
    assert run("function handler(e) { var s = 'x'.repeat(512 * 1024); return e.request; }").ok


@pytest.mark.parametrize("runtime", BOTH)
def test_deep_recursion(runtime: str) -> None:
    inv = run("function f(n) { return f(n + 1) + 1; }\nfunction handler(e) { return f(0); }", runtime)
    # quickjs-ng: "RangeError: Maximum call stack size exceeded"; quickjs 1.19.4: "InternalError: stack overflow"
    assert "stack" in inv.error or inv.error.startswith("step budget"), inv.error
    _next_is_fine()


@pytest.mark.skipif(not binding_interrupts_regex(), reason="quickjs 1.19.4 cannot interrupt a regex (use quickjs-ng)")
def test_pathological_regex_is_interrupted() -> None:
    p = prepare("function handler(e) { /^(a+)+$/.test('a'.repeat(40) + '!'); return e.request; }", V2)
    start = time.monotonic()
    inv = invoke(p, request_event(), time_limit=0.3)
    assert inv.error.startswith("time limit exceeded"), inv.error
    assert time.monotonic() - start < 5
    _next_is_fine()


def test_promise_that_never_settles() -> None:
    inv = run("async function handler(e) { await new Promise(function () {}); return e.request; }")
    assert inv.error == "the handler's promise never settled"


# --- native built-ins that never poll QuickJS's interrupt: the wall-clock watchdog ends them
NATIVE_RUNAWAYS = {
    "JSON.stringify of a 30-level shared DAG": "var o = {}; for (var i = 0; i < 30; i++) o = {a: o, b: o}; JSON.stringify(o);",
    "join of a 2**32-1 array": "new Array(Math.pow(2, 32) - 1).join('');",
    "reverse of a huge array-like": "Array.prototype.reverse.call({length: Math.pow(2, 32) - 1});",
    "sort of a huge sparse array": "var a = []; a[Math.pow(2, 32) - 2] = 1; a.sort();",
    "naive string indexOf": "var h = 'a'.repeat(400000), n = 'a'.repeat(200000) + 'b'; h.indexOf(n);",
}


@pytest.fixture
def quick_watchdog(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(watchdog, "WALL_SLACK", 0.3)


@pytest.mark.skipif(not watchdog.enabled(), reason="no os.fork: the watchdog is off on this platform")
@pytest.mark.parametrize("name", NATIVE_RUNAWAYS)
def test_native_runaway_ends_at_the_wall_clock_limit(name: str, quick_watchdog: None) -> None:
    p = prepare("function handler(e) { " + NATIVE_RUNAWAYS[name] + " return e.request; }", V2)
    start = time.monotonic()
    inv = invoke(p, request_event(), time_limit=0.2)
    took = time.monotonic() - start
    assert inv.error.startswith("time limit exceeded"), inv.error
    assert inv.output is None and not inv.ok
    assert took < watchdog.wall_limit(0.2) + 5, took
    _next_is_fine()


@pytest.mark.skipif(not watchdog.enabled(), reason="no os.fork: the watchdog is off on this platform")
def test_native_runaway_in_a_warm_context(quick_watchdog: None) -> None:
    bad = prepare("function handler(e) { if (e.request.uri === '/hang') new Array(Math.pow(2, 32) - 1).join(''); "
                  "return e.request; }", V2)
    warm = WarmFunction(bad, time_limit=0.2)
    assert warm.invoke(request_event(uri="/a")).ok
    assert warm.invoke(request_event(uri="/hang")).error.startswith("time limit exceeded")
    assert warm.invoke(request_event(uri="/b")).output["request"]["uri"] == "/b"
    # pipelined: exactly the call that overran times out, the others answer in order
    uris = ["/1", "/2", "/hang", "/3", "/hang", "/4"]
    invs = warm.invoke_many([(request_event(uri=u), None) for u in uris])
    assert [i.error[:19] if i.error else i.output["request"]["uri"] for i in invs] == [
        "/1", "/2", "time limit exceeded", "/3", "time limit exceeded", "/4"]
    _next_is_fine()


def test_in_process_mode_still_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CFROUTES_EMULATOR_INPROCESS", "1")
    assert not watchdog.enabled()
    _next_is_fine()
    assert WarmFunction(GOOD).invoke_many([(request_event(), None)] * 3)[2].ok


# --- the output is read as data: no toJSON, each getter read once
def _out(body: str) -> Any:
    return run("function handler(e) { var r = e.request;\n" + body + "\n}")


def test_to_json_is_not_called() -> None:
    inv = _out("r.toJSON = function () { return {method: 'GET', uri: '/ok', headers: {}}; }; r.uri = 'bad uri'; return r;")
    assert inv.output["request"]["uri"] == "bad uri"
    assert "request.uri: must start with /" in inv.validation_errors


def test_inherited_to_json_is_not_called() -> None:
    inv = _out("Object.prototype.toJSON = function () { return {}; }; Array.prototype.toJSON = 1; "
               "JSON.stringify = function () { return '{}'; }; Object.keys = function () { return []; }; "
               "r.uri = '/a b'; return r;")
    assert inv.output["request"]["uri"] == "/a b"
    assert inv.validation_errors == ["request.uri: contains spaces or control characters"]


def test_a_getter_is_read_once_and_its_value_validated() -> None:
    inv = _out("var n = 0; Object.defineProperty(r, 'uri', {enumerable: true, get: function () "
               "{ return n++ ? '/ok' : 'bad'; }}); var out = r; return out;")
    assert inv.output["request"]["uri"] == "bad"
    assert "request.uri: must start with /" in inv.validation_errors


def test_async_result_is_read_the_same_way() -> None:
    inv = run("async function handler(e) { var r = e.request; r.toJSON = function () { return {uri: '/ok'}; }; "
              "r.uri = 'x'; return r; }")
    assert inv.output["request"]["uri"] == "x" and "request.uri: must start with /" in inv.validation_errors


@pytest.mark.parametrize("body, why", [
    ("var o = {}; for (var i = 0; i < 30; i++) o = {a: o, b: o}; r.headers.x = {value: '1', o: o}; return r;",
     "more than 10000 values"),
    ("var a = []; a.length = 1e9; r.headers.x = {value: '1', multiValue: a}; return r;", "more than 10000 values"),
    ("var o = {}; o.o = o; r.headers.x = o; return r;", "circular structure"),
    ("var o = {}; for (var i = 0; i < 100; i++) o = {o: o}; r.headers.x = o; return r;", "nested more than 64 levels"),
])
def test_unbounded_output_is_an_error(body: str, why: str) -> None:
    start = time.monotonic()
    inv = _out(body)
    assert inv.error == "TypeError: the returned object cannot be serialised: " + why, inv.error
    assert time.monotonic() - start < 5
    _next_is_fine()


def test_output_keeps_json_semantics_for_plain_data() -> None:
    inv = _out("r.headers.x = {value: 'v', f: function () {}, u: undefined}; "
               "r.headers.y = {value: 'w', multiValue: [{value: 'w'}, undefined]}; r.querystring = {n: {value: '' + (0 / 0)}}; return r;")
    assert inv.output["request"]["headers"]["x"] == {"value": "v"}
    assert inv.output["request"]["headers"]["y"]["multiValue"] == [{"value": "w"}, None]


@pytest.mark.parametrize("kw", ["", "async "])
def test_long_strings_cross_back_from_sync_and_async_handlers(kw: str) -> None:
    ev = request_event(querystring={"long": {"value": "v" * 9000}})
    inv = run_function(kw + "function handler(e) { e.request.headers.x = {value: 'w'.repeat(5000) + '!'}; "
                       "return e.request; }", ev)
    assert inv.error == ""
    assert inv.output["request"]["headers"]["x"]["value"] == "w" * 5000 + "!"
    assert inv.output["request"]["querystring"]["long"]["value"] == "v" * 9000
