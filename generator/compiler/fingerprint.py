"""The input hash of one function: what its bytes are built from, and nothing else.

Line 1 of every emitted function names it (`input-sha256:`), and the manifest carries it in
full (`input_sha256`). It covers the function's identity and settings (name, event, runtime,
options, store name), its seed data in file order, its compiled route tables (the planner's
canonical form of its routes and header rules: P, G, X, H, the spilled entries, the feature
flags), the tool version and the emitter's template. Where things were written (spans), YAML
layout and comments, inline `tests:`, the seed file's path and every other function are not
in it: a comment, a reformatting or an edit of another function leaves it, and the
function's bytes, unchanged. `config_sha256` in the manifest still covers the whole file.

The tables are hashed rather than the model: they are plain data already (20,000 routes:
about 20 ms, where walking the model took a second).
"""
from __future__ import annotations

import hashlib
import json
from functools import lru_cache

from cfroutes import __version__
from cfroutes.compiler.plan import Plan


@lru_cache(maxsize=1)
def _template_sha256() -> str:
    from cfroutes.compiler.emit import template_source

    return hashlib.sha256(template_source("router.js.j2").encode("utf-8")).hexdigest()


def input_sha256(plan: Plan) -> str:
    """sha256 (hex) of the canonical inputs of the build of `plan.function`."""
    fn = plan.function
    o = fn.options
    doc = [
        "cfroutes", __version__, _template_sha256(),
        fn.name, fn.event, fn.runtime, [o.case, o.trailing_slash, o.index, o.spill],
        None if fn.kvs is None else [fn.kvs.name, fn.kvs.seed],  # tuples dump as arrays
        plan.P, plan.G, plan.X, plan.H, plan.spilled, plan.mark,
        sorted(k for k, v in plan.flags.items() if v),
    ] + ([plan.FS] if plan.FS else []) + ([plan.Y, plan.YD] if plan.YD else [])  # files; prefix routes as data
    text = json.dumps(doc, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
