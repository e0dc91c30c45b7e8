"""PyYAML with libyaml (the C loader) and without it (pure Python) read the same files the same way.

Without libyaml, cfroutes used to reject its own example (`location: /a?utm=1` inside `{...}`):
every YAML file and every config of the repository goes through both loaders here, and generated
flow snippets check that whatever libyaml reads, the pure loader reads identically."""
from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from cfroutes.config import yamlload
from cfroutes.config.load import load_config
from cfroutes.errors import InputError
from hypothesis import given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[2]
LOADERS = {"libyaml": yaml.CSafeLoader, "pure": yamlload._PureLoader}


def _yaml_files() -> list[Path]:
    listed = subprocess.run(["git", "ls-files", "*.yaml", "*.yml"], cwd=ROOT, capture_output=True, text=True,
                            timeout=60).stdout.split()
    return [ROOT / p for p in listed]


def _tree(node: yamlload.Node) -> Any:
    """The values with their positions (what every later stage reads)."""
    if node.is_map:
        return {k: (node.keys[k].span[1:], _tree(v)) for k, v in node.value.items()}
    if node.is_list:
        return [_tree(v) for v in node.value]
    return (node.value, node.span[1:], node.end)


def test_the_repository_has_yaml_files_to_compare() -> None:
    files = _yaml_files()
    assert ROOT / "routes.yaml" in files and len(files) >= 10


@pytest.mark.parametrize("path", _yaml_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_yaml_file_reads_the_same_with_both_loaders(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = path.read_text(encoding="utf-8")
    trees = []
    for loader in LOADERS.values():
        monkeypatch.setattr(yamlload, "_Loader", loader)
        trees.append(_tree(yamlload.load_text(text, str(path))))
    assert trees[0] == trees[1]


@pytest.mark.parametrize("path", [p for p in _yaml_files() if "\nfunctions:" in p.read_text(encoding="utf-8")],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_every_config_loads_with_the_pure_python_loader(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    results = []
    for loader in LOADERS.values():
        monkeypatch.setattr(yamlload, "_Loader", loader)
        try:
            results.append(repr(load_config(str(path)).functions))
        except InputError as e:
            results.append(str(e))
    assert results[0] == results[1]
    assert "error:" not in results[1], results[1]


def test_the_example_needed_the_fix() -> None:
    """The pure scanner as PyYAML ships it still refuses the example (so the test above is not vacuous)."""
    with pytest.raises(yaml.YAMLError):
        yaml.load((ROOT / "routes.yaml").read_text(), Loader=yaml.SafeLoader)


# a plain scalar (it starts with a letter) with `?`, `:`, `#`, blanks and line breaks inside: the
# pure scanner's difference; `?` where a token starts is the key indicator for both
PARTS = st.text(alphabet="ab?: #\n", max_size=12).map(lambda s: "a" + s)


@settings(max_examples=400, deadline=None)
@given(value=PARTS, wrap=st.sampled_from(["{k: %s}", "[%s]", "{k: [%s, x]}", "k: {a: %s}", "- {a: %s, b: 1}"]))
def test_whatever_libyaml_reads_in_flow_the_pure_loader_reads_identically(value: str, wrap: str) -> None:
    text = wrap % value
    try:
        want = yaml.load(text, Loader=yaml.CSafeLoader)
    except yaml.YAMLError:
        return  # libyaml refuses it: nothing to agree with
    assert yaml.load(text, Loader=yamlload._PureLoader) == want, text  # type: ignore[arg-type]  # (stubs list PyYAML's own loaders)
