"""A backtracking regex route and a long path hung every command that runs the reference
model (`check`, `build`, `build --check`, `test --coverage`, `report`, `pytest --cfroutes-coverage`).
Every regex execution now goes through `emulator/jsregex.py` (bounded in time and memory); an
overrun is a positioned warning at the regex's route."""
from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from cfroutes import reference
from cfroutes.config.load import load_config
from cfroutes.emulator import jsregex, watchdog

ROOT = Path(__file__).resolve().parents[2]
LONG = "/" + "a" * 42 + "!"
REDOS = f"""\
version: 1
functions:
  f:
    event: viewer-request
    routes:
      - {{regex: "^/(a+)+$", respond: {{status: 200}}}}
      - {{path: {LONG}, respond: {{status: 201}}}}
    tests:
      - {{name: long, request: {LONG}, expect: {{status: 201}}}}
"""
WARNING = "routes.yaml:6:9: warning: the regex /^/(a+)+$/ ran out of time"
BOUND = 120  # seconds: a hang is what this catches, not a speed (normally under 15 s)


def _run(args: list[str], cwd: Path) -> tuple[int, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    try:
        p = subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True,
                           timeout=BOUND)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"{' '.join(args)} still running after {BOUND} s") from None
    return p.returncode, p.stdout + p.stderr


def _plugin() -> list[str]:
    names = {ep.name for ep in importlib.metadata.entry_points(group="pytest11")}
    return [] if "cfroutes" in names else ["-p", "cfroutes.testing.pytest_plugin"]


COMMANDS = {
    "check": ["-m", "cfroutes", "check"],
    "build": ["-m", "cfroutes", "build"],
    "build --check": ["-m", "cfroutes", "build", "--check"],
    "test --coverage": ["-m", "cfroutes", "test", "--coverage"],
    "report": ["-m", "cfroutes", "report", "-o", "-"],
    "pytest --cfroutes-coverage": ["-m", "pytest", "-p", "no:cacheprovider", *_plugin(), "--cfroutes-coverage",
                                   "routes.yaml"],
}


@pytest.mark.parametrize("command", list(COMMANDS))
def test_redos_route_and_long_path_end_with_a_positioned_warning(tmp_path: Path, command: str) -> None:
    (tmp_path / "routes.yaml").write_text(REDOS)
    if command == "build --check":
        code, out = _run(COMMANDS["build"], tmp_path)
        assert code == 0, out
    code, out = _run(COMMANDS[command], tmp_path)
    assert "Traceback" not in out and "internal error" not in out, out
    assert WARNING in out, out  # (the report page lists it among the lint warnings)
    # the emulator ran the case too (bounded by its watchdog): the edge would time out as well
    if command in ("check", "test --coverage", "pytest --cfroutes-coverage"):
        assert "time limit exceeded" in out, out
        assert code != 0
    else:
        assert code == 0, out


def test_overrun_is_raised_once_then_remembered() -> None:
    text = "/" + "b" * 41 + "!"
    with pytest.raises(jsregex.Overrun) as first:
        jsregex.exec_regex("^/(b+)+$", "", text)
    assert first.value.reason.startswith("ran out of time")
    with pytest.raises(jsregex.Overrun):  # not run again (memoized)
        jsregex.exec_regex("^/(b+)+$", "", text)
    # the engine is replaced, and goes on answering
    assert jsregex.exec_regex("^/x/([a-z]+)$", "", "/x/abc") == ("/x/abc", "abc")
    assert jsregex.exec_regex("^/(b+)+$", "", "/bb") == ("/bb", "bb")


def test_compile_check_goes_through_the_same_engine() -> None:
    assert jsregex.compile_error("(") is not None and jsregex.compile_error("a") is None


def test_reference_model_says_which_route(tmp_path: Path) -> None:
    (tmp_path / "routes.yaml").write_text(REDOS)
    fn = load_config(str(tmp_path / "routes.yaml")).functions[0]
    event = {"version": "1.0", "context": {"eventType": "viewer-request"},
             "request": {"method": "GET", "uri": "/" + "a" * 41 + "!", "querystring": {}, "headers": {},
                         "cookies": {}}}
    with pytest.raises(jsregex.Overrun) as exc:
        reference.evaluate(fn, event)
    assert exc.value.rule is fn.routes[0]


def test_threads_share_the_engine_safely() -> None:
    """`cfroutes serve` evaluates from handler threads: one context, entered by one thread at a time."""
    errors: list[BaseException] = []

    def work(k: int) -> None:
        try:
            for i in range(300):
                text = f"/t{k}/{i}"
                assert jsregex.exec_regex("^/t([0-9]+)/([0-9]+)$", "", text) == (text, str(k), str(i))
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors


@pytest.mark.skipif(not watchdog.enabled(), reason="no os.fork: the watchdog is off on this platform")
def test_watchdog_fallback_gives_the_same_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where the binding's regex engine ignores the interrupt, each call goes to the watchdog's worker."""
    monkeypatch.setattr(jsregex, "_in_process", lambda: False)
    jsregex._memo.cache_clear()
    assert jsregex.exec_regex("^/w/([a-z]+)$", "i", "/W/Abc") == ("/W/Abc", "Abc")
    assert jsregex.exec_regex("^/w/", "", "/x") is None
    with pytest.raises(jsregex.Overrun):
        jsregex.exec_regex("^/(d+)+$", "", "/" + "d" * 41 + "!")
    jsregex._memo.cache_clear()


def test_lint_skips_a_route_once_its_regex_ran_out(tmp_path: Path) -> None:
    """One overrun per regex route, however many later routes send it long samples (bounded lint)."""
    from cfroutes.compiler import compile_config

    exact = "".join(f"      - {{path: /{'a' * (40 + i)}!, respond: {{status: 201}}}}\n" for i in range(6))
    (tmp_path / "routes.yaml").write_text(
        "version: 1\nfunctions:\n  f:\n    event: viewer-request\n    routes:\n"
        '      - {regex: "^/(a+)+$", respond: {status: 200}}\n' + exact)
    compiled = compile_config(str(tmp_path / "routes.yaml"))
    overruns = [w for w in compiled.warnings if "ran out of" in w.message]
    assert len(overruns) == 1, [w.concise() for w in compiled.warnings]
    assert overruns[0].span.line == 6 and "the lint skips this route from here on" in overruns[0].message
    assert not compiled.errors
