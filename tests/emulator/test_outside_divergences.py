"""The five divergence classes of issue 22, each pinned by OUTSIDE evidence, in both engines.

Expected values come from CloudFront's own recorded answers or from the Developer Guide, never
from this emulator:

- SAMPLES = aws-samples/amazon-cloudfront-functions at commit b0493be; each README prints the
  real `aws cloudfront test-function` TestResult (its FunctionOutput).
- DG = https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/.

The events and functions here are written afresh; only the facts of the recorded output are used.
"""
from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from cfroutes.cli.emulate import emulate
from cfroutes.emulator.local_edge import EdgeFunction, LocalEdge, Mode
from cfroutes.emulator.result import Invocation
from cfroutes.kvs.importfile import StoreFileError, parse
from cfroutes.platform.event import VIEWER_REQUEST

ENGINES = [Mode.QUICKJS, pytest.param(Mode.NJS, marks=pytest.mark.njs)]
PASS = "function handler(event) { return event.request; }"


def run(mode: Mode, source: str, event: dict[str, Any], runtime: str = "cloudfront-js-2.0",
        store: dict[str, str] | None = None) -> Invocation:
    fn = EdgeFunction("f", source, runtime, VIEWER_REQUEST, store, "f.js")
    with LocalEdge([fn], mode) as edge:
        return edge.test_function("f", event)


def request_event(**request: Any) -> dict[str, Any]:
    req = {"method": "GET", "uri": "/index.html", **request}
    return {"version": "1.0", "context": {"eventType": "viewer-request"}, "viewer": {"ip": "198.51.100.7"},
            "request": req}


# ------------------------------------------------------------------ 1. unknown entry fields
@pytest.mark.parametrize("mode", ENGINES)
def test_unknown_entry_fields_are_dropped_from_the_output(mode: Mode) -> None:
    # SAMPLES url-rewrite-single-page-apps: the test event's `accept` header carries a lower-case
    # `multivalue` list; the recorded FunctionOutput prints `"accept":{"value":"text/html"}`. The
    # same holds for its query entries (`"test":{"value":"true"}`) and cookies.
    event = request_event(
        querystring={"test": {"value": "true", "multivalue": [{"value": "true"}]}},
        headers={"host": {"value": "www.example.com"},
                 "accept": {"value": "text/html", "multivalue": [{"value": "text/html"}, {"value": "application/xhtml+xml"}]}},
        cookies={"id": {"value": "CookieIdValue", "multivalue": [{"value": "CookieIdValue"}]}})
    inv = run(mode, PASS, event)
    assert inv.ok, (inv.error, inv.validation_errors)
    req = inv.output["request"]
    assert req["headers"]["accept"] == {"value": "text/html"}
    assert req["headers"]["host"] == {"value": "www.example.com"}
    assert req["querystring"]["test"] == {"value": "true"}
    assert req["cookies"]["id"] == {"value": "CookieIdValue"}


@pytest.mark.parametrize("mode", ENGINES)
def test_documented_multi_value_and_cookie_attributes_are_kept(mode: Mode) -> None:
    # The known fields stay: `multiValue` (DG/functions-event-structure.html) and a response
    # cookie's `attributes` (SAMPLES add-cache-control-header's recorded output prints
    # `"loggedIn":{"attributes":"Secure; Path=/; ...","value":"true"}`).
    src = """function handler(event) {
  return {statusCode: 200, statusDescription: 'OK',
          headers: {'x-a': {value: '1', multiValue: [{value: '1', extra: 'x'}, {value: '2'}]}},
          cookies: {loggedIn: {value: 'true', attributes: 'Secure; Path=/', junk: 1}}};
}"""
    inv = run(mode, src, request_event())
    assert inv.ok, (inv.error, inv.validation_errors)
    resp = inv.output["response"]
    assert resp["headers"]["x-a"] == {"value": "1", "multiValue": [{"value": "1"}, {"value": "2"}]}
    assert resp["cookies"] == {"loggedIn": {"value": "true", "attributes": "Secure; Path=/"}}


# ------------------------------------------------------------------ 2. "cookies": {}
@pytest.mark.parametrize("mode", ENGINES)
def test_generated_response_has_empty_cookies(mode: Mode) -> None:
    # SAMPLES redirect-based-on-country: recorded FunctionOutput
    # {"response":{"headers":{"location":...},"statusDescription":"Found","cookies":{},"statusCode":302}}
    src = """function handler(event) {
  return {statusCode: 302, statusDescription: 'Found',
          headers: {location: {value: 'https://www.example.com/de/index.html'}}};
}"""
    inv = run(mode, src, request_event(headers={"cloudfront-viewer-country": {"value": "DE"}}))
    assert inv.ok, (inv.error, inv.validation_errors)
    assert inv.output == {"response": {"headers": {"location": {"value": "https://www.example.com/de/index.html"}},
                                       "statusDescription": "Found", "cookies": {}, "statusCode": 302}}


@pytest.mark.parametrize("mode", ENGINES)
def test_request_without_cookies_has_empty_cookies(mode: Mode) -> None:
    # SAMPLES kvs-jwt-verify: the valid-jwt event has no `cookies`; the recorded FunctionOutput
    # ends `"uri":"/index.html","cookies":{}}`.
    inv = run(mode, PASS, request_event(headers={"host": {"value": "www.example.com"}}))
    assert inv.ok, (inv.error, inv.validation_errors)
    assert inv.output["request"]["cookies"] == {}


# ------------------------------------------------------------------ 3. input completion
@pytest.mark.parametrize("mode", ENGINES)
def test_event_without_querystring_headers_cookies_reaches_the_function_with_empty_objects(mode: Mode) -> None:
    # DG/functions-event-structure.html: the request's querystring, headers and cookies are
    # objects the function can index; an absent one arrives empty (TestFunction accepts the
    # minimal event of DG/test-function.html, which has none of them).
    src = """function handler(event) {
  var r = event.request;
  console.log(typeof r.querystring + ' ' + typeof r.headers + ' ' + typeof r.cookies);
  if (r.querystring.lang === undefined && r.headers.host === undefined && r.cookies.id === undefined) r.uri = '/ok';
  return r;
}"""
    inv = run(mode, src, {"version": "1.0", "context": {"eventType": "viewer-request"},
                          "request": {"method": "GET", "uri": "/"}})
    assert inv.ok, (inv.error, inv.validation_errors)
    assert inv.logs == ["object object object"]
    assert inv.output == {"request": {"method": "GET", "uri": "/ok", "querystring": {}, "headers": {}, "cookies": {}}}


@pytest.mark.parametrize("mode", ENGINES)
def test_completion_does_not_change_the_callers_event(mode: Mode) -> None:
    event = {"context": {"eventType": "viewer-request"}, "request": {"method": "GET", "uri": "/"}}
    run(mode, PASS, event)
    assert event == {"context": {"eventType": "viewer-request"}, "request": {"method": "GET", "uri": "/"}}


# ------------------------------------------------------------------ 4. KVS limits
def test_kvs_value_over_1024_bytes_is_refused_at_load_with_a_position() -> None:
    # DG/cloudfront-limits.html and DG/kvs-with-functions-create-s3-kvp.html: value at most 1 KB.
    text = '{"data": [\n  {"key": "ok", "value": "x"},\n  {"key": "big", "value": "' + "v" * 1025 + '"}\n]}'
    with pytest.raises(StoreFileError) as exc:
        parse(text)
    assert "1025 bytes" in exc.value.message and "1024" in exc.value.message
    assert (exc.value.line, exc.value.col) == (3, 11)
    assert parse(text.replace("v" * 1025, "v" * 1024))["big"] == "v" * 1024


def test_kvs_key_over_512_bytes_is_refused_at_load() -> None:
    with pytest.raises(StoreFileError, match="keys are 1-512 bytes"):
        parse(json.dumps({"k" * 513: "v"}))
    with pytest.raises(StoreFileError, match="keys are 1-512 bytes"):
        parse(json.dumps({"data": [{"key": "", "value": "v"}]}))


def test_emulate_refuses_an_oversized_kvs_file(tmp_path: Path) -> None:
    fn, ev, kvs = tmp_path / "f.js", tmp_path / "e.json", tmp_path / "s.json"
    fn.write_text(PASS)
    ev.write_text(json.dumps(request_event()))
    kvs.write_text(json.dumps({"a": "é" * 513}))  # 513 characters, 1,026 bytes
    out, err = io.StringIO(), io.StringIO()
    assert emulate(str(fn), str(ev), None, str(kvs), out, err) == 2
    assert out.getvalue() == ""
    assert err.getvalue().startswith(f"{kvs}:1:2: error: invalid KVS file: the value of 'a' is 1026 bytes")


# ------------------------------------------------------------------ 5. origin helpers
ORIGIN_RULES = [
    # DG/helper-functions-origin-modification.html (updateRequestOrigin) and the API reference's
    # OriginShield type: "When you enable CloudFront Origin Shield, you must specify the Region".
    ("cf.updateRequestOrigin({domainName: 'o.example.com', originShield: {enabled: true}});",
     "origin.updateRequestOrigin.originShield.region: required"),
    # customHeaders: a header already on the request may not be set as a custom origin header.
    ("event.request.headers['x-tenant'] = {value: 'a'};"
     " cf.updateRequestOrigin({domainName: 'o.example.com', customHeaders: {'X-Tenant': 'b'}});",
     "origin.updateRequestOrigin.customHeaders.x-tenant: the request already has this header"),
    # hostHeader / sni: host names, like domainName (no port, no IP address).
    ("cf.updateRequestOrigin({domainName: 'o.example.com', hostHeader: 'o.example.com:8443'});",
     "origin.updateRequestOrigin.hostHeader: must be a host name without port or IP address"),
    ("cf.selectRequestOriginById('o1', {sni: '203.0.113.9'});",
     "origin.selectRequestOriginById.sni: must be a host name without port or IP address"),
]


@pytest.mark.parametrize("mode", ENGINES)
@pytest.mark.parametrize(("call", "message"), ORIGIN_RULES)
def test_origin_helper_rules(mode: Mode, call: str, message: str) -> None:
    src = f"import cf from 'cloudfront';\nfunction handler(event) {{ {call} return event.request; }}\n"
    inv = run(mode, src, request_event(headers={"host": {"value": "www.example.com"}}))
    assert not inv.error
    assert any(e.startswith(message) for e in inv.validation_errors), inv.validation_errors


@pytest.mark.parametrize("mode", ENGINES)
def test_origin_helper_rules_accept_the_documented_shapes(mode: Mode) -> None:
    src = ("import cf from 'cloudfront';\nfunction handler(event) { cf.updateRequestOrigin({domainName: "
           "'o.example.com', hostHeader: 'o.example.com', sni: 'o.example.com', customHeaders: {'x-new': '1'}, "
           "originShield: {enabled: true, region: 'us-east-2'}}); return event.request; }\n")
    inv = run(mode, src, request_event(headers={"host": {"value": "www.example.com"}}))
    assert inv.ok, (inv.error, inv.validation_errors)


# ------------------------------------------------------------------ njs: cf.cwt
@pytest.mark.njs
def test_cf_cwt_runs_in_njs_against_python_cbor_and_hmac() -> None:
    # The prelude's CBOR/COSE code on njs's own HMAC and Buffer: a token built by cbor2 and
    # hashlib validates, and a generated one carries the tag Python computes
    # (DG/cwt-support-cloudfront-functions.html: COSE MAC0 with HS256).
    import hashlib
    import hmac

    import cbor2
    key, prot, payload = b"k1", cbor2.dumps({1: 5}), cbor2.dumps({1: "iss", 4: 12345})
    tag = hmac.new(key, cbor2.dumps(["MAC0", prot, b"", payload]), hashlib.sha256).digest()
    token = cbor2.dumps(cbor2.CBORTag(61, cbor2.CBORTag(17, [prot, {}, payload, tag])))
    src = """import cf from 'cloudfront';
function handler(event) {
  var q = event.request.querystring;
  var r = cf.cwt.validateToken(Buffer.from(q.t.value, 'hex'), {key: q.k.value});
  console.log(JSON.stringify(r.payload));
  var t = cf.cwt.generateToken({payload: {1: 'me', 4: 7}}, {key: q.k.value, coseTag: 'MAC0'});
  console.log(Buffer.from(t).toString('hex'));
  try { cf.cwt.validateToken(Buffer.from(q.t.value.slice(0, -2) + '00', 'hex'), {key: q.k.value}); }
  catch (e) { console.log('refused'); }
  return event.request;
}"""
    inv = run(Mode.NJS, src, request_event(querystring={"t": {"value": token.hex()}, "k": {"value": "k1"}}))
    assert inv.ok, (inv.error, inv.validation_errors)
    assert json.loads(inv.logs[0]) == {"1": "iss", "4": 12345}
    made = cbor2.loads(bytes.fromhex(inv.logs[1]))
    prot2, _, payload2, tag2 = made.value
    assert made.tag == 17 and cbor2.loads(payload2) == {1: "me", 4: 7}
    assert tag2 == hmac.new(key, cbor2.dumps(["MAC0", prot2, b"", payload2]), hashlib.sha256).digest()
    assert inv.logs[2] == "refused"
