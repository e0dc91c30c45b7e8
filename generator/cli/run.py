"""`cfroutes run`: send one request through a built function and show what happened."""
from __future__ import annotations

import argparse
import difflib
import json
import re
import shlex
from collections.abc import Sequence
from typing import Any, TextIO

from cfroutes.cli import options
from cfroutes.cli.refused import report_refused
from cfroutes.codes import Code
from cfroutes.compiler import Compiled, compile_config
from cfroutes.config import schema
from cfroutes.config.model import VIEWER_RESPONSE
from cfroutes.emulator.tenant import Tenant, with_tenant
from cfroutes.errors import Diagnostic, ExitCode, InputError, Span
from cfroutes.platform.event import CONNECTION_REQUEST
from cfroutes.terminal import EscapingWriter
from cfroutes.testing.cases import Case, Expect, connection_event
from cfroutes.testing.events import RequestError, build_event
from cfroutes.testing.runner import DEBUG_HEADER, Runner, errors_of, outcome

ARG = "<command line>"


def _fail(message: str, col: int = 1, hint: str | None = None) -> InputError:
    return InputError([Diagnostic(Span(ARG, 1, col), message, hint=hint, code=Code.ARGUMENT)])


def _pick(compiled: Compiled, name: str | None) -> str:
    names = [f.name for f in compiled.functions]
    if name is None:
        if len(names) == 1:
            return names[0]
        requests = [f.name for f in compiled.functions if f.function.event != VIEWER_RESPONSE]
        if len(requests) == 1:  # the one a request goes through first
            return requests[0]
        raise _fail(f"the config has several functions ({', '.join(names)}): choose one with -f")
    if name not in names:
        close = [n for n in names if n.startswith(name)] or difflib.get_close_matches(name, names, n=1, cutoff=0.5)
        raise _fail(f"no function '{name}' in {compiled.config.path}",
                    hint=f"did you mean '{close[0]}'?" if close else "functions: " + ", ".join(names))
    return name


def parse_headers(items: list[str]) -> dict[str, list[str]]:
    """`-H 'name: value'` options -> name -> values (a repeated name is a repeated header)."""
    out: dict[str, list[str]] = {}
    for item in items:
        name, sep, value = item.partition(":")
        if not sep or not name.strip():
            raise _fail(f"-H {item!r}: expected 'name: value'")
        out.setdefault(name.strip().lower(), []).append(value.strip())
    return out


def parse_kvs(items: list[str], deletes: Sequence[str] = ()) -> dict[str, str | None]:
    """`--kvs key=value` options (`key=` stores an empty value) and `--kvs-delete key` (no such key)."""
    out: dict[str, str | None] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not key or not sep:
            raise _fail(f"--kvs {item!r}: expected key=value",
                        hint=None if sep else f"to run without the key, write --kvs-delete {item!r}")
        out[key] = value
    for key in deletes:
        if not key:
            raise _fail("--kvs-delete '': expected a key")
        out[key] = None
    return out


def connection_request(text: str) -> dict[str, Any]:
    """`cfroutes run` of a connection-request function: the request is `field=value` words
    (shell-quoted: `clientIp=203.0.113.9 'subject=CN=laptop,O=Example Corp'`, `clientCertificate=false`),
    each field of a case's `connection:`, the others at their defaults (testing/cases.py)."""
    try:
        words = shlex.split(text)
    except ValueError as e:
        raise _fail(f"connection {text!r}: {e}") from None
    fields: dict[str, str] = {}
    certificate = True
    for word in words:
        key, sep, value = word.partition("=")
        if not sep or key not in schema.CASE_CONNECTION.keys:
            raise _fail(f"connection: {word!r} is not field=value",
                        hint="fields: " + ", ".join(schema.CASE_CONNECTION.keys))
        if key == "clientCertificate":
            if value not in ("true", "false"):
                raise _fail(f"connection: clientCertificate={value!r}: expected true or false")
            certificate = value == "true"
        else:
            fields[key] = value
    return connection_event(fields, certificate)


def run(config: str, request: str, *, function: str | None, headers: list[str], kvs: list[str],
        stdout: TextIO, stderr: TextIO, country: str | None = None, kvs_delete: Sequence[str] = (),
        tenant: Tenant | None = None) -> int:
    stdout = EscapingWriter(stdout)  # type: ignore[assignment]  # data (uri, logs, headers) may hold ESC
    compiled = compile_config(config)
    name = _pick(compiled, function)
    fn = compiled.function(name)
    assert fn is not None
    overrides = parse_kvs(kvs, kvs_delete)
    if overrides and fn.function.kvs is None:
        raise _fail(f"function '{name}' has no KeyValueStore: --kvs/--kvs-delete do not apply")
    hdrs = parse_headers(headers)
    if country is not None:
        if not re.fullmatch(r"[A-Za-z]{2}", country):
            raise _fail(f"--country {country!r}: expected a two-letter country code such as DE")
        hdrs["cloudfront-viewer-country"] = [country.upper()]
    if fn.function.event == CONNECTION_REQUEST:
        if hdrs or tenant is not None:
            raise _fail("-H, --country and --tenant-* do not apply to a connection-request function")
        event = connection_request(request)
    else:
        try:
            event = build_event(request, event_type=fn.function.event, headers=hdrs)
        except RequestError as e:
            raise _fail(f"request {request!r}: {e.message}", e.column or 1, e.hint) from None
        event = with_tenant(event, tenant)
    if compiled.errors:
        stderr.write("warning: the build has errors (see `cfroutes check`); running it anyway\n")
    runner = Runner(compiled)
    refused = runner.edge().load_failure(name)
    if refused is not None:  # a function CloudFront would refuse: reported as `aws cloudfront test-function` does
        return report_refused(refused, fn.source, stdout, stderr)
    case = Case(request, name, fn.function.event, request, event, Expect(), overrides or None,
                Span(ARG, 1, 1), 0)
    inv = runner.invoke(case)
    route = runner.route_of(case)
    stdout.write(f"function: {name} ({fn.function.event}, {fn.size:,} bytes)\n")
    where = runner.where_of(name, route)
    stdout.write(f"route:    {route}" + (f" ({where})" if where else "") + "\n")
    stdout.write(f"outcome:  {outcome(inv)}\n")
    if inv.skipped:
        stdout.write(f"note:     {inv.skipped}\n")
    for line in inv.logs:
        stdout.write(f"log:      {line}\n")
    for err in errors_of(inv):
        stdout.write(f"error:    {err}\n")
    if inv.output is not None:
        stdout.write(json.dumps(inv.output, indent=2, ensure_ascii=False) + "\n")
    if inv.origin:
        stdout.write("origin:   " + json.dumps(inv.origin, ensure_ascii=False) + "\n")
    stdout.write(f"cost:     {inv.steps} steps, ComputeUtilization ~{inv.compute_utilization} (an estimate)\n")
    return ExitCode.OK if inv.ok else ExitCode.FAILED


__all__ = ["run", "parse_headers", "parse_kvs", "DEBUG_HEADER"]


def arguments(p: argparse.ArgumentParser) -> None:
    options.config(p)
    p.add_argument("-f", "--function", help="function name (default: the only one, or the only viewer-request one)")
    p.add_argument("request", help="'GET https://host/path?q' or just a path")
    p.add_argument("-H", "--header", action="append", default=[], help="'name: value' (repeatable)")
    p.add_argument("--kvs", action="append", default=[], help="key=value merged over the seed (repeatable)")
    p.add_argument("--kvs-delete", action="append", default=[], metavar="KEY",
                   help="run as if the store had no such key (repeatable)")
    p.add_argument("--country", help="the viewer's country (sets cloudfront-viewer-country), e.g. DE")
    options.tenant(p)


def execute(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    return run(args.config, args.request, function=args.function, headers=args.header, kvs=args.kvs, stdout=stdout,
               stderr=stderr, country=args.country, kvs_delete=args.kvs_delete, tenant=options.tenant_of(args))
