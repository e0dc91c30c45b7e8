"""`cfroutes export` of a connection-request (mTLS) function: AWS::CloudFront::ConnectionFunction in
CloudFormation (cfn-lint knows the type), CfnConnectionFunction in the CDK (synthesised when node
and aws-cdk-lib are installed), and an honest note in Terraform, whose installed AWS provider has no
such resource."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from cfroutes.cli.main import main

CONFIG = """version: 1
functions:
  mtls:
    event: connection-request
    kvs: {name: devices}
    routes:
      - lookup: {key: "{sha256Fingerprint}"}
        allow: true
      - deny: true
  site:
    event: viewer-request
    routes:
      - path: /old
        redirect: /new
"""
CFN_LINT = shutil.which("cfn-lint", path=os.path.dirname(sys.executable)) or shutil.which("cfn-lint")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "routes.yaml").write_text(CONFIG)
    assert main(["build"]) == 0
    return tmp_path


def resources(doc: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for r in doc["Resources"].values():
        out.setdefault(r["Type"], []).append(r["Properties"])
    return out


def test_cloudformation_has_a_connection_function_resource(project: Path) -> None:
    assert main(["export", "cloudformation", "-o", "stack.yaml"]) == 0
    doc = yaml.safe_load((project / "stack.yaml").read_text())
    by = resources(doc)
    (fn,) = by["AWS::CloudFront::ConnectionFunction"]
    assert fn["Name"] == "mtls" and fn["AutoPublish"] is True
    assert fn["ConnectionFunctionCode"] == (project / "dist" / "mtls.js").read_text()
    cfg = fn["ConnectionFunctionConfig"]
    assert cfg["Runtime"] == "cloudfront-js-2.0"
    assert cfg["KeyValueStoreAssociations"] == [{"KeyValueStoreARN": {"Fn::GetAtt": ["DevicesStore", "Arn"]}}]
    assert [p["Name"] for p in by["AWS::CloudFront::Function"]] == ["site"]
    assert [k for k, o in doc["Outputs"].items() if o["Value"] == {"Fn::GetAtt": [k[:-3], "ConnectionFunctionArn"]}]
    if CFN_LINT:
        r = subprocess.run([CFN_LINT, "stack.yaml"], capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stdout + r.stderr


def test_terraform_says_why_the_connection_function_is_missing(project: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "terraform", "-o", "main.tf"]) == 0
    hcl = (project / "main.tf").read_text()
    assert 'resource "aws_cloudfront_function" "site"' in hcl and '"mtls"' not in hcl.split("connection function")[0]
    assert "# connection function \"mtls\" (mTLS) is not exported" in hcl
    assert "not exported" in capsys.readouterr().err


def test_cdk_declares_a_cfn_connection_function(project: Path) -> None:
    assert main(["export", "cdk", "-o", "fns.ts"]) == 0
    ts = (project / "fns.ts").read_text()
    assert "new cloudfront.CfnConnectionFunction(this, \"Mtls\", {" in ts
    assert "keyValueStoreAssociations: [{ keyValueStoreArn: this.devicesStore.keyValueStoreArn }]" in ts
    assert ts.count("eventType: cloudfront.FunctionEventType") == 1  # the connection function is no behaviour's


@pytest.mark.skipif(shutil.which("node") is None, reason="node not installed (the CDK needs it)")
def test_cdk_python_synthesises_the_connection_function(project: Path) -> None:
    cdk = pytest.importorskip("aws_cdk", reason="aws-cdk-lib not installed")
    assert main(["export", "cdk", "--lang", "python", "-o", "conn_construct.py"]) == 0
    sys.path.insert(0, str(project))
    try:
        import importlib

        mod = importlib.import_module("conn_construct")
        app = cdk.App(outdir=str(project / "cdk.out"))
        stack = cdk.Stack(app, "Edge")
        fns = mod.CfroutesFunctions(stack, "Routes")
        assert len(fns.function_associations()) == 1
        tpl = app.synth().get_stack_by_name("Edge").template
    finally:
        sys.path.remove(str(project))
        sys.modules.pop("conn_construct", None)
    (fn,) = resources(tpl)["AWS::CloudFront::ConnectionFunction"]
    assert fn["ConnectionFunctionCode"] == (project / "dist" / "mtls.js").read_text()
    assert fn["ConnectionFunctionConfig"]["KeyValueStoreAssociations"][0]["KeyValueStoreARN"]
