"""The emitted code runs in njs (the engine family CloudFront's runtime descends from) and
answers exactly as in the QuickJS emulator, for every shape of the request path: exact
string and record actions, the last-segment marker, host-specific exact routes, strict and
case-insensitive keys, index files, header rules, host and pattern routes, viewer-response.

QuickJS accepting code proves nothing about the edge; this runs each build in ONE njs
process over a fixed request list (functions without a KeyValueStore: njs has no
`cloudfront` module)."""
from __future__ import annotations

import json
import subprocess
from itertools import product
from typing import Any

import pytest
from cfroutes.compiler import compile_config
from cfroutes.emulator import invoke, prepare
from cfroutes.emulator import njs as njs_engine
from cfroutes.emulator.validate import normalise

NJS = njs_engine.binary() or "njs"
pytestmark = pytest.mark.njs

ROUTES = """
      - path: /blog/2019/alpha-bravo-charlie
        redirect: /articles/alpha-bravo-charlie
      - path: /pricing.html
        redirect: /pricing?from=html
      - path: /Moved
        redirect: {to: /new-home, status: 302, query: drop}
      - path: /healthz
        respond: {status: 200, body: ok}
      - host: shop.example.com
        path: /sale
        redirect: https://shop.example.com/offers
      - path: /a/
        redirect: //evil.test/x
      - path: /users/:name
        redirect: /u/{name}
      - path: /files/*
        redirect: "/{splat}"
      - host: ":tenant.example.com"
        path: /t/:page
        rewrite: /tenants/{tenant}/{page}
      - path: /q/:x
        redirect: "/echo/{x}?{query}"
      - path: /blog/2019/alpha-bravo-charlie/more
        redirect: /m
"""
HEADERS = """
      - path: /api/*
        set: {x-tenant: "{host}"}
"""
CONFIGS = {  # name: (event, options, routes, header rules)
    "plain": ("viewer-request", "", ROUTES, HEADERS),
    "strict-icase-index": ("viewer-request", "case: insensitive, trailing_slash: strict, index: index.html",
                           ROUTES, HEADERS),
    "exact-only": ("viewer-request", "", """
      - path: /old/some-long-slug
        redirect: /new/some-long-slug
      - path: /old/other
        redirect: https://example.org/other
      - path: /
        redirect: /home
""", ""),
    "viewer-response": ("viewer-response", "", """
      - path: /gone
        respond: {status: 410, body: gone}
      - path: /x/:id
        respond: {status: 404}
""", """
      - path: /*
        status: [200, 410]
        set: {x-seen: "{path}"}
"""),
}
URIS = ["/", "//", "///", "/blog/2019/alpha-bravo-charlie", "/blog/2019/alpha-bravo-charlie/",
        "/BLOG/2019/Alpha-Bravo-Charlie", "/blog/2019/alpha-bravo-charlie/more", "/pricing.html", "/moved",
        "/Moved", "/healthz", "/sale", "/a", "/a/", "/users/ada", "/users/", "/files//evil.test/x", "/files/a/b/",
        "/t/home", "/q/1", "/api/v1", "/old/some-long-slug", "/old/other/", "/gone", "/x/7", "/nothing/here",
        "/img/logo.png", "/docs/"]
HOSTS = [None, "shop.example.com", "SHOP.example.com:8443", "acme.example.com", "acme.example.com:", "[::1]:80"]
QUERIES = [{}, {"a": {"value": "1"}, "b": {"value": ""}},
           {"m": {"value": "1", "multiValue": [{"value": "1"}, {"value": "2"}]}}]


def _events(event_type: str) -> list[dict[str, Any]]:
    out = []
    for uri, host, query in product(URIS, HOSTS, QUERIES):
        headers = {"accept": {"value": "text/html"}}
        if host is not None:
            headers["host"] = {"value": host}
        ev: dict[str, Any] = {"version": "1.0", "context": {"eventType": event_type}, "viewer": {"ip": "203.0.113.9"},
                              "request": {"method": "GET", "uri": uri, "querystring": query, "headers": headers,
                                          "cookies": {}}}
        if event_type == "viewer-response":
            ev["response"] = {"statusCode": 200, "statusDescription": "OK", "headers": {}, "cookies": {}}
        out.append(ev)
    return out


def _build(tmp_path: Any, event: str, options: str, routes: str, headers: str) -> str:
    text = f"version: 1\nfunctions:\n  f:\n    event: {event}\n"
    if options:
        text += f"    options: {{{options}}}\n"
    text += "    routes:" + routes.rstrip() + "\n"
    if headers:
        text += "    headers:" + headers.rstrip() + "\n"
    path = tmp_path / "routes.yaml"
    path.write_text(text)
    c = compile_config(str(path))
    assert not c.errors, [str(e) for e in c.errors]
    return c.functions[0].source


def _njs(source: str, events: list[dict[str, Any]]) -> list[Any]:
    script = ("var handler = (function () {\n" + source + "\nreturn handler;\n})();\n"
              "var EV = " + json.dumps(events) + ";\n"
              "for (var i = 0; i < EV.length; i++) console.log(JSON.stringify(handler(EV[i])));\n")
    run = subprocess.run([NJS, "-"], input=script, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr or run.stdout
    return [json.loads(line) for line in run.stdout.splitlines()]  # one line each (njs cuts long lines)


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_njs_answers_like_the_emulator(tmp_path: Any, name: str) -> None:
    event, options, routes, headers = CONFIGS[name]
    source = _build(tmp_path, event, options, routes, headers)
    events = _events(event)
    got = _njs(source, events)
    prepared = prepare(source, "cloudfront-js-2.0")
    assert len(got) == len(events)
    kinds = set()
    for ev, out in zip(events, got, strict=True):
        inv = invoke(prepared, ev)
        assert inv.error == "" and not inv.validation_errors, (ev["request"], inv.error, inv.validation_errors)
        expected = inv.output.get("response") or inv.output.get("request")
        # raw njs prints what the handler returned; FunctionOutput is that, normalised (docs/fidelity.md #36-37)
        assert normalise(out) == expected, (ev["request"]["uri"], ev["request"]["headers"].get("host"))
        kinds.add(out.get("statusCode", "request"))
    assert len(kinds) > 1  # the list reaches more than one outcome
