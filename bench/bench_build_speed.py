"""Build and check speed, side by side: an old commit, main, this branch's base and this branch.

    python bench/bench_build_speed.py [--runs 5] [--routes 50000] [--old 9fdcd06] [--main main]

Each revision is checked out with `git worktree add` into a temporary folder (removed at the
end) and run from there with this Python (the old layout imports as `generator`, the new one as
`cfroutes` through a symlink; PYTHONPATH puts it before the editable install of this checkout). Every measurement is a fresh process; the revisions alternate within each round, so a
loaded machine slows them alike. Reported: median and best wall time, and median CPU time
(user + system of the child), which a loaded machine distorts less.

- build: `build -c routes.yaml -o dist` of bench_scale.py's config with `--routes` exact
  redirects and 20 pattern routes, spilled to a store. The base's and the branch's dist/ are
  compared byte for byte first (the same output, or the script stops).
- check cold / warm: `cfroutes check` on each revision's own example routes.yaml; cold with no
  cache (a new cache folder each time), warm with the cache of the run before (the branch
  replays; older revisions have no cache: warm = cold), and "after an edit" with the compiled
  template and the syntax analyses cached but the result not (the check runs).
- check warm, lazy entry: the same warm check entered through `cfroutes.cli.check` directly:
  what `cfroutes check` costs once cli/main.py imports each command lazily.
"""
from __future__ import annotations

import argparse
import filecmp
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

from bench_scale import config, slugs  # noqa: E402

_PRELUDE = "import sys\n"  # (the revision comes first on PYTHONPATH, for worker processes too)
_MAIN = _PRELUDE + "from {pkg}.cli.main import main\nsys.exit(main({args!r}))\n"
_LAZY = _PRELUDE + ("from cfroutes.cli.check import check\n"
                    "sys.exit(check('routes.yaml', strict=False, stdout=sys.stdout, stderr=sys.stderr))\n")


@dataclass
class Rev:
    label: str
    root: str   # the checkout
    path: str   # what goes on sys.path
    pkg: str    # the package's import name
    times: dict[str, list[tuple[float, float]]] = field(default_factory=dict)  # row -> [(wall, cpu)]


def _git(*args: str) -> str:
    return subprocess.run(["git", "-C", ROOT, *args], check=True, capture_output=True, text=True).stdout.strip()


def checkout(label: str, rev: str | None, tmp: str) -> Rev:
    """`rev` in a new worktree (None: this checkout as it is)."""
    root = ROOT
    if rev is not None:
        root = os.path.join(tmp, label)
        _git("worktree", "add", "--detach", root, rev)
    with open(os.path.join(root, "pyproject.toml")) as f:
        old_layout = '"cfroutes.cli"' not in f.read()
    if old_layout:
        return Rev(label, root, root, "generator")  # the old layout: `import generator`
    path = os.path.join(tmp, label + "-path")
    os.makedirs(path)
    os.symlink(os.path.join(root, "generator"), os.path.join(path, "cfroutes"))
    return Rev(label, root, path, "cfroutes")


def run(code: str, cwd: str, rev: Rev, env: dict[str, str] | None = None) -> tuple[float, float, int]:
    """(wall s, cpu s, exit code) of `python -c code` with `rev` first on the path, a fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    p = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True,
                       env={**os.environ, **(env or {}), "PYTHONPATH": rev.path})
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if p.returncode not in (0, 1):
        raise SystemExit(f"{cwd}: exit {p.returncode}\n{p.stderr[-2000:]}")
    return wall, cpu, p.returncode


def same_tree(a: str, b: str) -> bool:
    cmp = filecmp.dircmp(a, b)
    if cmp.left_only or cmp.right_only or cmp.funny_files:
        return False
    _, mismatch, errors = filecmp.cmpfiles(a, b, cmp.common_files, shallow=False)
    return not mismatch and not errors and all(same_tree(os.path.join(a, d), os.path.join(b, d)) for d in cmp.common_dirs)


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--routes", type=int, default=50000)
    ap.add_argument("--old", default="9fdcd06")
    ap.add_argument("--main", default="main")
    a = ap.parse_args(argv)
    tmp = tempfile.mkdtemp(prefix="cfroutes-speed-")
    base_rev = _git("merge-base", "HEAD", a.main)
    revs: list[Rev] = []
    try:
        revs = [checkout("old " + a.old, a.old, tmp), checkout("main", a.main, tmp),
                checkout("base " + base_rev[:7], base_rev, tmp), checkout("branch", None, tmp)]
        cfg = os.path.join(tmp, "routes.yaml")
        with open(cfg, "w") as f:
            f.write(config(slugs(a.routes), 20, kvs=True))
        outs = {}
        for r in revs[2:]:  # the same bytes from the base and the branch
            outs[r.label] = out = os.path.join(tmp, "dist-" + r.label.split()[0])
            run(_MAIN.format(pkg=r.pkg, args=["build", "-c", cfg, "-o", out]), tmp, r)
        if not same_tree(*outs.values()):
            raise SystemExit(f"dist/ differs between {' and '.join(outs)}")
        print(f"dist/ of {a.routes:,} routes: the same bytes from {' and '.join(outs)}", file=sys.stderr)

        def build(r: Rev) -> tuple[float, float, int]:
            out = os.path.join(tmp, "dist-run")
            shutil.rmtree(out, ignore_errors=True)
            return run(_MAIN.format(pkg=r.pkg, args=["build", "-c", cfg, "-o", out]), tmp, r)

        def check(r: Rev, cache: str, lazy: bool = False) -> tuple[float, float, int]:
            env = {"CFROUTES_CACHE_DIR": cache, "CFROUTES_NO_CACHE": ""}
            code = _LAZY if lazy else _MAIN.format(pkg=r.pkg, args=["check"])
            return run(code, r.root, r, env)

        def cold(r: Rev) -> tuple[float, float, int]:
            cache = os.path.join(tmp, "cache-cold")
            shutil.rmtree(cache, ignore_errors=True)
            return check(r, cache)

        def warm(r: Rev) -> tuple[float, float, int]:
            cache = os.path.join(tmp, "cache-" + r.label.split()[0])
            check(r, cache)  # (fills it, untimed)
            return check(r, cache)

        def edited(r: Rev) -> tuple[float, float, int]:
            cache = os.path.join(tmp, "cache-" + r.label.split()[0])
            check(r, cache)
            shutil.rmtree(os.path.join(cache, "check"), ignore_errors=True)  # the result, not the parts
            return check(r, cache)

        def lazy(r: Rev) -> tuple[float, float, int]:
            cache = os.path.join(tmp, "cache-" + r.label.split()[0])
            check(r, cache)
            return check(r, cache, lazy=True)

        rows: list[tuple[str, Callable[[Rev], tuple[float, float, int]], list[Rev]]] = [
            (f"build, {a.routes:,} routes", build, revs),
            ("check on the example, cold", cold, revs),
            ("check on the example, warm cache", warm, revs),
            ("check after an edit (template, analyses cached)", edited, revs[1:]),
            ("check warm, entered lazily (after cli/main.py's lazy imports)", lazy, revs[1:]),
        ]
        for i in range(a.runs):
            for name, fn, which in rows:
                for r in (which if i % 2 == 0 else which[::-1]):  # alternate the order
                    wall, cpu, _ = fn(r)
                    r.times.setdefault(name, []).append((wall, cpu))
            print(f"round {i + 1}/{a.runs} done", file=sys.stderr, flush=True)
        print(f"\n{a.runs} alternating runs each, fresh processes; load average "
              f"{os.getloadavg()[0]:.1f} at the end; Python {sys.version.split()[0]}\n")
        print("| measurement | " + " | ".join(r.label for r in revs) + " |")
        print("|---|" + "---|" * len(revs))
        for name, _, _which in rows:
            cells = []
            for r in revs:
                t = r.times.get(name)
                if not t:
                    cells.append("n/a")
                    continue
                walls, cpus = [w for w, _ in t], [c for _, c in t]
                cells.append(f"{statistics.median(walls):.2f} s (best {min(walls):.2f}), "
                             f"CPU {statistics.median(cpus):.2f} s")
            print(f"| {name} | " + " | ".join(cells) + " |")
    finally:
        for r in revs:
            if r.root != ROOT:
                subprocess.run(["git", "-C", ROOT, "worktree", "remove", "--force", r.root], capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)
        subprocess.run(["git", "-C", ROOT, "worktree", "prune"], capture_output=True)


if __name__ == "__main__":
    main(sys.argv[1:])
