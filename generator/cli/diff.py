"""`cfroutes diff --base GIT_REF [--log FILE ...] [--cases]`: what a change does to real requests."""
from __future__ import annotations

import contextlib
import dataclasses
import os
import time
from collections.abc import Iterator
from typing import TextIO

from cfroutes.codes import Code
from cfroutes.compiler import Compiled, compile_config
from cfroutes.diff import logs
from cfroutes.diff.base import checkout_config
from cfroutes.diff.replay import Replay, case_replay, log_replay, replay
from cfroutes.errors import Diagnostic, ExitCode, InputError, Span, remember_source
from cfroutes.testing.cases import find_case_files, inline_cases, load_cases

EXAMPLES = 3


def _base_build(config: str, ref: str) -> Compiled:
    with checkout_config(config, ref) as path:
        try:
            return compile_config(path)
        except InputError as exc:  # name the revision, not the temporary folder
            root = os.path.dirname(path)
            moved = []
            for d in exc.diagnostics:
                shown = f"{ref}:{os.path.relpath(d.span.file, root)}"
                with contextlib.suppress(OSError, UnicodeDecodeError):
                    remember_source(shown, open(d.span.file, encoding="utf-8").read())
                message = d.message.replace(root + os.sep, f"{ref}:").replace(root, ref)  # no temporary paths
                moved.append(dataclasses.replace(d, span=Span(shown, d.span.line, d.span.col), message=message))
            raise InputError(moved) from None


def _requests(compiled: Compiled, log_files: list[str], cases: bool, bad: list[logs.BadLine]) -> Iterator[Replay]:
    if cases:
        suite = inline_cases(compiled.config) + load_cases(compiled.config, find_case_files(compiled.config.path))
        for c in suite:
            yield case_replay(c)
    for path in log_files:
        for lr in logs.read(path, bad):
            yield log_replay(lr)


def diff(config: str, base: str, log_files: list[str], cases: bool, *, stdout: TextIO, stderr: TextIO) -> int:
    start = time.perf_counter()
    for path in log_files:
        if path != "-" and not os.path.isfile(path):
            raise InputError([Diagnostic(Span(path, 1, 1), "log file does not exist or is not a regular file", code=Code.LOG_FILE)])
    if not log_files and not cases:
        cases = True  # nothing named: the test cases are the requests
    after = compile_config(config)
    before = _base_build(config, base)
    bad: list[logs.BadLine] = []
    def unusable(rq: Replay, reason: str) -> None:
        file, _, line = rq.source.rpartition(":")
        bad.append(logs.BadLine(file, int(line) if line.isdigit() else 0, reason))

    result = replay(before, after, _requests(after, log_files, cases, bad), unusable)
    for b in bad[:logs.MAX_ERRORS_SHOWN]:
        stderr.write(f"{b}\n")
    if len(bad) > logs.MAX_ERRORS_SHOWN:
        stderr.write(f"... and {len(bad) - logs.MAX_ERRORS_SHOWN:,} more skipped log lines\n")
    for ch in result.groups():
        n = len(ch.sources)
        stdout.write(f"{n:,} request(s), {ch.function}:\n  - {ch.before}\n  + {ch.after}\n")
        for src, req in ch.sources[:EXAMPLES]:
            stdout.write(f"    e.g. {req}  ({src})\n")
        if n > EXAMPLES:
            stdout.write(f"    ... and {n - EXAMPLES:,} more\n")
    elapsed = time.perf_counter() - start
    skipped = f", {len(bad):,} log line(s) skipped" if bad else ""
    stdout.write(f"{result.replayed:,} requests replayed, {result.changed:,} changed "
                 f"(against {base}{skipped}) in {elapsed:.2f}s\n")
    return ExitCode.FAILED if result.changed else ExitCode.OK
