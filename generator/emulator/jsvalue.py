"""A JSON value named for a shape message ("must be a string, got the number 5"): the one wording
of the input checks of an event (event.py) and of a connection event (connection.py)."""
from __future__ import annotations

from typing import Any


def json_value(v: Any) -> str:
    """`null`, `a boolean`, `the number 5`, `the string 'x'` (a long one: `a string`), `an array`, `an object`."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, (int, float)):
        return f"the number {v!r}"
    if isinstance(v, str):
        return f"the string {v!r}" if len(v) <= 40 else "a string"
    return "an array" if isinstance(v, list) else "an object"
