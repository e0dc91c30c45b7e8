"""`cfroutes test|check --engine njs|both`: the example config and the test configs through njs."""
from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cfroutes.cli.check import check
from cfroutes.cli.main import main
from cfroutes.cli.test import test as cfroutes_test
from cfroutes.compiler import compile_config
from cfroutes.testing.runner import Runner
from cfroutes.testing.session import collect

ROOT = Path(__file__).resolve().parents[2]
Write = Callable[[str, str], str]
# A redirect keeps the query string: with array-index keys ("10", "0") QuickJS rebuilds it in
# spec order (indices first), njs 0.7.9 in the order of the request (docs/fidelity.md ("njs as a second engine")).
KEY_ORDER = """\
    tests:
      - name: plain query
        request: /old-blog/x?b=1&a=2
        expect: { status: 301, location: /blog/x?b=1&a=2 }
      - name: index keys
        request: /old-blog/x?10=a&0=b
        expect: { status: 301 }
"""


def test_example_config_checks_in_both_engines(njs: Any) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert check(str(ROOT / "routes.yaml"), strict=False, engine="both", stdout=out, stderr=err) == 0, out.getvalue()
    assert "in QuickJS and njs" in out.getvalue() and "check passed" in out.getvalue()


def test_fixture_config_tests_in_both_engines(njs: Any, site: str) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert cfroutes_test(site, [], engine="both", stdout=out, stderr=err) == 0, out.getvalue()
    assert out.getvalue().endswith(" failed\n") and ", 0 failed" in out.getvalue()


@pytest.mark.parametrize("config", ["routes.yaml", "tests/testing/fixtures/site.yaml"])
def test_njs_answers_each_case_like_quickjs(njs: Any, config: str, tmp_path: Path) -> None:
    """Case by case: the same outcome in both engines (not only the same verdict)."""
    compiled = compile_config(str(ROOT / config))
    suite = collect(compiled, None)
    assert suite
    runner = Runner(compiled)
    got = runner.njs_invocations(suite)
    for case, n in zip(suite, got, strict=True):
        assert njs.same_outcome(runner.invoke(case), n), case.name
    assert runner.njs_load_errors() == []


def test_both_shows_a_divergence_with_both_outcomes(njs079: Any, write: Write, one_function: str) -> None:
    path = write("routes.yaml", one_function + KEY_ORDER)
    out, err = io.StringIO(), io.StringIO()
    assert cfroutes_test(path, [], engine="quickjs", stdout=out, stderr=err) == 0
    assert cfroutes_test(path, [], engine="njs", stdout=io.StringIO(), stderr=err) == 0
    out = io.StringIO()
    assert cfroutes_test(path, [], engine="both", stdout=out, stderr=err) == 1
    text = out.getvalue()
    assert text.startswith(f"FAIL {path}:")
    assert ("site: index keys: the engines differ: quickjs: response 301 location /blog/x?0=b&10=a; "
            "njs: response 301 location /blog/x?10=a&0=b\n") in text
    assert "\n  quickjs: response 301 location /blog/x?0=b&10=a\n  njs:     response 301 location /blog/x?10=a&0=b\n" in text
    assert text.endswith("1 passed, 1 failed\n")


def test_check_reports_a_function_njs_does_not_load(njs: Any, write: Write, one_function: str,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    path = write("routes.yaml", one_function)
    monkeypatch.setattr(njs, "load_error", lambda prepared, kvs=None: "SyntaxError: await in arguments not supported (at x:1)")
    out = io.StringIO()
    assert check(path, strict=False, engine="njs", stdout=out, stderr=io.StringIO()) == 1
    text = out.getvalue()
    assert "FAIL dist/site.js: njs does not load it: SyntaxError: await in arguments not supported" in text
    assert "check failed: 1 function(s) njs does not load" in text


def test_main_passes_the_engine(njs079: Any, write: Write, one_function: str, capsys: pytest.CaptureFixture[str]) -> None:
    path = write("routes.yaml", one_function + KEY_ORDER)
    assert main(["test", "-c", path, "--engine", "njs"]) == 0
    assert main(["test", "-c", path, "--engine", "both"]) == 1
    assert main(["check", "-c", path, "--engine", "njs"]) == 0
    assert "in njs" in capsys.readouterr().out
