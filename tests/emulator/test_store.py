"""A store is a value loaded once (emulator/store.py), a case's overrides a layer over it (issue 23).

What callers rely on: overrides and deletes of one call never reach the next one (in both
engines, warm contexts and split batches alike), a changed store is seen, a base crosses the
watchdog's pipe once, and the safety net (deadline, memory) holds in every path a batch takes.
"""
from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from cfroutes.emulator import watchdog
from cfroutes.emulator.local_edge import SPLIT_MIN, EdgeFunction, LocalEdge, Mode, QuickJsEngine, Request
from cfroutes.emulator.result import Invocation
from cfroutes.emulator.store import Kvs, store_json
from cfroutes.platform.event import VIEWER_REQUEST
from cfroutes.testing.events import build_event
from support import V2

READER = """import cf from 'cloudfront';
async function handler(event) {
  var q = event.request, k = q.uri.slice(1), s = cf.kvs(), v;
  if (k === 'meta') { var m = await s.meta(); q.uri = '/count/' + m.keyCount; return q; }
  try { v = await s.get(k); } catch (e) { v = (await s.exists(k)) ? 'broken' : 'none'; }
  q.uri = '/' + v;
  return q;
}"""
BIG = {f"k{i}": f"v{i}" for i in range(5000)}


def request(uri: str) -> dict[str, Any]:
    return build_event(f"GET {uri}")


def uri_of(inv: Invocation) -> str:
    assert inv.ok, (inv.error, inv.validation_errors)
    assert inv.output is not None
    return str(inv.output["request"]["uri"])


@pytest.fixture(params=[Mode.QUICKJS, Mode.NJS])
def mode(request: pytest.FixtureRequest) -> Mode:
    if request.param is Mode.NJS:
        request.getfixturevalue("njs")  # tests/conftest.py: skips (fails in CI) without njs
    return Mode(request.param)


def test_a_layer_reads_over_the_base_and_shares_it() -> None:
    base = Kvs.of({"a": "A", "b": "B"})
    assert base is not None and Kvs.of(base) is base and Kvs.of(None) is None
    view = base.over({"a": None, "c": "C"})
    assert view.base is base.base and base.over(None) is base and base.over({}) is base
    assert dict(view) == {"b": "B", "c": "C"} and len(view) == 2
    assert "a" not in view and view["c"] == "C" and view.get("a") is None
    assert dict(base) == {"a": "A", "b": "B"}  # the base never changes
    same, other = Kvs.of({"a": "A", "b": "B"}), Kvs.of({"a": "A"})
    assert same is not None and other is not None
    assert base.digest == same.digest != other.digest  # content, not identity
    assert view.layer_json == '{"a": null, "c": "C"}' and base.layer_json == ""
    assert store_json(view) == '{"b": "B", "c": "C"}' and store_json(base) == base.base.json


def test_overrides_and_deletes_stay_with_their_call(mode: Mode) -> None:
    fn = EdgeFunction("r", READER, V2, VIEWER_REQUEST, dict(BIG))
    with LocalEdge([fn], mode) as edge:
        reqs = [Request("r", request("/k1")), Request("r", request("/k1"), {"k1": "X"}),
                Request("r", request("/k1")), Request("r", request("/k2"), {"k2": None}),
                Request("r", request("/k2")), Request("r", request("/new"), {"new": "N"}),
                Request("r", request("/new")), Request("r", request("/meta"), {"k3": None, "n1": "1", "n2": "2"}),
                Request("r", request("/meta"))]
        want = ["/v1", "/X", "/v1", "/none", "/v2", "/N", "/none", "/count/5001", "/count/5000"]
        assert [uri_of(i) for i in edge.invoke_many(reqs)] == want
        assert [uri_of(edge.invoke(r.function, r.event, r.kvs)) for r in reqs] == want  # one call at a time


def test_a_changed_store_is_seen(mode: Mode) -> None:
    with LocalEdge([EdgeFunction("r", READER, V2, VIEWER_REQUEST, {"a": "1"})], mode) as edge:
        assert uri_of(edge.invoke("r", request("/a"))) == "/1"
        edge.add(EdgeFunction("r", READER, V2, VIEWER_REQUEST, {"a": "2"}))  # the store file changed
        assert uri_of(edge.invoke("r", request("/a"))) == "/2"
        assert uri_of(edge.test_function("r", request("/a"), {"a": "3"})) == "/3"  # TestFunction's own store
        assert uri_of(edge.invoke("r", request("/a"))) == "/2"


@pytest.mark.skipif(not watchdog.enabled(), reason="no os.fork: the watchdog is off on this platform")
def test_a_base_crosses_the_pipe_once() -> None:
    big = Kvs.of(dict(BIG))
    assert big is not None
    known: set[str] = set()
    sent: set[str] = set()
    first = watchdog._dumps(("warm", 1, None, ({}, big.over({"k1": "x"}))), known, sent)
    assert sent == {big.digest} and len(first) > len(big.base.json)
    known |= sent
    again: set[str] = set()
    later = watchdog._dumps(("warm", 1, None, ({}, big.over({"k1": "y"}))), known, again)
    assert again == set() and len(later) < 500  # the digest and the layer only
    # through the edge: the worker holds the base after the first call; a new worker gets it again
    fn = EdgeFunction("r", READER, V2, VIEWER_REQUEST, dict(BIG))
    assert fn.kvs is not None
    with LocalEdge([fn]) as edge:
        assert uri_of(edge.invoke("r", request("/k7"))) == "/v7"
        w = watchdog.worker(watchdog.HANDLERS)
        assert fn.kvs.digest in w.stores
        w.close()  # as after a timeout: the next call starts a fresh worker
        assert uri_of(edge.invoke("r", request("/k8"), {"k8": "z"})) == "/z"
        assert w.stores == {fn.kvs.digest}


# --- the safety net in the split path: every part of a batch runs in a watchdog worker
RUNAWAYS = {
    "while(true)": "while (true) {}",
    "regex bomb": "/^(a+)+$/.test('a'.repeat(40) + 'b');",
    "native loop": "new Array(Math.pow(2, 32) - 1).join('');",
    "memory": "var a = []; for (;;) a.push('x'.repeat(1000) + a.length);",
}


@pytest.mark.skipif(not watchdog.enabled(), reason="no os.fork: the watchdog is off on this platform")
@pytest.mark.parametrize("name", RUNAWAYS)
def test_a_split_batch_keeps_the_deadline_and_the_memory_bound(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(watchdog, "WALL_SLACK", 0.3)
    src = ("function handler(e) { if (e.request.uri === '/bad') { " + RUNAWAYS[name] + " } return e.request; }")
    fn = EdgeFunction("f", src, V2, VIEWER_REQUEST)
    n = SPLIT_MIN * 2
    uris = [f"/{i}" for i in range(n)]
    uris[3] = uris[n - 3] = "/bad"  # one in each part
    with LocalEdge([fn], QuickJsEngine(time_limit=0.2)) as edge:
        start = time.monotonic()
        invs = edge.invoke_many([Request("f", request(u)) for u in uris], jobs=2)
        assert time.monotonic() - start < 2 * watchdog.wall_limit(0.2) + 30
    assert len(watchdog._EXTRA) >= 1  # the second part ran in a worker of its own
    for i, (u, inv) in enumerate(zip(uris, invs, strict=True)):
        if u == "/bad":
            want = "out of memory" if name == "memory" else "time limit exceeded"
            assert inv.error.startswith(want) or inv.error.startswith("step budget"), (i, inv.error)
        else:
            assert uri_of(inv) == u


# --- garbage of earlier calls in a warm context (a large store: QuickJS collects late)
GARBAGE = """function handler(event) {
  var q = event.request, a = [], i, o;
  if (q.uri === '/bomb') { for (;;) a.push('x'.repeat(1000) + a.length); }
  for (i = 0; i < 2000; i++) { o = {i: i}; o.self = o; a.push(o); }  // ~200 KB only a collection frees
  q.uri = '/n' + a.length;
  return q;
}"""
#: 5 MB of store in the heap: QuickJS's next collection comes at 7.5 MB, past the call's limit (base + 2 MB)
HEAVY = {f"k{i}": "v" * 5000 for i in range(1000)}


@pytest.mark.parametrize("inprocess", [False, True], ids=["watchdog", "in process"])
def test_earlier_calls_garbage_never_runs_a_call_out_of_memory(inprocess: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    if inprocess:
        monkeypatch.setenv("CFROUTES_EMULATOR_INPROCESS", "1")
    elif not watchdog.enabled():
        pytest.skip("no os.fork: the watchdog is off on this platform")
    fn = EdgeFunction("g", GARBAGE, V2, VIEWER_REQUEST, dict(HEAVY))
    with LocalEdge([fn]) as edge:
        alone = edge.invoke("g", request("/x"))  # a fresh context's answer
        uris = ["/x"] * 40 + ["/bomb"] + ["/x"] * 10
        invs = edge.invoke_many([Request("g", request(u), {"k1": "o"} if i % 7 == 0 else None)
                                 for i, u in enumerate(uris)])
    assert uri_of(alone) == "/n2000"
    for u, inv in zip(uris, invs, strict=True):  # every call answers as in a fresh context
        if u == "/bomb":  # a real memory bomb still runs out, and the calls after it are not harmed
            assert inv.error.startswith("out of memory"), inv.error
        else:
            assert uri_of(inv) == "/n2000"


def test_a_collecting_context_keeps_its_store_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Warm contexts collect every few calls (runtime._WarmHere.collect_every): the garbage never
    builds up to the limit, so no call is rerun and the store is never parsed again; with other
    threads running in this process (`cfroutes serve`) the collection waits and the rerun decides."""
    import gc
    import sys

    from cfroutes.emulator import runtime

    loads: list[int] = []
    real_load = runtime._load

    def counted(*args: Any) -> Any:
        loads.append(1)
        return real_load(*args)

    monkeypatch.setattr(runtime, "_load", counted)
    prepared = runtime.prepare(GARBAGE, V2, "g.js")
    store = Kvs.of(dict(HEAVY))

    def count(every: int) -> int:
        warm = runtime._WarmHere(prepared, 1_000_000, None, every)
        loads.clear()
        for _ in range(30):
            assert uri_of(warm.invoke(request("/x"), store)) == "/n2000"
        assert sys.modules["gc"] is gc  # the collection's stand-in for Python's is gone again
        return len(loads)

    # the threads of this process as the collection sees them: this one and the binding's idle one
    # (threads other tests left behind do not count here)
    binding = threading.Thread(target=lambda: None, name="quickjs-worker-9_0")
    running = [threading.current_thread(), binding]
    monkeypatch.setattr(threading, "enumerate", lambda: list(running))
    assert count(0) > 1  # without collecting: calls ran out and were rerun in a fresh context
    assert count(4) == 1
    running.append(threading.Thread(target=lambda: None, name="serve-request"))
    assert count(4) > 1  # another thread runs: no collection, the reruns keep the answers right
