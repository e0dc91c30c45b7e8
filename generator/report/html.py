"""Render the report: compile in memory, run the cases for coverage, fill one Jinja template.

The page has no scripts and loads nothing: styles are inline, the size bars are plain
elements, so it opens from a CI artifact or an e-mail as it is.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jinja2
from cfroutes import __version__
from cfroutes.compiler import SIZE_LIMIT, Compiled
from cfroutes.platform.limits import KVS_STORE_MAX
from cfroutes.report.describe import action_text, match_text
from cfroutes.testing.cases import Case
from cfroutes.testing.coverage import Coverage, measure
from cfroutes.testing.runner import CaseResult, failure_line


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


@lru_cache(maxsize=1)
def _template() -> jinja2.Template:
    from cfroutes.compiler.emit import template_source  # the one way templates are found (installed or checkout)

    env = jinja2.Environment(loader=jinja2.FunctionLoader(template_source), autoescape=True,
                             keep_trailing_newline=True, undefined=jinja2.StrictUndefined)
    return env.get_template("report.html.j2")


def _function_view(cf: Any, cov: Coverage, results: list[CaseResult]) -> dict[str, Any]:
    fn = cf.function
    rows = []
    for r in fn.routes:
        it = cov.route(fn.name, r.index)
        spilled = cf.spilled and r.is_exact
        rows.append(Row("route", r.index, r.label, r.span.line, match_text(r.match), action_text(r),
                        it.hits if it else [], "KVS" if spilled else "inline"))
    for h in fn.headers:
        it = cov.rule(fn.name, h.index)
        act = "; ".join(x for x in (
            ("set " + ", ".join(f"{n}: {t.source}" for n, t in h.set)) if h.set else "",
            ("remove " + ", ".join(h.remove)) if h.remove else "",
            ("status " + ", ".join(map(str, h.status))) if h.status else "") if x)
        rows.append(Row("header rule", h.index, h.label, h.span.line, match_text(h.match), act,
                        it.hits if it else [], ""))
    mine = [res for res in results if res.case.function == fn.name]
    kvs = None
    if cf.kvs_data is not None:
        size = len((cf.kvs_file or "").encode("utf-8"))
        kvs = {"name": fn.kvs.name if fn.kvs else "", "entries": len(cf.kvs_data), "bytes": size,
               "percent": min(100.0, 100.0 * size / KVS_STORE_MAX), "spilled": len(cf.plan.spilled),
               "seed": len(fn.kvs.seed) if fn.kvs else 0}
    return {
        "name": fn.name, "event": fn.event, "runtime": fn.runtime, "size": cf.size, "limit": SIZE_LIMIT,
        "percent": min(100.0, 100.0 * cf.size / SIZE_LIMIT), "rows": rows,
        "coverage": Coverage.percent(cov.of(fn.name)), "kvs": kvs,
        "passed": sum(r.passed for r in mine), "failed": [failure_line(r) for r in mine if not r.passed],
        "tests": len(mine), "options": fn.options,
    }


def render(compiled: Compiled, cases: list[Case], results: list[CaseResult]) -> str:
    cov = measure(compiled, cases)
    functions = [_function_view(cf, cov, results) for cf in compiled.functions]
    return _template().render(
        config=compiled.config.path, version=__version__, functions=functions,
        errors=[d.concise() for d in compiled.errors], warnings=[d.concise() for d in compiled.warnings + cov.warnings],
        total=cov.total, sha=compiled.config.sha256[:16],
        generated=_dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))
