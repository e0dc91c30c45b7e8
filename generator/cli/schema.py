"""`cfroutes schema [--cases]`: the JSON Schema of routes.yaml or of a `*.cases.yaml` file."""
from __future__ import annotations

import argparse
from typing import TextIO

from cfroutes.config.schema import json_schema_text
from cfroutes.errors import ExitCode


def schema(*, cases: bool, stdout: TextIO) -> int:
    stdout.write(json_schema_text(cases))
    return ExitCode.OK


def arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--cases", action="store_true", help="the schema of *.cases.yaml files")


def execute(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    return schema(cases=args.cases, stdout=stdout)
