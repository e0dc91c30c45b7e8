"""`cfroutes report [-o report.html]`: the routing table, sizes, KVS use, coverage and lints on one page."""
from __future__ import annotations

import argparse
from typing import TextIO

from cfroutes.cli import options
from cfroutes.compiler import compile_config, gc_paused
from cfroutes.compiler.bundle import write_file
from cfroutes.errors import ExitCode
from cfroutes.report.html import report_page
from cfroutes.testing.runner import Runner
from cfroutes.testing.session import collect


def report(config: str, output: str, *, stdout: TextIO, stderr: TextIO) -> int:
    compiled = compile_config(config)
    with gc_paused():
        suite = collect(compiled, None)
    results = Runner(compiled).run(suite)
    page = report_page(compiled, suite, results)
    if output == "-":
        stdout.write(page)
        return ExitCode.OK
    write_file(output, page)  # InputError -> exit 2
    failed = sum(not r.passed for r in results)
    stdout.write(f"{output}: {len(compiled.functions)} function(s), {len(suite)} test(s)"
                 f"{f', {failed} failing' if failed else ''}, {len(page.encode()):,} bytes\n")
    return ExitCode.OK


def arguments(p: argparse.ArgumentParser) -> None:
    options.config(p)
    p.add_argument("-o", "--output", default="report.html",
                   help="the page to write (default: ./report.html; - for stdout)")


def execute(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    return report(args.config, args.output, stdout=stdout, stderr=stderr)
