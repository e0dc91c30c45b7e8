"""Every routes.yaml feature (docs/semantics.md), shown by running the emitted function in the emulator."""
from __future__ import annotations

from typing import Any

import pytest


def loc(r: dict) -> str:
    return r["headers"]["location"]["value"]


def qs(r: dict) -> dict:
    return {k: v["value"] for k, v in r["querystring"].items()}


# ------------------------------------------------------------------ paths
def test_params_and_splat(build) -> None:
    f = build("""
        routes:
          - path: /docs/:section/:page
            rewrite: /public/docs/{section}/{page}.html
          - path: /old/*
            redirect: /new/{splat}
    """)
    assert f("/docs/api/auth")["uri"] == "/public/docs/api/auth.html"
    assert f("/docs/api")["uri"] == "/docs/api"  # too short: untouched
    assert loc(f("/old")) == "/new/"
    assert loc(f("/old/")) == "/new/"
    assert loc(f("/old/a/b/c")) == "/new/a/b/c"
    assert loc(f("/old/a/b/")) == "/new/a/b/"  # the splat keeps the slash it saw
    assert f("/older/x")["uri"] == "/older/x"


def test_trailing_slash_ignore_and_strict(build) -> None:
    f = build("""
        routes:
          - path: /a/
            redirect: /x
          - path: /b
            redirect: /y
    """)
    assert loc(f("/a")) == "/x" and loc(f("/a/")) == "/x"
    assert loc(f("/b/")) == "/y"
    s = build("""
        routes:
          - path: /a/
            redirect: /x
          - path: /b
            redirect: /y
          - path: /c/*
            redirect: /z/{splat}
    """, trailing_slash="strict")
    assert loc(s("/a/")) == "/x" and s("/a")["uri"] == "/a"
    assert loc(s("/b")) == "/y" and s("/b/")["uri"] == "/b/"
    assert loc(s("/c")) == "/z/"  # /c/* still matches /c under strict


def test_case_insensitive_keeps_captured_case(build) -> None:
    f = build("""
        routes:
          - path: /Blog/:slug
            redirect: /posts/{slug}
          - path: /About
            redirect: /about-us
    """, case="insensitive")
    assert loc(f("/BLOG/Hello-World")) == "/posts/Hello-World"
    assert loc(f("/about")) == "/about-us"
    s = build("""
        routes:
          - path: /About
            redirect: /about-us
    """)
    assert s("/about")["uri"] == "/about"


def test_regex_named_groups(build) -> None:
    f = build("""
        routes:
          - regex: '^/p/(?<id>[0-9]+)(?:-(?<slug>[a-z-]+))?$'
            redirect: /products/{id}/{slug}
    """, case="insensitive")
    assert loc(f("/p/42-red-shoe")) == "/products/42/red-shoe"
    assert loc(f("/p/42")) == "/products/42/"
    assert f("/p/x")["uri"] == "/p/x"


def test_regex_runtime_1(build) -> None:
    f = build("""
        routes:
          - regex: '^/u/(?<name>[^/]+)$'
            rewrite: /users/{name}.html
    """, runtime="cloudfront-js-1.0")
    assert f("/u/ann")["uri"] == "/users/ann.html"


# ------------------------------------------------------------------ hosts
def test_host_patterns(build) -> None:
    f = build("""
        routes:
          - host: ":tenant.shop.test"
            path: /
            rewrite: /t/{tenant}/
          - host: "*.cdn.test"
            path: /*
            respond: {status: 204}
          - host: www.shop.test
            path: /*
            redirect: https://shop.test/{splat}
    """)
    assert f("https://Acme.SHOP.test:8443/")["uri"] == "/t/acme/"  # lower-case binding, port ignored
    assert f("https://a.b.cdn.test/x")["statusCode"] == 204
    assert f("https://cdn.test/x")["uri"] == "/x"  # *. needs at least one label
    assert loc(f("https://www.shop.test/a?b=1")) == "https://shop.test/a?b=1"
    assert f("https://x.y.shop.test/")["uri"] == "/"  # :tenant binds exactly one label


# ------------------------------------------------------------------ conditions
def test_methods_query_headers_cookies_country(build) -> None:
    f = build("""
        routes:
          - path: /api/*
            methods: [POST, PUT]
            respond: {status: 405}
          - path: /q
            query: {v: "2", debug: "*", old: null}
            respond: {status: 201}
          - path: /h
            headers: {X-Beta: {regex: "^(yes|1)$"}}
            respond: {status: 202}
          - path: /c
            cookies: {session: "*"}
            respond: {status: 203}
          - path: /geo
            country: [DE, AT]
            redirect: {to: /de/, status: 302}
    """)
    assert f("POST https://e.test/api/x")["statusCode"] == 405
    assert f("GET https://e.test/api/x")["uri"] == "/api/x"
    assert f("/q?v=2&debug")["statusCode"] == 201
    assert f("/q?v=2&debug&old=1")["uri"] == "/q"
    assert f("/q?v=3&debug")["uri"] == "/q"
    assert f("/h", headers={"x-beta": "yes"})["statusCode"] == 202
    assert f("/h", headers={"x-beta": "no"})["uri"] == "/h"
    assert f("/c", cookies={"session": "abc"})["statusCode"] == 203
    assert f("/c")["uri"] == "/c"
    r = f("/geo", headers={"cloudfront-viewer-country": "AT"})
    assert r["statusCode"] == 302 and loc(r) == "/de/"
    assert f("/geo", headers={"cloudfront-viewer-country": "FR"})["uri"] == "/geo"


def test_country_warns(build) -> None:
    f = build("""
        routes:
          - path: /geo
            country: [DE]
            redirect: /de/
    """)
    assert any("cloudfront-viewer-country" in w.message for w in f.compiled.warnings)


# ------------------------------------------------------------------ redirects
def test_redirect_query_modes(build) -> None:
    f = build("""
        routes:
          - path: /keep
            redirect: /k
          - path: /drop
            redirect: {to: /d, query: drop, status: 307}
          - path: /own
            redirect: /o?src=old
          - path: /own-drop
            redirect: {to: "/o?src=old", query: drop}
    """)
    assert loc(f("/keep?utm=1&x")) == "/k?utm=1&x"
    assert loc(f("/keep")) == "/k"
    r = f("/drop?utm=1")
    assert r["statusCode"] == 307 and loc(r) == "/d"
    assert loc(f("/own?utm=1")) == "/o?src=old&utm=1"
    assert loc(f("/own-drop?utm=1")) == "/o?src=old"


def test_redirect_never_protocol_relative(build) -> None:
    f = build("""
        routes:
          - path: /go/*
            redirect: /{splat}
          - path: /h/*
            redirect: https://{host}/x/{splat}
    """)
    assert loc(f("/go//evil.test/x")) == "/evil.test/x"
    assert loc(f("/go/%2F%2Fevil.test")) == "/%2F%2Fevil.test"
    assert loc(f("https://shop.test/h/y")) == "https://shop.test/x/y"


def test_redirect_sets_response_headers(build) -> None:
    f = build("""
        routes:
          - path: /a
            redirect: /b
            set_headers: {cache-control: "max-age=60", x-from: "{path}"}
    """)
    r = f("/a")
    assert r["headers"]["cache-control"]["value"] == "max-age=60"
    assert r["headers"]["x-from"]["value"] == "/a"


# ------------------------------------------------------------------ rewrites
def test_rewrite_query_modes(build) -> None:
    f = build("""
        routes:
          - path: /keep
            rewrite: /k
          - path: /add
            rewrite: /a?lang=de&x=2
          - path: /drop
            rewrite: {to: /d, query: drop}
          - path: /drop-own
            rewrite: {to: "/d?only=1", query: drop}
    """)
    assert qs(f("/keep?utm=1")) == {"utm": "1"}
    r = f("/add?x=1&utm=1")
    assert r["uri"] == "/a"
    assert r["querystring"]["lang"] == {"value": "de"}
    assert r["querystring"]["x"]["multiValue"] == [{"value": "1"}, {"value": "2"}]
    assert f("/drop?utm=1")["querystring"] == {}
    assert qs(f("/drop-own?utm=1")) == {"only": "1"}


def test_rewrite_edits_request_headers(build) -> None:
    f = build("""
        routes:
          - path: /a/*
            rewrite: /b/{splat}
            set_headers: {x-route: a}
            remove_headers: [x-debug]
    """)
    r = f("/a/1", headers={"x-debug": "1"})
    assert r["headers"]["x-route"]["value"] == "a" and "x-debug" not in r["headers"]


# ------------------------------------------------------------------ respond
def test_respond(build) -> None:
    f = build("""
        routes:
          - path: /health
            respond: {status: 200, body: "ok"}
          - path: /json
            respond: {status: 200, body: '{"a":1}', content_type: application/json, headers: {x-a: b}}
          - path: /gone
            respond: {status: 410}
    """)
    r = f("/health")
    assert (r["statusCode"], r["body"], r["headers"]["content-type"]["value"]) == (200, "ok", "text/plain; charset=utf-8")
    r = f("/json")
    assert r["headers"]["content-type"]["value"] == "application/json" and r["headers"]["x-a"]["value"] == "b"
    r = f("/gone")
    assert r["statusCode"] == 410 and "body" not in r


# ------------------------------------------------------------------ origin
def test_origin_by_id_and_domain(build) -> None:
    f = build("""
        routes:
          - path: /eu/*
            origin: {domain: bucket-eu.s3.eu-central-1.amazonaws.com, path: /site}
            rewrite: /{splat}
          - path: /api/*
            origin: {id: api-origin}
    """)
    inv = f("/eu/a/b", raw=True)
    assert inv.output["request"]["uri"] == "/a/b"
    assert inv.origin["method"] == "updateRequestOrigin"
    assert inv.origin["params"]["domainName"] == "bucket-eu.s3.eu-central-1.amazonaws.com"
    assert inv.origin["params"]["originPath"] == "/site"
    inv = f("/api/x", raw=True)
    assert inv.origin["method"] == "selectRequestOriginById"


# ------------------------------------------------------------------ lookups
def test_lookup_string_json_missing(build) -> None:
    seed = {"acme": "/cache/acme.html", "cfg:acme": {"dir": "acme-v2", "deep": {"x": "y"}}, "cfg:bad": "{not json"}
    f = build("""
        routes:
          - host: ":tenant.shop.test"
            path: /configurator
            lookup: {key: "{tenant}", as: target}
            rewrite: "{target}"
          - host: ":tenant.shop.test"
            path: /brand/*
            lookup: {key: "cfg:{tenant}", format: json, as: c, missing: {status: 404, body: "no tenant"}}
            rewrite: /t/{c.dir}/{c.deep.x}/{splat}
          - path: /*
            rewrite: /public/{splat}
    """, seed=seed)
    assert f("https://acme.shop.test/configurator")["uri"] == "/cache/acme.html"
    assert f("https://acme.shop.test/configurator", kvs={"acme": "/today.html"})["uri"] == "/today.html"
    assert f("https://other.shop.test/configurator")["uri"] == "/public/configurator"  # missing: next
    assert f("https://acme.shop.test/brand/x.svg")["uri"] == "/t/acme-v2/y/x.svg"
    r = f("https://nobody.shop.test/brand/x.svg")
    assert (r["statusCode"], r["body"]) == (404, "no tenant")
    assert f("https://bad.shop.test/brand/x.svg")["statusCode"] == 404  # invalid JSON counts as missing


def test_lookup_reserved_prefix_counts_as_missing(build) -> None:
    from cfroutes.config.model import spill_prefix
    from cfroutes.emulator import invoke

    f = build("""
        routes:
          - regex: '^/k/(?<key>.*)$'
            lookup: {key: "{key}", as: v}
            rewrite: "/found/{v}"
          - path: /exact
            redirect: /elsewhere
    """, kvs=True, spill="always")
    store = f.cf.kvs_dict()
    key = spill_prefix(f.cf.plan.spill_version) + "/exact"
    assert key in store  # the spilled route's own entry (versioned: docs/deploy.md)
    store["plain"] = "x"
    event: dict[str, Any] = {"version": "1.0", "context": {"eventType": "viewer-request"}, "viewer": {"ip": "1.2.3.4"},
             "request": {"method": "GET", "uri": "/k/plain", "querystring": {}, "headers": {}, "cookies": {}}}
    assert invoke(f.prepared, event, store).output["request"]["uri"] == "/found/x"
    event["request"]["uri"] = "/k/" + key  # a raw event naming a reserved key
    assert invoke(f.prepared, event, store).output["request"]["uri"] == "/k/" + key


# ------------------------------------------------------------------ order, index, header rules
def test_first_match_wins_across_exact_and_patterns(build) -> None:
    body = """
        routes:
          - path: /a/*
            redirect: /first/{splat}
          - path: /a/b
            redirect: /never
          - path: /c
            redirect: /exact-c
          - path: /:x
            redirect: /pattern/{x}
          - path: /d
            redirect: /never-d
    """
    for opts in ({}, {"spill": "always"}):
        f = build(body, kvs=True, **opts)
        assert loc(f("/a/b")) == "/first/b"
        assert loc(f("/c")) == "/exact-c"
        assert loc(f("/d")) == "/pattern/d"
    assert any("can never match" in w.message for w in f.compiled.warnings)


def test_index_applies_to_untouched_and_rewritten(build) -> None:
    f = build("""
        routes:
          - path: /docs/*
            rewrite: /public/docs/{splat}
          - path: /r
            redirect: /s
    """, index="index.html")
    assert f("/about")["uri"] == "/about/index.html"
    assert f("/about/")["uri"] == "/about/index.html"
    assert f("/img/a.png")["uri"] == "/img/a.png"
    assert f("/docs/x")["uri"] == "/public/docs/x/index.html"
    assert loc(f("/r")) == "/s"


def test_header_rules_all_apply_on_request_as_received(build) -> None:
    f = build("""
        routes:
          - path: /api/*
            rewrite: /v2/{splat}
        headers:
          - path: /api/*
            set: {x-tenant: "{host}", x-a: "1"}
          - path: /api/orders
            set: {x-a: "2"}
            remove: [x-remove-me]
          - path: /v2/*
            set: {x-never: "1"}
    """)
    r = f("https://t.shop.test/api/orders", headers={"x-remove-me": "1"})
    h = {k: v["value"] for k, v in r["headers"].items()}
    assert r["uri"] == "/v2/orders"
    assert h["x-tenant"] == "t.shop.test" and h["x-a"] == "2"
    assert "x-remove-me" not in h and "x-never" not in h


def test_viewer_response_rules_and_respond(build) -> None:
    f = build("""
        routes:
          - path: /blocked
            respond: {status: 403, body: no}
        headers:
          - path: /*
            set: {strict-transport-security: "max-age=1"}
            remove: [x-powered-by]
          - path: /assets/*
            status: [200, 304]
            set: {cache-control: immutable}
    """, event="viewer-response")
    r = f("/assets/a.js", response={"status": 200, "headers": {"x-powered-by": "php"}})
    assert r["headers"]["cache-control"]["value"] == "immutable"
    assert r["headers"]["strict-transport-security"]["value"] == "max-age=1"
    assert "x-powered-by" not in r["headers"]
    assert "cache-control" not in f("/assets/a.js", response={"status": 404})["headers"]
    r = f("/blocked", response={"status": 200})
    assert r["statusCode"] == 403 and r["headers"]["strict-transport-security"]["value"] == "max-age=1"


@pytest.mark.parametrize("runtime", ["cloudfront-js-1.0", "cloudfront-js-2.0"])
def test_both_runtimes_build_and_run(build, runtime: str) -> None:
    f = build("""
        routes:
          - path: /old/*
            redirect: /new/{splat}
          - host: ":t.shop.test"
            path: /x
            rewrite: /y/{t}
        headers:
          - path: /*
            set: {x-a: "1"}
    """, runtime=runtime)
    assert loc(f("/old/1?q")) == "/new/1?q"
    assert f("https://a.shop.test/x")["uri"] == "/y/a"
    if runtime.endswith("1.0"):
        src = f.cf.source
        assert "import" not in src and "async" not in src and "const " not in src


def test_host_pattern_with_port_and_param_case(build) -> None:
    f = build("""
        routes:
          - host: ":Tenant.shop.test:8080"
            path: /
            rewrite: /t/{Tenant}/
    """)
    assert f("https://ACME.shop.test/")["uri"] == "/t/acme/"


def test_origin_by_id_with_host_header(build) -> None:
    f = build("""
        routes:
          - host: ":t.shop.test"
            path: /api/*
            origin: {id: api-origin, host_header: "{t}.api.internal"}
    """)
    inv = f("https://acme.shop.test/api/x", raw=True)
    assert inv.origin["method"] == "selectRequestOriginById"
    assert inv.origin["params"]["originId"] == "api-origin"
    assert inv.origin["params"]["options"] == {"hostHeader": "acme.api.internal"}


# ------------------------------------------------------------------ hostile data (semantics §4.1)
def test_lookup_values_with_controls_count_as_missing(build) -> None:
    """A TAB would make browsers read `/\\t/evil.test` as `//evil.test`; CR/LF/NUL make CloudFront answer 502."""
    f = build("""
        routes:
          - path: /go
            lookup: {key: t, as: t, missing: {status: 404, body: gone}}
            redirect: "/{t}"
          - path: /hdr
            lookup: {key: t, as: t}
            rewrite: /h
            set_headers: {x-t: "{t}"}
          - path: /uri
            lookup: {key: t, as: t}
            rewrite: "/u/{t}"
    """, kvs=True)
    for bad in ("\t/evil.test", "\n/evil.test", "x\r\nset-cookie: a", "a\x00", "a\x7f"):
        assert f("/go", kvs={"t": bad})["statusCode"] == 404, repr(bad)
        assert "x-t" not in f("/hdr", kvs={"t": bad})["headers"], repr(bad)
        assert f("/uri", kvs={"t": bad})["uri"] == "/uri", repr(bad)
    assert loc(f("/go", kvs={"t": "/ok"})) == "/ok"
    # a space is fine in a header value, not in a Location or a URI; a '#' not in a URI
    assert f("/hdr", kvs={"t": "a b"})["headers"]["x-t"] == {"value": "a b"}
    assert f("/go", kvs={"t": "a b"})["statusCode"] == 404
    assert f("/uri", kvs={"t": "a b"})["uri"] == "/uri"
    assert f("/uri", kvs={"t": "a#b"})["uri"] == "/uri"
    assert loc(f("/go", kvs={"t": "a#b"})) == "/a#b"


def test_json_fields_are_checked_where_they_are_rendered(build) -> None:
    f = build("""
        routes:
          - path: /j
            lookup: {key: j, as: j, format: json, missing: {status: 404}}
            redirect: "/{j.to}"
            set_headers: {x-note: "{j.note}"}
    """, kvs=True)
    assert loc(f("/j", kvs={"j": '{"to":"ok","note":"a b"}'})) == "/ok"
    assert f("/j", kvs={"j": '{"to":"ok","note":"a b"}'})["headers"]["x-note"] == {"value": "a b"}
    assert f("/j", kvs={"j": '{"to":"\\t/evil.test","note":"x"}'})["statusCode"] == 404
    assert f("/j", kvs={"j": '{"to":"a b","note":"x"}'})["statusCode"] == 404
    assert f("/j", kvs={"j": '{"to":"ok","note":"x\\ny"}'})["statusCode"] == 404
    assert loc(f("/j", kvs={"j": '\t{"to":"ok","note":"x"}\n'})) == "/ok"  # JSON whitespace is no value


def test_redirect_host_placeholders_are_percent_encoded(build) -> None:
    f = build("""
        routes:
          - path: /t
            lookup: {key: t, as: t}
            redirect: "https://{t}.example.com/p/{t}"
    """, kvs=True)
    assert loc(f("/t", kvs={"t": "evil.test/"})) == "https://evil.test%2F.example.com/p/evil.test/"
    assert loc(f("/t", kvs={"t": "a?#\\@%"})) == "https://a%3F%23%5C%40%25.example.com/p/a?#\\@%"
    assert loc(f("/t", kvs={"t": "shop"})) == "https://shop.example.com/p/shop"


def test_host_parameter_binds_host_name_characters_only(build) -> None:
    f = build("""
        routes:
          - host: ":t.example.com"
            path: /*
            redirect: "https://{t}.shop.test/{splat}"
    """)
    assert loc(f("https://a-b_1.example.com/x")) == "https://a-b_1.shop.test/x"
    assert loc(f("https://A.example.com/x")) == "https://a.shop.test/x"
    for label in ("a%2eevil", "x%2F", "a@b", "caf\u00e9"):
        assert f("/x", headers={"host": label + ".example.com"})["uri"] == "/x", label


def test_redirect_query_goes_before_the_fragment(build) -> None:
    f = build("""
        routes:
          - path: /p
            redirect: https://x.test/p#f
          - path: /q
            redirect: https://x.test/p?a=1#f?x
          - path: /d/:x
            redirect: /docs/{x}#top
    """)
    assert loc(f("/p?q=1")) == "https://x.test/p?q=1#f"
    assert loc(f("/p")) == "https://x.test/p#f"
    assert loc(f("/q?q=1&r")) == "https://x.test/p?a=1&q=1&r#f?x"
    assert loc(f("/d/a?utm=1")) == "/docs/a?utm=1#top"


def test_condition_named_groups_bind(build) -> None:
    f = build("""
        routes:
          - path: /store
            query: {id: {regex: "^(?<id>[0-9]+)$"}}
            redirect: {to: "/blog/{id}", query: drop}
          - path: /ab
            cookies: {bucket: {regex: "^(?<b>[ab])$"}}
            headers: {x-lang: {regex: "^(?<lang>[a-z]{2})(-(?<region>[A-Z]{2}))?"}}
            rewrite: "/{b}/{lang}/{region}"
          - path: /ua
            headers: {x-tag: {regex: "(?<tag>.*)"}}
            rewrite: /t
            set_headers: {x-seen: "{tag}"}
        headers:
          - query: {ref: {regex: "^(?<ref>[a-z]+)"}}
            set: {x-ref: "{ref}"}
    """)
    assert loc(f("/store?id=42")) == "/blog/42"
    assert f("/store?id=4x")["uri"] == "/store"
    assert f("/ab", cookies={"bucket": "a"}, headers={"x-lang": "de-AT"})["uri"] == "/a/de/AT"
    assert f("/ab", cookies={"bucket": "b"}, headers={"x-lang": "fr"})["uri"] == "/b/fr/"
    assert f("/x?ref=news1")["headers"]["x-ref"] == {"value": "news"}
    assert f("/ua", headers={"x-tag": "a b"})["headers"]["x-seen"] == {"value": "a b"}
    # a header value may carry a TAB: such a group does not bind, so the route does not match
    assert f("/ua", headers={"x-tag": "\t/evil.test"})["uri"] == "/ua"


def _errors(tmp_path, body: str, seed: str | None = None) -> list[str]:
    from cfroutes.config.load import load_config
    from cfroutes.errors import InputError

    head = "version: 1\nfunctions:\n  f:\n    event: viewer-request\n"
    if seed is not None:
        (tmp_path / "seed.yaml").write_text(seed)
        head += "    kvs: {name: s, seed: seed.yaml}\n"
    cfg = tmp_path / "routes.yaml"
    cfg.write_text(head + body)
    with pytest.raises(InputError) as ei:
        load_config(str(cfg))
    return [d.concise() for d in ei.value.diagnostics]


def test_hostile_data_build_errors(tmp_path) -> None:
    errs = _errors(tmp_path, "    routes:\n      - path: /a\n        rewrite: /b#c\n")
    assert any(":7:18: error: rewrite target must not contain '#'" in e for e in errs), errs
    errs = _errors(tmp_path, "    routes:\n      - path: /:id\n        query: {id: {regex: '(?<id>.*)'}}\n"
                             "        redirect: /b/{id}\n")
    assert any(":6:9: error: name 'id' is bound twice" in e for e in errs), errs
    errs = _errors(tmp_path, "    routes:\n      - path: /a\n        headers: {x: {regex: '(?<host>.*)'}}\n"
                             "        redirect: /b\n")
    assert any(":7:30: error: group name 'host' shadows the built-in {host}" in e for e in errs), errs
    errs = _errors(tmp_path, "    routes:\n      - path: /a\n        query: {id: {regex: '(?<id>.*)'}}\n"
                             "        redirect: 'https://{id}.example.com/'\n")
    assert any("an open redirect" in e for e in errs), errs


def test_seed_values_with_controls_are_refused(tmp_path) -> None:
    body = "    routes:\n      - path: /a\n        respond: {status: 200}\n"
    errs = _errors(tmp_path, body, 'ok: "/fine"\nbad: "\\t/evil.test"\n')
    assert [e for e in errs if "seed.yaml:2:6: error: seed value of 'bad' contains the control character '\\t'" in e], errs
    errs = _errors(tmp_path, body, 'j: {to: "a\\nb"}\n')
    assert [e for e in errs if "seed.yaml:1:4: error: seed value of 'j' contains the control character '\\n'" in e], errs
    errs = _errors(tmp_path, body, "s: '{\"to\": \"a\\u0000\"}'\n")  # a JSON text inside a string
    assert [e for e in errs if "seed value of 's' contains the control character" in e], errs
