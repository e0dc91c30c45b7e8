"""`cfroutes import amplify ... --cases`: one case per custom rule, answered as Amplify answers it.

Written from Amplify's documented semantics, not from the translation (docs.aws.amazon.com/amplify
"Using redirects" and "Redirects and rewrites example reference"): rules apply top to bottom, the
first match wins; `<*>` matches any text (slashes included), `<name>` one segment, `?key=<name>`
a query parameter; a `</regex/>` source is a regular expression tested on the path; a source that
is a URL without a path (`https://www.example.com`) matches every path of that domain, and the
path is appended to the target; `condition` `<US>` is the viewer's country; 301/302 redirect
(the status defaults to 301), 200 rewrites (a full-URL target proxies); 404 and 404-200 apply only
when no file matches the path.

The sample request fills `<*>` with `a/b` and `<name>` with `n-name` (a regex source gets the first
of a few paths it matches), so the target is filled from those values, never from the
translation's captures. The other rules are tried on the sample in order. No case: a rule whose
answer for the sample depends on files without `--site` (404, 404-200), a proxy, a source with
query parameters (Amplify's query handling on the answer is not documented), a regex no sample
path matches.
"""
from __future__ import annotations

import os
import re
from functools import lru_cache
from typing import Any

from cfroutes.importers.common import Import, Out, escape_literal, is_url, split_url
from cfroutes.importers.vercel_cases import NoCase, Request, js_exec, neutral_host, wire_expect

_ANGLE = re.compile(r"<([A-Za-z_][A-Za-z0-9_-]*|\*)>")
#: paths tried on a `</regex/>` source, in order
REGEX_SAMPLES = ("/a/b", "/n-page", "/a.html", "/a.php", "/a/b/", "/", "/index.html", "/a.json")
_PATH_MAX = 2048


@lru_cache(maxsize=4096)
def _pattern(path: str) -> tuple[str, tuple[str, ...]]:
    """A JavaScript regex for an Amplify path pattern (run by the bounded engine, `js_exec`: many
    `<*>` over a long path backtrack), and the name bound by each of its groups."""
    out, pos, names = "^", 0, []
    for m in _ANGLE.finditer(path):
        out += escape_literal(path[pos:m.start()])
        name = m.group(1)
        out += ("(" if name not in names else "(?:") + (".*)" if name == "*" else "[^/]+)")
        if name not in names:
            names.append(name)
        pos = m.end()
    return out + escape_literal(path[pos:]) + "$", tuple(names)


def _fill(target: str, values: dict[str, str]) -> str:
    return _ANGLE.sub(lambda m: values.get(m.group(1), m.group(0)), target)


def _status(r: dict[str, Any]) -> str:
    s = r.get("status") or "301"
    return str(s) if isinstance(s, (int, str)) and not isinstance(s, bool) else ""


def _countries(r: dict[str, Any]) -> list[str]:
    cond = str(r.get("condition") or "").strip()
    return [c.upper() for c in re.findall(r"[A-Za-z]{2}", cond)] if cond else []


def match(r: dict[str, Any], req: Request) -> tuple[dict[str, str], bool] | None:
    """(the values bound, whether the path is appended) when the rule's source matches `req`."""
    source = str(r.get("source", ""))
    codes = _countries(r)
    if codes and req.headers.get("cloudfront-viewer-country", "").upper() not in codes:
        return None
    if source.startswith("</") and source.endswith("/>"):
        _spent[0] += 1
        if _spent[0] > REGEX_BUDGET:
            raise NoCase(f"over budget: more than {REGEX_BUDGET:,} source regexes run")
        m = js_exec(source[2:-2], req.path)
        return ({}, False) if m is not None else None
    if is_url(source):
        _, host, rest = split_url(source)
        if host.lower() != req.host.lower():
            return None
        if rest in ("", "/"):  # a domain rule: every path, appended to the target
            return {"*": req.path[1:]}, True
        source = rest
    path, _, qs = source.partition("?")
    if len(req.path) > _PATH_MAX:
        return None
    pattern, names = _pattern(path)
    pm = js_exec(pattern, req.path)
    if pm is None:
        return None
    if qs:
        raise NoCase("query parameters: Amplify's answer to them is not documented")
    return {n: v for n, v in zip(names, pm[1:], strict=False) if v is not None}, False


def _exists(site: str, path: str) -> bool:
    full = os.path.join(site, path.lstrip("/"))
    return os.path.isfile(full) or os.path.isfile(os.path.join(full, "index.html"))


class Index:
    """The rules in order, with literal paths indexed, so that a sample is compared as text with the
    thousands of literal rules a large file has and matched as a pattern only against the others."""

    def __init__(self, outs: list[Out]) -> None:
        self.outs = outs
        self.literal: dict[str, list[int]] = {}
        self.others: list[tuple[int, str]] = []  # (position, the literal prefix a matching path has)
        for i, o in enumerate(outs):
            assert o.rule is not None
            src = str(o.rule["rule"].get("source", ""))
            if src.startswith("/") and not re.search(r"[<?]", src):
                self.literal.setdefault(src, []).append(i)
            else:
                self.others.append((i, src.split("<")[0] if src.startswith("/") and "?" not in src else ""))

    def candidates(self, path: str) -> list[Out]:
        found = self.literal.get(path, []) + [i for i, prefix in self.others if path.startswith(prefix)]
        return [self.outs[i] for i in sorted(found)]


#: regex sources run at most per import (each through the bounded engine); past it no more cases
REGEX_BUDGET = 200_000
_spent = [0]


def answer(rules: Index, req: Request, site: str | None) -> tuple[Out | None, dict[str, Any], str]:
    """(the rule that answers, the case's `expect`, a note) for `req`, as Amplify answers it."""
    for o in rules.candidates(req.path):
        assert o.rule is not None
        r = o.rule["rule"]
        hit = match(r, req)
        if hit is None:
            continue
        values, append = hit
        status = _status(r)
        target = _fill(str(r.get("target", "")), values)
        if append and "<" not in str(r.get("target", "")):
            target = target.rstrip("/") + req.path
        if status in ("301", "302"):
            return o, {"status": int(status), "location": target}, ""
        if status == "200":
            if is_url(target):
                raise NoCase("a proxy: the answer is another site's")
            path, _, query = target.partition("?")
            return o, {"uri": path} | ({"querystring": query} if query else {}), ""
        if status in ("404", "404-200"):
            if site is None:
                raise NoCase("depends on files: Amplify applies 404 and 404-200 only where no file matches (no --site)")
            if _exists(site, req.path):
                continue
            note = "Amplify answers 404 with this page; CloudFront serves it with the origin's status" \
                if status == "404" else ""
            return o, {"uri": target.partition("?")[0]}, note
        raise NoCase(f"status {status!r}")
    return None, {"uri": req.path}, ""


def _sample(r: dict[str, Any], neutral: str) -> Request:
    source = str(r.get("source", ""))
    codes = _countries(r)
    if source.startswith("</") and source.endswith("/>"):
        for p in REGEX_SAMPLES:
            if js_exec(source[2:-2], p) is not None:
                req = Request(p, host=neutral)
                break
        else:
            raise NoCase("no sample path for the regex source")
    else:
        host = neutral
        if is_url(source):
            _, host, rest = split_url(source)
            source = rest if rest not in ("", "/") else "/<*>"
        path = _ANGLE.sub(lambda m: "a/b" if m.group(1) == "*" else "n-" + m.group(1), source.partition("?")[0])
        if not path.startswith("/"):
            raise NoCase("the source is not a path")
        req = Request(path, host=host.lower() or neutral)
    if codes:
        req.headers["cloudfront-viewer-country"] = codes[0]
    return req


def amplify_cases(imp: Import, site: str | None) -> tuple[list[tuple[Out, dict[str, Any], str]], dict[str, int]]:
    """(source rule, case, note) per rule with a case, and the rules without one by reason."""
    outs = [o for o in imp.routes if o.rule is not None and isinstance(o.rule.get("rule"), dict)]
    neutral = neutral_host({split_url(str(o.rule["rule"].get("source")))[1].lower() for o in outs
                            if o.rule is not None and is_url(str(o.rule["rule"].get("source")))})
    made: list[tuple[Out, dict[str, Any], str]] = []
    without: dict[str, int] = {}
    _spent[0] = 0
    index = Index(outs)
    for o in outs:
        if not o.carried:
            continue
        assert o.rule is not None
        try:
            req = _sample(o.rule["rule"], neutral)
            who, expect, note = answer(index, req, site)
        except NoCase as e:
            reason = str(e).split(":")[0]
            without[reason] = without.get(reason, 0) + 1
            continue
        if who is not o:
            note = (note + "; " if note else "") + (f"{who.short_ref} answers it first on Amplify" if who is not None
                                                    else "no rule answers it on Amplify (a file exists)")
        case: dict[str, Any] = {"name": f"{o.short_ref}: {o.source_text}"[:200], "request": req.text()}
        if req.headers:
            case["headers"] = dict(req.headers)
        case["expect"] = wire_expect(expect)
        made.append((o, case, note))
    return made, without
