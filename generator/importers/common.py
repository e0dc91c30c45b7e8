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

from cfroutes import safeio
from cfroutes.codes import Code
from cfroutes.errors import Diagnostic, InputError, Severity, Span, file_diagnostic

#: what a request-controlled name may look like in cfroutes templates
BUILTINS = ("host", "path", "query", "splat")
#: rules one import reads at most (a routes.yaml of `safeio.YAML_MAX` bytes holds fewer routes)
MAX_RULES = 50_000


@dataclass
class Out:
    """One route (or header rule) for the output, with where it came from."""

    file: str
    line: int
    fields: dict[str, Any]
    notes: list[str] = field(default_factory=list)  # comment lines written above the route
    source_text: str = ""  # the original rule, quoted in the comment
    rule: dict[str, Any] | None = None  # the parsed source rule, for checks across rules (netlify.py)
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
    #: `--site`: the publish folder as routes.yaml names it (`files:`), or None: then a rule whose
    #: meaning depends on files gets a warning
    site: str | None = None
    #: catch-all "no file: serve PAGE with STATUS" rules carried as the distribution's custom error
    #: responses (`error_pages:`); fields {code, page, status} (see `error_page`)
    error_pages: list[Out] = field(default_factory=list)

    def count(self, file: str, line: int = 1) -> None:
        """One more rule read; past `MAX_RULES` the import is refused (exit 2) before it takes the
        time and memory of rules that could not fit a routes.yaml anyway."""
        self.rules += 1
        if self.rules > MAX_RULES:
            raise parse_error(file, line, 1, f"more than {MAX_RULES:,} rules: more than cfroutes imports into "
                              "one routes.yaml", hint="split the rules, or keep large redirect tables in a "
                              "KeyValueStore seed")

    def warn(self, out: Out | None, file: str, line: int, msg: str, *, comment: bool = True) -> None:
        """A `FILE:LINE: warning:` on stderr and (when `out` is given) a comment at the route."""
        self.warnings.append(Diagnostic(Span(file, line, 1), msg, severity=Severity.WARNING, code=Code.IMPORT_WARNING))
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
        return [o for o in self.routes + self.headers + self.error_pages if o.carried]


def status_warning(status: int, page: str) -> str:
    """The one warning for a rule that serves `page` with an error `status` and is carried as a
    rewrite (Netlify `404!`, a per-path `/:lang/* /:lang/404/ 404`, Amplify `404` on a pattern):
    what the translation does and why the status is not carried."""
    return (f"status {status}: the platform serves {page} with status {status}; carried as a rewrite, so the "
            "origin's status (normally 200) is served. A viewer-request function cannot set the status of a "
            "request that goes on to the origin, and a viewer-response function cannot tell this request from "
            f"a direct request for {page} (its event holds the viewer's request, not the rewritten one). The "
            "CloudFront feature that serves a page with an error status is the distribution's custom error "
            "response (routes.yaml `error_pages:`, written by `cfroutes export`): one page per status for the "
            "whole distribution, served where the origin answers that status; it carries a non-forced catch-all "
            "(`/* /404.html 404`), not a forced rule or a page per path")


#: what every rule carried as an error page says (the note above it in routes.yaml)
ERROR_PAGE_NOTE = ("carried as the distribution's custom error response (`error_pages:`): CloudFront serves the page "
                   "with the status where the origin answers {code} (no such file); a direct request for the page "
                   "still answers 200")


def error_page(imp: Import, out: Out, code: int, page: str, status: int) -> bool:
    """Carry a catch-all "where no file exists, serve `page` with `status`" rule as `error_pages:`
    (the origin's `code` -> `page`, `status`). False when it cannot be: a status CloudFront does
    not customize, a page that is not a literal path, or an earlier rule took that status (then
    the caller carries it as before)."""
    from cfroutes.platform.error_pages import ERROR_CODES, RESPONSE_CODES

    if code not in ERROR_CODES or status not in RESPONSE_CODES or is_url(page) or "{" in page \
            or not page.startswith("/") or any(o.fields["code"] == code for o in imp.error_pages):
        return False
    imp.routes[:] = [o for o in imp.routes if o is not out]
    out.fields = {"code": code, "page": page, "status": status}
    out.notes.append(ERROR_PAGE_NOTE.format(code=code))
    imp.error_pages.append(out)
    imp.warn(out, out.file, out.line, f"carried as `error_pages: {{{code}: {page}}}`: the distribution's custom "
             "error response, which `cfroutes export` writes (CloudFormation Metadata, a Terraform output, a CDK "
             "method) and `cfroutes deploy` does not set; an origin must answer 404 for a missing file (S3 "
             "behind OAC answers 403 unless it may s3:ListBucket)", comment=False)
    return True


def parse_error(file: str, line: int, col: int, msg: str, hint: str | None = None) -> InputError:
    return InputError([Diagnostic(Span(file, line, col), msg, hint=hint, code=Code.IMPORT_INVALID)])


def read_text(path: str) -> str:
    """The file as text, read through the one bounded reader (`safeio`: a regular file of at most
    `IMPORT_MAX` bytes, never a FIFO or a device); unreadable, oversized or undecodable input is a
    positioned error (exit 2)."""
    try:
        text = safeio.read_text(path, safeio.IMPORT_MAX, "import file")
    except safeio.UserFileError as e:
        raise InputError([file_diagnostic(e)]) from None
    text = text.removeprefix("\ufeff")
    if "\x00" in text:
        i = text.index("\x00")
        raise parse_error(path, text.count("\n", 0, i) + 1, i - text.rfind("\n", 0, i),
                          "the file contains a NUL byte (binary data?)")
    return text


# ------------------------------------------------------------------ typed fields of a parsed rule
class FieldError(ValueError):
    """A field of one rule (JSON or TOML) has the wrong type or an impossible value: the rule
    is not carried (exit 1), with this message as the reason."""


def kind(v: Any) -> str:
    """The JSON/TOML name of a value's type, for messages."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, int):
        return "an integer"
    if isinstance(v, float):
        return "a number" if v == v and v not in (float("inf"), float("-inf")) else "a number out of range"
    if isinstance(v, str):
        return "a string"
    if isinstance(v, list):
        return "a list"
    if isinstance(v, dict):
        return "an object"
    return type(v).__name__  # TOML dates and times


def shown(v: Any, width: int = 120) -> str:
    """A short, bounded rendering of a parsed value for a comment or a message: strings and small
    numbers as written, anything else by its type (never a repr of a deep or huge structure)."""
    if isinstance(v, str):
        r = repr(v)
        return r if len(r) <= width else r[:width] + "…"
    if isinstance(v, bool) or (isinstance(v, int) and abs(v) < 10 ** 18):
        return repr(v)
    return f"<{kind(v)}>"


def get_str(obj: dict[str, Any], key: str, *, required: bool = False) -> str | None:
    v = obj.get(key)
    if v is None and not required:
        return None
    if not isinstance(v, str):
        raise FieldError(f"`{key}` must be a string, not {kind(v)}")
    return v


def get_int(obj: dict[str, Any], key: str, lo: int = 0, hi: int = 999) -> int | None:
    """An integer field in lo..hi (a digit string is accepted too: files written by hand have them)."""
    v = obj.get(key)
    if v is None:
        return None
    if isinstance(v, str) and re.fullmatch(r"[0-9]{1,9}", v.strip()):
        v = int(v.strip())
    if isinstance(v, bool) or not isinstance(v, int):
        raise FieldError(f"`{key}` must be an integer, not {kind(v)}")
    if not lo <= v <= hi:
        raise FieldError(f"`{key}` is {shown(v)}, not in {lo}..{hi}")
    return v


def get_bool(obj: dict[str, Any], key: str) -> bool | None:
    v = obj.get(key)
    if v is None:
        return None
    if not isinstance(v, bool):
        raise FieldError(f"`{key}` must be true or false, not {kind(v)}")
    return v


def get_list(obj: dict[str, Any], key: str) -> list[Any]:
    """A list field (absent or null: empty)."""
    v = obj.get(key)
    if v is None:
        return []
    if not isinstance(v, list):
        raise FieldError(f"`{key}` must be a list, not {kind(v)}")
    return v


def get_map(obj: dict[str, Any], key: str, *, values: tuple[type, ...] = (str,)) -> dict[str, Any]:
    """An object field whose values have one of the types `values` (absent or null: empty);
    integers are given as their decimal text when `str` is wanted."""
    v = obj.get(key)
    if v is None:
        return {}
    if not isinstance(v, dict):
        raise FieldError(f"`{key}` must be an object (a table), not {kind(v)}")
    out: dict[str, Any] = {}
    for k, x in v.items():
        if str in values and isinstance(x, int) and not isinstance(x, bool) and abs(x) < 10 ** 18:
            x = str(x)
        if not isinstance(x, values) or isinstance(x, bool) and bool not in values:
            raise FieldError(f"`{key}.{k}` must be {' or '.join(kind(t()) for t in values)}, not {kind(x)}")
        out[str(k)] = x
    return out


# ------------------------------------------------------------------ regex helpers
def escape_literal(s: str) -> str:
    """A regex matching `s` literally (JavaScript syntax)."""
    return re.sub(r"([.*+?^${}()|\[\]\\/])", r"\\\1", s)


def name_groups(regex: str, prefix: str = "g") -> tuple[str, list[str]]:
    """Give each unnamed capturing group a name (`g1`, `g2`, ...) so templates can use it.

    Returns the new source and the names in group-number order (a named group keeps
    its name), so `$1` maps to names[0].
    """
    from cfroutes.platform import regex as jsregex  # the one regex parser; its groups, by number

    try:
        groups = jsregex.parse(regex).groups
    except jsregex.TooDeep:  # the edge refuses it; validating the imported route says so
        return regex, []
    names: list[str] = []
    edits: list[tuple[int, int, str]] = []
    for g in groups:
        name = g.name if g.name is not None else f"{prefix}{len(names) + 1}"
        if g.name is None:
            edits.append((g.start, g.start + 1, f"(?<{name}>"))
        names.append(name)
    return jsregex.edit(regex, edits), names


def dollar_refs(target: str, names: list[str]) -> tuple[str, list[str]]:
    """`$1`/`${1}`/`$name` in a target -> `{name}`; returns the template and unresolved refs."""
    bad: list[str] = []

    def sub(m: re.Match[str]) -> str:
        ref = m.group(1) or m.group(2) or m.group(3)
        if ref.isdigit():
            k = int(ref) if len(ref) <= 9 else 0
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

    return re.sub(r"\$(?:([0-9]+)|\{(\w+)\}|([A-Za-z_]\w*))", sub, target), bad


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
