"""Colour on a terminal only: NO_COLOR, FORCE_COLOR, TERM=dumb, pipes and files (one helper, colour.py)."""
from __future__ import annotations

import io
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cfroutes.cli.main import main
from cfroutes.colour import diff_line, paint, wanted

ESC = "\x1b["


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("env, tty, want", [
    ({}, True, True),
    ({}, False, False),
    ({"NO_COLOR": "1"}, True, False),
    ({"NO_COLOR": ""}, True, True),  # set but empty: not a request (no-color.org)
    ({"FORCE_COLOR": "1"}, False, True),
    ({"FORCE_COLOR": "0"}, True, False),
    ({"NO_COLOR": "1", "FORCE_COLOR": "1"}, True, False),  # NO_COLOR wins
    ({"TERM": "dumb"}, True, False),
])
def test_the_decision(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], tty: bool, want: bool) -> None:
    for k in ("NO_COLOR", "FORCE_COLOR", "TERM"):
        monkeypatch.delenv(k, raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    assert wanted(_Tty() if tty else io.StringIO()) is want


def test_paint_and_diff_lines() -> None:
    assert paint("x", "red", False) == "x"
    assert paint("x", "red", True) == "\x1b[31mx\x1b[0m"
    assert diff_line("  - status: 302", True).startswith("\x1b[31m")
    assert diff_line("  + status: 301", True).startswith("\x1b[32m")
    assert diff_line("  request:  /a", True) == "  request:  /a"


FAILING = """\
version: 1
functions:
  site:
    event: viewer-request
    routes:
      - path: /old
        redirect: /new
    tests:
      - request: /old
        expect: { status: 302 }
"""


def test_pipes_and_captured_output_stay_plain(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    cfg = tmp_path / "routes.yaml"
    cfg.write_text(FAILING)
    assert main(["test", "-c", str(cfg)]) == 1
    out = capsys.readouterr().out
    assert ESC not in out and "0 passed, 1 failed" in out
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert main(["test", "-c", str(cfg)]) == 1
    out = capsys.readouterr().out
    assert "\x1b[31;1m0 passed, 1 failed\x1b[0m" in out and "\x1b[31m  - status: 302\x1b[0m" in out


def _on_a_terminal(args: list[str], env: dict[str, str]) -> str:
    """Run cfroutes with stdout and stderr on a pseudo-terminal; everything it printed."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "cfroutes", *args], stdout=follower, stderr=follower,
                            stdin=subprocess.DEVNULL, env=env)
    os.close(follower)
    chunks: list[bytes] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 1)
        if ready:
            try:
                data = os.read(leader, 65536)
            except OSError:  # the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        elif proc.poll() is not None:
            break
    proc.wait(timeout=10)
    os.close(leader)
    return b"".join(chunks).decode()


@pytest.mark.parametrize("no_color", [False, True])
def test_a_real_terminal_gets_colour_unless_no_color(tmp_path: Path, no_color: bool) -> None:
    cfg = tmp_path / "routes.yaml"
    cfg.write_text(FAILING.replace("redirect: /new", "redirct: /new"))
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env["TERM"] = "xterm"
    if no_color:
        env["NO_COLOR"] = "1"
    out = _on_a_terminal(["check", "-c", str(cfg)], env)
    assert "unknown key 'redirct'" in out
    assert (ESC in out) is not no_color, out
    if not no_color:
        assert "\x1b[31;1m" in out and "\x1b[31m^^^^^^^\x1b[0m" in out  # the headline and the carets
