"""`cfroutes export cloudformation`: a template carrying the exact bundle.

One `AWS::CloudFront::Function` per function (`FunctionCode` = the bundle's text,
`AutoPublish`), one `AWS::CloudFront::KeyValueStore` per store. CloudFormation imports
a store's content only from an S3 object and only when it creates the store, so the
import file's bucket (`--kvs-bucket`) and key are parameters (the key defaults to
`<prefix><function>.kvs.json`). An export whose functions read seed keys or spilled routes
and names no bucket is refused (MissingStoreData, exit 1): the function would go LIVE over
an empty store. Later key changes cannot come from the template (CloudFormation cannot
update ImportSource): `cfroutes deploy` writes them before it publishes.
Intrinsics are written in their long form (`Fn::GetAtt`, `Ref`) so the YAML and JSON
outputs are the same document.
"""
from __future__ import annotations

import json
import re
from typing import Any

import yaml
from cfroutes.compiler import CompiledFunction
from cfroutes.errors import Diagnostic, InputError, Span
from cfroutes.iac import cachepolicy, errorpages, escape
from cfroutes.iac.source import Bundle, camel, comment, tenant_parameters
from cfroutes.platform.event import CONNECTION_REQUEST

BUCKET_PARAM = "KvsImportBucket"


def _ids(names: list[str], suffix: str, taken: set[str]) -> dict[str, str]:
    out = {}
    for n in names:
        base = camel(n) + suffix
        lid, i = base, 2
        while lid in taken:
            lid, i = f"{base}{i}", i + 1
        taken.add(lid)
        out[n] = lid
    return out


#: CloudFormation's limit for a template passed inline (CreateStack/UpdateStack TemplateBody)
INLINE_MAX = 51_200
#: S3 bucket names (3-63 of a-z 0-9 . -)
BUCKET_RE = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")


class MissingStoreData(Exception):
    """A function reads store data (seed keys, spilled routes) that no import source provides."""


def needs_data(cf: CompiledFunction) -> bool:
    return bool(cf.kvs_data)


def template(b: Bundle, config: str, kvs_bucket: str | None = None) -> dict[str, Any]:
    """The template; raises MissingStoreData when a store must be filled and no bucket is named."""
    taken: set[str] = {BUCKET_PARAM}
    fns = b.functions
    stores = b.stores()  # store name -> owner function
    filled = {name: owner for name, owner in stores.items() if any(
        needs_data(cf) for cf in fns if cf.function.kvs is not None and cf.function.kvs.name == name)}
    if filled and not kvs_bucket:
        lines = []
        for name, owner in filled.items():
            seed = len(owner.function.kvs.seed) if owner.function.kvs is not None else 0
            lines.append(f"store {b.name(name)} ({seed} seed keys, {len(owner.plan.spilled)} spilled routes: "
                         f"{b.dist}/{owner.name}.kvs.json)")
        raise MissingStoreData(
            "the functions read keys that an empty store would not hold: " + "; ".join(lines) + ". "
            "CloudFormation fills a KeyValueStore only from S3, when it creates it. Fix: upload the import "
            "file(s) (`aws s3 cp " + f"{b.dist}/{next(iter(filled.values())).name}.kvs.json "
            f"s3://BUCKET/{b.name(next(iter(filled.values())).name)}.kvs.json`) and export with "
            "--kvs-bucket BUCKET, or deploy with `cfroutes deploy --apply`, which writes the keys before "
            "it publishes")
    if kvs_bucket is not None and not BUCKET_RE.fullmatch(kvs_bucket):
        raise InputError([Diagnostic(Span("<command line>", 1, 1),
                                     f"--kvs-bucket {escape.cfn_text(kvs_bucket)!r} is not an S3 bucket name "
                                     "(3-63 characters of a-z 0-9 . -)")])
    store_ids = _ids(list(stores), "Store", taken)
    key_params = _ids(list(filled), "ImportKey", taken)
    fn_ids = _ids([cf.name for cf in fns], "Function", taken)

    params: dict[str, Any] = {}
    resources: dict[str, Any] = {}
    outputs: dict[str, Any] = {}
    if filled:
        params[BUCKET_PARAM] = {
            "Type": "String",
            "Default": kvs_bucket,
            "AllowedPattern": BUCKET_RE.pattern,
            "Description": ("S3 bucket holding the KeyValueStore import files (upload dist/*.kvs.json to it "
                            "first). CloudFormation imports a store only from S3 and only when it creates "
                            "it: later key changes go through cfroutes deploy"),
        }
    for name, owner in stores.items():
        props: dict[str, Any] = {"Name": b.name(name), "Comment": f"cfroutes: store of {b.name(owner.name)}"[:128]}
        if name in filled:
            params[key_params[name]] = {
                "Type": "String",
                "Default": f"{b.name(owner.name)}.kvs.json",
                "Description": escape.cfn_text(f"S3 key of the import file of store {b.name(name)} (cfroutes "
                                               f"builds it as {b.dist}/{owner.name}.kvs.json)"),
            }
            props["ImportSource"] = {
                "SourceType": "S3",
                "SourceArn": {"Fn::Sub": f"arn:${{AWS::Partition}}:s3:::${{{BUCKET_PARAM}}}/${{{key_params[name]}}}"},
            }
        resources[store_ids[name]] = {"Type": "AWS::CloudFront::KeyValueStore", "Properties": props}
        outputs[store_ids[name] + "Arn"] = {
            "Description": f"ARN of KeyValueStore {b.name(name)} (for `cfroutes kvs ... --store ARN`)",
            "Value": {"Fn::GetAtt": [store_ids[name], "Arn"]},
        }
    for cf in fns:
        cfg: dict[str, Any] = {"Comment": comment(cf, config, b.name(cf.name)), "Runtime": cf.function.runtime}
        if cf.kvs_data is not None and cf.function.kvs is not None:
            cfg["KeyValueStoreAssociations"] = [
                {"KeyValueStoreARN": {"Fn::GetAtt": [store_ids[cf.function.kvs.name], "Arn"]}}]
        if cf.function.event == CONNECTION_REQUEST:  # mTLS: its own resource type
            _connection(b, cf, cfg, fn_ids[cf.name], resources, outputs)
            continue
        resources[fn_ids[cf.name]] = {
            "Type": "AWS::CloudFront::Function",
            "Properties": {
                "Name": b.name(cf.name),
                "AutoPublish": True,
                "FunctionConfig": cfg,
                "FunctionCode": b.text(f"{cf.name}.js"),
            },
        }
        outputs[fn_ids[cf.name] + "Arn"] = {
            "Description": f"{cf.function.event} function {b.name(cf.name)}: a cache behaviour's "
                           f"FunctionAssociations entry {{EventType: {cf.function.event}, FunctionARN: this}}",
            "Value": {"Fn::GetAtt": [fn_ids[cf.name], "FunctionMetadata.FunctionARN"]},
            "Export": {"Name": {"Fn::Sub": f"${{AWS::StackName}}-{b.name(cf.name)}-arn"}},
        }
    _cache_policies(b, taken, resources, outputs)
    doc: dict[str, Any] = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": escape.cfn_text(f"CloudFront Functions built by cfroutes from {config}")
                       + f" (config sha256 {b.compiled.config.sha256[:12]}); regenerate with cfroutes export "
                       "cloudformation",
    }
    tenants = tenant_parameters(b)
    if tenants:  # what the multi-tenant distribution's TenantConfig.ParameterDefinitions must define
        doc["Metadata"] = {"cfroutes": {"TenantParameters": tenants}}
    if errorpages.pages(b):  # the distribution's CustomErrorResponses, as written in its DistributionConfig
        meta = doc.setdefault("Metadata", {}).setdefault("cfroutes", {})
        meta["CustomErrorResponsesNote"] = errorpages.NOTE
        meta["CustomErrorResponses"] = errorpages.cloudformation(b)
    if params:
        doc["Parameters"] = params
    doc["Resources"] = resources
    doc["Outputs"] = outputs
    return doc


def _connection(b: Bundle, cf: CompiledFunction, cfg: dict[str, Any], rid: str, resources: dict[str, Any],
                outputs: dict[str, Any]) -> None:
    """A connection function (mTLS) as AWS::CloudFront::ConnectionFunction (its config has the
    viewer function's shape: Comment, Runtime, KeyValueStoreAssociations [{KeyValueStoreARN}])."""
    resources[rid] = {
        "Type": "AWS::CloudFront::ConnectionFunction",
        "Properties": {"Name": b.name(cf.name), "AutoPublish": True, "ConnectionFunctionConfig": cfg,
                       "ConnectionFunctionCode": b.text(f"{cf.name}.js")},
    }
    outputs[rid + "Arn"] = {
        "Description": f"connection function {b.name(cf.name)} (mTLS): the distribution's connection function "
                       "association (ConnectionFunctionAssociation), with viewer mTLS enabled",
        "Value": {"Fn::GetAtt": [rid, "ConnectionFunctionArn"]},
        "Export": {"Name": {"Fn::Sub": f"${{AWS::StackName}}-{b.name(cf.name)}-arn"}},
    }


def _cache_policies(b: Bundle, taken: set[str], resources: dict[str, Any], outputs: dict[str, Any]) -> None:
    """The declared cache policies: created (AWS::CloudFront::CachePolicy) or a managed policy's ID."""
    for s in cachepolicy.specs(b):
        lid = _ids([s.function], "CachePolicy", taken)[s.function]
        value: Any = s.managed_id
        if s.managed_id is None:
            p = s.policy
            key: dict[str, Any] = {
                "EnableAcceptEncodingGzip": p.compress, "EnableAcceptEncodingBrotli": p.compress,
                "HeadersConfig": {"HeaderBehavior": s.header_behavior, **({"Headers": s.headers} if s.headers else {})},
                "CookiesConfig": {"CookieBehavior": s.cookie_behavior,
                                  **({"Cookies": list(p.cookies)} if s.cookie_behavior == "whitelist" else {})},
                "QueryStringsConfig": {"QueryStringBehavior": s.query_behavior,
                                       **({"QueryStrings": list(p.query)} if s.query_behavior == "whitelist" else {})},
            }
            resources[lid] = {"Type": "AWS::CloudFront::CachePolicy", "Properties": {"CachePolicyConfig": {
                "Name": s.name, "Comment": escape.cfn_text(s.comment), "MinTTL": p.min_ttl,
                "DefaultTTL": p.default_ttl, "MaxTTL": p.max_ttl, "ParametersInCacheKeyAndForwardedToOrigin": key}}}
            value = {"Ref": lid}
        outputs[lid + "Id"] = {
            "Description": escape.cfn_text(f"the CachePolicyId of the behaviour {s.function} runs on ({s.policy.name}: "
                                           "the key `cfroutes check` proved the routes against)"),
            "Value": value,
        }


def size_warning(text: str, output: str) -> str | None:
    """The warning for a template over CloudFormation's inline limit (None when it fits)."""
    size = len(text.encode("utf-8"))
    if size <= INLINE_MAX:
        return None
    return (f"warning: {output} is {size:,} bytes, over CloudFormation's {INLINE_MAX:,}-byte limit for a "
            "template passed inline: upload it to S3 (`aws cloudformation deploy --s3-bucket BUCKET "
            "--template-file ...`, or CreateStack/UpdateStack with TemplateURL; 1 MB limit there)")


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, s: str) -> yaml.ScalarNode:
    # multi-line text (the function code) as a literal block when YAML can hold it exactly
    style = "|" if "\n" in s else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", s, style=style)


_Dumper.add_representer(str, _str)


def render(b: Bundle, config: str, fmt: str, kvs_bucket: str | None = None) -> str:
    doc = template(b, config, kvs_bucket)
    if fmt == "json":
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    return yaml.dump(doc, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100_000,
                     default_flow_style=False)
