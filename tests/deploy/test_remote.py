"""`cfroutes test --remote`: the cases through (stubbed) TestFunction beside the emulator."""
from __future__ import annotations

import pytest

pytest.importorskip("boto3", reason="boto3 not installed (pip install 'cfroutes[aws]')")

from cfroutes.cli import test as cli_test  # noqa: E402
from cfroutes.deploy.aws import Aws  # noqa: E402
from cfroutes.deploy.remote import divergences, to_invocation  # noqa: E402
from cfroutes.emulator import Invocation  # noqa: E402

from .fakes import (  # noqa: E402
    ANY,
    Calls,
    cases_of,
    cloudfront_result,
    handled,
    io_pair,
    runs_remotely,
    seed_store,
    stub_function_stage,
    stub_list_keys,
    stubbed,
)


def remote_session(tamper=None, live_store=None, code=None):
    """Stubs for one `test --remote` run; `tamper(case, output)` plants a divergence."""
    compiled, cases = cases_of()
    live = live_store if live_store is not None else seed_store(compiled)
    calls = Calls()
    cf, cstub = stubbed("cloudfront", calls)
    kvs, kstub = stubbed("cloudfront-keyvaluestore", calls)
    stub_function_stage(cstub, compiled, "site-router", "DEVELOPMENT", "DEV-SR-1", code=code)
    stub_list_keys(kstub, live, page=2)  # 3 keys: two pages
    stub_function_stage(cstub, compiled, "security-headers", "DEVELOPMENT", "DEV-SH-1")
    sent = []
    for case in cases:
        if not runs_remotely(case):
            continue
        etag = "DEV-SR-1" if case.function == "site-router" else "DEV-SH-1"
        store = live if case.function == "site-router" else None
        t = (lambda out, c=case: tamper(c, out)) if tamper else None
        src = code.decode() if code is not None and case.function == "site-router" else None
        cstub.add_response("test_function", cloudfront_result(compiled, case, store, tamper=t, source=src),
                           {"Name": case.function, "IfMatch": etag, "Stage": "DEVELOPMENT", "EventObject": ANY})
        sent.append(case)
    return compiled, cases, sent, calls, (cf, cstub), (kvs, kstub)


def run_remote(session):
    compiled, cases, sent, calls, (cf, cstub), (kvs, kstub) = session
    out, err = io_pair()
    with cstub, kstub:
        code = handled(cli_test.test_remote, "routes.yaml", [], stage="DEVELOPMENT", stdout=out, stderr=err,
                       aws=Aws(cf, kvs))
        cstub.assert_no_pending_responses()
        kstub.assert_no_pending_responses()
    return code, out.getvalue(), err.getvalue()


def test_agreement_side_by_side(project):
    session = remote_session()
    code, out, err = run_remote(session)
    _, cases, sent, calls, _, _ = session
    assert code == 0, out + err
    assert f"{len(sent)} passed, 0 failed, {len(cases) - len(sent)} skipped" in out
    assert "ComputeUtilization 21" in out and "estimate" in out
    assert "CloudFront skips viewer-response functions" in out
    # the case with its own kvs: cannot be reproduced remotely: agreement only, said so
    assert "depend on the case's kvs: contents" in out
    # every event went out as the case's event, JSON-encoded, with the stage's ETag
    import json
    sent_events = [json.loads(e["params"]["EventObject"]) for e in calls.of("TestFunction")]
    assert sent_events == [c.event for c in sent]
    assert calls.ops("cloudfront-keyvaluestore") == ["ListKeys", "ListKeys"]


def test_a_planted_divergence_is_listed_and_fails(project):
    def tamper(case, out):
        if case.name == "docs pages":
            out["request"]["uri"] = "/public/docs/api/auth"  # CloudFront "forgot" the .html
    code, out, _ = run_remote(remote_session(tamper))
    assert code == 1
    assert "1 divergence(s) between the emulator and CloudFront" in out
    assert 'output.request.uri: emulator "/public/docs/api/auth.html", CloudFront "/public/docs/api/auth"' in out
    # and the same result is also checked against the case's expectations
    assert "- uri:" in out and "1 failed" in out


def test_deployed_code_that_differs_is_what_the_emulator_runs(project):
    compiled, _ = cases_of()
    other = compiled.function("site-router").source.replace("/public/docs/", "/public/manual/")
    session = remote_session(code=other.encode())
    # CloudFront runs the deployed code, so does the emulator: they agree, the expectation fails
    code, out, err = run_remote(session)
    assert "differs from what the config builds" in err
    assert "diverges" not in out
    assert code == 1 and '+ uri: "/public/manual/api/auth.html"' in out and "1 failed" in out


def test_normalisation_ignores_representation_only():
    a = Invocation(output={"response": {"statusCode": 302, "headers": {"Location": {"value": "/x"}}}})
    b = Invocation(output={"response": {"statusCode": 302, "headers": {"location": {"value": "/x"}}, "cookies": {}}})
    assert divergences(a, b) == []
    c = Invocation(output={"response": {"statusCode": 301, "headers": {"location": {"value": "/x"}}}})
    assert divergences(a, c) == ["output.response.statusCode: emulator 302, CloudFront 301"]
    assert divergences(Invocation(error="boom"), b)[0].startswith("error: emulator")


def test_to_invocation_reads_the_test_result_shape():
    inv = to_invocation({"FunctionOutput": '{"request":{"uri":"/a"}}', "FunctionErrorMessage": "",
                         "ComputeUtilization": "17", "FunctionExecutionLogs": ["hi"]})
    assert inv.output == {"request": {"uri": "/a"}} and inv.compute_utilization == 17 and inv.logs == ["hi"]
    assert to_invocation({"FunctionOutput": "", "FunctionErrorMessage": "x"}).output is None
