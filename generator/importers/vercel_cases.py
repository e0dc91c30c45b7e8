"""`cfroutes import vercel ... --cases`: one case per `vercel.json` rule, answered as Vercel answers it.

Written from Vercel's documented semantics, not from the translation (vercel.com/docs "Configuration
redirects", "Rewrites", "vercel.json"): a request is answered by, in order, `cleanUrls` (`/a.html`
and `/a/index` -> 308 `/a`), `trailingSlash` (`true`: `/a` -> 308 `/a/` unless the last segment has
a `.`; `false`: `/a/` -> 308 `/a`), the first `redirects` entry whose source and `has`/`missing`
match (`permanent` true or absent 308, false 307, `statusCode` wins; the request's query is
appended to the location), then the filesystem, then the first matching `rewrites` entry. Header
rules all apply, a later rule's value winning for the same header.

A source is a path-to-regexp pattern matched whole, case-sensitive, a trailing slash significant
(`/:path*` does not match `/`: vercel/vercel#16923). The sample request fills each parameter
with a value of its own (`:name` -> `n-name`, `:name*` -> `a/b`, a custom `(pattern)` -> the first
of a few candidates it accepts), so the destination is filled from those values, never from the
translation's captures. The file's other rules are tried on the sample in Vercel's order (the
one part that uses path-to-regexp's regex, `vercel.ptr_regex`, run through the bounded engine).

No case: a rewrite without `--site` (Vercel applies rewrites only where no file matches), a proxy
(the answer is another site's), a source or `has` value no candidate satisfies.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from cfroutes.emulator import jsregex
from cfroutes.importers.common import Import, Out, is_url
from cfroutes.importers.vercel import DEFAULT_PATTERN, PtrError, parse_ptr, ptr_regex
from cfroutes.platform.uri import uri_text

#: values tried for a parameter with a custom pattern, after the pattern's own first alternative
CANDIDATES = ("a/b", "a", "1", "2024", "en", "a.html", "a.js", "a-b", "")
#: the host of a case written as just `/path` (docs/testing.md)
HOST = "example.com"
#: hosts a sample request may have when no rule asks for one: the first no rule names
HOSTS = (HOST, "www.example.com", "site.example", "www.site.example")


def neutral_host(named: set[str]) -> str:
    """A host none of the rules' host conditions names (`named`: lower-case), so a sample request that
    asks for no host is not answered by a domain rule by accident."""
    return next((h for h in HOSTS if h not in named), "cfroutes-sample.example")


class NoCase(Exception):
    """This rule gets no case; the message is the reason, counted in the summary line."""


@dataclass
class Request:
    path: str
    host: str = HOST
    query: list[tuple[str, str]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)

    @property
    def qs(self) -> str:
        return "&".join(f"{k}={v}" if v else k for k, v in self.query)

    def text(self) -> str:
        q = "?" + self.qs if self.query else ""
        path = wire(self.path)
        return f"GET https://{self.host}{path}{q}" if self.host != HOST else path + q


def wire(text: str) -> str:
    """A path, Location or URI as it is sent: non-ASCII as UTF-8 `%XX` (the one helper,
    platform/uri.py), a space as `%20`, everything else (escapes included) as written."""
    return uri_text(text).replace(" ", "%20")


def wire_expect(expect: dict[str, Any]) -> dict[str, Any]:
    """`expect` with its location and uri as they are sent."""
    return {k: wire(v) if k in ("location", "uri") and isinstance(v, str) else v for k, v in expect.items()}


@lru_cache(maxsize=4096)
def _invalid(source: str) -> bool:
    return jsregex.compile_error(source) is not None


def js_exec(source: str, text: str) -> tuple[str | None, ...] | None:
    """A JavaScript regex on `text` through the bounded engine: a regex JavaScript refuses matches
    nothing (the rule holding it is not carried, and the platform would refuse it); one that runs out
    of time or memory leaves this rule without a case."""
    if _invalid(source):
        return None
    try:
        return jsregex.exec_regex(source, "", text)
    except jsregex.Overrun:
        raise NoCase("a regex ran out of time") from None


def _full(pattern: str, text: str) -> tuple[str | None, ...] | None:
    return js_exec(f"^(?:{pattern})$", text)


def _value(pattern: str, name: str) -> str | None:
    """A value the parameter's pattern accepts whole (None: none of the candidates)."""
    first = [re.sub(r"\\(.)", r"\1", pattern.split("|")[0])] if re.fullmatch(r"(?:[\w.-]|\\.)+(?:\|(?:[\w.-]|\\.)+)*",
                                                                           pattern) else []
    for c in (*first, f"n-{name}" if name and not name.isdigit() else "n", *CANDIDATES):
        if _full(pattern, c) is not None:
            return c
    return None


@dataclass
class Source:
    """One source compiled: the regex Vercel matches with, its group names, the sample and its values."""

    regex: str
    names: list[str]
    sample: str
    values: dict[str, str]
    literal: str | None = None  # the whole path, when the source has no parameter
    prefix: str = ""  # the literal text every matching path starts with


def compile_source(source: str) -> Source:
    try:
        tokens = parse_ptr(source)
    except PtrError as e:
        raise NoCase(f"source: {e}") from None
    sample, values = "", {}
    for t in tokens:
        if isinstance(t, str):
            sample += t
            continue
        if not t["pattern"]:
            sample += t["prefix"] + t["suffix"]
            continue
        if t["pattern"] == DEFAULT_PATTERN:
            v = "a/b" if t["modifier"] in ("*", "+") else f"n-{t['name']}" if not t["name"].isdigit() else "n"
        else:
            found = _value(t["pattern"], t["name"])
            if found is None:
                raise NoCase("no sample value for a custom pattern")
            v = found
        sample += t["prefix"] + v + t["suffix"]
        values[t["name"]] = v
    rx, names = ptr_regex(tokens)
    if not sample.startswith("/"):
        raise NoCase("the source does not start with /")
    prefix = ""
    for t in tokens:
        if not isinstance(t, str):
            break
        prefix += t
    return Source(rx, names, sample, values, sample if all(isinstance(t, str) for t in tokens) else None, prefix)


#: source regexes run at most per import (each through the bounded engine); past it the rules left get
#: no case ("over budget"): a file of literal paths needs none (they are compared as text)
REGEX_BUDGET = 200_000
_spent = [0]


def _match(src: Source, path: str) -> dict[str, str] | None:
    """The parameters (by path-to-regexp name) when the source matches `path`."""
    if src.literal is not None:
        return {} if path == src.literal else None
    if not path.startswith(src.prefix):
        return None
    _spent[0] += 1
    if _spent[0] > REGEX_BUDGET:
        raise NoCase(f"over budget: more than {REGEX_BUDGET:,} source regexes run")
    m = js_exec(src.regex, path)
    if m is None:
        return None
    out: dict[str, str] = {}
    for name, v in zip(src.names, m[1:], strict=False):
        raw = name[1:] if name.startswith("_") and name[1:].isdigit() else name.rstrip("_") if name.endswith("_") else name
        out[raw] = v or ""
    return out


# ------------------------------------------------------------------ has / missing
def _item_value(item: dict[str, Any]) -> tuple[str | None, bool]:
    """(the value as a full-match regex or None for "present", whether it was a literal `eq`)."""
    v = item.get("value")
    if isinstance(v, dict):
        if set(v) == {"eq"} and isinstance(v["eq"], (str, int)) and not isinstance(v["eq"], bool):
            return re.escape(str(v["eq"])), True
        raise NoCase(f"has/missing operators {sorted(v)}")
    return (None, False) if v is None else (str(v), False)


def _section(req: Request, kind: str) -> dict[str, str]:
    if kind == "header":
        return req.headers
    if kind == "cookie":
        return req.cookies
    if kind == "query":
        return dict(req.query)
    raise NoCase(f"has/missing type {kind!r}")


def _named(pattern: str, text: str) -> dict[str, str] | None:
    """Named groups of `pattern` matched whole against `text` (None: no match)."""
    from cfroutes.platform import regex as jsparse

    m = _full(pattern, text)
    if m is None:
        return None
    try:
        groups = jsparse.parse(pattern).groups
    except Exception:  # noqa: BLE001 - a regex the parser refuses binds nothing
        return {}
    return {g.name: m[i + 1] or "" for i, g in enumerate(groups) if g.name is not None and i + 1 < len(m)}


def conditions(rule: dict[str, Any], req: Request) -> dict[str, str] | None:
    """The names `has` binds when `has` and `missing` hold for `req`, else None."""
    bound: dict[str, str] = {}
    for item in rule.get("has") or []:
        kind, key = item.get("type"), str(item.get("key", ""))
        pattern, _ = _item_value(item)
        if kind == "host":
            got: str | None = req.host
        else:
            sec = _section(req, str(kind))
            key = key.lower() if kind == "header" else key
            got = sec.get(key)
        if got is None:
            return None
        if pattern is None:
            bound[key] = got
            continue
        named = _named(pattern, got)
        if named is None:
            return None
        bound.update(named)
    for item in rule.get("missing") or []:
        kind, key = item.get("type"), str(item.get("key", ""))
        pattern, _ = _item_value(item)
        if kind == "host":
            got = req.host
        else:
            got = _section(req, str(kind)).get(key.lower() if kind == "header" else key)
        if got is not None and (pattern is None or _full(pattern, got) is not None):
            return None
    return bound


def _satisfy(rule: dict[str, Any], req: Request) -> None:
    """Add to `req` what the rule's `has` items ask for."""
    for item in rule.get("has") or []:
        kind, key = item.get("type"), str(item.get("key", ""))
        pattern, _ = _item_value(item)
        if kind == "host":
            if pattern is None:
                continue
            text = re.sub(r"\(\?<([A-Za-z_]\w*)>\[\^\.\]\+\)", r"n-\1", pattern).replace("\\.", ".")
            if _full(pattern, text) is None:
                raise NoCase("no sample host for the `has` host pattern")
            req.host = text
            continue
        value = f"n-{key}" if pattern is None else None
        if pattern is not None:
            for c in (re.sub(r"\\(.)", r"\1", pattern.strip("()").split("|")[0]), f"n-{key}", *CANDIDATES[1:]):
                if _full(pattern, c) is not None:
                    value = c
                    break
        if value is None:
            raise NoCase(f"no sample value for `has` {kind} {key}")
        if kind == "header":
            req.headers[key.lower()] = value
            if key.lower() == "x-vercel-ip-country":  # what CloudFront shows for the same viewer
                req.headers["cloudfront-viewer-country"] = value
        elif kind == "cookie":
            req.cookies[key] = value
        elif kind == "query":
            req.query.append((key, quote(value, safe="-_.~")))
        else:
            raise NoCase(f"has type {kind!r}")


# ------------------------------------------------------------------ destinations
_DEST = re.compile(r":([A-Za-z0-9_]+)(?:\((?:[^()\\]|\\.)*\))?[*+?]?|\$([0-9]+)")


def fill(dest: str, values: dict[str, str]) -> str:
    """`:name` (and `$1` for unnamed groups) in a destination -> the sample's values; anything else as written
    (a port after a scheme's host stays)."""
    scheme = re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://[^/:]*", dest)
    head = scheme.group(0) if scheme else ""

    def sub(m: re.Match[str]) -> str:
        name = m.group(1) if m.group(1) is not None else str(int(m.group(2)) - 1)
        return values.get(name, m.group(0))

    return head + _DEST.sub(sub, dest[len(head):])


# ------------------------------------------------------------------ Vercel's answer
@dataclass
class Rules:
    """The file's rules in Vercel's order, compiled once."""

    clean: bool | None = None
    trailing: bool | None = None
    redirects: list[tuple[Out, dict[str, Any], Source]] = field(default_factory=list)
    rewrites: list[tuple[Out, dict[str, Any], Source]] = field(default_factory=list)
    headers: list[tuple[Out, dict[str, Any], Source]] = field(default_factory=list)
    _index: dict[int, tuple[dict[str, list[int]], list[int]]] = field(default_factory=dict)

    def candidates(self, items: list[tuple[Out, dict[str, Any], Source]],
                   path: str) -> list[tuple[Out, dict[str, Any], Source]]:
        """The items that may match `path`, in order: literal sources equal to it and the others."""
        if id(items) not in self._index:
            literal: dict[str, list[int]] = {}
            others: list[int] = []
            for i, (_, _, src) in enumerate(items):
                if src.literal is not None:
                    literal.setdefault(src.literal, []).append(i)
                else:
                    others.append(i)
            self._index[id(items)] = literal, others
        literal, others = self._index[id(items)]
        return [items[i] for i in sorted(literal.get(path, []) + [i for i in others
                                                                   if path.startswith(items[i][2].prefix)])]


def _rules(imp: Import) -> Rules:
    rules = Rules()
    for o in imp.routes + imp.headers:
        r = o.rule
        if r is None:
            continue
        if r["kind"] in ("cleanUrls", "trailingSlash"):
            if r["kind"] == "cleanUrls":
                rules.clean = True
            rules.trailing = r["trailingSlash"]
            continue
        rule = r["rule"]
        if not isinstance(rule.get("source"), str):
            continue
        try:
            src = compile_source(rule["source"])
        except NoCase:
            continue
        {"redirect": rules.redirects, "rewrite": rules.rewrites, "header": rules.headers}[r["kind"]].append(
            (o, rule, src))
    return rules


def _exists(site: str, path: str, clean: bool) -> bool:
    """Vercel's filesystem check for `path` in the publish folder `site`."""
    rel = path.lstrip("/")
    full = os.path.join(site, rel)
    return (os.path.isfile(full) or os.path.isfile(os.path.join(full, "index.html"))
            or (clean and os.path.isfile(full.rstrip("/") + ".html")))


def _with_query(location: str, req: Request) -> str:
    if not req.query:
        return location
    path, hash_, frag = location.partition("#")
    return path + ("&" if "?" in path else "?") + req.qs + hash_ + frag


def answer(rules: Rules, req: Request, site: str | None) -> tuple[Out | None, dict[str, Any]]:
    """(the rule that answers, the case's `expect`) for `req`, as Vercel answers it."""
    p = req.path
    if rules.clean:
        m = re.fullmatch(r"/(?:(.+)/)?index(?:\.html)?/?", p) or re.fullmatch(r"/(.*)\.html/?", p)
        if m:
            to = "/" + (m.group(1) or "")
            to = to + "/" if rules.trailing and to != "/" else to
            return None, {"status": 308, "location": _with_query(to, req)}
    if rules.trailing is True and not p.endswith("/") and "." not in p.rsplit("/", 1)[-1] \
            and not p.startswith("/.well-known"):
        return None, {"status": 308, "location": _with_query(p + "/", req)}
    if rules.trailing is False and p != "/" and p.endswith("/"):
        return None, {"status": 308, "location": _with_query(p[:-1], req)}
    for o, rule, src in rules.candidates(rules.redirects, p):
        values = _match(src, p)
        bound = conditions(rule, req) if values is not None else None
        if values is None or bound is None:
            continue
        status = rule.get("statusCode")
        if not isinstance(status, int) or isinstance(status, bool):
            status = 307 if rule.get("permanent") is False else 308
        return o, {"status": status, "location": _with_query(fill(str(rule["destination"]), bound | values), req)}
    for o, rule, src in rules.candidates(rules.rewrites, p):
        values = _match(src, p)
        bound = conditions(rule, req) if values is not None else None
        if values is None or bound is None:
            continue
        if site is None:
            raise NoCase("depends on files: Vercel applies rewrites only where no file matches (no --site)")
        if _exists(site, p, bool(rules.clean)):
            return None, {"uri": p}
        dest = fill(str(rule["destination"]), bound | values)
        if is_url(dest):
            raise NoCase("a proxy: the answer is another site's")
        path, _, query = dest.partition("#")[0].partition("?")
        used = {m.group(1) for m in _DEST.finditer(str(rule["destination"])) if m.group(1)}
        if query and not req.query and set(values) <= used:  # no parameter is added to the query
            return o, {"uri": path, "querystring": query}
        return o, {"uri": path}
    return None, {"uri": p}


def _headers_answer(rules: Rules, req: Request) -> dict[str, str]:
    """Every matching header rule's headers, a later rule's value winning (names lower-case)."""
    out: dict[str, str] = {}
    for _, rule, src in rules.candidates(rules.headers, req.path):
        values = _match(src, req.path)
        if values is None or conditions(rule, req) is None:
            continue
        for item in rule.get("headers") or []:
            if isinstance(item, dict) and isinstance(item.get("key"), str) and isinstance(item.get("value"), str):
                out[item["key"].lower()] = fill(item["value"], values)
    return out


def _request_for(rule: dict[str, Any], src: Source, host: str) -> Request:
    req = Request(src.sample, host=host)
    _satisfy(rule, req)
    return req


def vercel_cases(imp: Import, function: str, site: str | None) -> tuple[list[tuple[Out, dict[str, Any], str]],
                                                                        dict[str, int]]:
    """(source rule, case, note) per rule with a case, and the rules without one by reason."""
    _spent[0] = 0
    rules = _rules(imp)
    named = {str(i.get("value", "")).replace("\\.", ".").lower() for _, rule, _ in
             rules.redirects + rules.rewrites + rules.headers for i in rule.get("has") or []
             if isinstance(i, dict) and i.get("type") == "host"}
    host = neutral_host(named)
    made: list[tuple[Out, dict[str, Any], str]] = []
    without: dict[str, int] = {}
    for o in imp.routes + imp.headers:
        r = o.rule
        if r is None or not o.carried:
            continue
        try:
            case, note = _case(rules, o, r, function, site, host)
        except NoCase as e:
            reason = str(e).split(":")[0]
            without[reason] = without.get(reason, 0) + 1
            continue
        made.append((o, case, note))
    return made, without


def _case(rules: Rules, o: Out, r: dict[str, Any], function: str, site: str | None,
          host: str) -> tuple[dict[str, Any], str]:
    name = f"{o.short_ref}: {o.source_text}"[:200]
    if r["kind"] == "trailingSlash":
        req = Request("/n-page/" if r["trailingSlash"] is False else "/n-page", host=host)
    elif r["kind"] == "cleanUrls":
        req = Request("/n-page.html", host=host)
    else:
        rule = r["rule"]
        src = compile_source(str(rule["source"]))
        req = _request_for(rule, src, host)
        if _match(src, req.path) is None:  # built from the source's own tokens: path-to-regexp matches it
            raise NoCase("the sample does not match the source's regex (an importer bug: please report it)")
        if r["kind"] == "header":
            got = _headers_answer(rules, req)
            keys = [str(i["key"]).lower() for i in rule.get("headers") or [] if isinstance(i, dict)]
            expect = {"headers": {k: got[k] for k in keys if k in got}}
            if not expect["headers"]:
                raise NoCase("no sample request the header rule matches")
            case = _case_dict(name, req, expect) | {"function": function + "-headers"}
            return case, ""
        if r["kind"] == "rewrite" and is_url(str(rule.get("destination", ""))):
            raise NoCase("a proxy: the answer is another site's")
    who, expect = answer(rules, req, site)
    note = ""
    if who is not o and r["kind"] in ("redirect", "rewrite"):
        note = (f"{who.short_ref} answers it first on Vercel" if who is not None else
                "Vercel's trailingSlash/cleanUrls or the filesystem answers it first")
    return _case_dict(name, req, expect), note


def _case_dict(name: str, req: Request, expect: dict[str, Any]) -> dict[str, Any]:
    case: dict[str, Any] = {"name": name, "request": req.text()}
    if req.headers:
        case["headers"] = dict(req.headers)
    if req.cookies:
        case["cookies"] = dict(req.cookies)
    case["expect"] = wire_expect(expect)
    return case
