"""JSON with the line of every object: `load(text, file)` -> data whose dicts are `LinedDict`s.

The standard decoder, with the pure-Python scanner so `parse_object` can be wrapped to
record where each object starts. Syntax errors are positioned diagnostics (exit 2), and so
are what Python's decoder would let through but is not Unicode text or not a number a rule
can hold: a lone surrogate escape (`"\ud800"`) in a string or a key, an integer of more
than 30 digits (read as a float, which the importers refuse where they want an integer,
instead of Python's 4300-digit error), nesting deeper than the decoder's stack.
"""
from __future__ import annotations

import bisect
import json
import json.decoder
import json.scanner
import re
from typing import Any

from cfroutes.importers.common import parse_error

_SURROGATE = re.compile("[\ud800-\udfff]")


def _parse_int(text: str) -> int | float:
    return int(text) if len(text) <= 30 else float(text)


class LinedDict(dict):  # type: ignore[type-arg]
    line: int = 1


def load(text: str, file: str) -> Any:
    newlines = [i for i, c in enumerate(text) if c == "\n"]

    def line_of(pos: int) -> int:
        return bisect.bisect_left(newlines, pos) + 1

    dec = json.JSONDecoder(parse_int=_parse_int)
    base = json.decoder.JSONObject  # type: ignore[attr-defined]
    scanstring = json.decoder.scanstring  # type: ignore[attr-defined]

    def parse_string(s: str, end: int, strict: bool) -> tuple[str, int]:
        value, new_end = scanstring(s, end, strict)
        m = _SURROGATE.search(value)
        if m is not None:
            raise json.JSONDecodeError(f"a lone surrogate (\\u{ord(m.group(0)):04x}) is not Unicode text",
                                       s, end - 1)
        return value, new_end

    def parse_object(s_and_end: Any, strict: bool, scan_once: Any, object_hook: Any,
                     object_pairs_hook: Any, memo: Any = None) -> Any:
        s, end = s_and_end
        obj, new_end = base(s_and_end, strict, scan_once, object_hook, object_pairs_hook, memo)
        d = LinedDict(obj)
        d.line = line_of(end - 1)
        for k in d:  # keys are read by the module's scanstring, not parse_string
            m = _SURROGATE.search(k)
            if m is not None:
                raise json.JSONDecodeError(f"a lone surrogate (\\u{ord(m.group(0)):04x}) in a key is not "
                                           "Unicode text", s, end - 1)
        return d, new_end

    dec.parse_object = parse_object  # type: ignore[attr-defined]
    dec.parse_string = parse_string  # type: ignore[attr-defined]
    dec.scan_once = json.scanner.py_make_scanner(dec)  # type: ignore[attr-defined]
    try:
        return dec.decode(text)
    except json.JSONDecodeError as e:
        raise parse_error(file, e.lineno, e.colno, f"invalid JSON: {e.msg}") from None
    except RecursionError:
        raise parse_error(file, 1, 1, "invalid JSON: nested too deeply") from None
