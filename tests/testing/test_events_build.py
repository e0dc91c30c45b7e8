"""Event building: what CloudFront would hand the function for a test request."""
from __future__ import annotations

import pytest
from cfroutes.testing.events import (
    DEFAULT_HOST,
    RequestError,
    build_event,
    parse_cookie_header,
    parse_query,
    parse_request,
)


def test_full_url_with_method_port_and_query() -> None:
    ev = build_event("POST https://Shop.Example.com:8443/a/b?x=1")
    req = ev["request"]
    assert req["method"] == "POST"
    assert req["uri"] == "/a/b"
    assert req["headers"]["host"] == {"value": "Shop.Example.com:8443"}
    assert req["querystring"] == {"x": {"value": "1"}}
    assert ev["context"]["eventType"] == "viewer-request"
    assert set(ev["context"]) == {"distributionDomainName", "distributionId", "eventType", "requestId"}
    assert ev["viewer"]["ip"] == "198.51.100.10"
    assert "response" not in ev


def test_path_only_defaults_to_get_and_example_host() -> None:
    req = build_event("/x")["request"]
    assert req["method"] == "GET"
    assert req["headers"]["host"]["value"] == DEFAULT_HOST == "example.com"
    assert req["querystring"] == {} and req["cookies"] == {}


def test_url_without_path_is_root_and_method_is_uppercased() -> None:
    r = parse_request("head https://a.test")
    assert (r.method, r.host, r.uri, r.query) == ("HEAD", "a.test", "/", None)


def test_query_is_not_decoded_and_repeats_become_multivalue() -> None:
    qs = parse_query("a=%E5%AE%B6&a=2&flag&&=skip&b=x=y")
    assert qs["a"] == {"value": "%E5%AE%B6", "multiValue": [{"value": "%E5%AE%B6"}, {"value": "2"}]}
    assert qs["flag"] == {"value": ""}
    assert qs["b"] == {"value": "x=y"}
    assert "" not in qs


def test_bare_question_mark_gives_empty_query_object() -> None:
    assert parse_request("/x?").query == ""
    assert build_event("/x?")["request"]["querystring"] == {}


def test_headers_lowercased_repeated_values_and_cookie_header_parsed() -> None:
    ev = build_event("/", headers={"X-Multi": ["a", "b"], "Cookie": "s=1; t=2; s=3", "Accept": "*/*"},
                     cookies={"u": "4"})
    h = ev["request"]["headers"]
    assert "cookie" not in h and "Cookie" not in h
    assert h["x-multi"] == {"value": "a", "multiValue": [{"value": "a"}, {"value": "b"}]}
    assert h["accept"] == {"value": "*/*"}
    assert list(h)[0] == "host"
    c = ev["request"]["cookies"]
    assert c["s"] == {"value": "1", "multiValue": [{"value": "1"}, {"value": "3"}]}
    assert c["t"] == {"value": "2"} and c["u"] == {"value": "4"}


def test_host_header_overrides_url_host() -> None:
    ev = build_event("https://a.test/", headers={"Host": "b.test"})
    assert ev["request"]["headers"]["host"] == {"value": "b.test"}


def test_parse_cookie_header_tolerates_spaces_and_valueless() -> None:
    assert parse_cookie_header(" a=1 ;b; ;c=x=y") == [("a", "1"), ("b", ""), ("c", "x=y")]


def test_viewer_response_event_has_default_200_response() -> None:
    ev = build_event("/x", event_type="viewer-response")
    assert ev["response"] == {"statusCode": 200, "statusDescription": "OK", "headers": {}, "cookies": {}}
    assert ev["context"]["eventType"] == "viewer-response"


def test_viewer_response_with_headers_and_set_cookie() -> None:
    ev = build_event("/x", event_type="viewer-response", response={
        "status": 304, "headers": {"X-Powered-By": "PHP", "Set-Cookie": ["sid=1; Path=/; Secure", "sid=2"]},
        "cookies": {"lang": "de; Max-Age=60"}})
    r = ev["response"]
    assert r["statusCode"] == 304 and r["statusDescription"] == "Not Modified"
    assert r["headers"] == {"x-powered-by": {"value": "PHP"}}
    assert r["cookies"]["lang"] == {"value": "de", "attributes": "Max-Age=60"}
    assert r["cookies"]["sid"]["value"] == "1"
    assert r["cookies"]["sid"]["multiValue"] == [{"value": "1", "attributes": "Path=/; Secure"}, {"value": "2"}]


def test_response_refused_for_viewer_request() -> None:
    with pytest.raises(RequestError, match="only for viewer-response"):
        build_event("/x", response={"status": 200})


@pytest.mark.parametrize("text,column,message", [
    ("GET https://a b/x", 14, "space"),
    ("GET /a\tb", 7, "control character"),
    ("POST /caf\u00e9", 10, "percent-encoded"),
    ("FETCH /x", 1, "unknown method"),
    ("example.com/x", 1, "expected a URL"),
    ("https://h/p#frag", 12, "fragment"),
    ("https://user@h/", 9, "user information"),
    ("https://h:99999/", 11, "invalid port"),
    ("https://bad_host!/", 9, "invalid host"),
    ("//h/x", 1, "may not start with '//'"),
    ("  ", 1, "empty"),
    ('GET  /a"b', 8, "percent-encoded"),
    ("GET /" + "a" * 8192, 5, "at most 8,192"),
])
def test_invalid_requests_report_the_column(text: str, column: int, message: str) -> None:
    with pytest.raises(RequestError) as exc:
        parse_request(text)
    assert exc.value.column == column
    assert message in exc.value.message


def test_non_ascii_error_suggests_the_encoding() -> None:
    with pytest.raises(RequestError) as exc:
        parse_request("/caf\u00e9")
    assert exc.value.hint == "write it as %C3%A9"


@pytest.mark.parametrize("kwargs,message", [
    ({"headers": {"bad name": "x"}}, "invalid header name"),
    ({"headers": {"x-a": "a\r\nb: c"}}, "control character"),
    ({"headers": {"Connection": "close"}}, "never shown"),
    ({"headers": {"x-a": []}}, "empty list"),
    ({"cookies": {"a": "1;2"}}, "may not contain ';'"),
    ({"viewer_ip": "300.1.1.1"}, "viewer_ip"),
])
def test_invalid_fields(kwargs: dict, message: str) -> None:
    with pytest.raises(RequestError, match=message):
        build_event("/", **kwargs)


def test_ipv6_viewer_ip_accepted() -> None:
    assert build_event("/", viewer_ip="2001:db8::1")["viewer"]["ip"] == "2001:db8::1"
