"""`error_pages:` (the distribution's custom error responses) in every export (issue 21).

A function cannot give a response that goes on to the origin a status of its own, so a platform's
"serve /404.html with status 404 where no file exists" reaches CloudFront as a custom error
response. These tests fail if an export loses the status (ResponseCode) or writes an entry the
real tools refuse: cfn-lint on a distribution built from the template's Metadata, `terraform
validate` on a distribution fed from the module's output, the CDK constructs' own types."""
from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import esprima
import pytest
import yaml
from cfroutes.cli.main import main

CFN_LINT = shutil.which("cfn-lint", path=os.path.dirname(sys.executable)) or shutil.which("cfn-lint")
TF = shutil.which("terraform")
TF_PLUGINS = os.environ.get("CFROUTES_TF_PLUGIN_DIR", "/opt/tf-plugins")
NODE_MODULES = os.environ.get("CFROUTES_NODE_MODULES", "")
REQUIRE = os.environ.get("CFROUTES_REQUIRE_IAC") == "1"

CONFIG = """\
version: 1
error_pages:
  404: /404.html
  403: { page: /index.html, status: 200, ttl: 0 }
  503: { page: "/busy%20page/caf\u00e9.html", ttl: 30 }
functions:
  site:
    event: viewer-request
    routes:
      - { path: /old, redirect: /new }
"""
# what each target must carry: (ErrorCode, ResponseCode, ResponsePagePath, ErrorCachingMinTTL)
WANT = [(404, 404, "/404.html", 10), (403, 200, "/index.html", 0), (503, 503, "/busy%20page/caf%C3%A9.html", 30)]


def _skip_or_fail(reason: str) -> None:
    if REQUIRE:
        pytest.fail(f"CFROUTES_REQUIRE_IAC=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "routes.yaml").write_text(CONFIG)
    monkeypatch.chdir(tmp_path)
    assert main(["build"]) == 0
    return tmp_path


def _cfn_entries(doc: dict) -> list[tuple[int, int, str, int]]:
    return [(e["ErrorCode"], e["ResponseCode"], e["ResponsePagePath"], e["ErrorCachingMinTTL"])
            for e in doc["Metadata"]["cfroutes"]["CustomErrorResponses"]]


def test_cloudformation_metadata_carries_every_entry_with_its_status(project: Path) -> None:
    assert main(["export", "cloudformation", "-o", "t.yaml"]) == 0
    assert main(["export", "cloudformation", "-o", "t.json"]) == 0
    doc = yaml.safe_load((project / "t.yaml").read_text())
    assert doc == json.loads((project / "t.json").read_text())
    assert _cfn_entries(doc) == WANT
    assert "error_pages" in doc["Metadata"]["cfroutes"]["CustomErrorResponsesNote"]


def test_no_error_pages_no_entries_in_any_target(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "routes.yaml").write_text(CONFIG.split("error_pages:")[0] + "functions:" + CONFIG.split("functions:")[1])
    monkeypatch.chdir(tmp_path)
    assert main(["build"]) == 0
    assert main(["export", "cloudformation", "-o", "t.yaml"]) == 0
    assert "Metadata" not in yaml.safe_load((tmp_path / "t.yaml").read_text())
    assert main(["export", "terraform", "-o", "main.tf"]) == 0
    assert "custom_error_response" not in (tmp_path / "main.tf").read_text()
    for lang, out in (("python", "c.py"), ("typescript", "c.ts")):
        assert main(["export", "cdk", "--lang", lang, "-o", out]) == 0
        assert "rror_responses" not in (tmp_path / out).read_text().replace("errorResponses", "error_responses")


def _with_distribution(doc: dict) -> dict:
    """The exported template plus a distribution whose CustomErrorResponses are the Metadata's."""
    doc = json.loads(json.dumps(doc))
    doc["Resources"]["Dist"] = {"Type": "AWS::CloudFront::Distribution", "Properties": {"DistributionConfig": {
        "Enabled": True,
        "Origins": [{"Id": "o", "DomainName": "origin.example.com",
                     "CustomOriginConfig": {"OriginProtocolPolicy": "https-only"}}],
        "DefaultCacheBehavior": {
            "TargetOriginId": "o", "ViewerProtocolPolicy": "redirect-to-https",
            "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6",
            "FunctionAssociations": [{"EventType": "viewer-request",
                                      "FunctionARN": {"Fn::GetAtt": ["SiteFunction", "FunctionMetadata.FunctionARN"]}}]},
        "CustomErrorResponses": doc["Metadata"]["cfroutes"]["CustomErrorResponses"],
    }}}
    return doc


def test_cfn_lint_accepts_the_entries_in_a_distribution(project: Path) -> None:
    if CFN_LINT is None:
        _skip_or_fail("cfn-lint not installed (pip install cfn-lint)")
    assert main(["export", "cloudformation", "-o", "t.yaml"]) == 0
    doc = _with_distribution(yaml.safe_load((project / "t.yaml").read_text()))
    (project / "d.json").write_text(json.dumps(doc))
    r = subprocess.run([CFN_LINT, "d.json"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    # the test can fail: an entry CloudFront refuses (ResponseCode 302) is an error to cfn-lint
    doc["Resources"]["Dist"]["Properties"]["DistributionConfig"]["CustomErrorResponses"][0]["ResponseCode"] = 302
    (project / "bad.json").write_text(json.dumps(doc))
    r = subprocess.run([CFN_LINT, "bad.json"], capture_output=True, text=True, timeout=300)
    assert r.returncode != 0


_TF_ENTRY = re.compile(r'\{ error_code = (\d+), response_code = (\d+), response_page_path = ("(?:[^"\\]|\\.)*"), '
                       r'error_caching_min_ttl = (\d+) \},')


def test_terraform_output_carries_every_entry_with_its_status(project: Path) -> None:
    assert main(["export", "terraform", "-o", "main.tf"]) == 0
    tf = (project / "main.tf").read_text()
    block = tf.split('output "custom_error_responses" {', 1)[1].split("\n}\n", 1)[0]
    got = [(int(a), int(b), json.loads(c), int(d)) for a, b, c, d in _TF_ENTRY.findall(block)]
    assert got == WANT
    assert 'dynamic "custom_error_response"' in tf  # the comment shows how a distribution uses it


def test_terraform_validate_a_distribution_fed_from_the_output(project: Path) -> None:
    if TF is None or not os.path.isdir(TF_PLUGINS):
        _skip_or_fail(f"terraform and the AWS provider in {TF_PLUGINS} are needed")
    (project / "routes_module").mkdir()
    assert main(["export", "terraform", "-o", "routes_module/main.tf"]) == 0
    (project / "main.tf").write_text("""\
module "routes" {
  source = "./routes_module"
}

resource "aws_cloudfront_distribution" "site" {
  enabled = true
  origin {
    domain_name = "origin.example.com"
    origin_id   = "o"
    custom_origin_config {
      http_port              = 80
      https_port             = 443
      origin_protocol_policy = "https-only"
      origin_ssl_protocols   = ["TLSv1.2"]
    }
  }
  default_cache_behavior {
    allowed_methods        = ["GET", "HEAD"]
    cached_methods         = ["GET", "HEAD"]
    target_origin_id       = "o"
    viewer_protocol_policy = "redirect-to-https"
    cache_policy_id        = "658327ea-f89d-4fab-a63d-7e88639e58f6"
    dynamic "function_association" {
      for_each = module.routes.function_associations
      content {
        event_type   = function_association.value.event_type
        function_arn = function_association.value.function_arn
      }
    }
  }
  dynamic "custom_error_response" {
    for_each = module.routes.custom_error_responses
    content {
      error_code            = custom_error_response.value.error_code
      response_code         = custom_error_response.value.response_code
      response_page_path    = custom_error_response.value.response_page_path
      error_caching_min_ttl = custom_error_response.value.error_caching_min_ttl
    }
  }
  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }
  viewer_certificate {
    cloudfront_default_certificate = true
  }
}
""")
    # the module reads dist/ from its own folder
    shutil.copytree(project / "dist", project / "routes_module" / "dist")
    text = (project / "routes_module/main.tf").read_text().replace("${path.module}/../dist/", "${path.module}/dist/")
    (project / "routes_module/main.tf").write_text(text)
    env = {**os.environ, "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1"}
    for args in (["fmt", "-check", "-recursive", "."],
                 ["init", "-backend=false", "-input=false", f"-plugin-dir={TF_PLUGINS}"],
                 ["validate", "-no-color"]):
        r = subprocess.run([TF, *args], cwd=project, capture_output=True, text=True, timeout=300, env=env)
        assert r.returncode == 0, " ".join(args) + ": " + r.stdout + r.stderr


def test_cdk_python_error_responses(project: Path) -> None:
    assert main(["export", "cdk", "--lang", "python", "-o", "construct.py"]) == 0
    tree = ast.parse((project / "construct.py").read_text())
    meth = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == "error_responses")
    calls = [n for n in ast.walk(meth) if isinstance(n, ast.Call) and ast.unparse(n.func) == "cloudfront.ErrorResponse"]
    got = []
    for c in calls:
        kw = {k.arg: k.value for k in c.keywords}
        ttl = kw["ttl"]
        assert isinstance(ttl, ast.Call) and ast.unparse(ttl.func) == "Duration.seconds"
        got.append((ast.literal_eval(kw["http_status"]), ast.literal_eval(kw["response_http_status"]),
                    ast.literal_eval(kw["response_page_path"]), ast.literal_eval(ttl.args[0])))
    assert got == WANT
    try:
        import aws_cdk as cdk
        from aws_cdk import aws_cloudfront as cloudfront
        from aws_cdk import aws_cloudfront_origins as origins
    except ImportError:
        _skip_or_fail("aws-cdk-lib not installed (pip install aws-cdk-lib): the construct was checked by its AST only")
    sys.path.insert(0, str(project))
    try:
        import construct  # type: ignore[import-not-found]

        app = cdk.App(outdir=str(project / "cdk.out"))
        stack = cdk.Stack(app, "Edge")
        fns = construct.CfroutesFunctions(stack, "Routes")
        cloudfront.Distribution(stack, "D", default_behavior=fns.behavior(origins.HttpOrigin("origin.example")),
                                error_responses=fns.error_responses())
        tpl = app.synth().get_stack_by_name("Edge").template
    finally:
        sys.path.remove(str(project))
        sys.modules.pop("construct", None)
    (dist,) = [r["Properties"]["DistributionConfig"] for r in tpl["Resources"].values()
               if r["Type"] == "AWS::CloudFront::Distribution"]
    assert _cfn_entries({"Metadata": {"cfroutes": {"CustomErrorResponses": dist["CustomErrorResponses"]}}}) == WANT


def test_cdk_typescript_error_responses(project: Path) -> None:
    assert main(["export", "cdk", "--lang", "typescript", "-o", "construct.ts"]) == 0
    ts = (project / "construct.ts").read_text()
    esprima.tokenize(ts, {"comment": True})  # lexes: no page path broke out of a string
    body = ts.split("public errorResponses(): cloudfront.ErrorResponse[] {", 1)[1].split("\n  }\n", 1)[0]
    rows = re.findall(r"\{ httpStatus: (\d+), responseHttpStatus: (\d+), responsePagePath: (\"(?:[^\"\\]|\\.)*\"), "
                      r"ttl: Duration\.seconds\((\d+)\) \},", body)
    assert [(int(a), int(b), json.loads(c), int(d)) for a, b, c, d in rows] == WANT
    if not NODE_MODULES or shutil.which("node") is None:
        _skip_or_fail("TypeScript CDK synth needs node and CFROUTES_NODE_MODULES (typescript aws-cdk-lib constructs "
                      "@types/node): the construct was checked by its text only")
    os.symlink(NODE_MODULES, project / "node_modules")
    (project / "app.ts").write_text(
        "import { App, Stack } from 'aws-cdk-lib';\n"
        "import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';\n"
        "import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';\n"
        "import { CfroutesFunctions } from './construct';\n"
        "const app = new App({ outdir: process.argv[2] });\n"
        "const stack = new Stack(app, 'Edge');\n"
        "const fns = new CfroutesFunctions(stack, 'Routes');\n"
        "new cloudfront.Distribution(stack, 'D', { defaultBehavior: fns.behavior({ origin: "
        "new origins.HttpOrigin('origin.example') }), errorResponses: fns.errorResponses() });\n"
        "app.synth();\n")
    (project / "tsconfig.json").write_text(json.dumps({"compilerOptions": {
        "target": "ES2020", "module": "commonjs", "strict": True, "outDir": "build", "rootDir": ".",
        "types": ["node"], "skipLibCheck": True}, "include": ["app.ts", "construct.ts"]}))
    tsc = os.path.join(NODE_MODULES, "typescript", "bin", "tsc")
    r = subprocess.run(["node", tsc, "-p", "."], cwd=project, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    r = subprocess.run(["node", "build/app.js", str(project / "cdk.out")], cwd=project, capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    tpl = json.loads((project / "cdk.out/Edge.template.json").read_text())
    (dist,) = [r["Properties"]["DistributionConfig"] for r in tpl["Resources"].values()
               if r["Type"] == "AWS::CloudFront::Distribution"]
    assert _cfn_entries({"Metadata": {"cfroutes": {"CustomErrorResponses": dist["CustomErrorResponses"]}}}) == WANT
