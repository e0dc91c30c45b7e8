"""Builds are deterministic (byte-identical across processes and hash seeds) and atomic."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cfroutes.compiler import bundle, compile_config

ROOT = Path(__file__).resolve().parent.parent

CONFIG = """\
version: 1
functions:
  router:
    event: viewer-request
    kvs: {name: app-routing, seed: seed.yaml}
    options: {case: insensitive, index: index.html, spill: always}
    routes:
      - {host: ":tenant.shop.test", path: /configurator, lookup: {key: "{tenant}", as: t, format: json},
         rewrite: "{t.path}"}
      - {path: /old/*, redirect: {to: "/new/{splat}", status: 302}}
      - {path: /a, rewrite: /b}
      - {path: /c, redirect: /d}
      - {host: www.shop.test, path: /e, respond: {status: 200, body: "é \\u2028 </script>"}}
      - {regex: "^/x/(?<id>[0-9]+)$", query: {v: "*"}, rewrite: "/y/{id}"}
    headers:
      - {path: /*, set: {x-one: "{host}", x-two: "2", x-three: "3"}}
  security:
    event: viewer-response
    runtime: cloudfront-js-1.0
    headers:
      - {path: /*, set: {strict-transport-security: "max-age=1", a-header: "a", z-header: "z"}}
"""
SEED = """\
zeta: /z
alpha: {path: /alpha.html, n: [1, 2]}
m: "é"
"""


def _project(tmp: Path) -> Path:
    (tmp / "seed.yaml").write_text(SEED, encoding="utf-8")
    cfg = tmp / "routes.yaml"
    cfg.write_text(CONFIG, encoding="utf-8")
    return cfg


def _build(cfg: Path, out: Path, hashseed: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONHASHSEED": hashseed, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "cfroutes", "build", "-c", str(cfg), "-o", str(out)],
                          cwd=str(cfg.parent), env=env, capture_output=True, text=True, timeout=120)


def _snapshot(d: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(d.iterdir())}


def test_same_bytes_across_processes_and_hash_seeds(tmp_path: Path) -> None:
    cfg = _project(tmp_path)
    runs = []
    for i, hs in enumerate(("0", "1", "4242")):
        r = _build(cfg, tmp_path / f"dist{i}", hs)
        assert r.returncode == 0, r.stderr
        runs.append(_snapshot(tmp_path / f"dist{i}"))
    assert set(runs[0]) == {"router.js", "router.kvs.json", "security.js", "manifest.json"}
    assert runs[0] == runs[1] == runs[2]


def test_in_process_builds_are_identical(tmp_path: Path) -> None:
    cfg = _project(tmp_path)
    a = bundle.bundle_files(compile_config(str(cfg)))
    b = bundle.bundle_files(compile_config(str(cfg)))
    assert a == b


def test_failure_while_writing_keeps_previous_bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = _project(tmp_path)
    out = tmp_path / "dist"
    bundle.write(str(out), bundle.bundle_files(compile_config(str(cfg))))
    before = _snapshot(out)
    cfg.write_text(CONFIG.replace("/new/{splat}", "/newer/{splat}"), encoding="utf-8")
    files = bundle.bundle_files(compile_config(str(cfg)))
    assert files["router.js"] != before["router.js"]
    calls = {"n": 0}
    real_fsync = os.fsync

    def failing_fsync(fd: int) -> None:
        calls["n"] += 1
        if calls["n"] == 2:  # the second file of the new bundle: disk full
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(bundle.os, "fsync", failing_fsync)
    with pytest.raises(OSError):
        bundle.write(str(out), files)
    assert _snapshot(out) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".cfroutes-")] == []


def test_failure_at_the_swap_keeps_previous_bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = _project(tmp_path)
    out = tmp_path / "dist"
    bundle.write(str(out), bundle.bundle_files(compile_config(str(cfg))))
    before = _snapshot(out)
    real_rename = os.rename

    def failing_rename(src: str, dst: str) -> None:
        if str(dst) == str(out) and ".cfroutes-" in str(src) and not str(src).endswith(".old"):
            raise OSError(5, "I/O error")  # moving the new bundle in place fails (once; the restore works)
        real_rename(src, dst)

    monkeypatch.setattr(bundle.os, "rename", failing_rename)
    monkeypatch.setattr(bundle, "_exchange", lambda a, b: False)  # the two-rename fallback
    with pytest.raises(OSError):
        bundle.write(str(out), {"router.js": b"broken"})
    assert _snapshot(out) == before


def test_config_error_leaves_previous_dist_untouched(tmp_path: Path) -> None:
    cfg = _project(tmp_path)
    out = tmp_path / "dist"
    assert _build(cfg, out, "0").returncode == 0
    before = _snapshot(out)
    cfg.write_text(CONFIG.replace("redirect: {to:", "redirect: {too:"), encoding="utf-8")
    r = _build(cfg, out, "0")
    assert r.returncode == 2
    assert "routes.yaml:" in r.stderr and "error:" in r.stderr and "Traceback" not in r.stderr
    assert _snapshot(out) == before
