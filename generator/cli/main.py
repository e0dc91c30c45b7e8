"""`cfroutes` entry point: the table of commands and the dispatch to one module per command.

Each command's module (`cli/<module>.py`) declares its arguments (`arguments(p)`) and runs
(`execute(args, stdout, stderr)`); it is imported only when its command runs or prints its help
(cli/options.py's LazyParser), so start-up costs the same whatever the number of commands.
"""
from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from cfroutes import __version__
from cfroutes.cli.error_handler import error_handler
from cfroutes.cli.options import MODULE, Command, add_commands
from cfroutes.errors import ExitCode
from cfroutes.modes import Mode

#: command -> its module under cfroutes.cli and the line `cfroutes --help` shows
COMMANDS = {
    "build": Command("build", "write the bundle (functions, KVS import files, manifest)"),
    "check": Command("check", "validate, build in memory, lint, enforce size and syntax, run the tests"),
    "test": Command("test", "run test cases"),
    "run": Command("run", "send one request through a built function"),
    "emulate": Command("emulate", "run any CloudFront Function file on an event (TestResult JSON)"),
    "diff": Command("diff", "requests (from access logs or the test cases) whose outcome a change alters"),
    "report": Command("report", "one self-contained HTML page: routes, sizes, KVS use, coverage, lints"),
    "serve": Command("serve", "a local HTTP server that plays the edge with the built functions"),
    "import": Command("import_", "a routes.yaml from Netlify, Vercel, Amplify or AWS redirector CSV rules"),
    "schema": Command("schema", "print the JSON Schema of routes.yaml (or of a cases file)"),
    "kvs": Command("kvs", "KeyValueStore helpers", "group_arguments"),
    "export": Command("export", "CloudFormation, Terraform or CDK for the bundle"),
    "deploy": Command("deploy", "plan (default) or --apply: functions, stores, remote tests, publish, keys"),
}


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="cfroutes", description="routes.yaml -> verified, tested CloudFront Functions")
    ap.add_argument("--version", action="version", version=f"cfroutes {__version__}")
    ap.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    add_commands(ap, COMMANDS, dest="command", metavar="COMMAND")
    return ap


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    out, err = sys.stdout, sys.stderr
    if getattr(args, "engine", Mode.QUICKJS) is not Mode.QUICKJS:
        from cfroutes.emulator import njs

        if not njs.available():
            err.write(str(njs.NjsUnavailable()) + "\n")
            return ExitCode.INVALID_INPUT
    with error_handler(args.debug, err) as result:
        module = getattr(args, MODULE, None)
        if module is None:  # pragma: no cover
            raise AssertionError(f"unhandled command {args.command!r}")
        result.code = importlib.import_module(module).execute(args, out, err)
    assert isinstance(result.code, int), result.code
    return int(result.code)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
