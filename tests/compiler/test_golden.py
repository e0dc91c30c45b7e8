"""Golden emitted code: each tests/compiler/golden/*.yaml is built and every output compared
byte for byte with the files next to it (`NAME.FUNCTION.js`, `NAME.FUNCTION.kvs.json` for a
store, `NAME.FUNCTION.pretty.js` for the --pretty build).

A change to the template, the planner or the emitter shows up here as a readable diff of
the emitted code. When the change is intended, rewrite the files and review them with git:

    CFROUTES_UPDATE_GOLDEN=1 python -m pytest -q tests/compiler/test_golden.py
    git diff tests/compiler/golden/
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from cfroutes.compiler import compile_config
from cfroutes.emulator import prepare

GOLDEN = Path(__file__).parent / "golden"
CONFIGS = sorted(GOLDEN.glob("*.yaml"))
UPDATE = os.environ.get("CFROUTES_UPDATE_GOLDEN") == "1"


def _outputs(config: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    for pretty in (False, True):
        compiled = compile_config(str(config), pretty=pretty)
        assert compiled.errors == [], compiled.errors
        for cf in compiled.functions:
            stem = f"{config.stem}.{cf.name}"
            if pretty:
                out[f"{stem}.pretty.js"] = cf.source
                continue
            prepare(cf.source, cf.function.runtime)  # the golden file is a function CloudFront loads
            out[f"{stem}.js"] = cf.source
            if cf.kvs_file is not None:
                out[f"{stem}.kvs.json"] = cf.kvs_file
    return out


def test_there_are_golden_configs() -> None:
    assert len(CONFIGS) >= 3


@pytest.mark.parametrize("config", CONFIGS, ids=lambda p: p.stem)
def test_emitted_code_matches_the_golden_files(config: Path) -> None:
    outputs = _outputs(config)
    if UPDATE:
        for stale in GOLDEN.glob(f"{config.stem}.*"):
            if stale.suffix != ".yaml" and stale.name not in outputs:
                stale.unlink()
        for name, text in outputs.items():
            (GOLDEN / name).write_text(text, encoding="utf-8", newline="")
    on_disk = sorted(p.name for p in GOLDEN.glob(f"{config.stem}.*") if p.suffix != ".yaml")
    assert on_disk == sorted(outputs), "golden files missing or stale: run with CFROUTES_UPDATE_GOLDEN=1"
    for name, text in outputs.items():
        expected = (GOLDEN / name).read_text(encoding="utf-8")
        assert text == expected, f"{name} differs from the build: review, then CFROUTES_UPDATE_GOLDEN=1"
