"""Each command's options, as `cfroutes CMD --help` lists them, are the ones below: moving a
command's argument declarations (cli/main.py's one parser -> each command's `arguments(p)`) lost
or renamed none. The table was read from the parser before the move; a new option is added here."""
from __future__ import annotations

import argparse

import pytest
from cfroutes.cli import main as cli_main
from cfroutes.cli.export import Lang, Target
from cfroutes.cli.options import Format, declare_all
from cfroutes.importers import Platform
from cfroutes.modes import Mode, Stage

#: command -> its options ("-c --config") and positionals (dest), "=a,b" the choices
OPTIONS = {
    "build": ['--check', '--debug-header', '--pretty', '-c --config', '-o --output'],
    "check": ['--engine=quickjs,njs,both', '--format=text,json,github', '--no-cache', '--strict', '-c --config'],
    "deploy": ['--apply', '--attach', '--dist', '--prefix', '--profile', '--region', '--stage=DEVELOPMENT,LIVE', '-c --config'],
    "diff": ['--base', '--cases', '--examples', '--format=text,json', '--log', '--tenants', '-c --config'],
    "emulate": ['--endpoint', '--engine=quickjs,njs', '--event', '--kvs', '--runtime=cloudfront-js-1.0,cloudfront-js-2.0', '--tenant-id', '--tenant-param', 'function_file'],
    "export": ['--dist', '--kvs-bucket', '--lang=typescript,python', '--prefix', '-c --config', '-o --output', 'target=cloudformation,terraform,cdk'],
    "import": ['--cases', '--function', '--site', '-o --output', 'files', 'platform=netlify,vercel,amplify,csv'],
    "kvs delete": ['--profile', '--region', '--store', '-c --config', 'key', 'value'],
    "kvs get": ['--profile', '--region', '--store', '-c --config', 'key', 'value'],
    "kvs list": ['--profile', '--region', '--store', '-c --config', 'key', 'value'],
    "kvs plan": ['--current', '--overwrite-seed', '-c --config', '-f --function'],
    "kvs put": ['--profile', '--region', '--store', '-c --config', 'key', 'value'],
    "report": ['-c --config', '-o --output'],
    "run": ['--country', '--endpoint', '--kvs', '--kvs-delete', '--tenant-id', '--tenant-param', '-H --header', '-c --config', '-f --function', 'request'],
    "schema": ['--cases'],
    "serve": ['--allowed-hosts', '--endpoint', '--host', '--origin', '--port', '--tenant-id', '--tenant-param', '--tenants', '-c --config'],
    "test": ['--coverage', '--engine=quickjs,njs,both', '--fail-under', '--format=text,json,github,junit', '--prefix', '--profile', '--region', '--remote', '--stage=DEVELOPMENT,LIVE', '--watch', '-c --config', 'cases'],
}


def _leaves(p: argparse.ArgumentParser, prefix: str = "") -> dict[str, argparse.ArgumentParser]:
    out: dict[str, argparse.ArgumentParser] = {}
    for action in p._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                nested = _leaves(sub, f"{prefix}{name} ")
                out.update(nested or {f"{prefix}{name}": sub})
    return out


def _options(p: argparse.ArgumentParser) -> list[str]:
    names = []
    for a in p._actions:
        if isinstance(a, argparse._HelpAction):
            continue
        name = " ".join(a.option_strings) or a.dest
        names.append(f"{name}={','.join(map(str, a.choices))}" if a.choices else name)
    return sorted(names)


def _parser() -> argparse.ArgumentParser:
    p = cli_main._parser()
    declare_all(p)
    return p


def test_the_commands_are_the_same() -> None:
    assert sorted(_leaves(_parser())) == sorted(OPTIONS)


@pytest.mark.parametrize("command", sorted(OPTIONS))
def test_each_command_keeps_its_options(command: str) -> None:
    assert _options(_leaves(_parser())[command]) == OPTIONS[command]


def test_a_command_is_declared_only_when_it_runs() -> None:
    """`cfroutes --help` declares no command's arguments (their modules are not imported for it)."""
    leaves = _leaves(cli_main._parser())
    assert leaves and all(_options(p) == [] for p in leaves.values()), leaves


def test_modes_are_parsed_as_enums() -> None:
    args = cli_main._parser().parse_args(["check", "--engine", "njs", "--format", "json"])
    assert args.engine is Mode.NJS and args.format is Format.JSON
    args = cli_main._parser().parse_args(["deploy"])
    assert args.stage is Stage.LIVE
    args = cli_main._parser().parse_args(["export", "cdk", "--lang", "python"])
    assert args.target is Target.CDK and args.lang is Lang.PYTHON
    assert cli_main._parser().parse_args(["import", "csv", "x.csv"]).platform is Platform.CSV


def test_a_bad_mode_is_named_with_the_choices(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as e:
        cli_main.main(["check", "--engine", "v8"])
    assert e.value.code == 2
    assert "argument --engine: invalid choice: 'v8' (choose from 'quickjs', 'njs', 'both')" in capsys.readouterr().err
