"""Test cases with `tenant:` through `cfroutes test` (both engines), `cfroutes run --tenant-*`, and
the pytest plugin; a tenant never carries over from one case to the next (warm functions)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cfroutes.cli.main import main
from cfroutes.emulator import njs

CONFIG = """version: 1
functions:
  f:
    event: viewer-request
    runtime: cloudfront-js-2.0
    routes:
      - path: /a/*
        tenant: { params: { TenantPath: "*" } }
        rewrite: /{tenant.params.TenantPath}/{splat}
      - path: /who
        set_headers: { x-tenant: "{tenant.id}" }
        rewrite: /who.html
    tests:
      - name: with the parameter
        request: GET https://x.example.com/a/b
        tenant: { id: dt_1, params: { TenantPath: t1 }, endpoint: d1.cloudfront.net }
        expect: { uri: /t1/b }
      - name: the next case has no tenant (nothing carries over)
        request: GET https://x.example.com/a/b
        expect: { uri: /a/b }
      - name: the ID in a header
        request: GET https://x.example.com/who
        tenant: { id: dt_2 }
        expect: { uri: /who.html, headers: { x-tenant: dt_2 } }
      - name: no tenant, no route
        request: GET https://x.example.com/who
        expect: { uri: /who, headers: { x-tenant: null } }
"""

ENGINES = ["quickjs", pytest.param("njs", marks=pytest.mark.skipif(
    not njs.available() and not os.environ.get("CFROUTES_REQUIRE_NJS"), reason="njs is not installed"))]


@pytest.mark.parametrize("engine", ENGINES)
def test_cases_with_tenants_pass_in_both_engines(tmp_path: Path, capsys: pytest.CaptureFixture[str], engine: str) -> None:
    (tmp_path / "routes.yaml").write_text(CONFIG)
    assert main(["test", "-c", str(tmp_path / "routes.yaml"), "--engine", engine]) == 0
    assert "4 passed, 0 failed" in capsys.readouterr().out


def test_a_wrong_expectation_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "routes.yaml").write_text(CONFIG.replace("expect: { uri: /t1/b }", "expect: { uri: /t2/b }"))
    assert main(["test", "-c", str(tmp_path / "routes.yaml")]) == 1


def test_run_takes_the_tenant_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "routes.yaml").write_text(CONFIG)
    cfg = str(tmp_path / "routes.yaml")
    assert main(["run", "-c", cfg, "/a/x", "--tenant-id", "dt_9", "--tenant-param", "TenantPath=nine"]) == 0
    assert "request GET /nine/x" in capsys.readouterr().out
    assert main(["run", "-c", cfg, "/a/x"]) == 0
    assert "request GET /a/x" in capsys.readouterr().out


@pytest.mark.parametrize("tenant, message", [
    ('"dt_1"', "tenant must be a mapping"),
    ("{ params: { P: x } }", "tenant needs `id:`"),
    ("{ id: dt_1, params: [1] }", "tenant.params must be a mapping"),
    ("{ id: dt_1, nope: 1 }", "unknown key 'nope' in tenant"),
])
def test_bad_tenant_in_a_case_is_positioned(tmp_path: Path, capsys: pytest.CaptureFixture[str], tenant: str,
                                             message: str) -> None:
    (tmp_path / "routes.yaml").write_text(CONFIG.replace("tenant: { id: dt_2 }", "tenant: " + tenant))
    assert main(["test", "-c", str(tmp_path / "routes.yaml")]) == 2
    err = capsys.readouterr().err
    assert message in err and "routes.yaml:23:" in err


def test_the_pytest_plugin_runs_tenant_cases(tmp_path: Path) -> None:
    (tmp_path / "routes.yaml").write_text(CONFIG)
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path / "routes.yaml")],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0 and "5 passed" in done.stdout, done.stdout + done.stderr
