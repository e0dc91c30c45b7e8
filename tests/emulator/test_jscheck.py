"""The static checker: positions, feature names, speed."""
from __future__ import annotations

import time

import pytest

from support import BOTH, V1, V2
from generator.jscheck import JsIssue, check_source, lint_source
from generator.profile import RUNTIMES, get_profile


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
    ("function handler(e) { return /a/s; }", "1:30: regular expression flag s is not supported by cloudfront-js-2.0"),
    ("async function handler(e) { var f = async function () {}; }",
     "1:37: async closure (async is only allowed on top-level functions) is not supported by cloudfront-js-2.0"),
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


def test_jsissue_is_frozen() -> None:
    issue = JsIssue(1, 2, "m")
    with pytest.raises(Exception):
        issue.line = 3  # type: ignore[misc]


def test_speed_on_a_10kb_function() -> None:
    fn = "".join("function f%d(a, b) { var x = a + b; if (x > %d) { x = x * 2; } return x; }\n" % (i, i) for i in range(130))
    fn += "function handler(event) { return event.request; }\n"
    assert 9000 < len(fn) < 11000
    check_source(fn, V2)
    start = time.perf_counter()
    assert check_source(fn, V2) == []
    assert time.perf_counter() - start < 0.5  # ~20-80 ms measured; generous for slow CI
