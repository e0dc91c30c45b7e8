"""A test session's two ends: the cases of a config, and the results as `test` and `check` print them."""
from __future__ import annotations

from typing import TextIO

from cfroutes.colour import diff_line, paint, wanted
from cfroutes.compiler import Compiled
from cfroutes.testing.cases import Case, find_case_files, inline_cases, load_cases
from cfroutes.testing.runner import CaseResult, failure_line, format_diff


def collect(compiled: Compiled, files: list[str] | None) -> list[Case]:
    """The named files' cases, or all cases of the config: inline plus discovered case files."""
    if files:
        return load_cases(compiled.config, files)
    return inline_cases(compiled.config) + load_cases(compiled.config, find_case_files(compiled.config.path))


def report(results: list[CaseResult], stdout: TextIO) -> tuple[int, int]:
    """A FAIL line with its diff per failure, then `N passed, N failed` (coloured on a terminal)."""
    on = wanted(stdout)
    failed = [r for r in results if not r.passed]
    for r in failed:
        diff = "\n".join(diff_line(line, on) for line in format_diff(r).split("\n"))
        stdout.write(paint(failure_line(r), "red", on, bold=True) + "\n" + diff + "\n\n")
    passed = len(results) - len(failed)
    summary = f"{passed} passed, {len(failed)} failed"
    stdout.write(paint(summary, "red" if failed else "green", on, bold=True) + "\n")
    return passed, len(failed)
