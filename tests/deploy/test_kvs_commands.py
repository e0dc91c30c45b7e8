"""`cfroutes kvs get|put|delete|list`: validation before any call, exact data-plane requests."""
from __future__ import annotations

import json
import sys

import pytest

pytest.importorskip("boto3", reason="boto3 not installed (pip install 'cfroutes[aws]')")

from cfroutes.cli.kvs import kvs_command  # noqa: E402
from cfroutes.cli.main import main  # noqa: E402
from cfroutes.config.load import load_config  # noqa: E402
from cfroutes.deploy.aws import Aws  # noqa: E402
from cfroutes.deploy.kvs import validate_put  # noqa: E402

from .fakes import ARN, Calls, handled, io_pair, kvs_described, stubbed  # noqa: E402


def run(sub, key=None, value=None, *, store="app-routing", cf=None, kvs=None):
    out, err = io_pair()
    code = handled(kvs_command, "routes.yaml", sub, store, key, value, stdout=out, stderr=err, aws=Aws(cf, kvs))
    return code, out.getvalue(), err.getvalue()


def control_plane_names_store(calls):
    cf, stub = stubbed("cloudfront", calls)
    stub.add_response("describe_key_value_store", {
        "KeyValueStore": {"Name": "app-routing", "Id": "0a1b", "Comment": "", "ARN": ARN, "Status": "READY",
                          "LastModifiedTime": "2025-01-01T00:00:00Z"},
        "ETag": "CONTROL-PLANE-ETAG"}, {"Name": "app-routing"})
    return cf, stub


def test_put_tenant_pointer_sends_one_putkey_with_the_data_plane_etag(project):
    calls = Calls()
    cf, cstub = control_plane_names_store(calls)
    kvs, kstub = stubbed("cloudfront-keyvaluestore", calls)
    kstub.add_response("describe_key_value_store", kvs_described("DATA-PLANE-ETAG-7"), {"KvsARN": ARN})
    kstub.add_response("put_key", {"ETag": "DATA-PLANE-ETAG-8", "ItemCount": 3, "TotalSizeInBytes": 190},
                       {"KvsARN": ARN, "Key": "a-tenant", "Value": "/cache/x.html", "IfMatch": "DATA-PLANE-ETAG-7"})
    with cstub, kstub:
        code, _, err = run("put", "a-tenant", "/cache/x.html", cf=cf, kvs=kvs)
        kstub.assert_no_pending_responses()
    assert code == 0, err
    assert calls.ops() == ["DescribeKeyValueStore", "DescribeKeyValueStore", "PutKey"]
    assert [e["service"] for e in calls.log] == ["cloudfront", "cloudfront-keyvaluestore", "cloudfront-keyvaluestore"]
    assert len(calls.of("PutKey")) == 1
    assert calls.of("PutKey")[0]["params"]["IfMatch"] != "CONTROL-PLANE-ETAG"
    assert "DATA-PLANE-ETAG-8" in err


def test_put_retries_a_stale_etag_with_a_fresh_one(project):
    calls = Calls()
    kvs, kstub = stubbed("cloudfront-keyvaluestore", calls)
    kstub.add_response("describe_key_value_store", kvs_described("E1"), {"KvsARN": ARN})
    kstub.add_client_error("put_key", "ConflictException", "etag mismatch", 409,
                           expected_params={"KvsARN": ARN, "Key": "b-tenant", "Value": "/v2.html", "IfMatch": "E1"})
    kstub.add_response("describe_key_value_store", kvs_described("E2"), {"KvsARN": ARN})
    kstub.add_response("put_key", {"ETag": "E3", "ItemCount": 3, "TotalSizeInBytes": 1},
                       {"KvsARN": ARN, "Key": "b-tenant", "Value": "/v2.html", "IfMatch": "E2"})
    with kstub:
        code, _, err = run("put", "b-tenant", "/v2.html", store=ARN, kvs=kvs)
        kstub.assert_no_pending_responses()
    assert code == 0, err


@pytest.mark.parametrize("key,value,message", [
    ("brand:acme", "not json", "not valid JSON"),
    ("brand:acme", '{"theme": "dark"}', "field 'folder' is missing"),
    ("brand:acme", '{"folder": {"a": 1}}', "field 'folder' is an object"),
    ("brand:acme", '["a"]', "JSON object"),
    ("a-tenant", "/x y", "a space"),  # rewrite: "{target}": a space in a URI is a 502 at the edge
    ("a-tenant", "/x#y", "'#'"),
    ("a-tenant", "/x\ty", "U+0009"),
    ("brand:acme", '{"folder": "a b"}', "field 'folder' holds a space"),
    ("\u00a7r:/pricing", "[0,\"/x\"]", "reserved prefix"),
    ("a-tenant", "x" * 1025, "1025 bytes"),
    ("k" * 513, "v", "513 bytes"),
])
def test_put_refuses_bad_values_before_any_call(project, key, value, message):
    calls = Calls()
    cf, cstub = stubbed("cloudfront", calls)
    kvs, kstub = stubbed("cloudfront-keyvaluestore", calls)
    with cstub, kstub:
        code, _, err = run("put", key, value, cf=cf, kvs=kvs)
    assert code == 2
    assert message in err and "<command line>:1:1: error:" in err
    assert calls.log == []


def test_put_accepts_a_json_brand_with_the_fields_the_routes_use(project):
    fns = list(load_config("routes.yaml").functions)
    errors, warnings = validate_put("brand:acme", '{"folder": "acme-v1", "theme": "light"}', fns)
    assert errors == [] and warnings == []
    errors, warnings = validate_put("brand:acme", '{"folder": 3}', fns)
    assert errors == []  # numbers render as JavaScript writes them
    # a key no lookup reads is allowed, with a warning naming the lookup keys
    errors, warnings = validate_put("nobody-reads-this:x", "v", [f for f in fns if f.name == "security-headers"])
    assert errors == [] and len(warnings) == 1 and "lookup keys: none" in warnings[0]


def test_delete_refuses_spilled_route_keys(project):
    code, _, err = run("delete", "\u00a7r:/x")
    assert code == 2 and "reserved prefix" in err


def test_list_follows_next_token_and_prints_list_keys_json(project):
    calls = Calls()
    kvs, kstub = stubbed("cloudfront-keyvaluestore", calls)
    kstub.add_response("list_keys", {"Items": [{"Key": "a-tenant", "Value": "/a.html"}], "NextToken": "page2"},
                       {"KvsARN": ARN, "MaxResults": 50})
    kstub.add_response("list_keys", {"Items": [{"Key": "b-tenant", "Value": "/b.html"}]},
                       {"KvsARN": ARN, "MaxResults": 50, "NextToken": "page2"})
    with kstub:
        code, out, _ = run("list", store=ARN, kvs=kvs)
        kstub.assert_no_pending_responses()
    assert code == 0
    assert json.loads(out) == {"Items": [{"Key": "a-tenant", "Value": "/a.html"}, {"Key": "b-tenant", "Value": "/b.html"}]}


def test_get_prints_the_value_and_a_missing_key_is_exit_1(project):
    kvs, kstub = stubbed("cloudfront-keyvaluestore", Calls())
    kstub.add_response("get_key", {"Key": "a-tenant", "Value": "/a.html", "ItemCount": 1, "TotalSizeInBytes": 1},
                       {"KvsARN": ARN, "Key": "a-tenant"})
    kstub.add_client_error("get_key", "ResourceNotFoundException", "no such key", 404,
                           expected_params={"KvsARN": ARN, "Key": "zzz"})
    with kstub:
        assert run("get", "a-tenant", store=ARN, kvs=kvs)[:2] == (0, "/a.html\n")
        code, _, err = run("get", "zzz", store=ARN, kvs=kvs)
    assert code == 1 and "not in" in err


def test_aws_errors_are_one_line_exit_1(project):
    cf, cstub = stubbed("cloudfront", Calls())
    cstub.add_client_error("describe_key_value_store", "AccessDenied", "User: arn:aws:iam::1:user/x is not\nauthorized",
                           403)
    with cstub:
        code, _, err = run("list", cf=cf)
    assert code == 1
    assert err.count("\n") == 1 and "AccessDenied" in err and "Traceback" not in err


def test_wrong_argument_count_is_exit_2(project, capsys):
    assert main(["kvs", "put", "a-tenant"]) == 2
    assert "takes KEY VALUE" in capsys.readouterr().err


def test_without_boto3_the_commands_say_how_to_install_it(project, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "boto3", None)
    assert main(["kvs", "list"]) == 2
    assert "pip install 'cfroutes[aws]'" in capsys.readouterr().err
    assert main(["deploy"]) == 2
    assert "pip install 'cfroutes[aws]'" in capsys.readouterr().err
    assert main(["test", "--remote"]) == 2
    assert "pip install 'cfroutes[aws]'" in capsys.readouterr().err


def test_missing_credentials_are_one_line_exit_1(project, monkeypatch, capsys):
    for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
              "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN"):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # no instance-metadata lookup
    monkeypatch.setenv("AWS_CONFIG_FILE", str(project / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(project / "no-credentials"))
    assert main(["kvs", "list", "--store", ARN]) == 1
    err = capsys.readouterr().err
    assert "no AWS credentials found" in err and err.count("\n") == 1


def test_get_and_put_escape_keys_and_values_for_the_terminal(project):
    from .fakes import FakeAccount, FakeKvs, Faults

    account = FakeAccount(None)
    kvs = FakeKvs(account, Faults())
    key, value = "note\x1b[2J", "red\x1b[31m\u202eevil\n"
    code, out, err = run("put", key, value, store=ARN, kvs=kvs)
    assert code == 0, err
    assert account.stores[ARN][key] == value  # stored as given
    assert "\x1b" not in err and "\\x1b[2J" in err
    code, out, err = run("get", key, store=ARN, kvs=kvs)
    assert code == 0 and out == "red\\x1b[31m\\u202eevil\\n\n"
    code, out, err = run("get", "gone\x1b[1A", store=ARN, kvs=kvs)
    assert code == 1 and "\x1b" not in err and "'gone\\x1b[1A' is not in" in err


@pytest.mark.parametrize("sub, args", [("get", ("a-tenant",)), ("list", ()), ("put", ("a-tenant", "/x.html"))])
def test_an_empty_store_name_is_exit_2(project, sub, args):
    code, _, err = run(sub, *args, store="")
    assert code == 2 and "--store is empty" in err


def test_put_checks_a_key_a_tenant_lookup_reads(project):
    # the example's saas-tenant-configurator reads "{tenant.params.site}/configurator" into a rewrite
    fns = [f for f in load_config("routes.yaml").functions if f.name == "site-router"]
    errors, warnings = validate_put("acme/configurator", "/cache/acme.html", fns)
    assert errors == [] and warnings == []
    errors, _ = validate_put("acme/configurator", "/cache/a b.html", fns)
    assert errors and "saas-tenant-configurator" in errors[0]  # a space never binds into a URI (§4.1)
