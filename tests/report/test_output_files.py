"""Output files of `report` and `export` (one helper, bundle.write_file): errors and permissions."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from cfroutes.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = {"report": ["report"], "export": ["export", "cloudformation", "--kvs-bucket", "b-1"]}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("routes.yaml", "kvs", "dist"):
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def umask():
    old = os.umask(0o027)
    yield 0o027
    os.umask(old)


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("where", ["dir", "dir/", "nodir/", "missing/dir/out.html"])
def test_an_unwritable_output_is_a_positioned_error_exit_2(project, capsys, command, where):
    (project / "dir").mkdir()
    before = sorted(os.listdir(project))
    code = main(COMMANDS[command] + ["-o", where])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.startswith(f"{where}:1:1: error: cannot write {where}: "), err
    assert err.count("\n") == 1 and "internal error" not in err and ".tmp" not in err
    assert sorted(os.listdir(project)) == before and os.listdir(project / "dir") == []


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_outputs_get_the_permissions_of_a_new_file(project, capsys, umask, command):
    out = project / "out.txt"
    assert main(COMMANDS[command] + ["-o", str(out)]) == 0, capsys.readouterr().err
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask  # 0640, not mkstemp's 0600
    assert [n for n in os.listdir(project) if n.endswith(".tmp")] == []
    # rewriting keeps it so and replaces the content
    out.write_text("old")
    assert main(COMMANDS[command] + ["-o", str(out)]) == 0
    assert out.read_text() != "old" and out.stat().st_mode & 0o777 == 0o640


def test_the_same_permissions_as_build_writes_dist(project, capsys, umask):
    assert main(["build", "-o", "fresh"]) == 0
    assert main(["report", "-o", "r.html"]) == 0
    assert (project / "r.html").stat().st_mode & 0o777 == (project / "fresh" / "manifest.json").stat().st_mode & 0o777
