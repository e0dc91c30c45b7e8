// cfroutes 0.1.0 security input-sha256:783727f7b9e0e95c
// P: pattern routes in order; G: first path segment -> positions in P to try;
// X: exact tables [k, {dir: {'/last': action}}]: exact routes preceded by k pattern
// routes (only non-empty k); an action string is a 301 that keeps the query, where
// B stands for the last path segment.
var H = [
  {p:[],s:1,sh:[["x-content-type-options","nosniff"],["x-frame-options","DENY"]],rh:["x-powered-by"]},  // header rule 1 (headers.yaml:8)
  {p:["assets"],s:1,sh:[["cache-control","public, max-age=31536000, immutable"]],ss:[200]}  // header rule 2 (headers.yaml:11)
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
// match a route or header rule against the request; the bindings or null
function M(r, c) {
  var b = Object.create(null), i, p, v, a;
  b.host = c.h; b.path = c.u;  if (r.p) {
    p = r.p;
    a = r.s ? c.g : c.n;
    if (r.s ? a.length < p.length : a.length != p.length) return null;
    for (i = 0; i < p.length; i++) {
      v = a[i];
      if (typeof p[i] == 'string') { if (p[i] !== v) return null; }
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
// set/remove headers on request or response headers
function E(o, r, b) {
  var i;
  if (r.sh) for (i = 0; i < r.sh.length; i++) o[r.sh[i][0]] = { value: T(r.sh[i][1], b) };
  if (r.rh) for (i = 0; i < r.rh.length; i++) delete o[r.rh[i]];
}
// viewer-response: header rules on the response that goes back
function R(o, e) {
  var c = C(e.request), i, b;
  for (i = 0; i < H.length; i++) if ((!H[i].ss || H[i].ss.indexOf(o.statusCode) >= 0) && (b = M(H[i], c))) E(o.headers, H[i], b);
  return o;
}
// a request that goes on: index file, then header rules
function N(q, c) {
  return q;
}
function handler(e) {
  var q = e.request, u = q.uri, c = null, x = null, xa = 0, xr = 0, i, r, b, v, n, L, k, d, kd, kl;
  return R(e.response, e);
}
