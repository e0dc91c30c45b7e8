"""Lints over the model: shadowed routes, redirect loops and chains.

Errors fail `build` and `check` (exit 1); warnings are printed and fail only
`check --strict`.
"""
from __future__ import annotations

from .errors import Diagnostic
from .model import Function, Match, PathPattern, Redirect, Route
from .plan import Plan


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
        return all(_seg_covers(x, y, icase) for x, y in zip(a.segments, b.segments))
    if b.splat or len(a.segments) != len(b.segments):
        return False
    if strict and a.trailing_slash != b.trailing_slash:
        return False
    return all(_seg_covers(x, y, icase) for x, y in zip(a.segments, b.segments))


def match_covers(a: Match, b: Match, icase: bool, strict: bool) -> bool:
    """Every request matched by `b` is matched by `a` (conservative)."""
    if a.regex is not None or a.query or a.headers or a.cookies or a.country:
        return False
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


def match_literal_path(p: PathPattern, path: str, icase: bool) -> bool:
    """Does pattern `p` match the literal request path `path` (host-agnostic)?"""
    segs = path[1:].split("/") if path != "/" else []
    norm = segs[:-1] if segs and segs[-1] == "" else segs
    cand = segs if p.splat else norm
    if (len(cand) < len(p.segments)) if p.splat else (len(cand) != len(p.segments)):
        return False
    for s, v in zip(p.segments, cand):
        if isinstance(s, str):
            if (s.lower() != v.lower()) if icase else (s != v):
                return False
        elif v == "":
            return False
    return True


def lint_function(fn: Function, plan: Plan) -> tuple[list[Diagnostic], list[Diagnostic]]:
    errors: list[Diagnostic] = []
    warnings: list[Diagnostic] = []
    icase = fn.options.case == "insensitive"
    strict = fn.options.trailing_slash == "strict"
    for dropped, by in plan.shadowed:
        warnings.append(Diagnostic(dropped.span, f"route can never match: {by.label} (line {by.span.line}) "
                                   "matches the same requests first", severity="warning"))
    exact_dropped = {id(d) for d, _ in plan.shadowed}
    routes = fn.routes
    # exact routes only shadow identical exact routes (found by the planner), so only
    # pattern routes are candidates here: O(routes x pattern routes)
    shadowers = _ByFirstSegment(icase)
    for r in routes:
        if id(r) in exact_dropped:
            continue
        for a in shadowers.candidates(r.match.path.segments[0] if r.match.path and r.match.path.segments
                                      and isinstance(r.match.path.segments[0], str) else None):
            if match_covers(a.match, r.match, icase, strict):
                warnings.append(Diagnostic(r.span, f"route can never match: {a.label} (line {a.span.line}) "
                                           "matches every request it matches, first", severity="warning"))
                break
        if not r.is_exact and r.lookup is None:
            shadowers.add(r)
    errors_, warns_ = _redirects(fn, icase, strict)
    return errors + errors_, warnings + warns_


class _ByFirstSegment:
    """Pattern routes indexed by their first literal path segment (None: any)."""

    def __init__(self, icase: bool) -> None:
        self.icase = icase
        self.by_first: dict[str, list[Route]] = {}
        self.generic: list[Route] = []

    def _norm(self, s: str) -> str:
        return s.lower() if self.icase else s

    def add(self, r: Route) -> None:
        p = r.match.path
        first = p.segments[0] if p is not None and p.segments and r.match.regex is None else None
        if isinstance(first, str):
            self.by_first.setdefault(self._norm(first), []).append(r)
        else:
            self.generic.append(r)

    def candidates(self, first: str | None) -> list[Route]:
        """Routes that may match a path starting with literal `first`, in order."""
        if first is None:
            return sorted([r for v in self.by_first.values() for r in v] + self.generic, key=lambda r: r.index)
        specific = self.by_first.get(self._norm(first), [])
        if not specific:
            return self.generic
        if not self.generic:
            return specific
        return sorted(specific + self.generic, key=lambda r: r.index)


class _Resolver:
    """Which route a host-less GET of a literal path reaches, when that is static."""

    def __init__(self, fn: Function, icase: bool, strict: bool) -> None:
        self.icase, self.strict = icase, strict
        self.exact: dict[str, Route] = {}
        self.patterns = _ByFirstSegment(icase)
        for r in fn.routes:
            if r.is_exact and r.match.host is None:
                self.exact.setdefault(self._key_of_pattern(r), r)
            elif not r.is_exact and _static(r):
                self.patterns.add(r)

    def _key_of_pattern(self, r: Route) -> str:
        from .plan import exact_key

        return exact_key(r, self.icase, self.strict)[0]

    def _key(self, path: str) -> str:
        segs = path[1:].split("/") if path != "/" else []
        trailing = bool(segs) and segs[-1] == ""
        norm = segs[:-1] if trailing else segs
        key = "/" + "/".join(norm) + ("/" if self.strict and trailing else "")
        return key.lower() if self.icase else key

    def first(self, path: str) -> Route | None:
        key = self._key(path)
        ex = self.exact.get(key)
        first = key[1:].split("/")[0] if key != "/" else ""
        for r in self.patterns.candidates(first):
            if ex is not None and r.index > ex.index:
                break
            if _path_matches(r, path, self.icase):
                return r
        return ex


def _static(r: Route) -> bool:
    """Whether the route's match depends on the path alone."""
    m = r.match
    return not (m.has_conditions or m.host is not None or r.lookup is not None or m.regex is not None)


def _path_matches(r: Route, path: str, icase: bool) -> bool:
    p = r.match.path
    return p is None or match_literal_path(p, path, icase)


def _literal_target(r: Route) -> str | None:
    a = r.action
    if isinstance(a, Redirect) and not a.absolute and a.to.is_literal:
        return a.to.literal.split("?")[0]
    return None


def _redirects(fn: Function, icase: bool, strict: bool) -> tuple[list[Diagnostic], list[Diagnostic]]:
    errors: list[Diagnostic] = []
    warnings: list[Diagnostic] = []
    resolver = _Resolver(fn, icase, strict)
    for r in fn.routes:
        target = _literal_target(r)
        if target is None:
            continue
        seen = [r]
        while target is not None:
            nxt = resolver.first(target)
            if nxt is None or not isinstance(nxt.action, Redirect):
                break
            if nxt in seen:
                chain = " -> ".join(f"{x.label} (line {x.span.line})" for x in seen + [nxt])
                errors.append(Diagnostic(r.span, f"redirect loop: {chain}",
                                         hint="a browser following these redirects never arrives"))
                break
            seen.append(nxt)
            target = _literal_target(nxt)
        else:
            pass
        if len(seen) > 1 and not any(r.span == e.span for e in errors):
            chain = " -> ".join(f"{x.label} (line {x.span.line})" for x in seen)
            warnings.append(Diagnostic(r.span, f"redirect chain: {chain}", severity="warning",
                                       hint="point the first redirect at the final target"))
    return errors, warnings
