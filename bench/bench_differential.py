"""Long differential run: many random configs x many random requests, emulator vs reference.

    python bench/bench_differential.py --requests 1000000 [--per-config 200] [--jobs 2]

Configs come from the hypothesis strategies of tests/differential (each worker its own
seed); each config is built once (inline, and spilled when it may have a store) and
`--per-config` random events run through every build and through the reference.
Prints the number of requests, of emulator invocations and of divergences; the
first divergences are written to --out.
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import sys
import tempfile
import time
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests")]

from differential import strategies as S  # noqa: E402
from differential.harness import Case, config_text, load_function  # noqa: E402
from hypothesis import HealthCheck, Phase, given, seed, settings  # noqa: E402


def _entries(rng: random.Random, names: list[str], values: list[str], multi: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k in rng.sample(names, rng.randint(0, 3)):
        vals = [rng.choice(values) for _ in range(rng.randint(1, 3) if multi else 1)]
        out[k] = {"value": vals[0]} if len(vals) == 1 else {"value": vals[0], "multiValue": [{"value": v} for v in vals]}
    return out


def random_uri(rng: random.Random) -> str:
    if rng.randint(0, 9) == 0:
        return rng.choice(["/", "//", "///", "/a//b", "/./a", "/../", "/a/./", "/%2e%2e/a", "/a/" * 200])
    segs = [rng.choice(S.REQ_SEGS) for _ in range(rng.randint(0, 4))]
    u = "/" + "/".join(segs)
    return u + "/" if segs and rng.randint(0, 3) == 0 else u


def random_host(rng: random.Random) -> str | None:
    k = rng.randint(0, 9)
    if k == 0:
        return None
    if k == 1:
        return rng.choice(["", "EX.COM:", "ex.com.", ".ex.com", "a..ex.com", "[::1]:80", "xn--caf-dma.ex"])
    h = ".".join(rng.choice(S.REQ_LABELS) for _ in range(rng.randint(1, 4)))
    return h + rng.choice([":8080", ":443", ":"]) if rng.randint(0, 4) == 0 else h


def random_event(rng: random.Random, event_type: str) -> dict[str, Any]:
    """Same distribution as strategies.event, from a plain PRNG (fast, unbounded)."""
    headers = _entries(rng, S.HNAMES, S.HVALUES + S.COUNTRIES + ["de"], False)
    h = random_host(rng)
    if h is not None:
        headers["host"] = {"value": h}
    if rng.randint(0, 4) == 0:
        headers["cloudfront-viewer-country"] = {"value": rng.choice(S.COUNTRIES + ["", "de"])}
    qs = _entries(rng, S.QNAMES, S.QVALUES, True)
    if rng.randint(0, 15) == 0:
        qs["long"] = {"value": "v" * 3000}
    req = {"method": rng.choice(S.METHODS), "uri": random_uri(rng), "querystring": qs, "headers": headers,
           "cookies": _entries(rng, S.CNAMES, S.HVALUES, True)}
    ev: dict[str, Any] = {"version": "1.0", "context": {"eventType": event_type}, "viewer": {"ip": "198.51.100.7"},
                          "request": req}
    if event_type == "viewer-response":
        ev["response"] = {"statusCode": rng.choice([200, 204, 304, 404, 503]), "statusDescription": "x",
                          "headers": _entries(rng, ["x-a", "x-b", "server", "accept"], S.QVALUES, False), "cookies": {}}
    return ev


def worker(job: tuple[int, int, int, bool]) -> dict[str, Any]:
    """Run `configs` random configs x `per_config` events with seed `sd`; with `data`, the
    configs of strategies.function_spec(data=True) and a new value under "x" for every event."""
    sd, configs, per_config, data = job
    rng = random.Random(sd)
    stats: dict[str, Any] = {"configs": 0, "requests": 0, "invocations": 0, "divergences": 0, "examples": []}

    @seed(sd)
    @settings(max_examples=configs, phases=[Phase.generate], database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(spec=S.function_spec(data=data), kvs=S.kvs_data(data=data))
    def run(spec: dict[str, Any], kvs: dict[str, str]) -> None:
        text = config_text(spec)
        with tempfile.TemporaryDirectory() as d:
            fn = load_function(text, d)
        case = Case.build(fn, text)
        stats["configs"] += 1
        for _ in range(per_config):
            if data:
                kvs["x"] = rng.choice(S.HOSTILE_VALUES + S.KVS_STRINGS + S.KVS_JSON)
            problems = case.check(random_event(rng, fn.event), kvs)
            stats["requests"] += 1
            stats["invocations"] += len(case.variants)
            if problems:
                stats["divergences"] += 1
                if len(stats["examples"]) < 5:
                    stats["examples"].append(problems[0])

    run()
    return stats


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--requests", type=int, default=10000)
    ap.add_argument("--per-config", type=int, default=200)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default="bench/differential-divergences.txt")
    a = ap.parse_args(argv)
    configs = max(1, -(-a.requests // a.per_config))
    chunk = 25
    # every other chunk is a hostile-data chunk (tests/differential: test_hostile_data_agrees_with_reference)
    jobs = [(a.seed * 100003 + i, min(chunk, configs - i * chunk), a.per_config, i % 2 == 1)
            for i in range(-(-configs // chunk))]
    total: dict[str, Any] = {"configs": 0, "requests": 0, "invocations": 0, "divergences": 0, "examples": []}
    start = time.time()
    if os.path.exists(a.out):
        os.remove(a.out)
    with multiprocessing.Pool(a.jobs) as pool:
        for st in pool.imap_unordered(worker, jobs):
            for k in ("configs", "requests", "invocations", "divergences"):
                total[k] += st[k]
            total["examples"].extend(st["examples"])
            if st["examples"]:
                with open(a.out, "a", encoding="utf-8") as fh:
                    fh.write("\n\n=====\n\n".join(st["examples"]) + "\n\n=====\n\n")
            el = time.time() - start
            print(f"[{el:7.0f}s] configs={total['configs']} requests={total['requests']} "
                  f"invocations={total['invocations']} divergences={total['divergences']}", flush=True)
    el = time.time() - start
    print(f"done: {total['configs']} configs, {total['requests']} requests, {total['invocations']} emulator "
          f"invocations, {total['divergences']} divergences in {el:.0f}s ({a.jobs} jobs)")
    if total["examples"]:
        print(f"first divergences (up to 5 per chunk of {chunk} configs) written to {a.out}")
    return 1 if total["divergences"] else 0


if __name__ == "__main__":
    sys.exit(main())
