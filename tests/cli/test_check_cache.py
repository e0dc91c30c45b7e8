"""`check`'s cache (runcache.py): a replay only when nothing the check read changed.

Each test changes one kind of input between two checks and asserts the second check ran
(its result follows the change) instead of replaying the first one.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from cfroutes import runcache
from cfroutes.cli.main import main

CONFIG = """\
version: 1
functions:
  f:
    event: viewer-request
    runtime: cloudfront-js-2.0
    kvs: { name: store, seed: seed.yaml }
    files: site
    routes:
      - path: /old
        redirect: /new
      - path: /t/:id
        lookup: { key: "{id}", as: target }
        rewrite: "{target}"
      - path: /:page
        file: missing
        respond: { status: 404, body: gone }
    tests:
      - request: GET /old
        expect: { status: 301, location: /new }
"""
CASES = """\
- request: GET /t/a
  expect: { uri: /from-seed }
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv(runcache.ENV_OFF, raising=False)  # (conftest turns it off for other tests)
    monkeypatch.delenv(runcache.ENV_DIR, raising=False)
    from cfroutes.compiler.emit import _env
    from cfroutes.platform.jscheck import analyze

    _env.cache_clear()  # (in-process caches: the first check of this process writes the entries)
    analyze.cache_clear()
    (tmp_path / "routes.yaml").write_text(CONFIG)
    (tmp_path / "seed.yaml").write_text("a: /from-seed\n")
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "here").write_text("x")
    (tmp_path / "a.cases.yaml").write_text(CASES)
    return tmp_path


def _check(project: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    code = main(["check", "-c", str(project / "routes.yaml"), *extra])
    return code, capsys.readouterr().out


def _twice(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A first check that passes, and a second one that replays it."""
    code, out = _check(project, capsys)
    assert code == 0 and "(cached)" not in out, out
    code, out = _check(project, capsys)
    assert code == 0 and "(cached)" in out and " 0 failed" in out, out


def test_unchanged_inputs_replay_the_output(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _twice(project, capsys)
    kinds = sorted(os.listdir(project / runcache.DIR_NAME))
    assert kinds == [".gitignore", "CACHEDIR.TAG", "check", "esprima", "jinja"]


def _new_folder(p: Path) -> None:
    (p / "sub").mkdir()
    (p / "sub" / "c.cases.yaml").write_text(CASES.replace("/from-seed", "/other"))


EDITS: dict[str, Callable[[Path], object]] = {
    # the config: the redirect's target changes, its inline test now fails
    "config": lambda p: (p / "routes.yaml").write_text(CONFIG.replace("redirect: /new", "redirect: /newer")),
    # a seed file: the case reads the seeded value
    "seed": lambda p: (p / "seed.yaml").write_text("a: /changed\n"),
    # a cases file: its expectation changes
    "cases": lambda p: (p / "a.cases.yaml").write_text(CASES.replace("/from-seed", "/other")),
    # a new cases file (found by the directory walk)
    "new cases file": lambda p: (p / "b.cases.yaml").write_text(CASES.replace("/from-seed", "/other")),
    # a cases file in a new folder
    "new folder": _new_folder,
    # the `files:` folder: /here goes missing, so `file: missing` answers 404 for it
    "files folder": lambda p: (p / "site" / "here").unlink(),
}


@pytest.mark.parametrize("kind", sorted(EDITS))
def test_each_input_change_runs_the_check(kind: str, project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if kind == "files folder":  # a case that depends on the folder's listing
        (project / "a.cases.yaml").write_text(CASES + "- request: GET /here\n  expect: { uri: /here }\n")
    _twice(project, capsys)
    EDITS[kind](project)
    code, out = _check(project, capsys)
    assert "(cached)" not in out, out
    assert code == 1, out  # the change makes a case fail: the tests really ran


def test_package_change_is_a_miss(project: Path, capsys: pytest.CaptureFixture[str],
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    _twice(project, capsys)
    monkeypatch.setattr(runcache, "package_digest", lambda: "an edited package")
    code, out = _check(project, capsys)
    assert code == 0 and "(cached)" not in out


def test_package_digest_covers_code_and_templates(tmp_path: Path) -> None:
    from cfroutes.compiler.emit import template_source

    roots = runcache.package_roots()
    found = [r for r in roots if (Path(r) / "router.js.j2").is_file()] or [
        r for r in roots if (Path(r) / "templates" / "router.js.j2").is_file()]
    assert found and template_source("router.js.j2")  # the template is inside what is hashed
    pkg = tmp_path / "pkg"  # (a copy: the real files stay untouched while other tests run)
    (pkg / "sub").mkdir(parents=True)
    (pkg / "a.py").write_text("x = 1\n")
    (pkg / "sub" / "t.j2").write_text("{{ x }}")
    before = runcache.package_digest([str(pkg)])
    (pkg / "sub" / "t.j2").write_text("{{ x }} ")
    assert runcache.package_digest([str(pkg)]) != before
    (pkg / "sub" / "t.j2").write_text("{{ x }}")
    assert runcache.package_digest([str(pkg)]) == before
    (pkg / "b.py").write_text("")
    assert runcache.package_digest([str(pkg)]) != before


def test_corrupt_and_foreign_entries_are_ignored(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _twice(project, capsys)
    folder = project / runcache.DIR_NAME
    for kind in ("check", "esprima", "jinja"):
        for entry in (folder / kind).iterdir():
            data = entry.read_bytes()
            entry.write_bytes(data[:-5] + b"XXXXX")  # altered payload: the digest no longer matches
    code, out = _check(project, capsys)
    assert code == 0 and "(cached)" not in out and "2 passed" in out
    for entry in (folder / "check").iterdir():
        entry.write_bytes(b"cfroutes-cache 1 0.0.0-other\n" + entry.read_bytes().partition(b"\n")[2])
    code, out = _check(project, capsys)
    assert code == 0 and "(cached)" not in out
    for entry in (folder / "check").iterdir():
        entry.write_bytes(b"\x00garbage")
    code, out = _check(project, capsys)
    assert code == 0 and "(cached)" not in out


def test_env_var_switches_it_off(project: Path, capsys: pytest.CaptureFixture[str],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(runcache.ENV_OFF, "1")
    for _ in range(2):
        code, out = _check(project, capsys)
        assert code == 0 and "(cached)" not in out
    assert not (project / runcache.DIR_NAME).exists()


def test_no_cache_argument(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import io

    from cfroutes.cli.check import check

    for _ in range(2):
        out = io.StringIO()
        assert check(str(project / "routes.yaml"), strict=False, stdout=out, stderr=io.StringIO(), cache=False) == 0
        assert "(cached)" not in out.getvalue()
    assert not (project / runcache.DIR_NAME).exists()


def test_cache_dir_env_and_bounded(project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                                   tmp_path_factory: pytest.TempPathFactory) -> None:
    elsewhere = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv(runcache.ENV_DIR, str(elsewhere))
    _twice(project, capsys)
    assert not (project / runcache.DIR_NAME).exists() and (elsewhere / "check").is_dir()
    monkeypatch.setattr(runcache, "ENTRIES_MAX", 3)
    names = [runcache.key("bounded", i) for i in range(6)]  # (only entry-shaped names are pruned)
    for name in names:
        runcache.store("check", name, b"x", str(elsewhere))
    assert len(list((elsewhere / "check").iterdir())) == 3
    assert runcache.load("check", names[5], str(elsewhere)) == b"x"
    runcache.store("check", "big", b"x" * (runcache.ENTRY_MAX + 1), str(elsewhere))
    assert runcache.load("check", "big", str(elsewhere)) is None


def test_unwritable_cache_does_not_fail_the_check(project: Path, capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    (project / "blocker").write_text("a file where the cache folder would go")
    monkeypatch.setenv(runcache.ENV_DIR, str(project / "blocker" / "cache"))
    for _ in range(2):
        code, out = _check(project, capsys)
        assert code == 0 and "(cached)" not in out


def test_output_is_identical_to_an_uncached_check(project: Path, capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    _twice(project, capsys)
    (project / "routes.yaml").write_text(CONFIG + "  # a comment\n")
    code, cached_parts = _check(project, capsys)  # jinja and esprima entries warm, the check runs
    monkeypatch.setenv(runcache.ENV_OFF, "1")
    code2, plain = _check(project, capsys)
    assert code == code2 == 0
    strip = lambda s: s.rsplit(" in ", 1)[0]  # noqa: E731 (the elapsed time differs)
    assert strip(cached_parts) == strip(plain)


def test_an_entry_naming_a_file_outside_the_project_is_a_miss(project: Path, capsys: pytest.CaptureFixture[str],
                                                               tmp_path_factory: pytest.TempPathFactory) -> None:
    import hashlib
    import json

    outside = tmp_path_factory.mktemp("outside") / "secret"
    outside.write_text("s")
    _twice(project, capsys)
    entry = next((project / runcache.DIR_NAME / "check").iterdir())
    record = json.loads(runcache.load("check", entry.name, str(project / runcache.DIR_NAME)) or b"")
    record["reads"].append([str(outside), 100, False, hashlib.sha256(b"s").hexdigest()])
    runcache.store("check", entry.name, json.dumps(record).encode(), str(project / runcache.DIR_NAME))
    code, out = _check(project, capsys)
    assert code == 0 and "(cached)" not in out


def test_symlinked_cache_folders_are_never_followed(project: Path, capsys: pytest.CaptureFixture[str],
                                                    tmp_path_factory: pytest.TempPathFactory) -> None:
    """A repository that commits `.cfroutes_cache/esprima -> somewhere` must not get files written
    or pruned there (70 files: pruning to 64 would delete 6 of them)."""
    victim = tmp_path_factory.mktemp("victim")
    for i in range(70):
        (victim / f"f{i}").write_text("x")
    (project / runcache.DIR_NAME).mkdir()
    for kind in ("check", "esprima", "jinja"):
        (project / runcache.DIR_NAME / kind).symlink_to(victim)
    for _ in range(2):
        code, out = _check(project, capsys)
        assert code == 0 and "(cached)" not in out, out
    assert sorted(p.name for p in victim.iterdir()) == sorted(f"f{i}" for i in range(70))


def test_an_entry_signed_elsewhere_is_a_miss(project: Path, capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """An entry committed to a repository (another user's secret) never replays: a forged `check passed`."""
    _twice(project, capsys)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("other-user")))
    monkeypatch.setattr(runcache, "_secret_bytes", None)
    code, out = _check(project, capsys)
    assert code == 0 and "(cached)" not in out, out
    code, out = _check(project, capsys)  # re-signed with this user's secret: replays again
    assert code == 0 and "(cached)" in out, out


def test_test_uses_the_template_and_analysis_entries_only(project: Path, capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """`cfroutes test` reads and writes the compiled template and the analysis of each emitted
    function (never check's replay), with the same output as without the cache."""
    from cfroutes.compiler.emit import _env
    from cfroutes.platform.jscheck import analyze

    def run() -> tuple[int, str]:
        _env.cache_clear()
        analyze.cache_clear()
        code = main(["test", "-c", str(project / "routes.yaml")])
        return code, capsys.readouterr().out

    monkeypatch.setenv(runcache.ENV_OFF, "1")
    plain = run()
    assert not (project / runcache.DIR_NAME).exists()
    monkeypatch.delenv(runcache.ENV_OFF)
    first, second = run(), run()  # the second reads what the first wrote
    assert plain == first == second and plain[0] == 0 and "2 passed, 0 failed" in plain[1], plain
    kinds = sorted(os.listdir(project / runcache.DIR_NAME))
    assert kinds == [".gitignore", "CACHEDIR.TAG", "esprima", "jinja"]
