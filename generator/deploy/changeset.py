"""What `cfroutes deploy` would do: read the account (read-only calls), compare with the build.

A function is created when missing, updated when its DEVELOPMENT code or config
(runtime, comment, store association) differs from the build, re-tested when its
DEVELOPMENT comment does not say its last remote tests passed, and published when its
LIVE stage differs. A store is created when missing; every store gets the `kvs plan`
batches (kvs/updates.py) in two phases: additive ones (new versioned spilled keys,
missing seed keys) before any code that reads them, deletions of spilled versions that
neither the new code nor the code LIVE ran before this deploy reads after the publish.
Every AWS name is `prefix + name`. See docs/deploy.md.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from cfroutes.codes import Code
from cfroutes.compiler import CompiledFunction
from cfroutes.config.model import code_spill_version, spill_version
from cfroutes.deploy.aws import Aws
from cfroutes.errors import Diagnostic, InputError
from cfroutes.iac.source import Bundle, comment
from cfroutes.kvs.updates import KvsPlan, plan_updates
from cfroutes.platform.event import CONNECTION_REQUEST
from cfroutes.testing.cases import Case

#: the DEVELOPMENT comment's suffix that records the last remote test result of its code
TESTED_RE = re.compile(r" \[remote tests (pending|passed)\]\Z")
COMMENT_MAX = 128


def with_state(base: str, state: str) -> str:
    """FunctionConfig.Comment carrying the remote test state (pending | passed) of the code:
    the one place that survives between runs and machines (CloudFront functions have no tags)."""
    suffix = f" [remote tests {state}]"
    return base[:COMMENT_MAX - len(suffix)] + suffix


def remote_result(comment: str) -> str:
    m = TESTED_RE.search(comment or "")
    return m.group(1) if m else "unknown"


def comment_base(comment: str) -> str:
    return TESTED_RE.sub("", comment or "")


def short_sha(code: bytes) -> str:
    return hashlib.sha256(code).hexdigest()[:12]


def code_versions(code: bytes | None) -> set[str]:
    """The spilled versions a function's code reads: its own; "" for code of a build before
    versioning that reads unversioned `§r:` keys; none for code without spill."""
    v = code_spill_version(code.decode("utf-8", "replace")) if code is not None else None
    return set() if v is None else {v}


@dataclass
class StoreStep:
    name: str  # the store's name in AWS (prefix + config name)
    function: str  # the function whose import file fills it
    create: bool
    arn: str | None
    desired: list[tuple[str, str]]
    seed_keys: set[str]
    current: dict[str, str]  # live content ({} when it is created)
    kvs: KvsPlan
    etag: str | None = None  # data-plane ETag read *before* `current`: a write in between conflicts
    keep: frozenset[str] = frozenset()  # spilled versions LIVE code read before this deploy (rollback)
    seed_held: bool = False  # --stage DEVELOPMENT: missing seed keys not written (LIVE code reads them)
    publishes: bool = False  # a function reading it is published by this run: its deletions follow

    def replan(self) -> None:
        desired = [(k, v) for k, v in self.desired if not (self.seed_held and spill_version(k) is None)]
        self.kvs = plan_updates(desired, set() if self.seed_held else self.seed_keys, self.current,
                                keep_versions=self.keep)
        if self.seed_held:  # seed keys are not this phase's: do not count them as foreign
            self.kvs.foreign -= sum(1 for k in self.current if k in self.seed_keys)


@dataclass
class FunctionStep:
    compiled: CompiledFunction
    action: str  # create | update | unchanged
    reasons: list[str]
    publish: bool
    publish_reason: str
    etag: str | None  # DEVELOPMENT ETag (If-Match of UpdateFunction)
    comment: str  # without the test-state suffix
    store: str | None  # AWS name of the associated store
    prefix: str = ""
    tested: str = "unknown"  # DEVELOPMENT's last remote result: pending | passed | unknown
    live_code: bytes | None = None  # what LIVE ran before this deploy (None: never published)
    arn: str | None = None  # FunctionARN

    @property
    def name(self) -> str:
        """The function's name in AWS."""
        return self.prefix + self.compiled.name

    def config(self, arn: str | None, state: str = "pending") -> dict[str, Any]:
        assoc: dict[str, Any] = {"Quantity": 0}
        if arn:
            assoc = {"Quantity": 1, "Items": [{"KeyValueStoreARN": arn}]}
        return {"Comment": with_state(self.comment, state), "Runtime": self.compiled.function.runtime,
                "KeyValueStoreAssociations": assoc}


@dataclass
class DeployPlan:
    stores: list[StoreStep] = field(default_factory=list)
    functions: list[FunctionStep] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)

    def store(self, name: str | None) -> StoreStep | None:
        return next((s for s in self.stores if s.name == name), None)

    def to_test(self, stage: str) -> list[FunctionStep]:
        """Functions whose DEVELOPMENT stage is tested: those created, updated or whose last
        remote result is not a pass, and (stage LIVE) those to publish."""
        return [f for f in self.functions if f.action != "unchanged" or (stage == "LIVE" and f.publish)]


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
    if comment_base(str(have.get("Comment") or "")) != step.comment:
        reasons.append("comment")
    return reasons


def make_plan(aws: Aws, b: Bundle, config: str, cases: list[Case], *, stage: str = "LIVE",
              prefix: str = "") -> DeployPlan:
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
        record = aws.describe_store(prefix + name)
        if record is None:
            plan.stores.append(StoreStep(prefix + name, cf.name, True, None, list(cf.kvs_data), seed, {},
                                         plan_updates(cf.kvs_data, seed, {})))
        else:
            arn = str(record["ARN"])
            etag = aws.kvs_etag(arn)
            current = aws.list_keys(arn)
            plan.stores.append(StoreStep(prefix + name, cf.name, False, arn, list(cf.kvs_data), seed, current,
                                         plan_updates(cf.kvs_data, seed, current), etag, seed_held=stage != "LIVE"))
    for cf in b.functions:
        store_name = prefix + cf.function.kvs.name if cf.function.kvs is not None and cf.kvs_data is not None else None
        st = plan.store(store_name)
        store_arn = st.arn if st else None
        step = FunctionStep(cf, "create", [], True, "new function", None, comment(cf, config), store_name, prefix)
        if cf.function.event == CONNECTION_REQUEST:  # its own API (Aws.connection_call)
            aws.connection_functions.add(step.name)
        code = cf.source.encode("utf-8")
        dev = aws.describe_function(step.name, "DEVELOPMENT")
        if dev is not None:
            summary, step.etag = dev
            step.arn = (summary.get("FunctionMetadata") or {}).get("FunctionARN")
            dev_code = aws.function_code(step.name, "DEVELOPMENT")
            reasons = [] if dev_code is not None and dev_code[0] == code else ["code differs"]
            reasons += _config_reasons(summary.get("FunctionConfig") or {}, step, store_arn)
            step.tested = remote_result(str((summary.get("FunctionConfig") or {}).get("Comment") or ""))
            if reasons:
                step.action, step.reasons = "update", reasons
            elif step.tested != "passed":
                step.action, step.reasons = "retest", [f"its last remote tests did not pass ({step.tested})"]
            else:
                step.action, step.reasons = "unchanged", []
            live = aws.describe_function(step.name, "LIVE")
            live_code = aws.function_code(step.name, "LIVE") if live is not None else None
            step.live_code = live_code[0] if live_code is not None else None
            if live is None or live_code is None:
                step.publish_reason = "never published"
            elif live_code[0] != code:
                step.publish_reason = "LIVE code differs"
            elif _config_reasons(live[0].get("FunctionConfig") or {}, step, store_arn):
                step.publish_reason = "LIVE config differs"
            else:
                step.publish, step.publish_reason = False, "LIVE is up to date"
        plan.functions.append(step)
    for s in plan.stores:  # the spilled versions LIVE reads now stay until a later deploy
        readers = [f for f in plan.functions if f.store == s.name]
        s.keep = frozenset(v for f in readers for v in code_versions(f.live_code))
        s.publishes = any(f.publish for f in readers)
        if not s.create:
            s.replan()
    return plan


def describe(plan: DeployPlan, stage: str, dist: str) -> list[str]:
    """The plan, one line per step, in the order --apply carries it out."""
    lines = []
    for s in plan.stores:
        n = len(s.desired)
        if s.create:
            lines.append(f"  store     {s.name}: create, then write its {n} import-file entr{'y' if n == 1 else 'ies'} "
                         f"({dist}/{s.function}.kvs.json) in {len(s.kvs.batches)} UpdateKeys batch(es)")
        elif s.kvs.batches:
            held = "; missing seed keys held back (--stage DEVELOPMENT: LIVE code reads them)" if s.seed_held else ""
            lines.append(f"  kvs       {s.name}: {s.kvs.puts} put(s) in {len(s.kvs.batches)} UpdateKeys batch(es) "
                         f"before any code reads them (new spilled keys are versioned: LIVE does not read them){held}")
    for f in plan.functions:
        size = f"{f.compiled.size:,} bytes"
        store = f", store {f.store}" if f.store else ""
        if f.action == "create":
            lines.append(f"  function  {f.name}: create ({size}{store})")
        elif f.action == "update":
            lines.append(f"  function  {f.name}: update DEVELOPMENT ({', '.join(f.reasons)}; {size})")
        elif f.action == "retest":
            lines.append(f"  function  {f.name}: DEVELOPMENT holds this build, but {f.reasons[0]}: tested again")
        else:
            lines.append(f"  function  {f.name}: DEVELOPMENT unchanged")
    tested = plan.to_test(stage)
    n = sum(1 for c in plan.cases if c.function in {f.compiled.name for f in tested})
    if tested:
        lines.append(f"  test      {n} case(s) of {', '.join(f.name for f in tested)} through TestFunction "
                     "(DEVELOPMENT, reading the store with this build's keys in it); any failure stops here")
    pub = [f for f in plan.functions if f.publish]
    if stage == "LIVE":
        if pub:
            lines.append(f"  publish   {', '.join(f'{f.name} ({f.publish_reason})' for f in pub)} -> LIVE")
        for s in plan.stores:
            if not s.create:
                k = s.kvs
                later = "" if s.publishes or not k.deletes else " (they wait for a deploy that publishes)"
                lines.append(f"  kvs       {s.name}: {k.puts} put(s) before, {k.deletes if s.publishes else 0} "
                             f"delete(s) after publishing ({len(k.batches)} + "
                             f"{len(k.cleanup) if s.publishes else 0} UpdateKeys batch(es)){later}; {k.kept_seed} "
                             f"seed key(s) kept as they are live; {k.kept_versions} spilled key(s) of the code LIVE "
                             f"ran so far kept for a rollback; {k.foreign} key(s) not owned by the config untouched")
    else:
        if pub:
            lines.append(f"  publish   nothing (--stage DEVELOPMENT; {', '.join(f.name for f in pub)} would go LIVE)")
        for s in plan.stores:
            if not s.create and s.kvs.cleanup:
                lines.append(f"  kvs       {s.name}: {s.kvs.deletes} delete(s) held back (--stage DEVELOPMENT: "
                             "they follow a publish)")
    return lines


OFFLINE = "offline: not compared with the account (no credentials)"


def describe_offline(b: Bundle, cases: list[Case], stage: str, dist: str, prefix: str = "") -> list[str]:
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
        lines.append(f"  store     {prefix}{name}: {n} import-file entr{'y' if n == 1 else 'ies'} ({dist}/{cf.name}.kvs.json); "
                     f"if missing: create, then {batches} UpdateKeys batch(es); if present: the `kvs plan` batches "
                     "(seed keys never overwritten)")
    for cf in b.functions:
        store = f", store {prefix}{cf.function.kvs.name}" if cf.function.kvs is not None and cf.kvs_data is not None else ""
        lines.append(f"  function  {prefix}{cf.name}: create or update DEVELOPMENT where it differs ({cf.size:,} bytes, "
                     f"{cf.function.runtime}, {cf.function.event}{store})")
    n = sum(1 for c in cases if c.function in {cf.name for cf in b.functions})
    names = [prefix + cf.name for cf in b.functions]
    lines.append(f"  test      {n} case(s) of {', '.join(names)} through TestFunction (DEVELOPMENT), for the "
                 "functions that differ from the account; any failure stops here")
    if stage == "LIVE":
        lines.append(f"  publish   {', '.join(names)} -> LIVE where LIVE differs; stores: additive batches before the "
                     "functions, deletions after the publish")
    else:
        lines.append("  publish   nothing (--stage DEVELOPMENT); stores get only new versioned spilled keys")
    return lines


def nothing_to_do(plan: DeployPlan, stage: str) -> bool:
    return (not any(s.create or s.kvs.batches for s in plan.stores)
            and all(f.action == "unchanged" for f in plan.functions)
            and (stage != "LIVE" or not any(f.publish for f in plan.functions)))


__all__ = ["DeployPlan", "FunctionStep", "OFFLINE", "StoreStep", "code_versions", "comment_base", "describe",
           "describe_offline", "make_plan", "nothing_to_do", "short_sha", "remote_result", "with_state"]
