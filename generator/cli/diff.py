"""`cfroutes diff --base GIT_REF [--log FILE ...] [--cases]`: what a change does to real requests."""
from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import time
from collections.abc import Callable, Iterator
from typing import TextIO

from cfroutes.cli import options
from cfroutes.cli.options import Format
from cfroutes.codes import Code
from cfroutes.colour import paint, wanted
from cfroutes.compiler import Compiled, compile_config
from cfroutes.compiler.cachekey import route_keys
from cfroutes.config.model import HeaderRule, Route
from cfroutes.diff import logs
from cfroutes.diff.base import checkout_config
from cfroutes.diff.replay import EXAMPLES_KEPT, Change, Replay, Result, case_replay, log_replay, replay
from cfroutes.errors import Diagnostic, ExitCode, InputError, Span, remember_source
from cfroutes.modes import choice
from cfroutes.serve.tenants import TenantMap, host_name, load_tenants
from cfroutes.terminal import escape_terminal
from cfroutes.testing.cases import find_case_files, inline_cases, load_cases

#: examples shown per group by default (`--examples N`, at most EXAMPLES_KEPT)
EXAMPLES = 3
#: seconds between two updates of the progress line
PROGRESS_EVERY = 0.2


def _base_build(config: str, ref: str) -> Compiled:
    with checkout_config(config, ref) as path:
        try:
            return compile_config(path)
        except InputError as exc:  # name the revision, not the temporary folder
            root = os.path.dirname(path)
            moved = []
            for d in exc.diagnostics:
                shown = f"{ref}:{os.path.relpath(d.span.file, root)}"
                with contextlib.suppress(OSError, UnicodeDecodeError):
                    remember_source(shown, open(d.span.file, encoding="utf-8").read())
                message = d.message.replace(root + os.sep, f"{ref}:").replace(root, ref)  # no temporary paths
                moved.append(dataclasses.replace(d, span=Span(shown, d.span.line, d.span.col), message=message))
            raise InputError(moved) from None


def reads_tenant(compiled: Compiled) -> bool:
    """Does some route or header rule of the config read the distribution tenant?"""
    rules: list[Route | HeaderRule] = []
    for f in compiled.config.functions:
        rules += [*f.routes, *f.headers]
    return any(r.match.tenant is not None or r.tenant_refs for r in rules)


def _requests(compiled: Compiled, log_files: list[str], cases: bool, bad: logs.BadLines,
              tenants: TenantMap | None = None) -> Iterator[Replay]:
    if cases:
        suite = inline_cases(compiled.config) + load_cases(compiled.config, find_case_files(compiled.config.path))
        for c in suite:
            yield case_replay(c)  # with the case's own tenant
    for path in log_files:
        for lr in logs.read(path, bad):
            tenant = None
            if tenants is not None:
                tenant = tenants.tenant_for(lr.host)
                if tenant is None:  # CloudFront answers such a host 403 before any function runs
                    bad.append(logs.BadLine(lr.file, lr.line, f"no distribution tenant has the domain "
                                            f"{host_name(lr.host)} (--tenants {tenants.path})"))
                    continue
            yield log_replay(lr, tenant)


def _progress(stderr: TextIO, start: float) -> tuple[Callable[[Result], None] | None, Callable[[], None]]:
    """A live status line on stderr when it is a terminal (not in CI, not in a pipe or file):
    requests replayed, changed, and the rate. Returns the callback and the function that clears it."""
    isatty = getattr(stderr, "isatty", None)
    if not (isatty and isatty()) or os.environ.get("CI"):
        return None, lambda: None
    last = [0.0]

    def show(res: Result) -> None:
        now = time.perf_counter()
        if now - last[0] < PROGRESS_EVERY:
            return
        last[0] = now
        rate = res.replayed / max(now - start, 1e-9)
        stderr.write(f"\r\x1b[Kdiff: {res.replayed:,} requests replayed, {res.changed:,} changed, "
                     f"{rate:,.0f}/s ...")
        stderr.flush()

    def clear() -> None:
        if last[0]:
            stderr.write("\r\x1b[K")
            stderr.flush()

    return show, clear


def _cache(keys: tuple[dict[tuple[str, str], str], dict[tuple[str, str], str]], ch: Change) -> tuple[str, str]:
    """The cache key of the group's route before and after (compiler/cachekey.py); "" without a policy."""
    def one(k: dict[tuple[str, str], str], route: str) -> str:
        return k.get((ch.function, route.removesuffix(" lookup missing")), "")
    return one(keys[0], ch.route_before), one(keys[1], ch.route_after)


def _text(groups: list[Change], examples: int, stdout: TextIO,
          keys: tuple[dict[tuple[str, str], str], dict[tuple[str, str], str]] = ({}, {})) -> None:
    """One block per group: count, function, route(s), kind of outcome, its cache key, then examples."""
    on = wanted(stdout)
    for ch in groups:
        routes = ch.route_before if ch.route_before == ch.route_after else f"{ch.route_before} -> {ch.route_after}"
        kinds = f"{ch.before}, other values" if ch.before == ch.after else f"{ch.before} -> {ch.after}"
        stdout.write(escape_terminal(f"{ch.count:,} request(s), {ch.function}: {routes}: {kinds}") + "\n")
        was, now = _cache(keys, ch)
        if was or now:
            cache = now if was == now else f"{was or '(no policy)'} -> {now or '(no policy)'}"
            stdout.write(escape_terminal(f"    cache: {cache}") + "\n")
        for ex in ch.examples[:examples]:
            stdout.write(escape_terminal(f"    e.g. {ex.request}  ({ex.source})") + "\n")
            stdout.write(paint(escape_terminal(f"      - {ex.before}"), "red", on) + "\n")
            stdout.write(paint(escape_terminal(f"      + {ex.after}"), "green", on) + "\n")
        if ch.count > min(examples, len(ch.examples)):
            stdout.write(f"    ... and {ch.count - min(examples, len(ch.examples)):,} more\n")


def _json(result: Result, groups: list[Change], examples: int, base: str, skipped: int,
          keys: tuple[dict[tuple[str, str], str], dict[tuple[str, str], str]] = ({}, {})) -> str:
    return json.dumps({
        "base": base, "replayed": result.replayed, "changed": result.changed, "skipped_lines": skipped,
        "groups": [{"function": ch.function, "route_before": ch.route_before, "route_after": ch.route_after,
                    "outcome_before": ch.before, "outcome_after": ch.after, "count": ch.count,
                    "cache_before": _cache(keys, ch)[0], "cache_after": _cache(keys, ch)[1],
                    "examples": [dataclasses.asdict(ex) for ex in ch.examples[:examples]]} for ch in groups],
    }, indent=2, ensure_ascii=False) + "\n"


def diff(config: str, base: str, log_files: list[str], cases: bool, *, stdout: TextIO, stderr: TextIO,
         examples: int = EXAMPLES, fmt: Format = Format.TEXT, tenants_file: str | None = None) -> int:
    start = time.perf_counter()
    if not 0 <= examples <= EXAMPLES_KEPT:
        raise InputError([Diagnostic(Span("<command line>", 1, 1), f"--examples {examples}: give 0 to "
                                     f"{EXAMPLES_KEPT}", code=Code.ARGUMENT)])
    for path in log_files:
        if path != "-" and not os.path.isfile(path):
            raise InputError([Diagnostic(Span(path, 1, 1), "log file does not exist or is not a regular file", code=Code.LOG_FILE)])
    if not log_files and not cases:
        cases = True  # nothing named: the test cases are the requests
    tenants = load_tenants(tenants_file, os.path.dirname(os.path.abspath(config))) if tenants_file else None
    after = compile_config(config)
    before = _base_build(config, base)
    if log_files and tenants is None and (reads_tenant(after) or reads_tenant(before)):
        stderr.write("note: log lines carry no distribution tenant: they are replayed as on a standard distribution "
                     "(routes with `tenant:` or tenant values fall through); `--tenants FILE` maps each line's "
                     "host to its tenant\n")
    bad = logs.BadLines()  # the first examples and a count: bounded memory
    def unusable(rq: Replay, reason: str) -> None:
        file, _, line = rq.source.rpartition(":")
        bad.append(logs.BadLine(file, int(line) if line.isdigit() else 0, reason))

    show, clear = _progress(stderr, start)
    try:
        result = replay(before, after, _requests(after, log_files, cases, bad, tenants), unusable, progress=show)
    finally:
        clear()
    for b in bad[:logs.MAX_ERRORS_SHOWN]:
        stderr.write(f"{b}\n")
    if len(bad) > logs.MAX_ERRORS_SHOWN:
        stderr.write(f"... and {len(bad) - logs.MAX_ERRORS_SHOWN:,} more skipped log lines\n")
    keys = (route_keys([f.function for f in before.functions]), route_keys([f.function for f in after.functions]))
    if fmt == Format.JSON:
        stdout.write(_json(result, result.groups(), examples, base, len(bad), keys))
        return ExitCode.FAILED if result.changed else ExitCode.OK
    _text(result.groups(), examples, stdout, keys)
    elapsed = time.perf_counter() - start
    skipped = f", {len(bad):,} log line(s) skipped" if bad else ""
    stdout.write(f"{result.replayed:,} requests replayed, {result.changed:,} changed "
                 f"(against {base}{skipped}) in {elapsed:.2f}s\n")
    return ExitCode.FAILED if result.changed else ExitCode.OK


def arguments(p: argparse.ArgumentParser) -> None:
    options.config(p)
    p.add_argument("--base", required=True, metavar="GIT_REF", help="the revision to compare with (e.g. origin/main)")
    p.add_argument("--log", action="append", default=[], metavar="FILE",
                   help="a CloudFront standard access log, plain or .gz (repeatable)")
    p.add_argument("--cases", action="store_true",
                   help="replay the test cases' requests too (the default without --log)")
    p.add_argument("--examples", type=int, default=EXAMPLES, metavar="N",
                   help="example requests shown per group of changes (default 3, at most 100)")
    p.add_argument("--format", **choice(Format, (Format.TEXT, Format.JSON)), default=Format.TEXT,
                   help="text (default) or json (the groups with counts and examples)")
    p.add_argument("--tenants", metavar="FILE",
                   help="replay log lines as a multi-tenant distribution: the tenants file of `serve --tenants` "
                        "maps each line's host to its tenant (log lines carry none)")


def execute(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    return diff(args.config, args.base, args.log, args.cases, stdout=stdout, stderr=stderr, examples=args.examples,
                fmt=args.format, tenants_file=args.tenants)
