"""Start-up cost of the command line: CPU time (user + system, best of N) and modules imported.

    python bench/bench_startup.py [--rounds 10] [--root DIR ...]

Each command runs as `python -m cfroutes ...` in a fresh process, from the repository (so on the
example routes.yaml). With several `--root` (source trees, e.g. a `git archive` of an older
commit with a `cfroutes -> generator` link at its top), the runs alternate between them, round
by round, so a busy machine slows each the same. CPU time, not wall time: other load on the
machine does not count. The module count is that of `python -X importtime` for the command.
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = (["--help"], ["check", "--help"], ["check", "-c", "routes.yaml"], ["build", "--check"])


def _cpu(argv: list[str], env: dict[str, str]) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-m", "cfroutes", *argv], cwd=ROOT, env=env, check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _modules(argv: list[str], env: dict[str, str]) -> int:
    run = subprocess.run([sys.executable, "-X", "importtime", "-m", "cfroutes", *argv], cwd=ROOT, env=env,
                         check=False, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=120)
    return sum(1 for line in run.stderr.splitlines() if line.startswith("import time:") and "|" in line
               and not line.rstrip().endswith("| package"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--root", action="append", default=[],
                    help="a source tree whose `cfroutes` to run (default: the installed one)")
    args = ap.parse_args()
    envs = {"installed": dict(os.environ)} if not args.root else {
        r: {**os.environ, "PYTHONPATH": os.path.abspath(r)} for r in args.root}
    best = {(name, i): float("inf") for name in envs for i in range(len(COMMANDS))}
    for _ in range(args.rounds):
        for i, argv in enumerate(COMMANDS):
            for name, env in envs.items():
                best[name, i] = min(best[name, i], _cpu(argv, env))
    for i, argv in enumerate(COMMANDS):
        for name, env in envs.items():
            print(f"{best[name, i] * 1000:6.0f} ms CPU  {_modules(argv, env):4d} modules  "
                  f"cfroutes {' '.join(argv):24s} [{name}]")


if __name__ == "__main__":
    main()
