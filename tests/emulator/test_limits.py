"""Runaway code ends with a clear error, and the next invocation in the process still works."""
from __future__ import annotations

import time

import pytest

from support import BOTH, V2, request_event, run
from generator.emulator import invoke, prepare
from generator.emulator.runtime import binding_interrupts_regex

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
