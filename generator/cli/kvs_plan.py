"""`cfroutes kvs plan --current FILE`: UpdateKeys batches for a live store (JSON on stdout)."""
from __future__ import annotations

import argparse
import json
from typing import TextIO

from cfroutes.cli import options
from cfroutes.codes import Code
from cfroutes.compiler import compile_config
from cfroutes.errors import Diagnostic, ExitCode, InputError, Span, file_diagnostic, render_all
from cfroutes.kvs.importfile import SHAPES, StoreFileError
from cfroutes.kvs.updates import parse_current, plan_updates
from cfroutes.safeio import STORE_MAX, UserFileError, read_text


def kvs_plan(config: str, current_path: str, *, function: str | None, stdout: TextIO, stderr: TextIO,
             overwrite_seed: bool = False) -> int:
    compiled = compile_config(config)
    if compiled.errors:
        stderr.write(render_all(compiled.errors) + "\n")
        return ExitCode.FAILED
    with_store = [f for f in compiled.functions if f.kvs_data is not None]
    if function:
        with_store = [f for f in with_store if f.name == function]
    if len(with_store) != 1:
        names = ", ".join(f.name for f in compiled.functions if f.kvs_data is not None) or "none"
        what = f"no function '{function}' with a store" if function else "several functions have a store"
        if not function and not with_store:
            what = "no function has a `kvs:` store"
        raise InputError([Diagnostic(Span(config, 1, 1), f"{what}; use -f NAME (functions with a store: {names})", code=Code.ARGUMENT)])
    fn = with_store[0]
    try:
        text = read_text(current_path, STORE_MAX, "the current store")
    except UserFileError as e:
        raise InputError([file_diagnostic(e)]) from None
    try:
        current = parse_current(text)
    except StoreFileError as e:
        raise InputError([Diagnostic(Span(current_path, e.line, e.col), f"cannot read the current store: {e.message}",
                                     hint="pass the whole store: " + SHAPES, code=Code.FILE_UNREADABLE)]) from None
    seed_keys = {k for k, _ in (fn.function.kvs.seed if fn.function.kvs else ())}
    plan = plan_updates(fn.kvs_data or [], seed_keys, current, overwrite_seed=overwrite_seed)
    doc = {"function": fn.name, "kvs": fn.function.kvs.name if fn.function.kvs else None, **plan.to_json()}
    stdout.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    s = plan.summary()
    stderr.write(f"{s['puts']} puts in {s['batches']} UpdateKeys batch(es) before the code is published, "
                 f"{s['deletes']} deletes in {s['after_publish_batches']} batch(es) after it; "
                 f"{s['seed_keys_kept']} seed keys kept as they are live; "
                 f"{s['foreign_keys_untouched']} keys not owned by the config left untouched\n")
    return ExitCode.OK


def arguments(p: argparse.ArgumentParser) -> None:
    options.config(p)
    p.add_argument("-f", "--function", help="function name (needed when several have a store)")
    p.add_argument("--current", required=True,
                   help="current store content: import file, JSON object or list-keys output")
    p.add_argument("--overwrite-seed", action="store_true", help="also reset seed keys whose live value differs")


def execute(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    return kvs_plan(args.config, args.current, function=args.function, stdout=stdout, stderr=stderr,
                    overwrite_seed=args.overwrite_seed)
