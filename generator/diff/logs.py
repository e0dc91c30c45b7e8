"""CloudFront standard access logs (W3C extended format, tab-separated, plain or gzip).

The `#Fields:` line names the columns (legacy logs have 33 of them; v2 logs may select
fewer, in another order), so fields are read by name. What becomes a request:
`cs-method`, the host from `x-host-header` (the Host the viewer sent; `cs(Host)` is
the distribution's domain and is the fallback), `cs-uri-stem`, `cs-uri-query` and
`cs(Cookie)` (only when cookie logging is on). `-` means empty. CloudFront logs the
URI percent-encoded; it is used as it stands, which is the form a function sees.
`sc-status` is kept for viewer-response replays (the origin's status is not logged:
the status the viewer got is the best estimate).
"""
from __future__ import annotations

import gzip
import io
import urllib.parse
from dataclasses import dataclass
from typing import Iterator

from ..errors import Diagnostic, InputError, Span

MAX_LINE = 64 * 1024
MAX_ERRORS_SHOWN = 20


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


def _dash(v: str) -> str:
    return "" if v == "-" else v


def _open_text(path: str) -> io.TextIOBase:
    try:
        raw = open(path, "rb")  # noqa: SIM115 - closed by the wrapper
    except OSError as exc:
        raise InputError([Diagnostic(Span(path, 1, 1), f"cannot read log file: {exc.strerror or exc}")]) from None
    head = raw.peek(2)[:2] if hasattr(raw, "peek") else b""
    stream = gzip.GzipFile(fileobj=raw) if head == b"\x1f\x8b" else raw
    return io.TextIOWrapper(stream, encoding="utf-8", errors="replace", newline="\n")


def read(path: str, bad: list[BadLine]) -> Iterator[LogRequest]:
    """The requests of one log file; unreadable lines are appended to `bad` and skipped."""
    fields: list[str] | None = None
    with _open_text(path) as f:
        try:
            for n, text in enumerate(f, 1):
                text = text.rstrip("\r\n")
                if not text:
                    continue
                if len(text) > MAX_LINE:
                    bad.append(BadLine(path, n, f"longer than {MAX_LINE} characters"))
                    continue
                if text.startswith("#"):
                    if text.startswith("#Fields:"):
                        fields = text[len("#Fields:"):].split()
                    continue
                if fields is None:
                    bad.append(BadLine(path, n, "no #Fields: line before the first entry"))
                    continue
                cols = text.split("\t")
                if len(cols) != len(fields):
                    bad.append(BadLine(path, n, f"{len(cols)} fields, the #Fields: line names {len(fields)}"))
                    continue
                row = dict(zip(fields, cols))
                req = _request(path, n, row)
                if isinstance(req, str):
                    bad.append(BadLine(path, n, req))
                else:
                    yield req
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            bad.append(BadLine(path, 0, f"the file is truncated or not valid gzip ({exc})"))


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
