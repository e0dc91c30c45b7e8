"""The cache check: a route whose answer depends on a request part the cache key leaves out."""
from __future__ import annotations

import io
import textwrap
from pathlib import Path

import pytest
from cfroutes.cli.check import check
from cfroutes.codes import Code
from cfroutes.compiler import compile_config
from cfroutes.compiler.cachekey import analyse
from cfroutes.errors import InputError
from cfroutes.platform.cache_policies import MANAGED

ORIGIN_BY_HOST = """\
version: 1
functions:
  router:
    event: viewer-request
    cache: {policy}
    routes:
      - name: tenant-origin
        host: ":tenant.example.com"
        path: /*
        origin: {{ id: "{{tenant}}-origin" }}
"""


def write(tmp_path: Path, text: str) -> str:
    p = tmp_path / "routes.yaml"
    p.write_text(textwrap.dedent(text))
    return str(p)


def run_check(path: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    rc = check(path, strict=False, stdout=out, stderr=err)
    return rc, out.getvalue() + err.getvalue()


def test_origin_by_host_under_caching_optimized_fails_at_the_route(tmp_path: Path) -> None:
    path = write(tmp_path, ORIGIN_BY_HOST.format(policy="CachingOptimized"))
    rc, text = run_check(path)
    assert rc == 1
    assert f"{path}:7:9: error: route 'tenant-origin'" in text and "CFR351" in text
    assert "host: true" in text  # the remedy


def test_the_same_with_host_in_the_key_passes(tmp_path: Path) -> None:
    path = write(tmp_path, ORIGIN_BY_HOST.format(policy="{ key: { host: true } }"))
    rc, text = run_check(path)
    assert rc == 0, text
    assert "CFR35" not in text


@pytest.mark.parametrize("name", ["UseOriginCacheControlHeaders", "Amplify", "CachingDisabled"])
def test_managed_policies_with_host_or_no_caching_pass(tmp_path: Path, name: str) -> None:
    rc, text = run_check(write(tmp_path, ORIGIN_BY_HOST.format(policy=name)))
    assert rc == 0, text


def test_no_policy_no_check(tmp_path: Path) -> None:
    text = ORIGIN_BY_HOST.format(policy="X").replace("    cache: X\n", "")
    compiled = compile_config(write(tmp_path, text))
    assert not compiled.errors and analyse(compiled.functions[0].function) is None


def test_origin_chosen_by_a_cookie_against_a_later_route(tmp_path: Path) -> None:
    path = write(tmp_path, """\
        version: 1
        functions:
          router:
            event: viewer-request
            cache: { key: { cookies: [other] } }
            routes:
              - name: canary
                path: /*
                cookies: { canary: "1" }
                origin: { id: canary-origin }
              - path: /*
                rewrite: /{splat}
        """)
    compiled = compile_config(path)
    assert [(d.code, d.span.line) for d in compiled.errors] == [(Code.CACHE_KEY_ANSWER, 7)]
    assert "cookie 'canary'" in compiled.errors[0].message
    ok = compile_config(write(tmp_path, Path(path).read_text().replace("[other]", "[other, canary]")))
    assert not ok.errors


def test_rewrites_separate_by_uri_and_edge_answers_are_not_cached(tmp_path: Path) -> None:
    path = write(tmp_path, """\
        version: 1
        functions:
          router:
            event: viewer-request
            cache: CachingOptimized
            routes:
              - host: ":tenant.example.com"
                path: /*
                rewrite: /tenants/{tenant}/{splat}
              - path: /beta/*
                cookies: { beta: "1" }
                rewrite: /beta-site/{splat}
              - path: /*
                headers: { x-block: "*" }
                respond: { status: 403 }
        """)
    compiled = compile_config(path)
    assert not compiled.errors and not compiled.warnings
    a = analyse(compiled.functions[0].function)
    assert a is not None
    assert a.routes[0].reads[0][1] == "uri" and a.routes[2].reads[0][1] == "edge"


def test_query_added_by_a_rewrite_outside_the_key_is_an_error(tmp_path: Path) -> None:
    text = """\
        version: 1
        functions:
          router:
            event: viewer-request
            cache: {policy}
            routes:
              - host: ":tenant.example.com"
                path: /*
                rewrite: /app/{{splat}}?tenant={{tenant}}
        """
    bad = compile_config(write(tmp_path, text.format(policy="CachingOptimized")))
    assert [d.code for d in bad.errors] == [Code.CACHE_KEY_ANSWER]
    assert "query" in bad.errors[0].message
    good = compile_config(write(tmp_path, text.format(policy="{ key: { query: [tenant] } }")))
    assert not good.errors


def test_a_header_built_from_the_host_is_a_warning(tmp_path: Path) -> None:
    compiled = compile_config(write(tmp_path, """\
        version: 1
        functions:
          router:
            event: viewer-request
            cache: CachingOptimized
            routes:
              - path: /api/*
                rewrite: /api/{splat}
                set_headers: { x-tenant: "{host}" }
            headers:
              - country: [DE]
                set: { x-eu: "1" }
        """))
    assert not compiled.errors
    assert sorted((d.code, d.span.line) for d in compiled.warnings if d.code is Code.CACHE_KEY_HEADER) == [
        (Code.CACHE_KEY_HEADER, 7), (Code.CACHE_KEY_HEADER, 11)]


def test_lookup_key_from_the_host_reaching_the_origin(tmp_path: Path) -> None:
    (tmp_path / "seed.yaml").write_text("a: origin-a\n")
    compiled = compile_config(write(tmp_path, """\
        version: 1
        functions:
          router:
            event: viewer-request
            cache: CachingOptimized
            kvs: { name: store, seed: seed.yaml }
            routes:
              - path: /*
                lookup: { key: "{host}", as: target, missing: { status: 404 } }
                origin: { id: "{target}" }
        """))
    assert [d.code for d in compiled.errors] == [Code.CACHE_KEY_ANSWER]
    assert "the Host header" in compiled.errors[0].message


@pytest.mark.parametrize(("cache", "needle"), [
    ("CachingOptimised", "did you mean 'CachingOptimized'"),
    ("{ key: { headers: ['bad header'] } }", "not a header name"),
    ("{ ttl: { min: 10, default: 5 } }", "min <= default <= max"),
    ("{ key: { query: some } }", "must be one of all, none"),
    ("{ key: { cookies: [a, b, c, d, e, f, g, h, i, j, k] } }", "at most 10"),
    ("{ keys: {} }", "unknown key 'keys'"),
    ("{ key: { host: yes please } }", "true or false"),
])
def test_invalid_policies_are_positioned_input_errors(tmp_path: Path, cache: str, needle: str) -> None:
    with pytest.raises(InputError) as e:
        compile_config(write(tmp_path, ORIGIN_BY_HOST.format(policy=cache)))
    d = e.value.diagnostics[0]
    assert needle in d.message + (d.hint or "") and d.span.line == 5


def test_cache_on_a_viewer_response_function_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError) as e:
        compile_config(write(tmp_path, """\
            version: 1
            functions:
              out:
                event: viewer-response
                cache: CachingOptimized
                headers: [{ path: /*, set: { x: "1" } }]
            """))
    assert e.value.diagnostics[0].code is Code.CACHE_POLICY


def test_managed_policy_data() -> None:
    opt = MANAGED["CachingOptimized"]
    assert (opt.min_ttl, opt.default_ttl, opt.max_ttl, opt.host) == (1, 86400, 31536000, False)
    assert MANAGED["UseOriginCacheControlHeaders"].host and MANAGED["Amplify"].query_all
    assert not MANAGED["CachingDisabled"].caches


def test_the_example_declares_a_policy_and_passes() -> None:
    root = Path(__file__).resolve().parents[2]
    compiled = compile_config(str(root / "routes.yaml"))
    fn = compiled.functions[0].function
    assert fn.cache is not None and fn.cache.host
    assert not [d for d in compiled.errors + compiled.warnings if d.code in (Code.CACHE_KEY_ANSWER, Code.CACHE_KEY_HEADER)]
    # under CachingOptimized its tenant routes still pass (their rewrites separate them); the header rule warns
    a = analyse(fn, MANAGED["CachingOptimized"])
    assert a is not None
    tenant = [r for r in a.routes if r.label.startswith("route 'tenant")]
    assert tenant and not any(r.findings for r in tenant)
    assert [d.code for d in a.diagnostics] == [Code.CACHE_KEY_HEADER]


def test_a_later_origin_route_on_other_paths_does_not_implicate_earlier_routes(tmp_path: Path) -> None:
    compiled = compile_config(write(tmp_path, """\
        version: 1
        functions:
          router:
            event: viewer-request
            cache: CachingOptimized
            routes:
              - host: ":tenant.example.com"
                path: /brand/*
                rewrite: /tenants/{tenant}/{splat}
              - host: ":tenant.example.com"
                path: /api/admin/*
                origin: { id: admin }
              - path: /api/*
                origin: { id: api }
        """))
    # route 1 never sees /api requests; route 2 is chosen by Host and its origin differs from what another
    # host's request gets (route 3's); route 3 (a fixed origin for a path) reads nothing unkeyed
    assert [(d.code, d.span.line) for d in compiled.errors] == [(Code.CACHE_KEY_ANSWER, 10)], compiled.errors
