"""`cfroutes schema [--cases]`: the JSON Schema of routes.yaml or of a `*.cases.yaml` file."""
from __future__ import annotations

from typing import TextIO

from cfroutes.config.schema import render
from cfroutes.errors import ExitCode


def schema(*, cases: bool, stdout: TextIO) -> int:
    stdout.write(render(cases))
    return ExitCode.OK
