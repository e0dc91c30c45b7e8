"""`kvs put` refuses exactly the values the routes reading the key would treat as missing (semantics §4.1).

The oracle is generator/reference.py: each value is put into a one-key store and the route
is evaluated; `validate_put` must refuse the value iff the route then does not bind it.
"""
from __future__ import annotations

import pytest
from cfroutes import reference
from cfroutes.config.load import load_config
from cfroutes.deploy.kvs import validate_put

CONFIG = """\
version: 1
functions:
  r:
    event: viewer-request
    runtime: cloudfront-js-2.0
    kvs: { name: s }
    routes:
      - name: in-header
        path: /h
        lookup: { key: "h:{host}", as: v }
        set_headers: { x-v: "{v}" }
        rewrite: /h.html
      - name: in-redirect
        path: /r
        lookup: { key: "r:{host}", as: v }
        redirect: "/go{v}"
      - name: in-rewrite
        path: /w
        lookup: { key: "w:{host}", as: v }
        rewrite: "/w{v}"
      - name: json-fields
        path: /j
        lookup: { key: "j:{host}", as: b, format: json }
        set_headers: { x-theme: "{b.theme}" }
        rewrite: "/t/{b.folder}"
"""

VALUES = ["/plain", "/a b", "/a#b", "/a\tb", "/a\x7fb", "/a\x00b", "a\nb", "/ok?x=1"]


@pytest.fixture
def fns(tmp_path, monkeypatch):
    (tmp_path / "routes.yaml").write_text(CONFIG)
    monkeypatch.chdir(tmp_path)
    return list(load_config("routes.yaml").functions)


def _binds(fn, key: str, value: str, uri: str) -> bool:
    event = {"version": "1.0", "context": {"eventType": "viewer-request"}, "viewer": {"ip": "192.0.2.1"},
             "request": {"method": "GET", "uri": uri, "querystring": {}, "cookies": {},
                         "headers": {"host": {"value": "t.example"}}}}
    trace = reference.Trace()
    reference.evaluate(fn, event, {key: value}, trace)
    want = next(r.index for r in fn.routes if r.match.path is not None and r.match.path.source == uri)
    return trace.route == want and not trace.missing


@pytest.mark.parametrize("prefix,uri", [("h", "/h"), ("r", "/r"), ("w", "/w")])
@pytest.mark.parametrize("value", VALUES)
def test_string_value_refused_iff_the_reference_model_treats_it_as_missing(fns, prefix, uri, value):
    key = f"{prefix}:t.example"
    errors, _ = validate_put(key, value, fns)
    assert bool(errors) == (not _binds(fns[0], key, value, uri)), (value, errors)


@pytest.mark.parametrize("theme,folder", [("dark", "v1"), ("a b", "v1"), ("a#b", "v1"), ("x\ty", "v1"),
                                         ("dark", "a b"), ("dark", "a#b"), ("dark", "a\u0001")])
def test_json_fields_are_tested_at_the_site_each_is_rendered_into(fns, theme, folder):
    import json

    key, value = "j:t.example", json.dumps({"theme": theme, "folder": folder})
    errors, _ = validate_put(key, value, fns)
    assert bool(errors) == (not _binds(fns[0], key, value, "/j")), (value, errors)


def test_the_messages_name_the_character_and_the_route(fns):
    errors, _ = validate_put("w:t.example", "/x y", fns)
    assert len(errors) == 1 and "a space" in errors[0] and "in-rewrite" in errors[0] and "missing" in errors[0]
    errors, _ = validate_put("h:t.example", "/x y", fns)  # a header value may hold a space
    assert errors == []
    errors, _ = validate_put("j:t.example", '{"theme": "a b", "folder": "x#y"}', fns)
    assert len(errors) == 1 and "'folder'" in errors[0] and "'#'" in errors[0]
