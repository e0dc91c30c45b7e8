"""`cfroutes test --watch` in a real process: edits to the config, a seed and a cases file rerun
the affected cases; invalid input keeps the watch alive; Ctrl-C (SIGINT) exits 130 cleanly."""
from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from cfroutes.cli.main import main

CONFIG = """\
version: 1
functions:
  site:
    event: viewer-request
    runtime: cloudfront-js-2.0
    kvs: { name: s, seed: data/seed.json }
    routes:
      - path: /go/:slug
        lookup: { key: "{slug}", as: dest }
        redirect: "/{dest}"
    tests:
      - name: go home
        request: /go/home
        expect: { status: 301, location: /home }
  other:
    event: viewer-request
    routes:
      - path: /old
        redirect: /new
    tests:
      - name: old to new
        request: /old
        expect: { status: 301, location: /new }
"""
CASES = """\
- name: from the file
  function: other
  request: /old
  expect: { status: 301, location: /new }
"""


class Proc:
    def __init__(self, cwd: Path) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env.pop("FORCE_COLOR", None)
        self.p = subprocess.Popen([sys.executable, "-m", "cfroutes", "test", "--watch"], cwd=cwd, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        self.err: list[str] = []
        threading.Thread(target=self._pump, args=(self.p.stdout, self.lines.put), daemon=True).start()
        threading.Thread(target=self._pump, args=(self.p.stderr, self.err.append), daemon=True).start()

    @staticmethod
    def _pump(stream, put) -> None:  # noqa: ANN001 - a text stream and a callback
        for line in stream:
            put(line)

    def until(self, marker: str, seconds: float = 60) -> list[str]:
        """The lines printed up to the one containing `marker` (fails after `seconds`)."""
        got: list[str] = []
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                assert self.p.poll() is None, f"watch exited {self.p.returncode}: {''.join(got + self.err)}"
                continue
            got.append(line)
            if marker in line:
                return got
        raise AssertionError(f"no {marker!r} within {seconds}s: {''.join(got)}{''.join(self.err)}")


def _edit(path: Path, text: str) -> None:
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text)
    if path.stat().st_mtime_ns == before:  # a coarse clock: make the change visible
        os.utime(path, ns=(before + 1_000_000, before + 1_000_000))


def test_watch_reruns_what_changed_and_stops_cleanly(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "routes.yaml").write_text(CONFIG)
    seed = tmp_path / "data" / "seed.json"
    seed.write_text('{"home": "home"}')
    cases = tmp_path / "more.cases.yaml"
    cases.write_text(CASES)
    w = Proc(tmp_path)
    try:
        first = "".join(w.until("waiting for changes"))
        assert "watch: all cases: 3 case(s)" in first and "3 passed, 0 failed" in first

        _edit(seed, '{"home": "elsewhere"}')  # a seed outside kvs/: only the cases of `site`
        out = "".join(w.until("waiting for changes"))
        assert "watch: data/seed.json: 1 case(s)" in out, out
        assert 'location expected "/home", got "/elsewhere"' in out and "0 passed, 1 failed" in out

        _edit(cases, CASES.replace("location: /new", "location: /newer"))  # that file's cases only
        out = "".join(w.until("waiting for changes"))
        assert "watch: more.cases.yaml: 1 case(s)" in out and "0 passed, 1 failed" in out, out

        _edit(tmp_path / "routes.yaml", CONFIG.replace("redirect: /new", "redirct: /new"))  # mid-edit
        out = "".join(w.until("invalid input"))
        time.sleep(0.5)
        assert w.p.poll() is None and any("unknown key 'redirct'" in x for x in w.err)

        _edit(tmp_path / "routes.yaml", CONFIG)  # saved again: everything reruns
        out = "".join(w.until("waiting for changes"))
        assert "watch: routes.yaml: 3 case(s)" in out and "1 passed, 2 failed" in out, out
    finally:
        w.p.send_signal(signal.SIGINT)
        try:
            code = w.p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            w.p.kill()
            raise
    assert code == 130
    time.sleep(0.2)
    assert "Traceback" not in "".join(w.err)


@pytest.mark.parametrize("extra", [["--format", "json"], ["--coverage"], ["--remote"]])
def test_watch_is_local_and_text(tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str]) -> None:
    (tmp_path / "routes.yaml").write_text(CONFIG.split("  other:")[0].replace("kvs: { name: s, seed: data/seed.json }",
                                                                             "kvs: { name: s }"))
    assert main(["test", "--watch", "-c", str(tmp_path / "routes.yaml"), *extra]) == 2
    assert "--watch runs the cases locally in text" in capsys.readouterr().err
