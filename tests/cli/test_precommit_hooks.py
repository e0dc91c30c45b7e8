"""The pre-commit hooks: run on every commit, so a change to any input of the config is checked.

The real pre-commit run is in docs/testing.md (it installs an environment: too slow for the
suite); here the manifest is checked against pre-commit's rules and each hook's entry is run
the way pre-commit runs it (no file names) on a project whose seed is not under `kvs/`."""
from __future__ import annotations

import shlex
from pathlib import Path

import pytest
import yaml
from cfroutes.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ROOT / ".pre-commit-hooks.yaml"


def _hooks() -> list[dict[str, object]]:
    hooks = yaml.safe_load(MANIFEST.read_text())
    assert isinstance(hooks, list)
    return hooks


def test_manifest_is_valid_for_pre_commit() -> None:
    try:
        from pre_commit.clientlib import load_manifest
    except ImportError:  # pre-commit is not a test dependency: check the keys it requires
        for hook in _hooks():
            assert {"id", "name", "entry", "language"} <= set(hook), hook
    else:
        load_manifest(str(MANIFEST))


def test_every_hook_runs_on_every_commit_without_file_names() -> None:
    hooks = {h["id"]: h for h in _hooks()}
    assert set(hooks) == {"cfroutes-check", "cfroutes-build-check"}
    for hook in hooks.values():
        # file names would be split into several runs by pre-commit, and a pattern misses inputs
        assert hook["always_run"] is True and hook["pass_filenames"] is False, hook
        assert "files" not in hook


PROJECT = """\
version: 1
functions:
  site:
    event: viewer-request
    runtime: cloudfront-js-2.0
    kvs: { name: s, seed: stores/seed.json }
    routes:
      - path: /go/:slug
        lookup: { key: "{slug}", as: dest }
        redirect: "/{dest}"
    tests:
      - request: /go/home
        expect: { status: 301, location: /home }
"""


@pytest.mark.parametrize("hook_id", ["cfroutes-check", "cfroutes-build-check"])
def test_a_seed_outside_kvs_is_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str], hook_id: str) -> None:
    (tmp_path / "infra" / "stores").mkdir(parents=True)
    (tmp_path / "infra" / "routes.yaml").write_text(PROJECT)
    seed = tmp_path / "infra" / "stores" / "seed.json"
    seed.write_text('{"home": "home"}')
    monkeypatch.chdir(tmp_path)
    args = ["-c", "infra/routes.yaml"] + (["-o", "infra/dist"] if hook_id == "cfroutes-build-check" else [])
    assert main(["build", *args[:2], "-o", "infra/dist"]) == 0
    entry = shlex.split(next(str(h["entry"]) for h in _hooks() if h["id"] == hook_id))
    assert entry[0] == "cfroutes"
    assert main(entry[1:] + args) == 0
    seed.write_text('{"home": "elsewhere"}')  # the change that slipped through the old files: pattern
    capsys.readouterr()
    assert main(entry[1:] + args) == 1
    out = capsys.readouterr()
    assert ('location expected "/home", got "/elsewhere"' in out.out if hook_id == "cfroutes-check"
            else "is stale" in out.out + out.err)
