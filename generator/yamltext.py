"""Text cfroutes writes into YAML it generates (`cfroutes import`): one escaping helper for comments and strings.

A YAML stream may hold only printable characters (YAML 1.1 §5.1: no C0 but TAB/LF/CR, no DEL,
no C1 but NEL, no surrogates, no U+FFFE/U+FFFF), and a line break (LF, CR, NEL, U+2028,
U+2029) ends a comment. Data from a user's file (a rule, a file name) therefore never goes
into generated YAML raw: `comment` makes it one comment line, `string` a double-quoted scalar
that YAML reads back as the same text. Both also escape what would reorder or hide text on
a terminal (bidirectional controls, BOM), like `terminal.escape_terminal`.
"""
from __future__ import annotations

import re

# C0 (TAB, LF, CR included), DEL, C1 (NEL included), the line/paragraph separators, the
# bidirectional formatting characters, surrogates, the BOM and the non-characters U+FFFE/U+FFFF
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
                     "\ud800-\udfff\ufeff\ufffe\uffff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _esc(m: re.Match[str]) -> str:
    c = m.group(0)
    return _NAMED.get(c) or (f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}")


def comment(text: str) -> str:
    """`text` as the body of one YAML comment line: every unsafe character shown as an escape
    (`\\n`, `\\x1b`, `\\u202e`), so nothing can end the comment or make the stream unreadable."""
    return _UNSAFE.sub(_esc, text)


def string(text: str) -> str:
    """`text` as a YAML double-quoted scalar that loads back as `text` (unsafe characters as YAML
    escapes, which a YAML parser decodes; a lone surrogate loads back as itself)."""
    return '"' + _UNSAFE.sub(_esc, text.replace("\\", "\\\\").replace('"', '\\"')) + '"'


__all__ = ["comment", "string"]
