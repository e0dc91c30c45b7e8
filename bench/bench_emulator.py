"""Emulator benchmark: `python bench/bench_emulator.py` (numbers go to docs/emulator.md).

Reports best-of-rounds and median per-call times (this class of VM is noisy, +-20 %).
"""
from __future__ import annotations

import json
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import quickjs  # noqa: E402
from cfroutes.emulator import invoke, prepare  # noqa: E402
from cfroutes.emulator.jsregex import binding_interrupts_regex  # noqa: E402
from cfroutes.platform.jscheck import check_source  # noqa: E402

EVENT = {
    "version": "1.0", "context": {"eventType": "viewer-request", "distributionId": "E1", "requestId": "r"},
    "viewer": {"ip": "198.51.100.7"},
    "request": {"method": "GET", "uri": "/blog/", "querystring": {"utm": {"value": "x"}},
                "headers": {"host": {"value": "a-tenant.example.com"}, "accept": {"value": "text/html"},
                            "user-agent": {"value": "Mozilla/5.0 (X11; Linux x86_64) bench"}},
                "cookies": {"session": {"value": "abc"}}},
}
REWRITE = """function handler(event) {
  var request = event.request;
  if (request.uri.endsWith('/')) { request.uri += 'index.html'; }
  else if (request.uri.indexOf('.') < 0) { request.uri += '/index.html'; }
  return request;
}"""
KVS_FN = """import cf from 'cloudfront';
const kvs = cf.kvs();
async function handler(event) {
  const request = event.request;
  const tenant = request.headers.host.value.split('.')[0];
  try { request.uri = await kvs.get(tenant); } catch (e) { /* keep */ }
  return request;
}"""
LOOP = """function handler(event) {
  var s = 0;
  for (var i = 0; i < 10000; i++) { s += i % 7; }
  event.request.headers['x-sum'] = {value: String(s)};
  return event.request;
}"""
BIG = "".join("function r%d(u) { if (u === '/p%d') { return '/q%d'; } return null; }\n" % (i, i, i) for i in range(140))
BIG += "function handler(event) { var r = event.request; var t = r0(r.uri); if (t) { r.uri = t; } return r; }\n"
KVS = {"a-tenant": "/cache/2025/11/26/b882c6.html"}


def per_call(fn: Callable[[], object], n: int, rounds: int = 7) -> tuple[float, float]:
    """(best, median) microseconds per call over `rounds` rounds of `n` calls."""
    fn()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(n):
            fn()
        times.append((time.perf_counter() - start) / n * 1e6)
    return min(times), statistics.median(times)


def row(label: str, best: float, median: float, unit: str = "us") -> None:
    rate = f"{1e6 / median:9.0f}/s" if unit == "us" else ""
    print(f"{label:48s} best {best:9.1f} {unit}  median {median:9.1f} {unit}  {rate}")


def main() -> None:
    print(f"python {platform.python_version()}  binding: {'quickjs-ng' if binding_interrupts_regex() else 'quickjs 1.19.4'}"
          f"  machine: {platform.machine()}")
    row("Context() alone (create + free)", *per_call(quickjs.Context, 500))
    for label, src, rt in (("small rewrite (2.0)", REWRITE, "cloudfront-js-2.0"),
                           ("small rewrite (1.0)", REWRITE, "cloudfront-js-1.0"),
                           ("KVS lookup (2.0, async)", KVS_FN, "cloudfront-js-2.0"),
                           ("10 KB generated-style function (2.0)", BIG, "cloudfront-js-2.0")):
        b, m = per_call(lambda src=src, rt=rt: prepare(src, rt), 5 if len(src) > 2000 else 30, rounds=5)
        row(f"prepare: {label}", b / 1000, m / 1000, "ms")
    check_b, check_m = per_call(lambda: check_source(BIG, "cloudfront-js-2.0"), 5, rounds=5)
    row(f"check_source on {len(BIG)} bytes", check_b / 1000, check_m / 1000, "ms")
    for label, src, rt, kvs in (("invoke: small rewrite (2.0)", REWRITE, "cloudfront-js-2.0", None),
                                ("invoke: small rewrite (1.0)", REWRITE, "cloudfront-js-1.0", None),
                                ("invoke: KVS lookup (2.0)", KVS_FN, "cloudfront-js-2.0", KVS),
                                ("invoke: 10 KB function (2.0)", BIG, "cloudfront-js-2.0", None),
                                ("invoke: 10,000-iteration loop (2.0)", LOOP, "cloudfront-js-2.0", None)):
        p = prepare(src, rt)
        inv = invoke(p, EVENT, kvs)
        assert inv.ok, inv.error
        row(label, *per_call(lambda p=p, kvs=kvs: invoke(p, EVENT, kvs), 300 if "loop" not in label else 30))
        print(f"{'':48s} steps {inv.steps}  ComputeUtilization {inv.compute_utilization}  "
              f"handler {inv.duration_us:.0f} us  prelude {len(p.prelude)} B")
    p = prepare(LOOP, "cloudfront-js-2.0")
    hs = sorted(invoke(p, EVENT).duration_us for _ in range(30))
    print(f"calibration: loop handler {hs[len(hs) // 2]:.0f} us median for 10,001 steps "
          f"= {hs[len(hs) // 2] / 10001 * 1000:.0f} ns/step")
    print(json.dumps({"note": "paste the lines above into docs/emulator.md with the date and machine"}))


if __name__ == "__main__":
    main()
