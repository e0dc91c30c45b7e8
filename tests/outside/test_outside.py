"""The outside corpus (tests/outside/README.md): every case's expected output is a fact CloudFront
printed, the Developer Guide states, a public repository's own test of its CloudFront function
asserts, or a published test vector gives, never a value taken from this emulator. Each case runs
through the local edge in QuickJS and in njs; a disagreement is an emulator bug to fix."""
from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import pytest
from cfroutes.cli.main import main
from cfroutes.emulator.local_edge import EdgeFunction, LocalEdge, Mode
from cfroutes.platform.event import event_type

HERE = Path(__file__).parent
ENGINES = [Mode.QUICKJS, pytest.param(Mode.NJS, marks=pytest.mark.njs)]
#: where a source that is not a repository may be: the AWS documentation, or an RFC's test vectors
SOURCE_SITES = ("https://docs.aws.amazon.com/", "https://www.rfc-editor.org/rfc/")


def load(name: str) -> dict[str, Any]:
    case: dict[str, Any] = json.loads((HERE / "cases" / f"{name}.json").read_text())
    return case


def _cases() -> list[tuple[str, int]]:
    """(file, index) of every case: a file holds one case or a `cases` list sharing one source."""
    out: list[tuple[str, int]] = []
    for p in sorted((HERE / "cases").glob("*.json")):
        group = load(p.stem)
        out += [(p.stem, i) for i in range(len(group["cases"]))] if "cases" in group else [(p.stem, -1)]
    return out


CASES = _cases()
FILES = sorted({name for name, _ in CASES})


def case_of(name: str, index: int) -> dict[str, Any]:
    group = load(name)
    return group if index < 0 else {**group, **group["cases"][index]}


def test_every_case_names_its_source() -> None:
    assert len(CASES) >= 150
    for name in FILES:
        src = load(name)["source"]
        assert src["kind"] and src["fact"], name
        assert ("repo" in src and "path" in src and len(src.get("commit", "")) == 40) or src.get(
            "url", "").startswith(SOURCE_SITES), name


def _at(value: Any, path: str) -> Any:
    for key in path.split("."):
        if not isinstance(value, dict) or key not in value:
            return KeyError(path)
        value = value[key]
    return value


def check(case: dict[str, Any], mode: Mode, tmp: Path) -> None:
    if case.get("via") == "emulate":
        check_emulate(case, mode, tmp)
        return
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
    if "output" in expect:
        assert inv.output == expect["output"]
    for path, value in expect.get("match", {}).items():
        assert _at(inv.output, path) == value, (path, inv.output)
    for path in expect.get("absent", []):
        assert isinstance(_at(inv.output, path), KeyError), (path, inv.output)
    if "logs" in expect:
        assert inv.logs == expect["logs"]


def check_emulate(case: dict[str, Any], mode: Mode, tmp: Path) -> None:
    """The case through `cfroutes emulate` exactly as a user runs it: files on disk, the options the
    case names, the TestResult printed on stdout (its output strings parsed for `match`)."""
    event, argv = tmp / "event.json", ["emulate", str(HERE / "functions" / case["function"])]
    event.write_text(json.dumps(case["event"]))
    argv += ["--event", str(event), "--runtime", case["runtime"], "--engine", str(mode), *case.get("options", [])]
    if "kvs" in case:
        (tmp / "kvs.json").write_text(json.dumps(case["kvs"]))
        argv += ["--kvs", str(tmp / "kvs.json")]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    expect = case["expect"]
    assert code == expect.get("exit", 0), err.getvalue()
    result = json.loads(out.getvalue())
    for key in ("FunctionOutput", "ConnectionFunctionOutput"):
        if result.get(key):
            result[key] = json.loads(result[key])
    for path, value in expect.get("match", {}).items():
        assert _at(result, path) == value, (path, result)
    for path in expect.get("absent", []):
        assert isinstance(_at(result, path), KeyError), (path, result)


@pytest.mark.parametrize("mode", ENGINES)
@pytest.mark.parametrize(("name", "index"), CASES, ids=[f"{n}[{i}]" if i >= 0 else n for n, i in CASES])
def test_case(name: str, index: int, mode: Mode, tmp_path: Path) -> None:
    check(case_of(name, index), mode, tmp_path)
