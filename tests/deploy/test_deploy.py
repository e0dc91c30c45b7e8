"""`cfroutes deploy`: the dry run against moto, and the exact UpdateKeys requests (botocore's
Stubber). The order of the whole deploy, failures at every step and re-runs are checked
against moto plus the stateful fake in tests/deploy/test_consistency.py."""
from __future__ import annotations

import json

import pytest

pytest.importorskip("boto3", reason="boto3 not installed (pip install 'cfroutes[aws]')")
moto = pytest.importorskip("moto", reason="moto not installed (pip install moto)")

from cfroutes.cli.deploy import deploy  # noqa: E402
from cfroutes.config.model import SPILL_PREFIX  # noqa: E402
from cfroutes.deploy.apply import write_batches  # noqa: E402
from cfroutes.deploy.aws import Aws  # noqa: E402
from cfroutes.deploy.changeset import StoreStep  # noqa: E402
from cfroutes.iac.source import comment  # noqa: E402
from cfroutes.kvs.updates import plan_updates  # noqa: E402

from .fakes import (  # noqa: E402
    ANY,
    ARN,
    Calls,
    cases_of,
    client,
    cloudfront_result,
    handled,
    io_pair,
    kvs_described,
    runs_remotely,
    seed_store,
    stub_function_stage,
    stub_list_keys,
    stubbed,
    summary,
)

MUTATING = {"CreateKeyValueStore", "UpdateKeys", "CreateFunction", "UpdateFunction", "TestFunction",
            "PublishFunction", "PutKey", "DeleteKey"}


def run(aws, *, apply=True, stage="LIVE"):
    out, err = io_pair()
    code = handled(deploy, "routes.yaml", apply_changes=apply, stage=stage, dist="dist", stdout=out, stderr=err, aws=aws)
    return code, out.getvalue(), err.getvalue()


def mutations(calls):
    return [op for op in calls.ops() if op in MUTATING]


def squash(ops):
    out = []
    for op in ops:
        if not out or out[-1] != op:
            out.append(op)
    return out


# ------------------------------------------------------------------ a fresh account (moto)
def test_dry_run_on_a_fresh_account_changes_nothing(project):
    calls = Calls()
    with moto.mock_aws():
        sim = client("cloudfront", calls)
        code, out, err = run(Aws(sim, None), apply=False)
        assert code == 0, err
        assert "store     app-routing: create, then write its 3 import-file entries" in out
        size = cases_of()[0].function("site-router").size
        assert f"function  site-router: create ({size:,} bytes, store app-routing)" in out
        assert "function  security-headers: create" in out
        assert "publish   site-router (new function), security-headers (new function) -> LIVE" in out
        assert "dry run: nothing was changed" in out
        assert mutations(calls) == []
        assert sim.list_functions()["FunctionList"]["Quantity"] == 0


# ------------------------------------------------------------------ an existing account (Stubber)
OLD_CODE = b"async function handler(event) { return event.request; }"


def existing(cstub, kstub, compiled, *, live_store, dev_code=OLD_CODE, live_code=OLD_CODE):
    """The plan's read-only calls for an account that has the store and both functions."""
    cstub.add_response("describe_key_value_store", {
        "KeyValueStore": {"Name": "app-routing", "Id": "0a1b", "Comment": "", "ARN": ARN, "Status": "READY",
                          "LastModifiedTime": "2025-01-01T00:00:00Z"}, "ETag": "CP-1"}, {"Name": "app-routing"})
    kstub.add_response("describe_key_value_store", kvs_described("KV-1"), {"KvsARN": ARN})  # before listing
    stub_list_keys(kstub, live_store, page=2)
    stub_function_stage(cstub, compiled, "site-router", "DEVELOPMENT", "SR-DEV-1", code=dev_code)
    stub_function_stage(cstub, compiled, "site-router", "LIVE", "SR-LIVE-1", code=live_code)
    stub_function_stage(cstub, compiled, "security-headers", "DEVELOPMENT", "SH-DEV-1")
    stub_function_stage(cstub, compiled, "security-headers", "LIVE", "SH-LIVE-1", arn=None)


def live_store(compiled):
    s = seed_store(compiled)
    s["a-tenant"] = "/cache/2026/01/05/live.html"  # the tenant moved: its live value must survive
    del s["b-tenant"]  # a seed key missing from the store: created
    s[SPILL_PREFIX + "/old"] = '[0,"/x"]'  # a spilled route the build no longer has: deleted
    s["other-team:flag"] = "on"  # not the config's: untouched
    return s


def config_sent(compiled, name="site-router"):
    cf = compiled.function(name)
    return {"Comment": comment(cf, "routes.yaml"), "Runtime": "cloudfront-js-2.0",
            "KeyValueStoreAssociations": {"Quantity": 1, "Items": [{"KeyValueStoreARN": ARN}]}}


def stub_tests(cstub, compiled, cases, store, etag, tamper=None):
    for case in cases:
        if case.function == "site-router" and runs_remotely(case):
            t = (lambda out, c=case: tamper(c, out)) if tamper else None
            cstub.add_response("test_function", cloudfront_result(compiled, case, store, tamper=t),
                               {"Name": "site-router", "IfMatch": etag, "Stage": "DEVELOPMENT", "EventObject": ANY})


def update_path(calls, compiled, cases, store, *, tamper=None, publish_error=False, conflict=True):
    cf, cstub = stubbed("cloudfront", calls)
    kvs, kstub = stubbed("cloudfront-keyvaluestore", calls)
    existing(cstub, kstub, compiled, live_store=store)
    cstub.add_response("update_function", {"FunctionSummary": summary(compiled, "site-router", "DEVELOPMENT"),
                                           "ETag": "SR-DEV-2"},
                       {"Name": "site-router", "IfMatch": "SR-DEV-1", "FunctionConfig": config_sent(compiled),
                        "FunctionCode": compiled.function("site-router").source.encode()})
    stub_tests(cstub, compiled, cases, store, "SR-DEV-2", tamper)
    if tamper:
        return (cf, cstub), (kvs, kstub)
    if publish_error:
        cstub.add_client_error("publish_function", "PreconditionFailed", "The ETag is stale", 412,
                               expected_params={"Name": "site-router", "IfMatch": "SR-DEV-2"})
        return (cf, cstub), (kvs, kstub)
    cstub.add_response("publish_function", {"FunctionSummary": summary(compiled, "site-router", "LIVE")},
                       {"Name": "site-router", "IfMatch": "SR-DEV-2"})
    b_tenant = {"Key": "b-tenant", "Value": seed_store(compiled)["b-tenant"]}
    if conflict:
        kstub.add_client_error("update_keys", "ConflictException", "Pre-condition failed", 409, expected_params={
            "KvsARN": ARN, "IfMatch": "KV-1", "Puts": [b_tenant], "Deletes": [{"Key": SPILL_PREFIX + "/old"}]})
        # meanwhile another run removed the stale route: re-read, re-plan, one put left
        after = {k: v for k, v in store.items() if k != SPILL_PREFIX + "/old"}
        kstub.add_response("describe_key_value_store", kvs_described("KV-3"), {"KvsARN": ARN})
        stub_list_keys(kstub, after, page=2)
        kstub.add_response("update_keys", {"ETag": "KV-4", "ItemCount": 5, "TotalSizeInBytes": 1},
                           {"KvsARN": ARN, "IfMatch": "KV-3", "Puts": [b_tenant]})
    else:
        kstub.add_response("update_keys", {"ETag": "KV-2", "ItemCount": 5, "TotalSizeInBytes": 1}, {
            "KvsARN": ARN, "IfMatch": "KV-1", "Puts": [b_tenant], "Deletes": [{"Key": SPILL_PREFIX + "/old"}]})
    return (cf, cstub), (kvs, kstub)


def go(stubs, **kw):
    (cf, cstub), (kvs, kstub) = stubs
    with cstub, kstub:
        result = run(Aws(cf, kvs), **kw)
        cstub.assert_no_pending_responses()
        kstub.assert_no_pending_responses()
    return result


def test_batches_chain_etags_and_stay_within_50_keys(project):
    desired = [(f"{SPILL_PREFIX}/p/{i}", f'[0,"/n/{i}"]') for i in range(120)]
    step = StoreStep("big", "fn", False, ARN, desired, set(), {}, plan_updates(desired, set(), {}), "E0")
    assert [len(b["Puts"]) for b in step.kvs.batches] == [50, 50, 20]
    calls = Calls()
    kvs, kstub = stubbed("cloudfront-keyvaluestore", calls)
    for i, b in enumerate(step.kvs.batches):
        kstub.add_response("update_keys", {"ETag": f"E{i + 1}", "ItemCount": 1, "TotalSizeInBytes": 1},
                           {"KvsARN": ARN, "IfMatch": f"E{i}", "Puts": b["Puts"]})
    out, _ = io_pair()
    with kstub:
        write_batches(Aws(None, kvs), step, out)
        kstub.assert_no_pending_responses()
    assert [e["params"]["IfMatch"] for e in calls.of("UpdateKeys")] == ["E0", "E1", "E2"]
    assert json.dumps(calls.of("UpdateKeys")[2]["params"]["Puts"][-1]) == json.dumps(
        {"Key": f"{SPILL_PREFIX}/p/119", "Value": '[0,"/n/119"]'})
