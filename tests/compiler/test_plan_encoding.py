"""Encodings of the planner that save bytes: the last-segment back-reference `B` of exact
redirects, and the auto-spill second attempt of the pipeline (inline first, then the KVS)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cfroutes.compiler import compile_config, pipeline
from cfroutes.compiler import plan as planner
from cfroutes.compiler.emit import function_source
from cfroutes.emulator import invoke, prepare
from cfroutes.platform.limits import FUNCTION_SIZE_MAX
from cfroutes.testing.events import build_event

SLUGS = [f"a-rather-long-article-slug-{i}" for i in range(40)]
MOVES = "".join(f"- path: /old/{s}\n  redirect: /new/{s}\n" for s in SLUGS)


def _routes(text: str) -> str:
    return "routes:\n" + "".join("  " + line + "\n" for line in text.splitlines())


def _loc(r: dict[str, Any]) -> str:
    assert r["statusCode"] == 301, r
    return r["headers"]["location"]["value"]


def test_the_back_reference_is_used_and_answers(build: Any) -> None:
    f = build(_routes(MOVES + "- path: /keep/ab\n  redirect: /other/ab\n- path: /keep/xyz\n  redirect: /else/zzz\n"))
    p = f.cf.plan
    assert p.mark in planner.MARKS and p.flags["mark"]
    actions = {last: rec for _, table in p.X for d in table.values() for last, rec in d.items()}
    assert all(actions[f"/{s}"] == f"/new/{p.mark}" for s in SLUGS)  # the slug is written once, in the key
    assert actions["/ab"] == "/other/ab"  # under 3 characters: not worth a mark
    assert actions["/xyz"] == "/else/zzz"  # the target does not repeat the segment
    for s in SLUGS[:3] + SLUGS[-2:]:
        assert _loc(f(f"/old/{s}")) == f"/new/{s}"
        assert _loc(f(f"/old/{s}?x=1")) == f"/new/{s}?x=1"
    assert _loc(f("/keep/ab")) == "/other/ab" and _loc(f("/keep/xyz")) == "/else/zzz"


def test_the_back_reference_saves_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "routes.yaml"
    cfg.write_text("version: 1\nfunctions:\n  f:\n    event: viewer-request\n    routes:\n"
                   + "".join("      " + line + "\n" for line in MOVES.splitlines()))  # noqa: E501
    with_mark = compile_config(str(cfg)).functions[0]
    monkeypatch.setattr(planner, "_choose_mark", lambda fn, debug: "")
    without = compile_config(str(cfg)).functions[0]
    assert without.plan.mark == "" and with_mark.plan.mark
    saved = without.size - with_mark.size
    # each route saves its slug minus the one-character mark; the decoder (~110 bytes) is paid once
    assert saved > 0.8 * sum(len(s) - 1 for s in SLUGS), (with_mark.size, without.size)


def test_a_target_holding_every_mark_turns_the_back_reference_off(build: Any) -> None:
    f = build(_routes(MOVES + "- path: /odd\n  redirect: \"/x?a=`^|~\"\n"))
    assert f.cf.plan.mark == "" and not f.cf.plan.flags["mark"]
    assert _loc(f(f"/old/{SLUGS[0]}")) == f"/new/{SLUGS[0]}"


def test_the_back_reference_in_spilled_routes(build: Any) -> None:
    f = build(_routes(MOVES), kvs=True, spill="always")
    mark = f.cf.plan.mark
    assert mark and f.cf.spilled
    assert all(mark in v for _, v in f.cf.plan.spilled)
    assert _loc(f(f"/old/{SLUGS[7]}")) == f"/new/{SLUGS[7]}"


# ------------------------------------------------------------------ auto spill, second attempt
def _just_over(tmp_path: Path, spill: str) -> str:
    """200 exact redirects: their paths and targets (7.4 KB) fit the budget, the inline function does not."""
    routes = "".join(f"      - path: /a{i}/b{i}\n        redirect: https://example.org/c{i}/d{i}\n" for i in range(200))
    cfg = tmp_path / "routes.yaml"
    cfg.write_text("version: 1\nfunctions:\n  f:\n    event: viewer-request\n    runtime: cloudfront-js-2.0\n"
                   f"    kvs: {{name: s}}\n    options: {{spill: {spill}}}\n    routes:\n" + routes)
    return str(cfg)


def test_auto_spill_takes_the_second_attempt(tmp_path: Path) -> None:
    compiled = compile_config(_just_over(tmp_path, "auto"))
    assert compiled.errors == []
    cf = compiled.functions[0]
    fn = cf.function
    # not the shortcut (exact routes alone over budget): the inline attempt was made and was too big
    assert pipeline._exact_bytes(fn) <= FUNCTION_SIZE_MAX
    assert len(function_source(planner.plan(fn), input_sha256=compiled.functions[0].input_sha256).encode()) > FUNCTION_SIZE_MAX
    assert cf.spilled and len(cf.plan.spilled) == 200 and cf.plan.X == []
    assert cf.size <= FUNCTION_SIZE_MAX
    fn_js = prepare(cf.source, fn.runtime)

    def run(request: str) -> dict[str, Any]:
        out = invoke(fn_js, build_event(request), cf.kvs_dict()).output
        return out.get("response") or out["request"]

    assert _loc(run("/a0/b0")) == "https://example.org/c0/d0"
    assert _loc(run("/a199/b199?q")) == "https://example.org/c199/d199?q"
    assert run("/a1/b2")["uri"] == "/a1/b2"


def test_without_spill_the_same_config_is_over_the_limit(tmp_path: Path) -> None:
    compiled = compile_config(_just_over(tmp_path, "never"))
    assert not compiled.functions[0].spilled
    [err] = compiled.errors
    assert f"over the {FUNCTION_SIZE_MAX:,}-byte CloudFront Functions limit" in err.message
    assert "200 exact routes" in (err.hint or "")
