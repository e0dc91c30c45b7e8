"""Spill to KVS at scale, spill modes, and `cfroutes kvs plan`."""
from __future__ import annotations

import json

from cfroutes.cli.main import main
from cfroutes.compiler import compile_config
from cfroutes.config.model import SPILL_PREFIX
from cfroutes.emulator import invoke, prepare
from cfroutes.kvs.importfile import validate_entries
from cfroutes.kvs.updates import plan_updates
from cfroutes.platform.limits import FUNCTION_SIZE_MAX, UPDATE_KEYS_MAX_KEYS
from cfroutes.testing.events import build_event


def _big_config(tmp_path, n: int, spill: str = "auto", kvs: bool = True) -> str:
    lines = ["version: 1", "functions:", "  big:", "    event: viewer-request"]
    if kvs:
        lines.append("    kvs: {name: big-store}")
    lines += [f"    options: {{spill: {spill}}}", "    routes:"]
    for i in range(10):
        lines += [f"      - path: /p{i}/:x/*", f"        redirect: /q{i}/{{x}}/{{splat}}"]
    lines += ["      - path: /blog/shadow", "        redirect: /exact-after-patterns"]
    for i in range(n):
        lines += [f"      - path: /blog/{2015 + i % 10}/post-number-{i}", f"        redirect: /articles/post-{i}"]
        if i == n // 2:
            lines += ["      - path: /blog/:year/*", "        redirect: /archive/{year}/{splat}"]
    cfg = tmp_path / "routes.yaml"
    cfg.write_text("\n".join(lines) + "\n")
    return str(cfg)


def test_20000_exact_routes_spill_and_keep_first_match_order(tmp_path) -> None:
    c = compile_config(_big_config(tmp_path, 20000))
    assert not c.errors
    f = c.functions[0]
    assert f.spilled and f.size <= FUNCTION_SIZE_MAX
    store = f.kvs_dict()
    assert len(store) == 20001 and all(k.startswith(SPILL_PREFIX) for k in store)
    assert validate_entries(f.kvs_data) == []
    prep = prepare(f.source, f.function.runtime)

    def loc(path: str) -> str:
        inv = invoke(prep, build_event(f"GET https://example.com{path}?utm=1"), store)
        assert inv.error == "" and not inv.validation_errors, inv.error
        return inv.output["response"]["headers"]["location"]["value"]

    assert loc("/blog/2015/post-number-0") == "/articles/post-0?utm=1"
    assert loc("/blog/2016/post-number-10001") == "/archive/2016/post-number-10001?utm=1"  # after the pattern
    assert loc("/blog/2024/post-number-9999") == "/articles/post-9999?utm=1"  # before the pattern
    assert loc("/p3/a/b") == "/q3/a/b?utm=1"
    assert loc("/blog/shadow") == "/exact-after-patterns?utm=1"


def test_20000_exact_routes_spilled_bundle_answers_every_request_in_njs(tmp_path, njs) -> None:
    """The spilled bundle loads in njs (CloudFront's engine family, which refuses `await` in
    call arguments) and answers requests for every 7th of the 20,000 exact routes, those
    around the pattern in the middle, the patterns and a miss; QuickJS agrees on a spread.
    (All 20,000 take ~20 s in njs, which runs this bundle at ~1 ms a request.)"""
    n = 20000
    c = compile_config(_big_config(tmp_path, n))
    f = c.functions[0]
    assert not c.errors and f.spilled
    store = f.kvs_dict()
    prep = prepare(f.source, f.function.runtime, "dist/big.js")
    assert njs.load_error(prep, store) == ""
    want: list[tuple[str, str | None]] = []
    for i in sorted(set(range(0, n, 7)) | set(range(n // 2 - 3, n // 2 + 4)) | {n - 1}):
        year = 2015 + i % 10
        path = f"/blog/{year}/post-number-{i}"
        want.append((path, f"/articles/post-{i}" if i <= n // 2 else f"/archive/{year}/post-number-{i}"))
    want += [("/p3/a/b", "/q3/a/b"), ("/blog/shadow", "/exact-after-patterns"), ("/blog/2030/x/y", "/archive/2030/x/y"),
             ("/nothing/here", None)]
    events = [build_event(f"GET https://example.com{path}?utm=1") for path, _ in want]
    got = njs.run_batch(prep, [(ev, store) for ev in events])
    assert len(got) == len(want)
    wrong = []
    for (path, loc), inv in zip(want, got, strict=True):
        out = inv.output or {}
        actual = out["response"]["headers"]["location"]["value"] if "response" in out else None
        expected = None if loc is None else loc + "?utm=1"
        if inv.error or inv.validation_errors or actual != expected or (loc is None and out["request"]["uri"] != path):
            wrong.append((path, expected, actual, inv.error, inv.validation_errors))
    assert not wrong, (len(wrong), wrong[:3])
    for ev, inv in list(zip(events, got, strict=True))[::997]:  # QuickJS on a spread of them
        assert njs.same_outcome(invoke(prep, ev, store), inv)


def test_spill_never_over_budget_fails_with_bytes_and_hint(tmp_path, capsys) -> None:
    cfg = _big_config(tmp_path, 400, spill="never")
    assert main(["build", "-c", cfg, "-o", str(tmp_path / "dist")]) == 1
    err = capsys.readouterr().err
    assert "over the 10,240-byte CloudFront Functions limit" in err and "spill" in err
    assert not (tmp_path / "dist").exists()


def test_spill_auto_without_kvs_behaves_as_never(tmp_path) -> None:
    c = compile_config(_big_config(tmp_path, 400, kvs=False))
    assert c.errors and not c.functions[0].spilled


def test_kvs_plan_batches_and_ownership() -> None:
    desired = [("tenant-a", "/a"), ("tenant-b", "/b")] + [(f"{SPILL_PREFIX}/r{i}", f"[0,\"/t{i}\"]") for i in range(120)]
    current = {"tenant-a": "/live-a", "someone-else": "x", f"{SPILL_PREFIX}/r0": "[0,\"/t0\"]",
               f"{SPILL_PREFIX}/gone": "[0,\"/old\"]"}
    p = plan_updates(desired, {"tenant-a", "tenant-b"}, current)
    puts = [e["Key"] for b in p.batches for e in b.get("Puts", [])]
    deletes = [e["Key"] for b in p.cleanup for e in b.get("Deletes", [])]
    assert not [b for b in p.batches if "Deletes" in b] and not [b for b in p.cleanup if "Puts" in b]
    assert "tenant-a" not in puts  # a live tenant value is not overwritten
    assert "tenant-b" in puts and f"{SPILL_PREFIX}/r0" not in puts and len(puts) == 120
    assert deletes == [f"{SPILL_PREFIX}/gone"]
    assert "someone-else" not in puts + deletes and p.foreign == 1
    assert all(len(b.get("Puts", [])) + len(b.get("Deletes", [])) <= UPDATE_KEYS_MAX_KEYS for b in p.batches)
    assert len(p.batches) == 3 and len(p.cleanup) == 1
    # a version kept for rollback is not deleted; other versions are
    old, other = f"{SPILL_PREFIX}0123abcd:/x", f"{SPILL_PREFIX}99999999:/x"
    p3 = plan_updates(desired, set(), {old: "[0,\"/o\"]", other: "[0,\"/o\"]"}, keep_versions=frozenset({"0123abcd"}))
    assert [e["Key"] for b in p3.cleanup for e in b["Deletes"]] == [other] and p3.kept_versions == 1
    p2 = plan_updates(desired, {"tenant-a", "tenant-b"}, current, overwrite_seed=True)
    assert "tenant-a" in [e["Key"] for b in p2.batches for e in b.get("Puts", [])]


def test_kvs_plan_cli(tmp_path, capsys) -> None:
    (tmp_path / "seed.yaml").write_text("t1: /x\n")
    cfg = tmp_path / "routes.yaml"
    cfg.write_text("version: 1\nfunctions:\n  f:\n    event: viewer-request\n"
                   "    kvs: {name: s, seed: seed.yaml}\n    options: {spill: always}\n"
                   "    routes:\n      - path: /a\n        redirect: /b\n")
    cur = tmp_path / "cur.json"
    cur.write_text(json.dumps({"Items": [{"Key": "other", "Value": "1"}]}))
    assert main(["kvs", "plan", "-c", str(cfg), "--current", str(cur)]) == 0
    out = json.loads(capsys.readouterr().out)
    keys = [e["Key"] for e in out["batches"][0]["Puts"]]
    version = compile_config(str(cfg)).function("f").plan.spill_version
    assert keys == ["t1", f"{SPILL_PREFIX}{version}:/a"] and out["after_publish"] == []
    cur.write_text("not json")
    assert main(["kvs", "plan", "-c", str(cfg), "--current", str(cur)]) == 2
