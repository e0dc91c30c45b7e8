"""`cfroutes test`: run the test cases of a config (inline and `*.cases.yaml`) or of named files."""
from __future__ import annotations

from typing import Any, TextIO

from cfroutes.compiler import Compiled, compile_config, gc_paused
from cfroutes.errors import ExitCode, render_all
from cfroutes.testing.cases import Case, find_case_files, inline_cases, load_cases
from cfroutes.testing.runner import CaseResult, Runner, failure_line, format_diff


def collect(compiled: Compiled, files: list[str] | None) -> list[Case]:
    """The named files' cases, or all cases of the config: inline plus discovered case files."""
    if files:
        return load_cases(compiled.config, files)
    return inline_cases(compiled.config) + load_cases(compiled.config, find_case_files(compiled.config.path))


def report(results: list[CaseResult], stdout: TextIO) -> tuple[int, int]:
    """A FAIL line with its diff per failure, then `N passed, N failed`."""
    failed = [r for r in results if not r.passed]
    for r in failed:
        stdout.write(failure_line(r) + "\n" + format_diff(r) + "\n\n")
    passed = len(results) - len(failed)
    stdout.write(f"{passed} passed, {len(failed)} failed\n")
    return passed, len(failed)


def test(config: str, cases: list[str], *, engine: str = "quickjs", stdout: TextIO, stderr: TextIO,
         coverage: bool = False, fail_under: float | None = None, remote: bool = False,
         stage: str = "DEVELOPMENT", profile: str | None = None, region: str | None = None,
         prefix: str = "") -> int:
    if remote:  # the cases through CloudFront's TestFunction: generator/deploy/remote.py
        return test_remote(config, cases, stage=stage, stdout=stdout, stderr=stderr, profile=profile, region=region,
                           prefix=prefix)
    compiled = compile_config(config)
    with gc_paused():  # thousands of parsed cases: see compiler.gc_paused
        suite = collect(compiled, cases)
    if compiled.errors:
        stderr.write(render_all(compiled.errors) + "\n")
    if not suite:
        stderr.write(f"no test cases: add `tests:` under a function of {config} or write *.cases.yaml files\n")
    _, failed = report(Runner(compiled, engine).run(suite), stdout)
    if compiled.errors:
        stderr.write(f"the build has {len(compiled.errors)} error(s): see `cfroutes check`\n")
    below = False
    if coverage or fail_under is not None:
        from cfroutes.testing.coverage import measure

        cov = measure(compiled, suite)
        stdout.write("".join(line + "\n" for line in cov.lines()))
        if fail_under is not None and cov.total < fail_under:
            stdout.write(f"coverage: {cov.total:.1f}% is below --fail-under {fail_under:g}%\n")
            below = True
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
