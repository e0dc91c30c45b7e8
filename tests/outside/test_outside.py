"""The outside corpus (tests/outside/README.md): every case's expected output is a fact CloudFront
printed or the Developer Guide states, never a value taken from this emulator. Each case runs
through the local edge in QuickJS and in njs; a disagreement is an emulator bug to fix."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cfroutes.emulator.local_edge import EdgeFunction, LocalEdge, Mode
from cfroutes.platform.event import event_type

HERE = Path(__file__).parent
CASES = sorted(p.stem for p in (HERE / "cases").glob("*.json"))
ENGINES = [Mode.QUICKJS, pytest.param(Mode.NJS, marks=pytest.mark.njs)]


def load(name: str) -> dict[str, Any]:
    case: dict[str, Any] = json.loads((HERE / "cases" / f"{name}.json").read_text())
    return case


def test_every_case_names_its_source() -> None:
    assert CASES
    for name in CASES:
        src = load(name)["source"]
        assert src["kind"] and src["fact"], name
        assert ("repo" in src and "path" in src and len(src.get("commit", "")) == 40) or src.get("url", "").startswith(
            "https://docs.aws.amazon.com/"), name


@pytest.mark.parametrize("mode", ENGINES)
@pytest.mark.parametrize("name", CASES)
def test_case(name: str, mode: Mode) -> None:
    case = load(name)
    fn_path = HERE / "functions" / case["function"]
    fn = EdgeFunction("f", fn_path.read_text(), case["runtime"], event_type(case["event"]), case.get("kvs"), str(fn_path))
    with LocalEdge([fn], mode) as edge:
        refused = edge.load_failure("f")
        assert refused is None, refused
        inv = edge.test_function("f", case["event"])
    expect = case["expect"]
    if "error" in expect:
        assert inv.error and inv.error.startswith(expect["error"]), inv.error
        return
    assert inv.ok, (inv.error, inv.validation_errors)
    assert inv.output == expect["output"]
    if "logs" in expect:
        assert inv.logs == expect["logs"]
