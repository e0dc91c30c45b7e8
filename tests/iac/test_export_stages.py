"""Exports, round 3 (issues 18 and 19): `--prefix`, store data that must reach the store before
the code, the CloudFormation size limit, Terraform's batch resource, the CDK construct's stable
ImportSource and outDir lookup, and names from file names that cannot break out of a comment or
a string in any output language.

The real tools run where installed: cfn-lint, `terraform fmt`/`validate` (AWS provider from
CFROUTES_TF_PLUGIN_DIR, default /opt/tf-plugins), the CDK (Python: aws-cdk-lib; TypeScript: a
node_modules with typescript, aws-cdk-lib, constructs and @types/node named by
CFROUTES_NODE_MODULES). A missing tool is a skip whose reason says what to install; with
CFROUTES_REQUIRE_IAC=1 (CI, once it installs them) it is a failure instead."""
from __future__ import annotations

import ast
import functools
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
from cfroutes.compiler import bundle, compile_config
from cfroutes.iac import escape

ROOT = Path(__file__).resolve().parents[2]
TF_PLUGINS = os.environ.get("CFROUTES_TF_PLUGIN_DIR", "/opt/tf-plugins")
NODE_MODULES = os.environ.get("CFROUTES_NODE_MODULES", "")
CFN_LINT = shutil.which("cfn-lint", path=os.path.dirname(sys.executable)) or shutil.which("cfn-lint")
TF = shutil.which("terraform")
REQUIRE = os.environ.get("CFROUTES_REQUIRE_IAC") == "1"


def requires(missing: bool, reason: str):
    """skipif, except under CFROUTES_REQUIRE_IAC=1, where a missing tool fails the test."""
    if not missing:
        return lambda f: f
    if not REQUIRE:
        return pytest.mark.skipif(True, reason=reason)

    def deco(f):
        @functools.wraps(f)
        def wrapper(*args, **kwargs):
            pytest.fail(f"CFROUTES_REQUIRE_IAC=1 but {reason}")
        return wrapper
    return deco

# the second config: 120 exact redirects spilled to a store nothing looks keys up in
BIG = "version: 1\nfunctions:\n  moves:\n    event: viewer-request\n    kvs: { name: moves }\n" \
      "    options: { spill: always }\n    routes:\n" + "".join(
          f"      - {{ path: /old/page-{i}, redirect: /new/page-{i} }}\n" for i in range(120))

HOSTILE = [
    "new\nline.yaml", "star*/slash.yaml", 'tri"""ple.yaml', "dollar${var}.yaml", "pct%{if}.yaml",
    "q'uo\"te.yaml", "back\\slash\\.yaml", "caf\u00e9 \u2028 \u202e\U0001f600.yaml", "ff\x0c\x08\x1b.yaml",
]


def _copy_example(dst: Path) -> None:
    for name in ("routes.yaml", "kvs", "dist"):
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, dst / name)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    _copy_example(tmp_path)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def big(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "routes.yaml").write_text(BIG)
    monkeypatch.chdir(tmp_path)
    assert main(["build"]) == 0
    return tmp_path


def run(*args: str) -> int:
    return main(["export", *args])


def tf_dir_ok(d: Path) -> None:
    """terraform fmt -check (the parser HashiCorp ships) and, with the provider, validate."""
    env = {**os.environ, "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1"}
    r = subprocess.run([TF, "fmt", "-check", "-diff", "."], cwd=d, capture_output=True, text=True, timeout=120, env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    if os.path.isdir(TF_PLUGINS):
        r = subprocess.run([TF, "init", "-backend=false", "-input=false", f"-plugin-dir={TF_PLUGINS}"], cwd=d,
                           capture_output=True, text=True, timeout=300, env=env)
        assert r.returncode == 0, r.stdout + r.stderr
        r = subprocess.run([TF, "validate", "-no-color"], cwd=d, capture_output=True, text=True, timeout=300, env=env)
        assert r.returncode == 0 and "Success" in r.stdout, r.stdout + r.stderr


def hcl_unquote(lit: str) -> str:
    """An HCL quoted string's value, by the native syntax's escape rules (the test's own decoder)."""
    assert lit[0] == lit[-1] == '"'
    out, i, body = [], 0, lit[1:-1]
    while i < len(body):
        c = body[i]
        if c == "\\":
            n = body[i + 1]
            if n in "nrt\"\\":
                out.append({"n": "\n", "r": "\r", "t": "\t"}.get(n, n))
                i += 2
            elif n == "u":
                out.append(chr(int(body[i + 2:i + 6], 16)))
                i += 6
            elif n == "U":
                out.append(chr(int(body[i + 2:i + 10], 16)))
                i += 10
            else:
                raise AssertionError(f"escape \\{n} is not HCL")
        elif body.startswith(("$${", "%%{"), i):
            out.append(body[i + 1:i + 3])
            i += 3
        else:
            assert not body.startswith(("${", "%{"), i), "an interpolation"
            out.append(c)
            i += 1
    return "".join(out)


# ------------------------------------------------------------------ --prefix
def test_prefix_names_every_function_and_store_in_every_target(project: Path) -> None:
    assert run("cloudformation", "--prefix", "stg-", "--kvs-bucket", "b-1", "-o", "s.json") == 0
    doc = json.loads((project / "s.json").read_text())
    names = sorted(r["Properties"].get("Name") or r["Properties"]["CachePolicyConfig"]["Name"]
                   for r in doc["Resources"].values())
    assert names == ["stg-app-routing", "stg-security-headers", "stg-site-router", "stg-site-router-cache"]
    assert doc["Parameters"]["AppRoutingImportKey"]["Default"] == "stg-site-router.kvs.json"
    assert run("terraform", "--prefix", "stg-", "-o", "main.tf") == 0
    tf = (project / "main.tf").read_text()
    assert sorted(re.findall(r'^  name += "([^"]+)"', tf, re.M)) == names
    for lang in ("typescript", "python"):
        assert run("cdk", "--lang", lang, "--prefix", "stg-", "-o", f"c.{lang}") == 0
        text = (project / f"c.{lang}").read_text()
        found = re.findall(r'(?:functionName|keyValueStoreName|cachePolicyName|function_name|key_value_store_name|'
                           r'cache_policy_name)[:=] ?'
                           r'["\']([^"\']+)', text)
        assert sorted(found) == names, text


@pytest.mark.parametrize("prefix,why", [("a b", "only A-Z"), ("x" * 60, "longer than 64"), ("\u00e9", "only A-Z")])
def test_a_bad_prefix_is_exit_2(project: Path, capsys, prefix: str, why: str) -> None:
    assert run("terraform", "--prefix", prefix, "-o", "main.tf") == 2
    assert why in capsys.readouterr().err and not (project / "main.tf").exists()


# ------------------------------------------------------------------ CloudFormation: data before code, size
def test_cloudformation_refuses_a_store_without_an_import_source(project: Path, capsys) -> None:
    assert run("cloudformation", "-o", "s.yaml") == 1
    err = capsys.readouterr().err
    assert "export refused" in err and "--kvs-bucket BUCKET" in err and "aws s3 cp dist/site-router.kvs.json" in err
    assert not (project / "s.yaml").exists()
    assert run("cloudformation", "--kvs-bucket", "Not_A_Bucket", "-o", "s.yaml") == 2
    assert run("terraform", "--kvs-bucket", "b-1", "-o", "s.tf") == 2


def test_a_store_without_data_needs_no_bucket(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "routes.yaml").write_text(
        "version: 1\nfunctions:\n  f:\n    event: viewer-request\n    kvs: { name: live }\n    routes:\n"
        "      - { path: /x, lookup: { key: x, as: t }, rewrite: '{t}' }\n")
    monkeypatch.chdir(tmp_path)
    assert run("cloudformation", "-o", "s.json") == 0
    doc = json.loads((tmp_path / "s.json").read_text())
    assert "Parameters" not in doc and "ImportSource" not in doc["Resources"]["LiveStore"]["Properties"]


def test_a_template_over_the_inline_limit_warns_with_the_s3_upload(tmp_path: Path, monkeypatch, capsys) -> None:
    fns = "".join(f"  f{i}:\n    event: viewer-request\n    options: {{ spill: never }}\n    routes:\n" + "".join(
        f"      - {{ path: /f{i}/old/some-long-page-name-{j}, redirect: /f{i}/new/another-page-{j} }}\n"
        for j in range(130)) for i in range(6))
    (tmp_path / "routes.yaml").write_text("version: 1\nfunctions:\n" + fns)
    monkeypatch.chdir(tmp_path)
    assert run("cloudformation", "-o", "s.yaml") == 0
    err = capsys.readouterr().err
    size = (tmp_path / "s.yaml").stat().st_size
    assert size > 51_200 and f"{size:,} bytes" in err and "--s3-bucket" in err and "TemplateURL" in err
    (tmp_path / "routes.yaml").write_text("version: 1\nfunctions:\n" + fns.split("  f1:")[0])
    assert run("cloudformation", "-o", "s.yaml") == 0
    assert "51,200" not in capsys.readouterr().err


# ------------------------------------------------------------------ Terraform
def test_terraform_function_depends_on_every_key_it_reads(project: Path) -> None:
    assert run("terraform", "-o", "main.tf") == 0
    tf = (project / "main.tf").read_text()
    deps = re.search(r"depends_on += \[(.*)\]", tf).group(1)
    assert "app_routing_seed" in deps and "app_routing_routes" in deps
    assert "function_association" in tf and 'output "function_associations"' in tf


def _tf_resources(tf: str) -> dict[tuple[str, str], dict]:
    hcl2 = pytest.importorskip("hcl2", reason="python-hcl2 not installed (pip install python-hcl2)")
    return {(kind.strip('"'), name.strip('"')): body  # python-hcl2 8 keeps the quotes
            for block in hcl2.loads(tf)["resource"] for kind, named in block.items() for name, body in named.items()}


def test_terraform_keys_are_created_before_and_deleted_after_the_code(big: Path) -> None:
    """Every key resource is create_before_destroy and the function depends on all of them: no
    batch resource (it deletes in the same update that adds, before the code is published)."""
    assert run("terraform", "-o", "main.tf") == 0
    tf = (big / "main.tf").read_text()
    res = _tf_resources(tf)
    keys = {name: body for (kind, name), body in res.items() if kind == "aws_cloudfrontkeyvaluestore_key"}
    assert set(keys) == {"moves_seed", "moves_routes"} and "keys_exclusive" not in tf
    for body in keys.values():
        assert body["lifecycle"][0]["create_before_destroy"] is True
    fn = res[("aws_cloudfront_function", "moves")]
    assert fn["publish"] is True
    assert sorted(fn["depends_on"]) == ["${aws_cloudfrontkeyvaluestore_key.moves_routes}",
                                        "${aws_cloudfrontkeyvaluestore_key.moves_seed}"]


# ---- the apply graph of a v1 -> v2 change, from terraform itself (offline: no refresh, fake credentials)
TF_OFFLINE_PROVIDER = """provider "aws" {
  region                      = "us-east-1"
  access_key                  = "offline"
  secret_key                  = "offline"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
}
"""
TF_ENV = {**os.environ, "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1"}


def _tf(d: Path, *args: str) -> str:
    r = subprocess.run([TF, *args, *(["-no-color"] if args[0] in ("init", "plan", "show") else [])], cwd=d,
                       capture_output=True, text=True, timeout=300, env=TF_ENV)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


@functools.lru_cache(maxsize=8)
def _tf_json(d: Path, *args: str) -> dict:
    """A terraform command's JSON output, once per directory (the provider starts slowly)."""
    return json.loads(_tf(d, *args))


def _fake_arn(address: str) -> str:
    return f"arn:aws:cloudfront::123456789012:fake/{address}"


def _state_after(d: Path, plan: str, tf_text: str) -> dict:
    """The state an apply of `plan` leaves, as Terraform records it: the planned values (unknowns
    filled with fakes), each instance's dependencies (its references and depends_on) and its
    create_before_destroy flag (from the lifecycle block)."""
    p = _tf_json(d, "show", "-json", plan)
    schema = _tf_json(d, "providers", "schema", "-json")["provider_schemas"][
        "registry.terraform.io/hashicorp/aws"]["resource_schemas"]
    conf = {r["address"]: r for r in p["configuration"]["root_module"]["resources"]}
    cbd = {f"{kind}.{name}": bool(body.get("lifecycle", [{}])[0].get("create_before_destroy"))
           for (kind, name), body in _tf_resources(tf_text).items()}

    def deps(addr: str) -> list[str]:
        c = conf[addr]
        refs = {x for e in c["expressions"].values() if isinstance(e, dict) for x in e.get("references", [])}
        return sorted(set(c.get("depends_on", [])) | {x for x in refs if x.count(".") == 1 and x.split(".")[0]
                                                      not in ("each", "path", "local", "var")})
    out: dict[str, dict] = {}
    for r in p["planned_values"]["root_module"]["resources"]:
        base = r["address"].split("[")[0]
        store = next((_fake_arn(x) for x in deps(base) if x.startswith("aws_cloudfront_key_value_store.")), None)
        attrs = {}
        for a in schema[r["type"]]["block"]["attributes"]:
            v = r["values"].get(a)
            if v is None:
                v = {"key_value_store_arn": store, "key_value_store_associations": [store] if store else None,
                     "arn": _fake_arn(base), "id": base, "etag": "E1", "live_stage_etag": "E1",
                     "status": "UNASSOCIATED", "last_modified_time": "2026-01-01T00:00:00Z",
                     "total_size_in_bytes": 1}.get(a)
            attrs[a] = v
        inst = {"schema_version": r["schema_version"], "attributes": attrs, "sensitive_attributes": [],
                "dependencies": deps(base), "create_before_destroy": cbd[base]}
        if "index" in r:
            inst["index_key"] = r["index"]
        out.setdefault(base, {"mode": "managed", "type": r["type"], "name": r["name"], "instances": [],
                              "provider": 'provider["registry.terraform.io/hashicorp/aws"]'})["instances"].append(inst)
    return {"version": 4, "terraform_version": "1.0.0", "serial": 1, "outputs": {},
            "lineage": "00000000-0000-4000-8000-000000000001", "resources": list(out.values())}


def _apply_graph(d: Path, plan: str) -> dict[str, set[str]]:
    """`terraform graph -type=apply -plan=...`: node -> the nodes it waits for."""
    edge = re.compile(r'^\s*"((?:[^"\\]|\\.)*)" -> "((?:[^"\\]|\\.)*)"')
    waits: dict[str, set[str]] = {}
    for line in _tf(d, "graph", "-type=apply", f"-plan={plan}").splitlines():
        m = edge.match(line)
        if m:
            a, b = (x.replace('\\"', '"').removeprefix("[root] ") for x in m.groups())
            waits.setdefault(a, set()).add(b)
    return waits


def _waits_for(waits: dict[str, set[str]], node: str, target: str) -> bool:
    seen, todo = set(), [node]
    while todo:
        n = todo.pop()
        if n == target:
            return True
        if n not in seen:
            seen.add(n)
            todo.extend(waits.get(n, ()))
    return False


V1 = ("version: 1\nfunctions:\n  moves:\n    event: viewer-request\n"
      "    kvs: { name: moves, seed: seed.yaml }\n    options: { spill: always }\n    routes:\n"
      "      - { path: /t/:tenant, lookup: { key: '{tenant}', as: dest }, rewrite: '{dest}' }\n")


def _keys_present_while_old_code_may_be_live(d: Path, fn: str, tf_text: str, state_cbd: bool = True,
                                             ) -> tuple[set[str], set[str]]:
    """Plan v2 over the state v1 left and read terraform's apply graph: (keys in the store from
    the start of the apply until the function is updated and published, keys v2 creates first).
    state_cbd=False: the state as an export without create_before_destroy wrote it."""
    state = _state_after(d, "v1.plan", tf_text)
    for r in state["resources"]:
        for i in r["instances"]:
            i["create_before_destroy"] &= state_cbd
    (d / "terraform.tfstate").write_text(json.dumps(state))
    v1_keys = {i["attributes"]["key"] for r in state["resources"] if r["type"] == "aws_cloudfrontkeyvaluestore_key"
               for i in r["instances"]}
    _tf(d, "plan", "-refresh=false", "-input=false", "-lock=false", "-out=v2.plan")
    changes = json.loads(_tf(d, "show", "-json", "v2.plan"))["resource_changes"]
    assert {c["address"]: c["change"]["actions"] for c in changes if c["type"] == "aws_cloudfront_function"} == {
        f"aws_cloudfront_function.{fn}": ["update"]}
    waits = _apply_graph(d, "v2.plan")
    node = f"aws_cloudfront_function.{fn}"  # its apply: UpdateFunction, then PublishFunction (publish = true)
    deleted_first = {c["change"]["before"]["key"] for c in changes
                     if c["type"] == "aws_cloudfrontkeyvaluestore_key" and "delete" in c["change"]["actions"]
                     and not _waits_for(waits, c["address"] + " (destroy)", node)}
    created_first = {c["change"]["after"]["key"] for c in changes
                     if c["type"] == "aws_cloudfrontkeyvaluestore_key" and "create" in c["change"]["actions"]
                     and _waits_for(waits, node, c["address"])}
    return v1_keys - deleted_first, created_first


@requires(TF is None or not os.path.isdir(TF_PLUGINS),
          f"terraform and the AWS provider in {TF_PLUGINS} needed (terraform plan/graph, offline)")
@pytest.mark.parametrize("case", ["export", "without-create_before_destroy"])
def test_terraform_v1_to_v2_never_deletes_a_key_the_live_code_reads(tmp_path: Path, monkeypatch, case: str) -> None:
    """v1 -> v2 changes every spilled key (new version), drops a route and a seed key. In the apply
    graph terraform makes, every key v1 reads is still in the store until the function update
    (with publish) is done, and every key v2 reads exists before it. The same check fails on the
    export with create_before_destroy removed, and on v1 state written without the flag (an
    earlier export's: docs/deploy.md's upgrade note): the check can tell."""
    safe = case == "export"
    monkeypatch.chdir(tmp_path)
    (tmp_path / "seed.yaml").write_text("acme: /a.html\ngone: /g.html\n")
    routes = "".join(f"      - {{ path: /old/p-{i}, redirect: /new/p-{i} }}\n" for i in range(120))
    (tmp_path / "routes.yaml").write_text(V1 + routes)
    assert main(["build"]) == 0
    v1_reads = {e["key"] for e in json.loads((tmp_path / "dist/moves.kvs.json").read_text())["data"]}
    v1_code = (tmp_path / "dist/moves.js").read_text()
    version = next(iter(k for k in v1_reads if k.startswith("\u00a7r:"))).split(":")[1]
    assert '"\\u00a7r:' + version + ':"' in v1_code  # the one prefix v1's code reads
    d = tmp_path / "tf"
    d.mkdir()
    assert run("terraform", "-o", "tf/main.tf") == 0
    tf_text = (d / "main.tf").read_text()  # reads ../dist/ (the export's paths are relative to -o's folder)
    if case == "without-create_before_destroy":
        tf_text = tf_text.replace("    create_before_destroy = true\n", "").replace("  lifecycle {\n  }\n", "")
    (d / "main.tf").write_text(tf_text)
    (d / "provider.tf").write_text(TF_OFFLINE_PROVIDER)
    _tf(d, "init", "-backend=false", "-input=false", f"-plugin-dir={TF_PLUGINS}")
    _tf(d, "plan", "-refresh=false", "-input=false", "-lock=false", "-out=v1.plan")
    # v2: other targets (a new table version), one route fewer, one seed key fewer
    (tmp_path / "seed.yaml").write_text("acme: /a.html\n")
    (tmp_path / "routes.yaml").write_text(V1 + routes.replace("/new/", "/newer/").replace(
        "      - { path: /old/p-7, redirect: /newer/p-7 }\n", ""))
    assert main(["build"]) == 0
    v2_reads = {e["key"] for e in json.loads((tmp_path / "dist/moves.kvs.json").read_text())["data"]}
    assert len(v1_reads - v2_reads) == 121 and "gone" in v1_reads - v2_reads  # 120 old spilled keys + a seed
    present, created_first = _keys_present_while_old_code_may_be_live(d, "moves", tf_text)
    assert created_first >= v2_reads - v1_reads  # v2's keys exist before v2 is published, in every case
    if safe:
        assert present >= v1_reads, sorted(v1_reads - present)[:5]
        # the same export over a v1 state written without the flag (an earlier export's)
        present, created_first = _keys_present_while_old_code_may_be_live(d, "moves", tf_text, state_cbd=False)
        assert created_first >= v2_reads - v1_reads
    # without the flag in the config or in the state: every key v2 dropped is deleted while v1 may be LIVE
    assert v1_reads - present == v1_reads - v2_reads


@requires(TF is None, "terraform not installed (CI: install the terraform binary)")
def test_terraform_fmt_and_validate_on_two_configs_with_prefix(project: Path, tmp_path_factory) -> None:
    assert run("terraform", "--prefix", "stg-", "-o", "main.tf") == 0
    other = tmp_path_factory.mktemp("big")
    (other / "routes.yaml").write_text(BIG)
    assert main(["build", "-c", str(other / "routes.yaml"), "-o", str(other / "dist")]) == 0
    assert run("terraform", "-c", str(other / "routes.yaml"), "--dist", str(other / "dist"), "--prefix", "prod-",
               "-o", str(other / "main.tf")) == 0
    for d in (project, other):
        os.makedirs(d / "tf", exist_ok=True)
        shutil.move(str(d / "main.tf"), d / "tf" / "main.tf")
        text = (d / "tf" / "main.tf").read_text().replace("${path.module}/", "${path.module}/../")
        (d / "tf" / "main.tf").write_text(text)
        tf_dir_ok(d / "tf")


# ------------------------------------------------------------------ CDK
def _synth_python(project: Path, module: str) -> dict:
    cdk = pytest.importorskip("aws_cdk", reason="aws-cdk-lib not installed (pip install aws-cdk-lib)")
    cloudfront = pytest.importorskip("aws_cdk.aws_cloudfront")
    origins = pytest.importorskip("aws_cdk.aws_cloudfront_origins")
    sys.path.insert(0, str(project))
    try:
        import importlib

        mod = importlib.import_module(module)
        app = cdk.App(outdir=str(project / f"{module}.out"))
        stack = cdk.Stack(app, "Edge")
        fns = mod.CfroutesFunctions(stack, "Routes")
        origin = origins.HttpOrigin("origin.example")
        d = cloudfront.Distribution(stack, "D", default_behavior=fns.behavior(origin))
        d.add_behavior("/app/*", origin, **fns.behavior_options())
        return app.synth().get_stack_by_name("Edge").template
    finally:
        sys.path.remove(str(project))
        sys.modules.pop(module, None)


@requires(shutil.which("node") is None, "node not installed (the CDK needs it)")
def test_cdk_python_synth_two_configs_prefix_stable_import_source_and_attach(project: Path) -> None:
    assert run("cdk", "--lang", "python", "--prefix", "stg-", "-o", "cdk_a.py") == 0
    tpl = _synth_python(project, "cdk_a")
    res = list(tpl["Resources"].values())
    (store,) = [r["Properties"] for r in res if r["Type"] == "AWS::CloudFront::KeyValueStore"]
    assert store["Name"] == "stg-app-routing"
    (dist,) = [r["Properties"]["DistributionConfig"] for r in res if r["Type"] == "AWS::CloudFront::Distribution"]
    events = [a["EventType"] for a in dist["DefaultCacheBehavior"]["FunctionAssociations"]]
    assert events == ["viewer-request", "viewer-response"]
    assert len(dist["CacheBehaviors"][0]["FunctionAssociations"]) == 2
    # a seed change: same ImportSource (CloudFormation cannot update it), new code only where it changed
    seed = project / "kvs/app-routing.yaml"
    seed.write_text(seed.read_text() + "z-tenant: /z.html\n")
    assert main(["build"]) == 0
    assert run("cdk", "--lang", "python", "--prefix", "stg-", "-o", "cdk_b.py") == 0
    tpl2 = _synth_python(project, "cdk_b")
    (store2,) = [r["Properties"] for r in tpl2["Resources"].values() if r["Type"] == "AWS::CloudFront::KeyValueStore"]
    assert store2["ImportSource"] == store["ImportSource"]
    head = (project / "cdk_b.py").read_text().split("from __future__")[0]
    assert "cfroutes deploy --apply --prefix stg-" in head and "ImportSource" in head


@requires(shutil.which("node") is None, "node not installed (the CDK needs it)")
def test_cdk_python_synth_the_spilled_config_with_prefix(big: Path) -> None:
    assert run("cdk", "--lang", "python", "--prefix", "prod-", "-o", "cdk_big.py") == 0
    tpl = _synth_python(big, "cdk_big")
    res = list(tpl["Resources"].values())
    (fn,) = [r["Properties"] for r in res if r["Type"] == "AWS::CloudFront::Function"]
    (store,) = [r["Properties"] for r in res if r["Type"] == "AWS::CloudFront::KeyValueStore"]
    assert fn["Name"] == "prod-moves" and store["Name"] == "prod-moves"
    assert fn["FunctionCode"] == (big / "dist/moves.js").read_text()
    assert store["ImportSource"]["SourceType"] == "S3"  # the 120 spilled routes are there at creation


TS_MISSING = not NODE_MODULES or shutil.which("node") is None
TS_REASON = ("TypeScript CDK check needs node and CFROUTES_NODE_MODULES=<dir>/node_modules with "
             "typescript aws-cdk-lib constructs @types/node (npm install --prefix <dir> ...)")


def _synth_typescript(project: Path, prefix: str) -> dict:
    """Export the TypeScript construct into lib/, compile it with tsc into an outDir (build/), run the
    compiled app with node, and return the synthesised template."""
    os.symlink(NODE_MODULES, project / "node_modules")
    (project / "lib").mkdir()
    assert run("cdk", "--prefix", prefix, "-o", "lib/cfroutes.ts") == 0
    (project / "app.ts").write_text(
        "import { App, Stack } from 'aws-cdk-lib';\n"
        "import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';\n"
        "import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';\n"
        "import { CfroutesFunctions } from './lib/cfroutes';\n"
        "const app = new App({ outdir: process.argv[2] });\n"
        "const stack = new Stack(app, 'Edge');\n"
        "const fns = new CfroutesFunctions(stack, 'Routes');\n"
        "const origin = new origins.HttpOrigin('origin.example');\n"
        "const d = new cloudfront.Distribution(stack, 'D', { defaultBehavior: fns.behavior({ origin }) });\n"
        "d.addBehavior('/app/*', origin, fns.behaviorOptions());\n"
        "app.synth();\n")
    (project / "tsconfig.json").write_text(json.dumps({"compilerOptions": {
        "target": "ES2020", "module": "commonjs", "strict": True, "outDir": "build", "rootDir": ".",
        "types": ["node"], "skipLibCheck": True}, "include": ["app.ts", "lib/**/*.ts"]}))
    tsc = os.path.join(NODE_MODULES, "typescript", "bin", "tsc")
    r = subprocess.run(["node", tsc, "-p", "."], cwd=project, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert (project / "build/lib/cfroutes.js").exists()  # compiled away from dist/'s relative path
    r = subprocess.run(["node", "build/app.js", str(project / "cdk.out")], cwd=project, capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    return json.loads((project / "cdk.out/Edge.template.json").read_text())


def _of_type(tpl: dict, kind: str) -> list[dict]:
    return [r["Properties"] for r in tpl["Resources"].values() if r["Type"] == kind]


@requires(TS_MISSING, TS_REASON)
def test_cdk_typescript_compiles_into_an_out_dir_and_synthesises(project: Path) -> None:
    tpl = _synth_typescript(project, "stg-")
    files = {k: v.decode() for k, v in bundle.bundle_files(compile_config("routes.yaml")).items()}
    codes = {p["Name"]: p["FunctionCode"] for p in _of_type(tpl, "AWS::CloudFront::Function")}
    assert codes == {"stg-site-router": files["site-router.js"], "stg-security-headers": files["security-headers.js"]}
    (dist,) = [p["DistributionConfig"] for p in _of_type(tpl, "AWS::CloudFront::Distribution")]
    assert [a["EventType"] for a in dist["DefaultCacheBehavior"]["FunctionAssociations"]] == [
        "viewer-request", "viewer-response"]


@requires(TS_MISSING, TS_REASON)
def test_cdk_typescript_synth_the_spilled_config_with_prefix(big: Path) -> None:
    tpl = _synth_typescript(big, "prod-")
    (fn,) = _of_type(tpl, "AWS::CloudFront::Function")
    (store,) = _of_type(tpl, "AWS::CloudFront::KeyValueStore")
    assert fn["Name"] == "prod-moves" and store["Name"] == "prod-moves"
    assert fn["FunctionCode"] == (big / "dist/moves.js").read_text()
    assert fn["FunctionConfig"]["KeyValueStoreAssociations"]  # the code reads its 120 routes from the store
    assert store["ImportSource"]["SourceType"] == "S3"  # the 120 spilled routes are there at creation
    (dist,) = [p["DistributionConfig"] for p in _of_type(tpl, "AWS::CloudFront::Distribution")]
    assert [a["EventType"] for a in dist["DefaultCacheBehavior"]["FunctionAssociations"]] == ["viewer-request"]
    assert len(dist["CacheBehaviors"][0]["FunctionAssociations"]) == 1


# ------------------------------------------------------------------ hostile names
@pytest.mark.parametrize("name", HOSTILE, ids=lambda n: ascii(n)[1:-1][:24])
def test_escape_helpers_round_trip(name: str) -> None:
    want = escape.text(name)
    assert hcl_unquote(escape.hcl_string(name)) == want
    assert ast.literal_eval(escape.py_string(name)) == want
    assert json.loads(escape.ts_string(name)) == want
    for out in (escape.hcl_string(name), escape.py_string(name), escape.ts_comment(name)):
        assert out.isascii() and out.isprintable() and "*/" not in escape.ts_comment(name)
    assert "\\f" not in escape.hcl_string(name) and "\\b" not in escape.hcl_string(name)


def _plant(tmp_path: Path, name: str) -> None:
    """The example config under `name` (a path: `star*/slash.yaml` is a folder `star*`), seeds beside it."""
    target = tmp_path / name
    if target.parent != tmp_path and not target.parent.exists():
        target.parent.mkdir(parents=True)
        shutil.copytree(tmp_path / "kvs", target.parent / "kvs")
    target.write_text((tmp_path / "routes.yaml").read_text())


def _hostile_project(tmp_path: Path, name: str) -> Path:
    _copy_example(tmp_path)
    _plant(tmp_path, name)
    return tmp_path / name


@pytest.mark.parametrize("name", HOSTILE, ids=lambda n: ascii(n)[1:-1][:24])
def test_hostile_config_names_parse_and_round_trip_in_every_language(tmp_path: Path, monkeypatch, name: str) -> None:
    hcl2 = pytest.importorskip("hcl2", reason="python-hcl2 not installed (pip install python-hcl2)")
    _hostile_project(tmp_path, name)
    monkeypatch.chdir(tmp_path)
    c = name
    want = escape.text(name)
    # Terraform: parses, the comment holds the name as an HCL literal that decodes to it
    assert run("terraform", "-c", c, "-o", "main.tf") == 0
    tf = (tmp_path / "main.tf").read_text()
    hcl2.loads(tf)
    first = tf.split("\n", 1)[0]
    assert first.startswith("# Generated by cfroutes from \"")
    assert hcl_unquote(re.match(r'# Generated by cfroutes from ("(?:[^"\\]|\\.)*")', first).group(1)) == want
    assert tf.split("\n")[3:5] == ["", "terraform {"]  # three comment lines: no name broke out of one
    # Python: parses, the docstring and the comment hold the name
    dist = "out/" + name.replace("/", "_")  # a hostile --dist too (it needs not exist for an export)
    assert run("cdk", "--lang", "python", "-c", c, "--dist", dist, "-o", "construct.py") == 0
    py = (tmp_path / "construct.py").read_text()
    tree = ast.parse(py)
    joins = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and ast.unparse(n.func) == "os.path.join"
             and len(n.args) == 3]  # os.path.join(<this file's folder>, "out", "<name>")
    assert [ast.literal_eval(a) for a in joins[0].args[1:]] == ["out", escape.text(dist.split("/")[1])]
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef))
    assert ast.get_docstring(cls) == f"The functions and stores of {os.path.basename(want)}."
    lit = re.match(r"# Generated by cfroutes from (.*) \(config sha256", py).group(1)
    assert ast.literal_eval(lit) == want
    # TypeScript: lexes (esprima), comments stay comments, the name decodes from the first one
    assert run("cdk", "--lang", "typescript", "-c", c, "--dist", dist, "-o", "construct.ts") == 0
    ts = (tmp_path / "construct.ts").read_text()
    tokens = esprima.tokenize(ts, {"comment": True})
    after = [t.value for t in tokens if t.type == "String"]
    assert json.dumps(escape.text(dist)) in after or escape.ts_string(dist) in after
    comments = [t.value for t in tokens if t.type in ("LineComment", "BlockComment")]
    assert json.loads(re.match(r' Generated by cfroutes from (".*") \(config', comments[0]).group(1)) == want
    assert not any(t.type == "Identifier" and t.value in ("line", "slash", "ple", "var") for t in tokens)
    # CloudFormation: YAML and JSON load, the description names the file
    assert run("cloudformation", "-c", c, "--kvs-bucket", "b-1", "-o", "s.yaml") == 0
    assert run("cloudformation", "-c", c, "--kvs-bucket", "b-1", "-o", "s.json") == 0
    doc = yaml.safe_load((tmp_path / "s.yaml").read_text(encoding="utf-8"))
    assert doc == json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))
    assert want in doc["Description"]
    fn_comment = doc["Resources"]["SiteRouterFunction"]["Properties"]["FunctionConfig"]["Comment"]
    assert fn_comment.isascii() and fn_comment.isprintable() and len(fn_comment) <= 128


@requires(TF is None, "terraform not installed (CI: install the terraform binary)")
def test_hostile_names_pass_terraform_fmt(tmp_path: Path, monkeypatch) -> None:
    """HashiCorp's own parser on every hostile config name and a hostile --dist at once."""
    _copy_example(tmp_path)
    monkeypatch.chdir(tmp_path)
    dist = "d${x}%{y}\"\\\u00e9\x0c"
    shutil.copytree(tmp_path / "dist", tmp_path / dist)
    for i, name in enumerate(HOSTILE):
        _plant(tmp_path, name)
        os.makedirs(tmp_path / f"t{i}")
        assert run("terraform", "-c", name, "--dist", dist, "-o", f"t{i}/main.tf") == 0
        tf = (tmp_path / f"t{i}/main.tf").read_text()
        assert escape.hcl_string(f"../{dist}/site-router.js")[1:] in tf
        tf_dir_ok(tmp_path / f"t{i}") if i == 0 else subprocess.run(
            [TF, "fmt", "-check", str(tmp_path / f"t{i}")], check=True, capture_output=True, timeout=120)


@requires(CFN_LINT is None, "cfn-lint not installed (pip install cfn-lint)")
def test_cfn_lint_two_configs_with_prefix_and_a_hostile_name(project: Path, tmp_path_factory, capsys) -> None:
    """One cfn-lint run (it starts slowly) over the example, the spilled config and a hostile name."""
    assert run("cloudformation", "--prefix", "stg-", "--kvs-bucket", "b-1", "-o", "a.yaml") == 0
    other = tmp_path_factory.mktemp("big")
    (other / "routes.yaml").write_text(BIG)
    assert run("cloudformation", "-c", str(other / "routes.yaml"), "--prefix", "prod-", "--kvs-bucket", "b-2",
               "-o", "b.json") == 0
    assert "note: moves read(s) spilled routes" in capsys.readouterr().err
    hostile = "new\nline */ ${x}.yaml"
    _plant(project, hostile)
    assert run("cloudformation", "-c", hostile, "--kvs-bucket", "b-1", "-o", "c.yaml") == 0
    r = subprocess.run([CFN_LINT, "a.yaml", "b.json", "c.yaml"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr


def test_export_messages_escape_names_for_the_terminal(project: Path, capsys) -> None:
    dist = "d\x1b[31mRED\u202e"
    assert run("cloudformation", "--dist", dist, "-o", "s.yaml") == 1
    assert run("terraform", "--dist", dist, "-o", "s\x1b]0;t\x07.tf") == 0
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\u202e" not in err and "\x07" not in err
    assert "d\\x1b[31mRED" in err and "export refused" in err
