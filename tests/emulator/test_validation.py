"""Output validation: each 502 case becomes a ValidationErrors entry naming the field."""
from __future__ import annotations

import pytest
from support import V1, V2, request_event, response_event, run


def _req(code: str, runtime: str = V2) -> list[str]:
    inv = run("function handler(event) { var r = event.request;\n" + code + "\nreturn r; }", runtime)
    assert inv.error == "", inv.error
    return inv.validation_errors


def _resp(ret: str, event: dict | None = None) -> list[str]:
    inv = run("function handler(event) { var r = event.response;\nreturn " + ret + "; }", V2, event or response_event())
    assert inv.error == "", inv.error
    return inv.validation_errors


@pytest.mark.parametrize("runtime", (V1, V2))
def test_valid_request_passes(runtime: str) -> None:
    assert _req("r.headers['x-a'] = {value: 'b'}; r.uri = '/x';", runtime) == []


def test_returning_the_event() -> None:
    inv = run("function handler(event) { return event; }")
    assert inv.output is None and inv.validation_errors[0].startswith("output: the function returned the whole event")


def test_returning_nothing() -> None:
    assert run("function handler(event) { }").validation_errors[0].startswith("output:")


def test_response_without_status_in_viewer_response() -> None:
    assert _resp("{headers: {}}")[0].startswith("response.statusCode: missing")


@pytest.mark.parametrize("status", [99, 600, "200", 200.5, None])
def test_invalid_status(status: object) -> None:
    import json
    inv = run("function handler(e) { return {statusCode: %s}; }" % json.dumps(status))
    assert any(v.startswith("response.statusCode") for v in inv.validation_errors)


def test_uri_must_start_with_slash() -> None:
    assert _req("r.uri = 'x';") == ["request.uri: must start with /"]


def test_uri_plus_query_limit() -> None:
    assert _req("r.uri = '/' + 'a'.repeat(8186);") == []  # 8187 + '?a=1' = 8191
    errs = _req("r.uri = '/' + 'a'.repeat(8187);")
    assert errs and errs[0].startswith("request.uri: URI plus query string is 8192")


def test_disallowed_headers_added() -> None:
    errs = _req("r.headers['x-amz-cf-id'] = {value: 'a'}; r.headers['x-edge-foo'] = {value: 'b'};"
                " r.headers['connection'] = {value: 'close'};")
    assert errs == ["request.headers.x-amz-cf-id: disallowed header added", "request.headers.x-edge-foo: disallowed header added",
                    "request.headers.connection: disallowed header added"]
    assert _resp("{statusCode: 200, headers: {'x-cache': {value: 'HIT'}}}") == ["response.headers.x-cache: disallowed header added"]


def test_read_only_headers_viewer_request() -> None:
    assert _req("r.headers.host = {value: 'evil.test'};") == ["request.headers.host: read-only header changed"]
    assert _req("delete r.headers.host;") == ["request.headers.host: read-only header removed"]
    assert _req("r.headers.via = {value: '1.1 x'};") == ["request.headers.via: read-only header added"]
    assert _req("r.headers.host = {value: 'www.example.com'};") == []


def test_read_only_headers_viewer_response() -> None:
    ev = response_event(headers={"via": {"value": "1.1 origin"}})
    assert _resp("(r.headers.via = {value: 'x'}, r)", ev) == ["response.headers.via: read-only header changed"]
    assert _resp("(r.headers.warning = {value: '199 x'}, r)", ev) == ["response.headers.warning: read-only header added"]


def test_header_values_with_control_characters() -> None:
    assert _req("r.headers['x-a'] = {value: 'a\\r\\nb'};") == ["request.headers.x-a: value contains control characters"]
    assert _req("r.headers['x-a'] = {value: 'tab\\tok'};") == []
    assert _req("r.headers['x-a'] = 'plain';") == ["request.headers.x-a: must be an object with a value"]


def test_querystring_rules() -> None:
    assert _req("r.querystring = {q: {value: 'a b'}};") == ["request.querystring.q: contains spaces, control characters or '#'"]
    assert _req("r.querystring = {q: {value: 'a#b'}};")[0].startswith("request.querystring.q")
    assert _req("r.querystring = 'a=1&b=2';") == []
    assert _req("r.querystring = 'a=1 2';")[0].startswith("request.querystring")


def test_method_is_read_only() -> None:
    assert _req("r.method = 'POST';") == ["request.method: read-only field changed"]


def test_response_body_forms() -> None:
    assert _resp("{statusCode: 200, body: 'hi'}") == []
    assert _resp("{statusCode: 200, body: {data: 'aGk=', encoding: 'base64'}}") == []
    assert _resp("{statusCode: 200, body: {data: '%%%', encoding: 'base64'}}") == ["response.body.data: invalid base64"]
    assert _resp("{statusCode: 200, body: {data: 'x', encoding: 'hex'}}")[0].startswith("response.body.encoding")


def test_generated_redirect_from_viewer_request() -> None:
    inv = run("function handler(e) { return {statusCode: 302, statusDescription: 'Found',"
              " headers: {location: {value: '/de/index.html'}}}; }")
    # CloudFront adds `"cookies":{}` (redirect-based-on-country's recorded FunctionOutput)
    assert inv.ok and inv.output == {"response": {"statusCode": 302, "statusDescription": "Found", "cookies": {},
                                                  "headers": {"location": {"value": "/de/index.html"}}}}


def test_test_result_shape() -> None:
    inv = run("function handler(e) { console.log('x'); return e.request; }", V2, request_event())
    tr = inv.to_test_result()
    assert set(tr) == {"FunctionOutput", "FunctionErrorMessage", "FunctionExecutionLogs", "ComputeUtilization",
                       "ValidationErrors", "Steps"}
    assert tr["FunctionOutput"].startswith('{"request":') and tr["ComputeUtilization"].isdigit()
    assert tr["FunctionExecutionLogs"] == ["x"] and tr["FunctionErrorMessage"] == ""
