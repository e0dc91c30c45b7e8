"""`cfroutes emulate FILE.js --event EVENT.json [--runtime R] [--kvs KVS.json]`."""
from __future__ import annotations

import argparse
import json
import re
from typing import TextIO

from cfroutes.cli import options
from cfroutes.cli.refused import report_refused
from cfroutes.codes import Code
from cfroutes.colour import wanted
from cfroutes.emulator import FunctionLoadError, connection
from cfroutes.emulator.event import event_problems
from cfroutes.emulator.local_edge import EdgeFunction, LocalEdge
from cfroutes.emulator.tenant import Tenant, with_tenant
from cfroutes.errors import Diagnostic, ExitCode, Span, render_all
from cfroutes.kvs.importfile import StoreFileError, load_json
from cfroutes.kvs.importfile import parse as load_kvs
from cfroutes.modes import Mode
from cfroutes.platform.event import CONNECTION_REQUEST, event_type
from cfroutes.platform.jscheck import JsIssue
from cfroutes.platform.limits import FUNCTION_SIZE_MAX, TEST_FUNCTION_EVENT_MAX
from cfroutes.platform.profile import JS1, JS2, RUNTIMES
from cfroutes.safeio import EVENT_FILE_MAX, FUNCTION_MAX, STORE_MAX, UserFileError, read_text

_V2_HINTS = re.compile(r"^\s*import\s|\basync\s+function\b|\bawait\b|^\s*(let|const)\s", re.M)


def infer_runtime(source: str) -> str:
    """2.0 unless the file looks like 1.0: uses require( and nothing that only 2.0 has."""
    if "require(" in source and not _V2_HINTS.search(source):
        return JS1
    return JS2


def _invalid(stderr: TextIO, diags: list[Diagnostic], limit: int = 20) -> int:
    """Bad input of `emulate`: positioned diagnostics (escaped, with the source line), exit 2."""
    stderr.write(render_all(diags, limit, colour=wanted(stderr)) + "\n")
    return ExitCode.INVALID_INPUT


def emulate(function_path: str, event_path: str, runtime: str | None, kvs_path: str | None,
            stdout: TextIO, stderr: TextIO, engine: str = "quickjs", tenant: Tenant | None = None) -> int:
    """Run one function file on one event; print a TestResult-shaped JSON object.

    Exit codes: 0 ok; 1 the function failed, its output is invalid, or CloudFront would refuse
    it (syntax or runtime profile: reported as a TestResult too); 2 bad command-line input.
    """
    try:
        source = read_text(function_path, FUNCTION_MAX, "function file")
    except UserFileError as exc:
        return _invalid(stderr, [Diagnostic(Span(function_path, exc.line, exc.col),
                                            f"cannot read function: {exc.message}", code=Code.FILE_UNREADABLE)])
    if runtime is not None and runtime not in RUNTIMES:
        return _invalid(stderr, [Diagnostic(Span(function_path, 1, 1), f"unknown runtime {runtime!r} "
                                            f"(expected {' or '.join(RUNTIMES)})", code=Code.ARGUMENT)])
    try:  # strict JSON, as --kvs: a duplicate key (two "uri"s, two "host"s) is an error, not the last one
        event_text = read_text(event_path, EVENT_FILE_MAX, "event file")
        if len(event_text.encode()) > TEST_FUNCTION_EVENT_MAX:  # TestFunction refuses it before any function runs
            raise ValueError(f"{len(event_text.encode()):,} bytes; CloudFront's TestFunction takes an event of "
                             f"at most {TEST_FUNCTION_EVENT_MAX:,} bytes")
        event = load_json(event_text)
        if not isinstance(event, dict):
            raise ValueError("the event must be a JSON object")
    except (UserFileError, ValueError) as exc:
        line, col = (exc.line, exc.col) if isinstance(exc, (UserFileError, StoreFileError)) else (1, 1)
        code = Code.FILE_UNREADABLE if isinstance(exc, UserFileError) else Code.EMULATE_INPUT
        return _invalid(stderr, [Diagnostic(Span(event_path, line, col), f"invalid event: {exc}", code=code)])
    problems = event_problems(event)
    if problems:  # CloudFront's TestFunction refuses such an event; no function runs
        return _invalid(stderr, [Diagnostic(Span(event_path, 1, 1), f"invalid event: {p}", code=Code.EMULATE_INPUT)
                                 for p in problems])
    kvs = None
    if kvs_path is not None:
        try:
            kvs = load_kvs(read_text(kvs_path, STORE_MAX, "KVS file"))
        except (UserFileError, ValueError) as exc:
            line, col = (exc.line, exc.col) if isinstance(exc, (UserFileError, StoreFileError)) else (1, 1)
            code = Code.FILE_UNREADABLE if isinstance(exc, UserFileError) else Code.EMULATE_INPUT
            return _invalid(stderr, [Diagnostic(Span(kvs_path, line, col), f"invalid KVS file: {exc}", code=code)])
    size = len(source.encode())
    if size > FUNCTION_SIZE_MAX:  # CreateFunction/UpdateFunction refuse it: it never reaches the edge
        return report_refused(FunctionLoadError([JsIssue(1, 1, f"the function is {size:,} bytes; CloudFront takes at "
                                                         f"most {FUNCTION_SIZE_MAX:,}", kind="FunctionSizeLimitExceeded",
                                                         hint="move data to a KeyValueStore or split the function")],
                                                function_path), source, stdout, stderr)
    fn = EdgeFunction(function_path, source, runtime or infer_runtime(source), event_type(event), kvs, function_path)
    with LocalEdge([fn], engine) as edge:
        refused = edge.load_failure(fn.name)  # the static profile runs first, whatever the engine
        if refused is not None:
            return report_refused(refused, source, stdout, stderr)
        inv = edge.test_function(fn.name, with_tenant(event, tenant))  # as TestFunction runs it: whatever the origin status
    result = connection.test_result(inv) if fn.event == CONNECTION_REQUEST else inv.to_test_result()
    json.dump(result, stdout, indent=2, ensure_ascii=False)
    stdout.write("\n")
    return ExitCode.OK if inv.ok else ExitCode.FAILED


def arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("function_file")
    p.add_argument("--event", required=True, help="event JSON file")
    p.add_argument("--runtime", choices=RUNTIMES)
    p.add_argument("--kvs", help="KVS import file or plain JSON object")
    options.tenant(p)
    options.engine(p, (Mode.QUICKJS, Mode.NJS))


def execute(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    return emulate(args.function_file, args.event, args.runtime, args.kvs, stdout, stderr, engine=args.engine,
                   tenant=options.tenant_of(args))
