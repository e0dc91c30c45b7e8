"""Without AWS credentials: `deploy` (dry run) prints the bundle's side of the plan, exit 0; the
commands that must talk to AWS say how to provide credentials, one line, exit 1; `--region` is checked."""
from __future__ import annotations

import re

import pytest

pytest.importorskip("boto3", reason="boto3 not installed (pip install 'cfroutes[aws]')")

from cfroutes.cli.main import main  # noqa: E402
from cfroutes.deploy.aws import Aws  # noqa: E402

from .fakes import ARN, cases_of  # noqa: E402

HOW = "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or name a profile with --profile or AWS_PROFILE"


@pytest.fixture
def no_credentials(project, monkeypatch):
    for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
              "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_PROFILE"):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # no instance-metadata lookup
    monkeypatch.setenv("AWS_CONFIG_FILE", str(project / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(project / "no-credentials"))
    return project


@pytest.mark.parametrize("stage", ["LIVE", "DEVELOPMENT"])
def test_dry_run_without_credentials_prints_the_local_plan(no_credentials, capsys, stage):
    assert main(["deploy", "--stage", stage]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == (f"deploy plan for routes.yaml (stage {stage}), "
                                   "offline: not compared with the account (no credentials):")
    assert out.splitlines()[-1].startswith("dry run, offline: not compared with the account (no credentials)")
    assert HOW in out.splitlines()[-1]
    compiled, cases = cases_of()
    for cf in compiled.functions:
        assert re.search(rf"^  function  {cf.name}: .*\({cf.size:,} bytes, {cf.function.runtime}", out, re.M), out
    site = compiled.function("site-router")
    assert f"  store     app-routing: {len(site.kvs_data)} import-file entries (dist/site-router.kvs.json)" in out
    assert f"  test      {len(cases)} case(s) of site-router, security-headers through TestFunction" in out
    assert ("-> LIVE where LIVE differs" in out) == (stage == "LIVE")


def test_apply_without_credentials_is_one_line_exit_1(no_credentials, capsys):
    assert main(["deploy", "--apply"]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1 and HOW in captured.err


@pytest.mark.parametrize("args", [["kvs", "get", "--store", ARN, "a-tenant"], ["kvs", "list", "--store", ARN],
                                  ["kvs", "put", "a-tenant", "/cache/x.html"], ["kvs", "delete", "a-tenant"],
                                  ["test", "--remote"]])
def test_aws_commands_without_credentials_say_how_to_provide_them(no_credentials, capsys, args):
    assert main(args) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no AWS credentials found" in err and HOW in err, err


@pytest.mark.parametrize("args", [["deploy"], ["kvs", "list"], ["test", "--remote"]])
def test_an_unknown_region_is_one_line_exit_2(project, capsys, args):
    assert main(args + ["--region", "xx-nowhere-1"]) == 2
    err = capsys.readouterr().err
    assert err == ("<command line>:1:1: error: --region 'xx-nowhere-1' is not an AWS region botocore knows "
                   "(e.g. us-east-1, eu-west-1)  [CFR801]\n")


def test_known_regions_and_credentials_pass(project):
    for region in ("us-east-1", "eu-central-1", "cn-north-1", "us-gov-west-1"):
        Aws(region=region)
    assert Aws().has_credentials()  # the fixture's environment credentials: deploy compares with the account
