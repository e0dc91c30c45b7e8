"""The bundle: dist/<fn>.js, dist/<fn>.kvs.json, dist/manifest.json; written atomically."""
from __future__ import annotations

import contextlib
import ctypes
import errno
import functools
import hashlib
import json
import os
import platform
import re
import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from typing import Any

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no lock (builds there are not concurrent-safe)
    fcntl = None  # type: ignore[assignment]  # a missing optional module

from cfroutes import __version__, safeio
from cfroutes.codes import Code
from cfroutes.compiler.pipeline import Compiled
from cfroutes.kvs import importfile
from cfroutes.platform.limits import FUNCTION_SIZE_MAX

OURS = (".js", ".kvs.json")


def bundle_files(c: Compiled) -> dict[str, bytes]:
    """File name -> exact bytes of the bundle (deterministic)."""
    files: dict[str, bytes] = {}
    entries = []
    for f in c.functions:
        data = f.source.encode("utf-8")
        files[f"{f.name}.js"] = data
        kvs = None
        if f.kvs_data is not None and f.function.kvs is not None:
            kdata = (f.kvs_file if f.kvs_file is not None else importfile.import_file_text(f.kvs_data)).encode("utf-8")
            files[f"{f.name}.kvs.json"] = kdata
            kvs = {"name": f.function.kvs.name, "entries": len(f.kvs_data), "bytes": len(kdata),
                   "spilled_routes": len(f.plan.spilled)}
        entries.append({
            "name": f.name,
            "event": f.function.event,
            "runtime": f.function.runtime,
            "size": len(data),
            "headroom": FUNCTION_SIZE_MAX - len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
            "input_sha256": f.input_sha256,  # what the function is built from: changes only with it
            "kvs": kvs,
            "routes": len(f.function.routes),
            "header_rules": len(f.function.headers),
        })
    manifest = {
        "tool": {"name": "cfroutes", "version": __version__},
        "config_sha256": c.config.sha256,
        "functions": entries,
    }
    files["manifest.json"] = (json.dumps(manifest, indent=2) + "\n").encode("utf-8")
    return files


def _ours(name: str) -> bool:
    return name == "manifest.json" or name.endswith(OURS)


def diff(out_dir: str, files: dict[str, bytes]) -> list[str]:
    """What differs between `out_dir` and `files` (empty: up to date).

    Each file is read safely (safeio: a FIFO, a directory or a link to /dev/zero named like
    a bundle file raises UserFileError, exit 2), and never more than one byte past the
    expected size."""
    problems = []
    present = set(os.listdir(out_dir)) if os.path.isdir(out_dir) else set()
    for name in sorted(files):
        path = os.path.join(out_dir, name)
        if name not in present:
            problems.append(f"{path}: missing")
            continue
        data = safeio.read_bytes(path, len(files[name]) + 1, "bundle file", head=True)
        if data != files[name]:
            note = _manifest_note(data, files[name]) if name == "manifest.json" else ""
            problems.append(f"{path}: differs from the config{note}")
    for name in sorted(present - set(files)):
        if _ours(name):
            problems.append(f"{os.path.join(out_dir, name)}: not produced by the config (stale)")
    return problems


def _manifest_note(old: bytes, new: bytes) -> str:
    """Why manifest.json differs: only `config_sha256` (the config's text changed, e.g. a
    comment, and no function did), or the functions whose entries changed."""
    try:
        a, b = json.loads(old), json.loads(new)
        before = {f["name"]: f for f in a["functions"]}
        after = {f["name"]: f for f in b["functions"]}
    except (ValueError, KeyError, TypeError):
        return ""
    changed = sorted(n for n in set(before) | set(after) if before.get(n) != after.get(n))
    if changed:
        return f" (function(s) changed: {', '.join(changed)})"
    if {k: v for k, v in a.items() if k != "config_sha256"} == {k: v for k, v in b.items() if k != "config_sha256"}:
        return " (only config_sha256: the config's text changed, no function did)"
    return ""


# ------------------------------------------------------------------ writing
#: seconds a build waits for another build writing the same output directory
LOCK_WAIT = 30.0
_RENAME_EXCHANGE = 2  # linux/fs.h
_RENAME_SWAP = 2  # darwin: renamex_np flag
_SYSCALL_RENAMEAT2 = {"x86_64": 316, "aarch64": 276}
_AT_FDCWD = -100


class BuildLocked(OSError):
    """Another build holds the output directory's lock."""


@functools.lru_cache(maxsize=1)
def _libc() -> Any:
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:  # pragma: no cover
        return None


def _exchange(a: str, b: str) -> bool:
    """Atomically swap two directories (each name then holds the other's content).

    renameat2(RENAME_EXCHANGE) on Linux (libc, else the raw syscall), renamex_np(RENAME_SWAP)
    on macOS. False when the platform or the file system cannot; raises OSError otherwise.
    """
    libc = _libc()
    if libc is None:
        return False
    ba, bb = os.fsencode(a), os.fsencode(b)
    if sys.platform.startswith("linux"):
        fn = getattr(libc, "renameat2", None)
        if fn is not None:
            fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
            rc = fn(_AT_FDCWD, ba, _AT_FDCWD, bb, _RENAME_EXCHANGE)
        else:
            nr = _SYSCALL_RENAMEAT2.get(platform.machine())
            if nr is None:
                return False
            rc = libc.syscall(ctypes.c_long(nr), ctypes.c_int(_AT_FDCWD), ctypes.c_char_p(ba),
                              ctypes.c_int(_AT_FDCWD), ctypes.c_char_p(bb), ctypes.c_uint(_RENAME_EXCHANGE))
    elif sys.platform == "darwin":
        fn = getattr(libc, "renamex_np", None)
        if fn is None:
            return False
        fn.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_uint]
        rc = fn(ba, bb, _RENAME_SWAP)
    else:
        return False
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False  # an old kernel or a file system without exchange: two renames instead
    raise OSError(err, os.strerror(err), a)


@contextlib.contextmanager
def _locked(real: str, wait: float) -> Iterator[None]:
    """An exclusive flock on `.NAME.cfroutes-lock` next to the output directory."""
    path = os.path.join(os.path.dirname(real), f".{os.path.basename(real)}.cfroutes-lock")
    flags = os.O_RDWR | os.O_CREAT | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
    try:  # a planted symlink or FIFO in place of the lock is refused, not followed or waited on
        fd = os.open(path, flags, 0o644)
    except OSError as e:
        raise OSError(f"cannot open the build lock {path}: {e.strerror}") from None
    try:
        if fcntl is not None:
            deadline = time.monotonic() + wait
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise BuildLocked(f"another cfroutes build is writing {real} (it holds {path}); "
                                          f"waited {wait:.0f} s: let it finish, then build again") from None
                    time.sleep(0.05)
        yield
    finally:
        os.close(fd)  # releases the lock


def _fsync_dir(path: str) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - e.g. Windows
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def write(out_dir: str, files: dict[str, bytes], *, lock_wait: float | None = None) -> None:
    """Write the bundle atomically: a complete new directory replaces the old one.

    - There is no moment without `out_dir`: the new directory is swapped in with one
      RENAME_EXCHANGE (Linux; RENAME_SWAP on macOS); elsewhere two renames, and a build
      killed between them is repaired by the next one.
    - A symlinked `out_dir` is written through: its target is replaced, the link stays.
    - Builds into the same directory are serialised by a lock file next to it; one that
      waits longer than `lock_wait` seconds raises BuildLocked.
    - Entries that cfroutes does not write (other names, or anything that is not a regular
      file) make the write refuse, naming them: replacing the directory would delete them.
    """
    out_dir = os.path.abspath(out_dir)
    real = os.path.realpath(out_dir)  # through a symlink: the link itself stays
    parent = os.path.dirname(real)
    os.makedirs(parent, exist_ok=True)
    prefix = f".cfroutes-{os.path.basename(real)}-"
    with _locked(real, LOCK_WAIT if lock_wait is None else lock_wait):
        _repair(real, parent, prefix)
        if os.path.lexists(real):
            if not os.path.isdir(real):
                raise OSError(f"{out_dir} exists and is not a directory")
            foreign = []
            for entry in os.scandir(real):
                if not _ours(entry.name) or not entry.is_file(follow_symlinks=False):
                    foreign.append(entry.name)
            if foreign:
                raise OSError(f"{out_dir} holds files cfroutes did not write ({', '.join(sorted(foreign)[:3])}); "
                              "move them or choose another output directory")
        tmp = tempfile.mkdtemp(prefix=prefix, dir=parent)
        old = tmp + ".old"
        try:
            for name, data in files.items():
                with open(os.path.join(tmp, name), "wb") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
            os.chmod(tmp, 0o755)
            _step("written")
            if not os.path.exists(real):
                os.rename(tmp, real)
            elif _exchange(tmp, real):
                _step("exchanged")
                old = tmp  # it holds the previous bundle now
            else:
                os.rename(real, old)
                _step("moved-old")
                os.rename(tmp, real)
            _fsync_dir(parent)
        except BaseException:
            if os.path.exists(old) and not os.path.exists(real):
                os.rename(old, real)  # put the previous bundle back
            if old != tmp:
                shutil.rmtree(tmp, ignore_errors=True)
            raise
        shutil.rmtree(old, ignore_errors=True)


def _repair(real: str, parent: str, prefix: str) -> None:
    """Undo what a build killed mid-way left (called under the lock): put a moved-away
    bundle back when the output is missing (two-rename fallback), drop stale temporaries."""
    mine = re.compile(re.escape(prefix) + r"[A-Za-z0-9_]{8}(\.old)?\Z")  # mkdtemp's 8 characters
    stale = sorted(n for n in os.listdir(parent) if mine.match(n))
    if not os.path.lexists(real):
        olds = [n for n in stale if n.endswith(".old")]
        if olds:
            os.rename(os.path.join(parent, olds[-1]), real)
            stale.remove(olds[-1])
    for n in stale:
        shutil.rmtree(os.path.join(parent, n), ignore_errors=True)


def _step(name: str) -> None:
    """A test hook between the steps of `write` (kill-at-any-step tests monkeypatch it)."""


def write_file(path: str, data: str | bytes) -> None:
    """Write one output file (a report, an export) atomically: a temporary file beside it, then a rename.

    A symlinked PATH is written through (the link stays). The file gets the permissions of any new file (0666 & ~umask, as `build` writes dist/), not
    mkstemp's 0600. Any failure is the user's to fix (a directory, a missing folder, no
    permission): InputError `PATH:1:1: error: cannot write PATH: <reason>` (exit 2), and no
    temporary file is left behind.
    """
    from cfroutes.errors import Diagnostic, InputError, Span, remember_source

    def fail(reason: str) -> InputError:
        remember_source(path, "")  # no excerpt: the output is not a source
        return InputError([Diagnostic(Span(path, 1, 1), f"cannot write {path}: {reason}", code=Code.OUTPUT)])

    raw = data.encode("utf-8") if isinstance(data, str) else data
    target = os.path.realpath(path)  # a symlinked output is written through, as `write` does
    folder = os.path.dirname(target)
    if os.path.isdir(target) or path.endswith(("/", os.sep)):
        raise fail(f"it {'is' if os.path.isdir(target) else 'names'} a directory; name a file")
    if not os.path.isdir(folder):
        raise fail(f"no such directory {folder}" if not os.path.exists(folder) else f"{folder} is not a directory")
    tmp = None
    try:
        for _ in range(100):
            candidate = os.path.join(folder, f".{os.path.basename(target)}.{secrets.token_hex(4)}.tmp")
            try:
                fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask applies
            except FileExistsError:
                continue
            tmp = candidate
            break
        else:  # pragma: no cover
            raise fail("no free temporary name beside it")
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        tmp = None
        _fsync_dir(folder)
    except OSError as e:
        raise fail(e.strerror or str(e)) from None
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
