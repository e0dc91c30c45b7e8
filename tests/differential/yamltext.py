"""Write Python data as routes.yaml text (block style, every string double-quoted).

Every string is written as a YAML double-quoted scalar with escapes for anything
YAML could fold or refuse (controls, U+0085, U+2028/9, astral characters), so any
string round-trips exactly through PyYAML.
"""
from __future__ import annotations

from typing import Any

_ESC = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\0": "\\0"}


def q(s: str) -> str:
    """A YAML double-quoted scalar for `s`."""
    out = []
    for ch in s:
        o = ord(ch)
        if ch in _ESC:
            out.append(_ESC[ch])
        elif o < 0x20 or o == 0x7F or 0x80 <= o < 0xA0 or o in (0x2028, 0x2029, 0xFEFF) or 0xD800 <= o < 0xE000:
            out.append(f"\\u{o:04x}")
        elif o > 0xFFFF:
            out.append(f"\\U{o:08x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def scalar(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return q(v)
    raise TypeError(type(v).__name__)


def dump(v: Any, indent: int = 0) -> str:
    """Block-style YAML for dicts/lists of scalars; empty containers in flow style."""
    pad = "  " * indent
    if isinstance(v, dict):
        if not v:
            return pad + "{}\n"
        lines = []
        for k, x in v.items():
            if isinstance(x, (dict, list)) and x:
                lines.append(f"{pad}{q(k)}:\n{dump(x, indent + 1)}")
            else:
                lines.append(f"{pad}{q(k)}: {_inline(x)}\n")
        return "".join(lines)
    if isinstance(v, list):
        if not v:
            return pad + "[]\n"
        lines = []
        for x in v:
            if isinstance(x, dict) and x:
                body = dump(x, indent + 1)
                lines.append(f"{pad}- {body[len(pad) + 2:]}")
            elif isinstance(x, list) and x:
                lines.append(f"{pad}-\n{dump(x, indent + 1)}")
            else:
                lines.append(f"{pad}- {_inline(x)}\n")
        return "".join(lines)
    return pad + scalar(v) + "\n"


def _inline(v: Any) -> str:
    if isinstance(v, dict):
        return "{}"
    if isinstance(v, list):
        return "[]"
    return scalar(v)
