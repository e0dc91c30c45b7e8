"""The one place that talks to AWS: boto3 clients, ETag-aware helpers, one-line errors.

boto3 is optional (`pip install 'cfroutes[aws]'`); without it `AwsUnavailable` is raised
(exit 2 with that hint). Any AWS or credential error becomes `AwsFailure` (exit 1) with a
one-line message naming the operation; generator/cli/error_handler.py maps both. Tests
inject clients (moto, tests/deploy/fakes.py).
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from cfroutes.codes import Code
from cfroutes.errors import InputError

INSTALL_HINT = "pip install 'cfroutes[aws]'"
DEFAULT_REGION = "us-east-1"  # CloudFront is global; its API is signed for us-east-1
LIST_PAGE = 50  # ListKeys MaxResults upper bound
#: how to provide credentials, on the one line that says there are none
NO_CREDENTIALS = ("no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or name a profile "
                  "with --profile or AWS_PROFILE (see `aws configure` / `aws sso login`)")


class AwsUnavailable(Exception):
    """boto3 (or awscrt for the KeyValueStore data plane) is not installed: exit 2."""


class AwsFailure(Exception):
    """An AWS call failed (credentials, permissions, ETag, throttling...): exit 1."""

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code


class Conflict(AwsFailure):
    """The If-Match ETag is stale (someone else changed the resource meanwhile)."""


#: error codes that mean "your ETag is stale"
CONFLICT_CODES = frozenset({"ConflictException", "PreconditionFailed"})
#: error codes that mean "no such resource"
MISSING_CODES = frozenset({"NoSuchFunctionExists", "EntityNotFound", "ResourceNotFoundException"})

def _boto3() -> Any:
    try:
        import boto3  # noqa: F401
        import botocore  # noqa: F401
    except ImportError:
        raise AwsUnavailable(f"this command talks to AWS and needs boto3: {INSTALL_HINT}") from None
    return boto3


class Aws:
    """Control-plane (`cloudfront`) and data-plane (`cloudfront-keyvaluestore`) clients."""

    def __init__(self, cf: Any = None, kvs: Any = None, *, profile: str | None = None,
                 region: str | None = None, sleep: Callable[[float], None] = time.sleep) -> None:
        if region is not None:
            check_region(region)
        self._cf, self._kvs = cf, kvs
        self.profile, self.region, self.sleep = profile, region, sleep
        self._session: Any = None
        #: AWS names of connection-request (mTLS) functions: their calls go to the connection-function
        #: API (`connection_call`); plan.py and remote.py register them
        self.connection_functions: set[str] = set()

    # ---------------------------------------------------------------- clients
    def _make(self, service: str) -> Any:
        _boto3()  # the install hint, exit 2, when boto3 is missing
        import botocore.exceptions as bex

        try:
            self._sess()
            region = self.region or self._session.region_name or DEFAULT_REGION
            return self._session.client(service, region_name=region)
        except bex.BotoCoreError as e:
            raise AwsFailure(str(e)) from None

    def _sess(self) -> Any:
        boto3 = _boto3()
        import botocore.exceptions as bex

        try:
            if self._session is None:
                self._session = boto3.session.Session(profile_name=self.profile)
            return self._session
        except bex.BotoCoreError as e:
            raise AwsFailure(" ".join(str(e).split())) from None

    def has_credentials(self) -> bool:
        """Does the boto3 chain (env, --profile/AWS_PROFILE, SSO, instance role...) find credentials?
        Always true for injected clients (tests)."""
        if self._cf is not None or self._kvs is not None:
            return True
        import botocore.exceptions as bex

        session = self._sess()
        try:
            return session.get_credentials() is not None
        except bex.BotoCoreError as e:
            raise AwsFailure(" ".join(str(e).split())) from None

    @property
    def cf(self) -> Any:
        if self._cf is None:
            self._cf = self._make("cloudfront")
        return self._cf

    @property
    def kvs(self) -> Any:
        if self._kvs is None:
            self._kvs = self._make("cloudfront-keyvaluestore")
        return self._kvs

    def call(self, client: Any, op: str, **params: Any) -> dict[str, Any]:
        """`client.op(**params)` with every failure as a one-line AwsFailure. A function operation on
        a registered connection function goes to the connection-function API (`connection_call`)."""
        if op in CONNECTION_OPS and params.get("Name") in self.connection_functions:
            return self.connection_call(op, **params)
        _boto3()
        import botocore.exceptions as bex

        try:
            answer: dict[str, Any] = getattr(client, op)(**params)
            return answer
        except bex.ClientError as e:
            err = e.response.get("Error", {})
            code = str(err.get("Code", "")) or type(e).__name__
            msg = " ".join(str(err.get("Message", "")).split()) or str(e)
            cls = Conflict if code in CONFLICT_CODES else AwsFailure
            raise cls(f"{_op_name(op)} failed: {code}: {msg}", code) from None
        except bex.MissingDependencyException:
            raise AwsUnavailable("the KeyValueStore data plane signs with SigV4A, which needs awscrt: "
                                 f"{INSTALL_HINT} (installs botocore[crt])") from None
        except bex.NoCredentialsError:
            raise AwsFailure(f"{_op_name(op)}: {NO_CREDENTIALS}") from None
        except bex.BotoCoreError as e:
            raise AwsFailure(f"{_op_name(op)} failed: " + " ".join(str(e).split())) from None

    # ---------------------------------------------------------------- control plane: connection functions
    def connection_call(self, op: str, **params: Any) -> dict[str, Any]:
        """A viewer-function operation (create_function, update_function, publish_function,
        describe_function, get_function, test_function) carried out with the connection-function API
        of CloudFront (CreateConnectionFunction, ...; botocore's service model), answered in the
        viewer operation's shape, so deploy, plan and `test --remote` treat both kinds alike.
        Connection functions are named by `Identifier` (describe, get: the name is passed) or by `Id`
        after creation (update, publish, test: read from DescribeConnectionFunction)."""
        name = params["Name"]
        if op == "create_function":
            r = self.call(self.cf, "create_connection_function", Name=name,
                          ConnectionFunctionConfig=params["FunctionConfig"],
                          ConnectionFunctionCode=params["FunctionCode"])
            return {"FunctionSummary": _viewer_summary(r["ConnectionFunctionSummary"]), "ETag": r["ETag"]}
        if op == "describe_function":
            r = self.call(self.cf, "describe_connection_function", Identifier=name, Stage=params.get("Stage", "DEVELOPMENT"))
            return {"FunctionSummary": _viewer_summary(r["ConnectionFunctionSummary"]), "ETag": r["ETag"]}
        if op == "get_function":
            r = self.call(self.cf, "get_connection_function", Identifier=name, Stage=params.get("Stage", "DEVELOPMENT"))
            return {"FunctionCode": r["ConnectionFunctionCode"], "ETag": r["ETag"]}
        ident = self.connection_id(name)
        if op == "update_function":
            r = self.call(self.cf, "update_connection_function", Id=ident, IfMatch=params["IfMatch"],
                          ConnectionFunctionConfig=params["FunctionConfig"],
                          ConnectionFunctionCode=params["FunctionCode"])
            return {"FunctionSummary": _viewer_summary(r["ConnectionFunctionSummary"]), "ETag": r["ETag"]}
        if op == "publish_function":
            r = self.call(self.cf, "publish_connection_function", Id=ident, IfMatch=params["IfMatch"])
            return {"FunctionSummary": _viewer_summary(r["ConnectionFunctionSummary"])}
        # test_function: the connection object goes as ConnectionObject (the event is its wrapper or itself)
        event = json.loads(params["EventObject"])
        obj = event.get("connection", event) if isinstance(event, dict) else event
        r = self.call(self.cf, "test_connection_function", Id=ident, IfMatch=params["IfMatch"],
                      Stage=params.get("Stage", "DEVELOPMENT"),
                      ConnectionObject=json.dumps(obj, separators=(",", ":")).encode("utf-8"))
        t = r.get("ConnectionFunctionTestResult") or {}
        return {"TestResult": {"FunctionOutput": t.get("ConnectionFunctionOutput", ""),
                               "FunctionErrorMessage": t.get("ConnectionFunctionErrorMessage", ""),
                               "FunctionExecutionLogs": t.get("ConnectionFunctionExecutionLogs") or [],
                               "ComputeUtilization": t.get("ComputeUtilization", "0")}}

    def connection_id(self, name: str) -> str:
        r = self.call(self.cf, "describe_connection_function", Identifier=name, Stage="DEVELOPMENT")
        return str(r["ConnectionFunctionSummary"]["Id"])

    # ---------------------------------------------------------------- control plane: functions
    def describe_function(self, name: str, stage: str = "DEVELOPMENT") -> tuple[dict[str, Any], str] | None:
        """(FunctionSummary, ETag) of one stage, None when the function (or stage) does not exist."""
        try:
            r = self.call(self.cf, "describe_function", Name=name, Stage=stage)
        except AwsFailure as e:
            if e.code in MISSING_CODES:
                return None
            raise
        meta = (r["FunctionSummary"].get("FunctionMetadata") or {})
        if meta.get("Stage", stage) != stage:
            return None  # the stage asked for does not exist (a simulator may answer with another)
        return r["FunctionSummary"], r["ETag"]

    def function_code(self, name: str, stage: str = "DEVELOPMENT") -> tuple[bytes, str] | None:
        try:
            r = self.call(self.cf, "get_function", Name=name, Stage=stage)
        except AwsFailure as e:
            if e.code in MISSING_CODES:
                return None
            raise
        code = r["FunctionCode"]
        return (code.read() if hasattr(code, "read") else bytes(code)), r["ETag"]

    # ---------------------------------------------------------------- control plane: stores
    def describe_store(self, name: str) -> dict[str, Any] | None:
        """The control-plane KeyValueStore record (Name, Id, ARN, Status), None when missing."""
        try:
            record: dict[str, Any] = self.call(self.cf, "describe_key_value_store", Name=name)["KeyValueStore"]
            return record
        except AwsFailure as e:
            if e.code in MISSING_CODES:
                return None
            raise

    def store_arn(self, name_or_arn: str) -> str:
        if name_or_arn.startswith("arn:"):
            return name_or_arn
        store = self.describe_store(name_or_arn)
        if store is None:
            raise AwsFailure(f"no KeyValueStore named {name_or_arn!r} in this account")
        return str(store["ARN"])

    def wait_ready(self, name: str, timeout: float = 120.0, every: float = 2.0) -> dict[str, Any]:
        """Poll until a new store is READY (data-plane writes need it)."""
        waited = 0.0
        while True:
            store = self.describe_store(name)
            status = (store or {}).get("Status")
            if store is not None and status == "READY":
                return store
            if status in ("PROVISIONING_FAILED", "FAILED"):
                raise AwsFailure(f"KeyValueStore {name!r} is {status}")
            if waited >= timeout:
                raise AwsFailure(f"KeyValueStore {name!r} is still {status} after {timeout:.0f} s")
            self.sleep(every)
            waited += every

    # ---------------------------------------------------------------- data plane
    def kvs_etag(self, arn: str) -> str:
        """The data-plane ETag (not the control plane's: the two cannot be swapped)."""
        return str(self.call(self.kvs, "describe_key_value_store", KvsARN=arn)["ETag"])

    def list_keys(self, arn: str) -> dict[str, str]:
        """Every key of the store, following NextToken."""
        out: dict[str, str] = {}
        token: str | None = None
        while True:
            params: dict[str, Any] = {"KvsARN": arn, "MaxResults": LIST_PAGE}
            if token:
                params["NextToken"] = token
            r = self.call(self.kvs, "list_keys", **params)
            for item in r.get("Items") or []:
                out[item["Key"]] = item.get("Value", "")
            token = r.get("NextToken")
            if not token:
                return out


#: the function operations `Aws.connection_call` carries out for connection functions
CONNECTION_OPS = frozenset({"create_function", "update_function", "publish_function", "describe_function",
                            "get_function", "test_function"})


def _viewer_summary(s: dict[str, Any]) -> dict[str, Any]:
    """A ConnectionFunctionSummary in FunctionSummary's shape (what plan.py and apply.py read)."""
    return {"Name": s.get("Name"), "Status": s.get("Status"), "Id": s.get("Id"),
            "FunctionConfig": s.get("ConnectionFunctionConfig") or {},
            "FunctionMetadata": {"FunctionARN": s.get("ConnectionFunctionArn"), "Stage": s.get("Stage"),
                                 "LastModifiedTime": s.get("LastModifiedTime")}}


def check_region(region: str) -> None:
    """`--region` must be a region botocore knows: listed in one of its partitions, or of a
    partition's region pattern (so a region newer than the installed botocore still passes).
    Else InputError (exit 2), one line."""
    _boto3()
    import re

    import botocore.loaders

    partitions = botocore.loaders.create_loader().load_data("endpoints")["partitions"]
    for p in partitions:
        if region in p.get("regions", {}) or re.match(p.get("regionRegex", r"(?!)"), region):
            return
    from cfroutes.errors import Diagnostic, Span

    near = sorted(r for p in partitions for r in p.get("regions", {}) if r.split("-")[0] == region.split("-")[0])
    raise InputError([Diagnostic(Span("<command line>", 1, 1), f"--region {region!r} is not an AWS region botocore "
                                 f"knows ({'e.g. ' + ', '.join(near[:4]) if near else 'e.g. us-east-1, eu-west-1'})", code=Code.ARGUMENT)])


def _op_name(op: str) -> str:
    return "".join(p.capitalize() for p in op.split("_"))
