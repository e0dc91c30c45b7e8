"""The verify stage: the emitted source and its KVS data against CloudFront's limits.

Run by `pipeline.compile_function` on the exact output of the emitter: the size quota,
the runtime profile (the same data the emulator enforces), the route lints, and the
KeyValueStore limits of the import file. Every check returns diagnostics (exit 1),
none raises.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from cfroutes.codes import Code
from cfroutes.compiler.cachekey import check_function as cache_problems
from cfroutes.compiler.lint import lint_function
from cfroutes.compiler.plan import Plan
from cfroutes.compiler.sizehelp import size_hint
from cfroutes.config.model import Function
from cfroutes.errors import Diagnostic
from cfroutes.kvs import importfile
from cfroutes.platform.jscheck import lint_source
from cfroutes.platform.limits import FUNCTION_SIZE_MAX
from cfroutes.platform.profile import KVS_RUNTIME, get_profile


@dataclass
class Verified:
    errors: list[Diagnostic] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)


def verify_function(fn: Function, p: Plan, src: str, *, spilled: bool, kvs_data: list[tuple[str, str]] | None,
                    kvs_file: str | None, check_size: bool = True) -> Verified:
    """Every check of one built function, in the order they are reported."""
    out = Verified()
    if check_size:
        out.errors.extend(size_problems(fn, p, src, spilled=spilled))
    out.errors.extend(profile_problems(src, fn))
    lint_errors, out.warnings = lint_function(fn, p)
    out.errors.extend(lint_errors)
    cache_errors, cache_warnings = cache_problems(fn)  # only when the function declares `cache:`
    out.errors.extend(cache_errors)
    out.warnings.extend(cache_warnings)
    if kvs_data is not None and kvs_file is not None:
        out.errors.extend(kvs_problems(fn, kvs_data, kvs_file))
    return out


def size_problems(fn: Function, p: Plan, src: str, *, spilled: bool) -> list[Diagnostic]:
    """The function's UTF-8 size against the code size quota."""
    size = len(src.encode("utf-8"))
    if size <= FUNCTION_SIZE_MAX:
        return []
    hint = None
    if p.exact_count and not spilled:
        hint = (f"set `options.spill: auto` (or always) with a `kvs:` store on runtime {KVS_RUNTIME} "
                f"to move the {p.exact_count} exact routes into the KeyValueStore")
    if spilled or p.YD:  # spilling is not enough (or was already tried): which routes cost what
        can_store = get_profile(fn.runtime).key_value_store and fn.kvs is not None
        hint = size_hint(p, spilled=spilled, can_store=can_store)
    return [Diagnostic(fn.span, f"function '{fn.name}' is {size:,} bytes, {size - FUNCTION_SIZE_MAX:,} over "
                                f"the {FUNCTION_SIZE_MAX:,}-byte CloudFront Functions limit", hint=hint, code=Code.FUNCTION_SIZE)]


def profile_problems(src: str, fn: Function) -> list[Diagnostic]:
    """The emitted source against its runtime profile: anything CloudFront would refuse (syntax,
    `await` in call arguments, `catch {`, ...) or that fails when it runs (a built-in the runtime
    lacks) is a cfroutes bug, and fails the build instead of shipping."""
    return [Diagnostic(fn.span, f"emitted code of '{fn.name}' breaks the {fn.runtime} profile at "
                                f"{issue.line}:{issue.column}: {issue.message} (a cfroutes bug)", hint=issue.hint, code=Code.PROFILE)
            for issue in lint_source(src, fn.runtime)]


def kvs_problems(fn: Function, kvs_data: list[tuple[str, str]], kvs_file: str) -> list[Diagnostic]:
    """The store's import file (seed plus spilled routes) against the KeyValueStore limits."""
    span = fn.kvs.span if fn.kvs and fn.kvs.span else fn.span
    return [Diagnostic(span, f"KeyValueStore of '{fn.name}': {msg}", code=Code.KVS_LIMIT)
            for msg in importfile.validate_entries(kvs_data, kvs_file)]
