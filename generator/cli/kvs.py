"""`cfroutes kvs get|put|delete|list --store NAME|ARN [KEY [VALUE]]`: a tenant's pointer changes
without a redeploy. `put` is validated against the config first (generator/deploy/kvs.py);
keys and values are escaped for the terminal (terminal.escape_terminal)."""
from __future__ import annotations

import argparse
import json
from typing import Any, TextIO

from cfroutes.cli import options
from cfroutes.codes import Code
from cfroutes.config.model import SPILL_PREFIX, Config
from cfroutes.deploy.aws import Aws
from cfroutes.deploy.kvs import delete, get, put, store_functions, validate_put
from cfroutes.errors import Diagnostic, ExitCode, InputError, Span
from cfroutes.terminal import escape_terminal

ARG = "<command line>"


def _q(text: str) -> str:
    """A key or store name quoted for a message, escaped for the terminal."""
    return "'" + escape_terminal(text) + "'"


def _arg_error(message: str, hint: str | None = None) -> Exception:
    return InputError([Diagnostic(Span(ARG, 1, 1), message, hint=hint, code=Code.ARGUMENT)])


def _default_store(cfg: Config) -> str:
    names = sorted({f.kvs.name for f in cfg.functions if f.kvs is not None})
    if len(names) != 1:
        raise _arg_error(f"{cfg.path} has {'no store' if not names else 'several stores: ' + ', '.join(names)}; "
                         "name one with --store NAME|ARN")
    return names[0]


def kvs_command(config: str, sub: str, store: str | None, key: str | None, value: str | None, *,
                stdout: Any, stderr: Any, aws: Aws | None = None, profile: str | None = None,
                region: str | None = None) -> int:
    """`cfroutes kvs get|put|delete|list --store NAME|ARN [KEY [VALUE]]`."""
    from cfroutes.config.load import load_config

    want = {"get": 1, "delete": 1, "put": 2, "list": 0}[sub]
    given = [a for a in (key, value) if a is not None]
    if len(given) != want:
        usage = {"get": "KEY", "delete": "KEY", "put": "KEY VALUE", "list": "(no arguments)"}[sub]
        raise _arg_error(f"`cfroutes kvs {sub}` takes {usage}")
    if store is not None and not store.strip():
        raise _arg_error("--store is empty: name a store (NAME or ARN), or leave --store out to use the "
                         "config's only store")
    cfg = load_config(config) if (store is None or sub in ("put", "delete")) else None
    if store is None:
        assert cfg is not None
        store = _default_store(cfg)
    if sub == "put":
        assert cfg is not None and key is not None and value is not None
        fns = store_functions(cfg, store)
        if not fns:
            stderr.write(f"warning: no function of {config} uses the store {_q(store)}: only the platform "
                         "limits are checked\n")
        errors, warnings = validate_put(key, value, fns)
        for w in warnings:
            stderr.write(f"warning: {w}\n")
        if errors:
            raise InputError([Diagnostic(Span(ARG, 1, 1), f"kvs put {_q(key)}: {e}", code=Code.ARGUMENT) for e in errors])
    if sub == "delete" and key is not None and key.startswith(SPILL_PREFIX):
        raise _arg_error(f"key starts with the reserved prefix {SPILL_PREFIX!r}: spilled routes are managed by "
                         "`cfroutes deploy`")
    aws = aws or Aws(profile=profile, region=region)
    arn = aws.store_arn(store)
    if sub == "get":
        assert key is not None
        got = get(aws, arn, key)
        if got is None:
            stderr.write(f"cfroutes: key {_q(key)} is not in {escape_terminal(store)}\n")
            return ExitCode.FAILED
        stdout.write(escape_terminal(got) + "\n")
    elif sub == "list":
        items = [{"Key": k, "Value": v} for k, v in aws.list_keys(arn).items()]
        stdout.write(json.dumps({"Items": items}, indent=2, ensure_ascii=False) + "\n")
        stderr.write(f"{len(items)} key(s) in {escape_terminal(store)}\n")
    elif sub == "put":
        assert key is not None and value is not None
        r = put(aws, arn, key, value)
        stderr.write(f"put {_q(key)} in {escape_terminal(store)} (now {r.get('ItemCount')} keys, ETag {r.get('ETag')})\n")
    else:
        assert key is not None
        r = delete(aws, arn, key)
        stderr.write(f"deleted {_q(key)} from {escape_terminal(store)} (now {r.get('ItemCount')} keys, ETag {r.get('ETag')})\n")
    return ExitCode.OK


#: `cfroutes kvs SUBCOMMAND`: `plan` in kvs_plan.py, the data-plane calls here
SUBCOMMANDS = {
    "plan": options.Command("kvs_plan", "UpdateKeys batches that turn the current store into the bundle's"),
    "get": options.Command("kvs", "print a key's value"),
    "put": options.Command("kvs", "validate against the config, then PutKey"),
    "delete": options.Command("kvs", "DeleteKey"),
    "list": options.Command("kvs", "every key (ListKeys pages), as list-keys JSON"),
}


def group_arguments(p: argparse.ArgumentParser) -> None:
    """`cfroutes kvs`: the subcommands."""
    options.add_commands(p, SUBCOMMANDS, dest="kvs_command", metavar="SUBCOMMAND")


def arguments(p: argparse.ArgumentParser) -> None:
    """`cfroutes kvs get|put|delete|list`."""
    options.config(p)
    p.add_argument("--store", help="store NAME or ARN (default: the config's only store)")
    p.add_argument("key", nargs="?")
    p.add_argument("value", nargs="?")
    options.aws(p)


def execute(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    return kvs_command(args.config, args.kvs_command, args.store, args.key, args.value, stdout=stdout, stderr=stderr,
                       profile=args.profile, region=args.region)
