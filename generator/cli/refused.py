"""What `emulate` and `run` print for a function CloudFront refuses to load."""
from __future__ import annotations

import json
from typing import Any, TextIO

from cfroutes.codes import Code
from cfroutes.colour import wanted
from cfroutes.emulator import FunctionLoadError, Invocation
from cfroutes.errors import Diagnostic, ExitCode, Span


def refused_result(exc: FunctionLoadError) -> dict[str, Any]:
    """The TestResult of a function CloudFront refuses to load: its first error, positioned."""
    first = exc.issues[0]
    return Invocation(error=f"{first.kind}: {first.message} (at {exc.filename}:{first.line}:{first.column})"
                      ).to_test_result()


def report_refused(exc: FunctionLoadError, source: str, stdout: TextIO, stderr: TextIO) -> int:
    """Like `aws cloudfront test-function` on a function the edge refuses: the TestResult on
    stdout, every issue as a diagnostic (source line, caret, help) on stderr; exit 1."""
    json.dump(refused_result(exc), stdout, indent=2, ensure_ascii=False)
    stdout.write("\n")
    diags = [Diagnostic(Span(exc.filename, i.line, i.column), i.message, hint=i.hint, code=Code.EMULATE_INPUT) for i in exc.issues]
    stderr.write("\n".join(d.render({exc.filename: source}, colour=wanted(stderr)) for d in diags) + "\n")
    return ExitCode.FAILED
