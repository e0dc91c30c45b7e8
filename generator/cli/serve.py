"""`cfroutes serve [--origin DIR|http://127.0.0.1:PORT] [--port 8787]`: click through the site with the new rules."""
from __future__ import annotations

import os
import sys
from typing import TextIO

from cfroutes.codes import Code
from cfroutes.config.model import VIEWER_REQUEST, VIEWER_RESPONSE
from cfroutes.errors import Diagnostic, ExitCode, InputError, Span
from cfroutes.serve.edge import Handler, make_server


def serve(config: str, origin: str | None, port: int, host: str, *, stdout: TextIO, stderr: TextIO) -> int:
    if origin is not None and not origin.startswith(("http://", "https://")) and not os.path.isdir(origin):
        raise InputError([Diagnostic(Span("--origin", 1, 1), f"--origin {origin!r} is neither a folder nor an "
                                     "http:// URL", hint="e.g. `--origin public/` or `--origin http://127.0.0.1:3000`", code=Code.ARGUMENT)])
    if not 0 <= port <= 65535:
        raise InputError([Diagnostic(Span("--port", 1, 1), f"--port {port} is not a TCP port (0-65535)", code=Code.ARGUMENT)])

    def log(line: str) -> None:
        stdout.write(line + "\n")
        stdout.flush()

    try:
        server = make_server(config, origin, port, log, host=host)
    except OSError as exc:
        what = "--port" if isinstance(exc, OSError) and exc.errno in (98, 13) else "--host"
        raise InputError([Diagnostic(Span(what, 1, 1), f"cannot listen on {host}:{port}: {exc.strerror or exc}", code=Code.ARGUMENT)]) \
            from None
    handler = server.RequestHandlerClass
    assert isinstance(handler, type) and issubclass(handler, Handler)  # make_server binds its Edge to one
    edge = handler.edge
    b = edge.build
    fns = ", ".join(f"{ev}: {cf.name}" for ev in (VIEWER_REQUEST, VIEWER_RESPONSE)
                    if b.compiled and (cf := b.function(ev)) is not None) or "no functions (config error)"
    addr = server.server_address
    shown = addr[0].decode() if isinstance(addr[0], bytes) else addr[0]
    log(f"cfroutes serve: http://{shown}:{addr[1]}/ ({fns}; origin: {origin or 'none'}); Ctrl-C stops")
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
