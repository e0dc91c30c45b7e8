"""Diagnostics, exit codes and the exceptions that carry them to the CLI."""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import NamedTuple

from cfroutes.safeio import YAML_MAX, UserFileError, escape_terminal, excerpt, read_text


class ExitCode(enum.IntEnum):
    #: everything passed
    OK = 0
    #: a check, lint or test failed
    FAILED = 1
    #: the input (config, test cases, event, function file) is invalid
    INVALID_INPUT = 2
    #: a bug in cfroutes itself
    INTERNAL = 3


class Span(NamedTuple):
    """A position in a source file; line and col are 1-based."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


NOWHERE = Span("<config>", 1, 1)


@dataclass(frozen=True)
class Diagnostic:
    span: Span
    message: str
    severity: str = "error"  # "error" | "warning"
    hint: str | None = None

    def concise(self) -> str:
        return f"{self.span}: {self.severity}: {self.message}"

    def render(self, sources: dict[str, str] | None = None) -> str:
        """`FILE:LINE:COL: error: message`, then the source line with a caret and a hint.

        Everything is escaped for the terminal, and the excerpt is the offending line only,
        cut to `safeio.EXCERPT_MAX` characters around the column."""
        lines = [escape_terminal(self.concise())]
        text = (sources or {}).get(self.span.file)
        src_lines = text.splitlines() if text is not None else _lines(self.span.file)
        if src_lines is not None:
            if 1 <= self.span.line <= len(src_lines):
                src, caret = excerpt(src_lines[self.span.line - 1], self.span.col)
                gutter = str(self.span.line)
                lines.append(f" {gutter} | {src}")
                lines.append(f" {' ' * len(gutter)} | {' ' * (caret - 1)}^")
        if self.hint:
            lines.append(f"  help: {escape_terminal(self.hint)}")
        return "\n".join(lines)


_cache: dict[str, list[str] | None] = {}


def _lines(path: str) -> list[str] | None:
    """The lines of a source file, read once per process (only a regular file, within the cap)."""
    if path not in _cache:
        try:
            _cache[path] = read_text(path, YAML_MAX).splitlines()
        except UserFileError:
            _cache[path] = None
    return _cache[path]


def remember_source(name: str, text: str) -> None:
    """Excerpts for diagnostics whose file is not on disk under `name` (e.g. `REF:routes.yaml`)."""
    _cache[name] = text.splitlines()


def render_all(diags: list[Diagnostic], limit: int = 50) -> str:
    """Render diagnostics in document order, capped with '... and K more'."""
    diags = sorted(diags, key=lambda d: d.span)
    shown = [d.render() for d in diags[:limit]]
    if len(diags) > limit:
        shown.append(f"... and {len(diags) - limit} more")
    return "\n".join(shown)


@dataclass
class InputError(Exception):
    """The input is invalid; carries every diagnostic found (exit code 2)."""

    diagnostics: list[Diagnostic] = field(default_factory=list)

    def __str__(self) -> str:
        return render_all(self.diagnostics)


@dataclass
class CheckFailed(Exception):
    """A check on valid input failed (exit code 1)."""

    diagnostics: list[Diagnostic] = field(default_factory=list)

    def __str__(self) -> str:
        return render_all(self.diagnostics)
