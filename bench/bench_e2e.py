"""`cfroutes test` end to end, several rounds, side by side with a Node `vm` peer (issue 23, part 2).

    python bench/bench_e2e.py [--rounds 5] [--refs a9da405,HEAD] [--cases 2019] [--jobs N] [--no-node]

The same generated suite for everyone (bench_speed.write_suite: 20 routes with redirects,
rewrites, a respond and a KVS lookup; 2,019 cases by default, the issue's count). Each ref is
extracted with `git archive` (bench_speed.extract) and imported from its own tree. Every
measurement is a fresh process; within a round every figure is taken once, in turn (the order
reversed every other round), and the table shows the median over the rounds (with the lowest and
highest) of:

- `command`: `cfroutes test` as a user runs it, process start to exit (wall clock measured from
  outside; CPU = the process and all its descendants, the watchdog's workers included, read in the
  process just before it exits: `time.process_time`, `getrusage` for reaped children and
  `/proc/PID/task/*/schedstat` for live ones, so nanosecond resolution, not 10 ms ticks);
- `call`: the `test()` call alone in a fresh process whose imports are done (compile, read the
  cases, run them with the watchdog on every CPU, report), the figure earlier rounds called
  "end to end" (bench_speed.py's `suite`); with the check cache's template and analysis entries
  warm (written by the first round: `cfroutes test` uses them since this round), and again with
  `CFROUTES_NO_CACHE=1` (`call-nocache`);
- `node`: bench/peer_node_vm.js on the built function (`cfroutes build`), its store and the same
  2,019 events (one `vm` context per function, `import cf` replaced by a store mock), process start
  to exit (wall from outside, CPU from `getrusage` of the reaped child), and its loop alone.

The watchdog is on in every cfroutes figure (deadline, memory limit, output validation):
`CFROUTES_EMULATOR_INPROCESS` is removed from the children's environment. Without node on PATH
(or with --no-node) the peer rows say "skipped" and why.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from bench_speed import CPU_SOURCE, extract, write_suite  # noqa: E402  (one place for the suite and the trees)

PEER = HERE / "peer_node_vm.js"

# What a child reports: its wall time for the part measured and its CPU, the process and every
# descendant (reaped ones from getrusage, live ones, the watchdog's workers, from schedstat).
CHILD = r"""
import time
T0 = time.perf_counter()
import io, json, os, resource, sys
sys.path.insert(0, {path!r})
pkg, part, config = {pkg!r}, {part!r}, {config!r}
{cpu}
def cpu():
    return sum(cpu_split())
where = __import__(pkg).__file__
if part == "command":
    main = __import__(pkg + ".cli.main", fromlist=["main"]).main
    out = io.StringIO()
    real, sys.stdout = sys.stdout, out
    try:
        code = main(["test", "-c", config])
    finally:
        sys.stdout = real
    wall, used = time.perf_counter() - T0, cpu()
else:
    test = __import__(pkg + ".cli.test", fromlist=["test"]).test
    out = io.StringIO()
    w, c = time.perf_counter(), cpu()
    code = test(config, [], stdout=out, stderr=sys.stderr)
    wall, used = time.perf_counter() - w, cpu() - c
summary = (out.getvalue().strip().splitlines() or [""])[-1]
print("RESULT " + json.dumps({{"wall": wall, "cpu": used, "exit": code, "summary": summary, "where": where}}))
"""


def _env(cache: bool = True) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("CFROUTES_EMULATOR_INPROCESS", None)  # the watchdog stays on
    env.pop("CFROUTES_NO_CACHE", None)
    if not cache:
        env["CFROUTES_NO_CACHE"] = "1"
    return env


def measure_cfroutes(tree: Path, pkg: str, part: str, config: str, n: int) -> dict[str, float]:
    cache = not part.endswith("-nocache")
    part = part.removesuffix("-nocache")
    code = CHILD.format(path=str(tree), pkg=pkg, part=part, config=config, cpu=CPU_SOURCE)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], cwd=os.path.dirname(config), env=_env(cache),
                          capture_output=True, text=True, timeout=600, check=False)
    outside = time.perf_counter() - start
    line = next((x for x in done.stdout.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        raise RuntimeError(f"{tree} {part}: {done.stderr[-1500:]}")
    rec = json.loads(line[7:])
    if not rec["where"].startswith(str(tree)):
        raise RuntimeError(f"{tree}: imported {rec['where']} instead")
    wall = outside if part == "command" else rec["wall"]
    return {"rate": n / wall, "cpu_us": rec["cpu"] / n * 1e6, "failed": float(rec["exit"] != 0 or
                                                                              f"{n} passed, 0 failed" not in rec["summary"])}


def node_cases(config: str, directory: Path) -> tuple[str, int]:
    """Build the suite (this checkout's cfroutes) and write the peer's input: the built functions,
    their stores and every case's event, overrides and expectations (as `cfroutes test` reads them)."""
    from cfroutes.cli.main import main as cfroutes_main
    from cfroutes.compiler import compile_config
    from cfroutes.testing.session import collect

    compiled = compile_config(config)
    if cfroutes_main(["build", "-c", config, "-o", str(directory / "dist")]) != 0:
        raise RuntimeError("cfroutes build failed")
    functions = {}
    for cf in compiled.functions:
        name = cf.function.name
        store = directory / "dist" / f"{name}.kvs.json"
        functions[name] = {"source": str(directory / "dist" / f"{name}.js"),
                           "store": str(store) if store.exists() else None}
    cases = []
    for c in collect(compiled, None):
        e = c.expect
        expect = {k: v for k, v in (("status", e.status), ("location", e.location), ("uri", e.uri)) if v is not None}
        cases.append([c.function, c.event, c.kvs, expect])
    path = directory / "node-cases.json"
    path.write_text(json.dumps({"functions": functions, "cases": cases}))
    return str(path), len(cases)


def measure_node(node: str, spec: str, n: int) -> dict[str, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([node, str(PEER), spec], capture_output=True, text=True, timeout=600, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"node: {done.stderr[-1500:]}")
    rec = json.loads(done.stdout.strip().splitlines()[-1])
    used = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"rate": n / wall, "cpu_us": used / n * 1e6, "loop_rate": n / (rec["loop_ms"] / 1000),
            "failed": float(rec["failed"] != 0), "version": rec["node"], "failures": rec["failures"]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--refs", default="a9da405,HEAD", help="git refs to compare (default: %(default)s)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--cases", type=int, default=2019)
    ap.add_argument("--no-node", action="store_true", help="leave the Node vm peer out")
    args = ap.parse_args()
    refs = [r for r in args.refs.split(",") if r]
    node = None if args.no_node else shutil.which("node")
    skip = "--no-node" if args.no_node else "no `node` on PATH" if node is None else ""
    got: dict[tuple[str, str], list[dict[str, float]]] = {}
    version = ""
    with tempfile.TemporaryDirectory(prefix="cfroutes-e2e-") as tmp:
        base = Path(tmp)
        trees = {ref: extract(ref, base / f"tree{i}") for i, ref in enumerate(refs)}
        data = base / "suite"
        data.mkdir()
        config = write_suite(str(data), args.cases)
        spec, n_node = node_cases(config, base / "peer") if node else ("", 0)
        runs: list[tuple[str, str]] = [(part, ref) for part in ("command", "call", "call-nocache") for ref in refs]
        if node:
            runs.append(("node", "node"))
        for rnd in range(args.rounds):
            for part, ref in (runs if rnd % 2 == 0 else runs[::-1]):  # no figure always first or last
                try:
                    if part == "node":
                        assert node is not None
                        rec = measure_node(node, spec, n_node)
                        version = str(rec.pop("version"))
                        failures = rec.pop("failures")
                        if rec["failed"]:
                            print(f"# node failures: {failures}", file=sys.stderr)
                    else:
                        tree, pkg = trees[ref]
                        rec = measure_cfroutes(tree, pkg, part, config, args.cases)
                except (RuntimeError, subprocess.TimeoutExpired) as exc:
                    print(f"# round {rnd + 1} {part} {ref}: {str(exc)[-400:]}", file=sys.stderr)
                    continue
                got.setdefault((part, ref), []).append(rec)
                extra = f"  (loop alone {rec['loop_rate']:,.0f} cases/s)" if "loop_rate" in rec else ""
                print(f"# round {rnd + 1} {part:8s} {ref:10s} {rec['rate']:8,.0f} cases/s  {rec['cpu_us']:6.0f} µs CPU/case"
                      f"{extra}{'  (cases FAILED)' if rec['failed'] else ''}", file=sys.stderr, flush=True)

    def cell(part: str, ref: str, key: str = "rate") -> str:
        recs = got.get((part, ref), [])
        if not recs:
            return "n/a"
        xs = [r[key] for r in recs]
        text = f"{statistics.median(xs):,.0f} cases/s ({min(xs):,.0f}–{max(xs):,.0f})"
        if key == "rate":
            text += f", {statistics.median(r['cpu_us'] for r in recs):,.0f} µs CPU"
        return text + (" (cases failed)" if any(r["failed"] for r in recs) else "")

    load = os.getloadavg()
    print(f"\n{args.rounds} rounds, medians (lowest–highest); {args.cases:,} cases; CPU per case incl. every child; "
          f"load average at the end {load[0]:.1f}\n")
    print("| | " + " | ".join(refs) + " |")
    print("|---|" + "---|" * len(refs))
    print("| `cfroutes test`, process start to exit | " + " | ".join(cell("command", r) for r in refs) + " |")
    print("| `test()` call after imports | " + " | ".join(cell("call", r) for r in refs) + " |")
    print("| the same, `CFROUTES_NO_CACHE=1` | " + " | ".join(cell("call-nocache", r) for r in refs) + " |")
    print()
    if skip:
        print(f"Node `vm` peer: skipped ({skip})")
    else:
        print(f"| Node `vm` peer (node {version}), {n_node:,} cases | |")
        print("|---|---|")
        print(f"| process start to exit | {cell('node', 'node')} |")
        print(f"| loop alone | {cell('node', 'node', 'loop_rate')} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
