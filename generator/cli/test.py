"""`cfroutes test`: run the test cases of a config (inline and `*.cases.yaml`) or of named files."""
from __future__ import annotations

import argparse
import time
from typing import Any, TextIO

from cfroutes import runcache
from cfroutes.cli import formats, options
from cfroutes.cli.options import Format
from cfroutes.codes import Code
from cfroutes.colour import wanted
from cfroutes.compiler import Compiled, compile_config, gc_paused
from cfroutes.errors import Diagnostic, ExitCode, InputError, Span, render_all
from cfroutes.testing.cases import Case
from cfroutes.testing.fail_under import percent
from cfroutes.testing.runner import Runner
from cfroutes.testing.session import collect, report


def test(config: str, cases: list[str], *, engine: str = "quickjs", stdout: TextIO, stderr: TextIO,
         coverage: bool = False, fail_under: float | None = None, remote: bool = False,
         stage: str = "DEVELOPMENT", profile: str | None = None, region: str | None = None,
         prefix: str = "", fmt: Format = Format.TEXT, watch: bool = False) -> int:
    if watch:
        if remote or fmt is not Format.TEXT or coverage or fail_under is not None:
            raise InputError([Diagnostic(Span("<command line>", 1, 1), "--watch runs the cases locally in text; it "
                                         "does not go with --remote, --format, --coverage or --fail-under",
                                         code=Code.ARGUMENT)])
        from cfroutes.cli.watch import watch as watch_loop

        return watch_loop(config, cases, engine=engine, stdout=stdout, stderr=stderr)
    if remote:  # the cases through CloudFront's TestFunction: generator/deploy/remote.py
        if fmt is not Format.TEXT:
            raise InputError([Diagnostic(Span("<command line>", 1, 1), f"--format {fmt} applies to local tests, "
                                         "not to --remote", code=Code.ARGUMENT)])
        return test_remote(config, cases, stage=stage, stdout=stdout, stderr=stderr, profile=profile, region=region,
                           prefix=prefix)
    if fmt is not Format.TEXT:
        return _test_machine(config, cases, engine=engine, fmt=fmt, stdout=stdout, stderr=stderr,
                             coverage=coverage, fail_under=fail_under)
    compiled = _compile(config)
    runner = Runner(compiled, engine)
    runner.start()  # the engine's worker process starts while the cases are read
    with gc_paused():  # thousands of parsed cases: see compiler.gc_paused
        suite = collect(compiled, cases)
    if compiled.errors:
        stderr.write(render_all(compiled.errors, colour=wanted(stderr)) + "\n")
    if not suite:
        stderr.write(f"no test cases: add `tests:` under a function of {config} or write *.cases.yaml files\n")
    _, failed = report(runner.run(suite), stdout)
    if compiled.errors:
        stderr.write(f"the build has {len(compiled.errors)} error(s): see `cfroutes check`\n")
    below = _coverage(compiled, suite, coverage, fail_under, stdout)
    return ExitCode.FAILED if failed or compiled.errors or below else ExitCode.OK


def _compile(config: str) -> Compiled:
    """The build, with check's cache of the compiled template and of each emitted function's
    syntax analysis (runcache.py; never check's replay): a test run does not redo what the last
    check or test did. `CFROUTES_NO_CACHE=1` switches it off as for check."""
    with runcache.active(runcache.directory(config)):
        return compile_config(config)


def _coverage(compiled: Compiled, suite: list[Case], coverage: bool, fail_under: float | None, out: TextIO) -> bool:
    """Print the coverage table when asked; True when it is below --fail-under."""
    if not coverage and fail_under is None:
        return False
    from cfroutes.testing.coverage import measure

    cov = measure(compiled, suite)
    out.write("".join(line + "\n" for line in cov.lines()))
    if fail_under is not None and cov.total < fail_under:
        out.write(f"coverage: {cov.total:.1f}% is below --fail-under {fail_under:g}%\n")
        return True
    return False


def _test_machine(config: str, cases: list[str], *, engine: str, fmt: Format, stdout: TextIO, stderr: TextIO,
                  coverage: bool, fail_under: float | None) -> int:
    """json, github or junit on stdout (the coverage table, if asked for, goes to stderr)."""
    start = time.perf_counter()
    try:
        compiled = _compile(config)
        with gc_paused():
            suite = collect(compiled, cases)
    except InputError as e:
        records = [formats.from_diagnostic(d) for d in sorted(e.diagnostics, key=lambda d: d.span)]
        formats.write(records, fmt, stdout, suite="cfroutes test", elapsed=time.perf_counter() - start)
        return ExitCode.INVALID_INPUT
    results = Runner(compiled, engine).run(suite)
    records = [formats.from_diagnostic(d) for d in compiled.errors] + [formats.from_result(r) for r in results]
    formats.write(records, fmt, stdout, suite="cfroutes test", elapsed=time.perf_counter() - start)
    below = _coverage(compiled, suite, coverage, fail_under, stderr)
    failed = any(not r.passed for r in results)
    return ExitCode.FAILED if failed or compiled.errors or below else ExitCode.OK


def test_remote(config: str, case_files: list[str], *, stage: str, stdout: TextIO, stderr: TextIO,
                aws: Any = None, profile: str | None = None, region: str | None = None, prefix: str = "") -> int:
    """`cfroutes test --remote [--prefix P]`: the config's cases on CloudFront's `stage` (functions
    named `P<name>` in AWS, as `deploy --prefix P` names them), beside the emulator."""
    from cfroutes.deploy.aws import Aws
    from cfroutes.deploy.remote import RemoteRunner, live_targets, report

    compiled = compile_config(config)
    with gc_paused():
        suite = collect(compiled, case_files)
    if compiled.errors:
        stderr.write(render_all(compiled.errors) + "\n")
    if not suite:
        stderr.write(f"no test cases: add `tests:` under a function of {config} or write *.cases.yaml files\n")
        return ExitCode.FAILED
    aws = aws or Aws(profile=profile, region=region)
    names = list(dict.fromkeys(c.function for c in suite))
    targets = live_targets(aws, compiled, names, stage, stderr, prefix)
    _, failed, _ = report(RemoteRunner(aws, compiled, targets).run(suite), stdout)
    return ExitCode.FAILED if failed or compiled.errors else ExitCode.OK


def arguments(p: argparse.ArgumentParser) -> None:
    options.config(p)
    p.add_argument("cases", nargs="*", help="test case YAML files (default: the config's inline tests)")
    p.add_argument("--coverage", action="store_true", help="list routes and header rules no case exercises")
    p.add_argument("--fail-under", type=percent, metavar="PCT",
                   help="exit 1 when coverage is below PCT (implies --coverage)")
    options.format_(p, options.TEST_FORMATS)
    p.add_argument("--watch", action="store_true",
                   help="rerun the affected cases whenever the config, a seed or a cases file changes (Ctrl-C stops)")
    options.aws(p.add_argument_group("remote (CloudFront's TestFunction, needs cfroutes[aws])"), remote=True)
    options.engine(p)


def execute(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    return test(args.config, args.cases, engine=args.engine, stdout=stdout, stderr=stderr, coverage=args.coverage,
                fail_under=args.fail_under, remote=args.remote, stage=args.stage, profile=args.profile,
                region=args.region, prefix=args.prefix, fmt=args.format, watch=args.watch)
