"""`cfroutes export cloudformation|terraform|cdk [-o FILE] [--lang typescript|python]`."""
from __future__ import annotations

import os
from typing import TextIO

from cfroutes.codes import Code
from cfroutes.compiler.bundle import write_file
from cfroutes.errors import ExitCode
from cfroutes.iac import cdk, cloudformation, source, terraform


def export(config: str, target: str, output: str | None, *, lang: str | None, dist: str,
           stdout: TextIO, stderr: TextIO) -> int:
    if lang is not None and target != "cdk":
        from cfroutes.errors import Diagnostic, InputError, Span

        raise InputError([Diagnostic(Span("<command line>", 1, 1),
                                     f"--lang {lang} applies only to `export cdk`, not to {target}", code=Code.ARGUMENT)])
    b = source.load(config, dist, stderr)
    out_dir = os.path.dirname(os.path.abspath(output)) if output else os.getcwd()
    if target == "cloudformation":
        fmt = "json" if output and output.lower().endswith(".json") else "yaml"
        text = cloudformation.render(b, config, fmt)
    elif target == "terraform":
        text = terraform.render(b, config, out_dir)
    else:
        if lang is None:
            lang = "python" if output and output.endswith(".py") else "typescript"
        text = cdk.render(b, config, out_dir, lang)
    if not output or output == "-":
        stdout.write(text)
        return ExitCode.OK
    write_file(output, text)  # InputError -> exit 2
    stores = {f.function.kvs.name for f in b.functions if f.function.kvs is not None and f.kvs_data is not None}
    stderr.write(f"wrote {output}: {target}{' (' + lang + ')' if target == 'cdk' else ''}, "
                 f"{len(b.functions)} function(s), {len(stores)} store(s)\n")
    return ExitCode.OK
