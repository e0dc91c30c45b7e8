"""Names are checked whole: `$` in a Python regex also matches before a trailing newline,
so every validation uses fullmatch or `\\Z` (a function named "f\\n" used to pass)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from _hostile import BASE, ROUTES, assert_refused, cli
from cfroutes.compiler import emit
from cfroutes.config import patterns, validator
from cfroutes.platform import headers
from cfroutes.testing import events


@pytest.mark.parametrize("yaml_name", ['"f\\n"', '"f\\r"', '"f\\t"', '"f "', '"\\nf"'])
def test_function_name_with_a_newline_refused(yaml_name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "routes.yaml"
    cfg.write_text(BASE.replace("  f:", f"  {yaml_name}:") + ROUTES)
    code, _, err = cli(["build", "-c", str(cfg), "-o", str(tmp_path / "dist")], capsys)
    assert_refused(code, err, str(cfg), "function name")
    assert not (tmp_path / "dist").exists()


def test_kvs_name_with_a_newline_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "routes.yaml"
    cfg.write_text(BASE + '    kvs: {name: "s\\n"}\n' + ROUTES)
    code, _, err = cli(["check", "-c", str(cfg)], capsys)
    assert_refused(code, err, str(cfg), "kvs.name")


def test_index_with_a_newline_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "routes.yaml"
    cfg.write_text(BASE + '    options: {index: "index.html\\n"}\n' + ROUTES)
    code, _, err = cli(["check", "-c", str(cfg)], capsys)
    assert_refused(code, err, str(cfg), "options.index")


@pytest.mark.parametrize("rx", [validator.FUNC_NAME_RE, validator.COUNTRY_RE, headers.TOKEN_RE, patterns.NAME_RE,
                                patterns._LABEL_RE, emit._IDENT, events._HOST_RE],
                         ids=lambda r: r.pattern[:30])
def test_validation_regexes_refuse_a_trailing_newline(rx: re.Pattern[str]) -> None:
    good = {validator.COUNTRY_RE.pattern: "DE", events._HOST_RE.pattern: "example.com"}.get(rx.pattern, "abc")
    assert rx.match(good), rx.pattern
    assert not rx.match(good + "\n"), rx.pattern
    assert not rx.search(good + "\n"), rx.pattern


def test_header_name_with_a_newline_in_a_case_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "routes.yaml").write_text(BASE + ROUTES)
    cases = tmp_path / "x.cases.yaml"
    cases.write_text('- request: /a\n  headers: {"x-a\\n": "1"}\n  expect: {status: 200}\n')
    code, _, err = cli(["test", "-c", str(tmp_path / "routes.yaml"), str(cases)], capsys)
    assert_refused(code, err, str(cases), "invalid header name")

