"""The compiler pipeline: load -> validate -> plan -> emit -> verify.

`compile_config` builds every function of a config in memory; `generator.compiler.bundle`
writes the result. Each stage is its own module and callable on its own.
"""
from __future__ import annotations

import contextlib
import gc
from dataclasses import dataclass, field
from typing import Iterator

from generator.kvs import importfile as kvsfile
from generator.errors import Diagnostic
from generator.compiler.lint import lint_function
from generator.config.model import JS2, Config, Function
from generator.compiler.plan import Plan, plan
from generator.compiler.emit import render
from generator.config.load import load_config, warnings_of
from generator.platform.jscheck import lint_source

SIZE_LIMIT = 10_240


@dataclass
class CompiledFunction:
    function: Function
    source: str
    plan: Plan
    spilled: bool
    kvs_data: list[tuple[str, str]] | None  # the import file's entries (seed + spilled), None: no store
    kvs_file: str | None = None  # the import file's text (rendered once)

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
    errors: list[Diagnostic] = []
    can_spill = fn.runtime == JS2 and fn.kvs is not None
    spill = fn.options.spill == "always" and can_spill
    if fn.options.spill == "auto" and can_spill and _exact_bytes(fn) > SIZE_LIMIT:
        spill = True  # the exact routes alone cannot fit: skip the inline attempt
    p = plan(fn, spill=spill, debug=debug)
    src = render(p, pretty=pretty, config_sha256=cfg.sha256)
    size = len(src.encode("utf-8"))
    if size > SIZE_LIMIT and fn.options.spill == "auto" and can_spill and p.exact_count and not spill:
        spill = True
        p = plan(fn, spill=True, debug=debug)
        src = render(p, pretty=pretty, config_sha256=cfg.sha256)
        size = len(src.encode("utf-8"))
    if size > SIZE_LIMIT and not debug and not pretty:
        hint = None
        if p.exact_count and not spill:
            hint = ("set `options.spill: auto` (or always) with a `kvs:` store on runtime cloudfront-js-2.0 "
                    f"to move the {p.exact_count} exact routes into the KeyValueStore")
        errors.append(Diagnostic(fn.span, f"function '{fn.name}' is {size:,} bytes, {size - SIZE_LIMIT:,} over "
                                 f"the {SIZE_LIMIT:,}-byte CloudFront Functions limit", hint=hint))
    errors.extend(verify(src, fn))
    kvs_data = None
    if fn.kvs is not None:
        kvs_data = list(fn.kvs.seed) + list(p.spilled)
    lint_errors, lint_warnings = lint_function(fn, p)
    errors.extend(lint_errors)
    kvs_file = None
    if kvs_data is not None:
        kvs_file = kvsfile.render(kvs_data)
        span = fn.kvs.span if fn.kvs and fn.kvs.span else fn.span
        errors.extend(Diagnostic(span, f"KeyValueStore of '{fn.name}': {msg}")
                      for msg in kvsfile.validate_entries(kvs_data, kvs_file))
    return CompiledFunction(fn, src, p, spill, kvs_data, kvs_file), errors, lint_warnings


def verify(src: str, fn: Function) -> list[Diagnostic]:
    """The emitted source against its runtime profile: anything CloudFront would refuse (syntax,
    `await` in call arguments, `catch {`, ...) or that fails when it runs (a built-in the runtime
    lacks) is a cfroutes bug, and fails the build instead of shipping."""
    return [Diagnostic(fn.span, f"emitted code of '{fn.name}' breaks the {fn.runtime} profile at "
                                f"{issue.line}:{issue.column}: {issue.message} (a cfroutes bug)", hint=issue.hint)
            for issue in lint_source(src, fn.runtime)]


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
            gc.enable()


def compile_config(path: str, *, pretty: bool = False, debug: bool = False) -> Compiled:
    """Validate and build all functions in memory. Raises InputError on invalid input."""
    with gc_paused():
        return _compile_config(path, pretty=pretty, debug=debug)


def _compile_config(path: str, *, pretty: bool, debug: bool) -> Compiled:
    cfg = load_config(path)
    out = Compiled(cfg, [], warnings=warnings_of(cfg))
    for fn in cfg.functions:
        cf, errs, warns = compile_function(cfg, fn, pretty=pretty, debug=debug)
        out.functions.append(cf)
        out.errors.extend(errs)
        out.warnings.extend(warns)
    return out

