"""What to do next when a function is over the size quota: which routes cost what.

`route_costs` estimates the bytes each route adds to the emitted data (its record in `P`, its
entry in `X` or `Y`; 0 when it lives in the KeyValueStore or was dropped as shadowed), and
`size_hint` turns the top of that list into the advice `check` and `build` print.
"""
from __future__ import annotations

import json
from typing import Any

from cfroutes.compiler.plan import Plan, exact_key, named_prefix_key, prefix_key
from cfroutes.config.model import Route

TOP = 5  # routes named in the hint


def _bytes(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


def route_costs(p: Plan) -> list[tuple[Route, int]]:
    """Each route that costs bytes in the code, with its estimated bytes, costliest first."""
    fn = p.function
    icase, strict = fn.options.icase, fn.options.strict
    dropped = {id(r) for r, _ in p.shadowed}
    inline_exact = {d + last: a for _, t in p.X for d, ls in t.items() for last, a in ls.items()}
    inline_prefix = {d + last: a for _, t in p.Y for d, ls in t.items() for last, a in ls.items()}
    out: list[tuple[Route, int]] = []
    pos = 0
    for i, r in enumerate(fn.routes):
        if id(r) in dropped:
            continue
        if i in p.ydata:  # in a list of a prefix (`/a/:x/*`): bytes when inline, else in the store
            if p.Y:
                out.append((r, _bytes(p.ydata[i]) + 1))
            continue
        pk = prefix_key(r, icase) if (p.Y or p.YD) else None
        if pk is not None:
            if pk in inline_prefix:
                out.append((r, len(pk) + 4 + _bytes(inline_prefix[pk])))
            continue
        if r.is_exact:
            key, _ = exact_key(r, icase, strict)
            if key in inline_exact:
                out.append((r, len(key) + 4 + _bytes(inline_exact[key])))
            continue
        if pos < len(p.P):
            out.append((r, _bytes(p.P[pos]) + 1))
        pos += 1
    return sorted(out, key=lambda rc: -rc[1])


def size_hint(p: Plan, *, spilled: bool, can_store: bool) -> str:
    """Advice for a function over the quota (spilling already tried when `spilled`)."""
    fn = p.function
    costs = route_costs(p)
    top = ", ".join(f"{r.label} (line {r.span.line}) {n:,} B" for r, n in costs[:TOP])
    steps = []
    if p.exact_count and not spilled:
        steps.append(f"set `options.spill: auto` with a `kvs:` store to move the {p.exact_count} exact routes "
                     "into the KeyValueStore")
    prefixes = sum(1 for r in fn.routes if prefix_key(r, fn.options.icase) is not None
                   or named_prefix_key(r, fn.options.icase) is not None)
    if prefixes and not can_store:
        steps.append(f"add a `kvs:` store: the {prefixes} prefix routes (`/a/b/*`, `/a/:x/*`) can live in it")
    steps.append("shorten or merge the costliest routes (one regex route for many similar paths, a lookup "
                 "keyed by a path segment), or split them into a second function")
    return "; ".join(steps) + (f". Costliest routes in the code: {top}" if top else "")
