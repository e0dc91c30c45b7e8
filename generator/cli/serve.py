"""`cfroutes serve [--origin DIR|http://127.0.0.1:PORT] [--port 8787] [--host H] [--allowed-hosts any|routed|NAMES]
[--tenant-id ID [--tenant-param K=V]... [--endpoint D] | --tenants FILE]`: click through the site with the new rules
(as a standard distribution, or as a multi-tenant one: serve/tenants.py)."""
from __future__ import annotations

import argparse
import os
import sys
from typing import TextIO

from cfroutes.cli import options
from cfroutes.codes import Code
from cfroutes.config.model import VIEWER_REQUEST, VIEWER_RESPONSE
from cfroutes.emulator.tenant import Tenant
from cfroutes.errors import Diagnostic, ExitCode, InputError, Span


def serve(config: str, origin: str | None, port: int, host: str, *, stdout: TextIO, stderr: TextIO,
          allowed_hosts: str = "any", tenant: Tenant | None = None, tenants_file: str | None = None) -> int:
    from cfroutes.serve.edge import make_server
    from cfroutes.serve.tenants import TenantMap, load_tenants

    if origin is not None and not origin.startswith(("http://", "https://")) and not os.path.isdir(origin):
        raise InputError([Diagnostic(Span("--origin", 1, 1), f"--origin {origin!r} is neither a folder nor an "
                                     "http:// URL", hint="e.g. `--origin public/` or `--origin http://127.0.0.1:3000`", code=Code.ARGUMENT)])
    if not 0 <= port <= 65535:
        raise InputError([Diagnostic(Span("--port", 1, 1), f"--port {port} is not a TCP port (0-65535)", code=Code.ARGUMENT)])
    if not allowed_hosts.strip() or any(not n.strip() or any(c in n for c in "/?@ \t\\")
                                        for n in allowed_hosts.split(",")):
        raise InputError([Diagnostic(Span("--allowed-hosts", 1, 1), f"--allowed-hosts {allowed_hosts!r} is not "
                                     "any, routed or a comma-separated list of host names",
                                     hint="e.g. `--allowed-hosts routed` or `--allowed-hosts app.test,*.app.test`", code=Code.ARGUMENT)])

    if tenant is not None and tenants_file is not None:
        raise InputError([Diagnostic(Span("--tenants", 1, 1), "--tenants and --tenant-id exclude each other",
                                     hint="--tenant-id: every request is for one tenant; --tenants: the Host picks it",
                                     code=Code.ARGUMENT)])
    tenants = TenantMap(fixed=tenant)
    if tenants_file is not None:
        tenants = load_tenants(tenants_file, os.path.dirname(os.path.abspath(config)))

    def log(line: str) -> None:
        stdout.write(line + "\n")
        stdout.flush()

    try:
        server = make_server(config, origin, port, log, host=host, allowed_hosts=allowed_hosts, tenants=tenants)
    except (OSError, ValueError) as exc:  # ValueError: a --host that is no address at all
        what = "--port" if isinstance(exc, OSError) and exc.errno in (98, 13) else "--host"
        raise InputError([Diagnostic(Span(what, 1, 1), f"cannot listen on {host}:{port}: "
                                     f"{getattr(exc, 'strerror', None) or exc}", code=Code.ARGUMENT)]) \
            from None
    edge = server.RequestHandlerClass.edge
    b = edge.build
    fns = ", ".join(f"{ev}: {cf.name}" for ev in (VIEWER_REQUEST, VIEWER_RESPONSE)
                    if b.compiled and (cf := b.function(ev)) is not None) or "no functions (config error)"
    addr = server.server_address
    shown = f"[{addr[0]}]" if ":" in addr[0] else addr[0]
    dist = f"; multi-tenant: {tenants.describe()}" if tenants.multi_tenant else ""
    log(f"cfroutes serve: http://{shown}:{addr[1]}/ ({fns}; origin: {origin or 'none'}{dist}); Ctrl-C stops")
    if b.compiled is None:
        stderr.write(b.error + "\n")
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        log("stopped")
    finally:
        server.server_close()
    return ExitCode.OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(serve("routes.yaml", None, 8787, "127.0.0.1", stdout=sys.stdout, stderr=sys.stderr))


def arguments(p: argparse.ArgumentParser) -> None:
    options.config(p)
    p.add_argument("--origin", metavar="DIR|URL", help="a folder, or an upstream such as http://127.0.0.1:3000")
    p.add_argument("--port", type=int, default=8787, help="port to listen on (default 8787; 0 picks a free one)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1; ::1 for IPv6)")
    p.add_argument("--allowed-hosts", default="any", metavar="any|routed|NAME,...",
                   help="Host headers answered: any (default); routed: the hosts the routes name and "
                        "localhost (DNS rebinding protection); or a list such as 'a.test,*.b.test'")
    options.tenant(p)
    p.add_argument("--tenants", metavar="FILE",
                   help="act as a multi-tenant distribution: a YAML file mapping each tenant's domains to its "
                        "id, params and endpoint; a request's Host picks the tenant (README: serve)")


def execute(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    return serve(args.config, args.origin, args.port, args.host, stdout=stdout, stderr=stderr,
                 allowed_hosts=args.allowed_hosts, tenant=options.tenant_of(args), tenants_file=args.tenants)
