"""Scale benchmarks: density, per-request cost vs route count, build time.

    python bench/bench_scale.py            # everything, prints a Markdown table
    python bench/bench_scale.py density    # one part: density | cost | build | prefix | modes

Numbers are written down in docs/benchmarks.md with the date and machine.
"""
from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from cfroutes.compiler import compile_config  # noqa: E402
from cfroutes.emulator import WarmFunction, prepare  # noqa: E402
from cfroutes.emulator.store import Kvs  # noqa: E402
from cfroutes.platform.limits import FUNCTION_SIZE_MAX  # noqa: E402

WORDS = ("alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november "
         "oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu spring "
         "summer autumn winter launch pricing guide release notes update").split()


def slugs(n: int, seed: int = 7) -> list[tuple[str, str]]:
    """A realistic redirect list: dated blog slugs of several words -> new article paths."""
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        slug = "-".join(rnd.sample(WORDS, rnd.randint(3, 5)))
        year = 2015 + rnd.randint(0, 9)
        out.append((f"/blog/{year}/{slug}", f"/articles/{slug}-{i}"))
    return out


def config(exact: list[tuple[str, str]], patterns: int, *, kvs: bool, spill: str = "auto") -> str:
    lines = ["version: 1", "functions:", "  f:", "    event: viewer-request"]
    if kvs:
        lines.append("    kvs: {name: routes}")
    lines.append(f"    options: {{spill: {spill}}}")
    lines.append("    routes:")
    for i in range(patterns):
        lines += [f"      - path: /section{i}/:a/*", f"        redirect: /s{i}/{{a}}/{{splat}}"]
    for src, dst in exact:
        lines += [f"      - path: {src}", f"        redirect: {dst}"]
    return "\n".join(lines) + "\n"


def _compile(text: str) -> tuple[object, float]:
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "routes.yaml")
        with open(p, "w") as fh:
            fh.write(text)
        t = time.perf_counter()
        c = compile_config(p)
        return c, time.perf_counter() - t


def density() -> dict[str, object]:
    """Largest n of exact redirects that stays inline under 10,240 bytes (binary search)."""
    allr = slugs(3000)
    lo, hi = 1, len(allr)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        c, _ = _compile(config(allr[:mid], 0, kvs=False, spill="never"))
        if c.errors:
            hi = mid - 1
        else:
            lo = mid
    c, _ = _compile(config(allr[:lo], 0, kvs=False, spill="never"))
    raw = sum(len(a) + len(b) for a, b in allr[:lo])
    size = c.functions[0].size
    return {"routes": lo, "raw_bytes": raw, "function_bytes": size, "ratio": round(raw / FUNCTION_SIZE_MAX, 3)}


def _event(uri: str) -> dict[str, object]:
    return {"version": "1.0", "context": {"eventType": "viewer-request"}, "viewer": {"ip": "203.0.113.9"},
            "request": {"method": "GET", "uri": uri, "querystring": {"utm": {"value": "1"}},
                        "headers": {"host": {"value": "example.com"}}, "cookies": {}}}


def _measure(source: str, runtime: str, kvs: dict[str, str] | None, uris: list[str], reps: int = 3
             ) -> tuple[float, float]:
    """Median handler time and steps per request: one warm context, the store loaded once (a fresh
    context per call would parse the whole store each time: 1.45 MB at 20,000 routes)."""
    warm, store = WarmFunction(prepare(source, runtime)), Kvs.of(kvs)
    times, steps = [], []
    for _ in range(reps):
        for u in uris:
            inv = warm.invoke(_event(u), store)
            assert inv.error == "", inv.error
            times.append(inv.duration_us)
            steps.append(inv.steps)
    return statistics.median(times), statistics.median(steps)


def naive_source(exact: list[tuple[str, str]], patterns: int) -> str:
    """What hand-written functions often do: test every rule in turn."""
    rules = [[f"^/section{i}/([^/]+)(?:/(.*))?$", f"/s{i}/$1/$2"] for i in range(patterns)]
    rules += [["^" + s.replace("/", "\\/") + "$", d] for s, d in exact]
    return ("var RULES = " + json.dumps(rules) + ";\n"
            "function handler(event) {\n  var r = event.request;\n"
            "  for (var i = 0; i < RULES.length; i++) {\n    var re = new RegExp(RULES[i][0]);\n"
            "    if (re.test(r.uri)) return {statusCode: 301, headers: {location: {value: r.uri.replace(re, RULES[i][1])}}};\n"
            "  }\n  return r;\n}\n")


def cost() -> list[dict[str, object]]:
    rows = []
    for n, spill in ((10, "auto"), (10, "always"), (100, "auto"), (100, "always"), (1000, "auto"), (10000, "auto")):
        exact = slugs(n, seed=n)
        c, _ = _compile(config(exact, 20, kvs=True, spill=spill))
        f = c.functions[0]
        rnd = random.Random(1)
        uris = [rnd.choice(exact)[0] for _ in range(40)] + ["/nothing/here"] * 10
        us, steps = _measure(f.source, f.function.runtime, f.kvs_dict(), uris)
        row: dict[str, object] = {"exact": n, "patterns": 20, "bytes": f.size, "spilled": f.spilled,
                                  "median_us": round(us, 1), "median_steps": steps}
        if n <= 1000 and spill == "auto":
            nus, nsteps = _measure(naive_source(exact, 20), "cloudfront-js-2.0", None, uris, reps=1)
            row.update({"naive_us": round(nus, 1), "naive_steps": nsteps})
        rows.append(row)
    return rows


def prefix_config(n: int, shape: str = "splat") -> str:
    """n prefix routes of the docs-site shape (`/v1.2-docs/section-7/* -> /docs/section-7/`, or
    with shape "name" `/v1.2-docs/section-7/:page/* -> /docs/section-7/{page}/`) and a few exact
    and pattern routes, with a store and spill: auto (issue 23)."""
    lines = ["version: 1", "functions:", "  f:", "    event: viewer-request", "    runtime: cloudfront-js-2.0",
             "    kvs: {name: routes}", "    options: {spill: auto}", "    routes:"]
    for i in range(n):
        target = f"/docs/section-{i // 9}/" if i % 5 else f"/docs/section-{i // 9}/{{splat}}"
        if shape == "name":
            target = target.replace("/docs/", "/docs/{page}/", 1)
            lines.append(f"      - {{path: '/v1.{i % 9}-docs/section-{i // 9}/:page/*', redirect: '{target}'}}")
            continue
        lines.append(f"      - {{path: '/v1.{i % 9}-docs/section-{i // 9}/*', redirect: '{target}'}}")
    for i in range(20):
        lines.append(f"      - {{path: '/blog/post-{i}', redirect: '/articles/{i}'}}")
        lines.append(f"      - {{path: '/tags/{i}/:t', rewrite: '/t/{i}/{{t}}'}}")
    return "\n".join(lines) + "\n"


def prefix() -> Iterator[dict[str, object]]:
    """Prefix routes as data: bytes, where they live, reads per request, cost per request."""
    for n, shape in [(n, s) for n in (99, 1000, 5000) for s in ("splat", "name")]:  # printed as measured
        c, secs = _compile(prefix_config(n, shape))
        f = c.functions[0]
        assert not c.errors, [str(e) for e in c.errors]
        rnd = random.Random(n)
        uris = [f"/v1.{i % 9}-docs/section-{i // 9}/page/x" for i in (rnd.randrange(n) for _ in range(10))]
        uris += ["/blog/post-3", "/tags/3/x", "/nothing/here"]
        us, steps = _measure(f.source, f.function.runtime, f.kvs_dict(), uris, reps=1)
        yield ({"prefix_routes": n, "shape": shape, "bytes": f.size, "where": "kvs" if f.plan.flags.get("yspill") else "inline",
                     "reads_per_request_max": len(f.plan.YD), "kvs_entries": len(f.plan.spilled),
                     "build_s": round(secs, 2), "median_us": round(us, 1), "median_steps": steps})


def prefix_modes() -> Iterator[dict[str, object]]:
    """`/p/*` and `/p/:x/*` routes inline (Y) and spilled, side by side: bytes, plan and render
    time, steps and microseconds per request (the 5,000 inline rows are over the quota: measured
    all the same, to show what the table costs)."""
    from cfroutes.compiler.emit import function_source
    from cfroutes.compiler.plan import plan
    from cfroutes.config.load import load_config

    for n in (99, 1000, 5000):
        for shape in ("splat", "name"):
            with tempfile.TemporaryDirectory() as d:
                path = os.path.join(d, "routes.yaml")
                with open(path, "w") as fh:
                    fh.write(prefix_config(n, shape))
                fn = load_config(path).functions[0]
            rnd = random.Random(n)
            uris = [f"/v1.{i % 9}-docs/section-{i // 9}/page/x" for i in (rnd.randrange(n) for _ in range(10))]
            uris += ["/blog/post-3", "/tags/3/x", "/nothing/here"]
            for mode in ("pattern", "inline", "spilled"):  # pattern: no prefix level (P, exact routes spilled)
                t = time.process_time()
                p = plan(fn, spill=mode != "inline", prefix={"pattern": 0, "inline": 1, "spilled": 2}[mode])
                src = function_source(p)
                secs = time.process_time() - t
                row: dict[str, object] = {"prefix_routes": n, "shape": shape, "mode": mode, "bytes": len(src.encode("utf-8")),
                                          "reads_per_request_max": len(p.YD), "kvs_entries": len(p.spilled),
                                          "plan_render_cpu_s": round(secs, 2)}
                try:
                    us, steps = _measure(src, fn.runtime, dict(p.spilled) if p.spilled else None, uris, reps=1)
                    row.update({"median_us": round(us, 1), "median_steps": steps})
                except AssertionError as e:  # e.g. a table far over the quota passes the 2 MB memory limit
                    row["error"] = str(e)
                yield row


def build() -> dict[str, object]:
    """Build time and peak memory of 20,000 exact redirects + 20 patterns, in a fresh process."""
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "routes.yaml")
        with open(p, "w") as fh:
            fh.write(config(slugs(20000), 20, kvs=True))
        root = os.path.join(os.path.dirname(__file__), "..")
        code = ("import resource,time,sys;t=time.perf_counter();from cfroutes.cli.main import main;"
                f"rc=main(['build','-c',{p!r},'-o',{os.path.join(d, 'dist')!r}]);"
                "print('RESULT',rc,time.perf_counter()-t,resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
        out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
        line = next(x for x in out.stdout.splitlines() if x.startswith("RESULT"))
        _, rc, secs, rss = line.split()
        man = json.load(open(os.path.join(d, "dist", "manifest.json")))
        fn = man["functions"][0]
        return {"routes": 20020, "exit": int(rc), "seconds": round(float(secs), 2), "peak_rss_mb": int(rss) // 1024,
                "function_bytes": fn["size"], "kvs_entries": fn["kvs"]["entries"], "kvs_bytes": fn["kvs"]["bytes"]}


def main(argv: list[str]) -> None:
    parts = argv or ["density", "cost", "build", "prefix", "modes"]
    if "density" in parts:
        print("density:", json.dumps(density()))
    if "cost" in parts:
        for row in cost():
            print("cost:", json.dumps(row))
    if "build" in parts:
        print("build:", json.dumps(build()))
    if "prefix" in parts:
        for row in prefix():
            print("prefix:", json.dumps(row), flush=True)
    if "modes" in parts:
        for row in prefix_modes():
            print("modes:", json.dumps(row), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
