"""The one JavaScript regex parser: a route's regex read once into a tree, every regex task a
walk over it.

The syntax is JavaScript's without the `u` flag (Annex B), as QuickJS and the edge accept it,
plus named groups. The tasks:
- renumbering named groups for ES5 (`config.patterns.convert_regex`),
- naming unnamed groups for importers (`importers.common.name_groups`),
- the edge engine's refusals, the ReDoS and compiled-size checks (`platform.regexcheck`),
- example strings for the lint's sample requests (`compiler.lint.regex_examples`).

`\\k<name>` is a backreference only when the pattern has a named group (otherwise `\\k` is an
identity escape, which the edge refuses); it may name a group that comes later (it then
matches the empty string, as in every engine). Inside a class `\\k` is the letter k to
QuickJS and a syntax error to the edge (refused here).

Every node keeps its source span (`start`, `end`), so a task that rewrites the pattern edits
exactly those characters (`edit`) and copies the rest byte for byte. Nesting deeper than the
edge engine's limit (PCRE's 250 parentheses, measured with njs 0.7.9) raises `TooDeep` before
Python's stack is in danger.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

MAX_COUNT = 65535          # PCRE2: "number too big in {} quantifier"
MAX_NESTING = 250          # PCRE: "parentheses are too deeply nested"

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
_HEX = "0123456789abcdefABCDEF"

# ------------------------------------------------------------------ character sets
# ASCII plus three stand-ins for the rest: U+00A0 (a space), U+2028 (a line terminator), U+4E00 (a letter)
_OTHER = (0xA0, 0x2028, 0x4E00)
ALL = frozenset(range(128)) | frozenset(_OTHER)
_DIGIT = frozenset(range(48, 58))
_WORD = _DIGIT | frozenset(range(65, 91)) | frozenset(range(97, 123)) | {95}
_SPACE = frozenset({9, 10, 11, 12, 13, 32, 0xA0, 0x2028})
DOT = ALL - {10, 13, 0x2028}
CLASS_ESC = {"d": _DIGIT, "D": ALL - _DIGIT, "w": _WORD, "W": ALL - _WORD, "s": _SPACE, "S": ALL - _SPACE}
_CTRL = {"f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "0": "\0"}
#: an example character of each class escape, outside a class and as the first one listed inside
_CLASS_EXAMPLE = {"d": "1", "D": "a", "w": "a", "W": "-", "s": " ", "S": "a"}
_LISTED_EXAMPLE = {**_CLASS_EXAMPLE, "d": "0"}
#: what an example of a negated class is picked from, in this order
_NEGATED_CANDIDATES = "azAZ09-_~"


def _code(ch: str) -> int:
    """A literal character as the checks see it: ASCII as itself, the rest as a letter."""
    return ord(ch) if ord(ch) < 128 else 0x4E00


@dataclass
class Char:
    """One character of a set: a literal, an escape, `.` or a class."""
    chars: frozenset[int]
    start: int
    end: int
    example: str | None = None  # a character it matches (None: none known)


@dataclass
class Assert:
    """`^`, `$`, `\\b`, `\\B` (no body) or a lookaround `(?=`, `(?!`, `(?<=`, `(?<!` (its body)."""
    body: Node | None
    start: int
    end: int
    kind: str = ""


@dataclass
class Backref:
    start: int
    end: int
    number: int | None = None  # \N
    name: str | None = None    # \k<name>


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
    name: str | None = None  # (?<name>...)
    number: int = 0          # capturing groups count from 1 in the order they open
    head: int = 0            # where the body starts: src[start:head] is "(", "(?:", "(?<name>"


@dataclass
class Quant:
    body: Node
    lo: int
    hi: float      # inf when unbounded
    start: int
    end: int


Node = Char | Assert | Backref | Seq | Alt | Group | Quant


class TooDeep(ValueError):
    """Groups nested deeper than the edge engine accepts."""


@dataclass
class Regex:
    """A parsed pattern: its tree, its capturing groups and what the edge's engine refuses in it."""
    source: str
    tree: Node
    groups: list[Group]                       # capturing, by number
    refused: list[tuple[str, str]] = field(default_factory=list)   # (message, hint)
    escapes: list[tuple[int, str, bool]] = field(default_factory=list)  # (position, letter, in a class)
    complete: bool = True                     # the tree spans the whole source (no stray ")")

    @property
    def names(self) -> dict[str, int]:
        """Named groups: name -> number (the first of a name used twice)."""
        out: dict[str, int] = {}
        for g in self.groups:
            if g.name is not None:
                out.setdefault(g.name, g.number)
        return out


def parse(src: str) -> Regex:
    """The tree of `src`. Never fails on bad syntax (QuickJS judges that); raises TooDeep."""
    rx = _Parser(src, named=False).run()
    if "\\k" in src and any(g.name is not None for g in rx.groups):
        rx = _Parser(src, named=True).run()  # \k<name> is a backreference only with named groups
    return rx


def walk(node: Node) -> Iterator[Node]:
    """Every node, in source order (a group before its body), without recursion."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        if isinstance(n, Seq):
            stack.extend(reversed(n.items))
        elif isinstance(n, Alt):
            stack.extend(reversed(n.branches))
        elif isinstance(n, (Group, Quant)):
            stack.append(n.body)
        elif isinstance(n, Assert) and n.body is not None:
            stack.append(n.body)


def edit(src: str, edits: list[tuple[int, int, str]]) -> str:
    """`src` with each (start, end) span replaced by its text; spans must not overlap."""
    out, at = [], 0
    for start, end, text in sorted(edits):
        out += [src[at:start], text]
        at = end
    out.append(src[at:])
    return "".join(out)


class _Parser:
    """JavaScript (non-unicode, Annex B) regex syntax; collects edge-engine refusals.

    Two Python frames per nesting level (`alt` and `group`), so MAX_NESTING levels fit in the
    default recursion limit."""

    def __init__(self, src: str, *, named: bool) -> None:
        self.s, self.i, self.named = src, 0, named
        self.refused: list[tuple[str, str]] = []
        self.escapes: list[tuple[int, str, bool]] = []
        self.backrefs: list[tuple[int, int]] = []   # (number, position)
        self.depth = 0

    def run(self) -> Regex:
        tree = self.alt()
        complete = self.i >= len(self.s)
        if not complete:  # a stray ")", which JavaScript refuses: the rest is read on for its groups
            parts = [tree]
            while self.i < len(self.s):
                self.i += 1
                parts.append(self.alt())
            tree = Seq(parts, 0, len(self.s))
        groups = [n for n in walk(tree) if isinstance(n, Group) and n.capturing]
        for k, g in enumerate(groups, 1):
            g.number = k
        for num, _ in self.backrefs:
            if num > len(groups):
                self.refuse(f"\\{num} refers to group {num}, but the pattern has {len(groups)} group(s): "
                            "JavaScript reads it as an escape, the edge engine refuses it "
                            "(reference to non-existent subpattern)", "escape the digit or fix the group number")
        return Regex(self.s, tree, groups, self.refused, self.escapes, complete)

    def refuse(self, msg: str, hint: str) -> None:
        if (msg, hint) not in self.refused:
            self.refused.append((msg, hint))

    def peek(self, k: int = 0) -> str:
        return self.s[self.i + k] if self.i + k < len(self.s) else ""

    def alt(self) -> Node:
        """Alternatives of sequences, up to a ")" or the end."""
        start, branches = self.i, list[Node]()
        while True:
            items: list[Node] = []
            seq_start = self.i
            while self.i < len(self.s) and self.s[self.i] not in "|)":
                atom = self.group() if self.s[self.i] == "(" else self.atom()
                items.append(self.quantifier(atom))
            branches.append(Seq(items, seq_start, self.i))
            if self.peek() != "|":
                break
            self.i += 1
        return branches[0] if len(branches) == 1 else Alt(branches, start, self.i)

    def atom(self) -> Node:
        s, start = self.s, self.i
        c = s[self.i]
        if c in "^$":
            self.i += 1
            return Assert(None, start, self.i, c)
        if c == ".":
            self.i += 1
            return Char(DOT, start, self.i, "a")
        if c == "[":
            return self.char_class()
        if c == "\\":
            return self.escape(False)
        self.i += 1
        return Char(frozenset({_code(c)}), start, self.i, c)

    def group(self) -> Node:
        s, start = self.s, self.i
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise TooDeep(f"groups nested more than {MAX_NESTING} deep: the edge's engine refuses it "
                          "(parentheses are too deeply nested)")
        for kind in ("(?<=", "(?<!", "(?=", "(?!"):
            if s.startswith(kind, start):
                self.i += len(kind)
                body = self.alt()
                self.i += self.peek() == ")"
                self.depth -= 1
                return Assert(body, start, self.i, kind)
        capturing, name = True, None
        if s.startswith("(?:", start):
            self.i += 3
            capturing = False
        elif s.startswith("(?<", start):
            close = s.find(">", start)
            name = s[start + 3:close] if close > 0 else ""
            self.i = close + 1 if close > 0 else len(s)
        elif s.startswith("(?", start):  # (?i:...) modifiers (ES2025): not in the documented RegExp
            j = start + 2
            while j < len(s) and (s[j].isalpha() or s[j] == "-"):
                j += 1
            self.refuse(f"inline modifiers {s[start:j + 1]!r} are not part of CloudFront's RegExp (ES5.1 plus "
                        "named groups)", "use the route's `case: insensitive` option or a class like [Aa]")
            self.i = j + 1 if s[j:j + 1] in (":", ")") else j
            capturing = False
        else:
            self.i += 1
        head = self.i
        body = self.alt()
        self.i += self.peek() == ")"  # absent at the end of an unbalanced pattern
        self.depth -= 1
        return Group(body, capturing, start, self.i, name=name, head=head)

    def escape(self, in_class: bool) -> Node:
        s, start = self.s, self.i
        c = s[self.i + 1] if self.i + 1 < len(s) else "\\"
        self.i = min(self.i + 2, len(s))  # a backslash at the end stands for itself
        self.escapes.append((start, c, in_class))
        if c in CLASS_ESC:
            return Char(CLASS_ESC[c], start, self.i, (_LISTED_EXAMPLE if in_class else _CLASS_EXAMPLE)[c])
        if c in "bB" and not in_class:
            return Assert(None, start, self.i, "\\" + c)
        if c == "b":
            return Char(frozenset({8}), start, self.i, "\b")
        if c.isdigit() and c != "0":
            j = self.i
            while j < len(s) and s[j].isdigit():
                j += 1
            if not in_class:
                num = int(s[self.i - 1:j])
                self.backrefs.append((num, start))
                self.i = j
                return Backref(start, self.i, number=num)
            return Char(frozenset({ord(c)}), start, self.i, c)
        if c == "k" and self.named and in_class:
            self.refuse("\\k inside a class is the letter k in JavaScript but is refused by the edge's engine "
                        "(escape sequence is invalid in character class)", _HINT_ESCAPE)
            return Char(frozenset({ord(c)}), start, self.i, c)
        if c == "k" and self.named and s.startswith("<", self.i):
            close = s.find(">", self.i)
            name = s[self.i + 1:close] if close > 0 else ""
            self.i = close + 1 if close > 0 else len(s)
            return Backref(start, self.i, name=name)
        if c.isascii() and c.isalpha() and (c not in _JS_ESCAPES or c == "v" or c == "k"):
            what = EDGE_ESCAPES.get(c)
            reason = f"is {what} in the edge's engine" if what else "is refused by the edge's engine"
            self.refuse(f"\\{c} is an identity escape in JavaScript (the letter {c!r}) but {reason}", _HINT_ESCAPE)
            return Char(frozenset({ord(c)}), start, self.i, c)
        if c == "x" and len(s) >= self.i + 2 and all(h in _HEX for h in s[self.i:self.i + 2]):
            n = int(s[self.i:self.i + 2], 16)
            self.i += 2
            return Char(frozenset({n if n < 128 else 0xA0}), start, self.i, chr(n))
        if c == "u" and len(s) >= self.i + 4 and all(h in _HEX for h in s[self.i:self.i + 4]):
            n = int(s[self.i:self.i + 4], 16)
            self.i += 4
            return Char(frozenset({n if n < 128 else 0x2028 if n in (0x2028, 0x2029) else 0x4E00}), start, self.i,
                        chr(n))
        if c == "c" and self.peek().isalpha():
            self.i += 1
            n = ord(self.s[self.i - 1]) % 32
            return Char(frozenset({n}), start, self.i, chr(n))
        if c in _CTRL:
            return Char(frozenset({ord(_CTRL[c])}), start, self.i, _CTRL[c])
        return Char(frozenset({_code(c)}), start, self.i, c)

    def char_class(self) -> Node:
        s, start = self.s, self.i
        self.i += 1
        negated = self.peek() == "^"
        if negated:
            self.i += 1
        chars: set[int] = set()
        first: str | None = None
        empty = True
        while self.i < len(s) and self.peek() != "]":
            if self.peek() == "[" and self.peek(1) and self.peek(1) in ":.=":
                close = s.find(self.peek(1) + "]", self.i + 2)
                if close > 0 and "]" not in s[self.i + 2:close]:
                    self.refuse(f"{s[self.i:close + 2]!r} inside a class is a POSIX class in the edge's engine "
                                "(JavaScript reads the characters one by one)", "list the characters, e.g. [A-Za-z]")
            lo, lo_ex = self._class_atom()
            if self.peek() == "-" and self.peek(1) not in ("]", "") and lo is not None:
                self.i += 1
                hi, _ = self._class_atom()
                if hi is None or len(lo) != 1 or len(hi) != 1:
                    chars |= (lo or set()) | (hi or set()) | {45}
                else:
                    a, b = min(lo), min(hi)
                    chars |= {x for x in ALL if a <= x <= b}
            elif lo is not None:
                chars |= lo
            if first is None:
                first = lo_ex
            empty = False
        self.i += self.peek() == "]"  # absent at the end of an unterminated class
        if empty:
            self.refuse(f"the empty class {s[start:self.i]!r} is refused by the edge's engine "
                        "(missing terminating ] for character class)",
                        "use [\\s\\S] for any character, or (?!) for nothing")
        cs = frozenset(chars)
        if negated:
            cs = ALL - cs
            first = next((c for c in _NEGATED_CANDIDATES if ord(c) in cs), None)
        return Char(cs, start, self.i, first)

    def _class_atom(self) -> tuple[set[int] | None, str | None]:
        if self.peek() == "\\":
            node = self.escape(True)
            return (set(node.chars), node.example) if isinstance(node, Char) else (set(), None)
        c = self.peek()
        self.i += 1
        return {_code(c)}, c

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
