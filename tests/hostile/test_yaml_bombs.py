"""YAML alias bombs in every YAML the tool reads end in a positioned exit 2, with the
expansion counted (not performed): billion laughs, anchors of anchors, alias cycles,
merge keys of aliases, and a flat file of a million tiny nodes."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from _hostile import BASE, KVS_FN, ROUTES, assert_refused, bounded, cli
from cfroutes.config import yamlload
from cfroutes.config.yamlload import ALIAS_NODES_MAX, NODES_MAX, load_text
from cfroutes.errors import InputError


def laughs(levels: int = 9, width: int = 9) -> str:
    out = ['l0: &l0 ["lol"]']
    out += [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * width) + "]" for i in range(1, levels + 1)]
    return "\n".join(out) + "\n"


def map_laughs(levels: int = 9, width: int = 9) -> str:
    out = ["m0: &m0 {k: lol}"]
    out += [f"m{i}: &m{i} {{" + ", ".join(f"k{j}: *m{i - 1}" for j in range(width)) + "}"
            for i in range(1, levels + 1)]
    return "\n".join(out) + "\n"


def merge_laughs(levels: int = 20) -> str:
    out = ["m0: &m0 {k: lol}"]
    out += [f"m{i}: &m{i} {{<<: [*m{i - 1}, {{a{i}: *m{i - 1}}}], b{i}: *m{i - 1}}}" for i in range(1, levels + 1)]
    return "\n".join(out) + "\n"


def merge_chain(levels: int = 3000) -> str:
    """Each level merges the previous one and adds a key: quadratic in merged pairs."""
    return "m0: &m0 {}\n" + "".join(f"m{i}: &m{i} {{<<: *m{i - 1}, k{i}: 1}}\n" for i in range(1, levels))


BOMBS = {
    "billion laughs": laughs(),
    "anchors of anchors": map_laughs(),
    "self cycle": "x: &a [*a, *a]\n",
    "2-alias cycle": "x: &a [&b [*a, *b], *a, *b]\n",
    "mapping cycle": "x: &a {k: &b {j: *a, i: *b}}\n",
    "merge of itself": "x: &a {<<: *a}\n",
    "merge keys of aliases": merge_laughs(),
    "merge chain": merge_chain(),
}


def _indent(text: str) -> str:
    return "".join("  " + line + "\n" for line in text.splitlines())


@pytest.mark.parametrize("name", BOMBS)
def test_bomb_is_counted_not_expanded(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """In process: the converter stops within its budget (a node count, not a time)."""
    made = {"n": 0}
    real = yamlload.Node.__init__

    def counting(self: yamlload.Node, *a: Any, **k: Any) -> None:
        made["n"] += 1
        real(self, *a, **k)

    monkeypatch.setattr(yamlload.Node, "__init__", counting)
    with pytest.raises(InputError) as e:
        load_text(BOMBS[name], "bomb.yaml")
    msg = e.value.diagnostics[0].message
    assert "aliases expand to more than" in msg or "recursive YAML" in msg, msg
    assert made["n"] <= ALIAS_NODES_MAX + BOMBS[name].count("\n") * 64 + 100


@pytest.mark.parametrize("name", ["billion laughs", "2-alias cycle", "merge keys of aliases"])
def test_bomb_in_routes_yaml(name: str, tmp_path: Path) -> None:
    cfg = tmp_path / "routes.yaml"
    cfg.write_text("x-bomb:\n" + _indent(BOMBS[name]) + BASE + ROUTES)
    code, err = bounded(["check", "-c", str(cfg)], mem_mb=1024, timeout=60)
    m = assert_refused(code, err, str(cfg))
    assert "alias" in m.group("msg") or "merge" in m.group("msg")
    assert int(m.group("line")) > 1  # where the alias is used, not line 1


def test_bomb_in_seed_file(tmp_path: Path) -> None:
    (tmp_path / "seed.yaml").write_text(map_laughs())
    (tmp_path / "routes.yaml").write_text(KVS_FN)
    code, err = bounded(["build", "-c", str(tmp_path / "routes.yaml"), "-o", str(tmp_path / "dist")])
    assert_refused(code, err, str(tmp_path / "seed.yaml"), "aliases expand")
    assert not (tmp_path / "dist").exists()


@pytest.mark.parametrize("explicit", [True, False], ids=["named", "discovered"])
def test_bomb_in_cases_file(explicit: bool, tmp_path: Path) -> None:
    (tmp_path / "routes.yaml").write_text(BASE + ROUTES)
    cases = tmp_path / "x.cases.yaml"
    cases.write_text("x-bomb:\n" + _indent(laughs()) + "tests: []\n")
    argv = ["test", "-c", str(tmp_path / "routes.yaml")] + ([str(cases)] if explicit else [])
    code, err = bounded(argv)
    assert_refused(code, err, str(cases), "aliases expand")


def test_million_tiny_nodes_refused_before_composing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A flat 2.2 MB flow list of 1.1 M scalars: libyaml would build ~350 MB of nodes."""
    cfg = tmp_path / "routes.yaml"
    cfg.write_text(BASE + ROUTES + "x: [" + "1," * (NODES_MAX + 10) + "]\n")
    code, _, err = cli(["check", "-c", str(cfg)], capsys)
    assert_refused(code, err, str(cfg), f"more than {NODES_MAX:,} nodes")


def test_legitimate_aliases_and_merges_still_work(tmp_path: Path) -> None:
    text = ("defaults: &d {a: 1, b: 2}\nmore: &m {c: 3}\n"
            "x: {<<: [*d, *m], b: 20}\n"         # own key wins over merged ones
            "y: {<<: [{a: first}, {a: second}]}\n"  # earlier merged mapping wins
            "z: [*d, *d]\n")
    root = load_text(text, "ok.yaml").to_python()
    assert root["x"] == {"a": 1, "c": 3, "b": 20}
    assert root["y"] == {"a": "first"}
    assert root["z"] == [{"a": 1, "b": 2}] * 2


def test_alias_budget_is_what_aliases_add(tmp_path: Path) -> None:
    """Just under the budget loads; one more alias use past it is refused."""
    width = 1000
    text = "a: &a [" + ", ".join(["x"] * (width - 1)) + "]\n"  # 1,000 nodes (list + 999 items)
    uses = ALIAS_NODES_MAX // width
    ok = text + "b: [" + ", ".join(["*a"] * uses) + "]\n"
    assert len(load_text(ok, "ok.yaml").value["b"].value) == uses
    with pytest.raises(InputError) as e:
        load_text(ok.replace("]\n", ", *a]\n", 2).replace(", *a]\n", "]\n", 1), "over.yaml")
    assert "aliases expand" in e.value.diagnostics[0].message


SAMPLES = [
    BASE + ROUTES, laughs(3, 3), map_laughs(3, 3), merge_laughs(3), '{"a":1,"b":[1,2,{"c":null}]}',
    "- - - x\n- \n-\n- a: 1\n  b:\n- ? k\n  : v\n", "- {a, b, c}\n- [a: 1, b: , c]\n", "k: [{'x':y}, {\"q\":1}, \"r\":2]\n",
    "a: &x !!str 1\nb: *x\nc: |\n  text, with [brackets]\n  more\n", "[[[[[]]]], {}, [{}, {a: }]]",
    "x: -1\ny: a-b - c\nz: [-1, - ]\n".replace("- ]", "-2]"), "? - a\n  - b\n: - c\n",
]


@pytest.mark.parametrize("text", SAMPLES)
def test_node_bound_is_an_upper_bound(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import yaml

    monkeypatch.setattr(yamlload, "NODES_MAX", 0)  # force the counted bound, not the length shortcut
    events = (yaml.ScalarEvent, yaml.CollectionStartEvent, yaml.AliasEvent)
    nodes = sum(isinstance(e, events) for e in yaml.parse(text, Loader=yaml.CSafeLoader))
    assert yamlload._node_bound(text) >= nodes


def test_node_limit_counted_in_the_one_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    """A large document is composed once, counting as it goes (no event pass before it); the
    event pass only runs to position a refusal, or when the `!` allowance for explicitly
    tagged nodes (which the composer does not count) was text."""
    import yaml

    monkeypatch.setattr(yamlload, "NODES_MAX", 300)
    real_parse = yaml.parse
    passes: list[int] = []

    def counting_parse(*a: Any, **k: Any) -> Any:
        passes.append(1)
        return real_parse(*a, **k)

    monkeypatch.setattr(yaml, "parse", counting_parse)
    assert len(load_text("x: [" + "1," * 250 + "]\n", "ok.yaml").value["x"].value) == 250
    assert passes == []
    tagged = "x: [" + "!!str 1," * 250 + "]\n"  # 252 nodes and 500 `!`: the allowance trips, the count says ok
    assert load_text(tagged, "tagged.yaml").value["x"].value[0].value == "1"
    assert passes == [1]
    for text in ("x: [" + "1," * 400 + "]\n", "x: [" + "!!str 1," * 400 + "]\n"):
        with pytest.raises(InputError) as e:
            load_text(text, "over.yaml")
        d = e.value.diagnostics[0]
        assert "more than 300 nodes" in d.message and d.span.line == 1 and d.span.col > 500
