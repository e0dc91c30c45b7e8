// cfroutes 0.1.0 moves config-sha256:3854b168a2f25fdf
// P: pattern routes in order; G: first path segment -> positions in P to try;
// X: exact tables [k, {dir: {'/last': action}}]: exact routes preceded by k pattern
// routes (only non-empty k); an action string is a 301 that keeps the query, where
// B stands for the last path segment.
var P = [
  {p:["blog"],s:1,t:"r",u:["https://blog.example.com/",["splat"]]}  // routes[3] (redirects.yaml:14)
];
var G = {"/blog":[0]};
var X = [
  [0, {
    "/old": {
      "/getting-started":"/docs/`",  // routes[0] (redirects.yaml:8)
      "/installation":"/docs/`"  // routes[1] (redirects.yaml:10)
    },
    "": {
      "/pricing.html":{t:"r",u:"/pricing",st:302}  // routes[2] (redirects.yaml:12)
    }
  }]
];
var B = "`";
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
  var k = u == '//' ? '' : '/' + n.join('/');
  return {
    u: u, g: g, n: n, t: t, h: h,
    l: h.toLowerCase().replace(/:[0-9]*$/, ''),
    k: k,
    f: n.length ? n[0] : '',
    q: qs(q.querystring)
  };
}
// match a route or header rule against the request; the bindings or null
function M(r, c) {
  var b = Object.create(null), i, p, v, a;
  b.host = c.h; b.path = c.u; b.query = c.q;
  if (r.p) {
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
// run a route's action; returns the response or the request that goes on
function A(r, b, c, q, e) {
  var o;
  if (typeof r == 'string' || r.t == 'r') {
    var l = T(typeof r == 'string' ? r.split(B).join(c.s) : r.u, b);
    if (/^[\/\\]/.test(l)) l = l.replace(/^[\/\\]+/, '/');
    if (!r.qd && c.q) l += (l.indexOf('?') < 0 ? '?' : '&') + c.q;
    o = { statusCode: r.st || 301, headers: { location: { value: l } } };
  }
  if (o) {
    return o;
  }
  return N(q, c);
}
// a request that goes on: index file, then header rules
function N(q, c) {
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
