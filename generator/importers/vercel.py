"""Vercel: `vercel.json` redirects, rewrites, headers, trailingSlash and cleanUrls.

Semantics carried (vercel.com "Configuration redirects", "vercel.json"; @vercel/routing-utils):
the order is cleanUrls redirects, trailingSlash redirects, redirects, then (after the
filesystem) rewrites; sources are path-to-regexp v6 patterns compiled with
`strict: true, sensitive: true` (case-sensitive, a trailing slash is significant), so
patterns become the same anchored regex with named groups; `permanent` (default true)
gives 308, else 307, `statusCode` wins; the request's query passes through; `has` and
`missing` (header, cookie, query, host) become conditions, the `x-vercel-ip-country`
header becomes `country`; a rewrite to a full URL is a proxy (`origin`); a rewrite
whose destination uses none of the source's parameters gets them as query parameters;
`headers` become header rules of a viewer-response function.
"""
from __future__ import annotations

import re
from typing import Any

from cfroutes.importers.common import (
    BUILTINS,
    FieldError,
    Import,
    Out,
    get_bool,
    get_int,
    get_list,
    get_str,
    is_url,
    kind,
    parse_error,
    proxy_fields,
    read_text,
    shown,
    split_url,
)
from cfroutes.importers.jsonpos import LinedDict, load
from cfroutes.platform.uri import uri_text

_NAME_CH = re.compile(r"[0-9A-Za-z_]")
DEFAULT_PATTERN = "[^/]+?"


def read(files: list[str], site: str | None = None) -> Import:
    imp = Import("vercel", files, options={"trailing_slash": "strict"}, site=site)
    imp.notes += [
        "Vercel semantics: path-to-regexp sources, case-sensitive, a trailing slash is significant; redirects",
        "(308 permanent / 307) before rewrites; the query passes through. Vercel applies rewrites only when no",
        "file matches the path; a viewer-request function cannot see the origin's files.",
    ]
    for path in files:
        text = read_text(path)
        data = load(text, path)
        if not isinstance(data, dict):
            raise parse_error(path, 1, 1, "vercel.json must be a JSON object")
        _config(imp, path, data)
    return imp


def _line(obj: Any, default: int = 1) -> int:
    return obj.line if isinstance(obj, LinedDict) else default


def _config(imp: Import, path: str, data: dict[str, Any]) -> None:
    top = _line(data)
    try:
        ts = get_bool(data, "trailingSlash")
        clean = get_bool(data, "cleanUrls")
        lists = {k: get_list(data, k) for k in ("headers", "redirects", "rewrites", "routes")}
    except FieldError as e:
        raise parse_error(path, top, 1, f"vercel.json: {e}") from None
    if clean:
        imp.count(path, top)
        loc = "/{p}/" if ts else "/{p}"
        for rx in ("^/(?:(?<p>.+)/)?index(?:\\.html)?/?$", "^/(?<p>.*)\\.html/?$"):
            out = Out(path, top, {"regex": rx, "redirect": {"to": loc, "status": 308}},
                      source_text='"cleanUrls": true')
            if rx.endswith("\\.html/?$"):  # one case for the option (importers/vercel_cases.py)
                out.rule = {"kind": "cleanUrls", "trailingSlash": ts}
            imp.routes.append(out)
    if isinstance(ts, bool):
        imp.count(path, top)
        text = f'"trailingSlash": {str(ts).lower()}'
        option = {"kind": "trailingSlash", "trailingSlash": ts}
        if ts:
            imp.routes.append(Out(path, top, {"regex": "^/\\.well-known(?:/.*)?$", "rewrite": "{path}"},
                                  notes=["/.well-known/ paths are left alone"], source_text=text))
            imp.routes.append(Out(path, top, {"regex": "^/(?<p>(?:[^/]+/)*[^/.]+)$",
                                              "redirect": {"to": "/{p}/", "status": 308}}, source_text=text,
                                  rule=option))
            imp.routes.append(Out(path, top, {"regex": "^/(?<p>(?:[^/]+/)*[^/]+\\.\\w+)/$",
                                              "redirect": {"to": "/{p}", "status": 308}}, source_text=text))
        else:
            imp.routes.append(Out(path, top, {"regex": "^/(?<p>.*)/$", "redirect": {"to": "/{p}", "status": 308}},
                                  source_text=text, rule=option))
    for h in lists["headers"]:
        imp.count(path, _line(h, top))
        _header(imp, path, h)
    for r in lists["redirects"]:
        imp.count(path, _line(r, top))
        _rule(imp, path, r, redirect=True)
    for r in lists["rewrites"]:
        imp.count(path, _line(r, top))
        _rule(imp, path, r, redirect=False)
    if lists["routes"]:
        for r in lists["routes"]:
            imp.count(path, _line(r, top))
            out = Out(path, _line(r, top), {}, source_text=_summary(r))
            imp.routes.append(out)
            imp.fail(out, "legacy `routes` are not imported: rewrite them as redirects/rewrites/headers")
    if clean:
        out = Out(path, top, {"regex": "^/(?<p>(?:[^/]+/)*[^/.]+)$", "rewrite": "/{p}.html"},
                  source_text='"cleanUrls": true', last=True)
        imp.warn(out, path, top, "cleanUrls serves /about from about.html when that file exists; this rewrite "
                 "sends every extension-less path to PATH.html (a directory's index.html is not tried)")
        imp.routes.append(out)


def _summary(r: Any) -> str:
    if not isinstance(r, dict):
        return f"<{kind(r)}>"
    keys = ("source", "destination", "permanent", "statusCode", "src", "dest")
    return ", ".join(f"{k}: {shown(r[k])}" for k in keys if k in r) + (" (+ has/missing)" if r.get("has") or r.get("missing") else "")


# ------------------------------------------------------------------ path-to-regexp
class PtrError(ValueError):
    pass


def _lex(s: str) -> list[tuple[str, int, str]]:
    toks: list[tuple[str, int, str]] = []
    i = 0
    while i < len(s):
        c = s[i]
        if c in "*+?":
            toks.append(("MOD", i, c))
            i += 1
        elif c == "\\":
            toks.append(("ESC", i, s[i + 1:i + 2]))
            i += 2
        elif c == "{":
            toks.append(("OPEN", i, c))
            i += 1
        elif c == "}":
            toks.append(("CLOSE", i, c))
            i += 1
        elif c == ":":
            j = i + 1
            while j < len(s) and _NAME_CH.match(s[j]):
                j += 1
            if j == i + 1:
                raise PtrError(f"missing parameter name at {i}")
            toks.append(("NAME", i, s[i + 1:j]))
            i = j
        elif c == "(":
            depth, j = 1, i + 1
            if j < len(s) and s[j] == "?":
                raise PtrError(f'pattern cannot start with "?" at {j}')
            while j < len(s) and depth:
                if s[j] == "\\":
                    j += 2
                    continue
                if s[j] == ")":
                    depth -= 1
                    if depth == 0:
                        break
                elif s[j] == "(":
                    depth += 1
                    if j + 1 < len(s) and s[j + 1] != "?":
                        raise PtrError(f"capturing groups are not allowed at {j}")
                j += 1
            if depth:
                raise PtrError(f"unbalanced pattern at {i}")
            toks.append(("PATTERN", i, s[i + 1:j]))
            i = j + 1
        else:
            toks.append(("CHAR", i, c))
            i += 1
    toks.append(("END", len(s), ""))
    return toks


def parse_ptr(s: str) -> list[Any]:
    """path-to-regexp v6 `parse`: literal strings and {name, prefix, suffix, pattern, modifier} keys."""
    toks = _lex(s)
    out: list[Any] = []
    key = 0
    i = 0
    path = ""

    def take(kind: str) -> str | None:
        nonlocal i
        if toks[i][0] == kind:
            i += 1
            return toks[i - 1][2]
        return None

    def text() -> str:
        r = ""
        while True:
            v = take("CHAR")
            if v is None:
                v = take("ESC")
            if v is None:
                return r
            r += v

    while i < len(toks):
        char = take("CHAR")
        name = take("NAME")
        pattern = take("PATTERN")
        if name is not None or pattern is not None:
            prefix = char or ""
            if prefix not in ("", ".", "/"):
                path += prefix
                prefix = ""
            if path:
                out.append(path)
                path = ""
            if name is None:
                name, key = str(key), key + 1
            out.append({"name": name, "prefix": prefix, "suffix": "", "pattern": pattern or DEFAULT_PATTERN,
                        "modifier": take("MOD") or ""})
            continue
        value = char if char is not None else take("ESC")
        if value is not None:
            path += value
            continue
        if path:
            out.append(path)
            path = ""
        if take("OPEN") is not None:
            prefix = text()
            name = take("NAME") or ""
            pattern = take("PATTERN") or ""
            suffix = text()
            if take("CLOSE") is None:
                raise PtrError("expected '}'")
            if not name and pattern:
                name, key = str(key), key + 1
            out.append({"name": name, "prefix": prefix, "suffix": suffix,
                        "pattern": DEFAULT_PATTERN if name and not pattern else pattern, "modifier": take("MOD") or ""})
            continue
        if take("END") is None:
            raise PtrError(f"unexpected {toks[i][0]} at {toks[i][1]}")
    return out


def _esc(s: str) -> str:
    """path-to-regexp's escapeString, minus the `/` escape (not needed in a RegExp source)."""
    return re.sub(r"([.+*?=^!:${}()\[\]|\\])", r"\\\1", s)


def group_name(name: str) -> str:
    """A cfroutes-usable name for a path-to-regexp key (`0` -> `_0`, `path` -> `path_`)."""
    if name.isdigit():
        return "_" + name
    if name in BUILTINS:
        return name + "_"
    return name


def ptr_regex(tokens: list[Any]) -> tuple[str, list[str]]:
    """tokensToRegexp with strict, sensitive, end, delimiter '/': the source and its group names."""
    route = "^"
    names: list[str] = []
    for t in tokens:
        if isinstance(t, str):
            route += _esc(t)
            continue
        prefix, suffix = _esc(t["prefix"]), _esc(t["suffix"])
        if t["pattern"]:
            g = group_name(t["name"])
            names.append(g)
            if prefix or suffix:
                if t["modifier"] in ("+", "*"):
                    mod = "?" if t["modifier"] == "*" else ""
                    route += (f"(?:{prefix}(?<{g}>(?:{t['pattern']})(?:{suffix}{prefix}(?:{t['pattern']}))*)"
                              f"{suffix}){mod}")
                else:
                    route += f"(?:{prefix}(?<{g}>{t['pattern']}){suffix}){t['modifier']}"
            elif t["modifier"] in ("+", "*"):
                route += f"(?<{g}>(?:{t['pattern']}){t['modifier']})"
            else:
                route += f"(?<{g}>{t['pattern']}){t['modifier']}"
        else:
            route += f"(?:{prefix}{suffix}){t['modifier']}"
    return route + "$", names


def source_fields(source: str) -> tuple[dict[str, Any], list[str]]:
    """`path:` when the source is literal segments and plain `/:name` params, else `regex:`."""
    tokens = parse_ptr(source)
    simple = True
    for i, t in enumerate(tokens):
        if isinstance(t, str):
            if not t.startswith("/") and i > 0 or re.search(r"[*:?#{}\s]", t):
                simple = False
            continue
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if (t["prefix"] != "/" or t["suffix"] or t["modifier"] or t["pattern"] != DEFAULT_PATTERN
                or t["name"].isdigit() or (nxt is not None and not (isinstance(nxt, str) and nxt.startswith("/")))):
            simple = False
    if simple and source.startswith("/"):
        path = "".join(t if isinstance(t, str) else "/:" + group_name(t["name"]) for t in tokens)
        names = [group_name(t["name"]) for t in tokens if not isinstance(t, str)]
        return {"path": path or "/"}, names
    # the request's path is percent-encoded: literal non-ASCII text is matched as its UTF-8 %XX, as a
    # `path:` literal is (docs/semantics.md §1.1)
    rx, names = ptr_regex([uri_text(t) if isinstance(t, str) else
                           {**t, "prefix": uri_text(t["prefix"]), "suffix": uri_text(t["suffix"])} for t in tokens])
    return {"regex": rx}, names


_DEST_PARAM = re.compile(r":([A-Za-z0-9_]+)(?:\((?:[^()\\]|\\.)*\))?[*+?]?")


def dest_template(dest: str, names: set[str]) -> tuple[str, set[str], list[str]]:
    """`:name` in a destination -> `{name}`; returns (template, names used, unknown refs)."""
    used: set[str] = set()
    unknown: list[str] = []
    scheme = re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", dest)
    head = scheme.group(0) if scheme else ""

    def sub(m: re.Match[str]) -> str:
        g = group_name(m.group(1))
        if g in names:
            used.add(g)
            return "{" + g + "}"
        if m.group(1).isdigit() and head and m.start() > 0:
            return m.group(0)  # a port
        unknown.append(m.group(0))
        return m.group(0)

    return head + _DEST_PARAM.sub(sub, dest[len(head):]), used, unknown


# ------------------------------------------------------------------ has / missing
def _cond_value(item: dict[str, Any], bind: set[str]) -> tuple[Any, str | None]:
    """The cfroutes condition for a `has` item, and a name it binds (or an error via ValueError)."""
    key = str(item.get("key", ""))
    value = item.get("value")
    if isinstance(value, dict):
        if set(value) == {"eq"} and isinstance(value["eq"], (str, int)):
            value = re.escape(str(value["eq"]))
        else:
            raise ValueError(f"has/missing value operators {sorted(value)} are not supported")
    if value is None:
        g = group_name(key) if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key) else None
        if g is not None and g in bind:
            return {"regex": f"^(?<{g}>.*)$"}, g
        return "*", None
    value = str(value)
    if re.fullmatch(r"[A-Za-z0-9 _.,;=/@%+~-]*", value.replace("\\.", ".")):
        return value.replace("\\.", "."), None
    return {"regex": f"^(?:{value})$"}, None


def _has(imp: Import, out: Out, fields: dict[str, Any], items: list[Any], bind: set[str],
         missing: bool) -> list[dict[str, Any]] | None:
    """Apply has/missing items to `fields`; returns alternative extra field sets (missing with a value)."""
    alternatives: list[dict[str, Any]] | None = None
    for item in items or []:
        if not isinstance(item, dict):
            raise ValueError(f"a has/missing item must be an object, got {item!r}")
        kind = item.get("type")
        key = str(item.get("key", ""))
        if kind == "host":
            if missing:
                raise ValueError("`missing` on the host cannot be expressed")
            host = str(item.get("value", "")).replace("\\.", ".")
            m = re.fullmatch(r"\(\?<([A-Za-z_]\w*)>\[\^\.\]\+\)\.(.+)", host)
            if m and re.fullmatch(r"[A-Za-z0-9.-]+", m.group(2)):
                fields["host"] = f":{m.group(1)}.{m.group(2)}"
            elif re.fullmatch(r"[A-Za-z0-9.-]+(:\d+)?", host):
                fields["host"] = host.lower()
            else:
                raise ValueError(f"host pattern {item.get('value')!r} cannot be expressed as a host pattern")
            continue
        section = {"header": "headers", "cookie": "cookies", "query": "query"}.get(str(kind))
        if section is None:
            raise ValueError(f"has/missing type {kind!r} is not supported")
        if kind == "header":
            key = key.lower()
            if key == "x-vercel-ip-country" and not missing:
                val = str(item.get("value", ""))
                codes = [c for c in re.split(r"\|", val.strip("()")) if re.fullmatch(r"[A-Za-z]{2}", c)]
                if codes and "|".join(codes) == val.strip("()"):
                    fields["country"] = [c.upper() for c in codes]
                    out.notes.append("x-vercel-ip-country -> country (cloudfront-viewer-country)")
                    continue
        if missing:
            if item.get("value") is None:
                fields.setdefault(section, {})[key] = None
                continue
            if alternatives is not None:
                raise ValueError("more than one `missing` item with a value cannot be expressed")
            v = item["value"]
            if isinstance(v, dict):
                if set(v) != {"eq"} or not isinstance(v["eq"], (str, int)):
                    raise ValueError(f"has/missing value operators {sorted(v)} are not supported")
                v = re.escape(str(v["eq"]))
            alternatives = [{section: {key: None}}, {section: {key: {"regex": f"^(?!(?:{v})$)"}}}]
            continue
        cond, _ = _cond_value(item, bind)
        fields.setdefault(section, {})[key] = cond
    return alternatives


# ------------------------------------------------------------------ rules
def _check(r: Any, target: str) -> None:
    """FieldError unless `r` is an object with a `source` string, a `target` (`destination` or
    `headers`) of the right type, and `has`/`missing` lists of well-formed items."""
    if not isinstance(r, dict):
        raise FieldError(f"a rule must be an object, not {kind(r)}")
    get_str(r, "source", required=True)
    if target == "destination":
        get_str(r, target, required=True)
    else:
        headers = r.get(target)
        if not isinstance(headers, list):
            raise FieldError(f"`{target}` must be a list, not {kind(headers)}")
        for item in headers:
            if not isinstance(item, dict):
                raise FieldError(f"each of `{target}` must be an object with `key` and `value`, not {kind(item)}")
            get_str(item, "key", required=True)
            get_str(item, "value", required=True)
    for section in ("has", "missing"):
        for item in get_list(r, section):
            if not isinstance(item, dict):
                raise FieldError(f"each of `{section}` must be an object, not {kind(item)}")
            get_str(item, "type", required=True)
            get_str(item, "key", required=item.get("type") != "host")
            value = item.get("value")
            if isinstance(value, dict):
                for op, x in value.items():
                    if not isinstance(x, (str, int, list)) or isinstance(x, bool):
                        raise FieldError(f"`{section}` value operator {shown(op)} has {kind(x)}")
            elif value is not None:
                get_str(item, "value")


def _rule(imp: Import, path: str, r: Any, *, redirect: bool) -> None:
    line = _line(r)
    out = Out(path, line, {}, source_text=_summary(r))
    imp.routes.append(out)
    if isinstance(r, dict):  # the source rule as written, for `--cases` (importers/vercel_cases.py)
        out.rule = {"kind": "redirect" if redirect else "rewrite", "rule": r}
    try:
        _check(r, "destination")
        status = get_int(r, "statusCode", 100, 599)
        permanent = get_bool(r, "permanent")
    except FieldError as e:
        imp.fail(out, str(e))
        return
    try:
        match, names = source_fields(r["source"])
    except PtrError as e:
        imp.fail(out, f"source {shown(r['source'])} is not a valid path-to-regexp pattern: {e}")
        return
    bindable = set(names)
    # `has` values with named groups and value-less keys bind names usable in the destination
    for item in (r.get("has") or []):
        if isinstance(item, dict):
            v = item.get("value")
            if isinstance(v, str):
                bindable.update(re.findall(r"\(\?<([A-Za-z_]\w*)>", v))
            elif v is None and isinstance(item.get("key"), str):
                bindable.add(group_name(item["key"]))
    dest, used, unknown = dest_template(r["destination"], bindable)
    for u in unknown:
        imp.warn(out, path, line, f"{u} in the destination is not bound by the source; kept as literal text")
    fields: dict[str, Any] = dict(match)
    try:
        alts = _has(imp, out, fields, r.get("has") or [], used, missing=False)
        alts2 = _has(imp, out, fields, r.get("missing") or [], used, missing=True)
    except ValueError as e:
        imp.fail(out, str(e))
        return
    alts = alts or alts2
    if redirect:
        if status is None:
            status = 308 if permanent is not False else 307
        fields["redirect"] = {"to": dest, "status": status}
    else:
        unused = [n for n in names if n not in used]
        if unused and not used and not is_url(dest):
            # routing-utils passes the parameters as query when the destination uses none of them
            sep = "&" if "?" in dest else "?"
            dest += sep + "&".join(f"{n.rstrip('_') if n.endswith('_') and n[:-1] in BUILTINS else n}={{{n}}}"
                                   for n in unused)
            out.notes.append("the source's parameters are passed as query parameters (Vercel does this when the "
                             "destination uses none of them)")
        if is_url(dest):
            fields.update(proxy_fields(dest))
            imp.warn(out, path, line, f"proxy to {split_url(dest)[1]}: carried as `origin: {{domain}}`; the "
                     "distribution's origin settings (protocol, timeouts, cache policy) apply")
        else:
            fields["rewrite"] = dest
            if imp.site is not None:  # Vercel checks the filesystem before rewrites: exactly that
                fields["file"] = "missing"
                out.notes.append(f"Vercel applies rewrites only where no file of {imp.site} exists (--site)")
            elif "regex" in match or any(":" in s for s in match.values() if isinstance(s, str)):
                imp.warn(out, path, line, "Vercel applies rewrites only when no file matches the path; here it "
                         "applies to every matching request, files included")
    if alts:
        imp.routes.remove(out)
        for i, extra in enumerate(alts):
            f2 = {k: (dict(v) if isinstance(v, dict) else v) for k, v in fields.items()}
            for sec, conds in extra.items():
                f2.setdefault(sec, {}).update(conds)
            o = Out(path, line, _ordered(f2), notes=out.notes if i == 0 else [],
                    source_text=out.source_text if i == 0 else "(continued: `missing` as two routes)",
                    rule=out.rule if i == 0 else None)
            imp.routes.append(o)
        return
    out.fields = _ordered(fields)


_ORDER = ("host", "path", "regex", "methods", "query", "headers", "cookies", "country",
          "redirect", "origin", "rewrite", "set_headers", "set")


def _ordered(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: fields[k] for k in sorted(fields, key=lambda k: _ORDER.index(k) if k in _ORDER else 99)}


def _header(imp: Import, path: str, h: Any) -> None:
    line = _line(h)
    out = Out(path, line, {}, source_text=_summary(h))
    imp.headers.append(out)
    if isinstance(h, dict):
        out.rule = {"kind": "header", "rule": h}
    try:
        _check(h, "headers")
    except FieldError as e:
        imp.fail(out, str(e))
        return
    try:
        match, names = source_fields(h["source"])
    except PtrError as e:
        imp.fail(out, f"source {shown(h['source'])} is not a valid path-to-regexp pattern: {e}")
        return
    fields: dict[str, Any] = dict(match)
    try:
        alts = _has(imp, out, fields, h.get("has") or [], set(), missing=False)
        alts = alts or _has(imp, out, fields, h.get("missing") or [], set(), missing=True)
    except ValueError as e:
        imp.fail(out, str(e))
        return
    if alts:
        imp.fail(out, "`missing` with a value on a header rule cannot be expressed")
        return
    sets: dict[str, str] = {}
    for item in h["headers"]:
        value, _, unknown = dest_template(item["value"], set(names))
        sets[item["key"].lower()] = value
    fields["set"] = sets
    out.fields = _ordered(fields)
