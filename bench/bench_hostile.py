"""Time and peak memory of hostile inputs (issue 10), each in a fresh `cfroutes` process.

    python bench/bench_hostile.py [--limit-mb 4096] [--timeout 30]

Each case runs under RLIMIT_AS (so a bomb ends in MemoryError instead of taking the
machine) and a wall-clock timeout; the table gives seconds, peak RSS, exit code and the
first line of stderr. Results go in docs/benchmarks.md.
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASE = "version: 1\nfunctions:\n  f:\n    event: viewer-request\n"
ROUTES = "    routes:\n      - {path: /a, respond: {status: 200}}\n"


def laughs(levels: int = 9, width: int = 9, indent: str = "") -> str:
    out = [f'{indent}l0: &l0 ["lol"]\n']
    for i in range(1, levels + 1):
        out.append(f"{indent}l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * width) + "]\n")
    return "".join(out)


def map_laughs(levels: int = 9, width: int = 9, indent: str = "") -> str:
    out = [f"{indent}m0: &m0 {{k: lol}}\n"]
    for i in range(1, levels + 1):
        out.append(f"{indent}m{i}: &m{i} {{" + ", ".join(f"k{j}: *m{i - 1}" for j in range(width)) + "}\n")
    return "".join(out)


def merge_laughs(levels: int = 20, indent: str = "") -> str:
    out = [f"{indent}m0: &m0 {{k: lol}}\n"]
    for i in range(1, levels + 1):
        out.append(f"{indent}m{i}: &m{i} {{<<: [*m{i - 1}, {{a{i}: *m{i - 1}}}], b{i}: *m{i - 1}}}\n")
    return "".join(out)


CYCLE = "x: &a [&b [*a, *b], *a, *b]\n"


def cases(tmp: Path) -> list[tuple[str, list[str]]]:
    def cfg(name: str, text: str) -> str:
        p = tmp / name
        p.mkdir(exist_ok=True)
        (p / "routes.yaml").write_text(text)
        return str(p / "routes.yaml")

    out: list[tuple[str, list[str]]] = []
    for label, bomb in (("billion laughs (sequences)", laughs()), ("anchors of anchors (mappings)", map_laughs()),
                        ("2-alias cycle", CYCLE), ("merge keys of aliases", merge_laughs())):
        slug = "".join(c for c in label if c.isalnum())
        c = cfg(slug, "x-bomb:\n" + "".join("  " + ln + "\n" for ln in bomb.splitlines()) + BASE + ROUTES)
        out.append((f"routes.yaml: {label}", ["check", "-c", c]))
    d = tmp / "seed"
    d.mkdir()
    (d / "seed.yaml").write_text(laughs())
    (d / "routes.yaml").write_text(BASE + "    runtime: cloudfront-js-2.0\n    kvs: {name: s, seed: seed.yaml}\n" + ROUTES)
    out.append(("seed file: billion laughs", ["check", "-c", str(d / "routes.yaml")]))
    d = tmp / "cases"
    d.mkdir()
    (d / "routes.yaml").write_text(BASE + ROUTES)
    (d / "x.cases.yaml").write_text("x-bomb:\n" + "".join("  " + ln + "\n" for ln in laughs().splitlines())
                                    + "tests: []\n")
    out.append(("x.cases.yaml: billion laughs", ["test", "-c", str(d / "routes.yaml")]))
    d = tmp / "zerocases"
    d.mkdir()
    (d / "routes.yaml").write_text(BASE + ROUTES)
    (d / "x.cases.yaml").symlink_to("/dev/zero")
    out.append(("discovered x.cases.yaml -> /dev/zero", ["test", "-c", str(d / "routes.yaml")]))
    d = tmp / "flat"
    d.mkdir()
    (d / "routes.yaml").write_text(BASE + ROUTES + "x: [" + "1," * 1_100_000 + "]\n")
    out.append(("routes.yaml: flat list of 1.1 M scalars (2.2 MB)", ["check", "-c", str(d / "routes.yaml")]))
    d = tmp / "distfifo"
    d.mkdir()
    (d / "routes.yaml").write_text(BASE + ROUTES)
    (d / "dist").mkdir()
    os.mkfifo(d / "dist" / "f.js")
    (d / "dist" / "manifest.json").write_text("{}")
    out.append(("build --check, dist/f.js a FIFO", ["build", "--check", "-c", str(d / "routes.yaml"),
                                                    "-o", str(d / "dist")]))
    fifo = tmp / "fifo.yaml"
    os.mkfifo(fifo)
    out.append(("-c on a FIFO", ["check", "-c", str(fifo)]))
    out.append(("-c /dev/zero", ["check", "-c", "/dev/zero"]))
    return out


def run(argv: list[str], limit_mb: int, timeout: float) -> tuple[float, float, str, str]:
    """(seconds, peak RSS in MB of this child alone, exit, first stderr line)."""
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit_mb << 20, limit_mb << 20))

    with tempfile.TemporaryFile("w+") as err:
        t0 = time.perf_counter()
        p = subprocess.Popen([sys.executable, "-m", "cfroutes", *argv], cwd=ROOT, stdout=subprocess.DEVNULL,
                             stderr=err, preexec_fn=limit, text=True)
        timer = threading.Timer(timeout, p.kill)
        timer.start()
        _, status, ru = os.wait4(p.pid, 0)
        took = time.perf_counter() - t0
        killed = not timer.is_alive()
        timer.cancel()
        p.returncode = os.waitstatus_to_exitcode(status)
        code = f"killed after {timeout:.0f} s" if killed else str(p.returncode)
        err.seek(0)
        first = (err.read().strip().splitlines() or [""])[0][:110]
    return took, ru.ru_maxrss / 1024, code, first


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit-mb", type=int, default=4096)
    ap.add_argument("--timeout", type=float, default=30)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as t:
        print("| input | seconds | peak RSS (MB) | exit | first line of stderr |")
        print("|---|---|---|---|---|")
        for label, argv in cases(Path(t)):
            took, rss, code, first = run(argv, a.limit_mb, a.timeout)
            print(f"| {label} | {took:.2f} | {rss:.0f} | {code} | `{first.replace(t, '…')}` |", flush=True)


if __name__ == "__main__":
    main()
