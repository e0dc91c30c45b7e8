"""Validation primitives: the Validator (positioned diagnostics) and match conditions.

Validators never stop at the first problem: each appends a Diagnostic and returns
None for the value it could not build, so one run reports all errors of a file.
"""
from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable
from typing import TypeVar

from cfroutes.codes import Code
from cfroutes.config import schema
from cfroutes.config.model import (
    BUILTIN_NAMES,
    METHODS,
    Match,
    RegexPattern,
    Template,
    TenantCond,
    ValueCond,
)
from cfroutes.config.patterns import convert_regex, parse_host, parse_path, parse_template, porting_hint
from cfroutes.config.yamlload import Node
from cfroutes.errors import Diagnostic, Severity, Span
from cfroutes.platform.limits import CONTROL_RE, NAME_CHARS, TEXT_CONTROL_RE
from cfroutes.platform.regexcheck import edge_problems, redos_problems, regex_error
from cfroutes.platform.uri import never_sent

T = TypeVar("T")
_S = TypeVar("_S", bound=str)  # a choice: one of a Literal's strings

FUNC_NAME_RE = re.compile(rf"^{NAME_CHARS}\Z")
COUNTRY_RE = re.compile(r"^[A-Z]{2}\Z")
# the keys of each mapping come from the one description of the format (schema.py)
ACTION_KEYS = tuple(schema.ACTIONS)
ROUTE_KEYS = schema.ROUTE.keys
RULE_KEYS = schema.RULE.keys
FUNCTION_KEYS = schema.FUNCTION.keys
#: the key set of each key tuple `Validator.mapping` was given (the schema's few mappings)
_KEY_SETS: dict[tuple[str, ...], frozenset[str]] = {}


class Validator:
    """Collects diagnostics; `code` is the code of those whose call site names none
    (routes.yaml: CFR100, case files: CFR500)."""

    def __init__(self, file: str, code: Code = Code.CONFIG_INVALID) -> None:
        self.file = file
        self.code = code
        self.diags: list[Diagnostic] = []
        self.warnings: list[Diagnostic] = []

    # ------------------------------------------------------------ helpers
    def err(self, where: Node | Span, msg: str, hint: str | None = None, code: Code | None = None) -> None:
        span, end = (where.span, where.end) if isinstance(where, Node) else (where, None)
        self.diags.append(Diagnostic(span, msg, hint=hint, code=code or self.code, end=end))

    def warn(self, where: Node | Span, msg: str, hint: str | None = None, code: Code | None = None) -> None:
        span, end = (where.span, where.end) if isinstance(where, Node) else (where, None)
        self.warnings.append(Diagnostic(span, msg, Severity.WARNING, hint, code or self.code, end))

    def mapping(self, node: Node | None, what: str, allowed: Iterable[str]) -> dict[str, Node] | None:
        if node is None:
            return None
        if not node.is_map:
            self.err(node, f"{what} must be a mapping, got {node.type_name()}", code=Code.WRONG_TYPE)
            return None
        allowed = tuple(allowed)
        names = _KEY_SETS.get(allowed)
        if names is None:
            names = _KEY_SETS[allowed] = frozenset(allowed)
        if names.issuperset(node.value):  # (the common case: every key known; one test per route)
            return dict(node.value)
        for key, knode in node.keys.items():
            if key not in names:
                close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
                hint = f"did you mean '{close[0]}'?" if close else "allowed keys: " + ", ".join(allowed)
                self.err(knode, f"unknown key '{key}' in {what}", hint=hint, code=Code.UNKNOWN_KEY)
        return {k: v for k, v in node.value.items() if k in names}

    def string(self, node: Node, what: str, *, allow_empty: bool = False) -> str | None:
        v = node.value
        if isinstance(v, str):
            s = v
        elif node.plain and isinstance(v, (int, float, bool)) and node.raw is not None:
            s = node.raw  # YAML 1.1 typing: `NO`, `1.10`, `0755` meant as text
        else:
            self.err(node, f"{what} must be a string, got {node.type_name()}", code=Code.WRONG_TYPE)
            return None
        if not s and not allow_empty:
            self.err(node, f"{what} must not be empty", code=Code.EMPTY_VALUE)
            return None
        return s

    def no_control(self, node: Node, s: str, what: str, *, newlines_ok: bool = False) -> bool:
        bad = (TEXT_CONTROL_RE if newlines_ok else CONTROL_RE).search(s)
        if bad:
            self.err(node, f"{what} contains a control character ({bad.group()!r}); CR, LF and other control characters are refused",
                     code=Code.CONTROL_CHARACTER)
            return False
        return True

    def integer(self, node: Node, what: str, lo: int, hi: int) -> int | None:
        v = node.value
        if isinstance(v, bool) or not isinstance(v, int):
            self.err(node, f"{what} must be an integer, got {node.type_name()}", code=Code.WRONG_TYPE)
            return None
        if not lo <= v <= hi:
            self.err(node, f"{what} must be between {lo} and {hi}, got {v}", code=Code.OUT_OF_RANGE)
            return None
        return v

    def choice(self, node: Node, what: str, choices: tuple[_S, ...]) -> _S | None:
        s = self.string(node, what)
        if s is None:
            return None
        for c in choices:
            if s == c:
                return c
        close = difflib.get_close_matches(s, choices, n=1, cutoff=0.5)
        hint = f"did you mean '{close[0]}'?" if close else None
        self.err(node, f"{what} must be one of {', '.join(choices)}; got '{s}'", hint=hint, code=Code.NOT_A_CHOICE)
        return None

    def string_list(self, node: Node, what: str) -> list[tuple[Node, str]] | None:
        if not node.is_list:
            self.err(node, f"{what} must be a list, got {node.type_name()}", code=Code.WRONG_TYPE)
            return None
        out = []
        for item in node.value:
            s = self.string(item, f"each entry of {what}")
            if s is not None:
                out.append((item, s))
        return out

    def regex(self, node: Node) -> RegexPattern | None:
        """A JavaScript regex source: named groups renumbered, compiled in QuickJS."""
        s = self.string(node, "regex")
        if s is None or not self.no_control(node, s, "regex"):
            return None
        rx, errs = convert_regex(s)
        for e in errs:
            self.err(node, f"regex: {e}", code=Code.REGEX)
        if rx is not None:
            js_err = regex_error(rx.js_source)
            if js_err:
                self.err(node, f"invalid regex: {js_err}", code=Code.REGEX)
                return None
            refused = edge_problems(s)
            for msg, hint in refused:
                self.err(node, f"regex: {msg}", hint=hint, code=Code.REGEX)
            for msg, hint in redos_problems(s):
                self.warn(node, f"regex: {msg}", hint=hint, code=Code.REGEX_WARNING)
            if refused:
                return None
        return rx

    def items(self, node: Node, what: str, build: Callable[[Node, int], T | None]) -> list[T]:
        """Validate each entry of a list with `build`, keeping those that are valid."""
        if not node.is_list:
            self.err(node, f"{what} must be a list, got {node.type_name()}", code=Code.WRONG_TYPE)
            return []
        return [x for x in (build(n, i) for i, n in enumerate(node.value)) if x is not None]

    def template(self, node: Node, what: str) -> Template | None:
        s = self.string(node, what)
        if s is None or not self.no_control(node, s, what):
            return None
        t, errs = parse_template(s, node.span)
        for e in errs:
            self.err(node, f"{what}: {e}", code=Code.TEMPLATE)
        return t


# ------------------------------------------------------------------ top level
class FnCtx:
    def __init__(self, name: str, event: str, runtime: str, has_kvs: bool) -> None:
        self.name, self.event, self.runtime, self.has_kvs = name, event, runtime, has_kvs



# ------------------------------------------------------------------ matching
def match_conditions(v: Validator, m: dict[str, Node], where: Node) -> Match:
    path = regex = host = None
    if "path" in m and "regex" in m:
        v.err(m["regex"], "use either `path` or `regex`, not both", code=Code.PATTERN)
    if "path" in m:
        s = v.string(m["path"], "path")
        if s is not None:
            path, errs = parse_path(s)
            port = porting_hint(s, "source")
            for e in errs:
                v.err(m["path"], e, hint=port[1] if port else None, code=Code.PATTERN)
            if port and not errs:
                v.warn(m["path"], f"path contains {port[0]!r}, which matches literally here", hint=port[1],
                       code=Code.LITERAL_CHARACTER)
            never = never_sent(s) if not errs else None
            if never:
                v.warn(m["path"], f"no request carries this path: {never[0]}", hint=never[1],
                       code=Code.PATH_NEVER_SENT)
    elif "regex" in m:
        regex = v.regex(m["regex"])
        for name, _ in regex.groups if regex is not None else ():
            if name in BUILTIN_NAMES:
                v.err(m["regex"], f"group name '{name}' shadows the built-in {{{name}}}", code=Code.NAME)
    if "host" in m:
        s = v.string(m["host"], "host")
        if s is not None:
            host, errs = parse_host(s)
            for e in errs:
                v.err(m["host"], e, code=Code.PATTERN)
    methods: tuple[str, ...] | None = None
    if "methods" in m:
        items = v.string_list(m["methods"], "methods")
        if items is not None:
            for n, s in items:
                if s.upper() not in METHODS:
                    v.err(n, f"unknown method '{s}'; use {', '.join(METHODS)}", code=Code.NOT_A_CHOICE)
            if not items:
                v.err(m["methods"], "methods must not be empty", code=Code.EMPTY_VALUE)
            methods = tuple(s.upper() for _, s in items if s.upper() in METHODS)
    country: tuple[str, ...] | None = None
    if "country" in m:
        items = v.string_list(m["country"], "country")
        if items is not None:
            for n, s in items:
                if not COUNTRY_RE.match(s):
                    v.err(n, f"country must be a two-letter upper-case ISO code, got {s!r}")
            country = tuple(s for _, s in items if COUNTRY_RE.match(s))
            v.warn(m["country"], "`country` reads the cloudfront-viewer-country header, which reaches the function "
                   "only when the cache policy or origin request policy forwards it",
                   hint="add CloudFront-Viewer-Country to the behaviour's cache or origin request policy",
                   code=Code.VIEWER_HEADER)
    conds = {}
    for key in ("query", "headers", "cookies"):
        conds[key] = _conditions(v, m[key], key) if key in m else ()
    # names bound twice
    file = v.choice(m["file"], "file", ("exists", "missing")) if "file" in m else None
    tenant = _tenant(v, m["tenant"]) if "tenant" in m else None
    mt = Match(path, regex, host, methods, conds["query"], conds["headers"], conds["cookies"], country, file, tenant)
    names = list(mt.names)
    for bound in set(names):
        if names.count(bound) > 1:
            v.err(where, f"name '{bound}' is bound twice (host, path and condition bindings share one namespace)",
                  code=Code.NAME)
        if bound in ("host", "path", "query") and bound not in mt.condition_names:  # groups: reported in _conditions
            v.err(where, f"parameter ':{bound}' shadows the built-in {{{bound}}}; choose another name", code=Code.NAME)
    return mt


def _tenant(v: Validator, node: Node) -> TenantCond | None:
    """`tenant: {id?, params?}` (CloudFront SaaS Manager): params are conditions as query/headers/cookies."""
    m = v.mapping(node, "tenant", schema.TENANT_MATCH.keys)
    if m is None:
        return None
    tid = None
    if "id" in m:
        tid = v.string(m["id"], "tenant.id")
        if tid is not None and not v.no_control(m["id"], tid, "tenant.id"):
            tid = None
    params = _conditions(v, m["params"], "tenant.params") if "params" in m else ()
    return TenantCond(tid, params)


def _conditions(v: Validator, node: Node, what: str) -> tuple[tuple[str, ValueCond], ...]:
    if not node.is_map:
        v.err(node, f"{what} must be a mapping of name to condition, got {node.type_name()}", code=Code.WRONG_TYPE)
        return ()
    out = []
    for name, c in node.value.items():
        kn = node.keys[name]
        if not name or CONTROL_RE.search(name):
            v.err(kn, f"bad {what} name {name!r}")
            continue
        if what == "headers":
            prob = None if re.fullmatch(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+", name) else f"invalid header name {name!r}"
            if prob:
                v.err(kn, prob)
                continue
            name = name.lower()
        if c.value is None:
            out.append((name, ValueCond("absent")))
        elif c.is_map:
            cm = v.mapping(c, f"{what}.{name}", schema.REGEX_COND.keys)
            if cm is not None and "regex" in cm:
                rx = v.regex(cm["regex"])
                if rx is not None:
                    for g, _ in rx.groups:  # named groups bind, as in a `regex:` route
                        if g in BUILTIN_NAMES:
                            v.err(cm["regex"], f"group name '{g}' shadows the built-in {{{g}}}", code=Code.NAME)
                    out.append((name, ValueCond("regex", rx.js_source, rx.groups)))
            elif cm is not None:
                v.err(c, f"{what}.{name}: expected a string, null or {{regex: ...}}", code=Code.WRONG_TYPE)
        else:
            s = v.string(c, f"{what}.{name}", allow_empty=True)
            if s is not None and v.no_control(c, s, f"{what}.{name}"):
                out.append((name, ValueCond("present") if s == "*" else ValueCond("equals", s)))
    return tuple(out)
