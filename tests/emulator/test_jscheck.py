"""The static checker: positions, feature names, the analysis cache."""
from __future__ import annotations

from typing import Any

import pytest
from cfroutes.platform import jscheck
from cfroutes.platform.jscheck import check_source, lint_source
from cfroutes.platform.profile import RUNTIMES, get_profile
from support import BOTH, V1, V2


def test_runtimes_and_profiles() -> None:
    assert RUNTIMES == (V1, V2)
    assert get_profile(V1).declaration_kinds == {"var"}
    assert "let" in get_profile(V2).declaration_kinds
    with pytest.raises(ValueError):
        get_profile("cloudfront-js-3.0")


@pytest.mark.parametrize("src,message", [
    ("function handler(e) {\n  for (const x of e) {}\n}", "2:3: for-of is not supported by cloudfront-js-2.0"),
    ("function handler(e) {\n  class A {}\n}", "2:3: class is not supported by cloudfront-js-2.0"),
    ("function handler(e) {\n  var {a} = e;\n}", "2:7: destructuring is not supported by cloudfront-js-2.0"),
    ("function handler(e) {\n  f(...e);\n}", "2:5: spread is not supported by cloudfront-js-2.0"),
    ("function handler(e = 1) {}", "1:18: default parameter is not supported by cloudfront-js-2.0"),
    ("function* handler(e) {}", "1:1: generator function is not supported by cloudfront-js-2.0"),
    ("function handler(e) { return e?.a; }", "1:30: optional chaining (?.) is not supported by cloudfront-js-2.0"),
    ("function handler(e) { return {a, b}; }", "1:31: shorthand property is not supported by cloudfront-js-2.0"),
    ("function handler(e) { return {f() {}}; }", "1:31: method shorthand is not supported by cloudfront-js-2.0"),
    ("function handler(e) { return {[e]: 1}; }", "1:31: computed property name is not supported by cloudfront-js-2.0"),
    ("function handler(e) { return e ?? 1; }", "1:30: nullish coalescing (??) is not supported by cloudfront-js-2.0"),
    ("function handler(e) { return /a/s; }", "1:30: regular expression flag s is not supported by cloudfront-js-2.0"),
    ("async function handler(e) { var f = async function () {}; }",
     "1:37: async closures are not supported by cloudfront-js-2.0 (an async function expression)"),
    ("import {kvs} from 'cloudfront';\nfunction handler(e) {}", "1:1: only a default import is supported (import name from 'cloudfront')"),
    ("import fs from 'fs';\nfunction handler(e) {}", "1:1: module 'fs' is not available in cloudfront-js-2.0"),
    ("var handler = function (e) {};", "1:1: no top-level `function handler(event)` declaration"),
    ("function handler(e) { return e.; }", "1:32: Unexpected token ;"),
])
def test_issue_positions_and_messages(src: str, message: str) -> None:
    assert str(check_source(src, V2)[0]) == message


@pytest.mark.parametrize("src,message", [
    ("function handler(e) {\n  let a = 1;\n}", "2:3: let is not supported by cloudfront-js-1.0"),
    ("function handler(e) {\n  const a = 1;\n}", "2:3: const is not supported by cloudfront-js-1.0"),
    ("async function handler(e) {}", "1:1: async function is not supported by cloudfront-js-1.0"),
    ("import cf from 'cloudfront';\nfunction handler(e) {}", "1:1: import is not supported by cloudfront-js-1.0"),
    ("function handler(e) { return 1_000; }", "1:30: a numeric separator (1_000) is not supported by cloudfront-js-1.0"),
])
def test_1_0_only_issues(src: str, message: str) -> None:
    assert str(check_source(src, V1)[0]) == message
    assert check_source(src, V2) == []


@pytest.mark.parametrize("runtime", BOTH)
def test_clean_function_has_no_issues(runtime: str) -> None:
    src = ("function handler(event) {\n  var r = event.request, m = /^\\/(?<a>[a-z]+)\\/(.*)$/.exec(r.uri);\n"
           "  if (m) { r.uri = `/x/${m.groups.a}/${m[2]}`; }\n  label: for (var k in r.headers) { continue label; }\n"
           "  return r;\n}\n")
    assert check_source(src, runtime) == []


def test_lint_reports_run_time_failures_separately() -> None:
    src = "function handler(e) { var m = new Map(); console.log(1, 2); Object.fromEntries([]); eval('1'); return e.request; }"
    assert check_source(src, V2) == []
    msgs = [i.message for i in lint_source(src, V2)]
    assert "Map is not available in cloudfront-js-2.0" in msgs
    assert "Object.fromEntries is not available in cloudfront-js-2.0" in msgs
    assert any(m.startswith("console.log takes exactly one argument") for m in msgs)
    assert any(m.startswith("eval is not supported") for m in msgs)




def test_analysis_is_cached_and_a_new_source_is_parsed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # The compiler's check and the emulator's prepare read the same emitted source: one parse
    # serves both. (Speed itself is measured by bench/, not asserted here.)
    parses: list[str] = []
    real = jscheck._parse

    def counting(src: str, module: bool) -> Any:
        parses.append(src)
        return real(src, module)

    monkeypatch.setattr(jscheck, "_parse", counting)
    fn = "".join("function f%d(a, b) { return a + b + %d; }\n" % (i, i) for i in range(50))
    fn += "function handler(event) { return event.request; } // %s\n" % id(parses)  # new to the cache
    assert check_source(fn, V2) == [] and lint_source(fn, V2) == []
    assert parses == [fn]
    assert jscheck.analyze(fn, V2) is jscheck.analyze(fn, V2)
    assert parses == [fn]
    check_source(fn, V1)  # the runtime is part of the key: another profile is another analysis
    assert parses == [fn, fn]


# --- CloudFront's refusals that QuickJS accepts (docs/fidelity.md) -----------------------------

AWAIT_IN_ARGS = [
    "JSON.parse(await f())",                 # the shape every spilled build shipped
    "g(`${await f()}`)",                     # a template literal inside an argument
    "g(1 + (await f()))",                    # a nested expression
    "g([await f()])", "g({a: await f()})",    # array and object literals inside an argument
    "new G(await f())",                      # `new` counts too
    "g(1)(await f())", "a.b(await f())",     # any call shape
    "g(h(k(await f())))",                    # any depth
    "await g(await f())",
]


@pytest.mark.parametrize("expr", AWAIT_IN_ARGS)
def test_await_in_arguments_is_refused_with_the_edge_message(expr: str) -> None:
    src = "async function handler(e) {\n  var x = " + expr + ";\n  return e.request;\n}"
    issues = check_source(src, V2)
    assert [i.message for i in issues] == ["await in arguments not supported"]
    col = src.split("\n")[1].rindex("await") + 1  # the innermost one, inside the arguments
    assert (issues[0].line, issues[0].column) == (2, col)
    assert issues[0].kind == "SyntaxError" and "bind the awaited value" in (issues[0].hint or "")


@pytest.mark.parametrize("expr", [
    "(await f())(1)", "new (await f())()", "a[await f()]", "(await f()).a", "await f()",
    "(await f()) + (await g())", "`${await f()}`", "[await f()]", "{a: await f()}",
    "await f() ? await g() : 1", "g(function () { return 1; })",
])
def test_await_outside_arguments_is_accepted(expr: str) -> None:
    # the same as njs 0.7.9: only the arguments of a call or `new` are refused
    assert check_source("async function handler(e) { var x = " + expr + "; return e.request; }", V2) == []


@pytest.mark.parametrize("runtime", BOTH)
def test_optional_catch_binding_is_refused_in_both_runtimes(runtime: str) -> None:
    src = "function handler(e) {\n  try { e.x(); } catch {\n    return e.request;\n  }\n}"
    issues = check_source(src, runtime)
    assert [str(i) for i in issues] == ['2:24: Token "{" not supported in this version']
    assert "catch (e)" in (issues[0].hint or "")
    assert check_source(src.replace("catch {", "catch (err) {"), runtime) == []


@pytest.mark.parametrize("src,pos", [
    ("import cf from 'cloudfront';\nvar v = await cf.kvs().get('k');\nfunction handler(e) { return e.request; }", "2:9"),
    ("var v = await 1;\nfunction handler(e) { return e.request; }", "1:9"),
])
def test_top_level_await_has_a_clear_message(src: str, pos: str) -> None:
    issues = check_source(src, V2)
    assert [str(i) for i in issues] == [f"{pos}: await is only valid in async functions"]
    assert "top-level await" in (issues[0].hint or "")


@pytest.mark.parametrize("src", [
    "function handler(e) { var x = await f(); return e.request; }",
    "async function handler(e) { function g() { return await f(); } return e.request; }",
])
def test_await_in_a_sync_function_has_the_edge_message(src: str) -> None:
    assert [i.message for i in check_source(src, V2)] == ["await is only valid in async functions"]


@pytest.mark.parametrize("src,kind", [
    ("async function handler(e) { var f = async () => 1; return e.request; }", "an async arrow function"),
    ("async function handler(e) { g(async function () { await 1; }); return e.request; }", "an async function expression"),
    ("async function handler(e) { async function g() {} return e.request; }", "a nested async function"),
    ("var o = {f: async function () {}};\nasync function handler(e) { return e.request; }", "an async function expression"),
])
def test_async_closures_are_refused(src: str, kind: str) -> None:
    issues = check_source(src, V2)
    assert [i.message for i in issues] == [f"async closures are not supported by cloudfront-js-2.0 ({kind})"]
    assert "async arguments and closures are not supported" in (issues[0].hint or "")


def test_top_level_async_helpers_are_accepted() -> None:
    src = "async function answer() { return 42; }\nasync function handler(e) { var a = await answer(); return e.request; }"
    assert check_source(src, V2) == []


@pytest.mark.parametrize("runtime", BOTH)
@pytest.mark.parametrize("code,message", [
    ("'a'.localeCompare('b')", "String.prototype.localeCompare is not available in {rt}"),
    ("e.request.uri.toLocaleUpperCase()", "String.prototype.toLocaleUpperCase is not available in {rt}"),
    ("s.toLocaleLowerCase()", "String.prototype.toLocaleLowerCase is not available in {rt}"),
    ("[1].toLocaleString()", "toLocaleString is not available in {rt} on objects, arrays, numbers, typed arrays (only Date has it)"),
    ("String.prototype.localeCompare.call('a', 'b')", "String.prototype.localeCompare is not available in {rt}"),
    ("Object.prototype.toLocaleString.call({})", "Object.prototype.toLocaleString is not available in {rt}"),
])
def test_locale_methods_are_warned_about(runtime: str, code: str, message: str) -> None:
    src = "function handler(e) { var s = 'x'; " + code + "; return e.request; }"
    assert check_source(src, runtime) == []          # CloudFront loads it; the call throws
    assert [i.message for i in lint_source(src, runtime)] == [message.format(rt=runtime)]


@pytest.mark.parametrize("runtime", BOTH)
def test_date_locale_methods_stay(runtime: str) -> None:
    src = "function handler(e) { var d = new Date().toLocaleString(); return e.request; }"
    assert lint_source(src, runtime) == []


def test_runtime_specific_string_methods_are_warned_about() -> None:
    src = "function handler(e) { var a = 'x'.replaceAll('x', 'y'); var b = 'x'.toUTF8(); return e.request; }"
    assert [i.message for i in lint_source(src, V1)] == ["String.prototype.replaceAll is not available in cloudfront-js-1.0"]
    assert [i.message for i in lint_source(src, V2)] == ["String.prototype.toUTF8 is not available in cloudfront-js-2.0"]


@pytest.mark.parametrize("runtime", BOTH)
def test_getters_and_setters_are_accepted(runtime: str) -> None:
    src = "function handler(e) { var o = {get a() { return 1; }, set a(v) {}}; return o.a ? e.request : e; }"
    assert check_source(src, runtime) == []
