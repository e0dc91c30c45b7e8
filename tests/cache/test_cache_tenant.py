"""The cache check and distribution tenants (CloudFront SaaS Manager): a tenant's ID and parameters
are request parts that Host keeps apart (each domain belongs to one tenant; docs/caching.md)."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from cfroutes.codes import Code
from cfroutes.compiler import compile_config
from cfroutes.compiler.cachekey import Part, analyse

BASE = """\
version: 1
functions:
  router:
    event: viewer-request
    runtime: cloudfront-js-2.0
    kvs: {{ name: store }}
    cache: {policy}
    routes:
{routes}
      - path: /*
        rewrite: /public/{{splat}}
"""


def analysis(tmp_path: Path, routes: str, policy: str = "CachingOptimized", headers: str = ""):  # type: ignore[no-untyped-def]
    text = BASE.format(policy=policy, routes=textwrap.indent(textwrap.dedent(routes), " " * 6)) + headers
    p = tmp_path / "routes.yaml"
    p.write_text(text)
    compiled = compile_config(str(p))
    assert all(d.code == Code.CACHE_KEY_ANSWER for d in compiled.errors), compiled.errors
    a = analyse(compiled.functions[0].function)
    assert a is not None
    return a


ORIGIN_BY_PARAM = """\
- name: tenant-origin
  path: /api/*
  origin: { domain: "{tenant.params.backend}.example.net" }
"""


def test_an_origin_built_from_a_tenant_parameter_needs_host_in_the_key(tmp_path: Path) -> None:
    a = analysis(tmp_path, ORIGIN_BY_PARAM)
    [d] = a.diagnostics
    assert d.code == Code.CACHE_KEY_ANSWER and "tenant parameter 'backend'" in d.message
    assert "host: true" in (d.hint or "")
    assert (Part("tenant", "params.backend"), "unkeyed") in a.routes[0].reads


@pytest.mark.parametrize("policy", ["{ key: { host: true } }", "{ key: { headers: [host] } }",
                                    "UseOriginCacheControlHeaders", "CachingDisabled"])
def test_host_in_the_key_keeps_tenants_apart(tmp_path: Path, policy: str) -> None:
    a = analysis(tmp_path, ORIGIN_BY_PARAM, policy)
    assert not a.diagnostics
    if policy != "CachingDisabled":
        assert (Part("tenant", "params.backend"), "key") in a.routes[0].reads


def test_a_route_chosen_by_the_tenant_id_with_its_own_origin(tmp_path: Path) -> None:
    a = analysis(tmp_path, """\
        - name: acme-origin
          path: /*
          tenant: { id: dt_acme }
          origin: { id: acme-origin }
        """)
    [d] = a.diagnostics
    assert d.code == Code.CACHE_KEY_ANSWER and "chosen by the distribution tenant's ID" in d.message


def test_any_tenant_alone_reads_no_request_part(tmp_path: Path) -> None:
    # a distribution has tenants or has none: `tenant: {}` never tells two requests of one behaviour apart
    a = analysis(tmp_path, """\
        - path: /*
          tenant: {}
          origin: { id: saas-origin }
        """)
    assert not a.diagnostics


def test_a_tenant_value_carried_into_the_uri_is_safe(tmp_path: Path) -> None:
    a = analysis(tmp_path, """\
        - path: /assets/*
          tenant: { params: { TenantPath: "*" } }
          rewrite: /tenants/{tenant.params.TenantPath}/{splat}
        """)
    assert not a.diagnostics
    assert (Part("tenant", "params.TenantPath"), "uri") in a.routes[0].reads


def test_a_lookup_keyed_by_a_tenant_parameter_choosing_the_origin(tmp_path: Path) -> None:
    a = analysis(tmp_path, """\
        - path: /app/*
          lookup: { key: "{tenant.params.site}/origin", as: o }
          origin: { domain: "{o}" }
        """)
    assert [d.code for d in a.diagnostics] == [Code.CACHE_KEY_ANSWER]
    assert "tenant parameter 'site'" in a.diagnostics[0].message


def test_a_header_from_the_tenant_is_a_warning_in_routes_and_header_rules(tmp_path: Path) -> None:
    a = analysis(tmp_path, """\
        - path: /api/*
          set_headers: { x-tenant: "{tenant.id}" }
          rewrite: /api/{splat}
        """, headers="""\
    headers:
      - tenant: { params: { Plan: pro } }
        set: { x-plan: "pro:{tenant.params.Region}" }
""")
    codes = [(d.code, d.message) for d in a.diagnostics]
    assert any(c == Code.CACHE_KEY_HEADER and "distribution tenant's ID" in m for c, m in codes)
    rule = [m for c, m in codes if "header rule 1" in m]
    assert any("tenant parameter 'Plan'" in m for m in rule) and any("tenant parameter 'Region'" in m for m in rule)
    assert all(c == Code.CACHE_KEY_HEADER for c, _ in codes)


def test_a_tenant_regex_group_is_the_tenant_parameter(tmp_path: Path) -> None:
    a = analysis(tmp_path, """\
        - path: /x/*
          tenant: { params: { Region: { regex: "^(?<region>[a-z]+)$" } } }
          origin: { domain: "{region}.example.net" }
        """)
    assert any("tenant parameter 'Region'" in d.message for d in a.diagnostics)
