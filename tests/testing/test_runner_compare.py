"""Expectation checks and diffs, on fabricated invocations and on real runs."""
from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import pytest
from cfroutes.compiler import compile_config
from cfroutes.emulator import Invocation
from cfroutes.errors import Span
from cfroutes.platform.event import format_query
from cfroutes.testing.cases import Case, Expect, inline_cases
from cfroutes.testing.events import build_event
from cfroutes.testing.runner import (
    Runner,
    compare,
    failure_line,
    format_diff,
    origin_summary,
    outcome,
)


def _case(expect: Expect, event_type: str = "viewer-request", request: str = "/x") -> Case:
    return Case("c", "f", event_type, request, build_event(request, event_type=event_type), expect, None,
                Span("t.yaml", 3, 5), 0)


def _req(**kw: Any) -> Invocation:
    r = {"method": "GET", "uri": "/x", "querystring": {}, "headers": {}, "cookies": {}}
    r.update(kw)
    return Invocation(output={"request": r})


def _resp(status: int = 301, headers: dict | None = None, **kw: Any) -> Invocation:
    return Invocation(output={"response": {"statusCode": status, "headers": headers or {}, **kw}})


def _fields(expect: Expect, inv: Invocation, **kw: Any) -> dict[str, tuple[str, str]]:
    return {m.field: (m.expected, m.actual) for m in compare(_case(expect, **kw), inv)}


def test_redirect_expectations() -> None:
    inv = _resp(302, {"location": {"value": "/b?x=1"}})
    assert _fields(Expect(status=302, location="/b?x=1"), inv) == {}
    assert _fields(Expect(status=301, location="/b"), inv) == {
        "status": ("301", "302"), "location": ('"/b"', '"/b?x=1"')}


def test_response_expected_but_request_went_on() -> None:
    got = _fields(Expect(status=301), _req(uri="/y"))
    assert got == {"status": ("301", "(none: request GET /y goes on to the origin)")}


def test_request_expected_but_response_returned() -> None:
    got = _fields(Expect(uri="/y"), _resp(410))
    assert got == {"uri": ('"/y"', "(none: response 410)")}


def test_querystring_rebuilt_in_order_with_bare_keys_and_repeats() -> None:
    qs = {"b": {"value": "2"}, "a": {"value": "1", "multiValue": [{"value": "1"}, {"value": "3"}]},
          "flag": {"value": ""}}
    assert format_query(qs) == "b=2&a=1&a=3&flag"
    assert format_query("raw=string") == "raw=string"
    assert _fields(Expect(querystring="b=2&a=1&a=3&flag"), _req(querystring=qs)) == {}
    assert _fields(Expect(querystring=""), _req(querystring=qs))["querystring"] == ('""', '"b=2&a=1&a=3&flag"')


def test_headers_case_insensitive_null_absent_and_lists() -> None:
    inv = _req(headers={"X-Tenant": {"value": "a"}, "vary": {"value": "1", "multiValue": [{"value": "1"}, {"value": "2"}]}})
    assert _fields(Expect(headers=(("x-tenant", "a"), ("gone", None), ("vary", ("1", "2")))), inv) == {}
    got = _fields(Expect(headers=(("x-tenant", None), ("gone", "v"), ("vary", ("1",)))), inv)
    assert got == {"headers.x-tenant": ("(absent)", '"a"'), "headers.gone": ('"v"', "(absent)"),
                   "headers.vary": ('["1"]', '["1", "2"]')}


def test_cookies_request_and_response_with_attributes() -> None:
    assert _fields(Expect(cookies=(("a", "1"), ("b", None))), _req(cookies={"a": {"value": "1"}})) == {}
    inv = _resp(200, cookies={"sid": {"value": "x", "attributes": "Secure; Path=/"}})
    assert _fields(Expect(cookies=(("sid", "x"),)), inv) == {}
    assert _fields(Expect(cookies=(("sid", "x; Secure; Path=/"),)), inv) == {}
    assert _fields(Expect(cookies=(("sid", "x; Path=/"),)), inv) == {
        "cookies.sid": ('"x; Path=/"', '"x; Secure; Path=/"')}


def test_origin_mapping_and_subset_match() -> None:
    upd = {"method": "updateRequestOrigin", "params": {"domainName": "b.s3.amazonaws.com", "originPath": "/p",
                                                       "connectionAttempts": 2}}
    sel = {"method": "selectRequestOriginById", "params": {"originId": "eu", "options": {"hostHeader": "h"}}}
    assert origin_summary(upd) == {"domain": "b.s3.amazonaws.com", "path": "/p"}
    assert origin_summary(sel) == {"id": "eu", "host_header": "h"}
    inv = _req()
    inv.origin = upd
    assert _fields(Expect(origin={"domain": "b.s3.amazonaws.com"}), inv) == {}
    assert _fields(Expect(origin={"domain": "b.s3.amazonaws.com", "path": "/q"}), inv) == {
        "origin": ("{domain: b.s3.amazonaws.com, path: /q}", "{domain: b.s3.amazonaws.com, path: /p}")}
    assert _fields(Expect(origin_absent=True), inv)["origin"][0] == "(no origin helper called)"
    assert _fields(Expect(origin={"id": "eu"}), _req()) == {"origin": ("{id: eu}", "(no origin helper called)")}


def test_body_text_and_base64() -> None:
    assert _fields(Expect(body="hi"), _resp(200, body="hi")) == {}
    b64 = {"data": base64.b64encode("hé".encode()).decode(), "encoding": "base64"}
    assert _fields(Expect(body="hé"), _resp(200, body=b64)) == {}
    assert _fields(Expect(body="x"), _resp(200)) == {"body": ('"x"', "(absent)")}


def test_error_substring_and_unexpected_errors() -> None:
    failed = Invocation(error="TypeError: x is undefined (at dist/f.js:1:2)")
    assert _fields(Expect(error="x is undefined"), failed) == {}
    # an unexpected error with no output reports only the error
    assert _fields(Expect(uri="/x", status=None), failed) == {
        "error": ("(no error)", '"TypeError: x is undefined (at dist/f.js:1:2)"')}
    invalid = _req()
    invalid.validation_errors = ["headers.host: read-only"]
    assert _fields(Expect(error="read-only", uri="/x"), invalid) == {}
    assert "error" in _fields(Expect(uri="/x"), invalid)
    assert _fields(Expect(error="boom"), _req()) == {"error": ('"boom"', "(no error)")}


def test_failure_line_and_diff_layout() -> None:
    from cfroutes.testing.runner import CaseResult

    case = _case(Expect(status=301, location="/b"))
    inv = _resp(302, {"location": {"value": "/c"}})
    res = CaseResult(case, compare(case, inv), inv, route="old-blog")
    assert failure_line(res) == 'FAIL t.yaml:3:5 f: c: status expected 301, got 302'
    assert format_diff(res).splitlines() == [
        "  request:  /x",
        "  route:    old-blog",
        "  outcome:  response 302 location /c",
        "  (- expected, + actual)",
        "  - status:   301",
        "  + status:   302",
        '  - location: "/b"',
        '  + location: "/c"',
    ]


def test_outcome_of_request_with_origin() -> None:
    inv = _req(uri="/a", querystring={"q": {"value": "1"}})
    inv.origin = {"method": "selectRequestOriginById", "params": {"originId": "eu"}}
    assert outcome(inv) == "request GET /a?q=1 goes on to the origin (id=eu)"
    assert outcome(None) == "not run"


# ------------------------------------------------------------------ real runs
def test_runner_on_the_fixture_config(site: str) -> None:
    compiled = compile_config(site)
    results = Runner(compiled).run(inline_cases(compiled.config))
    failed = {r.case.name: format_diff(r) for r in results if not r.passed}
    assert failed == {}
    assert len(results) == 12


def test_failing_case_names_the_matched_route(write: Callable[[str, str], str], one_function: str) -> None:
    path = write("routes.yaml", one_function + """\
    tests:
      - name: wrong target
        request: /old-blog/a
        expect: { status: 301, location: /blog/b }
      - name: nothing matches
        request: /nope
        expect: { status: 404 }
""")
    compiled = compile_config(path)
    r1, r2 = Runner(compiled).run(inline_cases(compiled.config))
    assert r1.route == "old-blog" and r2.route is not None and r2.route.startswith("(no route matched")
    assert [m.field for m in r1.mismatches] == ["location"]
    # the debug header never leaks into what the case compares
    assert "x-cfroutes-route" not in str(r1.invocation.output)


def test_viewer_response_not_run_for_error_status(write: Callable[[str, str], str], two_functions: str) -> None:
    path = write("routes.yaml", two_functions + """\
    tests:
      - request: /x
        response: { status: 404 }
        expect: { status: 404, headers: { x-frame-options: DENY } }
      - request: /x
        response: { status: 200 }
        expect: { status: 200, headers: { x-frame-options: DENY } }
""")
    compiled = compile_config(path)
    r404, r200 = Runner(compiled).run(inline_cases(compiled.config))
    assert r200.passed
    assert [m.field for m in r404.mismatches] == ["headers.x-frame-options"]
    assert "skips viewer-response functions" in r404.note


def test_case_kvs_merged_over_seed_and_null_removes(write: Callable[[str, str], str]) -> None:
    write("kvs.yaml", "a: /from-seed\nb: /b\n")
    path = write("routes.yaml", """\
version: 1
functions:
  f:
    event: viewer-request
    kvs: { name: store, seed: kvs.yaml }
    routes:
      - path: /:k
        lookup: { key: "{k}", as: t }
        rewrite: "{t}"
    tests:
      - { request: /a, expect: { uri: /from-seed } }
      - { request: /a, kvs: { a: /override }, expect: { uri: /override } }
      - { request: /b, kvs: { b: null }, expect: { uri: /b } }
      - { request: /c, kvs: { c: /new }, expect: { uri: /new } }
""")
    compiled = compile_config(path)
    results = Runner(compiled).run(inline_cases(compiled.config))
    assert [format_diff(r) for r in results if not r.passed] == []


@pytest.mark.parametrize("jobs", [1, 2])
def test_parallel_and_serial_agree(write: Callable[[str, str], str], one_function: str, jobs: int,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import cfroutes.testing.runner as runner_mod

    monkeypatch.setattr(runner_mod, "PARALLEL_MIN", 4)
    cases = "".join(f"      - {{ request: /docs/p{i}, expect: {{ uri: /public/p{i if i % 3 else 'X'}.html }} }}\n"
                    for i in range(10))
    path = write("routes.yaml", one_function + "    tests:\n" + cases)
    compiled = compile_config(path)
    results = Runner(compiled).run(inline_cases(compiled.config), jobs=jobs)
    assert [r.passed for r in results] == [bool(i % 3) for i in range(10)]
    assert all(r.route == "route 2" for r in results if not r.passed)
