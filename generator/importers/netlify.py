"""Netlify: `_redirects`, `netlify.toml` (`[[redirects]]`, `[[headers]]`) and `_headers`.

Semantics carried (docs.netlify.com "Redirects and rewrites", "Redirect options"):
first match top to bottom, `_redirects` before netlify.toml; default status 301;
200 is a rewrite (a proxy when the target is a full URL); other 4xx/5xx serve the
target with that status; a splat `*` binds `:splat`, `:name` binds a segment; trailing
slashes are normalised (options.trailing_slash: ignore) and paths match case-blind
(options.case: insensitive); the request's query passes through unless the rule
matches query parameters, whose values then replace it (query: drop); `!`/force only
matters for shadowing, which a viewer-request function cannot see (every rule acts
as forced); `Country=` reads cloudfront-viewer-country; `Language=` is approximated
with an accept-language match; the nf_lang / nf_country cookies, when set, decide before the
header / GeoIP country (as on Netlify: one route per case); a bare-host URL source is the
path `/`; a forced `X X 200!` rule is evidence that file X exists (non-forced rules before it are
skipped for X: it moves in front of them when that is exact); `Role=` (JWT roles) cannot be carried.
"""
from __future__ import annotations

import os
import re
import sys
from typing import Any

from cfroutes.importers.common import (
    FieldError,
    Import,
    Out,
    error_page,
    escape_literal,
    get_bool,
    get_int,
    get_map,
    get_str,
    is_url,
    kind,
    parse_error,
    proxy_fields,
    read_text,
    shown,
    split_url,
    status_warning,
    upper_countries,
)
from cfroutes.importers.segments import path_source, template

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - 3.10
    import tomli as tomllib

REDIRECT = (301, 302, 303, 307, 308)
_STATUS = re.compile(r"^([0-9]{3})(!?)$")


def read(files: list[str], site: str | None = None) -> Import:
    imp = Import("netlify", files, options={"case": "insensitive"}, site=site)
    imp.notes += [
        "Netlify semantics: first match wins; 301 by default; paths match case-blind and with or without",
        "a trailing slash; the query passes through unless a rule matches query parameters.",
    ]
    imp.notes += ([
        "Netlify skips a non-forced rule when a file exists at the path: with --site, such a rule here",
        f"says `file: missing`, tested against the files of {imp.site} (`files:`).",
    ] if imp.site is not None else [
        "Netlify skips a non-forced rule when a file exists at the path; a viewer-request function cannot",
        "see the origin's files, so every rule here behaves as forced (`!`); import with --site DIR to",
        "carry it exactly.",
    ])
    # _redirects rules come before netlify.toml rules (Netlify's documented order)
    def order(p: str) -> int:
        base = os.path.basename(p)
        return 0 if base == "_redirects" else 2 if base.endswith(".toml") else 1
    for path in sorted(files, key=order):
        base = os.path.basename(path)
        text = read_text(path)
        if base.endswith(".toml"):
            _toml(imp, path, text)
        elif base == "_headers" or base.endswith(".headers"):
            _headers_file(imp, path, text)
        else:
            _redirects_file(imp, path, text)
    _files_shadow(imp)
    _files_unknown(imp)
    return imp


def _lines(text: str) -> list[str]:
    """The file's lines as an editor numbers them: split at LF only (CRLF's CR dropped), not at
    the other characters `str.splitlines` breaks on (VT, FF, FS, NEL, U+2028...)."""
    return [s.removesuffix("\r") for s in text.split("\n")]


# ------------------------------------------------------------------ _redirects
def _redirects_file(imp: Import, path: str, text: str) -> None:
    for n, raw in enumerate(_lines(text), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        tokens = line.split()
        # a trailing comment
        for i, t in enumerate(tokens):
            if t.startswith("#") and i > 0:
                tokens = tokens[:i]
                break
        imp.count(path, n)
        out = Out(path, n, {}, source_text=" ".join(tokens))
        rule = _parse_line(tokens)
        if isinstance(rule, str):
            imp.routes.append(out)
            imp.fail(out, rule)
            continue
        _translate(imp, out, rule)


def _parse_line(tokens: list[str]) -> dict[str, Any] | str:
    """{from, query, to, status, force, conditions} or an error message."""
    frm = tokens[0]
    i = 1
    query: dict[str, str] = {}
    while i < len(tokens) and not _is_target(tokens[i]) and "=" in tokens[i] and not _is_condition(tokens[i]):
        k, _, v = tokens[i].partition("=")
        query[k] = v
        i += 1
    to = None
    if i < len(tokens) and _is_target(tokens[i]):
        to = tokens[i]
        i += 1
    status, force = None, False
    if i < len(tokens) and _STATUS.match(tokens[i]):
        m = _STATUS.match(tokens[i])
        assert m is not None
        status, force = int(m.group(1)), bool(m.group(2))
        i += 1
    conditions: dict[str, list[str]] = {}
    while i < len(tokens):
        t = tokens[i]
        if not _is_condition(t):
            return f"unrecognised token {t!r} (expected FROM [k=v ...] TO [STATUS[!]] [Country=.. Language=.. Role=..])"
        k, _, v = t.partition("=")
        conditions[k.lower()] = [x for x in v.split(",") if x]
        i += 1
    if to is None and not (status == 200 and conditions):
        return "no destination"
    return {"from": frm, "query": query, "to": to, "status": status or 301, "force": force,
            "conditions": conditions, "headers": {}, "signed": None}


def _is_target(t: str) -> bool:
    return t.startswith("/") or is_url(t)


def _is_condition(t: str) -> bool:
    return bool(re.match(r"^(Country|Language|Role|Cookie|Signed)=", t, re.IGNORECASE))


# ------------------------------------------------------------------ netlify.toml
def _toml(imp: Import, path: str, text: str) -> None:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"at line (\d+), column (\d+)", str(e))
        line, col = (int(m.group(1)), int(m.group(2))) if m else (1, 1)
        msg = re.sub(r" \(at line .*", "", str(e))
        raise parse_error(path, line, col, f"invalid TOML: {msg}") from None
    except RecursionError:
        raise parse_error(path, 1, 1, "invalid TOML: nested too deeply") from None
    except ValueError as e:  # an integer of more than 4300 digits
        m = re.search(r"[0-9_]{4000,}", text)
        pos = m.start() if m else 0
        raise parse_error(path, text.count("\n", 0, pos) + 1, pos - text.rfind("\n", 0, pos),
                          f"invalid TOML: {str(e).split(':')[0]}") from None
    lines = _lines(text)
    redirect_lines = _table_lines(lines, "redirects", "from")
    header_lines = _table_lines(lines, "headers", "for")
    for name, at in (("redirects", redirect_lines), ("headers", header_lines)):
        if not isinstance(data.get(name, []), list):
            raise parse_error(path, at[0] if at else 1, 1, f"`{name}` must be an array of tables ([[{name}]]), "
                              f"not {kind(data[name])}")
    for k, r in enumerate(data.get("redirects", [])):
        line = redirect_lines[k] if k < len(redirect_lines) else 1
        imp.count(path, line)
        out = Out(path, line, {}, source_text=_toml_summary(r))
        try:
            rule = _toml_rule(r)
        except FieldError as e:
            imp.routes.append(out)
            imp.fail(out, f"[[redirects]]: {e}")
            continue
        if rule["to"] is None and not (rule["status"] == 200 and rule["conditions"]):
            imp.routes.append(out)
            imp.fail(out, "no destination (`to`)")
            continue
        _translate(imp, out, rule)
    for k, h in enumerate(data.get("headers", [])):
        line = header_lines[k] if k < len(header_lines) else 1
        imp.count(path, line)
        try:
            if not isinstance(h, dict):
                raise FieldError(f"an entry must be a table, not {kind(h)}")
            frm = get_str(h, "for", required=True)
            assert frm is not None
            values = {k2: " ".join(v.split()) for k2, v in get_map(h, "values").items()}
        except FieldError as e:
            out = Out(path, line, {}, source_text="[[headers]]")
            imp.headers.append(out)
            imp.fail(out, f"[[headers]]: {e}")
            continue
        _header_rule(imp, path, line, frm, values, f"for = {shown(frm)}")


def _toml_rule(r: Any) -> dict[str, Any]:
    """A [[redirects]] table as the rule `_translate` reads (FieldError on a wrong type)."""
    if not isinstance(r, dict):
        raise FieldError(f"an entry must be a table, not {kind(r)}")
    conditions: dict[str, list[str]] = {}
    for k, v in get_map(r, "conditions", values=(str, list)).items():
        items = v if isinstance(v, list) else [v]
        if not all(isinstance(x, str) for x in items):
            raise FieldError(f"`conditions.{k}` must be a string or a list of strings")
        conditions[k.lower()] = items
    signed = r.get("signed")
    if signed is not None and not isinstance(signed, str):
        raise FieldError(f"`signed` must be a string (the name of an environment variable), not {kind(signed)}")
    return {
        "from": get_str(r, "from", required=True), "to": get_str(r, "to"),
        "status": get_int(r, "status", 100, 599) or 301,
        "force": bool(get_bool(r, "force")), "query": get_map(r, "query"), "conditions": conditions,
        "headers": get_map(r, "headers"), "signed": signed,
    }


def _table_lines(lines: list[str], name: str, first_key: str) -> list[int]:
    """Line numbers of each `[[name]]` table (or of each `first_key =` in an inline array)."""
    tables = [i + 1 for i, s in enumerate(lines) if re.match(rf"^\s*\[\[\s*{name}\s*\]\]", s)]
    if tables:
        return tables
    return [i + 1 for i, s in enumerate(lines) if re.search(rf"(^|[{{,\s]){first_key}\s*=", s)]


def _toml_summary(r: Any) -> str:
    if not isinstance(r, dict):
        return "[[redirects]]"
    parts = [f"{k} = {shown(v)}" for k, v in r.items() if k in ("from", "to", "status", "force")]
    return "[[redirects]] " + ", ".join(parts)


# ------------------------------------------------------------------ the translation
def _translate(imp: Import, out: Out, rule: dict[str, Any]) -> None:
    """One Netlify rule -> one route (or several, when a condition is an any-of list)."""
    file, line = out.file, out.line
    out.rule = rule
    frm: str = rule["from"]
    fields: dict[str, Any] = {}
    host = None
    if is_url(frm):
        _, host, rest = split_url(frm)
        frm = rest or "/"  # Netlify reads the URL's path: a bare host is `/` (every path is `https://host/*`)
        fields["host"] = host.lower()
    src = path_source(frm, trailing_optional=True)
    if src is None:
        imp.routes.append(out)
        imp.fail(out, f"source {rule['from']!r} is not a path or URL")
        return
    fields.update(src.fields)
    names = set(src.names)
    # query conditions: `id=:id` binds (when the destination uses it), `id=value` compares
    query_fields: dict[str, Any] = {}
    query_names: dict[str, str] = {}
    for k, v in rule["query"].items():
        if re.fullmatch(r":[A-Za-z_][A-Za-z0-9_]*", v):
            query_names[k] = v[1:]
            names.add(v[1:])
        query_fields[k] = "*" if v == "" or k in query_names else v
    status: int = rule["status"]
    conds: dict[str, list[str]] = rule["conditions"]
    to = rule["to"]
    if to is None:  # `/admin/* 200! Role=admin`: serve the path itself when the condition holds
        to = frm.replace("*", ":splat") if "*" in frm else frm
    target, unknown = template(to, names, src.splat_ref)
    for u in unknown:
        imp.warn(out, file, line, f"{u} in the destination is not bound by the source; kept as literal text")
    for k, name in query_names.items():
        if "{" + name + "}" in target:
            query_fields[k] = {"regex": f"^(?<{name}>.*)$"}
    if query_fields:
        fields["query"] = query_fields
    if not rule["force"] and status >= 400 and fields == {"path": "/*"} and not conds and not rule.get("signed") \
            and error_page(imp, out, status, target, status):
        return  # `/* /404.html 404`: Netlify's "no file here" page is CloudFront's custom error response
    # conditions
    # alternatives: each condition that Netlify reads from two places (a cookie, else the header or
    # the GeoIP country) or from any of several cookies becomes a list of field sets, one route each
    alternatives: list[list[dict[str, Any]]] = []
    for key, values in conds.items():
        if key == "country":
            codes = upper_countries(values)
            alternatives.append([
                {"cookies": {"nf_country": {"regex": "^(?:" + "|".join(_either_case(c) for c in codes) + ")$"}}},
                {"cookies": {"nf_country": None}, "country": codes},
            ])
        elif key == "language":
            langs = [escape_literal(x.lower()) for x in values]
            rx = "(^|,)\\s*(" + "|".join(langs) + ")(-[A-Za-z0-9]+)?\\s*(;|,|$)"
            alternatives.append([
                {"cookies": {"nf_lang": {"regex": "^(?:" + "|".join(_either_case(x) for x in langs)
                                         + ")(?:-[A-Za-z0-9]+)?$"}}},
                {"cookies": {"nf_lang": None}, "headers": {"accept-language": {"regex": rx}}},
            ])
            imp.warn(out, file, line, "Language= is approximated by matching the accept-language header "
                     "(forward it in the cache or origin request policy); Netlify's language negotiation "
                     "(quality values, the browser's preference order) is not reproduced; the nf_lang cookie "
                     "is honoured first, as on Netlify")
        elif key == "role":
            reason = ("Role= needs Netlify Identity's verified JWT roles; a viewer-request function cannot "
                      "verify them (use a signed-cookie or Lambda@Edge check)")
            imp.routes.append(out)
            imp.fail(out, reason)
            return
        elif key == "cookie":
            if len(values) == 1:
                fields.setdefault("cookies", {})[values[0]] = "*"
            else:
                imp.warn(out, file, line, "Cookie= with several names matches any of them: written as one route "
                         "per name")
                alternatives.append([{"cookies": {v: "*"}} for v in values])
        elif key == "signed":
            imp.warn(out, file, line, "Signed= (a JWS signature for the proxied origin) is not carried")
    if rule.get("signed"):
        imp.warn(out, file, line, "signed (a JWS signature for the proxied origin) is not carried")
    # the action
    proxy = is_url(target) and status == 200
    if status in REDIRECT:
        if status == 301 and not query_fields:
            fields["redirect"] = target
        else:
            fields["redirect"] = {"to": target} | ({"status": status} if status != 301 else {}) | (
                {"query": "drop"} if query_fields else {})
    elif proxy:
        fields.update(proxy_fields(target))
        if query_fields:
            fields["rewrite"] = {"to": fields["rewrite"], "query": "drop"}
        extra = rule.get("headers") or {}
        if extra:
            fields["set_headers"] = {k.lower(): v for k, v in extra.items()}
        imp.warn(out, file, line, f"proxy to {split_url(target)[1]}: carried as `origin: {{domain}}`; "
                 "the distribution's origin settings (protocol, timeouts, cache policy) apply", comment=True)
    elif status == 200 or 400 <= status <= 599:
        if is_url(target):
            reason = f"status {status} with a full URL target is neither a redirect nor a same-site rewrite"
            imp.routes.append(out)
            imp.fail(out, reason)
            return
        fields["rewrite"] = target if not query_fields else {"to": target, "query": "drop"}
        if status != 200:
            imp.warn(out, file, line, status_warning(status, target))
    else:
        reason = f"status {status} is not a redirect (301/302/303/307/308), rewrite (200) or error (4xx/5xx)"
        imp.routes.append(out)
        imp.fail(out, reason)
        return
    if not rule["force"] and imp.site is not None:
        fields["file"] = "missing"  # exactly Netlify's shadowing: the rule applies where no file exists
        out.notes.append(f"not forced: applies only where no file of {imp.site} exists (--site)")
    elif not rule["force"] and src.has_pattern and status >= 400 and not proxy:
        reason = (f"not forced: Netlify serves {target} with {status} only where no file exists; without "
                  "--site the import cannot tell which paths are files, and the rewrite would replace every "
                  "existing page it matches (import with --site PUBLISH_DIR; a CloudFront custom error response "
                  "serves one page per status for the whole distribution, so only a catch-all `/* PAGE "
                  f"{status}` becomes one)")
        imp.routes.append(out)
        imp.fail(out, reason)
        return
    elif not rule["force"] and src.has_pattern and (status == 200 or status >= 400) and not proxy \
            and "country" not in conds and "language" not in conds:
        imp.warn(out, file, line, "not forced: Netlify applies this rule only when no file exists at the path; "
                 "here it applies to every matching request, files included (for an SPA fallback prefer a "
                 "CloudFront custom error response, `error_pages: {404: {page: /index.html, status: 200}}`)")
    if host is not None and is_url(rule["from"]) and rule["from"].lower().startswith("http://"):
        out.notes.append("the source's scheme (http://) cannot be matched by a CloudFront Function; both schemes match")
    variants = [fields]
    for alts in alternatives:
        variants = [_merge(v, extra) for v in variants for extra in alts]
    if len(variants) > 1:
        if "country" in conds or "language" in conds:
            out.notes.append("Netlify reads the nf_country / nf_lang cookie first, the GeoIP country / "
                             "accept-language only without it: one route per case")
        for i, f2 in enumerate(variants):
            o = Out(file, line, f2, notes=list(out.notes) if i == 0 else [],
                    source_text=out.source_text if i == 0 else "")
            imp.routes.append(o)
        return
    out.fields = fields
    imp.routes.append(out)


# ------------------------------------------------------------------ shadowing by files (non-forced rules)
def _matcher(frm: str) -> re.Pattern[str] | None:
    """A Python regex for a path-only source as Netlify matches it (case-blind, trailing slash optional).

    Only for sources whose placeholders are whole segments and that have at most one `*`, so the
    regex cannot backtrack more than linearly per `*` (the others are left out of the analysis)."""
    if not frm.startswith("/") or frm.count("*") > 1 or len(frm) > _PATH_MAX:
        return None
    if any(":" in seg and not re.fullmatch(r":[A-Za-z_][A-Za-z0-9_]*", seg) for seg in frm.split("/")):
        return None
    out, pos, splat = "^", 0, False
    for m in re.finditer(r":([A-Za-z_][A-Za-z0-9_]*)|/\*$|\*", frm):
        out += re.escape(frm[pos:m.start()])
        if m.group(0) == "/*":  # `/a/*` matches `/a` too: Netlify compares paths with the trailing slash
            out += "(?:/(?P<splat>.*))?"  # normalized away, so `/a` is `/a/`, whose splat is empty
            splat = True
        elif m.group(0) == "*":
            out += "(?P<splat>.*)" if not splat else ".*"
            splat = True
        else:
            out += f"(?P<{m.group(1)}>[^/]+)" if f"(?P<{m.group(1)}>" not in out else "[^/]+"
        pos = m.end()
    out += re.escape(frm[pos:].rstrip("/")) + "/?$"
    try:
        return re.compile(out, re.IGNORECASE)
    except re.error:
        return None


_PATH_MAX = 2048  # sources and paths longer than this are left out of the analysis
_BUDGET = 2_000_000  # rule visits the whole-file analysis may make (about a second)


class _OverBudget(Exception):
    pass


class _Rules:
    """The file's rules as the imported routes apply them (first match, every rule forced), for the
    unconditional path-only ones: enough to follow a redirect from one path to the next."""

    def __init__(self, outs: list[Out]) -> None:
        self.budget = _BUDGET
        self.items: list[tuple[int, Out, dict[str, Any], re.Pattern[str]]] = []
        kept = [(i, o, o.rule) for i, o in enumerate(outs) if o.rule is not None and o.carried
                and not o.rule["conditions"] and not o.rule["query"] and not is_url(o.rule["from"])]
        self.spend(100 * len(kept))  # compiling a regex costs about a hundred visits
        for i, o, r in kept:
            rx = _matcher(r["from"])
            if rx is not None:
                self.items.append((i, o, r, rx))

    def spend(self, visits: int) -> None:
        """Count `visits` rules against the budget (_OverBudget when it is spent)."""
        self.budget -= visits
        if self.budget < 0:
            raise _OverBudget

    @staticmethod
    def match(rx: re.Pattern[str], path: str) -> re.Match[str] | None:
        return rx.match(path) if len(path) <= _PATH_MAX else None

    def first(self, path: str) -> tuple[int, Out, dict[str, Any], re.Match[str]] | None:
        for i, o, r, rx in self.items:
            self.spend(1)
            m = self.match(rx, path)
            if m:
                return i, o, r, m
        return None

    @staticmethod
    def target(r: dict[str, Any], m: re.Match[str]) -> str | None:
        to = r["to"]
        if not isinstance(to, str) or is_url(to) or r["status"] not in REDIRECT:
            return None
        groups = {k: v for k, v in m.groupdict().items() if v is not None}
        return re.sub(r":([A-Za-z_][A-Za-z0-9_]*)", lambda g: groups.get(g.group(1), g.group(0)), to).split("?")[0]

    def follow(self, path: str) -> tuple[list[str], bool]:
        """The paths a browser visits from `path` (at most 10 redirects) and whether they loop."""
        seen = [path]
        for _ in range(10):
            hit = self.first(seen[-1])
            nxt = self.target(hit[2], hit[3]) if hit else None
            if nxt is None:
                return seen, False
            looped = any(nxt.rstrip("/").lower() == s.rstrip("/").lower() for s in seen)
            seen.append(nxt)
            if looped:
                return seen, True
        return seen, False


def _files_unknown(imp: Import) -> None:
    """Without --site, one warning for the non-forced rules no other warning names: Netlify applies
    each only where no file exists at the request path (so `/about /about-us 301` does nothing while
    `about.html` is published); here each applies to every request it matches. Each such route gets
    a comment; one warning names them all (most real `_redirects` are such rules)."""
    if imp.site is not None:
        return
    outs = [o for o in imp.routes if o.carried and o.rule is not None and not o.rule["force"]
            and not is_url(o.rule["to"]) and not any(n.startswith("warning: not forced") for n in o.notes)]
    if not outs:
        return
    for o in outs:
        o.notes.append("not forced: on Netlify this applies only where no file exists at the path (--site DIR "
                       "carries that)")
    refs = ", ".join(o.short_ref for o in outs[:5]) + (f" and {len(outs) - 5:,} more" if len(outs) > 5 else "")
    imp.warn(None, outs[0].file, outs[0].line, f"{len(outs):,} non-forced rule{'s' if len(outs) > 1 else ''} "
             f"({refs}): Netlify applies {'each' if len(outs) > 1 else 'it'} only where no file exists at the "
             "request path; without --site the import cannot see the files, so here every one applies, also "
             "where a file exists (import with --site PUBLISH_DIR to carry them exactly, or add `!` where the "
             "rule must win)")


def _files_shadow(imp: Import) -> None:
    """Non-forced redirects are skipped on Netlify where a file exists; here they always apply.

    A forced `X X 200!` rule is evidence that the file X exists. When a non-forced redirect that
    comes before it matches X, Netlify serves the file and the import would redirect it: the
    `X X 200!` route moves up in front of that redirect (exact, unless a forced rule in between
    also matches X: then a warning). A non-forced redirect whose sample request loops through
    the imported redirects gets a warning (Netlify breaks such a loop where a file exists)."""
    outs = [o for o in imp.routes if o.rule is not None]
    if not outs or imp.site is not None:  # with --site every non-forced rule says `file: missing`
        return
    try:
        _shadow_checks(imp, outs, _Rules(outs))
    except _OverBudget:
        imp.warn(None, outs[0].file, 1, f"{len(outs):,} rules: too many to check which non-forced redirects "
                 "files shadow or loop (Netlify skips a non-forced rule where a file exists; here every rule "
                 "applies)")


def _shadow_checks(imp: Import, outs: list[Out], rules: _Rules) -> None:
    evidence = [(j, o, o.rule["from"]) for j, o in enumerate(outs) if o.rule is not None and o.carried
                and o.rule["status"] == 200 and o.rule["force"] and o.rule["to"] == o.rule["from"]
                and not re.search(r"[*:]", o.rule["from"]) and not o.rule["conditions"] and not o.rule["query"]
                and o.rule["from"].startswith("/") and not o.last]
    skipped_by_file = [(i, o, r, rx) for i, o, r, rx in rules.items
                       if not r["force"] and r["status"] in REDIRECT and re.search(r"[*:]", r["from"])]
    move_before: dict[int, list[Out]] = {}  # id(route) -> evidence routes that go in front of it
    for j, ev, x in evidence:
        rules.spend(len(skipped_by_file))
        shadowed = [(i, o) for i, o, r, rx in skipped_by_file if i < j and rules.match(rx, x)]
        if not shadowed:
            continue
        rules.spend(len(rules.items))
        forced = [i2 for i2, o2, r2, rx2 in rules.items
                  if shadowed[0][0] < i2 < j and r2["force"] and rules.match(rx2, x)]
        if not forced:  # nothing between answers x on Netlify: the file's route first is exact
            move_before.setdefault(id(shadowed[0][1]), []).append(ev)
            ev.notes.append(f"moved before {shadowed[0][1].short_ref}: {x} is a file on Netlify (this rule says "
                            f"so), so Netlify skips the non-forced rule{'s' if len(shadowed) > 1 else ''} before "
                            "it for this path")
            continue
        for i, o in shadowed:
            if i > forced[0]:
                break
            hit = rules.first(x)
            loc = rules.target(o.rule, hit[3]) if hit and hit[1] is o and o.rule is not None else None
            imp.warn(o, o.file, o.line, f"not forced: {x} is a file on Netlify ({ev.short_ref} serves it), so "
                     f"Netlify skips this redirect for it; imported, it redirects {x}" + (f" to {loc}" if loc else ""))
    if move_before:
        moved = {id(ev) for evs in move_before.values() for ev in evs}
        order: list[Out] = []
        for o in imp.routes:
            order.extend(move_before.get(id(o), []))
            if id(o) not in moved:
                order.append(o)
        imp.routes = order
    for _, o, r, _ in skipped_by_file:  # loops among the redirects once every rule applies
        sample = re.sub(r":[A-Za-z_][A-Za-z0-9_]*", "x", r["from"]).replace("*", "x")
        hit = rules.first(sample)
        if hit is None or hit[1] is not o:
            continue
        seen, looped = rules.follow(sample)
        if looped:
            imp.warn(o, o.file, o.line, "not forced: Netlify applies this redirect only where no file exists, which "
                     "ends a loop at the file; imported, it always applies and the redirects loop: "
                     + " -> ".join(seen))


def _either_case(text: str) -> str:
    """A regex matching `text` in any letter case (`us` -> `[uU][sS]`); cookie values are compared as written."""
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in text)


def _merge(fields: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """`fields` with the conditions of `extra` added (sections such as `cookies` merged, not replaced)."""
    out = {k: (dict(v) if isinstance(v, dict) else v) for k, v in fields.items()}
    for k, v in extra.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k].update(v)
        else:
            out[k] = v
    return out


# ------------------------------------------------------------------ _headers
def _headers_file(imp: Import, path: str, text: str) -> None:
    current: tuple[int, str] | None = None
    values: dict[str, str] = {}

    def flush() -> None:
        if current is not None:
            imp.count(path, current[0])
            _header_rule(imp, path, current[0], current[1], values, current[1])

    for n, raw in enumerate(_lines(text), 1):
        if not raw.strip() or raw.strip().startswith("#"):
            continue
        if not raw[0].isspace():
            flush()
            current, values = (n, raw.strip()), {}
            continue
        if current is None:
            raise parse_error(path, n, 1, "a header line before any path line",
                              hint="start a block with a path such as /* on its own line")
        name, sep, value = raw.strip().partition(":")
        if not sep or not name.strip():
            raise parse_error(path, n, len(raw) - len(raw.lstrip()) + 1, f"expected 'Name: value', got {raw.strip()!r}")
        name = name.strip()
        prev = next((k for k in values if k.lower() == name.lower()), None)
        if prev is not None:
            values[prev] += ", " + value.strip()
        else:
            values[name] = value.strip()
    flush()


def _header_rule(imp: Import, file: str, line: int, pattern: str, values: dict[str, str], text: str) -> None:
    out = Out(file, line, {}, source_text=text)
    fields: dict[str, Any] = {}
    frm = pattern
    if is_url(frm):
        _, host, rest = split_url(frm)
        fields["host"] = host.lower()
        frm = rest or "/*"
    src = path_source(frm, trailing_optional=True)
    if src is None:
        imp.headers.append(out)
        imp.fail(out, f"path {pattern!r} is not a path or URL")
        return
    fields.update(src.fields)
    if not values:
        imp.headers.append(out)
        imp.fail(out, "no headers under this path")
        return
    fields["set"] = {k.lower(): v for k, v in values.items()}
    out.fields = fields
    imp.headers.append(out)


#: pages x non-forced rules compared at most by `pretty_url_shadows` (a larger site gets no such warning)
_PRETTY_BUDGET = 2_000_000


def pretty_url_shadows(imp: Import, site_dir: str) -> None:
    """With --site: Netlify serves `/ko/faq` from `ko/faq.html` (its pretty-URL resolution; Netlify
    answers `/file` from `file.html` with Pretty URLs on or off), so that path is a file on Netlify and
    a non-forced rule matching it is skipped there. `files:` counts a folder's `index.html` for the
    folder, not `X.html` for `/X`, so imported, the rule's `file: missing` holds for `/ko/faq` and the
    rule applies. One warning per such rule, naming up to three of the paths."""
    from cfroutes.config.files import _walk as site_files  # the one walk of a publish folder

    found, _ = site_files(site_dir)
    pages = [p[:-5] for p in found if p.endswith(".html") and not p.endswith("/index.html") and len(p) > 6]
    outs = [o for o in imp.routes if o.carried and o.rule is not None and not o.rule["force"]
            and o.fields.get("file") == "missing" and not is_url(o.rule["from"])]
    if not pages or not outs or len(pages) * len(outs) > _PRETTY_BUDGET:
        return
    try:
        _pretty_warnings(imp, outs, pages, _Rules(imp.routes))
    except _OverBudget:
        return


def _pretty_warnings(imp: Import, outs: list[Out], pages: list[str], rules: _Rules) -> None:
    for o in outs:
        assert o.rule is not None
        rx = _matcher(o.rule["from"])
        if rx is None:
            continue
        hits = []
        for p in pages:
            m = rx.match(p)
            if m is None:
                continue
            first = rules.first(p)
            if first is not None and first[1] is not o:  # an earlier rule answers it (`/ko/faq /ko/faq.html 200!`)
                continue
            groups = {k: v for k, v in m.groupdict().items() if v is not None}
            to = re.sub(r":([A-Za-z_][A-Za-z0-9_]*)", lambda g, b=groups: b.get(g.group(1), g.group(0)),  # type: ignore[misc]
                        str(o.rule["to"]))
            if to.split("?")[0].lower() != (p + ".html").lower():  # a rule serving the page itself: same answer
                hits.append(p)
                if len(hits) == 3:
                    break
        if hits:
            imp.warn(o, o.file, o.line, f"Netlify serves {hits[0]} from {hits[0][1:]}.html (its pretty URLs), so "
                     "this non-forced rule does not apply there; `files:` counts a folder's index.html but not "
                     f"X.html for /X, so imported it applies to {', '.join(hits)} (a forced `{hits[0]} {hits[0]}.html 200!` "
                     "before it serves such a page as Netlify does)")
