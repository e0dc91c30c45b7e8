"""Render the report: compile in memory, take the test run's results, fill one Jinja template.

The page loads nothing: styles are inline, the size bars are plain elements, and its one
script (templates/report.js: the filter box) is inline too, allowed by its hash in a
Content-Security-Policy that forbids every network fetch. With scripts off every row shows
and the filter box stays hidden. Every value goes through Jinja's autoescape.

Which test passed and what it printed come from the runner's results (the real run);
which route or header rule each test exercised comes from `testing.coverage`.
"""
from __future__ import annotations

import base64
import bisect
import datetime as _dt
import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import jinja2
from cfroutes import __version__
from cfroutes.compiler import Compiled
from cfroutes.compiler.cachekey import analyse
from cfroutes.config.model import ConnRoute, HeaderRule, Route
from cfroutes.errors import Diagnostic
from cfroutes.platform.limits import FUNCTION_SIZE_MAX, KVS_STORE_MAX
from cfroutes.report.describe import action_text, connection_action_text, connection_match_text, match_text
from cfroutes.testing.cases import Case
from cfroutes.testing.coverage import Coverage, Item, measure
from cfroutes.testing.runner import CaseResult, failure_line, format_diff

#: test links shown in a row before "+N more" (the tests section lists every one)
ROW_TESTS = 6


@dataclass
class Link:
    """An anchor on the page and how a link to it is shown."""
    anchor: str
    text: str
    status: str = ""  # "pass" | "fail" | "error" | "warning" | ""


@dataclass
class Row:
    kind: str
    index: int
    name: str
    line: int
    match: str
    action: str
    hits: list[str]
    placement: str  # "inline" | "KVS" | "" (header rules)
    anchor: str = ""
    tests: list[Link] = field(default_factory=list)  # failing first
    lints: list[Link] = field(default_factory=list)
    cache: str = ""  # how the request parts it reads are kept apart in the cache (compiler/cachekey.py)

    @property
    def failing(self) -> int:
        return sum(t.status == "fail" for t in self.tests)


@dataclass
class TestView:
    anchor: str
    name: str
    function: str
    where: str  # FILE:LINE:COL of the case
    passed: bool
    line: str  # the runner's FAIL line, or "" when it passed
    diff: str  # the runner's diff of a failure
    rows: list[Link] = field(default_factory=list)


@dataclass
class LintView:
    anchor: str
    severity: str
    text: str
    row: Link | None


@lru_cache(maxsize=1)
def _template() -> tuple[jinja2.Template, str, str]:
    """The template, the filter script and the script's CSP hash source."""
    from cfroutes.compiler.emit import template_source  # the one way templates are found (installed or checkout)

    env = jinja2.Environment(loader=jinja2.FunctionLoader(template_source), autoescape=True,
                             keep_trailing_newline=True, undefined=jinja2.StrictUndefined)
    script = template_source("report.js")
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    return env.get_template("report.html.j2"), script, f"'sha256-{digest}'"


def _rows(fi: int, cf: Any, cov: Coverage) -> list[tuple[Row, Item | None]]:
    fn = cf.function
    out: list[tuple[Row, Item | None]] = []
    routes = {it.index: it for it in cov.of(fn.name) if it.kind == "route"}
    rules = {it.index: it for it in cov.of(fn.name) if it.kind == "header rule"}
    cache = analyse(fn)
    for r in fn.routes:
        it = routes.get(r.index)
        spilled = cf.spilled and r.is_exact
        out.append((Row("route", r.index, r.label, r.span.line, match_text(r.match), action_text(r),
                        it.hits if it else [], "KVS" if spilled else "inline", f"f{fi}-r{r.index + 1}"), it))
    for cr in fn.connection:  # a connection-request function's routes (allow or deny)
        it = routes.get(cr.index)
        out.append((Row("route", cr.index, cr.label, cr.span.line, connection_match_text(cr), connection_action_text(cr),
                        it.hits if it else [], "inline", f"f{fi}-r{cr.index + 1}"), it))
    for h in fn.headers:
        it = rules.get(h.index)
        act = "; ".join(x for x in (
            ("set " + ", ".join(f"{n}: {t.source}" for n, t in h.set)) if h.set else "",
            ("remove " + ", ".join(h.remove)) if h.remove else "",
            ("status " + ", ".join(map(str, h.status))) if h.status else "") if x)
        out.append((Row("header rule", h.index, h.label, h.span.line, match_text(h.match), act,
                        it.hits if it else [], "", f"f{fi}-h{h.index + 1}"), it))
    if cache is not None:
        for (row, _), rc in zip(out, cache.routes, strict=True):
            row.cache = rc.summary()
    return out


def _function_view(cf: Any, rows: list[Row], cov: Coverage, mine: list[TestView]) -> dict[str, Any]:
    fn = cf.function
    kvs = None
    if cf.kvs_data is not None:
        size = len((cf.kvs_file or "").encode("utf-8"))
        kvs = {"name": fn.kvs.name if fn.kvs else "", "entries": len(cf.kvs_data), "bytes": size,
               "percent": min(100.0, 100.0 * size / KVS_STORE_MAX), "spilled": len(cf.plan.spilled),
               "seed": len(fn.kvs.seed) if fn.kvs else 0}
    return {
        "name": fn.name, "event": fn.event, "runtime": fn.runtime, "size": cf.size, "limit": FUNCTION_SIZE_MAX,
        "percent": min(100.0, 100.0 * cf.size / FUNCTION_SIZE_MAX), "rows": rows,
        "coverage": Coverage.percent(cov.of(fn.name)), "kvs": kvs,
        "passed": sum(t.passed for t in mine), "failed": [t for t in mine if not t.passed],
        "tests": mine, "options": fn.options,
        "untested": sum(not r.hits for r in rows),
        "cache": f"{fn.cache.name}: key {fn.cache.describe()}" if fn.cache else "",
    }


def _tests(cases: list[Case], results: list[CaseResult]) -> list[TestView]:
    """One view per case, in the suite's order, from the runner's result for that very case."""
    by_case = {id(r.case): r for r in results}
    views = []
    for i, case in enumerate(cases):
        res = by_case.get(id(case))
        if res is None:  # not run (cannot happen with Runner.run): shown as a failure, never as a pass
            views.append(TestView(f"t{i + 1}", case.name, case.function, str(case.span), False,
                                  f"FAIL {case.span} {case.function}: {case.name}: not run", ""))
            continue
        views.append(TestView(f"t{i + 1}", case.name, case.function, str(case.span), res.passed,
                              "" if res.passed else failure_line(res), "" if res.passed else format_diff(res)))
    return views


def _lints(compiled: Compiled, starts: dict[str, list[tuple[int, Row | None]]],
           extra: list[Diagnostic] | None = None) -> list[LintView]:
    """Errors then warnings; one positioned inside a route or header rule (after its first line,
    before the next item of the file) links to it and it to the lint."""
    out = []
    diags: list[Diagnostic] = list(compiled.errors) + list(compiled.warnings) + list(extra or [])
    for n, d in enumerate(diags, 1):
        marks = starts.get(d.span.file, [])
        at = bisect.bisect_right(marks, d.span.line, key=lambda m: m[0]) - 1
        row = marks[at][1] if at >= 0 else None
        view = LintView(f"l{n}", d.severity, d.concise(), Link(row.anchor, row.name) if row is not None else None)
        out.append(view)
        if row is not None:
            row.lints.append(Link(view.anchor, d.severity, d.severity))
    return out


def _starts(compiled: Compiled, functions: list[dict[str, Any]], cases: list[Case]) -> dict[str, list[tuple[int, Row | None]]]:
    """Per file, the first lines of functions, routes, header rules and test cases, in order
    (a row for routes and header rules, None for the others)."""
    marks: dict[str, list[tuple[int, Row | None]]] = {}
    for cf, fv in zip(compiled.functions, functions, strict=True):
        fn = cf.function
        marks.setdefault(fn.span.file, []).append((fn.span.line, None))
        items: list[Route | ConnRoute | HeaderRule] = [*fn.routes, *fn.connection, *fn.headers]
        for item, row in zip(items, fv["rows"], strict=True):
            marks.setdefault(item.span.file, []).append((item.span.line, row))
    for c in cases:
        marks.setdefault(c.span.file, []).append((c.span.line, None))
    for m in marks.values():
        m.sort(key=lambda x: x[0])
    return marks


def report_page(compiled: Compiled, cases: list[Case], results: list[CaseResult]) -> str:
    cov = measure(compiled, cases)
    tests = _tests(cases, results)
    functions = []
    for fi, cf in enumerate(compiled.functions):
        pairs = _rows(fi, cf, cov)
        for row, it in pairs:
            for pos in it.cases if it else []:
                t = tests[pos]
                row.tests.append(Link(t.anchor, t.name, "pass" if t.passed else "fail"))
                t.rows.append(Link(row.anchor, row.name))
            row.tests.sort(key=lambda link: link.status != "fail")  # failing tests first (stable)
        rows = [row for row, _ in pairs]
        functions.append(_function_view(cf, rows, cov, [t for t in tests if t.function == cf.name]))
    lints = _lints(compiled, _starts(compiled, functions, cases), cov.warnings)
    template, script, script_hash = _template()
    failed = [t for t in tests if not t.passed]
    return template.render(
        config=compiled.config.path, version=__version__, functions=functions, lints=lints,
        errors=sum(x.severity == "error" for x in lints), warnings=sum(x.severity != "error" for x in lints),
        total=cov.total, sha=compiled.config.sha256[:16], tests=len(tests), failed=failed,
        row_tests=ROW_TESTS, script=script, script_hash=script_hash,
        generated=_dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))
