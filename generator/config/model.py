"""The typed model of a validated routes.yaml.

Everything downstream (planner, emitter, reference model, lints) reads only this
model; the one YAML node kept is a function's `tests:` (`Function.tests`), which the
test-case reader parses. Every record carries the `Span` it came from.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, get_args

from cfroutes.errors import Diagnostic, Span
from cfroutes.platform.cache_policies import CachePolicy
from cfroutes.platform.event import VIEWER_REQUEST as VIEWER_REQUEST  # re-exported: the event types
from cfroutes.platform.event import VIEWER_RESPONSE as VIEWER_RESPONSE

if TYPE_CHECKING:
    from cfroutes.config.yamlload import Node

if TYPE_CHECKING:
    from cfroutes.config.files import Files

if TYPE_CHECKING:
    from functools import cached_property
else:
    class cached_property:  # noqa: N801 (functools' name and typing, for mypy)
        """functools.cached_property without its lock: Python 3.11's takes an RLock on every first
        read, and a 50,000-route build makes about 350,000 of them (0.25 s of CPU; this: 0.08 s).
        The model is built and read in one thread."""

        def __init__(self, func: Callable[[Any], Any]) -> None:
            self.func = func
            self.__doc__ = func.__doc__

        def __set_name__(self, owner: type, name: str) -> None:
            self.name = name

        def __get__(self, obj: Any, owner: type | None = None) -> Any:
            if obj is None:
                return self
            value = obj.__dict__[self.name] = self.func(obj)  # later reads find it there
            return value

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
REDIRECT_STATUSES = (301, 302, 303, 307, 308)
BUILTIN_NAMES = ("host", "path", "splat", "query")
#: spilled routes live in the KVS under keys starting with this prefix
SPILL_PREFIX = "\u00a7r:"  # "§r:" - user seed keys may not start with it
#: a spilled key is versioned: SPILL_PREFIX + VERSION + ":" + (host) + path, where VERSION is
#: SPILL_VERSION_LEN hex digits of the sha256 of the function's spilled table (docs/deploy.md)
SPILL_VERSION_LEN = 8
_SPILL_VERSIONED = re.compile(re.escape(SPILL_PREFIX) + "([0-9a-f]{" + str(SPILL_VERSION_LEN) + "}):")


def spill_prefix(version: str) -> str:
    """The key prefix of one version of a spilled table (what the code reads: one KVS get)."""
    return f"{SPILL_PREFIX}{version}:"


def spill_version(key: str) -> str | None:
    """The version of a spilled key; "" for an unversioned key of an older build (`§r:/path`),
    None for a key that is not a spilled route."""
    if not key.startswith(SPILL_PREFIX):
        return None
    m = _SPILL_VERSIONED.match(key)
    return m.group(1) if m else ""


#: the spill prefix as a string literal in emitted code (escaped or not), versioned or not, and
#: whether something is appended to it (a read: `"§r:1a2b3c4d:" + k`; the lookup guard is not)
_CODE_SPILL = re.compile(r'"(?:\\u00a7|\u00a7)r:(?:([0-9a-f]{' + str(SPILL_VERSION_LEN) + r'}):)?"(\s*\+)?')


def code_spill_version(source: str) -> str | None:
    """The spilled-table version a function's code reads: its version; "" for the code of a
    build before versioning, which reads unversioned keys (`"§r:" + k`); None when it reads no
    spilled key."""
    legacy = False
    for m in _CODE_SPILL.finditer(source):
        if m.group(1):
            return m.group(1)
        legacy = legacy or bool(m.group(2))
    return "" if legacy else None


# ---------------------------------------------------------------- patterns
@dataclass(frozen=True)
class Param:
    """`:name` in a path or host pattern: binds one non-empty segment/label."""

    name: str


Segment = str | Param


@dataclass(frozen=True)
class PathPattern:
    """`/a/:b/*`: literal segments, params, optional final splat."""

    source: str
    segments: tuple[Segment, ...]
    splat: bool = False
    trailing_slash: bool = False  # the pattern itself ends in "/" (matters under strict)

    @property
    def is_literal(self) -> bool:
        return not self.splat and all(isinstance(s, str) for s in self.segments)

    @cached_property
    def names(self) -> tuple[str, ...]:
        out = tuple(s.name for s in self.segments if isinstance(s, Param))
        return out + (("splat",) if self.splat else ())


@dataclass(frozen=True)
class RegexPattern:
    """A JavaScript regex over the URI path; named groups renumbered for ES5."""

    source: str  # as written
    js_source: str  # named groups turned into plain groups
    groups: tuple[tuple[str, int], ...]  # (name, group number)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(n for n, _ in self.groups)


@dataclass(frozen=True)
class HostPattern:
    """`:tenant.example.com`, `*.example.com`, `www.example.com` (lower-cased)."""

    source: str
    labels: tuple[Segment, ...]
    wildcard: bool = False  # leading "*." : one or more labels, binds nothing

    @property
    def is_literal(self) -> bool:
        return not self.wildcard and all(isinstance(s, str) for s in self.labels)

    @property
    def literal(self) -> str:
        return ".".join(s for s in self.labels if isinstance(s, str))

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.labels if isinstance(s, Param))


CondKind = Literal["equals", "present", "absent", "regex"]


@dataclass(frozen=True)
class ValueCond:
    """A condition on a query parameter, header or cookie."""

    kind: CondKind
    value: str | None = None  # a regex: its ES5 source (named groups renumbered)
    groups: tuple[tuple[str, int], ...] = ()  # a regex's named groups: (name, group number); they bind


@dataclass(frozen=True)
class TenantCond:
    """`tenant: {id?, params?}`: the distribution tenant (CloudFront SaaS Manager) a route is for."""

    id: str | None = None  # None: any tenant (but a tenant: not a standard distribution)
    params: tuple[tuple[str, ValueCond], ...] = ()


#: the binding of the distribution tenant: `{tenant.id}` and `{tenant.params.NAME}` are refs to it
#: (not a name a route can bind: `{tenant}` without a field stays an ordinary name)
TENANT_REF = "@tenant"


@dataclass(frozen=True)
class Match:
    """All conditions of a route or header rule; all must hold."""

    path: PathPattern | None = None
    regex: RegexPattern | None = None
    host: HostPattern | None = None
    methods: tuple[str, ...] | None = None
    query: tuple[tuple[str, ValueCond], ...] = ()
    headers: tuple[tuple[str, ValueCond], ...] = ()  # names lower-case
    cookies: tuple[tuple[str, ValueCond], ...] = ()
    country: tuple[str, ...] | None = None
    file: str | None = None  # "exists" | "missing": the request's path in the function's `files:`
    tenant: TenantCond | None = None

    @cached_property  # (read per route by the validator and the planner)
    def names(self) -> tuple[str, ...]:
        out: tuple[str, ...] = ()
        if self.host:
            out += self.host.names
        if self.path:
            out += self.path.names
        if self.regex:
            out += self.regex.names
        return out + self.condition_names

    @cached_property
    def condition_names(self) -> tuple[str, ...]:
        """Names bound by named groups of `{regex}` query/header/cookie conditions."""
        tenant = self.tenant.params if self.tenant is not None else ()
        return tuple(n for _, c in self.query + self.headers + self.cookies + tenant for n, _ in c.groups)

    @property
    def has_conditions(self) -> bool:
        return bool(self.methods or self.query or self.headers or self.cookies or self.country or self.file
                    or self.tenant is not None)


# ---------------------------------------------------------------- templates
@dataclass(frozen=True)
class Ref:
    """`{name}` or `{name.field.sub}` inside a template."""

    name: str
    fields: tuple[str, ...] = ()


Part = str | Ref


@dataclass(frozen=True)
class Template:
    source: str
    parts: tuple[Part, ...]
    span: Span

    @cached_property  # (read per route by the validator, the planner and the lints)
    def refs(self) -> tuple[Ref, ...]:
        return tuple(p for p in self.parts if isinstance(p, Ref))

    @property
    def is_literal(self) -> bool:
        return not self.refs

    @cached_property
    def literal(self) -> str:
        return "".join(p for p in self.parts if isinstance(p, str))


# ---------------------------------------------------------------- actions
@dataclass(frozen=True)
class Respond:
    status: int
    body: str | None = None
    content_type: str | None = None
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Redirect:
    to: Template
    status: int = 301
    query: str = "keep"  # keep | drop

    @property
    def absolute(self) -> bool:
        return self.to.source.startswith(("http://", "https://"))


@dataclass(frozen=True)
class Rewrite:
    to: Template
    query: str = "keep"


@dataclass(frozen=True)
class Origin:
    origin_id: Template | None = None  # selectRequestOriginById
    domain: Template | None = None  # updateRequestOrigin
    path: Template | None = None
    host_header: Template | None = None
    rewrite: Rewrite | None = None


Action = Redirect | Rewrite | Respond | Origin


@dataclass(frozen=True)
class Lookup:
    key: Template
    as_name: str
    format: str = "string"  # string | json
    missing: Respond | None = None  # None = "next"


@dataclass(frozen=True)
class Route:
    index: int  # position in the function's routes list (0-based)
    span: Span
    match: Match
    action: Action
    lookup: Lookup | None = None
    set_headers: tuple[tuple[str, Template], ...] = ()
    remove_headers: tuple[str, ...] = ()
    allow_external: bool = False
    name: str | None = None

    @property
    def label(self) -> str:
        """How every message names the route: its `name:`, else `route N`, 1-based as validation
        errors count (also the debug build's x-cfroutes-route value)."""
        return self.name or f"route {self.index + 1}"

    @property
    def title(self) -> str:
        """The label with its kind, for prose: `route 'NAME'` or `route N`."""
        return f"route '{self.name}'" if self.name else self.label

    @cached_property
    def is_exact(self) -> bool:
        """Literal path, optional literal host, no other condition, no lookup."""
        m = self.match
        return (
            m.path is not None
            and m.path.is_literal
            and m.regex is None
            and (m.host is None or m.host.is_literal)
            and not m.has_conditions
            and self.lookup is None
            and not self.tenant_refs
        )

    def templates(self) -> list[tuple[str, Template]]:
        """Every template the route renders, with where it goes: "location" (a redirect's target),
        "uri" (a rewrite or origin field) or "header" (patterns.rendered_templates maps these to sites)."""
        a = self.action
        out: list[tuple[str, Template]] = []
        if isinstance(a, Redirect):
            out.append(("location", a.to))
        elif isinstance(a, Rewrite):
            out.append(("uri", a.to))
        elif isinstance(a, Origin):
            out += [("uri", t) for t in (a.origin_id, a.domain, a.path, a.host_header) if t is not None]
            if a.rewrite is not None:
                out.append(("uri", a.rewrite.to))
        out += [("header", t) for _, t in self.set_headers]
        return out

    @cached_property
    def tenant_refs(self) -> tuple[Ref, ...]:
        """`{tenant.id}` / `{tenant.params.NAME}` in the templates the route renders and its lookup key."""
        a = self.action
        if self.lookup is None and not self.set_headers and isinstance(a, Redirect):  # (most routes: one template)
            return tuple(r for r in a.to.refs if r.name == TENANT_REF) if a.to.refs else ()
        keys = [self.lookup.key] if self.lookup is not None else []
        return tuple(r for t in [*(t for _, t in self.templates()), *keys] for r in t.refs if r.name == TENANT_REF)


@dataclass(frozen=True)
class HeaderRule:
    index: int
    span: Span
    match: Match
    set: tuple[tuple[str, Template], ...] = ()
    remove: tuple[str, ...] = ()
    status: tuple[int, ...] | None = None  # viewer-response only

    @property
    def label(self) -> str:
        """`header rule N`, 1-based as validation errors count."""
        return f"header rule {self.index + 1}"

    @cached_property
    def tenant_refs(self) -> tuple[Ref, ...]:
        """`{tenant.id}` / `{tenant.params.NAME}` in the values the rule sets."""
        return tuple(r for _, t in self.set for r in t.refs if r.name == TENANT_REF)

    def templates(self) -> list[tuple[str, Template]]:
        """What the rule renders: header values (as Route.templates)."""
        return [("header", t) for _, t in self.set]

    @property
    def title(self) -> str:
        return self.label


CaseMode = Literal["sensitive", "insensitive"]
SlashMode = Literal["ignore", "strict"]
SpillMode = Literal["auto", "never", "always"]
CASE_MODES: tuple[CaseMode, ...] = get_args(CaseMode)
SLASH_MODES: tuple[SlashMode, ...] = get_args(SlashMode)
SPILL_MODES: tuple[SpillMode, ...] = get_args(SpillMode)


@dataclass(frozen=True)
class Options:
    case: CaseMode = "sensitive"
    trailing_slash: SlashMode = "ignore"
    index: str | None = None
    spill: SpillMode = "auto"

    @property
    def icase(self) -> bool:
        """`case: insensitive`: paths are compared lower-cased."""
        return self.case == "insensitive"

    @property
    def strict(self) -> bool:
        """`trailing_slash: strict`: `/a` and `/a/` are different paths."""
        return self.trailing_slash == "strict"


@dataclass(frozen=True)
class Kvs:
    name: str
    seed_path: str | None
    seed: tuple[tuple[str, str], ...] = ()  # in file order
    span: Span | None = None


@dataclass(frozen=True)
class Function:
    name: str
    span: Span
    event: str
    runtime: str
    options: Options
    routes: tuple[Route, ...]
    headers: tuple[HeaderRule, ...]
    kvs: Kvs | None = None
    tests: Node | None = None  # the YAML node of `tests:`, parsed by testing/cases.py
    files: Files | None = None  # config.files.Files: the site's files (`files:`), or None
    cache: CachePolicy | None = None  # `cache:` its behaviour's cache policy (None: none declared)
    connection: tuple[ConnRoute, ...] = ()  # event connection-request: its routes (routes is empty)


# ---------------------------------------------------------------- connection functions (mTLS)
Decision = Literal["allow", "deny"]


@dataclass(frozen=True)
class CertValue:
    """A condition on a certificate value (serialNumber, sha256Fingerprint): one of `values` (in
    the normal form: colons removed, lower case), or a regex searched in the value as given."""

    values: tuple[str, ...] = ()
    regex: str | None = None  # ES5 source


@dataclass(frozen=True)
class ConnLookup:
    """`lookup: {key, exists}`: the route matches when the key is (exists) or is not in the store."""

    key: Template
    exists: bool = True


@dataclass(frozen=True)
class ConnRoute:
    """A route of a connection-request function (docs/semantics.md §10): all conditions hold, then
    `decision`. Conditions read the connection object as CloudFront documents it."""

    index: int
    span: Span
    decision: Decision
    client_ip: tuple[str, ...] | None = None  # CIDRs (ipaddress' text), any of them
    certificate: bool | None = None  # True: a client certificate was presented; False: none
    subject: tuple[tuple[str, ValueCond], ...] = ()  # DN attribute (upper case) -> condition
    issuer: tuple[tuple[str, ValueCond], ...] = ()
    serial: CertValue | None = None
    fingerprint: CertValue | None = None
    not_before: tuple[str, str] | None = None  # ("before"|"after", ISO 8601 UTC)
    not_after: tuple[str, str] | None = None
    lookup: ConnLookup | None = None
    log: Template | None = None  # connection.logCustomData(text)
    name: str | None = None

    @property
    def label(self) -> str:
        return self.name or f"route {self.index + 1}"

    @property
    def title(self) -> str:
        return f"route '{self.name}'" if self.name else self.label

    @property
    def is_default(self) -> bool:
        """No condition: it decides every connection that reaches it."""
        return (self.client_ip is None and self.certificate is None and not self.subject and not self.issuer
                and self.serial is None and self.fingerprint is None and self.not_before is None
                and self.not_after is None and self.lookup is None)


@dataclass(frozen=True)
class ErrorPage:
    """One entry of `error_pages:` (config/errorpages.py): the distribution's custom error response
    for the origin's status `code`: serve `page` with `status`, cache the error `ttl` seconds."""

    code: int  # the origin's status (ErrorCode)
    page: str  # ResponsePagePath
    status: int  # ResponseCode (default: code)
    ttl: int  # ErrorCachingMinTTL (default 10, CloudFront's)
    span: Span | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Config:
    path: str
    functions: tuple[Function, ...]
    sha256: str  # of the config text and its seed files
    sources: dict[str, str] = field(default_factory=dict, compare=False)
    warnings: tuple[Diagnostic, ...] = field(default=(), compare=False)  # the validator's
    error_pages: tuple[ErrorPage, ...] = ()  # `error_pages:` the distribution's custom error responses

    def function(self, name: str) -> Function | None:
        for f in self.functions:
            if f.name == name:
                return f
        return None
