"""Run CloudFront Functions in njs, the engine CloudFront's runtime descends from (issue 9).

A second engine next to the QuickJS emulator (runtime.py). The function file is handed to
the `njs` binary unchanged, so njs parses exactly the bytes that ship, and njs's own
refusals (`SyntaxError: await in arguments not supported`, `Token "{" not supported in this
version`, the same strings CloudFront gives) reach the caller. What njs lacks is filled by a
harness module built from the same prelude sections as QuickJS (kvs, origin helpers,
frozen clock, console capture, `rawQueryString`, eval refusal, `require` of the listed
modules only, the runtime profile's built-in pruning); `crypto`, `querystring`, Buffer,
TextEncoder/TextDecoder, atob/btoa and the 1.0 String byte methods are njs's own.

One njs process runs a whole batch: the script is

    import __cf$h from '__cfh';<the function, byte for byte>
    __cf$h.run(...handler...);

(the import shares line 1, so line numbers are the function's own), the harness reads the
events from a file and writes one JSON line per event to a pipe. njs has no time or memory
limits: each event gets a wall-clock deadline, after which the process is killed, that
event fails with "time limit exceeded" and the batch goes on in a new process; address
space is capped (setrlimit) so a runaway allocation cannot take the machine down. Steps are
not counted (the code is not instrumented), so `steps` is 0 and ComputeUtilization rests on
the handler's wall time alone.
"""
from __future__ import annotations

import json
import os
import re
import selectors
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Sequence

from generator.emulator.result import Invocation

try:
    import resource
except ImportError:  # pragma: no cover - not POSIX
    resource = None  # type: ignore[assignment]
from generator.emulator.runtime import PreparedFunction, _check_output, _cut_logs, _sections
from generator.profile import STRUCTURAL, get_profile

INSTALL_HINT = "apt-get install njs, or brew install njs on macOS"
CASE_TIMEOUT = 2.0        # wall-clock seconds per event (njs has no time limit of its own)
LOAD_TIMEOUT = 20.0       # seconds for njs to start and load the function
ADDRESS_SPACE = 1 << 30   # bytes of virtual memory per njs process (njs has no memory limit)
SCRIPT = "fn.js"
_SECTIONS = ("core", "console", "date", "noeval", "require", "objcreate", "rawqs")
_FRAME = re.compile(r"at (\S+) \((.+?):(\d+)\)")
_LOAD = re.compile(r"^(.*) in (.+?):(\d+)$")


class NjsUnavailable(Exception):
    """The njs binary is not installed (or CFROUTES_NJS names a missing file)."""

    def __init__(self) -> None:
        super().__init__(f"error: --engine njs needs the njs binary, which is not installed ({INSTALL_HINT})")


def binary() -> str | None:
    """Path of the njs binary: $CFROUTES_NJS, else `njs` on PATH; None when missing."""
    env = os.environ.get("CFROUTES_NJS")
    if env:
        return env if os.path.isfile(env) and os.access(env, os.X_OK) else None
    return shutil.which("njs")


def available() -> bool:
    return binary() is not None


@lru_cache(maxsize=None)
def version() -> str:
    exe = binary()
    if exe is None:
        raise NjsUnavailable()
    return subprocess.run([exe, "-v"], capture_output=True, text=True, timeout=10).stdout.strip()


# ------------------------------------------------------------------ the harness module
_GLUE_HEAD = """import fs from 'fs';
import ncrypto from 'crypto';
import nqs from 'querystring';
var __cf$H = (function () { "use strict";
var CFG = %(cfg)s, DATA = JSON.parse(fs.readFileSync(%(data)s).toString());
var FIRST = DATA.cases.length ? DATA.cases[0] : null;
globalThis.__cf_t0 = Date.now(); globalThis.__cf_budget = 1e15;
globalThis.__cf_evtype = FIRST ? FIRST.t : "viewer-request";
if (FIRST && FIRST.s >= 0) globalThis.__cf_kvs = DATA.stores[FIRST.s];
"""

# After the prelude sections (same scope): njs's own modules, pruning, the batch driver.
_GLUE_TAIL = r"""
var FD = DATA.fd, out = function (s) { fs.writeSync(FD, s + "\n"); };  // a pipe of its own: njs prints warnings on stdout
var RAWQ = G.__cf_req;
function digest1(h) {  // cloudfront-js-1.0: digest() without an encoding is a byte string
  return { update: function update(d, e) { h.update(d, e); return this; },
           digest: function digest(e) {
             if (e !== undefined) return h.digest(e);
             var b = h.digest(), s = "", i; for (i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
             return s; } };
}
MODS.crypto = V2 ? ncrypto : {
  createHash: function createHash(a) { return digest1(ncrypto.createHash(a)); },
  createHmac: function createHmac(a, k) { return digest1(ncrypto.createHmac(a, k)); } };
MODS.querystring = nqs;
O.keys(MODS).forEach(function (k) { if (!hasOwn.call(REG, k)) defProp(REG, k, { enumerable: true, get: function () { return mod(k); } }); });
(function prune() {  // every global and built-in member the runtime profile does not list
  var TA = O.getPrototypeOf(Int8Array), keep = CFG.keep;
  O.keys(CFG.allow).forEach(function (path) {
    var obj = G, s, i, allowed = CFG.allow[path];
    if (path) { s = path.split("."); obj = s[0] === "%TypedArray%" ? TA : G[s[0]]; for (i = 1; obj && i < s.length; i++) obj = obj[s[i]]; }
    if (!obj) return;
    O.getOwnPropertyNames(obj).forEach(function (n) {
      if (allowed.indexOf(n) >= 0 || keep.indexOf(n) >= 0 || n.slice(0, 4) === "__cf") return;
      try { delete obj[n]; } catch (e) { /* non-configurable: keeps it */ }
    });
  });
})();
if (V2 && typeof String.prototype.replaceAll !== "function") {
  // cloudfront-js-2.0 has replaceAll; njs 0.7.9 does not
  defProp(String.prototype, "replaceAll", { writable: true, configurable: true, value: function replaceAll(p, r) {
    if (p instanceof RegExp) {
      if (p.flags.indexOf("g") < 0) throw new TypeError("replaceAll must be called with a global RegExp");
      return String(this).replace(p, r);
    }
    return String(this).replace(new RegExp(String(p).replace(/[\\^$.*+?()[\]{}|\/-]/g, "\\$&"), "g"), r);
  } });
}
function fail(e) {
  if (e instanceof Error) return { e: (e.name || "Error") + (e.message ? ": " + e.message : ""), st: String(e.stack || "") };
  return { e: "Uncaught " + String(e), st: "" };
}
async function run(handler) {
  out("R");
  var cases = DATA.cases, last = FIRST ? FIRST.s : -1, i, c, rec, r, t, st, line;
  for (i = 0; i < cases.length; i++) {
    c = cases[i];
    G.__cf$reset(RD.now(), 1e15, c.t, c.s === last ? "=" : c.s < 0 ? "" : DATA.stores[c.s]);
    last = c.s; t = 0;
    try {
      if (typeof handler !== "function") throw new ReferenceError("handler is not defined");
      if (CFG.rawq && RAWQ) RAWQ(c.e);
      t = RD.now();
      r = handler(c.e);
      if (r !== null && typeof r === "object" && typeof r.then === "function") r = await r;
      rec = { v: r === undefined ? null : r };
    } catch (e) { rec = fail(e); }
    rec.d = t ? RD.now() - t : 0;
    st = JP(G.__cf$s()); rec.logs = st.logs; rec.origin = st.origin;
    try { line = JS(rec); } catch (e) {
      line = JS({ e: "TypeError: the returned object cannot be serialised: " + e.message, st: "", d: rec.d, logs: st.logs, origin: st.origin });
    }
    out(line);
  }
}
return { run: run, cloudfront: V2 ? mod("cloudfront") : null };
})();
export default __cf$H;
"""


@lru_cache(maxsize=None)
def harness(runtime: str) -> str:
    """The `__cfh` module for `runtime` (prelude sections shared with QuickJS + njs glue)."""
    prof = get_profile(runtime)
    v2 = runtime.endswith("2.0")
    allow = {"": sorted(prof.globals), **{k: sorted(v) for k, v in prof.members.items()}}
    cfg = {"rt": 2 if v2 else 1, "req": sorted(prof.require_modules), "del": "", "allow": allow,
           "keep": sorted(STRUCTURAL), "rawq": v2}
    body = "".join(_sections()[s] for s in _SECTIONS + (("cloudfront",) if v2 else ()))
    head = _GLUE_HEAD % {"cfg": json.dumps(cfg, separators=(",", ":")), "data": json.dumps("cases.json")}
    return head + body + _GLUE_TAIL


_CLOUDFRONT_MODULE = "import h from '__cfh';\nexport default h.cloudfront;\n"


def script(source: str) -> str:
    """The file njs runs: the harness import shares line 1 with the function's first line."""
    return ("import __cf$h from '__cfh';" + source + "\n;__cf$h.run(typeof handler === \"function\" ? handler : void 0);\n")


# ------------------------------------------------------------------ running
@dataclass
class _Proc:
    proc: subprocess.Popen[bytes]
    pipe: Any
    buf: bytes = b""


def _limit() -> None:  # pragma: no cover - runs in the child (resource is imported by the parent)
    if resource is not None:
        try:
            resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))
        except (ValueError, OSError):
            pass


def _location(stack: str, source: str, filename: str, script_path: str) -> str:
    nlines = source.count("\n") + 1
    for _name, path, line in _FRAME.findall(stack):
        if os.path.basename(path) == SCRIPT and int(line) <= nlines:
            return f" (at {filename}:{line})"
    return ""


def _load_error(stderr: str, prepared: PreparedFunction) -> str:
    """The first error njs printed while loading, located in the function file."""
    lines = [ln for ln in stderr.splitlines() if ln.strip() and ln.strip() != "Thrown:"]
    if not lines:
        return "njs exited before running the handler"
    first = lines[0]
    m = _LOAD.match(first)
    if m and os.path.basename(m.group(2)) == SCRIPT:
        line = int(m.group(3))
        where = f" (at {prepared.filename}:{line})" if line <= prepared.source.count("\n") + 1 else ""
        return m.group(1) + where
    return first + _location("\n".join(lines[1:]), prepared.source, prepared.filename, SCRIPT)


def _to_invocation(rec: dict[str, Any], event: dict[str, Any], prepared: PreparedFunction) -> Invocation:
    inv = Invocation()
    inv.duration_us = float(rec.get("d") or 0) * 1000.0
    inv.logs = _cut_logs(rec.get("logs") or [])
    inv.origin = rec.get("origin")
    if "e" in rec:
        inv.error = str(rec["e"]) + _location(str(rec.get("st") or ""), prepared.source, prepared.filename, SCRIPT)
    else:
        _check_output(inv, rec.get("v"), event)
    return inv  # compute_utilization stays 0: no step count and a millisecond clock in njs


def _failed(message: str) -> Invocation:
    return Invocation(error=message)


def _event_type(event: dict[str, Any]) -> str:
    return str((event.get("context") or {}).get("eventType") or "viewer-request")


def run_batch(prepared: PreparedFunction, items: Sequence[tuple[dict[str, Any], dict[str, str] | None]], *,
              case_timeout: float = CASE_TIMEOUT, load_timeout: float = LOAD_TIMEOUT) -> list[Invocation]:
    """Run every (event, kvs) of `items` through `prepared.source` in njs; one Invocation each.

    `prepared` comes from emulator.prepare(), so the static profile has already passed.
    One njs process serves the whole batch; an event that overruns `case_timeout` fails
    alone and the rest go on in a fresh process. Raises NjsUnavailable without njs.
    """
    exe = binary()
    if exe is None:
        raise NjsUnavailable()
    results: list[Invocation] = []
    if not items:
        return results
    with tempfile.TemporaryDirectory(prefix="cfroutes-njs-") as d:
        for name, text in (("__cfh", harness(prepared.runtime)), ("cloudfront", _CLOUDFRONT_MODULE),
                           (SCRIPT, script(prepared.source))):
            with open(os.path.join(d, name), "w", encoding="utf-8") as f:
                f.write(text)
        stores: list[str] = []
        index: dict[int, int] = {}
        cases = []
        for event, kvs in items:
            s = -1
            if kvs is not None:
                if id(kvs) not in index:
                    index[id(kvs)] = len(stores)
                    stores.append(json.dumps({str(k): str(v) for k, v in kvs.items()}, ensure_ascii=True))
                s = index[id(kvs)]
            cases.append({"e": event, "s": s, "t": _event_type(event)})
        start = 0
        while start < len(items):
            start = _run_once(exe, d, prepared, items, cases, stores, start, case_timeout, load_timeout, results)
    return results


def _run_once(exe: str, d: str, prepared: PreparedFunction, items: Sequence[tuple[dict[str, Any], Any]],
              cases: list[dict[str, Any]], stores: list[str], start: int, case_timeout: float,
              load_timeout: float, results: list[Invocation]) -> int:
    """One njs process over items[start:]; appends to `results`; returns the next index to run."""
    rfd, wfd = os.pipe()
    with open(os.path.join(d, "cases.json"), "w", encoding="utf-8") as f:
        json.dump({"fd": wfd, "stores": stores, "cases": cases[start:]}, f, ensure_ascii=True, separators=(",", ":"))
    err_path = os.path.join(d, "stderr")
    try:
        with open(err_path, "wb") as err:
            proc = subprocess.Popen([exe, "-r", "-p", d, SCRIPT], cwd=d, stdin=subprocess.DEVNULL,
                                    stdout=subprocess.DEVNULL, stderr=err, pass_fds=(wfd,), preexec_fn=_limit)
    finally:
        os.close(wfd)
    p = _Proc(proc, os.fdopen(rfd, "rb", buffering=0))
    i = start
    loaded = False
    try:
        with selectors.DefaultSelector() as sel:
            sel.register(p.pipe, selectors.EVENT_READ)
            deadline = time.monotonic() + load_timeout
            while i < len(items) or not loaded:
                line = _readline(p, sel, deadline)
                if line is None:  # timed out
                    proc.kill()
                    proc.wait()
                    if not loaded:
                        msg = f"time limit exceeded: njs did not load the function within {load_timeout:g} s"
                        results.extend(_failed(msg) for _ in items[i:] or [None])
                        return len(items)
                    results.append(_failed(f"time limit exceeded: the function ran longer than {case_timeout:g} s "
                                           "in njs (runaway code, e.g. a pathological regular expression)"))
                    return i + 1
                if line == b"":  # the process ended
                    proc.wait()
                    with open(err_path, encoding="utf-8", errors="replace") as f:
                        stderr = f.read()
                    msg = _load_error(stderr, prepared) if not loaded else \
                        (f"njs stopped: {stderr.strip().splitlines()[-1]}" if stderr.strip() else "njs stopped")
                    if loaded:  # the event that was running takes the blame; the rest go on
                        results.append(_failed(msg))
                        return i + 1
                    results.extend(_failed(msg) for _ in items[i:] or [None])  # [None]: load_error()
                    return len(items)
                if not loaded:
                    loaded = line.strip() == b"R"
                    deadline = time.monotonic() + case_timeout
                    continue
                results.append(_to_invocation(json.loads(line), items[i][0], prepared))
                i += 1
                deadline = time.monotonic() + case_timeout
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        p.pipe.close()
    return i


def _readline(p: _Proc, sel: selectors.BaseSelector, deadline: float) -> bytes | None:
    """The next line (without newline); b"" at end of output; None past the deadline."""
    fd = p.pipe.fileno()
    while True:
        nl = p.buf.find(b"\n")
        if nl >= 0:
            line, p.buf = p.buf[:nl], p.buf[nl + 1:]
            return line or b" "
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        if not sel.select(left):
            return None
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return b""
        p.buf += chunk


def invoke(prepared: PreparedFunction, event: dict[str, Any], kvs: dict[str, str] | None = None, *,
           case_timeout: float = CASE_TIMEOUT) -> Invocation:
    """One event in njs (a process of its own)."""
    return run_batch(prepared, [(event, kvs)], case_timeout=case_timeout)[0]


def load_error(prepared: PreparedFunction, kvs: dict[str, str] | None = None) -> str:
    """"" when njs loads the function (with `kvs` as its store); else njs's message."""
    exe = binary()
    if exe is None:
        raise NjsUnavailable()
    with tempfile.TemporaryDirectory(prefix="cfroutes-njs-") as d:
        for name, text in (("__cfh", harness(prepared.runtime)), ("cloudfront", _CLOUDFRONT_MODULE),
                           (SCRIPT, script(prepared.source))):
            with open(os.path.join(d, name), "w", encoding="utf-8") as f:
                f.write(text)
        results: list[Invocation] = []
        stores = [] if kvs is None else [json.dumps({str(k): str(v) for k, v in kvs.items()}, ensure_ascii=True)]
        first = [{"e": {}, "s": 0 if stores else -1, "t": "viewer-request"}]  # read at load, never run
        _run_once(exe, d, prepared, [], first, stores, 0, CASE_TIMEOUT, LOAD_TIMEOUT, results)
        return results[0].error if results else ""


def same_outcome(a: Invocation, b: Invocation) -> bool:
    """Do two engines agree? Output, origin call and validation errors exactly; errors by presence
    (the engines word their TypeErrors differently)."""
    return (a.output == b.output and a.origin == b.origin and bool(a.error) == bool(b.error)
            and a.validation_errors == b.validation_errors)


__all__ = ["INSTALL_HINT", "NjsUnavailable", "available", "binary", "harness", "invoke", "load_error",
           "run_batch", "same_outcome", "script", "version"]
