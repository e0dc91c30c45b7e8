"""Run a built function in njs (the engine CloudFront Functions descends from), many events at once.

QuickJS accepting the emitted code proves nothing about the edge; njs refuses what the edge's
parser refuses (`await` inside call arguments, optional catch binding) and has its own RegExp
(PCRE). `run(source, event_type, runs)` loads the function once, with a stub `cloudfront`
module (an in-memory KeyValueStore, origin helpers that record their call), and returns for
each `(event, kvs)` what it returned and the origin call it made, in the shapes of the
reference model (`{"request": ...}` / `{"response": ...}`, `{"method", "params"}`).
"""
from __future__ import annotations

import json
import os
import subprocess
import tempfile
from typing import Any

from cfroutes.emulator import njs as _njs

NJS = _njs.binary()

_STUB = r"""
var store = {}, calls = [];
function own(k) { return Object.prototype.hasOwnProperty.call(store, k); }
export default {
  store: store, calls: calls,
  kvs: function () { return { get: function (k) { return own(k) ? Promise.resolve(store[k]) : Promise.reject(new Error('key not found')); } }; },
  updateRequestOrigin: function (p) { calls.push({ method: 'updateRequestOrigin', params: p }); },
  selectRequestOriginById: function (i, o) { calls.push({ method: 'selectRequestOriginById', params: { originId: i, options: o === undefined ? null : o } }); }
};
"""

_DRIVER = r"""
var RUNS = JSON.parse(%s);  // JSON.parse keeps a "__proto__" key an own property; a literal would not
async function main() {
  var c = typeof cf == 'undefined' ? { store: {}, calls: [] } : cf, i, k, r;
  for (i = 0; i < RUNS.length; i++) {
    for (k in c.store) delete c.store[k];
    for (k in RUNS[i][1]) c.store[k] = RUNS[i][1][k];
    c.calls.length = 0;
    try { r = await handler(RUNS[i][0]); put({ out: r, origin: c.calls.length ? c.calls[0] : null }); }
    catch (e) { put({ error: String(e) }); }
  }
}
// njs cuts a console.log line at 2,048 characters: print ASCII-only JSON in pieces
function put(x) {
  var s = JSON.stringify(x).replace(/[\u007f-\uffff]/g, function (c) { return '\\u' + ('000' + c.charCodeAt(0).toString(16)).slice(-4); }), j;
  for (j = 0; j < s.length; j += 1000) console.log('+' + s.slice(j, j + 1000));
  console.log('.');
}
main();
"""


def run(source: str, event_type: str, runs: list[tuple[dict[str, Any], dict[str, str] | None]]
        ) -> list[tuple[Any, Any]]:
    """[(output, origin_call)] per run; output is {"error": message} when the handler threw."""
    assert NJS is not None
    with tempfile.TemporaryDirectory(prefix="cfr-njs-") as d:
        with open(os.path.join(d, "cloudfront"), "w", encoding="utf-8") as fh:
            fh.write(_STUB)
        main = os.path.join(d, "main.js")
        data = json.dumps(json.dumps([[ev, kvs or {}] for ev, kvs in runs], ensure_ascii=True))
        with open(main, "w", encoding="utf-8") as fh:
            fh.write(source + _DRIVER % data)
        p = subprocess.run([NJS, "-p", d, main], capture_output=True, text=True, timeout=60)
    lines, cur = [], ""
    for ln in p.stdout.splitlines():
        if ln.startswith("+"):
            cur += ln[1:]
        elif ln == ".":
            lines.append(cur)
            cur = ""
    if p.returncode != 0 or len(lines) != len(runs):
        raise AssertionError(f"njs failed (exit {p.returncode}):\n{p.stdout[-2000:]}\n{p.stderr[-2000:]}")
    out = []
    for ln in lines:
        x = json.loads(ln)
        if "error" in x:
            out.append(({"error": x["error"]}, None))
            continue
        r = x["out"]
        key = "response" if event_type == "viewer-response" or (isinstance(r, dict) and "statusCode" in r) else "request"
        out.append(({key: r}, x["origin"]))
    return out
