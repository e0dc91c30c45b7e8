"""The local edge: a built bundle run the way CloudFront runs it, on one engine.

`LocalEdge` holds a bundle's functions (`EdgeFunction`: name, source, runtime, event type,
store) and runs them as the edge does:

- each function is prepared once (the static profile check, `runtime.prepare`); a function
  CloudFront would refuse answers every call with `the function does not load: ...`;
- each function is loaded once into the engine and kept warm between calls;
- a call reads the function's store with the call's overrides as a layer over it
  (`merge_store`: a test case's `kvs:`); the store is wrapped once per function
  (`EdgeFunction.kvs`, emulator/store.py), so an engine parses it once, never per call, and a
  call's cost does not grow with the store's size;
- a viewer-response function is not run on an origin status of 400 or higher: the call
  answers with the origin's response unchanged and says why (`Invocation.skipped`); the rule
  itself is `platform.event.function_runs`, and this class is the one place that applies it
  to runs (`test_function` runs a function as TestFunction does, without it);
- every event is completed as CloudFront delivers it (empty `querystring`, `headers`, `cookies`
  objects where the event has none) and every output read as FunctionOutput prints it, by each
  engine on its own: QuickJS through `event.complete` and `validate.normalise`, njs in its
  harness's own JavaScript (njs.py), so the two disagreeing is evidence (the validation of an
  output stays shared: docs/fidelity.md, "What njs shares with QuickJS");
- `invoke_many` sends a batch per function (one pipelined round trip to QuickJS's worker;
  with `jobs` > 1 a big batch is split over `jobs` worker processes, QuickJS's watchdog workers
  or njs processes);
- `through` plays one viewer request through the whole flow: viewer-request function ->
  origin -> viewer-response function.

Engines satisfy the `Engine` protocol and are registered in `ENGINES` by `Mode`:
`quickjs` (runtime.WarmFunction in the watchdog's worker process, watchdog.py) and `njs`
(njs.NjsWorker: njs processes with a wall-clock deadline per event). `Mode.BOTH` is not an
engine but a `Comparator` of two edges (QuickJS and njs, `same_outcome` deciding). An engine
that is not local fits the same protocol: `load` gets the function's name, so CloudFront's
TestFunction for a deployed function is an engine whose loaded form calls the API
(docs/internals.md, "Engines").

Connection functions (`connection-request`, SPEC §7) use this extension point: a function whose
event is connection-request is checked and loaded with the adapter of emulator/connection.py
appended (runtime 2.0 only, else it does not load), and each call's event, the documented
connection object, is wrapped for the engines' one harness (`_engine_event`); both engines run
it the same way. (A step before `through`'s viewer-request step is not played: `serve` speaks
plain HTTP.)

Thread safety: every method may be called from several threads (`cfroutes serve`); a loaded
QuickJS function serves one call at a time (its worker pipe has a lock), njs takes a process
per concurrent batch.
"""
from __future__ import annotations

import json
import math
import os
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Protocol

from cfroutes.emulator import connection, njs, watchdog
from cfroutes.emulator.event import complete
from cfroutes.emulator.result import FunctionLoadError, Invocation
from cfroutes.emulator.runtime import PreparedFunction, WarmFunction, prepare
from cfroutes.emulator.store import Kvs
from cfroutes.modes import Mode as Mode  # re-exported: defined in the light modes.py, which argparse reads
from cfroutes.platform.event import (
    CONNECTION_REQUEST,
    VIEWER_REQUEST,
    VIEWER_RESPONSE,
    VIEWER_RESPONSE_SKIPPED,
    function_runs,
    viewer_response_runs,
)
from cfroutes.platform.jscheck import JsIssue

#: the message of every call to a function that does not load (a prefix of it)
DOES_NOT_LOAD = "the function does not load: "
#: events per njs process when a function's batch is split over several (see LocalEdge.invoke_many)
NJS_BATCH = 500
#: the smallest part of a batch that goes to a worker process of its own (QuickJS, `jobs` > 1)
SPLIT_MIN = 200
#: QuickJS worker processes per loaded function at most (concurrent runs beyond wait for one)
WORKERS_MAX = max(2, os.cpu_count() or 1)

Store = dict[str, str]
Call = tuple[dict[str, Any], "Kvs | None"]  # an event and the store it reads

MODES = tuple(m.value for m in Mode)


@dataclass(frozen=True, eq=False)
class EdgeFunction:
    """One function of a bundle, as the edge holds it."""

    name: str
    source: str  # the bytes that ship
    runtime: str
    event: str  # the event type it is associated with
    store: Store | None = None  # its KeyValueStore's content; None: no store
    filename: str = ""  # shown in error positions; default dist/NAME.js

    @property
    def where(self) -> str:
        return self.filename or f"dist/{self.name}.js"

    @cached_property
    def kvs(self) -> Kvs | None:
        """The store as the engines read it: wrapped once (its JSON and digest made once)."""
        return Kvs.of(self.store)


class BuiltFunction(Protocol):
    """What `of` reads of a compiled function (compiler.CompiledFunction)."""

    @property
    def name(self) -> str: ...
    @property
    def source(self) -> str: ...
    @property
    def function(self) -> Any: ...  # config.model.Function: .runtime, .event
    def kvs_dict(self) -> Store | None: ...


def edge_function(cf: BuiltFunction, filename: str = "") -> EdgeFunction:
    """A compiled function as the edge holds it (its store: the bundle's import file)."""
    return EdgeFunction(cf.name, cf.source, cf.function.runtime, cf.function.event, cf.kvs_dict(), filename)


def merge_store(store: Mapping[str, str] | None,
                overrides: Mapping[str, str | None] | None) -> Mapping[str, str] | None:
    """The store one call reads: `store` with `overrides` as a layer over it (None deletes a key;
    a read-only Kvs, nothing of `store` copied). Without overrides the store object itself."""
    if store is None or not overrides:
        return store
    kvs = Kvs.of(store)
    assert kvs is not None
    return kvs.over(overrides)


def _engine_event(fn: EdgeFunction, event: dict[str, Any]) -> dict[str, Any]:
    """The event the engine gets for a call of `fn` (a connection object is wrapped for the adapter)."""
    if fn.event == CONNECTION_REQUEST and not connection.is_engine_event(event):
        return connection.engine_event(event)
    return event


def skipped(event: Mapping[str, Any]) -> Invocation:
    """The outcome of a viewer-response function CloudFront does not run: the origin's response."""
    return Invocation(output={"response": json.loads(json.dumps(event["response"]))}, skipped=VIEWER_RESPONSE_SKIPPED)


# ------------------------------------------------------------------ engines
class Loaded(Protocol):
    """One function loaded into one engine, kept warm between calls; `run` is thread-safe."""

    def run(self, calls: Sequence[Call]) -> list[Invocation]: ...
    def close(self) -> None: ...


class Engine(Protocol):
    """A JavaScript engine that runs CloudFront Functions (QuickJS, njs; CloudFront itself fits)."""

    name: str  # the registry key, also used in messages
    label: str  # for people: "QuickJS", "njs"
    batch: int  # at most this many calls per `run` when a batch is split over threads; 0: no split

    @property
    def parallel(self) -> bool:
        """May several `run`s of one function go at once (threads)?"""
        ...

    def load(self, fn: EdgeFunction, prepared: PreparedFunction) -> Loaded: ...
    def load_error(self, fn: EdgeFunction, prepared: PreparedFunction) -> str:
        """Why the engine refuses a function the static check accepts ("" when it loads)."""
        ...


class _QuickJsLoaded:
    """A warm function in the watchdog's workers: the main one, and extra ones for runs that go at
    once (parts of a batch split over jobs); each worker process holds its own warm context."""

    def __init__(self, prepared: PreparedFunction, step_budget: int | None, time_limit: float | None) -> None:
        self.warm = WarmFunction(prepared, step_budget=step_budget, time_limit=time_limit)
        self.lock = threading.Lock()  # the in-process context (CFROUTES_EMULATOR_INPROCESS) is not thread-safe
        self.idle = threading.Condition()
        self.free = [0]  # worker indexes not running a part now
        self.used = 1

    def run(self, calls: Sequence[Call]) -> list[Invocation]:
        # QuickJS gets the event completed in Python (njs's harness completes its own)
        completed = [(complete(event), store) for event, store in calls]
        if not watchdog.enabled():
            with self.lock:
                return self.warm.invoke_many(completed)
        with self.idle:  # a free worker, a new one (at most WORKERS_MAX), or wait for one
            while not self.free and self.used >= WORKERS_MAX:
                self.idle.wait()
            if self.free:
                index = self.free.pop()
            else:
                index, self.used = self.used, self.used + 1
        try:
            return self.warm.invoke_many(completed, index)
        finally:
            with self.idle:
                self.free.append(index)
                self.idle.notify()

    def close(self) -> None:
        pass  # the context lives in the watchdog's worker (bounded LRU)


class QuickJsEngine:
    """The embedded emulator: a warm QuickJS context per function in the watchdog's worker process
    (with `jobs` > 1, a big batch is split over that many worker processes)."""

    name = Mode.QUICKJS.value
    label = "QuickJS"
    batch = 0

    @property
    def parallel(self) -> bool:  # parts of a batch go to several watchdog workers at once
        return watchdog.enabled()  # (in process, one context: the runner forks instead)

    def __init__(self, *, step_budget: int | None = None, time_limit: float | None = None) -> None:
        self.step_budget = step_budget
        self.time_limit = time_limit

    def load(self, fn: EdgeFunction, prepared: PreparedFunction) -> Loaded:
        if fn.event == CONNECTION_REQUEST:  # the 5 ms execution limit, as steps (emulator/connection.py)
            budget = min(self.step_budget or connection.STEP_LIMIT, connection.STEP_LIMIT)
            return _ConnectionLimited(_QuickJsLoaded(prepared, budget, self.time_limit))
        return _QuickJsLoaded(prepared, self.step_budget, self.time_limit)

    def load_error(self, fn: EdgeFunction, prepared: PreparedFunction) -> str:
        return ""  # the static check is QuickJS's load check


class _ConnectionLimited:
    """A connection function on an engine: a call over its steps or time is CloudFront's 5 ms
    execution limit (emulator/connection.py)."""

    def __init__(self, inner: Loaded) -> None:
        self.inner = inner

    def run(self, calls: Sequence[Call]) -> list[Invocation]:
        return [connection.over_limit(inv) for inv in self.inner.run(calls)]

    def close(self) -> None:
        self.inner.close()


class _NjsLoaded:
    """njs processes for one function: one per concurrent run, each replaced once it has served
    `recycle` events (njs frees nothing, and a process gets slower as its heap grows: measured
    2-8x slower per event after 2,000-6,000 events, docs/benchmarks.md)."""

    def __init__(self, prepared: PreparedFunction, case_timeout: float, recycle: int) -> None:
        self.prepared = prepared
        self.case_timeout = case_timeout
        self.recycle = recycle
        self.idle: list[tuple[njs.NjsWorker, int]] = []  # (worker, events its process has served)
        self.lock = threading.Lock()

    def run(self, calls: Sequence[Call]) -> list[Invocation]:
        if not calls:
            return []
        with self.lock:
            worker, served = self.idle.pop() if self.idle else (None, 0)
        if worker is None:
            worker = njs.NjsWorker(self.prepared, case_timeout=self.case_timeout)
        try:
            return worker.run(calls)
        finally:
            served += len(calls)
            if served >= self.recycle:
                worker.close_process()  # the next run starts a fresh process
                served = 0
            with self.lock:
                self.idle.append((worker, served))

    def close(self) -> None:
        with self.lock:
            idle, self.idle = self.idle, []
        for w, _ in idle:
            w.close()


class NjsEngine:
    """njs, the engine CloudFront's runtime descends from (emulator/njs.py)."""

    name = Mode.NJS.value
    label = "njs"
    batch = NJS_BATCH
    parallel = True

    def __init__(self, *, case_timeout: float = njs.CASE_TIMEOUT) -> None:
        self.case_timeout = case_timeout

    def load(self, fn: EdgeFunction, prepared: PreparedFunction) -> Loaded:
        if fn.event == CONNECTION_REQUEST:  # the 5 ms execution limit, coarsely (emulator/connection.py)
            timeout = min(self.case_timeout, connection.NJS_TIMEOUT)
            return _ConnectionLimited(_NjsLoaded(prepared, timeout, self.batch))
        return _NjsLoaded(prepared, self.case_timeout, self.batch)

    def load_error(self, fn: EdgeFunction, prepared: PreparedFunction) -> str:
        return njs.load_error(prepared, fn.kvs)


#: the engines, by the mode that selects each alone
ENGINES: dict[Mode, Callable[[], Engine]] = {Mode.QUICKJS: QuickJsEngine, Mode.NJS: NjsEngine}
#: modes that compare two engines: (the first, whose outcome is reported, and the second)
COMPARED: dict[Mode, tuple[Mode, Mode]] = {Mode.BOTH: (Mode.QUICKJS, Mode.NJS)}


def make_engine(mode: Mode | str) -> Engine:
    """The engine a single-engine mode names (ValueError for an unknown name or a comparing mode)."""
    try:
        m = Mode(mode)
    except ValueError:
        raise ValueError(f"unknown engine {mode!r} (expected {', '.join(MODES)})") from None
    if m not in ENGINES:
        raise ValueError(f"--engine {m.value} compares {' and '.join(x.value for x in COMPARED[m])}: not one engine")
    return ENGINES[m]()


# ------------------------------------------------------------------ the edge
@dataclass(frozen=True)
class Request:
    """One call of `invoke_many`: a function, its event, a case's store overrides."""

    function: str
    event: dict[str, Any]
    kvs: Mapping[str, str | None] | None = None


class OriginReply(Protocol):
    """What the origin answered (`through`'s `fetch` returns it)."""

    status: int

    def response_event(self) -> dict[str, Any]:
        """The `response` object a viewer-response event carries (built only when one runs)."""
        ...


@dataclass
class Passage:
    """One viewer request through the edge (`LocalEdge.through`)."""

    request_fn: str | None = None  # the viewer-request function's name (None: the behaviour has none)
    request: Invocation | None = None  # its outcome
    origin_request: dict[str, Any] | None = None  # what went to the origin (None: the function answered or failed)
    origin: Any = None  # what `fetch` returned
    response_fn: str | None = None  # the viewer-response function's name
    response: Invocation | None = None  # its outcome (None: no such function, or it did not run)
    skipped: str = ""  # why the viewer-response function did not run


class LocalEdge:
    """A bundle's functions on one engine, run as CloudFront runs them."""

    def __init__(self, functions: Iterable[EdgeFunction] = (), engine: Engine | Mode | str = Mode.QUICKJS) -> None:
        self.engine: Engine = make_engine(engine) if isinstance(engine, str) else engine
        self.functions: dict[str, EdgeFunction] = {}
        self._prepared: dict[str, PreparedFunction | FunctionLoadError] = {}
        self._loaded: dict[str, Loaded | str] = {}
        self._lock = threading.RLock()
        for fn in functions:
            self.add(fn)

    @classmethod
    def of(cls, functions: Iterable[BuiltFunction], engine: Engine | Mode | str = Mode.QUICKJS) -> LocalEdge:
        """The edge of a compiled bundle (`compiled.functions`)."""
        return cls((edge_function(cf) for cf in functions), engine)

    def on(self, engine: Engine | Mode | str) -> LocalEdge:
        """The same functions on another engine, sharing what is prepared (checked once for both;
        `add` to neither afterwards)."""
        other = LocalEdge((), engine)
        other.functions, other._prepared, other._lock = self.functions, self._prepared, self._lock
        return other

    def add(self, fn: EdgeFunction) -> None:
        """Hold `fn` (replacing a function of the same name)."""
        with self._lock:
            old = self._loaded.pop(fn.name, None)
            self._prepared.pop(fn.name, None)
            self.functions[fn.name] = fn
        if old is not None and not isinstance(old, str):
            old.close()

    def function(self, name: str) -> EdgeFunction:
        fn = self.functions.get(name)
        if fn is None:
            raise KeyError(f"no function {name!r} at this edge (functions: {', '.join(self.functions) or 'none'})")
        return fn

    def first(self, event_type: str) -> EdgeFunction | None:
        """The first function of an event type (the one a behaviour's request goes through)."""
        return next((f for f in self.functions.values() if f.event == event_type), None)

    # ---------------------------------------------------------------- preparing and loading
    def prepare(self, name: str) -> PreparedFunction | FunctionLoadError:
        """The function checked and instrumented once; the FunctionLoadError when CloudFront would refuse it."""
        with self._lock:
            p = self._prepared.get(name)
            if p is None:
                fn = self.function(name)
                is_conn = fn.event == CONNECTION_REQUEST
                bad = connection.runtime_problem(fn.runtime) if is_conn else ""
                try:
                    if bad:
                        raise FunctionLoadError([JsIssue(1, 1, bad)], fn.where)
                    p = prepare(connection.adapt(fn.source) if is_conn else fn.source, fn.runtime, fn.where)
                except FunctionLoadError as exc:
                    p = exc
                self._prepared[name] = p
            return p

    def load_failure(self, name: str) -> FunctionLoadError | None:
        p = self.prepare(name)
        return p if isinstance(p, FunctionLoadError) else None

    def _load(self, name: str) -> Loaded | str:
        """The warm function in the engine, or the message every call of it answers."""
        with self._lock:
            got = self._loaded.get(name)
            if got is None:
                p = self.prepare(name)
                got = DOES_NOT_LOAD + str(p) if isinstance(p, FunctionLoadError) else \
                    self.engine.load(self.functions[name], p)
                self._loaded[name] = got
            return got

    def load_errors(self) -> list[tuple[str, str]]:
        """(function, the engine's message) for every function the static check accepts and the engine refuses."""
        out = []
        for name, fn in list(self.functions.items()):
            p = self.prepare(name)
            if isinstance(p, FunctionLoadError):
                continue  # the static profile already refused it
            msg = self.engine.load_error(fn, p)
            if msg:
                out.append((name, msg))
        return out

    def store_for(self, name: str, overrides: Mapping[str, str | None] | None = None) -> Mapping[str, str] | None:
        """The store a call of `name` reads: its store with `overrides` merged over it."""
        return merge_store(self.function(name).kvs, overrides)

    # ---------------------------------------------------------------- running
    def test_function(self, name: str, event: dict[str, Any], store: Mapping[str, str] | None = None) -> Invocation:
        """The function on `event` as TestFunction runs it: no viewer-response rule; `store` replaces
        the function's own store when given."""
        loaded = self._load(name)
        if isinstance(loaded, str):
            return Invocation(error=loaded)
        fn = self.function(name)
        return loaded.run([(_engine_event(fn, event), fn.kvs if store is None else Kvs.of(store))])[0]

    def invoke(self, name: str, event: dict[str, Any], kvs: Mapping[str, str | None] | None = None) -> Invocation:
        """One call as the edge makes it (`kvs`: overrides merged over the function's store)."""
        return self.invoke_many([Request(name, event, kvs)])[0]

    def invoke_many(self, requests: Sequence[Request], *, jobs: int = 1) -> list[Invocation]:
        """`invoke` for each request, in order: one batch per function (split in `engine.batch`
        pieces run `jobs` at a time when the engine runs in parallel)."""
        out: list[Invocation | None] = [None] * len(requests)
        groups: dict[str, list[int]] = {}
        for i, rq in enumerate(requests):
            if not function_runs(self.function(rq.function).event, rq.event):
                out[i] = skipped(rq.event)
            else:
                groups.setdefault(rq.function, []).append(i)
        units: list[tuple[Loaded, list[int], list[Call]]] = []
        for name, idx in groups.items():
            loaded = self._load(name)
            if isinstance(loaded, str):
                for i in idx:
                    out[i] = Invocation(error=loaded)
                continue
            kvs = self.functions[name].kvs
            if self.engine.batch:
                size = max(1, min(self.engine.batch, math.ceil(len(idx) / max(1, jobs))))
            elif self.engine.parallel and jobs > 1:  # parts of at least SPLIT_MIN calls, one per job
                size = max(SPLIT_MIN, math.ceil(len(idx) / jobs))
            else:
                size = len(idx)
            for k in range(0, len(idx), size):
                part = idx[k:k + size]
                fn = self.functions[name]
                units.append((loaded, part, [(_engine_event(fn, requests[i].event),
                                              None if kvs is None else kvs.over(requests[i].kvs)) for i in part]))

        def one(unit: tuple[Loaded, list[int], list[Call]]) -> None:
            loaded, part, calls = unit
            for i, inv in zip(part, loaded.run(calls), strict=True):
                out[i] = inv

        if self.engine.parallel and jobs > 1 and len(units) > 1:
            with ThreadPoolExecutor(jobs) as pool:
                list(pool.map(one, units))
        else:
            for unit in units:
                one(unit)
        return [inv for inv in out if inv is not None]

    def through(self, event: dict[str, Any], fetch: Callable[[dict[str, Any]], OriginReply]) -> Passage:
        """A viewer-request `event` through the edge: the first viewer-request function (a response
        it returns, or its failure, ends the passage), then `fetch(request)` at the origin, then the
        first viewer-response function on the origin's response (not for a status of 400 or more)."""
        p = Passage()
        req = event["request"]
        vreq = self.first(VIEWER_REQUEST)
        if vreq is not None:
            p.request_fn, p.request = vreq.name, self.invoke(vreq.name, event)
            out = p.request.output or {}
            if not p.request.ok or "response" in out:
                return p
            req = out.get("request", req)
        p.origin_request = req
        p.origin = fetch(req)
        vresp = self.first(VIEWER_RESPONSE)
        if vresp is None:
            return p
        p.response_fn = vresp.name
        if not viewer_response_runs(p.origin.status):
            p.skipped = VIEWER_RESPONSE_SKIPPED
            return p
        ev = dict(event, request=req, response=p.origin.response_event())
        ev["context"] = dict(event.get("context") or {}, eventType=VIEWER_RESPONSE)
        p.response = self.invoke(vresp.name, ev)
        return p

    def close(self) -> None:
        """End the engine's processes for these functions (a later call loads them again)."""
        with self._lock:
            loaded, self._loaded = self._loaded, {}
        for v in loaded.values():
            if not isinstance(v, str):
                v.close()

    def __enter__(self) -> LocalEdge:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# ------------------------------------------------------------------ two engines side by side
@dataclass
class Compared:
    """One request on two engines."""

    first: Invocation
    second: Invocation
    same: bool


@dataclass
class Comparator:
    """The same requests on two edges (`--engine both`: QuickJS and njs). `same` decides whether two
    outcomes agree (default njs.same_outcome: output, origin call and validation errors exactly,
    errors by presence)."""

    first: LocalEdge
    second: LocalEdge
    same: Callable[[Invocation, Invocation], bool] = field(default=njs.same_outcome)

    @classmethod
    def of(cls, functions: Iterable[EdgeFunction], mode: Mode | str = Mode.BOTH) -> Comparator:
        a, b = COMPARED[Mode(mode)]
        first = LocalEdge(functions, a)
        return cls(first, first.on(b))

    def compare_many(self, requests: Sequence[Request], *, jobs: int = 1) -> list[Compared]:
        second = self.second.invoke_many(requests, jobs=jobs)
        first = self.first.invoke_many(requests, jobs=jobs)
        return [Compared(a, b, self.same(a, b)) for a, b in zip(first, second, strict=True)]

    def load_errors(self) -> list[tuple[str, str]]:
        return self.first.load_errors() + self.second.load_errors()

    def close(self) -> None:
        self.first.close()
        self.second.close()


__all__ = ["COMPARED", "DOES_NOT_LOAD", "ENGINES", "MODES", "Comparator", "Compared", "EdgeFunction", "Engine",
           "LocalEdge", "Loaded", "Mode", "NjsEngine", "OriginReply", "Passage", "QuickJsEngine", "Request",
           "edge_function", "make_engine", "merge_store", "skipped"]
