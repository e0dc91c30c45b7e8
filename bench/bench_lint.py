"""The lint stage on the 20,000-route scale config (sample requests through the reference model).

    python bench/bench_lint.py [RUNS]

Prints the seconds of validation, planning and the lints, each run in this process.
"""
from __future__ import annotations

import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from bench_scale import config, slugs  # noqa: E402
from cfroutes.compiler import gc_paused  # noqa: E402
from cfroutes.compiler.lint import lint_function  # noqa: E402
from cfroutes.compiler.plan import plan  # noqa: E402
from cfroutes.config.load import load_config  # noqa: E402


def main(runs: int) -> None:
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "routes.yaml")
        with open(p, "w") as fh:
            fh.write(config(slugs(20000), 20, kvs=True))
        for _ in range(runs):
            with gc_paused():
                t = time.perf_counter()
                cfg = load_config(p)
                t1 = time.perf_counter()
                fn = cfg.functions[0]
                pl = plan(fn, spill=True)
                t2 = time.perf_counter()
                errors, warnings = lint_function(fn, pl)
                t3 = time.perf_counter()
            print(f"validate {t1 - t:.2f} s, plan {t2 - t1:.2f} s, lint {t3 - t2:.2f} s "
                  f"({len(errors)} errors, {len(warnings)} warnings)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
