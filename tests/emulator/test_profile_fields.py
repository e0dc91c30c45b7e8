"""The runtime profile drives the checker and the emulator: change a field, the behaviour follows.

Each test swaps one field of a real profile (dataclasses.replace) and checks that the
code reading it changes its answer, so no field is written down and then ignored.
"""
from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from cfroutes.compiler import pipeline
from cfroutes.compiler import plan as plan_mod
from cfroutes.config import load, routes
from cfroutes.emulator import njs, runtime
from cfroutes.errors import InputError
from cfroutes.platform import jscheck
from cfroutes.platform.profile import PROFILES, RuntimeProfile
from support import V1, V2


def _swap(monkeypatch: pytest.MonkeyPatch, module: object, name: str, **fields: Any) -> RuntimeProfile:
    prof = dataclasses.replace(PROFILES[name], **fields)
    monkeypatch.setattr(module, "get_profile", lambda rt: prof if rt == name else PROFILES[rt])
    return prof


def test_unary_operators_are_read_by_the_checker(monkeypatch: pytest.MonkeyPatch) -> None:
    src = "function handler(e) { return void e; }"
    assert jscheck.check_source(src, V2) == []
    jscheck.analyze.cache_clear()
    _swap(monkeypatch, jscheck, V2, unary_operators=PROFILES[V2].unary_operators - {"void"})
    try:
        assert [i.message for i in jscheck.check_source(src, V2)] == [f"operator void is not supported by {V2}"]
    finally:
        jscheck.analyze.cache_clear()


def test_sections_follow_the_profile_not_the_runtime_name(monkeypatch: pytest.MonkeyPatch) -> None:
    names = {"rawQueryString", "bytesFrom", "atob", "MemoryError"}
    assert {"rawqs", "atob"} <= set(runtime._module_sections(V2, set(), names))
    assert {"strbytes", "memerr"} <= set(runtime._module_sections(V1, set(), names))
    _swap(monkeypatch, runtime, V2, raw_query_string=False, string_byte_methods=True,
          globals=PROFILES[V2].globals - {"atob", "btoa"} | {"MemoryError"})
    got = set(runtime._module_sections(V2, set(), names))
    assert "rawqs" not in got and "atob" not in got
    assert {"strbytes", "memerr"} <= got
    _swap(monkeypatch, runtime, V1, import_modules=frozenset({"cloudfront"}))
    assert "cloudfront" in runtime._module_sections(V1, {"cloudfront"}, {"cwt"})


@pytest.mark.parametrize("name", [V1, V2])
def test_digest_default_reaches_both_engines(name: str) -> None:
    want = PROFILES[name].digest_default
    text, _ = runtime._prelude(name, ("core",), "")
    assert json.loads(text[text.index("var CFG=") + 8:text.index(";\n")])["digest"] == want
    assert f'"digest":"{want}"'.replace(" ", "") in njs.harness(name)


_KVS_CONFIG = """version: 1
functions:
  f:
    event: viewer-request
    runtime: RUNTIME
    kvs: {name: store}
    routes:
      - {path: /t/:id, lookup: {key: '{id}', as: v}, rewrite: '/x/{v}'}
"""


def _messages(tmp_path: Any, runtime: str) -> list[str]:
    cfg = tmp_path / "routes.yaml"
    cfg.write_text(_KVS_CONFIG.replace("RUNTIME", runtime))
    try:
        load.load_config(str(cfg))
    except InputError as exc:
        return [d.message for d in exc.diagnostics]
    return []


def test_key_value_store_is_read_by_the_validator(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    """`kvs:` and `lookup` follow the profile's key_value_store, not the runtime's name."""
    assert _messages(tmp_path, V2) == []
    got = _messages(tmp_path, V1)
    assert f"a KeyValueStore needs runtime {V2}" in got and f"lookup needs runtime {V2} (KeyValueStore)" in got
    _swap(monkeypatch, load, V1, key_value_store=True)
    _swap(monkeypatch, routes, V1, key_value_store=True)
    assert _messages(tmp_path, V1) == []
    _swap(monkeypatch, load, V2, key_value_store=False)
    _swap(monkeypatch, routes, V2, key_value_store=False)
    got = _messages(tmp_path, V2)
    assert f"a KeyValueStore needs runtime {V2}" in got and f"lookup needs runtime {V2} (KeyValueStore)" in got


def test_key_value_store_is_read_by_the_compiler(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    """The planner reads the store only where the profile has one; spilling needs one too."""
    cfg = tmp_path / "routes.yaml"
    cfg.write_text(_KVS_CONFIG.replace("RUNTIME", V2))
    fn = load.load_config(str(cfg)).functions[0]
    assert plan_mod.plan(fn).flags["kvs"]
    assert pipeline.compile_function(load.load_config(str(cfg)), fn)[0].source.count("cloudfront") > 0
    _swap(monkeypatch, plan_mod, V2, key_value_store=False)
    assert not plan_mod.plan(fn).flags["kvs"]
    spilling = dataclasses.replace(fn, options=dataclasses.replace(fn.options, spill="always"))
    assert pipeline.compile_function(load.load_config(str(cfg)), spilling)[0].spilled
    _swap(monkeypatch, pipeline, V2, key_value_store=False)
    assert not pipeline.compile_function(load.load_config(str(cfg)), spilling)[0].spilled


def test_origin_helpers_are_read_by_the_validator(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    cfg = tmp_path / "routes.yaml"
    text = "version: 1\nfunctions:\n  f:\n    event: viewer-request\n    runtime: RUNTIME\n    routes:\n" \
           "      - {path: /a, origin: {domain: example.com}}\n"

    def messages(runtime: str) -> list[str]:
        cfg.write_text(text.replace("RUNTIME", runtime))
        try:
            load.load_config(str(cfg))
        except InputError as exc:
            return [d.message for d in exc.diagnostics]
        return []

    assert messages(V2) == []
    assert messages(V1) == [f"origin needs a viewer-request function on runtime {V2}"]
    _swap(monkeypatch, routes, V1, origin_helpers=True)
    assert messages(V1) == []
