"""The runtime profile drives the checker and the emulator: change a field, the behaviour follows.

Each test swaps one field of a real profile (dataclasses.replace) and checks that the
code reading it changes its answer, so no field is written down and then ignored.
"""
from __future__ import annotations

import dataclasses
import json

import pytest
from cfroutes.emulator import njs, runtime
from cfroutes.platform import jscheck
from cfroutes.platform.profile import PROFILES, RuntimeProfile
from support import V1, V2


def _swap(monkeypatch: pytest.MonkeyPatch, module: object, name: str, **fields: object) -> RuntimeProfile:
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
