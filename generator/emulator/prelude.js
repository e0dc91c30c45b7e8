//#section core
// Shim of the CloudFront Functions runtime, kept small: compiling JS is the main cost of
// a fresh context, so Python drives the handler itself and loads only the sections a
// function can reach (runtime.py), inside one strict IIFE with CFG from Python.
var G = globalThis, O = Object, defProp = O.defineProperty, JP = JSON.parse, JS = JSON.stringify;
var hasOwn = O.prototype.hasOwnProperty, DIGEST_BUF = CFG.digest === "buffer", ocreate = O.create, RD = Date, NoFn;
var T0 = G.__cf_t0, steps = 0, budget = G.__cf_budget, over = false, logs = [], logChars = 0, origin = null;
// time spent in shims of what CloudFront runs natively (cf.cwt): left out of ComputeUtilization
var PNOW = G.performance && typeof G.performance.now === "function" ? G.performance.now.bind(G.performance) : null, nativeMs = 0;
// the store is parsed here, before the 2 MB function memory limit is set: in CloudFront its
// data lives outside the function
// KVO: the call's overrides over it (a test case's `kvs:`; null = deleted), set per call by __cf$reset
var EVTYPE = G.__cf_evtype, KVSJ = "", KVS = G.__cf_kvs ? JP(G.__cf_kvs) : null, KVO = null, MODS = {}, REG = {}, TENANT = null;
delete G.__cf_t0; delete G.__cf_kvs; delete G.__cf_budget; delete G.__cf_evtype;
defProp(G, "__cf$t", { value: function () { if (++steps > budget) { over = true; throw new RangeError("step budget exceeded"); } } });
defProp(G, "__cf$m", { value: REG });
defProp(G, "__cf$s", { value: function () { return JS({ steps: steps, over: over, logs: logs, origin: origin, native_us: nativeMs * 1000 }); } });
// warm reuse (WarmFunction): the per-invocation state, reset before each call
defProp(G, "__cf$reset", { value: function (t0, b, ev, kj, ko) {
  T0 = t0; steps = 0; budget = b; over = false; logs = []; logChars = 0; origin = null; EVTYPE = ev; nativeMs = 0;
  TENANT = null;
  if (kj !== "=") KVS = kj ? JP(kj) : null;
  KVO = ko ? JP(ko) : null;
} });
// the distribution tenant of this call (multi-tenant distribution): the emulator's own event key
// `__cf_tenant` ({id, params}) is taken off the event before the handler sees it; none = standard
defProp(G, "__cf$tenant", { value: function (ev) {
  var t = ev !== null && typeof ev === "object" ? ev.__cf_tenant : undefined;
  if (t !== undefined) delete ev.__cf_tenant;
  TENANT = t !== null && typeof t === "object" ? t : null;
} });
function native(f) {  // f, with its running time counted in nativeMs
  return function nativeCall() {
    var t = PNOW ? PNOW() : 0;
    try { return f.apply(this, arguments); } finally { if (PNOW) nativeMs += PNOW() - t; }
  };
}
function mod(name) { var m = MODS[name]; if (typeof m === "function") m = MODS[name] = m(); return m; }
// The function's output as CloudFront reads it (validate.py sees exactly this): own enumerable
// properties, each read once (a getter runs once), toJSON never called, built from built-ins
// captured here (the function cannot replace them); cycles, depth and size are bounded.
var OKEYS = O.keys, GOPD = O.getOwnPropertyDescriptor, ISARR = Array.isArray, FIN = isFinite, PRM = Promise;
var CALL = Function.prototype.call.bind(Function.prototype.call), AJOIN = Array.prototype.join, OUT_MAX = 10000, OUT_DEPTH = 64;
function readOut(root, wrap) {  // wrap: as {"v": root} (one flat string: ropes cannot cross to Python)
  var stack = [], count = 0, buf = wrap ? ['{"v":'] : [];
  function fail(why) { throw new TypeError("the returned object cannot be serialised: " + why); }
  function put(s) { buf[buf.length] = s; }
  function prop(o, k) {
    var d = GOPD(o, k);
    if (!d || !d.enumerable) return undefined;
    return CALL(hasOwn, d, "get") || CALL(hasOwn, d, "set") ? (d.get === undefined ? undefined : CALL(d.get, o)) : d.value;
  }
  function val(v) {  // writes v to buf; false when JSON leaves it out (function, symbol, undefined)
    var t = typeof v, i, n, k, x, keys;
    if (++count > OUT_MAX) fail("more than " + OUT_MAX + " values");
    if (v === null) put("null");
    else if (t === "string") put(JS(v));
    else if (t === "number") put(FIN(v) ? "" + v : "null");
    else if (t === "boolean") put(v ? "true" : "false");
    else if (t !== "object") return false;
    else {
      if (stack.length >= OUT_DEPTH) fail("nested more than " + OUT_DEPTH + " levels");
      for (i = 0; i < stack.length; i++) if (stack[i] === v) fail("circular structure");
      stack[stack.length] = v;
      if (ISARR(v)) {
        put("[");
        for (i = 0, n = v.length; i < n; i++) { if (i) put(","); if (!val(prop(v, "" + i))) put("null"); }
        put("]");
      } else {
        put("{"); keys = OKEYS(v);
        for (i = 0, n = 0; i < keys.length; i++) {
          k = keys[i]; x = prop(v, k); t = typeof x;
          if (t === "function" || t === "symbol" || t === "undefined") continue;
          if (n++) put(",");
          put(JS(k)); put(":"); val(x);
        }
        put("}");
      }
      stack.length--;
    }
    return true;
  }
  if (!val(root)) put("null");
  if (wrap) put("}");
  return CALL(AJOIN, buf, "");
}
defProp(G, "__cf$out", { value: function (v, wrap) { return !wrap && v instanceof PRM ? "P" : readOut(v, wrap); } });

//#section console
function fmt(v) {
  if (v !== null && typeof v === "object") { try { return JS(v); } catch (e) { /* cyclic */ } }
  return String(v);
}
G.console = { log: function log(msg) { if (logChars <= 10240) { var s = fmt(msg); logChars += s.length; logs.push(s); } } };

//#section date
var FD = function Date(a, b, c, d, e, f, g) {
  if (!(this instanceof FD)) return new RD(T0).toString();
  var n = arguments.length;
  return n === 0 ? new RD(T0) : n === 1 ? new RD(a) : new RD(a, b, n > 2 ? c : 1, n > 3 ? d : 0, n > 4 ? e : 0, n > 5 ? f : 0, n > 6 ? g : 0);
};
FD.prototype = RD.prototype; FD.UTC = RD.UTC; FD.parse = RD.parse;
FD.now = function now() { return T0; };
defProp(RD.prototype, "constructor", { value: FD, writable: true, configurable: true });
defProp(G, "Date", { value: FD, writable: true, configurable: true });

//#section noeval
var noEval = function () { throw new EvalError("eval is not supported in CloudFront Functions"); };
NoFn = function Function() { throw new EvalError("the Function constructor is not supported in CloudFront Functions"); };
defProp(noEval, "name", { value: "eval" });
NoFn.prototype = Function.prototype;
defProp(Function.prototype, "constructor", { value: NoFn, configurable: true });
defProp(G, "eval", { value: noEval, writable: true, configurable: true });
defProp(G, "Function", { value: NoFn, writable: true, configurable: true });
defProp(O.getPrototypeOf(async function () {}), "constructor", { value: NoFn, configurable: true });

//#section require
G.require = function require(name) {
  if (CFG.req.indexOf(name) < 0 || !hasOwn.call(MODS, name)) throw new Error("Cannot find module '" + name + "'");
  return mod(name);
};

//#section objcreate
O.create = function create(proto) {
  if (arguments.length > 1) throw new TypeError("Object.create: a property list is not supported");
  return ocreate(proto);
};

//#section memerr
G.MemoryError = function MemoryError(m) { var e = new Error(m); O.setPrototypeOf(e, MemoryError.prototype); return e; };
G.MemoryError.prototype = ocreate(Error.prototype);
G.MemoryError.prototype.name = "MemoryError";
G.MemoryError.prototype.constructor = G.MemoryError;

//#section rawqs
// request.rawQueryString() (2.0), rebuilt from the event's querystring object.
defProp(G, "__cf_req", { configurable: true, value: function (ev) {
  var req = ev && ev.request;
  delete G.__cf_req;
  if (!req || typeof req !== "object") return;
  defProp(req, "rawQueryString", { writable: true, configurable: true, value: function rawQueryString() {
    var qs = req.querystring || {}, out = [], k, v, m, i;
    for (k in qs) {
      v = qs[k]; if (!v || typeof v !== "object") continue;
      m = v.multiValue && v.multiValue.length ? v.multiValue : [v];
      for (i = 0; i < m.length; i++) out.push(m[i].value === "" ? k : k + "=" + m[i].value);
    }
    return out.length ? out.join("&") : undefined;
  } });
} });

//#section bytes
// Byte helpers shared by Buffer, crypto, TextEncoder and the 1.0 String byte methods.
var U8 = Uint8Array, B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
var B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", B64REV = {};
(function () { for (var i = 0; i < 64; i++) { B64REV[B64.charAt(i)] = i; B64REV[B64URL.charAt(i)] = i; } })();
function utf8Enc(s) {
  var out = [], i, c, c2, n = s.length;
  for (i = 0; i < n; i++) {
    c = s.charCodeAt(i);
    if (c < 0x80) { out.push(c); continue; }
    if (c < 0x800) { out.push(0xc0 | c >> 6, 0x80 | c & 63); continue; }
    if (c >= 0xd800 && c < 0xdc00 && i + 1 < n && (c2 = s.charCodeAt(i + 1)) >= 0xdc00 && c2 < 0xe000) {
      c = 0x10000 + ((c - 0xd800) << 10) + (c2 - 0xdc00); i++;
      out.push(0xf0 | c >> 18, 0x80 | c >> 12 & 63, 0x80 | c >> 6 & 63, 0x80 | c & 63); continue;
    }
    if (c >= 0xd800 && c < 0xe000) c = 0xfffd;
    out.push(0xe0 | c >> 12, 0x80 | c >> 6 & 63, 0x80 | c & 63);
  }
  return new U8(out);
}
// Decodes UTF-8; with `strict` returns null on malformed input, else uses U+FFFD.
function utf8Dec(b, strict) {
  var out = "", i = 0, n = b.length, c, need, cp, min, j, chunk = [];
  while (i < n) {
    c = b[i++];
    if (c < 0x80) { cp = c; }
    else {
      if (c >= 0xc2 && c < 0xe0) { need = 1; cp = c & 31; min = 0x80; }
      else if (c >= 0xe0 && c < 0xf0) { need = 2; cp = c & 15; min = 0x800; }
      else if (c >= 0xf0 && c < 0xf5) { need = 3; cp = c & 7; min = 0x10000; }
      else { if (strict) return null; cp = 0xfffd; need = 0; }
      for (j = 0; j < need; j++) {
        if (i >= n || (b[i] & 0xc0) !== 0x80) { if (strict) return null; cp = 0xfffd; break; }
        cp = cp << 6 | b[i++] & 63;
      }
      if (need && cp !== 0xfffd && (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000))) {
        if (strict) return null; cp = 0xfffd;
      }
    }
    if (cp > 0xffff) { cp -= 0x10000; chunk.push(0xd800 + (cp >> 10), 0xdc00 + (cp & 1023)); }
    else chunk.push(cp);
    if (chunk.length > 4096) { out += String.fromCharCode.apply(null, chunk); chunk = []; }
  }
  return out + String.fromCharCode.apply(null, chunk);
}
function hexEnc(b) {
  var s = "", i, h;
  for (i = 0; i < b.length; i++) { h = b[i].toString(16); s += h.length < 2 ? "0" + h : h; }
  return s;
}
function hexDec(s) {
  var out = [], i, v;
  for (i = 0; i + 1 < s.length; i += 2) {
    v = parseInt(s.substr(i, 2), 16);
    if (isNaN(v) || !/^[0-9a-fA-F]{2}$/.test(s.substr(i, 2))) break;
    out.push(v);
  }
  return new U8(out);
}
function b64Enc(b, url) {
  var a = url ? B64URL : B64, s = "", i, n = b.length, x;
  for (i = 0; i + 2 < n; i += 3) {
    x = b[i] << 16 | b[i + 1] << 8 | b[i + 2];
    s += a.charAt(x >> 18 & 63) + a.charAt(x >> 12 & 63) + a.charAt(x >> 6 & 63) + a.charAt(x & 63);
  }
  if (n - i === 1) { x = b[i] << 16; s += a.charAt(x >> 18 & 63) + a.charAt(x >> 12 & 63) + (url ? "" : "=="); }
  else if (n - i === 2) {
    x = b[i] << 16 | b[i + 1] << 8;
    s += a.charAt(x >> 18 & 63) + a.charAt(x >> 12 & 63) + a.charAt(x >> 6 & 63) + (url ? "" : "=");
  }
  return s;
}
function b64Dec(s) {  // lenient like Node: skips characters outside both alphabets
  var out = [], acc = 0, bits = 0, i, v, ch;
  for (i = 0; i < s.length; i++) {
    ch = s.charAt(i);
    if (ch === "=") break;
    v = B64REV[ch];
    if (v === undefined) continue;
    acc = acc << 6 | v; bits += 6;
    if (bits >= 8) { bits -= 8; out.push(acc >> bits & 255); }
  }
  return new U8(out);
}
function latin1(b) {
  var s = "", i;
  for (i = 0; i < b.length; i += 4096) s += String.fromCharCode.apply(null, b.subarray ? b.subarray(i, i + 4096) : b.slice(i, i + 4096));
  return s;
}
function fromLatin1(s) { var b = new U8(s.length), i; for (i = 0; i < s.length; i++) b[i] = s.charCodeAt(i) & 255; return b; }
function encBytes(s, enc) {
  switch (enc === undefined ? "utf8" : String(enc).toLowerCase()) {
    case "utf8": case "utf-8": return utf8Enc(s);
    case "hex": return hexDec(s);
    case "base64": case "base64url": return b64Dec(s);
    default: throw new TypeError("Unknown encoding: " + enc);
  }
}
function decBytes(b, enc) {
  switch (enc === undefined ? "utf8" : String(enc).toLowerCase()) {
    case "utf8": case "utf-8": return utf8Dec(b, false);
    case "hex": return hexEnc(b);
    case "base64": return b64Enc(b, false);
    case "base64url": return b64Enc(b, true);
    default: throw new TypeError("Unknown encoding: " + enc);
  }
}
function toBytesArg(d, enc) {
  if (typeof d === "string") return encBytes(d, enc);
  if (d instanceof U8) return d;
  if (ArrayBuffer.isView(d)) return new U8(d.buffer, d.byteOffset, d.byteLength);
  if (d instanceof ArrayBuffer) return new U8(d);
  throw new TypeError("data must be a string, Buffer, TypedArray or DataView");
}

//#section atob
// quickjs-ng has atob/btoa natively; quickjs 1.19.4 does not.
if (typeof G.atob !== "function") {
  G.btoa = function btoa(s) {
    s = String(s);
    for (var i = 0; i < s.length; i++) if (s.charCodeAt(i) > 255) throw new Error("btoa: invalid character");
    return b64Enc(fromLatin1(s), false);
  };
  G.atob = function atob(s) { return latin1(b64Dec(String(s).replace(/[\t\n\f\r ]/g, ""))); };
}

//#section strbytes
// cloudfront-js-1.0 String byte methods; a "byte string" is a string of chars 0..255.
(function () {
  function sl(s, a, b) { return a === undefined ? s : s.slice(a, b); }
  function def(o, n, f) { defProp(o, n, { value: f, writable: true, configurable: true }); }
  def(String, "bytesFrom", function bytesFrom(v, enc) {
    if (typeof v === "string") {
      if (enc === "hex") return latin1(hexDec(v));
      if (enc === "base64" || enc === "base64url") return latin1(b64Dec(v));
      throw new TypeError("String.bytesFrom: unknown encoding " + enc);
    }
    var b = [], i; for (i = 0; i < v.length; i++) b.push(Number(v[i]) & 255);
    return latin1(b);
  });
  def(String.prototype, "fromBytes", function fromBytes(a, b) {
    var s = sl(String(this), a, b), i; for (i = 0; i < s.length; i++) if (s.charCodeAt(i) > 255) return null;
    return s;
  });
  def(String.prototype, "toBytes", function toBytes(a, b) {
    var s = sl(String(this), a, b), i; for (i = 0; i < s.length; i++) if (s.charCodeAt(i) > 255) return null;
    return s;
  });
  def(String.prototype, "toUTF8", function toUTF8(a, b) { return latin1(utf8Enc(sl(String(this), a, b))); });
  def(String.prototype, "fromUTF8", function fromUTF8(a, b) {
    var s = sl(String(this), a, b), i; for (i = 0; i < s.length; i++) if (s.charCodeAt(i) > 255) return null;
    return utf8Dec(fromLatin1(s), true);
  });
})();

//#section textcodec
G.TextEncoder = function TextEncoder() { if (!(this instanceof TextEncoder)) throw new TypeError("Constructor TextEncoder requires 'new'"); };
G.TextEncoder.prototype.encoding = "utf-8";
G.TextEncoder.prototype.encode = function encode(s) { return utf8Enc(s === undefined ? "" : String(s)); };
G.TextEncoder.prototype.encodeInto = function encodeInto(s, dest) {
  var read = 0, written = 0, i, ch, b;
  s = String(s);
  for (i = 0; i < s.length; i += ch.length) {
    ch = s.charAt(i); var c = s.charCodeAt(i);
    if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) ch = s.substr(i, 2);
    b = utf8Enc(ch);
    if (written + b.length > dest.length) break;
    dest.set(b, written); written += b.length; read += ch.length;
  }
  return { read: read, written: written };
};
G.TextDecoder = function TextDecoder(label, opts) {
  if (!(this instanceof TextDecoder)) throw new TypeError("Constructor TextDecoder requires 'new'");
  var l = label === undefined ? "utf-8" : String(label).toLowerCase();
  if (l !== "utf-8" && l !== "utf8") throw new RangeError("TextDecoder: unsupported encoding " + label);
  this.encoding = "utf-8"; this.fatal = !!(opts && opts.fatal); this.ignoreBOM = !!(opts && opts.ignoreBOM);
};
G.TextDecoder.prototype.decode = function decode(d) {
  var b = d === undefined ? new U8(0) : toBytesArg(d);
  if (!this.ignoreBOM && b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) b = b.subarray(3);
  var s = utf8Dec(b, this.fatal);
  if (s === null) throw new TypeError("The encoded data was not valid for encoding utf-8");
  return s;
};

//#section buffer
(function () {
  var DV = DataView, TAP = O.getPrototypeOf(U8.prototype), u8sub = U8.prototype.subarray;
  var ENCS = ["utf8", "utf-8", "hex", "base64", "base64url"];
  function wrap(u) { O.setPrototypeOf(u, Buffer.prototype); return u; }
  function Buffer(a, b) { return Buffer.from(a, b); }
  Buffer.prototype = ocreate(U8.prototype);
  defProp(Buffer.prototype, "constructor", { value: Buffer, writable: true, configurable: true });
  Buffer.from = function from(v, enc, len) {
    if (typeof v === "string") return wrap(encBytes(v, enc));
    if (v instanceof ArrayBuffer) return wrap(new U8(v, enc || 0, len === undefined ? v.byteLength - (enc || 0) : len));
    if (ArrayBuffer.isView(v)) return wrap(new U8(new U8(v.buffer, v.byteOffset, v.byteLength)));
    if (Array.isArray(v)) { var u = new U8(v.length), i; for (i = 0; i < v.length; i++) u[i] = Number(v[i]) & 255; return wrap(u); }
    if (v && typeof v === "object" && v.type === "Buffer" && Array.isArray(v.data)) return Buffer.from(v.data);
    if (v && typeof v === "object" && typeof v.length === "number") return Buffer.from(Array.prototype.slice.call(v));
    throw new TypeError("Buffer.from: unsupported argument");
  };
  Buffer.alloc = function alloc(n, fill, enc) { var b = wrap(new U8(n)); if (fill !== undefined) b.fill(fill, 0, n, enc); return b; };
  Buffer.allocUnsafe = function allocUnsafe(n) { return wrap(new U8(n)); };
  Buffer.byteLength = function byteLength(v, enc) { return typeof v === "string" ? encBytes(v, enc).length : v.byteLength; };
  Buffer.isBuffer = function isBuffer(v) { return v instanceof Buffer; };
  Buffer.isEncoding = function isEncoding(e) { return typeof e === "string" && ENCS.indexOf(e.toLowerCase()) >= 0; };
  Buffer.compare = function compare(a, b) {
    var i, n = Math.min(a.length, b.length);
    for (i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
    return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
  };
  Buffer.concat = function concat(list, total) {
    var n = 0, i, off = 0, out;
    for (i = 0; i < list.length; i++) n += list[i].length;
    out = wrap(new U8(total === undefined ? n : total));
    for (i = 0; i < list.length && off < out.length; i++) {
      out.set(list[i].length + off > out.length ? list[i].subarray(0, out.length - off) : list[i], off); off += list[i].length;
    }
    return out;
  };
  var P = Buffer.prototype;
  P.toString = function toString(enc, s, e) { return decBytes(u8sub.call(this, s || 0, e === undefined ? this.length : e), enc); };
  P.toJSON = function toJSON() { return { type: "Buffer", data: Array.prototype.slice.call(this) }; };
  P.equals = function equals(o) { return Buffer.compare(this, o) === 0; };
  P.compare = function compare(o) { return Buffer.compare(this, o); };
  P.subarray = P.slice = function subarray(s, e) { return wrap(u8sub.call(this, s, e)); };
  P.copy = function copy(t, ts, ss, se) {
    ts = ts || 0; ss = ss || 0; se = se === undefined ? this.length : se;
    var src = u8sub.call(this, ss, Math.min(se, ss + t.length - ts));
    t.set(src, ts); return src.length;
  };
  P.fill = function fill(v, s, e, enc) {
    s = s || 0; e = e === undefined ? this.length : e;
    var b = typeof v === "string" ? encBytes(v, enc) : null, i;
    for (i = s; i < e; i++) this[i] = b ? b[(i - s) % b.length] : v & 255;
    return this;
  };
  P.indexOf = function indexOf(v, from, enc) {
    var n = typeof v === "number" ? new U8([v & 255]) : toBytesArg(v, enc), i, j;
    for (i = from < 0 ? Math.max(this.length + from, 0) : from || 0; i + n.length <= this.length; i++) {
      for (j = 0; j < n.length && this[i + j] === n[j]; j++);
      if (j === n.length) return i;
    }
    return -1;
  };
  P.lastIndexOf = function lastIndexOf(v, from, enc) {
    var n = typeof v === "number" ? new U8([v & 255]) : toBytesArg(v, enc), i, j;
    for (i = from === undefined ? this.length - n.length : Math.min(from, this.length - n.length); i >= 0; i--) {
      for (j = 0; j < n.length && this[i + j] === n[j]; j++);
      if (j === n.length) return i;
    }
    return -1;
  };
  P.includes = function includes(v, from, enc) { return this.indexOf(v, from, enc) >= 0; };
  P.write = function write(s, off, len, enc) {
    if (typeof off === "string") { enc = off; off = 0; } else if (typeof len === "string") { enc = len; len = undefined; }
    off = off || 0;
    var b = encBytes(s, enc), n = Math.min(b.length, this.length - off, len === undefined ? Infinity : len);
    this.set(b.subarray(0, n), off); return n;
  };
  function swap(size) {
    return function () {
      if (this.length % size) throw new RangeError("Buffer size must be a multiple of " + size * 8 + "-bits");
      for (var i = 0; i < this.length; i += size) { var t = u8sub.call(this, i, i + size); TAP.reverse.call(t); }
      return this;
    };
  }
  P.swap16 = swap(2); P.swap32 = swap(4); P.swap64 = swap(8);
  function dv(b) { return new DV(b.buffer, b.byteOffset, b.byteLength); }
  [["UInt8", "Uint8", 1], ["Int8", "Int8", 1], ["UInt16", "Uint16", 2], ["Int16", "Int16", 2], ["UInt32", "Uint32", 4],
   ["Int32", "Int32", 4], ["Float", "Float32", 4], ["Double", "Float64", 8]].forEach(function (t) {
    var get = DV.prototype["get" + t[1]], set = DV.prototype["set" + t[1]], size = t[2];
    function chk(b, o) { if (o < 0 || o + size > b.length) throw new RangeError("The value of \"offset\" is out of range."); }
    var ends = size === 1 ? [""] : ["LE", "BE"];
    ends.forEach(function (end) {
      var le = end === "LE";
      P["read" + t[0] + end] = function (o) { o = o || 0; chk(this, o); return get.call(dv(this), o, le); };
      P["write" + t[0] + end] = function (v, o) { o = o || 0; chk(this, o); set.call(dv(this), o, v, le); return o + size; };
    });
  });
  // read/write(U)Int(BE|LE)(offset, byteLength): integers of 1 to 6 bytes (runtime 2.0 page)
  function vchk(b, o, n) {
    if (n !== Math.floor(n) || n < 1 || n > 6) throw new RangeError("The value of \"byteLength\" is out of range.");
    if (o !== Math.floor(o) || o < 0 || o + n > b.length) throw new RangeError("The value of \"offset\" is out of range.");
  }
  function vread(b, o, n, le, signed) {
    var v = 0, i;
    for (i = 0; i < n; i++) v = v * 256 + b[le ? o + n - 1 - i : o + i];
    return signed && v >= Math.pow(2, 8 * n - 1) ? v - Math.pow(2, 8 * n) : v;
  }
  function vwrite(b, v, o, n, le) {
    var x = Math.floor(+v), i;
    if (x < 0) x += Math.pow(2, 8 * n);
    for (i = 0; i < n; i++) { b[le ? o + i : o + n - 1 - i] = x % 256; x = Math.floor(x / 256); }
    return o + n;
  }
  [["UIntBE", false, false], ["UIntLE", true, false], ["IntBE", false, true], ["IntLE", true, true]].forEach(function (t) {
    P["read" + t[0]] = function (o, n) { vchk(this, o, n); return vread(this, o, n, t[1], t[2]); };
    P["write" + t[0]] = function (v, o, n) { vchk(this, o, n); return vwrite(this, v, o, n, t[1]); };
  });
  G.Buffer = Buffer;
})();

//#section crypto
MODS.crypto = function () {
  function rotl(x, n) { return x << n | x >>> (32 - n); }
  function pad(b, bigEndian) {
    var n = b.length, L = ((n + 8) >> 6) + 1 << 6, p = new U8(L), bits = n * 8, i;
    p.set(b); p[n] = 0x80;
    for (i = 0; i < 4; i++) {
      var lo = bits / Math.pow(2, 8 * i) & 255, hi = Math.floor(bits / 4294967296) / Math.pow(2, 8 * i) & 255;
      if (bigEndian) { p[L - 1 - i] = lo; p[L - 5 - i] = hi; } else { p[L - 8 + i] = lo; p[L - 4 + i] = hi; }
    }
    return p;
  }
  function words(h, bigEndian) {
    var out = new U8(h.length * 4), i, j;
    for (i = 0; i < h.length; i++) for (j = 0; j < 4; j++) out[i * 4 + j] = h[i] >>> (bigEndian ? 24 - 8 * j : 8 * j) & 255;
    return out;
  }
  var MK = [], MS = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21], i0;
  for (i0 = 0; i0 < 64; i0++) MK[i0] = Math.floor(Math.abs(Math.sin(i0 + 1)) * 4294967296) | 0;
  function md5(b) {
    var p = pad(b, false), h = [0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476], M = [], o, i, a, bb, c, d, f, g, t;
    for (o = 0; o < p.length; o += 64) {
      for (i = 0; i < 16; i++) M[i] = p[o + i * 4] | p[o + i * 4 + 1] << 8 | p[o + i * 4 + 2] << 16 | p[o + i * 4 + 3] << 24;
      a = h[0]; bb = h[1]; c = h[2]; d = h[3];
      for (i = 0; i < 64; i++) {
        if (i < 16) { f = bb & c | ~bb & d; g = i; }
        else if (i < 32) { f = d & bb | ~d & c; g = (5 * i + 1) % 16; }
        else if (i < 48) { f = bb ^ c ^ d; g = (3 * i + 5) % 16; }
        else { f = c ^ (bb | ~d); g = 7 * i % 16; }
        t = d; d = c; c = bb;
        bb = bb + rotl(a + f + MK[i] + M[g] | 0, MS[(i >> 4) * 4 + i % 4]) | 0; a = t;
      }
      h[0] = h[0] + a | 0; h[1] = h[1] + bb | 0; h[2] = h[2] + c | 0; h[3] = h[3] + d | 0;
    }
    return words(h, false);
  }
  function sha1(b) {
    var p = pad(b, true), h = [0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476, 0xc3d2e1f0 | 0], w = [], o, i, a, bb, c, d, e, f, k, t;
    for (o = 0; o < p.length; o += 64) {
      for (i = 0; i < 16; i++) w[i] = p[o + i * 4] << 24 | p[o + i * 4 + 1] << 16 | p[o + i * 4 + 2] << 8 | p[o + i * 4 + 3];
      for (i = 16; i < 80; i++) w[i] = rotl(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
      a = h[0]; bb = h[1]; c = h[2]; d = h[3]; e = h[4];
      for (i = 0; i < 80; i++) {
        if (i < 20) { f = bb & c | ~bb & d; k = 0x5a827999; }
        else if (i < 40) { f = bb ^ c ^ d; k = 0x6ed9eba1; }
        else if (i < 60) { f = bb & c | bb & d | c & d; k = 0x8f1bbcdc | 0; }
        else { f = bb ^ c ^ d; k = 0xca62c1d6 | 0; }
        t = rotl(a, 5) + f + e + k + w[i] | 0; e = d; d = c; c = rotl(bb, 30); bb = a; a = t;
      }
      h[0] = h[0] + a | 0; h[1] = h[1] + bb | 0; h[2] = h[2] + c | 0; h[3] = h[3] + d | 0; h[4] = h[4] + e | 0;
    }
    return words(h, true);
  }
  var SK = [], SH = [], cand = 2, cnt = 0, q;
  function frac(x) { return (x - Math.floor(x)) * 4294967296 | 0; }
  while (cnt < 64) {
    for (q = 2; q * q <= cand; q++) if (cand % q === 0) break;
    if (q * q > cand) { if (cnt < 8) SH[cnt] = frac(Math.sqrt(cand)); SK[cnt++] = frac(Math.pow(cand, 1 / 3)); }
    cand++;
  }
  function rotr(x, n) { return x >>> n | x << (32 - n); }
  function sha256(b) {
    var p = pad(b, true), h = SH.slice(), w = [], o, i, a, bb, c, d, e, f, g, hh, t1, t2;
    for (o = 0; o < p.length; o += 64) {
      for (i = 0; i < 16; i++) w[i] = p[o + i * 4] << 24 | p[o + i * 4 + 1] << 16 | p[o + i * 4 + 2] << 8 | p[o + i * 4 + 3];
      for (i = 16; i < 64; i++) {
        var x = w[i - 15], y = w[i - 2];
        w[i] = w[i - 16] + (rotr(x, 7) ^ rotr(x, 18) ^ x >>> 3) + w[i - 7] + (rotr(y, 17) ^ rotr(y, 19) ^ y >>> 10) | 0;
      }
      a = h[0]; bb = h[1]; c = h[2]; d = h[3]; e = h[4]; f = h[5]; g = h[6]; hh = h[7];
      for (i = 0; i < 64; i++) {
        t1 = hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + (e & f ^ ~e & g) + SK[i] + w[i] | 0;
        t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + (a & bb ^ a & c ^ bb & c) | 0;
        hh = g; g = f; f = e; e = d + t1 | 0; d = c; c = bb; bb = a; a = t1 + t2 | 0;
      }
      h[0] = h[0] + a | 0; h[1] = h[1] + bb | 0; h[2] = h[2] + c | 0; h[3] = h[3] + d | 0;
      h[4] = h[4] + e | 0; h[5] = h[5] + f | 0; h[6] = h[6] + g | 0; h[7] = h[7] + hh | 0;
    }
    return words(h, true);
  }
  var ALGS = { md5: md5, sha1: sha1, sha256: sha256 };
  function alg(name) {
    var f = ALGS[String(name).toLowerCase()];
    if (!f || !hasOwn.call(ALGS, String(name).toLowerCase())) throw new Error("Digest method not supported: " + name);
    return f;
  }
  function concatBytes(parts) {
    var n = 0, i, off = 0, out;
    for (i = 0; i < parts.length; i++) n += parts[i].length;
    out = new U8(n);
    for (i = 0; i < parts.length; i++) { out.set(parts[i], off); off += parts[i].length; }
    return out;
  }
  function output(bytes, enc) {
    if (enc === undefined) return DIGEST_BUF ? G.Buffer.from(bytes) : latin1(bytes);
    if (enc === "hex" || enc === "base64" || enc === "base64url") return decBytes(bytes, enc);
    throw new TypeError("Unknown digest encoding: " + enc);
  }
  function Hasher(f, key) { this._f = f; this._parts = []; this._done = false; this._key = key; }
  Hasher.prototype.update = function update(d, enc) {
    if (this._done) throw new Error("Digest already called");
    this._parts.push(toBytesArg(d, enc)); return this;
  };
  Hasher.prototype.digest = function digest(enc) {
    if (this._done) throw new Error("Digest already called");
    this._done = true;
    var msg = concatBytes(this._parts), f = this._f, k = this._key, i;
    if (k === undefined) return output(f(msg), enc);
    if (k.length > 64) k = f(k);
    var ik = new U8(64 + msg.length), ok = new U8(64 + (f === sha1 ? 20 : f === md5 ? 16 : 32));
    for (i = 0; i < 64; i++) { ik[i] = (k[i] || 0) ^ 0x36; ok[i] = (k[i] || 0) ^ 0x5c; }
    ik.set(msg, 64); ok.set(f(ik), 64);
    return output(f(ok), enc);
  };
  return {
    createHash: function createHash(a) { return new Hasher(alg(a)); },
    createHmac: function createHmac(a, key) { return new Hasher(alg(a), toBytesArg(key)); }
  };
};

//#section querystring
MODS.querystring = function () {
  function unesc(s, dec) {
    s = s.replace(/\+/g, " ");
    try { return dec(s); } catch (e) {
      // Bad escapes or bad UTF-8: decode byte-wise, malformed sequences become U+FFFD.
      var bytes = [], i, c;
      for (i = 0; i < s.length; i++) {
        c = s.charAt(i);
        if (c === "%" && /^[0-9a-fA-F]{2}$/.test(s.substr(i + 1, 2))) { bytes.push(parseInt(s.substr(i + 1, 2), 16)); i += 2; }
        else { var u = utf8Enc(c); for (var j = 0; j < u.length; j++) bytes.push(u[j]); }
      }
      return utf8Dec(bytes, false);
    }
  }
  function parse(str, sep, eq, opts) {
    var out = {}, dec = opts && typeof opts.decodeURIComponent === "function" ? opts.decodeURIComponent : decodeURIComponent;
    var max = opts && typeof opts.maxKeys === "number" ? opts.maxKeys : 1000, parts, i, p, k, v, at, n = 0;
    if (typeof str !== "string" || str === "") return out;
    parts = str.split(sep || "&");
    for (i = 0; i < parts.length; i++) {
      p = parts[i]; if (p === "") continue;
      if (max > 0 && n >= max) break;
      at = p.indexOf(eq || "=");
      k = unesc(at < 0 ? p : p.slice(0, at), dec); v = at < 0 ? "" : unesc(p.slice(at + (eq || "=").length), dec);
      if (!hasOwn.call(out, k)) { out[k] = v; n++; }
      else if (Array.isArray(out[k])) out[k].push(v);
      else out[k] = [out[k], v];
    }
    return out;
  }
  function prim(v) {
    if (typeof v === "string") return v;
    if (typeof v === "number" && isFinite(v)) return String(v);
    if (typeof v === "boolean") return v ? "true" : "false";
    return "";
  }
  function stringify(obj, sep, eq, opts) {
    var enc = opts && typeof opts.encodeURIComponent === "function" ? opts.encodeURIComponent : encodeURIComponent;
    var out = [], k, v, i;
    sep = sep || "&"; eq = eq || "=";
    if (obj === null || typeof obj !== "object") return "";
    for (k in obj) {
      if (!hasOwn.call(obj, k)) continue;
      v = obj[k];
      if (Array.isArray(v)) { for (i = 0; i < v.length; i++) out.push(enc(k) + eq + enc(prim(v[i]))); }
      else out.push(enc(k) + eq + enc(prim(v)));
    }
    return out.join(sep);
  }
  return { parse: parse, decode: parse, stringify: stringify, encode: stringify,
    escape: function escape(s) { return encodeURIComponent(s); },
    unescape: function unescape(s) { return unesc(String(s), decodeURIComponent); } };
};

//#section cloudfront
MODS.cloudfront = function () {
  function blen(s) {
    var n = 0, i, c;
    for (i = 0; i < s.length; i++) { c = s.charCodeAt(i); n += c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c < 0xdc00 ? (i++, 4) : 3; }
    return n;
  }
  function kvsHandle() {
    if (KVS === null && KVSJ !== "") KVS = JP(KVSJ);
    if (KVS === null) throw new Error("KeyValueStore is not associated with this function");
    function kvHas(key) { return KVO !== null && hasOwn.call(KVO, key) ? KVO[key] !== null : hasOwn.call(KVS, key); }
    function kvCount() {
      var n = O.keys(KVS).length, k, i, ks = KVO === null ? [] : O.keys(KVO);
      for (i = 0; i < ks.length; i++) { k = ks[i]; if (hasOwn.call(KVS, k)) { if (KVO[k] === null) n--; } else if (KVO[k] !== null) n++; }
      return n;
    }
    function check(key) {
      if (typeof key !== "string" || key === "") return "KeyValueStore key must be a non-empty string";
      if (blen(key) > 512) return "KeyValueStore key is longer than 512 bytes";
      return null;
    }
    return {
      get: function get(key, opts) {
        var bad = check(key), fmtName = opts && opts.format !== undefined ? opts.format : "string";
        if (bad) return Promise.reject(new Error(bad));
        if (!kvHas(key)) return Promise.reject(new Error("KeyValueStore key not found: " + key));
        var v = KVO !== null && hasOwn.call(KVO, key) ? KVO[key] : KVS[key];
        if (fmtName === "string") return Promise.resolve(v);
        if (fmtName === "json") { try { return Promise.resolve(JP(v)); } catch (e) { return Promise.reject(new Error("KeyValueStore value is not valid JSON: " + key)); } }
        if (fmtName === "bytes") return Promise.resolve(G.Buffer.from(v, "utf8"));
        return Promise.reject(new Error("Unknown KeyValueStore format: " + fmtName));
      },
      exists: function exists(key) {
        var bad = check(key);
        return bad ? Promise.reject(new Error(bad)) : Promise.resolve(kvHas(key));
      },
      meta: function meta() {
        var iso = new RD(T0).toISOString();
        return Promise.resolve({ creationDateTime: iso, lastUpdatedDateTime: iso, keyCount: kvCount() });
      }
    };
  }
  function record(method, params) {
    var copy;
    try { copy = params === undefined ? null : JP(readOut(params)); }
    catch (e) { throw new TypeError(method + ": parameters must be plain data (" + (e && e.message) + ")"); }
    origin = { method: method, params: copy };
  }
  var cf = {
    kvs: function kvs(id) { return kvsHandle(); },
    updateRequestOrigin: function updateRequestOrigin(p) { record("updateRequestOrigin", p); },
    selectRequestOriginById: function selectRequestOriginById(id, p) {
      record("selectRequestOriginById", { originId: id, options: p === undefined ? null : p });
    },
    createRequestOriginGroup: function createRequestOriginGroup(p) { record("createRequestOriginGroup", p); }
  };
  defProp(cf, "edgeLocation", { enumerable: true, get: function () {
    return EVTYPE === "viewer-request" ? { name: "IAD89", serverIp: "198.51.100.10", region: "us-east-1" } : undefined;
  } });
  // CloudFront SaaS Manager (DeveloperGuide "Helper methods for CloudFront SaaS Manager
  // properties"): on a standard distribution (no tenant) every use throws the type error
  // "distributionTenant module is not available"; a parameter the tenant does not have throws
  // DistributionTenantParameterKeyNotFound.
  defProp(cf, "distributionTenant", { enumerable: false, configurable: true, get: function () {
    if (TENANT === null) throw new TypeError("distributionTenant module is not available");
    var t = TENANT, params = t.params || {};
    return {
      id: t.id,
      parameters: {
        get: function get(name) {
          var key = "" + name;
          if (!hasOwn.call(params, key)) {
            var e = new Error(key);
            e.name = "DistributionTenantParameterKeyNotFound";
            throw e;
          }
          return params[key];
        }
      }
    };
  } });
  return cf;
};

//#section cwt
// cf.cwt (2.0 only): CBOR Web Tokens as COSE_Mac0 with HMAC-SHA256, at most 1 KB, after the
// DeveloperGuide page "CWT support for CloudFront Functions". CBOR (RFC 8949) and COSE_Mac0
// (RFC 8152 §6.2-6.3) in pure JS, reusing the crypto section's HMAC. Every loop is bounded
// by the 1 KB limit (lengths are checked against the bytes left before anything is read,
// nesting stops at CWT_DEPTH), so a hostile token fails fast in little memory.
(function () {
  var MAXTOK = 1024, CWT_DEPTH = 16, DV = DataView, AB = ArrayBuffer, mkCf = MODS.cloudfront;
  var INTKEY = /^(0|-?[1-9][0-9]{0,15})$/, HS256 = 5, MAC0 = [0x84, 0x64, 0x4d, 0x41, 0x43, 0x30];
  function fail(what, why) { throw new Error(what + ": " + why); }
  function bytesOf(v) { return v instanceof U8 ? v : AB.isView(v) ? new U8(v.buffer, v.byteOffset, v.byteLength) : null; }
  function keyBytes(what, ctx) {
    var k = ctx && typeof ctx === "object" ? ctx.key : undefined;
    var b = typeof k === "string" ? utf8Enc(k) : k instanceof G.Buffer ? k : null;
    if (!b || !b.length) throw new TypeError(what + ": key must be a non-empty string or Buffer");
    return b;
  }
  function hmac(key, prot, payload) {  // over MAC_structure = ["MAC0", protected, h'', payload]
    var e = encoder("", Infinity);
    e.raw(MAC0); e.bytes(prot); e.raw([0x40]); e.bytes(payload);
    return mod("crypto").createHmac("sha256", key).update(new U8(e.out)).digest();
  }

  // CBOR decoding: ints -> numbers (exact up to 2^53), byte strings -> Buffer, text strings
  // (strict UTF-8), arrays, maps -> objects with string keys, tags -> their content,
  // false/true/null/undefined, floats. Indefinite lengths and other simple values fail.
  function decoder(b, what) {
    var pos = 0;
    function need(n) { if (n > b.length - pos) fail(what, "truncated CBOR"); }
    function arg(ai) {
      if (ai < 24) return ai;
      if (ai === 31) fail(what, "indefinite-length CBOR items are not supported");
      if (ai > 27) fail(what, "malformed CBOR (reserved additional information " + ai + ")");
      var n = 1 << (ai - 24), v = 0;
      need(n);
      while (n--) v = v * 256 + b[pos++];
      return v;
    }
    function float(ai) {
      var n = ai === 25 ? 2 : ai === 26 ? 4 : 8, d, h, e, m;
      need(n); d = new DV(b.buffer, b.byteOffset + pos, n); pos += n;
      if (n === 8) return d.getFloat64(0);
      if (n === 4) return d.getFloat32(0);
      h = d.getUint16(0); e = h >> 10 & 31; m = h & 1023;
      m = e === 0 ? m * Math.pow(2, -24) : e === 31 ? (m ? NaN : Infinity) : (m + 1024) * Math.pow(2, e - 25);
      return h & 0x8000 ? -m : m;
    }
    function item(depth) {
      if (depth > CWT_DEPTH) fail(what, "CBOR nested deeper than " + CWT_DEPTH + " levels");
      need(1);
      var ib = b[pos++], mt = ib >> 5, ai = ib & 31, n, out, k, s;
      if (mt === 7) {
        if (ai >= 20 && ai <= 23) return [false, true, null, undefined][ai - 20];
        if (ai >= 25 && ai <= 27) return float(ai);
        fail(what, ai === 31 ? "unexpected CBOR break" : "unsupported CBOR simple value");
      }
      n = arg(ai);
      if (mt === 0) return n;
      if (mt === 1) return -1 - n;
      if (mt === 6) return item(depth + 1);
      if (mt === 2 || mt === 3) {
        need(n); s = new U8(n);  // copied by hand: njs 0.7.9 copies views from their buffer's start
        for (k = 0; k < n; k++) s[k] = b[pos + k];
        pos += n;
        if (mt === 2) return G.Buffer.from(s);
        if ((s = utf8Dec(s, true)) === null) fail(what, "invalid UTF-8 in a CBOR text string");
        return s;
      }
      need(mt === 4 ? n : 2 * n);  // every item takes at least one byte
      out = mt === 4 ? [] : {};
      while (n--) {
        if (mt === 4) { out.push(item(depth + 1)); continue; }
        k = item(depth + 1);
        if (typeof k === "number" && k === Math.floor(k) && Math.abs(k) <= 9007199254740991) k = String(k);
        else if (typeof k !== "string") fail(what, "CBOR map keys must be integers or text strings");
        if (hasOwn.call(out, k)) fail(what, "duplicate CBOR map key " + k);
        defProp(out, k, { value: item(depth + 1), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    function tag() {  // the tag number at pos (consumed), or -1
      if (pos >= b.length || b[pos] >> 5 !== 6) return -1;
      return arg(b[pos++] & 31);
    }
    function whole(v) { if (pos !== b.length) fail(what, "trailing bytes after the CBOR item"); return v; }
    return { item: item, tag: tag, whole: whole };
  }
  function decodeMap(b, what, part) {
    if (!b.length) return {};
    var d = decoder(b, what), v = d.whole(d.item(1));
    if (!v || typeof v !== "object" || Array.isArray(v) || v instanceof U8) fail(what, part + " must be a CBOR map");
    return v;
  }

  // CBOR encoding, capped at `cap` bytes: integer numbers -> ints, other numbers -> float64,
  // strings -> text, Buffer/TypedArray -> byte string, arrays, objects -> maps whose keys
  // spelled as integers ("4", "-1") become CBOR ints. Other values throw a TypeError.
  function encoder(what, cap) {
    var out = [];
    function room(n) { if (out.length + n > cap) fail(what, "token exceeds the 1 KB limit"); }
    function head(mt, n) {
      var hi;
      if (n < 24) { room(1); out.push(mt << 5 | n); }
      else if (n < 256) { room(2); out.push(mt << 5 | 24, n); }
      else if (n < 65536) { room(3); out.push(mt << 5 | 25, n >> 8, n & 255); }
      else if (n < 4294967296) { room(5); out.push(mt << 5 | 26, n >>> 24, n >> 16 & 255, n >> 8 & 255, n & 255); }
      else {
        hi = Math.floor(n / 4294967296); n -= hi * 4294967296; room(9);
        out.push(mt << 5 | 27, hi >>> 24, hi >> 16 & 255, hi >> 8 & 255, hi & 255, n >>> 24, n >> 16 & 255, n >> 8 & 255, n & 255);
      }
    }
    function raw(u) { room(u.length); for (var i = 0; i < u.length; i++) out.push(u[i]); }
    function bytes(u, mt) { head(mt || 2, u.length); raw(u); }
    function num(v) {
      if (v === Math.floor(v) && Math.abs(v) <= 9007199254740991) { if (v >= 0) head(0, v); else head(1, -1 - v); return; }
      var d = new DV(new AB(8)), i; d.setFloat64(0, v); room(9); out.push(0xfb);
      for (i = 0; i < 8; i++) out.push(d.getUint8(i));
    }
    function value(v, depth) {
      var ks, i, k, u;
      if (depth > CWT_DEPTH) fail(what, "value nested deeper than " + CWT_DEPTH + " levels (or cyclic)");
      if (v === null || v === true || v === false) { room(1); out.push(v === null ? 0xf6 : v ? 0xf5 : 0xf4); }
      else if (typeof v === "number") num(v);
      else if (typeof v === "string") bytes(utf8Enc(v), 3);
      else if ((u = bytesOf(v)) !== null) bytes(u);
      else if (Array.isArray(v)) { head(4, v.length); for (i = 0; i < v.length; i++) value(v[i], depth + 1); }
      else if (typeof v === "object") {
        ks = O.keys(v); head(5, ks.length);
        for (i = 0; i < ks.length; i++) {
          k = ks[i];
          if (INTKEY.test(k) && Math.abs(+k) <= 9007199254740991) num(+k); else bytes(utf8Enc(k), 3);
          value(v[k], depth + 1);
        }
      }
      else throw new TypeError(what + ": cannot encode " + (v === undefined ? "undefined" : "a " + typeof v) + " in a CWT");
    }
    return { out: out, head: head, raw: raw, bytes: bytes, value: value };
  }

  function validateToken(token, ctx) {
    var what = "CWT validation failed", key = keyBytes("cwt.validateToken", ctx), d, t, a, prot, ph, uh, p, mac, i;
    if (!(token instanceof G.Buffer)) throw new TypeError("cwt.validateToken: token must be a Buffer");
    if (token.length > MAXTOK) fail(what, "token exceeds the 1 KB limit (" + token.length + " bytes)");
    d = decoder(new U8(token.buffer, token.byteOffset, token.length), what);
    t = d.tag();
    if (t === 61) t = d.tag();
    if (t !== 17) fail(what, "not a COSE_Mac0 token (CBOR tag 17 required, optionally inside CWT tag 61)");
    a = d.whole(d.item(1));
    if (!Array.isArray(a) || a.length !== 4) fail(what, "COSE_Mac0 must be an array of 4 items");
    for (i = 0; i < 4; i++) {
      if (i !== 1 && !(a[i] instanceof G.Buffer)) fail(what, ["protected header", "", "payload", "tag"][i] + " must be a CBOR byte string");
    }
    if (!a[1] || typeof a[1] !== "object" || Array.isArray(a[1]) || a[1] instanceof U8) fail(what, "unprotected header must be a CBOR map");
    prot = a[0]; ph = decodeMap(prot, what, "protected header"); uh = a[1];
    if (ph["1"] !== HS256 && !(ph["1"] === undefined && uh["1"] === HS256)) {
      fail(what, "unsupported algorithm " + JS(ph["1"] === undefined ? uh["1"] : ph["1"]) + " (only HS256, COSE alg 5)");
    }
    if (a[3].length !== 32) fail(what, "HS256 tag must be 32 bytes, got " + a[3].length);
    mac = hmac(key, prot, a[2]);
    for (i = 0, t = 0; i < 32; i++) t |= mac[i] ^ a[3][i];
    if (t) fail(what, "signature verification failed");
    p = decodeMap(a[2], what, "payload");
    return { protectedHeaders: ph, unprotectedHeaders: uh, payload: p };
  }

  // The page gives generateToken(generatorContext, payload); its examples call
  // generateToken(cwtObject, generatorContext). Both are accepted: the context is the
  // argument with a coseTag. The token object is {protected|protectedHeaders,
  // unprotected|unprotectedHeaders, payload} (the examples use both spellings).
  function generateToken(a, b) {
    var what = "CWT generation failed", ctx = a && typeof a === "object" && "coseTag" in a && !("payload" in a) ? a : b;
    var tok = ctx === a ? b : a, key, ph = {}, uh, src, k, e, prot, payload, mac;
    if (!ctx || typeof ctx !== "object") throw new TypeError("cwt.generateToken: a context {coseTag: 'MAC0', key} is required");
    if (ctx.coseTag !== "MAC0") fail(what, "coseTag must be \"MAC0\" (the only supported COSE structure)");
    if (ctx.cwtTag !== undefined && typeof ctx.cwtTag !== "boolean") throw new TypeError("cwt.generateToken: cwtTag must be a boolean");
    key = keyBytes("cwt.generateToken", ctx);
    if (!tok || typeof tok !== "object" || !tok.payload || typeof tok.payload !== "object" || Array.isArray(tok.payload)) {
      throw new TypeError("cwt.generateToken: the token must be an object with a payload object");
    }
    src = tok.protected !== undefined ? tok.protected : tok.protectedHeaders;
    uh = tok.unprotected !== undefined ? tok.unprotected : tok.unprotectedHeaders;
    if (src !== undefined && (src === null || typeof src !== "object")) throw new TypeError("cwt.generateToken: protected headers must be an object");
    if (uh !== undefined && (uh === null || typeof uh !== "object")) throw new TypeError("cwt.generateToken: unprotected headers must be an object");
    for (k in src) if (hasOwn.call(src, k)) ph[k] = src[k];
    // the page's example writes the algorithm as the string "5"; HS256 is COSE alg 5
    if (ph["1"] === undefined || ph["1"] === "5") ph["1"] = HS256;
    if (ph["1"] !== HS256) fail(what, "unsupported algorithm " + JS(ph["1"]) + " (only HS256, COSE alg 5)");
    e = encoder(what, MAXTOK); e.value(ph, 1); prot = e.out;
    e = encoder(what, MAXTOK); e.value(tok.payload, 1); payload = e.out;
    mac = hmac(key, prot, payload);
    e = encoder(what, MAXTOK);
    if (ctx.cwtTag) e.head(6, 61);
    e.head(6, 17); e.head(4, 4); e.bytes(prot); e.value(uh || {}, 1); e.bytes(payload); e.bytes(mac);
    return G.Buffer.from(e.out);
  }

  MODS.cloudfront = function () {
    var cf = mkCf();
    cf.cwt = { validateToken: native(validateToken), generateToken: native(generateToken) };
    return cf;
  };
})();

//#section prune
// Remove every global and built-in member the runtime profile does not list.
// CFG.del is "path:name,name;path:name" ("" is the global object).
(function () {
  var TA = O.getPrototypeOf(Int8Array), groups = CFG.del.split(";"), i, j, p, obj, names;
  for (i = 0; i < groups.length; i++) {
    p = groups[i].split(":"); names = p[1] ? p[1].split(",") : [];
    if (p[0] === "") obj = G;
    else { p = p[0].split("."); obj = p[0] === "%TypedArray%" ? TA : G[p[0]]; for (j = 1; obj && j < p.length; j++) obj = obj[p[j]]; }
    for (j = 0; obj && j < names.length; j++) { try { delete obj[names[j]]; } catch (e) { /* non-configurable: keep */ } }
  }
})();

//#section modreg
O.keys(MODS).forEach(function (k) { defProp(REG, k, { enumerable: true, get: function () { return mod(k); } }); });
