"""Checks of a route's regex: compiles in QuickJS, is accepted by the edge's engine with the
same meaning, and cannot backtrack exponentially (ReDoS).

CloudFront's runtime documents its RegExp as ES5.1 "Perl compatible" plus named groups; it
descends from njs, which hands the pattern to PCRE2. QuickJS accepting a pattern proves
nothing there, so `edge_problems` refuses, with the engine's reason, what njs 0.7.9 refuses or
reads differently (measured: tests/platform/test_regex_edge.py runs each case in njs). The
table of refused constructs is `regex.EDGE_ESCAPES` plus the rules of the one regex parser
(`platform/regex.py`), which collects them while it reads the pattern.

`redos_problems` is a small static check (no package fits: regexploit parses Python's
syntax through sre_parse and is unmaintained since 2021; recheck needs a JVM or a native
binary). Over a parse of the pattern it flags an outer repetition (unbounded, or 10 or more)
whose body contains
  1. a variable repetition X whose next character can also be matched by X itself (what
     follows X inside the body, or the body's own start when the rest of the body can be
     empty): `(a+)+`, `([a-z0-9]+)*@`, `(\\w+\\s?)+`, `(a+a)+`; or
  2. an alternation with two fixed-length branches that can match the same text: `(a|a)*`,
     `(\\w|\\d)+`, `(a|aa)*`.
Both make the number of ways to match grow exponentially with the input. Polynomial
(quadratic) backtracking such as `.*.*x` is not flagged: the URI is under 8 KB.
"""
from __future__ import annotations

from functools import lru_cache

from cfroutes.platform.regex import (
    ALL,
    CLASS_ESC,
    DOT,
    Alt,
    Assert,
    Backref,
    Char,
    Group,
    Node,
    Quant,
    Seq,
    TooDeep,
    parse,
    walk,
)

MAX_COMPILED = 65535       # PCRE2 (LINK_SIZE 2): "regular expression is too large"
_OUTER_MIN = 10            # a bounded outer repetition this large counts as "many"


def regex_error(source: str) -> str | None:
    """None when `source` compiles as a JavaScript RegExp (QuickJS), else the engine's message
    (compiled by the one bounded regex engine, `emulator/jsregex.py`)."""
    from cfroutes.emulator.jsregex import compile_error

    return compile_error(source)


# ------------------------------------------------------------------ analysis
def _nullable(n: Node) -> bool:
    if isinstance(n, Char):
        return False
    if isinstance(n, (Assert, Backref)):
        return True
    if isinstance(n, Seq):
        return all(_nullable(x) for x in n.items)
    if isinstance(n, Alt):
        return any(_nullable(x) for x in n.branches)
    if isinstance(n, Group):
        return _nullable(n.body)
    return n.lo == 0 or _nullable(n.body)


def _first(n: Node) -> frozenset[int]:
    if isinstance(n, Char):
        return n.chars
    if isinstance(n, Assert):
        return frozenset()
    if isinstance(n, Backref):
        return ALL
    if isinstance(n, Seq):
        out: frozenset[int] = frozenset()
        for x in n.items:
            out |= _first(x)
            if not _nullable(x):
                break
        return out
    if isinstance(n, Alt):
        return frozenset().union(*(_first(b) for b in n.branches))
    if isinstance(n, Group):
        return _first(n.body)
    return _first(n.body) if n.hi > 0 else frozenset()


def _fixed(n: Node) -> list[frozenset[int]] | None:
    """The per-position character sets of a fixed-length branch, or None."""
    if isinstance(n, Char):
        return [n.chars]
    if isinstance(n, Group):
        return _fixed(n.body)
    if isinstance(n, Seq):
        out: list[frozenset[int]] = []
        for x in n.items:
            f = _fixed(x)
            if f is None:
                return None
            out += f
        return out
    if isinstance(n, Assert) and n.body is None:
        return []
    return None


def _overlapping_branches(alt: Alt) -> bool:
    shapes = [_fixed(b) for b in alt.branches]
    for i, a in enumerate(shapes):
        for b in shapes[i + 1:]:
            if not a or not b:
                continue
            short, long_ = (a, b) if len(a) <= len(b) else (b, a)
            if len(long_) % len(short) == 0 and all(long_[k] & short[k % len(short)] for k in range(len(long_))):
                return True
    return False


def _ambiguous(n: Node, follow: frozenset[int], src: str) -> str | None:
    """Inside a repeated body: the fragment whose repetition boundary is ambiguous, or None."""
    if isinstance(n, Seq):
        f = follow
        found = None
        for x in reversed(n.items):
            found = _ambiguous(x, f, src) or found
            f = _first(x) | (f if _nullable(x) else frozenset())
        return found
    if isinstance(n, Alt):
        if _overlapping_branches(n):
            return src[n.start:n.end]
        for b in n.branches:
            hit = _ambiguous(b, follow, src)
            if hit:
                return hit
        return None
    if isinstance(n, Group):
        return _ambiguous(n.body, follow, src)
    if isinstance(n, Quant):
        own = _first(n.body)
        if n.hi > n.lo and own & follow:
            return src[n.start:n.end]
        return _ambiguous(n.body, follow | own, src)
    return None


def _compiled_size(n: Node) -> float:
    """PCRE2 code units (calibrated against njs 0.7.9: `(?:ab){6552}` is the largest that fits)."""
    if isinstance(n, Char):
        return 2 if len(n.chars) == 1 else 1 if n.chars in (DOT, *CLASS_ESC.values()) else 33
    if isinstance(n, (Assert, Backref)):
        return 1 + (_compiled_size(n.body) + 6 if isinstance(n, Assert) and n.body is not None else 0) + 2 * isinstance(n, Backref)
    if isinstance(n, Seq):
        return sum(_compiled_size(x) for x in n.items)
    if isinstance(n, Alt):
        return sum(_compiled_size(b) for b in n.branches) + 3 * (len(n.branches) - 1)
    if isinstance(n, Group):
        return _compiled_size(n.body) + (8 if n.capturing else 6)
    body = _compiled_size(n.body)
    if isinstance(n.body, Char):
        return 2 * body + 4
    if n.hi == float("inf"):
        return body * max(n.lo, 1) + 1
    return body * n.lo + (n.hi - n.lo) * (body + 7)


@lru_cache(maxsize=256)
def _analyse(src: str) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    try:
        return _analyse_tree(src)
    except (RecursionError, TooDeep):  # groups nested hundreds deep
        return (), (("the pattern nests too deeply to be checked for exponential backtracking",
                     "flatten the groups"),)


def _analyse_tree(src: str) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    try:
        p = parse(src)
    except TooDeep:
        raise
    except (IndexError, ValueError):  # QuickJS reports real syntax errors; nothing more to say
        return (), ()
    tree = p.tree
    refused = list(p.refused)
    size = _compiled_size(tree) + 6  # the pattern's own bracket and end (errs towards refusing: ~0.1 %)
    if size > MAX_COMPILED:
        refused.append((f"the pattern compiles to about {int(size):,} units, over the edge engine's limit of "
                        f"{MAX_COMPILED:,} (regular expression is too large): counted repetition of a group "
                        "copies the group", "repeat single characters or classes, or use + / * instead of large counts"))
    risky: list[tuple[str, str]] = []
    seen: set[str] = set()
    for node in walk(tree):
        if isinstance(node, Quant) and (node.hi == float("inf") or node.hi >= _OUTER_MIN) and node.hi > 1:
            hit = _ambiguous(node.body, _first(node.body), src)
            outer = src[node.start:node.end]
            if hit and outer not in seen:
                seen.add(outer)
                risky.append((f"`{outer}` can backtrack exponentially (ReDoS): `{hit}` inside a repetition can "
                              "split the same text in many ways, so one crafted request exhausts the function's "
                              "compute budget", "make each repetition unambiguous, e.g. `(a+)+` -> `a+`, "
                              "`([a-z0-9]+)*@` -> `[a-z0-9]*@`, `(\\w+\\s?)+` -> `\\w+(?:\\s\\w+)*`"))
    return tuple(refused), tuple(risky)


def edge_problems(src: str) -> list[tuple[str, str]]:
    """(message, hint) for each construct the edge's engine refuses or reads differently."""
    return list(_analyse(src)[0])


def redos_problems(src: str) -> list[tuple[str, str]]:
    """(message, hint) for each repetition that can backtrack exponentially."""
    return list(_analyse(src)[1])
