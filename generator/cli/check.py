"""`cfroutes check`: validate, build in memory, verify, lint, run every test; the pre-commit hook.

A run whose inputs are all unchanged replays its stored output (runcache.py): the compiler
and the engines are imported only when the check really runs.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import time
from typing import TextIO

from cfroutes import runcache
from cfroutes.cli import options
from cfroutes.cli.options import Format
from cfroutes.colour import paint, wanted
from cfroutes.modes import Mode

#: marks the elapsed time in a stored output (a replay writes its own)
_ELAPSED = "\x00elapsed\x00"


def _cache_arguments(p: argparse.ArgumentParser) -> None:
    """`check --no-cache`."""
    p.add_argument("--no-cache", dest="cache", action="store_false",
                   help=f"neither read nor write the cache ({runcache.DIR_NAME}/ beside routes.yaml; "
                        f"also {runcache.ENV_OFF}=1)")


def check(config: str, *, strict: bool, engine: str = Mode.QUICKJS, fmt: Format | None = None,
          stdout: TextIO, stderr: TextIO, cache: bool = True) -> int:
    """Text for people (the default), or `fmt` (json, github) on stdout for machines; invalid
    input is exit 2 in every format, reported in that format. The text form of a quickjs check
    is cached: unchanged inputs replay the last output (`cache=False` or CFROUTES_NO_CACHE=1: never)."""
    if fmt is not None and fmt.value != "text":
        return _check_machine(config, strict=strict, engine=engine, fmt=fmt, stdout=stdout)
    start = time.perf_counter()
    where = runcache.directory(config, cache) if engine == "quickjs" else None
    if where is None:
        return _check_text(config, strict, engine, stdout, stderr, start)[0]
    name = runcache.key("check", runcache.package_digest(), os.path.abspath(config), os.getcwd(), strict, engine,
                        wanted(stdout), wanted(stderr))
    code = _replay(where, name, os.path.dirname(os.path.abspath(config)), start, stdout, stderr)
    if code is not None:
        return code
    out, err = _Tee(stdout), _Tee(stderr)
    with runcache.active(where), runcache.recording() as record:
        code, elapsed = _check_text(config, strict, engine, out, err, start)
    text = out.getvalue()
    cut = text.rfind(elapsed)
    record.update(code=code, stdout=text[:cut] + _ELAPSED + text[cut + len(elapsed):], stderr=err.getvalue())
    runcache.store("check", name, json.dumps(record).encode("utf-8"), where)
    return code


def _replay(where: str, name: str, root: str, start: float, stdout: TextIO, stderr: TextIO) -> int | None:
    """Write a stored run's output and return its exit code, when none of its inputs changed."""
    payload = runcache.load("check", name, where)
    if payload is None:
        return None
    try:
        record = json.loads(payload)
        code, out, err = record["code"], record["stdout"], record["stderr"]
        if not (isinstance(code, int) and isinstance(out, str) and isinstance(err, str)):
            return None
    except (ValueError, KeyError, TypeError):
        return None
    if not runcache.unchanged(record, root):
        return None
    stderr.write(err)
    stdout.write(out.replace(_ELAPSED, f"{time.perf_counter() - start:.2f}s (cached)"))
    return code


class _Tee(io.StringIO):
    """Writes to `real` and keeps a copy; colours as `real` would."""

    def __init__(self, real: TextIO) -> None:
        super().__init__()
        self.real = real

    def write(self, s: str) -> int:
        self.real.write(s)
        return super().write(s)

    def isatty(self) -> bool:
        return self.real.isatty()

    def flush(self) -> None:
        self.real.flush()


def _check_text(config: str, strict: bool, engine: str, stdout: TextIO, stderr: TextIO,
                start: float) -> tuple[int, str]:
    """The check; (exit code, the elapsed time as written in its last line)."""
    from cfroutes.compiler import compile_config
    from cfroutes.errors import ExitCode, render_all
    from cfroutes.testing.runner import Runner
    from cfroutes.testing.session import collect, report

    compiled = compile_config(config)  # InputError -> exit 2 (error_handler)
    colour = wanted(stderr)
    if compiled.warnings:
        stderr.write(render_all(compiled.warnings, colour=colour) + "\n")
    if compiled.errors:
        stderr.write(render_all(compiled.errors, colour=colour) + "\n")
    suite = collect(compiled, None)
    runner = Runner(compiled, engine)
    unloaded = runner.load_errors()
    on = wanted(stdout)
    for label, name, message in unloaded:  # every emitted function, tested or not
        stdout.write(paint(f"FAIL dist/{name}.js: {label} does not load it: {message}", "red", on) + "\n")
    if suite:
        _, failed = report(runner.run(suite), stdout)
    else:
        failed = 0
        stdout.write("no tests: add `tests:` under a function or write *.cases.yaml files\n")
    elapsed = f"{time.perf_counter() - start:.2f}s"
    sizes = " + ".join(f"{f.size:,}" for f in compiled.functions)
    problems = []
    if compiled.errors:
        problems.append(f"{len(compiled.errors)} error(s)")
    if unloaded:
        problems.append(f"{len(unloaded)} function(s) {' or '.join(sorted({u[0] for u in unloaded}))} does not load")
    if failed:
        problems.append(f"{failed} failed test(s)")
    if strict and compiled.warnings:
        problems.append(f"{len(compiled.warnings)} warning(s) (--strict)")
    tests = f"{len(suite)} test(s)" if suite else "no tests"
    what = (f"{len(compiled.functions)} function(s) ({sizes} bytes), {tests}"
            f"{'' if runner.engine is Mode.QUICKJS else ' in ' + ' and '.join(runner.labels)}, "
            f"{len(compiled.warnings)} warning(s) in {elapsed}")
    if problems:
        stdout.write(paint(f"check failed: {', '.join(problems)}; {what}", "red", on, bold=True) + "\n")
        return ExitCode.FAILED, elapsed
    stdout.write(paint(f"check passed: {what}", "green", on, bold=True) + "\n")
    return ExitCode.OK, elapsed


def _check_machine(config: str, *, strict: bool, engine: str, fmt: Format, stdout: TextIO) -> int:
    from cfroutes.cli import formats
    from cfroutes.compiler import compile_config
    from cfroutes.errors import ExitCode, InputError
    from cfroutes.testing.runner import Runner
    from cfroutes.testing.session import collect

    start = time.perf_counter()
    try:
        compiled = compile_config(config)
        suite = collect(compiled, None)
    except InputError as e:
        formats.write([formats.from_diagnostic(d) for d in sorted(e.diagnostics, key=lambda d: d.span)], fmt, stdout)
        return ExitCode.INVALID_INPUT
    records = [formats.from_diagnostic(d) for d in sorted(compiled.errors + compiled.warnings, key=lambda d: d.span)]
    runner = Runner(compiled, engine)
    unloaded = runner.njs_load_errors() if engine != "quickjs" else []
    spans = {f.name: f.function.span for f in compiled.functions}
    records += [formats.from_njs_load(name, message, spans[name]) for name, message in unloaded]
    results = runner.run(suite) if suite else []
    records += [formats.from_result(r) for r in results]
    formats.write(records, fmt, stdout, suite="cfroutes check", elapsed=time.perf_counter() - start)
    failed = compiled.errors or unloaded or any(not r.passed for r in results) or (strict and compiled.warnings)
    return ExitCode.FAILED if failed else ExitCode.OK


def arguments(p: argparse.ArgumentParser) -> None:
    options.config(p)
    p.add_argument("--strict", action="store_true", help="warnings fail the check too")
    options.format_(p, options.CHECK_FORMATS)
    options.engine(p)
    _cache_arguments(p)


def execute(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    return check(args.config, strict=args.strict, engine=args.engine, fmt=args.format, stdout=stdout, stderr=stderr,
                 cache=args.cache)
