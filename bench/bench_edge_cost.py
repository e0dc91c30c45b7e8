"""Edge cost: the generated function against a hand-written specialised one.

    python bench/bench_edge_cost.py              # 10 and 100 exact routes, njs and QuickJS
    python bench/bench_edge_cost.py --exact 10   # one size
    python bench/bench_edge_cost.py --json       # one JSON line per (size, engine)

For each size the script writes a routes.yaml (N inline exact redirects + 20 pattern
routes, realistic paths), builds it with cfroutes, and generates from the SAME route list a
hand-written-style function specialised to it: one object lookup for the exact paths, one
for the pattern routes' first segment, each pattern compiled to straight-line comparisons,
the query string rebuilt only when a redirect keeps it. Both run in ONE engine process
(`njs`, and QuickJS through the python `quickjs` module, the emulator's engine), on the same
request mix: outputs are first compared on every request (any difference aborts), then the
two handlers and an empty one (`return e.request`) are timed in interleaved blocks of many
requests. Reported: µs/request net of the empty handler (median over rounds), the ratio
generated / hand-written, and the emulator's ComputeUtilization estimate of both (which uses
the same net CPU measurement, one request per fresh context). Results go to
docs/benchmarks.md ("Edge cost").
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from cfroutes.compiler import compile_config  # noqa: E402

NJS = shutil.which("njs") or "/usr/bin/njs"

WORDS = ("alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november "
         "oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu spring "
         "summer autumn winter launch pricing guide release notes update").split()

# 20 pattern routes: (path, target, status, query), first segments mostly distinct, a few shared
PATTERNS = [
    ("/docs/:version/*", "/documentation/{version}/{splat}", 301, "keep"),
    ("/user/:name", "/u/{name}", 301, "keep"),
    ("/user/:name/posts/:id", "/u/{name}/p/{id}", 301, "keep"),
    ("/shop/:category/:item", "/store/{category}/{item}", 301, "keep"),
    ("/old-blog/*", "/blog/{splat}", 301, "keep"),
    ("/category/:slug", "/topics/{slug}", 301, "keep"),
    ("/tag/:tag", "/topics/{tag}", 302, "keep"),
    ("/download/:file", "https://downloads.example.com/{file}", 302, "drop"),
    ("/api/v1/*", "/api/v2/{splat}", 308, "keep"),
    ("/help/:topic", "/support/{topic}", 301, "keep"),
    ("/help/:topic/:article", "/support/{topic}/{article}", 301, "keep"),
    ("/press/:year/:slug", "/news/{year}/{slug}", 301, "keep"),
    ("/careers/*", "https://jobs.example.com/{splat}", 302, "keep"),
    ("/events/:id", "/community/events/{id}", 301, "keep"),
    ("/wiki/*", "/kb/{splat}", 301, "keep"),
    ("/m/:page", "/{page}", 301, "keep"),
    ("/static/:rev/*", "/assets/{splat}", 301, "drop"),
    ("/partners/:name", "/ecosystem/{name}", 301, "keep"),
    ("/legal/:doc", "/policies/{doc}", 301, "keep"),
    ("/shop/:category", "/store/{category}", 301, "keep"),
]


def exact_routes(n: int, seed: int) -> list[tuple[str, str]]:
    """A realistic redirect list: blog slugs, product pages, short campaign paths, moved pages."""
    rnd = random.Random(seed)
    out: dict[str, str] = {}
    i = 0
    while len(out) < n:
        kind = rnd.random()
        slug = "-".join(rnd.sample(WORDS, rnd.randint(2, 5)))
        if kind < 0.5:
            src, dst = f"/blog/{2015 + rnd.randint(0, 9)}/{slug}", f"/articles/{slug}-{i}"
        elif kind < 0.75:
            src, dst = f"/products/{slug}", f"/catalog/{rnd.choice(WORDS)}/{slug}"
        elif kind < 0.9:
            src, dst = f"/{slug}", f"https://campaigns.example.com/{slug}?src=vanity"
        else:
            src, dst = f"/about/{slug}.html", f"/company/{slug}"
        if src not in out:
            out[src] = dst
            i += 1
    return list(out.items())


def config_text(exact: list[tuple[str, str]]) -> str:
    lines = ["version: 1", "functions:", "  f:", "    event: viewer-request", "    routes:"]
    for src, dst in exact:
        lines += [f"      - path: {src}", f"        redirect: {json.dumps(dst)}"]
    for path, to, status, query in PATTERNS:
        lines += [f"      - path: {path}", f"        redirect: {{to: {json.dumps(to)}, status: {status}, query: {query}}}"]
    return "\n".join(lines) + "\n"


# ---- the hand-written specialised function ------------------------------------------------

def _segments(path: str) -> list[str]:
    return path[1:].split("/")


def _template_js(to: str, binds: dict[str, str]) -> str:
    """'/u/{name}' -> "'/u/' + n[1]" with the binding expressions given."""
    out, rest = [], to
    while rest:
        i = rest.find("{")
        if i < 0:
            out.append(json.dumps(rest))
            break
        if i:
            out.append(json.dumps(rest[:i]))
        j = rest.index("}", i)
        out.append(binds[rest[i + 1:j]])
        rest = rest[j + 1:]
    return " + ".join(out) or "''"


def _pattern_js(path: str, to: str, status: int, query: str) -> str:
    """Straight-line code for one pattern: `if (conditions) return redirect(...)`."""
    segs = _segments(path)
    splat = segs[-1] == "*"
    if splat:
        segs = segs[:-1]
    arr = "g" if splat else "n"  # splat patterns see the raw segments (docs/semantics.md §2)
    conds = [f"{arr}.length {'>=' if splat else '=='} {len(segs)}"]
    binds: dict[str, str] = {}
    for i, s in enumerate(segs):
        if i == 0:
            continue  # the first segment was the table key
        if s.startswith(":"):
            conds.append(f"{arr}[{i}] !== ''")
            binds[s[1:]] = f"{arr}[{i}]"
        else:
            conds.append(f"{arr}[{i}] === {json.dumps(s)}")
    if splat:
        binds["splat"] = f"{arr}.slice({len(segs)}).join('/')"
    loc = _template_js(to, binds)
    # a location that starts with a binding (or "/" + binding) could start with "//": collapse it
    collapse = to.startswith("{") or to.startswith("/{")
    return (f"  if ({' && '.join(conds)}) return rd({loc}, {status}, "
            f"{'0' if query == 'drop' else '1'}, r, {1 if collapse else 0});\n")


def handwritten_source(exact: list[tuple[str, str]]) -> str:
    """The function a careful engineer would write for exactly these routes."""
    table = {src: dst for src, dst in exact}
    groups: dict[str, list[tuple[str, str, int, str]]] = {}
    for p in PATTERNS:
        groups.setdefault(_segments(p[0])[0], []).append(p)
    fns = []
    for first, pats in groups.items():
        body = "".join(_pattern_js(*p) for p in pats)
        fns.append(f"{json.dumps('/' + first)}: function (u, r) {{\n"
                   "  var g = u.slice(1).split('/'), n = g[g.length - 1] === '' ? g.slice(0, -1) : g;\n"
                   f"{body}  return null;\n}}")
    return (
        "var E = " + json.dumps(table) + ";\n"
        "var S = {\n" + ",\n".join(fns) + "\n};\n"
        "function qs(o) {\n"
        "  var a = [], k, m, j;\n"
        "  for (k in o) {\n"
        "    m = o[k].multiValue;\n"
        "    if (m && m.length) { for (j = 0; j < m.length; j++) a.push(m[j].value === '' ? k : k + '=' + m[j].value); }\n"
        "    else a.push(o[k].value === '' ? k : k + '=' + o[k].value);\n"
        "  }\n"
        "  return a.join('&');\n"
        "}\n"
        "function rd(l, st, keep, r, collapse) {\n"
        "  if (collapse && /^[\\/\\\\]/.test(l)) l = l.replace(/^[\\/\\\\]+/, '/');\n"
        "  if (keep) { var q = qs(r.querystring); if (q) l += (l.indexOf('?') < 0 ? '?' : '&') + q; }\n"
        "  return { statusCode: st, headers: { location: { value: l } } };\n"
        "}\n"
        "function handler(event) {\n"
        "  var r = event.request, u = r.uri;\n"
        "  var k = u.length > 1 && u.charCodeAt(u.length - 1) === 47 ? (u === '//' ? '' : u.slice(0, -1)) : u;\n"
        "  var t = E[k];\n"
        "  if (t !== undefined) return rd(t, 301, 1, r, 0);\n"
        "  var i = u.indexOf('/', 1), f = S[i < 0 ? u : u.slice(0, i)];\n"
        "  if (f !== undefined) { var o = f(u, r); if (o) return o; }\n"
        "  return r;\n"
        "}\n"
    )


# ---- the request mix ---------------------------------------------------------------------

def _event(uri: str, query: dict[str, str]) -> dict[str, object]:
    return {"version": "1.0", "context": {"eventType": "viewer-request"}, "viewer": {"ip": "203.0.113.9"},
            "request": {"method": "GET", "uri": uri,
                        "querystring": {k: {"value": v} for k, v in query.items()},
                        "headers": {"host": {"value": "www.example.com"},
                                    "user-agent": {"value": "Mozilla/5.0 (X11; Linux x86_64)"},
                                    "accept": {"value": "text/html,application/xhtml+xml"},
                                    "accept-language": {"value": "en-US,en;q=0.9"},
                                    "cookie": {"value": "session=abc123; theme=dark"}},
                        "cookies": {"session": {"value": "abc123"}, "theme": {"value": "dark"}}}}


def request_mix(exact: list[tuple[str, str]], count: int = 200, seed: int = 1) -> list[dict[str, object]]:
    """60 % exact hits (some with a trailing slash), 20 % pattern hits, 20 % misses; 30 % with a query."""
    rnd = random.Random(seed)
    pattern_uris = ["/docs/v2/getting-started/install", "/user/ada", "/user/ada/posts/42", "/shop/shoes/red-sneaker",
                    "/old-blog/2014/hello-world", "/category/news", "/tag/python", "/download/report.pdf",
                    "/api/v1/users/7", "/help/billing", "/help/billing/refunds", "/press/2021/launch",
                    "/careers/engineering/", "/events/123", "/wiki/Main_Page", "/m/pricing", "/static/abc123/app.js",
                    "/partners/acme", "/legal/privacy", "/shop/hats"]
    misses = ["/", "/index.html", "/assets/app.css", "/blog/2020/not-a-post", "/products/unknown-thing",
              "/user/ada/settings", "/docs", "/favicon.ico", "/images/logo.png", "/shop"]
    out = []
    for _ in range(count):
        x = rnd.random()
        if x < 0.6:
            uri = rnd.choice(exact)[0] + ("/" if rnd.random() < 0.1 else "")
        elif x < 0.8:
            uri = rnd.choice(pattern_uris)
        else:
            uri = rnd.choice(misses)
        query = {"utm_source": "news", "ref": ""} if rnd.random() < 0.3 else {}
        out.append(_event(uri, query))
    return out


# ---- the harness: the same script in njs and QuickJS --------------------------------------

def harness(gen: str, hand: str, events: list[dict[str, object]], block: int, rounds: int) -> str:
    """A script whose completion value (and console.log line, in njs) is the JSON result."""
    def wrap(src: str) -> str:
        return "(function () {\n'use strict';\n" + src + "\nreturn handler;\n})()"
    return (
        "var GEN = " + wrap(gen) + ";\n"
        "var HAND = " + wrap(hand) + ";\n"
        "var EMPTY = " + wrap("function handler(e) { return e.request; }") + ";\n"
        "var EV = " + json.dumps(events) + ";\n"
        "function copy(x) { return JSON.parse(JSON.stringify(x)); }\n"
        "var diffs = [], i;\n"
        "for (i = 0; i < EV.length; i++) {\n"
        "  var a = JSON.stringify(GEN(copy(EV[i]))), b = JSON.stringify(HAND(copy(EV[i])));\n"
        "  if (a !== b && diffs.length < 3) diffs.push([EV[i].request.uri, a.slice(0, 250), b.slice(0, 250)]);\n"
        "}\n"
        "var hits = 0;\n"
        "for (i = 0; i < EV.length; i++) if (GEN(copy(EV[i])).statusCode) hits++;\n"
        "function time(h, n) {\n"
        "  var t0 = Date.now(), k = 0, m = EV.length, s = 0;\n"
        "  for (var j = 0; j < n; j++) { if (h(EV[k]).statusCode) s++; if (++k === m) k = 0; }\n"
        "  return [Date.now() - t0, s];\n"
        "}\n"
        "var H = [['empty', EMPTY], ['gen', GEN], ['hand', HAND]], T = {empty: [], gen: [], hand: []}, r, j;\n"
        f"for (r = 0; r < {rounds}; r++) for (j = 0; j < 3; j++) {{\n"
        "  var e = H[(r + j) % 3];\n"
        f"  T[e[0]].push(time(e[1], {block})[0]);\n"
        "}\n"
        "var OUT = JSON.stringify({diffs: diffs, hits: hits, n: EV.length, T: T});\n"
        "if (typeof console !== 'undefined') console.log(OUT);\n"
        "OUT;\n"
    )


def _median(xs: list[float]) -> float:
    s = sorted(xs)
    m = len(s) // 2
    return s[m] if len(s) % 2 else (s[m - 1] + s[m]) / 2


def summarise(raw: dict[str, object], block: int) -> dict[str, float]:
    T = raw["T"]  # type: ignore[index]
    per = {k: [ms * 1000.0 / block for ms in v] for k, v in T.items()}  # µs per request, per round
    net_gen = _median([g - e for g, e in zip(per["gen"], per["empty"], strict=True)])
    net_hand = _median([h - e for h, e in zip(per["hand"], per["empty"], strict=True)])
    return {"empty_us": round(_median(per["empty"]), 3), "gen_us": round(net_gen, 3), "hand_us": round(net_hand, 3),
            "ratio": round(net_gen / net_hand, 2) if net_hand > 0 else float("inf")}


def run_njs(script: str) -> dict[str, object]:
    with tempfile.NamedTemporaryFile("w", suffix=".js", delete=False) as fh:
        fh.write(script)
        path = fh.name
    try:
        out = subprocess.run([NJS, path], capture_output=True, text=True, check=True)
    finally:
        os.unlink(path)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_quickjs(script: str) -> dict[str, object]:
    import quickjs

    ctx = quickjs.Context()
    return json.loads(ctx.eval(script))


def emulator_cu(gen: str, hand: str, events: list[dict[str, object]]) -> dict[str, object]:
    """The emulator's ComputeUtilization (cost.py) of both functions, one fresh context per request:
    median and the figures' spread."""
    from cfroutes.emulator import invoke, prepare

    out: dict[str, object] = {}
    for name, src in (("gen", gen), ("hand", hand)):
        p = prepare(src, "cloudfront-js-2.0")
        cus = sorted(invoke(p, e).compute_utilization for e in events[:60])
        out[f"{name}_cu"] = cus[len(cus) // 2]
        out[f"{name}_cu_range"] = f"{cus[len(cus) // 10]}-{cus[len(cus) * 9 // 10]}"  # 10th-90th percentile
    return out


def build(exact: list[tuple[str, str]]) -> tuple[str, int]:
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "routes.yaml")
        with open(p, "w") as fh:
            fh.write(config_text(exact))
        c = compile_config(p)
        assert not c.errors, c.errors
        f = c.functions[0]
        assert not f.spilled
        return f.source, f.size


def measure(n: int, engines: list[str], rounds: int) -> list[dict[str, object]]:
    exact = exact_routes(n, seed=n)
    gen, size = build(exact)
    hand = handwritten_source(exact)
    events = request_mix(exact)
    rows = []
    for engine in engines:
        block = 40_000 if engine == "njs" else 20_000
        raw = (run_njs if engine == "njs" else run_quickjs)(harness(gen, hand, events, block, rounds))
        if raw["diffs"]:
            raise SystemExit(f"outputs differ ({engine}, {n} routes): {json.dumps(raw['diffs'], indent=1)}")
        row: dict[str, object] = {"exact": n, "patterns": len(PATTERNS), "engine": engine, "function_bytes": size,
                                  "requests": raw["n"], "redirects": raw["hits"], "rounds": rounds, "block": block}
        row.update(summarise(raw, block))
        if engine == "quickjs":
            row.update(emulator_cu(gen, hand, events))
        rows.append(row)
    return rows


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--exact", type=int, action="append", help="exact routes (default: 10 and 100)")
    ap.add_argument("--engine", choices=["njs", "quickjs"], action="append")
    ap.add_argument("--rounds", type=int, default=9)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)
    engines = a.engine or (["njs"] if os.path.exists(NJS) else []) + ["quickjs"]
    rows = [r for n in (a.exact or [10, 100]) for r in measure(n, engines, a.rounds)]
    if a.json:
        for r in rows:
            print(json.dumps(r))
        return 0
    print("| exact + patterns | engine | function bytes | generated µs/req | hand-written µs/req | ratio | "
          "empty handler µs | emulator CU generated / hand-written |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        cu = f"{r['gen_cu']} ({r['gen_cu_range']}) / {r['hand_cu']} ({r['hand_cu_range']})" if "gen_cu" in r else ""
        print(f"| {r['exact']} + {r['patterns']} | {r['engine']} | {r['function_bytes']:,} | {r['gen_us']:.2f} | "
              f"{r['hand_us']:.2f} | **{r['ratio']:.1f}×** | {r['empty_us']:.2f} | {cu} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
