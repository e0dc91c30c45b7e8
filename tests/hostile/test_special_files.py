"""Anything that is not a regular file is refused before it is read, everywhere: the
config, seeds, case files (named and discovered), --current, --event, --kvs, the function
file of `emulate` and files under dist/ in `build --check`. Oversized files are refused
by their size."""
from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from _hostile import BASE, KVS_FN, ROUTES, assert_refused, cli
from cfroutes import safeio
from cfroutes.safeio import UserFileError, read_bytes

KINDS: dict[str, Callable[[Path], None]] = {
    "fifo": lambda p: os.mkfifo(p),
    "dev-zero": lambda p: p.symlink_to("/dev/zero"),
    "directory": lambda p: p.mkdir(),
}
WHAT = {"fifo": "FIFO", "dev-zero": "character device", "directory": "directory"}


@pytest.fixture(params=list(KINDS))
def special(request: pytest.FixtureRequest) -> tuple[str, Callable[[Path], None]]:
    return request.param, KINDS[request.param]


def test_config(special: tuple[str, Callable[[Path], None]], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    kind, make = special
    cfg = tmp_path / "routes.yaml"
    make(cfg)
    for argv in (["check", "-c", str(cfg)], ["build", "-c", str(cfg), "-o", str(tmp_path / "d")],
                 ["test", "-c", str(cfg)], ["run", "-c", str(cfg), "/a"]):
        code, _, err = cli(argv, capsys)
        assert_refused(code, err, str(cfg), WHAT[kind])


def test_seed(special: tuple[str, Callable[[Path], None]], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    kind, make = special
    make(tmp_path / "seed.yaml")
    (tmp_path / "routes.yaml").write_text(KVS_FN)
    code, _, err = cli(["check", "-c", str(tmp_path / "routes.yaml")], capsys)
    if kind == "dev-zero":  # the link resolves outside the project: refused before it is opened
        assert_refused(code, err, str(tmp_path / "routes.yaml"), "outside the config's directory")
    else:
        assert_refused(code, err, str(tmp_path / "seed.yaml"), WHAT[kind])


@pytest.mark.parametrize("named", [True, False], ids=["named", "discovered"])
def test_cases_file(named: bool, special: tuple[str, Callable[[Path], None]], tmp_path: Path,
                    capsys: pytest.CaptureFixture[str]) -> None:
    kind, make = special
    if kind == "directory" and not named:
        pytest.skip("a directory named x.cases.yaml is a directory to search, not a case file")
    (tmp_path / "routes.yaml").write_text(BASE + ROUTES)
    cases = tmp_path / "x.cases.yaml"
    make(cases)
    argv = ["test", "-c", str(tmp_path / "routes.yaml")] + ([str(cases)] if named else [])
    code, _, err = cli(argv, capsys)
    assert_refused(code, err, str(cases), WHAT[kind])


def _kvs_project(tmp_path: Path) -> Path:
    (tmp_path / "seed.yaml").write_text("t1: /x\n")
    (tmp_path / "routes.yaml").write_text(KVS_FN)
    return tmp_path / "routes.yaml"


def test_kvs_plan_current(special: tuple[str, Callable[[Path], None]], tmp_path: Path,
                          capsys: pytest.CaptureFixture[str]) -> None:
    kind, make = special
    cfg = _kvs_project(tmp_path)
    make(tmp_path / "cur.json")
    code, out, err = cli(["kvs", "plan", "-c", str(cfg), "--current", str(tmp_path / "cur.json")], capsys)
    assert_refused(code, err, str(tmp_path / "cur.json"), WHAT[kind])
    assert out == ""


@pytest.mark.parametrize("which", ["function", "event", "kvs"])
def test_emulate_inputs(which: str, special: tuple[str, Callable[[Path], None]], tmp_path: Path,
                        capsys: pytest.CaptureFixture[str]) -> None:
    kind, make = special
    paths = {"function": tmp_path / "f.js", "event": tmp_path / "e.json", "kvs": tmp_path / "k.json"}
    paths["function"].write_text("function handler(event) { return event.request; }\n") if which != "function" else None
    paths["event"].write_text(json.dumps({"version": "1.0", "context": {"eventType": "viewer-request"},
                                          "viewer": {"ip": "1.2.3.4"},
                                          "request": {"method": "GET", "uri": "/", "querystring": {},
                                                      "headers": {}, "cookies": {}}})) if which != "event" else None
    paths["kvs"].write_text("{}") if which != "kvs" else None
    make(paths[which])
    code, _, err = cli(["emulate", str(paths["function"]), "--event", str(paths["event"]),
                        "--kvs", str(paths["kvs"])], capsys)
    assert_refused(code, err, str(paths[which]), WHAT[kind])


def test_build_check_dist_entries(special: tuple[str, Callable[[Path], None]], tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    kind, make = special
    cfg = tmp_path / "routes.yaml"
    cfg.write_text(BASE + ROUTES)
    dist = tmp_path / "dist"
    assert cli(["build", "-c", str(cfg), "-o", str(dist)], capsys)[0] == 0
    (dist / "f.js").unlink()
    make(dist / "f.js")
    code, _, err = cli(["build", "--check", "-c", str(cfg), "-o", str(dist)], capsys)
    assert_refused(code, err, str(dist / "f.js"), WHAT[kind])
    # and a build refuses to replace a dist/ whose f.js is not a file it wrote
    code, _, err = cli(["build", "-c", str(cfg), "-o", str(dist)], capsys)
    assert code == 2 and "f.js" in err and "did not write" in err, err


def test_oversized_files_refused_by_size(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "routes.yaml"
    with open(cfg, "wb") as fh:  # sparse: 9 MiB of nothing, costs no disk
        fh.truncate(safeio.YAML_MAX + 1)
    code, _, err = cli(["check", "-c", str(cfg)], capsys)
    assert_refused(code, err, str(cfg), f"the limit is {safeio.YAML_MAX:,}")


def test_proc_files_stop_at_the_cap(tmp_path: Path) -> None:
    """/proc files report size 0; the read still stops at cap + 1 bytes."""
    if not os.path.exists("/proc/self/environ"):
        pytest.skip("no /proc")
    os.environ.setdefault("CFROUTES_TEST_PAD", "x" * 200)
    with pytest.raises(UserFileError) as e:
        read_bytes("/proc/self/environ", 16, "file")
    assert "more than 16 bytes" in e.value.message


def test_regular_file_through_symlink_is_read(tmp_path: Path) -> None:
    (tmp_path / "real.yaml").write_text("a: 1\n")
    (tmp_path / "link.yaml").symlink_to(tmp_path / "real.yaml")
    assert read_bytes(str(tmp_path / "link.yaml"), 100) == b"a: 1\n"


def test_invalid_utf8_is_positioned(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "routes.yaml"
    cfg.write_bytes(BASE.encode() + b"    x: \"caf\xe9\"\n")
    code, _, err = cli(["check", "-c", str(cfg)], capsys)
    assert_refused(code, err, str(cfg), "not UTF-8")
    assert err.startswith(f"{cfg}:5:")
