"""JavaScript regular expressions, bounded: the one way cfroutes runs a RegExp outside an emulated function.

The reference model (route and condition regexes, hence route coverage, `report` and the
lints), the lint's regex examples and the config check (does the pattern compile?) run
regexes the config names on text that tests, samples or viewers choose. A backtracking
regex (`^/(a+)+$`) on a long path runs for hours in any engine, so every execution here is
bounded as the emulator bounds a function:

- time: QuickJS's interrupt with the emulator's per-call CPU limit
  (`watchdog.DEFAULT_TIME_LIMIT`); the binding's regex engine polls it
  (`binding_interrupts_regex`), so the call ends with "interrupted". Where the
  binding's regex engine does not poll it (quickjs 1.19.4), the call goes to the
  watchdog's worker process instead (`watchdog.py`), whose wall-clock deadline kills it;
- memory: the context's memory limit (`limits.MEMORY_MAX`, what a function gets) and the
  emulator's stack limit.

A call that runs out raises `Overrun` (callers turn it into a positioned warning: the lint,
coverage). One context serves the process, behind a lock (`cfroutes serve` evaluates from
handler threads; a QuickJS context must not be entered by two threads at once); a forked
child makes its own.
"""
from __future__ import annotations

import json
import os
import threading
from collections import OrderedDict
from functools import lru_cache
from typing import Any

from cfroutes.emulator import watchdog
from cfroutes.emulator.watchdog import DEFAULT_TIME_LIMIT, STACK_LIMIT
from cfroutes.platform.limits import MEMORY_MAX

_JS = (
    "function __x(s, f, t) { var m = new RegExp(s, f).exec(t); if (!m) return null;"
    " var a = []; for (var i = 0; i < m.length; i++) a.push(m[i] === undefined ? null : m[i]);"
    " return JSON.stringify(a); }"
    "function __c(s) { try { new RegExp(s); return ''; } catch (e) { return String(e.message || e); } }"
)
SHOWN = 60              # characters of the text an Overrun message shows
_MEMO_TEXT_MAX = 1024   # longer texts are not memoized (a server sees arbitrary URIs)
_OVERRUNS_KEEP = 256

Groups = tuple[str | None, ...]


class Overrun(Exception):
    """A regex ran out of time or memory. `rule` is set by the reference model: the route or
    header rule whose regex it was (None when not known)."""

    def __init__(self, source: str, flags: str, text: str, reason: str) -> None:
        super().__init__(reason)
        self.source, self.flags, self.text, self.reason = source, flags, text, reason
        self.rule: Any = None

    def describe(self) -> str:
        """`the regex /SRC/ ran out of time (...) on 'TEXT…'` (not yet escaped for a terminal)."""
        shown = self.text if len(self.text) <= SHOWN else self.text[:SHOWN] + f"… ({len(self.text)} characters)"
        return f"the regex /{self.source}/{self.flags} {self.reason} on {shown!r}"


class _Engine:
    """One QuickJS context with the limits set (per process, used under its lock)."""

    def __init__(self) -> None:
        import quickjs

        self.pid = os.getpid()
        self.lock = threading.Lock()
        ctx = quickjs.Context()
        ctx.set_max_stack_size(STACK_LIMIT)
        ctx.eval(_JS)
        ctx.set_memory_limit(int(ctx.memory()["malloc_size"]) + MEMORY_MAX)
        ctx.set_time_limit(DEFAULT_TIME_LIMIT)
        self.ctx, self.run, self.check = ctx, ctx.get("__x"), ctx.get("__c")

    def exec(self, source: str, flags: str, text: str) -> tuple[bool, Any]:
        """(True, the JSON of the groups or None) or (False, why it ran out)."""
        with self.lock:
            try:
                return True, self.run(source, flags, text)
            except Exception as exc:  # noqa: BLE001 - the engine's own errors are classified below
                msg = str(exc).split("\n", 1)[0]
                if "interrupted" in msg:
                    return False, f"ran out of time (stopped after {DEFAULT_TIME_LIMIT:g} s of CPU)"
                if "out of memory" in msg or msg in ("null", "") or "stack overflow" in msg:
                    return False, f"ran out of memory (the limit is {MEMORY_MAX // (1 << 20)} MB)"
                raise


_ENGINE: _Engine | None = None
_ENGINE_LOCK = threading.Lock()


def _engine() -> _Engine:
    global _ENGINE
    with _ENGINE_LOCK:
        if _ENGINE is None or _ENGINE.pid != os.getpid():  # a forked child never enters its parent's context
            _ENGINE = _Engine()
        return _ENGINE


def _after_fork_in_child() -> None:
    """A forked child (the watchdog's worker) starts with fresh locks and no context: another
    thread of the parent may have held them at the fork."""
    global _ENGINE, _ENGINE_LOCK
    _ENGINE, _ENGINE_LOCK = None, threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def exec_here(_prepared: Any, source: str, flags: str, text: str) -> tuple[bool, Any]:
    """One bounded execution in this process (the watchdog's worker runs this in the fallback)."""
    global _ENGINE
    eng = _engine()
    ok, out = eng.exec(source, flags, text)
    if not ok:  # never reuse a context that hit a limit
        with _ENGINE_LOCK:
            if _ENGINE is eng:
                _ENGINE = None
    return ok, out


def binding_interrupts_regex() -> bool:
    """True with quickjs-ng (regex honours the time limit); False with quickjs 1.19.4."""
    import quickjs

    return bool(quickjs.Context().eval("typeof Iterator") == "function")


@lru_cache(maxsize=1)
def _in_process() -> bool:
    return binding_interrupts_regex() or not watchdog.enabled()


def _run(source: str, flags: str, text: str) -> tuple[bool, Any]:
    if _in_process():
        return exec_here(None, source, flags, text)
    limit = watchdog.wall_limit(DEFAULT_TIME_LIMIT)
    try:
        ok, reply = watchdog.worker(watchdog.HANDLERS).call("regex", 0, True, (source, flags, text), limit)
    except watchdog.WorkerCrash as exc:  # the worker died (e.g. killed for its memory): an overrun too
        return False, f"ended the engine process ({exc})"
    if not ok:
        return False, f"ran out of time (stopped by the wall-clock watchdog after {limit:.1f} s)"
    result: tuple[bool, Any] = reply  # the worker's answer: exec_here's (ok, groups or reason)
    return result


@lru_cache(maxsize=16384)
def _memo(source: str, flags: str, text: str) -> tuple[bool, Any]:
    return _run(source, flags, text)


_OVERRUNS: OrderedDict[tuple[str, str, str], str] = OrderedDict()


def exec_regex(source: str, flags: str, text: str) -> Groups | None:
    """`new RegExp(source, flags).exec(text)`: the groups (None = did not participate), or None
    when it does not match. Raises Overrun when it runs out of time or memory."""
    key = (source, flags, text)
    known = _OVERRUNS.get(key)
    if known is not None:  # an overrun is not run again
        raise Overrun(source, flags, text, known)
    ok, out = _memo(*key) if len(text) <= _MEMO_TEXT_MAX else _run(*key)
    if not ok:
        with _ENGINE_LOCK:
            _OVERRUNS[key] = out
            while len(_OVERRUNS) > _OVERRUNS_KEEP:
                _OVERRUNS.popitem(last=False)
        raise Overrun(source, flags, text, out)
    return None if out is None else tuple(json.loads(out))


def compile_error(source: str) -> str | None:
    """None when `source` compiles as a JavaScript RegExp, else the engine's message."""
    eng = _engine()
    with eng.lock:
        try:
            return eng.check(source) or None
        except Exception as exc:  # noqa: BLE001 - a pattern too large for the memory limit
            return str(exc).split("\n", 1)[0] or "the pattern is too large to compile"
