"""`cache:` of a function: its behaviour's cache policy, a managed one by name or its own key and TTLs."""
from __future__ import annotations

import dataclasses
import difflib
import re

from cfroutes.codes import Code
from cfroutes.config import schema
from cfroutes.config.model import VIEWER_REQUEST
from cfroutes.config.validator import Validator
from cfroutes.config.yamlload import Node
from cfroutes.platform.cache_policies import DEFAULT_TTL, KEY_NAMES_MAX, MANAGED, MAX_TTL, CachePolicy

#: an HTTP header name (RFC 9110 token)
_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+\Z")
#: TTLs are seconds; CloudFront stores them as a long, cfroutes bounds them at 100 years
_TTL_MAX = 100 * 365 * 86400


def validate_cache(v: Validator, node: Node, event: str, name: str) -> CachePolicy | None:
    """The policy `cache:` declares; None (with a diagnostic) when it is invalid."""
    if event != VIEWER_REQUEST:
        v.err(node, "`cache:` belongs to the viewer-request function of a cache behaviour (its key is made after it "
              "runs)", code=Code.CACHE_POLICY)
        return None
    if not node.is_map:
        if node.is_list or node.value is None:
            v.err(node, f"cache must be a managed policy name or a mapping {{key, ttl}}, got {node.type_name()}",
                  hint="managed policies: " + ", ".join(MANAGED), code=Code.WRONG_TYPE)
            return None
        s = v.string(node, "cache")
        if s is None:
            return None
        policy = MANAGED.get(s) or MANAGED.get(s.removeprefix("Managed-"))
        if policy is None:
            close = difflib.get_close_matches(s, list(MANAGED), n=1, cutoff=0.5)
            v.err(node, f"unknown managed cache policy '{s}'",
                  hint=f"did you mean '{close[0]}'?" if close else "managed policies: " + ", ".join(MANAGED),
                  code=Code.CACHE_POLICY)
            return None
        return dataclasses.replace(policy, span=node.span)
    m = v.mapping(node, "cache", schema.CACHE.keys)
    if m is None:
        return None
    # the console's defaults for a new policy: compressed objects cached apart (normalized Accept-Encoding)
    policy = CachePolicy(f"{name}-cache", compress=True, span=node.span)
    if "key" in m:
        policy = _key(v, m["key"], policy)
    if "ttl" in m:
        policy = _ttl(v, m["ttl"], policy)
    return policy


def _names(v: Validator, node: Node, what: str, header: bool) -> tuple[str, ...] | None:
    items = v.string_list(node, what)
    if items is None:
        return None
    out: list[str] = []
    for item, s in items:
        if header and not _TOKEN.fullmatch(s):
            v.err(item, f"{what}: '{s}' is not a header name", code=Code.CACHE_POLICY)
            continue
        if not header and not v.no_control(item, s, what):
            continue
        s = s.lower() if header else s
        if s not in out:
            out.append(s)
    if len(out) > KEY_NAMES_MAX:
        v.err(node, f"{what} names {len(out)} entries; a cache policy takes at most {KEY_NAMES_MAX}",
              code=Code.CACHE_POLICY)
        return None
    return tuple(out)


def _all_none_or_list(v: Validator, node: Node, what: str) -> tuple[bool, tuple[str, ...]] | None:
    if node.is_list:
        names = _names(v, node, what, header=False)
        return None if names is None else (False, names)
    if node.is_map or node.value is None:
        v.err(node, f"{what} must be all, none or a list of names, got {node.type_name()}", code=Code.WRONG_TYPE)
        return None
    word = v.choice(node, what, ("all", "none"))
    return None if word is None else (word == "all", ())


def _key(v: Validator, node: Node, p: CachePolicy) -> CachePolicy:
    m = v.mapping(node, "cache.key", schema.CACHE_KEY.keys)
    if m is None:
        return p
    host = p.host
    if "host" in m:
        if isinstance(m["host"].value, bool):
            host = m["host"].value
        else:
            v.err(m["host"], f"cache.key.host must be true or false, got {m['host'].type_name()}", code=Code.WRONG_TYPE)
    headers: tuple[str, ...] = ()
    if "headers" in m:
        headers = _names(v, m["headers"], "cache.key.headers", header=True) or ()
        host = host or "host" in headers  # Host is a header of the key: `headers: [host]` is `host: true`
        headers = tuple(h for h in headers if h != "host")
    cookies: tuple[bool, tuple[str, ...]] = (False, ())
    query: tuple[bool, tuple[str, ...]] = (False, ())
    if "cookies" in m:
        cookies = _all_none_or_list(v, m["cookies"], "cache.key.cookies") or cookies
    if "query" in m:
        query = _all_none_or_list(v, m["query"], "cache.key.query") or query
    return dataclasses.replace(p, host=host, headers=headers, cookies_all=cookies[0], cookies=cookies[1],
                               query_all=query[0], query=query[1])


def _ttl(v: Validator, node: Node, p: CachePolicy) -> CachePolicy:
    m = v.mapping(node, "cache.ttl", schema.CACHE_TTL.keys)
    if m is None:
        return p
    got: dict[str, int] = {}
    for k in ("min", "default", "max"):
        if k in m:
            n = v.integer(m[k], f"cache.ttl.{k}", 0, _TTL_MAX)
            if n is None:
                return p
            got[k] = n
    lo = got.get("min", 0)
    # CloudFront's defaults: default 1 day (or the minimum when larger), max 1 year (or the default)
    default = got.get("default", min(max(DEFAULT_TTL, lo), got.get("max", MAX_TTL)))
    hi = got.get("max", max(MAX_TTL, default))
    if not lo <= default <= hi:
        v.err(node, f"cache.ttl needs min <= default <= max, got min {lo}, default {default}, max {hi}",
              code=Code.CACHE_POLICY)
        return p
    return dataclasses.replace(p, min_ttl=lo, default_ttl=default, max_ttl=hi)
