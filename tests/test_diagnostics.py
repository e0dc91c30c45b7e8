"""Coded, ranged diagnostics: the code table, the codes the stages give, the underlined range."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from cfroutes import codes
from cfroutes.codes import Code
from cfroutes.compiler import compile_config
from cfroutes.config.load import load_config
from cfroutes.errors import Diagnostic, End, InputError, Severity, Span
from cfroutes.testing.cases import inline_cases

from tests.config.test_invalid_configs import CASES, HEAD

ROOT = Path(__file__).resolve().parents[1]


def test_codes_are_unique_stable_shaped_and_documented() -> None:
    values = [c.value for c in Code]
    assert len(values) == len(set(values))
    assert all(re.fullmatch(r"CFR\d{3}", v) for v in values)
    assert all(c.summary for c in Code)
    doc = (ROOT / "docs" / "diagnostics.md").read_text()
    assert codes.markdown() in doc, "docs/diagnostics.md is stale: paste codes.markdown() into it"


def _diags(tmp_path: Path, text: str) -> list[Diagnostic]:
    cfg = tmp_path / "routes.yaml"
    cfg.write_text(text)
    with pytest.raises(InputError) as ei:
        load_config(str(cfg))
    return ei.value.diagnostics


@pytest.mark.parametrize("text", [c[1] for c in CASES], ids=[c[0] for c in CASES])
def test_every_config_error_of_the_corpus_is_coded(tmp_path: Path, text: str) -> None:
    for d in _diags(tmp_path, text):
        assert d.code is not None and d.code is not Code.UNCODED, d.concise()


@pytest.mark.parametrize("text,code,where", [
    ("version: 1\nfunctions: [\n", Code.YAML_SYNTAX, (3, 1)),
    (HEAD + "    routes: []\n    routes: []\n", Code.YAML_DUPLICATE_KEY, (6, 5)),
    (HEAD + "    routes:\n      - path: /a\n        redirct: /b\n", Code.UNKNOWN_KEY, (7, 9)),
    (HEAD + "    routes:\n      - path: /a\n        redirect: /b\n        respond: {status: 200}\n",
     Code.ACTIONS, (8, 9)),
    (HEAD + "    routes:\n      - regex: '^/(a'\n        redirect: /b\n", Code.REGEX, (6, 16)),
    ("version: 2\nfunctions:\n  f: {event: viewer-request}\n", Code.VERSION, (1, 10)),
    (HEAD + "    routes:\n      - path: /a\n        redirect: {to: /b, status: 999}\n", Code.NOT_A_CHOICE, (7, 9)),
])
def test_stage_gives_its_code(tmp_path: Path, text: str, code: Code, where: tuple[int, int]) -> None:
    found = [(d.code, (d.span.line, d.span.col)) for d in _diags(tmp_path, text)]
    assert any(c is code and w[0] == where[0] for c, w in found), found


def test_lints_are_coded(tmp_path: Path) -> None:
    cfg = tmp_path / "routes.yaml"
    cfg.write_text(HEAD + "    routes:\n      - path: /a\n        redirect: /b\n      - path: /b\n        redirect: /a\n"
                   "      - path: /a\n        redirect: /c\n      - path: /c\n        redirect: /d\n"
                   "      - path: /d\n        redirect: /e\n")
    compiled = compile_config(str(cfg))
    got = {d.code for d in compiled.errors} | {d.code for d in compiled.warnings}
    assert Code.REDIRECT_LOOP in got and Code.UNREACHABLE_ROUTE in got and Code.REDIRECT_CHAIN in got


def test_case_errors_are_coded(tmp_path: Path) -> None:
    cfg = tmp_path / "routes.yaml"
    cfg.write_text(HEAD + "    routes:\n      - path: /a\n        redirect: /b\n    tests:\n"
                   "      - request: /a\n        expct: {status: 301}\n")
    with pytest.raises(InputError) as ei:
        inline_cases(load_config(str(cfg)))
    got = {d.code for d in ei.value.diagnostics}
    assert got == {Code.UNKNOWN_KEY, Code.CASE_EXPECT}, got


def test_the_range_is_underlined_and_the_code_shown(tmp_path: Path) -> None:
    d = next(d for d in _diags(tmp_path, HEAD + "    routes:\n      - path: /a\n        redirct: /b\n")
             if d.code is Code.UNKNOWN_KEY)
    assert d.end == End(7, 16)
    out = d.render().splitlines()
    assert out[0].endswith("error: unknown key 'redirct' in route 1  [CFR101]")
    assert out[1].endswith("|         redirct: /b")
    assert out[2].endswith("|         ^^^^^^^")  # the 7 characters of the key, not one caret


def test_a_point_gets_one_caret_and_a_multiline_range_runs_to_the_line_end(tmp_path: Path) -> None:
    src = tmp_path / "f.txt"
    src.write_text("abc def\nghi\n")
    point = Diagnostic(Span(str(src), 1, 5), "m").render().splitlines()
    assert point[2].endswith("|     ^") and point[0].endswith(": error: m")  # uncoded: no suffix
    multi = Diagnostic(Span(str(src), 1, 5), "m", end=End(2, 2)).render().splitlines()
    assert multi[2].endswith("|     ^^^")
    backwards = Diagnostic(Span(str(src), 1, 5), "m", end=End(1, 2))
    assert backwards.end is None


def test_severity_is_an_enum_and_old_strings_still_work() -> None:
    d = Diagnostic(Span("f", 1, 1), "m", severity="warning")  # type: ignore[arg-type]
    assert d.severity is Severity.WARNING and d.rule is Code.UNCODED
    assert d.concise() == "f:1:1: warning: m"
    with pytest.raises(ValueError):
        Diagnostic(Span("f", 1, 1), "m", severity="fatal")  # type: ignore[arg-type]
