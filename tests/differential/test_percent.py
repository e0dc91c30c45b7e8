"""Percent-encoding done once (docs/semantics.md §1.1): literal paths and the request's path are
compared in one normal form (non-ASCII as UTF-8 %XX, escapes' hex upper case); Location and
rewritten URIs carry non-ASCII literal text percent-encoded. QuickJS (inline and spilled), njs
and the reference model must agree, and the expected outcomes are pinned."""
from __future__ import annotations

from typing import Any

import pytest
from cfroutes.compiler.emit import function_source
from cfroutes.compiler.plan import plan
from cfroutes.platform.uri import never_sent, normal_path, uri_text
from cfroutes.reference import evaluate

from .cases import agree, case_of
from .cases import request_event as ev
from .test_njs import _check

CONFIG = """
version: 1
functions:
  f:
    event: viewer-request
    runtime: cloudfront-js-2.0
    kvs: {name: s}
    routes:
      - path: /café
        redirect: /über/ünïcode
      - path: /caf%c3%a9/:x
        rewrite: /x/{x}/ß
      - path: /%E6%97%A5%E6%9C%AC/*
        respond: {status: 200}
      - path: /a%2fb
        respond: {status: 201}
      - path: /ünï/:x
        redirect: {to: "https://ex.test/ø/{x}", status: 302}
    headers:
      - path: /café
        set: {x-h: "1"}
"""

ICASE = """
version: 1
functions:
  f:
    event: viewer-request
    options: {case: insensitive, trailing_slash: strict}
    routes:
      - path: /Ça/
        respond: {status: 200}
      - path: /Ça/:x
        respond: {status: 201}
"""

URIS = ["/café", "/caf%C3%A9", "/caf%c3%a9", "/caf%C3%a9/", "/cafe", "/caf%C3%A9/q", "/café/q", "/caf%c3%a9/%c3%bc",
        "/日本/x", "/%e6%97%a5%e6%9c%ac/x/y", "/%E6%97%A5%E6%9C%AC", "/a%2Fb", "/a%2fb", "/a/b", "/A%2Fb",
        "/%C3%BCn%C3%AF/q", "/ünï/%41", "/caf%C3%A9x", "/%", "/%zz", "/caf\ud800", "/日本/\U0001F600"]


@pytest.mark.parametrize("uri", URIS)
def test_quickjs_and_reference_agree(uri: str) -> None:
    agree(CONFIG, ev(uri))


@pytest.mark.parametrize("uri", ["/Ça/", "/ça/", "/%C3%87a/", "/%c3%87A/", "/%c3%a7A/", "/%C3%A7a/x", "/ça", "/ÇA/ä"])
def test_case_insensitive_strict(uri: str) -> None:
    agree(ICASE, ev(uri))


def out(text: str, uri: str) -> dict[str, Any]:
    return evaluate(case_of(text).fn, ev(uri), {})[0]


def test_expected_outcomes() -> None:
    for u in ("/café", "/caf%C3%A9", "/caf%c3%a9"):
        r = out(CONFIG, u)["response"]
        assert r["headers"]["location"]["value"] == "/%C3%BCber/%C3%BCn%C3%AFcode"
    assert out(CONFIG, "/caf%c3%a9/q")["request"]["uri"] == "/x/q/%C3%9F"
    assert out(CONFIG, "/%e6%97%a5%e6%9c%ac/x")["response"]["statusCode"] == 200
    assert out(CONFIG, "/a%2Fb")["response"]["statusCode"] == 201
    assert "request" in out(CONFIG, "/a/b")  # %2F is part of a segment, never a separator
    loc = out(CONFIG, "/%C3%BCn%C3%AF/q")["response"]["headers"]["location"]["value"]
    assert loc == "https://ex.test/%C3%B8/q"
    assert out(ICASE, "/%c3%87A/")["response"]["statusCode"] == 200  # Ç, any hex case, A/a
    assert "request" in out(ICASE, "/%c3%87A")  # strict: the trailing slash is required
    assert "request" in out(ICASE, "/%C3%A7a/")  # ç: non-ASCII letters compare by their bytes


def test_njs_agrees() -> None:
    case = case_of(CONFIG)
    _check(case.fn, CONFIG, [(ev(u), {}) for u in URIS if "\ud800" not in u])


def test_configs_without_percent_literals_keep_their_bytes() -> None:
    plain = CONFIG.replace("café", "cafe").replace("caf%c3%a9", "cafx").replace("%E6%97%A5%E6%9C%AC", "jp")
    plain = plain.replace("a%2fb", "ab").replace("ünï", "uni")
    src = function_source(plan(case_of(plain).fn))
    assert "NU(" not in src
    assert "NU(" in function_source(plan(case_of(CONFIG).fn))


def test_one_normal_form() -> None:
    assert normal_path("/café") == normal_path("/caf%c3%a9") == "/caf%C3%A9"
    assert normal_path("/a%2fb") == "/a%2Fb"
    assert normal_path("/plain") == "/plain"
    assert uri_text("/ø?q=%41") == "/%C3%B8?q=%41"
    assert never_sent("/100%") is not None and never_sent("/100%25") is None
    assert never_sent("/a/../b") is not None and never_sent("/a/b") is None


DATA = """
version: 1
functions:
  f:
    event: viewer-request
    runtime: cloudfront-js-2.0
    kvs: {name: s}
    routes:
      - path: /w/:x
        lookup: {key: "{x}", as: t}
        rewrite: "/r{t}?v={t}"
      - path: /g/:x
        lookup: {key: "{x}", as: t}
        redirect: {to: "https://ex.test/ø{t}", status: 302}
      - path: /h/:x
        lookup: {key: "{x}", as: t}
        respond: {status: 200}
        set_headers: {x-t: "{t}"}
"""
DATA_KVS = {"a": "/straße", "b": "/%C3%A9/é", "c": "/plain", "d": "/日本\U0001F600"}


@pytest.mark.parametrize("uri", ["/w/a", "/w/b", "/w/c", "/w/d", "/g/a", "/g/b", "/g/c", "/g/d", "/h/a", "/h/d"])
def test_data_values_in_uris_agree(uri: str) -> None:
    agree(DATA, ev(uri), DATA_KVS)


def test_data_values_are_percent_encoded_in_uris_only() -> None:
    # a KVS value's non-ASCII characters are UTF-8 %XX in a rewritten URI and a Location (valid
    # URI text, §5); its escapes stay as written; a header value keeps the text as it is
    def run(uri: str) -> dict[str, Any]:
        return evaluate(case_of(DATA).fn, ev(uri), DATA_KVS)[0]
    r = run("/w/a")["request"]
    assert r["uri"] == "/r/stra%C3%9Fe" and r["querystring"]["v"]["value"] == "/stra%C3%9Fe"
    assert run("/w/b")["request"]["uri"] == "/r/%C3%A9/%C3%A9"
    assert run("/w/d")["request"]["uri"] == "/r/%E6%97%A5%E6%9C%AC%F0%9F%98%80"
    assert run("/g/a")["response"]["headers"]["location"]["value"] == "https://ex.test/%C3%B8/stra%C3%9Fe"
    assert run("/h/a")["response"]["headers"]["x-t"]["value"] == "/straße"
    assert "UE(" in function_source(plan(case_of(DATA).fn))
    assert "UE(" not in function_source(plan(case_of(CONFIG.replace("{x}", "x")).fn))


def test_njs_agrees_on_data_values() -> None:
    case = case_of(DATA)
    _check(case.fn, DATA, [(ev(u), DATA_KVS) for u in ("/w/a", "/w/b", "/w/d", "/g/a", "/g/d", "/h/a")])
