"""`cfroutes export cloudformation|terraform|cdk` on the example project."""
from __future__ import annotations

import json
import os
import py_compile
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from cfroutes.cli.main import main
from cfroutes.compiler import bundle, compile_config
from cfroutes.iac import terraform

ROOT = Path(__file__).resolve().parents[2]
TF_PLUGINS = os.environ.get("CFROUTES_TF_PLUGIN_DIR", "/opt/tf-plugins")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("routes.yaml", "kvs", "dist"):
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, tmp_path / name)
        else:
            shutil.copy(src, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def bundle_text() -> dict[str, str]:
    files = bundle.bundle_files(compile_config("routes.yaml"))
    return {k: v.decode() for k, v in files.items()}


def export(*args: str) -> None:
    assert main(["export", *args]) == 0


CFN_LINT = shutil.which("cfn-lint", path=os.path.dirname(sys.executable)) or shutil.which("cfn-lint")


def cfn_lint(*paths: Path) -> subprocess.CompletedProcess[str]:
    assert CFN_LINT is not None
    return subprocess.run([CFN_LINT, *map(str, paths)], capture_output=True, text=True, timeout=300)


have_cfn_lint = pytest.mark.skipif(CFN_LINT is None, reason="cfn-lint not installed (pip install cfn-lint)")


# ------------------------------------------------------------------ CloudFormation
@have_cfn_lint
def test_cloudformation_yaml_and_json_pass_cfn_lint_and_a_broken_copy_does_not(project):
    """One cfn-lint run (it takes seconds to start) over both exports and a broken copy."""
    export("cloudformation", "--kvs-bucket", "my-bucket", "-o", "stack.yaml")
    export("cloudformation", "--kvs-bucket", "my-bucket", "-o", "stack.json")
    doc = json.loads((project / "stack.json").read_text())
    assert doc == yaml.safe_load((project / "stack.yaml").read_text())
    del doc["Resources"]["SiteRouterFunction"]["Properties"]["FunctionConfig"]["Runtime"]
    (project / "bad.json").write_text(json.dumps(doc))
    r = cfn_lint(project / "stack.yaml", project / "stack.json", project / "bad.json")
    findings = [line for line in r.stdout.splitlines() if line.strip()]
    assert r.returncode != 0 and any("Runtime" in line for line in findings), r.stdout
    assert "stack.yaml" not in r.stdout and "stack.json" not in r.stdout, r.stdout  # no finding at all


def test_cloudformation_carries_the_exact_bundle(project):
    export("cloudformation", "--kvs-bucket", "my-bucket", "-o", "stack.yaml")
    doc = yaml.safe_load((project / "stack.yaml").read_text())
    files = bundle_text()
    res = doc["Resources"]
    assert res["SiteRouterFunction"]["Properties"]["FunctionCode"] == files["site-router.js"]
    assert res["SecurityHeadersFunction"]["Properties"]["FunctionCode"] == files["security-headers.js"]
    assert (project / "dist/site-router.js").read_text() == files["site-router.js"]
    fn = res["SiteRouterFunction"]["Properties"]
    assert fn["AutoPublish"] is True and fn["Name"] == "site-router"
    assert fn["FunctionConfig"]["Runtime"] == "cloudfront-js-2.0"
    assert fn["FunctionConfig"]["KeyValueStoreAssociations"] == [
        {"KeyValueStoreARN": {"Fn::GetAtt": ["AppRoutingStore", "Arn"]}}]
    assert "KeyValueStoreAssociations" not in res["SecurityHeadersFunction"]["Properties"]["FunctionConfig"]
    store = res["AppRoutingStore"]
    assert store["Type"] == "AWS::CloudFront::KeyValueStore" and store["Properties"]["Name"] == "app-routing"
    # the import comes from S3 only: bucket and key are parameters, the key defaults to the file's name
    assert doc["Parameters"]["AppRoutingImportKey"]["Default"] == "site-router.kvs.json"
    assert "only from S3" in doc["Parameters"]["KvsImportBucket"]["Description"]
    assert doc["Parameters"]["KvsImportBucket"]["Default"] == "my-bucket"
    assert store["Properties"]["ImportSource"]["SourceType"] == "S3"  # always: the function reads its keys
    assert doc["Outputs"]["SiteRouterFunctionArn"]["Value"] == {
        "Fn::GetAtt": ["SiteRouterFunction", "FunctionMetadata.FunctionARN"]}


def test_stale_dist_warns_and_exports_the_build_from_memory(project, capsys):
    (project / "dist/site-router.js").write_text("// stale\n")
    export("cloudformation", "--kvs-bucket", "my-bucket", "-o", "stack.yaml")
    err = capsys.readouterr().err
    assert "warning: dist/ is stale" in err and "cfroutes build" in err
    doc = yaml.safe_load((project / "stack.yaml").read_text())
    assert doc["Resources"]["SiteRouterFunction"]["Properties"]["FunctionCode"] == bundle_text()["site-router.js"]


# ------------------------------------------------------------------ Terraform
ATTR = re.compile(r"^( *)([A-Za-z_][A-Za-z0-9_-]*)( +)= (.*)$")


def misaligned(text: str) -> list[str]:
    """Lines breaking `terraform fmt`'s layout: two spaces per nesting level, and within a
    run of consecutive single-line attributes every `=` one space after the longest name."""
    problems: list[str] = []
    run: list[tuple[int, int, str, int]] = []  # (line no, indent, name, index of '=')
    depth = 0

    def close() -> None:
        if run:
            width = max(len(name) for _, _, name, _ in run)
            problems.extend(f"{no}: '=' at column {col + 1}, expected {indent + width + 2}"
                            for no, indent, _, col in run if col != indent + width + 1)
        run.clear()

    for no, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        indent = len(line) - len(line.lstrip(" "))
        if stripped.startswith(("}", "]", ")")):
            depth -= 1
        if stripped and (indent != 2 * depth or "\t" in line):
            problems.append(f"{no}: indent {indent}, expected {2 * depth}")
        if stripped.startswith("#"):
            continue  # a comment (terraform fmt only indents it, it opens no block)
        m = ATTR.match(line)
        if m and not m.group(4).rstrip().endswith(("{", "[", "(")):
            run.append((no, len(m.group(1)), m.group(2), len(m.group(1)) + len(m.group(2)) + len(m.group(3))))
        else:
            close()
        if stripped.endswith(("{", "[", "(")):
            depth += 1
    close()
    return problems


def test_alignment_checker_can_fail():
    good = 'resource "a" "b" {\n  name    = "x"\n  runtime = "y"\n}\n'
    assert misaligned(good) == []
    assert misaligned('resource "a" "b" {\n  name = "x"\n  runtime = "y"\n}\n')
    assert misaligned('resource "a" "b" {\n   name = "x"\n}\n')


def test_terraform_parses_and_has_canonical_layout(project):
    hcl2 = pytest.importorskip("hcl2", reason="python-hcl2 not installed (pip install python-hcl2)")
    export("terraform", "-o", "main.tf")
    text = (project / "main.tf").read_text()
    assert misaligned(text) == []
    doc = hcl2.loads(text)
    res = {}
    for block in doc["resource"]:
        for kind, named in block.items():
            for name, body in named.items():
                res[(kind.strip('"'), name.strip('"'))] = body  # python-hcl2 8 keeps the quotes
    fn = res[("aws_cloudfront_function", "site_router")]
    assert fn["runtime"].strip('"') == "cloudfront-js-2.0" and fn["publish"] is True
    assert "dist/site-router.js" in fn["code"] and "file(" in fn["code"]
    assert "aws_cloudfront_key_value_store.app_routing.arn" in str(fn["key_value_store_associations"])
    assert ("aws_cloudfront_key_value_store", "app_routing") in res
    seed = res[("aws_cloudfrontkeyvaluestore_key", "app_routing_seed")]
    assert "ignore_changes" in str(seed["lifecycle"])  # a tenant's live value is never reset
    assert ("aws_cloudfrontkeyvaluestore_key", "app_routing_routes") in res
    assert "security_headers_arn" in str(doc["output"])


@pytest.mark.skipif(shutil.which("terraform") is None, reason="terraform not installed")
def test_terraform_fmt_leaves_it_unchanged(project):
    export("terraform", "-o", "main.tf")
    r = subprocess.run(["terraform", "fmt", "-check", "-diff", "main.tf"], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.skipif(shutil.which("terraform") is None or not os.path.isdir(TF_PLUGINS),
                    reason=f"terraform or its AWS provider ({TF_PLUGINS}, CFROUTES_TF_PLUGIN_DIR) not installed")
def test_terraform_validate_against_the_aws_provider_schema(project):
    export("terraform", "-o", "main.tf")
    env = {**os.environ, "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1"}
    r = subprocess.run(["terraform", "init", "-backend=false", "-input=false", f"-plugin-dir={TF_PLUGINS}"],
                       capture_output=True, text=True, timeout=300, env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    r = subprocess.run(["terraform", "validate", "-no-color"], capture_output=True, text=True, timeout=300, env=env)
    assert r.returncode == 0 and "Success" in r.stdout, r.stdout + r.stderr


def test_hcl_strings_escape_template_sequences():
    assert terraform.string('a"${b}%{c}\\') == '"a\\"$${b}%%{c}\\\\"'


# ------------------------------------------------------------------ CDK
def test_cdk_python_compiles_and_typescript_names_the_bundle(project):
    export("cdk", "--lang", "python", "-o", "cfroutes_construct.py")
    py_compile.compile(str(project / "cfroutes_construct.py"), doraise=True)
    export("cdk", "-o", "cfroutes.ts")
    ts = (project / "cfroutes.ts").read_text()
    assert "cloudfront.FunctionCode.fromFile({ filePath: path.join(dist, \"site-router.js\") })" in ts
    assert "cloudfront.ImportSource.fromAsset(path.join(dist, \"site-router.kvs.json\"), {" in ts
    assert "assetHash: \"cfroutes-import-app-routing\"" in ts  # pinned: ImportSource never changes
    assert "keyValueStore: this.appRoutingStore" in ts
    assert ts.count("new cloudfront.Function(") == 2 and ts.count("autoPublish: true") == 2


@pytest.mark.skipif(shutil.which("node") is None, reason="node not installed (the CDK needs it)")
def test_cdk_python_construct_synthesises_the_bundle(project):
    cdk = pytest.importorskip("aws_cdk", reason="aws-cdk-lib not installed (pip install aws-cdk-lib)")
    export("cdk", "--lang", "python", "-o", "cfroutes_construct.py")
    sys.path.insert(0, str(project))
    try:
        import importlib

        mod = importlib.import_module("cfroutes_construct")
        app = cdk.App(outdir=str(project / "cdk.out"))
        stack = cdk.Stack(app, "Edge")
        fns = mod.CfroutesFunctions(stack, "Routes")
        assert len(fns.function_associations()) == 2
        tpl = app.synth().get_stack_by_name("Edge").template
    finally:
        sys.path.remove(str(project))
        sys.modules.pop("cfroutes_construct", None)
    files = bundle_text()
    by_type: dict[str, list[dict]] = {}
    for r in tpl["Resources"].values():
        by_type.setdefault(r["Type"], []).append(r["Properties"])
    codes = {p["Name"]: p["FunctionCode"] for p in by_type["AWS::CloudFront::Function"]}
    assert codes == {"site-router": files["site-router.js"], "security-headers": files["security-headers.js"]}
    (store,) = by_type["AWS::CloudFront::KeyValueStore"]
    assert store["Name"] == "app-routing" and store["ImportSource"]["SourceType"] == "S3"
    assert all(p["AutoPublish"] for p in by_type["AWS::CloudFront::Function"])


@pytest.mark.parametrize("target", ["cloudformation", "terraform"])
def test_lang_is_refused_for_targets_other_than_cdk(project, capsys, target):
    assert main(["export", target, "--lang", "python", "-o", "out.txt"]) == 2
    err = capsys.readouterr().err
    assert err == f"<command line>:1:1: error: --lang python applies only to `export cdk`, not to {target}  [CFR801]\n"
    assert not (project / "out.txt").exists()
