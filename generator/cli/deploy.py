"""`cfroutes deploy [--apply] [--stage DEVELOPMENT|LIVE] [--prefix P] [--attach DIST_ID[:PATH_PATTERN]]`:
the plan (generator/deploy/changeset.py), and with --apply the consistent order
(generator/deploy/apply.py). On any failure, what LIVE runs now and whether its data is
complete is printed before the error line."""
from __future__ import annotations

import argparse
from typing import TextIO

from cfroutes.cli import options
from cfroutes.codes import Code
from cfroutes.deploy.apply import Progress, apply, live_state, parse_attach
from cfroutes.deploy.aws import NO_CREDENTIALS, Aws, AwsFailure
from cfroutes.deploy.changeset import OFFLINE, DeployPlan, describe, describe_offline, make_plan, nothing_to_do
from cfroutes.errors import Diagnostic, ExitCode, InputError, Span
from cfroutes.modes import Stage, choice


def _print_live(aws: Aws, plan: DeployPlan, progress: Progress, stdout: TextIO) -> None:
    stdout.write("deploy did not finish; LIVE now:\n" + "\n".join(live_state(aws, plan, progress)) + "\n"
                 "re-run `cfroutes deploy --apply` to converge (every step compares before it writes)\n")


def deploy(config: str, *, apply_changes: bool, stage: Stage, dist: str, stdout: TextIO, stderr: TextIO,
           aws: Aws | None = None, profile: str | None = None, region: str | None = None,
           prefix: str = "", attach: str | None = None) -> int:
    from cfroutes.compiler import gc_paused
    from cfroutes.iac.source import check_prefix, load
    from cfroutes.testing.session import collect

    target = parse_attach(attach) if attach is not None else None
    if target is not None and (not target[0] or target[1] == ""):
        raise InputError([Diagnostic(Span("<command line>", 1, 1), "--attach needs DIST_ID[:PATH_PATTERN] "
                                     "(no PATH_PATTERN: the default cache behaviour)", code=Code.ARGUMENT)])
    if target is not None and stage != "LIVE":
        raise InputError([Diagnostic(Span("<command line>", 1, 1), "--attach associates published functions: "
                                     "it needs --stage LIVE", code=Code.ARGUMENT)])
    b = load(config, dist, stderr)
    check_prefix(prefix, [cf.name for cf in b.functions] +  # the one rule, as export applies it
                 [cf.function.kvs.name for cf in b.functions if cf.function.kvs is not None])
    with gc_paused():
        cases = collect(b.compiled, [])
    aws = aws or Aws(profile=profile, region=region)
    if not aws.has_credentials():
        if apply_changes:
            raise AwsFailure(f"deploy --apply: {NO_CREDENTIALS}")
        # the dry run still shows what it can: the bundle's side of the plan
        stdout.write(f"deploy plan for {config} (stage {stage}), {OFFLINE}:\n")
        stdout.write("\n".join(describe_offline(b, cases, stage, dist, prefix)) + "\n")
        stdout.write(f"dry run, {OFFLINE}: nothing was changed; to compare with the account, "
                     f"{NO_CREDENTIALS.split(': ', 1)[1]}\n")
        return ExitCode.OK
    try:
        plan = make_plan(aws, b, config, cases, stage=stage, prefix=prefix)
    except AwsFailure:
        stdout.write("deploy stopped while reading the account, before any write: LIVE is as it was\n")
        raise
    stdout.write(f"deploy plan for {config} (stage {stage}):\n")
    stdout.write("\n".join(describe(plan, stage, dist)) + "\n")
    if target is not None:
        where = f"cache behaviour {target[1]!r}" if target[1] else "default cache behaviour"
        stdout.write(f"  attach    the viewer functions to the {where} of distribution {target[0]} (if not yet)\n")
    if nothing_to_do(plan, stage) and target is None:
        stdout.write("nothing to do: CloudFront already holds this build\n")
        return ExitCode.OK
    if not apply_changes:
        stdout.write("dry run: nothing was changed; `cfroutes deploy --apply` carries this out\n")
        return ExitCode.OK
    stdout.write("applying:\n")
    progress = Progress()
    try:
        ok = apply(aws, plan, stage, b.compiled, stdout, progress, target)
    except AwsFailure:
        _print_live(aws, plan, progress, stdout)
        raise
    if not ok:
        _print_live(aws, plan, progress, stdout)
        return ExitCode.FAILED
    stdout.write("deploy complete\n")
    return ExitCode.OK


def arguments(p: argparse.ArgumentParser) -> None:
    options.config(p)
    p.add_argument("--apply", action="store_true", help="carry the plan out (default: print it)")
    p.add_argument("--stage", **choice(Stage), default=Stage.LIVE,
                   help="LIVE (default): publish and write existing stores; DEVELOPMENT: stop after the tests")
    p.add_argument("--dist", default="dist", help="the bundle directory (only compared; default: ./dist)")
    p.add_argument("--prefix", default="", metavar="P",
                   help="name every function and store P<name> in AWS (staging and prod in one account)")
    p.add_argument("--attach", metavar="DIST_ID[:PATH_PATTERN]",
                   help="associate the published viewer functions with the distribution's cache behaviour "
                        "(default behaviour without PATH_PATTERN), ETag-guarded")
    options.aws(p)


def execute(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    return deploy(args.config, apply_changes=args.apply, stage=args.stage, dist=args.dist, stdout=stdout,
                  stderr=stderr, profile=args.profile, region=args.region, prefix=args.prefix, attach=args.attach)
