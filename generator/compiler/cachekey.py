"""Cache-correct routing: which request parts decide a route's answer, and whether the cache keeps them apart.

CloudFront makes the cache key after the viewer-request function has run: the (rewritten) URI
path, plus what the behaviour's cache policy names (Host, headers, cookies, query strings).
Two requests with the same key share one cached answer. So a route is cache-correct when
everything that decides what the origin is asked for is either in the key or carried into the
URI. Per route this module finds:

- the request parts its selection reads (host pattern, header, cookie and query conditions,
  country, a KVS lookup whose key is built from them) and the parts its outcome is built from;
- its *outcome beyond the URI*: the origin it sends the request to, the query pairs it adds
  that the key does not hold, the headers it sets on the request to the origin.

A part that the key leaves out is a problem when it changes that outcome: when the route's
outcome differs from what a request failing its condition gets (a later route, or no route at
all) or when the outcome is built from the part. The origin or forwarded query differing is an
error (CFR351: one viewer's cached answer is served to another); only a header to the origin
differing is a warning (CFR352: the origin may or may not answer differently to it).

What never reads the cache is not reported: an answer made at the edge (`redirect`,
`respond`, a lookup's `missing:` response) goes to the viewer without a cache lookup, and a
rewrite separates its requests by the URI it makes. Under a policy that caches nothing
(CachingDisabled) nothing is reported. The check, `report`, `diff` and `serve` share this
module (docs/caching.md).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from cfroutes.codes import Code
from cfroutes.config.model import (
    TENANT_REF,
    Function,
    HeaderRule,
    Match,
    Origin,
    Redirect,
    Ref,
    Respond,
    Rewrite,
    Route,
    Template,
)
from cfroutes.errors import Diagnostic, Severity, Span
from cfroutes.platform.cache_policies import COUNTRY_HEADER, CachePolicy


@dataclass(frozen=True, order=True)
class Part:
    """A part of the viewer's request: `host`, `header NAME`, `cookie NAME`, `query NAME`, `query *` (the whole
    query string), `uri` (always in the key), `tenant id` / `tenant params.NAME` (the distribution
    tenant the request arrived for: kept apart by Host, since each domain belongs to one tenant)."""

    kind: str
    name: str = ""

    @property
    def label(self) -> str:
        if self.kind == "host":
            return "the Host header"
        if self.kind == "query" and self.name == "*":
            return "the query string"
        if self.kind == "header" and self.name == COUNTRY_HEADER:
            return f"the viewer's country ({COUNTRY_HEADER})"
        if self.kind == "tenant":
            return "the distribution tenant's ID" if self.name == "id" else f"tenant parameter '{self.name[7:]}'"
        return f"{self.kind} '{self.name}'"

    def keyed(self, policy: CachePolicy) -> bool:
        if self.kind == "uri":
            return True
        if self.kind in ("host", "tenant"):  # a tenant's domains are its own: Host in the key keeps tenants apart
            return policy.host
        if self.kind == "header":
            return policy.has_header(self.name)
        if self.kind == "cookie":
            return policy.has_cookie(self.name)
        if self.kind == "query":
            return policy.query_all if self.name == "*" else policy.has_query(self.name)
        return False

    def remedy(self) -> str:
        if self.kind == "host":
            return "cache: {key: {host: true}}"
        if self.kind == "tenant":
            return "cache: {key: {host: true}}: each tenant's domains are its own"
        if self.kind == "query":
            return "cache: {key: {query: all}}" if self.name == "*" else f"cache: {{key: {{query: [{self.name}]}}}}"
        if self.kind == "cookie":
            return f"cache: {{key: {{cookies: [{self.name}]}}}}"
        return f"cache: {{key: {{headers: [{self.name}]}}}}"


URI = Part("uri")
HOST = Part("host")


@dataclass(frozen=True)
class Outcome:
    """What a route sends on besides the URI: the origin, unkeyed query pairs added, headers set."""

    origin: tuple[str, ...] = ()  # the origin fields' templates; () = the behaviour's own origin
    query: tuple[str, ...] = ()  # query pairs added that the key leaves out
    headers: tuple[str, ...] = ()  # header edits to the origin request


@dataclass
class RouteCache:
    """One route's (or header rule's) relation to the cache key: for `report`, `diff` and the check."""

    label: str
    span: Span
    reads: list[tuple[Part, str]] = field(default_factory=list)  # (part, "key" | "uri" | "edge" | "unkeyed")
    findings: list[Diagnostic] = field(default_factory=list)

    def summary(self) -> str:
        """`Host (key), cookie 'beta' (URI)`: how each part it reads is kept apart."""
        how = {"key": "in the key", "uri": "carried into the URI", "edge": "answered at the edge",
               "unkeyed": "NOT in the key", "same": "same origin request"}
        return ", ".join(f"{p.label} ({how[h]})" for p, h in self.reads) or "the URI only"


@dataclass
class Analysis:
    policy: CachePolicy
    routes: list[RouteCache]

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return [d for r in self.routes for d in r.findings]


# ---------------------------------------------------------------- what a route reads
def _binding(m: Match) -> dict[str, Part]:
    """Each name a match binds -> the request part it comes from."""
    out: dict[str, Part] = {"host": HOST, "path": URI, "splat": URI, "query": Part("query", "*")}
    if m.host:
        out.update((n, HOST) for n in m.host.names)
    for n in (m.path.names if m.path else ()) + (m.regex.names if m.regex else ()):
        out[n] = URI
    tenant = (("tenant", tuple(("params." + n, c) for n, c in m.tenant.params)),) if m.tenant else ()
    for kind, conds in (("query", m.query), ("header", m.headers), ("cookie", m.cookies), *tenant):
        for name, c in conds:
            out.update((g, Part(kind, name)) for g, _ in c.groups)
    return out


def _selection_parts(m: Match) -> list[Part]:
    parts: list[Part] = []
    if m.host is not None:
        parts.append(HOST)
    parts += [Part("header", n) for n, _ in m.headers]
    parts += [Part("cookie", n) for n, _ in m.cookies]
    parts += [Part("query", n) for n, _ in m.query]
    if m.country:
        parts.append(Part("header", COUNTRY_HEADER))
    if m.tenant is not None:  # `tenant: {}` alone reads nothing: a distribution always or never has tenants
        parts += [Part("tenant", "id")] if m.tenant.id is not None else []
        parts += [Part("tenant", "params." + n) for n, _ in m.tenant.params]
    return parts


def _template_parts(t: Template, bound: dict[str, Part], lookups: dict[str, list[Part]]) -> list[Part]:
    out: list[Part] = []
    for ref in t.refs:
        if ref.name == TENANT_REF:  # {tenant.id}, {tenant.params.NAME}
            out.append(Part("tenant", ".".join(ref.fields)))
        elif ref.name in lookups:
            out += lookups[ref.name]
        elif ref.name in bound:
            out.append(bound[ref.name])
    return out


def _query_of(t: Template) -> tuple[list[str], Template | None]:
    """The query names a target adds (`/x?a={b}&c=1` -> [a, c]) and the query part as its own template."""
    text = t.source
    if "?" not in text:
        return [], None
    q = text.split("?", 1)[1].split("#", 1)[0]
    names = [pair.split("=", 1)[0] for pair in q.split("&") if pair]
    qparts: list[str | Ref] = []
    seen = False
    for p in t.parts:
        if isinstance(p, str) and not seen and "?" in p:
            seen = True
            qparts.append(p.split("?", 1)[1])
        elif seen:
            qparts.append(p)
    return names, Template(q, tuple(qparts), t.span)


def _edge_answer(r: Route) -> bool:
    return isinstance(r.action, (Redirect, Respond))


# ---------------------------------------------------------------- the analysis
class _Fn:
    def __init__(self, fn: Function, policy: CachePolicy) -> None:
        self.fn, self.policy = fn, policy

    def lookups(self, r: Route, bound: dict[str, Part]) -> dict[str, list[Part]]:
        if r.lookup is None:
            return {}
        return {r.lookup.as_name: _template_parts(r.lookup.key, bound, {})}

    def outcome(self, r: Route) -> tuple[Outcome, list[tuple[Part, str]]]:
        """The route's outcome beyond the URI, and the parts it is built from with what they build
        (`origin`, `query`, `header`)."""
        bound = _binding(r.match)
        lk = self.lookups(r, bound)
        built: list[tuple[Part, str]] = []
        origin: tuple[str, ...] = ()
        rewrite = r.action.rewrite if isinstance(r.action, Origin) else r.action if isinstance(r.action, Rewrite) else None
        if isinstance(r.action, Origin):
            fields = [r.action.origin_id, r.action.domain, r.action.path, r.action.host_header]
            origin = tuple(f.source if f else "" for f in fields)
            for f in fields:
                if f is not None:
                    built += [(p, "origin") for p in _template_parts(f, bound, lk)]
        query: list[str] = []
        if rewrite is not None:
            names, qt = _query_of(rewrite.to)
            unkeyed = [n for n in names if not self.policy.has_query(n)]
            if unkeyed and qt is not None:
                query = [qt.source]
                built += [(p, "query") for p in _template_parts(qt, bound, lk)]
        headers = [f"{n}={t.source}" for n, t in r.set_headers] + [f"-{n}" for n in r.remove_headers]
        for _, t in r.set_headers:
            built += [(p, "header") for p in _template_parts(t, bound, lk)]
        return Outcome(origin, tuple(query), tuple(headers)), built

    def selection(self, r: Route) -> list[Part]:
        parts = _selection_parts(r.match)
        if r.lookup is not None and r.lookup.missing is None:  # a missing entry falls through: it selects
            parts += _template_parts(r.lookup.key, _binding(r.match), {})
        return parts


def _diag(span: Span, part: Part, policy: CachePolicy, message: str, error: bool) -> Diagnostic:
    hint = (f"put it in the key ({part.remedy()}) or carry it into the rewritten URI; "
            f"the key of {policy.name} is {policy.describe()}")
    return Diagnostic(span, message, Severity.ERROR if error else Severity.WARNING, hint,
                      Code.CACHE_KEY_ANSWER if error else Code.CACHE_KEY_HEADER)


def _catch_all(r: Route) -> bool:
    m = r.match
    return (m.path is not None and m.path.splat and not m.path.segments and m.regex is None and m.host is None
            and not m.has_conditions and (r.lookup is None or r.lookup.missing is not None))


def _distinct(xs: list[Outcome], keep: int = 2) -> list[Outcome]:
    """At most `keep` distinct outcomes for each of (origin, query) and headers: two distinct values
    already tell that some differs from any one outcome, so the tails stay small (linear time)."""
    out: list[Outcome] = []
    oq: set[tuple[tuple[str, ...], tuple[str, ...]]] = set()
    hs: set[tuple[str, ...]] = set()
    for x in xs:
        new_oq, new_h = (x.origin, x.query) not in oq and len(oq) < keep, x.headers not in hs and len(hs) < keep
        if new_oq or new_h:
            out.append(x)
            oq.add((x.origin, x.query))
            hs.add(x.headers)
    return out


def _tails(routes: tuple[Route, ...], outcomes: list[Outcome]) -> list[list[Outcome]]:
    """Per route, the outcomes a request failing it can get: each later route answering through the
    cache up to the first catch-all, and no route's (the behaviour's origin) when none follows."""
    tails: list[list[Outcome]] = [[] for _ in routes]
    tail = [Outcome()]
    for j in range(len(routes) - 1, -1, -1):
        tails[j] = tail
        mine = [] if _edge_answer(routes[j]) else [outcomes[j]]
        tail = _distinct(mine + ([] if _catch_all(routes[j]) else tail))
    return tails


def _first(r: Route, icase: bool) -> str | None:
    """The route's first literal path segment, None when its path can start with anything."""
    p = r.match.path
    if p is None or r.match.regex is not None or not p.segments or not isinstance(p.segments[0], str):
        return None
    return p.segments[0].lower() if icase else p.segments[0]


class _Later:
    """The later routes a request failing route i can reach, by first path segment: routes whose
    first literal segments differ never see the same request."""

    def __init__(self, fn: Function, outcomes: list[Outcome]) -> None:
        self.fn, self.outcomes = fn, outcomes
        icase = fn.options.icase
        self.first = [_first(r, icase) for r in fn.routes]
        self.by_first: dict[str | None, list[int]] = {}
        for j, f in enumerate(self.first):
            self.by_first.setdefault(f, []).append(j)

    def others(self, i: int, mine: Outcome) -> list[Outcome]:
        f = self.first[i]
        if f is None:  # its paths can start with anything: every later route (bounded by the tail)
            cands: list[int] = list(range(i + 1, len(self.fn.routes)))
        else:
            cands = sorted(j for k in (f, None) for j in self.by_first.get(k, []) if j > i)
        out: list[Outcome] = []
        for j in cands:
            r = self.fn.routes[j]
            if not _edge_answer(r):
                o = self.outcomes[j]
                if o != mine:
                    return [o]  # one that differs is enough
                out.append(o)
            if _catch_all(r):
                return out
        return out + [Outcome()]


def analyse(fn: Function, policy: CachePolicy | None = None) -> Analysis | None:
    """The cache analysis of one function under `policy` (default: the one it declares); None when
    no policy is declared or the function is not a viewer-request function."""
    policy = policy or fn.cache
    if policy is None or fn.event != "viewer-request":
        return None
    a = _Fn(fn, policy)
    outcomes = [a.outcome(r) for r in fn.routes]
    tails = _tails(fn.routes, [o for o, _ in outcomes])
    later = _Later(fn, [o for o, _ in outcomes])
    out: list[RouteCache] = []
    for i, r in enumerate(fn.routes):
        rc = RouteCache(r.title, r.span)
        out.append(rc)
        sel = a.selection(r)
        if _edge_answer(r):
            rc.reads = [(p, "edge") for p in dict.fromkeys(sel)]
            continue
        mine, built = outcomes[i]
        # what a request that fails this route's conditions gets: the later routes', or no route's
        others = tails[i]
        if len(others) > 1 or (others and others[0] != mine):
            others = later.others(i, mine)  # something differs: only the routes its paths can reach
        origin_differs = any(o.origin != mine.origin or o.query != mine.query for o in others)
        header_differs = any(o.headers != mine.headers for o in others)
        reported: set[Part] = set()
        for p, what in built:
            if p.keyed(policy):
                if (p, "key") not in rc.reads:
                    rc.reads.append((p, "key"))
                continue
            if (p, "unkeyed") not in rc.reads:
                rc.reads.append((p, "unkeyed"))
            if policy.caches and p not in reported:
                reported.add(p)
                target = {"origin": "the origin", "query": "a query string forwarded to the origin",
                          "header": "a header sent to the origin"}[what]
                msg = (f"{r.title} builds {target} from {p.label}, which the cache key of {policy.name} does not "
                       f"include" + (": one viewer's cached answer is served to another" if what != "header" else ""))
                rc.findings.append(_diag(r.span, p, policy, msg, what != "header"))
        for p in dict.fromkeys(sel):
            if p.keyed(policy):
                rc.reads.append((p, "key"))
            elif not (origin_differs or header_differs):
                rc.reads.append((p, "uri" if isinstance(r.action, Rewrite) else "same"))
            else:
                rc.reads.append((p, "unkeyed"))
                if policy.caches and p not in reported:
                    reported.add(p)
                    what = "origin" if any(o.origin != mine.origin for o in others) else "forwarded query"
                    if origin_differs:
                        msg = (f"{r.title} is chosen by {p.label}, and the {what} it sends the request to differs from "
                               f"what a request failing its conditions gets (a later route, or no route); the cache key of {policy.name} does not "
                               f"include {p.label}, so one viewer's cached answer is served to another")
                    else:
                        msg = (f"{r.title} is chosen by {p.label} and sets other headers on the request to the origin "
                               f"than a request failing its conditions gets; the cache key of {policy.name} does not "
                               f"include {p.label}")
                    rc.findings.append(_diag(r.span, p, policy, msg, origin_differs))
    for rc in out:
        rc.reads = list(dict.fromkeys(rc.reads))
    for rule in fn.headers:
        out.append(_rule(rule, policy))
    return Analysis(policy, out)


def _rule(rule: HeaderRule, policy: CachePolicy) -> RouteCache:
    rc = RouteCache(rule.title, rule.span)
    bound = _binding(rule.match)
    parts = _selection_parts(rule.match)
    for _, t in rule.set:
        parts += _template_parts(t, bound, {})
    for p in dict.fromkeys(parts):
        if p.keyed(policy):
            rc.reads.append((p, "key"))
            continue
        rc.reads.append((p, "unkeyed"))
        if policy.caches:
            rc.findings.append(_diag(rule.span, p, policy,
                                     f"{rule.title} edits the headers sent to the origin according to {p.label}, "
                                     f"which the cache key of {policy.name} does not include", False))
    return rc


def route_keys(functions: list[Function]) -> dict[tuple[str, str], str]:
    """(function, `TITLE (line N)` as `diff` names a route) -> the route's cache summary, for the
    functions that declare a policy."""
    out: dict[tuple[str, str], str] = {}
    for fn in functions:
        a = analyse(fn)
        if a is None:
            continue
        for r, rc in zip(fn.routes, a.routes, strict=False):
            out[(fn.name, f"{r.title} (line {r.span.line})")] = (f"{a.policy.name} key {a.policy.describe()}; "
                                                                 f"reads {rc.summary()}")
    return out


def check_function(fn: Function) -> tuple[list[Diagnostic], list[Diagnostic]]:
    """The errors and warnings of the cache check (nothing when no policy is declared)."""
    a = analyse(fn)
    if a is None:
        return [], []
    diags = a.diagnostics
    return [d for d in diags if d.severity is Severity.ERROR], [d for d in diags if d.severity is not Severity.ERROR]
