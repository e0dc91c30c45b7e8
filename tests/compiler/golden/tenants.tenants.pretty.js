// cfroutes 0.1.0 tenants config-sha256:95a60682919e83e8
import cf from 'cloudfront';
var K = cf.kvs();
// P: pattern routes in order; G: first path segment -> positions in P to try;
// X: exact tables [k, {dir: {'/last': action}}]: exact routes preceded by k pattern
// routes (only non-empty k); an action string is a 301 that keeps the query, where
// B stands for the last path segment.
var P = [
  {p:["app"],s:1,h:[["tenant"],"example","com"],t:"w",u:["/",["folder"],"/",["splat"]],lk:[["app:",["tenant"]],"folder",0,{t:"s",st:404,b:"no such tenant"},2]}  // routes[1] (tenants.yaml:12)
];
var G = {"/app":[0]};
var B = "`";
var Z = {};  // thrown when a JSON lookup lacks a field: the lookup counts as missing
// a data value (lookup value, JSON field, condition group) with one of these characters never
// binds, by where it is rendered: 0 a header value, 1 a redirect target, 2 a URI or origin field
var V = [/[\0-\x1f\x7f]/,/[\0- \x7f]/,/[\0- \x7f#]/];
function own(o, k) { return o != null && Object.prototype.hasOwnProperty.call(o, k); }
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
  if (r.h) {
    a = c.l.split('.');
    p = r.h;
    if (r.hw ? a.length <= p.length : a.length != p.length) return null;
    a = a.slice(a.length - p.length);
    for (i = 0; i < p.length; i++) {
      if (typeof p[i] == 'string') { if (p[i] !== a[i]) return null; }
      // a host parameter binds a label of letters, digits, '-' and '_' only
      else if (!/^[a-z0-9_-]+$/.test(a[i])) return null; else b[p[i][0]] = a[i];
    }
  }
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
  if (typeof r == 'string' || r.t == 'r') {
    var l = T(typeof r == 'string' ? r.split(B).join(c.s) : r.u, b);
    if (/^[\/\\]/.test(l)) l = l.replace(/^[\/\\]+/, '/');
    if (!r.qd && c.q) l += (l.indexOf('?') < 0 ? '?' : '&') + c.q;
    o = { statusCode: r.st || 301, headers: { location: { value: l } } };
  }
  if (r.t == 's') o = S(r);
  if (o) {
    return o;
  }
  if (r.t == 'w') W(r, q, b);
  return N(q, c);
}
// a request that goes on: index file, then header rules
function N(q, c) {
  return q;
}
async function handler(e) {
  var q = e.request, c = C(q), x = null, i, r, b, v, n;
  // the key split into directory and '/last' (c.s: the last segment, for B)
  var d = c.k.lastIndexOf('/'), kd = c.k.slice(0, d), kl = c.k.slice(d);
  c.s = kl.slice(1);
  // exact routes live in the KeyValueStore: [rank, action]
  // never `await` inside a call's arguments: CloudFront refuses the whole function
  // ("await in arguments not supported"), so bind the value first
  try { v = await K.get("\u00a7r:" + c.k); x = JSON.parse(v); } catch (z) {}
  var L = G['/' + c.f] || G[''] || [];
  n = x ? x[0] : P.length;
  for (i = 0; i < L.length && L[i] < n; i++) {
    r = P[L[i]];
    b = M(r, c);
    if (!b) continue;
    if (r.lk) {
      v = T(r.lk[0], b);
      try {
        if (v.indexOf("\u00a7r:") == 0) throw Z;
        v = await K.get(v);
        if (V[r.lk[4]].test(v)) throw Z;  // see V
      } catch (z) { v = Z; }
      if (v === Z) { if (r.lk[3]) return S(r.lk[3]); continue; }
      b[r.lk[1]] = v;
    }
    return A(r, b, c, q, e);
  }
  if (x) {
    b = Object.create(null);
    b.host = c.h; b.path = c.u; b.query = c.q;
    return A(x[1], b, c, q, e);
  }
  return N(q, c);
}
