"""Hostile functions against the emulator: every runaway ends with a clean error (exit 1 from
`cfroutes emulate`), deep nesting is a positioned load error, and the harness stays usable."""
from __future__ import annotations

import io
import json
import sys
import time
from pathlib import Path

import pytest
from cfroutes.cli.emulate import emulate
from cfroutes.emulator import FunctionLoadError, invoke, prepare, watchdog
from cfroutes.platform.jscheck import MAX_NESTING, analyze, nesting_issue

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "emulator"))
from support import request_event  # noqa: E402

OK = "function handler(e) { e.request.uri = '/ok'; return e.request; }"


def _emulate(tmp_path: Path, src: str) -> tuple[int, str, str]:
    (tmp_path / "f.js").write_text(src, encoding="utf-8")
    (tmp_path / "e.json").write_text(json.dumps(request_event()), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    code = emulate(str(tmp_path / "f.js"), str(tmp_path / "e.json"), None, None, out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.skipif(not watchdog.enabled(), reason="no os.fork: the watchdog is off on this platform")
def test_emulate_ends_a_native_runaway_with_exit_1(tmp_path: Path) -> None:
    start = time.monotonic()
    code, out, err = _emulate(tmp_path, "function handler(e) { var o = {};\nfor (var i = 0; i < 30; i++) o = {a: o, b: o};\n"
                                        "JSON.stringify(o); return e.request; }")
    took = time.monotonic() - start
    assert code == 1, err
    assert json.loads(out)["FunctionErrorMessage"].startswith("time limit exceeded")
    assert took < watchdog.wall_limit(1.0) + 5
    # the same process goes on emulating
    code, out, _ = _emulate(tmp_path, OK)
    assert code == 0 and json.loads(json.loads(out)["FunctionOutput"])["request"]["uri"] == "/ok"


@pytest.mark.parametrize("opener, closer", [("(", ")"), ("[", "]"), ("f(", ")"), ("[{a:", "}]")])
def test_deep_nesting_is_a_positioned_load_error(opener: str, closer: str) -> None:
    src = "function handler(e) {\n  return " + opener * 10_000 + "1" + closer * 10_000 + ";\n}"
    start = time.monotonic()
    with pytest.raises(FunctionLoadError) as info:
        prepare(src, "cloudfront-js-2.0", "deep.js")
    assert time.monotonic() - start < 2
    line = info.value.lines()[0]
    assert line.startswith("deep.js:2:") and line.endswith(f"error: nesting deeper than {MAX_NESTING} levels"), line
    col = int(line.split(":")[2])
    # the column is the opener that goes past the limit (the handler's "{" is level 1)
    assert src.split("\n")[1][col - 1] in "([{"


@pytest.mark.parametrize("expr", ["!" * 20_000 + "1", "a?" * 20_000 + "1" + ":0" * 20_000, "a=" * 20_000 + "1"])
def test_deep_unbracketed_chains_are_load_errors_not_crashes(expr: str) -> None:
    issues = analyze("function handler(e) { return " + expr + "; }", "cloudfront-js-2.0").issues
    assert issues and "nesting too deep" in issues[0].message


def test_nesting_scan_skips_strings_comments_regexes_and_templates() -> None:
    deep = "(" * 300
    for src in (f"var s = '{deep}';", f'var s = "{deep}";', f"// {deep}", f"/* {deep} */", f"var r = /{deep}/;",
                f"if (x) return /[{deep}]/;", f"var t = `{deep}`;"):
        assert nesting_issue(src) is None, src
    assert nesting_issue("var t = `${" + "(" * 300 + "`") is not None
    assert nesting_issue("var q = a / (b) / (c);" + "(" * 10) is None
    near = "function handler(e) { return " + "(" * (MAX_NESTING - 2) + "1" + ")" * (MAX_NESTING - 2) + "; }"
    assert not analyze(near, "cloudfront-js-2.0").issues  # just under the limit still parses


def test_deep_nesting_through_emulate_is_positioned_not_a_traceback(tmp_path: Path) -> None:
    code, out, err = _emulate(tmp_path, "function handler(e) { return " + "(" * 5_000 + "1" + ")" * 5_000 + "; }")
    assert code in (1, 2)  # exit code owned by the emulate command
    assert "Traceback" not in err and f"nesting deeper than {MAX_NESTING} levels" in out + err


def test_harness_usable_after_each_runaway() -> None:
    good = prepare(OK)
    for body in ("for (;;) {}", "var a = []; for (;;) a.push('xxxxxxxxxxxxxxxx');", "function f() { f(); } f();"):
        assert invoke(prepare("function handler(e) { " + body + " }"), request_event()).error
        assert invoke(good, request_event()).ok


@pytest.mark.skipif(not watchdog.enabled(), reason="no os.fork: the watchdog is off on this platform")
def test_a_worker_killed_from_outside_is_our_error_and_then_replaced() -> None:
    import os
    import signal

    good = prepare(OK)
    assert invoke(good, request_event()).ok
    w = watchdog.worker({})
    os.kill(w.pid, signal.SIGKILL)
    with pytest.raises(watchdog.WorkerCrash):
        invoke(good, request_event())
    assert invoke(good, request_event()).ok
