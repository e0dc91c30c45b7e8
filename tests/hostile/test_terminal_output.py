"""Data never reaches the terminal raw: `cfroutes run` output and test failure diffs show
control characters, ESC and bidi controls as escapes."""
from __future__ import annotations

from pathlib import Path

import pytest
from _hostile import BASE, cli
from cfroutes.terminal import escape_lines, escape_terminal

EVIL = "\x1b]0;pwned\x07\x1b[2J\u202e\x9b31m\r"


def test_escape_terminal() -> None:
    assert escape_terminal("ok é 😀 \\ /") == "ok é 😀 \\ /"
    out = escape_terminal("a" + EVIL + "\tb\n\x7f")
    assert out == "a\\x1b]0;pwned\\x07\\x1b[2J\\u202e\\x9b31m\\r\\tb\\n\\x7f"
    assert out.isprintable()
    assert escape_lines("a\x1b\nb") == "a\\x1b\nb"


def _cfg(tmp_path: Path) -> Path:
    cfg = tmp_path / "routes.yaml"
    cfg.write_text(BASE + "    kvs: {name: s}\n    routes:\n"
                   "      - path: /t/:k\n        lookup: {key: '{k}', as: v}\n"
                   "        rewrite: /t\n        set_headers: {x-v: '{v}'}\n"
                   "      - path: /*\n        rewrite: '/x/{splat}'\n")
    return cfg


def test_run_escapes_data_from_the_store_and_the_request(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = _cfg(tmp_path)
    # C1 controls (0x9b is an 8-bit CSI) and bidi overrides are valid in a KVS value
    code, out, err = cli(["run", "-c", str(cfg), "/t/a", "--kvs", "a=x\u202e\x9b2J"], capsys)
    assert code == 0, out + err
    assert "\u202e" not in out + err and "\x9b" not in out + err, out
    assert "x\\u202e\\x9b2J" in out, out
    code, out, err = cli(["run", "-c", str(cfg), "/t/a", "--kvs", "a=" + EVIL], capsys)
    assert "\x1b" not in out + err and "\x07" not in out + err and "\u202e" not in out and "\x9b" not in out
    code, out, err = cli(["run", "-c", str(cfg), "/%1B%5B2J/%E2%80%AE", "-H", "x-a: \x1b[31m"], capsys)
    assert "\x1b" not in out + err and "\u202e" not in out + err, out


def test_test_diff_escapes_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = _cfg(tmp_path)
    cases = tmp_path / "x.cases.yaml"
    cases.write_text('- name: "evil \\e]0;title\\a \\u202e"\n  request: /t/a\n  kvs: {a: "\\e[2J\\u202e\\x9b"}\n'
                     '  expect: {status: 200, body: "no"}\n')
    code, out, err = cli(["test", "-c", str(cfg), str(cases)], capsys)
    assert code == 1, out + err
    assert "FAIL" in out and "\x1b" not in out + err and "\u202e" not in out and "\x9b" not in out and "\x07" not in out
    assert "\\x1b" in out or "\\u001b" in out, out
