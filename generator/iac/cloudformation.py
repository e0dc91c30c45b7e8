"""`cfroutes export cloudformation`: a template carrying the exact bundle.

One `AWS::CloudFront::Function` per function (`FunctionCode` = the bundle's text,
`AutoPublish`), one `AWS::CloudFront::KeyValueStore` per store. CloudFormation imports
a store's content only from an S3 object and only when it creates the store, so the
import file's bucket and key are parameters (the key defaults to the file's name in
dist/); with an empty bucket the store is created empty and `cfroutes deploy` fills it.
Intrinsics are written in their long form (`Fn::GetAtt`, `Ref`) so the YAML and JSON
outputs are the same document.
"""
from __future__ import annotations

import json
from typing import Any

import yaml
from cfroutes.iac.source import Bundle, camel, comment

BUCKET_PARAM = "KvsImportBucket"
HAS_BUCKET = "HasKvsImportBucket"


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


def template(b: Bundle, config: str) -> dict[str, Any]:
    taken: set[str] = {BUCKET_PARAM}
    fns = b.functions
    stores: dict[str, str] = {}  # store name -> owner function
    for cf in fns:
        if cf.kvs_data is not None and cf.function.kvs is not None:
            stores.setdefault(cf.function.kvs.name, cf.name)
    store_ids = _ids(list(stores), "Store", taken)
    key_params = _ids(list(stores), "ImportKey", taken)
    fn_ids = _ids([cf.name for cf in fns], "Function", taken)

    params: dict[str, Any] = {}
    resources: dict[str, Any] = {}
    outputs: dict[str, Any] = {}
    if stores:
        params[BUCKET_PARAM] = {
            "Type": "String",
            "Default": "",
            "Description": ("S3 bucket holding the KeyValueStore import files (upload dist/*.kvs.json to it "
                            "first). CloudFormation imports a store only from S3 and only when it creates "
                            "it; leave empty to create the stores empty and fill them with cfroutes deploy"),
        }
    for name, owner in stores.items():
        params[key_params[name]] = {
            "Type": "String",
            "Default": f"{owner}.kvs.json",
            "Description": f"S3 key of the import file of store {name} (cfroutes builds it as "
                           f"{b.dist}/{owner}.kvs.json)",
        }
        resources[store_ids[name]] = {
            "Type": "AWS::CloudFront::KeyValueStore",
            "Properties": {
                "Name": name,
                "Comment": f"cfroutes: store of {owner}"[:128],
                "ImportSource": {"Fn::If": [HAS_BUCKET, {
                    "SourceType": "S3",
                    "SourceArn": {"Fn::Sub": f"arn:${{AWS::Partition}}:s3:::${{{BUCKET_PARAM}}}/${{{key_params[name]}}}"},
                }, {"Ref": "AWS::NoValue"}]},
            },
        }
        outputs[store_ids[name] + "Arn"] = {
            "Description": f"ARN of KeyValueStore {name} (for `cfroutes kvs ... --store ARN`)",
            "Value": {"Fn::GetAtt": [store_ids[name], "Arn"]},
        }
    for cf in fns:
        cfg: dict[str, Any] = {"Comment": comment(cf, config), "Runtime": cf.function.runtime}
        if cf.kvs_data is not None and cf.function.kvs is not None:
            cfg["KeyValueStoreAssociations"] = [
                {"KeyValueStoreARN": {"Fn::GetAtt": [store_ids[cf.function.kvs.name], "Arn"]}}]
        resources[fn_ids[cf.name]] = {
            "Type": "AWS::CloudFront::Function",
            "Properties": {
                "Name": cf.name,
                "AutoPublish": True,
                "FunctionConfig": cfg,
                "FunctionCode": b.text(f"{cf.name}.js"),
            },
        }
        outputs[fn_ids[cf.name] + "Arn"] = {
            "Description": f"{cf.function.event} function {cf.name}: a cache behaviour's FunctionAssociations "
                           f"entry with EventType {cf.function.event}",
            "Value": {"Fn::GetAtt": [fn_ids[cf.name], "FunctionMetadata.FunctionARN"]},
            "Export": {"Name": {"Fn::Sub": f"${{AWS::StackName}}-{cf.name}-arn"}},
        }
    doc: dict[str, Any] = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": f"CloudFront Functions built by cfroutes from {config} (config sha256 "
                       f"{b.compiled.config.sha256[:12]}); regenerate with cfroutes export cloudformation",
    }
    if params:
        doc["Parameters"] = params
        doc["Conditions"] = {HAS_BUCKET: {"Fn::Not": [{"Fn::Equals": [{"Ref": BUCKET_PARAM}, ""]}]}}
    doc["Resources"] = resources
    doc["Outputs"] = outputs
    return doc


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, s: str) -> yaml.ScalarNode:
    # multi-line text (the function code) as a literal block when YAML can hold it exactly
    style = "|" if "\n" in s else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", s, style=style)


_Dumper.add_representer(str, _str)


def render(b: Bundle, config: str, fmt: str) -> str:
    doc = template(b, config)
    if fmt == "json":
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    return yaml.dump(doc, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100_000,
                     default_flow_style=False)
