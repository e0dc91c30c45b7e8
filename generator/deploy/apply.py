"""Carry a deploy plan out so that every moment is consistent (docs/deploy.md):

1. missing stores: CreateKeyValueStore, wait for READY;
2. additive data: every store's `kvs plan` puts (new VERSIONED spilled keys, missing seed
   keys; --stage DEVELOPMENT: spilled keys only) through UpdateKeys + If-Match, chained
   batch to batch. LIVE code does not read the new spilled version, so nothing changes for it;
3. functions: CreateFunction, or UpdateFunction with If-Match = the DEVELOPMENT ETag; the
   comment says `[remote tests pending]`;
4. the config's cases through TestFunction on DEVELOPMENT, on the store content of step 2
   (new spilled targets are really checked); any failure stops here: nothing published;
   a pass is recorded in the comment (`[remote tests passed]`, one UpdateFunction of the
   same code), so a function whose last result is not a pass is tested again next time;
5. PublishFunction (If-Match = the latest DEVELOPMENT ETag); then `--attach`;
6. deletions, in the stores of the functions this run published: spilled keys of versions
   neither the new code nor the code LIVE ran before this deploy (the rollback target)
   reads. A run that publishes nothing deletes nothing, so a re-run never removes the
   rollback target's keys.
On an ETag conflict a store is re-read, re-planned and the rest retried (3 attempts).
Every step compares before it writes, so re-running after an interruption converges.
This module is the AWS library: the command is generator/cli/deploy.py.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import TextIO

from cfroutes.compiler import Compiled
from cfroutes.config.model import VIEWER_REQUEST, VIEWER_RESPONSE, spill_version
from cfroutes.deploy.aws import Aws, AwsFailure, Conflict
from cfroutes.deploy.changeset import DeployPlan, FunctionStep, StoreStep, code_versions, short_sha
from cfroutes.deploy.remote import RemoteRunner, Target, report

KVS_RETRIES = 3
ATTACH_RETRIES = 3


def _apply_batch(step: StoreStep, batch: dict[str, list[dict[str, str]]]) -> None:
    for p in batch.get("Puts", []):
        step.current[p["Key"]] = p["Value"]
    for d in batch.get("Deletes", []):
        step.current.pop(d["Key"], None)


def write_batches(aws: Aws, step: StoreStep, stdout: TextIO, phase: str = "batches") -> None:
    """Apply a store's `phase` batches (`batches`: additive, `cleanup`: deletions) with the
    ETag read before the store was listed (so a write by anyone since then conflicts); on a
    conflict re-read ETag and keys, re-plan, go on. `step.current` follows every write."""
    assert step.arn is not None
    for attempt in range(KVS_RETRIES):
        if attempt or step.etag is None:
            step.etag = aws.kvs_etag(step.arn)
        if attempt:
            step.current = aws.list_keys(step.arn)
            step.replan()
            stdout.write(f"  kvs       {step.name}: ETag changed meanwhile; re-planned: {step.kvs.puts} put(s), "
                         f"{step.kvs.deletes} delete(s)\n")
        batches = getattr(step.kvs, phase)
        if not batches:
            return
        etag = step.etag
        try:
            for i, batch in enumerate(list(batches), 1):
                r = aws.call(aws.kvs, "update_keys", KvsARN=step.arn, IfMatch=etag, **batch)
                etag = step.etag = str(r["ETag"])
                _apply_batch(step, batch)
                stdout.write(f"  kvs       {step.name}: {'deletion ' if phase == 'cleanup' else ''}batch {i}/"
                             f"{len(batches)} written ({len(batch.get('Puts', []))} put(s), "
                             f"{len(batch.get('Deletes', []))} delete(s))\n")
            step.replan()
            return
        except Conflict:
            continue
    raise AwsFailure(f"KeyValueStore {step.name!r} kept changing during {KVS_RETRIES} attempts; re-run `cfroutes deploy`")


def create_store(aws: Aws, step: StoreStep, stdout: TextIO) -> None:
    aws.call(aws.cf, "create_key_value_store", Name=step.name,
             Comment=f"cfroutes: store of {step.function}"[:128])
    step.arn = str(aws.wait_ready(step.name)["ARN"])
    stdout.write(f"  store     {step.name}: created ({step.arn})\n")


@dataclass
class Progress:
    """What this run has done so far: enough to say, on any failure, what LIVE is in."""

    published: set[str] = field(default_factory=set)
    etags: dict[str, str] = field(default_factory=dict)


def live_state(aws: Aws, plan: DeployPlan, progress: Progress) -> list[str]:
    """One line per function: which code LIVE runs and whether the keys it reads are there,
    read back from the account (a call that failed may have taken effect); what this run
    knows when the account cannot be read."""
    lines = []
    contents: dict[str, tuple[dict[str, str], str]] = {}
    for f in plan.functions:
        new = f.compiled.source.encode("utf-8")
        note = ""
        try:
            got = aws.function_code(f.name, "LIVE")
            code = got[0] if got is not None else None
        except AwsFailure as e:
            code = new if f.name in progress.published else f.live_code
            note = f" (as this run knows it: LIVE could not be read back: {e})"
        if code is None:
            lines.append(f"  LIVE {f.name}: not published (no LIVE stage); nothing serves it{note}")
            continue
        which = "this build" if code == new else "the code published before this deploy"
        st = plan.store(f.store)
        versions = code_versions(code)
        if st is None or st.arn is None or not versions:
            lines.append(f"  LIVE {f.name}: {which} (sha256 {short_sha(code)}); it reads no spilled keys{note}")
            continue
        if st.arn not in contents:
            try:
                contents[st.arn] = aws.list_keys(st.arn), ""
            except AwsFailure:
                contents[st.arn] = st.current, " (as this run wrote it: the store could not be read back)"
        keys, how = contents[st.arn]
        if code == new:
            need = [k for k, _ in f.compiled.kvs_data or [] if spill_version(k) is not None]
            missing = [k for k in need if k not in keys]
            data = (f"data complete: its {len(need)} spilled key(s) are in {st.name}" if not missing else
                    f"DATA INCOMPLETE: {len(missing)} of its {len(need)} spilled key(s) missing from {st.name}")
        else:
            have = sum(1 for k in keys if spill_version(k) in versions)
            data = (f"its {have} spilled key(s) in {st.name} were not touched (a version's keys are deleted only "
                    "after a newer code is LIVE)")
        lines.append(f"  LIVE {f.name}: {which} (sha256 {short_sha(code)}); {data}{how}{note}")
    return lines


def _mark_passed(aws: Aws, f: FunctionStep, plan: DeployPlan, progress: Progress, stdout: TextIO) -> None:
    """Record the pass in the function's comment (same code; a new DEVELOPMENT ETag)."""
    st = plan.store(f.store)
    r = aws.call(aws.cf, "update_function", Name=f.name, IfMatch=progress.etags[f.name],
                 FunctionConfig=f.config(st.arn if st else None, "passed"),
                 FunctionCode=f.compiled.source.encode("utf-8"))
    progress.etags[f.name] = str(r["ETag"])
    f.tested = "passed"
    stdout.write(f"  function  {f.name}: remote tests passed (recorded in its DEVELOPMENT comment)\n")


def apply(aws: Aws, plan: DeployPlan, stage: str, compiled: Compiled, stdout: TextIO,
          progress: Progress | None = None, attach: tuple[str, str | None] | None = None) -> bool:
    """Carry the plan out; False when the remote tests failed (nothing published)."""
    progress = progress or Progress()
    for s in plan.stores:
        if s.create:
            create_store(aws, s, stdout)
    for s in plan.stores:
        write_batches(aws, s, stdout, "batches")
    for f in plan.functions:
        st = plan.store(f.store)
        cfg = f.config(st.arn if st else None)
        code = f.compiled.source.encode("utf-8")
        if f.action == "create":
            r = aws.call(aws.cf, "create_function", Name=f.name, FunctionConfig=cfg, FunctionCode=code)
            stdout.write(f"  function  {f.name}: created (DEVELOPMENT)\n")
        elif f.action == "update":
            r = aws.call(aws.cf, "update_function", Name=f.name, IfMatch=f.etag, FunctionConfig=cfg,
                         FunctionCode=code)
            stdout.write(f"  function  {f.name}: DEVELOPMENT updated\n")
        else:
            progress.etags[f.name] = str(f.etag)
            continue
        f.tested = "pending"
        f.arn = ((r.get("FunctionSummary") or {}).get("FunctionMetadata") or {}).get("FunctionARN") or f.arn
        progress.etags[f.name] = str(r["ETag"])
    tested = plan.to_test(stage)
    if tested:
        targets = {}
        for f in tested:
            st = plan.store(f.store)
            targets[f.compiled.name] = Target(f.compiled.name, "DEVELOPMENT", progress.etags[f.name],
                                              f.compiled.source, f.compiled.function.runtime,
                                              dict(st.current) if st else None, aws_name=f.name)
        cases = [c for c in plan.cases if c.function in targets]
        stdout.write(f"  test      {len(cases)} case(s) through TestFunction (DEVELOPMENT):\n")
        results = RemoteRunner(aws, compiled, targets).run(cases)
        _, failed, _ = report(results, stdout)
        if failed:
            stdout.write(f"deploy stopped: {failed} remote test(s) failed; nothing published, no keys deleted\n")
            return False
        for f in tested:
            if f.tested != "passed":
                _mark_passed(aws, f, plan, progress, stdout)
    if stage != "LIVE":
        stdout.write("stage DEVELOPMENT: nothing published; no keys deleted\n")
        return True
    for f in plan.functions:
        if f.publish:
            r = aws.call(aws.cf, "publish_function", Name=f.name, IfMatch=progress.etags[f.name])
            progress.published.add(f.name)
            f.arn = ((r.get("FunctionSummary") or {}).get("FunctionMetadata") or {}).get("FunctionARN") or f.arn
            stdout.write(f"  publish   {f.name}: LIVE\n")
    if attach is not None:
        attach_functions(aws, plan, attach[0], attach[1], stdout)
    for s in plan.stores:
        if s.publishes:
            write_batches(aws, s, stdout, "cleanup")
    return True


# ---------------------------------------------------------------- deploy --attach
VIEWER_EVENTS = (VIEWER_REQUEST, VIEWER_RESPONSE)


def _function_arn(aws: Aws, f: FunctionStep) -> str:
    if f.arn:
        return f.arn
    described = aws.describe_function(f.name, "LIVE")
    if described is None:
        raise AwsFailure(f"function {f.name!r} has no LIVE stage to attach")
    f.arn = str((described[0].get("FunctionMetadata") or {}).get("FunctionARN"))
    return f.arn


def attach_functions(aws: Aws, plan: DeployPlan, dist_id: str, pattern: str | None, stdout: TextIO) -> None:
    """Associate the published viewer functions with one cache behaviour of a distribution
    (the default behaviour without PATH_PATTERN): GetDistributionConfig, then
    UpdateDistribution with its ETag; an ETag conflict re-reads and retries."""
    wanted = {f.compiled.function.event: f for f in plan.functions if f.compiled.function.event in VIEWER_EVENTS}
    where = f"cache behaviour {pattern!r}" if pattern else "the default cache behaviour"
    if not wanted:
        stdout.write(f"  attach    {dist_id}: no viewer function to associate\n")
        return
    arns = {event: _function_arn(aws, f) for event, f in wanted.items()}
    for _ in range(ATTACH_RETRIES):
        r = aws.call(aws.cf, "get_distribution_config", Id=dist_id)
        cfg, etag = copy.deepcopy(r["DistributionConfig"]), str(r["ETag"])
        if pattern is None:
            behaviour = cfg["DefaultCacheBehavior"]
        else:
            items = (cfg.get("CacheBehaviors") or {}).get("Items") or []
            behaviour = next((b for b in items if b.get("PathPattern") == pattern), None)
            if behaviour is None:
                have = ", ".join(repr(b.get("PathPattern")) for b in items) or "none besides the default"
                raise AwsFailure(f"distribution {dist_id} has no cache behaviour with PathPattern {pattern!r} "
                                 f"(it has: {have}); omit :PATH_PATTERN for the default behaviour")
        lambdas = (behaviour.get("LambdaFunctionAssociations") or {}).get("Items") or []
        clash = [x["EventType"] for x in lambdas if x.get("EventType") in arns]
        if clash:
            raise AwsFailure(f"{where} of {dist_id} has a Lambda@Edge function on {', '.join(clash)}; CloudFront "
                             "does not mix it with a CloudFront Function on the same viewer event")
        items = [a for a in (behaviour.get("FunctionAssociations") or {}).get("Items") or []
                 if a.get("EventType") not in arns]
        items += [{"FunctionARN": arn, "EventType": event} for event, arn in sorted(arns.items())]
        before = sorted((a["EventType"], a["FunctionARN"]) for a in
                        (behaviour.get("FunctionAssociations") or {}).get("Items") or [])
        if before == sorted((a["EventType"], a["FunctionARN"]) for a in items):
            stdout.write(f"  attach    {dist_id}: {where} already has these functions\n")
            return
        behaviour["FunctionAssociations"] = {"Quantity": len(items), "Items": items}
        try:
            aws.call(aws.cf, "update_distribution", Id=dist_id, IfMatch=etag, DistributionConfig=cfg)
        except Conflict:
            continue
        stdout.write(f"  attach    {dist_id}: {where} now runs "
                     f"{', '.join(f'{wanted[e].name} on {e}' for e in sorted(arns))}\n")
        return
    raise AwsFailure(f"distribution {dist_id} kept changing during {ATTACH_RETRIES} attempts; re-run `cfroutes deploy`")


def parse_attach(value: str) -> tuple[str, str | None]:
    """`DIST_ID[:PATH_PATTERN]` (the pattern may itself hold ':')."""
    dist_id, sep, pattern = value.partition(":")
    return dist_id, (pattern if sep else None)


__all__ = ["Progress", "apply", "attach_functions", "create_store", "live_state", "parse_attach", "write_batches"]
