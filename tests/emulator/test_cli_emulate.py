"""`cfroutes emulate` as a command function: output shape and exit codes."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from support import request_event
from generator.cli.emulate import emulate, infer_runtime, load_kvs


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


def test_syntax_error_exits_2_with_position(tmp_path: Path) -> None:
    code, out, err = _run(tmp_path, "function handler(e) {\n  for (const x of e) {}\n}")
    assert code == 2 and out == ""
    assert err.endswith("f.js:2:3: error: for-of is not supported by cloudfront-js-2.0\n")
    assert "Traceback" not in err


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
