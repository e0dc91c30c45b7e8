"""`cfroutes build`: write the bundle, or with --check compare it (CI freshness gate)."""
from __future__ import annotations

from typing import TextIO

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
