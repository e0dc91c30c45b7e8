"""`cfroutes export cloudformation|terraform|cdk [-o FILE] [--lang typescript|python] [--prefix P] [--kvs-bucket B]`."""
from __future__ import annotations

import argparse
import os
from typing import TextIO

from cfroutes.cli import options
from cfroutes.codes import Code
from cfroutes.compiler.bundle import write_file
from cfroutes.errors import Diagnostic, ExitCode, InputError, Span
from cfroutes.iac import cdk, cloudformation, source, terraform
from cfroutes.modes import Choice, choice
from cfroutes.platform.event import CONNECTION_REQUEST
from cfroutes.terminal import escape_terminal


class Target(Choice):
    """What `cfroutes export` writes."""

    CLOUDFORMATION = "cloudformation"
    TERRAFORM = "terraform"
    CDK = "cdk"


class Lang(Choice):
    """The CDK construct's language."""

    TYPESCRIPT = "typescript"
    PYTHON = "python"


def export(config: str, target: Target, output: str | None, *, lang: Lang | None, dist: str,
           stdout: TextIO, stderr: TextIO, prefix: str = "", kvs_bucket: str | None = None) -> int:
    if lang is not None and target != Target.CDK:
        raise InputError([Diagnostic(Span("<command line>", 1, 1),
                                     f"--lang {lang} applies only to `export cdk`, not to {target}", code=Code.ARGUMENT)])
    if kvs_bucket is not None and target != Target.CLOUDFORMATION:
        raise InputError([Diagnostic(Span("<command line>", 1, 1),
                                     f"--kvs-bucket applies only to `export cloudformation`, not to {target}", code=Code.ARGUMENT)])
    b = source.load(config, dist, stderr, prefix)
    out_dir = os.path.dirname(os.path.abspath(output)) if output else os.getcwd()
    if target == Target.CLOUDFORMATION:
        fmt = "json" if output and output.lower().endswith(".json") else "yaml"
        try:
            text = cloudformation.render(b, config, fmt, kvs_bucket)
        except cloudformation.MissingStoreData as e:
            stderr.write(f"cfroutes: export refused: {escape_terminal(str(e))}\n")
            return ExitCode.FAILED
        warning = cloudformation.size_warning(text, output or "the template")
        if warning:
            stderr.write(escape_terminal(warning) + "\n")
        spilled = [cf.name for cf in b.functions if cf.plan.spilled]
        if spilled:
            stderr.write(f"note: {', '.join(spilled)} read(s) spilled routes from the store: the template fills it "
                         "only when the stack creates it; before a later stack update that changes them, run "
                         f"`cfroutes deploy --apply{' --prefix ' + prefix if prefix else ''}` (keys first)\n")
    elif target == Target.TERRAFORM:
        text = terraform.render(b, config, out_dir)
        for cf in b.functions:
            if cf.function.event == CONNECTION_REQUEST:
                stderr.write("warning: " + escape_terminal(" ".join(terraform.connection_not_exported(b, cf))) + "\n")
    else:
        if lang is None:
            lang = Lang.PYTHON if output and output.endswith(".py") else Lang.TYPESCRIPT
        text = cdk.render(b, config, out_dir, lang)
    if not output or output == "-":
        stdout.write(text)
        return ExitCode.OK
    write_file(output, text)  # InputError -> exit 2
    stderr.write(f"wrote {escape_terminal(output)}: {target}{f' ({lang})' if target == Target.CDK else ''}, "
                 f"{len(b.functions)} function(s), {len(b.stores())} store(s)"
                 f"{', names prefixed ' + repr(prefix) if prefix else ''}\n")
    return ExitCode.OK


def arguments(p: argparse.ArgumentParser) -> None:
    options.config(p)
    p.add_argument("target", **choice(Target))
    p.add_argument("-o", "--output", help="output file (default: stdout); CloudFormation: .json or YAML")
    p.add_argument("--lang", **choice(Lang), help="CDK language (default: by -o's extension)")
    p.add_argument("--dist", default="dist", help="the bundle directory the output refers to (default: ./dist)")
    p.add_argument("--prefix", default="", help="name every function and store P<name> (stages in one account)")
    p.add_argument("--kvs-bucket", help="CloudFormation: the S3 bucket holding the stores' import files "
                   "(needed when a function reads seed keys or spilled routes)")


def execute(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    return export(args.config, args.target, args.output, lang=args.lang, dist=args.dist, prefix=args.prefix,
                  kvs_bucket=args.kvs_bucket, stdout=stdout, stderr=stderr)
