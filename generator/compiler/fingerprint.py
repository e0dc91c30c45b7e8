"""The input hash of one function: what its bytes are built from, and nothing else.

Line 1 of every emitted function names it (`input-sha256:`), and the manifest carries it in
full (`input_sha256`). It covers the function's model (name, event, runtime, options, routes,
header rules, store name and seed data in file order), the tool version and the emitter's
template; it leaves out where things were written (every `Span`), inline `tests:` (they do
not change the code) and the seed file's path (its data counts, not its name). So a comment,
a reformatting, a moved block or an edit of another function leaves it, and the function's
bytes, unchanged; `config_sha256` in the manifest still covers the whole file.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from functools import lru_cache
from typing import Any

from cfroutes import __version__
from cfroutes.config.model import Function
from cfroutes.errors import Span

#: model fields that do not reach the emitted bytes
_SKIP = frozenset({"span", "tests", "seed_path"})


def _canon(value: Any) -> Any:
    """The model as plain JSON data: dataclasses by type name and field, spans dropped."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        if isinstance(value, Span):
            return None
        out: dict[str, Any] = {"@": type(value).__name__}
        for f in dataclasses.fields(value):
            if f.name not in _SKIP:
                out[f.name] = _canon(getattr(value, f.name))
        return out
    if isinstance(value, (list, tuple)):
        return [_canon(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _canon(v) for k, v in sorted(value.items())}
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"cannot fingerprint {type(value).__name__}")


@lru_cache(maxsize=1)
def _template_sha256() -> str:
    from cfroutes.compiler.emit import template_source

    return hashlib.sha256(template_source("router.js.j2").encode("utf-8")).hexdigest()


def input_sha256(fn: Function) -> str:
    """sha256 (hex) of the canonical inputs of `fn`'s build."""
    doc = {"tool": __version__, "template": _template_sha256(), "function": _canon(fn)}
    text = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
