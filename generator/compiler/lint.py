"""Lints over the model: shadowed routes, redirect loops and chains.

Errors fail `build` and `check` (exit 1); warnings are printed and fail only
`check --strict`.

Two methods:
- static coverage (`match_covers`): a path pattern that matches every request a later
  route matches, exactly;
- sample requests: every route gets a few requests derived from its own pattern
  (literal segments, parameter values, an example string of its regex, its conditions
  satisfied), and they go through the reference model (`cfroutes.reference`: the same
  matching and redirect rendering as the differential tests). A route whose samples are
  all answered by earlier routes is reported as shadowed; a redirect's location is
  followed as the browser would (same viewer headers and cookies, same host for a path or
  `{host}` location) until it stops, repeats (a loop, reported once), or passes 10 hops.

Only the routes a request can reach are tested for it (exact routes by key, pattern
routes by first literal segment), so the lint stays linear in the number of routes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from cfroutes import reference
from cfroutes.codes import Code
from cfroutes.compiler.plan import Plan, exact_key
from cfroutes.config.model import Function, Match, PathPattern, Redirect, Route, ValueCond
from cfroutes.emulator.jsregex import Overrun, exec_regex
from cfroutes.emulator.tenant import TENANT_KEY
from cfroutes.errors import Diagnostic, Severity
from cfroutes.platform import regex as jsregex
from cfroutes.platform.event import format_query
from cfroutes.platform.uri import normal_path

MAX_HOPS = 10
SAMPLE_HOST = "lint.example"


def _seg_covers(a: object, b: object, icase: bool) -> bool:
    if isinstance(a, str):
        return isinstance(b, str) and (a.lower() == b.lower() if icase else a == b)
    return not (isinstance(b, str) and b == "")  # a param covers any non-empty segment


def path_covers(a: PathPattern, b: PathPattern, icase: bool, strict: bool) -> bool:
    """Every path matched by `b` is matched by `a`."""
    if a.splat:
        n = len(a.segments)
        if len(b.segments) < n:
            return False
        return all(_seg_covers(x, y, icase) for x, y in zip(a.segments, b.segments, strict=False))
    if b.splat or len(a.segments) != len(b.segments):
        return False
    if strict and a.trailing_slash != b.trailing_slash:
        return False
    return all(_seg_covers(x, y, icase) for x, y in zip(a.segments, b.segments, strict=True))


def match_covers(a: Match, b: Match, icase: bool, strict: bool) -> bool:
    """Every request matched by `b` is matched by `a` (conservative)."""
    if a.regex is not None or a.query or a.headers or a.cookies or a.country:
        return False
    if a.tenant is not None and (a.tenant.params or b.tenant is None or a.tenant.id not in (None, b.tenant.id)):
        return False  # `tenant:` covers only a route for the same tenant (or any tenant)
    if a.methods and not (b.methods and set(b.methods) <= set(a.methods)):
        return False
    if a.host is not None:
        if not (b.host is not None and a.host.is_literal and b.host.is_literal
                and a.host.literal == b.host.literal):
            return False
    if a.path is None:
        return True
    if b.path is None:
        return False
    return path_covers(a.path, b.path, icase, strict)


def lint_function(fn: Function, plan: Plan) -> tuple[list[Diagnostic], list[Diagnostic]]:
    errors: list[Diagnostic] = []
    warnings: list[Diagnostic] = []
    icase = fn.options.icase
    strict = fn.options.strict
    reported: set[int] = set()
    for dropped, by in plan.shadowed:
        reported.add(id(dropped))
        warnings.append(Diagnostic(dropped.span, f"route can never match: {by.label} (line {by.span.line}) "
                                   "matches the same requests first", severity=Severity.WARNING, code=Code.UNREACHABLE_ROUTE))
    routes = fn.routes
    # exact routes only shadow identical exact routes (found by the planner), so only
    # pattern routes are candidates here, and of those only the ones whose literal prefix
    # covers the start of r's path (see _Shadowers)
    shadowers = _Shadowers(icase)
    for r in routes:
        if id(r) in reported:
            continue
        for a in shadowers.candidates(r):
            if match_covers(a.match, r.match, icase, strict):
                reported.add(id(r))
                warnings.append(Diagnostic(r.span, f"route can never match: {a.label} (line {a.span.line}) "
                                           "matches every request it matches, first", severity=Severity.WARNING, code=Code.UNREACHABLE_ROUTE))
                break
        if not r.is_exact and r.lookup is None and not r.tenant_refs:  # both may fall through
            shadowers.add(r)
    walker = _Walker(fn, icase, strict)
    cache: dict[int, list[tuple[dict[str, Any], Any]]] = {}

    def samples(r: Route) -> list[tuple[dict[str, Any], Any]]:
        if id(r) not in cache:
            try:
                cache[id(r)] = _samples(r, icase, strict)
            except Overrun as exc:
                warnings.append(walker.overran(exc, r))
                cache[id(r)] = []
        return cache[id(r)]

    firsts: dict[int, list[Any]] = {}
    for r in routes:  # shadowed for every request derived from it (regex and templated shadowers)
        if id(r) in reported or (r.is_exact and not walker.pattern_before(r)):
            continue  # nothing earlier can answer an exact route's one path
        reqs = samples(r)
        if not reqs:
            continue
        try:
            hits = firsts[id(r)] = [walker.first(q, rq) for q, rq in reqs]
        except Overrun as exc:
            warnings.append(walker.overran(exc, r))
            continue
        if all(f is not None and f[0].index < r.index for f in hits):
            by = hits[0][0]
            reported.add(id(r))
            tried = ", ".join(sorted({q["uri"] for q, _ in reqs}))
            warnings.append(Diagnostic(r.span, f"route can never match: {by.label} (line {by.span.line}) answers "
                                       f"the requests it was tested with first ({tried})", severity=Severity.WARNING, code=Code.UNREACHABLE_ROUTE))
    loops: set[tuple[int, ...]] = set()
    for r in routes:
        if not isinstance(r.action, Redirect) or id(r) in reported:
            continue
        if r.is_exact and r.action.to.is_literal and not walker.may_redirect(r.action.to.literal):
            continue  # the target reaches no redirect: no chain, no loop
        chain_reported = False
        reqs = samples(r)
        for (q, rq), hit in zip(reqs, firsts.get(id(r)) or [(r, None, None)] * len(reqs), strict=True):
            if hit is None or hit[0] is not r:
                continue
            try:
                path, loop, grows = walker.follow(q, hit, rq)
            except Overrun as exc:
                warnings.append(walker.overran(exc, r))
                break
            if loop is not None:
                key = _cycle_key(loop)
                if key not in loops:
                    loops.add(key)
                    at = min(loop, key=lambda x: x.index)
                    how = " (the location changes on every hop)" if grows else ""
                    errors.append(Diagnostic(at.span, f"redirect loop from {q['uri']}: {_chain(path)}{how}",
                                             hint="a browser following these redirects never arrives", code=Code.REDIRECT_LOOP))
                break
            if len(path) > 1 and not chain_reported:
                chain_reported = True
                warnings.append(Diagnostic(r.span, f"redirect chain: {_chain(path)}", severity=Severity.WARNING,
                                           hint="point the first redirect at the final target", code=Code.REDIRECT_CHAIN))
    return errors, warnings


def _first_literal(r: Route) -> str | None:
    p = r.match.path
    if p is not None and p.segments and isinstance(p.segments[0], str) and r.match.regex is None:
        return p.segments[0]
    return None


def _cycle_key(loop: list[Route]) -> tuple[int, ...]:
    return tuple(sorted({x.index for x in loop}))


def _chain(path: list[Route]) -> str:
    """`a (line 1) -> b (line 2) -> a (line 1)`, a route redirecting to itself shown once per hop kind."""
    shown: list[Route] = []
    for x in path:
        if len(shown) < 2 or not (shown[-1] is x and shown[-2] is x):
            shown.append(x)
    return " -> ".join(f"{x.label} (line {x.span.line})" for x in shown)


def _literal_prefix(p: PathPattern | None) -> list[str]:
    """The leading literal segments of a path pattern (none without a path)."""
    out: list[str] = []
    for s in p.segments if p is not None else ():
        if not isinstance(s, str):
            break
        out.append(s)
    return out


def _in_order(lists: list[list[Route]]) -> list[Route]:
    """The routes of several lists (each in route order) in route order."""
    full = [x for x in lists if x]
    if len(full) <= 1:
        return full[0] if full else []
    return sorted((r for x in full for r in x), key=lambda r: r.index)


class _Node:
    """A node of a tree of literal path segments: the routes whose literal prefix ends here."""

    __slots__ = ("routes", "children", "memo")

    def __init__(self) -> None:
        self.routes: list[Route] = []
        self.children: dict[str, _Node] = {}
        self.memo: list[Route] | None = None


class _Shadowers:
    """The pattern routes that may cover a later route (`match_covers`), in a tree of their leading
    literal path segments. `a` covers `b` only if each literal segment of `a` equals `b`'s segment
    there (`_seg_covers`: a parameter or a shorter path never does), so a's literal prefix is a
    prefix of b's: the candidates of b are the routes on the tree's path along b's literal prefix.
    Routes that never cover anything (regex, query, header, cookie or country conditions) are left out."""

    def __init__(self, icase: bool) -> None:
        self.icase = icase
        self.root = _Node()

    def _key(self, s: str) -> str:
        return s.lower() if self.icase else s  # the comparison `_seg_covers` makes

    def add(self, r: Route) -> None:
        m = r.match
        if m.regex is not None or m.query or m.headers or m.cookies or m.country:
            return  # match_covers is False for these whatever the other route
        node = self.root
        for s in _literal_prefix(m.path):
            node = node.children.setdefault(self._key(s), _Node())
        node.routes.append(r)

    def candidates(self, r: Route) -> list[Route]:
        """The routes added so far that may cover `r`, in route order."""
        node = self.root
        lists = [node.routes]
        p = r.match.path
        for s in p.segments if p is not None else ():
            if not isinstance(s, str):
                break
            child = node.children.get(self._key(s))
            if child is None:
                break
            node = child
            lists.append(node.routes)
        return _in_order(lists)


class _Patterns:
    """The pattern routes a request may reach, in a tree of their leading literal path segments.

    A request's raw segments walk the tree; the routes met on the way (their literal prefix
    matches the request's first segments) are its candidates, in route order. The first level
    compares as the lint always did (the segment as written, lower-cased under `icase`); deeper
    levels compare as the reference model does (`reference._seg_eq`: the normal form, then
    JavaScript lower case), so a route left out fails its path match, which the reference checks
    before any regex runs: the first route that answers, and every regex overrun, stay the same.
    `may_redirect` and `before` keep the first-segment answers."""

    def __init__(self, routes: list[Route], icase: bool) -> None:
        self.icase = icase
        self.root = _Node()
        self.first_min: dict[str, int] = {}  # first literal segment -> the lowest index there or generic
        self.first_redirect: dict[str, bool] = {}
        self.generic_min: int | None = None  # routes without a first literal segment
        self.all_min: int | None = None
        self.generic_redirect = False
        for r in routes:
            first = _first_literal(r)
            redirect = isinstance(r.action, Redirect)
            if first is None:
                self.generic_min = r.index if self.generic_min is None else self.generic_min
                self.generic_redirect = self.generic_redirect or redirect
            else:
                k = self._first_key(first)
                self.first_min.setdefault(k, r.index if self.generic_min is None else min(r.index, self.generic_min))
                self.first_redirect[k] = self.first_redirect.get(k, False) or redirect
            self.all_min = r.index if self.all_min is None else self.all_min
            node = self.root
            for depth, s in enumerate(_literal_prefix(r.match.path)):
                node = node.children.setdefault(self._first_key(s) if depth == 0 else self._deep_key(s), _Node())
            node.routes.append(r)

    def _first_key(self, s: str) -> str:
        return s.lower() if self.icase else s

    def _deep_key(self, s: str) -> str:
        s = normal_path(s)
        return reference.js_lower(s) if self.icase else s

    def candidates(self, segs: list[str]) -> list[Route]:
        """The routes a request with these raw path segments may match, in route order."""
        node = self.root
        lists = [node.routes]
        for depth, s in enumerate(segs):
            child = node.children.get(self._first_key(s) if depth == 0 else self._deep_key(s))
            if child is None:
                break
            node = child
            lists.append(node.routes)
        if node.memo is None:
            node.memo = _in_order(lists)
        return node.memo

    def may_redirect(self, first: str) -> bool:
        """Is there a redirect among the routes whose first literal segment is `first`, or that have none?"""
        return self.generic_redirect or self.first_redirect.get(self._first_key(first), False)

    def before(self, r: Route) -> bool:
        """Is there a route whose first literal segment is r's (or that has none; any route when r
        has none) before `r`?"""
        first = _first_literal(r)
        low = self.all_min if first is None else self.first_min.get(self._first_key(first), self.generic_min)
        return low is not None and low < r.index


# ------------------------------------------------------------------ requests through the reference model
class _Walker:
    """Which route answers a request (reference.match on the routes it can reach), and where redirects lead."""

    def __init__(self, fn: Function, icase: bool, strict: bool) -> None:
        self.fn, self.icase, self.strict = fn, icase, strict
        self.exact: dict[str, Route] = {}
        self._host_exact = False
        for r in fn.routes:
            if r.is_exact:
                k, with_host = exact_key(r, icase, strict)
                self._host_exact = self._host_exact or (with_host and isinstance(r.action, Redirect))
                self.exact.setdefault(k, r)
        self.patterns = _Patterns([r for r in fn.routes if not r.is_exact], icase)
        self.overrun: set[int] = set()  # routes whose regex ran out of time or memory: skipped from then on

    def overran(self, exc: Overrun, sample_of: Route) -> Diagnostic:
        """The warning for a regex that ran out on a sample request (at the route whose regex it was);
        that route is left out of every later request, so the lint stays bounded."""
        culprit = exc.rule if isinstance(exc.rule, Route) else sample_of
        self.overrun.add(culprit.index)
        of = "one of its own sample requests" if culprit is sample_of else \
            f"a sample request of {sample_of.label} (line {sample_of.span.line})"
        return Diagnostic(culprit.span, f"{exc.describe()}: {of}; the lint skips this route from here on",
                          severity=Severity.WARNING,
                          hint="a regex that backtracks this much also runs out of time at the edge: "
                               "make the repeated parts unambiguous, e.g. ^/(a+)+$ -> ^/a+$")

    def may_redirect(self, location: str) -> bool:
        """Can a request for this literal location (a path, or a URL) reach a redirect route?"""
        m = _ABSOLUTE.match(location)
        uri = (m.group(2) or "/") if m else location
        if not uri.startswith("/"):
            return False
        uri = re.split(r"[?#]", uri, maxsplit=1)[0]
        uri = "/" + uri.lstrip("/")
        ex = self.exact.get(self._key(uri))
        if ex is not None and isinstance(ex.action, Redirect):
            return True
        if self._host_exact and isinstance(ex, type(None)):
            return True  # host-specific exact routes: let follow() decide
        return self.patterns.may_redirect(uri[1:].split("/")[0] if uri != "/" else "")

    def pattern_before(self, r: Route) -> bool:
        """Is there a pattern route (without lookup) before `r` that a request for its path may reach?"""
        return self.patterns.before(r)

    def _key(self, uri: str) -> str:
        segs = uri[1:].split("/") if uri != "/" else []
        trailing = bool(segs) and segs[-1] == ""
        norm = segs[:-1] if trailing else segs
        key = "/" + "/".join(norm) + ("/" if self.strict and trailing and norm else "")
        return key.lower() if self.icase else key

    def first(self, req: dict[str, Any], r: Any = None) -> tuple[Route, dict[str, Any] | None, Any] | None:
        """The route that answers `req` (routes with a lookup are taken to miss), its bindings (None for
        an exact route: computed when needed) and the reference model's view of the request (or None)."""
        uri = req["uri"]
        key = self._key(uri)
        exact = [x for x in (self.exact.get(_host_key(req) + key), self.exact.get(key)) if x is not None]
        bound = min((x.index for x in exact), default=len(self.fn.routes))
        for route in self.patterns.candidates(uri[1:].split("/") if uri != "/" else []):
            if route.index >= bound:
                break
            if route.lookup is not None or route.index in self.overrun:
                continue
            if r is None:
                r = _request_of(req)
            if not _tenant_values(route, r.tenant):
                continue  # a tenant value it renders is missing: it falls through (semantics §4.0)
            b = reference.match_rule(route, r, self.icase, self.strict)
            if b is not None:
                return route, b, r
        if exact and uri != "//":  # `//` matches no exact route (semantics §1)
            return min(exact, key=lambda x: x.index), None, r
        return None

    def follow(self, req: dict[str, Any], hit: Any = None, r: Any = None
               ) -> tuple[list[Route], list[Route] | None, bool]:
        """The redirects a browser follows from `req`: (routes in order, the looping routes or None,
        whether the location kept changing for MAX_HOPS hops). `hit`/`r`: already known for `req`."""
        seen: dict[tuple[str, str, str], int] = {}
        path: list[Route] = []
        while True:
            if hit is None:
                hit = self.first(req, r)
            if hit is None or not isinstance(hit[0].action, Redirect):
                return path, None, False
            route, b, r = hit
            qs = req.get("querystring")
            query = format_query(qs, reference.js_keys(qs)) if qs else ""
            state = (_host(req), req["uri"], query)
            if state in seen:
                path.append(route)
                return path, path[seen[state]:-1], False
            seen[state] = len(path)
            path.append(route)
            if len(path) > MAX_HOPS:
                return path, path, True
            action = route.action
            assert isinstance(action, Redirect)
            if b is None and not action.to.is_literal or route.set_headers:
                r = r or _request_of(req)
                b = reference.match_rule(route, r, self.icase, self.strict)
            try:
                b = dict(b or {})
                reference.bind_tenant(b, r.tenant if r is not None else None)
                to = action.to.literal if action.to.is_literal else reference._prepare(route, b).location
                loc = reference.redirect_location(to, action, r or _QueryOnly(query))
            except reference.Missing:
                return path, None, False
            nxt = _next_request(req, loc)
            if nxt is None:
                return path, None, False
            req, hit, r = nxt, None, None


@dataclass
class _QueryOnly:
    """What `reference.redirect_location` reads of a request: its rebuilt query."""

    query: str


_PORT = re.compile(r":[0-9]*$")
_ABSOLUTE = re.compile(r"^https?://([^/?#]*)(.*)$", re.IGNORECASE)


def _request_of(req: dict[str, Any]) -> reference.Req:
    """The reference model's request, with the distribution tenant a sample carries (TENANT_KEY)."""
    r = reference.request_of(req)
    r.tenant = req.get(TENANT_KEY)
    return r


def _tenant_values(route: Route, tenant: dict[str, Any] | None) -> bool:
    """Does `tenant` have every value the route's templates and lookup key read? (None: no tenant)"""
    if not route.tenant_refs:
        return True
    return tenant is not None and all(ref.fields[0] != "params" or ref.fields[1] in tenant["params"]
                                      for ref in route.tenant_refs)


def _sample_tenant(r: Route) -> dict[str, Any] | None | bool:
    """A distribution tenant the route's `tenant:` holds for and whose parameters its templates read:
    None when it reads no tenant, False when none can be made (a regex without an example)."""
    tc = r.match.tenant
    if tc is None and not r.tenant_refs:
        return None
    params: dict[str, str] = {}
    for name, c in tc.params if tc is not None else ():
        v = _cond_value(c)
        if v is False:
            return False
        if isinstance(v, str):
            params[name] = v
    absent = {n for n, c in (tc.params if tc is not None else ()) if c.kind == "absent"}
    for ref in r.tenant_refs:
        if ref.fields[0] == "params" and ref.fields[1] not in params and ref.fields[1] not in absent:
            params[ref.fields[1]] = _PARAM_VALUES[0]
    return {"id": (tc.id if tc is not None else None) or "dt_cfroutes_lint", "params": params}


def _host_key(req: dict[str, Any]) -> str:
    """The host as an exact-route key prefix: lower-case, port removed (semantics §1)."""
    h = _host(req)
    return _PORT.sub("", h.lower()) if ":" in h else h.lower()


def _host(req: dict[str, Any]) -> str:
    h = req.get("headers", {}).get("host")
    return h["value"] if isinstance(h, dict) else ""


def _next_request(req: dict[str, Any], location: str) -> dict[str, Any] | None:
    """The request a browser sends for `location` (None: another site, not followed)."""
    loc = location.split("#", 1)[0]
    host = _host(req)
    m = _ABSOLUTE.match(loc)
    if m:
        if m.group(1).lower() != host.lower():
            return None
        loc = m.group(2) or "/"
    if not loc.startswith("/"):
        return None
    uri, _, q = loc.partition("?")
    out = dict(req)
    out["uri"] = uri
    out["querystring"] = _parse_query(q)
    return out


def _parse_query(q: str) -> dict[str, Any]:
    qs: dict[str, Any] = {}
    for piece in q.split("&") if q else []:
        if not piece:
            continue
        k, _, v = piece.partition("=")
        if k in qs:
            prev = qs[k].get("multiValue") or [{"value": qs[k]["value"]}]
            qs[k] = {"value": qs[k]["value"], "multiValue": prev + [{"value": v}]}
        else:
            qs[k] = {"value": v}
    return qs


# ------------------------------------------------------------------ sample requests of a route
_PARAM_VALUES = ("cfr1", "z-9_Q")


def _samples(r: Route, icase: bool, strict: bool) -> list[tuple[dict[str, Any], Any]]:
    """Requests the route matches, derived from its own conditions (empty when none can be made)."""
    m = r.match
    tenant = _sample_tenant(r)
    if r.lookup is not None or tenant is False:
        return []
    if r.is_exact:
        assert m.path is not None
        host = _sample_host(m)
        uri = _path_samples(m.path, strict)[0]
        return [({"method": "GET", "uri": uri, "querystring": {}, "headers": {"host": {"value": host}},
                  "cookies": {}}, None)]
    hosts = [_sample_host(m)]
    if hosts[0] is None:
        return []
    if m.path is not None:
        uris = _path_samples(m.path, strict)
    elif m.regex is not None:
        uris = regex_examples(m.regex.js_source, "i" if icase else "")
    else:
        uris = ["/", "/cfr1"]
    headers: dict[str, Any] = {}
    query: dict[str, Any] = {}
    cookies: dict[str, Any] = {}
    for target, conds in ((query, m.query), (headers, m.headers), (cookies, m.cookies)):
        for name, c in conds:
            v = _cond_value(c)
            if v is False:
                return []
            if v is not None:
                target[name] = {"value": v}
    if m.country:
        headers["cloudfront-viewer-country"] = {"value": m.country[0]}
    out = []
    for uri in uris:
        for host in hosts:
            h = dict(headers)
            h["host"] = {"value": host}
            req: dict[str, Any] = {"method": (m.methods or ("GET",))[0], "uri": uri, "querystring": dict(query),
                                   "headers": h, "cookies": dict(cookies)}
            if isinstance(tenant, dict):  # the tenant travels with the sample (and the redirects it follows)
                req[TENANT_KEY] = tenant
            if r.is_exact:  # a literal path and host: it matches by construction
                out.append((req, None))
                continue
            rq = _request_of(req)
            if reference.match_rule(r, rq, icase, strict) is not None:
                out.append((req, rq))
    return out


def _sample_host(m: Match) -> str | None:
    if m.host is None:
        return SAMPLE_HOST
    labels = [x if isinstance(x, str) else "cfr1" for x in m.host.labels]
    return ".".join((["w"] if m.host.wildcard else []) + labels)


def _path_samples(p: PathPattern, strict: bool) -> list[str]:
    if p.is_literal:
        literal = [s for s in p.segments if isinstance(s, str)]  # all of them: the pattern is literal
        uri = "/" + "/".join(literal) + ("/" if p.trailing_slash and strict and literal else "")
        return [uri]
    out = []
    for k, v in enumerate(_PARAM_VALUES):
        segs = [s if isinstance(s, str) else v for s in p.segments]
        if p.splat:
            segs.append(["", "s1/s2"][k])
        uri = "/" + "/".join(segs)
        if p.trailing_slash and strict and p.segments and not p.splat:
            uri += "/"
        out.append(uri if uri != "//" else "/")
    return sorted(set(out), key=out.index)


def _cond_value(c: ValueCond) -> str | None | bool:
    """A value satisfying the condition: a string, None (absent), or False (none found)."""
    if c.kind == "absent":
        return None
    if c.kind == "present":
        return "1"
    if c.kind == "equals":
        return c.value
    assert c.value is not None  # a regex condition
    ex = regex_examples(c.value, "", path=False)
    return ex[0] if ex else False


# ------------------------------------------------------------------ regex examples
def regex_examples(source: str, flags: str, *, path: bool = True) -> list[str]:
    """Strings the JavaScript regex matches (checked with the reference engine), built from its tree."""
    out: list[str] = []
    try:
        rx = jsregex.parse(source)
    except jsregex.TooDeep:
        return out
    for reps, alt in ((0, 0), (1, 0), (0, 1), (1, 1), (0, 2)):
        try:
            s = _example(rx.tree, reps, alt, {}, rx.names) if rx.complete else None
        except (_NoExample, RecursionError):
            continue
        if s is None:
            continue
        if path and not s.startswith("/"):
            s = "/" + s
        if s not in out and exec_regex(source, flags, s) is not None:
            out.append(s)
    return out


class _NoExample(Exception):
    pass


def _example(n: jsregex.Node, reps: int, choice: int, groups: dict[int, str], names: dict[str, int]) -> str:
    """A string `n` matches: alternative `choice` of each alternation (or its last), the fewest
    repetitions (`reps` 0) or one where one is allowed (`reps` 1); lookarounds and anchors add
    nothing (a lookahead's groups are set); a backreference repeats what its group matched
    (nothing when it did not take part)."""
    if isinstance(n, jsregex.Char):
        if n.example is None:
            raise _NoExample()
        return n.example
    if isinstance(n, jsregex.Seq):
        out = ""
        for x in n.items:  # a loop, not a generator: one stack frame per level of nesting
            out += _example(x, reps, choice, groups, names)
        return out
    if isinstance(n, jsregex.Alt):
        return _example(n.branches[min(choice, len(n.branches) - 1)], reps, choice, groups, names)
    if isinstance(n, jsregex.Group):
        v = _example(n.body, reps, choice, groups, names)
        if n.capturing:
            groups[n.number] = v
        return v
    if isinstance(n, jsregex.Quant):
        hi = 1 if n.hi == float("inf") else int(n.hi)
        k = n.lo if reps == 0 or hi == 0 else max(n.lo, min(1, hi))
        return _example(n.body, reps, choice, groups, names) * k if k else ""
    if isinstance(n, jsregex.Backref):
        num = n.number if n.number is not None else names.get(n.name or "", 0)
        return groups.get(num, "")
    if isinstance(n, jsregex.Assert) and n.kind == "(?=" and n.body is not None:
        _example(n.body, reps, choice, groups, names)  # what it looks at sets its groups
    return ""  # an anchor or a lookaround matches no characters
