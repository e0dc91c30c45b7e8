"""`cfroutes` entry point: argument parsing and dispatch to one module per command."""
from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from cfroutes import __version__
from cfroutes.cli.error_handler import error_handler
from cfroutes.cli.formats import CHECK_FORMATS, TEST_FORMATS, Format
from cfroutes.cli.serve import _add_serve_tenants_arguments
from cfroutes.codes import Code
from cfroutes.emulator.tenant import Tenant, tenant_from_options
from cfroutes.errors import Diagnostic, ExitCode, InputError, Span
from cfroutes.platform.profile import RUNTIMES
from cfroutes.testing.fail_under import percent


def _config(p: argparse.ArgumentParser) -> None:
    p.add_argument("-c", "--config", default="routes.yaml", help="the routes file (default: ./routes.yaml)")


def _engine(p: argparse.ArgumentParser, choices: tuple[str, ...] = ("quickjs", "njs", "both")) -> None:
    p.add_argument("--engine", choices=choices, default="quickjs",
                   help="quickjs (embedded, default), njs (the nginx engine CloudFront's runtime descends from)"
                   + (", or both (a divergence fails)" if "both" in choices else ""))


def _tenant(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("distribution tenant (CloudFront SaaS Manager; without --tenant-id: a standard distribution)")
    g.add_argument("--tenant-id", help="run as this distribution tenant (cf.distributionTenant.id), e.g. dt_1a2b3c4d5e6f7")
    g.add_argument("--tenant-param", action="append", default=[], metavar="NAME=VALUE",
                   help="a parameter of the tenant (cf.distributionTenant.parameters.get), repeatable")
    g.add_argument("--endpoint", help="the connection group's domain (event.context.endpoint)")


def _tenant_of(args: argparse.Namespace) -> Tenant | None:
    """The tenant options as a Tenant (None: a standard distribution); bad ones exit 2."""
    try:
        return tenant_from_options(args.tenant_id, args.tenant_param, args.endpoint)
    except ValueError as exc:
        raise InputError([Diagnostic(Span("<command line>", 1, 1), str(exc), code=Code.ARGUMENT)]) from None


def _format(p: argparse.ArgumentParser, choices: tuple[Format, ...]) -> None:
    p.add_argument("--format", choices=[c.value for c in choices], default="text", metavar="|".join(choices),
                   help="text (default, for people), json (a list of diagnostics and results), github "
                   "(annotations in GitHub Actions)" + (", junit (JUnit XML)" if Format.JUNIT in choices else ""))


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
    _format(p, CHECK_FORMATS)
    _engine(p)

    p = sub.add_parser("test", help="run test cases")
    _config(p)
    p.add_argument("cases", nargs="*", help="test case YAML files (default: the config's inline tests)")
    p.add_argument("--coverage", action="store_true", help="list routes and header rules no case exercises")
    p.add_argument("--fail-under", type=percent, metavar="PCT", help="exit 1 when coverage is below PCT (implies --coverage)")
    _format(p, TEST_FORMATS)
    p.add_argument("--watch", action="store_true",
                   help="rerun the affected cases whenever the config, a seed or a cases file changes (Ctrl-C stops)")
    _aws(p.add_argument_group("remote (CloudFront's TestFunction, needs cfroutes[aws])"), remote=True)
    _engine(p)

    p = sub.add_parser("run", help="send one request through a built function")
    _config(p)
    p.add_argument("-f", "--function", help="function name (default: the only one, or the only viewer-request one)")
    p.add_argument("request", help="'GET https://host/path?q' or just a path")
    p.add_argument("-H", "--header", action="append", default=[], help="'name: value' (repeatable)")
    p.add_argument("--kvs", action="append", default=[], help="key=value merged over the seed (repeatable)")
    p.add_argument("--kvs-delete", action="append", default=[], metavar="KEY",
                   help="run as if the store had no such key (repeatable)")
    p.add_argument("--country", help="the viewer's country (sets cloudfront-viewer-country), e.g. DE")
    _tenant(p)

    p = sub.add_parser("emulate", help="run any CloudFront Function file on an event (TestResult JSON)")
    p.add_argument("function_file")
    p.add_argument("--event", required=True, help="event JSON file")
    p.add_argument("--runtime", choices=RUNTIMES)
    p.add_argument("--kvs", help="KVS import file or plain JSON object")
    _tenant(p)
    _engine(p, ("quickjs", "njs"))

    p = sub.add_parser("diff", help="requests (from access logs or the test cases) whose outcome a change alters")
    _config(p)
    p.add_argument("--base", required=True, metavar="GIT_REF", help="the revision to compare with (e.g. origin/main)")
    p.add_argument("--log", action="append", default=[], metavar="FILE",
                   help="a CloudFront standard access log, plain or .gz (repeatable)")
    p.add_argument("--cases", action="store_true", help="replay the test cases' requests too (the default without --log)")
    p.add_argument("--examples", type=int, default=3, metavar="N",
                   help="example requests shown per group of changes (default 3, at most 100)")
    p.add_argument("--format", choices=("text", "json"), default="text",
                   help="text (default) or json (the groups with counts and examples)")
    _add_serve_tenants_arguments(p, "diff")

    p = sub.add_parser("report", help="one self-contained HTML page: routes, sizes, KVS use, coverage, lints")
    _config(p)
    p.add_argument("-o", "--output", default="report.html", help="the page to write (default: ./report.html; - for stdout)")

    p = sub.add_parser("serve", help="a local HTTP server that plays the edge with the built functions")
    _config(p)
    p.add_argument("--origin", metavar="DIR|URL", help="a folder, or an upstream such as http://127.0.0.1:3000")
    p.add_argument("--port", type=int, default=8787, help="port to listen on (default 8787; 0 picks a free one)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1; ::1 for IPv6)")
    p.add_argument("--allowed-hosts", default="any", metavar="any|routed|NAME,...",
                   help="Host headers answered: any (default); routed: the hosts the routes name and "
                        "localhost (DNS rebinding protection); or a list such as 'a.test,*.b.test'")
    _tenant(p)
    _add_serve_tenants_arguments(p)

    p = sub.add_parser("import", help="a routes.yaml from Netlify, Vercel, Amplify or AWS redirector CSV rules")
    p.add_argument("platform", choices=("netlify", "vercel", "amplify", "csv"))
    p.add_argument("files", nargs="+", metavar="FILE", help="netlify: _redirects, netlify.toml, _headers; "
                   "vercel: vercel.json; amplify: custom rules JSON; csv: the redirector's CSV")
    p.add_argument("-o", "--output", help="write here instead of stdout")
    p.add_argument("--function", default="router", help="name of the viewer-request function (default: router)")
    p.add_argument("--cases", metavar="FILE", help="also write one test case per source rule, answered as the "
                   "source platform answers it (netlify)")
    p.add_argument("--site", metavar="DIR", help="the site's publish folder (inside the output's folder): rules "
                   "that apply only where no file exists are carried exactly, with `files:` and `file: missing`")

    p = sub.add_parser("schema", help="print the JSON Schema of routes.yaml (or of a cases file)")
    p.add_argument("--cases", action="store_true", help="the schema of *.cases.yaml files")

    p = sub.add_parser("kvs", help="KeyValueStore helpers")
    ks = p.add_subparsers(dest="kvs_command", metavar="SUBCOMMAND")
    ks.required = True
    kp = ks.add_parser("plan", help="UpdateKeys batches that turn the current store into the bundle's")
    _config(kp)
    kp.add_argument("-f", "--function", help="function name (needed when several have a store)")
    kp.add_argument("--current", required=True, help="current store content: import file, JSON object or list-keys output")
    kp.add_argument("--overwrite-seed", action="store_true", help="also reset seed keys whose live value differs")
    for sub_name, what in (("get", "print a key's value"), ("put", "validate against the config, then PutKey"),
                           ("delete", "DeleteKey"), ("list", "every key (ListKeys pages), as list-keys JSON")):
        kp = ks.add_parser(sub_name, help=what)
        _config(kp)
        kp.add_argument("--store", help="store NAME or ARN (default: the config's only store)")
        kp.add_argument("key", nargs="?")
        kp.add_argument("value", nargs="?")
        _aws(kp)

    p = sub.add_parser("export", help="CloudFormation, Terraform or CDK for the bundle")
    _config(p)
    p.add_argument("target", choices=("cloudformation", "terraform", "cdk"))
    p.add_argument("-o", "--output", help="output file (default: stdout); CloudFormation: .json or YAML")
    p.add_argument("--lang", choices=("typescript", "python"), help="CDK language (default: by -o's extension)")
    p.add_argument("--dist", default="dist", help="the bundle directory the output refers to (default: ./dist)")
    p.add_argument("--prefix", default="", help="name every function and store P<name> (stages in one account)")
    p.add_argument("--kvs-bucket", help="CloudFormation: the S3 bucket holding the stores' import files "
                   "(needed when a function reads seed keys or spilled routes)")

    p = sub.add_parser("deploy", help="plan (default) or --apply: functions, stores, remote tests, publish, keys")
    _config(p)
    p.add_argument("--apply", action="store_true", help="carry the plan out (default: print it)")
    p.add_argument("--stage", choices=("DEVELOPMENT", "LIVE"), default="LIVE",
                   help="LIVE (default): publish and write existing stores; DEVELOPMENT: stop after the tests")
    p.add_argument("--dist", default="dist", help="the bundle directory (only compared; default: ./dist)")
    p.add_argument("--prefix", default="", metavar="P",
                   help="name every function and store P<name> in AWS (staging and prod in one account)")
    p.add_argument("--attach", metavar="DIST_ID[:PATH_PATTERN]",
                   help="associate the published viewer functions with the distribution's cache behaviour "
                        "(default behaviour without PATH_PATTERN), ETag-guarded")
    _aws(p)
    return ap


def _aws(p: argparse._ActionsContainer, remote: bool = False) -> None:
    if remote:
        p.add_argument("--remote", action="store_true", help="run the cases through CloudFront's TestFunction")
        p.add_argument("--stage", choices=("DEVELOPMENT", "LIVE"), default="DEVELOPMENT")
        p.add_argument("--prefix", default="", metavar="P",
                       help="with --remote: the functions are named P<name> in AWS (deploy --prefix P)")
    p.add_argument("--profile", help="AWS profile (default: the usual boto3 chain)")
    p.add_argument("--region", help="AWS region for signing (default: the profile's, else us-east-1)")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    out, err = sys.stdout, sys.stderr
    if getattr(args, "engine", "quickjs") != "quickjs":
        from cfroutes.emulator import njs

        if not njs.available():
            err.write(str(njs.NjsUnavailable()) + "\n")
            return ExitCode.INVALID_INPUT
    with error_handler(args.debug, err) as result:
        if args.command == "build":
            from cfroutes.cli.build import build

            result.code = build(args.config, args.output, check=args.check, pretty=args.pretty,
                                debug_header=args.debug_header, stdout=out, stderr=err)
        elif args.command == "check":
            from cfroutes.cli.check import check

            result.code = check(args.config, strict=args.strict, engine=args.engine, fmt=Format(args.format),
                                stdout=out, stderr=err)
        elif args.command == "test":
            from cfroutes.cli.test import test

            result.code = test(args.config, args.cases, engine=args.engine, stdout=out, stderr=err,
                               coverage=args.coverage, fail_under=args.fail_under, remote=args.remote,
                               stage=args.stage, profile=args.profile, region=args.region, prefix=args.prefix,
                               fmt=Format(args.format), watch=args.watch)
        elif args.command == "run":
            from cfroutes.cli.run import run

            result.code = run(args.config, args.request, function=args.function, headers=args.header,
                              kvs=args.kvs, stdout=out, stderr=err, country=args.country,
                              kvs_delete=args.kvs_delete, tenant=_tenant_of(args))
        elif args.command == "emulate":
            from cfroutes.cli.emulate import emulate

            result.code = emulate(args.function_file, args.event, args.runtime, args.kvs, out, err, engine=args.engine,
                                  tenant=_tenant_of(args))
        elif args.command == "diff":
            from cfroutes.cli.diff import diff

            result.code = diff(args.config, args.base, args.log, args.cases, stdout=out, stderr=err,
                               examples=args.examples, fmt=args.format, tenants_file=args.tenants)
        elif args.command == "report":
            from cfroutes.cli.report import report

            result.code = report(args.config, args.output, stdout=out, stderr=err)
        elif args.command == "serve":
            from cfroutes.cli.serve import serve

            result.code = serve(args.config, args.origin, args.port, args.host, stdout=out, stderr=err,
                                allowed_hosts=args.allowed_hosts, tenant=_tenant_of(args), tenants_file=args.tenants)
        elif args.command == "kvs" and args.kvs_command != "plan":
            from cfroutes.cli.kvs import kvs_command

            result.code = kvs_command(args.config, args.kvs_command, args.store, args.key, args.value,
                                      stdout=out, stderr=err, profile=args.profile, region=args.region)
        elif args.command == "export":
            from cfroutes.cli.export import export

            result.code = export(args.config, args.target, args.output, lang=args.lang, dist=args.dist,
                                 prefix=args.prefix, kvs_bucket=args.kvs_bucket, stdout=out, stderr=err)
        elif args.command == "deploy":
            from cfroutes.cli.deploy import deploy

            result.code = deploy(args.config, apply_changes=args.apply, stage=args.stage, dist=args.dist,
                                 stdout=out, stderr=err, profile=args.profile, region=args.region,
                                 prefix=args.prefix, attach=args.attach)
        elif args.command == "import":
            from cfroutes.cli.import_ import import_

            result.code = import_(args.platform, args.files, output=args.output, function=args.function,
                                  stdout=out, stderr=err, site=args.site, cases=args.cases)
        elif args.command == "schema":
            from cfroutes.cli.schema import schema

            result.code = schema(cases=args.cases, stdout=out)
        elif args.command == "kvs":
            from cfroutes.cli.kvs_plan import kvs_plan

            result.code = kvs_plan(args.config, args.current, function=args.function, stdout=out, stderr=err,
                                  overwrite_seed=args.overwrite_seed)
        else:  # pragma: no cover
            raise AssertionError(f"unhandled command {args.command!r}")
    assert isinstance(result.code, int), result.code
    return int(result.code)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
