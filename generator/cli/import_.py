"""`cfroutes import PLATFORM FILE... [-o OUT] [--function NAME]`: a commented routes.yaml from another platform."""
from __future__ import annotations

import argparse
import os
from typing import TextIO

from cfroutes.compiler.bundle import write_file
from cfroutes.errors import Diagnostic, ExitCode, InputError, Span
from cfroutes.importers import Platform, run_import
from cfroutes.modes import choice
from cfroutes.terminal import escape_terminal


def import_(platform: Platform, files: list[str], *, output: str | None, function: str,
            stdout: TextIO, stderr: TextIO, site: str | None = None, cases: str | None = None) -> int:
    if cases:
        from cfroutes.importers.cases import PLATFORMS as WITH_CASES

        if platform not in WITH_CASES:  # said before anything is written
            raise InputError([Diagnostic(Span("--cases", 1, 1), f"--cases: not built for {platform} (only for "
                                         f"{', '.join(WITH_CASES)})")])
    command = "cfroutes import " + " ".join([platform] + [os.path.basename(f) for f in files])
    base = os.path.dirname(os.path.abspath(output)) if output else os.getcwd()
    imp, text = run_import(platform, files, function, command, site=site, base=base)  # InputError -> exit 2
    for w in sorted(imp.warnings, key=lambda d: (d.span.file, d.span.line)):
        stderr.write(escape_terminal(f"{w.span.file}:{w.span.line}: warning: {w.message}") + "\n")
    for o in imp.not_carried:
        stderr.write(escape_terminal(f"{o.ref}: error: not carried: {o.reason}") + "\n")
    if output:
        try:
            os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
        except OSError as e:
            raise InputError([Diagnostic(Span(output, 1, 1), f"cannot write {output}: {e.strerror or e}")]) from None
        write_file(output, text)  # InputError -> exit 2
    else:
        stdout.write(text)
    if cases:
        from cfroutes.importers.cases import render_cases

        config = os.path.relpath(os.path.abspath(output) if output else os.path.join(os.getcwd(), "routes.yaml"),
                                 os.path.dirname(os.path.abspath(cases))).replace(os.sep, "/")
        site_dir = os.path.join(base, imp.site) if imp.site is not None else None
        ctext, made, without = render_cases(imp, config, function, site_dir)
        if not ctext:
            raise InputError([Diagnostic(Span("--cases", 1, 1), f"--cases: not built for {platform} (netlify, "
                                         "vercel and amplify)")])
        write_file(cases, ctext)  # InputError -> exit 2
        why = "; ".join(f"{n} {reason}" for reason, n in sorted(without.items(), key=lambda kv: -kv[1]))
        stderr.write(f"wrote {made} case(s) to {escape_terminal(cases)}; {sum(without.values())} carried rule(s) "
                     f"without a case{': ' + why if why else ''}\n")
    stderr.write(f"imported {imp.rules} rule(s) into {len(imp.carried)} route(s) and header rule(s): "
                 f"{len(imp.not_carried)} not carried, {len(imp.skipped)} skipped, {len(imp.warnings)} warning(s)"
                 + (f" -> {escape_terminal(output)}" if output else "") + "\n")
    return ExitCode.FAILED if imp.not_carried else ExitCode.OK


def arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("platform", **choice(Platform))
    p.add_argument("files", nargs="+", metavar="FILE", help="netlify: _redirects, netlify.toml, _headers; "
                   "vercel: vercel.json; amplify: custom rules JSON; csv: the redirector's CSV")
    p.add_argument("-o", "--output", help="write here instead of stdout")
    p.add_argument("--function", default="router", help="name of the viewer-request function (default: router)")
    p.add_argument("--cases", metavar="FILE", help="also write one test case per source rule, answered as the "
                   "source platform answers it (netlify, vercel, amplify)")
    p.add_argument("--site", metavar="DIR", help="the site's publish folder (inside the output's folder): rules "
                   "that apply only where no file exists are carried exactly, with `files:` and `file: missing`")


def execute(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    return import_(args.platform, args.files, output=args.output, function=args.function, stdout=stdout,
                   stderr=stderr, site=args.site, cases=args.cases)
