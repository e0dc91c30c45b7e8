"""The editor schema (`cfroutes schema [--cases]`): generated from the one description of the format
(generator/schema.py, which the validator reads its keys from), shipped in the package, and every
config and case file of the repository validates against it."""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from cfroutes.cli.main import main
from cfroutes.config import schema
from cfroutes.config.load import load_config
from cfroutes.errors import InputError

ROOT = Path(__file__).resolve().parent.parent.parent
SHIPPED = ROOT / "generator" / "schemas"


def _load(path: Path) -> Any:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)


def _validator(cases: bool) -> jsonschema.Draft7Validator:
    s = schema.json_schema(cases)
    jsonschema.Draft7Validator.check_schema(s)
    return jsonschema.Draft7Validator(s)


def _errors(cases: bool, data: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in _validator(cases).iter_errors(data)]


@pytest.mark.parametrize("cases, name", [(False, "routes.schema.json"), (True, "cases.schema.json")])
def test_cli_prints_the_shipped_schema(capsys: Any, cases: bool, name: str) -> None:
    assert main(["schema"] + (["--cases"] if cases else [])) == 0
    printed = capsys.readouterr().out
    assert printed == (SHIPPED / name).read_text(), "regenerate: cfroutes schema [--cases] > generator/schemas/..."
    assert json.loads(printed)["$schema"] == schema.DRAFT


def _repo_configs() -> list[tuple[str, Any]]:
    out = [(str(p.relative_to(ROOT)), _load(p)) for p in [ROOT / "routes.yaml", *ROOT.glob("tests/**/fixtures/*.yaml")]
           if isinstance(_load(p), dict) and "functions" in _load(p)]
    for md in sorted([ROOT / "README.md", *ROOT.glob("docs/*.md")]):
        for i, block in enumerate(re.findall(r"```yaml\n(.*?)```", md.read_text(encoding="utf-8"), re.S)):
            if (re.search(r"^version: 1$", block, re.M) and re.search(r"^functions:$", block, re.M)
                    and "[...]" not in block):  # not the annotated outline of the format
                out.append((f"{md.name} yaml block {i + 1}", yaml.safe_load(block)))
    return out


REPO_CONFIGS = _repo_configs()


def test_the_repository_has_configs_to_check() -> None:
    assert {"routes.yaml", "tests/testing/fixtures/site.yaml"} <= {n for n, _ in REPO_CONFIGS}


@pytest.mark.parametrize("name, data", REPO_CONFIGS, ids=[n for n, _ in REPO_CONFIGS])
def test_every_config_in_the_repository_validates(name: str, data: Any) -> None:
    assert _errors(False, data) == []


CASE_FILES = sorted(p for p in ROOT.glob("**/*.yaml") if ".venv" not in p.parts
                    and (p.name.endswith(".cases.yaml") or p.name.endswith(".answers.yaml")))


@pytest.mark.parametrize("path", CASE_FILES, ids=[str(p.relative_to(ROOT)) for p in CASE_FILES])
def test_every_case_file_in_the_repository_validates(path: Path) -> None:
    assert _errors(True, _load(path)) == []


def test_imported_configs_validate(tmp_path: Path, capsys: Any) -> None:
    fx = ROOT / "tests" / "importers" / "fixtures"
    for platform, f in [("netlify", "netlify/_redirects"), ("netlify", "netlify/netlify.toml"),
                        ("vercel", "vercel/vercel.json"), ("amplify", "amplify/customRules.json"), ("csv", "csv/rules.csv")]:
        out = tmp_path / f.replace("/", "_") / "routes.yaml"
        main(["import", platform, str(fx / f), "-o", str(out)])
        assert _errors(False, _load(out)) == [], f
    capsys.readouterr()


@pytest.mark.parametrize("data, where", [
    ({"version": 1, "functions": {"f": {"event": "viewer-request", "routes": [{"path": "/a", "redirct": "/b"}]}}},
     "functions/f/routes/0"),
    ({"version": 1, "functions": {"f": {"event": "viewer-requets"}}}, "functions/f/event"),
    ({"version": 1, "functions": {"f": {"event": "viewer-request", "routes": [{"path": "/a"}]}}}, "functions/f/routes/0"),
    ({"version": 1, "functions": {"f": {"event": "viewer-request",
                                        "routes": [{"path": "/a", "redirect": {"to": "/b", "status": 200}}]}}},
     "functions/f/routes/0/redirect"),
    ({"version": 2, "functions": {"f": {"event": "viewer-request"}}}, "version"),
    ({"version": 1, "functions": {"bad name": {"event": "viewer-request"}}}, "functions"),
])
def test_schema_refuses_what_the_validator_refuses(tmp_path: Path, data: Any, where: str) -> None:
    errs = _errors(False, data)
    assert errs and any(e.startswith(where) for e in errs), errs
    p = tmp_path / "routes.yaml"
    p.write_text(json.dumps(data))
    with pytest.raises(InputError):
        load_config(str(p))


def test_every_mapping_key_the_validator_accepts_is_in_the_schema(tmp_path: Path) -> None:
    """The key table is the validator's: a key the table lacks is refused by both, with the same key list."""
    for obj in (schema.ROUTE, schema.RULE, schema.FUNCTION, schema.OPTIONS, schema.KVS, schema.REDIRECT,
                schema.REWRITE, schema.ORIGIN, schema.LOOKUP, schema.RESPONSE):
        assert obj.schema()["additionalProperties"] is False
        assert set(obj.schema()["properties"]) == set(obj.keys)
    from cfroutes.config import validator
    assert validator.ROUTE_KEYS == schema.ROUTE.keys and validator.RULE_KEYS == schema.RULE.keys
    from cfroutes.testing import cases
    assert cases.CASE_KEYS == schema.CASE.keys and cases.EXPECT_KEYS == schema.EXPECT.keys


def test_cases_schema_takes_both_file_shapes() -> None:
    case = {"request": "/a", "expect": {"status": 301, "location": "/b"}}
    assert _errors(True, [case]) == []
    assert _errors(True, {"config": "../routes.yaml", "tests": [case]}) == []
    assert _errors(True, [{"request": "/a"}]) != []
    assert _errors(True, {"tests": [dict(case, expect={})]}) != []


def _properties(node: Any, where: str = "") -> list[tuple[str, Any]]:
    """Every (path, schema) of a named key, anywhere in the schema."""
    out: list[tuple[str, Any]] = []
    if isinstance(node, dict):
        for key, sub in node.get("properties", {}).items():
            out.append((f"{where}/{key}", sub))
        for key, sub in node.items():
            out += _properties(sub, f"{where}/{key}" if key != "properties" else where)
    elif isinstance(node, list):
        for i, sub in enumerate(node):
            out += _properties(sub, f"{where}/{i}")
    return out


@pytest.mark.parametrize("cases", [False, True])
def test_every_key_has_a_description(cases: bool) -> None:
    props = _properties(schema.json_schema(cases))
    assert len(props) > 50
    undocumented = sorted({p for p, s in props if not (isinstance(s, dict) and s.get("description"))})
    assert undocumented == []


def _route(**actions: Any) -> dict[str, Any]:
    return {"version": 1, "functions": {"f": {"event": "viewer-request", "runtime": "cloudfront-js-2.0",
                                              "routes": [{"path": "/a", **actions}]}}}


@pytest.mark.parametrize("actions, ok", [
    ({"redirect": "/b"}, True),
    ({"rewrite": "/b"}, True),
    ({"respond": {"status": 200}}, True),
    ({"origin": {"domain": "o.example"}}, True),
    ({"origin": {"domain": "o.example"}, "rewrite": "/b"}, True),  # the one combination the format allows
    ({}, False),
    ({"redirect": "/b", "respond": {"status": 200}}, False),
    ({"redirect": "/b", "rewrite": "/c"}, False),
    ({"respond": {"status": 200}, "origin": {"id": "o"}}, False),
    ({"redirect": "/b", "origin": {"id": "o"}}, False),
    ({"redirect": "/b", "rewrite": "/c", "origin": {"id": "o"}}, False),
])
def test_actions_are_mutually_exclusive_in_schema_and_validator(tmp_path: Path, actions: dict[str, Any],
                                                               ok: bool) -> None:
    data = _route(**actions)
    assert (_errors(False, data) == []) is ok, _errors(False, data)
    p = tmp_path / "routes.yaml"
    p.write_text(json.dumps(data))
    if ok:
        load_config(str(p))
    else:
        with pytest.raises(InputError):
            load_config(str(p))
