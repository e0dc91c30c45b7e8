"""The compiler pipeline: load -> validate -> plan -> emit -> verify (compiler/verify.py).

`compile_config` builds every function of a config in memory; `cfroutes.compiler.bundle`
writes the result. Each stage is its own module and callable on its own.
"""
from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from dataclasses import dataclass, field

from cfroutes.compiler.emit import function_source
from cfroutes.compiler.fingerprint import input_sha256
from cfroutes.compiler.plan import Plan, named_prefix_key, plan, prefix_key
from cfroutes.compiler.verify import verify_function
from cfroutes.config.load import load_config
from cfroutes.config.model import Config, Function
from cfroutes.errors import Diagnostic
from cfroutes.kvs import importfile
from cfroutes.platform.limits import FUNCTION_SIZE_MAX
from cfroutes.platform.profile import get_profile


@dataclass
class CompiledFunction:
    function: Function
    source: str
    plan: Plan
    spilled: bool
    kvs_data: list[tuple[str, str]] | None  # the import file's entries (seed + spilled), None: no store
    kvs_file: str | None = None  # the import file's text (rendered once)
    input_sha256: str = ""  # what this function is built from (compiler/fingerprint.py)

    @property
    def size(self) -> int:
        return len(self.source.encode("utf-8"))

    @property
    def name(self) -> str:
        return self.function.name

    def kvs_dict(self) -> dict[str, str] | None:
        return None if self.kvs_data is None else dict(self.kvs_data)


@dataclass
class Compiled:
    config: Config
    functions: list[CompiledFunction]
    errors: list[Diagnostic] = field(default_factory=list)  # check failures (exit 1)
    warnings: list[Diagnostic] = field(default_factory=list)

    def function(self, name: str) -> CompiledFunction | None:
        return next((f for f in self.functions if f.name == name), None)


def compile_function(cfg: Config, fn: Function, *, pretty: bool = False, debug: bool = False,
                     ) -> tuple[CompiledFunction, list[Diagnostic], list[Diagnostic]]:
    """Plan, emit and verify one function; spill exact routes to KVS when needed."""
    if fn.connection:  # a connection-request (mTLS) function: its own template (compiler/connection.py)
        from cfroutes.compiler.connection import compile_connection

        b = compile_connection(fn, pretty=pretty, debug=debug)
        return (CompiledFunction(fn, b.source, b.plan, False, b.kvs_data, b.kvs_file, b.input_sha256),
                b.checked.errors, b.checked.warnings)
    can_spill = get_profile(fn.runtime).key_value_store and fn.kvs is not None
    spill = fn.options.spill == "always" and can_spill
    if fn.options.spill == "auto" and can_spill and _exact_bytes(fn) > FUNCTION_SIZE_MAX:
        spill = True  # the exact routes alone cannot fit: skip the inline attempt
    p = plan(fn, spill=spill, debug=debug)
    digest = input_sha256(p)
    src = function_source(p, pretty=pretty, input_sha256=digest)
    # the deployable (minified) size decides, so --pretty spills exactly when the real build does
    size = len((function_source(p, input_sha256=digest) if pretty else src).encode("utf-8"))
    if size > FUNCTION_SIZE_MAX and fn.options.spill == "auto" and can_spill and p.exact_count and not spill:
        spill = True
        p = plan(fn, spill=True, debug=debug)
        digest = input_sha256(p)
        src = function_source(p, pretty=pretty, input_sha256=digest)
        size = len((function_source(p, input_sha256=digest) if pretty else src).encode("utf-8"))
    # still over: prefix routes (`/a/b/*`) become data, inline (Y), then spilled when a store can hold them
    levels = [1] + ([2] if (spill or (fn.options.spill == "auto" and can_spill)) else [])
    if size > FUNCTION_SIZE_MAX and not debug and any(prefix_key(r, fn.options.icase) or named_prefix_key(r, fn.options.icase)
                                                            for r in fn.routes):
        for level in levels:
            spill = spill or level == 2
            p = plan(fn, spill=spill, debug=debug, prefix=level)
            digest = input_sha256(p)
            src = function_source(p, pretty=pretty, input_sha256=digest)
            size = len((function_source(p, input_sha256=digest) if pretty else src).encode("utf-8"))
            if size <= FUNCTION_SIZE_MAX:
                break
    kvs_data = None if fn.kvs is None else list(fn.kvs.seed) + list(p.spilled)
    kvs_file = None if kvs_data is None else importfile.import_file_text(kvs_data)
    checked = verify_function(fn, p, src, spilled=spill, kvs_data=kvs_data, kvs_file=kvs_file,
                              check_size=not (debug or pretty))
    return CompiledFunction(fn, src, p, spill, kvs_data, kvs_file, digest), checked.errors, checked.warnings


def _exact_bytes(fn: Function) -> int:
    """A lower bound of the inline size of the exact routes (their paths and targets)."""
    total = 0
    for r in fn.routes:
        if r.is_exact and r.match.path is not None:
            total += len(r.match.path.source)
            to = getattr(r.action, "to", None)
            total += len(to.source) if to is not None else 0
    return total


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: building creates ~10 objects per route and
    frees almost none, so collections only rescan a growing heap (20,000 routes: the
    YAML stage goes from 2.3 s to 0.7 s)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            # the objects made meanwhile go to the oldest generation, as if they had survived
            # collections (they mostly have: a model and its tables), so enabling does not make
            # the next young collection scan all of them (50,000 routes: ~0.3 s)
            gc.freeze()
            gc.unfreeze()
            gc.enable()


def compile_config(path: str, *, pretty: bool = False, debug: bool = False) -> Compiled:
    """Validate and build all functions in memory. Raises InputError on invalid input."""
    with gc_paused():
        return _compile_config(path, pretty=pretty, debug=debug)


def _compile_config(path: str, *, pretty: bool, debug: bool) -> Compiled:
    cfg = load_config(path)
    out = Compiled(cfg, [], warnings=list(cfg.warnings))
    for fn in cfg.functions:
        cf, errs, warns = compile_function(cfg, fn, pretty=pretty, debug=debug)
        out.functions.append(cf)
        out.errors.extend(errs)
        out.warnings.extend(warns)
    return out

