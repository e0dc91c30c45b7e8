"""njs as a second engine: density, per-request cost and test throughput in njs
next to QuickJS.

    python bench/bench_njs.py                 # everything
    python bench/bench_njs.py density         # one part: density | cost | throughput | heap

- density: the densest inline function (bench_scale's list, found by binary search) must
  load in njs and answer every one of its routes in both engines;
- cost: bench_scale's shapes (10 ... 10,000 exact routes + 20 patterns, inline and
  spilled). QuickJS: median handler time of `invoke` (fresh context) over 3 passes, as in
  bench_scale. njs: each request looped N times inside one njs process (njs's clock counts
  milliseconds), median over the requests, minus the same loop around an empty handler;
- throughput: `Runner.run` cases/s on bench_test_throughput's 2,000 cases per engine;
- heap: ms per 500 of those events, one njs process for 6,000 events against a fresh process
  per 500 (why the local edge replaces an njs process after a batch: njs frees nothing).

Numbers go to docs/benchmarks.md ("njs as a second engine").
"""
from __future__ import annotations

import json
import os
import random
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bench_scale as S  # noqa: E402
import bench_test_throughput as T  # noqa: E402
from cfroutes.cli.test import collect  # noqa: E402
from cfroutes.compiler import compile_config  # noqa: E402
from cfroutes.emulator import WarmFunction, invoke, njs, prepare  # noqa: E402
from cfroutes.testing.runner import Runner  # noqa: E402

LOOP = int(os.environ.get("CFROUTES_BENCH_NJS_LOOP", "300"))
EMPTY = "function handler(event) { return event.request; }\n"


def density() -> dict[str, object]:
    d = S.density()
    exact = S.slugs(3000)[: int(d["routes"])]
    c, _ = S._compile(S.config(exact, 0, kvs=False, spill="never"))
    f = c.functions[0]
    p = prepare(f.source, f.function.runtime, "dist/f.js")
    events = [S._event(src) for src, _ in exact]
    want = [dst + "?utm=1" for _, dst in exact]
    ok_n = ok_q = 0
    warm = WarmFunction(p)
    t = time.perf_counter()
    got = njs.run_batch(p, [(e, None) for e in events])
    secs = time.perf_counter() - t
    for ev, w, n in zip(events, want, got, strict=True):
        q = warm.invoke(ev)
        loc = lambda inv: ((inv.output or {}).get("response") or {}).get("headers", {}).get("location", {}).get("value")  # noqa: E731
        ok_q += loc(q) == w
        ok_n += loc(n) == w and njs.same_outcome(q, n)
    return {**d, "njs_load_error": njs.load_error(p), "right_in_quickjs": ok_q, "right_in_njs_and_agree": ok_n,
            "njs_batch_seconds": round(secs, 2)}


def _quickjs_us(prep: object, kvs: dict[str, str] | None, uris: list[str]) -> float:
    times = []
    for _ in range(3):
        for u in uris:
            inv = invoke(prep, S._event(u), kvs)  # type: ignore[arg-type]
            assert inv.error == "", inv.error
            times.append(inv.duration_us)
    return statistics.median(times)


def _njs_us(worker: njs.NjsWorker, kvs: dict[str, str] | None, uris: list[str]) -> float:
    return statistics.median(worker.time_us(S._event(u), kvs, LOOP) for u in uris)


def cost() -> list[dict[str, object]]:
    empty = prepare(EMPTY, "cloudfront-js-2.0")
    with njs.NjsWorker(empty) as w:
        base_njs = _njs_us(w, None, ["/a"] * 5)
    base_q = _quickjs_us(empty, None, ["/a"] * 20)
    rows: list[dict[str, object]] = [{"shape": "empty handler", "quickjs_us": round(base_q, 1), "njs_loop_us": round(base_njs, 1)}]
    for n, spill in ((10, "auto"), (10, "always"), (100, "auto"), (100, "always"), (1000, "auto"), (10000, "auto")):
        exact = S.slugs(n, seed=n)
        c, _ = S._compile(S.config(exact, 20, kvs=True, spill=spill))
        f = c.functions[0]
        store = f.kvs_dict()
        rnd = random.Random(1)
        uris = [rnd.choice(exact)[0] for _ in range(40)] + ["/nothing/here"] * 10
        p = prepare(f.source, f.function.runtime, "dist/f.js")
        q_us = _quickjs_us(p, store, uris)
        with njs.NjsWorker(p) as w:
            n_us = _njs_us(w, store, uris)
        rows.append({"exact": n, "patterns": 20, "spilled": f.spilled, "bytes": f.size,
                     "quickjs_us": round(q_us, 1), "njs_us_net": round(n_us - base_njs, 1)})
    return rows


def throughput(n_cases: int = 2000) -> dict[str, object]:
    out: dict[str, object] = {"cases": n_cases}
    with tempfile.TemporaryDirectory() as d:
        compiled = compile_config(T.write_config(d, n_cases))
        cases = collect(compiled, None)
        for engine in ("quickjs", "njs", "both"):
            runner = Runner(compiled, engine)
            runner.run(cases[:1], jobs=1)
            t = time.perf_counter()
            res = runner.run(cases, jobs=1)
            secs = time.perf_counter() - t
            assert all(r.passed for r in res), engine
            out[f"{engine}_cases_per_s"] = round(n_cases / secs)
        single = prepare(compiled.functions[0].source, "cloudfront-js-2.0")
        ev = cases[1].event
        t = time.perf_counter()
        for _ in range(20):
            njs.invoke(single, ev, compiled.functions[0].kvs_dict())
        out["njs_one_process_per_case_per_s"] = round(20 / (time.perf_counter() - t))
    return out


def heap(n_events: int = 6000, piece: int = 500) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as d:
        compiled = compile_config(T.write_config(d, 2000))
        cf = compiled.functions[0]
        prep = prepare(cf.source, cf.function.runtime, "dist/site.js")
        store = cf.kvs_dict()
        items = [(c.event, store) for c in collect(compiled, None)] * (n_events // 2000)
        one, fresh = [], []
        with njs.NjsWorker(prep) as w:
            for k in range(0, len(items), piece):
                t = time.perf_counter()
                w.run(items[k:k + piece])
                one.append(round((time.perf_counter() - t) * 1000))
        for k in range(0, len(items), piece):
            t = time.perf_counter()
            njs.run_batch(prep, items[k:k + piece])
            fresh.append(round((time.perf_counter() - t) * 1000))
    return {"events": len(items), "ms_per_piece_one_process": one, "ms_per_piece_fresh_process": fresh}


def main(argv: list[str]) -> None:
    if not njs.available():
        raise SystemExit(str(njs.NjsUnavailable()))
    print("njs", njs.version())
    parts = argv or ["density", "cost", "throughput"]
    if "density" in parts:
        print("density:", json.dumps(density()))
    if "cost" in parts:
        for row in cost():
            print("cost:", json.dumps(row))
    if "throughput" in parts:
        print("throughput:", json.dumps(throughput()))
    if "heap" in parts:
        print("heap:", json.dumps(heap()))


if __name__ == "__main__":
    main(sys.argv[1:])
