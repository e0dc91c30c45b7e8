"""`--format text|json|github|junit` of `check` and `test`: diagnostics and test results for machines.

One record per diagnostic or test case (`Record`), written in one of three machine formats:
- json: a list of records (`type`, `code`, `severity`, `message`, `file`, `line`, `col`,
  `end_line`, `end_col`, ...), the end column being the one just after the range;
- github: GitHub Actions workflow commands (`::error file=...,line=...::message`), which the
  runner turns into annotations on the pull request's lines;
- junit: JUnit XML as pytest writes it (xunit2: testsuites > testsuite > testcase > failure),
  for `test` only.
Each output language has its escaping here: `github_data`/`github_property` (GitHub's rules),
`json.dumps`, and ElementTree for XML.
"""
from __future__ import annotations

import json
import socket
import time
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass, field
from typing import TextIO

from cfroutes.cli.options import Format
from cfroutes.codes import Code
from cfroutes.errors import Diagnostic, Severity, Span
from cfroutes.terminal import escape_terminal
from cfroutes.testing.runner import CaseResult, failure_line, format_diff


@dataclass
class Record:
    """A diagnostic (`type: diagnostic`) or a test case (`type: test`), positioned."""

    type: str
    code: str | None
    severity: str | None
    message: str
    file: str
    line: int
    col: int
    end_line: int | None = None
    end_col: int | None = None
    hint: str | None = None
    # tests only
    name: str | None = None
    function: str | None = None
    outcome: str | None = None  # passed | failed
    details: str | None = None  # the readable diff of a failure
    mismatches: list[dict[str, str]] = field(default_factory=list)


def from_diagnostic(d: Diagnostic) -> Record:
    return Record("diagnostic", d.rule.value, d.severity.value, d.message, d.span.file, d.span.line, d.span.col,
                  d.end.line if d.end else None, d.end.col if d.end else None, d.hint)


def from_result(r: CaseResult) -> Record:
    c = r.case
    failed = not r.passed
    return Record("test", Code.TEST_FAILED.value if failed else None, Severity.ERROR.value if failed else None,
                  failure_line(r)[len("FAIL "):] if failed else f"{c.function}: {c.name}",
                  c.span.file, c.span.line, c.span.col, name=c.name, function=c.function,
                  outcome="failed" if failed else "passed", details=format_diff(r) if failed else None,
                  mismatches=[{"field": m.field, "expected": m.expected, "actual": m.actual} for m in r.mismatches])


def from_njs_load(name: str, message: str, span: Span) -> Record:
    return Record("diagnostic", Code.NJS_LOAD.value, Severity.ERROR.value,
                  f"dist/{name}.js: njs does not load it: {message}", span.file, span.line, span.col)


# ------------------------------------------------------------------ escaping
def github_data(text: str) -> str:
    """A workflow command's message: `%`, CR and LF percent-encoded (GitHub decodes them),
    then any other control character shown as an escape (no colours or cursor moves in the log)."""
    return escape_terminal(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def github_property(text: str) -> str:
    """A workflow command's property value: as data, plus `:` and `,` (which end a property)."""
    return github_data(text).replace(":", "%3A").replace(",", "%2C")


# ------------------------------------------------------------------ writers
def write(records: list[Record], fmt: Format, stdout: TextIO, *, suite: str = "cfroutes",
          elapsed: float = 0.0) -> None:
    if fmt is Format.JSON:
        stdout.write(json.dumps([_json(r) for r in records], indent=2, ensure_ascii=False) + "\n")
    elif fmt is Format.GITHUB:
        stdout.write("".join(_github(r) + "\n" for r in records if r.outcome != "passed"))
    elif fmt is Format.JUNIT:
        stdout.write(junit(records, suite, elapsed))
    else:  # pragma: no cover - text is written by the commands themselves
        raise ValueError(fmt)


def _json(r: Record) -> dict[str, object]:
    out = asdict(r)
    if r.type == "diagnostic":
        for key in ("name", "function", "outcome", "details", "mismatches"):
            del out[key]
    return out


def _github(r: Record) -> str:
    level = "warning" if r.severity == Severity.WARNING.value else "error"
    props = [f"file={github_property(r.file)}", f"line={r.line}", f"col={r.col}"]
    if r.end_line is not None and r.end_col is not None:
        # GitHub's endColumn is the last column of the range (ours is the one after it)
        end_col = r.end_col - 1 if r.end_line == r.line else r.end_col
        props += [f"endLine={r.end_line}", f"endColumn={max(end_col, r.col if r.end_line == r.line else 1)}"]
    props.append(f"title={github_property(r.code or Code.UNCODED.value)}")
    message = r.message + (f"\n{r.details}" if r.details else "") + (f"\nhelp: {r.hint}" if r.hint else "")
    return f"::{level} {','.join(props)}::{github_data(message)}"


def junit(records: list[Record], suite: str, elapsed: float) -> str:
    """JUnit XML (pytest's xunit2 shape): each test case a <testcase>; a failure carries its
    diff; diagnostics that are errors (the build's) are failing test cases of their own."""
    cases = [r for r in records if r.type == "test" or r.severity == Severity.ERROR.value]
    failures = sum(1 for r in cases if r.outcome != "passed")
    attrs = {"name": suite, "errors": "0", "failures": str(failures), "skipped": "0", "tests": str(len(cases)),
             "time": f"{elapsed:.3f}", "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S"),
             "hostname": socket.gethostname()}
    root = ET.Element("testsuites", {"name": suite, "tests": str(len(cases)), "failures": str(failures),
                                     "errors": "0", "time": f"{elapsed:.3f}"})
    ts = ET.SubElement(root, "testsuite", attrs)
    for r in cases:
        where = f"{r.file}:{r.line}:{r.col}"
        if r.type == "test":
            tc = ET.SubElement(ts, "testcase", {"classname": f"{r.file}.{r.function}", "name": r.name or "",
                                                "time": "0.000"})
        else:
            tc = ET.SubElement(ts, "testcase", {"classname": f"{r.file}.build", "name": f"{where} {r.code}",
                                                "time": "0.000"})
        if r.outcome != "passed":
            fail = ET.SubElement(tc, "failure", {"type": r.code or Code.UNCODED.value,
                                                 "message": _xml_text(f"{where}: {r.message}")})
            fail.text = _xml_text(f"{where}: {r.message}\n" + (r.details or r.hint or ""))
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _xml_text(text: str) -> str:
    """XML 1.0 cannot carry most control characters at all: show them escaped (tab and LF stay)."""
    return "\n".join(escape_terminal(line.replace("\t", "    ")) for line in text.split("\n"))
