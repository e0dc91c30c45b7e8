"""Loop and shadow lints that follow regex and templated routes: sample requests derived
from each route go through the reference model; each loop is reported once."""
from __future__ import annotations

import textwrap
from pathlib import Path

from cfroutes.compiler import compile_config


def _lint(tmp_path: Path, routes: str, options: str = "") -> tuple[list[str], list[str]]:
    head = "version: 1\nfunctions:\n  f:\n    event: viewer-request\n" + options + "    routes:\n"
    p = tmp_path / "routes.yaml"
    p.write_text(head + textwrap.indent(textwrap.dedent(routes).lstrip("\n"), "      "))
    c = compile_config(str(p))
    return ([f"{e.span.line}: {e.message}" for e in c.errors],
            [f"{w.span.line}: {w.message}" for w in c.warnings if "country" not in w.message])


def test_llms_txt_loop_through_a_regex_route(tmp_path: Path) -> None:
    errors, _ = _lint(tmp_path, r"""
        - path: /llms.txt
          redirect: /llms.md
        - regex: '^/(?<page>[a-z-]+)\.md$'
          redirect: /{page}.txt
    """)
    assert errors == ["6: redirect loop from /llms.txt: route 1 (line 6) -> route 2 (line 8) -> route 1 (line 6)"]


def test_aws_country_redirect_sample_is_a_loop(tmp_path: Path) -> None:
    """AWS's sample: every path, for viewers in DE, to https://{host}/de/index.html (which matches again)."""
    errors, _ = _lint(tmp_path, """
        - path: /*
          country: [DE]
          redirect: { to: "https://{host}/de/index.html", status: 302 }
    """)
    assert len(errors) == 1 and errors[0].startswith("6: redirect loop from /: route 1 (line 6) -> route 1")


def test_exact_loop_is_reported_once(tmp_path: Path) -> None:
    errors, _ = _lint(tmp_path, """
        - { path: /a, redirect: /b }
        - { path: /b, redirect: /a }
    """)
    assert errors == ["6: redirect loop from /a: route 1 (line 6) -> route 2 (line 7) -> route 1 (line 6)"]


def test_a_location_that_grows_on_every_hop_is_a_loop(tmp_path: Path) -> None:
    errors, _ = _lint(tmp_path, """
        - path: /docs/*
          redirect: /docs/en/{splat}
    """)
    assert len(errors) == 1 and "(the location changes on every hop)" in errors[0]


def test_route_shadowed_by_an_earlier_regex(tmp_path: Path) -> None:
    _, warnings = _lint(tmp_path, """
        - regex: '^/shop/'
          rewrite: /shop/index.html
        - path: /shop/sale
          redirect: /sale
        - path: /shop/:item
          redirect: /items/{item}
        - path: /shopping
          redirect: /shop/
    """)
    assert "8: route can never match: route 1 (line 6) answers the requests it was tested with first (/shop/sale)" \
        in warnings
    assert any(w.startswith("10: route can never match: route 1 (line 6)") for w in warnings)
    assert not any(w.startswith("12:") and "never match" in w for w in warnings)


def test_chain_through_templated_routes(tmp_path: Path) -> None:
    errors, warnings = _lint(tmp_path, """
        - path: /old/*
          redirect: /mid/{splat}
        - path: /mid/*
          redirect: /new/{splat}
    """)
    assert errors == []
    assert "6: redirect chain: route 1 (line 6) -> route 2 (line 8)" in warnings


def test_no_loop_when_the_redirect_changes_what_matches(tmp_path: Path) -> None:
    errors, warnings = _lint(tmp_path, """
        - regex: '^/(?<p>.*)/$'
          redirect: { to: "/{p}", status: 308 }
        - path: /lang
          query: { lang: null }
          redirect: "/lang?lang=en"
        - path: /a
          host: www.example.com
          redirect: https://example.com/a
        - path: /a
          redirect: https://www.example.com/a
    """, options="    options: { trailing_slash: strict }\n")
    assert errors == [], errors
    assert not any("loop" in w for w in warnings)


def test_the_other_host_is_not_followed_but_its_own_is(tmp_path: Path) -> None:
    errors, _ = _lint(tmp_path, """
        - host: www.example.com
          path: /*
          redirect: "https://www.example.com/home"
    """)
    assert len(errors) == 1 and errors[0].startswith("6: redirect loop from /: route 1 (line 6) -> route 1")


def test_every_alternative_of_a_regex_is_tried_before_calling_it_shadowed(tmp_path: Path) -> None:
    _, warnings = _lint(tmp_path, """
        - regex: '^/(?<p>.*)/$'
          redirect: { to: "/{p}", status: 308 }
        - regex: '^/docs(/|)$'
          redirect: /learn
        - regex: '^/old(/|)$'
          redirect: /new
    """, options="    options: { trailing_slash: strict }\n")
    assert not any("never match" in w for w in warnings), warnings


# ------------------------------------------------------------------ distribution tenants
JS2 = "    runtime: cloudfront-js-2.0\n"


def test_a_tenant_route_is_not_dead_and_shadows_only_its_own_tenant(tmp_path: Path) -> None:
    # samples carry a tenant that the route's `tenant:` holds for; `tenant:` covers only the same tenant
    errors, warnings = _lint(tmp_path, """
        - path: /*
          tenant: { id: dt_acme }
          origin: { id: acme-origin }
        - path: /assets/*
          tenant: { params: { TenantPath: "*" } }
          rewrite: /t/{tenant.params.TenantPath}/{splat}
        - path: /x
          tenant: { id: dt_acme }
          rewrite: /y
        - path: /*
          rewrite: /public/{splat}
        - path: /z
          tenant: { id: dt_beta }
          rewrite: /zz
    """, JS2)
    assert not errors
    assert [w.split(":")[0] for w in warnings] == ["13", "18"], warnings  # /x by route 1, /z by the catch-all
    assert "route 1 (line 7)" in warnings[0] and "route 4 (line 16)" in warnings[1]


def test_a_route_rendering_a_tenant_value_falls_through_without_it(tmp_path: Path) -> None:
    # without the parameter the first route answers nothing: the catch-all is not dead
    errors, warnings = _lint(tmp_path, """
        - path: /*
          rewrite: /t/{tenant.params.Path}/{splat}
        - path: /*
          rewrite: /public/{splat}
    """, JS2)
    assert not errors and not warnings


def test_a_redirect_loop_between_tenant_routes(tmp_path: Path) -> None:
    errors, _ = _lint(tmp_path, """
        - path: /a
          tenant: { params: { Plan: { regex: "^(?<plan>pro)$" } } }
          redirect: /b/{plan}
        - path: /b/:p
          tenant: { params: { Plan: "*" } }
          redirect: /a?from={tenant.params.Plan}
    """, JS2)
    assert len(errors) == 1 and errors[0].startswith("7: redirect loop from /a")
