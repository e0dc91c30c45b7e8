"""The whole deploy against moto (stores, distributions) plus the in-suite fake of what moto
lacks (tests/deploy/fakes.py FakeAccount): additive data, DEVELOPMENT, remote tests on the
new data, publish, deletions. A fault injected before and after EVERY mutating step leaves
LIVE consistent (its code finds every spilled key it reads; no untested code is published),
and a re-run converges."""
from __future__ import annotations

import copy
import hashlib

import pytest

pytest.importorskip("boto3", reason="boto3 not installed (pip install 'cfroutes[aws]')")
moto = pytest.importorskip("moto", reason="moto not installed (pip install moto)")

from cfroutes.cli.deploy import deploy  # noqa: E402
from cfroutes.compiler import compile_config  # noqa: E402
from cfroutes.config.model import spill_version  # noqa: E402
from cfroutes.deploy.aws import Aws  # noqa: E402

from .conftest import ROOT  # noqa: E402
from .fakes import Calls, FakeAccount, FakeCloudFront, FakeKvs, Faults, client, handled, io_pair  # noqa: E402

V1 = ("    options:\n", "    options:\n      spill: always\n")
# v2 edits both functions (each line 1 names only its own inputs: an edit of one function alone
# leaves the other's bytes, and its deploy steps, untouched: test_an_edit_of_one_function_updates_only_it)
V2 = [("redirect: /pricing\n", "redirect: /plans\n"), ("location: /pricing }", "location: /plans }"),
      ("x-frame-options: DENY", "x-frame-options: SAMEORIGIN")]


DIST = {"CallerReference": "r", "Comment": "", "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [{"Id": "o", "DomainName": "example.s3.amazonaws.com",
                                              "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
        "DefaultCacheBehavior": {"TargetOriginId": "o", "ViewerProtocolPolicy": "allow-all", "MinTTL": 0}}


def write_version(project, v):
    text = (ROOT / "routes.yaml").read_text().replace(*V1)
    if v == 2:
        for a, b in V2:
            text = text.replace(a, b)
    (project / "routes.yaml").write_text(text)
    return compile_config("routes.yaml")


def run(account, faults, *, stage="LIVE", prefix="", attach=None):
    out, err = io_pair()
    aws = Aws(FakeCloudFront(account, faults), FakeKvs(account, faults), sleep=lambda s: None)
    code = handled(deploy, "routes.yaml", apply_changes=True, stage=stage, dist="dist", stdout=out, stderr=err,
                   aws=aws, prefix=prefix, attach=attach)
    return code, out.getvalue(), err.getvalue()


def assert_live_consistent(account, builds, prefix=""):
    """Every LIVE function runs code of a known build, that code was tested on the very
    DEVELOPMENT ETag it was published from, and every spilled key it reads is in its store."""
    for name, stages in account.functions.items():
        live = stages.get("LIVE")
        if live is None:
            continue
        known = {b.function(name[len(prefix):]).source.encode(): b for b in builds}
        assert live["code"] in known, f"{name}: LIVE runs code of no build"
        build = known[live["code"]]
        store = account.store_of(name, "LIVE")
        for key, value in build.function(name[len(prefix):]).kvs_data or []:
            if spill_version(key) is not None:
                assert store is not None and store.get(key) == value, f"{name}: LIVE reads {key!r}, missing"
    assert all(tested for _, _, tested in account.published), "code was published without a remote test"


@pytest.fixture
def account():
    with moto.mock_aws():
        calls = Calls()
        a = FakeAccount(client("cloudfront", calls))
        a.calls = calls
        yield a


def test_fresh_then_changed_spilled_routes(project, account):
    b1 = write_version(project, 1)
    code, out, err = run(account, Faults())
    assert code == 0, out + err
    assert_live_consistent(account, [b1])
    arn = next(iter(account.stores))
    v1 = b1.function("site-router").plan.spill_version
    assert v1 and any(spill_version(k) == v1 for k in account.stores[arn])
    # the comment records the pass
    assert account.functions["site-router"]["DEVELOPMENT"]["config"]["Comment"].endswith("[remote tests passed]")
    assert run(account, Faults())[1].endswith("nothing to do: CloudFront already holds this build\n")

    b2 = write_version(project, 2)
    v2 = b2.function("site-router").plan.spill_version
    assert v2 != v1
    faults = Faults()
    code, out, err = run(account, faults)
    assert code == 0, out + err
    # order: additive keys, function, tests, pass recorded, publish, deletions
    ops = [op for i, op in enumerate(faults.log) if not i or faults.log[i - 1] != op]
    assert ops == ["update_keys", "update_function", "test_function", "update_function", "publish_function"], ops
    # the case expecting the NEW spilled target ran on CloudFront against the new keys
    assert "pricing.html moved" in out and "agreement checked instead" not in out.split("pricing.html moved")[1][:300]
    assert_live_consistent(account, [b2])
    # the rollback target's keys stay until a later deploy
    assert any(spill_version(k) == v1 for k in account.stores[arn])
    b3 = write_version(project, 1)  # back to v1's table: its keys are still there, v2's kept for rollback
    faults = Faults()
    code, out, err = run(account, faults)
    assert code == 0, out + err
    assert "update_keys" not in faults.log  # nothing to add, nothing to delete
    assert {spill_version(k) for k in account.stores[arn] if spill_version(k)} == {v1, v2}
    assert_live_consistent(account, [b3])


def test_a_failed_remote_test_is_tested_again_on_retry(project, account):
    write_version(project, 1)
    assert run(account, Faults())[0] == 0
    text = (project / "routes.yaml").read_text().replace("location: /pricing }", "location: /wrong }")
    (project / "routes.yaml").write_text(text.replace("redirect: /pricing\n", "redirect: /plans\n"))
    for _ in range(2):  # the retry does not say "nothing to do"
        code, out, _ = run(account, Faults(), stage="DEVELOPMENT")
        assert code == 1 and "remote test(s) failed" in out
        assert "LIVE site-router: the code published before this deploy" in out
    assert "its last remote tests did not pass (pending)" in out


def test_prefix_names_everything_and_attach_updates_the_default_behaviour(project, account):
    b1 = write_version(project, 1)
    moto_cf = account.moto
    dist = moto_cf.create_distribution(DistributionConfig=DIST)["Distribution"]["Id"]
    code, out, err = run(account, Faults(), prefix="stg-", attach=dist)
    assert code == 0, out + err
    assert set(account.functions) == {"stg-site-router", "stg-security-headers"}
    stores = moto_cf.list_key_value_stores()["KeyValueStoreList"]["Items"]
    assert [s["Name"] for s in stores] == ["stg-app-routing"]
    # moto stores no FunctionAssociations: the request itself is checked (with the ETag read first)
    sent = account.calls.of("UpdateDistribution")
    assert len(sent) == 1 and sent[0]["params"]["IfMatch"] == account.calls.of("GetDistributionConfig")[0][
        "response"]["ETag"]
    assoc = sent[0]["params"]["DistributionConfig"]["DefaultCacheBehavior"]["FunctionAssociations"]
    assert sorted((a["EventType"], a["FunctionARN"].rsplit("/", 1)[1]) for a in assoc["Items"]) == [
        ("viewer-request", "stg-site-router"), ("viewer-response", "stg-security-headers")]
    assert_live_consistent(account, [b1], prefix="stg-")
    # test --remote --prefix finds them under the same names
    from cfroutes.cli import test as cli_test

    faults = Faults()
    out, err = io_pair()
    aws = Aws(FakeCloudFront(account, faults), FakeKvs(account, faults))
    code = handled(cli_test.test_remote, "routes.yaml", [], stage="LIVE", stdout=out, stderr=err, aws=aws,
                   prefix="stg-")
    assert code == 0 and "19 passed, 0 failed, 5 skipped" in out.getvalue(), out.getvalue() + err.getvalue()
    assert set(faults.log) == {"test_function"}
    out, err = io_pair()
    assert handled(cli_test.test_remote, "routes.yaml", [], stage="LIVE", stdout=out, stderr=err, aws=aws) == 1
    assert "function 'site-router' has no LIVE stage" in err.getvalue()


STEPS = 26  # mutating calls of the v1 -> v2 deploy below (test_step_count keeps this honest)
FIRST_STEPS = 27  # mutating calls of a first deploy into an empty account


def _v1_deployed(project, account):
    b1 = write_version(project, 1)
    assert run(account, Faults())[0] == 0
    return b1


def test_step_count(project, account):
    _v1_deployed(project, account)
    write_version(project, 2)
    faults = Faults()
    assert run(account, faults)[0] == 0
    assert faults.count == STEPS, faults.log


def test_an_edit_of_one_function_updates_only_it(project, account):
    _v1_deployed(project, account)
    text = (project / "routes.yaml").read_text().replace("redirect: /pricing\n", "redirect: /plans\n")
    (project / "routes.yaml").write_text(text.replace("location: /pricing }", "location: /plans }"))
    before = copy.deepcopy(account.functions["security-headers"])
    faults = Faults()
    assert run(account, faults)[0] == 0
    assert account.functions["security-headers"] == before  # not updated, not republished
    assert "update_function" in faults.log


def test_step_count_of_a_first_deploy(project, account):
    write_version(project, 1)
    faults = Faults()
    assert run(account, faults)[0] == 0
    assert faults.count == FIRST_STEPS, faults.log
    assert faults.log[:3] == ["create_key_value_store", "update_keys", "create_function"], faults.log


@pytest.mark.parametrize("when", ["before", "after"])
@pytest.mark.parametrize("step", range(STEPS))
def test_a_fault_at_any_step_leaves_live_consistent_and_a_rerun_converges(project, account, step, when):
    b1 = _v1_deployed(project, account)
    b2 = write_version(project, 2)
    code, out, err = run(account, Faults(step, when))
    assert code == 1 and "injected fault" in err, out + err
    assert "deploy did not finish; LIVE now:" in out and "DATA INCOMPLETE" not in out
    assert_live_consistent(account, [b1, b2])
    for name in ("site-router", "security-headers"):  # what it says LIVE runs is what LIVE runs
        said = next(line for line in out.splitlines() if line.startswith(f"  LIVE {name}: "))
        is_new = account.functions[name]["LIVE"]["code"] == b2.function(name).source.encode()
        assert said.startswith(f"  LIVE {name}: {'this build' if is_new else 'the code published before'}"), said
    code, out, err = run(account, Faults())
    assert code == 0, out + err
    assert_live_consistent(account, [b2])
    assert run(account, Faults())[1].endswith("nothing to do: CloudFront already holds this build\n")
    for name in ("site-router", "security-headers"):
        assert account.functions[name]["LIVE"]["code"] == b2.function(name).source.encode()


def test_the_fake_refuses_what_botocore_refuses(account):
    kvs = FakeKvs(account, Faults())
    with pytest.raises(AssertionError, match="UpdateKeys"):
        kvs.update_keys(KvsARN="arn:x", IfMatch="E", Puts=[{"Key": "k"}])  # no Value
    cf = FakeCloudFront(account, Faults())
    with pytest.raises(AssertionError, match="PublishFunction"):
        cf.publish_function(Name="f")  # no IfMatch


def test_a_failed_publish_says_what_live_runs(project, account):
    _v1_deployed(project, account)
    b2 = write_version(project, 2)
    snapshot = copy.deepcopy((account.functions, account.stores, account.store_etags))
    log = Faults()
    assert run(account, log)[0] == 0
    second_publish = [i for i, op in enumerate(log.log) if op == "publish_function"][1]
    account.functions, account.stores, account.store_etags = snapshot  # back to v1 LIVE
    code, out, err = run(account, Faults(second_publish, "before"))
    assert code == 1 and "PublishFunction failed: ServiceUnavailable" in err, out + err
    n = len(b2.function("site-router").plan.spilled)
    first, second = [line for line in out.splitlines() if line.startswith("  LIVE ")]
    sha = hashlib.sha256(b2.function("site-router").source.encode()).hexdigest()[:12]
    assert first == f"  LIVE site-router: this build (sha256 {sha}); data complete: its {n} spilled key(s) are in app-routing"
    assert second.startswith("  LIVE security-headers: the code published before this deploy (sha256 ")
    assert second.endswith("; it reads no spilled keys")


def test_stage_development_writes_only_new_spilled_keys(project, account):
    b1 = _v1_deployed(project, account)
    arn = next(iter(account.stores))
    del account.stores[arn]["b-tenant"]  # a seed key missing: LIVE code reads it, so it is held back
    write_version(project, 2)
    before = dict(account.stores[arn])
    code, out, err = run(account, Faults(), stage="DEVELOPMENT")
    assert code == 0, out + err
    assert "missing seed keys held back" in out
    added = set(account.stores[arn]) - set(before)
    assert added and all(spill_version(k) for k in added) and "b-tenant" not in account.stores[arn]
    assert set(before) <= set(account.stores[arn])  # nothing deleted
    assert_live_consistent(account, [b1])
    assert account.functions["site-router"]["LIVE"]["code"] == b1.function("site-router").source.encode()
    again = run(account, Faults(), stage="DEVELOPMENT")[1]
    assert again.endswith("nothing to do: CloudFront already holds this build\n"), again


@pytest.mark.parametrize("argv, message", [
    (dict(prefix="stg/"), "--prefix 'stg/': only A-Z a-z 0-9 _ - are allowed in function and store names"),
    (dict(prefix="p" * 60), "longer than 64 characters (function and store names)"),
    (dict(attach=":/x"), "--attach needs DIST_ID[:PATH_PATTERN]"),
    (dict(attach="E1:"), "--attach needs DIST_ID[:PATH_PATTERN]"),
    (dict(attach="E1", stage="DEVELOPMENT"), "--attach associates published functions: it needs --stage LIVE"),
])
def test_bad_prefix_and_attach_are_exit_2(project, account, argv, message):
    write_version(project, 1)
    faults = Faults()
    code, _, err = run(account, faults, **argv)
    assert code == 2 and message in err and faults.count == 0


def test_attach_to_a_missing_behaviour_names_the_ones_there(project, account):
    write_version(project, 1)
    dist = account.moto.create_distribution(DistributionConfig=DIST)["Distribution"]["Id"]
    code, out, err = run(account, Faults(), attach=f"{dist}:/api/*")
    assert code == 1 and "has no cache behaviour with PathPattern '/api/*' (it has: none besides the default)" in err
    assert "deploy did not finish; LIVE now:" in out and "LIVE site-router: this build" in out
    assert not account.calls.of("UpdateDistribution")


def test_code_versions_of_old_and_new_code():
    from cfroutes.deploy.changeset import code_versions

    assert code_versions(b'try{v=await K.get("\\u00a7r:"+k)}') == {""}  # a build before versioning
    assert code_versions(b'if(v.indexOf("\\u00a7r:")==0)throw Z') == set()  # only the lookup guard
    assert code_versions(b'K.get("\\u00a7r:0123abcd:"+k)') == {"0123abcd"}
    assert code_versions(None) == set()


@pytest.mark.parametrize("when", ["before", "after"])
@pytest.mark.parametrize("step", range(FIRST_STEPS))
def test_an_interrupted_first_deploy_never_publishes_without_its_keys(project, account, step, when):
    b1 = write_version(project, 1)
    code, out, err = run(account, Faults(step, when))
    assert code == 1 and "injected fault" in err, out + err
    assert "DATA INCOMPLETE" not in out
    assert_live_consistent(account, [b1])
    code, out, err = run(account, Faults())
    assert code == 0, out + err
    assert_live_consistent(account, [b1])
    assert run(account, Faults())[1].endswith("nothing to do: CloudFront already holds this build\n")


def test_attach_to_a_named_behaviour_keeps_the_rest(project, account):
    write_version(project, 1)
    cfg = copy.deepcopy(DIST)
    cfg["CacheBehaviors"] = {"Quantity": 1, "Items": [{
        "PathPattern": "/app/*", "TargetOriginId": "o", "ViewerProtocolPolicy": "allow-all", "MinTTL": 0}]}
    dist = account.moto.create_distribution(DistributionConfig=cfg)["Distribution"]["Id"]
    code, out, err = run(account, Faults(), attach=f"{dist}:/app/*")
    assert code == 0, out + err
    assert f"attach    {dist}: cache behaviour '/app/*' now runs site-router on viewer-request, " \
           "security-headers on viewer-response" in out
    sent = account.calls.of("UpdateDistribution")[0]["params"]["DistributionConfig"]
    (app,) = sent["CacheBehaviors"]["Items"]
    assert app["FunctionAssociations"]["Quantity"] == 2
    assert not sent["DefaultCacheBehavior"].get("FunctionAssociations", {}).get("Items")  # untouched


def test_attach_refuses_a_lambda_at_edge_on_the_same_viewer_event(project, account, monkeypatch):
    write_version(project, 1)
    dist = account.moto.create_distribution(DistributionConfig=DIST)["Distribution"]["Id"]
    real = account.moto.get_distribution_config

    def with_lambda(**kw):  # moto keeps no LambdaFunctionAssociations: add one to its answer
        r = real(**kw)
        r["DistributionConfig"]["DefaultCacheBehavior"]["LambdaFunctionAssociations"] = {"Quantity": 1, "Items": [{
            "LambdaFunctionARN": "arn:aws:lambda:us-east-1:123456789012:function:edge:1",
            "EventType": "viewer-request"}]}
        return r
    monkeypatch.setattr(account.moto, "get_distribution_config", with_lambda)
    code, out, err = run(account, Faults(), attach=dist)
    assert code == 1 and "has a Lambda@Edge function on viewer-request" in err
    assert not account.calls.of("UpdateDistribution")
    assert "LIVE site-router: this build" in out  # published before the attach: consistent, said so


def test_the_dry_run_shows_the_consistent_order(project, account):
    _v1_deployed(project, account)
    arn = next(iter(account.stores))
    account.stores[arn]["\u00a7r:00000000:/ancient"] = '[0,"/x"]'  # a version no code reads
    b2 = write_version(project, 2)
    out, err = io_pair()
    aws = Aws(FakeCloudFront(account, Faults()), FakeKvs(account, Faults()))
    code = handled(deploy, "routes.yaml", apply_changes=False, stage="LIVE", dist="dist", stdout=out, stderr=err,
                   aws=aws)
    text = out.getvalue()
    assert code == 0, text + err.getvalue()
    n = len(b2.function("site-router").plan.spilled)
    lines = [line.split(":")[0].split()[0] for line in text.splitlines()[1:] if line.startswith("  ")]
    assert lines == ["kvs", "function", "function", "test", "publish", "kvs"], text
    assert (f"kvs       app-routing: {n} put(s) in 1 UpdateKeys batch(es) before any code reads them") in text
    assert (f"kvs       app-routing: {n} put(s) before, 1 delete(s) after publishing (1 + 1 UpdateKeys batch(es)); "
            f"3 seed key(s) kept as they are live; {n} spilled key(s) of the code LIVE ran so far kept for a "
            "rollback; 0 key(s) not owned by the config untouched") in text
    assert "dry run: nothing was changed" in text
