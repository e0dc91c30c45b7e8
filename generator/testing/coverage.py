"""Route coverage: which routes and header rules the test cases exercise.

A route is *exercised* by a case when it decides that case's outcome: its action ran, or
its lookup's `missing:` response answered. A route that matched but whose lookup was
missing with `missing: next` is not (the request went on to later routes). A header rule
is exercised when it applied to the request or response.

Which route decided is read from the reference model (`cfroutes.reference.evaluate`
with a `Trace`), not from the emitted code: the differential tests keep the two identical,
and the reference needs no second (debug) build and no engine. Cases the function never
runs for (a viewer-response case whose origin status is 400 or more) exercise nothing.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from cfroutes.compiler import Compiled
from cfroutes.config.model import ConnRoute, Function, Route
from cfroutes.emulator.jsregex import Overrun
from cfroutes.emulator.local_edge import merge_store
from cfroutes.errors import Diagnostic, Severity, Span
from cfroutes.platform.event import CONNECTION_REQUEST, function_runs
from cfroutes.reference import Trace, evaluate, evaluate_connection
from cfroutes.terminal import escape_terminal
from cfroutes.testing.cases import Case


@dataclass
class Item:
    """One route or header rule and the cases that exercised it."""
    kind: str  # "route" | "header rule"
    function: str
    index: int
    label: str
    file: str
    line: int
    hits: list[str] = field(default_factory=list)  # case names
    cases: list[int] = field(default_factory=list)  # the same cases, as positions in measure's `cases`
    title: str = ""  # `route 'NAME'`, `route N`, `header rule N` (Route.title / HeaderRule.title)

    @property
    def covered(self) -> bool:
        return bool(self.hits)

    def uncovered_line(self) -> str:
        from cfroutes.config.sourceref import source_rule

        src = source_rule(Span(self.file, self.line, 1))
        return (f"{self.file}:{self.line}: {self.title or self.label} of '{self.function}'"
                + (f" (from {src})" if src else "") + " is not exercised by any test")


@dataclass
class Coverage:
    items: list[Item]
    #: cases the reference model could not follow: a regex ran out of time or memory (at its route)
    warnings: list[Diagnostic] = field(default_factory=list)

    def of(self, function: str) -> list[Item]:
        return [i for i in self.items if i.function == function]

    def route(self, function: str, index: int) -> Item | None:
        return next((i for i in self.items if i.function == function and i.kind == "route" and i.index == index), None)

    def rule(self, function: str, index: int) -> Item | None:
        return next((i for i in self.items if i.function == function and i.kind == "header rule" and i.index == index),
                    None)

    @staticmethod
    def percent(items: Iterable[Item]) -> float:
        items = list(items)
        return 100.0 if not items else 100.0 * sum(i.covered for i in items) / len(items)

    @property
    def total(self) -> float:
        return self.percent(self.items)

    def lines(self) -> list[str]:
        """The warnings, `FILE:LINE: ... is not exercised` per uncovered item, then one summary line per function."""
        out = [escape_terminal(d.concise()) for d in self.warnings]
        out += [i.uncovered_line() for i in self.items if not i.covered]
        names = list(dict.fromkeys(i.function for i in self.items))
        for name in names:
            mine = self.of(name)
            routes = [i for i in mine if i.kind == "route"]
            rules = [i for i in mine if i.kind == "header rule"]
            out.append(f"coverage: {name}: {sum(i.covered for i in routes)}/{len(routes)} routes, "
                       f"{sum(i.covered for i in rules)}/{len(rules)} header rules ({self.percent(mine):.0f}%)")
        out.append(f"coverage: total {self.total:.1f}% of {len(self.items)} routes and header rules")
        return out


def _items(fn: Function) -> list[Item]:
    routes: list[Route | ConnRoute] = [*fn.routes, *fn.connection]  # a connection function's routes decide too
    items = [Item("route", fn.name, r.index, r.label, r.span.file, r.span.line, title=r.title) for r in routes]
    items += [Item("header rule", fn.name, h.index, h.label, h.span.file, h.span.line, title=h.title)
              for h in fn.headers]
    return items


def measure(compiled: Compiled, cases: list[Case]) -> Coverage:
    """Run every case through the reference model and record what decided it."""
    items: list[Item] = []
    index: dict[tuple[str, str, int], Item] = {}
    for cf in compiled.functions:
        for it in _items(cf.function):
            items.append(it)
            index[(it.function, it.kind, it.index)] = it
    stores = {cf.name: cf.kvs_dict() for cf in compiled.functions}
    warnings: list[Diagnostic] = []
    for pos, case in enumerate(cases):
        fn = compiled.config.function(case.function)
        if fn is None:
            continue
        if not function_runs(case.event_type, case.event):
            continue
        trace = Trace()
        try:
            # the store a case sees: the bundle's store with the case's kvs merged
            store = merge_store(stores.get(fn.name), case.kvs)
            if fn.event == CONNECTION_REQUEST:  # which route allowed or denied (semantics §10)
                evaluate_connection(fn, case.event, store, trace)
            else:
                evaluate(fn, case.event, store, trace)
        except Overrun as exc:  # bounded (emulator/jsregex.py): a warning at the route, not a hang
            rule = exc.rule
            span = rule.span if rule is not None else case.span
            warnings.append(Diagnostic(span, f"{exc.describe()} (case '{case.name}', {case.span.file}:{case.span.line}): "
                                       "the case counts for no route", severity=Severity.WARNING))
            continue
        except Exception:  # noqa: BLE001 - a case the model cannot evaluate exercises what it reached
            pass
        for key in ([(fn.name, "route", trace.route)] if trace.route is not None else []) + [
                (fn.name, "header rule", r) for r in trace.rules]:
            index[key].hits.append(case.name)
            index[key].cases.append(pos)
    return Coverage(items, warnings)
