"""JSON with the line of every object: `load(text, file)` -> data whose dicts are `LinedDict`s.

The standard decoder, with the pure-Python scanner so `parse_object` can be wrapped to
record where each object starts. Syntax errors are positioned diagnostics (exit 2).
"""
from __future__ import annotations

import bisect
import json
import json.decoder
import json.scanner
from typing import Any

from cfroutes.importers.common import parse_error


class LinedDict(dict):  # type: ignore[type-arg]
    line: int = 1


def load(text: str, file: str) -> Any:
    newlines = [i for i, c in enumerate(text) if c == "\n"]

    def line_of(pos: int) -> int:
        return bisect.bisect_left(newlines, pos) + 1

    dec = json.JSONDecoder()
    base = json.decoder.JSONObject

    def parse_object(s_and_end: Any, strict: bool, scan_once: Any, object_hook: Any,
                     object_pairs_hook: Any, memo: Any = None) -> Any:
        s, end = s_and_end
        obj, new_end = base(s_and_end, strict, scan_once, object_hook, object_pairs_hook, memo)
        d = LinedDict(obj)
        d.line = line_of(end - 1)
        return d, new_end

    dec.parse_object = parse_object  # type: ignore[assignment]
    dec.scan_once = json.scanner.py_make_scanner(dec)
    try:
        return dec.decode(text)
    except json.JSONDecodeError as e:
        raise parse_error(file, e.lineno, e.colno, f"invalid JSON: {e.msg}") from None
    except RecursionError:
        raise parse_error(file, 1, 1, "invalid JSON: nested too deeply") from None
