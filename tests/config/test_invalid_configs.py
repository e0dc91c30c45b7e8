"""A corpus of malformed configs: each must fail with exit 2 at the exact position."""
from __future__ import annotations

import textwrap

import pytest
from cfroutes.cli.main import main
from cfroutes.config.load import load_config
from cfroutes.errors import InputError

HEAD = "version: 1\nfunctions:\n  f:\n    event: viewer-request\n"

# (id, config text, "LINE:COL: error: message fragment")
CASES = [
    ("not-a-mapping", "- a\n- b\n", "1:1: error: routes.yaml must be a mapping"),
    ("bad-yaml", "version: 1\nfunctions: [\n", "3:1: error: invalid YAML"),
    ("wrong-version", "version: 2\nfunctions:\n  f: {event: viewer-request}\n", "1:10: error: unsupported version '2'"),
    ("no-functions", "version: 1\n", "1:1: error: missing `functions:`"),
    ("unknown-top-key", "version: 1\nfuncions: {}\n", "2:1: error: unknown key 'funcions' in the config"),
    ("duplicate-key", HEAD + "    routes: []\n    routes: []\n", "6:5: error: duplicate key 'routes' (first at line 5)"),
    ("bad-function-name", "version: 1\nfunctions:\n  bad name!:\n    event: viewer-request\n",
     "3:3: error: function name 'bad name!' must be 1-64 characters"),
    ("unknown-event", "version: 1\nfunctions:\n  f:\n    event: origin-request\n",
     "4:12: error: event must be one of viewer-request, viewer-response, connection-request; got 'origin-request'"),
    ("bad-runtime", HEAD + "    runtime: cloudfront-js-3.0\n", "5:14: error: runtime must be one of"),
    ("unknown-route-key", HEAD + "    routes:\n      - path: /a\n        redirct: /b\n",
     "7:9: error: unknown key 'redirct' in route 1"),
    ("no-action", HEAD + "    routes:\n      - path: /a\n", "6:9: error: a route needs exactly one action"),
    ("two-actions", HEAD + "    routes:\n      - path: /a\n        redirect: /b\n        respond: {status: 200}\n",
     "8:9: error: a route has exactly one action; found redirect and respond"),
    ("path-no-slash", HEAD + "    routes:\n      - path: a/b\n        redirect: /b\n",
     "6:15: error: path pattern must start with '/'"),
    ("splat-not-last", HEAD + "    routes:\n      - path: /a/*/b\n        redirect: /b\n",
     "6:15: error: '*' is only allowed as the last segment"),
    ("partial-segment", HEAD + "    routes:\n      - path: /blog/:slug.html\n        redirect: /b\n",
     "6:15: error: bad parameter ':slug.html'"),
    ("unbound-name", HEAD + "    routes:\n      - path: /a/:x\n        redirect: /b/{y}\n",
     "7:19: error: redirect target: {y} is not bound by this route"),
    ("splat-unbound", HEAD + "    routes:\n      - path: /a/:x\n        redirect: /b/{splat}\n",
     "7:19: error: redirect target: {splat} is not bound by this route"),
    ("bad-status", HEAD + "    routes:\n      - path: /a\n        redirect: {to: /b, status: 305}\n",
     "7:36: error: redirect status must be one of 301, 302, 303, 307, 308, got 305"),
    ("respond-status-range", HEAD + "    routes:\n      - path: /a\n        respond: {status: 700}\n",
     "7:27: error: respond.status must be between 200 and 599, got 700"),
    ("bad-method", HEAD + "    routes:\n      - path: /a\n        methods: [GET, FETCH]\n        redirect: /b\n",
     "7:24: error: unknown method 'FETCH'"),
    ("bad-country", HEAD + "    routes:\n      - path: /a\n        country: [de]\n        redirect: /b\n",
     "7:19: error: country must be a two-letter upper-case ISO code, got 'de'"),
    ("bad-regex", HEAD + "    routes:\n      - regex: '^/a/(['\n        redirect: /b\n",
     "6:16: error: invalid regex"),
    ("lookbehind", HEAD + "    routes:\n      - regex: '(?<=a)b'\n        redirect: /b\n",
     "6:16: error: regex: lookbehind is not supported"),
    ("path-and-regex", HEAD + "    routes:\n      - path: /a\n        regex: a\n        redirect: /b\n",
     "7:16: error: use either `path` or `regex`, not both"),
    ("lookup-in-1.0", HEAD + "    runtime: cloudfront-js-1.0\n    routes:\n      - path: /a\n        lookup: {key: k, as: t}\n        rewrite: '{t}'\n",
     "8:17: error: lookup needs runtime cloudfront-js-2.0"),
    ("lookup-without-kvs", HEAD + "    routes:\n      - path: /a\n        lookup: {key: k, as: t}\n        rewrite: '{t}'\n",
     "7:17: error: lookup needs a `kvs:` block"),
    ("kvs-in-1.0", HEAD + "    runtime: cloudfront-js-1.0\n    kvs: {name: s}\n",
     "6:10: error: a KeyValueStore needs runtime cloudfront-js-2.0"),
    ("missing-seed", HEAD + "    kvs: {name: s, seed: nope.yaml}\n", "5:26: error: seed file not found: nope.yaml"),
    ("origin-in-1.0", HEAD + "    runtime: cloudfront-js-1.0\n    routes:\n      - path: /a\n        origin: {id: o1}\n",
     "8:17: error: origin needs a viewer-request function on runtime cloudfront-js-2.0"),
    ("control-char", HEAD + '    routes:\n      - path: /a\n        redirect: "/b\\r\\nSet-Cookie: x"\n',
     "7:19: error: redirect target contains a control character"),
    ("header-control-char", HEAD + '    headers:\n      - path: /a\n        set: {x-a: "v\\nx"}\n',
     "7:20: error: header x-a contains a control character"),
    ("open-redirect", HEAD + "    routes:\n      - path: /go/:dest/*\n        redirect: https://{dest}/{splat}\n",
     "7:19: error: redirect target: the redirect host comes from the request ({dest}): an open redirect"),
    ("template-start", HEAD + "    routes:\n      - path: /go/*\n        redirect: '{splat}'\n",
     "7:19: error: redirect target may not start with a template"),
    ("disallowed-header", HEAD + "    headers:\n      - path: /a\n        set: {x-amz-cf-id: v}\n",
     "7:15: error: header 'x-amz-cf-id' is disallowed"),
    ("read-only-header", HEAD + "    headers:\n      - path: /a\n        set: {host: example.com}\n",
     "7:15: error: header 'host' is read-only in viewer-request functions"),
    ("read-only-response-header", "version: 1\nfunctions:\n  f:\n    event: viewer-response\n    headers:\n      - path: /a\n        remove: [via]\n",
     "7:18: error: header 'via' is read-only in viewer-response functions"),
    ("viewer-response-redirect", "version: 1\nfunctions:\n  f:\n    event: viewer-response\n    routes:\n      - path: /a\n        redirect: /b\n",
     "7:9: error: routes in a viewer-response function may only `respond`"),
    ("json-whole-value", HEAD + "    kvs: {name: s}\n    routes:\n      - path: /a\n        lookup: {key: k, as: t, format: json}\n        rewrite: '{t}'\n",
     "9:18: error: rewrite target: {t} is a JSON lookup; name a field"),
    ("field-on-string-lookup", HEAD + "    kvs: {name: s}\n    routes:\n      - path: /a\n        lookup: {key: k, as: t}\n        rewrite: '/{t.x}'\n",
     "9:18: error: rewrite target: {t.x} reads a field, which needs a lookup with format: json"),
    ("spill-always-no-kvs", HEAD + "    options: {spill: always}\n", "5:14: error: spill: always needs runtime cloudfront-js-2.0 and a `kvs:` block"),
    ("unknown-option", HEAD + "    options: {trailing_slashes: strict}\n",
     "5:15: error: unknown key 'trailing_slashes' in options"),
    ("status-on-request-rule", HEAD + "    headers:\n      - path: /a\n        status: [200]\n        set: {x-a: b}\n",
     "7:17: error: `status` on a header rule only applies in viewer-response functions"),
    ("empty-status-list", "version: 1\nfunctions:\n  f:\n    event: viewer-response\n    headers:\n      - path: /a\n        status: []\n        set: {x-a: b}\n",
     "7:17: error: status must be a non-empty list of status codes"),
    ("origin-id-with-path", HEAD + "    routes:\n      - path: /a\n        origin: {id: o1, path: /x}\n",
     "7:32: error: origin `path` goes with `domain`"),
    ("host-param-shadows-builtin", HEAD + "    routes:\n      - host: ':host.example.com'\n        redirect: /b\n",
     "6:9: error: parameter ':host' shadows the built-in {host}"),
    ("bound-twice", HEAD + "    routes:\n      - host: ':x.example.com'\n        path: /:x\n        redirect: /b\n",
     "6:9: error: name 'x' is bound twice"),
    ("tenant-rule-on-runtime-1", HEAD + "    runtime: cloudfront-js-1.0\n    headers:\n      - tenant: {id: dt_a}\n        set: {x-a: b}\n",
     "7:17: error: distribution tenants (cf.distributionTenant) need runtime cloudfront-js-2.0"),
    ("tenant-value-in-a-rule-on-runtime-1", HEAD + "    runtime: cloudfront-js-1.0\n    headers:\n      - path: /a\n        set: {x-a: \"{tenant.id}\"}\n",
     "7:9: error: distribution tenants (cf.distributionTenant) need runtime cloudfront-js-2.0"),
    ("tenant-field-unknown-in-a-key", HEAD + "    runtime: cloudfront-js-2.0\n    kvs: {name: s}\n    routes:\n"
     "      - path: /a\n        lookup: {key: \"{tenant.site}\", as: t}\n        rewrite: /{t}\n",
     "9:23: error: lookup.key: {tenant.site} is not bound by this route"),
]


@pytest.mark.parametrize("text,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_invalid_config_is_positioned(tmp_path, text: str, expected: str) -> None:
    cfg = tmp_path / "routes.yaml"
    cfg.write_text(text)
    with pytest.raises(InputError) as ei:
        load_config(str(cfg))
    rendered = [d.concise() for d in ei.value.diagnostics]
    want = f"{cfg}:{expected}"
    assert any(r.startswith(want) for r in rendered), "\n".join(rendered)


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 30


def test_all_errors_reported_at_once(tmp_path) -> None:
    cfg = tmp_path / "routes.yaml"
    cfg.write_text(HEAD + textwrap.indent(textwrap.dedent("""\
        routes:
          - path: a
            redirect: /b
          - path: /c
            redirect: {to: /d, status: 999}
          - path: /e
            respond: {status: 42}
    """), "    "))
    with pytest.raises(InputError) as ei:
        load_config(str(cfg))
    assert [d.span.line for d in ei.value.diagnostics] == [6, 9, 11]


def test_cli_prints_caret_and_exits_2(tmp_path, capsys) -> None:
    cfg = tmp_path / "routes.yaml"
    cfg.write_text(HEAD + "    routes:\n      - path: /a\n        redirct: /b\n")
    code = main(["build", "-c", str(cfg), "-o", str(tmp_path / "dist")])
    err = capsys.readouterr().err
    assert code == 2
    assert f"{cfg}:7:9: error: unknown key 'redirct' in route 1" in err
    assert "        redirct: /b" in err and "\n   |         ^" in err
    assert "help: did you mean 'redirect'?" in err
    assert "Traceback" not in err
    assert not (tmp_path / "dist").exists()


def test_missing_config_file_exit_2(tmp_path, capsys) -> None:
    assert main(["build", "-c", str(tmp_path / "nope.yaml")]) == 2
    assert "file not found" in capsys.readouterr().err
