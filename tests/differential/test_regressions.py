"""Every divergence the differential run found, as its minimal config + request.

Each test runs the case inline and spilled through the emulator and the reference
(`agree`), and also pins the expected behaviour, so a reference bug cannot hide one.
"""
from __future__ import annotations

from typing import Any

from generator.reference import evaluate

from .cases import agree, case_of, request_event as ev

HEAD = """
version: 1
functions:
  f:
    event: viewer-request
    kvs: {name: s}
"""


def out(yaml_text: str, event: dict[str, Any], kvs: dict[str, str] | None = None) -> dict[str, Any]:
    """Assert agreement and return the (agreed) output."""
    agree(yaml_text, event, kvs)
    return evaluate(case_of(yaml_text).fn, event, kvs or {})[0]


def test_strict_pattern_routes_match() -> None:
    """The trailing-slash flag of a pattern route was overwritten by its action type (`t`)."""
    y = HEAD + """
    options: {trailing_slash: strict}
    routes:
      - path: /:t
        rewrite: /x/{t}
"""
    assert out(y, ev("/ab"))["request"]["uri"] == "/x/ab"
    assert out(y, ev("/ab/"))["request"]["uri"] == "/ab/"


def test_double_slash_is_not_root() -> None:
    """`//` has one empty segment; the exact table keyed it like `/`."""
    y = HEAD + """
    routes:
      - path: /
        respond: {status: 200}
"""
    assert "request" in out(y, ev("//"))
    assert out(y, ev("/"))["response"]["statusCode"] == 200


def test_spill_without_exact_routes_loads() -> None:
    """Forced spill with nothing to spill emitted `await` in a non-async handler."""
    y = HEAD + """
    options: {spill: always}
    headers:
      - path: /*
        set: {x-a: "1"}
"""
    assert out(y, ev("/p"))["request"]["headers"]["x-a"] == {"value": "1"}


def test_content_type_without_body() -> None:
    y = HEAD + """
    routes:
      - path: /p
        respond: {status: 204, content_type: application/json}
"""
    assert out(y, ev("/p"))["response"]["headers"] == {"content-type": {"value": "application/json"}}


def test_header_rules_see_headers_as_received() -> None:
    """A rule's condition read a header an earlier rule had set."""
    y = HEAD + """
    headers:
      - path: /*
        set: {x-a: "1"}
      - headers: {x-a: "*"}
        set: {x-b: "2"}
"""
    assert "x-b" not in out(y, ev("/p"))["request"]["headers"]


def test_country_rule_sees_country_as_received() -> None:
    """`country` on a rule read the header a route had just set (no snapshot for country)."""
    y = HEAD + """
    routes:
      - path: /p
        rewrite: /q
        set_headers: {cloudfront-viewer-country: DE}
    headers:
      - country: [DE]
        set: {x-b: "2"}
"""
    assert "x-b" not in out(y, ev("/p"))["request"]["headers"]


def test_snapshot_keeps_proto_query_key() -> None:
    """The snapshot copy turned a `__proto__` query key into a prototype."""
    y = HEAD + """
    routes:
      - path: /p
        rewrite: /q
    headers:
      - query: {__proto__: "*"}
        set: {x-b: "2"}
"""
    assert out(y, ev("/p", query={"__proto__": "1"}))["request"]["headers"]["x-b"] == {"value": "2"}


def test_json_array_has_no_length_field() -> None:
    y = HEAD + """
    routes:
      - path: /p
        lookup: {key: k, as: v, format: json}
        rewrite: /{v.length}
"""
    assert out(y, ev("/p"), {"k": "[1]"})["request"]["uri"] == "/p"


def test_missing_field_changes_nothing() -> None:
    """A missing field in set_headers left the rewrite applied before falling through."""
    y = HEAD + """
    routes:
      - path: /p
        lookup: {key: k, as: v, format: json}
        rewrite: /{v.a}
        set_headers: {x-a: "{v.b}"}
"""
    assert out(y, ev("/p"), {"k": '{"a":"x"}'})["request"]["uri"] == "/p"


def test_missing_field_calls_no_origin() -> None:
    y = HEAD + """
    routes:
      - path: /p
        lookup: {key: k, as: v, format: json}
        origin: {domain: a.test}
        rewrite: /{v.b}
"""
    agree(y, ev("/p"), {"k": '{"a":"x"}'})
    assert evaluate(case_of(y).fn, ev("/p"), {"k": '{"a":"x"}'})[1] is None


def test_header_named_proto() -> None:
    y = HEAD + """
    routes:
      - path: /p
        rewrite: /q
        set_headers: {__proto__: x}
      - path: /r
        respond: {status: 200, headers: {__proto__: y}}
"""
    assert out(y, ev("/p"))["request"]["headers"]["__proto__"] == {"value": "x"}
    assert out(y, ev("/r"))["response"]["headers"] == {"__proto__": {"value": "y"}}


def test_empty_port_is_ignored() -> None:
    y = HEAD + """
    routes:
      - host: a.test
        path: /p
        respond: {status: 200}
"""
    assert "response" in out(y, ev("/p", host="A.test:"))


def test_regex_searches_whole_uri() -> None:
    y = HEAD + """
    routes:
      - regex: "^/$"
        respond: {status: 200}
"""
    assert "request" in out(y, ev("/?"))


def test_host_named_proto_in_exact_tables() -> None:
    """Exact tables keyed by host + directory had a `__proto__` key in an object literal (a prototype)."""
    y = HEAD + """
    routes:
      - {host: __proto__, path: /, respond: {status: 204}}
      - {host: __proto__, path: /a, respond: {status: 205}}
      - {path: /, respond: {status: 200}}
"""
    assert out(y, ev("/", host="__proto__"))["response"]["statusCode"] == 204
    assert out(y, ev("/a", host="__PROTO__:8080"))["response"]["statusCode"] == 205
    assert out(y, ev("/", host="x"))["response"]["statusCode"] == 200
