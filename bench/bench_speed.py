"""Side by side: `cfroutes test` speed of several commits on the same cases, in one run (issue 23).

    python bench/bench_speed.py [--rounds 3] [--refs 9fdcd06,main,HEAD] [--cases 2000] [--store-cases 3000] [--store-sizes 200,2000,20000]
    python bench/bench_speed.py --only HEAD --parts suite,inprocess   # one tree, some parts

Each ref is extracted with `git archive` into a temporary directory (nothing in the repository
changes) and imported from there under its own package name (`generator` before the rename,
`cfroutes` after). Every measurement runs in a fresh process; the refs alternate within each
round (A B C, A B C, ...), and the table shows the median over the rounds of each figure.

Measured on each ref, on the same generated cases:

- `suite`: `cfroutes test` end to end (compile, read the cases, run them on every CPU, report),
  the watchdog on: bench_test_throughput.py's config and 2,000 cases (cases/s, wall and CPU time of
  the process and its children);
- `inprocess`: the runner alone, one process, `CFROUTES_EMULATOR_INPROCESS=1` (the engine in this
  process, no watchdog), after one warm-up case;
- `watchdog`: the same with the watchdog on;
- `store`: the runner alone, one process, the watchdog on, on spilled stores of 200, 2,000 and
  20,000 exact routes (`--store-sizes`; `spill: auto`, `kvs: {name: routes}`), the same 3,000
  cases for every size (they hit the routes all sizes share; `--store-spread`: routes all over
  each store instead), one in ten with a case `kvs:` override; the figure to watch is the per-case CPU ratio 20,000 / 200, shown split into the
  process and the watchdog's worker.

CPU figures (user + system time of the process and of its children, the watchdog's worker
included) are less sensitive to a loaded machine than wall clock; both are shown. They are read
at nanosecond resolution (`time.process_time` for the process, `/proc/PID/task/*/schedstat` for
its live descendants, `getrusage` for reaped children), not in 10 ms clock ticks. A figure marked
"(cases failed)" is of a run where some cases did not pass on that ref.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ROUTES = 20
PARTS = ("suite", "inprocess", "watchdog", "store")
WORKTREE = "worktree"  # a "ref" naming the working tree with its uncommitted changes


# ------------------------------------------------------------------ the cases (the same for every ref)
def write_suite(directory: str, n_cases: int) -> str:
    """bench_test_throughput.py's config: 20 routes (redirects, rewrites, a respond, a KVS lookup)."""
    lines = ["version: 1", "functions:", "  site:", "    event: viewer-request",
             "    kvs: { name: store, seed: seed.yaml }", "    routes:",
             "      - { host: ':tenant.shop.test', path: /app, lookup: { key: '{tenant}', as: t }, rewrite: '{t}' }",
             "      - { path: /gone, respond: { status: 410, body: gone } }"]
    for i in range(ROUTES - 2):
        if i % 2:
            lines.append(f"      - {{ path: /old{i}/*, redirect: '/new{i}/{{splat}}' }}")
        else:
            lines.append(f"      - {{ path: /docs{i}/:page, rewrite: '/public/{i}/{{page}}.html' }}")
    with open(os.path.join(directory, "routes.yaml"), "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(os.path.join(directory, "seed.yaml"), "w") as f:
        f.write("".join(f"t{i}: /tenants/{i}.html\n" for i in range(50)))
    cases = []
    for k in range(n_cases):
        i = k % (ROUTES - 2)
        if k % 10 == 0:
            cases.append(f"- {{ request: 'https://t{k % 50}.shop.test/app', expect: {{ uri: /tenants/{k % 50}.html }} }}")
        elif i % 2:
            cases.append(f"- {{ request: '/old{i}/p{k}?x=1', expect: {{ status: 301, location: '/new{i}/p{k}?x=1' }} }}")
        else:
            cases.append(f"- {{ request: /docs{i}/p{k}, expect: {{ uri: /public/{i}/p{k}.html }} }}")
    with open(os.path.join(directory, "bench.cases.yaml"), "w") as f:
        f.write("\n".join(cases) + "\n")
    return os.path.join(directory, "routes.yaml")


WORDS = ("alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november "
         "oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu spring "
         "summer autumn winter launch pricing guide release notes update").split()


def write_store(directory: str, routes: int, n_cases: int, hit: int = 200) -> str:
    """`routes` exact redirects spilled to the store (+ 20 pattern routes), cases hitting them.

    The first `hit` routes are the same for every `routes` (one seeded sequence), and the cases
    hit only those: every store size runs exactly the same case file."""
    rnd = random.Random(7)
    exact = []
    for i in range(routes):
        slug = "-".join(rnd.sample(WORDS, rnd.randint(3, 5)))
        exact.append((f"/blog/{2015 + rnd.randint(0, 9)}/{slug}-{i}", f"/articles/{slug}-{i}"))
    lines = ["version: 1", "functions:", "  f:", "    event: viewer-request", "    kvs: {name: routes}",
             "    options: {spill: auto}", "    routes:"]
    for i in range(20):
        lines += [f"      - path: /section{i}/:a/*", f"        redirect: /s{i}/{{a}}/{{splat}}"]
    for src, dst in exact:
        lines += [f"      - path: {src}", f"        redirect: {dst}"]
    with open(os.path.join(directory, "routes.yaml"), "w") as f:
        f.write("\n".join(lines) + "\n")
    cases = []
    pick = random.Random(11)
    for k in range(n_cases):
        src, dst = exact[pick.randrange(min(hit, routes))]
        if k % 10 == 5:  # a case's own store entry for an unknown key (a layer over the store)
            cases.append(f"- {{ request: '/section1/x/y', kvs: {{ 'zz-{k}': v }}, expect: {{ status: 301 }} }}")
        else:
            cases.append(f"- {{ request: '{src}', expect: {{ status: 301, location: '{dst}' }} }}")
    with open(os.path.join(directory, "bench.cases.yaml"), "w") as f:
        f.write("\n".join(cases) + "\n")
    return os.path.join(directory, "routes.yaml")


# ------------------------------------------------------------------ one measurement, in a child process
#: the CPU clock of a measuring child (put into CHILD here and in bench_e2e.py): this process and
#: its children, reaped ones (getrusage) and live ones (the watchdog's workers and theirs, every
#: thread's sum_exec_runtime from /proc/PID/task/*/schedstat), in seconds at ns/µs resolution
CPU_SOURCE = r"""
import os as _os, resource as _resource, time as _time
def _live(pid):
    out = []
    try:
        tasks = _os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tasks:
        try:
            kids = open(f"/proc/{pid}/task/{tid}/children").read().split()
        except OSError:
            continue
        for k in kids:
            out.append(int(k))
            out += _live(int(k))
    return out
def _ns(pid):
    total = 0
    try:
        tasks = _os.listdir(f"/proc/{pid}/task")
    except OSError:
        return 0
    for tid in tasks:
        try:
            total += int(open(f"/proc/{pid}/task/{tid}/schedstat").read().split()[0])
        except (OSError, IndexError, ValueError):
            pass
    return total
def cpu_split():
    r = _resource.getrusage(_resource.RUSAGE_CHILDREN)
    return _time.process_time(), r.ru_utime + r.ru_stime + sum(_ns(p) for p in _live(_os.getpid())) / 1e9
"""

CHILD = r"""
import io, json, os, sys, time
sys.path.insert(0, {path!r})
pkg = {pkg!r}
part, config, jobs = {part!r}, {config!r}, {jobs!r}
mod = __import__(pkg + ".cli.test", fromlist=["collect", "test"])
where = __import__(pkg).__file__
{cpu}
cpu = cpu_split
if part == "suite":
    out, err = io.StringIO(), io.StringIO()
    w, c = time.perf_counter(), cpu()
    code = mod.test(config, [], stdout=out, stderr=err)
    wall, c2 = time.perf_counter() - w, cpu()
    n = None
    summary = (out.getvalue().strip().splitlines() or [""])[-1]
else:
    compile_config = __import__(pkg + ".compiler", fromlist=["compile_config"]).compile_config
    Runner = __import__(pkg + ".testing.runner", fromlist=["Runner"]).Runner
    compiled = compile_config(config)
    cases = mod.collect(compiled, None)
    runner = Runner(compiled)
    runner.run(cases[:1], jobs=1)
    w, c = time.perf_counter(), cpu()
    res = runner.run(cases, jobs=1)
    wall, c2 = time.perf_counter() - w, cpu()
    code = 0 if all(r.passed for r in res) else 1
    summary = f"{{sum(r.passed for r in res)}} passed"
own, kids = c2[0] - c[0], c2[1] - c[1]
print("RESULT " + json.dumps({{"wall": wall, "cpu": own + kids, "own": own, "kids": kids, "exit": code, "summary": summary, "where": where}}))
"""


def measure(tree: Path, pkg: str, part: str, config: str, n: int, *, inprocess: bool, jobs: int | None) -> dict[str, float]:
    env = dict(os.environ)
    env.pop("CFROUTES_EMULATOR_INPROCESS", None)
    if inprocess:
        env["CFROUTES_EMULATOR_INPROCESS"] = "1"
    code = CHILD.format(path=str(tree), pkg=pkg, part=part, config=config, jobs=jobs, cpu=CPU_SOURCE)
    done = subprocess.run([sys.executable, "-c", code], cwd=str(tree), env=env, capture_output=True, text=True,
                          timeout=1800, check=False)
    line = next((x for x in done.stdout.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        raise RuntimeError(f"{tree} {part}: {done.stderr[-2000:]}")
    rec = json.loads(line[7:])
    if not rec["where"].startswith(str(tree)):
        raise RuntimeError(f"{tree}: imported {rec['where']} instead")
    return {"rate": n / rec["wall"], "cpu_us": rec["cpu"] / n * 1e6, "own_us": rec["own"] / n * 1e6,
            "kids_us": rec["kids"] / n * 1e6, "failed": float(rec["exit"] != 0)}


def extract(ref: str, into: Path) -> tuple[Path, str]:
    """The tree of `ref` in `into`, and the package name it is imported as."""
    into.mkdir(parents=True)
    if ref == WORKTREE:  # the files of the working tree as they are (tracked and new, not ignored)
        names = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                               capture_output=True, check=True).stdout
        archive = subprocess.run(["tar", "-c", "-C", str(ROOT), "--null", "--ignore-failed-read", "-T", "-"],
                                 input=names, capture_output=True, check=True).stdout
    else:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    renamed = '"cfroutes" = "generator"' in (into / "pyproject.toml").read_text()
    pkg = "cfroutes" if renamed else "generator"
    if not (into / "generator" / "templates").exists():  # the package-dir mapping, as a link
        (into / "generator" / "templates").symlink_to(into / "templates")
    if renamed:
        (into / "shim").mkdir()
        (into / "shim" / "cfroutes").symlink_to(into / "generator")
        return into / "shim", pkg
    return into, pkg


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--refs", default="9fdcd06,main,HEAD",
                    help=f"git refs to compare; {WORKTREE!r}: the working tree as it is (default: %(default)s)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--cases", type=int, default=2000)
    ap.add_argument("--store-cases", type=int, default=3000)
    ap.add_argument("--store-sizes", default="200,2000,20000",
                    help="spilled exact routes per store, smallest first (default: %(default)s)")
    ap.add_argument("--store-spread", action="store_true",
                    help="store cases hit routes all over each store (not the same cases for every size)")
    ap.add_argument("--parts", default=",".join(PARTS))
    ap.add_argument("--jobs", type=int, default=None, help="`cfroutes test` processes (default: every CPU)")
    args = ap.parse_args()
    refs = [r for r in args.refs.split(",") if r]
    parts = [p for p in args.parts.split(",") if p]
    with tempfile.TemporaryDirectory(prefix="cfroutes-speed-") as tmp:
        base = Path(tmp)
        trees = {ref: extract(ref, base / f"tree{i}") for i, ref in enumerate(refs)}
        data = base / "data"
        suite = write_suite(str((data / "suite").mkdir(parents=True) or data / "suite"), args.cases)
        sizes = sorted(int(x) for x in args.store_sizes.split(",") if x)
        stores = {n: write_store(str((data / f"s{n}").mkdir(parents=True) or data / f"s{n}"), n, args.store_cases,
                                 n if args.store_spread else sizes[0]) for n in sizes}
        jobs: list[tuple[str, str, int, bool]] = []  # (label, config, cases, in process)
        if "suite" in parts:
            jobs.append(("suite", suite, args.cases, False))
        if "inprocess" in parts:
            jobs.append(("inprocess", suite, args.cases, True))
        if "watchdog" in parts:
            jobs.append(("watchdog", suite, args.cases, False))
        if "store" in parts:
            jobs += [(f"store{n}", cfg, args.store_cases, False) for n, cfg in stores.items()]
        got: dict[tuple[str, str], list[dict[str, float]]] = {}
        for rnd in range(args.rounds):
            for label, cfg, n, inproc in jobs:
                for ref in refs:  # alternating: every ref once per figure per round
                    tree, pkg = trees[ref]
                    part = "suite" if label == "suite" else "runner"
                    try:
                        rec = measure(tree, pkg, part, cfg, n, inprocess=inproc, jobs=args.jobs)
                    except (RuntimeError, subprocess.TimeoutExpired) as exc:
                        print(f"# round {rnd + 1} {label} {ref}: {str(exc)[-300:]}", file=sys.stderr)
                        continue
                    got.setdefault((label, ref), []).append(rec)
                    print(f"# round {rnd + 1} {label:10s} {ref:10s} {rec['rate']:9,.0f} cases/s  "
                          f"{rec['cpu_us']:7.0f} µs CPU/case{'  (some cases FAILED)' if rec['failed'] else ''}",
                          file=sys.stderr, flush=True)

    def med(label: str, ref: str, key: str) -> float | None:
        xs = [r[key] for r in got.get((label, ref), [])]
        return statistics.median(xs) if xs else None

    def cell(label: str, ref: str) -> str:
        rate, cpu_us = med(label, ref, "rate"), med(label, ref, "cpu_us")
        if rate is None or cpu_us is None:
            return "n/a"
        failed = any(r["failed"] for r in got.get((label, ref), []))
        return f"{rate:,.0f} cases/s ({cpu_us:,.0f} µs CPU)" + (" (cases failed)" if failed else "")

    rows = [("`cfroutes test` end to end, watchdog on, every CPU", "suite"),
            ("runner, 1 process, engine in process", "inprocess"),
            ("runner, 1 process, watchdog on", "watchdog")]
    rows += [(f"runner, spilled store of {n:,} routes", f"store{n}") for n in sizes]
    print(f"\n{args.rounds} alternating rounds, medians; {args.cases:,} suite cases, {args.store_cases:,} store cases\n")
    print("| | " + " | ".join(refs) + " |")
    print("|---|" + "---|" * len(refs))
    for title, label in rows:
        if any((label, r) in got for r in refs):
            print(f"| {title} | " + " | ".join(cell(label, r) for r in refs) + " |")
    if len(sizes) > 1 and any((f"store{sizes[0]}", r) in got for r in refs):
        print(f"\nStore size, CPU per case (µs; medians of {args.rounds} rounds: process + watchdog worker = total),"
              f" ratio to {sizes[0]:,} routes\n")
        print("| ref | " + " | ".join(f"{n:,} routes" for n in sizes) + " | " +
              " | ".join(f"{n:,} / {sizes[0]:,}" for n in sizes[1:]) + " |")
        print("|---|" + "---|" * (2 * len(sizes) - 1))
        for r in refs:
            cells, ratios = [], []
            base = med(f"store{sizes[0]}", r, "cpu_us")
            for n in sizes:
                own, kids, tot = (med(f"store{n}", r, k) for k in ("own_us", "kids_us", "cpu_us"))
                cells.append("n/a" if tot is None else f"{own:.0f} + {kids:.0f} = {tot:.0f}")
                if n != sizes[0]:
                    ratios.append("n/a" if tot is None or not base else f"{tot / base:.2f}×")
            print(f"| {r} | " + " | ".join(cells) + " | " + " | ".join(ratios) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
