"""The lint's pairwise algorithm as it was before routes were indexed by their literal prefix
(generator/compiler/lint.py up to a9da405): candidates by first literal segment only, so a config
whose routes share a few first segments costs routes x routes. Kept here, out of the package, as the
slow reference that tests/compiler/test_lint_index.py compares the indexed lint with."""
from __future__ import annotations

import re
from typing import Any

from cfroutes import reference
from cfroutes.codes import Code
from cfroutes.compiler.lint import (
    _ABSOLUTE,
    MAX_HOPS,
    Overrun,
    _chain,
    _cycle_key,
    _first_literal,
    _host,
    _host_key,
    _next_request,
    _QueryOnly,
    _request_of,
    _samples,
    _tenant_values,
    match_covers,
)
from cfroutes.compiler.plan import Plan, exact_key
from cfroutes.config.model import Function, Redirect, Route
from cfroutes.errors import Diagnostic, Severity
from cfroutes.platform.event import format_query


def lint_function_pairwise(fn: Function, plan: Plan) -> tuple[list[Diagnostic], list[Diagnostic]]:
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
    # pattern routes are candidates here: O(routes x pattern routes)
    shadowers = _ByFirstSegment(icase)
    for r in routes:
        if id(r) in reported:
            continue
        for a in shadowers.candidates(_first_literal(r)):
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


class _ByFirstSegment:
    """Routes indexed by their first literal path segment (None: any)."""

    def __init__(self, icase: bool) -> None:
        self.icase = icase
        self.by_first: dict[str, list[Route]] = {}
        self.generic: list[Route] = []

    def _norm(self, s: str) -> str:
        return s.lower() if self.icase else s

    def add(self, r: Route) -> None:
        first = _first_literal(r)
        if first is not None:
            self.by_first.setdefault(self._norm(first), []).append(r)
        else:
            self.generic.append(r)

    def candidates(self, first: str | None) -> list[Route]:
        """Routes that may match a path starting with literal `first`, in order (memoized once built)."""
        memo: dict[str | None, list[Route]] = self.__dict__.setdefault("_memo", {})
        key = first if first is None else self._norm(first)
        if key in memo and self.__dict__.get("_frozen"):
            return memo[key]
        out = memo[key] = self._candidates(first)
        return out

    def freeze(self) -> None:
        """No more routes will be added: candidate lists may be reused."""
        self.__dict__["_frozen"] = True

    def _candidates(self, first: str | None) -> list[Route]:
        if first is None:
            return sorted([r for v in self.by_first.values() for r in v] + self.generic, key=lambda r: r.index)
        specific = self.by_first.get(self._norm(first), [])
        if not specific:
            return self.generic
        if not self.generic:
            return specific
        return sorted(specific + self.generic, key=lambda r: r.index)


class _Walker:
    """Which route answers a request (reference.match on the routes it can reach), and where redirects lead."""

    def __init__(self, fn: Function, icase: bool, strict: bool) -> None:
        self.fn, self.icase, self.strict = fn, icase, strict
        self.exact: dict[str, Route] = {}
        self.patterns = _ByFirstSegment(icase)
        self._redirecting: dict[str, bool] = {}
        self._host_exact = False
        for r in fn.routes:
            if r.is_exact:
                k, with_host = exact_key(r, icase, strict)
                self._host_exact = self._host_exact or (with_host and isinstance(r.action, Redirect))
                self.exact.setdefault(k, r)
            else:
                self.patterns.add(r)
        self.patterns.freeze()
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
        segs = uri[1:].split("/")
        first = segs[0] if uri != "/" else ""
        flag = self._redirecting.get(first)
        if flag is None:
            flag = self._redirecting[first] = any(isinstance(x.action, Redirect)
                                                  for x in self.patterns.candidates(first))
        return flag

    def pattern_before(self, r: Route) -> bool:
        """Is there a pattern route (without lookup) before `r` that a request for its path may reach?"""
        cands = self.patterns.candidates(_first_literal(r))
        return bool(cands) and cands[0].index < r.index

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
        segs = uri[1:].split("/")
        for route in self.patterns.candidates(segs[0] if uri != "/" else ""):
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
