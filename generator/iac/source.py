"""The bundle an export or a deploy works from: the config built in memory, compared with dist/.

When dist/ is stale (or missing) the in-memory build is used and a warning says so;
targets that read files from dist/ (Terraform `file()`, CDK `fromFile`) need
`cfroutes build` before they are applied.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import TextIO

from cfroutes.compiler import Compiled, CompiledFunction, bundle, compile_config
from cfroutes.errors import CheckFailed, render_all


@dataclass
class Bundle:
    compiled: Compiled
    files: dict[str, bytes]
    dist: str
    stale: list[str]

    @property
    def functions(self) -> list[CompiledFunction]:
        return self.compiled.functions

    def text(self, name: str) -> str:
        return self.files[name].decode("utf-8")


def load(config: str, dist: str, stderr: TextIO) -> Bundle:
    compiled = compile_config(config)
    if compiled.warnings:
        stderr.write(render_all(compiled.warnings) + "\n")
    if compiled.errors:
        raise CheckFailed(compiled.errors)
    files = bundle.bundle_files(compiled)
    stale = bundle.diff(dist, files)
    if stale:
        stderr.write(f"warning: {dist}/ is stale ({stale[0]}{' ...' if len(stale) > 1 else ''}); using the "
                     f"config's build from memory: run `cfroutes build -c {config} -o {dist}` before "
                     "applying anything that reads dist/\n")
    return Bundle(compiled, files, dist, stale)


def comment(cf: CompiledFunction, config: str) -> str:
    """FunctionConfig.Comment (required, at most 128 characters)."""
    return f"cfroutes: {cf.function.event} function {cf.name} from {os.path.basename(config)}"[:128]


def camel(name: str) -> str:
    """`site-router` -> `SiteRouter` (CloudFormation logical ids, CDK names)."""
    parts = [p for p in re.split(r"[^A-Za-z0-9]+", name) if p]
    out = "".join(p[:1].upper() + p[1:] for p in parts) or "X"
    return out if out[0].isalpha() else "F" + out


def snake(name: str) -> str:
    """`site-router` -> `site_router` (Terraform and Python identifiers)."""
    out = re.sub(r"[^A-Za-z0-9_]+", "_", name).strip("_") or "x"
    return out if out[0].isalpha() or out[0] == "_" else "f_" + out
