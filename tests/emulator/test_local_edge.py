"""The local edge (emulator/local_edge.py): one way to run a bundle, on any engine.

What it promises callers (the runner, diff, run, emulate, check, coverage; serve and deploy's
remote tests next): load failures as invocations, a case's store overrides, the
viewer-response rule applied by the edge and nowhere else, batches in order, the whole
viewer-request -> origin -> viewer-response flow, the watchdog's bound, thread safety, and
engines as plug-ins (a third one fits the protocol).
"""
from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from cfroutes.emulator import watchdog
from cfroutes.emulator.local_edge import (
    COMPARED,
    DOES_NOT_LOAD,
    ENGINES,
    Comparator,
    EdgeFunction,
    Loaded,
    LocalEdge,
    Mode,
    QuickJsEngine,
    Request,
    make_engine,
    merge_store,
)
from cfroutes.emulator.result import Invocation
from cfroutes.emulator.runtime import PreparedFunction
from cfroutes.platform.event import VIEWER_REQUEST, VIEWER_RESPONSE, VIEWER_RESPONSE_SKIPPED
from cfroutes.testing.events import build_event, build_response
from cfroutes.testing.runner import Runner
from support import V2

VREQ = EdgeFunction("front", """function handler(event) {
  var q = event.request;
  if (q.uri === '/old') return {statusCode: 301, statusDescription: 'Moved', headers: {location: {value: '/new'}}};
  if (q.uri === '/throw') throw new Error('boom');
  q.uri = '/r' + q.uri;
  return q;
}""", V2, VIEWER_REQUEST)
VRESP = EdgeFunction("back", """function handler(event) {
  var r = event.response;
  r.headers['x-seen'] = {value: event.request.uri};
  return r;
}""", V2, VIEWER_RESPONSE)
STORE = EdgeFunction("store", """import cf from 'cloudfront';
async function handler(event) {
  var q = event.request, v;
  try { v = await cf.kvs().get(q.uri.slice(1)); } catch (e) { v = 'none'; }
  q.uri = '/' + v;
  return q;
}""", V2, VIEWER_REQUEST, {"a": "A", "b": "B"})
BROKEN = EdgeFunction("broken", "function handler(event) { return event.request }}", V2, VIEWER_REQUEST)


def request(uri: str) -> dict[str, Any]:
    return build_event(f"GET {uri}")


def response(uri: str, status: int) -> dict[str, Any]:
    return build_event(f"GET {uri}", event_type=VIEWER_RESPONSE, response={"status": status})


def uri_of(inv: Invocation) -> str:
    assert inv.ok, (inv.error, inv.validation_errors)
    assert inv.output is not None
    return str(inv.output["request"]["uri"])


@pytest.fixture(params=[Mode.QUICKJS, Mode.NJS])
def mode(request: pytest.FixtureRequest) -> Mode:
    if request.param is Mode.NJS:
        request.getfixturevalue("njs")  # tests/conftest.py: skips (fails in CI) without njs
    return Mode(request.param)


@pytest.fixture
def edge(mode: Mode) -> Any:
    with LocalEdge([VREQ, VRESP, STORE, BROKEN], mode) as e:
        yield e


def test_the_viewer_response_rule_is_the_edges(edge: LocalEdge) -> None:
    ran = edge.invoke("back", response("/p", 399))
    assert ran.output is not None and ran.output["response"]["headers"]["x-seen"] == {"value": "/p"}
    assert ran.skipped == ""
    ev = response("/p", 404)
    skipped = edge.invoke("back", ev)
    assert skipped.skipped == VIEWER_RESPONSE_SKIPPED
    assert skipped.output == {"response": ev["response"]} and skipped.output["response"] is not ev["response"]
    # TestFunction (and `cfroutes emulate`) run the function whatever the status
    tested = edge.test_function("back", ev)
    assert tested.skipped == "" and tested.output is not None and "x-seen" in tested.output["response"]["headers"]


def test_a_function_that_does_not_load_answers_every_call(edge: LocalEdge) -> None:
    failure = edge.load_failure("broken")
    assert failure is not None and failure.filename == "dist/broken.js"
    invs = edge.invoke_many([Request("broken", request("/a")), Request("front", request("/a")),
                             Request("broken", request("/b"))])
    assert invs[0].error == invs[2].error == DOES_NOT_LOAD + str(failure)
    assert uri_of(invs[1]) == "/r/a"
    assert edge.load_failure("front") is None
    assert edge.test_function("broken", request("/a")).error.startswith(DOES_NOT_LOAD)


def test_a_cases_store_overrides_are_merged_over_the_functions_store(edge: LocalEdge) -> None:
    assert uri_of(edge.invoke("store", request("/a"))) == "/A"
    assert uri_of(edge.invoke("store", request("/a"), {"a": "X"})) == "/X"
    assert uri_of(edge.invoke("store", request("/a"), {"a": None})) == "/none"
    assert uri_of(edge.invoke("store", request("/b"), {"a": None})) == "/B"
    assert edge.store_for("store", {"a": None, "c": "C"}) == {"b": "B", "c": "C"}
    assert STORE.store == {"a": "A", "b": "B"}  # never changed in place
    assert merge_store(STORE.store, None) is STORE.store  # engines cache per store object
    assert merge_store(None, {"a": "x"}) is None


def test_a_batch_answers_in_order_like_single_calls(edge: LocalEdge) -> None:
    reqs = [Request("front", request("/1")), Request("store", request("/b")), Request("back", response("/2", 500)),
            Request("front", request("/old")), Request("store", request("/a"), {"a": "Z"}),
            Request("back", response("/3", 200)), Request("front", request("/throw")), Request("front", request("/4"))]
    many = edge.invoke_many(reqs, jobs=2)
    one = [edge.invoke(r.function, r.event, r.kvs) for r in reqs]
    assert [(i.output, i.error != "", i.skipped) for i in many] == [(i.output, i.error != "", i.skipped) for i in one]
    assert uri_of(many[0]) == "/r/1" and uri_of(many[1]) == "/B" and uri_of(many[4]) == "/Z"
    assert many[2].skipped and many[3].output is not None and many[3].output["response"]["statusCode"] == 301
    assert "boom" in many[6].error and uri_of(many[7]) == "/r/4"


@dataclass
class Reply:
    status: int

    def response_event(self) -> dict[str, Any]:
        return build_response({"status": self.status, "headers": {"content-type": ["text/html"]}})


def test_through_plays_the_whole_flow(edge: LocalEdge) -> None:
    fetched: list[str] = []

    def fetch(status: int) -> Any:
        def go(req: dict[str, Any]) -> Reply:
            fetched.append(req["uri"])
            return Reply(status)
        return go

    p = edge.through(request("/page"), fetch(200))
    assert (p.request_fn, p.response_fn, fetched) == ("front", "back", ["/r/page"])
    assert p.origin_request is not None and p.origin_request["uri"] == "/r/page"
    assert p.response is not None and p.response.output is not None
    assert p.response.output["response"]["headers"]["x-seen"] == {"value": "/r/page"}  # the rewritten request
    p = edge.through(request("/missing"), fetch(404))
    assert p.response is None and p.skipped == VIEWER_RESPONSE_SKIPPED and fetched[-1] == "/r/missing"
    p = edge.through(request("/old"), fetch(200))  # the viewer-request function answered: no origin
    assert p.origin_request is None and p.response is None and fetched[-1] == "/r/missing"
    assert p.request is not None and p.request.output is not None and p.request.output["response"]["statusCode"] == 301
    p = edge.through(request("/throw"), fetch(200))
    assert p.request is not None and not p.request.ok and p.origin_request is None
    with LocalEdge([VRESP]) as only_response:  # a behaviour without a viewer-request function
        p = only_response.through(request("/x"), fetch(200))
        assert p.request is None and fetched[-1] == "/x" and p.response is not None and p.response.ok


def test_threads_share_one_edge(edge: LocalEdge) -> None:
    """`cfroutes serve` answers on many threads: each call gets its own answer."""
    got: dict[int, str] = {}

    def work(k: int) -> None:
        for j in range(5):
            got[k * 10 + j] = uri_of(edge.invoke("front", request(f"/t{k}-{j}")))

    threads = [threading.Thread(target=work, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert got == {k * 10 + j: f"/r/t{k}-{j}" for k in range(6) for j in range(5)}


@pytest.mark.skipif(not watchdog.enabled(), reason="no os.fork: the watchdog is off on this platform")
def test_every_quickjs_call_is_bounded_by_the_watchdog(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(watchdog, "WALL_SLACK", 0.3)
    hang = EdgeFunction("hang", "function handler(e) { if (e.request.uri === '/hang') "
                        "new Array(Math.pow(2, 32) - 1).join(''); return e.request; }", V2, VIEWER_REQUEST)
    with LocalEdge([hang], QuickJsEngine(time_limit=0.2)) as edge:
        start = time.monotonic()
        invs = edge.invoke_many([Request("hang", request(u)) for u in ("/a", "/hang", "/b")])
        assert time.monotonic() - start < watchdog.wall_limit(0.2) + 10
    assert invs[1].error.startswith("time limit exceeded")
    assert uri_of(invs[0]) == "/a" and uri_of(invs[2]) == "/b"


def test_modes_and_the_registry() -> None:
    assert set(ENGINES) | set(COMPARED) == set(Mode)
    assert f"{Mode.NJS}" == str(Mode.NJS) == "njs" and Mode("both") is Mode.BOTH
    assert make_engine("quickjs").name == "quickjs" and make_engine(Mode.NJS).label == "njs"
    with pytest.raises(ValueError, match="compares quickjs and njs"):
        make_engine("both")
    with pytest.raises(ValueError, match="unknown engine 'v8'"):
        make_engine("v8")
    with pytest.raises(KeyError, match="no function 'nope'"):
        LocalEdge([VREQ]).invoke("nope", request("/"))
    edge = LocalEdge([VREQ, BROKEN])
    other = edge.on(Mode.NJS)  # the same functions, prepared once for both engines
    assert other.engine.name == "njs" and other.prepare("front") is edge.prepare("front")
    assert other.load_failure("broken") is edge.load_failure("broken") is not None


class _Canned:
    """A third engine: answers from a table, as CloudFront's TestFunction answers from the API
    (what a remote engine for `test --remote` looks like: `load` gets the function's name)."""

    name = "canned"
    label = "CloudFront (canned)"
    batch = 0
    parallel = False

    def __init__(self, answers: dict[str, str]) -> None:
        self.answers = answers
        self.loaded: list[str] = []

    def load(self, fn: EdgeFunction, prepared: PreparedFunction) -> Loaded:
        self.loaded.append(fn.name)
        answers = self.answers

        class One:
            def run(self, calls: Sequence[tuple[dict[str, Any], Any]]) -> list[Invocation]:
                return [Invocation(output={"request": dict(e["request"], uri=answers.get(e["request"]["uri"], "?"))})
                        for e, _ in calls]

            def close(self) -> None:
                pass

        return One()

    def load_error(self, fn: EdgeFunction, prepared: PreparedFunction) -> str:
        return "refused" if fn.name == "store" else ""


def test_a_third_engine_plugs_in_and_compares() -> None:
    canned = _Canned({"/1": "/r/1", "/2": "/different"})
    remote = LocalEdge([VREQ, VRESP, STORE], canned)
    assert remote.load_errors() == [("store", "refused")]
    cmp = Comparator(LocalEdge([VREQ, VRESP, STORE]), remote)
    pairs = cmp.compare_many([Request("front", request("/1")), Request("front", request("/2")),
                              Request("back", response("/3", 502))])
    assert [p.same for p in pairs] == [True, False, True]  # the skipped call is the edge's, on both sides
    assert uri_of(pairs[1].first) == "/r/2" and uri_of(pairs[1].second) == "/different"
    assert canned.loaded == ["front"]  # loaded once, on first use; never for a call the edge skips
    cmp.close()


def test_both_compares_quickjs_with_njs(njs: Any) -> None:
    cmp = Comparator.of([VREQ, STORE], Mode.BOTH)
    assert (cmp.first.engine.name, cmp.second.engine.name) == ("quickjs", "njs")
    pairs = cmp.compare_many([Request("front", request("/a")), Request("store", request("/b"), {"b": "C"}),
                              Request("front", request("/throw"))], jobs=2)
    assert all(p.same for p in pairs)
    assert uri_of(pairs[1].second) == "/C" and "boom" in pairs[2].first.error and "boom" in pairs[2].second.error
    cmp.close()


def test_the_runner_keeps_its_store_for() -> None:
    """deploy/remote.py still calls Runner.store_for (until the lead switches it to the edge)."""
    assert Runner.store_for({"a": "1"}, {"a": None, "b": "2"}) == merge_store({"a": "1"}, {"a": None, "b": "2"})


def test_njs_processes_are_replaced_after_a_batch(njs: Any) -> None:
    """njs frees nothing and slows down as its heap grows: a process serves `batch` events, then
    a fresh one takes over (a global the function changes shows which process answered)."""
    counter = EdgeFunction("count", "var n = 0; function handler(e) { n++; e.request.uri = '/' + n; return e.request; }",
                           V2, VIEWER_REQUEST)
    engine = make_engine(Mode.NJS)
    engine.batch = 3
    with LocalEdge([counter], engine) as edge:
        got = [uri_of(edge.invoke("count", request("/"))) for _ in range(4)]
        assert got == ["/1", "/2", "/3", "/1"]
        # a batch goes in pieces of `batch` events; a process is replaced between pieces once it
        # has served `batch` events (this one had served 1, then 3 more)
        assert [uri_of(i) for i in edge.invoke_many([Request("count", request("/"))] * 5)] == \
            ["/2", "/3", "/4", "/1", "/2"]
