"""Run CloudFront Functions in njs, the engine CloudFront's runtime descends from.

A second engine next to the QuickJS emulator (runtime.py). The function file is handed to
the `njs` binary unchanged, so njs parses exactly the bytes that ship, and njs's own
refusals (`SyntaxError: await in arguments not supported`, `Token "{" not supported in this
version`, the same strings CloudFront gives) reach the caller. What njs lacks is filled by a
harness module built from some of the prelude sections QuickJS uses (kvs, origin helpers,
frozen clock, console capture, `rawQueryString`, eval refusal, `require` of the listed
modules only, the runtime profile's built-in pruning); `crypto`, `querystring`, Buffer,
TextEncoder/TextDecoder, atob/btoa and the 1.0 String byte methods are njs's own, and so are,
written separately from the QuickJS path so that the engines disagreeing is evidence, the
event completion (`eventIn`), the reading of the FunctionOutput (`outputOf`),
`cf.distributionTenant` and `cf.cwt` (docs/fidelity.md, "How independent the njs engine is").

One njs process (`NjsWorker`) serves many events: the script is

    import __cf$h from '__cfh';<the function, byte for byte>
    ;__cf$h.run(...handler...);

(the import shares line 1, so line numbers are the function's own); the harness reads
events as JSON lines on stdin and writes one JSON line per event to a pipe of its own.
njs has no time or memory limits: each event gets a wall-clock deadline, after which the
process is killed, that event fails with "time limit exceeded" and the rest go on in a new
process; address space is capped (setrlimit), and since njs frees nothing until its
process ends, a process past RECYCLE_BYTES of heap is replaced. Steps are not counted
(the code is not instrumented) and njs's clock counts milliseconds, so `steps` and
`compute_utilization` are 0. docs/fidelity.md ("njs as a second engine") has what njs adds and misses.
"""
from __future__ import annotations

import json
import os
import re
import select
import shutil
import signal
import subprocess
import tempfile
import time
import weakref
from collections.abc import Sequence
from functools import cache
from typing import Any

from cfroutes.emulator.prelude import prelude_sections
from cfroutes.emulator.result import Invocation, cut_logs
from cfroutes.emulator.runtime import PreparedFunction
from cfroutes.emulator.store import Kvs, StoreArg
from cfroutes.emulator.validate import check_output
from cfroutes.platform.event import VIEWER_REQUEST, event_type
from cfroutes.platform.profile import STRUCTURAL, get_profile

try:
    import resource
except ImportError:  # pragma: no cover - not POSIX
    resource = None  # type: ignore[assignment]  # a missing optional module

INSTALL_HINT = "apt-get install njs, or brew install njs on macOS"
CASE_TIMEOUT = 2.0        # wall-clock seconds per event (njs has no time limit of its own)
LOAD_TIMEOUT = 20.0       # seconds for njs to start and load the function
ADDRESS_SPACE = 2 << 30   # bytes of virtual memory per njs process (njs has no memory limit)
RECYCLE_BYTES = 256 << 20  # njs never frees memory (no GC): a process past this is replaced
COMMAND_CASES = 200        # events per command, so the size is checked that often
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


@cache
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
var CFG = %(cfg)s, INIT = JSON.parse(fs.readFileSync("init.json").toString());
globalThis.__cf_t0 = Date.now(); globalThis.__cf_budget = 1e15; globalThis.__cf_evtype = INIT.t;
if (INIT.store !== null) globalThis.__cf_kvs = INIT.store;
"""

# After the prelude sections (same scope): njs's own modules, pruning, the request loop.
_GLUE_TAIL = r"""
var OUT_FD = INIT.fd, out = function (s) { fs.writeSync(OUT_FD, s + "\n"); };  // a pipe of its own: njs prints warnings on stdout
var NJS = G.njs, RAWQ = G.__cf_req, inbuf = "", chunk = Buffer.alloc(1 << 16), BSTR = Buffer.prototype.toString;
function readLine() {  // one command from stdin (ASCII JSON, one per line); null at EOF
  for (;;) {
    var nl = inbuf.indexOf("\n"), n;
    if (nl >= 0) { var line = inbuf.slice(0, nl); inbuf = inbuf.slice(nl + 1); return line; }
    n = fs.readSync(0, chunk, 0, chunk.length);
    if (!n) return null;
    inbuf += BSTR.call(chunk, "utf8", 0, n);
  }
}
function digest1(h) {  // digest_default "bytestring" (1.0): digest() without an encoding is a byte string
  return { update: function update(d, e) { h.update(d, e); return this; },
           digest: function digest(e) {
             if (e !== undefined) return h.digest(e);
             var b = h.digest(), s = "", i; for (i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
             return s; } };
}
MODS.crypto = DIGEST_BUF ? ncrypto : {
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
if (CFG.replaceAll && typeof String.prototype.replaceAll !== "function") {
  // cloudfront-js-2.0 has replaceAll; njs 0.7.9 does not
  defProp(String.prototype, "replaceAll", { writable: true, configurable: true, value: function replaceAll(p, r) {
    if (p instanceof RegExp) {
      if (p.flags.indexOf("g") < 0) throw new TypeError("replaceAll must be called with a global RegExp");
      return String(this).replace(p, r);
    }
    return String(this).replace(new RegExp(String(p).replace(/[\\^$.*+?()[\]{}|\/-]/g, "\\$&"), "g"), r);
  } });
}
// ---- njs's own event build, output reading and tenant module. Written from the Developer Guide
// (functions-event-structure, saas-specific-logic-function-code) and the recorded TestFunction
// outputs, not shared with the QuickJS path (emulator/event.complete, validate.normalise, the
// prelude's tenant getter), so that the two engines disagreeing on them is evidence
// (docs/fidelity.md, "What njs shares with QuickJS").
var TENANT_KEY = "__cf_tenant", NT = null, ISARR = Array.isArray;
function plain(v) { return v !== null && typeof v === "object" && !ISARR(v); }
function own(o, k, v) {  // an own property even for "__proto__" (a cookie may be called that)
  defProp(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}
function takeTenant(ev) {  // the emulator's carrier of this call's tenant, taken off the event
  if (!plain(ev) || !hasOwn.call(ev, TENANT_KEY)) return null;
  var t = ev[TENANT_KEY];
  delete ev[TENANT_KEY];
  return plain(t) ? { id: String(t.id), params: plain(t.params) ? t.params : {} } : null;
}
// "The request object always has querystring, headers and cookies (empty objects when the viewer
// sent none); a viewer-response event's response has headers and cookies."
function eventIn(ev) {
  if (!plain(ev)) return ev;
  [["request", ["querystring", "headers", "cookies"]], ["response", ["headers", "cookies"]]].forEach(function (p) {
    var part = ev[p[0]];
    if (plain(part)) p[1].forEach(function (k) { if (!hasOwn.call(part, k)) own(part, k, {}); });
  });
  return ev;
}
// FunctionOutput as TestFunction prints it: entries keep `value` and `multiValue` ([{value}]), a
// response's cookies also `attributes`; unknown entry fields are dropped; `cookies` is always
// there ({} when the function returned none). null: not an object (the Python validation says why).
function entryOut(e, cookieAttrs) {
  if (!plain(e)) return e;
  var o = {};
  if (hasOwn.call(e, "value")) own(o, "value", e.value);
  if (cookieAttrs && hasOwn.call(e, "attributes")) own(o, "attributes", e.attributes);
  if (hasOwn.call(e, "multiValue")) {
    o.multiValue = ISARR(e.multiValue) ? e.multiValue.map(function (m) {
      if (!plain(m)) return m;
      var x = {};
      if (hasOwn.call(m, "value")) x.value = m.value;
      if (cookieAttrs && hasOwn.call(m, "attributes")) x.attributes = m.attributes;
      return x;
    }) : e.multiValue;
  }
  return o;
}
function outputOf(v, evtype) {
  if (!plain(v)) return null;
  var kind = evtype === "viewer-response" || hasOwn.call(v, "statusCode") ? "response" : "request", o = {}, res = {};
  O.keys(v).forEach(function (k) { own(o, k, v[k]); });
  ["querystring", "headers", "cookies"].forEach(function (g) {
    var group = o[g], n;
    if (!plain(group)) return;
    n = {};
    O.keys(group).forEach(function (name) { own(n, name, entryOut(group[name], kind === "response" && g === "cookies")); });
    own(o, g, n);
  });
  if (o.cookies === undefined || o.cookies === null) own(o, "cookies", {});
  own(res, kind, o);
  return res;
}
function njsTenant() {  // cf.distributionTenant on a multi-tenant distribution, or the documented errors
  if (NT === null) throw new TypeError("distributionTenant module is not available");
  var params = NT.params;
  return { id: NT.id, parameters: { get: function get(name) {
    var key = String(name), e;
    if (!hasOwn.call(params, key)) { e = new Error(key); e.name = "DistributionTenantParameterKeyNotFound"; throw e; }
    return params[key];
  } } };
}
// cf.cwt (2.0), njs's own: CBOR Web Tokens as COSE_Mac0 with HMAC-SHA256, tokens of at most
// 1 KB (DG/cwt-support-cloudfront-functions.html; CBOR after RFC 8949, COSE_Mac0 after RFC 8152
// 6.2-6.3), on njs's Buffer and crypto. Every read is checked against the bytes left and nesting
// stops at 16 levels, so a hostile token fails fast.
var NB = G.Buffer, TD = G.TextDecoder, CWT_MAX = 1024, CWT_NEST = 16, HS256 = 5;
function cwtError(what, why) { return new Error(what + ": " + why); }
function cwtKey(fn, ctx) {
  var k = plain(ctx) ? ctx.key : undefined;
  if (typeof k === "string" && k.length) return NB.from(k, "utf8");
  if (NB.isBuffer(k) && k.length) return k;
  throw new TypeError("cwt." + fn + ": key must be a non-empty string or Buffer");
}
function isMap(v) { return plain(v) && !NB.isBuffer(v); }
function cborReader(b, what) {
  var p = 0;
  function bad(why) { throw cwtError(what, why); }
  function take(n) { var at = p; if (n > b.length - p) bad("truncated CBOR"); p += n; return at; }
  function size(ai) {
    var n, at, v = 0, i;
    if (ai < 24) return ai;
    if (ai > 27) bad(ai === 31 ? "indefinite-length CBOR items are not supported" : "malformed CBOR");
    n = [1, 2, 4, 8][ai - 24]; at = take(n);
    for (i = 0; i < n; i++) v = v * 256 + b[at + i];
    return v;
  }
  function copy(at, n) { var out = NB.alloc(n), i; for (i = 0; i < n; i++) out[i] = b[at + i]; return out; }
  function half(at) {
    var h = b[at] * 256 + b[at + 1], e = (h >> 10) & 31, m = h & 1023, v;
    v = e === 0 ? m * Math.pow(2, -24) : e === 31 ? (m ? NaN : Infinity) : (1024 + m) * Math.pow(2, e - 25);
    return h & 0x8000 ? -v : v;
  }
  function item(depth) {
    var ib, mt, ai, n, out, k, i, at;
    if (depth > CWT_NEST) bad("CBOR nested deeper than " + CWT_NEST + " levels");
    ib = b[take(1)]; mt = ib >> 5; ai = ib & 31;
    if (mt === 7) {
      if (ai >= 20 && ai <= 23) return [false, true, null, undefined][ai - 20];
      if (ai === 25) return half(take(2));
      if (ai === 26) return copy(take(4), 4).readFloatBE(0);
      if (ai === 27) return copy(take(8), 8).readDoubleBE(0);
      bad("unsupported CBOR simple value");
    }
    n = size(ai);
    if (mt === 0) return n;
    if (mt === 1) return -1 - n;
    if (mt === 6) return item(depth + 1);
    if (mt === 2) return copy(take(n), n);
    if (mt === 3) {
      at = take(n);
      try { return new TD("utf-8", { fatal: true }).decode(copy(at, n)); } catch (e) { bad("invalid UTF-8 in a CBOR text string"); }
    }
    if ((mt === 4 ? n : 2 * n) > b.length - p) bad("truncated CBOR");
    if (mt === 4) { out = []; for (i = 0; i < n; i++) out.push(item(depth + 1)); return out; }
    out = {};
    for (i = 0; i < n; i++) {
      k = item(depth + 1);
      if (typeof k === "number" && Number.isSafeInteger(k)) k = String(k);
      else if (typeof k !== "string") bad("CBOR map keys must be integers or text strings");
      if (hasOwn.call(out, k)) bad("duplicate CBOR map key " + k);
      defProp(out, k, { value: item(depth + 1), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return {
    item: item,
    tag: function () { if (p < b.length && b[p] >> 5 === 6) return size(b[take(1)] & 31); return -1; },
    end: function (v) { if (p !== b.length) bad("trailing bytes after the CBOR item"); return v; }
  };
}
function cborMap(bytes, what, part) {
  if (!bytes.length) return {};
  var r = cborReader(bytes, what), v = r.end(r.item(1));
  if (!isMap(v)) throw cwtError(what, part + " must be a CBOR map");
  return v;
}
function cborWriter(cap, what) {
  var out = [];
  function room(n) { if (out.length + n > cap) throw cwtError(what, "token exceeds the 1 KB limit"); }
  function head(mt, n) {
    var w, i, bytes = [];
    if (n < 24) { room(1); out.push(mt << 5 | n); return; }
    w = n < 256 ? 1 : n < 65536 ? 2 : n < 4294967296 ? 4 : 8;
    for (i = 0; i < w; i++) { bytes.unshift(n % 256); n = Math.floor(n / 256); }
    room(1 + w); out.push(mt << 5 | { 1: 24, 2: 25, 4: 26, 8: 27 }[w]);
    for (i = 0; i < w; i++) out.push(bytes[i]);
  }
  function bytes(u, mt) { var i; head(mt || 2, u.length); room(u.length); for (i = 0; i < u.length; i++) out.push(u[i]); }
  function num(v) {
    var f, i;
    if (Number.isSafeInteger(v)) { if (v >= 0) head(0, v); else head(1, -1 - v); return; }
    f = NB.alloc(8); f.writeDoubleBE(v, 0); room(9); out.push(0xfb);
    for (i = 0; i < 8; i++) out.push(f[i]);
  }
  function item(v, depth) {
    var keys, i, k;
    if (depth > CWT_NEST) throw cwtError(what, "value nested deeper than " + CWT_NEST + " levels (or cyclic)");
    if (v === null || v === true || v === false) { room(1); out.push(v === null ? 0xf6 : v ? 0xf5 : 0xf4); }
    else if (typeof v === "number") num(v);
    else if (typeof v === "string") bytes(NB.from(v, "utf8"), 3);
    else if (v instanceof ArrayBuffer || ArrayBuffer.isView(v)) bytes(v instanceof ArrayBuffer ? new Uint8Array(v) : new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
    else if (ISARR(v)) { head(4, v.length); for (i = 0; i < v.length; i++) item(v[i], depth + 1); }
    else if (typeof v === "object") {
      keys = O.keys(v); head(5, keys.length);
      for (i = 0; i < keys.length; i++) {
        k = keys[i];
        if (/^(0|-?[1-9][0-9]{0,15})$/.test(k) && Number.isSafeInteger(+k)) num(+k); else bytes(NB.from(k, "utf8"), 3);
        item(v[k], depth + 1);
      }
    }
    else throw new TypeError(what + ": cannot encode " + (v === undefined ? "undefined" : "a " + typeof v) + " in a CWT");
  }
  return { out: out, head: head, bytes: bytes, item: item };
}
function cwtMac(key, prot, payload) {  // HMAC-SHA256 over MAC_structure ["MAC0", protected, h'', payload]
  var w = cborWriter(Infinity, "");
  w.head(4, 4); w.item("MAC0", 1); w.bytes(prot); w.bytes([]); w.bytes(payload);
  return ncrypto.createHmac("sha256", key).update(NB.from(w.out)).digest();
}
function cwtValidate(token, ctx) {
  var what = "CWT validation failed", key = cwtKey("validateToken", ctx), r, t, a, ph, uh, mac, diff = 0, i;
  if (!NB.isBuffer(token)) throw new TypeError("cwt.validateToken: token must be a Buffer");
  if (token.length > CWT_MAX) throw cwtError(what, "token exceeds the 1 KB limit (" + token.length + " bytes)");
  r = cborReader(token, what);
  t = r.tag();
  if (t === 61) t = r.tag();
  if (t !== 17) throw cwtError(what, "not a COSE_Mac0 token (CBOR tag 17, optionally inside CWT tag 61)");
  a = r.end(r.item(1));
  if (!ISARR(a) || a.length !== 4) throw cwtError(what, "COSE_Mac0 must be an array of 4 items");
  if (!NB.isBuffer(a[0]) || !NB.isBuffer(a[2]) || !NB.isBuffer(a[3])) throw cwtError(what, "protected header, payload and tag must be CBOR byte strings");
  if (!isMap(a[1])) throw cwtError(what, "unprotected header must be a CBOR map");
  ph = cborMap(a[0], what, "protected header"); uh = a[1];
  if ((ph["1"] !== undefined ? ph["1"] : uh["1"]) !== HS256) throw cwtError(what, "unsupported algorithm (only HS256, COSE alg 5)");
  if (a[3].length !== 32) throw cwtError(what, "HS256 tag must be 32 bytes, got " + a[3].length);
  mac = cwtMac(key, a[0], a[2]);
  for (i = 0; i < 32; i++) diff |= mac[i] ^ a[3][i];
  if (diff) throw cwtError(what, "signature verification failed");
  return { protectedHeaders: ph, unprotectedHeaders: uh, payload: cborMap(a[2], what, "payload") };
}
function cwtGenerate(x, y) {  // the page gives (context, token); its examples call (token, context)
  var what = "CWT generation failed", ctx = plain(x) && hasOwn.call(x, "coseTag") && !hasOwn.call(x, "payload") ? x : y;
  var tok = ctx === x ? y : x, key, src, uh, ph = {}, k, w, prot, payload, mac;
  if (!plain(ctx)) throw new TypeError("cwt.generateToken: a context {coseTag: 'MAC0', key} is required");
  if (ctx.coseTag !== "MAC0") throw cwtError(what, "coseTag must be \"MAC0\" (the only supported COSE structure)");
  if (ctx.cwtTag !== undefined && typeof ctx.cwtTag !== "boolean") throw new TypeError("cwt.generateToken: cwtTag must be a boolean");
  key = cwtKey("generateToken", ctx);
  if (!plain(tok) || !plain(tok.payload)) throw new TypeError("cwt.generateToken: the token must be an object with a payload object");
  src = tok.protected !== undefined ? tok.protected : tok.protectedHeaders;
  uh = tok.unprotected !== undefined ? tok.unprotected : tok.unprotectedHeaders;
  if (src !== undefined && (src === null || typeof src !== "object")) throw new TypeError("cwt.generateToken: protected headers must be an object");
  if (uh !== undefined && (uh === null || typeof uh !== "object")) throw new TypeError("cwt.generateToken: unprotected headers must be an object");
  for (k in src) if (hasOwn.call(src, k)) ph[k] = src[k];
  if (ph["1"] === undefined || ph["1"] === "5") ph["1"] = HS256;  // the page's example spells alg 5 as "5"
  if (ph["1"] !== HS256) throw cwtError(what, "unsupported algorithm (only HS256, COSE alg 5)");
  w = cborWriter(CWT_MAX, what); w.item(ph, 1); prot = w.out;
  w = cborWriter(CWT_MAX, what); w.item(tok.payload, 1); payload = w.out;
  mac = cwtMac(key, prot, payload);
  w = cborWriter(CWT_MAX, what);
  if (ctx.cwtTag) w.head(6, 61);
  w.head(6, 17); w.head(4, 4); w.bytes(prot); w.item(uh || {}, 1); w.bytes(payload); w.bytes(mac);
  return NB.from(w.out);
}
if (CFG.cf) (function (base) {
  MODS.cloudfront = function () {
    var cf = typeof base === "function" ? base() : base;
    defProp(cf, "distributionTenant", { enumerable: false, configurable: true, get: njsTenant });
    cf.cwt = { validateToken: function validateToken(t, c) { return cwtValidate(t, c); },
               generateToken: function generateToken(a, b) { return cwtGenerate(a, b); } };
    return cf;
  };
})(MODS.cloudfront);
function fail(e) {
  if (e instanceof Error) return { e: (e.name || "Error") + (e.message ? ": " + e.message : ""), st: String(e.stack || "") };
  return { e: "Uncaught " + String(e), st: "" };
}
// Timing (bench/bench_njs.py): the handler `c.n` times on fresh copies of the event, in ms
// of njs's real clock (millisecond resolution, so n must be large).
async function repeat(handler, c) {
  var text = JS(c.e), k, r, t = RD.now();
  try {
    for (k = 0; k < c.n; k++) {
      G.__cf$reset(t, 1e15, c.t, "=", c.o || "");
      r = handler(eventIn(JP(text)));
      if (r !== null && typeof r === "object" && typeof r.then === "function") r = await r;
    }
  } catch (e) { return JS(fail(e)); }
  return JS({ ms: RD.now() - t, m: NJS.memoryStats.size });
}
// Commands: {"stores": [JSON text, ...], "cases": [{"e": event, "t": event type,
// "s": store index | -1 none | -2 the store of the previous case, "o": the case's overrides as JSON
// text (emulator/store.py's layer), absent for none}]}; one result line per case.
async function run(handler) {
  out("R");
  var line, cmd, i, c, rec, r, t, st, text;
  while ((line = readLine()) !== null) {
    if (!line) continue;
    cmd = JP(line);
    for (i = 0; i < cmd.cases.length; i++) {
      c = cmd.cases[i];
      G.__cf$reset(RD.now(), 1e15, c.t, c.s === -2 ? "=" : c.s < 0 ? "" : cmd.stores[c.s], c.o || "");
      NT = takeTenant(c.e);
      if (c.n) { text = await repeat(handler, c); out(text); continue; }
      t = 0;
      try {
        if (typeof handler !== "function") throw new ReferenceError("handler is not defined");
        eventIn(c.e);
        if (CFG.rawq && RAWQ) RAWQ(c.e);
        t = RD.now();
        r = handler(c.e);
        if (r !== null && typeof r === "object" && typeof r.then === "function") r = await r;
        rec = { v: r === undefined ? null : r };
      } catch (e) { rec = fail(e); }
      rec.d = t ? RD.now() - t : 0;
      st = JP(G.__cf$s()); rec.logs = st.logs; rec.origin = st.origin; rec.m = NJS.memoryStats.size;
      try {
        if ("v" in rec) {  // read once (getters run once), then FunctionOutput from that plain copy
          text = JS(rec.v);
          rec.v = text === undefined ? null : JP(text);
          if (c.t !== "connection-request") rec.o = outputOf(rec.v, c.t);
        }
        text = JS(rec);
      } catch (e) {
        text = JS({ e: "TypeError: the returned object cannot be serialised: " + e.message, st: "", d: rec.d, logs: st.logs, origin: st.origin });
      }
      out(text);
    }
  }
}
return { run: run, cloudfront: CFG.cf ? mod("cloudfront") : null };
})();
export default __cf$H;
"""


@cache
def harness(runtime: str) -> str:
    """The `__cfh` module for `runtime` (prelude sections shared with QuickJS + njs glue)."""
    prof = get_profile(runtime)
    cf = "cloudfront" in prof.import_modules
    allow = {"": sorted(prof.globals), **{k: sorted(v) for k, v in prof.members.items()}}
    cfg = {"digest": prof.digest_default, "req": sorted(prof.require_modules), "del": "", "allow": allow,
           "keep": sorted(STRUCTURAL), "rawq": prof.raw_query_string, "cf": cf,
           "replaceAll": "replaceAll" in prof.members.get("String.prototype", frozenset())}
    # the prelude's `cloudfront` section gives KVS, the origin helpers and edgeLocation; njs's glue
    # (_GLUE_TAIL) replaces its distributionTenant and adds its own cf.cwt
    body = "".join(prelude_sections()[s] for s in _SECTIONS + (("cloudfront",) if cf else ()))
    head = _GLUE_HEAD % {"cfg": json.dumps(cfg, separators=(",", ":"))}
    return head + body + _GLUE_TAIL


_CLOUDFRONT_MODULE = "import h from '__cfh';\nexport default h.cloudfront;\n"


def script(source: str) -> str:
    """The file njs runs: the harness import shares line 1 with the function's first line."""
    return ("import __cf$h from '__cfh';" + source + "\n;__cf$h.run(typeof handler === \"function\" ? handler : void 0);\n")


# ------------------------------------------------------------------ running
def _limit() -> None:  # pragma: no cover - runs in the child (resource is imported by the parent)
    if resource is not None:
        try:
            resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))
        except (ValueError, OSError):
            pass


def _location(stack: str, source: str, filename: str) -> str:
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
    return first + _location("\n".join(lines[1:]), prepared.source, prepared.filename)


def _to_invocation(rec: dict[str, Any], event: dict[str, Any], prepared: PreparedFunction) -> Invocation:
    inv = Invocation()
    inv.duration_us = float(rec.get("d") or 0) * 1000.0  # njs's clock counts milliseconds
    inv.logs = cut_logs(rec.get("logs") or [])
    inv.origin = rec.get("origin")
    if "e" in rec:
        inv.error = str(rec["e"]) + _location(str(rec.get("st") or ""), prepared.source, prepared.filename)
    else:
        check_output(inv, rec.get("v"), event)  # validation: shared (docs/fidelity.md says why)
        if inv.output is not None and isinstance(rec.get("o"), dict):
            inv.output = rec["o"]  # the FunctionOutput njs's harness read itself (outputOf)
    return inv  # steps and compute_utilization stay 0: no step count and a millisecond clock in njs


class _Dead(Exception):
    """The njs process ended or overran; args: the message for the event that was running."""


class NjsWorker:
    """One njs process running one function for many events (like runtime.WarmFunction).

    Events go in over stdin, results come back on a pipe of their own. The process starts
    on first use with that event's store (a top-level `cf.kvs()` runs at load). Only for
    functions without state between invocations: the harness resets the clock, logs,
    origin call and store per event, but globals the function changes carry over. An
    event that overruns `case_timeout` (wall clock) kills the process and fails alone;
    the next event starts a new one. A function njs refuses to load fails every event
    with njs's message (`load_error`). njs frees no memory until its process ends, so a
    process past RECYCLE_BYTES is replaced between commands. A store's base crosses once per
    process (compared by digest, emulator/store.py), a call's overrides per event; a plain
    store dict is wrapped once per object: do not change one between calls.
    """

    def __init__(self, prepared: PreparedFunction, *, case_timeout: float = CASE_TIMEOUT,
                 load_timeout: float = LOAD_TIMEOUT) -> None:
        exe = binary()
        if exe is None:
            raise NjsUnavailable()
        self.exe = exe
        self.prepared = prepared
        self.case_timeout = case_timeout
        self.load_timeout = load_timeout
        self.load_error: str | None = None  # set once njs has refused the function
        self._dir = tempfile.mkdtemp(prefix="cfroutes-njs-")
        for name, text in (("__cfh", harness(prepared.runtime)), ("cloudfront", _CLOUDFRONT_MODULE),
                           (SCRIPT, script(prepared.source))):
            with open(os.path.join(self._dir, name), "w", encoding="utf-8") as f:
                f.write(text)
        self._proc: subprocess.Popen[bytes] | None = None
        self._pipe: Any = None
        self._buf = b""
        self._last_store: str | None = None  # the digest of the base the process holds ("" none)
        self._memory = 0  # njs's heap size after the last event
        self._wrapped: dict[int, tuple[Any, Kvs]] = {}  # id(plain store) -> (it, its Kvs)
        self._finalizer = weakref.finalize(self, _cleanup, self._dir, [None, None])

    # -------------------------------------------------------------- process
    def _start(self, store: Kvs | None, evtype: str) -> None:
        rfd, wfd = os.pipe()
        with open(os.path.join(self._dir, "init.json"), "w", encoding="utf-8") as f:
            json.dump({"fd": wfd, "store": None if store is None else store.base.json, "t": evtype}, f,
                      ensure_ascii=True)
        try:
            with open(os.path.join(self._dir, "stderr"), "wb") as err:
                self._proc = subprocess.Popen([self.exe, "-r", "-p", self._dir, SCRIPT], cwd=self._dir,
                                              stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=err,
                                              pass_fds=(wfd,), preexec_fn=_limit)
        finally:
            os.close(wfd)
        self._pipe = os.fdopen(rfd, "rb", buffering=0)
        self._buf = b""
        self._finalizer.detach()
        self._finalizer = weakref.finalize(self, _cleanup, self._dir, [self._proc, self._pipe])
        line = self._readline(self.load_timeout)
        if line is None:
            self.close_process()
            raise _Dead(f"time limit exceeded: njs did not load the function within {self.load_timeout:g} s")
        if line != b"R":
            self.close_process()
            with open(os.path.join(self._dir, "stderr"), encoding="utf-8", errors="replace") as f:
                self.load_error = _load_error(f.read(), self.prepared)
            raise _Dead(self.load_error)
        self._last_store = "" if store is None else store.digest

    def close_process(self) -> None:
        if self._proc is not None:
            _stop(self._proc, self._pipe)
        self._proc = self._pipe = None
        self._last_store = None
        self._memory = 0

    def close(self) -> None:
        """End the process and remove the work files."""
        self.close_process()
        self._finalizer()

    def __enter__(self) -> NjsWorker:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _readline(self, timeout: float) -> bytes | None:
        """The next result line; b"" when the process ended; None past `timeout` seconds."""
        deadline = time.monotonic() + timeout
        fd = self._pipe.fileno()
        while True:
            nl = self._buf.find(b"\n")
            if nl >= 0:
                line, self._buf = self._buf[:nl], self._buf[nl + 1:]
                return line
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                return None
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                return b""
            self._buf += chunk

    # -------------------------------------------------------------- running
    def invoke(self, event: dict[str, Any], kvs: StoreArg = None) -> Invocation:
        return self.run([(event, kvs)])[0]

    def run(self, items: Sequence[tuple[dict[str, Any], StoreArg]]) -> list[Invocation]:
        """Every (event, kvs) in order; one Invocation each."""
        out: list[Invocation] = []
        retried = -1
        while len(out) < len(items):
            if self.load_error is not None:
                out.extend(Invocation(error=self.load_error) for _ in items[len(out):])
                break
            if self._memory > RECYCLE_BYTES:
                self.close_process()  # njs frees nothing until the process ends
            rest = items[len(out):len(out) + COMMAND_CASES]
            try:
                self._send(rest, out)
            except _Dead as dead:
                self.close_process()
                if self.load_error is not None:
                    continue  # fills the rest with the load error
                if "MemoryError" in str(dead) and retried != len(out):
                    retried = len(out)  # the memory of earlier events: once more in a fresh process
                    continue
                out.append(Invocation(error=str(dead)))
        return out

    def _kvs(self, kvs: StoreArg) -> Kvs | None:
        """The store as a Kvs (a plain mapping is wrapped once per object: its JSON is made once)."""
        if kvs is None or isinstance(kvs, Kvs):
            return kvs
        hit = self._wrapped.get(id(kvs))
        if hit is None or hit[0] is not kvs:
            if len(self._wrapped) > 64:
                self._wrapped.clear()
            wrapped = Kvs.of(kvs)
            assert wrapped is not None
            hit = self._wrapped[id(kvs)] = (kvs, wrapped)
        return hit[1]

    def _send(self, items: Sequence[tuple[dict[str, Any], StoreArg]], out: list[Invocation]) -> None:
        if self._proc is None or self._proc.poll() is not None:
            self.close_process()
            self._start(self._kvs(items[0][1]), event_type(items[0][0]))
        stores: list[str] = []
        index: dict[str, int] = {}
        cases = []
        digests: list[str] = []
        last = self._last_store
        for event, kvs in items:
            k = self._kvs(kvs)
            digest = "" if k is None else k.digest
            case: dict[str, Any] = {"e": event, "t": event_type(event)}
            if k is None:
                case["s"] = -1
            else:
                if digest == last:
                    case["s"] = -2
                else:
                    if digest not in index:
                        index[digest] = len(stores)
                        stores.append(k.base.json)
                    case["s"] = index[digest]
                if k.layer:
                    case["o"] = k.layer_json
            last = digest
            digests.append(digest)
            cases.append(case)
        data = json.dumps({"stores": stores, "cases": cases}, ensure_ascii=True, separators=(",", ":")).encode()
        assert self._proc is not None and self._proc.stdin is not None
        try:
            self._proc.stdin.write(data + b"\n")
            self._proc.stdin.flush()
        except (BrokenPipeError, OSError):
            raise _Dead(self._stopped()) from None
        allowance = 5.0 + len(data) / 20e6  # njs parses the command before the first event
        for (event, _), digest in zip(items, digests, strict=True):
            line = self._readline(self.case_timeout + allowance)
            allowance = 0.0
            if line is None:
                raise _Dead(f"time limit exceeded: the function ran longer than {self.case_timeout:g} s in njs "
                            "(runaway code, e.g. a pathological regular expression)")
            if line == b"":
                raise _Dead(self._stopped())
            rec = json.loads(line)
            self._memory = int(rec.get("m") or 0)
            out.append(_to_invocation(rec, event, self.prepared))
            self._last_store = digest

    def time_us(self, event: dict[str, Any], kvs: StoreArg, n: int) -> float:
        """Microseconds per call of the handler, over `n` calls in this process (benchmarks).

        Includes the harness's per-call reset and a JSON copy of the event: subtract the
        figure of an empty handler to get the function's own cost."""
        if self._proc is None or self._proc.poll() is not None:
            self.close_process()
            self._start(self._kvs(kvs), event_type(event))
        k = self._kvs(kvs)
        case: dict[str, Any] = {"e": event, "s": -1 if k is None else 0, "t": event_type(event), "n": n}
        if k is not None and k.layer:
            case["o"] = k.layer_json
        cmd = {"stores": [] if k is None else [k.base.json], "cases": [case]}
        assert self._proc is not None and self._proc.stdin is not None
        self._proc.stdin.write(json.dumps(cmd, ensure_ascii=True).encode() + b"\n")
        self._proc.stdin.flush()
        line = self._readline(LOAD_TIMEOUT + n * self.case_timeout)
        rec = json.loads(line) if line else {"e": self._stopped()}
        if "e" in rec:
            raise RuntimeError(str(rec["e"]))
        self._memory = int(rec.get("m") or 0)
        self._last_store = "" if k is None else k.digest
        return float(rec["ms"]) * 1000.0 / n

    def _stopped(self) -> str:
        """Why the process ended while an event ran."""
        code = None
        if self._proc is not None:
            try:
                code = self._proc.wait(5)
            except subprocess.TimeoutExpired:
                pass
        with open(os.path.join(self._dir, "stderr"), encoding="utf-8", errors="replace") as f:
            lines = [ln for ln in f.read().splitlines() if ln.strip() and ln.strip() != "Thrown:"]
        if code is not None and code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            # njs 0.7.9 does this for `await` in call arguments inside a try block (docs/fidelity.md ("njs as a second engine"))
            return f"njs crashed ({name}) running the function"
        return "njs stopped" + (f": {lines[0]}" if lines else "")


def _stop(proc: subprocess.Popen[bytes] | None, pipe: Any) -> None:
    if proc is not None:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        if proc.stdin is not None:
            try:
                proc.stdin.close()
            except OSError:
                pass
    if pipe is not None:
        pipe.close()


def _cleanup(directory: str, handles: list[Any]) -> None:
    _stop(handles[0], handles[1])
    shutil.rmtree(directory, ignore_errors=True)


def run_batch(prepared: PreparedFunction, items: Sequence[tuple[dict[str, Any], StoreArg]], *,
              case_timeout: float = CASE_TIMEOUT) -> list[Invocation]:
    """Every (event, kvs) of `items` through `prepared.source` in one njs process.

    `prepared` comes from emulator.prepare(), so the static profile has already passed.
    Raises NjsUnavailable without njs.
    """
    if not items:
        return []
    with NjsWorker(prepared, case_timeout=case_timeout) as w:
        return w.run(items)


def invoke(prepared: PreparedFunction, event: dict[str, Any], kvs: StoreArg = None, *,
           case_timeout: float = CASE_TIMEOUT) -> Invocation:
    """One event in njs (a process of its own)."""
    return run_batch(prepared, [(event, kvs)], case_timeout=case_timeout)[0]


def load_error(prepared: PreparedFunction, kvs: StoreArg = None) -> str:
    """"" when njs loads the function (with `kvs` as its store); else njs's message."""
    with NjsWorker(prepared) as w:
        try:
            w._start(Kvs.of(kvs), VIEWER_REQUEST)
        except _Dead as dead:
            return str(dead)
    return ""


def same_outcome(a: Invocation, b: Invocation) -> bool:
    """Do two engines agree? Output, origin call and validation errors exactly; errors by presence
    (the engines word their TypeErrors differently)."""
    return (a.output == b.output and a.origin == b.origin and bool(a.error) == bool(b.error)
            and a.validation_errors == b.validation_errors)


__all__ = ["INSTALL_HINT", "NjsUnavailable", "NjsWorker", "available", "binary", "harness", "invoke", "load_error",
           "run_batch", "same_outcome", "script", "version"]
