"""`cfroutes emulate` as a command function: output shape and exit codes."""
from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from cfroutes.cli.emulate import emulate, infer_runtime, load_kvs
from support import request_event


def _files(tmp_path: Path, src: str, event: object = None, kvs: str | None = None) -> tuple[str, str, str | None]:
    fn = tmp_path / "f.js"
    fn.write_text(src)
    ev = tmp_path / "e.json"
    ev.write_text(event if isinstance(event, str) else json.dumps(event or request_event()))
    kp = None
    if kvs is not None:
        (tmp_path / "k.json").write_text(kvs)
        kp = str(tmp_path / "k.json")
    return str(fn), str(ev), kp


def _run(tmp_path: Path, src: str, event: object = None, kvs: str | None = None, runtime: str | None = None) -> tuple[int, str, str]:
    fn, ev, kp = _files(tmp_path, src, event, kvs)
    out, err = io.StringIO(), io.StringIO()
    code = emulate(fn, ev, runtime, kp, out, err)
    return code, out.getvalue(), err.getvalue()


def test_success_prints_test_result(tmp_path: Path) -> None:
    code, out, err = _run(tmp_path, "function handler(e) { console.log('hi'); e.request.uri = '/x'; return e.request; }")
    result = json.loads(out)
    assert code == 0 and err == ""
    assert json.loads(result["FunctionOutput"])["request"]["uri"] == "/x"
    assert result["FunctionExecutionLogs"] == ["hi"] and result["FunctionErrorMessage"] == ""
    assert result["ValidationErrors"] == [] and isinstance(result["ComputeUtilization"], str) and result["Steps"] == 1


def test_function_error_exits_1(tmp_path: Path) -> None:
    code, out, _ = _run(tmp_path, "function handler(e) {\n  return e.nope.x;\n}")
    result = json.loads(out)
    assert code == 1 and result["FunctionOutput"] == ""
    assert result["FunctionErrorMessage"].startswith("TypeError: cannot read property 'x' of undefined (at ")


def test_validation_error_exits_1(tmp_path: Path) -> None:
    code, out, _ = _run(tmp_path, "function handler(e) { e.request.uri = 'nope'; return e.request; }")
    assert code == 1 and json.loads(out)["ValidationErrors"] == ["request.uri: must start with /"]


@pytest.mark.parametrize("src,message,pos", [
    ("function handler(e) {\n  for (const x of e) {}\n}", "for-of is not supported by cloudfront-js-2.0", "2:3"),
    ("import cf from 'cloudfront';\nasync function handler(e) {\n  var x = JSON.parse(await cf.kvs().get('k'));\n}",
     "await in arguments not supported", "3:22"),
    ("function handler(e) {\n  try { x(); } catch {}\n}", 'Token "{" not supported in this version', "2:22"),
    ("var v = await 1;\nfunction handler(e) { return e.request; }", "await is only valid in async functions", "1:9"),
    ("function handler(e) {\n  return e.;\n}", "Unexpected token ;", "2:12"),
])
def test_refused_function_is_a_test_result_and_exits_1(tmp_path: Path, src: str, message: str, pos: str) -> None:
    # as `aws cloudfront test-function` reports it: the TestResult on stdout, exit 1
    code, out, err = _run(tmp_path, src)
    result = json.loads(out)
    assert code == 1
    assert result["FunctionErrorMessage"] == f"SyntaxError: {message} (at {tmp_path / 'f.js'}:{pos})"
    assert result["FunctionOutput"] == "" and result["FunctionExecutionLogs"] == [] and result["Steps"] == 0
    # and the diagnostic on stderr: position, message, the source line and a caret
    line, col = map(int, pos.split(":"))
    lines = err.splitlines()
    assert lines[0] == f"{tmp_path / 'f.js'}:{pos}: error: {message}  [CFR804]"
    assert lines[1] == f" {line} | {src.splitlines()[line - 1]}"
    assert lines[2] == " " * (len(str(line)) + 1) + " | " + " " * (col - 1) + "^"
    assert "Traceback" not in err


def test_refused_function_shows_the_fix(tmp_path: Path) -> None:
    _, _, err = _run(tmp_path, "async function handler(e) {\n  return String(await e);\n}")
    assert "help: bind the awaited value to a variable first" in err


def test_missing_handler_is_a_reference_error(tmp_path: Path) -> None:
    code, out, _ = _run(tmp_path, "var handler = function (e) { return e.request; };")
    assert code == 1
    assert json.loads(out)["FunctionErrorMessage"].startswith("ReferenceError: no top-level `function handler(event)`")


def test_bad_event_exits_2(tmp_path: Path) -> None:
    code, _, err = _run(tmp_path, "function handler(e) { return e.request; }", "{not json")
    assert code == 2 and "e.json:1:2: error: invalid event" in err
    code, _, err = _run(tmp_path, "function handler(e) { return e.request; }", "[1]")
    assert code == 2 and "invalid event" in err


def test_missing_file_and_unknown_runtime_exit_2(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert emulate(str(tmp_path / "nope.js"), str(tmp_path / "e.json"), None, None, out, err) == 2
    assert _run(tmp_path, "function handler(e) { return e.request; }", runtime="cloudfront-js-9")[0] == 2


def test_kvs_import_format_and_plain_object(tmp_path: Path) -> None:
    src = "import cf from 'cloudfront';\nasync function handler(e) { e.request.uri = await cf.kvs().get('k'); return e.request; }"
    for kvs in ('{"data": [{"key": "k", "value": "/from-import"}]}', '{"k": "/from-import"}'):
        code, out, _ = _run(tmp_path, src, kvs=kvs)
        assert code == 0 and json.loads(json.loads(out)["FunctionOutput"])["request"]["uri"] == "/from-import"
    assert _run(tmp_path, src, kvs='{"data": [{"key": "k"}]}')[0] == 2
    assert _run(tmp_path, src, kvs='{"data": [{"key": "k", "value": "a"}, {"key": "k", "value": "b"}]}')[0] == 2


def test_load_kvs_stores_non_strings_as_json() -> None:
    assert load_kvs('{"a": {"x": 1}, "b": "s"}') == {"a": '{"x":1}', "b": "s"}


@pytest.mark.parametrize("src,runtime", [
    ("var c = require('crypto');\nfunction handler(e) { return e.request; }", "cloudfront-js-1.0"),
    ("var qs = require('querystring');\nasync function handler(e) { return e.request; }", "cloudfront-js-2.0"),
    ("import cf from 'cloudfront';\nfunction handler(e) { return e.request; }", "cloudfront-js-2.0"),
    ("function handler(e) { return e.request; }", "cloudfront-js-2.0"),
])
def test_runtime_inference(src: str, runtime: str) -> None:
    assert infer_runtime(src) == runtime


def test_run_reports_a_refused_build_like_test_function(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    from cfroutes.cli.main import main
    from cfroutes.compiler import pipeline as compiler

    real = compiler.function_source
    monkeypatch.setattr(compiler, "function_source",  # a template regression: the shape the last round shipped
                        lambda *a, **k: real(*a, **k).replace("x=null,", "x=JSON.parse(await K.get('k')),", 1))
    cfg = tmp_path / "routes.yaml"
    cfg.write_text("version: 1\nfunctions:\n  f:\n    event: viewer-request\n    runtime: cloudfront-js-2.0\n"
                   "    kvs: {name: s}\n    options: {spill: always}\n    routes:\n"
                   "      - path: /a\n        redirect: /b\n")
    assert main(["run", "-c", str(cfg), "/a"]) == 1
    captured = capsys.readouterr()
    result = json.loads(captured.out)
    assert re.fullmatch(r"SyntaxError: await in arguments not supported \(at dist/f\.js:\d+:\d+\)",
                        result["FunctionErrorMessage"])
    assert "dist/f.js:" in captured.err and "error: await in arguments not supported" in captured.err
    assert " | " in captured.err and "^" in captured.err


def test_run_exit_2_stays_for_bad_command_line_input(tmp_path: Path) -> None:
    from cfroutes.cli.main import main

    cfg = tmp_path / "routes.yaml"
    cfg.write_text("version: 1\nfunctions:\n  f:\n    event: viewer-request\n    routes:\n"
                   "      - path: /a\n        redirect: /b\n")
    assert main(["run", "-c", str(cfg), "-H", "no-colon", "/a"]) == 2
    assert main(["run", "-c", str(cfg), "/a"]) == 0


OK_SRC = "function handler(e) { return e.request; }"


@pytest.mark.parametrize("text, where, fragment", [
    ('{"version":"1.0","request":{"method":"GET","uri":"/a","uri":"/evil","headers":{}}}', ":1:55:",
     "duplicate key 'uri'"),
    ('{"request":{"method":"GET","uri":"/a",\n"headers":{"host":{"value":"a"},"host":{"value":"b"}}}}', ":2:33:",
     "duplicate key 'host'"),
])
def test_event_with_a_duplicate_json_key_is_refused(tmp_path: Path, text: str, where: str, fragment: str) -> None:
    """The last of two keys silently won; --event now reads strict JSON, as --kvs does."""
    code, out, err = _run(tmp_path, OK_SRC, text)
    assert code == 2 and out == "", err
    assert where + " error: invalid event: " in err and fragment in err, err


def test_event_with_host_and_Host_is_refused(tmp_path: Path) -> None:
    """CloudFront passes header names lower-cased, one entry per header (docs/fidelity.md #36)."""
    ev = request_event()
    ev["request"]["headers"] = {"host": {"value": "a.test"}, "Host": {"value": "evil.test"}}
    code, out, err = _run(tmp_path, OK_SRC, ev)
    assert code == 2 and out == ""
    assert "'host' and 'Host' name the same header" in err, err
    ev["request"]["headers"] = {"Host": {"value": "a.test"}}  # one entry, any case: still runs
    code, out, err = _run(tmp_path, OK_SRC, ev)
    assert code != 2 and json.loads(out)["FunctionErrorMessage"] == "", err


def test_function_over_10_kb_is_refused_as_create_function_would(tmp_path: Path) -> None:
    body = "function handler(e) { return e.request; }\n"
    fits = body + "//" + "x" * (10_240 - len(body) - 3) + "\n"
    assert len(fits.encode()) == 10_240
    assert _run(tmp_path, fits)[0] == 0
    code, out, err = _run(tmp_path, fits + "/")  # one byte over
    assert code == 1
    assert "FunctionSizeLimitExceeded" in json.loads(out)["FunctionErrorMessage"]
    assert "10,241 bytes" in err and "10,240" in err


def test_event_over_40_kb_is_refused_as_test_function_would(tmp_path: Path) -> None:
    ev = request_event()
    ev["request"]["headers"]["x-pad"] = {"value": "a" * 41_000}
    code, out, err = _run(tmp_path, "function handler(e) { return e.request; }", ev)
    assert code == 2 and out == ""
    assert "TestFunction takes an event of at most 40,960 bytes" in err
