"""`cfroutes check`: validate, build in memory, verify, lint, run every test; the pre-commit hook."""
from __future__ import annotations

import time
from typing import TextIO

from cfroutes.cli.test import collect, report
from cfroutes.compiler import compile_config
from cfroutes.emulator.local_edge import Mode
from cfroutes.errors import ExitCode, render_all
from cfroutes.testing.runner import Runner


def check(config: str, *, strict: bool, engine: str = "quickjs", stdout: TextIO, stderr: TextIO) -> int:
    start = time.perf_counter()
    compiled = compile_config(config)  # InputError -> exit 2 (error_handler)
    if compiled.warnings:
        stderr.write(render_all(compiled.warnings) + "\n")
    if compiled.errors:
        stderr.write(render_all(compiled.errors) + "\n")
    suite = collect(compiled, None)
    runner = Runner(compiled, engine)
    unloaded = runner.load_errors()
    for label, name, message in unloaded:  # every emitted function, tested or not
        stdout.write(f"FAIL dist/{name}.js: {label} does not load it: {message}\n")
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
        stdout.write(f"check failed: {', '.join(problems)}; {what}\n")
        return ExitCode.FAILED
    stdout.write(f"check passed: {what}\n")
    return ExitCode.OK
