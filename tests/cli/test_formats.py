"""`check|test --format json|github|junit`: what CI reads, positioned and coded."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cfroutes.cli.formats import github_data, github_property
from cfroutes.cli.main import main

XSD = Path(__file__).parent / "junit.xsd"

CONFIG = """\
version: 1
functions:
  site:
    event: viewer-request
    routes:
      - path: /old
        redirect: /new
    tests:
      - name: old goes to new
        request: /old
        expect: { status: 301, location: /new }
      - name: wrong on purpose
        request: /old
        expect: { status: 302 }
"""
INVALID = "version: 1\nfunctions:\n  site:\n    event: viewer-request\n    routes:\n      - path: /a\n        redirct: /b\n"


def _run(tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, *args: str) -> tuple[int, str, str]:
    cfg = tmp_path / "routes.yaml"
    cfg.write_text(text)
    code = main([*args, "-c", str(cfg)])
    out, err = capsys.readouterr()
    return code, out, err


GITHUB = re.compile(r"^::(error|warning) file=([^,]*),line=(\d+),col=(\d+)(?:,endLine=(\d+),endColumn=(\d+))?,"
                    r"title=(CFR\d{3})::(.*)$")


def test_github_escaping_follows_the_workflow_command_rules() -> None:
    assert github_data("50% done\r\nnext") == "50%25 done%0D%0Anext"
    assert github_property("a:b,c%d\n") == "a%3Ab%2Cc%25d%0A"
    # data cannot start a second command or colour the log
    assert "\n" not in github_data("x\n::error file=evil::pwned") and "\x1b" not in github_data("\x1b[31mred")


@pytest.mark.parametrize("command", ["check", "test"])
def test_github_annotations_point_at_the_failing_case(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                      command: str) -> None:
    code, out, _ = _run(tmp_path, capsys, CONFIG, command, "--format", "github")
    assert code == 1
    lines = out.splitlines()
    assert len(lines) == 1, out  # passing cases are not annotated
    m = GITHUB.match(lines[0])
    assert m, lines[0]
    level, file, line, col, _, _, title, message = m.groups()
    assert (level, file, line, col, title) == ("error", str(tmp_path / "routes.yaml"), "12", "9", "CFR510")
    assert message.startswith("routes.yaml:12:9 site: wrong on purpose: status expected 302, got 301".replace(
        "routes.yaml", str(tmp_path / "routes.yaml"))) and "%0A" in message


def test_github_annotations_of_invalid_input_carry_the_range(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(tmp_path, capsys, INVALID, "check", "--format", "github")
    assert code == 2
    found = [GITHUB.match(x).groups() for x in out.splitlines()]  # type: ignore[union-attr]
    unknown = next(g for g in found if g[6] == "CFR101")
    # `redirct` is columns 9..15: GitHub's endColumn is the last column of the range
    assert unknown[1:6] == (str(tmp_path / "routes.yaml"), "7", "9", "7", "15")
    assert unknown[7] == "unknown key 'redirct' in route 1%0Ahelp: did you mean 'redirect'?"


@pytest.mark.parametrize("command", ["check", "test"])
def test_json_is_a_list_of_coded_positioned_records(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                    command: str) -> None:
    code, out, _ = _run(tmp_path, capsys, CONFIG, command, "--format", "json")
    assert code == 1
    records = json.loads(out)
    tests = [r for r in records if r["type"] == "test"]
    assert [(r["name"], r["outcome"], r["code"], r["line"]) for r in tests] == [
        ("old goes to new", "passed", None, 9), ("wrong on purpose", "failed", "CFR510", 12)]
    assert tests[1]["mismatches"] == [{"field": "status", "expected": "302", "actual": "301"}]
    code, out, _ = _run(tmp_path, capsys, INVALID, command, "--format", "json")
    assert code == 2
    unknown = next(r for r in json.loads(out) if r["code"] == "CFR101")
    assert (unknown["line"], unknown["col"], unknown["end_line"], unknown["end_col"]) == (7, 9, 7, 16)
    assert unknown["severity"] == "error" and unknown["hint"] == "did you mean 'redirect'?"


def test_check_json_carries_warnings_and_passes_without_strict(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    text = CONFIG.replace("      - path: /old\n        redirect: /new\n",
                          "      - path: /old\n        redirect: /new\n      - path: /old\n        redirect: /x\n")
    text = text[:text.index("      - name: wrong")]
    code, out, _ = _run(tmp_path, capsys, text, "check", "--format", "json")
    assert code == 0
    warning = next(r for r in json.loads(out) if r["type"] == "diagnostic")
    assert (warning["severity"], warning["code"], warning["line"]) == ("warning", "CFR301", 8)
    assert _run(tmp_path, capsys, text, "check", "--strict", "--format", "json")[0] == 1


def _schema():  # noqa: ANN202 - xmlschema is untyped
    xmlschema = pytest.importorskip("xmlschema", reason="pip install -e '.[test]' (xmlschema validates JUnit XML)")
    return xmlschema.XMLSchema(str(XSD))


def test_junit_validates_and_shows_the_failure(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    schema = _schema()
    code, out, _ = _run(tmp_path, capsys, CONFIG, "test", "--format", "junit")
    assert code == 1
    schema.validate(out)
    import xml.etree.ElementTree as ET

    suite = ET.fromstring(out).find("testsuite")
    assert suite is not None and (suite.get("tests"), suite.get("failures")) == ("2", "1")
    failure = suite.find("testcase[@name='wrong on purpose']/failure")
    assert failure is not None and failure.get("type") == "CFR510"
    assert "- status: 302" in (failure.text or "") and "+ status: 301" in (failure.text or "")
    assert suite.find("testcase[@name='old goes to new']/failure") is None
    code, out, _ = _run(tmp_path, capsys, INVALID, "test", "--format", "junit")
    assert code == 2
    schema.validate(out)
    assert ET.fromstring(out).find("testsuite/testcase/failure[@type='CFR101']") is not None


def test_the_schema_describes_what_pytest_itself_writes(tmp_path: Path) -> None:
    schema = _schema()
    (tmp_path / "test_x.py").write_text("def test_ok():\n    pass\n\ndef test_bad():\n    assert 1 == 2\n")
    out = tmp_path / "pytest.xml"
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:cfroutes",
                    f"--junitxml={out}", str(tmp_path / "test_x.py")], cwd=tmp_path, capture_output=True, timeout=120)
    schema.validate(str(out))
    # and the schema is not permissive: a testcase without a name is refused
    assert not schema.is_valid('<testsuites><testsuite name="s" tests="1" failures="0" errors="0">'
                               '<testcase classname="c"/></testsuite></testsuites>')


def test_junit_is_for_test_only_and_remote_has_no_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        _run(tmp_path, capsys, CONFIG, "check", "--format", "junit")
    assert exit_info.value.code == 2
    code, _, err = _run(tmp_path, capsys, CONFIG, "test", "--remote", "--format", "json")
    assert code == 2 and "--format json applies to local tests" in err
