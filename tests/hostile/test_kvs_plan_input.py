"""`cfroutes kvs plan --current` reads exactly the documented shapes of a whole store;
anything else is exit 2 with the reason, so a misread store can never plan PUTs of seed
values over what tenants have live."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from _hostile import KVS_FN, assert_refused, cli
from cfroutes.config.model import SPILL_PREFIX
from cfroutes.kvs.importfile import JSON_DEPTH_MAX, StoreFileError, parse
from cfroutes.kvs.updates import parse_current, plan_updates

LIVE = "/live-value-of-a-tenant"


def _project(tmp_path: Path) -> Path:
    (tmp_path / "seed.yaml").write_text("t1: /seed-default\n")
    cfg = tmp_path / "routes.yaml"
    cfg.write_text(KVS_FN.replace("    routes:", "    options: {spill: always}\n    routes:"))
    return cfg


def _plan(tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str) -> tuple[int, str, str]:
    cfg = _project(tmp_path)
    cur = tmp_path / "current.json"
    cur.write_text(text)
    return cli(["kvs", "plan", "-c", str(cfg), "--current", str(cur)], capsys)


GOOD = {
    "import file": json.dumps({"data": [{"key": "t1", "value": LIVE}]}),
    "plain object": json.dumps({"t1": LIVE}),
    "list-keys output": json.dumps({"Items": [{"Key": "t1", "Value": LIVE}]}),
    "list-keys, last page": json.dumps({"Items": [{"Key": "t1", "Value": LIVE}], "NextToken": None}),
}


@pytest.mark.parametrize("shape", GOOD)
def test_documented_shapes_keep_the_live_seed_value(shape: str, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _plan(tmp_path, capsys, GOOD[shape])
    assert code == 0, err
    puts = [e["Key"] for b in json.loads(out)["batches"] for e in b.get("Puts", [])]
    assert "t1" not in puts and [k for k in puts if k.startswith(SPILL_PREFIX) and k.endswith(":/a")]


BAD = [
    ("paginated list-keys", {"Items": [{"Key": "x", "Value": "1"}], "NextToken": "abc"}, "NextToken"),
    ("import file with an extra key", {"data": [], "meta": 1}, "unknown top-level key 'meta'"),
    ("list-keys with an extra key", {"Items": [], "ETag": "x"}, "unknown top-level key 'ETag'"),
    ("Items not a list", {"Items": "nope"}, '"Items" must be a list'),
    ("data not a list", {"data": {"t1": "x"}}, '"data" must be a list'),
    ("entry without value", {"data": [{"key": "t1"}]}, "data[0]: expected"),
    ("entry with an extra field", {"data": [{"key": "t1", "value": "v", "ttl": 1}]}, "unknown key 'ttl'"),
    ("item with a lower-case key", {"Items": [{"key": "t1", "value": "v"}]}, "Items[0]: expected"),
    ("non-string value in an object", {"t1": 5}, "KeyValueStore values are strings"),
    ("null value in an object", {"t1": None}, "KeyValueStore values are strings"),
    ("non-string value in data", {"data": [{"key": "t1", "value": {"a": 1}}]}, "values are strings"),
    ("non-string Value in Items", {"Items": [{"Key": "t1", "Value": 1}]}, "values are strings"),
    ("a list", [{"key": "t1", "value": "v"}], "got a list"),
    ("a string", "t1", "got a string"),
]


@pytest.mark.parametrize("what,doc,fragment", BAD, ids=[b[0] for b in BAD])
def test_other_shapes_refused(what: str, doc: object, fragment: str, tmp_path: Path,
                              capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _plan(tmp_path, capsys, json.dumps(doc, indent=1))
    assert_refused(code, err, str(tmp_path / "current.json"), fragment)
    assert out == ""


RAW = [
    ("duplicate key in an object", '{"t1": "a",\n "t1": "b"}', "duplicate key 't1'", 2),
    ("duplicate key in data", '{"data": [{"key": "t1", "value": "a"},\n {"key": "t1", "value": "b"}]}',
     "duplicate key 't1'", 2),
    ("duplicate Key in Items", '{"Items": [{"Key": "t1", "Value": "a"}, {"Key": "t1", "Value": "b"}]}',
     "duplicate key", 1),
    ("NaN", '{"t1": NaN}', "NaN is not JSON", 1),
    ("Infinity", '{"t1": "x", "t2": -Infinity}', "Infinity is not JSON", 1),
    ("deep nesting", '{"t1": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested too deeply", 1),
    ("nesting past the limit", '{"t1": ' + "[" * (JSON_DEPTH_MAX + 1) + "]" * (JSON_DEPTH_MAX + 1) + "}",
     "nested too deeply", 1),
    ("not JSON", "{'t1': 'x'}", "invalid JSON", 1),
    ("empty", "", "invalid JSON", 1),
]


@pytest.mark.parametrize("what,text,fragment,line", RAW, ids=[r[0] for r in RAW])
def test_bad_json_refused(what: str, text: str, fragment: str, line: int, tmp_path: Path,
                          capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _plan(tmp_path, capsys, text)
    m = assert_refused(code, err, str(tmp_path / "current.json"), fragment)
    assert int(m.group("line")) == line, err
    assert out == ""


def test_listing_is_for_kvs_plan_only() -> None:
    """`emulate --kvs` takes an import file or an object: `Items` there is a mistake, not a store."""
    with pytest.raises(StoreFileError):
        parse(json.dumps({"Items": []}))
    assert parse_current(json.dumps({"Items": []})) == {}
    assert parse('{"a": {"x": 1}}') == {"a": '{"x":1}'}  # emulate fixtures may hold JSON values


def test_seed_keys_are_only_created_never_overwritten() -> None:
    plan = plan_updates([("t1", "/seed"), ("t2", "/seed2")], {"t1", "t2"}, {"t1": LIVE})
    puts = {e["Key"]: e["Value"] for b in plan.batches for e in b.get("Puts", [])}
    assert puts == {"t2": "/seed2"} and plan.kept_seed == 1
