"""`cfroutes build`: write the bundle, or with --check compare it (CI freshness gate)."""
from __future__ import annotations

import argparse
from typing import TextIO

from cfroutes.cli import options
from cfroutes.colour import wanted
from cfroutes.compiler import bundle, compile_config
from cfroutes.errors import ExitCode, file_diagnostic, render_all
from cfroutes.platform.limits import FUNCTION_SIZE_MAX
from cfroutes.safeio import UserFileError


def build(config: str, output: str, *, check: bool, pretty: bool, debug_header: bool,
          stdout: TextIO, stderr: TextIO) -> int:
    compiled = compile_config(config, pretty=pretty, debug=debug_header)
    if compiled.warnings:
        stderr.write(render_all(compiled.warnings, colour=wanted(stderr)) + "\n")
    if compiled.errors:
        stderr.write(render_all(compiled.errors, colour=wanted(stderr)) + "\n")
        stderr.write(f"build failed: {len(compiled.errors)} error(s); nothing written\n")
        return ExitCode.FAILED
    files = bundle.bundle_files(compiled)
    if check:
        try:
            problems = bundle.diff(output, files)
        except UserFileError as e:
            stderr.write(render_all([file_diagnostic(e)]) + "\n")
            return ExitCode.INVALID_INPUT
        if problems:
            stderr.write("\n".join(problems) + "\n")
            stderr.write(f"{output} is stale: run `cfroutes build -c {config} -o {output}` and commit the result\n")
            return ExitCode.FAILED
        stdout.write(f"{output} is up to date ({len(compiled.functions)} function(s))\n")
        return ExitCode.OK
    try:
        bundle.write(output, files)
    except OSError as e:
        stderr.write(f"cfroutes: cannot write {output}: {e}\n")
        return ExitCode.INVALID_INPUT
    for f in compiled.functions:
        kvs = ""
        if f.kvs_data is not None:
            kvs = f", kvs {len(f.kvs_data)} entries ({len(f.plan.spilled)} spilled routes)"
        stdout.write(f"{output}/{f.name}.js  {f.size:,} bytes ({FUNCTION_SIZE_MAX - f.size:,} headroom){kvs}\n")
    return ExitCode.OK


def arguments(p: argparse.ArgumentParser) -> None:
    options.config(p)
    p.add_argument("-o", "--output", default="dist", help="output directory (default: ./dist)")
    p.add_argument("--check", action="store_true", help="write nothing; exit 1 when the output is stale")
    p.add_argument("--pretty", action="store_true", help="readable, unminified code (not for upload)")
    p.add_argument("--debug-header", action="store_true",
                   help="add an x-cfroutes-route header naming the matched route (costs bytes)")


def execute(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    return build(args.config, args.output, check=args.check, pretty=args.pretty, debug_header=args.debug_header,
                 stdout=stdout, stderr=stderr)
