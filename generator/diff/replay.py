"""Replay requests through two builds and group the requests whose outcome changes.

An outcome is what the function did, in the fields a reviewer cares about: for a
response its status, `location` and headers; for a request that goes on its URI, query
string, origin and the headers it added, changed or removed; or the error. Each request
runs through every function of the config of its event type: viewer-request functions
get the request, viewer-response functions the request with a 200 response from the
origin. A function that exists in only one of the builds counts as "not there" on the
other side (the request passes untouched).

Identical requests are replayed once (a day of logs repeats its popular URLs).

Changes are grouped by what changed for a reviewer: the route that decided the request in each
build (old route -> new route, read from the reference model) and the kind of outcome before and
after (`redirect 301`, `request`, `response 404`, ...); each group keeps its count and its first
EXAMPLES_KEPT requests with their exact outcomes, so 300,000 changed requests of one edited route
are one group, not 300,000 lines.
"""
from __future__ import annotations

import json
import multiprocessing
import os
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from cfroutes.compiler import Compiled
from cfroutes.config.model import VIEWER_REQUEST, VIEWER_RESPONSE, ConnRoute, Route
from cfroutes.emulator import Invocation
from cfroutes.emulator.local_edge import LocalEdge, Request, merge_store
from cfroutes.emulator.tenant import TENANT_KEY, Tenant, with_tenant
from cfroutes.platform.event import CONNECTION_REQUEST, format_query
from cfroutes.reference import Trace, evaluate, evaluate_connection
from cfroutes.testing.events import RequestError, build_event, build_response
from cfroutes.testing.runner import origin_summary

ABSENT = "(no such function)"


@dataclass(frozen=True)
class Replay:
    """One request to replay: where it came from, and the event per event type."""
    source: str                      # "access.log:17" or "routes.yaml:40 case 'x'"
    request: str                     # "GET https://host/path?q"
    events: Any  # event type -> event (a dict, or a callable building the event on first use)
    kvs: dict[str, str | None] | None = None  # a case's kvs overrides
    function: str | None = None      # a case names its function; log requests go to all
    key: str = ""                    # identical requests share a key (a case has its own)


#: examples a group keeps (`cfroutes diff --examples N` shows up to this many)
EXAMPLES_KEPT = 100


@dataclass
class Example:
    source: str   # "access.log:17"
    request: str  # "GET https://host/path?q"
    before: str   # the exact outcomes (summarize)
    after: str


@dataclass
class Change:
    """One kind of change: in `function`, requests that `route_before` decided in the base build and
    `route_after` decides now, with outcomes of kind `before` -> `after`."""

    function: str
    before: str
    after: str
    route_before: str = ""
    route_after: str = ""
    count: int = 0
    examples: list[Example] = field(default_factory=list)
    shown: set[str] = field(default_factory=set, repr=False, compare=False)  # the examples' requests


@dataclass
class Result:
    replayed: int = 0
    changed: int = 0
    changes: dict[tuple[str, str, str, str, str], Change] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)

    def groups(self) -> list[Change]:
        return sorted(self.changes.values(), key=lambda c: (-c.count, c.function, c.route_before, c.route_after,
                                                            c.before, c.after))


def outcome_kind(summary: str) -> str:
    """The kind of an outcome (what `summarize` wrote), without the request's own values:
    `redirect 301`, `response 404`, `request`, `request, origin, headers`, `error`, ..."""
    if summary in (ABSENT, NOT_RUN):
        return "not run" if summary == NOT_RUN else summary
    if summary.startswith("error: "):
        return "error"
    if summary.startswith("response "):
        words = summary.split(" ")
        kind = ("redirect " if len(words) > 2 and words[2] == "location" else "response ") + words[1]
        return kind + (", headers" if " headers {" in summary else "")
    if summary.startswith("request "):
        return "request" + (", origin" if " origin " in summary else "") + (", headers" if " headers {" in summary
                                                                              else "")
    return summary


def _route_of(side: _Side, name: str, event: dict[str, Any], kvs: dict[str, str | None] | None) -> str:
    """Which route of `name` decided `event` in this build (the reference model's answer)."""
    cf = side.compiled.function(name)
    if cf is None:
        return ABSENT
    trace = Trace()
    try:
        if cf.function.event == CONNECTION_REQUEST:  # semantics §10
            evaluate_connection(cf.function, event, merge_store(side.stores[name], kvs), trace)
        else:
            evaluate(cf.function, event, merge_store(side.stores[name], kvs), trace)
    except Exception:  # noqa: BLE001 - the request's outcome is still shown; only the route is unknown
        return "(route unknown)"
    if trace.route is None:
        return "no route"
    route: Route | ConnRoute = (cf.function.connection if cf.function.event == CONNECTION_REQUEST
                                else cf.function.routes)[trace.route]
    return f"{route.title} (line {route.span.line})" + (" lookup missing" if trace.missing else "")


def _headers_map(headers: Any) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, entry in (headers or {}).items():
        if not isinstance(entry, dict):
            out[name.lower()] = [repr(entry)]
            continue
        values = [m.get("value") for m in entry.get("multiValue") or []] or [entry.get("value")]
        out[name.lower()] = [str(v) for v in values]
    return out


def summarize(inv: Invocation | None, event: dict[str, Any]) -> str:
    """A one-line, comparable description of what a function did with `event`."""
    if inv is None:
        return ABSENT
    errors = ([inv.error] if inv.error else []) + list(inv.validation_errors or [])
    if errors:
        return "error: " + "; ".join(errors)
    out = inv.output or {}
    if "decision" in out:  # a connection function
        logs = out.get("customData") or []
        return f"connection {out['decision']}" + (f" log {json.dumps(logs, ensure_ascii=False)}" if logs else "")
    if "response" in out:
        r = out["response"] or {}
        given = _headers_map((event.get("response") or {}).get("headers"))
        hs = _headers_map(r.get("headers"))
        parts = [f"response {r.get('statusCode')}"]
        loc = hs.pop("location", None)
        if loc:
            parts.append(f"location {loc[0]}")
        if (edits := _edits(given, hs)):
            parts.append("headers " + edits)
        return " ".join(parts)
    if "request" in out:
        r = out["request"] or {}
        qs = format_query(r.get("querystring"))
        parts = [f"request {r.get('uri')}{'?' + qs if qs else ''}"]
        o = origin_summary(inv.origin)
        if o:
            parts.append("origin " + ", ".join(f"{k}={v}" for k, v in o.items()))
        given = _headers_map(event["request"].get("headers"))
        hs = _headers_map(r.get("headers"))
        if (edits := _edits(given, hs)):
            parts.append("headers " + edits)
        return " ".join(parts)
    return "no output"


def _edits(given: dict[str, list[str]], now: dict[str, list[str]]) -> str:
    """The headers set, changed (new value) or removed (null), as JSON: values may hold `; `."""
    d: dict[str, Any] = {k: (v[0] if len(v) == 1 else v) for k, v in sorted(now.items()) if given.get(k) != v}
    d.update({k: None for k in sorted(given) if k not in now})
    return json.dumps(d, ensure_ascii=False) if d else ""


NOT_RUN = "not run (the viewer-request function answered: CloudFront runs no viewer-response function then)"


def _code(source: str) -> str:
    """A function's code without its first comment line (tool version and config hash: they
    change with any edit of the config, not with what this function does)."""
    return source.split("\n", 1)[1] if source.startswith("// cfroutes") else source


class _Side:
    """One build on the local edge (its functions prepared once and run in warm contexts)."""

    def __init__(self, compiled: Compiled) -> None:
        self.compiled = compiled
        self.edge = LocalEdge.of(compiled.functions)
        self.events = {cf.name: cf.function.event for cf in compiled.functions}
        # the bundle's stores, for the reference model's "which route decided" (changed requests only)
        self.stores = {cf.name: cf.kvs_dict() for cf in compiled.functions}

    def prepare_all(self) -> None:
        for name in self.events:
            self.edge.prepare(name)

    def run_many(self, name: str, events: list[dict[str, Any]],
                 kvss: list[dict[str, str | None] | None]) -> list[Invocation | None]:
        """Many events of one function (each with its case's kvs overrides, or None), pipelined
        through the engine's worker: one round trip for the lot instead of one per request.
        None for a function this build does not have."""
        if name not in self.events:
            return [None] * len(events)
        out: list[Invocation | None] = list(self.edge.invoke_many(
            [Request(name, ev, kv) for ev, kv in zip(events, kvss, strict=True)]))
        return out


#: requests read ahead and replayed as one block; a block this big uses every CPU (fork)
BLOCK = 8192
PARALLEL_MIN = 2000


@dataclass
class _Ctx:
    names: list[str]
    same: set[str]
    types: dict[str, str]
    memo: dict[tuple[str, str], tuple[str, str, bool, bool, str, str]]
    a: _Side
    b: _Side
    chain: str | None = None  # the one viewer-request function, whose answers stop the viewer-response ones
    late_changed: bool = False  # a viewer-response function differs between the builds
    errors: dict[str, str] = field(default_factory=dict)  # request key -> why it cannot be an event


def replay(before: Compiled, after: Compiled, requests: Iterable[Replay],
           bad: Callable[[Replay, str], None] | None = None, *, jobs: int | None = None,
           progress: Callable[[Result], None] | None = None) -> Result:
    """Every request through both builds; `bad(request, reason)` hears of requests that cannot be events,
    `progress(result so far)` of every block done."""
    a, b = _Side(before), _Side(after)
    names = list(dict.fromkeys([cf.name for cf in after.functions] + [cf.name for cf in before.functions]))
    # a function whose code and store are the same in both builds answers the same: skip it
    same = {name for name in names
            if (x := before.function(name)) is not None and (y := after.function(name)) is not None
            and _code(x.source) == _code(y.source) and x.kvs_data == y.kvs_data}
    types = {**a.events, **b.events}
    names.sort(key=lambda n: types[n] != VIEWER_REQUEST)  # viewer-request functions first
    vreq = [n for n in names if types[n] == VIEWER_REQUEST]
    # one viewer-request function: a request it answers never reaches the viewer-response ones
    chain = vreq[0] if len(vreq) == 1 and vreq[0] in a.events and vreq[0] in b.events else None
    ctx = _Ctx(names, same, types, {}, a, b, chain,
               late_changed=any(x not in same for x in names if types[x] == VIEWER_RESPONSE))
    n = jobs if jobs is not None else (os.cpu_count() or 1)
    res = Result()
    block: list[Replay] = []
    for rq in requests:
        block.append(rq)
        if len(block) >= BLOCK:
            _block(block, ctx, res, bad, n)
            block = []
            if progress is not None:
                progress(res)
    if block:
        _block(block, ctx, res, bad, n)
    return res


def _block(block: list[Replay], ctx: _Ctx, res: Result, bad: Callable[[Replay, str], None] | None, n: int) -> None:
    if n > 1 and len(block) >= PARALLEL_MIN and "fork" in multiprocessing.get_all_start_methods():
        outcomes = _parallel(block, ctx, n)
    else:
        _prefetch(block, ctx)
        outcomes = [_one(rq, ctx) for rq in block]
    for rq, out in zip(block, outcomes, strict=True):
        if isinstance(out, str):
            if bad is not None:
                bad(rq, out)
            continue
        res.replayed += 1
        res.changed += bool(out)
        for name, s1, s2, r1, r2 in out:
            k1, k2 = outcome_kind(s1), outcome_kind(s2)
            ch = res.changes.get((name, r1, r2, k1, k2))
            if ch is None:
                ch = res.changes[(name, r1, r2, k1, k2)] = Change(name, k1, k2, r1, r2)
            ch.count += 1
            if len(ch.examples) < EXAMPLES_KEPT and rq.request not in ch.shown:  # a repeat is no new example
                ch.shown.add(rq.request)
                ch.examples.append(Example(rq.source, rq.request, s1, s2))


_WORK: tuple[list[Replay], _Ctx, int] | None = None


def _parallel(block: list[Replay], ctx: _Ctx, n: int) -> list[list[tuple[str, str, str, str, str]] | str]:
    """Requests of one key go to one worker (so its memo serves the repeats); results in order."""
    global _WORK
    ctx.a.prepare_all()  # once, before forking: the workers inherit the prepared functions
    ctx.b.prepare_all()
    _WORK = (block, ctx, n)
    try:
        with multiprocessing.get_context("fork").Pool(n) as pool:
            parts = pool.map(_work, range(n))
    finally:
        _WORK = None
    out: list[list[tuple[str, str, str, str, str]] | str] = [[] for _ in block]
    for done, memo, errors in parts:
        for i, o in done:
            out[i] = o
        ctx.memo.update(memo)
        ctx.errors.update(errors)
    return out


def _work(k: int) -> tuple[list[tuple[int, list[tuple[str, str, str, str, str]] | str]], dict[tuple[str, str], Any],
                           dict[str, str]]:
    assert _WORK is not None
    block, ctx, n = _WORK
    before, errors_before = set(ctx.memo), set(ctx.errors)
    mine = [i for i, rq in enumerate(block) if zlib.crc32(rq.key.encode()) % n == k]
    _prefetch([block[i] for i in mine], ctx)
    done = [(i, _one(block[i], ctx)) for i in mine]
    return (done, {key: v for key, v in ctx.memo.items() if key not in before},
            {key: v for key, v in ctx.errors.items() if key not in errors_before})


def _reaches(ctx: _Ctx, rq: Replay, name: str) -> bool:
    """Is `name` replayed for `rq`? A case reaches its own function; a log request every
    function, but one unchanged between the builds only when it is the viewer-request
    function whose answers decide whether a changed viewer-response function runs."""
    if rq.function is not None:
        return name == rq.function and name not in ctx.same
    if name in ctx.same:
        return name == ctx.chain and ctx.late_changed
    return True


def _prefetch(block: list[Replay], ctx: _Ctx) -> None:
    """Fill the memo for every request of the block: per function, its events go to each
    build's engine worker as one batch. Viewer-request functions go first: when there is one,
    a request it answers never reaches a viewer-response function (NOT_RUN on that side).
    A request that cannot be an event is recorded in `ctx.errors`."""
    for phase in (VIEWER_REQUEST, VIEWER_RESPONSE, CONNECTION_REQUEST):
        for name in (x for x in ctx.names if ctx.types[x] == phase):
            keys: list[tuple[str, str]] = []
            events: list[dict[str, Any]] = []
            kvss: list[dict[str, str | None] | None] = []
            flags: list[tuple[bool, bool]] = []  # per side: the viewer-request function answered
            for rq in block:
                key = (name, rq.key)
                if key in ctx.memo or rq.key in ctx.errors or not _reaches(ctx, rq, name):
                    continue
                try:
                    event = rq.events(phase) if callable(rq.events) else rq.events.get(phase)
                except (RequestError, ValueError) as exc:
                    ctx.errors[rq.key] = str(exc)
                    continue
                if event is None:
                    continue
                chain = (ctx.memo.get((ctx.chain, rq.key)) if phase == VIEWER_RESPONSE and rq.function is None and ctx.chain
                         else None)
                ctx.memo[key] = ("", "", False, False, "", "")  # a placeholder: a repeat is not queued twice
                keys.append(key)
                events.append(event)
                kvss.append(rq.kvs)
                flags.append((chain[2], chain[3]) if chain else (False, False))
            if not keys:
                continue
            runs_a = [i for i, f in enumerate(flags) if not f[0]]
            got_a = dict(zip(runs_a, ctx.a.run_many(name, [events[i] for i in runs_a], [kvss[i] for i in runs_a]), strict=True))
            if name in ctx.same:  # the same code and store: the same answer
                got_b = got_a
            else:
                runs_b = [i for i, f in enumerate(flags) if not f[1]]
                got_b = dict(zip(runs_b, ctx.b.run_many(name, [events[i] for i in runs_b], [kvss[i] for i in runs_b]), strict=True))
            for i, key in enumerate(keys):
                i1, i2 = got_a.get(i), got_b.get(i)
                s1 = NOT_RUN if flags[i][0] else summarize(i1, events[i])
                s2 = NOT_RUN if flags[i][1] else summarize(i2, events[i])
                r1 = r2 = ""
                if s1 != s2:  # which route decided it on each side: only for the changed
                    r1 = "(not run)" if flags[i][0] else _route_of(ctx.a, name, events[i], kvss[i])
                    r2 = "(not run)" if flags[i][1] else _route_of(ctx.b, name, events[i], kvss[i])
                ctx.memo[key] = (s1, s2, _answered(i1), _answered(i2), r1, r2)


def _answered(inv: Invocation | None) -> bool:
    return inv is not None and "response" in (inv.output or {})


def _one(rq: Replay, ctx: _Ctx) -> list[tuple[str, str, str, str, str]] | str:
    """One request's outcome from the memo (filled by `_prefetch`): the (function, before,
    after, route before, route after) that differ, or why the request cannot be an event."""
    if rq.key in ctx.errors:
        return ctx.errors[rq.key]
    found = []
    for name in ctx.names:
        entry = ctx.memo.get((name, rq.key)) if _reaches(ctx, rq, name) else None
        if entry is not None and entry[0] != entry[1]:
            found.append((name, entry[0], entry[1], entry[4], entry[5]))
    return found


def log_replay(lr: Any, tenant: Tenant | None = None) -> Replay:
    """A Replay from a logs.LogRequest; its events are built on first use (a repeat needs none),
    and a request CloudFront could not have passed raises RequestError then. A log line carries no
    distribution tenant: `tenant` is the one its host maps to (`diff --tenants`), else none."""
    headers = {"cookie": lr.cookie} if lr.cookie else None
    built: dict[str, dict[str, Any]] = {}

    def events(kind: str) -> dict[str, Any] | None:
        if kind == CONNECTION_REQUEST:
            return None  # an HTTP request log says nothing of the TLS handshake
        if kind not in built:
            if VIEWER_REQUEST not in built:
                built[VIEWER_REQUEST] = with_tenant(build_event(lr.request_line, headers=headers), tenant)
            if kind == VIEWER_RESPONSE:  # the same request, a 200 from the origin
                ev = json.loads(json.dumps(built[VIEWER_REQUEST]))
                ev["context"]["eventType"] = VIEWER_RESPONSE
                ev["response"] = build_response({"status": 200})
                built[kind] = ev
        return built[kind]

    key = "\0".join((lr.method, lr.host, lr.uri, lr.query, lr.cookie or ""))
    return Replay(f"{lr.file}:{lr.line}", lr.request_line, events, key=key)


def case_replay(case: Any) -> Replay:
    """A case replays with its own tenant (its event carries it), named beside the request."""
    tenant = case.event.get(TENANT_KEY)
    who = f", tenant {tenant['id']}" if isinstance(tenant, dict) else ""
    return Replay(f"{case.span.file}:{case.span.line}", f"{case.request} (case '{case.name}'{who})",
                  {case.event_type: case.event}, kvs=case.kvs, function=case.function,
                  key=f"\0case {case.span}")  # one case, one key: its kvs overrides are its own
