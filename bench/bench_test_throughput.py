"""Measure `cfroutes test` throughput (cases/s) on a generated config.

    python bench/bench_test_throughput.py [--cases 2000] [--jobs N]

Writes a small viewer-request function (20 routes: redirects, rewrites, a
respond, a KVS lookup) and N cases to a temporary directory, then times the whole
`cfroutes test` command in-process (compile + parse + run + report) and the runner
alone, serial and on every CPU.
"""
from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from cfroutes.cli.test import collect, test  # noqa: E402
from cfroutes.compiler import compile_config  # noqa: E402
from cfroutes.testing.runner import Runner  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_speed import write_suite as write_config  # noqa: E402  (the one suite generator; bench_njs.py too)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cases", type=int, default=2000)
    ap.add_argument("--jobs", type=int, default=None, help="worker processes (default: every CPU)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        config = write_config(d, args.cases)
        t0 = time.perf_counter()
        out = io.StringIO()
        code = test(config, [], stdout=out, stderr=sys.stderr)
        total = time.perf_counter() - t0
        summary = out.getvalue().strip().splitlines()[-1]
        compiled = compile_config(config)
        cases = collect(compiled, None)
        runner = Runner(compiled)
        runner.run(cases[:1], jobs=1)  # prepare outside the timing
        t1 = time.perf_counter()
        runner.run(cases, jobs=1)
        serial = time.perf_counter() - t1
        t2 = time.perf_counter()
        runner.run(cases, jobs=args.jobs)
        parallel = time.perf_counter() - t2
    cpus = os.cpu_count() or 1
    print(f"cfroutes test: {summary} (exit {code}) in {total:.2f}s -> {args.cases / total:,.0f} cases/s end to end")
    print(f"runner, 1 process:    {args.cases / serial:,.0f} cases/s ({serial / args.cases * 1e3:.2f} ms/case)")
    print(f"runner, {args.jobs or cpus} process(es): {args.cases / parallel:,.0f} cases/s")
    return code


if __name__ == "__main__":
    raise SystemExit(main())
