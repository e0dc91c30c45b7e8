"""Build a function from a spec, run events through the emulator and the reference, compare.

`Case` holds one function built both ways (inline tables, and every exact route
forced into the KeyValueStore when the function may have a store); `Case.check`
runs one event through each and returns the divergences as readable text. Each build is
prepared once and kept warm on a LocalEdge (one context reused across events, as `cfroutes
test` runs it; the generated functions keep no state between calls, which this also checks).
"""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from typing import Any

from cfroutes.compiler.emit import function_source
from cfroutes.compiler.plan import named_prefix_key, plan, prefix_key
from cfroutes.config.load import load_config
from cfroutes.config.model import SPILL_PREFIX, Function
from cfroutes.emulator.local_edge import EdgeFunction, LocalEdge
from cfroutes.emulator.result import FunctionLoadError, Invocation
from cfroutes.emulator.validate import normalise
from cfroutes.kvs.importfile import validate_entries
from cfroutes.platform.profile import JS2
from cfroutes.reference import evaluate as _evaluate

from .yamltext import dump


def config_text(fn_spec: dict[str, Any], name: str = "f") -> str:
    return dump({"version": 1, "functions": {name: fn_spec}})


def load_function(text: str, directory: str | None = None) -> Function:
    """Write `text` to a routes.yaml and load it through the validator."""
    d = directory or tempfile.mkdtemp(prefix="cfr-diff-")
    path = os.path.join(d, "routes.yaml")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    cfg = load_config(path)
    assert len(cfg.functions) == 1
    return cfg.functions[0]


@dataclass
class Variant:
    label: str
    source: str
    prepared: Any
    spilled: dict[str, str] | None  # None: the inline build


@dataclass
class Case:
    """One function, built inline and (when possible) spilled."""

    fn: Function
    text: str = ""
    variants: list[Variant] = field(default_factory=list)
    edge: LocalEdge = field(default_factory=LocalEdge)  # every variant, by its label, warm

    @classmethod
    def build(cls, fn: Function, text: str = "", spill: bool = True) -> Case:
        case = cls(fn, text)
        can = spill and fn.runtime == JS2 and fn.kvs is not None
        modes = [(False, 0)] + ([(True, 0)] if can else [])
        if any(prefix_key(r, fn.options.icase) or named_prefix_key(r, fn.options.icase)
               for r in fn.routes):  # prefix routes as data (plan.py)
            modes += [(False, 1)] + ([(True, 2)] if can else [])
        for s, pre in modes:
            p = plan(fn, spill=s, prefix=pre)
            if s and validate_entries(p.spilled):
                continue  # a spilled key over the KVS limits: the build refuses it (compile_function)
            src = function_source(p)
            label = ("spill" if s else "inline") + ("-prefix" if pre else "")
            case.edge.add(EdgeFunction(label, src, fn.runtime, fn.event))
            prepared = case.edge.prepare(label)
            if isinstance(prepared, FunctionLoadError):
                raise prepared
            case.variants.append(Variant(label, src, prepared, dict(p.spilled) if s or p.files_kvs else None))
        return case

    def run(self, v: Variant, event: dict[str, Any], store: dict[str, str] | None) -> Invocation:
        """One event through the variant's warm function (as TestFunction runs it; `store` None: none).
        A variant made by hand (not by `build`) joins the edge on its first event."""
        if v.label not in self.edge.functions:
            self.edge.add(EdgeFunction(v.label, v.source, self.fn.runtime, self.fn.event))
        return self.edge.test_function(v.label, event, store)

    @staticmethod
    def store_of(v: Variant, store: dict[str, str] | None) -> dict[str, str] | None:
        if store is not None and v.spilled is not None:
            # the store of a spilled function holds only the build's entries under the reserved
            # prefix (seed keys with it are refused); user keys with it stay in the inline runs
            return {**{k: x for k, x in store.items() if not k.startswith(SPILL_PREFIX)}, **v.spilled}
        return store

    def check(self, event: dict[str, Any], kvs: dict[str, str]) -> list[str]:
        """Divergences between the emulator and the reference for one event (empty: agree)."""
        store = kvs if self.fn.kvs is not None else None
        want, want_origin = evaluate(self.fn, event, store)
        out = []
        for v in self.variants:
            data = self.store_of(v, store)
            inv = self.run(v, event, data)
            if inv.error or inv.output != want or inv.origin != want_origin:
                out.append(describe(self, v, event, kvs, want, want_origin, inv))
        return out


    def check_njs(self, events: list[dict[str, Any]], kvs: dict[str, str]) -> list[str]:
        """Divergences of njs (each variant's events in one njs process) from the reference
        and from QuickJS, for every event (empty: all three agree)."""
        from cfroutes.emulator import njs

        store = kvs if self.fn.kvs is not None else None
        out = []
        for v in self.variants:
            data = self.store_of(v, store)
            got = njs.run_batch(v.prepared, [(ev, data) for ev in events])
            for ev, n in zip(events, got, strict=True):
                want, want_origin = evaluate_in_njs_key_order(self.fn, ev, store)
                spec = evaluate(self.fn, ev, store)
                q = self.run(v, ev, data)
                # the engines may differ only where njs's key order changes the answer
                engines_differ = spec != (want, want_origin)
                if n.error or n.output != want or n.origin != want_origin or \
                        (not engines_differ and not njs.same_outcome(q, n)) or (engines_differ and q.output != spec[0]):
                    out.append(describe(self, v, ev, kvs, want, want_origin, q)
                               + "\nnjs:       " + json.dumps(n.output, ensure_ascii=False, sort_keys=True)
                               + "  origin=" + json.dumps(n.origin, ensure_ascii=False, sort_keys=True)
                               + f"  error={n.error!r}  validation={n.validation_errors!r}")
        return out


def evaluate(fn: Function, event: dict[str, Any], store: dict[str, str] | None) -> Any:
    """The reference model's answer as CloudFront prints it: FunctionOutput always has `cookies`
    and drops unknown entry fields (docs/fidelity.md #36-37: recorded outputs of the AWS samples),
    so the model's result goes through the same `normalise` as the engines' results."""
    want, origin = _evaluate(fn, event, store)
    if isinstance(want, dict):
        want = {k: normalise(v) if isinstance(v, dict) else v for k, v in want.items()}
    return want, origin


def evaluate_in_njs_key_order(fn: Function, event: dict[str, Any], store: dict[str, str] | None) -> Any:
    """The reference answer as njs computes it: njs 0.7.9 enumerates an object's keys in
    insertion order, array-index keys ("0", "10") included (nginx/njs#189), where the
    spec and QuickJS put them first in ascending order (reference.js_keys)."""
    from cfroutes import reference

    saved = reference.js_keys
    reference.js_keys = lambda obj: list(obj)
    try:
        return evaluate(fn, event, store)
    finally:
        reference.js_keys = saved


def describe(case: Case, v: Variant, event: dict[str, Any], kvs: dict[str, str], want: Any,
             want_origin: Any, inv: Any) -> str:
    j = lambda x: json.dumps(x, ensure_ascii=False, sort_keys=True)  # noqa: E731
    return "\n".join([
        f"DIVERGENCE ({v.label})",
        "config:\n" + case.text,
        "event.request: " + j(event["request"]),
        *(["event.response: " + j(event["response"])] if "response" in event else []),
        *(["tenant: " + j(event["__cf_tenant"])] if "__cf_tenant" in event else []),
        "kvs: " + j(kvs),
        "reference: " + j(want) + "  origin=" + j(want_origin),
        "emulator:  " + j(inv.output) + "  origin=" + j(inv.origin) + f"  error={inv.error!r}",
    ])
