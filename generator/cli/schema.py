"""`cfroutes schema [--cases]`: the JSON Schema of routes.yaml or of a `*.cases.yaml` file."""
from __future__ import annotations

from typing import TextIO

from generator.errors import ExitCode
from generator.config.schema import render


def schema(*, cases: bool, stdout: TextIO) -> int:
    stdout.write(render(cases))
    return ExitCode.OK
