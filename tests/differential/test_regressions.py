"""Every divergence the differential run found, as its minimal config + request.

Each test runs the case inline and spilled through the emulator and the reference
(`agree`), and also pins the expected behaviour, so a reference bug cannot hide one.
"""
from __future__ import annotations

from typing import Any

from cfroutes.reference import evaluate

from .cases import agree, case_of
from .cases import request_event as ev

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


# ------------------------------------------------------------------ hostile data
def loc(o: dict[str, Any]) -> str:
    return o["response"]["headers"]["location"]["value"]


def test_tab_in_lookup_value_is_no_open_redirect() -> None:
    """`"\\t/evil.test"` in `redirect: "/{t}"` gave `Location: /\\t/evil.test`, which browsers read as //evil.test."""
    y = HEAD + """
    routes:
      - path: /t
        lookup: {key: t, as: t}
        redirect: "/{t}"
      - path: /m
        lookup: {key: t, as: t, missing: {status: 404}}
        redirect: "/{t}"
"""
    assert "request" in out(y, ev("/t"), {"t": "\t/evil.test"})
    assert out(y, ev("/m"), {"t": "\n/evil.test"})["response"]["statusCode"] == 404
    assert loc(out(y, ev("/t"), {"t": "//evil.test"})) == "/evil.test"


def test_data_in_redirect_host_is_encoded() -> None:
    """`https://{t}.example.com/` with t = `evil.test/` went to evil.test."""
    y = HEAD + """
    routes:
      - path: /t
        lookup: {key: t, as: t}
        redirect: "https://{t}.example.com/"
      - path: /j
        lookup: {key: j, as: j, format: json}
        redirect: "https://{j.a}{j.b}.example.com/{j.a}"
"""
    assert loc(out(y, ev("/t"), {"t": "evil.test/"})) == "https://evil.test%2F.example.com/"
    assert loc(out(y, ev("/t"), {"t": "a@evil.test#"})) == "https://a%40evil.test%23.example.com/"
    assert loc(out(y, ev("/j"), {"j": '{"a":"x?","b":1}'})) == "https://x%3F1.example.com/x?"


def test_host_label_with_escape_or_slash_does_not_bind() -> None:
    y = HEAD + """
    routes:
      - host: ":t.example.com"
        path: /
        redirect: "https://{t}.shop.test/"
"""
    assert "request" in out(y, ev("/", host="evil%2etest.example.com"))
    assert "request" in out(y, ev("/", host="evil/x.example.com"))
    assert "request" in out(y, ev("/", host="a\tb.example.com"))
    assert loc(out(y, ev("/", host="Shop-1.example.com"))) == "https://shop-1.shop.test/"


def test_crlf_nul_space_never_reach_uri_origin_or_headers() -> None:
    """Values CloudFront answers 502 for: a lookup value with CR/LF/NUL, or a space in a URI."""
    y = HEAD + """
    routes:
      - path: /o
        lookup: {key: t, as: t}
        origin: {domain: "{t}.b.test"}
        rewrite: "/x/{t}"
        set_headers: {x-t: "{t}"}
      - path: /h
        lookup: {key: t, as: t}
        rewrite: /h2
        set_headers: {x-t: "{t}"}
"""
    for bad in ("a\r\nb", "a\x00", "a b", "a#b"):
        agree(y, ev("/o"), {"t": bad})
        assert evaluate(case_of(y).fn, ev("/o"), {"t": bad})[1] is None, repr(bad)
    assert out(y, ev("/h"), {"t": "a b"})["request"]["headers"]["x-t"] == {"value": "a b"}
    assert "x-t" not in out(y, ev("/h"), {"t": "a\nb"})["request"]["headers"]


# ------------------------------------------------------------------ ports of real configs
def test_request_query_goes_before_the_fragment() -> None:
    """`https://x.test/p#f` with `?q=1` gave `https://x.test/p#f?q=1` (18 of react.dev's 52 rules)."""
    y = HEAD + """
    routes:
      - path: /p
        redirect: https://x.test/p#f
      - path: /k/:x
        lookup: {key: t, as: t}
        redirect: "/k/{t}?a=1"
"""
    assert loc(out(y, ev("/p", query={"q": "1"}))) == "https://x.test/p?q=1#f"
    assert loc(out(y, ev("/k/a", query={"utm": "x"}), {"t": "doc#sec"})) == "/k/doc?utm=x#sec?a=1"


def test_condition_named_groups_bind() -> None:
    """Netlify's `/store id=:id /blog/:id`: a named group in a condition regex binds."""
    y = HEAD + """
    routes:
      - path: /store
        query: {id: {regex: "^(?<id>[0-9]+)$"}}
        redirect: {to: "/blog/{id}", query: drop}
      - path: /h
        headers: {x-a: {regex: "^(?<a>.*)$"}}
        redirect: "/{a}"
"""
    assert loc(out(y, ev("/store", query={"id": "42"}))) == "/blog/42"
    assert "request" in out(y, ev("/store", query={"id": "x"}))
    assert loc(out(y, ev("/h", headers={"x-a": "ok"}))) == "/ok"
    assert "request" in out(y, ev("/h", headers={"x-a": "\t/evil.test"}))  # a TAB: no binding, no match


def test_control_from_the_request_line_is_encoded_in_a_location() -> None:
    """`/s/<TAB>/evil.test` on `redirect: "/{splat}"` gave `Location: /\\t/evil.test`,
    which browsers read as //evil.test (semantics §4.1: percent-encoded, then the collapse)."""
    y = HEAD + """
    routes:
      - path: /s/*
        redirect: "/{splat}"
      - path: /p/:a/*
        redirect: "/{a}{splat}"
      - path: /h/*
        redirect: "https://x.test/{splat}"
      - regex: "^/r/(?<g>.*)$"
        redirect: "/{g}"
      - path: /lit/*
        redirect: /fixed
"""
    assert loc(out(y, ev("/s/\t/evil.test"))) == "/%09/evil.test"
    assert loc(out(y, ev("/s/\n/evil.test"))) == "/%0A/evil.test"
    assert loc(out(y, ev("/s/\r\x00\x7f/x"))) == "/%0D%00%7F/x"
    assert loc(out(y, ev("/s/ //evil.test"))) == "/%20//evil.test"
    assert loc(out(y, ev("/s/\t\\evil.test"))) == "/%09\\evil.test"
    assert loc(out(y, ev("/p/\t/x/evil.test"))) == "/%09x/evil.test"
    assert loc(out(y, ev("/h/\t/a"))) == "https://x.test/%09/a"
    assert loc(out(y, ev("/r/\t/evil.test"))) == "/%09/evil.test"
    # what a value brings to the front still collapses into one '/'; escapes stay as written
    assert loc(out(y, ev("/s/\\evil.test"))) == "/evil.test"
    assert loc(out(y, ev("/s//evil.test"))) == "/evil.test"
    assert loc(out(y, ev("/s/\\/\\evil.test"))) == "/evil.test"
    assert loc(out(y, ev("/s/a%09b"))) == "/a%09b"
    assert loc(out(y, ev("/lit/\t"))) == "/fixed"
