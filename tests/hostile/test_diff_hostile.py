"""`cfroutes diff` on hostile input: a log of many short unreadable lines keeps only the
examples shown and a count (bounded memory, measured in a child process), and a huge `--base` is
not echoed whole."""
from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from _hostile import ROOT, assert_refused, bounded
from cfroutes.diff import logs

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")

CONFIG = "version: 1\nfunctions:\n  f:\n    event: viewer-request\n    routes:\n      - {path: /a, respond: {status: 200}}\n"
FIELDS = "date time cs-method cs-uri-stem sc-status cs-uri-query x-host-header"
GOOD = "\t".join(["2026-11-30", "12:00:00", "GET", "/a", "200", "-", "x.test"])


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    (tmp_path / "routes.yaml").write_text(CONFIG)
    for args in (["init", "-q"], ["add", "."], ["commit", "-qm", "base"]):
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=tmp_path, check=True,
                       capture_output=True)
    return tmp_path


def _bad_log(path: Path, bad_lines: int) -> None:
    """One good request and `bad_lines` short lines that are not log entries, gzipped."""
    with gzip.open(path, "wb", compresslevel=6) as g:
        g.write(f"#Version: 1.0\n#Fields: {FIELDS}\n{GOOD}\n".encode())
        for start in range(0, bad_lines, 50_000):
            g.write("".join(f"x{i % 7}\n" for i in range(start, min(start + 50_000, bad_lines))).encode())


def _run_measured(argv: list[str], cwd: Path, timeout: float = 120) -> tuple[int, float, str]:
    """Exit code, peak RSS in MB of the child alone (wait4's rusage), and its stdout+stderr."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    with open(cwd / "out.txt", "w+") as out:
        p = subprocess.Popen([sys.executable, "-m", "cfroutes", *argv], cwd=cwd, env=env, stdout=out,
                             stderr=subprocess.STDOUT)
        timer = threading.Timer(timeout, p.kill)  # bounded time
        timer.start()
        try:
            _, status, usage = os.wait4(p.pid, 0)
        finally:
            killed = not timer.is_alive()
            timer.cancel()
        assert not killed, f"cfroutes {' '.join(argv)} still running after {timeout} s"
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        return p.returncode, usage.ru_maxrss / 1024, out.read()


def test_bad_lines_keep_examples_and_a_count(tmp_path: Path) -> None:
    log = tmp_path / "bad.log.gz"
    _bad_log(log, logs.MAX_BAD_LINES)
    bad = logs.BadLines()
    requests = list(logs.read(str(log), bad))
    assert [r.uri for r in requests] == ["/a"]
    assert len(bad) == 100_000
    assert len(bad.examples) == logs.MAX_ERRORS_SHOWN == len(bad[:1000])
    assert [b.line for b in bad] == list(range(4, 4 + logs.MAX_ERRORS_SHOWN))


@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss in KiB and wait4 as on Linux")
def test_a_small_gzip_of_bad_lines_stays_in_bounded_memory(repo: Path) -> None:
    small, many, bomb = repo / "small.log.gz", repo / "many.log.gz", repo / "bomb.log.gz"
    _bad_log(small, 100)
    _bad_log(many, 90_000)  # kept whole, 90,000 BadLine records were ~22 MB more
    _bad_log(bomb, 2_000_000)  # 0.2 MB of gzip, 6 MB of short bad lines
    code, base_rss, out = _run_measured(["diff", "-c", "routes.yaml", "--base", "HEAD", "--log", str(small)], repo)
    assert code == 0, out
    code, rss, out = _run_measured(["diff", "-c", "routes.yaml", "--base", "HEAD", "--log", str(many)], repo)
    assert code == 0, out
    assert "Traceback" not in out
    assert "... and 89,980 more skipped log lines" in out
    assert "90,000 log line(s) skipped" in out
    assert rss < base_rss + 10, (base_rss, rss)
    code, rss, out = _run_measured(["diff", "-c", "routes.yaml", "--base", "HEAD", "--log", str(bomb)], repo)
    assert_refused(code, out, file=str(bomb), fragment=f"more than {logs.MAX_BAD_LINES:,} unreadable lines")
    assert rss < base_rss + 10, (base_rss, rss)


def test_a_huge_base_is_not_echoed_whole(repo: Path) -> None:
    base = "a" * 100_000
    code, err = bounded(["diff", "-c", str(repo / "routes.yaml"), "--base", base], timeout=60)
    assert_refused(code, err, fragment="is 100,000 characters")
    assert len(err) < 1000, len(err)
    code, err = bounded(["diff", "-c", str(repo / "routes.yaml"), "--base", "b" * 3000], timeout=60)
    assert_refused(code, err, fragment="is not a commit of this repository")
    assert "b" * 61 not in err
