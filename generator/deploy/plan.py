"""What `cfroutes deploy` would do: read the account (read-only calls), compare with the build.

A function is created when missing, updated when its DEVELOPMENT code or config
(runtime, comment, store association) differs from the build, and published when its
LIVE stage differs. A store is created when missing and then filled with its import
file's entries through UpdateKeys (CloudFront imports a file only from S3, at creation;
see docs/deploy.md). An existing store gets the `kvs plan` batches (generator.kvs.plan):
spilled routes put/deleted as needed, seed keys only created, never overwritten.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cfroutes.codes import Code
from cfroutes.compiler import CompiledFunction
from cfroutes.deploy.aws import Aws
from cfroutes.errors import Diagnostic, InputError
from cfroutes.iac.source import Bundle, comment
from cfroutes.kvs.plan import KvsPlan, plan_updates
from cfroutes.testing.cases import Case


@dataclass
class StoreStep:
    name: str
    function: str  # the function whose import file fills it
    create: bool
    arn: str | None
    desired: list[tuple[str, str]]
    seed_keys: set[str]
    current: dict[str, str]  # live content ({} when it is created)
    kvs: KvsPlan
    etag: str | None = None  # data-plane ETag read *before* `current`: a write in between conflicts

    def content_after(self) -> dict[str, str]:
        """What the store holds once its batches are applied."""
        out = dict(self.current)
        for b in self.kvs.batches:
            for p in b.get("Puts", []):
                out[p["Key"]] = p["Value"]
            for d in b.get("Deletes", []):
                out.pop(d["Key"], None)
        return out


@dataclass
class FunctionStep:
    compiled: CompiledFunction
    action: str  # create | update | unchanged
    reasons: list[str]
    publish: bool
    publish_reason: str
    etag: str | None  # DEVELOPMENT ETag (If-Match of UpdateFunction)
    comment: str
    store: str | None

    @property
    def name(self) -> str:
        return self.compiled.name

    def config(self, arn: str | None) -> dict[str, Any]:
        assoc: dict[str, Any] = {"Quantity": 0}
        if arn:
            assoc = {"Quantity": 1, "Items": [{"KeyValueStoreARN": arn}]}
        return {"Comment": self.comment, "Runtime": self.compiled.function.runtime,
                "KeyValueStoreAssociations": assoc}


@dataclass
class DeployPlan:
    stores: list[StoreStep] = field(default_factory=list)
    functions: list[FunctionStep] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)

    def store(self, name: str | None) -> StoreStep | None:
        return next((s for s in self.stores if s.name == name), None)

    def to_test(self, stage: str) -> list[FunctionStep]:
        """Functions whose DEVELOPMENT stage is tested: those to publish (or, staying in
        DEVELOPMENT, those created or updated)."""
        if stage == "LIVE":
            return [f for f in self.functions if f.publish]
        return [f for f in self.functions if f.action != "unchanged"]


def _assoc_arn(cfg: dict[str, Any]) -> str | None:
    items = ((cfg or {}).get("KeyValueStoreAssociations") or {}).get("Items") or []
    return str(items[0]["KeyValueStoreARN"]) if items else None


def _config_reasons(have: dict[str, Any], step: FunctionStep, arn: str | None) -> list[str]:
    reasons = []
    if have.get("Runtime") != step.compiled.function.runtime:
        reasons.append(f"runtime {have.get('Runtime')} -> {step.compiled.function.runtime}")
    have_arn = _assoc_arn(have)
    if step.store is None and have_arn:
        reasons.append("store association removed")
    elif step.store is not None and (arn is None or have_arn != arn):
        reasons.append(f"associate store {step.store}")
    if have.get("Comment") != step.comment:
        reasons.append("comment")
    return reasons


def make_plan(aws: Aws, b: Bundle, config: str, cases: list[Case]) -> DeployPlan:
    plan = DeployPlan(cases=cases)
    owners: dict[str, CompiledFunction] = {}
    for cf in b.functions:
        if cf.kvs_data is None or cf.function.kvs is None:
            continue
        name = cf.function.kvs.name
        if name in owners and owners[name].kvs_data != cf.kvs_data:
            span = cf.function.kvs.span or cf.function.span
            raise InputError([Diagnostic(span, f"functions {owners[name].name} and {cf.name} share the store "
                                         f"{name!r} with different contents; deploy needs one owner per store", code=Code.AWS)])
        if name in owners:
            continue
        owners[name] = cf
        seed = {k for k, _ in cf.function.kvs.seed}
        live = aws.describe_store(name)
        if live is None:
            plan.stores.append(StoreStep(name, cf.name, True, None, list(cf.kvs_data), seed, {},
                                         plan_updates(cf.kvs_data, seed, {})))
        else:
            arn = str(live["ARN"])
            etag = aws.kvs_etag(arn)
            current = aws.list_keys(arn)
            plan.stores.append(StoreStep(name, cf.name, False, arn, list(cf.kvs_data), seed, current,
                                         plan_updates(cf.kvs_data, seed, current), etag))
    for cf in b.functions:
        store_name = cf.function.kvs.name if cf.function.kvs is not None and cf.kvs_data is not None else None
        st = plan.store(store_name)
        arn = st.arn if st else None
        step = FunctionStep(cf, "create", [], True, "new function", None, comment(cf, config), store_name)
        code = cf.source.encode("utf-8")
        dev = aws.describe_function(cf.name, "DEVELOPMENT")
        if dev is not None:
            summary, step.etag = dev
            dev_code = aws.function_code(cf.name, "DEVELOPMENT")
            reasons = [] if dev_code is not None and dev_code[0] == code else ["code differs"]
            reasons += _config_reasons(summary.get("FunctionConfig") or {}, step, arn)
            step.action, step.reasons = ("update", reasons) if reasons else ("unchanged", [])
            live = aws.describe_function(cf.name, "LIVE")
            live_code = aws.function_code(cf.name, "LIVE") if live is not None else None
            if live is None or live_code is None:
                step.publish_reason = "never published"
            elif live_code[0] != code:
                step.publish_reason = "LIVE code differs"
            elif _config_reasons(live[0].get("FunctionConfig") or {}, step, arn):
                step.publish_reason = "LIVE config differs"
            else:
                step.publish, step.publish_reason = False, "LIVE is up to date"
        plan.functions.append(step)
    return plan


def describe(plan: DeployPlan, stage: str, dist: str) -> list[str]:
    """The plan, one line per step."""
    lines = []
    for s in plan.stores:
        n = len(s.desired)
        if s.create:
            lines.append(f"  store     {s.name}: create, then write its {n} import-file entr{'y' if n == 1 else 'ies'} "
                         f"({dist}/{s.function}.kvs.json) in {len(s.kvs.batches)} UpdateKeys batch(es)")
    for f in plan.functions:
        size = f"{f.compiled.size:,} bytes"
        store = f", store {f.store}" if f.store else ""
        if f.action == "create":
            lines.append(f"  function  {f.name}: create ({size}{store})")
        elif f.action == "update":
            lines.append(f"  function  {f.name}: update DEVELOPMENT ({', '.join(f.reasons)}; {size})")
        else:
            lines.append(f"  function  {f.name}: DEVELOPMENT unchanged")
    tested = plan.to_test(stage)
    n = sum(1 for c in plan.cases if c.function in {f.name for f in tested})
    if tested:
        lines.append(f"  test      {n} case(s) of {', '.join(f.name for f in tested)} through TestFunction "
                     "(DEVELOPMENT); any failure stops here")
    pub = [f for f in plan.functions if f.publish]
    if stage == "LIVE":
        if pub:
            lines.append(f"  publish   {', '.join(f'{f.name} ({f.publish_reason})' for f in pub)} -> LIVE")
        for s in plan.stores:
            if not s.create:
                k = s.kvs
                lines.append(f"  kvs       {s.name}: {k.puts} put(s), {k.deletes} delete(s) in {len(k.batches)} "
                             f"UpdateKeys batch(es); {k.kept_seed} seed key(s) kept as they are live; "
                             f"{k.foreign} key(s) not owned by the config untouched")
    else:
        if pub:
            lines.append(f"  publish   nothing (--stage DEVELOPMENT; {', '.join(f.name for f in pub)} would go LIVE)")
        for s in plan.stores:
            if not s.create and s.kvs.batches:
                lines.append(f"  kvs       {s.name}: {s.kvs.puts} put(s), {s.kvs.deletes} delete(s) held back "
                             "(--stage DEVELOPMENT: LIVE functions read this store)")
    return lines


OFFLINE = "offline: not compared with the account (no credentials)"


def describe_offline(b: Bundle, cases: list[Case], stage: str, dist: str) -> list[str]:
    """The plan as far as the bundle tells, without reading the account: what deploy would
    create or bring up to date, with sizes, entry counts and the cases TestFunction would run."""
    lines = []
    stores: dict[str, CompiledFunction] = {}
    for cf in b.functions:
        if cf.kvs_data is not None and cf.function.kvs is not None:
            stores.setdefault(cf.function.kvs.name, cf)
    for name, cf in stores.items():
        n = len(cf.kvs_data or [])
        seed = {k for k, _ in cf.function.kvs.seed} if cf.function.kvs is not None else set()
        batches = len(plan_updates(cf.kvs_data or [], seed, {}).batches)
        lines.append(f"  store     {name}: {n} import-file entr{'y' if n == 1 else 'ies'} ({dist}/{cf.name}.kvs.json); "
                     f"if missing: create, then {batches} UpdateKeys batch(es); if present: the `kvs plan` batches "
                     "(seed keys never overwritten)")
    for cf in b.functions:
        store = f", store {cf.function.kvs.name}" if cf.function.kvs is not None and cf.kvs_data is not None else ""
        lines.append(f"  function  {cf.name}: create or update DEVELOPMENT where it differs ({cf.size:,} bytes, "
                     f"{cf.function.runtime}, {cf.function.event}{store})")
    names = [cf.name for cf in b.functions]
    n = sum(1 for c in cases if c.function in names)
    lines.append(f"  test      {n} case(s) of {', '.join(names)} through TestFunction (DEVELOPMENT), for the "
                 "functions that differ from the account; any failure stops here")
    if stage == "LIVE":
        lines.append(f"  publish   {', '.join(names)} -> LIVE where LIVE differs; then the existing stores' batches")
    else:
        lines.append("  publish   nothing (--stage DEVELOPMENT); existing stores left as they are")
    return lines


def nothing_to_do(plan: DeployPlan, stage: str) -> bool:
    return (not any(s.create for s in plan.stores)
            and all(f.action == "unchanged" for f in plan.functions)
            and (stage != "LIVE" or (not any(f.publish for f in plan.functions)
                                     and not any(s.kvs.batches for s in plan.stores))))


__all__ = ["DeployPlan", "FunctionStep", "OFFLINE", "StoreStep", "describe", "describe_offline", "make_plan",
           "nothing_to_do"]
