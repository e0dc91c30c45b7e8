"""Static check of a CloudFront Function against its runtime profile (esprima).

`check_source` is pure and fast; `analyze` also returns what the emulator's loader
needs (imports to rewrite, loop and function bodies to instrument, names used).
"""
from __future__ import annotations

import hashlib
import json
import re
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from cfroutes import runcache
from cfroutes.platform.profile import (
    DOC_ASYNC,
    FEATURE_NAMES,
    INSTANCE_METHODS,
    MSG_AWAIT_IN_ARGUMENTS,
    MSG_AWAIT_OUTSIDE_ASYNC,
    MSG_OPTIONAL_CATCH,
    STRUCTURAL,
    UNSUPPORTED_GLOBALS,
    RuntimeProfile,
    get_profile,
)
from esprima.error_handler import Error as EsprimaError
from esprima.nodes import Node
from esprima.parser import Parser


@dataclass(frozen=True)
class JsIssue:
    line: int      # 1-based
    column: int    # 1-based
    message: str
    hint: str | None = None       # how to fix it (diagnostics only, not part of the edge's message)
    kind: str = "SyntaxError"     # the error CloudFront reports for it

    def __str__(self) -> str:
        return f"{self.line}:{self.column}: {self.message}"


@dataclass
class Analysis:
    """Everything a single walk learns about a function source."""
    issues: list[JsIssue] = field(default_factory=list)
    warnings: list[JsIssue] = field(default_factory=list)                   # run-time failures seen statically
    program: Any = None
    imports: list[tuple[int, int, str, str]] = field(default_factory=list)   # (start, end, local, module)
    loop_bodies: list[tuple[int, int, bool]] = field(default_factory=list)   # (start, end, is_block)
    function_bodies: list[int] = field(default_factory=list)                  # offset just after "{"
    arrow_exprs: list[tuple[int, int]] = field(default_factory=list)          # expression bodies
    names: set[str] = field(default_factory=set)                              # identifiers and property names
    modules: set[str] = field(default_factory=set)                            # imported or required modules


_SKIP_KEYS = frozenset({"type", "range", "loc"})
_STATIC_TABLES = ("Object", "String", "Number", "Math", "Array", "Date", "JSON", "Promise", "Symbol",
                  "ArrayBuffer", "RegExp", "Error", "Function", "Boolean")
_LOOPS = ("ForStatement", "ForInStatement", "WhileStatement", "DoWhileStatement", "ForOfStatement")
_FUNCS = ("FunctionDeclaration", "FunctionExpression", "ArrowFunctionExpression")
_CALLS = ("CallExpression", "NewExpression")
_TOP, _SYNC, _ASYNC = 0, 1, 2
_OWNER_NAMES = {"Object.prototype": "objects", "Array.prototype": "arrays", "Number.prototype": "numbers",
                "%TypedArray%.prototype": "typed arrays", "String.prototype": "strings"}
_LINE_PREFIX = re.compile(r"^Line \d+: ")


# Nesting pre-scan: esprima is recursive (about 11 Python frames per parenthesis), so source
# nested deeper than MAX_NESTING is refused with a position before it is parsed, and the
# parse runs with a recursion limit that covers MAX_NESTING levels of any construct.
MAX_NESTING = 256
_PARSE_RECURSION = 8000 if sys.version_info >= (3, 11) else 3000  # 3.10 recursion uses the C stack
_OPEN, _CLOSE = "([{", ")]}"
_REGEX_AFTER = frozenset("(,=:[!&|?{};+-*%<>~^")
_REGEX_WORDS = ("return", "typeof", "case", "do", "else", "in", "of", "new", "delete", "void", "throw",
                "instanceof", "yield", "await")


def nesting_issue(source: str, limit: int = MAX_NESTING) -> JsIssue | None:
    """A positioned issue when brackets, braces, parentheses and `${` nest deeper than `limit`.

    A linear scan that skips strings, comments, template text and regex literals (a `/` after
    an operator, a punctuator or a keyword such as `return` starts a regex)."""
    depth, line, line_start, i, n = 0, 1, 0, 0, len(source)
    stack: list[str] = []          # "b" bracket / "t" the `${` of a template
    prev = ""                      # last significant character ("a" after an identifier or number)
    while i < n:
        c = source[i]
        if c == "\n":
            line, line_start = line + 1, i + 1
        elif c in " \t\r":
            pass
        elif c in "'\"":
            j = i + 1
            while j < n and source[j] != c and source[j] != "\n":
                j += 2 if source[j] == "\\" else 1
            i, prev = j, "a"
        elif c == "`" or (c == "}" and stack and stack[-1] == "t"):
            if c == "}":
                stack.pop()
                depth -= 1
            j = i + 1
            while j < n and source[j] != "`" and not source.startswith("${", j):
                if source[j] == "\n":
                    line, line_start = line + 1, j + 1
                j += 2 if source[j] == "\\" else 1
            if source.startswith("${", j):
                stack.append("t")
                depth += 1
                if depth > limit:
                    return JsIssue(line, j - line_start + 1, f"nesting deeper than {limit} levels")
                j += 1
            i, prev = j, "("
        elif source.startswith("//", i):
            j = source.find("\n", i)
            i = (n if j < 0 else j) - 1
        elif source.startswith("/*", i):
            j = source.find("*/", i + 2)
            j = n if j < 0 else j + 2
            line += source.count("\n", i, j)
            if "\n" in source[i:j]:
                line_start = source.rfind("\n", i, j) + 1
            i = j - 1
        elif c == "/" and (prev == "" or prev in _REGEX_AFTER or prev == "w"):
            j, in_class = i + 1, False
            while j < n and source[j] != "\n" and (in_class or source[j] != "/"):
                if source[j] == "\\":
                    j += 1
                elif source[j] == "[":
                    in_class = True
                elif source[j] == "]":
                    in_class = False
                j += 1
            i, prev = j, "a"
        elif c in _OPEN:
            stack.append("b")
            depth += 1
            if depth > limit:
                return JsIssue(line, i - line_start + 1, f"nesting deeper than {limit} levels")
            prev = c
        elif c in _CLOSE:
            if stack:
                stack.pop()
                depth -= 1
            prev = "a"
        elif c.isalnum() or c in "_$":
            j = i
            while j < n and (source[j].isalnum() or source[j] in "_$"):
                j += 1
            prev = "w" if source[i:j] in _REGEX_WORDS else "a"
            i = j - 1
        else:
            prev = c
        i += 1
    return None


def _parse(source: str, module: bool) -> Any:
    parser = Parser(source, options={"range": True, "loc": True})
    # esprima-fork checks regex literals with its own rules (Scanner.testRegExp), not the
    # engine's; QuickJS compiles every literal for real at load time, so that check is off.
    parser.scanner.testRegExp = lambda pattern, flags: None
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, _PARSE_RECURSION))
    try:
        return parser.parseModule() if module else parser.parseScript()
    finally:
        sys.setrecursionlimit(old)


def _describe_parse_error(source: str, err: EsprimaError, runtime: str) -> str:
    idx = err.index or 0
    if source.startswith("import", idx) or source.startswith("export", idx):
        return f"{source[idx:idx + 6]} is not supported by {runtime}"
    if re.search(r"\bawait\s*$", source[max(idx - 24, 0):idx]) or re.match(r"await\b", source[idx:idx + 6]):
        if not get_profile(runtime).allow_async:
            return f"await is not supported by {runtime}"
        return MSG_AWAIT_OUTSIDE_ASYNC
    return _LINE_PREFIX.sub("", str(err.message))


def _parse_checked(source: str, runtime: str, module: bool) -> tuple[Any, JsIssue | None]:
    """Parse (esprima-fork reads ES2026, numeric separators included); a parse error as a JsIssue."""
    try:
        return _parse(source, module), None
    except EsprimaError as err:
        return None, JsIssue(err.lineNumber or 1, err.column or 1, _describe_parse_error(source, err, runtime))


def check_source(source: str, runtime: str) -> list[JsIssue]:
    """Issues (syntax, profile, missing handler) of `source` for `runtime`, in source order.

    These make CloudFront refuse the function. Uses of built-ins the runtime lacks only
    fail when they run (as in CloudFront): see `lint_source`.
    """
    return list(analyze(source, runtime).issues)


def lint_source(source: str, runtime: str) -> list[JsIssue]:
    """Warnings: code that loads but fails at run time (missing built-ins, eval, require('fs'))."""
    a = analyze(source, runtime)
    return a.issues + a.warnings


@lru_cache(maxsize=16)
def analyze(source: str, runtime: str) -> Analysis:
    """One esprima walk of `source`; cached because the compiler's check and the emulator's
    prepare analyse the same emitted source (and, inside `check`, on disk: runcache.py).
    Callers must not mutate the result."""
    if not runcache.enabled():
        return _analyze(source, runtime)
    name = runcache.key("esprima", runtime, hashlib.sha256(source.encode("utf-8")).hexdigest())
    data = runcache.load("esprima", name)
    if data is not None:
        try:
            return _from_json(data)
        except (ValueError, KeyError, TypeError):  # an entry of another shape: analyse again
            pass
    out = _analyze(source, runtime)
    runcache.store("esprima", name, _to_json(out))
    return out


@dataclass(frozen=True)
class _Name:
    name: str


@dataclass(frozen=True)
class _Declaration:
    type: str
    id: _Name
    isAsync: bool  # noqa: N815 (esprima's name)


@dataclass(frozen=True)
class _Program:
    """What callers read of the AST of a stored analysis: its top-level function declarations."""
    body: tuple[_Declaration, ...]


def _to_json(a: Analysis) -> bytes:
    def issues(xs: list[JsIssue]) -> list[list[Any]]:
        return [[i.line, i.column, i.message, i.hint, i.kind] for i in xs]

    decls = None if a.program is None else [
        [n.id.name, bool(n.isAsync)] for n in a.program.body if n.type == "FunctionDeclaration" and n.id is not None]
    return json.dumps({"issues": issues(a.issues), "warnings": issues(a.warnings), "program": decls,
                       "imports": a.imports, "loops": a.loop_bodies, "functions": a.function_bodies,
                       "arrows": a.arrow_exprs, "names": sorted(a.names), "modules": sorted(a.modules)}).encode("utf-8")


def _from_json(data: bytes) -> Analysis:
    d = json.loads(data)
    program = None if d["program"] is None else _Program(
        tuple(_Declaration("FunctionDeclaration", _Name(str(n)), bool(a)) for n, a in d["program"]))
    return Analysis(issues=[JsIssue(*i) for i in d["issues"]], warnings=[JsIssue(*i) for i in d["warnings"]],
                    program=program, imports=[tuple(x) for x in d["imports"]],
                    loop_bodies=[tuple(x) for x in d["loops"]], function_bodies=list(d["functions"]),
                    arrow_exprs=[tuple(x) for x in d["arrows"]], names=set(d["names"]), modules=set(d["modules"]))


def _analyze(source: str, runtime: str) -> Analysis:
    prof = get_profile(runtime)
    out = Analysis()
    deep = nesting_issue(source)
    if deep is not None:
        out.issues.append(deep)
        return out
    try:
        program, err = _parse_checked(source, runtime, prof.allow_import)
    except RecursionError:  # a construct deeper per level than the pre-scan assumes
        program, err = None, JsIssue(1, 1, f"nesting too deep to parse (keep it under {MAX_NESTING} levels)")
    if err is not None:
        out.issues.append(err)
        return out
    out.program = program
    _Walker(prof, out).run(program)
    if not any(n.type == "FunctionDeclaration" and n.id is not None and n.id.name == "handler"
               for n in program.body):
        out.issues.append(JsIssue(1, 1, "no top-level `function handler(event)` declaration",
                                  kind="ReferenceError"))
    out.issues.sort(key=lambda i: (i.line, i.column))
    out.warnings.sort(key=lambda i: (i.line, i.column))
    return out


def _is_new_date(node: Any) -> bool:
    return bool(node.type == "NewExpression" and node.callee.type == "Identifier" and node.callee.name == "Date")


def _pos(node: Any) -> tuple[int, int]:
    return node.loc.start.line, node.loc.start.column + 1


class _Walker:
    def __init__(self, prof: RuntimeProfile, out: Analysis) -> None:
        self.p, self.out = prof, out
        self.rt = prof.name
        self.declared: set[str] = set()
        self.refs: list[tuple[str, Any]] = []
        self.statics: list[tuple[str, str, Any, bool]] = []

    def issue(self, node: Any, message: str, hint: str | None = None) -> None:
        line, col = _pos(node)
        self.out.issues.append(JsIssue(line, col, message, hint))

    def warn(self, node: Any, message: str) -> None:
        line, col = _pos(node)
        self.out.warnings.append(JsIssue(line, col, message))

    def unsupported(self, node: Any, feature: str) -> None:
        self.issue(node, f"{feature} is not supported by {self.rt}")

    def run(self, program: Any) -> None:
        # ctx: (enclosing function: _TOP | _SYNC | _ASYNC, inside call/new arguments of that function)
        stack: list[tuple[Any, str, str, tuple[int, bool]]] = [(program, "", "", (_TOP, False))]
        while stack:
            node, parent, key, ctx = stack.pop()
            self.visit(node, parent, key, ctx)
            t = node.type
            if t in _FUNCS:
                ctx = (_ASYNC if getattr(node, "isAsync", False) else _SYNC, False)
            for k, v in node.__dict__.items():
                if k in _SKIP_KEYS or v is None:
                    continue
                if t == "MemberExpression" and k == "property" and not node.computed:
                    self.out.names.add(v.name)
                    continue
                if t == "Property" and k == "key" and not node.computed:
                    continue
                if k == "label":
                    continue
                sub = (ctx[0], True) if k == "arguments" and t in _CALLS else ctx
                if isinstance(v, Node):
                    stack.append((v, t, k, sub))
                elif isinstance(v, list):
                    for item in reversed(v):
                        if isinstance(item, Node):
                            stack.append((item, t, k, sub))
        for name, node in self.refs:
            if name in UNSUPPORTED_GLOBALS and name not in self.p.globals and name not in self.declared:
                self.warn(node, f"{name} is not available in {self.rt}")
        for obj, member, node, proto in self.statics:
            if obj in self.declared:
                continue
            table = self.p.members.get(obj + (".prototype" if proto else ""))
            if table is not None and member not in table and member not in STRUCTURAL:
                shown = f"{obj}.prototype.{member}" if proto else f"{obj}.{member}"
                self.warn(node, f"{shown} is not available in {self.rt}")

    def visit(self, node: Any, parent: str, key: str, ctx: tuple[int, bool]) -> None:  # noqa: C901 (flat dispatch)
        t = node.type
        if t not in self.p.node_types:
            if t == "ImportDeclaration":
                self.unsupported(node, "import")
            elif t == "AwaitExpression":
                self.unsupported(node, "await")
            else:
                self.unsupported(node, FEATURE_NAMES.get(t, t))
            return
        if t == "Identifier":
            self.out.names.add(node.name)
            if key in ("id", "params", "param", "local"):
                self.declared.add(node.name)
            else:
                self.refs.append((node.name, node))
        elif t in _FUNCS:
            self._function(node, parent)
        elif t in _LOOPS:
            body = node.body
            self.out.loop_bodies.append((body.range[0], body.range[1], body.type == "BlockStatement"))
        elif t == "VariableDeclaration":
            if node.kind not in self.p.declaration_kinds:
                self.unsupported(node, node.kind)
        elif t == "RestElement":
            if key != "params":
                self.unsupported(node, "rest element outside a parameter list")
        elif t == "Property":
            if node.computed:
                self.unsupported(node, "computed property name")
            elif node.method:
                self.unsupported(node, "method shorthand")
            elif node.shorthand:
                self.unsupported(node, "shorthand property")
        elif t == "Literal":
            if getattr(node, "bigint", None) is not None:
                self.unsupported(node, "a BigInt literal")
            elif getattr(node, "regex", None):
                self._regex(node)
            elif (isinstance(node.value, (int, float)) and "_" in str(node.raw or "")
                  and not self.p.numeric_separators):
                self.unsupported(node, "a numeric separator (1_000)")
            elif isinstance(node.value, str) and len(node.value) < 32:
                self.out.names.add(node.value)  # e.g. {format: 'bytes'} decides which shims load
        elif t in ("BinaryExpression", "LogicalExpression"):
            if t == "BinaryExpression" and node.operator not in self.p.binary_operators:
                self.unsupported(node, f"operator {node.operator}")
            elif t == "LogicalExpression" and node.operator not in self.p.logical_operators:
                self.unsupported(node, "nullish coalescing (??)" if node.operator == "??"
                                 else f"operator {node.operator}")
        elif t == "AssignmentExpression":
            if node.operator not in self.p.assignment_operators:
                self.unsupported(node, f"operator {node.operator}")
        elif t == "UnaryExpression":
            if node.operator not in self.p.unary_operators:
                self.unsupported(node, f"operator {node.operator}")
        elif t == "MemberExpression":
            self._member(node)
        elif t in ("CallExpression", "NewExpression"):
            self._call(node)
        elif t == "ImportDeclaration":
            self._import(node, parent)
        elif t == "AwaitExpression":
            self._await(node, ctx)
        elif t == "CatchClause":
            if getattr(node, "param", None) is None and not self.p.optional_catch_binding:
                self.issue(node.body, MSG_OPTIONAL_CATCH,
                           "optional catch binding (`catch {`) is refused by CloudFront: write `catch (e) {`")

    def _await(self, node: Any, ctx: tuple[int, bool]) -> None:
        where, in_args = ctx
        if where != _ASYNC:
            self.issue(node, MSG_AWAIT_OUTSIDE_ASYNC,
                       "top-level await is not supported: move the code into `async function handler(event)`"
                       if where == _TOP else "mark the enclosing function async (top-level declarations only)")
        elif in_args and not self.p.await_in_arguments:
            self.issue(node, MSG_AWAIT_IN_ARGUMENTS,
                       "bind the awaited value to a variable first (`var v = await p; f(v);`): CloudFront "
                       "refuses the whole function, and every request through it fails")

    def _function(self, node: Any, parent: str) -> None:
        if node.generator:
            self.unsupported(node, "generator function")
        if getattr(node, "isAsync", False) or getattr(node, "async", False):
            if not self.p.allow_async:
                self.unsupported(node, "async function")
            elif not (node.type == "FunctionDeclaration" and parent == "Program") and not self.p.async_closures:
                kind = {"ArrowFunctionExpression": "an async arrow function",
                        "FunctionExpression": "an async function expression"}.get(node.type, "a nested async function")
                self.issue(node, f"async closures are not supported by {self.rt} ({kind})",
                           f"declare it as a top-level `async function`; {DOC_ASYNC}")
        body = node.body
        if body.type == "BlockStatement":
            self.out.function_bodies.append(body.range[0] + 1)
        else:
            self.out.arrow_exprs.append((body.range[0], body.range[1]))

    def _regex(self, node: Any) -> None:
        flags = node.regex.flags
        bad = sorted(set(flags) - self.p.regex_flags)
        if bad:
            self.unsupported(node, f"regular expression flag{'s' if len(bad) > 1 else ''} {''.join(bad)}")
        pattern = node.regex.pattern
        if "(?<=" in pattern or "(?<!" in pattern:
            self.unsupported(node, "regular expression lookbehind")
        if "\\p{" in pattern or "\\P{" in pattern:
            self.unsupported(node, "regular expression property escapes (\\p{...})")

    def _member(self, node: Any) -> None:
        if node.computed:
            return
        obj, prop = node.object, node.property.name
        if obj.type == "Identifier" and obj.name in _STATIC_TABLES:
            self.statics.append((obj.name, prop, node, False))
        elif (obj.type == "MemberExpression" and not obj.computed and obj.property.name == "prototype"
              and obj.object.type == "Identifier" and obj.object.name in _STATIC_TABLES):
            self.statics.append((obj.object.name, prop, node, True))
        elif prop in INSTANCE_METHODS and not _is_new_date(obj):
            lacking = [t for t in INSTANCE_METHODS[prop] if prop not in self.p.members.get(t, frozenset())]
            if len(lacking) == 1:
                self.warn(node.property, f"{lacking[0]}.{prop} is not available in {self.rt}")
            elif lacking:
                owners = ", ".join(_OWNER_NAMES.get(t, t) for t in lacking)
                only = " (only Date has it)" if prop in self.p.members.get("Date.prototype", frozenset()) else ""
                self.warn(node.property, f"{prop} is not available in {self.rt} on {owners}{only}")

    def _call(self, node: Any) -> None:
        callee = node.callee
        if callee.type == "Identifier":
            if callee.name == "eval" and "eval" not in self.declared:
                self.warn(node, f"eval is not supported by {self.rt} (it throws)")
            elif callee.name == "Function":
                self.warn(node, f"the Function constructor is not supported by {self.rt} (it throws)")
            elif callee.name == "require" and node.type == "CallExpression":
                args = node.arguments
                if len(args) != 1 or args[0].type != "Literal" or not isinstance(args[0].value, str):
                    self.warn(node, "require() takes one string literal")
                elif args[0].value not in self.p.require_modules:
                    self.warn(node, f"module '{args[0].value}' is not available in {self.rt}")
                else:
                    self.out.modules.add(args[0].value)
        elif (callee.type == "MemberExpression" and not callee.computed and callee.object.type == "Identifier"
              and callee.object.name == "console" and callee.property.name == "log" and len(node.arguments) != 1):
            self.warn(node, "console.log takes exactly one argument in CloudFront Functions (concatenate)")

    def _import(self, node: Any, parent: str) -> None:
        spec, module = node.specifiers, node.source.value
        if module not in self.p.import_modules:
            self.issue(node, f"module '{module}' is not available in {self.rt}")
        elif len(spec) != 1 or spec[0].type != "ImportDefaultSpecifier":
            self.issue(node, f"only a default import is supported (import name from '{module}')")
        else:
            self.out.imports.append((node.range[0], node.range[1], spec[0].local.name, module))
            self.out.modules.add(module)
