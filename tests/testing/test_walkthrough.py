"""A new user's loop: write a failing case, read the diff, fix the route, see it pass.

Run through each of `cfroutes test`, `cfroutes check` and pytest.
"""
from __future__ import annotations

import importlib.metadata

import cfroutes.testing.pytest_plugin  # noqa: F401  (loaded before pytester snapshots sys.modules)
import cfroutes.testing.runner  # noqa: F401
import pytest
from cfroutes.cli.main import main

pytest_plugins = ["pytester"]

BEFORE = """\
version: 1
functions:
  site:
    event: viewer-request
    routes:
      - name: pricing
        path: /pricing
        redirect: /plans
    tests:
      - name: old pricing page
        request: GET https://example.com/pricing?ref=ad
        expect: { status: 301, location: /plans?ref=ad }
      - name: features moved
        request: /features
        expect: { status: 308, location: /product }
"""
FIXED = BEFORE.replace("""        redirect: /plans
""", """        redirect: /plans
      - name: features
        path: /features
        redirect: { to: /product, status: 308 }
""")


def _plugin_args() -> list[str]:
    names = {ep.name for ep in importlib.metadata.entry_points(group="pytest11")}
    return [] if "cfroutes" in names else ["-p", "cfroutes.testing.pytest_plugin"]


def test_fail_then_fix(pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]) -> None:
    routes = pytester.path / "routes.yaml"
    routes.write_text(BEFORE)

    # 1. the new case fails, and says why and where
    assert main(["test", "-c", str(routes)]) == 1
    out = capsys.readouterr().out
    assert f"FAIL {routes}:13:9 site: features moved: status expected 308, got (none: request GET /features goes on to the origin)" in out
    assert "  route:    (no route matched" in out
    assert '  - location: "/product"\n  + location: (none: request GET /features goes on to the origin)\n' in out
    assert out.endswith("1 passed, 1 failed\n")
    assert main(["check", "-c", str(routes)]) == 1
    assert "check failed: 1 failed test(s)" in capsys.readouterr().out
    result = pytester.runpytest(*_plugin_args())
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*- status:   308", "*+ status:   (none: request GET /features goes on to the origin)"])

    # 2. add the route: everything passes
    capsys.readouterr()  # drop the inner pytest run's report
    routes.write_text(FIXED)
    assert main(["test", "-c", str(routes)]) == 0
    assert capsys.readouterr().out == "2 passed, 0 failed\n"
    assert main(["check", "-c", str(routes)]) == 0
    assert "check passed: 1 function(s)" in capsys.readouterr().out
    pytester.runpytest(*_plugin_args()).assert_outcomes(passed=3)
