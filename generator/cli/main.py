"""`cfroutes` entry point: argument parsing and dispatch to one module per command."""
from __future__ import annotations

import argparse
import sys
from typing import Sequence

from .. import __version__
from .error_handler import error_handler


def _config(p: argparse.ArgumentParser) -> None:
    p.add_argument("-c", "--config", default="routes.yaml", help="the routes file (default: ./routes.yaml)")


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="cfroutes", description="routes.yaml -> verified, tested CloudFront Functions")
    ap.add_argument("--version", action="version", version=f"cfroutes {__version__}")
    ap.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    sub = ap.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    p = sub.add_parser("build", help="write the bundle (functions, KVS import files, manifest)")
    _config(p)
    p.add_argument("-o", "--output", default="dist", help="output directory (default: ./dist)")
    p.add_argument("--check", action="store_true", help="write nothing; exit 1 when the output is stale")
    p.add_argument("--pretty", action="store_true", help="readable, unminified code (not for upload)")
    p.add_argument("--debug-header", action="store_true",
                   help="add an x-cfroutes-route header naming the matched route (costs bytes)")

    p = sub.add_parser("check", help="validate, build in memory, lint, enforce size and syntax, run the tests")
    _config(p)
    p.add_argument("--strict", action="store_true", help="warnings fail the check too")

    p = sub.add_parser("test", help="run test cases")
    _config(p)
    p.add_argument("cases", nargs="*", help="test case YAML files (default: the config's inline tests)")
    p.add_argument("--coverage", action="store_true", help="list routes and header rules no case exercises")
    p.add_argument("--fail-under", type=float, metavar="PCT", help="exit 1 when coverage is below PCT (implies --coverage)")

    p = sub.add_parser("run", help="send one request through a built function")
    _config(p)
    p.add_argument("-f", "--function", help="function name (needed when the config has several)")
    p.add_argument("request", help="'GET https://host/path?q' or just a path")
    p.add_argument("-H", "--header", action="append", default=[], help="'name: value' (repeatable)")
    p.add_argument("--kvs", action="append", default=[], help="key=value merged over the seed (repeatable)")

    p = sub.add_parser("emulate", help="run any CloudFront Function file on an event (TestResult JSON)")
    p.add_argument("function_file")
    p.add_argument("--event", required=True, help="event JSON file")
    p.add_argument("--runtime", choices=("cloudfront-js-1.0", "cloudfront-js-2.0"))
    p.add_argument("--kvs", help="KVS import file or plain JSON object")

    p = sub.add_parser("diff", help="requests (from access logs or the test cases) whose outcome a change alters")
    _config(p)
    p.add_argument("--base", required=True, metavar="GIT_REF", help="the revision to compare with (e.g. origin/main)")
    p.add_argument("--log", action="append", default=[], metavar="FILE",
                   help="a CloudFront standard access log, plain or .gz (repeatable)")
    p.add_argument("--cases", action="store_true", help="replay the test cases' requests too (the default without --log)")

    p = sub.add_parser("report", help="one self-contained HTML page: routes, sizes, KVS use, coverage, lints")
    _config(p)
    p.add_argument("-o", "--output", default="report.html", help="the page to write (default: ./report.html; - for stdout)")

    p = sub.add_parser("serve", help="a local HTTP server that plays the edge with the built functions")
    _config(p)
    p.add_argument("--origin", metavar="DIR|URL", help="a folder, or an upstream such as http://127.0.0.1:3000")
    p.add_argument("--port", type=int, default=8787, help="port to listen on (default 8787; 0 picks a free one)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")

    p = sub.add_parser("kvs", help="KeyValueStore helpers")
    ks = p.add_subparsers(dest="kvs_command", metavar="SUBCOMMAND")
    ks.required = True
    kp = ks.add_parser("plan", help="UpdateKeys batches that turn the current store into the bundle's")
    _config(kp)
    kp.add_argument("-f", "--function", help="function name (needed when several have a store)")
    kp.add_argument("--current", required=True, help="current store content: import file, JSON object or list-keys output")
    kp.add_argument("--overwrite-seed", action="store_true", help="also reset seed keys whose live value differs")
    return ap


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    out, err = sys.stdout, sys.stderr
    with error_handler(args.debug, err) as result:
        if args.command == "build":
            from .build import build

            result.code = build(args.config, args.output, check=args.check, pretty=args.pretty,
                                debug_header=args.debug_header, stdout=out, stderr=err)
        elif args.command == "check":
            from .check import check

            result.code = check(args.config, strict=args.strict, stdout=out, stderr=err)
        elif args.command == "test":
            from .test import test

            result.code = test(args.config, args.cases, stdout=out, stderr=err,
                               coverage=args.coverage, fail_under=args.fail_under)
        elif args.command == "run":
            from .run import run

            result.code = run(args.config, args.request, function=args.function, headers=args.header,
                              kvs=args.kvs, stdout=out, stderr=err)
        elif args.command == "emulate":
            from .emulate import emulate

            result.code = emulate(args.function_file, args.event, args.runtime, args.kvs, out, err)
        elif args.command == "diff":
            from .diff import diff

            result.code = diff(args.config, args.base, args.log, args.cases, stdout=out, stderr=err)
        elif args.command == "report":
            from .report import report

            result.code = report(args.config, args.output, stdout=out, stderr=err)
        elif args.command == "serve":
            from .serve import serve

            result.code = serve(args.config, args.origin, args.port, args.host, stdout=out, stderr=err)
        elif args.command == "kvs":
            from .kvs_plan import kvs_plan

            result.code = kvs_plan(args.config, args.current, function=args.function, stdout=out, stderr=err,
                                  overwrite_seed=args.overwrite_seed)
        else:  # pragma: no cover
            raise AssertionError(f"unhandled command {args.command!r}")
    assert isinstance(result.code, int), result.code
    return int(result.code)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
