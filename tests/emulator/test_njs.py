"""njs as a second engine (generator/emulator/njs.py): the harness fills what njs lacks the
way the QuickJS prelude does, njs's own refusals come through, and the known differences
between the engines are pinned (each would fail if njs or the harness changed)."""
from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cfroutes.cli.emulate import emulate, load_kvs
from cfroutes.cli.main import main
from cfroutes.emulator import PreparedFunction, invoke, prepare
from cfroutes.emulator.loader import PositionMap
from support import V1, V2, request_event, response_event

HERE = Path(__file__).parent / "aws_examples"
RUNTIME_1_0 = {"add-true-client-ip-header", "redirect-based-on-country", "normalize-query-string-parameters"}
CASES = sorted(p.name[: -len(".event.json")] for p in (HERE / "cases").glob("*.event.json"))


def both(njs: Any, src: str, event: dict[str, Any] | None = None, kvs: dict[str, str] | None = None,
         runtime: str = V2) -> tuple[Any, Any]:
    """(QuickJS invocation, njs invocation) of one event."""
    p = prepare(src, runtime, "fn.js")
    ev = event or request_event()
    return invoke(p, ev, kvs), njs.invoke(p, ev, kvs)


def headers(inv: Any) -> dict[str, str]:
    assert inv.ok, (inv.error, inv.validation_errors)
    target = inv.output.get("request") or inv.output.get("response")
    return {k: v["value"] for k, v in target["headers"].items()}


def unchecked(source: str, runtime: str = V2) -> PreparedFunction:
    """A PreparedFunction that skipped the static profile: what njs alone makes of `source`."""
    return PreparedFunction(source, runtime, "fn.js", "", "", PositionMap())


# ------------------------------------------------------------------ built-in modules
def test_crypto_hashes_and_hmacs_match_hashlib_in_both_runtimes(njs: Any) -> None:
    lines = []
    for alg in ("md5", "sha1", "sha256"):
        for enc in ("hex", "base64", "base64url"):
            lines.append(f"h['{alg}-{enc}'] = {{value: crypto.createHash('{alg}').update('h\u00e9llo').update(' w').digest('{enc}')}};")
            lines.append(f"h['{alg}-m-{enc}'] = {{value: crypto.createHmac('{alg}', 'k\u00e9y').update('msg').digest('{enc}')}};")
        lines.append(f"h['{alg}-raw'] = {{value: String(crypto.createHash('{alg}').update('x').digest().length)}};")
    code = "var h = event.request.headers;\n" + "\n".join(lines) + "\nreturn event.request;"
    for runtime, head in ((V2, "import crypto from 'crypto';\n"), (V1, "var crypto = require('crypto');\n")):
        src = head + "function handler(event) {\n" + code + "\n}\n"
        q, n = both(njs, src, runtime=runtime)
        got = headers(n)
        assert got == headers(q)
        for alg in ("md5", "sha1", "sha256"):
            d = hashlib.new(alg, "h\u00e9llo w".encode()).digest()
            m = hmac.new("k\u00e9y".encode(), b"msg", alg).digest()
            for enc, f in (("hex", bytes.hex), ("base64", lambda b: base64.b64encode(b).decode()),
                           ("base64url", lambda b: base64.urlsafe_b64encode(b).decode().rstrip("="))):
                assert got[f"{alg}-{enc}"] == f(d) and got[f"{alg}-m-{enc}"] == f(m), (runtime, alg, enc)
            assert got[f"{alg}-raw"] == str(len(d))  # 1.0: a byte string; 2.0: a Buffer


def test_digest_without_encoding_is_a_byte_string_in_1_0_and_a_buffer_in_2_0(njs: Any) -> None:
    code = "event.request.headers.t = {value: typeof d + ':' + (typeof Buffer !== 'undefined' && Buffer.isBuffer(d))}; return event.request; }\n"
    src1 = "var crypto = require('crypto');\nfunction handler(event) { var d = crypto.createHash('md5').update('a').digest();\n" + code
    src2 = "import crypto from 'crypto';\nfunction handler(event) { var d = crypto.createHash('md5').update('a').digest();\n" + code
    assert headers(both(njs, src1, runtime=V1)[1])["t"] == "string:false"
    assert headers(both(njs, src2)[1])["t"] == "object:true"


def test_querystring_buffer_textencoder_are_njs_own_and_agree(njs: Any) -> None:
    src = """import qs from 'querystring';
function handler(event) {
  var h = event.request.headers, p = qs.parse('a=1&b=x%20y&a=2');
  h.p = {value: JSON.stringify(p)};
  h.s = {value: qs.stringify({a: [1, 2], b: 'x y', c: true})};
  h.b = {value: Buffer.from('h\\u00e9', 'utf8').toString('base64') + Buffer.from('6869', 'hex').toString()};
  h.t = {value: String(new TextEncoder().encode('\\u00e9').length) + new TextDecoder().decode(new Uint8Array([104, 105]))};
  h.a = {value: btoa('hi') + atob('aGk=')};
  return event.request;
}
"""
    q, n = both(njs, src)
    assert headers(n) == headers(q)
    assert headers(n)["s"] == "a=1&a=2&b=x%20y&c=true"


# ------------------------------------------------------------------ the cloudfront module
KVS_SRC = """import cf from 'cloudfront';
const kvs = cf.kvs();
async function handler(event) {
  var h = event.request.headers, m = await kvs.meta(), s = await kvs.get('k'), j = await kvs.get('j', {format: 'json'});
  var b = await kvs.get('k', {format: 'bytes'}), e1 = await kvs.exists('k'), e2 = await kvs.exists('nope');
  h.s = {value: s};
  h.j = {value: String(j.a)};
  h.b = {value: String(b.length)};
  h.e = {value: String(e1) + String(e2)};
  h.m = {value: String(m.keyCount)};
  if (event.request.uri === '/missing') await kvs.get('nope');
  return event.request;
}
"""


def test_kvs_get_exists_meta_on_the_given_store(njs: Any) -> None:
    store = {"k": "v\u00e9", "j": '{"a": 7}'}
    q, n = both(njs, KVS_SRC, kvs=store)
    assert headers(n) == headers(q) == {**headers(q), "s": "v\u00e9", "j": "7", "b": "3", "e": "truefalse", "m": "2"}
    q, n = both(njs, KVS_SRC, request_event(uri="/missing"), store)
    assert n.error == "Error: KeyValueStore key not found: nope" and q.error.startswith(n.error)


def test_kvs_without_a_store_fails_at_load(njs: Any) -> None:
    q, n = both(njs, KVS_SRC)
    assert n.error == "Error: KeyValueStore is not associated with this function (at fn.js:2)"
    assert q.error.startswith("Error: KeyValueStore is not associated")


def test_origin_helpers_are_recorded_and_validated_alike(njs: Any) -> None:
    src = """import cf from 'cloudfront';
function handler(event) {
  if (event.request.uri === '/id') cf.selectRequestOriginById('o-2', {hostHeader: 'h.example'});
  else cf.updateRequestOrigin({domainName: 'bucket.s3.us-east-1.amazonaws.com', originPath: '/p', timeouts: {readTimeout: 500}});
  return event.request;
}
"""
    q, n = both(njs, src, request_event(uri="/id"))
    assert n.ok and n.origin == q.origin == {"method": "selectRequestOriginById",
                                              "params": {"originId": "o-2", "options": {"hostHeader": "h.example"}}}
    q, n = both(njs, src)
    assert n.origin == q.origin and n.validation_errors == q.validation_errors
    assert any("readTimeout" in e for e in n.validation_errors)


def test_raw_query_string_replace_all_frozen_clock_and_logs(njs: Any) -> None:
    src = """function handler(event) {
  var h = event.request.headers, t = Date.now();
  for (var i = 0; i < 20000; i++) Math.sqrt(i);
  h.q = {value: String(event.request.rawQueryString())};
  h.r = {value: 'a-b-c'.replaceAll('-', '+') + 'x.y.z'.replaceAll(/\\./g, '$&$&') + 'aaa'.replaceAll('a', function (m) { return m.toUpperCase(); })};
  h.d = {value: String(t === Date.now() && t === new Date().getTime())};
  console.log('one'); console.log({two: 2});
  try { 'a'.replaceAll(/a/, 'b'); } catch (e) { h.x = {value: e.name}; }
  return event.request;
}
"""
    ev = request_event(querystring={"a": {"value": "1"}, "b": {"value": "", "multiValue": [{"value": ""}, {"value": "2"}]}})
    q, n = both(njs, src, ev)
    assert headers(n) == headers(q)
    assert headers(n)["q"] == "a=1&b&b=2" and headers(n)["r"] == "a+b+cx..y..zAAA" and headers(n)["d"] == "true"
    assert headers(n)["x"] == "TypeError"
    assert n.logs == q.logs == ["one", '{"two":2}']


def test_globals_outside_the_profile_are_gone(njs: Any) -> None:
    src = """function handler(event) {
  var h = event.request.headers;
  h.g = {value: [typeof process, typeof njs, typeof print, typeof setTimeout, typeof global].join(',')};
  try { require('fs'); } catch (e) { h.fs = {value: e.message}; }
  try { eval('1'); } catch (e) { h.ev = {value: e.name}; }
  return event.request;
}
"""
    for runtime in (V1, V2):
        q, n = both(njs, src, runtime=runtime)
        assert headers(n) == headers(q)
        assert headers(n)["g"] == "undefined,undefined,undefined,undefined,undefined"
        assert headers(n)["fs"] == "Cannot find module 'fs'" and headers(n)["ev"] == "EvalError"


def test_output_is_validated_by_the_same_validator(njs: Any) -> None:
    src = "function handler(event) { event.response.headers['x-amz-cf-pop'] = {value: 'x'}; return event.response; }\n"
    q, n = both(njs, src, response_event())
    assert n.validation_errors == q.validation_errors == ["response.headers.x-amz-cf-pop: disallowed header added"]
    q, n = both(njs, "function handler(event) { return 5; }\n")
    assert n.output is None and n.validation_errors == q.validation_errors


# ------------------------------------------------------------------ what njs refuses (CloudFront's wording)
@pytest.mark.parametrize("source,message", [
    ("import cf from 'cloudfront';\nconst K = cf.kvs();\nasync function handler(e) {\n  var x = JSON.parse(await K.get('a'));\n"
     "  return e.request;\n}\n", "SyntaxError: await in arguments not supported (at fn.js:4)"),
    ("function handler(e) {\n  try { x(); } catch { }\n  return e.request;\n}\n",
     'SyntaxError: Token "{" not supported in this version (at fn.js:2)'),
    ("var a = 1;\nnull.f();\nfunction handler(e) { return e.request; }\n",
     'TypeError: cannot get property "f" of null (at fn.js:2)'),
])
def test_njs_refuses_at_load_with_its_own_message(njs079: Any, source: str, message: str) -> None:
    njs = njs079
    p = unchecked(source)
    assert njs.load_error(p, {"a": "1"}) == message
    assert [i.error for i in njs.run_batch(p, [(request_event(), {"a": "1"})] * 3)] == [message] * 3


def test_runtime_errors_carry_the_line(njs079: Any) -> None:
    njs = njs079
    q, n = both(njs, "function handler(event) {\n  var a = null;\n  return a.b;\n}\n")
    assert n.error == 'TypeError: cannot get property "b" of null (at fn.js:3)'
    assert q.error == "TypeError: cannot read property 'b' of null (at fn.js:3:10)"  # the wording differs


# ------------------------------------------------------------------ batches and limits
def test_a_batch_runs_in_one_process_with_per_event_state(njs: Any) -> None:
    src = """import cf from 'cloudfront';
function handler(event) {
  console.log(event.request.uri);
  if (event.request.uri === '/o') cf.selectRequestOriginById('x');
  return event.request;
}
"""
    p = prepare(src, V2, "fn.js")
    uris = ["/a", "/o", "/b", "/o", "/c"] * 40
    got = njs.run_batch(p, [(request_event(uri=u), None) for u in uris])
    assert [i.logs for i in got] == [[u] for u in uris]
    assert [bool(i.origin) for i in got] == [u == "/o" for u in uris]
    with njs.NjsWorker(p) as w:  # one process, events one at a time
        first = w.invoke(request_event(uri="/a"))
        pid = w._proc.pid
        assert w.invoke(request_event(uri="/o")).origin and w._proc.pid == pid and first.logs == ["/a"]


def test_a_runaway_event_fails_alone_on_the_wall_clock(njs: Any) -> None:
    src = "function handler(event) { if (event.request.uri === '/loop') { while (true) {} } return event.request; }\n"
    p = prepare(src, V2, "fn.js")
    got = njs.run_batch(p, [(request_event(uri=u), None) for u in ("/a", "/loop", "/b")], case_timeout=0.5)
    assert got[0].ok and got[2].ok
    assert got[1].error.startswith("time limit exceeded: the function ran longer than 0.5 s in njs")


def test_memory_is_recycled_between_commands(njs: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """njs frees nothing until its process ends: a process past RECYCLE_BYTES is replaced."""
    monkeypatch.setattr(njs, "RECYCLE_BYTES", 1)
    monkeypatch.setattr(njs, "COMMAND_CASES", 2)
    p = prepare("function handler(event) { return event.request; }\n", V2, "fn.js")
    with njs.NjsWorker(p) as w:
        pids = set()
        for _ in range(3):
            assert all(i.ok for i in w.run([(request_event(), None)] * 2))
            pids.add(w._proc.pid)
        assert len(pids) == 3


# ------------------------------------------------------------------ known engine differences (docs/fidelity.md ("njs as a second engine"))
def test_njs_enumerates_keys_in_insertion_order(njs079: Any) -> None:
    """QuickJS (and the spec) put array-index keys first, ascending; njs 0.7.9 keeps insertion
    order, and a deleted-then-added key goes back to its old place (nginx/njs#189, #416)."""
    njs = njs079
    src = """function handler(event) {
  var q = event.request.querystring, o = {a: 1, b: 2};
  delete o.a; o.a = 3;
  event.request.headers.k = {value: Object.keys(q).join(',') + ';' + Object.keys(o).join(',')};
  return event.request;
}
"""
    ev = request_event(querystring={"10": {"value": "x"}, "b": {"value": "y"}, "0": {"value": "z"}})
    q, n = both(njs, src, ev)
    assert headers(q)["k"] == "0,10,b;b,a"
    assert headers(n)["k"] == "10,b,0;a,b"


def test_njs_0_7_9_misses_await_in_arguments_inside_try_and_crashes(njs079: Any) -> None:
    """The shape every spilled build shipped before the fix: njs 0.7.9 refuses `await` in
    call arguments at load only outside try blocks and loops; inside a try it loads the
    function and crashes on the first request (so njs alone is no guard: the static
    profile is)."""
    njs = njs079
    src = ("import cf from 'cloudfront';\nconst K = cf.kvs();\nasync function handler(e) {\n"
           "  var x = null;\n  try { x = JSON.parse(await K.get('a')); } catch (z) {}\n  return e.request;\n}\n")
    p = unchecked(src)
    assert njs.load_error(p, {"a": "[1]"}) == ""
    first, after = njs.run_batch(p, [(request_event(), {"a": "[1]"})] * 2)
    assert first.error == after.error == "njs crashed (SIGSEGV) running the function"


def test_njs_0_7_9_accepts_what_only_the_static_profile_refuses(njs079: Any) -> None:
    """An async closure: CloudFront refuses it, njs 0.7.9 runs it; the static profile is the guard."""
    njs = njs079
    src = "async function handler(e) { var f = async function () { return 1; }; await f(); return e.request; }\n"
    from cfroutes.emulator import FunctionLoadError

    with pytest.raises(FunctionLoadError, match="async closure"):
        prepare(src, V2, "fn.js")
    assert njs.load_error(unchecked(src)) == ""


def test_njs_itself_lacks_replace_all_and_raw_query_string(njs079: Any) -> None:
    """What the harness adds: bare njs has neither (CloudFront 2.0 has both)."""
    njs = njs079
    r = subprocess.run([njs.binary(), "-c", "console.log(typeof ''.replaceAll)"], capture_output=True, text=True, timeout=10)
    assert r.stdout.strip() == "undefined"


# ------------------------------------------------------------------ the AWS examples and the CLI
@pytest.mark.parametrize("case", CASES)
def test_aws_example_in_njs(njs: Any, case: str) -> None:
    name = case.split("--")[0]
    kvs_file = HERE / f"{name}.kvs.json"
    runtime = V1 if name in RUNTIME_1_0 else V2
    expected = json.loads((HERE / "cases" / f"{case}.expected.json").read_text())
    p = prepare((HERE / f"{name}.js").read_text(), runtime, f"{name}.js")
    event = json.loads((HERE / "cases" / f"{case}.event.json").read_text())
    kvs = load_kvs(kvs_file.read_text()) if kvs_file.exists() else None
    n = njs.invoke(p, event, kvs)
    assert n.ok, (n.error, n.validation_errors)
    assert n.output == expected["output"] and n.origin == expected.get("origin")
    if "logs" in expected:
        assert n.logs == expected["logs"]
    assert njs.same_outcome(invoke(p, event, kvs), n)


def test_emulate_engine_njs(njs: Any, tmp_path: Path) -> None:
    fn = tmp_path / "fn.js"
    fn.write_text("function handler(event) {\n  if (event.request.uri === '/x') null.y;\n  return event.request;\n}\n")
    ev = tmp_path / "ev.json"
    ev.write_text(json.dumps(request_event()))
    out, err = io.StringIO(), io.StringIO()
    assert emulate(str(fn), str(ev), None, None, out, err, engine="njs") == 0
    result = json.loads(out.getvalue())
    assert json.loads(result["FunctionOutput"])["request"]["uri"] == "/index.html" and result["Steps"] == 0
    ev.write_text(json.dumps(request_event(uri="/x")))
    out = io.StringIO()
    assert emulate(str(fn), str(ev), None, None, out, err, engine="njs") == 1
    assert json.loads(out.getvalue())["FunctionErrorMessage"] == f'TypeError: cannot get property "y" of null (at {fn}:2)'


def test_engine_njs_without_njs_is_one_line_and_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CFROUTES_NJS", str(tmp_path / "no-such-njs"))
    for argv in (["test", "--engine", "njs"], ["check", "--engine", "both"],
                 ["emulate", "fn.js", "--event", "ev.json", "--engine", "njs"]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "apt-get install njs" in err and "brew install njs" in err
