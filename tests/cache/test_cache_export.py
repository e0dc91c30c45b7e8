"""The export writes the declared cache policy: created from a key and TTLs, or a managed policy's ID."""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from cfroutes.cli.main import main

CONFIG = """\
version: 1
functions:
  edge:
    event: viewer-request
    cache: {policy}
    routes:
      - host: ":tenant.example.com"
        path: /*
        origin: {{ id: "{{tenant}}" }}
"""


def export(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, policy: str, *args: str) -> str:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "routes.yaml").write_text(textwrap.dedent(CONFIG.format(policy=policy)))
    assert main(["build"]) == 0
    out = "out.json" if args[0] == "cloudformation" else "out"
    assert main(["export", *args, "-o", out]) == 0
    return (tmp_path / out).read_text()


def test_cloudformation_creates_the_declared_policy_with_host(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    doc = json.loads(export(tmp_path, monkeypatch, "{ key: { host: true, cookies: [s] }, ttl: { max: 600 } }",
                            "cloudformation"))
    cfg = doc["Resources"]["EdgeCachePolicy"]["Properties"]["CachePolicyConfig"]
    key = cfg["ParametersInCacheKeyAndForwardedToOrigin"]
    assert key["HeadersConfig"] == {"HeaderBehavior": "whitelist", "Headers": ["Host"]}
    assert key["CookiesConfig"] == {"CookieBehavior": "whitelist", "Cookies": ["s"]}
    assert key["QueryStringsConfig"] == {"QueryStringBehavior": "none"}
    assert (cfg["MinTTL"], cfg["DefaultTTL"], cfg["MaxTTL"]) == (0, 600, 600)  # the default follows a lower max
    assert doc["Outputs"]["EdgeCachePolicyId"]["Value"] == {"Ref": "EdgeCachePolicy"}


def test_a_managed_policy_is_its_id_everywhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    uid = "83da9c7e-98b4-4e11-a168-04f0df8e2c65"
    doc = json.loads(export(tmp_path, monkeypatch, "UseOriginCacheControlHeaders", "cloudformation"))
    assert doc["Outputs"]["EdgeCachePolicyId"]["Value"] == uid
    assert not any(r["Type"] == "AWS::CloudFront::CachePolicy" for r in doc["Resources"].values())
    tf = export(tmp_path, monkeypatch, "UseOriginCacheControlHeaders", "terraform")
    assert f'value       = "{uid}"' in tf and "aws_cloudfront_cache_policy" not in tf
    ts = export(tmp_path, monkeypatch, "UseOriginCacheControlHeaders", "cdk", "--lang", "typescript")
    assert f'cloudfront.CachePolicy.fromCachePolicyId(this, "EdgeCachePolicy", "{uid}")' in ts


def test_terraform_and_cdk_write_the_same_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    policy = "{ key: { host: true, query: all } }"
    tf = export(tmp_path, monkeypatch, policy, "terraform")
    assert 'resource "aws_cloudfront_cache_policy" "edge"' in tf and 'items = ["Host"]' in tf
    assert 'query_string_behavior = "all"' in tf and "cache_policy_id = aws_cloudfront_cache_policy.edge.id" not in tf
    py = export(tmp_path, monkeypatch, policy, "cdk", "--lang", "python")
    assert 'header_behavior=cloudfront.CacheHeaderBehavior.allow_list("Host")' in py.replace("'", '"')
    assert "query_string_behavior=cloudfront.CacheQueryStringBehavior.all()" in py
