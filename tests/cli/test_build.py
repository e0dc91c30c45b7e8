"""`cfroutes build`: bundle layout, manifest, --check, --pretty, --debug-header, exit codes."""
from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from cfroutes.cli.main import main
from cfroutes.emulator import invoke, prepare
from cfroutes.testing.events import build_event

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "routes.yaml", tmp_path / "routes.yaml")
    shutil.copytree(ROOT / "kvs", tmp_path / "kvs")
    return tmp_path


def _build(project: Path, *extra: str) -> int:
    return main(["build", "-c", str(project / "routes.yaml"), "-o", str(project / "dist"), *extra])


def test_bundle_and_manifest(project: Path) -> None:
    assert _build(project) == 0
    dist = project / "dist"
    assert sorted(p.name for p in dist.iterdir()) == [
        "manifest.json", "security-headers.js", "site-router.js", "site-router.kvs.json"]
    man = json.loads((dist / "manifest.json").read_text())
    assert man["tool"]["name"] == "cfroutes" and man["tool"]["version"]
    for fn in man["functions"]:
        data = (dist / f"{fn['name']}.js").read_bytes()
        assert fn["size"] == len(data) <= 10240 and fn["headroom"] == 10240 - len(data)
        assert fn["sha256"] == hashlib.sha256(data).hexdigest()
        assert set(fn) >= {"name", "event", "runtime", "size", "headroom", "sha256", "kvs"}
    router = next(f for f in man["functions"] if f["name"] == "site-router")
    kvs_file = dist / "site-router.kvs.json"
    assert router["kvs"]["bytes"] == kvs_file.stat().st_size
    assert router["kvs"]["entries"] == len(json.loads(kvs_file.read_text())["data"]) == 3
    assert next(f for f in man["functions"] if f["name"] == "security-headers")["kvs"] is None


def test_config_sha256_covers_seed_files(project: Path) -> None:
    assert _build(project) == 0
    before = json.loads((project / "dist" / "manifest.json").read_text())["config_sha256"]
    seed = project / "kvs" / "app-routing.yaml"
    seed.write_text(seed.read_text() + "c-tenant: /x.html\n")
    assert _build(project) == 0
    after = json.loads((project / "dist" / "manifest.json").read_text())["config_sha256"]
    assert before != after


def test_check_detects_stale_and_writes_nothing(project: Path, capsys) -> None:
    assert _build(project) == 0
    assert _build(project, "--check") == 0
    js = project / "dist" / "site-router.js"
    js.write_text(js.read_text() + "// edited\n")
    assert _build(project, "--check") == 1
    assert "site-router.js: differs" in capsys.readouterr().err
    assert js.read_text().endswith("// edited\n")  # --check wrote nothing
    js.unlink()
    (project / "dist" / "old.js").write_text("x")
    assert _build(project, "--check") == 1
    err = capsys.readouterr().err
    assert "site-router.js: missing" in err and "old.js: not produced by the config" in err


def test_pretty_and_minified_behave_the_same(project: Path) -> None:
    assert _build(project) == 0
    mini = (project / "dist" / "site-router.js").read_text()
    assert _build(project, "--pretty") == 0
    pretty = (project / "dist" / "site-router.js").read_text()
    assert len(pretty) > len(mini) and pretty.count("\n") > mini.count("\n")
    store = json.loads((project / "dist" / "site-router.kvs.json").read_text())["data"]
    kvs = {e["key"]: e["value"] for e in store}
    for req in ("GET https://a-tenant.salessqueeze.com/configurator", "/old-blog/x?u=1", "/docs/a/b", "/about"):
        outs = [invoke(prepare(src), build_event(req), kvs).output for src in (mini, pretty)]
        assert outs[0] == outs[1]


def test_debug_header_names_the_route(project: Path) -> None:
    assert _build(project, "--debug-header") == 0
    src = (project / "dist" / "site-router.js").read_text()
    out = invoke(prepare(src), build_event("/old-blog/x"), {}).output["response"]
    assert out["headers"]["x-cfroutes-route"]["value"] == "old-blog"


def test_internal_error_is_exit_3_without_traceback(project: Path, capsys, monkeypatch) -> None:
    from cfroutes.compiler import pipeline as compiler

    def boom(*a: object, **k: object) -> None:
        raise RuntimeError("kaput")

    monkeypatch.setattr(compiler, "compile_config", boom)
    monkeypatch.setattr("cfroutes.cli.build.compile_config", boom)
    assert _build(project) == 3
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: kaput" in err and "Traceback" not in err
    assert main(["--debug", "build", "-c", str(project / "routes.yaml")]) == 3
    assert "Traceback" in capsys.readouterr().err
