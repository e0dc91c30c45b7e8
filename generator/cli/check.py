"""`cfroutes check`: validate, build in memory, verify, lint, run every test; the pre-commit hook."""
from __future__ import annotations

import argparse
import time
from typing import TextIO

from cfroutes.cli import formats, options
from cfroutes.cli.options import Format
from cfroutes.colour import paint, wanted
from cfroutes.compiler import compile_config
from cfroutes.errors import ExitCode, InputError, render_all
from cfroutes.modes import Mode
from cfroutes.testing.runner import Runner
from cfroutes.testing.session import collect, report


def check(config: str, *, strict: bool, engine: str = "quickjs", fmt: Format = Format.TEXT,
          stdout: TextIO, stderr: TextIO) -> int:
    """Text for people (the default), or `fmt` (json, github) on stdout for machines; invalid
    input is exit 2 in every format, reported in that format."""
    if fmt is not Format.TEXT:
        return _check_machine(config, strict=strict, engine=engine, fmt=fmt, stdout=stdout)
    start = time.perf_counter()
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
    elapsed = time.perf_counter() - start
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
            f"{len(compiled.warnings)} warning(s) in {elapsed:.2f}s")
    if problems:
        stdout.write(paint(f"check failed: {', '.join(problems)}; {what}", "red", on, bold=True) + "\n")
        return ExitCode.FAILED
    stdout.write(paint(f"check passed: {what}", "green", on, bold=True) + "\n")
    return ExitCode.OK


def _check_machine(config: str, *, strict: bool, engine: str, fmt: Format, stdout: TextIO) -> int:
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


def execute(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    return check(args.config, strict=args.strict, engine=args.engine, fmt=args.format, stdout=stdout, stderr=stderr)
