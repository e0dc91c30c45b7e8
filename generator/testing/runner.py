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
import json
import multiprocessing
import os
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from cfroutes.compiler import Compiled, compile_function
from cfroutes.config.model import VIEWER_RESPONSE
from cfroutes.emulator import FunctionLoadError, Invocation, PreparedFunction, WarmFunction, njs, prepare
from cfroutes.platform.event import entry_value, entry_values, format_query
from cfroutes.safeio import escape_terminal
from cfroutes.testing.cases import Case

DEBUG_HEADER = "x-cfroutes-route"
ABSENT = "(absent)"
#: suites at least this big run on every CPU (fork) when there are several
PARALLEL_MIN = 400
ENGINES = ("quickjs", "njs", "both")
ENGINES_DIFFER = "the engines differ"
#: cases per njs process when a function's suite is split over CPUs
NJS_CHUNK = 500


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
    (control characters from data escaped: see safeio.escape_terminal)."""
    c = res.case
    lines = [f"  request:  {c.request}"]
    if res.route is not None:
        lines.append(f"  route:    {res.route}")
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
    no_resp = f"(none: {outcome(inv)})"
    if e.status is not None:
        actual = resp.get("statusCode") if isinstance(resp, dict) else None
        if actual != e.status:
            add("status", e.status, no_resp if actual is None else q(actual))
    if e.location is not None:
        actual = _header(resp.get("headers"), "location") if isinstance(resp, dict) else None
        if actual != e.location:
            add("location", e.location, (ABSENT if isinstance(resp, dict) else no_resp) if actual is None else q(actual))
    if e.body is not None:
        actual = _body(resp) if isinstance(resp, dict) else None
        if actual != e.body:
            add("body", e.body, (ABSENT if isinstance(resp, dict) else no_resp) if actual is None else q(actual))
    no_req = f"(none: {outcome(inv)})"
    if e.uri is not None:
        actual = req.get("uri") if isinstance(req, dict) else None
        if actual != e.uri:
            add("uri", e.uri, no_req if actual is None else q(actual))
    if e.querystring is not None:
        if not isinstance(req, dict):
            add("querystring", e.querystring, no_req)
        elif format_query(req.get("querystring")) != e.querystring:
            add("querystring", e.querystring, q(format_query(req.get("querystring"))))
    target = resp if isinstance(resp, dict) else req if isinstance(req, dict) else {}
    _compare_values(add, "headers", e.headers, _lower(target.get("headers")), response_cookies=False)
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
    """Runs cases against one compiled config; prepares each function once."""

    def __init__(self, compiled: Compiled, engine: str = "quickjs") -> None:
        if engine not in ENGINES:
            raise ValueError(f"unknown engine {engine!r} (expected {', '.join(ENGINES)})")
        self.engine = engine
        self.compiled = compiled
        self._prepared: dict[str, PreparedFunction | FunctionLoadError] = {}
        self._debug: dict[str, tuple[PreparedFunction | FunctionLoadError, dict[str, str] | None]] = {}
        self._stores: dict[str, dict[str, str] | None] = {}
        # cfroutes' own functions keep no state between requests, so one warm context per
        # function serves every case (about 10x faster than a fresh context per case);
        # the emulator resets steps, logs, origin calls, the clock and the KVS each call
        self._warm: dict[int, WarmFunction] = {}

    def _prepare(self, name: str) -> PreparedFunction | FunctionLoadError:
        if name not in self._prepared:
            cf = self.compiled.function(name)
            assert cf is not None, name
            try:
                self._prepared[name] = prepare(cf.source, cf.function.runtime, f"dist/{name}.js")
            except FunctionLoadError as e:
                self._prepared[name] = e
            self._stores[name] = cf.kvs_dict()
        return self._prepared[name]

    def _debug_build(self, name: str) -> tuple[PreparedFunction | FunctionLoadError, dict[str, str] | None]:
        if name not in self._debug:
            cf = self.compiled.function(name)
            assert cf is not None, name
            built, _, _ = compile_function(self.compiled.config, cf.function, debug=True)
            try:
                prepared: PreparedFunction | FunctionLoadError = prepare(
                    built.source, cf.function.runtime, f"dist/{name}.debug.js")
            except FunctionLoadError as e:
                prepared = e
            self._debug[name] = (prepared, built.kvs_dict())
        return self._debug[name]

    @staticmethod
    def store_for(store: dict[str, str] | None, overrides: dict[str, str | None] | None) -> dict[str, str] | None:
        """The store content for one case: the bundle's store with the case's kvs merged over it."""
        if store is None or not overrides:
            return store
        merged = dict(store)
        for k, v in overrides.items():
            if v is None:
                merged.pop(k, None)
            else:
                merged[k] = v
        return merged

    def invoke(self, case: Case, *, debug: bool = False) -> Invocation:
        if debug:
            prepared, store = self._debug_build(case.function)
        else:
            prepared = self._prepare(case.function)
            store = self._stores[case.function]
        if isinstance(prepared, FunctionLoadError):
            return Invocation(error=f"the function does not load: {prepared}")
        event = case.event
        if case.event_type == VIEWER_RESPONSE and event["response"]["statusCode"] >= 400:
            return Invocation(output={"response": json.loads(json.dumps(event["response"]))})
        return self._warm_for(prepared).invoke(event, self.store_for(store, case.kvs))

    def _warm_for(self, prepared: PreparedFunction) -> WarmFunction:
        warm = self._warm.get(id(prepared))
        if warm is None:
            warm = self._warm[id(prepared)] = WarmFunction(prepared)
        return warm

    def invoke_all(self, cases: list[Case]) -> list[Invocation]:
        """`invoke` for each case; a run of cases of one function goes to the engine's worker
        process as one pipelined batch (a round trip per case would halve the throughput)."""
        out: list[Invocation | None] = [None] * len(cases)
        run: list[int] = []

        def flush() -> None:
            if run:
                warm = self._warm_for(self._prepare(cases[run[0]].function))  # type: ignore[arg-type]
                calls = [(cases[i].event, self.store_for(self._stores[cases[i].function], cases[i].kvs)) for i in run]
                for i, inv in zip(run, warm.invoke_many(calls)):
                    out[i] = inv
                run.clear()

        for i, case in enumerate(cases):
            prepared = self._prepare(case.function)
            direct = isinstance(prepared, FunctionLoadError) or (
                case.event_type == VIEWER_RESPONSE and case.event["response"]["statusCode"] >= 400)
            if run and (direct or cases[run[0]].function != case.function):
                flush()
            if direct:
                out[i] = self.invoke(case)
            else:
                run.append(i)
        flush()
        return [inv for inv in out if inv is not None]

    def route_of(self, case: Case) -> str:
        """Which route matched: run the case through the debug build and read its header."""
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

    def run_case(self, case: Case, *, explain: bool = True, inv: Invocation | None = None) -> CaseResult:
        inv = self.invoke(case) if inv is None else inv
        res = CaseResult(case, compare(case, inv), inv)
        if case.event_type == VIEWER_RESPONSE and case.event["response"]["statusCode"] >= 400:
            res.note = "function not run: CloudFront skips viewer-response functions when the origin status is 400 or higher"
        if explain and not res.passed:
            res.route = self.route_of(case)
        return res

    def run(self, cases: list[Case], *, jobs: int | None = None) -> list[CaseResult]:
        """All cases, in order; big suites use every CPU (fork) when there are several."""
        for name in {c.function for c in cases}:
            self._prepare(name)
        n = jobs if jobs is not None else (os.cpu_count() or 1)
        if self.engine != "quickjs":
            return self._run_njs(cases, n)
        if n > 1 and len(cases) >= PARALLEL_MIN and "fork" in multiprocessing.get_all_start_methods():
            return self._run_parallel(cases, n)
        return [self.run_case(c, inv=inv) for c, inv in zip(cases, self.invoke_all(cases))]

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


    # ---------------------------------------------------------------- njs
    def njs_invocations(self, cases: list[Case], jobs: int = 1) -> list[Invocation]:
        """Every case through njs: one process per function (per NJS_CHUNK cases), `jobs` at a time."""
        out: list[Invocation | None] = [None] * len(cases)
        work: list[tuple[PreparedFunction, list[int], list[tuple[dict[str, Any], dict[str, str] | None]]]] = []
        by_fn: dict[str, list[int]] = {}
        for i, c in enumerate(cases):
            if c.event_type == VIEWER_RESPONSE and c.event["response"]["statusCode"] >= 400:
                out[i] = Invocation(output={"response": json.loads(json.dumps(c.event["response"]))})
            else:
                by_fn.setdefault(c.function, []).append(i)
        for name, idx in by_fn.items():
            prepared = self._prepare(name)
            if isinstance(prepared, FunctionLoadError):
                for i in idx:
                    out[i] = Invocation(error=f"the function does not load: {prepared}")
                continue
            store = self._stores[name]
            size = max(1, min(NJS_CHUNK, -(-len(idx) // max(1, jobs))))
            for k in range(0, len(idx), size):
                part = idx[k:k + size]
                work.append((prepared, part, [(cases[i].event, self.store_for(store, cases[i].kvs)) for i in part]))

        def one(item: tuple[PreparedFunction, list[int], list[Any]]) -> None:
            prepared, part, items = item
            for i, inv in zip(part, njs.run_batch(prepared, items)):
                out[i] = inv

        if jobs > 1 and len(work) > 1:
            with ThreadPoolExecutor(jobs) as pool:
                list(pool.map(one, work))
        else:
            for w in work:
                one(w)
        assert all(x is not None for x in out)
        return [x for x in out if x is not None]

    def njs_load_errors(self) -> list[tuple[str, str]]:
        """(function, njs's message) for every function of the config that njs does not load."""
        bad = []
        for cf in self.compiled.functions:
            prepared = self._prepare(cf.function.name)
            if isinstance(prepared, FunctionLoadError):
                continue  # the static profile already refused it
            msg = njs.load_error(prepared, self._stores[cf.function.name])
            if msg:
                bad.append((cf.function.name, msg))
        return bad

    def _run_njs(self, cases: list[Case], jobs: int) -> list[CaseResult]:
        n_invs = self.njs_invocations(cases, jobs)
        results = []
        for case, n in zip(cases, n_invs):
            if self.engine == "njs":
                res = CaseResult(case, compare(case, n), n)
            else:
                q = self.invoke(case)
                mism = compare(case, q)
                if not njs.same_outcome(q, n):
                    detail = outcome(q) == outcome(n)
                    mism = [Mismatch(ENGINES_DIFFER, "quickjs: " + _engine_outcome(q, detail),
                                     "njs:     " + _engine_outcome(n, detail))] + \
                        [Mismatch("quickjs " + m.field, m.expected, m.actual) for m in mism] + \
                        [Mismatch("njs " + m.field, m.expected, m.actual) for m in compare(case, n)]
                res = CaseResult(case, mism, q)
            if case.event_type == VIEWER_RESPONSE and case.event["response"]["statusCode"] >= 400:
                res.note = "function not run: CloudFront skips viewer-response functions when the origin status is 400 or higher"
            if not res.passed:
                res.route = self.route_of(case)
            results.append(res)
        return results


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
    return [i for i, inv in zip(indices, invs) if compare(cases[i], inv)]


__all__ = ["ENGINES", "CaseResult", "Mismatch", "Runner", "compare", "failure_line", "format_diff", "origin_summary",
           "outcome"]
