"""Run test cases through the emulator and compare what happened with `expect`.

Each function is prepared once per run; a passing case costs exactly one
invocation of the shipped bytes. Only for a failing case does the runner build the
function a second time with the debug header (`compile_function(debug=True)`) and
run the case again to learn which route matched.

How expectations compare (documented in docs/testing.md):
- `status`, `location`, `body`: the response the function returned (a redirect or
  `respond`, or the response of a viewer-response function); `body` compares the text
  (a base64 body is decoded).
- `uri`, `querystring`: the request that goes on to the origin. The query string is
  compared as the string rebuilt from the event object, in its key order: `k=v` joined
  by `&`, a repeated key once per value, an empty value written bare as `k`.
- `headers`, `cookies`: names compare case-insensitively; a string compares with the
  value, a list with every value of a repeated header, null means absent. For response
  cookies a string holding `;` compares with `value; attributes`.
- `origin`: a subset match of what the origin helpers were asked, in routes.yaml terms:
  `id` = selectRequestOriginById's originId, `domain` = updateRequestOrigin's
  domainName, `path` = originPath, `host_header` = hostHeader; `origin: null` = no
  helper was called.
- `error`: a substring of the function's error message or of a validation error (what
  CloudFront would answer with 502/503). Without `error`, any error fails the case.

Engines (`engine=`): "quickjs" (default, the embedded emulator), "njs" (every case of a
function in one njs process, generator/emulator/njs.py) or "both", where each case runs in
both and a divergence (output, origin call, validation errors, or an error in one engine
only) fails the case with both outcomes shown. Failures are explained (`route`) with the
QuickJS debug build.
"""
from __future__ import annotations

import base64
import binascii
import gc
import json
import multiprocessing
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cfroutes.compiler import Compiled, compile_function
from cfroutes.config.model import VIEWER_RESPONSE, ConnRoute, Route
from cfroutes.emulator import Invocation, watchdog
from cfroutes.emulator.local_edge import (
    COMPARED,
    MODES,
    SPLIT_MIN,
    WORKERS_MAX,
    Comparator,
    LocalEdge,
    Request,
    edge_function,
    merge_store,
)
from cfroutes.modes import Mode
from cfroutes.platform.event import CONNECTION_REQUEST, entry_value, entry_values, format_query
from cfroutes.terminal import escape_terminal
from cfroutes.testing.cases import Case

DEBUG_HEADER = "x-cfroutes-route"
ABSENT = "(absent)"
#: suites at least this big run on every CPU (fork) when there are several
PARALLEL_MIN = 400
ENGINES = MODES
ENGINES_DIFFER = "the engines differ"


@dataclass(frozen=True)
class Mismatch:
    field: str
    expected: str
    actual: str


@dataclass
class CaseResult:
    case: Case
    mismatches: list[Mismatch] = field(default_factory=list)
    invocation: Invocation | None = None
    route: str | None = None  # filled for failures: the route that matched, or a note
    where: str = ""  # the route's routes.yaml line and, for an imported route, its source rule
    note: str = ""

    @property
    def passed(self) -> bool:
        return not self.mismatches


# ------------------------------------------------------------------ formatting
def q(value: Any) -> str:
    """A value as shown in diffs: strings JSON-quoted so whitespace is visible."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(q(v) for v in value) + "]"
    return str(value)


def outcome(inv: Invocation | None) -> str:
    """One line: what the function did."""
    if inv is None:
        return "not run"
    out = inv.output or {}
    if "decision" in out:  # a connection function (emulator/connection.py)
        logs = out.get("customData") or []
        return f"connection {'allowed' if out['decision'] == 'allow' else 'denied'}" + (
            f" (log {q(logs)})" if logs else "")
    if "response" in out:
        r = out["response"] or {}
        loc = _header(r.get("headers"), "location")
        return f"response {r.get('statusCode')}" + (f" location {loc}" if loc is not None else "")
    if "request" in out:
        r = out["request"] or {}
        qs = format_query(r.get("querystring"))
        text = f"request {r.get('method', 'GET')} {r.get('uri')}{'?' + qs if qs else ''} goes on to the origin"
        o = origin_summary(inv.origin)
        return text + (f" ({', '.join(f'{k}={v}' for k, v in o.items())})" if o else "")
    return "no output: " + ("; ".join(errors_of(inv)) or "nothing returned")


def failure_line(res: CaseResult) -> str:
    c = res.case
    first = res.mismatches[0] if res.mismatches else None
    what = f": {first.field} expected {first.expected}, got {first.actual}" if first else ""
    if first is not None and first.field == ENGINES_DIFFER:
        what = f": {first.field}: {first.expected}; {first.actual.replace('njs:     ', 'njs: ', 1)}"
    return escape_terminal(f"FAIL {c.span} {c.function}: {c.name}{what}")


def format_diff(res: CaseResult) -> str:
    """The readable diff of a failure: request, route, outcome, then expected/actual per field
    (control characters from data escaped: see terminal.escape_terminal)."""
    c = res.case
    lines = [f"  request:  {c.request}"]
    if res.route is not None:
        lines.append(f"  route:    {res.route}" + (f" ({res.where})" if res.where else ""))
    lines.append(f"  outcome:  {outcome(res.invocation)}")
    if res.note:
        lines.append(f"  note:     {res.note}")
    inv = res.invocation
    if inv is not None and inv.logs:
        lines.append("  logs:     " + "\n            ".join(escape_terminal(x) for x in inv.logs[:10]))
    width = max((len(m.field) for m in res.mismatches), default=0)
    if any(m.field != ENGINES_DIFFER for m in res.mismatches):
        lines.append("  (- expected, + actual)")
    for m in res.mismatches:
        if m.field == ENGINES_DIFFER:  # two lines, one per engine, each escaped
            lines.append(f"  {m.expected}")
            lines.append(f"  {m.actual}")
            continue
        label = f"{m.field}:".ljust(width + 1)
        lines.append(f"  - {label} {m.expected}")
        lines.append(f"  + {label} {m.actual}")
    return "\n".join(line if line.startswith("  logs:") else escape_terminal(line) for line in lines)


# ------------------------------------------------------------------ helpers over the output
def _lower(obj: Any) -> dict[str, Any]:
    return {str(k).lower(): v for k, v in obj.items()} if isinstance(obj, dict) else {}


def _header(headers: Any, name: str) -> str | None:
    return entry_value(_lower(headers).get(name))


def origin_summary(origin: dict[str, Any] | None) -> dict[str, str]:
    """What the origin helpers were asked, in routes.yaml terms (id/domain/path/host_header)."""
    if not origin:
        return {}
    params = origin.get("params") or {}
    out: dict[str, str] = {}
    if origin.get("method") == "selectRequestOriginById":
        out["id"] = str(params.get("originId"))
        opts = params.get("options") or {}
        if "hostHeader" in opts:
            out["host_header"] = str(opts["hostHeader"])
    elif origin.get("method") == "updateRequestOrigin":
        for ours, theirs in (("domain", "domainName"), ("path", "originPath"), ("host_header", "hostHeader")):
            if theirs in params:
                out[ours] = str(params[theirs])
    else:
        out["helper"] = str(origin.get("method"))
    return out


def errors_of(inv: Invocation) -> list[str]:
    return ([inv.error] if inv.error else []) + list(inv.validation_errors)


def _body(resp: dict[str, Any]) -> str | None:
    b = resp.get("body")
    if isinstance(b, dict):
        data = str(b.get("data", ""))
        if b.get("encoding") == "base64":
            try:
                return base64.b64decode(data, validate=True).decode("utf-8", "replace")
            except (binascii.Error, ValueError):
                return data
        return data
    return None if b is None else str(b)


# ------------------------------------------------------------------ comparison
class _Shown(str):
    """A rendered expectation (not quoted again)."""


def compare(case: Case, inv: Invocation) -> list[Mismatch]:
    """Every expectation of `case` that `inv` does not meet."""
    e = case.expect
    out = inv.output or {}
    resp = out.get("response")
    req = out.get("request")
    mism: list[Mismatch] = []

    def add(name: str, expected: Any, actual: str) -> None:
        """`expected` is a value (quoted here) or an already rendered `_Shown`."""
        mism.append(Mismatch(name, str(expected) if isinstance(expected, _Shown) else q(expected), actual))

    errs = errors_of(inv)
    if e.error is not None:
        if not any(e.error in x for x in errs):
            add("error", e.error, "; ".join(q(x) for x in errs) or "(no error)")
    elif errs:
        add("error", _Shown("(no error)"), "; ".join(q(x) for x in errs))
        if inv.output is None:
            return mism  # nothing came out: the other fields would only repeat the error
    if e.allow is not None:
        decision = out.get("decision")
        if decision != ("allow" if e.allow else "deny"):
            add("allow", _Shown("true" if e.allow else "false"),
                f"(none: {outcome(inv)})" if decision is None else "true" if decision == "allow" else "false")
    if e.log is not None and list(e.log) != list(out.get("customData") or []):
        add("log", list(e.log), q(list(out.get("customData") or [])))
    def none() -> str:  # what came out instead (only rendered for a mismatch)
        return f"(none: {outcome(inv)})"

    if e.status is not None:
        actual = resp.get("statusCode") if isinstance(resp, dict) else None
        if actual != e.status:
            add("status", e.status, none() if actual is None else q(actual))
    if e.location is not None:
        actual = _header(resp.get("headers"), "location") if isinstance(resp, dict) else None
        if actual != e.location:
            add("location", e.location, (ABSENT if isinstance(resp, dict) else none()) if actual is None else q(actual))
    if e.body is not None:
        actual = _body(resp) if isinstance(resp, dict) else None
        if actual != e.body:
            add("body", e.body, (ABSENT if isinstance(resp, dict) else none()) if actual is None else q(actual))
    if e.uri is not None:
        actual = req.get("uri") if isinstance(req, dict) else None
        if actual != e.uri:
            add("uri", e.uri, none() if actual is None else q(actual))
    if e.querystring is not None:
        if not isinstance(req, dict):
            add("querystring", e.querystring, none())
        elif format_query(req.get("querystring")) != e.querystring:
            add("querystring", e.querystring, q(format_query(req.get("querystring"))))
    target = resp if isinstance(resp, dict) else req if isinstance(req, dict) else {}
    if e.headers:
        _compare_values(add, "headers", e.headers, _lower(target.get("headers")), response_cookies=False)
    if e.cookies:
        _compare_values(add, "cookies", e.cookies, dict(target.get("cookies") or {}),
                        response_cookies=isinstance(resp, dict))
    if e.origin is not None or e.origin_absent:
        actual_o = origin_summary(inv.origin)
        shown = "{" + ", ".join(f"{k}: {v}" for k, v in actual_o.items()) + "}" if actual_o else "(no origin helper called)"
        if e.origin_absent and actual_o:
            add("origin", _Shown("(no origin helper called)"), shown)
        elif e.origin is not None and any(actual_o.get(k) != v for k, v in e.origin.items()):
            add("origin", _Shown("{" + ", ".join(f"{k}: {v}" for k, v in e.origin.items()) + "}"), shown)
    return mism


def _compare_values(add: Any, what: str, expected: Iterable[tuple[str, Any]], actual: dict[str, Any],
                    *, response_cookies: bool) -> None:
    for name, exp in expected:
        entry = actual.get(name)
        label = f"{what}.{name}"
        if exp is None:
            if entry is not None:
                add(label, _Shown(ABSENT), q(entry_values(entry)[0] if len(entry_values(entry)) == 1 else entry_values(entry)))
            continue
        if entry is None:
            add(label, exp, ABSENT)
            continue
        if isinstance(exp, tuple):
            got = entry_values(entry)
            if got != list(exp):
                add(label, list(exp), q(got))
            continue
        got_v = entry_value(entry)
        if response_cookies and ";" in exp and isinstance(entry, dict) and entry.get("attributes"):
            got_v = f"{got_v}; {entry['attributes']}"
        if got_v != exp:
            add(label, exp, q(entry_values(entry)) if len(entry_values(entry)) > 1 else q(got_v))


# ------------------------------------------------------------------ the runner
class Runner:
    """Runs cases against one compiled config on the local edge (emulator/local_edge.py).

    cfroutes' own functions keep no state between requests, so one warm context per function
    serves every case (about 10x faster than a fresh context per case); the engines reset
    steps, logs, origin calls, the clock and the KVS each call.
    """

    def __init__(self, compiled: Compiled, engine: Mode | str = Mode.QUICKJS) -> None:
        if engine not in ENGINES:
            raise ValueError(f"unknown engine {engine!r} (expected {', '.join(ENGINES)})")
        self.engine = Mode(engine)
        self.compiled = compiled
        self._functions = [edge_function(cf) for cf in compiled.functions]
        self._edges: dict[Mode, LocalEdge] = {}
        self._debug = LocalEdge()  # debug builds (explaining failures), added per function on first use

    def start(self, workers: int = 1) -> None:
        """Fork the watchdog's first `workers` worker processes now (QuickJS), here and not on the
        threads a run spreads its parts over: the first one while the caller still reads the cases."""
        if self.engine is Mode.QUICKJS and watchdog.enabled():
            for index in range(min(workers, WORKERS_MAX)):
                watchdog.worker(watchdog.HANDLERS, index).start()

    def edge(self, mode: Mode | None = None) -> LocalEdge:
        """The bundle on one engine (default: the engine whose outcome a case reports)."""
        if mode is None:
            mode = COMPARED[self.engine][0] if self.engine in COMPARED else self.engine
        if mode not in self._edges:
            first = next(iter(self._edges.values()), None)
            self._edges[mode] = LocalEdge(self._functions, mode) if first is None else first.on(mode)
        return self._edges[mode]

    def _debug_edge(self, name: str) -> LocalEdge:
        if name not in self._debug.functions:
            cf = self.compiled.function(name)
            assert cf is not None, name
            built, _, _ = compile_function(self.compiled.config, cf.function, debug=True)
            self._debug.add(edge_function(built, f"dist/{name}.debug.js"))
        return self._debug

    @staticmethod
    def store_for(store: Mapping[str, str] | None,
                  overrides: Mapping[str, str | None] | None) -> Mapping[str, str] | None:
        """The store content for one case: the bundle's store with the case's kvs merged over it."""
        return merge_store(store, overrides)

    def invoke(self, case: Case, *, debug: bool = False) -> Invocation:
        edge = self._debug_edge(case.function) if debug else self.edge()
        return edge.invoke(case.function, case.event, case.kvs)

    def invoke_all(self, cases: list[Case]) -> list[Invocation]:
        """`invoke` for each case; the cases of one function go to the engine as one batch
        (a round trip per case would halve the throughput)."""
        return self.edge().invoke_many(_requests(cases))

    def route_of(self, case: Case) -> str:
        """Which route matched: run the case through the debug build and read its header."""
        if case.event_type == CONNECTION_REQUEST:
            return self._connection_route(case)
        inv = self.invoke(case, debug=True)
        out = inv.output or {}
        target = out.get("response") or out.get("request") or {}
        name = _header(target.get("headers"), DEBUG_HEADER)
        if name is not None:
            return name
        if inv.error or inv.validation_errors:
            return "(unknown: the function failed)"
        if case.event_type == VIEWER_RESPONSE:
            return "(no route: header rules only)"
        return "(no route matched)"

    def _connection_route(self, case: Case) -> str:
        """Which route of a connection function decides: the reference model says (its build has
        no debug header to read)."""
        from cfroutes.reference import Trace, evaluate_connection

        cf = self.compiled.function(case.function)
        if cf is None:
            return "(unknown)"
        trace = Trace()
        evaluate_connection(cf.function, case.event, self.store_for(cf.kvs_dict(), case.kvs), trace)
        return "(no route matched: denied)" if trace.route is None else cf.function.connection[trace.route].label

    def where_of(self, function: str, label: str | None) -> str:
        """`routes.yaml:23, from _redirects:57`: the line (and source rule) of the route `label`
        names, "" when it names none (config/sourceref.py)."""
        from cfroutes.config.sourceref import where

        cf = self.compiled.function(function)
        routes: list[Route | ConnRoute] = [*cf.function.routes, *cf.function.connection] if cf is not None else []
        for r in routes:
            if r.label == label:
                return where(r.span)
        return ""

    def run_case(self, case: Case, *, explain: bool = True, inv: Invocation | None = None) -> CaseResult:
        inv = self.invoke(case) if inv is None else inv
        res = CaseResult(case, compare(case, inv), inv)
        _note_skipped(res)
        if explain and not res.passed:
            res.route = self.route_of(case)
            res.where = self.where_of(case.function, res.route)
        return res

    def run(self, cases: list[Case], *, jobs: int | None = None) -> list[CaseResult]:
        """All cases, in order; big suites use every CPU when there are several.

        The objects alive when the run starts (the build and the cases: millions for a
        20,000-route config) are frozen out of the cyclic collector for the run (`gc.freeze`)
        and handed back after it: the collections the run triggers walk only what it makes,
        so a case's cost does not grow with the build."""
        gc.freeze()
        try:
            return self._run(cases, jobs)
        finally:
            gc.unfreeze()

    def _run(self, cases: list[Case], jobs: int | None) -> list[CaseResult]:
        edge = self.edge()
        for name in {c.function for c in cases}:
            edge.prepare(name)
        n = jobs if jobs is not None else (os.cpu_count() or 1)
        if self.engine in COMPARED:
            try:
                return self._run_compared(cases, n)
            finally:
                self.close()  # njs's processes
        if edge.engine.parallel:  # the engine spreads a batch over processes itself
            if len(cases) >= 2 * SPLIT_MIN:  # parts on several workers (local_edge.invoke_many)
                self.start(n)
            try:
                invs = edge.invoke_many(_requests(cases), jobs=n)
            finally:
                if self.engine is not Mode.QUICKJS:
                    self.close()  # njs's processes (QuickJS's warm contexts stay for the next run)
            return [self.run_case(c, inv=inv) for c, inv in zip(cases, invs, strict=True)]
        if n > 1 and len(cases) >= PARALLEL_MIN and "fork" in multiprocessing.get_all_start_methods():
            return self._run_parallel(cases, n)
        return [self.run_case(c, inv=inv) for c, inv in zip(cases, self.invoke_all(cases), strict=True)]

    def _run_parallel(self, cases: list[Case], n: int) -> list[CaseResult]:
        global _WORKER
        _WORKER = (self, cases)
        try:
            ctx = multiprocessing.get_context("fork")
            chunk = max(1, len(cases) // (n * 4))
            with ctx.Pool(n) as pool:
                failed = [i for ok in pool.imap(_run_chunk, _chunks(len(cases), chunk)) for i in ok]
        finally:
            _WORKER = None
        results = [CaseResult(c) for c in cases]
        for i in failed:  # failures are re-run here: full result and route, nothing pickled
            results[i] = self.run_case(cases[i])
        return results

    def _run_compared(self, cases: list[Case], jobs: int) -> list[CaseResult]:
        """Each case on two engines (--engine both): the first's outcome against `expect`, and a
        divergence between the two fails the case with both outcomes shown."""
        a, b = COMPARED[self.engine]
        width = max(len(a.value), len(b.value)) + 2
        results = []
        pairs = Comparator(self.edge(a), self.edge(b)).compare_many(_requests(cases), jobs=jobs)
        for case, pair in zip(cases, pairs, strict=True):
            mism = compare(case, pair.first)
            if not pair.same:
                detail = outcome(pair.first) == outcome(pair.second)
                mism = [Mismatch(ENGINES_DIFFER, f"{a.value}:".ljust(width) + _engine_outcome(pair.first, detail),
                                 f"{b.value}:".ljust(width) + _engine_outcome(pair.second, detail))] + \
                    [Mismatch(f"{a.value} {m.field}", m.expected, m.actual) for m in mism] + \
                    [Mismatch(f"{b.value} {m.field}", m.expected, m.actual) for m in compare(case, pair.second)]
            res = CaseResult(case, mism, pair.first)
            _note_skipped(res)
            if not res.passed:
                res.route = self.route_of(case)
                res.where = self.where_of(case.function, res.route)
            results.append(res)
        return results

    # ---------------------------------------------------------------- njs
    def njs_invocations(self, cases: list[Case], jobs: int = 1) -> list[Invocation]:
        """Every case through njs: one process per function (per NJS_BATCH cases), `jobs` at a time."""
        try:
            return self.edge(Mode.NJS).invoke_many(_requests(cases), jobs=jobs)
        finally:
            self.edge(Mode.NJS).close()

    def njs_load_errors(self) -> list[tuple[str, str]]:
        """(function, njs's message) for every function of the config that njs does not load."""
        return self.edge(Mode.NJS).load_errors()

    @property
    def modes(self) -> tuple[Mode, ...]:
        """The engines of this run (two when it compares)."""
        return COMPARED[self.engine] if self.engine in COMPARED else (self.engine,)

    @property
    def labels(self) -> list[str]:
        """The engines of this run, for people ("QuickJS", "njs")."""
        return [self.edge(m).engine.label for m in self.modes]

    def load_errors(self) -> list[tuple[str, str, str]]:
        """(engine label, function, message) for every function an engine of this run refuses to
        load although the static check accepts it (njs has such refusals; QuickJS none)."""
        return [(self.edge(m).engine.label, name, msg) for m in self.modes for name, msg in self.edge(m).load_errors()]

    def close(self) -> None:
        """End the engines' processes (njs); the runner stays usable."""
        for edge in self._edges.values():
            edge.close()


def _requests(cases: list[Case]) -> list[Request]:
    return [Request(c.function, c.event, c.kvs) for c in cases]


def _note_skipped(res: CaseResult) -> None:
    if res.invocation is not None and res.invocation.skipped:
        res.note = "function not run: " + res.invocation.skipped


def _engine_outcome(inv: Invocation, detail: bool) -> str:
    """outcome() plus the errors; with `detail` (the outcomes read the same) the whole output."""
    text = outcome(inv)
    errs = errors_of(inv)
    if errs and inv.output is not None:
        text += " [" + "; ".join(errs) + "]"
    if detail:
        text += " " + json.dumps({"output": inv.output, "origin": inv.origin, "error": inv.error}, ensure_ascii=False,
                                 sort_keys=True)
    return text


_WORKER: tuple[Runner, list[Case]] | None = None


def _chunks(total: int, size: int) -> list[range]:
    return [range(i, min(i + size, total)) for i in range(0, total, size)]


def _run_chunk(indices: range) -> list[int]:
    """In a forked worker: the indices of the cases that fail."""
    assert _WORKER is not None
    runner, cases = _WORKER
    invs = runner.invoke_all([cases[i] for i in indices])
    return [i for i, inv in zip(indices, invs, strict=True) if compare(cases[i], inv)]


__all__ = ["ENGINES", "CaseResult", "Mismatch", "Runner", "compare", "failure_line", "format_diff", "origin_summary",
           "outcome"]
