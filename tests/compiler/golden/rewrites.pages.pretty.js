// cfroutes 0.1.0 pages input-sha256:b2a85e5df977574d
// P: pattern routes in order; G: first path segment -> positions in P to try;
// X: exact tables [k, {dir: {'/last': action}}]: exact routes preceded by k pattern
// routes (only non-empty k); an action string is a 301 that keeps the query, where
// B stands for the last path segment.
var P = [
  {p:["docs",["section"],["page"]],ts:0,t:"w",u:["/public/docs/",["section"],"/",["page"],".html"]},  // docs (rewrites.yaml:9)
  {p:[],s:1,t:"w",u:["/public/",["splat"]]}  // site (rewrites.yaml:15)
];
var G = {"/docs":[0,1],"":[1]};
var X = [
  [1, {
    "": {
      "/healthz":{t:"s",st:200,b:"ok"}  // health (rewrites.yaml:12)
    }
  }]
];
var Z = {};  // thrown when a JSON lookup lacks a field: the lookup counts as missing
function own(o, k) { return o != null && Object.prototype.hasOwnProperty.call(o, k); }
function hv(o, k) { return own(o, k) ? o[k].value : undefined; }
// the request's query string rebuilt from the event: k=v joined by &, bare k when empty
function qs(o) {
  var a = '', n = 0, k, m, j;
  for (k in o) {
    m = o[k].multiValue;
    if (m && m.length) { for (j = 0; j < m.length; j++) a += (n++ ? '&' : '') + (m[j].value === '' ? k : k + '=' + m[j].value); }
    else a += (n++ ? '&' : '') + (o[k].value === '' ? k : k + '=' + o[k].value);
  }
  return a;
}
// per-request context of the generic path: raw and normalised path, host, snapshot of conditions
// (built only when a pattern route or header rule is tried; exact routes read q.uri alone)
function C(q) {
  var u = q.uri, s = u.slice(1), g = s === '' ? [] : s.split('/'), n = g, t = 0, h = hv(q.headers, 'host') || '';
  if (g.length && g[g.length - 1] === '') { n = g.slice(0, -1); t = 1; }
  return {
    u: u, g: g, n: n, t: t,
    h: h
  };
}
function lc(x) { return x.toLowerCase(); }
function NP(m) {
  if (m.charCodeAt(0) == 37) return m.toUpperCase();
  try { return encodeURIComponent(m); } catch (z) { return m; }
}
// UE(s): a Location or rewritten URI rendered from a template made valid URI text: the non-ASCII
// characters a data value brought in as UTF-8 %XX (semantics §5; literal text is at build time)
function UE(s) { return /[^\x00-\x7f]/.test(s) ? s.replace(/[^\x00-\x7f]+/g, NP) : s; }
// match a route or header rule against the request; the bindings or null
function M(r, c) {
  var b = Object.create(null), i, p, v, a;
  b.host = c.h; b.path = c.u;  if (r.p) {
    p = r.p;
    a = r.s ? c.g : c.n;
    if (r.s ? a.length < p.length : a.length != p.length || (!r.s && r.ts != c.t)) return null;
    for (i = 0; i < p.length; i++) {
      v = a[i];
      if (typeof p[i] == 'string') { if (p[i] !== lc(v)) return null; }
      else if (v === '') return null; else b[p[i][0]] = v;
    }
    if (r.s) b.splat = a.slice(p.length).join('/');
  }
  return b;
}
// render a template: strings are literal, [name, field...] reads a binding; x (D only, with
// JSON lookups): a field value it matches counts as missing; n (with placeholders in a redirect's
// host): the values of the first n parts are percent-encoded
function T(t, b) {
  if (typeof t == 'string') return t;
  var s = '', i, j, v, p;
  for (i = 0; i < t.length; i++) {
    p = t[i];
    if (typeof p == 'string') { s += p; continue; }
    v = b[p[0]];
    // fields of JSON objects only: an array (its length) or a string has none
    for (j = 1; j < p.length; j++) { if (typeof v != 'object' || Array.isArray(v) || !own(v, p[j])) throw Z; v = v[p[j]]; }
    if (v === null || typeof v == 'object') throw Z;
    s += v;
  }
  return s;
}
// a response made at the edge
function S(r) {
  var h = {}, i;
  if (r.hh) for (i = 0; i < r.hh.length; i++) h[r.hh[i][0]] = { value: r.hh[i][1] };
  // content_type always sets content-type; a body without one defaults to text/plain
  if (r.ct) h['content-type'] = { value: r.ct };
  else if (r.b !== undefined && !h['content-type']) h['content-type'] = { value: 'text/plain; charset=utf-8' };
  var o = { statusCode: r.st, headers: h };
  if (r.b !== undefined) o.body = r.b;
  return o;
}
// rewrite the uri (and query) of the request
function W(w, q, b) {
  var s = typeof w.u == 'string' ? w.u : UE(T(w.u, b)), i = s.indexOf('?'), o, a, j, k, v, e;
  q.uri = (i < 0 ? s : s.slice(0, i)).replace(/^(?!\/)/, '/');
  if (w.qd) q.querystring = {};
  if (i < 0) return;
  o = q.querystring;
  a = s.slice(i + 1).split('&');
  for (j = 0; j < a.length; j++) {
    if (a[j] === '') continue;
    e = a[j].indexOf('=');
    k = e < 0 ? a[j] : a[j].slice(0, e);
    v = e < 0 ? '' : a[j].slice(e + 1);
    if (k === '__proto__') continue;
    if (!own(o, k)) o[k] = { value: v };
    else o[k] = { value: o[k].value, multiValue: (o[k].multiValue || [{ value: o[k].value }]).concat([{ value: v }]) };
  }
}
// run a route's action; returns the response or the request that goes on
function A(r, b, c, q, e) {
  var o;
  if (r.t == 's') o = S(r);
  if (o) {
    return o;
  }
  if (r.t == 'w') W(r, q, b);
  return N(q, c);
}
// a request that goes on: index file, then header rules
function N(q, c) {
  var u = q.uri;
  if (u.charCodeAt(u.length - 1) == 47) q.uri = u + "index.html";
  else if (u.lastIndexOf('.') <= u.lastIndexOf('/')) q.uri = u + '/' + "index.html";
  return q;
}
function handler(e) {
  var q = e.request, u = q.uri, c = null, x = null, xa = 0, xr = 0, i, r, b, v, n, L, k, d, kd, kl;
  // the key (docs/semantics.md §1) from the uri alone: '/' + its segments without one
  // trailing slash (kept under strict); "//" matches no exact route
  k = u.charCodeAt(0) == 47 ? u : '/' + u.slice(1);
  if (u == '//') k = '';
  k = k.toLowerCase();
  // split into directory and '/last'
  d = k.lastIndexOf('/'); kd = k.slice(0, d); kl = k.slice(d);
  // X[i][1][dir]['/last']: plain reads are safe, no key of X is a name of Object.prototype
  // (dirs are '' or start with '/', '/last' always does; a '__proto__' host is an own property)
  for (i = 0; i < X.length; i++) {
    if ((v = X[i][1][kd]) && (v = v[kl])) break;
  }
  if (i < X.length) { xr = X[i][0]; xa = v; }
  // the pattern routes of the first path segment's group, those before the exact match
  n = xa ? xr : P.length;
  if (n) {
    i = u.indexOf('/', 1);
    L = G['/' + lc((i < 0 ? u.slice(1) : u.slice(1, i)))] || G[''];
  }
  if (L && L[0] < n) {
    c = C(q);
    for (i = 0; i < L.length && L[i] < n; i++) {
      r = P[L[i]];
      b = M(r, c);
      if (!b) continue;
      return A(r, b, c, q, e);
    }
  }
  if (xa) {
    if (!c) c = C(q);
    b = Object.create(null);
    b.host = c.h; b.path = c.u;
    return A(xa, b, c, q, e);
  }
  return N(q, c);
}
