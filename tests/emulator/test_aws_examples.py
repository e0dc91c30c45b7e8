"""The twelve official examples (written afresh) through `cfroutes emulate` and the Python API."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from cfroutes.cli.emulate import emulate, load_kvs
from cfroutes.emulator import invoke, prepare

HERE = Path(__file__).parent / "aws_examples"
RUNTIME_1_0 = {"add-true-client-ip-header", "redirect-based-on-country", "normalize-query-string-parameters"}
CASES = sorted(p.name[: -len(".event.json")] for p in (HERE / "cases").glob("*.event.json"))
NAMES = sorted(p.stem for p in HERE.glob("*.js"))


def _paths(case: str) -> tuple[Path, Path, Path, Path | None, str]:
    name = case.split("--")[0]
    kvs = HERE / f"{name}.kvs.json"
    runtime = "cloudfront-js-1.0" if name in RUNTIME_1_0 else "cloudfront-js-2.0"
    return (HERE / f"{name}.js", HERE / "cases" / f"{case}.event.json", HERE / "cases" / f"{case}.expected.json",
            kvs if kvs.exists() else None, runtime)


def test_twelve_examples_each_with_cases() -> None:
    assert len(NAMES) == 12
    assert {c.split("--")[0] for c in CASES} == set(NAMES)


@pytest.mark.parametrize("case", CASES)
def test_example_through_the_cli(case: str) -> None:
    js, event, expected_path, kvs, runtime = _paths(case)
    out, err = io.StringIO(), io.StringIO()
    code = emulate(str(js), str(event), runtime, str(kvs) if kvs else None, out, err)
    expected = json.loads(expected_path.read_text())
    result = json.loads(out.getvalue())
    assert code == 0, (result, err.getvalue())
    assert err.getvalue() == ""
    assert json.loads(result["FunctionOutput"]) == expected["output"]
    assert result["FunctionErrorMessage"] == "" and result["ValidationErrors"] == []
    if "logs" in expected:
        assert result["FunctionExecutionLogs"] == expected["logs"]
    assert 0 <= int(result["ComputeUtilization"]) <= 100


@pytest.mark.parametrize("case", CASES)
def test_example_through_the_api(case: str) -> None:
    js, event, expected_path, kvs, runtime = _paths(case)
    expected = json.loads(expected_path.read_text())
    prepared = prepare(js.read_text(), runtime, str(js))
    inv = invoke(prepared, json.loads(event.read_text()), load_kvs(kvs.read_text()) if kvs else None)
    assert inv.ok, (inv.error, inv.validation_errors)
    assert inv.output == expected["output"]
    assert inv.origin == expected.get("origin")
    if "logs" in expected:
        assert inv.logs == expected["logs"]
