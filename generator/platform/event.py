"""Shapes of the CloudFront event object: `{value, multiValue?}` entries, the query string text.

Headers, cookies and the query string of an event are objects of `{value, multiValue?}`
entries. CloudFront forwards the query as `name=value` pairs joined by `&`, a bare `name`
when the value is empty, one pair per entry of `multiValue`. Used by the reference model,
the test runner, the emulator's output check, `cfroutes serve` and `cfroutes diff`.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def entry_value(entry: Any) -> str | None:
    """The `value` of one entry as a string (a bare non-dict value is taken as it is); None if none."""
    if isinstance(entry, dict):
        v = entry.get("value")
        return None if v is None else str(v)
    return None if entry is None else str(entry)


def entry_values(entry: Any) -> list[str]:
    """Every value of one entry: each of a non-empty `multiValue`, else the value; [] if none."""
    if isinstance(entry, dict) and isinstance(entry.get("multiValue"), list) and entry["multiValue"]:
        return [str(entry_value(x)) for x in entry["multiValue"]]
    v = entry_value(entry)
    return [] if v is None else [v]


def join_query(pairs: Iterable[tuple[str, str]]) -> str:
    """`k=v` pairs (bare `k` for an empty value) joined by `&`."""
    return "&".join(k if v == "" else f"{k}={v}" for k, v in pairs)


def format_query(qs: Any, keys: Iterable[str] | None = None) -> str:
    """The text of a `querystring` object (a string is returned as it is).

    `keys` gives the order of the names (default: the object's own order); an entry
    without any value is written as a bare name.
    """
    if isinstance(qs, str):
        return qs
    qs = qs or {}
    return join_query((k, v) for k in (qs if keys is None else keys) for v in entry_values(qs[k]) or [""])
