"""Helpers for the hostile-input tests (imported as `_hostile`): a deadline for in-process runs (a FIFO must not hang
us) and a bounded subprocess (RLIMIT_AS + timeout) for bombs."""
from __future__ import annotations

import contextlib
import os
import re
import resource
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cfroutes.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
BASE = "version: 1\nfunctions:\n  f:\n    event: viewer-request\n"
ROUTES = "    routes:\n      - {path: /a, respond: {status: 200}}\n"
KVS_FN = BASE + "    kvs: {name: s, seed: seed.yaml}\n" + ROUTES
POSITIONED = re.compile(r"^(?P<file>[^\n]+?):(?P<line>\d+):(?P<col>\d+): error: (?P<msg>[^\n]+)$", re.M)


class Hung(BaseException):
    """Raised by `deadline` (a BaseException: code under test may catch OSError, and
    TimeoutError is one)."""


@contextlib.contextmanager
def deadline(seconds: int = 20) -> Iterator[None]:
    """Fail (instead of hanging the suite) when the block takes longer than `seconds`;
    the alarm repeats every second after that, in case the code swallows the first one."""
    def fire(*_: object) -> None:
        raise Hung(f"still running after {seconds} s")

    old = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds, 1.0)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def cli(argv: list[str], capsys: pytest.CaptureFixture[str], seconds: int = 20) -> tuple[int, str, str]:
    with deadline(seconds):
        code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def bounded(argv: list[str], *, mem_mb: int = 1024, timeout: float = 60, cwd: str | None = None
            ) -> tuple[int, str]:
    """Run `cfroutes ARGV` in a fresh process under RLIMIT_AS (address space, so a bomb
    ends in MemoryError, exit 3, instead of taking the machine) and a timeout; (exit, stderr)."""
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (mem_mb << 20, mem_mb << 20))

    env = dict(os.environ, PYTHONPATH=str(ROOT))
    p = subprocess.Popen([sys.executable, "-m", "cfroutes", *argv], cwd=cwd or str(ROOT), env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, preexec_fn=limit, text=True)
    try:
        _, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        raise AssertionError(f"cfroutes {' '.join(argv)} still running after {timeout} s") from None
    return p.returncode, err


def assert_refused(code: int, err: str, file: str | None = None, fragment: str = "") -> re.Match[str]:
    """Exit 2, a positioned first line, no traceback, no internal error, at most an excerpt after it."""
    assert code == 2, err
    assert "Traceback" not in err and "internal error" not in err, err
    m = POSITIONED.search(err)
    assert m is not None and err.startswith(m.group(0)), err
    if file is not None:
        assert m.group("file") == file, err
    assert fragment in m.group("msg"), err
    return m
