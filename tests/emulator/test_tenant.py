"""Distribution tenants (CloudFront SaaS Manager) in both engines, through `cfroutes emulate`.

The function is written from the DeveloperGuide page "Helper methods for CloudFront SaaS
Manager properties" (saas-specific-logic-function-code): `cf.distributionTenant.id` is the
tenant's ID (the page's example dt_1a2b3c4d5e6f7), `cf.distributionTenant.parameters.get(key)`
its parameter (TenantPath -> tenant1), `event.context.endpoint` the connection group's domain
(d111111abcdef8.cloudfront.net), present only on a multi-tenant distribution with a connection
group. On a standard distribution both helpers throw the type error "distributionTenant module
is not available"; an unknown parameter throws DistributionTenantParameterKeyNotFound.
"""
from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

import pytest
from cfroutes.cli.emulate import emulate
from cfroutes.cli.main import main
from cfroutes.emulator import njs
from cfroutes.emulator.tenant import TENANT_KEY, Tenant
from support import request_event

ENGINES = ["quickjs", pytest.param("njs", marks=pytest.mark.skipif(
    not njs.available() and not os.environ.get("CFROUTES_REQUIRE_NJS"), reason="njs is not installed"))]

# written afresh from the guide's snippets; each helper in its own try/catch as the page advises
GUIDE_FUNCTION = """import cf from 'cloudfront';

function tenantPart(read) {
  try { return { ok: read() }; } catch (e) { return { error: e.name + ': ' + e.message }; }
}

function handler(event) {
  var request = event.request;
  var id = tenantPart(function () { return cf.distributionTenant.id; });
  var path = tenantPart(function () { return cf.distributionTenant.parameters.get('TenantPath'); });
  var keys = Object.keys(event).sort().join(',');
  console.log('endpoint=' + event.context.endpoint + ' keys=' + keys);
  if (id.error) {
    return { statusCode: 403, statusDescription: 'Forbidden', headers: { 'x-why': { value: id.error } } };
  }
  if (path.error) {
    return { statusCode: 404, statusDescription: 'Not Found', headers: { 'x-why': { value: path.error } } };
  }
  request.uri = '/' + path.ok + request.uri;
  request.headers['x-tenant'] = { value: id.ok };
  return request;
}
"""

GUIDE_TENANT = Tenant("dt_1a2b3c4d5e6f7", {"TenantPath": "tenant1"}, "d111111abcdef8.cloudfront.net")


def _emulate(tmp_path: Path, engine: str, tenant: Tenant | None, src: str = GUIDE_FUNCTION,
             event: dict[str, Any] | None = None) -> tuple[int, dict[str, Any], str]:
    fn, ev = tmp_path / "tenant.js", tmp_path / "event.json"
    fn.write_text(src)
    ev.write_text(json.dumps(event or request_event(uri="/index.html")))
    out, err = io.StringIO(), io.StringIO()
    code = emulate(str(fn), str(ev), None, None, out, err, engine=engine, tenant=tenant)
    return code, (json.loads(out.getvalue()) if out.getvalue() else {}), err.getvalue()


@pytest.mark.parametrize("engine", ENGINES)
def test_the_guides_tenant_values_reach_the_function(tmp_path: Path, engine: str) -> None:
    code, result, _ = _emulate(tmp_path, engine, GUIDE_TENANT)
    out = json.loads(result["FunctionOutput"])["request"]
    assert code == 0 and out["uri"] == "/tenant1/index.html"
    assert out["headers"]["x-tenant"] == {"value": "dt_1a2b3c4d5e6f7"}
    # the endpoint is in the event's context; the emulator's own carrier key is not in the event
    assert result["FunctionExecutionLogs"] == ["endpoint=d111111abcdef8.cloudfront.net keys=context,request,version,viewer"]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_standard_distribution_has_no_tenant_module(tmp_path: Path, engine: str) -> None:
    code, result, _ = _emulate(tmp_path, engine, None)
    out = json.loads(result["FunctionOutput"])["response"]
    assert code == 0 and out["statusCode"] == 403
    assert out["headers"]["x-why"] == {"value": "TypeError: distributionTenant module is not available"}
    assert result["FunctionExecutionLogs"] == ["endpoint=undefined keys=context,request,version,viewer"]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_missing_parameter_throws_its_own_error(tmp_path: Path, engine: str) -> None:
    code, result, _ = _emulate(tmp_path, engine, Tenant("dt_other", {"Other": "x"}))
    out = json.loads(result["FunctionOutput"])["response"]
    assert code == 0 and out["statusCode"] == 404
    assert out["headers"]["x-why"] == {"value": "DistributionTenantParameterKeyNotFound: TenantPath"}
    assert result["FunctionExecutionLogs"][0].startswith("endpoint=undefined ")  # no connection group given


@pytest.mark.parametrize("engine", ENGINES)
def test_uncaught_errors_fail_the_call(tmp_path: Path, engine: str) -> None:
    src = "import cf from 'cloudfront';\nfunction handler(e) { return cf.distributionTenant.parameters.get('Nope') ? e.request : e.request; }"
    code, result, _ = _emulate(tmp_path, engine, None, src)
    assert code == 1 and result["FunctionErrorMessage"].startswith("TypeError: distributionTenant module is not available")
    code, result, _ = _emulate(tmp_path, engine, GUIDE_TENANT, src)
    assert code == 1 and result["FunctionErrorMessage"].startswith("DistributionTenantParameterKeyNotFound: Nope")


@pytest.mark.parametrize("engine", ENGINES)
def test_tenant_modules_are_not_shared_between_calls(tmp_path: Path, engine: str) -> None:
    # a parameter object changed by the function does not leak into the tenant's values
    src = ("import cf from 'cloudfront';\nfunction handler(e) { var t = cf.distributionTenant; t.id = 'hacked';"
           " e.request.headers['x-id'] = { value: cf.distributionTenant.id }; return e.request; }")
    code, result, _ = _emulate(tmp_path, engine, GUIDE_TENANT, src)
    assert code == 0 and json.loads(result["FunctionOutput"])["request"]["headers"]["x-id"]["value"] == "dt_1a2b3c4d5e6f7"


def test_an_event_cannot_smuggle_the_tenant(tmp_path: Path) -> None:
    event = request_event()
    event[TENANT_KEY] = {"id": "dt_x", "params": {}}
    code, _, err = _emulate(tmp_path, "quickjs", None, event=event)
    assert code == 2 and "reserved by the emulator" in err


@pytest.mark.parametrize("argv, message", [
    (["--tenant-param", "A=1"], "need --tenant-id"),
    (["--endpoint", "d1.cloudfront.net"], "need --tenant-id"),
    (["--tenant-id", "dt_1", "--tenant-param", "novalue"], "expected NAME=VALUE"),
    (["--tenant-id", "dt_1", "--tenant-param", "A=1", "--tenant-param", "A=2"], "given twice"),
    (["--tenant-id", ""], "expected a distribution tenant ID"),
])
def test_bad_tenant_options_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    (tmp_path / "f.js").write_text(GUIDE_FUNCTION)
    (tmp_path / "e.json").write_text(json.dumps(request_event()))
    assert main(["emulate", str(tmp_path / "f.js"), "--event", str(tmp_path / "e.json"), *argv]) == 2
    assert message in capsys.readouterr().err


def test_the_options_reach_the_function(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "f.js").write_text(GUIDE_FUNCTION)
    (tmp_path / "e.json").write_text(json.dumps(request_event(uri="/a")))
    assert main(["emulate", str(tmp_path / "f.js"), "--event", str(tmp_path / "e.json"), "--tenant-id", "dt_9",
                 "--tenant-param", "TenantPath=t=9", "--endpoint", "d9.cloudfront.net"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert json.loads(result["FunctionOutput"])["request"]["uri"] == "/t=9/a"
    assert result["FunctionExecutionLogs"][0].startswith("endpoint=d9.cloudfront.net ")
