"""What every importer produces: routes and header rules with their source line, notes and warnings.

An importer reads one platform's file into an `Import`: an ordered list of `Out`
records (a route or header rule as a plain mapping, the `FILE:LINE` it came from,
comment lines, warnings), plus rules that could not be carried at all. The writer
(writer.py) turns that into a commented routes.yaml; `run_import` (__init__.py)
validates the result with the real validator and demotes any route it refuses.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from cfroutes.codes import Code
from cfroutes.errors import Diagnostic, InputError, Span

#: what a request-controlled name may look like in cfroutes templates
NAME_OK = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
BUILTINS = ("host", "path", "query", "splat")


@dataclass
class Out:
    """One route (or header rule) for the output, with where it came from."""

    file: str
    line: int
    fields: dict[str, Any]
    notes: list[str] = field(default_factory=list)  # comment lines written above the route
    source_text: str = ""  # the original rule, quoted in the comment
    last: bool = False  # moved to the end of the routes (a "no file matched" fallback)
    carried: bool = True
    reason: str = ""  # why it was not carried

    @property
    def ref(self) -> str:
        return f"{self.file}:{self.line}"

    @property
    def short_ref(self) -> str:
        """`_redirects:12`, as the comment in the output cites it."""
        import os

        return f"{os.path.basename(self.file)}:{self.line}"


@dataclass
class Import:
    """The result of reading one or more files of a platform."""

    platform: str
    files: list[str]
    options: dict[str, Any] = field(default_factory=dict)  # the viewer-request function's options
    routes: list[Out] = field(default_factory=list)
    headers: list[Out] = field(default_factory=list)  # viewer-response header rules
    skipped: list[Out] = field(default_factory=list)  # faithfully dropped (inactive, deleted): comments only
    warnings: list[Diagnostic] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # file header comment lines
    rules: int = 0  # rules read

    def warn(self, out: Out | None, file: str, line: int, msg: str, *, comment: bool = True) -> None:
        """A `FILE:LINE: warning:` on stderr and (when `out` is given) a comment at the route."""
        self.warnings.append(Diagnostic(Span(file, line, 1), msg, severity="warning", code=Code.IMPORT_WARNING))
        if out is not None and comment:
            out.notes.append("warning: " + msg)

    def fail(self, out: Out, reason: str) -> None:
        """The rule cannot be carried at all: commented out in the output, exit 1."""
        out.carried = False
        out.reason = reason

    @property
    def not_carried(self) -> list[Out]:
        return [o for o in self.routes + self.headers if not o.carried]

    @property
    def carried(self) -> list[Out]:
        return [o for o in self.routes + self.headers if o.carried]


def parse_error(file: str, line: int, col: int, msg: str, hint: str | None = None) -> InputError:
    return InputError([Diagnostic(Span(file, line, col), msg, hint=hint, code=Code.IMPORT_INVALID)])


def read_text(path: str) -> str:
    """The file as text; unreadable or undecodable input is a positioned error (exit 2)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise parse_error(path, 1, 1, f"cannot read {path}: {e.strerror or e}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        col = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        raise parse_error(path, line, col, "the file is not UTF-8 text") from None
    if "\x00" in text:
        i = text.index("\x00")
        raise parse_error(path, text.count("\n", 0, i) + 1, 1, "the file contains a NUL byte (binary data?)")
    return text


# ------------------------------------------------------------------ regex helpers
def escape_literal(s: str) -> str:
    """A regex matching `s` literally (JavaScript syntax)."""
    return re.sub(r"([.*+?^${}()|\[\]\\/])", r"\\\1", s)


def name_groups(regex: str, prefix: str = "g") -> tuple[str, list[str]]:
    """Give each unnamed capturing group a name (`g1`, `g2`, ...) so templates can use it.

    Returns the new source and the names in group-number order (a named group keeps
    its name), so `$1` maps to names[0].
    """
    out: list[str] = []
    names: list[str] = []
    i, in_class = 0, False
    while i < len(regex):
        c = regex[i]
        if c == "\\":
            out.append(regex[i:i + 2])
            i += 2
            continue
        if in_class:
            in_class = c != "]"
            out.append(c)
            i += 1
            continue
        if c == "[":
            in_class = True
        elif c == "(":
            if regex.startswith("(?<", i) and not regex.startswith(("(?<=", "(?<!"), i):
                j = regex.find(">", i)
                names.append(regex[i + 3:j])
            elif not regex.startswith("(?", i):
                name = f"{prefix}{len(names) + 1}"
                names.append(name)
                out.append(f"(?<{name}>")
                i += 1
                continue
        out.append(c)
        i += 1
    return "".join(out), names


def dollar_refs(target: str, names: list[str]) -> tuple[str, list[str]]:
    """`$1`/`${1}`/`$name` in a target -> `{name}`; returns the template and unresolved refs."""
    bad: list[str] = []

    def sub(m: re.Match[str]) -> str:
        ref = m.group(1) or m.group(2) or m.group(3)
        if ref.isdigit():
            k = int(ref)
            if 1 <= k <= len(names):
                return "{" + names[k - 1] + "}"
            if k == 0:
                bad.append(m.group(0))
                return m.group(0)
            bad.append(m.group(0))
            return m.group(0)
        if ref in names:
            return "{" + ref + "}"
        bad.append(m.group(0))
        return m.group(0)

    return re.sub(r"\$(?:(\d+)|\{(\w+)\}|([A-Za-z_]\w*))", sub, target), bad


def split_url(url: str) -> tuple[str, str, str]:
    """`https://h.test/p?q#f` -> (scheme, host, rest starting with '/' or '' )."""
    m = re.match(r"^(https?)://([^/?#]*)(.*)$", url, re.IGNORECASE)
    if not m:
        return "", "", url
    rest = m.group(3)
    if rest and not rest.startswith("/"):
        rest = "/" + rest
    return m.group(1).lower(), m.group(2), rest


def is_url(s: str) -> bool:
    return bool(re.match(r"^https?://", s, re.IGNORECASE))


def upper_countries(values: list[str]) -> list[str]:
    return [v.strip().upper() for v in values if v.strip()]


def proxy_fields(url_template: str) -> dict[str, Any]:
    """A rewrite to an external URL: `origin: {domain}` plus the path as a rewrite."""
    _, host, rest = split_url(url_template)
    domain = host.split(":")[0]
    fields: dict[str, Any] = {"origin": {"domain": domain, "host_header": domain}}
    path = rest or "/"
    fields["rewrite"] = path
    return fields
