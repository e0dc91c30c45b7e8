"""`cfroutes deploy [--apply]`: the plan, then (with --apply) the safe order.

1. missing stores: CreateKeyValueStore, wait for READY, then the import file's entries
   through UpdateKeys (If-Match: the data-plane ETag, chained batch to batch);
2. functions: CreateFunction, or UpdateFunction with If-Match = the DEVELOPMENT ETag;
3. the config's cases through TestFunction on DEVELOPMENT (deploy.remote), compared as
   `cfroutes test` compares; any failure or divergence stops here: nothing published,
   nothing written to an existing store;
4. PublishFunction (If-Match = the ETag step 2 returned); a failure stops here;
5. the `kvs plan` batches of existing stores through UpdateKeys + If-Match; on an ETag
   conflict the store is re-read, re-planned and the remaining work retried.
Every step compares before it writes, so re-running after an interruption converges.
"""
from __future__ import annotations

from typing import Any, TextIO

from cfroutes.deploy.aws import NO_CREDENTIALS, Aws, AwsFailure, Conflict, command
from cfroutes.deploy.plan import OFFLINE, DeployPlan, StoreStep, describe, describe_offline, make_plan, nothing_to_do
from cfroutes.deploy.remote import RemoteRunner, Target, report
from cfroutes.kvs.plan import plan_updates

KVS_RETRIES = 3


def write_batches(aws: Aws, step: StoreStep, stdout: TextIO) -> None:
    """Apply a store's batches with the ETag read before the store was listed (so a write
    by anyone since then conflicts); on a conflict re-read ETag and keys, re-plan, go on."""
    assert step.arn is not None
    for attempt in range(KVS_RETRIES):
        if attempt or step.etag is None:
            step.etag = aws.kvs_etag(step.arn)
        if attempt:
            step.current = aws.list_keys(step.arn)
            step.kvs = plan_updates(step.desired, step.seed_keys, step.current)
            stdout.write(f"  kvs       {step.name}: ETag changed meanwhile; re-planned: {step.kvs.puts} put(s), "
                         f"{step.kvs.deletes} delete(s)\n")
        if not step.kvs.batches:
            return
        etag = step.etag
        try:
            for i, batch in enumerate(step.kvs.batches, 1):
                r = aws.call(aws.kvs, "update_keys", KvsARN=step.arn, IfMatch=etag, **batch)
                etag = step.etag = str(r["ETag"])
                stdout.write(f"  kvs       {step.name}: batch {i}/{len(step.kvs.batches)} written "
                             f"({len(batch.get('Puts', []))} put(s), {len(batch.get('Deletes', []))} delete(s))\n")
            return
        except Conflict:
            continue
    raise AwsFailure(f"KeyValueStore {step.name!r} kept changing during {KVS_RETRIES} attempts; re-run `cfroutes deploy`")


def create_store(aws: Aws, step: StoreStep, stdout: TextIO) -> None:
    aws.call(aws.cf, "create_key_value_store", Name=step.name,
             Comment=f"cfroutes: store of {step.function}"[:128])
    step.arn = str(aws.wait_ready(step.name)["ARN"])
    stdout.write(f"  store     {step.name}: created ({step.arn})\n")
    write_batches(aws, step, stdout)


def apply(aws: Aws, plan: DeployPlan, stage: str, compiled: Any, stdout: TextIO) -> bool:
    """Carry the plan out; False when the remote tests failed (nothing published)."""
    for s in plan.stores:
        if s.create:
            create_store(aws, s, stdout)
    etags: dict[str, str] = {}
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
            etags[f.name] = str(f.etag)
            continue
        etags[f.name] = str(r["ETag"])
    tested = plan.to_test(stage)
    if tested:
        targets = {}
        for f in tested:
            st = plan.store(f.store)
            targets[f.name] = Target(f.name, "DEVELOPMENT", etags[f.name], f.compiled.source,
                                     f.compiled.function.runtime, st.content_after() if st and st.create else
                                     (dict(st.current) if st else None))
        names = set(targets)
        cases = [c for c in plan.cases if c.function in names]
        stdout.write(f"  test      {len(cases)} case(s) through TestFunction (DEVELOPMENT):\n")
        results = RemoteRunner(aws, compiled, targets).run(cases)
        _, failed, _ = report(results, stdout)
        if failed:
            stdout.write(f"deploy stopped: {failed} remote test(s) failed; nothing published, "
                         "no KeyValueStore writes\n")
            return False
    if stage != "LIVE":
        stdout.write("stage DEVELOPMENT: nothing published; existing stores left as they are\n")
        return True
    for f in plan.functions:
        if f.publish:
            aws.call(aws.cf, "publish_function", Name=f.name, IfMatch=etags[f.name])
            stdout.write(f"  publish   {f.name}: LIVE\n")
    for s in plan.stores:
        if not s.create:
            write_batches(aws, s, stdout)
    return True


@command
def deploy(config: str, *, apply_changes: bool, stage: str, dist: str, stdout: TextIO, stderr: TextIO,
           aws: Aws | None = None, profile: str | None = None, region: str | None = None) -> int:
    from cfroutes.cli.test import collect
    from cfroutes.compiler import gc_paused
    from cfroutes.iac.source import load

    b = load(config, dist, stderr)
    with gc_paused():
        cases = collect(b.compiled, [])
    aws = aws or Aws(profile=profile, region=region)
    if not aws.has_credentials():
        if apply_changes:
            raise AwsFailure(f"deploy --apply: {NO_CREDENTIALS}")
        # the dry run still shows what it can: the bundle's side of the plan
        stdout.write(f"deploy plan for {config} (stage {stage}), {OFFLINE}:\n")
        stdout.write("\n".join(describe_offline(b, cases, stage, dist)) + "\n")
        stdout.write(f"dry run, {OFFLINE}: nothing was changed; to compare with the account, "
                     f"{NO_CREDENTIALS.split(': ', 1)[1]}\n")
        return 0
    plan = make_plan(aws, b, config, cases)
    stdout.write(f"deploy plan for {config} (stage {stage}):\n")
    stdout.write("\n".join(describe(plan, stage, dist)) + "\n")
    if nothing_to_do(plan, stage):
        stdout.write("nothing to do: CloudFront already holds this build\n")
        return 0
    if not apply_changes:
        stdout.write("dry run: nothing was changed; `cfroutes deploy --apply` carries this out\n")
        return 0
    stdout.write("applying:\n")
    ok = apply(aws, plan, stage, b.compiled, stdout)
    if ok:
        stdout.write("deploy complete\n")
    return 0 if ok else 1
