"""Write an `Import` as a commented routes.yaml.

Every route is preceded by a comment naming its source (`# _redirects:12`), the
original rule and any notes; rules that could not be carried are written as
comments with the reason. Scalars are written plain when YAML reads them back as
the same string, else double-quoted; everything taken from the user's files (rules, file
names) goes through `cfroutes.yamltext`, the one escaping helper for generated YAML.
"""
from __future__ import annotations

import os
import re
from typing import Any

import yaml
from cfroutes import yamltext
from cfroutes.importers.common import Import, Out

_PLAIN = re.compile(r"^[A-Za-z0-9/][A-Za-z0-9/_.~%+=&@!$'()*;:^-]*$")
_PLAIN_KEY = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
_FLOW_MAX = 100
_RESOLVER = yaml.resolver.Resolver()  # the implicit types of yaml.SafeLoader, which cfroutes loads with


def scalar(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    s = str(v)
    if _PLAIN.match(s) and not s.endswith(":") and _plain_str(s):
        return s
    return yamltext.string(s)


def _plain_str(s: str) -> bool:
    """True when YAML's implicit typing reads the plain scalar `s` as a string (not a number, a
    boolean, null or a date): the loader's resolvers, without parsing a document per value."""
    tag = _RESOLVER.resolve(yaml.ScalarNode, s, (True, False))  # type: ignore[no-untyped-call]  # PyYAML's stubs leave it untyped
    return bool(tag == "tag:yaml.org,2002:str")


def key(k: str) -> str:
    if _PLAIN_KEY.match(k) and _plain_str(k):
        return k
    return yamltext.string(k)


def flow(v: Any) -> str:
    if isinstance(v, dict):
        if not v:
            return "{}"
        return "{ " + ", ".join(f"{key(k)}: {flow(x)}" for k, x in v.items()) + " }"
    if isinstance(v, list):
        return "[" + ", ".join(flow(x) for x in v) + "]"
    return scalar(v)


def block(v: dict[str, Any], indent: int, first_prefix: str = "") -> list[str]:
    """A mapping as block lines; nested values in flow style when short enough."""
    lines: list[str] = []
    pad = " " * indent
    for i, (k, x) in enumerate(v.items()):
        lead = first_prefix if i == 0 else pad
        text = flow(x)
        if isinstance(x, dict) and x and len(lead) + len(k) + len(text) > _FLOW_MAX:
            lines.append(f"{lead}{key(k)}:")
            lines.extend(block(x, indent + 2, " " * (indent + 2)))
        else:
            lines.append(f"{lead}{key(k)}: {text}")
    return lines


def _comment(text: str, pad: str) -> list[str]:
    """One comment line: every character that could end the comment (a line break in a rule or a
    file name) or make the YAML unreadable is escaped by `yamltext.comment`."""
    return [f"{pad}# {yamltext.comment(text)}".rstrip()]


def _entry(out: Out, pad: str, spans: dict[int, tuple[int, int]], lines: list[str]) -> None:
    head = f"{out.short_ref}: {out.source_text}" if out.source_text else out.short_ref
    lines.extend(_comment(head, pad))
    for note in out.notes:
        lines.extend(_comment(note, pad + "  "))
    if not out.carried:
        lines.extend(_comment(f"NOT CARRIED: {out.reason}", pad + "  "))
        return
    start = len(lines) + 1
    lines.extend(block(out.fields, len(pad) + 2, pad + "- "))
    spans[id(out)] = (start, len(lines))


def routes_yaml(imp: Import, function: str, command: str) -> tuple[str, dict[int, tuple[int, int]]]:
    """The routes.yaml text, and the output line range (1-based, inclusive) of every carried entry."""
    lines: list[str] = []
    spans: dict[int, tuple[int, int]] = {}
    total = imp.rules
    lines.extend(_comment(f"Imported from {', '.join(os.path.basename(f) for f in imp.files)} by `{command}`.", ""))
    lines.append(f"# {total} rule(s) read -> {len(imp.carried)} route(s) and header rule(s); "
                 f"{len(imp.not_carried)} not carried, {len(imp.skipped)} skipped; {len(imp.warnings)} warning(s).")
    for note in imp.notes:
        lines.extend(_comment(note, ""))
    lines.append("# Check it with `cfroutes check`; add test cases for what the old platform answered.")
    lines.append("version: 1")
    if imp.error_pages:
        lines.append("error_pages:")
        for o in imp.error_pages:
            f = o.fields
            value = f["page"] if f["status"] == f["code"] else {"page": f["page"], "status": f["status"]}
            lines.extend(_comment(f"{o.short_ref}: {o.source_text}" if o.source_text else o.short_ref, "  "))
            for note in o.notes:
                lines.extend(_comment(note, "    "))
            spans[id(o)] = (len(lines) + 1, len(lines) + 1)
            # quoted: a JSON Schema (an editor's YAML server) wants text keys; cfroutes reads 404 as text too
            lines.append(f"  {yamltext.string(str(f['code']))}: {flow(value)}")
    lines.append("functions:")
    routes = [o for o in imp.routes if not o.last] + [o for o in imp.routes if o.last]
    if routes or not imp.headers:
        lines.append(f"  {key(function)}:")
        lines.append("    event: viewer-request")
        if imp.options:
            lines.append(f"    options: {flow(imp.options)}")
        if imp.site is not None:
            lines.append(f"    files: {scalar(imp.site)}")
        if not any(o.carried for o in routes):
            lines.append("    routes: []")
        else:
            lines.append("    routes:")
        for o in routes:
            _entry(o, "      ", spans, lines)
        for o in imp.skipped:
            lines.extend(_comment(f"{o.short_ref}: {o.source_text}", "      "))
            lines.extend(_comment(f"skipped: {o.reason}", "        "))
    if imp.headers:
        lines.append(f"  {key(function + '-headers')}:")
        lines.append("    event: viewer-response")
        lines.append("    headers:" if any(o.carried for o in imp.headers) else "    headers: []")
        for o in imp.headers:
            _entry(o, "      ", spans, lines)
    return "\n".join(lines) + "\n", spans
