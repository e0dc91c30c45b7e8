"""What the commands' parsers share: the lazy command table and the option helpers.

`add_commands` declares one sub-parser per command from a table of `Command`s (pip's pattern): a
command's module is imported, and its `arguments(p)` called, only when that command parses its
arguments or prints its help, so `cfroutes --help` imports no command and `cfroutes check`
imports only check's. Each command's module has `arguments(p)` (what `cfroutes CMD --help`
lists) beside `execute(args, stdout, stderr) -> int` (the call to the command's function).
This module imports nothing heavy: every parser loads it.
"""
from __future__ import annotations

import argparse
import importlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from cfroutes.modes import Choice, Mode, Stage, choice

if TYPE_CHECKING:
    from cfroutes.emulator.tenant import Tenant

#: the namespace attribute naming the module whose execute() runs the parsed command
MODULE = "_command_module"


class Command(NamedTuple):
    """One row of a command table."""

    module: str  # under cfroutes.cli
    summary: str  # the line `cfroutes --help` shows
    arguments: str = "arguments"  # the module's function that declares the arguments


class LazyParser(argparse.ArgumentParser):
    """A command's parser: its arguments are declared on first use (parse or help)."""

    command: Command | None = None

    def declare(self) -> None:
        """Import the command's module and let it declare its arguments (once)."""
        if self.command is not None:
            command, self.command = self.command, None
            module = importlib.import_module(f"cfroutes.cli.{command.module}")
            getattr(module, command.arguments)(self)
            self.set_defaults(**{MODULE: module.__name__})

    def parse_known_args(self, *args: Any, **kwargs: Any) -> Any:
        self.declare()
        return super().parse_known_args(*args, **kwargs)

    def format_usage(self) -> str:
        self.declare()
        return super().format_usage()

    def format_help(self) -> str:
        self.declare()
        return super().format_help()


def add_commands(p: argparse.ArgumentParser, table: Mapping[str, Command], dest: str, metavar: str) -> None:
    """One lazily declared sub-parser per row of `table`; the chosen name goes to `args.<dest>`."""
    sub = p.add_subparsers(dest=dest, metavar=metavar, parser_class=LazyParser)
    sub.required = True
    for name, command in table.items():
        parser = sub.add_parser(name, help=command.summary)
        assert isinstance(parser, LazyParser)
        parser.command = command


def declare_all(p: argparse.ArgumentParser) -> None:
    """Declare every command's arguments, nested ones too (for tests and docs that walk the parser)."""
    if isinstance(p, LazyParser):
        p.declare()
    for action in p._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                declare_all(sub)


class Format(Choice):
    """`--format` of check, test and diff."""

    TEXT = "text"
    JSON = "json"
    GITHUB = "github"
    JUNIT = "junit"


CHECK_FORMATS = (Format.TEXT, Format.JSON, Format.GITHUB)
TEST_FORMATS = (Format.TEXT, Format.JSON, Format.GITHUB, Format.JUNIT)


def config(p: argparse.ArgumentParser) -> None:
    p.add_argument("-c", "--config", default="routes.yaml", help="the routes file (default: ./routes.yaml)")


def engine(p: argparse.ArgumentParser, choices: tuple[Mode, ...] = tuple(Mode)) -> None:
    p.add_argument("--engine", **choice(Mode, choices), default=Mode.QUICKJS,
                   help="quickjs (embedded, default), njs (the nginx engine CloudFront's runtime descends from)"
                   + (", or both (a divergence fails)" if Mode.BOTH in choices else ""))


def tenant(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("distribution tenant (CloudFront SaaS Manager; without --tenant-id: a standard distribution)")
    g.add_argument("--tenant-id", help="run as this distribution tenant (cf.distributionTenant.id), e.g. dt_1a2b3c4d5e6f7")
    g.add_argument("--tenant-param", action="append", default=[], metavar="NAME=VALUE",
                   help="a parameter of the tenant (cf.distributionTenant.parameters.get), repeatable")
    g.add_argument("--endpoint", help="the connection group's domain (event.context.endpoint)")


def tenant_of(args: argparse.Namespace) -> Tenant | None:
    """The tenant options as a Tenant (None: a standard distribution); bad ones exit 2."""
    from cfroutes.codes import Code
    from cfroutes.emulator.tenant import tenant_from_options
    from cfroutes.errors import Diagnostic, InputError, Span

    try:
        return tenant_from_options(args.tenant_id, args.tenant_param, args.endpoint)
    except ValueError as exc:
        raise InputError([Diagnostic(Span("<command line>", 1, 1), str(exc), code=Code.ARGUMENT)]) from None


def format_(p: argparse.ArgumentParser, choices: tuple[Format, ...]) -> None:
    p.add_argument("--format", **choice(Format, choices), default=Format.TEXT, metavar="|".join(choices),
                   help="text (default, for people), json (a list of diagnostics and results), github "
                   "(annotations in GitHub Actions)" + (", junit (JUnit XML)" if Format.JUNIT in choices else ""))


def aws(p: argparse._ActionsContainer, remote: bool = False) -> None:
    if remote:
        p.add_argument("--remote", action="store_true", help="run the cases through CloudFront's TestFunction")
        p.add_argument("--stage", **choice(Stage), default=Stage.DEVELOPMENT)
        p.add_argument("--prefix", default="", metavar="P",
                       help="with --remote: the functions are named P<name> in AWS (deploy --prefix P)")
    p.add_argument("--profile", help="AWS profile (default: the usual boto3 chain)")
    p.add_argument("--region", help="AWS region for signing (default: the profile's, else us-east-1)")
