"""The bundle: dist/<fn>.js, dist/<fn>.kvs.json, dist/manifest.json; written atomically."""
from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import tempfile

from generator import __version__

from generator.kvs import importfile as kvsfile
from generator.compiler import SIZE_LIMIT, Compiled

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
            kdata = (f.kvs_file if f.kvs_file is not None else kvsfile.render(f.kvs_data)).encode("utf-8")
            files[f"{f.name}.kvs.json"] = kdata
            kvs = {"name": f.function.kvs.name, "entries": len(f.kvs_data), "bytes": len(kdata),
                   "spilled_routes": len(f.plan.spilled)}
        entries.append({
            "name": f.name,
            "event": f.function.event,
            "runtime": f.function.runtime,
            "size": len(data),
            "headroom": SIZE_LIMIT - len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
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
    """What differs between `out_dir` and `files` (empty: up to date)."""
    problems = []
    present = set(os.listdir(out_dir)) if os.path.isdir(out_dir) else set()
    for name in sorted(files):
        path = os.path.join(out_dir, name)
        if name not in present:
            problems.append(f"{path}: missing")
            continue
        with open(path, "rb") as fh:
            if fh.read() != files[name]:
                problems.append(f"{path}: differs from the config")
    for name in sorted(present - set(files)):
        if _ours(name):
            problems.append(f"{os.path.join(out_dir, name)}: not produced by the config (stale)")
    return problems


def write(out_dir: str, files: dict[str, bytes]) -> None:
    """Write the bundle atomically: a complete new directory replaces the old one."""
    out_dir = os.path.abspath(out_dir)
    parent = os.path.dirname(out_dir)
    os.makedirs(parent, exist_ok=True)
    if os.path.exists(out_dir):
        if not os.path.isdir(out_dir):
            raise OSError(f"{out_dir} exists and is not a directory")
        foreign = [n for n in os.listdir(out_dir) if not _ours(n)]
        if foreign:
            raise OSError(f"{out_dir} holds files cfroutes did not write ({', '.join(sorted(foreign)[:3])}); "
                          "choose another output directory")
    tmp = tempfile.mkdtemp(prefix=".cfroutes-", dir=parent)
    old = tmp + ".old"
    try:
        for name, data in files.items():
            with open(os.path.join(tmp, name), "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        os.chmod(tmp, 0o755)
        if os.path.exists(out_dir):
            os.rename(out_dir, old)
        os.rename(tmp, out_dir)
    except BaseException:
        if os.path.exists(old) and not os.path.exists(out_dir):
            os.rename(old, out_dir)  # put the previous bundle back
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    shutil.rmtree(old, ignore_errors=True)


def write_file(path: str, data: str | bytes) -> None:
    """Write one output file (a report, an export) atomically: a temporary file beside it, then a rename.

    The file gets the permissions of any new file (0666 & ~umask, as `build` writes dist/), not
    mkstemp's 0600. Any failure is the user's to fix (a directory, a missing folder, no
    permission): InputError `PATH:1:1: error: cannot write PATH: <reason>` (exit 2), and no
    temporary file is left behind.
    """
    from generator.errors import Diagnostic, InputError, Span, remember_source

    def fail(reason: str) -> InputError:
        remember_source(path, "")  # no excerpt: the output is not a source
        return InputError([Diagnostic(Span(path, 1, 1), f"cannot write {path}: {reason}")])

    raw = data.encode("utf-8") if isinstance(data, str) else data
    target = os.path.abspath(path)
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
    except OSError as e:
        raise fail(e.strerror or str(e)) from None
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
