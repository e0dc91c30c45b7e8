"""Validate a regex source in the JavaScript engine the emulator uses."""
from __future__ import annotations

import json
from functools import lru_cache


@lru_cache(maxsize=1)
def _ctx():  # type: ignore[no-untyped-def]
    import quickjs

    c = quickjs.Context()
    c.eval("function __re(s){try{new RegExp(s);return ''}catch(e){return String(e.message||e)}}")
    return c


def regex_error(source: str) -> str | None:
    """None when `source` compiles as a JavaScript RegExp, else the engine's message."""
    msg = _ctx().eval("__re(" + json.dumps(source) + ")")
    return msg or None
