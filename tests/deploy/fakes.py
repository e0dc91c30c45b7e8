"""AWS clients for the deploy tests: moto for what it simulates, botocore's Stubber for exact
request shapes, and FakeAccount, a stateful FAKE of the APIs moto lacks (see its comment);
CloudFront answers are made from the emulator (shaped as TestFunction shapes them)."""
from __future__ import annotations

import copy
import io
import json
from typing import Any

import boto3
from botocore.stub import ANY, Stubber  # noqa: F401 - ANY is re-exported to the tests
from cfroutes.compiler import compile_config
from cfroutes.emulator import run_function
from cfroutes.platform.event import function_runs

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
    from cfroutes.testing.session import collect

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
    if "__cf_tenant" in case.event:  # TestFunction has no tenant input: test --remote skips such a case
        return False
    return function_runs(case.event_type, case.event)  # no viewer-response function on an origin status >= 400


def seed_store(compiled: Any, name: str = "site-router") -> dict[str, str]:
    return dict(compiled.function(name).kvs_data)


def io_pair() -> tuple[io.StringIO, io.StringIO]:
    return io.StringIO(), io.StringIO()


def handled(fn: Any, *args: Any, **kwargs: Any) -> int:
    """Call a command function as main() does: its exceptions mapped to exit codes by the
    CLI's one error handler (AwsFailure 1, AwsUnavailable and InputError 2)."""
    from cfroutes.cli.error_handler import error_handler

    with error_handler(False, kwargs["stderr"]) as result:
        result.code = fn(*args, **kwargs)
    assert result.code is not None
    return int(result.code)



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


# ====================================================================== the stateful fake
# FakeAccount is a FAKE, not a simulator of record: an in-suite stand-in, written for these
# tests, for the CloudFront APIs moto lacks. moto (used for the stores' control plane and the
# distributions) keeps one stage per function, so the fake holds the functions entirely:
# CreateFunction, DescribeFunction and GetFunction per stage, UpdateFunction, PublishFunction
# and TestFunction (it runs the emulator on the stage's code and the associated store's
# current content), and the KeyValueStore data plane (DescribeKeyValueStore, ListKeys with
# NextToken, GetKey, PutKey, DeleteKey, UpdateKeys) with ETags: a stale If-Match is a 412
# PreconditionFailed (control plane) or 409 ConflictException (data plane). Faults: the
# n-th step (a call that writes, or TestFunction; counted over both planes and moto's
# CreateKeyValueStore and UpdateDistribution) fails either
# BEFORE it takes effect or AFTER (its effect stays, the caller sees an error), as a lost
# response would. Every request to the fake is validated against botocore's service model
# (as the Stubber does); its answers follow the botocore shapes the deploy code reads.
MUTATING_OPS = ("create_key_value_store", "update_keys", "put_key", "delete_key", "create_function",
                "update_function", "publish_function", "test_function", "update_distribution")


class Fault(Exception):
    pass


def client_error(code: str, message: str, op: str, status: int = 400) -> Exception:
    from botocore.exceptions import ClientError

    return ClientError({"Error": {"Code": code, "Message": message},
                        "ResponseMetadata": {"HTTPStatusCode": status}}, op)


class Faults:
    """Fail the `at`-th mutating call (0-based) `when` = before | after."""

    def __init__(self, at: int | None = None, when: str = "before") -> None:
        self.at, self.when, self.count = at, when, 0
        self.log: list[str] = []

    def around(self, op: str, call: Any) -> Any:
        if op not in MUTATING_OPS:
            return call()
        n = self.count
        self.count += 1
        self.log.append(op)
        if n == self.at and self.when == "before":
            raise client_error("ServiceUnavailable", f"injected fault before {op}", op, 503)
        result = call()
        if n == self.at and self.when == "after":
            raise client_error("ServiceUnavailable", f"injected fault after {op} (it took effect)", op, 503)
        return result


class _Etags:
    def __init__(self, stem: str) -> None:
        self.stem, self.n = stem, 0

    def next(self) -> str:
        self.n += 1
        return f"{self.stem}{self.n}"


class FakeAccount:
    """Functions (two stages each) and KeyValueStore data; see the comment above."""

    def __init__(self, moto_cf: Any) -> None:
        self.moto = moto_cf
        self.functions: dict[str, dict[str, dict[str, Any]]] = {}  # name -> stage -> {code, config, etag}
        self.stores: dict[str, dict[str, str]] = {}  # ARN -> content
        self.store_etags: dict[str, str] = {}
        self.etags = _Etags("E")
        self.tested: list[tuple[str, bytes]] = []  # (name, DEVELOPMENT code) of every TestFunction call
        self.published: list[tuple[str, bytes, bool]] = []  # (name, code, that code was tested first)

    # ------------------------------------------------------------ functions
    def _summary(self, name: str, stage: str) -> dict[str, Any]:
        f = self.functions[name][stage]
        return {"Name": name, "Status": "UNPUBLISHED" if stage == "DEVELOPMENT" else "DEPLOYED",
                "FunctionConfig": f["config"],
                "FunctionMetadata": {"FunctionARN": f"arn:aws:cloudfront::123456789012:function/{name}",
                                     "Stage": stage, "LastModifiedTime": "2025-01-01T00:00:00Z"}}

    def _stage(self, name: str, stage: str, op: str) -> dict[str, Any]:
        f = self.functions.get(name, {}).get(stage)
        if f is None:
            raise client_error("NoSuchFunctionExists", f"no function {name} ({stage})", op, 404)
        return f

    def _match(self, f: dict[str, Any], etag: str, op: str) -> None:
        if etag != f["etag"]:
            raise client_error("PreconditionFailed", "The If-Match version is missing or not valid", op, 412)

    def create_function(self, Name: str, FunctionConfig: dict[str, Any], FunctionCode: bytes) -> dict[str, Any]:
        if Name in self.functions:
            raise client_error("FunctionAlreadyExists", Name, "CreateFunction", 409)
        self.functions[Name] = {"DEVELOPMENT": {"code": bytes(FunctionCode), "config": copy.deepcopy(FunctionConfig),
                                                "etag": self.etags.next()}}
        return {"FunctionSummary": self._summary(Name, "DEVELOPMENT"), "ETag": self.functions[Name]["DEVELOPMENT"]["etag"]}

    def update_function(self, Name: str, IfMatch: str, FunctionConfig: dict[str, Any],
                        FunctionCode: bytes) -> dict[str, Any]:
        f = self._stage(Name, "DEVELOPMENT", "UpdateFunction")
        self._match(f, IfMatch, "UpdateFunction")
        f.update(code=bytes(FunctionCode), config=copy.deepcopy(FunctionConfig), etag=self.etags.next())
        return {"FunctionSummary": self._summary(Name, "DEVELOPMENT"), "ETag": f["etag"]}

    def publish_function(self, Name: str, IfMatch: str) -> dict[str, Any]:
        f = self._stage(Name, "DEVELOPMENT", "PublishFunction")
        self._match(f, IfMatch, "PublishFunction")
        self.published.append((Name, f["code"], (Name, f["code"]) in self.tested))
        self.functions[Name]["LIVE"] = {"code": f["code"], "config": copy.deepcopy(f["config"]),
                                        "etag": self.etags.next()}
        return {"FunctionSummary": self._summary(Name, "LIVE")}

    def describe_function(self, Name: str, Stage: str = "DEVELOPMENT") -> dict[str, Any]:
        f = self._stage(Name, Stage, "DescribeFunction")
        return {"FunctionSummary": self._summary(Name, Stage), "ETag": f["etag"]}

    def get_function(self, Name: str, Stage: str = "DEVELOPMENT") -> dict[str, Any]:
        f = self._stage(Name, Stage, "GetFunction")
        return {"FunctionCode": f["code"], "ETag": f["etag"], "ContentType": "application/octet-stream"}

    def store_of(self, name: str, stage: str) -> dict[str, str] | None:
        items = (self.functions[name][stage]["config"].get("KeyValueStoreAssociations") or {}).get("Items") or []
        return self._content(items[0]["KeyValueStoreARN"]) if items else None

    def test_function(self, Name: str, IfMatch: str, EventObject: bytes, Stage: str = "DEVELOPMENT") -> dict[str, Any]:
        f = self._stage(Name, Stage, "TestFunction")
        self._match(f, IfMatch, "TestFunction")
        self.tested.append((Name, f["code"]))
        runtime = f["config"]["Runtime"]
        inv = run_function(f["code"].decode(), json.loads(EventObject), runtime, self.store_of(Name, Stage))
        return {"TestResult": {"FunctionSummary": self._summary(Name, Stage), "ComputeUtilization": "21",
                               "FunctionExecutionLogs": list(inv.logs), "FunctionErrorMessage": inv.error,
                               "FunctionOutput": "" if inv.output is None else json.dumps(inv.output)}}

    # ------------------------------------------------------------ KeyValueStore data plane
    def _content(self, arn: str) -> dict[str, str]:
        if arn not in self.stores:
            self.stores[arn] = {}
            self.store_etags[arn] = "KV0"
        return self.stores[arn]

    def _kvs_match(self, arn: str, etag: str, op: str) -> None:
        self._content(arn)
        if etag != self.store_etags[arn]:
            raise client_error("ConflictException", "Pre-condition failed", op, 409)

    def _written(self, arn: str) -> dict[str, Any]:
        self.store_etags[arn] = "KV" + self.etags.next()
        c = self.stores[arn]
        return {"ETag": self.store_etags[arn], "ItemCount": len(c),
                "TotalSizeInBytes": sum(len(k.encode()) + len(v.encode()) for k, v in c.items())}

    def kvs_describe(self, KvsARN: str) -> dict[str, Any]:
        c = self._content(KvsARN)
        return {"KvsARN": KvsARN, "ETag": self.store_etags[KvsARN], "ItemCount": len(c), "TotalSizeInBytes": 0,
                "Created": "2025-01-01T00:00:00Z", "Status": "READY"}

    def list_keys(self, KvsARN: str, MaxResults: int = 50, NextToken: str | None = None) -> dict[str, Any]:
        keys = sorted(self._content(KvsARN))
        start = int(NextToken) if NextToken else 0
        page = keys[start:start + MaxResults]
        r: dict[str, Any] = {"Items": [{"Key": k, "Value": self.stores[KvsARN][k]} for k in page]}
        if start + MaxResults < len(keys):
            r["NextToken"] = str(start + MaxResults)
        return r

    def get_key(self, KvsARN: str, Key: str) -> dict[str, Any]:
        c = self._content(KvsARN)
        if Key not in c:
            raise client_error("ResourceNotFoundException", "key not found", "GetKey", 404)
        return {"Key": Key, "Value": c[Key], "ItemCount": len(c), "TotalSizeInBytes": 0}

    def put_key(self, KvsARN: str, IfMatch: str, Key: str, Value: str) -> dict[str, Any]:
        self._kvs_match(KvsARN, IfMatch, "PutKey")
        self.stores[KvsARN][Key] = Value
        return self._written(KvsARN)

    def delete_key(self, KvsARN: str, IfMatch: str, Key: str) -> dict[str, Any]:
        self._kvs_match(KvsARN, IfMatch, "DeleteKey")
        self.stores[KvsARN].pop(Key, None)
        return self._written(KvsARN)

    def update_keys(self, KvsARN: str, IfMatch: str, Puts: list[dict[str, str]] | None = None,
                    Deletes: list[dict[str, str]] | None = None) -> dict[str, Any]:
        self._kvs_match(KvsARN, IfMatch, "UpdateKeys")
        if len(Puts or []) + len(Deletes or []) > 50:
            raise client_error("ValidationException", "at most 50 keys per UpdateKeys", "UpdateKeys")
        for p in Puts or []:  # all or nothing: nothing above can fail half-way
            self.stores[KvsARN][p["Key"]] = p["Value"]
        for d in Deletes or []:
            self.stores[KvsARN].pop(d["Key"], None)
        return self._written(KvsARN)


FAKE_CF_OPS = ("create_function", "update_function", "publish_function", "describe_function", "get_function",
               "test_function")


def validated(service_model: Any, op: str, params: dict[str, Any]) -> None:
    """Refuse a request botocore would refuse (unknown or missing parameters, wrong types)."""
    from botocore.validate import ParamValidator

    name = "".join(p.capitalize() for p in op.split("_"))
    report = ParamValidator().validate(params, service_model.operation_model(name).input_shape)
    if report.has_errors():
        raise AssertionError(f"{name}: {report.generate_report()}")


class FakeCloudFront:
    """The control-plane client deploy sees: functions from the fake, stores and
    distributions from moto; every mutating call passes the fault injector."""

    def __init__(self, account: FakeAccount, faults: Faults) -> None:
        self.account, self.faults = account, faults
        self.meta = account.moto.meta

    def __getattr__(self, op: str) -> Any:
        if op not in FAKE_CF_OPS:
            target = getattr(self.account.moto, op)
            return lambda **kw: self.faults.around(op, lambda: target(**kw))
        target = getattr(self.account, op)

        def call(**kw: Any) -> Any:
            validated(self.meta.service_model, op, kw)
            return self.faults.around(op, lambda: target(**kw))
        return call


class FakeKvs:
    """The data-plane client deploy sees (the fake), through the fault injector."""

    def __init__(self, account: FakeAccount, faults: Faults) -> None:
        self.account, self.faults = account, faults
        self.meta = boto3.client("cloudfront-keyvaluestore", region_name="us-east-1").meta

    def __getattr__(self, op: str) -> Any:
        target = getattr(self.account, "kvs_describe" if op == "describe_key_value_store" else op)

        def call(**kw: Any) -> Any:
            validated(self.meta.service_model, op, kw)
            return self.faults.around(op, lambda: target(**kw))
        return call
