"""The project cache of `cfroutes check`: `.cfroutes_cache/` beside routes.yaml (README "Cache").

Three kinds of entries, each a file `<dir>/<kind>/<key>`:
- `check`: the whole output and exit code of a `check` run, replayed when nothing it read
  changed. The run records what it read: every file through safeio (path, cap, sha256 of the
  bytes, or that the read failed) and every directory it listed (`note_dir`: the names and
  kinds, which decide the case files found and a `files:` set). A replay first re-reads
  each file and re-lists each directory and compares; any difference is a miss and the
  check runs. The key holds the cfroutes version, the content hash of the package's own
  files (code, templates, schemas), the Python version, the config's path, the working
  directory and the options and colours that change the output.
- `jinja`: the compiled router template (jinja2's BytecodeCache).
- `esprima`: the syntax/profile analysis of an emitted source, keyed by its hash and runtime.

Each file is `cfroutes-cache 1 <version>\\n<HMAC-SHA256 of the payload>\\n<payload>`, keyed by
a random secret of this user (`$XDG_CACHE_HOME/cfroutes/secret`, made on first use, mode 0600):
one written by another version or another machine (a cache committed to a repository: a
forged `check passed`), cut short or altered is a miss. The cache folder and its kind folders
are never followed through a symlink (a committed `.cfroutes_cache/check -> ~` would otherwise
have its files pruned), and pruning removes only files named like entries. Writes are atomic (a temporary file in
the same directory, then os.replace); a write that fails (read-only disk) is skipped. Each
kind keeps at most ENTRIES_MAX files (the oldest removed) of at most ENTRY_MAX bytes.
`CFROUTES_NO_CACHE=1` (or check(cache=False)) switches it off; `CFROUTES_CACHE_DIR` moves it.

Only the standard library is imported here: the replay of a `check` must not pay for the
compiler's imports.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import stat
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from cfroutes import __version__, safeio

DIR_NAME = ".cfroutes_cache"
ENV_OFF = "CFROUTES_NO_CACHE"
ENV_DIR = "CFROUTES_CACHE_DIR"
#: the largest entry written or read
ENTRY_MAX = 4 * safeio.MiB
#: entries kept per kind (a write past it removes the oldest)
ENTRIES_MAX = 64
_MAGIC = b"cfroutes-cache 1 "
#: an entry's file name (runcache.key): the only files `_prune` removes
_ENTRY_NAME = re.compile(r"[0-9a-f]{64}\Z")
#: this user's signing secret, once read (b"": none could be read or made: the cache is off)
_secret_bytes: bytes | None = None
#: the cache directory in use (None: off); set by `active`
_dir: str | None = None
#: what the current `recording` has read and listed
_reads: list[list[Any]] | None = None
_dirs: dict[str, list[str]] | None = None


def directory(config_path: str, enabled: bool = True) -> str | None:
    """The cache directory for `config_path`, or None when switched off."""
    if not enabled or os.environ.get(ENV_OFF, "") not in ("", "0"):
        return None
    chosen = os.environ.get(ENV_DIR)  # the user's own choice: followed through symlinks once, here
    return os.path.realpath(chosen) if chosen else os.path.join(os.path.dirname(os.path.abspath(config_path)), DIR_NAME)


def _secret() -> bytes:
    """This user's random signing key (made on first use, 0600); b"" when none can be had."""
    global _secret_bytes
    if _secret_bytes is None:
        home = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        path = os.path.join(home, "cfroutes", "secret")
        try:
            os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as f:
                    f.write(os.urandom(32).hex().encode())
            except FileExistsError:
                pass
            _secret_bytes = safeio.read_bytes(path, 1024, "cache secret", observed=False).strip()
        except (OSError, safeio.UserFileError):
            _secret_bytes = b""
    return _secret_bytes


def _sign(payload: bytes) -> bytes:
    return hmac.new(_secret(), payload, hashlib.sha256).hexdigest().encode()


def _real_dir(path: str) -> bool:
    """A directory that is not a symlink (the cache never follows one)."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


@contextmanager
def active(path: str | None) -> Iterator[None]:
    """Use the cache directory `path` (None: none) for the jinja and esprima entries."""
    global _dir
    before, _dir = _dir, path
    try:
        yield
    finally:
        _dir = before


def enabled() -> bool:
    """Is a cache directory in use (inside `active`)?"""
    return _dir is not None


def key(*parts: object) -> str:
    """An entry's file name: the sha256 of the parts and the cfroutes version."""
    return hashlib.sha256(json.dumps([__version__, *parts], default=str).encode("utf-8")).hexdigest()


def load(kind: str, name: str, where: str | None = None) -> bytes | None:
    """The payload of an entry, or None (missing, another version, corrupt, unreadable)."""
    base = where or _dir
    if base is None or not _secret() or not (_real_dir(base) and _real_dir(os.path.join(base, kind))):
        return None
    try:
        data = safeio.read_bytes(os.path.join(base, kind, name), ENTRY_MAX + 200, "cache entry", observed=False)
    except safeio.UserFileError:
        return None
    head, _, rest = data.partition(b"\n")
    digest, _, payload = rest.partition(b"\n")
    if head != _MAGIC + __version__.encode() or not hmac.compare_digest(_sign(payload), digest):
        return None
    return payload


def store(kind: str, name: str, payload: bytes, where: str | None = None) -> None:
    """Write an entry atomically; never fails the command (a cache that cannot be written is off)."""
    base = where or _dir
    if base is None or len(payload) > ENTRY_MAX or not _secret():
        return
    folder = os.path.join(base, kind)
    try:
        if not os.path.isdir(base):
            os.makedirs(base, exist_ok=True)
            _write(os.path.join(base, ".gitignore"), b"# created by cfroutes\n*\n")
            _write(os.path.join(base, "CACHEDIR.TAG"), b"Signature: 8a477f597d28d172789f06886806bc55\n"
                   b"# This file is a cache directory tag created by cfroutes.\n")
        if not _real_dir(base):  # a symlink: never written through
            return
        if not os.path.lexists(folder):
            os.mkdir(folder)
        if not _real_dir(folder):
            return
        _write(os.path.join(folder, name), _MAGIC + __version__.encode() + b"\n" + _sign(payload) + b"\n" + payload)
        _prune(folder)
    except OSError:
        return


def _write(path: str, data: bytes) -> None:
    import tempfile  # (only on a write: a replay imports no more than it needs)

    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _prune(folder: str) -> None:
    entries = [e for e in os.scandir(folder) if e.is_file(follow_symlinks=False) and _ENTRY_NAME.match(e.name)]
    if len(entries) <= ENTRIES_MAX:
        return
    entries.sort(key=lambda e: e.stat(follow_symlinks=False).st_mtime_ns)
    for e in entries[:len(entries) - ENTRIES_MAX]:
        try:
            os.unlink(e.path)
        except OSError:
            pass


# ------------------------------------------------------------------ what a run read
def package_roots() -> list[str]:
    """The package's folder, and the templates' folder of a source checkout (package-dir map)."""
    roots = [os.path.dirname(os.path.abspath(safeio.__file__))]
    templates = os.path.join(os.path.dirname(roots[0]), "templates")
    return roots + [templates] if os.path.isfile(os.path.join(templates, "router.js.j2")) else roots


def package_digest(roots: list[str] | None = None) -> str:
    """sha256 of the package's own files (code, templates, schemas; an edited checkout counts)."""
    h = hashlib.sha256(sys.version.encode())
    for root in package_roots() if roots is None else roots:
        for here, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(files):
                path = os.path.join(here, name)
                h.update(f"\0{os.path.relpath(path, root)}\0".encode())
                try:
                    with open(path, "rb") as f:
                        h.update(f.read())
                except OSError:
                    h.update(b"\1")
    return h.hexdigest()


def _dir_signature(path: str) -> list[str]:
    """The names in a directory with their kinds (a subdirectory's own routes.yaml included;
    the cache itself left out)."""
    out = []
    try:
        with os.scandir(path) as it:
            for e in it:
                if e.name == DIR_NAME:
                    continue
                if e.is_symlink():
                    kind = "l" + os.path.realpath(e.path)
                elif e.is_dir():
                    kind = "D" if os.path.isfile(os.path.join(e.path, "routes.yaml")) else "d"
                elif e.is_file():
                    kind = "f"
                else:
                    kind = "o"
                out.append(kind + ":" + e.name)
    except OSError as e:
        return ["error:" + type(e).__name__]
    return sorted(out)


def note_dir(path: str) -> None:
    """A directory a recorded run walked (its listing decides what it reads)."""
    if _dirs is not None and path not in _dirs:
        _dirs[path] = _dir_signature(path)


def _observe(path: str, cap: int, head: bool, data: bytes | None) -> None:
    if _reads is not None:
        _reads.append([path, cap, head, None if data is None else hashlib.sha256(data).hexdigest()])


@contextmanager
def recording() -> Iterator[dict[str, Any]]:
    """Record every safeio read and noted directory in the block into the dict yielded."""
    global _reads, _dirs
    out: dict[str, Any] = {}
    _reads, _dirs = [], {}
    safeio.observer = _observe
    try:
        yield out
    finally:
        out["reads"], out["dirs"] = _reads, _dirs
        _reads, _dirs = None, None
        safeio.observer = None


def unchanged(record: dict[str, Any], root: str) -> bool:
    """Does every file and directory of a recorded run read as it did then? A path outside
    `root` (the config's folder, where everything a check reads lives) makes it a miss: an
    entry never makes cfroutes open a file the check itself would not."""
    try:
        paths = [r[0] for r in record["reads"]] + list(record["dirs"])
        if not all(isinstance(p, str) and safeio.is_within(p, root) for p in paths):
            return False
        for path, cap, head, digest in record["reads"]:
            try:
                now: str | None = hashlib.sha256(safeio.read_bytes(path, cap, "file", head=head, observed=False)).hexdigest()
            except safeio.UserFileError:
                now = None
            if now != digest:
                return False
        return all(_dir_signature(p) == sig for p, sig in record["dirs"].items())
    except (KeyError, TypeError, ValueError):  # an entry of another shape
        return False
