"""`cfroutes test`, `run` and `check`: through their functions and through `main`."""
from __future__ import annotations

import io
import json
import re
from collections.abc import Callable

import pytest
from cfroutes.cli.check import check
from cfroutes.cli.main import main
from cfroutes.cli.run import run
from cfroutes.cli.test import test as cfroutes_test
from cfroutes.errors import InputError

Write = Callable[[str, str], str]

PASSING = """\
    tests:
      - name: blog
        request: /old-blog/x?utm=1
        expect: { status: 301, location: /blog/x?utm=1 }
      - name: docs
        request: /docs/a
        expect: { uri: /public/a.html }
"""
FAILING = PASSING.replace("uri: /public/a.html", "uri: /public/b.html")


def _streams() -> tuple[io.StringIO, io.StringIO]:
    return io.StringIO(), io.StringIO()


def test_test_passes(write: Write, one_function: str) -> None:
    out, err = _streams()
    assert cfroutes_test(write("routes.yaml", one_function + PASSING), [], stdout=out, stderr=err) == 0
    assert out.getvalue() == "2 passed, 0 failed\n"


def test_test_failure_prints_one_line_and_a_diff(write: Write, one_function: str) -> None:
    path = write("routes.yaml", one_function + FAILING)
    out, err = _streams()
    assert cfroutes_test(path, [], stdout=out, stderr=err) == 1
    text = out.getvalue()
    assert text.splitlines()[0] == f'FAIL {path}:15:9 site: docs: uri expected "/public/b.html", got "/public/a.html"'
    assert "  route:    route 2 (routes.yaml:" in text
    assert '  - uri: "/public/b.html"\n  + uri: "/public/a.html"\n' in text
    assert text.endswith("1 passed, 1 failed\n")


def test_test_runs_discovered_and_named_case_files(write: Write, one_function: str) -> None:
    path = write("routes.yaml", one_function + PASSING)
    write("tests/extra.cases.yaml", "- request: /docs/z\n  expect: { uri: /public/z.html }\n")
    other = write("elsewhere/more.yaml", "- request: /docs/q\n  expect: { uri: /wrong }\n")
    out, err = _streams()
    assert cfroutes_test(path, [], stdout=out, stderr=err) == 0
    assert out.getvalue() == "3 passed, 0 failed\n"
    out, err = _streams()
    assert cfroutes_test(path, [other], stdout=out, stderr=err) == 1
    assert out.getvalue().endswith("0 passed, 1 failed\n")


def test_test_without_cases_says_so(write: Write, one_function: str) -> None:
    out, err = _streams()
    assert cfroutes_test(write("routes.yaml", one_function), [], stdout=out, stderr=err) == 0
    assert out.getvalue() == "0 passed, 0 failed\n" and "no test cases" in err.getvalue()


def test_invalid_case_raises_input_error(write: Write, one_function: str) -> None:
    path = write("routes.yaml", one_function + "    tests:\n      - request: /x\n        expect: { stauts: 1 }\n")
    with pytest.raises(InputError):
        cfroutes_test(path, [], stdout=io.StringIO(), stderr=io.StringIO())


def test_main_exit_codes_and_no_traceback(write: Write, one_function: str,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    good = write("routes.yaml", one_function + PASSING)
    bad = write("bad/routes.yaml", one_function + FAILING)
    invalid = write("invalid/routes.yaml", one_function + "    tests:\n      - request: GET /a b\n        expect: {uri: /}\n")
    assert main(["test", "-c", good]) == 0
    assert main(["test", "-c", bad]) == 1
    capsys.readouterr()
    assert main(["test", "-c", invalid]) == 2
    err = capsys.readouterr().err
    assert err.splitlines()[0] == f"{invalid}:12:24: error: the URL contains a space; percent-encode it as %20  [CFR502]"
    assert "Traceback" not in err
    assert main(["test", "-c", good, str(good) + ".missing"]) == 2
    assert "file not found" in capsys.readouterr().err


# ------------------------------------------------------------------ run
def test_run_prints_route_outcome_json_and_cost(write: Write, one_function: str) -> None:
    path = write("routes.yaml", one_function)
    out, err = _streams()
    code = run(path, "GET https://a.test/old-blog/x?utm=1", function=None, headers=["X-A: 1"], kvs=[],
               stdout=out, stderr=err)
    assert code == 0
    text = out.getvalue()
    assert "route:    old-blog (routes.yaml:" in text
    assert "outcome:  response 301 location /blog/x?utm=1\n" in text
    assert re.search(r"^cost:     \d+ steps, ComputeUtilization ~\d+ \(an estimate\)$", text, re.MULTILINE)
    body = text[text.index("{"):text.rindex("}") + 1]
    assert json.loads(body)["response"]["headers"]["location"] == {"value": "/blog/x?utm=1"}
    assert "x-cfroutes-route" not in body


def test_run_request_that_goes_on(write: Write, one_function: str, capsys: pytest.CaptureFixture[str]) -> None:
    path = write("routes.yaml", one_function)
    assert main(["run", "-c", path, "/docs/a?q=1"]) == 0
    text = capsys.readouterr().out
    assert "route:    route 2" in text and "request GET /public/a.html?q=1 goes on to the origin" in text


def test_run_needs_function_when_several(write: Write, two_functions: str,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    path = write("routes.yaml", two_functions)
    assert main(["run", "-c", path, "/x"]) == 0  # the only viewer-request function
    assert capsys.readouterr().out.startswith("function: site (viewer-request")
    assert main(["run", "-c", path, "-f", "headers", "/x"]) == 2
    assert "did you mean 'headers-fn'?" in capsys.readouterr().err
    assert main(["run", "-c", path, "-f", "headers-fn", "/x"]) == 0
    out = capsys.readouterr().out
    assert '"x-frame-options"' in out and "route:    (no route: header rules only)" in out


@pytest.mark.parametrize("args,message", [
    (["GET /a b"], "<command line>:1:7: error: request 'GET /a b': the URL contains a space"),
    (["/x", "-H", "no-colon"], "<command line>:1:1: error: -H 'no-colon': expected 'name: value'"),
    (["/x", "--kvs", "a=b"], "<command line>:1:1: error: function 'site' has no KeyValueStore"),
    (["/x", "--kvs", "novalue"], "<command line>:1:1: error: --kvs 'novalue': expected key=value  [CFR801]\n"
                                 "  help: to run without the key, write --kvs-delete 'novalue'"),
    (["/x", "--kvs", "=v"], "<command line>:1:1: error: --kvs '=v': expected key=value"),
])
def test_run_bad_arguments_exit_2(write: Write, one_function: str, capsys: pytest.CaptureFixture[str],
                                  args: list[str], message: str) -> None:
    path = write("routes.yaml", one_function)
    assert main(["run", "-c", path, *args]) == 2
    assert capsys.readouterr().err.startswith(message)


def test_run_with_kvs_override(write: Write) -> None:
    write("seed.yaml", "t: /seeded\n")
    path = write("routes.yaml", """\
version: 1
functions:
  f:
    event: viewer-request
    kvs: { name: s, seed: seed.yaml }
    routes:
      - { path: /:k, lookup: { key: "{k}", as: v }, rewrite: "{v}" }
""")
    out, err = _streams()
    assert run(path, "/t", function=None, headers=[], kvs=["t=/override"], stdout=out, stderr=err) == 0
    assert "request GET /override goes on" in out.getvalue()
    out, err = _streams()
    assert run(path, "/t", function=None, headers=[], kvs=[], kvs_delete=["t"], stdout=out, stderr=err) == 0
    assert "request GET /t goes on" in out.getvalue()  # no key: the lookup misses, no route matches


# ------------------------------------------------------------------ check
def test_check_passes_with_timing_line(write: Write, one_function: str) -> None:
    out, err = _streams()
    assert check(write("routes.yaml", one_function + PASSING), strict=False, stdout=out, stderr=err) == 0
    last = out.getvalue().splitlines()[-1]
    assert re.fullmatch(r"check passed: 1 function\(s\) \([\d,]+ bytes\), 2 test\(s\), 0 warning\(s\) in \d+\.\d\ds", last)


def test_check_fails_on_a_failing_test(write: Write, one_function: str) -> None:
    out, err = _streams()
    assert check(write("routes.yaml", one_function + FAILING), strict=False, stdout=out, stderr=err) == 1
    assert "FAIL " in out.getvalue() and "check failed: 1 failed test(s)" in out.getvalue()


COUNTRY = """\
version: 1
functions:
  geo:
    event: viewer-request
    routes:
      - { path: /, country: [DE], redirect: /de/ }
    tests:
      - request: /
        headers: { cloudfront-viewer-country: DE }
        expect: { status: 301, location: /de/ }
"""


def test_check_warnings_fail_only_under_strict(write: Write) -> None:
    path = write("routes.yaml", COUNTRY)
    out, err = _streams()
    assert check(path, strict=False, stdout=out, stderr=err) == 0
    assert "warning: `country` reads the cloudfront-viewer-country header" in err.getvalue()
    out, err = _streams()
    assert check(path, strict=True, stdout=out, stderr=err) == 1
    assert "check failed: 1 warning(s) (--strict)" in out.getvalue()


def test_check_build_errors_exit_1_and_invalid_config_exit_2(write: Write,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    loop = write("loop/routes.yaml", """\
version: 1
functions:
  f:
    event: viewer-request
    routes:
      - { path: /a, redirect: /b }
      - { path: /b, redirect: /a }
""")
    assert main(["check", "-c", loop]) == 1
    captured = capsys.readouterr()
    assert "redirect loop" in captured.err and "check failed: 1 error(s)" in captured.out  # reported once
    invalid = write("invalid/routes.yaml", "version: 1\nfunctions:\n  f:\n    event: viewer-requets\n")
    assert main(["check", "-c", invalid]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{invalid}:4:12: error: event must be one of") and "Traceback" not in err
