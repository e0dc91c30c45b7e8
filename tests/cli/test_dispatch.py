"""Every command `cfroutes --help` lists is dispatched by main() to its module (as pre-commit's
main_test does): each command's --help exits 0, and main() hands each command's parsed
arguments to the function below, so a command added to the parser without its branch in
main() (or without a line here) fails."""
from __future__ import annotations

import argparse
import importlib
from collections.abc import Iterator
from typing import Any

import pytest
from cfroutes.cli import main as cli_main
from cfroutes.cli.options import declare_all

#: command (kvs subcommands as "kvs NAME") -> "module:function" that main() calls
HANDLERS = {
    "build": "cfroutes.cli.build:build",
    "check": "cfroutes.cli.check:check",
    "test": "cfroutes.cli.test:test",
    "run": "cfroutes.cli.run:run",
    "emulate": "cfroutes.cli.emulate:emulate",
    "diff": "cfroutes.cli.diff:diff",
    "report": "cfroutes.cli.report:report",
    "serve": "cfroutes.cli.serve:serve",
    "import": "cfroutes.cli.import_:import_",
    "schema": "cfroutes.cli.schema:schema",
    "kvs plan": "cfroutes.cli.kvs_plan:kvs_plan",
    "kvs get": "cfroutes.cli.kvs:kvs_command",
    "kvs put": "cfroutes.cli.kvs:kvs_command",
    "kvs delete": "cfroutes.cli.kvs:kvs_command",
    "kvs list": "cfroutes.cli.kvs:kvs_command",
    "export": "cfroutes.cli.export:export",
    "deploy": "cfroutes.cli.deploy:deploy",
}


def _subparsers(p: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    return next((a.choices for a in p._actions if isinstance(a, argparse._SubParsersAction)), {})


def _commands(p: argparse.ArgumentParser, prefix: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    for name, sub in _subparsers(p).items():
        nested = _subparsers(sub)
        if nested:
            yield from _commands(sub, prefix + (name,))
        else:
            yield prefix + (name,), sub


def _declared() -> argparse.ArgumentParser:
    p = cli_main._parser()
    declare_all(p)  # each command's arguments (declared lazily, when it runs)
    return p


COMMANDS = dict(_commands(_declared()))


def _minimal_argv(cmd: tuple[str, ...], p: argparse.ArgumentParser) -> list[str]:
    """The command with its required arguments only (a choice's first value, else "x")."""
    argv = list(cmd)
    for a in p._actions:
        value = str(next(iter(a.choices))) if a.choices else "x"
        if not a.option_strings and a.nargs not in ("?", "*"):
            argv.append(value)
        elif a.option_strings and a.required:
            argv += [a.option_strings[0], value]
    return argv


def test_every_listed_command_has_a_handler(capsys: pytest.CaptureFixture[str]) -> None:
    assert {" ".join(c) for c in COMMANDS} == set(HANDLERS)
    with pytest.raises(SystemExit) as e:
        cli_main.main(["--help"])
    assert e.value.code == 0
    listed = capsys.readouterr().out
    assert all(f"    {c.split()[0]} " in listed for c in HANDLERS), listed


@pytest.mark.parametrize("cmd", sorted(COMMANDS), ids=" ".join)
def test_help_exits_0(cmd: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as e:
        cli_main.main([*cmd, "--help"])
    assert e.value.code == 0
    assert capsys.readouterr().out.startswith(f"usage: cfroutes {' '.join(cmd)}")


@pytest.mark.parametrize("cmd", sorted(COMMANDS), ids=" ".join)
def test_main_dispatches_to_the_module(cmd: tuple[str, ...], monkeypatch: pytest.MonkeyPatch) -> None:
    module_name, func = HANDLERS[" ".join(cmd)].split(":")
    module = importlib.import_module(module_name)
    calls: list[tuple[Any, ...]] = []

    def record(*args: Any, **kwargs: Any) -> int:
        calls.append(args)
        return 0

    monkeypatch.setattr(module, func, record)
    assert cli_main.main(_minimal_argv(cmd, COMMANDS[cmd])) == 0
    assert len(calls) == 1


def test_an_unhandled_command_is_our_bug(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    real = cli_main._parser

    def with_extra() -> argparse.ArgumentParser:
        p = real()
        next(a for a in p._actions if isinstance(a, argparse._SubParsersAction)).add_parser("nothing")
        return p

    monkeypatch.setattr(cli_main, "_parser", with_extra)
    assert cli_main.main(["nothing"]) == 3
    assert "unhandled command 'nothing'" in capsys.readouterr().err
