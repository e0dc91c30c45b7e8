"""Colour on a terminal: the one place that decides whether to colour, and how.

The decision follows the conventions of https://no-color.org and https://force-color.org:
`NO_COLOR` (set and not empty) turns colour off; otherwise `FORCE_COLOR` (set and not empty,
and not `0`) turns it on; otherwise a stream is coloured only when it is a terminal (never a
pipe or a file, so CI logs and `| less` get plain text). `TERM=dumb` is a terminal without
colour. Colour is applied after escaping: the escape codes here are the only ones that reach
the terminal.
"""
from __future__ import annotations

import os
from typing import Literal, TextIO

Colour = Literal["red", "green", "yellow", "cyan", "dim"]
_CODES: dict[str, str] = {"red": "31", "green": "32", "yellow": "33", "cyan": "36", "dim": "2"}


def wanted(stream: TextIO | object) -> bool:
    """Whether output written to `stream` should be coloured."""
    if os.environ.get("NO_COLOR"):
        return False
    force = os.environ.get("FORCE_COLOR")
    if force:
        return force != "0"
    if os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except (ValueError, OSError):  # a closed stream
        return False


def paint(text: str, colour: Colour, on: bool, *, bold: bool = False) -> str:
    """`text` in `colour` when `on` (see `wanted`), else unchanged."""
    if not on or not text:
        return text
    code = _CODES[colour] + (";1" if bold else "")
    return f"\x1b[{code}m{text}\x1b[0m"


def diff_line(line: str, on: bool) -> str:
    """A line of a unified-style diff: `-` red, `+` green, `@@`/headers cyan."""
    if not on:
        return line
    stripped = line.lstrip()
    if stripped.startswith(("---", "+++", "@@")):
        return paint(line, "cyan", on)
    if stripped.startswith("-"):
        return paint(line, "red", on)
    if stripped.startswith("+"):
        return paint(line, "green", on)
    return line
