// cfroutes 0.1.0 pages config-sha256:37c4b3cd32bcd3cc
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
// o[a][b] when both are own properties, else 0 (an action is never falsy)
function xg(o, a, b) { return own(o, a) && own(o[a], b) ? o[a][b] : 0; }
function hv(o, k) { return own(o, k) ? o[k].value : undefined; }
// the request's query string rebuilt from the event: k=v joined by &, bare k when empty
function qs(o) {
  var a = [], k, m, j;
  for (k in o) {
    m = o[k].multiValue;
    if (m && m.length) { for (j = 0; j < m.length; j++) a.push(m[j].value === '' ? k : k + '=' + m[j].value); }
    else a.push(o[k].value === '' ? k : k + '=' + o[k].value);
  }
  return a.join('&');
}
// per-request context: raw and normalised path, host, snapshot of conditions
function C(q) {
  var u = q.uri, s = u.slice(1), g = s === '' ? [] : s.split('/'), n = g, t = 0, h = hv(q.headers, 'host') || '';
  if (g.length && g[g.length - 1] === '') { n = g.slice(0, -1); t = 1; }
  // "//" has one empty segment, unlike "/": no exact route can match it ('' is no key)
  var k = u == '//' ? '' : '/' + n.join('/') + (t ? '/' : '');
  return {
    u: u, g: g, n: n, t: t, h: h,
    l: h.toLowerCase().replace(/:[0-9]*$/, ''),
    k: k.toLowerCase(),
    f: n.length ? n[0].toLowerCase() : '',
    q: qs(q.querystring)
  };
}
function lc(x) { return x.toLowerCase(); }
// match a route or header rule against the request; the bindings or null
function M(r, c) {
  var b = Object.create(null), i, p, v, a;
  b.host = c.h; b.path = c.u; b.query = c.q;
  if (r.p) {
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
  var s = T(w.u, b), i = s.indexOf('?'), o, a, j, k, v, e;
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
  if (/\/$/.test(u)) q.uri = u + "index.html";
  else if (!/\.[^\/]*$/.test(u)) q.uri = u + '/' + "index.html";
  return q;
}
function handler(e) {
  var q = e.request, c = C(q), x = null, i, r, b, v, n;
  // the key split into directory and '/last' (c.s: the last segment, for B)
  var d = c.k.lastIndexOf('/'), kd = c.k.slice(0, d), kl = c.k.slice(d);
  c.s = kl.slice(1);
  for (i = 0; i < X.length && !x; i++) {
    if (v = xg(X[i][1], kd, kl)) x = [X[i][0], v];
  }
  var L = G['/' + c.f] || G[''] || [];
  n = x ? x[0] : P.length;
  for (i = 0; i < L.length && L[i] < n; i++) {
    r = P[L[i]];
    b = M(r, c);
    if (!b) continue;
    return A(r, b, c, q, e);
  }
  if (x) {
    b = Object.create(null);
    b.host = c.h; b.path = c.u; b.query = c.q;
    return A(x[1], b, c, q, e);
  }
  return N(q, c);
}
