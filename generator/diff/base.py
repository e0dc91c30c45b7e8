"""The config as of a git revision, materialised in a temporary directory.

Only what a build reads is taken from the revision: the YAML and JSON files under the
config's directory (the config itself and its seed files, which must lie in that tree),
read with `git ls-tree` and `git cat-file --batch`, never by checking anything out.
"""
from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cfroutes.codes import Code
from cfroutes.errors import Diagnostic, InputError, Span

SUFFIXES = (".yaml", ".yml", ".json")
MAX_FILES = 20_000
MAX_BYTES = 64 * 1024 * 1024
#: characters of a `--base` revision (git's ref names are file paths: 4,096 is more than any system takes)
REF_MAX = 4096


def _fail(path: str, message: str, hint: str | None = None) -> InputError:
    return InputError([Diagnostic(Span(path, 1, 1), message, hint=hint, code=Code.ARGUMENT)])


def _shown(ref: str) -> str:
    """`ref` quoted for a message, cut to 60 characters (a huge argument is not echoed whole)."""
    return repr(ref) if len(ref) <= 60 else repr(ref[:60]) + "…"


def _git(cwd: str, *args: str, data: bytes | None = None, config: str = "") -> bytes:
    where = config or cwd
    try:
        done = subprocess.run(["git", *args], cwd=cwd, input=data, capture_output=True, timeout=120, check=False)
    except FileNotFoundError:
        raise _fail(where, "git is not installed (needed by `cfroutes diff --base`)") from None
    except subprocess.TimeoutExpired:
        raise _fail(where, f"`git {' '.join(args)}` did not answer within 120 s") from None
    if done.returncode != 0:
        msg = done.stderr.decode("utf-8", "replace").strip().splitlines()
        text = msg[-1] if msg else "exit " + str(done.returncode)
        if "not a git repository" in text:
            raise _fail(where, "the config is not inside a git repository: `--base` needs one",
                        hint="run `cfroutes diff` from a git checkout, or use `git init` and commit the config first")
        raise _fail(where, f"git {args[0]} failed: {text}")
    return done.stdout


@contextmanager
def checkout_config(config: str, ref: str) -> Iterator[str]:
    """Yield the path of `config` as it was at `ref`, inside a temporary tree (removed after)."""
    cfg = Path(config).resolve()
    folder = str(cfg.parent)
    if len(ref) > REF_MAX:
        raise _fail(config, f"--base {_shown(ref)} is {len(ref):,} characters; a revision name is at most "
                            f"{REF_MAX:,}", hint="give a branch, a tag or a commit, e.g. `--base origin/main`")
    if ref.startswith("-"):
        raise _fail(config, f"invalid --base {_shown(ref)}")
    top = Path(_git(folder, "rev-parse", "--show-toplevel", config=config).decode().strip())
    rel_dir = os.path.relpath(cfg.parent, top)
    rel_cfg = os.path.relpath(cfg, top)
    try:
        _git(folder, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except InputError:
        raise _fail(config, f"--base {_shown(ref)} is not a commit of this repository",
                    hint="give a branch, a tag or a commit, e.g. `--base origin/main` or `--base HEAD~1`") from None
    listing = _git(str(top), "ls-tree", "-r", "-l", "-z", ref, "--", "." if rel_dir == "." else rel_dir)
    wanted: list[tuple[str, str]] = []
    total = 0
    for entry in listing.split(b"\0"):
        if not entry:
            continue
        meta, _, name = entry.partition(b"\t")
        mode, kind, sha, size = meta.split()
        path = name.decode("utf-8", "surrogateescape")
        if kind != b"blob" or mode == b"120000" or not path.endswith(SUFFIXES):
            continue  # links are not followed: a seed must be a file of the tree
        total += int(size)
        wanted.append((sha.decode(), path))
    if len(wanted) > MAX_FILES or total > MAX_BYTES:
        raise _fail(config, f"the config's directory at {ref} holds {len(wanted):,} YAML/JSON files "
                            f"({total:,} bytes), more than `diff` reads ({MAX_FILES:,} files, {MAX_BYTES:,} bytes)",
                    hint="keep routes.yaml and its seeds in a directory of their own")
    if rel_cfg not in {p for _, p in wanted}:
        raise _fail(config, f"{rel_cfg} does not exist at {ref}")
    blobs = _git(str(top), "cat-file", "--batch", data="".join(f"{sha}\n" for sha, _ in wanted).encode())
    with tempfile.TemporaryDirectory(prefix="cfroutes-base-") as tmp:
        pos = 0
        for _sha, path in wanted:
            header_end = blobs.index(b"\n", pos)
            _, _, size = blobs[pos:header_end].split()
            start = header_end + 1
            body = blobs[start:start + int(size)]
            pos = start + int(size) + 1
            dest = Path(tmp, path)
            if not dest.resolve().is_relative_to(Path(tmp).resolve()):
                continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(body)
        yield str(Path(tmp, rel_cfg))
