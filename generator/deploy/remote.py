"""Test cases through CloudFront's TestFunction, side by side with the emulator.

Per case: the emulator runs the same bytes the stage runs, on the store content
TestFunction reads (the associated store's live keys), and CloudFront runs the case
through TestFunction. A *divergence* is any difference between the two (an execution
error on one side only, or a different output after normalisation); the case's
`expect` is compared with CloudFront's result exactly as `cfroutes test` compares the
emulator's (`testing.runner.compare`), on a `FunctionOutput` turned into the same
`Invocation`. Two things TestFunction cannot see are left out and said so: origin
helper calls (`expect.origin`) and a case's own `kvs:` contents (TestFunction reads
the real store) -- when the expectations do not hold in the emulator on the live store
either, only agreement is checked. Used by `cfroutes test --remote` (generator/cli/test.py)
and `cfroutes deploy`.
"""
from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TextIO

from cfroutes.compiler import Compiled
from cfroutes.deploy.aws import Aws, AwsFailure
from cfroutes.emulator import Invocation
from cfroutes.emulator.local_edge import EdgeFunction, LocalEdge, merge_store
from cfroutes.emulator.tenant import TENANT_KEY
from cfroutes.modes import Stage
from cfroutes.platform.event import CONNECTION_REQUEST, VIEWER_RESPONSE_SKIPPED, function_runs
from cfroutes.platform.limits import TEST_FUNCTION_EVENT_MAX
from cfroutes.testing.cases import Case
from cfroutes.testing.runner import Mismatch, compare, outcome, q

STAGES = tuple(s.value for s in Stage)


@dataclass
class Target:
    """One function as a stage of CloudFront holds it."""

    name: str
    stage: str
    etag: str  # of that stage: TestFunction's If-Match
    source: str  # the code the stage runs
    runtime: str
    store: dict[str, str] | None  # the associated store's content (what TestFunction reads)
    aws_name: str = ""  # the function's name in AWS when it differs (deploy --prefix)


@dataclass
class RemoteResult:
    case: Case
    emulator: Invocation | None = None
    cloudfront: Invocation | None = None
    divergences: list[str] = field(default_factory=list)
    mismatches: list[Mismatch] = field(default_factory=list)  # expect vs CloudFront
    notes: list[str] = field(default_factory=list)
    skipped: str = ""

    @property
    def failed(self) -> bool:
        return bool(self.divergences or self.mismatches)


def to_invocation(test_result: dict[str, Any]) -> Invocation:
    """A TestResult as the emulator's Invocation (FunctionOutput is a JSON string)."""
    raw = test_result.get("FunctionOutput") or ""
    try:
        output = json.loads(raw) if raw else None
    except ValueError:
        output = None
    try:
        cu = int(str(test_result.get("ComputeUtilization") or "0"))
    except ValueError:
        cu = 0
    return Invocation(output=output if isinstance(output, dict) else None,
                      error=str(test_result.get("FunctionErrorMessage") or ""),
                      logs=[str(x) for x in test_result.get("FunctionExecutionLogs") or []],
                      compute_utilization=cu)


def _norm(v: Any) -> Any:
    """Representation-only differences removed: empty objects/lists dropped, header names lower-case."""
    if isinstance(v, dict):
        out = {}
        for k, x in v.items():
            x = _norm(x)
            if x in ({}, [], None):
                continue
            out[k] = x
        return out
    if isinstance(v, list):
        return [_norm(x) for x in v]
    return v


def _lower_headers(out: Any) -> Any:
    if isinstance(out, dict):
        for part in ("request", "response"):
            obj = out.get(part)
            if isinstance(obj, dict) and isinstance(obj.get("headers"), dict):
                obj["headers"] = {str(k).lower(): v for k, v in obj["headers"].items()}
    return out


def _j(v: Any) -> str:
    return json.dumps(v, ensure_ascii=False, sort_keys=True)


def _diff(a: Any, b: Any, path: str, out: list[str], limit: int = 8) -> None:
    if len(out) >= limit:
        return
    if isinstance(a, dict) and isinstance(b, dict):
        for k in list(a) + [k for k in b if k not in a]:
            if k not in b:
                out.append(f"{path}.{k}: emulator {_j(a[k])}, CloudFront (absent)")
            elif k not in a:
                out.append(f"{path}.{k}: emulator (absent), CloudFront {_j(b[k])}")
            else:
                _diff(a[k], b[k], f"{path}.{k}", out, limit)
    elif a != b:
        out.append(f"{path}: emulator {_j(a)}, CloudFront {_j(b)}")


def divergences(emulator: Invocation, cloudfront: Invocation) -> list[str]:
    """How CloudFront's result differs from the emulator's (execution errors and output)."""
    out: list[str] = []
    if bool(emulator.error) != bool(cloudfront.error):
        out.append(f"error: emulator {q(emulator.error) if emulator.error else '(none)'}, "
                   f"CloudFront {q(cloudfront.error) if cloudfront.error else '(none)'}")
        return out
    if emulator.error:
        return out  # both failed: the messages of two engines need not match
    a = _norm(_lower_headers(json.loads(json.dumps(emulator.output or {}))))
    b = _norm(_lower_headers(json.loads(json.dumps(cloudfront.output or {}))))
    _diff(a, b, "output", out)
    return out


def _without_origin(case: Case) -> Case:
    e = dataclasses.replace(case.expect, origin=None, origin_absent=False)
    return dataclasses.replace(case, expect=e)


class RemoteRunner:
    """Runs cases on CloudFront (TestFunction) and on the emulator, side by side."""

    def __init__(self, aws: Aws, compiled: Compiled, targets: dict[str, Target]) -> None:
        self.aws, self.compiled, self.targets = aws, compiled, targets
        # the emulator side: the stage's code on the local edge, with the store TestFunction reads
        for t in targets.values():
            if self._event_of(t.name) == CONNECTION_REQUEST:
                aws.connection_functions.add(t.aws_name or t.name)
        self.edge = LocalEdge([EdgeFunction(t.name, t.source, t.runtime, self._event_of(t.name), t.store,
                                            f"{t.stage}:{t.name}.js") for t in targets.values()])

    def _event_of(self, name: str) -> str:
        cf = self.compiled.function(name)
        assert cf is not None, name
        return cf.function.event

    def _emulate(self, t: Target, event: dict[str, Any], store: Any = False) -> Invocation:
        """As TestFunction runs it (no viewer-response rule), on the stage's store or `store`."""
        return self.edge.test_function(t.name, event, None if store is False else store)

    def _holds_on_own_store(self, t: Target, case: Case) -> bool:
        cf = self.compiled.function(case.function)
        own = merge_store(cf.kvs_dict() if cf is not None else None, case.kvs)
        if own == t.store:
            return False
        return not compare(case, self._emulate(t, case.event, own if own is not None else {}))

    def test_function(self, t: Target, event: dict[str, Any]) -> Invocation:
        r = self.aws.call(self.aws.cf, "test_function", Name=t.aws_name or t.name, IfMatch=t.etag, Stage=t.stage,
                          EventObject=json.dumps(event, separators=(",", ":")).encode("utf-8"))
        return to_invocation(r.get("TestResult") or {})

    def run_case(self, case: Case) -> RemoteResult:
        res = RemoteResult(case)
        t = self.targets.get(case.function)
        if t is None:
            res.skipped = f"{case.function} is not deployed"
            return res
        if not function_runs(case.event_type, case.event):
            res.skipped = VIEWER_RESPONSE_SKIPPED
            return res
        if TENANT_KEY in case.event:
            res.skipped = "the case runs as a distribution tenant; TestFunction has no tenant input"
            return res
        size = len(json.dumps(case.event, separators=(",", ":")).encode("utf-8"))
        if size > TEST_FUNCTION_EVENT_MAX:
            res.skipped = f"event is {size:,} bytes; TestFunction takes at most {TEST_FUNCTION_EVENT_MAX:,}"
            return res
        res.emulator = self._emulate(t, case.event)
        res.cloudfront = self.test_function(t, case.event)
        res.divergences = divergences(res.emulator, res.cloudfront)
        checked = case
        if case.expect.origin is not None or case.expect.origin_absent:
            checked = _without_origin(case)
            res.notes.append("expect.origin not checked: TestFunction does not report origin helper calls")
        if res.emulator.validation_errors:
            res.notes.append("the emulator reports output CloudFront would answer with 502 "
                             f"({'; '.join(res.emulator.validation_errors)}); TestFunction does not check output")
        in_emulator = compare(checked, res.emulator)
        if in_emulator and self._holds_on_own_store(t, checked):
            # the expectations hold on the case's own store but not on the one TestFunction reads
            why = "the case's kvs: contents" if case.kvs else "store contents that differ from the seed"
            res.notes.append(f"expectations not checked on CloudFront: they depend on {why} (on the store "
                             f"TestFunction reads the emulator gives {in_emulator[0].field} "
                             f"{in_emulator[0].actual}); agreement checked instead")
        else:
            res.mismatches = compare(checked, res.cloudfront)
        return res

    def run(self, cases: Iterable[Case]) -> list[RemoteResult]:
        return [self.run_case(c) for c in cases]


def live_targets(aws: Aws, compiled: Compiled, names: Iterable[str], stage: str,
                 stderr: TextIO, prefix: str = "") -> dict[str, Target]:
    """Each named function as CloudFront's `stage` holds it (code, ETag, associated store);
    in AWS it is named `prefix + name` (deploy --prefix)."""
    targets: dict[str, Target] = {}
    stores: dict[str, dict[str, str]] = {}
    for name in names:
        cf = compiled.function(name)
        assert cf is not None, name
        if cf.function.event == CONNECTION_REQUEST:  # its own API (Aws.connection_call)
            aws.connection_functions.add(prefix + name)
        described = aws.describe_function(prefix + name, stage)
        code = aws.function_code(prefix + name, stage)
        if described is None or code is None:
            raise AwsFailure(f"function {prefix + name!r} has no {stage} stage in CloudFront: deploy it first "
                             f"(`cfroutes deploy --apply{' --stage DEVELOPMENT' if stage == 'DEVELOPMENT' else ''}`)")
        summary, etag = described
        source = code[0].decode("utf-8", "replace")
        if source != cf.source:
            stderr.write(f"warning: the {stage} code of {name} differs from what the config builds; "
                         "the emulator runs CloudFront's copy\n")
        assoc = ((summary.get("FunctionConfig") or {}).get("KeyValueStoreAssociations") or {}).get("Items") or []
        store = None
        if assoc:
            arn = assoc[0]["KeyValueStoreARN"]
            if arn not in stores:
                stores[arn] = aws.list_keys(arn)
            store = stores[arn]
        runtime = (summary.get("FunctionConfig") or {}).get("Runtime") or cf.function.runtime
        targets[name] = Target(name, stage, etag, source, runtime, store, aws_name=prefix + name)
    return targets


def report(results: list[RemoteResult], stdout: TextIO) -> tuple[int, int, int]:
    """Side by side per case, the divergences listed at the end, then `N passed, N failed`."""
    for r in results:
        c = r.case
        head = f"{c.span} {c.function}: {c.name}"
        if r.skipped:
            stdout.write(f"skip {head}\n       {r.skipped}\n")
            continue
        stdout.write(f"{'FAIL' if r.failed else 'ok  '} {head}\n")
        e, cf = r.emulator, r.cloudfront
        stdout.write(f"       emulator    {outcome(e)}   [ComputeUtilization ~{e.compute_utilization if e else '-'} "
                     "estimate]\n")
        stdout.write(f"       CloudFront  {outcome(cf)}   [ComputeUtilization {cf.compute_utilization if cf else '-'}]\n")
        for d in r.divergences:
            stdout.write(f"       diverges: {d}\n")
        if r.mismatches:
            stdout.write("       CloudFront's result against expect (- expected, + actual):\n")
            for m in r.mismatches:
                stdout.write(f"       - {m.field}: {m.expected}\n       + {m.field}: {m.actual}\n")
        for n in r.notes:
            stdout.write(f"       note: {n}\n")
    diverged = [r for r in results if r.divergences]
    if diverged:
        stdout.write(f"\n{len(diverged)} divergence(s) between the emulator and CloudFront:\n")
        for r in diverged:
            stdout.write(f"  {r.case.span} {r.case.function}: {r.case.name}: {r.divergences[0]}\n")
    failed = sum(r.failed for r in results)
    skipped = sum(bool(r.skipped) for r in results)
    passed = len(results) - failed - skipped
    stdout.write(f"\n{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else "") + "\n")
    return passed, failed, skipped


__all__ = ["RemoteResult", "RemoteRunner", "STAGES", "Target", "divergences", "live_targets", "report",
           "to_invocation"]
