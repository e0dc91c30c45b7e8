"""Bundle writes: never a moment without dist/, a symlinked dist/ written through,
concurrent builds serialised by a lock, files the bundle does not own refused by name."""
from __future__ import annotations

import fcntl
import multiprocessing
import os
import random
import signal
import time
from pathlib import Path

import pytest
from _hostile import BASE, ROUTES, cli
from cfroutes.compiler import bundle


def _variant(i: int) -> dict[str, bytes]:
    return {"f.js": f"// bundle {i}\n".encode() * 50, "f.kvs.json": f'{{"data":[{i}]}}\n'.encode(),
            "manifest.json": f'{{"v": {i}}}\n'.encode()}


VARIANTS = [_variant(i) for i in range(4)]


def _snapshot(d: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in d.iterdir()}


def _is_whole_bundle(d: Path) -> bool:
    return d.is_dir() and _snapshot(d) in VARIANTS


def _leftovers(parent: Path) -> list[str]:
    return [p.name for p in parent.iterdir() if p.name.startswith(".cfroutes-")]


def _writer(out: str, i: int) -> None:
    try:
        bundle.write(out, VARIANTS[i])
    except BaseException as e:  # noqa: BLE001 - report any failure through the exit code
        print(f"writer {i}: {type(e).__name__}: {e}", flush=True)
        os._exit(1)
    os._exit(0)


def test_four_concurrent_writers_twenty_rounds(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    ctx = multiprocessing.get_context("fork")
    failures = []
    for rnd in range(20):
        procs = [ctx.Process(target=_writer, args=(str(out), i)) for i in range(4)]
        for p in procs:
            p.start()
        for p in procs:
            p.join(60)
        failures += [(rnd, p.exitcode) for p in procs if p.exitcode != 0]
        assert _is_whole_bundle(out), rnd
    assert failures == []
    assert _leftovers(tmp_path) == []


def test_concurrent_cli_builds(tmp_path: Path) -> None:
    """The same through `cfroutes build` processes (fewer rounds: each process imports the compiler)."""
    import subprocess
    import sys

    cfg = tmp_path / "routes.yaml"
    cfg.write_text(BASE + ROUTES)
    out = tmp_path / "dist"
    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, PYTHONPATH=str(root))
    for _ in range(3):
        procs = [subprocess.Popen([sys.executable, "-m", "cfroutes", "build", "-c", str(cfg), "-o", str(out)],
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                 for _ in range(4)]
        results = [(p.wait(120), p.stderr.read() if p.stderr else "") for p in procs]
        for p in procs:
            if p.stderr:
                p.stderr.close()
        assert [r for r in results if r[0] != 0] == []
        assert sorted(os.listdir(out)) == ["f.js", "manifest.json"]


def _kill_at(out: str, step: str, exchange: bool) -> None:
    if not exchange:
        bundle._exchange = lambda a, b: False  # type: ignore[assignment]

    def hook(name: str) -> None:
        if name == step:
            os.kill(os.getpid(), signal.SIGKILL)

    bundle._step = hook  # type: ignore[assignment]
    bundle.write(out, VARIANTS[1])
    os._exit(0)


@pytest.mark.parametrize("step", ["written", "exchanged"])
def test_killed_between_steps_leaves_a_whole_bundle(step: str, tmp_path: Path) -> None:
    out = tmp_path / "dist"
    bundle.write(str(out), VARIANTS[0])
    p = multiprocessing.get_context("fork").Process(target=_kill_at, args=(str(out), step, True))
    p.start()
    p.join(30)
    assert p.exitcode == -signal.SIGKILL
    assert _is_whole_bundle(out)
    bundle.write(str(out), VARIANTS[2])  # the next build cleans what the killed one left
    assert _snapshot(out) == VARIANTS[2] and _leftovers(tmp_path) == []


def test_fallback_killed_between_renames_is_repaired_by_the_next_build(tmp_path: Path) -> None:
    """Without RENAME_EXCHANGE there are two renames; a build killed between them leaves the
    old bundle beside dist/, and the next build puts it back before anything else."""
    out = tmp_path / "dist"
    bundle.write(str(out), VARIANTS[0])
    p = multiprocessing.get_context("fork").Process(target=_kill_at, args=(str(out), "moved-old", False))
    p.start()
    p.join(30)
    assert p.exitcode == -signal.SIGKILL
    seen: list[bool] = []
    real_rename = os.rename

    def watching_rename(a: str, b: str) -> None:
        real_rename(a, b)
        seen.append(_is_whole_bundle(out))

    os.rename = watching_rename  # type: ignore[assignment]
    try:
        bundle._repair(str(out), str(tmp_path), f".cfroutes-{out.name}-")
    finally:
        os.rename = real_rename  # type: ignore[assignment]
    assert seen == [True] and _snapshot(out) == VARIANTS[0] and _leftovers(tmp_path) == []


def _build_forever(out: str) -> None:
    i = 0
    while True:
        bundle.write(out, VARIANTS[i % 2])
        i += 1


def test_sigkill_at_random_moments_never_loses_dist(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    bundle.write(str(out), VARIANTS[0])
    rnd = random.Random(10)
    ctx = multiprocessing.get_context("fork")
    for _ in range(20):
        p = ctx.Process(target=_build_forever, args=(str(out),))
        p.start()
        time.sleep(rnd.uniform(0.01, 0.08))
        p.kill()
        p.join(30)
        assert _is_whole_bundle(out)
    bundle.write(str(out), VARIANTS[3])
    assert _snapshot(out) == VARIANTS[3] and _leftovers(tmp_path) == []


def test_exchange_is_available_on_this_linux(tmp_path: Path) -> None:
    if not os.uname().sysname == "Linux":
        pytest.skip("renameat2 is Linux-only")
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x").write_text("a")
    (tmp_path / "b").mkdir()
    assert bundle._exchange(str(tmp_path / "a"), str(tmp_path / "b"))
    assert (tmp_path / "b" / "x").read_text() == "a" and not (tmp_path / "a" / "x").exists()


def test_symlinked_dist_is_written_through(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "routes.yaml"
    cfg.write_text(BASE + ROUTES)
    (tmp_path / "build" / "out").mkdir(parents=True)
    link = tmp_path / "dist"
    link.symlink_to(Path("build") / "out")
    for _ in range(2):
        code, _, err = cli(["build", "-c", str(cfg), "-o", str(link)], capsys)
        assert code == 0, err
        assert link.is_symlink() and os.readlink(link) == os.path.join("build", "out")
        assert sorted(os.listdir(tmp_path / "build" / "out")) == ["f.js", "manifest.json"]
    assert cli(["build", "--check", "-c", str(cfg), "-o", str(link)], capsys)[0] == 0


def test_a_second_build_waits_then_says_another_is_running(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "routes.yaml"
    cfg.write_text(BASE + ROUTES)
    monkeypatch.setattr(bundle, "LOCK_WAIT", 0.3)
    with open(tmp_path / ".dist.cfroutes-lock", "w") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        code, _, err = cli(["build", "-c", str(cfg), "-o", str(tmp_path / "dist")], capsys)
    assert code == 2 and "another cfroutes build is writing" in err, err
    assert not (tmp_path / "dist").exists()
    assert cli(["build", "-c", str(cfg), "-o", str(tmp_path / "dist")], capsys)[0] == 0  # released


@pytest.mark.parametrize("entry", ["notes.txt", "sub", "f.js.link"])
def test_files_the_bundle_does_not_own_are_refused_by_name(entry: str, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "routes.yaml"
    cfg.write_text(BASE + ROUTES)
    dist = tmp_path / "dist"
    assert cli(["build", "-c", str(cfg), "-o", str(dist)], capsys)[0] == 0
    if entry == "sub":
        (dist / entry).mkdir()
    elif entry == "f.js.link":
        (dist / "old.js").symlink_to(dist / "f.js")
        entry = "old.js"
    else:
        (dist / entry).write_text("mine")
    before = _snapshot(dist) if entry != "sub" else None
    code, _, err = cli(["build", "-c", str(cfg), "-o", str(dist)], capsys)
    assert code == 2 and entry in err and "did not write" in err, err
    assert (dist / entry).exists() and (before is None or _snapshot(dist) == before)
