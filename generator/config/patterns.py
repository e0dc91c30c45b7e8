"""Parse path/host patterns, regexes and templates into model objects.

Each parser returns `(value, errors)` where errors are plain strings; the
validator attaches positions.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from cfroutes.config.model import (
    TENANT_REF,
    HostPattern,
    Param,
    Part,
    PathPattern,
    Ref,
    RegexPattern,
    Segment,
    Template,
)
from cfroutes.errors import Span
from cfroutes.platform import regex
from cfroutes.platform.limits import CONTROL, CONTROL_RE, LOCATION_BAD, QUERY_BAD

NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\Z")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def parse_path(src: str) -> tuple[PathPattern | None, list[str]]:
    errs: list[str] = []
    if not src.startswith("/"):
        return None, [f"path pattern must start with '/': {src!r}"]
    if "?" in src or "#" in src:
        return None, ["path pattern must not contain '?' or '#' (use `query:` for query conditions)"]
    if CONTROL_RE.search(src) or " " in src:
        return None, ["path pattern must not contain spaces or control characters"]
    body = src[1:]
    trailing = False
    if body.endswith("/") and body != "":
        trailing = True
        body = body[:-1]
    raw_segs = body.split("/") if body else []
    if "*" not in body and ":" not in body:  # literal segments only (most routes): as the loop below finds
        return PathPattern(src, tuple(raw_segs), False, trailing), []
    segs: list[Segment] = []
    splat = False
    for i, s in enumerate(raw_segs):
        last = i == len(raw_segs) - 1
        if s == "*":
            if not last or trailing:
                errs.append("'*' is only allowed as the last segment")
            splat = True
            continue
        if "*" in s:
            errs.append(f"'*' must be a whole segment: {s!r}")
            continue
        if s.startswith(":"):
            name = s[1:]
            if not NAME_RE.match(name):
                errs.append(
                    f"bad parameter {s!r}: a parameter is ':' and a name of letters, digits and '_' "
                    "taking the whole segment (partial segments such as '/:slug.html' are not supported)"
                )
                continue
            segs.append(Param(name))
            continue
        if ":" in s and re.search(r":[A-Za-z_]", s):
            errs.append(f"partial-segment parameters are not supported: {s!r} (a parameter takes the whole segment)")
            continue
        segs.append(s)
    names = [s.name for s in segs if isinstance(s, Param)]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        errs.append(f"parameter bound twice: {sorted(dup)[0]!r}")
    if "splat" in names:
        errs.append("':splat' is reserved for '*'")
    if errs:
        return None, errs
    return PathPattern(src, tuple(segs), splat=splat, trailing_slash=trailing), []


_LABEL_RE = re.compile(r"^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?\Z")


def parse_host(src: str) -> tuple[HostPattern | None, list[str]]:
    if CONTROL_RE.search(src) or " " in src or "/" in src:
        return None, ["host pattern must be a host name without scheme, path, spaces or control characters"]
    s = re.sub(r":\d+\Z", "", src)  # a port in the pattern is ignored, as in requests
    wildcard = False
    if s.startswith("*."):
        wildcard = True
        s = s[2:]
    labels: list[Segment] = []
    errs: list[str] = []
    for lab in s.split(".") if s else []:
        if lab.startswith(":"):
            if not NAME_RE.match(lab[1:]):
                errs.append(f"bad host parameter {lab!r}")
            else:
                labels.append(Param(lab[1:]))
        elif lab == "*":
            errs.append("'*' is only allowed as a leading '*.' in a host pattern")
        elif not _LABEL_RE.match(lab.lower()):
            errs.append(f"bad host label {lab!r}")
        else:
            labels.append(lab.lower())  # hosts compare case-blind; parameter names keep their case
    if not labels:
        errs.append(f"empty host pattern {src!r}")
    if errs:
        return None, errs
    return HostPattern(src, tuple(labels), wildcard=wildcard), []


def parse_template(src: str, span: Span) -> tuple[Template | None, list[str]]:
    if "{" not in src and "}" not in src:  # literal text (most targets): as the loop below finds
        return Template(src, (src,) if src else (), span), []
    parts: list[Part] = []
    errs: list[str] = []
    pos = 0
    for m in _PLACEHOLDER.finditer(src):
        lit = src[pos : m.start()]
        if "{" in lit or "}" in lit:
            errs.append("unbalanced '{' or '}' in template")
        if lit:
            parts.append(lit)
        inner = m.group(1)
        bits = inner.split(".")
        if not all(NAME_RE.match(b) for b in bits):
            errs.append(f"bad placeholder {{{inner}}}: expected {{name}} or {{name.field}}")
        else:
            parts.append(tenant_ref(bits) or Ref(bits[0], tuple(bits[1:])))
        pos = m.end()
    tail = src[pos:]
    if "{" in tail or "}" in tail:
        errs.append("unbalanced '{' or '}' in template")
    if tail:
        parts.append(tail)
    if errs:
        return None, errs
    return Template(src, tuple(parts), span), []


def tenant_ref(bits: list[str]) -> Ref | None:
    """`{tenant.id}` or `{tenant.params.NAME}`: a ref to the distribution tenant (TENANT_REF)."""
    if bits[0] == "tenant" and (bits[1:] == ["id"] or (len(bits) == 3 and bits[1] == "params")):
        return Ref(TENANT_REF, tuple(bits[1:]))
    return None


# ---------------------------------------------------------------- data values (semantics §4.1)
# Where a template is rendered decides which characters a data value (a lookup value, a JSON
# field, a condition's named group) may carry: a value with one of them never binds.
SITE_HEADER, SITE_LOCATION, SITE_URI = 0, 1, 2
#: regex character-class bodies by site, valid both in Python `re` and JavaScript
DATA_BAD = (CONTROL, LOCATION_BAD, QUERY_BAD)
#: a `:name` host label binds only a label of these characters (after lower-casing)
HOST_LABEL_RE = r"^[a-z0-9_-]+$"
#: characters of a value rendered into the host of an absolute redirect target that are
#: percent-encoded (upper-case hex, as encodeURIComponent writes them)
HOST_ESCAPE = "/?#\\@%"
_SEED_BAD = re.compile("[" + DATA_BAD[0] + "]")

if TYPE_CHECKING:
    from cfroutes.config.model import Route


def rendered_templates(route: Route) -> list[tuple[int, Template]]:
    """Every template a route renders, with the site (SITE_*) it is rendered into."""
    site = {"location": SITE_LOCATION, "uri": SITE_URI, "header": SITE_HEADER}
    return [(site[where], t) for where, t in route.templates()]


def name_site(templates: list[tuple[int, Template]], name: str) -> int:
    """The strictest site a binding `name` is rendered into (SITE_HEADER when unused)."""
    return max((site for site, t in templates for r in t.refs if r.name == name), default=SITE_HEADER)


def host_parts(t: Template) -> int:
    """How many leading parts of an absolute target's template lie in its host (0: no placeholder there)."""
    if not t.source.startswith(("http://", "https://")):
        return 0
    seen = ""
    for i, p in enumerate(t.parts):
        if isinstance(p, str):
            seen += p
            rest = seen.split("://", 1)[1] if "://" in seen else ""
            if "://" in seen and any(c in rest for c in "/?#"):
                return i if any(isinstance(q, Ref) for q in t.parts[:i]) else 0
    return len(t.parts) if t.refs else 0


def seed_control(value: str) -> str | None:
    """A C0 control or DEL in a seed value, or in a string inside it when it is JSON; else None."""
    import json

    m = _SEED_BAD.search(value)
    if m:
        return m.group()
    try:
        stack = [json.loads(value)]
    except (ValueError, RecursionError):
        return None
    while stack:
        x = stack.pop()
        if isinstance(x, str):
            m = _SEED_BAD.search(x)
            if m:
                return m.group()
        elif isinstance(x, dict):
            stack.extend(x.values())
        elif isinstance(x, list):
            stack.extend(x)
    return None


def convert_regex(src: str) -> tuple[RegexPattern | None, list[str]]:
    """Turn named groups into numbered ones; reject syntax CloudFront lacks.

    Returns the ES5 source and (name, number) pairs: a walk over the one regex parser's tree
    (`platform.regex`) that rewrites `(?<name>` to `(` and `\\k<name>` to `(?:\\N)` and copies
    every other character. Final syntax validation is done by compiling in QuickJS (see
    platform/regexcheck.regex_error).
    """
    errs: list[str] = []
    if src.startswith("/") and re.match(r"^/.*/[a-z]*\Z", src) and len(src) > 2 and not src.endswith("/"):
        errs.append("write the regex source without /.../flags delimiters")
    try:
        rx = regex.parse(src)
    except regex.TooDeep as e:
        return None, [*errs, str(e)]
    nodes = list(regex.walk(rx.tree))
    if any(isinstance(n, regex.Assert) and n.kind in ("(?<=", "(?<!") for n in nodes):
        errs.append("lookbehind is not supported by the CloudFront runtime")
    if any(c in "pP" and src.startswith("{", at + 2) for at, c, _ in rx.escapes):
        errs.append("Unicode property escapes (\\p{...}) are not supported by the CloudFront runtime")
    if not rx.names:  # \\k<name> without named groups: JavaScript's letter k, a name to the author
        for at, c, in_class in rx.escapes:
            if c == "k" and not in_class and src.startswith("<", at + 2):
                end = src.find(">", at)
                errs.append(f"backreference to unknown group {src[at + 3:end] if end > 0 else ''!r}")
                return None, errs
    groups: list[tuple[str, int]] = []
    numbers: dict[str, int] = {}
    edits: list[tuple[int, int, str]] = []
    for g in rx.groups:
        if g.name is None:
            continue
        if not NAME_RE.match(g.name):
            errs.append(f"bad group name {g.name!r}")
            return None, errs
        if g.name in numbers:
            errs.append(f"group name {g.name!r} used twice")
        groups.append((g.name, g.number))
        numbers[g.name] = g.number
        edits.append((g.start, g.head, "("))
    for n in nodes:
        if isinstance(n, regex.Backref) and n.name is not None:
            num = numbers.get(n.name)
            if num is None:
                errs.append(f"backreference to unknown group {n.name!r}")
                return None, errs
            edits.append((n.start, n.end, f"(?:\\{num})"))
    if errs:
        return None, errs
    return RegexPattern(src, regex.edit(src, edits), tuple(groups)), []


# ------------------------------------------------------------------ porting hints
_AMPLIFY_NAME = re.compile(r"<([A-Za-z_][A-Za-z0-9_]*)>")
_PTR_REPEAT = re.compile(r":([A-Za-z_][A-Za-z0-9_]*)[*+]")
_BACKREF = re.compile(r"\$(\d)|\\(\d)")
_ANY_GROUP = re.compile(r"\(\.\*\??\)")
#: the characters the syntaxes below start with (`<`, `:`, `$`, a backslash, `(`)
_HINT_CHARS = re.compile(r"[<:$\\(]")
_PLACEHOLDER_IN_TARGET = re.compile(r"(?<=/):([A-Za-z_][A-Za-z0-9_]*)|(?<=[-_.]):([A-Za-z_][A-Za-z0-9_]*)")


def porting_hint(text: str, where: str) -> tuple[str, str] | None:
    """(what was found, a "did you mean" help line) for Netlify/Vercel/Amplify syntax.

    `where` is "source" (a path pattern, where `/:name` is cfroutes syntax) or "target"
    (a template, where `:name` is literal text).
    """
    if not _HINT_CHARS.search(text):  # (most routes: every syntax below needs one of these)
        return None
    src = where == "source"
    if "<*>" in text:
        return "<*>", ("Amplify's <*> is a final /* in cfroutes (it binds {splat})" if src
                       else "did you mean {splat}? (Amplify's <*> is written {splat} here)")
    m = _AMPLIFY_NAME.search(text)
    if m:
        n = m.group(1)
        return m.group(0), (f"Amplify's <{n}> is /:{n} in cfroutes" if src
                            else f"did you mean {{{n}}}? (Amplify's <{n}> is written {{{n}}} here)")
    m = _PTR_REPEAT.search(text)
    if m:
        return m.group(0), (f"path-to-regexp's {m.group(0)} (Vercel, Next.js) is a final /* in cfroutes; "
                            "it binds {splat}" if src else
                            "did you mean {splat}? (with a final /* in the source)")
    if not src and ":splat" in text:
        return ":splat", "did you mean {splat}? (Netlify's :splat is written {splat} here)"
    m = _BACKREF.search(text)
    if m and not src:
        return m.group(0), (f"did you mean {{name}}? (name the group in `regex:` as (?<name>...) and write "
                            f"{{name}} for {m.group(0)})")
    m = _ANY_GROUP.search(text)
    if m and src:
        return m.group(0), "a (.*) group is a final /* in cfroutes (it binds {splat}), or use `regex:` with a named group"
    if not src:
        scheme = re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://[^/]*", text)
        m = _PLACEHOLDER_IN_TARGET.search(text, scheme.end() if scheme else 0)
        if m:
            n = m.group(1) or m.group(2)
            return m.group(0), f"did you mean {{{n}}}? (a :{n} placeholder is written {{{n}}} in a target)"
    return None
