"""Diagnostics, exit codes and the exceptions that carry them to the CLI."""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import NamedTuple

from cfroutes.codes import Code
from cfroutes.colour import paint
from cfroutes.safeio import YAML_MAX, UserFileError, read_text
from cfroutes.terminal import escape_terminal, excerpt


class ExitCode(enum.IntEnum):
    #: everything passed
    OK = 0
    #: a check, lint or test failed
    FAILED = 1
    #: the input (config, test cases, event, function file) is invalid
    INVALID_INPUT = 2
    #: a bug in cfroutes itself
    INTERNAL = 3
    #: stopped with Ctrl-C (128 + SIGINT, as a shell reports it)
    INTERRUPTED = 130


class Span(NamedTuple):
    """A position in a source file; line and col are 1-based."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


class Severity(str, enum.Enum):
    """How bad a diagnostic is: an error fails the command, a warning only with --strict."""

    ERROR = "error"
    WARNING = "warning"

    def __str__(self) -> str:
        return self.value


class End(NamedTuple):
    """Where a span ends: the line and the 1-based column just after its last character."""

    line: int
    col: int


@dataclass(frozen=True)
class Diagnostic:
    """A positioned message: `span` is where it starts, `end` (optional) where it stops.

    `code` is a stable name of the rule (see codes.py); None reads as `Code.UNCODED`."""

    span: Span
    message: str
    severity: Severity = Severity.ERROR
    hint: str | None = None
    code: Code | None = None
    end: End | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.severity, Severity):  # "warning" from code written before the enum
            object.__setattr__(self, "severity", Severity(self.severity))
        if self.end is not None and (self.end.line, self.end.col) <= (self.span.line, self.span.col):
            object.__setattr__(self, "end", None)  # an empty or reversed range: a point

    @property
    def rule(self) -> Code:
        """The code, `CFR000` when none was given."""
        return self.code or Code.UNCODED

    def concise(self) -> str:
        """`FILE:LINE:COL: error: message` (what tests and the pytest plugin match on)."""
        return f"{self.span}: {self.severity.value}: {self.message}"

    def headline(self) -> str:
        """The first line shown: `concise()` plus the code, `  [CFR101]` (mypy's shape; no
        suffix when uncoded)."""
        return self.concise() + (f"  [{self.code.value}]" if self.code else "")

    def render(self, sources: dict[str, str] | None = None, *, colour: bool = False) -> str:
        """`headline()`, then the source line with the range
        underlined (`^^^^`, one `^` for a point) and a hint.

        Everything is escaped for the terminal, and the excerpt is the offending line only,
        cut to `terminal.EXCERPT_MAX` characters around the column; `colour` paints the first line
        and the carets (see colour.py: decided once per stream by the caller)."""
        head = escape_terminal(self.headline())
        lines = [paint(head, "red" if self.severity is Severity.ERROR else "yellow", colour, bold=True)]
        text = (sources or {}).get(self.span.file)
        src_lines = text.splitlines() if text is not None else _lines(self.span.file)
        if src_lines is not None:
            if 1 <= self.span.line <= len(src_lines):
                line = src_lines[self.span.line - 1]
                src, caret = excerpt(line, self.span.col)
                gutter = str(self.span.line)
                width = self._width(line, len(src) - caret + 1)
                lines.append(f" {gutter} | {src}")
                lines.append(f" {' ' * len(gutter)} | {' ' * (caret - 1)}" + paint("^" * width, "red", colour))
        if self.hint:
            lines.append(f"  help: {escape_terminal(self.hint)}")
        return "\n".join(lines)

    def _width(self, line: str, room: int) -> int:
        """Carets under the range on its first line (to the line's end when it goes on)."""
        if self.end is None:
            return 1
        stop = self.end.col - 1 if self.end.line == self.span.line else len(line.rstrip())
        shown = escape_terminal(line[self.span.col - 1:stop])
        return max(1, min(len(shown), room))


_cache: dict[str, list[str] | None] = {}


def file_diagnostic(exc: UserFileError) -> Diagnostic:
    """The diagnostic of a user file that cannot or must not be read (safeio's refusal)."""
    return Diagnostic(Span(exc.path, exc.line, exc.col), exc.message, code=Code.FILE_UNREADABLE)


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


def render_all(diags: list[Diagnostic], limit: int = 50, *, colour: bool = False) -> str:
    """Render diagnostics in document order, capped with '... and K more'."""
    diags = sorted(diags, key=lambda d: d.span)
    shown = [d.render(colour=colour) for d in diags[:limit]]
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
