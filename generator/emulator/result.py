"""Public result types of the emulator."""
from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from typing import Any

from cfroutes.platform.jscheck import JsIssue
from cfroutes.platform.limits import LOG_MAX


class FunctionLoadError(Exception):
    """The function cannot be loaded: syntax or runtime-profile errors (with positions)."""

    def __init__(self, issues: list[JsIssue], filename: str = "<function>") -> None:
        self.issues = list(issues)
        self.filename = filename
        first = self.issues[0] if self.issues else JsIssue(1, 1, "cannot load function")
        more = f" (and {len(self.issues) - 1} more)" if len(self.issues) > 1 else ""
        super().__init__(f"{filename}:{first.line}:{first.column}: {first.message}{more}")

    def lines(self) -> list[str]:
        """`FILE:LINE:COL: error: message` per issue."""
        return [f"{self.filename}:{i.line}:{i.column}: error: {i.message}" for i in self.issues]


@dataclass
class Invocation:
    output: dict[str, Any] | None = None
    error: str = ""
    logs: list[str] = field(default_factory=list)
    validation_errors: list[str] = field(default_factory=list)
    origin: dict[str, Any] | None = None
    steps: int = 0
    compute_utilization: int = 0
    duration_us: float = 0.0
    cpu_us: float = 0.0  # CPU time of the handler, promise jobs included
    work_us: float | None = None  # a sync handler's CPU time net of an empty handler's (cost.py)
    skipped: str = ""  # why CloudFront does not run the function on this event (emulator.local_edge)

    @property
    def ok(self) -> bool:
        return self.error == "" and not self.validation_errors

    def to_test_result(self) -> dict[str, Any]:
        """The TestResult shape of `aws cloudfront test-function`, plus ValidationErrors and Steps."""
        return {
            "FunctionOutput": "" if self.output is None else json.dumps(self.output, ensure_ascii=False,
                                                                        separators=(",", ":")),
            "FunctionErrorMessage": self.error,
            "FunctionExecutionLogs": list(self.logs),
            "ComputeUtilization": str(self.compute_utilization),
            "ValidationErrors": list(self.validation_errors),
            "Steps": self.steps,
        }


_FIELDS = tuple(f.name for f in fields(Invocation))


def pack(inv: Invocation) -> tuple[Any, ...]:
    """An Invocation as a plain tuple (what crosses the watchdog's pipe: half the pickling cost)."""
    d = inv.__dict__
    return tuple(d[n] for n in _FIELDS)


def unpack(t: tuple[Any, ...]) -> Invocation:
    return Invocation(*t)


def cut_logs(logs: list[str]) -> list[str]:
    """A function's log lines cut to CloudFront's LOG_MAX bytes in all."""
    out: list[str] = []
    left = LOG_MAX
    for line in logs:
        data = str(line).encode("utf-8", "replace")
        if len(data) >= left:
            out.append(data[:left].decode("utf-8", "ignore"))
            break
        out.append(str(line))
        left -= len(data)
    return out
