"""CloudFront standard access logs (W3C extended format, tab-separated, plain or gzip).

The `#Fields:` line names the columns (legacy logs have 33 of them; v2 logs may select
fewer, in another order), so fields are read by name. What becomes a request:
`cs-method`, the host from `x-host-header` (the Host the viewer sent; `cs(Host)` is
the distribution's domain and is the fallback), `cs-uri-stem`, `cs-uri-query` and
`cs(Cookie)` (only when cookie logging is on). `-` means empty. CloudFront logs the
URI percent-encoded; it is used as it stands, which is the form a function sees.
`sc-status` is kept for viewer-response replays (the origin's status is not logged:
the status the viewer got is the best estimate). Unreadable lines are skipped and
counted (`BadLines` keeps the first examples only); a file with more than
`MAX_BAD_LINES` of them is refused, so a small gzip of bad lines ends quickly.
"""
from __future__ import annotations

import gzip
import io
import os
import stat
import sys
import urllib.parse
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cfroutes.errors import Diagnostic, InputError, Span

MAX_LINE = 64 * 1024
MAX_ERRORS_SHOWN = 20
#: unreadable lines one log file may have before it is refused
MAX_BAD_LINES = 100_000


@dataclass(frozen=True)
class LogRequest:
    file: str
    line: int
    method: str
    host: str
    uri: str
    query: str          # raw, without "?"; "" when none
    cookie: str | None  # the Cookie header as logged, None when not logged
    status: int | None  # sc-status

    @property
    def request_line(self) -> str:
        return f"{self.method} https://{self.host}{self.uri}" + (f"?{self.query}" if self.query else "")


@dataclass(frozen=True)
class BadLine:
    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: warning: skipped log line: {self.reason}"


class BadLines:
    """The log lines (and requests) that could not be replayed: the first `keep` are kept as the
    examples shown, the rest only counted, so a log of millions of bad lines (a small gzip of
    short lines decompresses to many) stays in bounded memory. `len()` is the total count;
    slicing and iteration give the examples kept."""

    def __init__(self, keep: int = MAX_ERRORS_SHOWN) -> None:
        self.examples: list[BadLine] = []
        self.count = 0
        self._keep = keep

    def append(self, bad: BadLine) -> None:
        self.count += 1
        if len(self.examples) < self._keep:
            self.examples.append(bad)

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[BadLine]:
        return iter(self.examples)

    def __getitem__(self, index: slice) -> list[BadLine]:
        return self.examples[index]


def _dash(v: str) -> str:
    return "" if v == "-" else v


REQUIRED = ("cs-uri-stem",)
HOSTS = ("x-host-header", "cs(Host)")


def _fail(path: str, line: int, message: str, hint: str | None = None) -> InputError:
    return InputError([Diagnostic(Span(path, line, 1), message, hint=hint)])


def _open_binary(path: str) -> io.BufferedReader:
    if path == "-":  # `zcat *.gz | cfroutes diff --log -`
        return io.BufferedReader(io.FileIO(os.dup(sys.stdin.fileno()), "rb"))
    try:
        st = os.stat(path)
    except OSError as exc:
        raise _fail(path, 1, f"cannot read log file: {exc.strerror or exc}") from None
    if not stat.S_ISREG(st.st_mode):
        raise _fail(path, 1, "log file is not a regular file", hint="give a file, or `--log -` to read standard input")
    try:
        return open(path, "rb")  # noqa: SIM115 - closed by the caller
    except OSError as exc:
        raise _fail(path, 1, f"cannot read log file: {exc.strerror or exc}") from None


def read(path: str, bad: BadLines) -> Iterator[LogRequest]:
    """The requests of one log file (`-`: standard input); unreadable lines are appended to
    `bad` and skipped. A file that is not valid gzip, whose `#Fields:` line lacks the columns
    a request needs, or that yields no request at all is bad input (InputError, exit 2)."""
    shown = "<stdin>" if path == "-" else path
    raw = _open_binary(path)
    head = raw.peek(2)[:2]
    stream: Any = gzip.GzipFile(fileobj=raw) if head == b"\x1f\x8b" else raw
    fields: list[str] | None = None
    yielded = skipped = 0
    n = 0
    try:
        while True:
            try:
                chunk = stream.readline(MAX_LINE + 1)
            except (OSError, EOFError, gzip.BadGzipFile, zlib.error) as exc:
                raise _fail(shown, max(n, 1), f"the file is truncated or not valid gzip ({exc})") from None
            if not chunk:
                break
            n += 1
            if len(chunk) > MAX_LINE and not chunk.endswith(b"\n"):
                skipped = _skip(bad, BadLine(shown, n, f"longer than {MAX_LINE:,} bytes"), skipped)
                while chunk and not chunk.endswith(b"\n"):  # skip the rest of the line, bounded reads
                    chunk = stream.readline(MAX_LINE + 1)
                continue
            text = chunk.decode("utf-8", "replace").rstrip("\r\n")
            if n == 1:
                text = text.lstrip("\ufeff")
            if not text:
                continue
            if text.startswith("#"):
                if text.startswith("#Fields:"):
                    fields = text[len("#Fields:"):].split()
                    missing = [c for c in REQUIRED if c not in fields]
                    if missing or not any(h in fields for h in HOSTS):
                        need = missing + ([] if any(h in fields for h in HOSTS) else ["x-host-header or cs(Host)"])
                        raise _fail(shown, n, f"the #Fields: line lacks {', '.join(need)}",
                                    hint="a request needs its path and its host; CloudFront standard logs have both")
                continue
            if fields is None:
                skipped = _skip(bad, BadLine(shown, n, "no #Fields: line before the first entry"), skipped)
                continue
            cols = text.split("\t")
            if len(cols) != len(fields):
                skipped = _skip(bad, BadLine(shown, n, f"{len(cols)} fields, the #Fields: line names {len(fields)}"),
                                skipped)
                continue
            req = _request(shown, n, dict(zip(fields, cols, strict=True)))
            if isinstance(req, str):
                skipped = _skip(bad, BadLine(shown, n, req), skipped)
            else:
                yielded += 1
                yield req
    finally:
        raw.close()
    if not yielded and skipped:
        raise _fail(shown, 1, f"no request could be read from this log ({skipped:,} line(s) skipped)",
                    hint="is it a CloudFront standard access log (tab-separated, with a #Fields: line)?")


def _skip(bad: BadLines, line: BadLine, skipped: int) -> int:
    """Record an unreadable line; past `MAX_BAD_LINES` in one file the file is bad input (a log of
    nothing but bad lines, or a small gzip that decompresses to millions of them, ends here)."""
    bad.append(line)
    if skipped + 1 > MAX_BAD_LINES:
        raise _fail(line.file, line.line, f"more than {MAX_BAD_LINES:,} unreadable lines in this log",
                    hint="is it a CloudFront standard access log (tab-separated, with a #Fields: line)?")
    return skipped + 1


def _request(path: str, n: int, row: dict[str, str]) -> LogRequest | str:
    method = _dash(row.get("cs-method", "GET")) or "GET"
    if not method.isalpha() or not method.isupper():
        return f"invalid method {method!r}"
    host = _dash(row.get("x-host-header", "")) or _dash(row.get("cs(Host)", ""))
    if not host or any(c in host for c in " /?#@\\"):
        return f"invalid host {host!r}"
    uri = row.get("cs-uri-stem", "")
    if not uri.startswith("/") or any(ord(c) < 0x21 or ord(c) == 0x7f for c in uri):
        return f"invalid cs-uri-stem {uri!r}"
    query = _dash(row.get("cs-uri-query", "-"))
    if any(ord(c) < 0x21 or c == "#" for c in query):
        return f"invalid cs-uri-query {query!r}"
    cookie_field = row.get("cs(Cookie)")
    cookie = None if cookie_field in (None, "-") else urllib.parse.unquote(cookie_field)
    status_text = row.get("sc-status", "-")
    status = int(status_text) if status_text.isdigit() else None
    return LogRequest(path, n, method, host.lower(), uri, query, cookie, status)
