"""Escaping data for the terminal: every message that shows user data goes through here.

`escape_terminal` for one line, `escape_lines` for several, `excerpt` for a source line under a
diagnostic, `EscapingWriter` for a stream that only ever shows escaped text.
"""
from __future__ import annotations

import re
from typing import TextIO

#: characters of a source line shown under a diagnostic
EXCERPT_MAX = 160

# C0 controls (TAB and LF included), DEL, C1 controls, the Unicode line/paragraph separators and
# the bidirectional formatting characters that reorder what a terminal shows.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\x1b": "\\x1b"}


def _esc(m: re.Match[str]) -> str:
    c = m.group(0)
    return _NAMED.get(c) or (f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}")


def escape_terminal(text: str) -> str:
    """`text` with every control character shown as an escape (`\\x1b`, `\\n`, `\\u202e`), so
    data cannot move the cursor, recolour, retitle or reorder a terminal. One line in, one out."""
    return _UNSAFE.sub(_esc, text) if _UNSAFE.search(text) else text


def escape_lines(text: str) -> str:
    """`escape_terminal` on each line of `text`, keeping its line breaks."""
    return "\n".join(escape_terminal(line) for line in text.split("\n"))


def excerpt(line: str, col: int, width: int = EXCERPT_MAX) -> tuple[str, int]:
    """A source line cut to about `width` characters around column `col`, escaped for the
    terminal; returns the text and the caret's column in it (1-based)."""
    start = 0
    if len(line) > width:
        start = max(0, min(col - 1 - width // 2, len(line) - width))
    cut = line[start:start + width]
    prefix = escape_terminal(cut[:max(col - 1 - start, 0)])
    text = escape_terminal(cut)
    if start > 0:
        text, prefix = "…" + text, "…" + prefix
    if start + width < len(line):
        text += "…"
    return text, len(prefix) + 1


class EscapingWriter:
    """A text stream wrapper that escapes control characters in each line written."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        return self._stream.write(escape_lines(text))

    def flush(self) -> None:
        self._stream.flush()
