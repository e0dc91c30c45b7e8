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
    for j, r in enumerate(routes):
        if id(r) in exact_dropped:
            continue
        for i in range(j):
            a = routes[i]
            if a.lookup is None and match_covers(a.match, r.match, icase, strict):
                warnings.append(Diagnostic(r.span, f"route can never match: {a.label} (line {a.span.line}) "
                                           "matches every request it matches, first", severity="warning"))
                break
    errors_, warns_ = _redirects(fn, icase)
    return errors + errors_, warnings + warns_


def _first_route(fn: Function, path: str, icase: bool) -> Route | None:
    for r in fn.routes:
        m = r.match
        if m.has_conditions or m.host is not None or r.lookup is not None:
            continue  # depends on the request beyond its path: cannot be decided statically
        if m.regex is not None:
            continue
        if m.path is None or match_literal_path(m.path, path, icase):
            return r
    return None


def _literal_target(r: Route) -> str | None:
    a = r.action
    if isinstance(a, Redirect) and not a.absolute and a.to.is_literal:
        return a.to.literal.split("?")[0]
    return None


def _redirects(fn: Function, icase: bool) -> tuple[list[Diagnostic], list[Diagnostic]]:
    errors: list[Diagnostic] = []
    warnings: list[Diagnostic] = []
    for r in fn.routes:
        target = _literal_target(r)
        if target is None:
            continue
        seen = [r]
        while target is not None:
            nxt = _first_route(fn, target, icase)
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
