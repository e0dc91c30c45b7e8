"""Deploying a connection-request (mTLS) function: plan and apply go to CloudFront's
connection-function API (CreateConnectionFunction, UpdateConnectionFunction,
PublishConnectionFunction, DescribeConnectionFunction, GetConnectionFunction,
TestConnectionFunction), checked against botocore's own service model by a Stubber (moto does
not simulate these operations)."""
from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

boto3 = pytest.importorskip("boto3")
from botocore.stub import ANY, Stubber  # noqa: E402
from cfroutes.compiler import compile_config  # noqa: E402
from cfroutes.deploy.apply import apply  # noqa: E402
from cfroutes.deploy.aws import Aws  # noqa: E402
from cfroutes.deploy.changeset import make_plan  # noqa: E402
from cfroutes.deploy.remote import RemoteRunner, Target  # noqa: E402
from cfroutes.iac.source import load  # noqa: E402
from cfroutes.testing.session import collect  # noqa: E402

CONFIG = """version: 1
functions:
  mtls:
    event: connection-request
    routes:
      - name: office
        clientIp: 203.0.113.0/24
        allow: true
      - deny: true
    tests:
      - connection: {clientIp: 203.0.113.5}
        expect: {allow: true}
"""
ARN = "arn:aws:cloudfront::123456789012:connection-function/mtls"


def summary(stage: str, comment: str = "x") -> dict[str, Any]:
    return {"Name": "mtls", "Id": "cf-123", "ConnectionFunctionArn": ARN, "Status": "UNPUBLISHED", "Stage": stage,
            "ConnectionFunctionConfig": {"Comment": comment, "Runtime": "cloudfront-js-2.0",
                                         "KeyValueStoreAssociations": {"Quantity": 0}},
            "CreatedTime": "2026-01-01T00:00:00Z", "LastModifiedTime": "2026-01-01T00:00:00Z"}


def describe_for_id(stub: Stubber) -> None:
    stub.add_response("describe_connection_function", {"ConnectionFunctionSummary": summary("DEVELOPMENT"),
                                                       "ETag": "E-any"},
                      {"Identifier": "mtls", "Stage": "DEVELOPMENT"})


def test_a_new_connection_function_is_created_tested_and_published(tmp_path: Path) -> None:
    (tmp_path / "routes.yaml").write_text(CONFIG)
    cfg = str(tmp_path / "routes.yaml")
    b = load(cfg, str(tmp_path / "dist"), io.StringIO())
    compiled = compile_config(cfg)
    cases = collect(compiled, [])
    cf_client = boto3.client("cloudfront", region_name="us-east-1")
    stub = Stubber(cf_client)
    aws = Aws(cf=cf_client, kvs=object())
    code = b.compiled.functions[0].source.encode()
    # plan: the function does not exist yet
    stub.add_client_error("describe_connection_function", "EntityNotFound", "no such connection function", 404,
                          expected_params={"Identifier": "mtls", "Stage": "DEVELOPMENT"})
    # apply: created, tested through TestConnectionFunction, the pass recorded, published
    stub.add_response("create_connection_function", {"ConnectionFunctionSummary": summary("DEVELOPMENT"),
                                                     "ETag": "E1", "Location": "x"},
                      {"Name": "mtls", "ConnectionFunctionCode": code,
                       "ConnectionFunctionConfig": {"Comment": ANY, "Runtime": "cloudfront-js-2.0",
                                                    "KeyValueStoreAssociations": {"Quantity": 0}}})
    describe_for_id(stub)
    connection = cases[0].event
    stub.add_response("test_connection_function", {"ConnectionFunctionTestResult": {
        "ComputeUtilization": "9", "ConnectionFunctionExecutionLogs": [], "ConnectionFunctionErrorMessage": "",
        "ConnectionFunctionOutput": json.dumps({"decision": "allow"})}},
        {"Id": "cf-123", "IfMatch": "E1", "Stage": "DEVELOPMENT",
         "ConnectionObject": json.dumps(connection, separators=(",", ":")).encode()})
    describe_for_id(stub)
    stub.add_response("update_connection_function", {"ConnectionFunctionSummary": summary("DEVELOPMENT"),
                                                     "ETag": "E2"},
                      {"Id": "cf-123", "IfMatch": "E1", "ConnectionFunctionCode": code,
                       "ConnectionFunctionConfig": ANY})
    describe_for_id(stub)
    stub.add_response("publish_connection_function", {"ConnectionFunctionSummary": summary("LIVE")},
                      {"Id": "cf-123", "IfMatch": "E2"})
    out = io.StringIO()
    with stub:
        plan = make_plan(aws, b, cfg, cases)
        assert [f.action for f in plan.functions] == ["create"]
        assert apply(aws, plan, "LIVE", compiled, out)
        stub.assert_no_pending_responses()
    text = out.getvalue()
    assert "mtls: created" in text and "1 case(s) through TestFunction" in text and "publish   mtls: LIVE" in text
    assert plan.functions[0].arn == ARN


def test_a_remote_connection_test_compares_cloudfronts_decision(tmp_path: Path) -> None:
    (tmp_path / "routes.yaml").write_text(CONFIG)
    compiled = compile_config(str(tmp_path / "routes.yaml"))
    cases = collect(compiled, [])
    cf_client = boto3.client("cloudfront", region_name="us-east-1")
    stub = Stubber(cf_client)
    aws = Aws(cf=cf_client, kvs=object())
    src = compiled.functions[0].source
    targets = {"mtls": Target("mtls", "DEVELOPMENT", "E9", src, "cloudfront-js-2.0", None)}
    describe_for_id(stub)
    stub.add_response("test_connection_function", {"ConnectionFunctionTestResult": {
        "ComputeUtilization": "9", "ConnectionFunctionExecutionLogs": [], "ConnectionFunctionErrorMessage": "",
        "ConnectionFunctionOutput": json.dumps({"decision": "deny"})}},
        {"Id": "cf-123", "IfMatch": "E9", "Stage": "DEVELOPMENT", "ConnectionObject": ANY})
    with stub:
        [res] = RemoteRunner(aws, compiled, targets).run(cases)
    assert res.emulator is not None and res.emulator.output == {"decision": "allow"}
    assert res.cloudfront is not None and res.cloudfront.output == {"decision": "deny"}
    assert res.divergences and res.failed
