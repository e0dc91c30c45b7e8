"""Measure the emulator's wall-clock watchdog: how fast each runaway stops, and what the
worker process costs per invocation (best of --repeat runs; the machine may be shared).

    python bench/bench_watchdog.py [--calls 2000] [--repeat 5]
"""
from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "emulator"))

from cfroutes.emulator import WarmFunction, invoke, prepare, watchdog  # noqa: E402
from support import request_event  # noqa: E402  (tests/emulator/support.py)

RUNAWAYS = {
    "JSON.stringify of a 30-level shared DAG": "var o = {}; for (var i = 0; i < 30; i++) o = {a: o, b: o}; JSON.stringify(o);",
    "new Array(2**32-1).join('')": "new Array(Math.pow(2, 32) - 1).join('');",
    "reverse of a 2**32-1 array-like": "Array.prototype.reverse.call({length: Math.pow(2, 32) - 1});",
    "sort of a sparse 2**32-1 array": "var a = []; a[Math.pow(2, 32) - 2] = 1; a.sort();",
    "naive indexOf (400 KB / 200 KB)": "var h = 'a'.repeat(400000), n = 'a'.repeat(200000) + 'b'; h.indexOf(n);",
    "for (;;) {} (step budget, for scale)": "for (;;) {}",
}
SMALL = "function handler(e) { var r = e.request; if (r.uri.indexOf('/old/') === 0) r.uri = '/new/' + r.uri.slice(5); return r; }"


def _best(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def _set_mode(inprocess: bool) -> None:
    if inprocess:
        os.environ["CFROUTES_EMULATOR_INPROCESS"] = "1"
    else:
        os.environ.pop("CFROUTES_EMULATOR_INPROCESS", None)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--calls", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    print(f"watchdog deadline at the default 1 s CPU limit: {watchdog.wall_limit(1.0):.1f} s wall clock")
    for name, body in RUNAWAYS.items():
        p = prepare("function handler(e) { " + body + " return e.request; }")
        t = time.perf_counter()
        inv = invoke(p, request_event())
        print(f"  {name:42} stopped after {time.perf_counter() - t:5.2f} s: {inv.error[:48]}")
    p = prepare(SMALL)
    events = [request_event(uri=f"/old/{i}") for i in range(args.calls)]
    warm_calls = [(e, None) for e in events]
    rows = []
    for label, inprocess in (("in process (no watchdog)", True), ("worker process (watchdog)", False)):
        _set_mode(inprocess)
        invoke(p, events[0])
        fresh = _best(lambda: [invoke(p, e) for e in events[:200]], args.repeat) / 200
        w = WarmFunction(p)
        w.invoke(events[0])
        single = _best(lambda w=w: [w.invoke(e) for e in events], args.repeat) / len(events)
        many = _best(lambda w=w: w.invoke_many(warm_calls), args.repeat) / len(events)
        rows.append((label, fresh, single, many))
    _set_mode(False)
    print(f"\nper invocation, best of {args.repeat} ({args.calls} calls):")
    print(f"  {'':28} {'invoke (fresh)':>15} {'warm, one by one':>17} {'warm, invoke_many':>18}")
    for label, fresh, single, many in rows:
        print(f"  {label:28} {fresh * 1e6:12.0f} µs {single * 1e6:14.0f} µs {many * 1e6:15.0f} µs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
