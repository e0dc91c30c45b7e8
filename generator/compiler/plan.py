"""Plan a function: encode routes into the compact tables the JS router reads.

Pattern routes keep their order in `P`; `G` indexes them by first path segment
so a request only tests plausible candidates; exact routes go into hash tables
`X[k]` (k = how many pattern routes precede them) or, when spilled, into the
KeyValueStore as `[k, action]` values. The encoding is described in
docs/internals.md and read by templates/router.js.j2.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from cfroutes.config.model import (
    SPILL_VERSION_LEN,
    TENANT_REF,
    VIEWER_RESPONSE,
    Function,
    HeaderRule,
    Match,
    Origin,
    Redirect,
    Respond,
    Rewrite,
    Route,
    Template,
    ValueCond,
    spill_prefix,
)
from cfroutes.config.patterns import SITE_HEADER, host_parts, name_site, rendered_templates
from cfroutes.errors import Diagnostic
from cfroutes.platform.limits import KVS_VALUE_MAX
from cfroutes.platform.profile import get_profile
from cfroutes.platform.uri import needs_normal, normal_path, uri_text

#: after the spill prefix, a key of a file that exists (`files:` in the store); exact route keys
#: start with '/' or a host, never with it
FILE_MARK = "!"

COND_KIND = {"equals": 0, "present": 1, "absent": 2, "regex": 3}


@dataclass
class Plan:
    function: Function
    P: list[dict[str, Any]]  # pattern route records, in order
    G: dict[str, list[int]]  # "/seg" -> positions in P; "" -> generic
    X: list[list[Any]]  # [rank, exact table] for each rank that has exact routes
    H: list[dict[str, Any]]  # header rules
    spilled: list[tuple[str, str]] = field(default_factory=list)  # KVS (key, value), keys versioned
    spill_version: str = ""  # the spilled table's content hash, in every spilled key ("" = no spill)
    mark: str = ""  # stands for the last path segment inside exact redirect targets ("" = unused)
    flags: dict[str, bool] = field(default_factory=dict)
    FS: dict[str, int] = field(default_factory=dict)  # the files that exist (`files:`), normal form
    files_kvs: bool = False  # the files are keys of the store (FILE_MARK + path), not FS
    shadowed: list[tuple[Route, Route]] = field(default_factory=list)  # (dropped, by)
    exact_count: int = 0
    # prefix routes (docs/internals.md): Y like X, keyed by literal prefix; YD their depths, longest first
    Y: list[list[Any]] = field(default_factory=list)
    YD: list[int] = field(default_factory=list)
    prefix_count: int = 0
    ydata: dict[int, list[Any]] = field(default_factory=dict)  # route index -> its [rank, seq, record] in a list
    diagnostics: list[Diagnostic] = field(default_factory=list)


def template(t: Template, uri: bool = False) -> Any:
    """A template's record; `uri`: a Location or rewritten URI, whose literal text is made
    valid URI text (non-ASCII percent-encoded, platform/uri.py)."""
    if t.is_literal:
        return uri_text(t.literal) if uri else t.literal
    return [(uri_text(p) if uri else p) if isinstance(p, str) else [p.name, *p.fields] for p in t.parts]


def _seg(s: str, icase: bool) -> str:
    """A literal path segment in the normal form (semantics §1.1), lower-cased under icase."""
    s = normal_path(s)
    return s.lower() if icase else s


def _conds(cs: tuple[tuple[str, ValueCond], ...], site: Callable[[str], int]) -> list[list[Any]]:
    out = []
    for name, c in cs:
        rec: list[Any] = [name, COND_KIND[c.kind]]
        if c.value is not None:
            rec.append(c.value)
        if c.groups:  # [name, group number, site]: the site picks the characters that stop it binding
            rec.append([[g, i, site(g)] for g, i in c.groups])
        out.append(rec)
    return out


def match_record(m: Match, icase: bool, strict: bool,
                 site: Callable[[str], int] = lambda _: SITE_HEADER) -> dict[str, Any]:
    r: dict[str, Any] = {}
    if m.path is not None:
        r["p"] = [_seg(s, icase) if isinstance(s, str) else [s.name] for s in m.path.segments]
        if m.path.splat:
            r["s"] = 1
        elif strict and m.path.trailing_slash and m.path.segments:
            r["ts"] = 1  # not "t": that key is the action type of a route record
        elif strict:
            r["ts"] = 0
    if m.regex is not None:
        r["x"] = m.regex.js_source
        r["xg"] = [[n, i] for n, i in m.regex.groups]
    if m.host is not None:
        r["h"] = [s if isinstance(s, str) else [s.name] for s in m.host.labels]
        if m.host.wildcard:
            r["hw"] = 1
    if m.methods:
        r["me"] = list(m.methods)
    if m.query:
        r["q"] = _conds(m.query, site)
    if m.headers:
        r["hd"] = _conds(m.headers, site)
    if m.cookies:
        r["ck"] = _conds(m.cookies, site)
    if m.country:
        r["co"] = list(m.country)
    if m.file is not None:
        r["fl"] = 1 if m.file == "exists" else 2  # against c.f (the request's path in FS: 1, else 2)
    return r


def respond_record(a: Respond) -> dict[str, Any]:
    r: dict[str, Any] = {"t": "s", "st": a.status}
    if a.body is not None:
        r["b"] = a.body
    if a.content_type:
        r["ct"] = a.content_type
    if a.headers:
        r["hh"] = [list(h) for h in a.headers]
    return r


def _rewrite_record(a: Rewrite) -> dict[str, Any]:
    r: dict[str, Any] = {"u": template(a.to, uri=True)}
    if a.query == "drop":
        r["qd"] = 1
    return r


def action_record(route: Route, debug: bool) -> Any:
    a = route.action
    r: dict[str, Any]
    if isinstance(a, Redirect):
        simple = (a.status == 301 and a.query == "keep" and a.to.is_literal and not route.set_headers
                  and not route.remove_headers and not debug)
        if simple:
            return uri_text(a.to.literal)  # the densest form: a bare target string
        r = {"t": "r", "u": template(a.to, uri=True)}
        hn = host_parts(a.to)
        if hn:
            r["hn"] = hn  # placeholders in the first hn parts lie in the host: percent-encoded
        if a.status != 301:
            r["st"] = a.status
        if a.query == "drop":
            r["qd"] = 1
    elif isinstance(a, Rewrite):
        r = {"t": "w", **_rewrite_record(a)}
    elif isinstance(a, Respond):
        r = respond_record(a)
    else:
        assert isinstance(a, Origin)
        r = {"t": "o"}
        if a.origin_id is not None:
            r["oi"] = template(a.origin_id)
        if a.domain is not None:
            r["od"] = template(a.domain)
        if a.path is not None:
            r["op"] = template(a.path)
        if a.host_header is not None:
            r["oh"] = template(a.host_header)
        if a.rewrite is not None:
            r["w"] = _rewrite_record(a.rewrite)
    if route.set_headers:
        r["sh"] = [[n, template(t)] for n, t in route.set_headers]
    if route.remove_headers:
        r["rh"] = list(route.remove_headers)
    if debug:
        r["n"] = route.label
    return r


def exact_key(route: Route, icase: bool, strict: bool) -> tuple[str, bool]:
    """The table key of an exact route and whether it includes a host."""
    p = route.match.path
    assert p is not None
    segs = [s for s in p.segments if isinstance(s, str)]
    key = normal_path("/" + "/".join(segs) + ("/" if strict and p.trailing_slash and segs else ""))
    if icase:
        key = key.lower()
    host = route.match.host
    if host is not None:
        return host.literal.lower() + key, True
    return key, False


MARKS = "`^|~"


def _choose_mark(fn: Function, debug: bool) -> str:
    """A character no exact redirect target contains, or "" when all are taken."""
    used = "".join([r.action.to.source for r in fn.routes if isinstance(r.action, Redirect) and r.is_exact])
    return "" if debug else next((m for m in MARKS if m not in used), "")


def _literal_last(route: Route) -> str:
    p = route.match.path
    segs = [s for s in p.segments if isinstance(s, str)] if p is not None else []
    return segs[-1] if segs else ""


def _uses_mark(X: list[list[Any]], mark: str) -> bool:
    return bool(mark) and any(isinstance(v, str) and mark in v
                              for _, t in X for d in t.values() for v in d.values())


def prefix_key(route: Route, icase: bool) -> str | None:
    """The table key of a prefix route (`/a/b/*`: literal segments, a splat, nothing else), or None."""
    m = route.match
    p = m.path
    if (p is None or not p.splat or not p.segments or any(not isinstance(s, str) for s in p.segments)
            or m.host is not None or m.regex is not None or m.methods or m.has_conditions or route.lookup):
        return None
    key = "/" + "/".join(s for s in p.segments if isinstance(s, str))
    if normal_path(key) != key:  # a literal with % or non-ASCII stays a pattern route (compared in §1.1's form)
        return None
    return key.lower() if icase else key


def named_prefix_key(route: Route, icase: bool) -> tuple[str, int] | None:
    """The table key of a `:name` prefix route (`/a/:x/*`, `/blog/:y/:s`: literal segments, then
    at least one `:name`, no host, regex, methods, conditions or lookup) and its literal depth, or None."""
    m = route.match
    p = m.path
    if (p is None or not p.segments or not isinstance(p.segments[0], str) or all(isinstance(s, str) for s in p.segments)
            or m.host is not None or m.regex is not None or m.has_conditions or route.lookup or route.tenant_refs):
        return None
    n = next(i for i, s in enumerate(p.segments) if not isinstance(s, str))
    key = "/" + "/".join(s for s in p.segments[:n] if isinstance(s, str))
    if normal_path(key) != key:  # as prefix_key: % or non-ASCII stays a pattern route
        return None
    return (key.lower() if icase else key), n


def _covering(prefixes: dict[str, Route], key: str) -> Route | None:
    """The earliest kept prefix route whose prefix `key` lies under (equal to it or
    followed by '/'), found by its ancestors:
    a scan of every prefix per route made 5,000 prefix routes a 25-million-step plan."""
    found = [prefixes[a] for a in _ancestors(key) if a in prefixes]
    return min(found, key=lambda r: r.span.line) if len(found) > 1 else (found[0] if found else None)


def _ancestors(key: str) -> list[str]:
    """'/a/b/c' -> ['/a', '/a/b', '/a/b/c'] (a trailing '/' adds the key itself)."""
    parts = key.split("/")
    return ["/".join(parts[:n]) for n in range(2, len(parts) + 1)]


def _named_eligible(fn: Function, icase: bool, strict: bool) -> dict[int, tuple[str, int]]:
    """Route index -> (key, depth) of the `:name` prefix routes that can be data: no exact route
    written after one lies under its prefix (an exact match would otherwise win a tie of ranks)."""
    last: dict[str, int] = {}  # prefix -> index of the last exact route under it
    for i, r in enumerate(fn.routes):
        if r.is_exact:
            key, _ = exact_key(r, icase, strict)
            for a in _ancestors(key[key.index("/"):]):
                last[a] = i
    out = {}
    for i, r in enumerate(fn.routes):
        nk = named_prefix_key(r, icase)
        if nk is not None and last.get(nk[0], -1) < i:
            out[i] = nk
    return out


def _named_entry(route: Route, depth: int, rank: int, seq: int, icase: bool, strict: bool, debug: bool) -> list[Any]:
    """[rank, seq, record]: a pattern record (match_record's, the action merged) whose path omits
    the first `depth` literal segments (the table key gives them back)."""
    rec = match_record(route.match, icase, strict)
    rec["p"] = rec["p"][depth:]
    act = action_record(route, debug)
    rec.update({"t": "r", "u": act} if isinstance(act, str) else act)
    return [rank, seq, rec]


#: json.dumps(v, separators=(",", ":"), ensure_ascii=False), one encoder for every spilled entry
_ENTRY = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def plan(fn: Function, *, spill: bool = False, debug: bool = False, prefix: int = 0) -> Plan:
    """Encode `fn`; with `spill`, every exact route goes to the KeyValueStore. `prefix`: 0 prefix
    routes stay pattern routes, 1 they go to the table Y, 2 to the KeyValueStore (with `spill`)."""
    icase = fn.options.icase
    strict = fn.options.strict
    P: list[dict[str, Any]] = []
    X: list[list[Any]] = []
    spilled: dict[str, str] = {}
    seen_hostless: dict[str, Route] = {}
    seen_host: dict[str, Route] = {}
    shadowed: list[tuple[Route, Route]] = []
    generic: list[int] = []
    groups: dict[str, list[int]] = {}
    exact_count = 0
    mark = _choose_mark(fn, debug)
    Y: list[list[Any]] = []
    prefixes: dict[str, Route] = {}  # kept prefix routes, in order
    depths: set[int] = set()
    # the spilled actions, kept for _flags (which would otherwise decode every entry's JSON)
    spilled_acts: tuple[list[Any], list[Any]] = ([], [])  # (exact, prefix)
    # `:name` prefix routes (and prefix routes after one that covers them): lists of [rank, seq, record]
    named = _named_eligible(fn, icase, strict) if prefix else {}
    ylists: dict[str, list[list[Any]]] = {}

    def ylist(key: str, rank: int) -> list[list[Any]]:
        if key not in ylists:
            ylists[key] = []
            depths.add(key.count("/"))
            if not (prefix == 2 and spill):
                if not Y or Y[-1][0] != rank:
                    Y.append([rank, {}])
                cut = key.rindex("/")
                Y[-1][1].setdefault(key[:cut], {})[key[cut:]] = ylists[key]
        return ylists[key]

    ybytes: dict[str, int] = {}

    def fits(key: str, entry: list[Any]) -> bool:
        """Does the spilled list of `key` stay within KVS_VALUE_MAX with `entry` (inline: always)?"""
        if not (prefix == 2 and spill):
            return True
        n = ybytes.get(key, len('[-1,[]]')) + len(json.dumps(entry, separators=(",", ":"), ensure_ascii=False).encode()) + 1
        if n > KVS_VALUE_MAX:
            return False
        ybytes[key] = n
        return True

    for seq, route in enumerate(fn.routes):
        if seq in named:
            nk, depth = named[seq]
            by = _covering(prefixes, nk)
            if by is not None:  # an earlier prefix route takes every request this one would
                shadowed.append((route, by))
                continue
            entry = _named_entry(route, depth, len(P), seq, icase, strict, debug)
            if fits(nk, entry):
                ylist(nk, len(P)).append(entry)
                continue
            # its spilled list would pass KVS_VALUE_MAX: it stays a pattern route (below)
        pk = prefix_key(route, icase) if prefix and seq not in named else None
        if pk is not None:
            by = _covering(prefixes, pk)
            if by is not None:  # an earlier prefix route takes every request this one would
                shadowed.append((route, by))
                continue
            prefixes[pk] = route
            rank = len(P)
            if ylists and any(a in ylists for a in _ancestors(pk)):  # under a `:name` prefix route
                entry = _named_entry(route, pk.count("/"), rank, seq, icase, strict, debug)
                if fits(pk, entry):
                    ylist(pk, rank).append(entry)
                    continue
                del prefixes[pk]  # too large for its spilled list: a pattern route in P
                pk = None
        if pk is not None:
            act = action_record(route, debug)
            depths.add(pk.count("/"))
            if prefix == 2 and spill:
                spilled["*" + pk] = _ENTRY([rank, act])
                spilled_acts[1].append(act)
            else:
                if not Y or Y[-1][0] != rank:
                    Y.append([rank, {}])
                cut = pk.rindex("/")
                Y[-1][1].setdefault(pk[:cut], {})[pk[cut:]] = act
            continue
        if route.is_exact:
            key, with_host = exact_key(route, icase, strict)
            path_key = key[key.index("/"):]
            by = seen_hostless.get(path_key) or (seen_host.get(key) if with_host else None)
            if by is None and prefixes:  # an earlier prefix route (same rank) takes its requests
                by = _covering(prefixes, path_key)
            if by is not None:
                shadowed.append((route, by))
                continue
            (seen_host if with_host else seen_hostless)[key] = route
            rank = len(P)
            rec = action_record(route, debug)
            cut = key.rindex("/")
            last = key[cut + 1:]
            if mark and isinstance(rec, str) and len(last) >= 3 and last in rec and _literal_last(route) == last:
                rec = rec.replace(last, mark, 1)  # the target repeats the source's last segment
            exact_count += 1
            if spill:
                spilled[key] = _ENTRY([rank, rec])
                spilled_acts[0].append(rec)
            else:
                if not X or X[-1][0] != rank:
                    X.append([rank, {}])
                X[-1][1].setdefault(key[:cut], {})[key[cut:]] = rec  # {dir: {'/last': action}}
            continue
        sites = rendered_templates(route)
        rec = match_record(route.match, icase, strict, partial(name_site, sites))
        act = action_record(route, debug)
        if isinstance(act, str):
            act = {"t": "r", "u": act}
        rec.update(act)
        if route.lookup is not None:
            lk = route.lookup
            rec["lk"] = [template(lk.key), lk.as_name, 1 if lk.format == "json" else 0,
                         respond_record(lk.missing) if lk.missing else 0]
            if lk.format != "json":  # a JSON lookup's fields are checked where they are rendered (D)
                rec["lk"].append(name_site(sites, lk.as_name))
        if route.match.tenant is not None or route.tenant_refs:
            rec["tn"] = tenant_record(route, sites)
        pos = len(P)
        P.append(rec)
        m = route.match
        first = m.path.segments[0] if m.path is not None and m.path.segments else None
        if isinstance(first, str) and m.regex is None:
            groups.setdefault("/" + _seg(first, icase), []).append(pos)
        else:
            generic.append(pos)
    G: dict[str, list[int]] = {k: sorted(set(v) | set(generic)) for k, v in groups.items()}
    if generic:
        G[""] = generic
    H = []
    for rule in fn.headers:
        h = match_record(rule.match, icase, strict)
        if rule.set:
            h["sh"] = [[n, template(t)] for n, t in rule.set]
        if rule.remove:
            h["rh"] = list(rule.remove)
        if rule.status:
            h["ss"] = list(rule.status)
        if rule.match.tenant is not None or rule.tenant_refs:
            h["tn"] = tenant_record(rule, [(SITE_HEADER, t) for _, t in rule.set])
        H.append(h)
    if prefix == 2 and spill:  # [-1, entries]: [rank, action] is a plain prefix route
        for k, entries in ylists.items():
            spilled["*" + k] = json.dumps([-1, entries], separators=(",", ":"), ensure_ascii=False)
            spilled_acts[1].append(entries)
    table = sorted(spilled.items())  # (sorted once: the version's text and the plan's list share the order)
    version = _table_version(table) if spilled else ""
    pre = spill_prefix(version)
    result = Plan(fn, P, G, X, H, [(pre + k, v) for k, v in table],
                  spill_version=version, shadowed=shadowed, exact_count=exact_count,
                  Y=Y, YD=sorted(depths, reverse=True), prefix_count=len(prefixes) + sum(e[1] in named for v in ylists.values() for e in v))
    result.mark = mark if any(mark in v for v in spilled.values()) or _uses_mark(X, mark) else ""
    if fn.files is not None and any(m.file for m in [*(r.match for r in fn.routes), *(h.match for h in fn.headers)]):
        if files_in_store(fn):  # large: versioned keys in the store, beside spilled routes
            for path in sorted(fn.files.paths):
                spilled[FILE_MARK + path] = "1"
            version = spill_table_version(spilled)
            result.spilled = sorted((spill_prefix(version) + k, v) for k, v in spilled.items())
            result.spill_version = version
            result.files_kvs = True
        else:
            result.FS = {p: 1 for p in sorted(fn.files.paths)}
    result.ydata = {e[1]: e for v in ylists.values() for e in v}
    result.flags = _flags(fn, result, spill, debug, spilled_acts)
    _named_flags(result.flags, bool(ylists))
    return result


def _named_flags(flags: dict[str, bool], yname: bool) -> None:
    """`:name` prefix routes as data (F.yname): tried with M, run with A (C and T with them)."""
    flags["yname"] = yname
    if yname:
        flags["match"] = flags["act"] = True


def tenant_record(route: Route | HeaderRule, sites: list[tuple[int, Template]]) -> list[Any]:
    """[id condition (0 none, "" any tenant, else the ID), parameter conditions or 0,
    [[parameter, site]] the templates (and the lookup key) read, the site of {tenant.id} or -1]
    (router.js.j2 TN). A value only a lookup key reads has the header site (§4.1)."""
    tc = route.match.tenant
    refs = route.tenant_refs
    site: dict[tuple[str, ...], int] = {}
    for s, t in sites:
        for r in t.refs:
            if r.name == TENANT_REF:
                site[r.fields] = max(site.get(r.fields, SITE_HEADER), s)
    conds = _conds(tc.params, lambda n: name_site(sites, n)) if tc is not None and tc.params else 0
    params = sorted({r.fields[1] for r in refs if r.fields[0] == "params"})
    reads_id = any(r.fields == ("id",) for r in refs)
    return [0 if tc is None else tc.id or "", conds, [[n, site.get(("params", n), SITE_HEADER)] for n in params],
            site.get(("id",), SITE_HEADER) if reads_id else -1]


def spill_table_version(table: dict[str, str]) -> str:
    """A short content hash of a spilled table (unprefixed keys and their values): new code
    reads only its own table's keys, so old and new tables coexist in one store (docs/deploy.md)."""
    return _table_version(sorted(table.items()))


def _table_version(items: list[tuple[str, str]]) -> str:
    """spill_table_version of the table's items, sorted."""
    text = json.dumps(items, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:SPILL_VERSION_LEN]


def _may_have_fragment(route: Route) -> bool:
    """A redirect whose location may hold a '#': literal text, or data (request-line values cannot)."""
    a = route.action
    assert isinstance(a, Redirect)
    refs = a.to.refs
    if not refs:  # (the common case: no set to build)
        return "#" in a.to.literal
    data = set(route.match.condition_names) | ({route.lookup.as_name} if route.lookup else set())
    return "#" in a.to.literal or any(ref.name in data for ref in refs)


def files_in_store(fn: Function) -> bool:
    """Does the function keep its `files:` set in its KVS (too large to write into the code)?"""
    from cfroutes.config.files import INLINE_BYTES_MAX, inline_bytes

    return (fn.files is not None and fn.kvs is not None and get_profile(fn.runtime).key_value_store
            and inline_bytes(fn.files) > INLINE_BYTES_MAX)


def _has_pct_literal(fn: Function) -> bool:
    ms = [r.match for r in fn.routes] + [h.match for h in fn.headers]
    # one test of all the path patterns together (a `%` or non-ASCII literal segment is in the whole;
    # the rest of a pattern, `/`, `:name` and `*`, is ASCII without `%`)
    return needs_normal("".join([m.path.source for m in ms if m.path is not None]))


def _has(kinds: set[type], cls: type) -> bool:
    """Is an action of `cls` among the action types `kinds`?"""
    return any(issubclass(k, cls) for k in kinds)


def _flags(fn: Function, p: Plan, spill: bool, debug: bool,
           spilled_acts: tuple[list[Any], list[Any]]) -> dict[str, bool]:
    """The template's switches; `spilled_acts`: the spilled (exact, prefix) actions, as planned."""
    routes = fn.routes
    matches = [r.match for r in routes if not r.is_exact] + [h.match for h in fn.headers]
    # (a `file:` condition is no value condition: F.conds stays off for it)
    acts = [r.action for r in routes]
    # one pass over the routes for what every route may add (a pass per flag scanned 50,000 routes
    # a dozen times)
    kinds: set[type] = set()
    lookups = json_lookup = exacthost = hostenc = locenc = uenc = frag = qref = False
    edits: list[Route] = []
    missing: list[Respond] = []
    for r in routes:
        a = r.action
        kinds.add(type(a))
        lk = r.lookup
        if lk is not None:
            lookups = True
            json_lookup = json_lookup or lk.format == "json"
            if lk.missing:
                missing.append(lk.missing)
        if r.set_headers or r.remove_headers:
            edits.append(r)
        if not exacthost and r.match.host is not None and r.is_exact:
            exacthost = True
        if isinstance(a, Redirect):
            if a.to.refs:  # (host_parts is 0 without placeholders)
                locenc = uenc = True
                hostenc = hostenc or bool(host_parts(a.to))
            frag = frag or _may_have_fragment(r)
        elif not uenc and isinstance(a, (Rewrite, Origin)):
            t = a.to if isinstance(a, Rewrite) else a.rewrite.to if a.rewrite is not None else None
            uenc = t is not None and bool(t.refs)
        if not qref:  # the {query} binding: a template the route renders, or its lookup key, reads it
            ts = [a.to] if isinstance(a, Redirect) and not r.set_headers else [t for _, t in r.templates()]
            if lk is not None:
                ts.append(lk.key)
            qref = any(x.name == "query" for t in ts if t.refs for x in t.refs)
    cond_groups = any(m.condition_names for m in matches)
    # rules match the request as received: a route (rewrite, set_headers) or an earlier rule may
    # have edited the query or headers (the country header included) before a rule reads them
    rules_with_conds = any(h.match.query or h.match.headers or h.match.cookies or h.match.country
                           for h in fn.headers)
    header_names = [n for r in edits for n, _ in r.set_headers] + list(
        n for r in edits for n in r.remove_headers) + [n for h in fn.headers for n, _ in h.set] + ([
        n for a in acts if isinstance(a, Respond) for n, _ in a.headers] if _has(kinds, Respond) else []) + [
        n for m in missing for n, _ in m.headers]
    # exact actions: bare strings (the XR fast path) and records (the generic A)
    exact_actions = [v for _, t in p.X for d in t.values() for v in d.values()] + spilled_acts[0]
    prefix_actions = [v for _, t in p.Y for d in t.values() for v in d.values()] + spilled_acts[1]
    spilled_exact = len(spilled_acts[0])
    xstr = any(isinstance(a, str) for a in exact_actions)
    xrec = any(not isinstance(a, str) for a in exact_actions)
    host = any(m.host is not None for m in matches)
    return {
        "kvs": get_profile(fn.runtime).key_value_store and (lookups or (spill and bool(p.spilled)) or p.files_kvs),
        "lookup": lookups,
        "json": json_lookup,
        # V: the characters that stop a data value binding, by site (lookups, condition groups)
        "datacheck": lookups or cond_groups or any("tn" in r for r in p.P + p.H),
        "condgroups": cond_groups,
        # a placeholder in the host of a redirect target is percent-encoded (T's 4th argument)
        "hostenc": hostenc,
        # a control, space or DEL a request value brings into a redirect target is percent-encoded (LE)
        "locenc": locenc,
        # ... and its non-ASCII characters, in a redirect target or a rewritten URI (UE)
        "uenc": uenc,
        # the request's query goes before a '#' a redirect target may carry (literal or data)
        "frag": frag,
        # nothing spilled (no exact routes): no KVS read, no `await` in a non-async handler
        "spill": spill and bool(spilled_exact),
        "spillhost": spill and bool(spilled_exact) and exacthost,
        "exacthost": exacthost,
        "strict": fn.options.strict,
        "icase": fn.options.icase,
        # a literal path with a '%' or a non-ASCII character: the request's path is compared in
        # the normal form (NU, platform/uri.py); other configs keep their bytes
        "pct": _has_pct_literal(fn) or bool(p.FS) or p.files_kvs,
        # `file:` conditions: FS, the site's files, tested once per request (c.f)
        "files": bool(p.FS) or p.files_kvs,
        # ... or, when large, keys of the store: one KVS read per request (FE)
        "fileskvs": p.files_kvs,
        "methods": any(m.methods for m in matches),
        "host": host,
        "hostl": host or exacthost,  # HL(): the host lower-cased without its port
        # the {query} binding is built only when a template reads it
        "qref": qref or any(x.name == "query" for h in fn.headers for _, t in h.set for x in t.refs),
        "regex": any(m.regex is not None for m in matches),
        "conds": any(m.has_conditions for m in matches),
        "snapshot": fn.event != VIEWER_RESPONSE and rules_with_conds,
        "proto": "__proto__" in header_names,  # a header named __proto__ needs defineProperty
        "rules": bool(fn.headers),
        "response": fn.event == VIEWER_RESPONSE,
        "redirect": _has(kinds, Redirect),
        "respond": _has(kinds, Respond) or bool(missing),
        "rewrite": _has(kinds, Rewrite) or (_has(kinds, Origin) and any(isinstance(a, Origin) and a.rewrite for a in acts)),
        "origin": _has(kinds, Origin),
        "originhost": _has(kinds, Origin) and any(isinstance(a, Origin) and a.origin_id is not None
                                                  and a.host_header is not None for a in acts),
        "index": fn.options.index is not None,
        "debug": debug,
        "patterns": bool(p.P),
        "match": bool(p.P) or bool(fn.headers),
        "exact": bool(p.X) or bool(spilled_exact),
        "mark": bool(p.mark),
        "xstr": xstr,
        "xrec": xrec,
        "act": bool(p.P) or xrec or any(not isinstance(a, str) for a in prefix_actions),  # A (and T, C)
        # prefix routes (`/a/b/*`) as data: Y inline, or spilled under spill + '*' + prefix
        "prefix": bool(prefix_actions),
        "yspill": bool(prefix_actions) and not p.Y,
        "edits": bool(edits) or bool(fn.headers),
        # the distribution tenant (TN): routes and header rules with `tenant:` or
        # {tenant.id}/{tenant.params.NAME} (also in a lookup key)
        "tenant": any("tn" in r for r in p.P + p.H),
    }
