"""Files that exist (SPEC §7, docs/semantics.md §2.1): a function's `files:` and the route
condition `file: exists | missing`.

`files: PATH` names the site's publish folder (every regular file below it, symlinks that leave
it skipped) or a text file with one URI path per line (`#` comments and blank lines skipped).
PATH is relative to routes.yaml and must stay inside the config's directory, like a seed file;
a list file is read through the one bounded reader (`safeio`). The set the condition tests is
built here, once, in the normal form of platform/uri.py: every file's path, and for every
`DIR/index.html` also `DIR/` and `DIR` (`/` for the root's `index.html`).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from cfroutes.codes import Code
from cfroutes.errors import Span
from cfroutes.platform.limits import CONTROL_RE
from cfroutes.platform.uri import normal_path
from cfroutes.runcache import note_dir
from cfroutes.safeio import UserFileError, is_within, read_text

#: the most paths a `files:` set may hold (a folder walk stops with an error past it)
FILES_MAX = 100_000
#: a list file's size cap
FILES_LIST_MAX = 8 * 1024 * 1024
#: the index document whose folder counts as existing
INDEX = "index.html"
#: up to this many bytes of paths the set is written into the function (a hash set); above it
#: the set lives in the function's KVS (versioned keys beside spilled routes, compiler/plan.py)
INLINE_BYTES_MAX = 4096
CONDITION = ("exists", "missing")
#: the longest path (UTF-8 bytes, normal form) a set may hold: a KVS key (512 bytes) holds it with
#: the spill prefix and its version (13 bytes) and the file mark
FILE_PATH_MAX = 480


@dataclass(frozen=True)
class Files:
    source: str  # as written in routes.yaml
    span: Span
    paths: frozenset[str]  # the set the condition tests, normal form

    def exists(self, uri: str) -> bool:
        """Does `file: exists` hold for a request whose `uri` is this?"""
        return normal_path(uri) in self.paths


def expand(paths: list[str]) -> frozenset[str]:
    """The tested set: each path in the normal form, plus the folder forms of each index file."""
    out: set[str] = set()
    for p in paths:
        n = normal_path(p)
        out.add(n)
        if n == "/" + INDEX:
            out.add("/")
        elif n.endswith("/" + INDEX):
            d = n[: -len(INDEX)]
            out.update((d, d[:-1]))
    return frozenset(out)


def _walk(root: str) -> tuple[list[str], str | None]:
    """URI paths of the regular files below `root`; an error text past FILES_MAX."""
    found: list[str] = []
    for here, dirs, names in os.walk(root, followlinks=False):
        note_dir(here)
        dirs.sort()
        dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(here, d))]
        for name in sorted(names):
            full = os.path.join(here, name)
            if not os.path.isfile(full) or not is_within(full, root):
                continue  # a symlink out of the folder, a FIFO, a device: not a file the site serves
            rel = os.path.relpath(full, root).replace(os.sep, "/")
            try:
                rel.encode("utf-8")
            except UnicodeEncodeError:
                continue  # a name that is not UTF-8 has no URI path
            found.append("/" + rel)
            if len(found) > FILES_MAX:
                return found, f"more than {FILES_MAX:,} files below it"
    return found, None


def _list(v: Any, full: str, shown: str) -> list[str]:
    try:
        text = read_text(full, FILES_LIST_MAX, "files list")
    except UserFileError as e:
        v.err(Span(shown, 1, 1), str(e), code=Code.FILE_UNREADABLE)
        return []
    out: list[str] = []
    for i, line in enumerate(text.splitlines(), 1):
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        if not s.startswith("/") or " " in s or CONTROL_RE.search(s) or "?" in s or "#" in s:
            v.err(Span(shown, i, 1), f"not a URI path: {s[:80]!r} (one path per line, starting with '/')",
                  code=Code.FILES)
            continue
        out.append(s)
        if len(out) > FILES_MAX:
            v.err(Span(shown, i, 1), f"more than {FILES_MAX:,} paths", code=Code.FILES)
            break
    return out


def load_files(v: Any, node: Any, cfg_path: str, digest: Any) -> Files | None:
    """`files:` of a function (a Validator `v`, the value's Node)."""
    src = v.string(node, "files")
    if src is None:
        return None
    root_dir = os.path.dirname(cfg_path) or "."
    full = os.path.join(root_dir, src)
    if not is_within(full, root_dir):
        v.err(node, f"files: {src} is outside the config's directory {os.path.abspath(root_dir)} (symlinks "
              "resolved)", hint="point files: at the publish folder or a list below routes.yaml's folder",
              code=Code.FILES)
        return None
    note_dir(full)  # (check's result cache: the folder, or that it is none, decides the set)
    if os.path.isdir(full):
        paths, problem = _walk(full)
        if problem:
            v.err(node, f"files: {src}: {problem}", code=Code.FILES)
            return None
    elif os.path.lexists(full):
        paths = _list(v, full, os.path.join(os.path.dirname(cfg_path), src))
    else:
        v.err(node, f"files: not found: {src} (looked at {full})", code=Code.FILES)
        return None
    digest.update(b"\0files\0" + "\n".join(sorted(paths)).encode("utf-8"))
    return Files(src, node.span, expand(paths))


def inline_bytes(files: Files) -> int:
    return sum(len(p) + 3 for p in files.paths)
