"""`cfroutes deploy`: the plan, and with --apply the safe order, against moto (what it
simulates: create/describe functions and stores) and botocore's Stubber (update, publish,
TestFunction, the KeyValueStore data plane), asserting the exact requests and their order."""
from __future__ import annotations

import json

import pytest

pytest.importorskip("boto3", reason="boto3 not installed (pip install 'cfroutes[aws]')")
moto = pytest.importorskip("moto", reason="moto not installed (pip install moto)")

from cfroutes.config.model import SPILL_PREFIX  # noqa: E402
from cfroutes.deploy.apply import deploy, write_batches  # noqa: E402
from cfroutes.deploy.aws import Aws  # noqa: E402
from cfroutes.deploy.plan import StoreStep  # noqa: E402
from cfroutes.iac.source import comment  # noqa: E402
from cfroutes.kvs.plan import plan_updates  # noqa: E402

from .fakes import (  # noqa: E402
    ANY,
    ARN,
    Calls,
    Routed,
    cases_of,
    client,
    cloudfront_result,
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
    code = deploy("routes.yaml", apply_changes=apply, stage=stage, dist="dist", stdout=out, stderr=err, aws=aws)
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
def test_fresh_account_against_the_simulated_aws(project):
    compiled, cases = cases_of()
    calls = Calls()
    with moto.mock_aws():
        sim = client("cloudfront", calls)
        stub_client, cstub = stubbed("cloudfront", calls)
        cf = Routed(sim, stub_client, {"test_function", "publish_function"})
        kvs, kstub = stubbed("cloudfront-keyvaluestore", calls)
        kstub.add_response("describe_key_value_store", kvs_described("KV-1", 0), {"KvsARN": ANY})
        kstub.add_response("update_keys", {"ETag": "KV-2", "ItemCount": 3, "TotalSizeInBytes": 216},
                           {"KvsARN": ANY, "IfMatch": "KV-1",
                            "Puts": [{"Key": k, "Value": v} for k, v in compiled.function("site-router").kvs_data]})
        seed = seed_store(compiled)
        for case in cases:
            if runs_remotely(case):
                cstub.add_response("test_function", cloudfront_result(
                    compiled, case, seed if case.function == "site-router" else None),
                    {"Name": case.function, "IfMatch": ANY, "Stage": "DEVELOPMENT", "EventObject": ANY})
        for name in ("site-router", "security-headers"):
            cstub.add_response("publish_function", {"FunctionSummary": summary(compiled, name, "LIVE", arn=None)},
                               {"Name": name, "IfMatch": ANY})
        with cstub, kstub:
            code, out, err = run(Aws(cf, kvs))
            cstub.assert_no_pending_responses()
            kstub.assert_no_pending_responses()
        assert code == 0, out + err
        # the safe order: store filled, functions created, tested, then published
        assert squash(mutations(calls)) == ["CreateKeyValueStore", "UpdateKeys", "CreateFunction", "TestFunction",
                                            "PublishFunction"]
        store_arn = calls.of("CreateKeyValueStore")[0]["response"]["KeyValueStore"]["ARN"]
        puts = calls.of("UpdateKeys")[0]["params"]
        assert puts["KvsARN"] == store_arn
        assert {p["Key"]: p["Value"] for p in puts["Puts"]} == seed and "Deletes" not in puts
        created = {e["params"]["Name"]: e["response"]["ETag"] for e in calls.of("CreateFunction")}
        for e in calls.of("TestFunction") + calls.of("PublishFunction"):
            assert e["params"]["IfMatch"] == created[e["params"]["Name"]]  # the ETag CreateFunction returned
        # what the simulated account holds now: the exact bundle, associated with the new store
        for name in ("site-router", "security-headers"):
            got = sim.get_function(Name=name)["FunctionCode"].read()
            assert got == compiled.function(name).source.encode()
        cfg = sim.describe_function(Name="site-router")["FunctionSummary"]["FunctionConfig"]
        assert cfg["KeyValueStoreAssociations"]["Items"] == [{"KeyValueStoreARN": store_arn}]
        assert cfg["Runtime"] == "cloudfront-js-2.0"
        assert sim.describe_function(Name="security-headers")["FunctionSummary"]["FunctionConfig"][
            "KeyValueStoreAssociations"]["Quantity"] == 0


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


def test_update_publish_then_keys_with_etags_and_a_replan_on_conflict(project):
    compiled, cases = cases_of()
    calls = Calls()
    code, out, err = go(update_path(calls, compiled, cases, live_store(compiled)))
    assert code == 0, out + err
    assert squash(mutations(calls)) == ["UpdateFunction", "TestFunction", "PublishFunction", "UpdateKeys"]
    assert "ETag changed meanwhile; re-planned: 1 put(s), 0 delete(s)" in out
    # nothing overwrote the tenant's live value
    for e in calls.of("UpdateKeys"):
        assert all(p["Key"] != "a-tenant" for p in e["params"].get("Puts", []))
    # the tenant case depends on live data: its expectations are not forced on CloudFront
    assert "depend on store contents that differ from the seed" in out
    assert "deploy complete" in out


def test_dry_run_plan_of_an_existing_account(project):
    compiled, _ = cases_of()
    calls = Calls()
    cf, cstub = stubbed("cloudfront", calls)
    kvs, kstub = stubbed("cloudfront-keyvaluestore", calls)
    existing(cstub, kstub, compiled, live_store=live_store(compiled))
    code, out, _ = go(((cf, cstub), (kvs, kstub)), apply=False)
    assert code == 0
    assert f"function  site-router: update DEVELOPMENT (code differs; {compiled.function('site-router').size:,} bytes)" in out
    assert "function  security-headers: DEVELOPMENT unchanged" in out
    assert "publish   site-router (LIVE code differs) -> LIVE" in out
    assert ("kvs       app-routing: 1 put(s), 1 delete(s) in 1 UpdateKeys batch(es); 2 seed key(s) kept as "
            "they are live; 1 key(s) not owned by the config untouched") in out
    assert "test      16 case(s) of site-router through TestFunction" in out
    assert mutations(calls) == []
    # the ETag is read before the keys (4 keys, pages of 2: NextToken followed)
    assert calls.ops("cloudfront-keyvaluestore") == ["DescribeKeyValueStore", "ListKeys", "ListKeys"]


def test_a_failed_remote_test_stops_before_publish_and_keys(project):
    compiled, cases = cases_of()
    calls = Calls()

    def tamper(case, out):
        if case.name == "health check answered at the edge":
            out["response"]["statusCode"] = 503
    code, out, _ = go(update_path(calls, compiled, cases, live_store(compiled), tamper=tamper))
    assert code == 1
    assert "deploy stopped: 1 remote test(s) failed; nothing published, no KeyValueStore writes" in out
    assert "PublishFunction" not in calls.ops() and "UpdateKeys" not in calls.ops()


def test_a_failed_publish_stops_before_keys(project):
    compiled, cases = cases_of()
    calls = Calls()
    code, out, err = go(update_path(calls, compiled, cases, live_store(compiled), publish_error=True))
    assert code == 1
    assert "PublishFunction failed: PreconditionFailed: The ETag is stale" in err and err.count("\n") == 1
    assert "UpdateKeys" not in calls.ops()


def test_stage_development_tests_but_neither_publishes_nor_writes_keys(project):
    compiled, cases = cases_of()
    calls = Calls()
    cf, cstub = stubbed("cloudfront", calls)
    kvs, kstub = stubbed("cloudfront-keyvaluestore", calls)
    store = live_store(compiled)
    existing(cstub, kstub, compiled, live_store=store)
    cstub.add_response("update_function", {"FunctionSummary": summary(compiled, "site-router", "DEVELOPMENT"),
                                           "ETag": "SR-DEV-2"},
                       {"Name": "site-router", "IfMatch": "SR-DEV-1", "FunctionConfig": config_sent(compiled),
                        "FunctionCode": compiled.function("site-router").source.encode()})
    stub_tests(cstub, compiled, cases, store, "SR-DEV-2")
    code, out, _ = go(((cf, cstub), (kvs, kstub)), stage="DEVELOPMENT")
    assert code == 0
    assert squash(mutations(calls)) == ["UpdateFunction", "TestFunction"]
    assert "held back (--stage DEVELOPMENT" in out


def test_rerun_after_an_interruption_converges(project):
    """DEVELOPMENT already holds the build (the last run stopped before publishing): no
    update, the tests run on the DEVELOPMENT ETag, then publish and the key batch."""
    compiled, cases = cases_of()
    calls = Calls()
    cf, cstub = stubbed("cloudfront", calls)
    kvs, kstub = stubbed("cloudfront-keyvaluestore", calls)
    store = live_store(compiled)
    existing(cstub, kstub, compiled, live_store=store, dev_code=compiled.function("site-router").source.encode())
    stub_tests(cstub, compiled, cases, store, "SR-DEV-1")
    cstub.add_response("publish_function", {"FunctionSummary": summary(compiled, "site-router", "LIVE")},
                       {"Name": "site-router", "IfMatch": "SR-DEV-1"})
    kstub.add_response("update_keys", {"ETag": "KV-2", "ItemCount": 5, "TotalSizeInBytes": 1}, {
        "KvsARN": ARN, "IfMatch": "KV-1", "Puts": [{"Key": "b-tenant", "Value": seed_store(compiled)["b-tenant"]}],
        "Deletes": [{"Key": SPILL_PREFIX + "/old"}]})
    code, out, _ = go(((cf, cstub), (kvs, kstub)))
    assert code == 0, out
    assert "function  site-router: DEVELOPMENT unchanged" in out
    assert squash(mutations(calls)) == ["TestFunction", "PublishFunction", "UpdateKeys"]


def test_a_converged_account_has_nothing_to_do(project):
    compiled, _ = cases_of()
    calls = Calls()
    cf, cstub = stubbed("cloudfront", calls)
    kvs, kstub = stubbed("cloudfront-keyvaluestore", calls)
    store = seed_store(compiled)
    store["a-tenant"] = "/cache/2026/01/05/live.html"  # live values differ from the seed: still converged
    src = compiled.function("site-router").source.encode()
    existing(cstub, kstub, compiled, live_store=store, dev_code=src, live_code=src)
    code, out, _ = go(((cf, cstub), (kvs, kstub)), apply=True)
    assert code == 0
    assert "nothing to do" in out and mutations(calls) == []


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
