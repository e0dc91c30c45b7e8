"""Validate a positioned YAML tree into the typed model, collecting every error.

`load_config` is the entry point; the pieces live in validator.py (primitives,
matching) and routes.py (routes, actions, header rules).
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
from typing import Any

from cfroutes.codes import Code
from cfroutes.config import schema
from cfroutes.config.cache import validate_cache
from cfroutes.config.errorpages import validate_error_pages
from cfroutes.config.model import (
    CASE_MODES,
    SLASH_MODES,
    SPILL_MODES,
    SPILL_PREFIX,
    VIEWER_REQUEST,
    VIEWER_RESPONSE,
    Config,
    Function,
    HeaderRule,
    Kvs,
    Options,
    Route,
)
from cfroutes.config.routes import validate_route, validate_rule
from cfroutes.config.validator import FUNC_NAME_RE, FUNCTION_KEYS, FnCtx, Validator
from cfroutes.config.yamlload import Node, load_file
from cfroutes.errors import InputError
from cfroutes.platform.event import CONNECTION_REQUEST
from cfroutes.platform.limits import KVS_KEY_MAX, KVS_VALUE_MAX
from cfroutes.platform.profile import CONNECTION, JS1, JS2, KVS_RUNTIME, get_profile
from cfroutes.safeio import is_within

__all__ = ["Validator", "load_config"]


def load_config(path: str) -> Config:
    """Load, validate and return the model; raises InputError with all errors."""
    root, text = load_file(path)
    v = Validator(path)
    cfg = _config(v, root, path, text)
    if v.diags or cfg is None:
        raise InputError(v.diags)
    return dataclasses.replace(cfg, warnings=tuple(v.warnings))


def _config(v: Validator, root: Node, path: str, text: str) -> Config | None:
    if not root.is_map:
        v.err(root, "routes.yaml must be a mapping with `version: 1` and `functions:`", code=Code.WRONG_TYPE)
        return None
    top = v.mapping(root, "the config", schema.CONFIG.keys)
    assert top is not None
    ver = top.get("version")
    if ver is None:
        v.err(root, "missing `version: 1`", code=Code.VERSION)
    elif ver.value != 1:
        v.err(ver, f"unsupported version {ver.raw!r}: this cfroutes reads version 1", code=Code.VERSION)
    fnode = top.get("functions")
    if fnode is None:
        v.err(root, "missing `functions:`", code=Code.MISSING_KEY)
        return None
    if not fnode.is_map or not fnode.value:
        v.err(fnode, "`functions` must be a mapping of function name to function", code=Code.WRONG_TYPE)
        return None
    digest = hashlib.sha256(text.encode("utf-8"))
    funcs = []
    for name, node in fnode.value.items():
        if not FUNC_NAME_RE.fullmatch(name):
            v.err(fnode.keys[name], f"function name '{name}' must be 1-64 characters of A-Z a-z 0-9 _ -", code=Code.NAME)
        f = _function(v, name, node, path, digest)
        if f is not None:
            funcs.append(f)
    pages = validate_error_pages(v, top["error_pages"]) if "error_pages" in top else ()
    return Config(path, tuple(funcs), digest.hexdigest(), {path: text}, error_pages=pages)


def _function(v: Validator, name: str, node: Node, cfg_path: str, digest: Any) -> Function | None:
    m = v.mapping(node, f"function '{name}'", FUNCTION_KEYS)
    if m is None:
        return None
    event = VIEWER_REQUEST
    if "event" in m:
        event = v.choice(m["event"], "event", (VIEWER_REQUEST, VIEWER_RESPONSE, CONNECTION_REQUEST)) or VIEWER_REQUEST
    else:
        v.err(node, f"function '{name}' needs `event: viewer-request` or `event: viewer-response`", code=Code.MISSING_KEY)
    runtime = JS2
    if "runtime" in m:
        runtime = v.choice(m["runtime"], "runtime", (JS2, JS1)) or JS2
    kvs = _kvs(v, m["kvs"], runtime, cfg_path, digest) if "kvs" in m else None
    if event == CONNECTION_REQUEST:
        return _connection_function(v, name, node, m, runtime, kvs)
    options = _options(v, m["options"], event) if "options" in m else Options()
    ctx = FnCtx(name, event, runtime, kvs is not None)
    first_warning = len(v.warnings)
    routes: list[Route] = []
    if "routes" in m:
        routes = v.items(m["routes"], "routes", lambda n, i: validate_route(v, n, i, ctx))
    rules: list[HeaderRule] = []
    if "headers" in m:
        rules = v.items(m["headers"], "headers", lambda n, i: validate_rule(v, n, i, ctx))
    _one_country_warning(v, first_warning)
    files = _files(v, m, routes, rules, cfg_path, digest)
    if options.spill == "always" and (kvs is None or not get_profile(runtime).key_value_store):
        v.err(m.get("options") or node, f"spill: always needs runtime {KVS_RUNTIME} and a `kvs:` block",
              hint="add `kvs: {name: ...}` or use spill: auto", code=Code.RUNTIME_NEEDED)
    cache = validate_cache(v, m["cache"], event, name) if "cache" in m else None
    return Function(name, node.span, event, runtime, options, tuple(routes), tuple(rules), kvs, m.get("tests"),
                    files, cache=cache)


def _connection_function(v: Validator, name: str, node: Node, m: dict[str, Node], runtime: str,
                         kvs: Kvs | None) -> Function | None:
    """An `event: connection-request` function (mTLS, config/connection.py): runtime 2.0 only, routes
    that allow or deny, no header rules, options, cache or files."""
    from cfroutes.config.connection import validate_routes

    if runtime != CONNECTION.runtime:
        v.err(m["runtime"], f"connection functions run on {CONNECTION.runtime} only, not {runtime}",
              hint=f"set `runtime: {CONNECTION.runtime}`", code=Code.RUNTIME_NEEDED)
    for key in ("headers", "options", "cache", "files"):
        if key in m:
            v.err(node.keys[key], f"`{key}:` does not apply to a connection-request function (it runs during the "
                  "TLS handshake, before any HTTP request)", code=Code.CONNECTION)
    routes = []
    if "routes" in m:
        routes = validate_routes(v, m["routes"], FnCtx(name, CONNECTION_REQUEST, runtime, kvs is not None))
    else:
        v.err(node, f"connection function '{name}' needs `routes:` that allow or deny", code=Code.MISSING_KEY)
    return Function(name, node.span, CONNECTION_REQUEST, runtime, Options(), (), (), kvs, m.get("tests"),
                    connection=tuple(routes))


def _files(v: Validator, m: dict[str, Any], routes: list[Route], rules: list[HeaderRule], cfg_path: str,
           digest: Any) -> Any:
    """`files:` (config/files.py); every `file:` condition needs it, and the set must fit inline."""
    from cfroutes.config.files import FILE_PATH_MAX, INLINE_BYTES_MAX, inline_bytes, load_files

    files = load_files(v, m["files"], cfg_path, digest) if "files" in m else None
    users = [x.span for x in routes if x.match.file is not None] + [x.span for x in rules if x.match.file is not None]
    if users and files is None and "files" not in m:
        v.err(users[0], "a `file:` condition needs the function's `files:` (the publish folder or a list "
              "of paths)", hint="add `files: public` (your publish folder) to the function", code=Code.FILES)
    if files is not None and users and inline_bytes(files) > INLINE_BYTES_MAX and "kvs" not in m:
        v.err(m["files"], f"files: {files.source} holds {len(files.paths):,} paths ({inline_bytes(files):,} bytes); "
              f"a function holds up to {INLINE_BYTES_MAX:,} bytes of them inline, more live in its KVS",
              hint="add `kvs: {name: ...}` to the function (runtime cloudfront-js-2.0)", code=Code.FILES)
    if files is not None and users:
        long = [p for p in files.paths if len(p.encode("utf-8")) > FILE_PATH_MAX]
        if long:
            v.err(m["files"], f"files: {files.source}: the path {long[0][:80]!r}... is over {FILE_PATH_MAX} bytes "
                  "(a KVS key holds it with its prefix)", code=Code.FILES)
    return files


def _one_country_warning(v: Validator, start: int) -> None:
    """One `country` warning per function (at its first use), not one per route."""
    mine = [i for i in range(start, len(v.warnings)) if v.warnings[i].message.startswith("`country` reads")]
    if len(mine) > 1:
        first = v.warnings[mine[0]]
        v.warnings[mine[0]] = dataclasses.replace(first, message=first.message + f" ({len(mine)} routes and header "
                                                  "rules of this function use it)")
        for i in reversed(mine[1:]):
            del v.warnings[i]


def _options(v: Validator, node: Node, event: str) -> Options:
    m = v.mapping(node, "options", schema.OPTIONS.keys)
    if m is None:
        return Options()
    case = v.choice(m["case"], "options.case", CASE_MODES) if "case" in m else None
    ts = v.choice(m["trailing_slash"], "options.trailing_slash", SLASH_MODES) if "trailing_slash" in m else None
    spill = v.choice(m["spill"], "options.spill", SPILL_MODES) if "spill" in m else None
    index = None
    if "index" in m:
        index = v.string(m["index"], "options.index")
        if index is not None and (not re.fullmatch(r"[A-Za-z0-9._~-]+", index) or "." not in index):
            v.err(m["index"], f"options.index must be a file name such as index.html, got {index!r}", code=Code.CONFIG_INVALID)
            index = None
        if index is not None and event != VIEWER_REQUEST:
            v.err(m["index"], "options.index only applies to viewer-request functions", code=Code.CONFIG_INVALID)
    return Options(case or "sensitive", ts or "ignore", index, spill or "auto")


def _kvs(v: Validator, node: Node, runtime: str, cfg_path: str, digest: Any) -> Kvs | None:
    m = v.mapping(node, "kvs", schema.KVS.keys)
    if m is None:
        return None
    if not get_profile(runtime).key_value_store:
        v.err(node, f"a KeyValueStore needs runtime {KVS_RUNTIME}", hint=f"set `runtime: {KVS_RUNTIME}`", code=Code.RUNTIME_NEEDED)
    name = None
    if "name" not in m:
        v.err(node, "kvs needs a `name`", code=Code.MISSING_KEY)
    else:
        name = v.string(m["name"], "kvs.name")
        if name is not None and not FUNC_NAME_RE.fullmatch(name):
            v.err(m["name"], f"kvs.name '{name}' must be 1-64 characters of A-Z a-z 0-9 _ -", code=Code.NAME)
    seed: list[tuple[str, str]] = []
    seed_path = None
    if "seed" in m:
        seed_path = v.string(m["seed"], "kvs.seed")
        if seed_path is not None:
            root_dir = os.path.dirname(cfg_path) or "."
            full = os.path.join(os.path.dirname(cfg_path), seed_path)  # as written: it is hashed
            if not is_within(full, root_dir):
                # a config from a pull request must not read (and echo, or bundle) files outside its tree
                v.err(m["seed"], f"seed file {seed_path} is outside the config's directory "
                      f"{os.path.abspath(root_dir)} (symlinks resolved)",
                      hint="put the seed file next to routes.yaml or below it", code=Code.SEED)
            elif not os.path.lexists(full):
                v.err(m["seed"], f"seed file not found: {seed_path} (looked at {full})", code=Code.SEED)
            else:
                seed = _seed(v, full, digest)
    return Kvs(name or "kvs", seed_path, tuple(seed), node.span)


def _seed(v: Validator, path: str, digest: Any) -> list[tuple[str, str]]:
    from cfroutes.errors import InputError as _IE

    try:
        root, text = load_file(path)
    except _IE as e:
        v.diags.extend(e.diagnostics)
        return []
    digest.update(b"\0" + path.encode() + b"\0" + text.encode("utf-8"))
    if root.value is None:
        return []
    if not root.is_map:
        v.err(root, "a seed file must be a mapping of key to value", code=Code.SEED)
        return []
    out = []
    for key, vn in root.value.items():
        kn = root.keys[key]
        if key.startswith(SPILL_PREFIX):
            v.err(kn, f"seed key {key!r} starts with the reserved prefix {SPILL_PREFIX!r} (used for spilled routes)", code=Code.SEED)
            continue
        if not key or len(key.encode()) > KVS_KEY_MAX:
            v.err(kn, f"KVS key must be 1-{KVS_KEY_MAX} bytes, got {len(key.encode())}", code=Code.SEED)
            continue
        if vn.is_map or vn.is_list:
            value = json.dumps(vn.to_python(), separators=(",", ":"), ensure_ascii=False, sort_keys=False)
        elif vn.value is None:
            v.err(vn, f"seed value of {key!r} is null; KVS values are strings", code=Code.SEED)
            continue
        else:
            value = vn.value if isinstance(vn.value, str) else (vn.raw or str(vn.value))
        if len(value.encode()) > KVS_VALUE_MAX:
            v.err(vn, f"KVS value of {key!r} is {len(value.encode())} bytes; the limit is {KVS_VALUE_MAX}", code=Code.SEED)
            continue
        from cfroutes.config.patterns import seed_control

        ch = seed_control(value)
        if ch is not None:  # a lookup would count it as missing (docs/semantics.md §4.1)
            v.err(vn, f"seed value of {key!r} contains the control character {ch!r}; lookups treat such a value as missing", code=Code.SEED)
            continue
        out.append((key, value))
    return out
