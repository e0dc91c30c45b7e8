"""Test cases of connection-request (mTLS) functions: `connection: {...}` with defaults and
`expect: {allow, log}`, through `cfroutes test` (both engines), coverage, `cfroutes run`, the
report and the pytest plugin; mistakes in such cases are positioned."""
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
  mtls:
    event: connection-request
    kvs: {name: revoked, seed: revoked.yaml}
    routes:
      - name: no-cert
        clientCertificate: false
        deny: true
      - name: revoked
        lookup: {key: "{serialNumber}"}
        log: "revoked {serialNumber}"
        deny: true
      - name: office
        clientIp: [203.0.113.0/24]
        subject: {O: Example Corp}
        allow: true
      - name: default
        deny: true
    tests:
      - name: revoked
        connection: {serialNumber: "4A:3F", subject: "CN=a,O=Example Corp", clientIp: 203.0.113.5}
        expect: {allow: false, log: ["revoked 4a3f"]}
      - name: no certificate
        connection: {clientCertificate: false}
        expect: {allow: false}
      - name: office
        connection: {clientIp: 203.0.113.5, subject: "CN=a,O=Example Corp"}
        expect: {allow: true}
      - name: revoked by the case's store
        connection: {clientIp: 203.0.113.5, subject: "CN=a,O=Example Corp"}
        kvs: {"01": "revoked"}
        expect: {allow: false}
      - name: outsider
        connection: {clientIp: 198.51.100.1}
        expect: {allow: false}
"""
SEED = '"4a3f": revoked\n'
ENGINES = ["quickjs", pytest.param("njs", marks=pytest.mark.skipif(
    not njs.available() and not os.environ.get("CFROUTES_REQUIRE_NJS"), reason="njs is not installed"))]


def setup(tmp_path: Path, config: str = CONFIG) -> str:
    (tmp_path / "revoked.yaml").write_text(SEED)
    (tmp_path / "routes.yaml").write_text(config)
    return str(tmp_path / "routes.yaml")


@pytest.mark.parametrize("engine", ENGINES)
def test_connection_cases_pass_and_cover_every_route(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                     engine: str) -> None:
    cfg = setup(tmp_path)
    assert main(["test", "-c", cfg, "--engine", engine, "--fail-under", "100"]) == 0
    out = capsys.readouterr().out
    assert "5 passed" in out and "mtls: 4/4 routes" in out


def test_a_wrong_expectation_fails_with_the_deciding_route(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = setup(tmp_path, CONFIG.replace("expect: {allow: true}", "expect: {allow: false}").replace(
        'log: ["revoked 4a3f"]', 'log: ["other"]'))
    assert main(["test", "-c", cfg]) == 1
    out = capsys.readouterr().out
    assert "office: allow expected false, got true" in out and "route:    office (routes.yaml:14)" in out
    assert 'revoked: log expected ["other"], got ["revoked 4a3f"]' in out


@pytest.mark.parametrize("case, line, text", [
    ("      - connection: {clientIp: 1.2.3.4}\n        expect: {status: 200}\n", 38,
     "expect.status does not apply to a connection-request function"),
    ("      - request: GET /\n        expect: {allow: true}\n", 37, "`request` does not apply"),
    ("      - connection: {clientCertificate: false, subject: CN=x}\n        expect: {allow: true}\n", 37,
     "with certificate fields"),
    ("      - connection: {clientIp: 1.2.3.4, port: 3}\n        expect: {allow: true}\n", 37, "unknown key 'port'"),
    ("      - connection: {}\n        expect: {allow: maybe}\n", 38, "must be true or false"),
])
def test_mistakes_in_connection_cases_are_positioned(tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str,
                                                     line: int, text: str) -> None:
    cfg = setup(tmp_path, CONFIG + case)
    assert main(["test", "-c", cfg]) == 2
    err = capsys.readouterr().err
    assert f"routes.yaml:{line}:" in err and text in err, err


def test_a_connection_case_on_a_viewer_function_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "routes.yaml").write_text("version: 1\nfunctions:\n  v:\n    event: viewer-request\n    routes:\n"
                                          "      - path: /a\n        rewrite: /b\n    tests:\n"
                                          "      - connection: {clientIp: 1.2.3.4}\n        expect: {allow: true}\n")
    assert main(["test", "-c", str(tmp_path / "routes.yaml")]) == 2
    assert "`connection` is for connection-request functions" in capsys.readouterr().err


def test_run_takes_connection_fields(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = setup(tmp_path)
    assert main(["run", "-c", cfg, "clientIp=203.0.113.5 'subject=CN=a,O=Example Corp'"]) == 0
    out = capsys.readouterr().out
    assert "route:    office" in out and "outcome:  connection allowed" in out
    assert main(["run", "-c", cfg, "clientCertificate=false"]) == 0
    assert "route:    no-cert" in capsys.readouterr().out
    assert main(["run", "-c", cfg, "port=3"]) == 2
    assert "'port=3' is not field=value" in capsys.readouterr().err


def test_the_report_lists_the_connection_routes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = setup(tmp_path)
    out = tmp_path / "report.html"
    assert main(["report", "-c", cfg, "-o", str(out)]) == 0
    html = out.read_text()
    assert "KVS key {serialNumber} exists" in html and "clientIp in 203.0.113.0/24" in html
    assert "deny; log revoked {serialNumber}" in html


def test_the_pytest_plugin_runs_connection_cases(tmp_path: Path) -> None:
    setup(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "routes.yaml"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "passed" in proc.stdout and "failed" not in proc.stdout


@pytest.mark.skipif(not __import__("shutil").which("git"), reason="git not installed")
def test_diff_groups_connection_cases_whose_decision_changes(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = setup(tmp_path)
    monkeypatch.chdir(tmp_path)
    git = ["git", "-c", "user.email=t@example.com", "-c", "user.name=t"]
    for cmd in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "base"]):
        subprocess.run(git + cmd, cwd=tmp_path, check=True, capture_output=True)
    Path(cfg).write_text(CONFIG.replace("        subject: {O: Example Corp}\n        allow: true",
                                        "        subject: {O: Example Corp}\n        deny: true"))
    assert main(["diff", "-c", cfg, "--base", "HEAD"]) in (0, 1)
    out = capsys.readouterr().out
    assert "mtls: route 'office' (line 14): connection allow -> connection deny" in out
