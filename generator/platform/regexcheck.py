"""Checks of a route's regex: compiles in QuickJS, is accepted by the edge's engine with the
same meaning, and cannot backtrack exponentially (ReDoS).

CloudFront's runtime documents its RegExp as ES5.1 "Perl compatible" plus named groups; it
descends from njs, which hands the pattern to PCRE2. QuickJS accepting a pattern proves
nothing there, so `edge_problems` refuses, with the engine's reason, what njs 0.7.9 refuses or
reads differently (measured: tests/compiler/test_regex_edge.py runs each case in njs). The
table of refused constructs is `EDGE_ESCAPES` plus the rules in `_Parser` (kept here, not in
profile.py, because only the route compiler reads them).

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

from dataclasses import dataclass
from functools import lru_cache
from typing import Union

MAX_COUNT = 65535          # PCRE2: "number too big in {} quantifier"
MAX_COMPILED = 65535       # PCRE2 (LINK_SIZE 2): "regular expression is too large"
_OUTER_MIN = 10            # a bounded outer repetition this large counts as "many"

# \<letter> that is an identity escape in JavaScript (it matches the letter) but means
# something else to PCRE2, or is refused by it. (letter -> what the edge engine does)
EDGE_ESCAPES: dict[str, str] = {
    "A": "an anchor (start of subject)", "z": "an anchor (end of subject)", "Z": "an anchor (end of subject)",
    "G": "an anchor (first match position)", "K": "a match reset", "X": "an extended grapheme cluster",
    "C": "one code unit", "R": "any line break", "h": "horizontal white space", "H": "not horizontal white space",
    "N": "any character but a newline", "e": "the ESC character", "a": "the BEL character",
    "o": "an octal escape", "E": "the end of a \\Q quote", "Q": "the start of a quote", "g": "a backreference",
    "v": "vertical white space (a class), not U+000B",
}
_JS_ESCAPES = set("bBdDfnrsStvwWcxuk")
_HINT_ESCAPE = "write the letter without a backslash, or the JavaScript escape you meant (\\x0b for a vertical tab)"


def regex_error(source: str) -> str | None:
    """None when `source` compiles as a JavaScript RegExp (QuickJS), else the engine's message
    (compiled by the one bounded regex engine, `emulator/jsregex.py`)."""
    from cfroutes.emulator.jsregex import compile_error

    return compile_error(source)


# ------------------------------------------------------------------ character sets
# ASCII plus three stand-ins for the rest: U+00A0 (a space), U+2028 (a line terminator), U+4E00 (a letter)
_OTHER = (0xA0, 0x2028, 0x4E00)
ALL = frozenset(range(128)) | frozenset(_OTHER)
_DIGIT = frozenset(range(48, 58))
_WORD = _DIGIT | frozenset(range(65, 91)) | frozenset(range(97, 123)) | {95}
_SPACE = frozenset({9, 10, 11, 12, 13, 32, 0xA0, 0x2028})
_DOT = ALL - {10, 13, 0x2028}
_CLASS_ESC = {"d": _DIGIT, "D": ALL - _DIGIT, "w": _WORD, "W": ALL - _WORD, "s": _SPACE, "S": ALL - _SPACE}
_CTRL = {"f": 12, "n": 10, "r": 13, "t": 9, "v": 11, "0": 0}


@dataclass
class Char:
    chars: frozenset[int]
    start: int
    end: int


@dataclass
class Assert:      # ^ $ \b \B and lookarounds (their body is checked on its own)
    body: Node | None
    start: int
    end: int


@dataclass
class Backref:
    start: int
    end: int


@dataclass
class Seq:
    items: list[Node]
    start: int
    end: int


@dataclass
class Alt:
    branches: list[Node]
    start: int
    end: int


@dataclass
class Group:
    body: Node
    capturing: bool
    start: int
    end: int


@dataclass
class Quant:
    body: Node
    lo: int
    hi: float      # inf when unbounded
    start: int
    end: int


Node = Union[Char, Assert, Backref, Seq, Alt, Group, Quant]


class _Parser:
    """JavaScript (non-unicode, Annex B) regex syntax; collects edge-engine refusals."""

    def __init__(self, src: str) -> None:
        self.s, self.i = src, 0
        self.refused: list[tuple[str, str]] = []
        self.groups = 0
        self.names: set[str] = set()
        self.backrefs: list[tuple[int, int]] = []   # (number, position)

    def refuse(self, msg: str, hint: str) -> None:
        if (msg, hint) not in self.refused:
            self.refused.append((msg, hint))

    def parse(self) -> Node:
        self._count_groups()
        node = self.alt()
        for num, _ in self.backrefs:
            if num > self.groups:
                self.refuse(f"\\{num} refers to group {num}, but the pattern has {self.groups} group(s): "
                            "JavaScript reads it as an escape, the edge engine refuses it "
                            "(reference to non-existent subpattern)", "escape the digit or fix the group number")
        return node

    def _count_groups(self) -> None:
        s, i, in_class = self.s, 0, False
        while i < len(s):
            c = s[i]
            if c == "\\":
                i += 2
                continue
            if in_class:
                in_class = c != "]"
            elif c == "[":
                in_class = True
            elif c == "(" and (not s.startswith("(?", i) or (s.startswith("(?<", i) and s[i + 3:i + 4] not in ("=", "!"))):
                self.groups += 1
                if s.startswith("(?<", i):
                    self.names.add(s[i + 3:s.find(">", i)])
            i += 1

    def peek(self, k: int = 0) -> str:
        return self.s[self.i + k] if self.i + k < len(self.s) else ""

    def alt(self) -> Node:
        start = self.i
        branches = [self.seq()]
        while self.peek() == "|":
            self.i += 1
            branches.append(self.seq())
        return branches[0] if len(branches) == 1 else Alt(branches, start, self.i)

    def seq(self) -> Node:
        start, items = self.i, []
        while self.i < len(self.s) and self.peek() not in "|)":
            atom = self.atom()
            if atom is not None:
                items.append(self.quantifier(atom))
        return Seq(items, start, self.i)

    def atom(self) -> Node | None:
        s, start = self.s, self.i
        c = s[self.i]
        if c in "^$":
            self.i += 1
            return Assert(None, start, self.i)
        if c == ".":
            self.i += 1
            return Char(_DOT, start, self.i)
        if c == "[":
            return self.char_class()
        if c == "(":
            return self.group()
        if c == "\\":
            return self.escape(False)
        self.i += 1
        return Char(frozenset({ord(c) if ord(c) < 128 else 0x4E00}), start, self.i)

    def group(self) -> Node:
        s, start = self.s, self.i
        if s.startswith(("(?=", "(?!"), start) or s.startswith(("(?<=", "(?<!"), start):
            self.i += 4 if s.startswith("(?<", start) else 3
            body = self.alt()
            self.i += 1
            return Assert(body, start, self.i)
        capturing = True
        if s.startswith("(?:", start):
            self.i += 3
            capturing = False
        elif s.startswith("(?<", start):
            self.i = s.find(">", start) + 1
        elif s.startswith("(?", start):  # (?i:...) modifiers (ES2025): not in the documented RegExp
            j = start + 2
            while j < len(s) and (s[j].isalpha() or s[j] == "-"):
                j += 1
            self.refuse(f"inline modifiers {s[start:j + 1]!r} are not part of CloudFront's RegExp (ES5.1 plus "
                        "named groups)", "use the route's `case: insensitive` option or a class like [Aa]")
            self.i = j + 1
            capturing = False
        else:
            self.i += 1
        body = self.alt()
        self.i += 1  # ")"
        return Group(body, capturing, start, self.i)

    def escape(self, in_class: bool) -> Node:
        s, start = self.s, self.i
        c = s[self.i + 1] if self.i + 1 < len(s) else "\\"
        self.i += 2
        if c in _CLASS_ESC:
            return Char(_CLASS_ESC[c], start, self.i)
        if c in "bB" and not in_class:
            return Assert(None, start, self.i)
        if c == "b":
            return Char(frozenset({8}), start, self.i)
        if c.isdigit() and c != "0":
            j = self.i
            while j < len(s) and s[j].isdigit():
                j += 1
            if not in_class:
                self.backrefs.append((int(s[self.i - 1:j]), start))
                self.i = j
                return Backref(start, self.i)
            return Char(frozenset({ord(c)}), start, self.i)
        if c == "k" and s.startswith("<", self.i) and self.names:
            self.i = s.find(">", self.i) + 1
            return Backref(start, self.i)
        if c.isascii() and c.isalpha() and (c not in _JS_ESCAPES or c == "v" or c == "k"):
            what = EDGE_ESCAPES.get(c)
            reason = f"is {what} in the edge's engine" if what else "is refused by the edge's engine"
            self.refuse(f"\\{c} is an identity escape in JavaScript (the letter {c!r}) but {reason}", _HINT_ESCAPE)
            return Char(frozenset({ord(c)}), start, self.i)
        if c == "x" and all(h in "0123456789abcdefABCDEF" for h in s[self.i:self.i + 2]) and len(s) >= self.i + 2:
            code = int(s[self.i:self.i + 2], 16)
            self.i += 2
            return Char(frozenset({code if code < 128 else 0xA0}), start, self.i)
        if c == "u" and len(s) >= self.i + 4 and all(h in "0123456789abcdefABCDEF" for h in s[self.i:self.i + 4]):
            code = int(s[self.i:self.i + 4], 16)
            self.i += 4
            return Char(frozenset({code if code < 128 else 0x2028 if code in (0x2028, 0x2029) else 0x4E00}), start, self.i)
        if c == "c" and self.peek().isalpha():
            self.i += 1
            return Char(frozenset({ord(self.s[self.i - 1]) % 32}), start, self.i)
        if c in _CTRL:
            return Char(frozenset({_CTRL[c]}), start, self.i)
        return Char(frozenset({ord(c) if ord(c) < 128 else 0x4E00}), start, self.i)

    def char_class(self) -> Node:
        s, start = self.s, self.i
        self.i += 1
        negated = self.peek() == "^"
        if negated:
            self.i += 1
        chars: set[int] = set()
        first = True
        while self.i < len(s) and self.peek() != "]":
            if self.peek() == "[" and self.peek(1) and self.peek(1) in ":.=":
                close = s.find(self.peek(1) + "]", self.i + 2)
                if close > 0 and "]" not in s[self.i + 2:close]:
                    self.refuse(f"{s[self.i:close + 2]!r} inside a class is a POSIX class in the edge's engine "
                                "(JavaScript reads the characters one by one)", "list the characters, e.g. [A-Za-z]")
            lo = self._class_atom()
            if self.peek() == "-" and self.peek(1) not in ("]", "") and lo is not None:
                self.i += 1
                hi = self._class_atom()
                if hi is None or len(lo) != 1 or len(hi) != 1:
                    chars |= (lo or set()) | (hi or set()) | {45}
                else:
                    a, b = min(lo), min(hi)
                    chars |= {x for x in ALL if a <= x <= b}
            elif lo is not None:
                chars |= lo
            first = False
        self.i += 1  # "]"
        if first:
            self.refuse(f"the empty class {s[start:self.i]!r} is refused by the edge's engine "
                        "(missing terminating ] for character class)",
                        "use [\\s\\S] for any character, or (?!) for nothing")
        cs = frozenset(chars)
        return Char(ALL - cs if negated else cs, start, self.i)

    def _class_atom(self) -> set[int] | None:
        if self.peek() == "\\":
            node = self.escape(True)
            return set(node.chars) if isinstance(node, Char) else set()
        c = self.peek()
        self.i += 1
        return {ord(c) if ord(c) < 128 else 0x4E00}

    def quantifier(self, atom: Node) -> Node:
        s = self.s
        c = self.peek()
        lo: int
        hi: float
        if c and c in "*+?":
            lo, hi = {"*": (0, float("inf")), "+": (1, float("inf")), "?": (0, 1)}[c]
            self.i += 1
        elif c == "{":
            j = self.i + 1
            k = j
            while k < len(s) and s[k].isdigit():
                k += 1
            if k == j:
                return atom  # Annex B: a literal "{"
            lo = int(s[j:k])
            hi = lo
            if s[k:k + 1] == ",":
                m = k + 1
                while m < len(s) and s[m].isdigit():
                    m += 1
                hi = int(s[k + 1:m]) if m > k + 1 else float("inf")
                k = m
            if s[k:k + 1] != "}":
                return atom  # literal
            for n in (lo, hi):
                if n != float("inf") and n > MAX_COUNT:
                    self.refuse(f"the count in {s[self.i:k + 1]!r} is over {MAX_COUNT}: the edge's engine refuses it "
                                "(number too big in {} quantifier)", f"keep counts at {MAX_COUNT} or less")
            self.i = k + 1
        else:
            return atom
        if self.peek() == "?":
            self.i += 1
        return Quant(atom, lo, hi, atom.start, self.i)


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


def _walk(n: Node):  # type: ignore[no-untyped-def]
    yield n
    kids: list[Node] = []
    if isinstance(n, Seq):
        kids = n.items
    elif isinstance(n, Alt):
        kids = n.branches
    elif isinstance(n, (Group, Quant)):
        kids = [n.body]
    elif isinstance(n, Assert) and n.body is not None:
        kids = [n.body]
    for k in kids:
        yield from _walk(k)


def _compiled_size(n: Node) -> float:
    """PCRE2 code units (calibrated against njs 0.7.9: `(?:ab){6552}` is the largest that fits)."""
    if isinstance(n, Char):
        return 2 if len(n.chars) == 1 else 1 if n.chars in (_DOT, *_CLASS_ESC.values()) else 33
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
    except RecursionError:  # groups nested hundreds deep
        return (), (("the pattern nests too deeply to be checked for exponential backtracking",
                     "flatten the groups"),)


def _analyse_tree(src: str) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    p = _Parser(src)
    try:
        tree = p.parse()
    except (IndexError, ValueError):  # QuickJS reports real syntax errors; nothing more to say
        return (), ()
    refused = list(p.refused)
    size = _compiled_size(tree) + 6  # the pattern's own bracket and end (errs towards refusing: ~0.1 %)
    if size > MAX_COMPILED:
        refused.append((f"the pattern compiles to about {int(size):,} units, over the edge engine's limit of "
                        f"{MAX_COMPILED:,} (regular expression is too large): counted repetition of a group "
                        "copies the group", "repeat single characters or classes, or use + / * instead of large counts"))
    risky: list[tuple[str, str]] = []
    seen: set[str] = set()
    for node in _walk(tree):
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
