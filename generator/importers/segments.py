"""Netlify-style patterns (`/a/:name/*`, also Amplify's `<name>`/`<*>` after renaming) -> match fields.

A pattern whose placeholders take whole segments and whose only `*` ends it maps onto
a cfroutes `path:` as written. Anything else (`/:slug.html`, `*` in the middle) becomes
an equivalent anchored `regex:` whose named groups bind the same names; the splat is
then bound as `rest` (`splat` is reserved for `path:` patterns).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from cfroutes.config.patterns import parse_path
from cfroutes.importers.common import escape_literal

_PH = re.compile(r":([A-Za-z_][A-Za-z0-9_]*)")


@dataclass
class Source:
    fields: dict[str, object]
    names: set[str] = field(default_factory=set)  # placeholder names bound (splat included)
    splat_ref: str = "splat"  # the template name the splat binds
    has_pattern: bool = False  # placeholders or a splat (may cover files that exist)


def path_source(path: str, *, trailing_optional: bool) -> Source | None:
    """Fields matching `path` (a Netlify-style pattern) or None when it cannot be expressed."""
    if not path.startswith("/"):
        return None
    segs = path[1:].split("/") if path != "/" else []
    simple = True
    names: set[str] = set()
    for i, s in enumerate(segs):
        if s == "*":
            if i != len(segs) - 1:
                simple = False
            names.add("splat")
        elif s.startswith(":") and _PH.fullmatch(s):
            if s[1:] == "splat":
                simple = False
            names.add(s[1:])
        elif "*" in s or _PH.search(s):
            simple = False
            names.update(m.group(1) for m in _PH.finditer(s))
            if "*" in s:
                names.add("splat")
    if simple:
        pat, errs = parse_path(path)
        if pat is not None and not errs:
            return Source({"path": path}, names, "splat", bool(names))
    # regex fallback
    out = ["^"]
    for i, s in enumerate(segs):
        last = i == len(segs) - 1
        if s == "*" and last:
            out.append("(?:/(?<rest>.*))?")
            continue
        out.append("/")
        pos = 0
        for m in re.finditer(r":([A-Za-z_][A-Za-z0-9_]*)|\*", s):
            out.append(escape_literal(s[pos:m.start()]))
            if m.group(0) == "*":
                out.append("(?<rest>.*)")
            else:
                out.append(f"(?<{m.group(1)}>[^/]+)")
            pos = m.end()
        out.append(escape_literal(s[pos:]))
    src = "".join(out)
    if not segs:
        src = "^/"
    if segs and segs[-1] == "*":
        src += "$"
    else:
        src += "/?$" if trailing_optional and segs else "$"
    names.discard("splat")
    if "*" in path:
        names.add("rest")
    return Source({"regex": src}, names, "rest", bool(names))


def template(target: str, names: set[str], splat_ref: str) -> tuple[str, list[str]]:
    """`:name`/`:splat` in a target -> `{name}`/`{splat}`; returns the template and unknown refs."""
    unknown: list[str] = []

    def sub(m: re.Match[str]) -> str:
        n = m.group(1)
        if n == "splat":
            if splat_ref in names or "splat" in names:
                return "{" + splat_ref + "}"
            unknown.append(m.group(0))
            return m.group(0)
        if n in names:
            return "{" + n + "}"
        # `https://host:8080` has digits after the colon, so a name here was meant as a placeholder
        unknown.append(m.group(0))
        return m.group(0)

    scheme = re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", target)
    head = scheme.group(0) if scheme else ""
    return head + _PH.sub(sub, target[len(head):]), unknown
