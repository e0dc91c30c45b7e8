"""Recorded AWS clients for the deploy tests: moto for what it simulates, botocore's Stubber
for the rest; CloudFront answers made from the emulator (shaped as TestFunction shapes them)."""
from __future__ import annotations

import io
import json
from typing import Any

import boto3
from botocore.stub import ANY, Stubber  # noqa: F401 (ANY is re-exported to the tests)
from cfroutes.compiler import compile_config
from cfroutes.emulator import run_function

ARN = "arn:aws:cloudfront::123456789012:key-value-store/0a1b2c3d-4e5f-6789-abcd-ef0123456789"


class Calls:
    """Every request of the recorded clients, in order: (service, Operation, params, response)."""

    def __init__(self) -> None:
        self.log: list[dict[str, Any]] = []

    def attach(self, client: Any) -> Any:
        service = client.meta.service_model.service_name

        def before(params: dict[str, Any], model: Any, **_: Any) -> None:
            self.log.append({"service": service, "op": model.name, "params": dict(params), "response": None})

        def after(parsed: dict[str, Any], model: Any, **_: Any) -> None:
            for entry in reversed(self.log):
                if entry["op"] == model.name and entry["response"] is None:
                    entry["response"] = parsed
                    break

        client.meta.events.register_first("before-parameter-build.*.*", before)
        client.meta.events.register("after-call.*.*", after)
        return client

    def ops(self, service: str | None = None) -> list[str]:
        return [e["op"] for e in self.log if service is None or e["service"] == service]

    def of(self, op: str) -> list[dict[str, Any]]:
        return [e for e in self.log if e["op"] == op]


class Routed:
    """One control-plane client made of two: moto for what it simulates, a Stubber for the rest."""

    def __init__(self, simulated: Any, stubbed: Any, stubbed_ops: set[str]) -> None:
        self._sim, self._stub, self._ops = simulated, stubbed, stubbed_ops
        self.meta = simulated.meta

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stub if name in self._ops else self._sim, name)


def client(service: str, calls: Calls) -> Any:
    return calls.attach(boto3.client(service, region_name="us-east-1"))


def stubbed(service: str, calls: Calls) -> tuple[Any, Stubber]:
    c = client(service, calls)
    return c, Stubber(c)


def cases_of(config: str = "routes.yaml") -> tuple[Any, list[Any]]:
    from cfroutes.cli.test import collect

    compiled = compile_config(config)
    return compiled, collect(compiled, [])


def cloudfront_result(compiled: Any, case: Any, store: dict[str, str] | None, *, cu: str = "21",
                      tamper: Any = None, source: str | None = None) -> dict[str, Any]:
    """A TestFunction answer for `case`: what the function gives on `store`, shaped as AWS
    shapes it (FunctionOutput a JSON string, ComputeUtilization a string); `tamper(output)`
    plants a divergence."""
    cf = compiled.function(case.function)
    inv = run_function(source or cf.source, case.event, cf.function.runtime, store)
    out = inv.output
    if tamper is not None and out is not None:
        tamper(out)
    return {"TestResult": {
        "FunctionSummary": {"Name": case.function, "Status": "UNPUBLISHED",
                            "FunctionConfig": {"Comment": "c", "Runtime": cf.function.runtime},
                            "FunctionMetadata": {"FunctionARN": f"arn:aws:cloudfront::123456789012:function/{case.function}",
                                                 "LastModifiedTime": "2025-01-01T00:00:00Z"}},
        "ComputeUtilization": cu,
        "FunctionExecutionLogs": list(inv.logs),
        "FunctionErrorMessage": inv.error,
        "FunctionOutput": "" if out is None else json.dumps(out),
    }}


def runs_remotely(case: Any) -> bool:
    return not (case.event_type == "viewer-response" and case.event["response"]["statusCode"] >= 400)


def seed_store(compiled: Any, name: str = "site-router") -> dict[str, str]:
    return dict(compiled.function(name).kvs_data)


def io_pair() -> tuple[io.StringIO, io.StringIO]:
    return io.StringIO(), io.StringIO()




def kvs_described(etag: str, items: int = 3) -> dict[str, Any]:
    """A data-plane DescribeKeyValueStore answer."""
    return {"KvsARN": ARN, "ETag": etag, "ItemCount": items, "TotalSizeInBytes": 100 * items,
            "Created": "2025-01-01T00:00:00Z", "Status": "READY"}


def summary(compiled: Any, name: str, stage: str, *, arn: str | None = ARN, comment: str | None = None,
            runtime: str | None = None) -> dict[str, Any]:
    """A FunctionSummary as DescribeFunction gives it."""
    from cfroutes.iac.source import comment as default_comment

    cf = compiled.function(name)
    assoc: dict[str, Any] = {"Quantity": 0}
    if arn and cf.kvs_data is not None:
        assoc = {"Quantity": 1, "Items": [{"KeyValueStoreARN": arn}]}
    return {"Name": name, "Status": "UNPUBLISHED" if stage == "DEVELOPMENT" else "DEPLOYED",
            "FunctionConfig": {"Comment": comment if comment is not None else default_comment(cf, "routes.yaml"),
                               "Runtime": runtime or cf.function.runtime, "KeyValueStoreAssociations": assoc},
            "FunctionMetadata": {"FunctionARN": f"arn:aws:cloudfront::123456789012:function/{name}",
                                 "Stage": stage, "LastModifiedTime": "2025-01-01T00:00:00Z"}}


def stub_function_stage(stub: Stubber, compiled: Any, name: str, stage: str, etag: str, code: bytes | None = None,
                        **kw: Any) -> None:
    """DescribeFunction + GetFunction of one stage."""
    stub.add_response("describe_function", {"FunctionSummary": summary(compiled, name, stage, **kw), "ETag": etag},
                      {"Name": name, "Stage": stage})
    stub.add_response("get_function", {"FunctionCode": code if code is not None else
                                       compiled.function(name).source.encode(), "ETag": etag,
                                       "ContentType": "application/octet-stream"}, {"Name": name, "Stage": stage})


def stub_missing_stage(stub: Stubber, name: str, stage: str) -> None:
    stub.add_client_error("describe_function", "NoSuchFunctionExists", "no such function", 404,
                          expected_params={"Name": name, "Stage": stage})


def stub_list_keys(stub: Stubber, content: dict[str, str], page: int = 50) -> None:
    items = [{"Key": k, "Value": v} for k, v in content.items()]
    chunks = [items[i:i + page] for i in range(0, len(items), page)] or [[]]
    for i, chunk in enumerate(chunks):
        resp: dict[str, Any] = {"Items": chunk}
        params: dict[str, Any] = {"KvsARN": ARN, "MaxResults": 50}
        if i:
            params["NextToken"] = f"token-{i}"
        if i < len(chunks) - 1:
            resp["NextToken"] = f"token-{i + 1}"
        stub.add_response("list_keys", resp, params)
