"""Seed paths stay inside the config's directory tree (symlinks resolved), and no error
ever echoes more than the offending line of a file, cut and escaped."""
from __future__ import annotations

from pathlib import Path

import pytest
from _hostile import BASE, KVS_FN, ROUTES, assert_refused, cli
from cfroutes.errors import Diagnostic, Span
from cfroutes.terminal import EXCERPT_MAX

SECRET = "CFROUTES_FAKE_SECRET_TOKEN"


def _cfg(tmp_path: Path, seed: str) -> Path:
    proj = tmp_path / "proj" / "app"
    proj.mkdir(parents=True, exist_ok=True)
    cfg = proj / "routes.yaml"
    cfg.write_text(KVS_FN.replace("seed.yaml", seed))
    return cfg


@pytest.mark.parametrize("seed", ["/proc/self/environ", "../outside.yaml", "../../outside.yaml",
                                  "sub/../../outside.yaml", "/etc/passwd"])
def test_seed_outside_the_tree_refused(seed: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SECRET, "hunter2-do-not-print")
    (tmp_path / "outside.yaml").write_text(f"k: {SECRET}\n")
    (tmp_path / "proj" / "outside.yaml").parent.mkdir(exist_ok=True)
    (tmp_path / "proj" / "outside.yaml").write_text(f"k: {SECRET}\n")
    cfg = _cfg(tmp_path, seed)
    out_dir = cfg.parent / "dist"
    code, out, err = cli(["build", "-c", str(cfg), "-o", str(out_dir)], capsys)
    assert_refused(code, err, str(cfg), "outside the config's directory")
    assert SECRET not in err + out and "hunter2" not in err + out
    assert not out_dir.exists()


def test_symlink_out_of_the_tree_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "outside.yaml").write_text("k: v\n")
    cfg = _cfg(tmp_path, "seed.yaml")
    (cfg.parent / "seed.yaml").symlink_to(tmp_path / "outside.yaml")
    code, _, err = cli(["check", "-c", str(cfg)], capsys)
    assert_refused(code, err, str(cfg), "outside the config's directory")


def test_seed_inside_the_tree_is_fine(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = _cfg(tmp_path, "kvs/../kvs/seed.yaml")
    (cfg.parent / "kvs").mkdir()
    (cfg.parent / "kvs" / "real.yaml").write_text("t1: /x\n")
    (cfg.parent / "kvs" / "seed.yaml").symlink_to("real.yaml")  # a link within the tree is fine
    code, _, err = cli(["build", "-c", str(cfg), "-o", str(cfg.parent / "dist")], capsys)
    assert code == 0, err


def test_relative_config_path(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                              monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = _cfg(tmp_path, "seed.yaml")
    (cfg.parent / "seed.yaml").write_text("t1: /x\n")
    monkeypatch.chdir(cfg.parent)
    code, _, err = cli(["check", "-c", "routes.yaml"], capsys)
    assert code == 0, err


def test_excerpt_is_one_line_cut_and_escaped(tmp_path: Path) -> None:
    long_line = "x: " + "A" * 5000 + "\x1b]0;pwned\x07" + "B" * 5000
    f = tmp_path / "long.yaml"
    f.write_text("first\n" + long_line + "\nthird " + SECRET + "\n")
    d = Diagnostic(Span(str(f), 2, 5004), "boom")
    text = d.render()
    lines = text.split("\n")
    assert len(lines) == 3 and SECRET not in text
    assert "\x1b" not in text and "\x07" not in text and "\\x1b]0;pwned\\x07" in text
    assert len(lines[1]) <= EXCERPT_MAX + 40
    # the caret sits under the escaped ESC, where column 5004 is
    caret = lines[2].index("^") - lines[2].index("|")
    assert lines[1][lines[1].index("|") + caret:].startswith("\\x1b")


def test_message_with_control_characters_is_escaped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "routes.yaml"
    cfg.write_text(BASE + ROUTES + '    "x\\e[31mred": 1\n')
    code, _, err = cli(["check", "-c", str(cfg)], capsys)
    assert code == 2 and "\x1b" not in err, err


def test_nul_separated_file_shows_a_window_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A /proc/self/environ-like file (one huge NUL-separated line) given as -c."""
    cfg = tmp_path / "environ"
    cfg.write_bytes(b"\0".join(b"VAR%d=%s" % (i, b"v" * 50) for i in range(200)) + b"\0" + SECRET.encode())
    code, _, err = cli(["check", "-c", str(cfg)], capsys)
    assert code == 2 and SECRET not in err and "\0" not in err, err
    assert len(err) < 4 * EXCERPT_MAX + 400, err
