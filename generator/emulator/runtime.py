"""Prepare and invoke CloudFront Functions in QuickJS (a fresh context per invocation).

No Python callable is ever exposed to JavaScript: crypto, Buffer, KVS and the origin
helpers are pure JS (prelude.js), so a CPU time limit can stay armed during every
phase (it is the backstop that interrupts pathological regular expressions) while the
exact, deterministic guard is the step counter that loader.py inserts.
"""
from __future__ import annotations

import itertools
import json
import re
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import quickjs
from cfroutes.emulator import cost, jsregex, watchdog
from cfroutes.emulator.loader import PositionMap, transform
from cfroutes.emulator.prelude import prelude_sections
from cfroutes.emulator.result import FunctionLoadError, Invocation, cut_logs, pack, unpack
from cfroutes.emulator.store import Kvs, StoreArg
from cfroutes.emulator.tenant import TENANT_KEY
from cfroutes.emulator.validate import check_output
from cfroutes.emulator.watchdog import DEFAULT_TIME_LIMIT, STACK_LIMIT
from cfroutes.platform.event import VIEWER_REQUEST, event_type
from cfroutes.platform.jscheck import analyze
from cfroutes.platform.limits import MEMORY_MAX
from cfroutes.platform.profile import JS2, STRUCTURAL, get_profile

DEFAULT_STEP_BUDGET = cost.DEFAULT_STEP_BUDGET
MAX_JOBS = 100_000
OUT_OF_MEMORY = "out of memory: the function exceeded the 2 MB memory limit"
#: a warm context collects its cyclic garbage every this many calls (`_WarmHere`, `_collect`)
COLLECT_EVERY = 128

_PRELUDES: dict[tuple[str, tuple[str, ...], str], tuple[str, int]] = {}
_DELETIONS: dict[str, dict[str, list[str]]] = {}
_FRAME = re.compile(r"at (\S+) \(<input>:(\d+)(?::(\d+))?\)")
_BYTE_METHODS = {"bytesFrom", "fromBytes", "fromUTF8", "toBytes", "toUTF8"}
_KEYS = itertools.count(1)


@dataclass(frozen=True)
class PreparedFunction:
    source: str
    runtime: str
    filename: str
    code: str = field(repr=False)
    prelude: str = field(repr=False)
    positions: PositionMap = field(repr=False)
    memory_base: int = 0
    internal_names: frozenset[str] = frozenset()
    is_async: bool = False
    raw_query: bool = False
    key: int = field(default_factory=lambda: next(_KEYS), compare=False, repr=False)  # the worker's cache key


def _deletions(runtime: str) -> dict[str, list[str]]:
    """Own names of each built-in, minus what the profile allows (probed once per process)."""
    if runtime not in _DELETIONS:
        prof = get_profile(runtime)
        probe = quickjs.Context()
        paths = ["", *prof.members]
        script = """(function(paths){var TA=Object.getPrototypeOf(Int8Array),out={};
          paths.forEach(function(p){var o=globalThis;if(p){var s=p.split('.');o=s[0]==='%TypedArray%'?TA:globalThis[s[0]];
          for(var i=1;o&&i<s.length;i++)o=o[s[i]];}out[p]=o?Object.getOwnPropertyNames(o):[];});
          return JSON.stringify(out);})(PATHS)""".replace("PATHS", json.dumps(paths))
        names = json.loads(probe.eval(script))
        dels: dict[str, list[str]] = {"": sorted(n for n in names[""] if n not in prof.globals)}
        for path, allowed in prof.members.items():
            dels[path] = sorted(n for n in names[path] if n not in allowed and n not in STRUCTURAL)
        _DELETIONS[runtime] = dels
    return _DELETIONS[runtime]


# Names that can reach built-ins without spelling their names: with any of these in the
# source, every shim is loaded and every non-listed member deleted (full fidelity).
_REFLECTIVE = frozenset({"globalThis", "getOwnPropertyNames", "getOwnPropertyDescriptor",
                         "getOwnPropertyDescriptors", "getPrototypeOf", "constructor", "eval", "Function"})


def _module_sections(runtime: str, modules: set[str], names: set[str]) -> tuple[str, ...]:
    """Prelude sections this function can reach (decided from the names it uses).

    Compiling JS is the main per-invocation cost, so a shim is loaded only when the source
    mentions a name that reaches it (see _REFLECTIVE for the conservative fallback).
    """
    prof = get_profile(runtime)
    has = prof.globals
    full = bool(names & _REFLECTIVE)
    want = ["core"]
    cf = "cloudfront" in prof.import_modules and "cloudfront" in modules
    cwt = cf and (full or "cwt" in names)  # cf.cwt needs Buffer and crypto's HMAC
    buffer = "Buffer" in has and ("Buffer" in names or "crypto" in modules or cwt or (cf and "bytes" in names))
    codec = bool(names & {"TextEncoder", "TextDecoder"} & has)
    strbytes = prof.string_byte_methods and bool(names & _BYTE_METHODS)
    b64 = bool(names & {"atob", "btoa"} & has)
    optional = (("console", full or "console" in names), ("date", full or "Date" in names), ("noeval", full),
                ("require", full or "require" in names), ("objcreate", full or "create" in names),
                ("memerr", "MemoryError" in has and (full or "MemoryError" in names)),
                ("rawqs", prof.raw_query_string and "rawQueryString" in names))
    want += [s for s, on in optional if on]
    if buffer or codec or strbytes or b64 or modules & {"crypto", "querystring"}:
        want.append("bytes")
    want += [s for s, on in (("atob", b64), ("strbytes", strbytes), ("textcodec", codec), ("buffer", buffer)) if on]
    mods = sorted(modules & {"crypto", "querystring", "cloudfront"} | ({"crypto"} if cwt else set()))
    want += mods + (["cwt"] if cwt else [])
    if mods:
        want.append("modreg")
    return tuple(want)


def _deletion_spec(runtime: str, names: set[str]) -> str:
    """CFG.del: the members to delete, limited to names the source can reach."""
    full = bool(names & _REFLECTIVE)
    parts = []
    for path, dels in _deletions(runtime).items():
        keep = [n for n in dels if full or n in names]
        if keep:
            parts.append(f"{path}:{','.join(keep)}")
    return ";".join(parts)


def _prelude(runtime: str, sections: tuple[str, ...], deletions: str) -> tuple[str, int]:
    """(prelude text, memory used by a context after evaluating it)."""
    key = (runtime, sections, deletions)
    if key not in _PRELUDES:
        prof = get_profile(runtime)
        cfg = {"digest": prof.digest_default, "req": sorted(prof.require_modules),
               "del": deletions}
        body = "".join(prelude_sections()[s] for s in sections) + (prelude_sections()["prune"] if deletions else "")
        text = '(function(){"use strict";var CFG=' + json.dumps(cfg, separators=(",", ":")) + ';\n' + body + '})();'
        ctx = quickjs.Context()
        ctx.set("__cf_t0", 0.0)
        ctx.set("__cf_budget", 1)
        ctx.set("__cf_evtype", VIEWER_REQUEST)
        ctx.eval(text)
        _PRELUDES[key] = (text, int(ctx.memory()["malloc_size"]))
    return _PRELUDES[key]


def prepare(source: str, runtime: str = JS2, filename: str = "<function>") -> PreparedFunction:
    """Check, rewrite and instrument `source` once; raises FunctionLoadError with positions."""
    get_profile(runtime)
    analysis = analyze(source, runtime)
    if analysis.issues:
        raise FunctionLoadError(analysis.issues, filename)
    code, positions = transform(source, analysis)
    sections = _module_sections(runtime, analysis.modules, analysis.names)
    prelude, base = _prelude(runtime, sections, _deletion_spec(runtime, analysis.names))
    internal = frozenset(re.findall(r"function ([A-Za-z_$][\w$]*)\s*\(", prelude))
    is_async = any(n.type == "FunctionDeclaration" and n.id is not None and n.id.name == "handler" and n.isAsync
                   for n in analysis.program.body)
    return PreparedFunction(source, runtime, filename, code, prelude, positions, base, internal, is_async,
                            "rawqs" in sections)


def run_function(source: str, event: dict[str, Any], runtime: str = JS2,
                 kvs: StoreArg = None, filename: str = "<function>") -> Invocation:
    """prepare + invoke."""
    return invoke(prepare(source, runtime, filename), event, kvs)


def _load(prepared: PreparedFunction, kvs: Kvs | None, budget: int, evtype: str, time_limit: float | None) -> Any:
    """A new context with the prelude and the function evaluated (raises on load errors). The
    store's base is parsed here, before the memory limit is set; its layer (a call's overrides)
    is set for the first call."""
    ctx = quickjs.Context()
    ctx.set_max_stack_size(STACK_LIMIT)
    ctx.set_time_limit(DEFAULT_TIME_LIMIT if time_limit is None else time_limit)
    t0 = float(int(time.time() * 1000))
    ctx.set("__cf_t0", t0)
    ctx.set("__cf_budget", budget)
    ctx.set("__cf_evtype", evtype)
    if kvs is not None:
        ctx.set("__cf_kvs", kvs.base.json)
    ctx.eval(prepared.prelude)
    if kvs is not None and kvs.layer:
        ctx.get("__cf$reset")(t0, budget, evtype, "=", kvs.layer_json)
    base = prepared.memory_base
    if kvs is not None:  # the prelude parsed the mocked store; it must not count against the 2 MB
        base = max(base, int(ctx.memory().get("malloc_size", 0)))
    ctx.set_memory_limit(base + MEMORY_MAX)
    ctx.eval(prepared.code)
    return ctx


class _Internals:
    """The prelude's functions a call uses, read once per context (they are read-only globals)."""

    __slots__ = ("out", "req", "tenant", "state", "reset", "settle")

    def __init__(self, ctx: Any, prepared: PreparedFunction) -> None:
        self.out = ctx.get("__cf$out")
        self.req = ctx.get("__cf_req") if prepared.raw_query else None
        self.tenant = ctx.get("__cf$tenant")
        self.state = ctx.get("__cf$s")
        self.reset = ctx.get("__cf$reset")
        self.settle: Any = None  # _SETTLE, compiled on the first async call


def _call(ctx: Any, prepared: PreparedFunction, event: dict[str, Any], budget: int, inv: Invocation,
          fns: _Internals | None = None) -> None:
    """Run the handler in a loaded context and fill `inv`."""
    start = end = 0.0
    cpu = cpu0 = None
    value: Any = None
    try:
        if fns is None:
            fns = _Internals(ctx, prepared)
        handler = ctx.get("handler")
        ev = ctx.parse_json(json.dumps(event, ensure_ascii=True))
        if fns.req is not None:
            fns.req(ev)
        if TENANT_KEY in event:
            fns.tenant(ev)
        start = time.perf_counter()
        if not isinstance(handler, quickjs.Object):
            raise _HandlerError("ReferenceError: handler is not defined")
        cpu0 = time.thread_time()
        result = handler(ev)
        cpu = (time.thread_time() - cpu0) * 1e6  # the call alone (no result reading), for the CU estimate
        if isinstance(result, quickjs.Object):  # read as CloudFront does: no toJSON, each getter once
            text = fns.out(result)
            value = _settle(ctx, result, fns) if text == "P" else json.loads(text)
        else:
            value = result
        end = time.perf_counter()
    except Exception as exc:  # anything QuickJS raises ends this invocation only
        end = time.perf_counter()
        inv.error = _engine_error(exc, prepared)
    inv.duration_us = (end - start) * 1e6 if start else 0.0
    # CPU time, not wall time, for the estimate: a preempted process does not inflate it
    inv.cpu_us = (time.thread_time() - cpu0) * 1e6 if cpu0 is not None else 0.0
    if cpu is not None and not prepared.is_async:
        inv.work_us = max(0.0, cpu - _empty_call_us())
    _finish(ctx, inv, value, event, budget, fns)


_EMPTY_US: list[float] = []


def _empty_call_us() -> float:
    """CPU time of calling an empty handler the way _call does (measured once per process)."""
    if not _EMPTY_US:
        ctx = quickjs.Context()
        ctx.eval("function handler(e) { return e.request; }")
        h = ctx.get("handler")
        ev = ctx.parse_json('{"version":"1.0","context":{"eventType":"viewer-request"},"request":{"method":"GET",'
                            '"uri":"/","querystring":{},"headers":{"host":{"value":"example.com"}},"cookies":{}}}')
        samples = []
        for _ in range(41):
            t = time.thread_time()
            h(ev)
            samples.append((time.thread_time() - t) * 1e6)
        _EMPTY_US.append(sorted(samples)[len(samples) // 2])
    return _EMPTY_US[0]


def _finish(ctx: Any, inv: Invocation, value: Any, event: dict[str, Any], budget: int,
            fns: _Internals | None = None) -> None:
    try:
        state = json.loads((fns.state if fns is not None else ctx.get("__cf$s"))()) if ctx is not None else {}
    except Exception:  # a context broken by out-of-memory
        state = {}
    inv.steps = int(state.get("steps", 0))
    inv.logs = cut_logs(state.get("logs") or [])
    inv.origin = state.get("origin")
    if state.get("over"):
        inv.error = f"step budget exceeded: more than {budget} steps (runaway loop or deep recursion?)"
    if not inv.error:
        check_output(inv, value, event)
    # time in shims of native helpers (cf.cwt's pure-JS CBOR and HMAC) is not the function's cost
    native = float(state.get("native_us", 0))
    work = None if inv.work_us is None else max(0.0, inv.work_us - native)
    inv.compute_utilization = cost.compute_utilization(inv.steps, max(0.0, inv.cpu_us - native), work)


def _invoke_here(prepared: PreparedFunction, event: dict[str, Any], kvs: StoreArg,
                 budget: int, time_limit: float | None) -> Invocation:
    """One invocation in a fresh context, in this process (the worker runs this)."""
    inv = Invocation()
    try:
        ctx = _load(prepared, Kvs.of(kvs), budget, event_type(event), time_limit)
    except Exception as exc:  # the top level of the function failed
        inv.error = _engine_error(exc, prepared)
        _finish(None, inv, None, event, budget)
        return inv
    _call(ctx, prepared, event, budget, inv)
    return inv


def _timed_out(time_limit: float | None) -> Invocation:
    limit = watchdog.wall_limit(DEFAULT_TIME_LIMIT if time_limit is None else time_limit)
    return Invocation(error=watchdog.TIMEOUT_ERROR.format(limit), compute_utilization=100)


def _guarded(op: str, prepared: PreparedFunction, args: tuple[Any, ...], time_limit: float | None) -> Invocation:
    """Run `op` in the watchdog's worker process; `time limit exceeded` when it overruns."""
    limit = watchdog.wall_limit(DEFAULT_TIME_LIMIT if time_limit is None else time_limit)
    ok, packed = watchdog.worker(_HANDLERS).call(op, prepared.key, prepared, args, limit)
    return unpack(packed) if ok else _timed_out(time_limit)


def invoke(prepared: PreparedFunction, event: dict[str, Any], kvs: StoreArg = None, *,
           step_budget: int | None = None, time_limit: float | None = None) -> Invocation:
    """Run the handler on `event` in a fresh context. Never raises for what the function does.

    The call runs in the watchdog's worker process (watchdog.py), so even a native built-in
    that ignores QuickJS's interrupt ends at the wall-clock limit.
    """
    budget = DEFAULT_STEP_BUDGET if step_budget is None else int(step_budget)
    if not watchdog.enabled():
        return _invoke_here(prepared, event, kvs, budget, time_limit)
    return _guarded("invoke", prepared, (event, Kvs.of(kvs), budget, time_limit), time_limit)


class WarmFunction:
    """Runs many invocations of one function in one reused context (fast test runs).

    Only for functions without state between invocations, such as the ones cfroutes
    generates: the prelude's per-invocation state (steps, logs, origin calls, the
    frozen clock, the KVS data) is reset before each call, but globals the function
    itself changes would carry over. After any engine error the context is replaced.
    `invoke()` (a fresh context per call) stays the faithful default. The context lives
    in the watchdog's worker process, like every engine call.
    """

    def __init__(self, prepared: PreparedFunction, *, step_budget: int | None = None,
                 time_limit: float | None = None) -> None:
        self.prepared = prepared
        self.budget = DEFAULT_STEP_BUDGET if step_budget is None else int(step_budget)
        self.time_limit = time_limit
        self._key = next(_KEYS)
        self._here: _WarmHere | None = None

    def invoke(self, event: dict[str, Any], kvs: StoreArg = None) -> Invocation:
        if not watchdog.enabled():
            if self._here is None:
                self._here = _WarmHere(self.prepared, self.budget, self.time_limit)
            return self._here.invoke(event, kvs)
        return _guarded("warm", self.prepared, (self._key, self.budget, self.time_limit, event, Kvs.of(kvs)),
                        self.time_limit)

    def invoke_many(self, calls: Sequence[tuple[dict[str, Any], StoreArg]], worker: int = 0) -> list[Invocation]:
        """`invoke` for each (event, kvs), pipelined through the worker (no round trip per call);
        `worker` > 0: one of the extra worker processes (parallel parts of a batch, local_edge.py)."""
        if not watchdog.enabled() or (len(calls) < 2 and not worker):
            return [self.invoke(e, k) for e, k in calls]
        limit = watchdog.wall_limit(DEFAULT_TIME_LIMIT if self.time_limit is None else self.time_limit)
        items = [(e, Kvs.of(k)) for e, k in calls]
        replies = watchdog.worker(_HANDLERS, worker).call_many(self.prepared.key, self.prepared,
                                                       (self._key, self.budget, self.time_limit), items, limit)
        return [unpack(packed) if ok else _timed_out(self.time_limit) for ok, packed in replies]


class _WarmHere:
    """The warm context itself (in the worker process; in the caller's without the watchdog).

    Calls leave cyclic garbage (async frames, promise resolvers, closures) that only QuickJS's
    cycle collector frees, and QuickJS runs it once the heap is 1.5 times its size after the
    last run: with a large store in the heap (20,000 keys: 5 MB) that is later than the call's
    2 MB memory limit, so garbage of earlier calls made a later call run out of memory that a
    fresh context runs fine (every ~1,000 cases at 20,000 keys). So the context collects every
    `collect_every` calls (where `_collect` can: not in a caller's process running threads), and
    a call that runs out of memory in a context holding earlier calls' garbage is run again in a
    fresh context, whose answer counts (a real memory bomb runs out there too; a call that used
    half its time limit is not rerun). When that rerun succeeds, the context collects twice as
    often from then on."""

    def __init__(self, prepared: PreparedFunction, budget: int, time_limit: float | None,
                 collect_every: int = COLLECT_EVERY) -> None:
        self.prepared = prepared
        self.budget = budget
        self.time_limit = time_limit
        self.collect_every = collect_every  # 0: never
        self._ctx: Any = None
        self._fns: _Internals | None = None
        self._digest: str | None = None  # the base store the context holds ("" none)
        self._calls = 0  # calls since the context was made or last collected

    def invoke(self, event: dict[str, Any], kvs: StoreArg = None) -> Invocation:
        inv, earlier = self._invoke(event, kvs)
        limit = DEFAULT_TIME_LIMIT if self.time_limit is None else self.time_limit
        # maybe earlier calls' garbage: a fresh context decides (not for a call that used half its
        # time: the rerun stays within the watchdog's deadline for one call)
        if earlier and inv.error == OUT_OF_MEMORY and inv.cpu_us < limit * 5e5:
            inv, _ = self._invoke(event, kvs)
            if inv.error != OUT_OF_MEMORY and self.collect_every > 1:
                self.collect_every //= 2
        return inv

    def _invoke(self, event: dict[str, Any], kvs: StoreArg) -> tuple[Invocation, int]:
        """The call, and how many calls the context had run since it was made or collected."""
        inv = Invocation()
        store, evtype = Kvs.of(kvs), event_type(event)
        digest = "" if store is None else store.digest
        try:
            if self._ctx is None or self._fns is None or digest != self._digest:
                # a new base store: a new context, the store parsed before the memory limit is set
                self._ctx = self._fns = None
                self._ctx = _load(self.prepared, store, self.budget, evtype, self.time_limit)
                self._fns = _Internals(self._ctx, self.prepared)
                self._calls = 0
            else:  # "=": the same base store as last time, not parsed again; the call's layer
                if self.collect_every and self._calls and self._calls % self.collect_every == 0 \
                        and _collect(self._ctx):
                    self._calls = 0
                self._fns.reset(float(int(time.time() * 1000)), self.budget, evtype, "=",
                                "" if store is None else store.layer_json)
            self._digest = digest
        except Exception as exc:
            self._ctx = self._fns = None
            inv.error = _engine_error(exc, self.prepared)
            _finish(None, inv, None, event, self.budget)
            return inv, 0
        earlier, self._calls = self._calls, self._calls + 1
        _call(self._ctx, self.prepared, event, self.budget, inv, self._fns)
        if inv.error:
            self._ctx = self._fns = self._digest = None  # never reuse a context that hit a limit or threw
        return inv, earlier


_HANDLERS = watchdog.HANDLERS
def _invoke_packed(prepared: PreparedFunction, event: dict[str, Any], kvs: StoreArg, budget: int,
                   time_limit: float | None) -> tuple[Any, ...]:
    return pack(_invoke_here(prepared, event, kvs, budget, time_limit))


def _warm_packed(w: _WarmHere, event: dict[str, Any], kvs: StoreArg) -> tuple[Any, ...]:
    return pack(w.invoke(event, kvs))


#: the name of the thread the `quickjs` package starts on import (its `Function` helper's executor)
_BINDING_THREAD = "quickjs-worker-"


class _NoPythonCollection:
    """What `Context.gc()` finds as the `gc` module while `_collect` runs."""

    @staticmethod
    def collect(*_: Any) -> int:
        return 0


def _collect(ctx: Any) -> bool:
    """QuickJS's cycle collection of `ctx`, alone (False: not done, other threads run).

    The binding's `Context.gc()` imports `gc` and runs Python's full collection before QuickJS's:
    in the watchdog's worker that walks the whole batch in flight (3,000 unpickled events: 3 ms,
    25 µs per call at one collection per 128 calls), in the caller's process a whole build. So the
    import finds a stand-in for the call, which is safe only while no other thread can import `gc`
    meanwhile: always in the worker (one thread), in the caller's process when it runs no other
    thread than the binding's own (the idle one behind `quickjs.Function`, which cfroutes never
    calls). The module object other code holds is never touched."""
    if any(t is not threading.current_thread() and not t.name.startswith(_BINDING_THREAD)
           for t in threading.enumerate()):
        return False
    real = sys.modules["gc"]
    sys.modules["gc"] = _NoPythonCollection  # type: ignore[assignment]
    try:
        ctx.gc()
    finally:
        sys.modules["gc"] = real
    return True


# the worker answers with packed Invocations (result.pack: plain tuples pickle in half the time)
_HANDLERS.update({"invoke": _invoke_packed, "new_warm": _WarmHere, "warm": _warm_packed,
                  "regex": jsregex.exec_here})  # jsregex: the fallback where the binding cannot interrupt a regex


class _HandlerError(Exception):
    """An error of the function itself, already formatted."""


_SETTLE = """(function (p) { var box = {s: 0};
  if (typeof p.then !== "function") { box.s = 1; box.v = p; } else p.then(function (v) { box.s = 1; box.v = v; }, function (e) { box.s = 2; box.e = e; });
  return function () {
    if (box.s === 1) return __cf$out(box.v, true);
    if (box.s === 2) { var e = box.e;
      return JSON.stringify(e instanceof Error ? {e: (e.name || "Error") + (e.message ? ": " + e.message : ""), st: String(e.stack || "")}
                                              : {e: "Uncaught " + String(e), st: ""}); }
    return JSON.stringify({pending: true}); }; })"""


def _settle(ctx: Any, promise: Any, fns: _Internals) -> Any:
    """Await `promise` by draining the job queue; its value, or _HandlerError."""
    if fns.settle is None:
        fns.settle = ctx.eval(_SETTLE)
    reader = fns.settle(promise)
    jobs = 0
    while ctx.execute_pending_job():
        jobs += 1
        if jobs > MAX_JOBS:
            raise RuntimeError("too many promise jobs")
    out = json.loads(reader())
    if "e" in out:
        raise _HandlerError(out["e"], out["st"])
    if out.get("pending"):
        raise _HandlerError("the handler's promise never settled")
    return out["v"]


def _engine_error(exc: Exception, prepared: PreparedFunction) -> str:
    if isinstance(exc, _HandlerError):
        text: str = exc.args[0] + "\n" + (exc.args[1] if len(exc.args) > 1 else "")
    else:
        text = str(exc)
    first = text.split("\n", 1)[0]
    if "interrupted" in first:
        return "time limit exceeded: the function ran too long (runaway code, e.g. a pathological regular expression)"
    if first in ("null", "", "Uncaught null") or "out of memory" in first:
        return OUT_OF_MEMORY
    if "too many promise jobs" in first:
        return f"runaway promise chain: more than {MAX_JOBS} promise jobs"
    if first.startswith("TypeError: the returned object cannot be serialised"):
        return first
    if "cannot be serialised" in first or "circular" in first.lower():
        return "TypeError: the returned object cannot be serialised: " + first
    return first + _location(text, prepared)


def _location(stack: str, prepared: PreparedFunction) -> str:
    nlines = prepared.source.count("\n") + 1
    for name, line, col in _FRAME.findall(stack):
        if name in prepared.internal_names and name != "handler":
            continue
        ln, cn = prepared.positions.original(int(line), int(col or 1))
        if ln <= nlines:
            return f" (at {prepared.filename}:{ln}:{cn})" if col else f" (at {prepared.filename}:{ln})"
    return ""


