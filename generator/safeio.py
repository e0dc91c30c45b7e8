"""Reading user files safely (terminal escaping is in terminal.py).

Every file cfroutes reads on a user's behalf (the config, seed files, case files,
`--current`, `--event`, `--kvs`, the function file of `emulate`, files under dist/ in
`build --check`, the inputs of `import`) goes through `read_bytes`/`read_text`: the file is opened without
blocking (a FIFO cannot hang us), checked with fstat on the opened descriptor (no
stat/open race) to be a regular file no larger than a cap, and read up to cap+1 bytes
(files whose size fstat does not know, such as /proc files, still stop at the cap).
The caps are listed in the README's "Limits and bounds".
"""
from __future__ import annotations

import os
import stat
from collections.abc import Callable

MiB = 1 << 20
#: routes.yaml, seed files and `*.cases.yaml` files
YAML_MAX = 8 * MiB
#: `kvs plan --current` and `emulate --kvs` (a store is at most 5 MB of keys and values)
STORE_MAX = 16 * MiB
#: `emulate --event` (a CloudFront event is a few KB; TestFunction's own limit is
#: platform.limits.TEST_FUNCTION_EVENT_MAX)
EVENT_FILE_MAX = 1 * MiB
#: the function file of `emulate` (CloudFront's limit is 10 KB; a --pretty build is larger)
FUNCTION_MAX = 1 * MiB
#: each input of `cfroutes import` (_redirects, netlify.toml, vercel.json, Amplify JSON, CSV)
IMPORT_MAX = 8 * MiB


#: called with (path, cap, head, bytes read or None on a UserFileError) for every read while
#: `cfroutes check` records its inputs for its result cache (runcache.py); None otherwise
observer: Callable[[str, int, bool, bytes | None], None] | None = None


class UserFileError(Exception):
    """A user file that cannot or must not be read; `message` names the file and the reason."""

    def __init__(self, path: str, message: str, line: int = 1, col: int = 1) -> None:
        super().__init__(message)
        self.path, self.message, self.line, self.col = path, message, line, col


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def read_bytes(path: str, cap: int, what: str = "file", *, head: bool = False, observed: bool = True) -> bytes:
    """The bytes of the regular file `path` (symlinks followed), at most `cap` of them.

    Raises UserFileError for a missing file, anything that is not a regular file
    (directory, FIFO, device, socket, a symlink to one) and a file over `cap`; with
    `head`, a longer file is not an error: its first `cap` bytes are returned. With
    `observed=False` the read is not reported to `observer` (the result cache's own files).
    """
    if observer is None or not observed:
        return _read_bytes(path, cap, what, head)
    try:
        data = _read_bytes(path, cap, what, head)
    except UserFileError:
        observer(path, cap, head, None)
        raise
    observer(path, cap, head, data)
    return data


def _read_bytes(path: str, cap: int, what: str, head: bool) -> bytes:
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise UserFileError(path, f"{what} not found: {path}") from None
    except OSError as e:
        raise UserFileError(path, f"cannot read {what} {path}: {e.strerror}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise UserFileError(path, f"{what} {path} is {_kind(st.st_mode)}, not a regular file")
        if st.st_size > cap and not head:
            raise UserFileError(path, f"{what} {path} is {st.st_size:,} bytes; the limit is {cap:,}")
        chunks: list[bytes] = []
        left = cap if head else cap + 1
        while left > 0:
            try:
                chunk = os.read(fd, min(left, MiB))
            except BlockingIOError:  # pragma: no cover - regular files do not block
                continue
            except OSError as e:
                raise UserFileError(path, f"cannot read {what} {path}: {e.strerror}") from None
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
        if len(data) > cap:
            raise UserFileError(path, f"{what} {path} is more than {cap:,} bytes; the limit is {cap:,}")
        return data
    finally:
        os.close(fd)


def decode(data: bytes, path: str, what: str = "file") -> str:
    """UTF-8 text, or a UserFileError positioned at the first invalid byte."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        before = data[:e.start]
        line = before.count(b"\n") + 1
        col = len(before[before.rfind(b"\n") + 1:].decode("utf-8", "replace")) + 1
        raise UserFileError(path, f"{what} is not UTF-8 text: {e.reason} (byte 0x{data[e.start]:02x})",
                            line, col) from None


def read_text(path: str, cap: int, what: str = "file") -> str:
    """`read_bytes` then UTF-8 decoding (a leading BOM is kept: YAML and JSON say what it means)."""
    return decode(read_bytes(path, cap, what), path, what)


def read_head(path: str, size: int) -> str | None:
    """The first `size` bytes of a regular file as text (a cut character dropped), or None
    when it cannot be read safely: for cheap sniffing (a case file's `config:`)."""
    try:
        return read_bytes(path, size, head=True).decode("utf-8", "ignore")
    except UserFileError:
        return None


def is_within(path: str, root: str) -> bool:
    """True when `path`, with every symlink resolved, is `root` or inside it (also resolved)."""
    real, top = os.path.realpath(path), os.path.realpath(root)
    return real == top or real.startswith(top.rstrip(os.sep) + os.sep)
