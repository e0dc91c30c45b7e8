"""`cfroutes export cloudformation|terraform|cdk [-o FILE] [--lang typescript|python]`."""
from __future__ import annotations

import os
import tempfile
from typing import TextIO

from generator.errors import ExitCode
from generator.iac import cdk, cloudformation, source, terraform


def export(config: str, target: str, output: str | None, *, lang: str | None, dist: str,
           stdout: TextIO, stderr: TextIO) -> int:
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
    try:
        fd, tmp = tempfile.mkstemp(prefix=".cfroutes-", dir=out_dir)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, output)
    except OSError as e:
        stderr.write(f"cfroutes: cannot write {output}: {e}\n")
        return ExitCode.INVALID_INPUT
    stores = {f.function.kvs.name for f in b.functions if f.function.kvs is not None and f.kvs_data is not None}
    stderr.write(f"wrote {output}: {target}{' (' + lang + ')' if target == 'cdk' else ''}, "
                 f"{len(b.functions)} function(s), {len(stores)} store(s)\n")
    return ExitCode.OK
