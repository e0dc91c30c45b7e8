"""The long emulator fuzzing run (the suite runs a short, seeded one: tests/emulator_fuzz).

    python bench/bench_emulator_fuzz.py [--examples 2000]

Runs tests/emulator_fuzz with CFROUTES_FUZZ_EXAMPLES random small functions (and at least as
many random and malformed events); any failure is a bug in the emulator's bounds.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--examples", type=int, default=2000)
    args = ap.parse_args()
    env = dict(os.environ, CFROUTES_FUZZ_EXAMPLES=str(args.examples))
    return subprocess.call([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                            os.path.join(ROOT, "tests", "emulator_fuzz")], cwd=ROOT, env=env)


if __name__ == "__main__":
    raise SystemExit(main())
