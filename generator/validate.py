"""Validate a positioned YAML tree into the typed model, collecting every error.

Validators never stop at the first problem: each appends a Diagnostic and
returns None for the value it could not build, so one run reports all errors of
a file in document order.
"""
from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
from typing import Any, Callable, Iterable

from .errors import Diagnostic, InputError, Span
from .headers import header_problem
from .model import (
    BUILTIN_NAMES, JS1, JS2, METHODS, REDIRECT_STATUSES, SPILL_PREFIX, VIEWER_REQUEST,
    VIEWER_RESPONSE, Config, Function, HeaderRule, Kvs, Lookup, Match, Options, Origin,
    Redirect, Respond, Rewrite, Route, Template, ValueCond,
)
from .patterns import CONTROL_RE, NAME_RE, convert_regex, parse_host, parse_path, parse_template
from .regexcheck import regex_error
from .yamlload import Node, load_file

FUNC_NAME_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
MATCH_KEYS = ("path", "regex", "host", "methods", "query", "headers", "cookies", "country")
ACTION_KEYS = ("redirect", "rewrite", "respond", "origin")
ROUTE_KEYS = ("name",) + MATCH_KEYS + ("lookup",) + ACTION_KEYS + (
    "set_headers", "remove_headers", "allow_external")
RULE_KEYS = MATCH_KEYS + ("set", "remove", "status")
FUNCTION_KEYS = ("event", "runtime", "kvs", "options", "routes", "headers", "tests")
KVS_KEY_MAX = 512
KVS_VALUE_MAX = 1024


class Validator:
    def __init__(self, file: str) -> None:
        self.file = file
        self.diags: list[Diagnostic] = []
        self.warnings: list[Diagnostic] = []

    # ------------------------------------------------------------ helpers
    def err(self, where: Node | Span, msg: str, hint: str | None = None) -> None:
        span = where.span if isinstance(where, Node) else where
        self.diags.append(Diagnostic(span, msg, hint=hint))

    def warn(self, where: Node | Span, msg: str, hint: str | None = None) -> None:
        span = where.span if isinstance(where, Node) else where
        self.warnings.append(Diagnostic(span, msg, severity="warning", hint=hint))

    def mapping(self, node: Node | None, what: str, allowed: Iterable[str]) -> dict[str, Node] | None:
        if node is None:
            return None
        if not node.is_map:
            self.err(node, f"{what} must be a mapping, got {node.type_name()}")
            return None
        allowed = tuple(allowed)
        for key, knode in node.keys.items():
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
                hint = f"did you mean '{close[0]}'?" if close else "allowed keys: " + ", ".join(allowed)
                self.err(knode, f"unknown key '{key}' in {what}", hint=hint)
        return {k: v for k, v in node.value.items() if k in allowed}

    def string(self, node: Node, what: str, *, allow_empty: bool = False) -> str | None:
        v = node.value
        if isinstance(v, str):
            s = v
        elif node.plain and isinstance(v, (int, float, bool)) and node.raw is not None:
            s = node.raw  # YAML 1.1 typing: `NO`, `1.10`, `0755` meant as text
        else:
            self.err(node, f"{what} must be a string, got {node.type_name()}")
            return None
        if not s and not allow_empty:
            self.err(node, f"{what} must not be empty")
            return None
        return s

    def no_control(self, node: Node, s: str, what: str, *, newlines_ok: bool = False) -> bool:
        bad = re.search(r"[\x00-\x08\x0b-\x1f\x7f]" if newlines_ok else r"[\x00-\x1f\x7f]", s)
        if bad:
            self.err(node, f"{what} contains a control character ({bad.group()!r}); CR, LF and other control characters are refused")
            return False
        return True

    def integer(self, node: Node, what: str, lo: int, hi: int) -> int | None:
        v = node.value
        if isinstance(v, bool) or not isinstance(v, int):
            self.err(node, f"{what} must be an integer, got {node.type_name()}")
            return None
        if not lo <= v <= hi:
            self.err(node, f"{what} must be between {lo} and {hi}, got {v}")
            return None
        return v

    def choice(self, node: Node, what: str, choices: tuple[str, ...]) -> str | None:
        s = self.string(node, what)
        if s is None:
            return None
        if s not in choices:
            close = difflib.get_close_matches(s, choices, n=1, cutoff=0.5)
            hint = f"did you mean '{close[0]}'?" if close else None
            self.err(node, f"{what} must be one of {', '.join(choices)}; got '{s}'", hint=hint)
            return None
        return s

    def string_list(self, node: Node, what: str) -> list[tuple[Node, str]] | None:
        if not node.is_list:
            self.err(node, f"{what} must be a list, got {node.type_name()}")
            return None
        out = []
        for item in node.value:
            s = self.string(item, f"each entry of {what}")
            if s is not None:
                out.append((item, s))
        return out

    def template(self, node: Node, what: str) -> Template | None:
        s = self.string(node, what)
        if s is None or not self.no_control(node, s, what):
            return None
        t, errs = parse_template(s, node.span)
        for e in errs:
            self.err(node, f"{what}: {e}")
        return t


# ------------------------------------------------------------------ top level
def load_config(path: str) -> Config:
    """Load, validate and return the model; raises InputError with all errors."""
    root, text = load_file(path)
    v = Validator(path)
    cfg = _config(v, root, path, text)
    if v.diags or cfg is None:
        raise InputError(v.diags)
    object.__setattr__(cfg, "warnings", v.warnings)
    return cfg


def warnings_of(cfg: Config) -> list[Diagnostic]:
    return list(getattr(cfg, "warnings", []))


def _config(v: Validator, root: Node, path: str, text: str) -> Config | None:
    if not root.is_map:
        v.err(root, "routes.yaml must be a mapping with `version: 1` and `functions:`")
        return None
    top = v.mapping(root, "the config", ("version", "functions"))
    assert top is not None
    ver = top.get("version")
    if ver is None:
        v.err(root, "missing `version: 1`")
    elif ver.value != 1:
        v.err(ver, f"unsupported version {ver.raw!r}: this cfroutes reads version 1")
    fnode = top.get("functions")
    if fnode is None:
        v.err(root, "missing `functions:`")
        return None
    if not fnode.is_map or not fnode.value:
        v.err(fnode, "`functions` must be a mapping of function name to function")
        return None
    digest = hashlib.sha256(text.encode("utf-8"))
    funcs = []
    for name, node in fnode.value.items():
        if not FUNC_NAME_RE.match(name):
            v.err(fnode.keys[name], f"function name '{name}' must be 1-64 characters of A-Z a-z 0-9 _ -")
        f = _function(v, name, node, path, digest)
        if f is not None:
            funcs.append(f)
    return Config(path, tuple(funcs), digest.hexdigest(), {path: text})


def _function(v: Validator, name: str, node: Node, cfg_path: str, digest: Any) -> Function | None:
    m = v.mapping(node, f"function '{name}'", FUNCTION_KEYS)
    if m is None:
        return None
    event = VIEWER_REQUEST
    if "event" in m:
        event = v.choice(m["event"], "event", (VIEWER_REQUEST, VIEWER_RESPONSE)) or VIEWER_REQUEST
    else:
        v.err(node, f"function '{name}' needs `event: viewer-request` or `event: viewer-response`")
    runtime = JS2
    if "runtime" in m:
        runtime = v.choice(m["runtime"], "runtime", (JS2, JS1)) or JS2
    kvs = _kvs(v, m["kvs"], runtime, cfg_path, digest) if "kvs" in m else None
    options = _options(v, m["options"], event) if "options" in m else Options()
    ctx = _FnCtx(name, event, runtime, kvs is not None)
    routes: list[Route] = []
    if "routes" in m:
        rn = m["routes"]
        if not rn.is_list:
            v.err(rn, f"routes must be a list, got {rn.type_name()}")
        else:
            for i, r in enumerate(rn.value):
                route = _route(v, r, i, ctx)
                if route is not None:
                    routes.append(route)
    rules: list[HeaderRule] = []
    if "headers" in m:
        hn = m["headers"]
        if not hn.is_list:
            v.err(hn, f"headers must be a list of header rules, got {hn.type_name()}")
        else:
            for i, h in enumerate(hn.value):
                rule = _rule(v, h, i, ctx)
                if rule is not None:
                    rules.append(rule)
    if options.spill == "always" and (kvs is None or runtime != JS2):
        v.err(m.get("options") or node, "spill: always needs runtime cloudfront-js-2.0 and a `kvs:` block",
              hint="add `kvs: {name: ...}` or use spill: auto")
    return Function(name, node.span, event, runtime, options, tuple(routes), tuple(rules), kvs, m.get("tests"))


class _FnCtx:
    def __init__(self, name: str, event: str, runtime: str, has_kvs: bool) -> None:
        self.name, self.event, self.runtime, self.has_kvs = name, event, runtime, has_kvs


def _options(v: Validator, node: Node, event: str) -> Options:
    m = v.mapping(node, "options", ("case", "trailing_slash", "index", "spill"))
    if m is None:
        return Options()
    case = v.choice(m["case"], "options.case", ("sensitive", "insensitive")) if "case" in m else None
    ts = v.choice(m["trailing_slash"], "options.trailing_slash", ("ignore", "strict")) if "trailing_slash" in m else None
    spill = v.choice(m["spill"], "options.spill", ("auto", "never", "always")) if "spill" in m else None
    index = None
    if "index" in m:
        index = v.string(m["index"], "options.index")
        if index is not None and (not re.match(r"^[A-Za-z0-9._~-]+$", index) or "." not in index):
            v.err(m["index"], f"options.index must be a file name such as index.html, got {index!r}")
            index = None
        if index is not None and event != VIEWER_REQUEST:
            v.err(m["index"], "options.index only applies to viewer-request functions")
    return Options(case or "sensitive", ts or "ignore", index, spill or "auto")


def _kvs(v: Validator, node: Node, runtime: str, cfg_path: str, digest: Any) -> Kvs | None:
    m = v.mapping(node, "kvs", ("name", "seed"))
    if m is None:
        return None
    if runtime != JS2:
        v.err(node, "a KeyValueStore needs runtime cloudfront-js-2.0", hint="set `runtime: cloudfront-js-2.0`")
    name = None
    if "name" not in m:
        v.err(node, "kvs needs a `name`")
    else:
        name = v.string(m["name"], "kvs.name")
        if name is not None and not FUNC_NAME_RE.match(name):
            v.err(m["name"], f"kvs.name '{name}' must be 1-64 characters of A-Z a-z 0-9 _ -")
    seed: list[tuple[str, str]] = []
    seed_path = None
    if "seed" in m:
        seed_path = v.string(m["seed"], "kvs.seed")
        if seed_path is not None:
            full = os.path.join(os.path.dirname(cfg_path), seed_path)
            if not os.path.isfile(full):
                v.err(m["seed"], f"seed file not found: {seed_path} (looked at {full})")
            else:
                seed = _seed(v, full, digest)
    return Kvs(name or "kvs", seed_path, tuple(seed), node.span)


def _seed(v: Validator, path: str, digest: Any) -> list[tuple[str, str]]:
    from .errors import InputError as _IE

    try:
        root, text = load_file(path)
    except _IE as e:
        v.diags.extend(e.diagnostics)
        return []
    digest.update(b"\0" + path.encode() + b"\0" + text.encode("utf-8"))
    if root.value is None:
        return []
    if not root.is_map:
        v.err(root, "a seed file must be a mapping of key to value")
        return []
    out = []
    for key, vn in root.value.items():
        kn = root.keys[key]
        if key.startswith(SPILL_PREFIX):
            v.err(kn, f"seed key {key!r} starts with the reserved prefix {SPILL_PREFIX!r} (used for spilled routes)")
            continue
        if not key or len(key.encode()) > KVS_KEY_MAX:
            v.err(kn, f"KVS key must be 1-{KVS_KEY_MAX} bytes, got {len(key.encode())}")
            continue
        if vn.is_map or vn.is_list:
            value = json.dumps(vn.to_python(), separators=(",", ":"), ensure_ascii=False, sort_keys=False)
        elif vn.value is None:
            v.err(vn, f"seed value of {key!r} is null; KVS values are strings")
            continue
        else:
            value = vn.value if isinstance(vn.value, str) else (vn.raw or str(vn.value))
        if len(value.encode()) > KVS_VALUE_MAX:
            v.err(vn, f"KVS value of {key!r} is {len(value.encode())} bytes; the limit is {KVS_VALUE_MAX}")
            continue
        out.append((key, value))
    return out


# ------------------------------------------------------------------ matching
def _match(v: Validator, m: dict[str, Node], ctx: _FnCtx, where: Node, case: str = "") -> Match:
    path = regex = host = None
    if "path" in m and "regex" in m:
        v.err(m["regex"], "use either `path` or `regex`, not both")
    if "path" in m:
        s = v.string(m["path"], "path")
        if s is not None:
            path, errs = parse_path(s)
            for e in errs:
                v.err(m["path"], e)
    elif "regex" in m:
        s = v.string(m["regex"], "regex")
        if s is not None and v.no_control(m["regex"], s, "regex"):
            regex, errs = convert_regex(s)
            for e in errs:
                v.err(m["regex"], f"regex: {e}")
            if regex is not None:
                js_err = regex_error(regex.js_source)
                if js_err:
                    v.err(m["regex"], f"invalid regex: {js_err}")
                    regex = None
                else:
                    for name, _ in regex.groups:
                        if name in BUILTIN_NAMES:
                            v.err(m["regex"], f"group name '{name}' shadows the built-in {{{name}}}")
    if "host" in m:
        s = v.string(m["host"], "host")
        if s is not None:
            host, errs = parse_host(s)
            for e in errs:
                v.err(m["host"], e)
    methods = None
    if "methods" in m:
        items = v.string_list(m["methods"], "methods")
        if items is not None:
            methods = []
            for n, s in items:
                if s.upper() not in METHODS:
                    v.err(n, f"unknown method '{s}'; use {', '.join(METHODS)}")
                else:
                    methods.append(s.upper())
            if not items:
                v.err(m["methods"], "methods must not be empty")
            methods = tuple(methods)
    country = None
    if "country" in m:
        items = v.string_list(m["country"], "country")
        if items is not None:
            country = []
            for n, s in items:
                if not COUNTRY_RE.match(s):
                    v.err(n, f"country must be a two-letter upper-case ISO code, got {s!r}")
                else:
                    country.append(s)
            country = tuple(country)
            v.warn(m["country"], "`country` reads the cloudfront-viewer-country header, which reaches the function "
                   "only when the cache policy or origin request policy forwards it",
                   hint="add CloudFront-Viewer-Country to the behaviour's cache or origin request policy")
    conds = {}
    for key in ("query", "headers", "cookies"):
        conds[key] = _conditions(v, m[key], key) if key in m else ()
    # names bound twice
    mt = Match(path, regex, host, methods, conds["query"], conds["headers"], conds["cookies"], country)
    names = list(mt.names)
    for n in set(names):
        if names.count(n) > 1:
            v.err(where, f"name '{n}' is bound twice (host and path bindings share one namespace)")
        if n in ("host", "path", "query"):
            v.err(where, f"parameter ':{n}' shadows the built-in {{{n}}}; choose another name")
    return mt


def _conditions(v: Validator, node: Node, what: str) -> tuple[tuple[str, ValueCond], ...]:
    if not node.is_map:
        v.err(node, f"{what} must be a mapping of name to condition, got {node.type_name()}")
        return ()
    out = []
    for name, c in node.value.items():
        kn = node.keys[name]
        if not name or CONTROL_RE.search(name):
            v.err(kn, f"bad {what} name {name!r}")
            continue
        if what == "headers":
            prob = None if re.match(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$", name) else f"invalid header name {name!r}"
            if prob:
                v.err(kn, prob)
                continue
            name = name.lower()
        if c.value is None:
            out.append((name, ValueCond("absent")))
        elif c.is_map:
            cm = v.mapping(c, f"{what}.{name}", ("regex",))
            if cm is not None and "regex" in cm:
                s = v.string(cm["regex"], "regex")
                if s is not None and v.no_control(cm["regex"], s, "regex"):
                    rx, errs = convert_regex(s)
                    for e in errs:
                        v.err(cm["regex"], f"regex: {e}")
                    if rx is not None:
                        js_err = regex_error(rx.js_source)
                        if js_err:
                            v.err(cm["regex"], f"invalid regex: {js_err}")
                        else:
                            out.append((name, ValueCond("regex", rx.js_source)))
            elif cm is not None:
                v.err(c, f"{what}.{name}: expected a string, null or {{regex: ...}}")
        else:
            s = v.string(c, f"{what}.{name}", allow_empty=True)
            if s is not None and v.no_control(c, s, f"{what}.{name}"):
                out.append((name, ValueCond("present") if s == "*" else ValueCond("equals", s)))
    return tuple(out)


# ------------------------------------------------------------------ routes
def _route(v: Validator, node: Node, index: int, ctx: _FnCtx) -> Route | None:
    m = v.mapping(node, f"route {index + 1}", ROUTE_KEYS)
    if m is None:
        return None
    nerr = len(v.diags)
    name = v.string(m["name"], "name") if "name" in m else None
    match = _match(v, m, ctx, node)
    actions = [k for k in ACTION_KEYS if k in m]
    if ctx.event == VIEWER_RESPONSE and any(a != "respond" for a in actions):
        bad = next(a for a in actions if a != "respond")
        v.err(node.keys[bad], f"routes in a viewer-response function may only `respond` (found `{bad}`)")
        return None
    if not actions:
        v.err(node, "a route needs exactly one action: redirect, rewrite, respond or origin")
        return None
    if len(actions) > 1 and sorted(actions) != ["origin", "rewrite"]:
        v.err(node.keys[actions[1]], f"a route has exactly one action; found {' and '.join(actions)}",
              hint="only `origin` may be combined with `rewrite`")
        return None
    allow_external = False
    if "allow_external" in m:
        if not isinstance(m["allow_external"].value, bool):
            v.err(m["allow_external"], "allow_external must be true or false")
        else:
            allow_external = m["allow_external"].value
    bound = set(match.names) | {"host", "path", "query"}
    if match.path is not None and match.path.splat:
        bound.add("splat")
    lookup = None
    json_names: set[str] = set()
    if "lookup" in m:
        lookup = _lookup(v, m["lookup"], ctx, bound)
        if lookup is not None:
            bound.add(lookup.as_name)
            if lookup.format == "json":
                json_names.add(lookup.as_name)
    check = _RefChecker(v, bound, json_names, match)
    action: Any = None
    kind = actions[0] if actions != ["rewrite", "origin"] and actions != ["origin", "rewrite"] else "origin"
    if kind == "redirect":
        action = _redirect(v, m["redirect"], check, allow_external)
    elif kind == "rewrite":
        action = _rewrite(v, m["rewrite"], check)
    elif kind == "respond":
        action = _respond(v, m["respond"], "respond")
    else:
        action = _origin(v, m["origin"], m.get("rewrite"), ctx, check, allow_external)
    edits = "generated" if kind in ("redirect", "respond") else "request"
    if ctx.event == VIEWER_RESPONSE:
        edits = "generated"
    sets, removes = _header_edits(v, m.get("set_headers"), m.get("remove_headers"), ctx, edits, check,
                                  "set_headers", "remove_headers")
    if action is None or len(v.diags) > nerr:
        return None
    return Route(index, node.span, match, action, lookup, sets, removes, allow_external, name)


class _RefChecker:
    """Checks that every {name} in a template is bound, and JSON field use."""

    def __init__(self, v: Validator, bound: set[str], json_names: set[str], match: Match) -> None:
        self.v, self.bound, self.json_names, self.match = v, bound, json_names, match

    def __call__(self, node: Node, t: Template, what: str) -> bool:
        ok = True
        for ref in t.refs:
            if ref.name not in self.bound:
                hint = None
                if ref.name == "splat":
                    hint = "{splat} is bound only by a path pattern ending in '*'"
                else:
                    close = difflib.get_close_matches(ref.name, sorted(self.bound), n=1, cutoff=0.6)
                    if close:
                        hint = f"did you mean {{{close[0]}}}?"
                self.v.err(node, f"{what}: {{{ref.name}}} is not bound by this route", hint=hint)
                ok = False
            elif ref.name in self.json_names and not ref.fields:
                self.v.err(node, f"{what}: {{{ref.name}}} is a JSON lookup; name a field such as {{{ref.name}.path}}")
                ok = False
            elif ref.fields and ref.name not in self.json_names:
                self.v.err(node, f"{what}: {{{ref.name}.{'.'.join(ref.fields)}}} reads a field, which needs a lookup with format: json")
                ok = False
        return ok


def _target(v: Validator, node: Node, what: str, check: _RefChecker) -> Template | None:
    t = v.template(node, what)
    if t is None:
        return None
    if not check(node, t, what):
        return None
    if " " in t.source:
        v.err(node, f"{what} must not contain spaces (percent-encode them as %20)")
        return None
    return t


_REQUEST_CONTROLLED_BUILTINS = {"path", "splat", "query"}


def _request_controlled(ref_name: str, match: Match) -> bool:
    host_names = set(match.host.names) if match.host else set()
    if ref_name == "host" or ref_name in host_names:
        return False
    if ref_name in _REQUEST_CONTROLLED_BUILTINS:
        return True
    return ref_name in match.names  # path params, regex groups


def _check_url_host(v: Validator, node: Node, t: Template, what: str, check: _RefChecker, allow_external: bool) -> None:
    src = t.source
    rest = src.split("://", 1)[1]
    host_end = len(rest)
    for ch in "/?#":
        i = rest.find(ch)
        if i >= 0:
            host_end = min(host_end, i)
    host_part = rest[:host_end]
    if not host_part:
        v.err(node, f"{what}: absolute URL without a host")
        return
    if allow_external:
        return
    tmpl, _ = parse_template(host_part, t.span)
    if tmpl is None:
        return
    refs = tmpl.refs
    if not refs:
        return
    if host_part == "{host}":
        return
    bad = [r.name for r in refs if _request_controlled(r.name, check.match)]
    lit_tail = tmpl.parts[-1] if isinstance(tmpl.parts[-1], str) else ""
    ends_with_domain = bool(re.match(r"^\.[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+(:\d+)?$", lit_tail))
    if bad or not ends_with_domain:
        v.err(node, f"{what}: the redirect host comes from the request ({{{(bad or [refs[0].name])[0]}}}): an open redirect",
              hint="use a literal host, {host}, or a host ending in a literal domain (https://{tenant}.example.com/); "
                   "set allow_external: true if this is intended")


def _redirect(v: Validator, node: Node, check: _RefChecker, allow_external: bool) -> Redirect | None:
    status, query, tnode = 301, "keep", node
    if node.is_map:
        m = v.mapping(node, "redirect", ("to", "status", "query"))
        assert m is not None
        if "to" not in m:
            v.err(node, "redirect needs `to`")
            return None
        tnode = m["to"]
        if "status" in m:
            st = m["status"].value
            if st not in REDIRECT_STATUSES or isinstance(st, bool):
                v.err(m["status"], f"redirect status must be one of {', '.join(map(str, REDIRECT_STATUSES))}, got {m['status'].raw}")
                return None
            status = st
        if "query" in m:
            query = v.choice(m["query"], "redirect.query", ("keep", "drop")) or "keep"
    t = _target(v, tnode, "redirect target", check)
    if t is None:
        return None
    src = t.source
    if src.startswith(("http://", "https://")):
        _check_url_host(v, tnode, t, "redirect target", check, allow_external)
    elif not src.startswith("/"):
        if src.startswith("{"):
            v.err(tnode, "redirect target may not start with a template; start it with '/' or https://",
                  hint="a value such as {splat} could turn it into //evil.example")
        else:
            v.err(tnode, f"redirect target must be a path starting with '/' or an absolute http(s) URL, got {src!r}")
        return None
    return Redirect(t, status, query)


def _rewrite(v: Validator, node: Node, check: _RefChecker) -> Rewrite | None:
    query, tnode = "keep", node
    if node.is_map:
        m = v.mapping(node, "rewrite", ("to", "query"))
        assert m is not None
        if "to" not in m:
            v.err(node, "rewrite needs `to`")
            return None
        tnode = m["to"]
        if "query" in m:
            query = v.choice(m["query"], "rewrite.query", ("keep", "drop")) or "keep"
    t = _target(v, tnode, "rewrite target", check)
    if t is None:
        return None
    if not (t.source.startswith("/") or t.source.startswith("{")):
        v.err(tnode, f"rewrite target must be a path starting with '/' (or a lookup value), got {t.source!r}",
              hint="to send the request to another host use `origin:`")
        return None
    return Rewrite(t, query)


def _respond(v: Validator, node: Node, what: str) -> Respond | None:
    m = v.mapping(node, what, ("status", "body", "content_type", "headers"))
    if m is None:
        return None
    if "status" not in m:
        v.err(node, f"{what} needs a `status`")
        return None
    status = v.integer(m["status"], f"{what}.status", 200, 599)
    body = ct = None
    if "body" in m:
        body = v.string(m["body"], f"{what}.body", allow_empty=True)
        if body is not None:
            v.no_control(m["body"], body, f"{what}.body", newlines_ok=True)
    if "content_type" in m:
        ct = v.string(m["content_type"], f"{what}.content_type")
        if ct is not None:
            v.no_control(m["content_type"], ct, f"{what}.content_type")
    headers: list[tuple[str, str]] = []
    if "headers" in m:
        hn = m["headers"]
        if not hn.is_map:
            v.err(hn, f"{what}.headers must be a mapping")
        else:
            for name, vn in hn.value.items():
                prob = header_problem(name, VIEWER_REQUEST, "generated")
                if prob:
                    v.err(hn.keys[name], prob)
                    continue
                s = v.string(vn, f"header {name}", allow_empty=True)
                if s is not None and v.no_control(vn, s, f"header {name}"):
                    headers.append((name.lower(), s))
    if status is None:
        return None
    return Respond(status, body, ct, tuple(headers))


def _origin(v: Validator, node: Node, rw: Node | None, ctx: _FnCtx, check: _RefChecker,
            allow_external: bool) -> Origin | None:
    if ctx.runtime != JS2 or ctx.event != VIEWER_REQUEST:
        v.err(node, "origin needs a viewer-request function on runtime cloudfront-js-2.0")
        return None
    m = v.mapping(node, "origin", ("id", "domain", "path", "host_header"))
    if m is None:
        return None
    rewrite = _rewrite(v, rw, check) if rw is not None else None
    fields: dict[str, Template | None] = {}
    for key in ("id", "domain", "path", "host_header"):
        if key in m:
            t = _target(v, m[key], f"origin.{key}", check)
            if t is not None and not allow_external:
                bad = [r.name for r in t.refs if _request_controlled(r.name, check.match)]
                if bad and key != "path":
                    v.err(m[key], f"origin.{key} takes {{{bad[0]}}} from the request: anyone could pick your origin",
                          hint="use literal values, {host}, host labels or lookup values; or allow_external: true")
            fields[key] = t
    if ("id" in m) == ("domain" in m):
        v.err(node, "origin needs exactly one of `id` (an origin of the distribution) or `domain`")
        return None
    if "id" in m and ("path" in m or "host_header" in m):
        v.err(node, "origin `path` goes with `domain`; with `id` only the host header may be changed",
              hint="remove `path`")
        return None
    p = fields.get("path")
    if p is not None and p.is_literal and (not p.source.startswith("/") or p.source.endswith("/")):
        v.err(m["path"], "origin.path must start with '/' and not end with '/'")
        return None
    dom = fields.get("domain")
    if dom is not None and dom.is_literal and (":" in dom.source or "/" in dom.source or len(dom.source) > 253):
        v.err(m["domain"], "origin.domain is a host name: no scheme, port or path, at most 253 characters")
        return None
    return Origin(fields.get("id"), fields.get("domain"), fields.get("path"), fields.get("host_header"), rewrite)


def _lookup(v: Validator, node: Node, ctx: _FnCtx, bound: set[str]) -> Lookup | None:
    if ctx.runtime != JS2:
        v.err(node, "lookup needs runtime cloudfront-js-2.0 (KeyValueStore)")
        return None
    if not ctx.has_kvs:
        v.err(node, "lookup needs a `kvs:` block on the function")
        return None
    m = v.mapping(node, "lookup", ("key", "format", "as", "missing"))
    if m is None:
        return None
    if "key" not in m or "as" not in m:
        v.err(node, "lookup needs `key` and `as`")
        return None
    key = v.template(m["key"], "lookup.key")
    if key is not None:
        for ref in key.refs:
            if ref.name not in bound or ref.fields:
                v.err(m["key"], f"lookup.key: {{{'.'.join((ref.name,) + ref.fields)}}} is not bound by this route")
    as_name = v.string(m["as"], "lookup.as")
    if as_name is not None and (not NAME_RE.match(as_name) or as_name in bound):
        v.err(m["as"], f"lookup.as must be a new name (letters, digits, _), not one already bound: {as_name!r}")
        as_name = None
    fmt = v.choice(m["format"], "lookup.format", ("string", "json")) if "format" in m else "string"
    missing = None
    if "missing" in m:
        mn = m["missing"]
        if mn.is_scalar and mn.value == "next":
            missing = None
        elif mn.is_map:
            missing = _respond(v, mn, "lookup.missing")
        else:
            v.err(mn, "lookup.missing must be `next` or a response {status, body?}")
    if key is None or as_name is None or fmt is None:
        return None
    return Lookup(key, as_name, fmt, missing)


def _header_edits(v: Validator, set_node: Node | None, rm_node: Node | None, ctx: _FnCtx, edits: str,
                  check: _RefChecker | None, set_what: str, rm_what: str
                  ) -> tuple[tuple[tuple[str, Template], ...], tuple[str, ...]]:
    sets: list[tuple[str, Template]] = []
    removes: list[str] = []
    if set_node is not None:
        if not set_node.is_map:
            v.err(set_node, f"{set_what} must be a mapping of header name to value")
        else:
            for name, vn in set_node.value.items():
                prob = header_problem(name, ctx.event, edits)
                if prob:
                    v.err(set_node.keys[name], prob)
                    continue
                t = v.template(vn, f"header {name}") if not (vn.is_scalar and vn.value == "") else None
                if t is None and vn.is_scalar and vn.value == "":
                    from .model import Template as _T

                    t = _T("", (), vn.span)
                if t is not None and (check is None or check(vn, t, f"header {name}")):
                    sets.append((name.lower(), t))
    if rm_node is not None:
        items = v.string_list(rm_node, rm_what)
        for n, name in items or []:
            prob = header_problem(name, ctx.event, edits)
            if prob:
                v.err(n, prob)
            else:
                removes.append(name.lower())
    return tuple(sets), tuple(removes)


def _rule(v: Validator, node: Node, index: int, ctx: _FnCtx) -> HeaderRule | None:
    m = v.mapping(node, f"header rule {index + 1}", RULE_KEYS)
    if m is None:
        return None
    nerr = len(v.diags)
    match = _match(v, m, ctx, node)
    bound = set(match.names) | {"host", "path", "query"}
    if match.path is not None and match.path.splat:
        bound.add("splat")
    check = _RefChecker(v, bound, set(), match)
    edits = "request" if ctx.event == VIEWER_REQUEST else "response"
    sets, removes = _header_edits(v, m.get("set"), m.get("remove"), ctx, edits, check, "set", "remove")
    status = None
    if "status" in m:
        if ctx.event != VIEWER_RESPONSE:
            v.err(m["status"], "`status` on a header rule only applies in viewer-response functions")
        elif not m["status"].is_list:
            v.err(m["status"], "status must be a list of status codes")
        else:
            status = tuple(s for s in (v.integer(n, "status", 100, 599) for n in m["status"].value) if s is not None)
    if not sets and not removes and len(v.diags) == nerr:
        v.err(node, "a header rule needs `set` or `remove`")
    if len(v.diags) > nerr:
        return None
    return HeaderRule(index, node.span, match, sets, removes, status)


Checker = Callable[[Node, Template, str], bool]
