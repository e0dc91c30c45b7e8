"""Distribution tenants (`tenant:` match, {tenant.id}, {tenant.params.NAME}) in QuickJS, njs and
the reference model: random tenant routes over the random routes of strategies.py, random
tenants (none = a standard distribution; hostile parameter values, semantics §4.1), every
function built inline and spilled. Bounded by CFROUTES_DIFF_TENANT_EXAMPLES (default 60)."""
from __future__ import annotations

import copy
import os
import tempfile
from typing import Any

import pytest
from cfroutes.emulator.tenant import Tenant, with_tenant
from cfroutes.errors import InputError
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from . import strategies as S
from .cases import agree, case_of, request_event
from .harness import Case, config_text, load_function

EXAMPLES = int(os.environ.get("CFROUTES_DIFF_TENANT_EXAMPLES", "60"))
EVENTS = 10
TIDS = ["dt_acme", "dt_beta", "__proto__", "constructor"]
TPARAMS = ["TenantPath", "Plan", "__proto__", "constructor", "toString"]
TVALUES = ["acme", "pro", "", "x y", "\t/evil.test", "a#b", "evil.test/", "%2e", "__proto__", "\u00e9", "x\x7f", "1"]
COND_VALUES = [v for v in TVALUES if v.isprintable()]  # a condition's literal has no control character
TREFS = ["{tenant.id}"] + [f"{{tenant.params.{p}}}" for p in TPARAMS]


def _with_ref(target: Any, ref: str) -> Any:
    """`target` (a template string or {to: ...}) with `ref` appended as a path piece."""
    if isinstance(target, dict):
        return {**target, "to": _with_ref(target["to"], ref)}
    return target.split("#")[0].rstrip("?&") + "/" + ref


@st.composite
def tenant_function(draw: Any) -> dict[str, Any]:
    spec = draw(S.function_spec(max_routes=6).filter(lambda f: f["runtime"] == "cloudfront-js-2.0"))
    names = iter(["tg1", "tg2", "tg3", "tg4", "tg5", "tg6", "tg7", "tg8"])
    for r in spec["routes"]:
        if draw(st.booleans()):
            t: dict[str, Any] = {}
            if draw(st.booleans()):
                t["id"] = draw(st.sampled_from(TIDS))
            if draw(st.booleans()):
                params: dict[str, Any] = {}
                for p in draw(st.lists(st.sampled_from(TPARAMS), min_size=1, max_size=2, unique=True)):
                    k = draw(st.integers(0, 4))
                    params[p] = (None if k == 0 else "*" if k == 1 else draw(st.sampled_from(COND_VALUES)) if k == 2
                                 else {"regex": draw(st.sampled_from(["^(?<%s>[a-z]+)$", "(?<%s>.*)"])) % next(names)})
                t["params"] = params
            r["tenant"] = t
        if spec["event"] == "viewer-request" and draw(st.booleans()):
            ref = draw(st.sampled_from(TREFS))
            for kind in ("rewrite", "redirect"):
                if kind in r and not (kind == "rewrite" and "origin" in r and draw(st.booleans())):
                    r[kind] = _with_ref(r[kind], ref)
                    break
            else:
                if draw(st.booleans()):
                    r["set_headers"] = {**r.get("set_headers", {}), "x-tenant": "t:" + ref}
        if "lookup" in r and draw(st.booleans()):  # a tenant value in the key (the store has tenant keys)
            r["lookup"]["key"] = draw(st.sampled_from(["", "k-"])) + draw(st.sampled_from(TREFS))
        # a regex group used by no template binds nothing visible: render one into a header
        groups = [n for n in (r.get("tenant", {}).get("params") or {}).values() if isinstance(n, dict)]
        if groups and spec["event"] == "viewer-request" and "respond" not in r:
            name = groups[0]["regex"].split("<")[1].split(">")[0]
            r["set_headers"] = {**r.get("set_headers", {}), "x-group": "{" + name + "}"}
    for h in spec.get("headers", []):  # header rules: `tenant:` and tenant values in what they set
        if draw(st.booleans()):
            h["tenant"] = draw(st.sampled_from([{}, {"id": "dt_acme"}, {"params": {"Plan": "*"}},
                                                {"params": {"TenantPath": None, "Plan": {"regex": "^(?<rg>[a-z]*)$"}}}]))
            if "rg" in str(h["tenant"]):
                h["set"] = {**h.get("set", {}), "x-rg": "{rg}"}
        if draw(st.booleans()):
            h["set"] = {**h.get("set", {}), "x-tn": "v=" + draw(st.sampled_from(TREFS))}
    return spec


def tenant_kvs(draw: Any) -> dict[str, str]:
    """Random store contents plus values under the tenant IDs and parameter values (bare and k-)."""
    kvs = draw(S.kvs_data())
    for k in draw(st.lists(st.sampled_from(TIDS + TVALUES), max_size=6, unique=True)):
        for key in (k, "k-" + k):
            if key:
                kvs[key] = draw(st.sampled_from(S.KVS_STRINGS + S.KVS_JSON))
    return kvs


@st.composite
def tenant_of(draw: Any) -> Tenant | None:
    if draw(st.integers(0, 3)) == 0:
        return None  # a standard distribution
    params = {p: draw(st.sampled_from(TVALUES)) for p in draw(st.lists(st.sampled_from(TPARAMS), max_size=3, unique=True))}
    return Tenant(draw(st.sampled_from(TIDS + ["dt_other", "x y"])), params)


def _case(spec: dict[str, Any]) -> Case:
    text = config_text(spec)
    with tempfile.TemporaryDirectory() as d:
        try:
            fn = load_function(text, d)
        except InputError as e:  # the generator only writes valid configs
            raise AssertionError(f"generated config refused:\n{text}\n{e}") from None
    return Case.build(fn, text)


@settings(max_examples=EXAMPLES, deadline=None, phases=(Phase.generate,), derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
@given(spec=tenant_function(), data=st.data())
def test_quickjs_agrees_with_reference_on_tenants(spec: dict[str, Any], data: Any) -> None:
    case = _case(spec)
    kvs = tenant_kvs(data.draw)
    for _ in range(EVENTS):
        ev = with_tenant(data.draw(S.event(case.fn.event)), data.draw(tenant_of()))
        problems = case.check(ev, kvs)
        assert not problems, problems[0]


@settings(max_examples=max(10, EXAMPLES // 2), deadline=None, phases=(Phase.generate,), derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much,
                                 HealthCheck.function_scoped_fixture])
@given(spec=tenant_function(), data=st.data())
def test_njs_agrees_with_reference_and_quickjs_on_tenants(njs: Any, spec: dict[str, Any], data: Any) -> None:
    case = _case(spec)
    kvs = tenant_kvs(data.draw)
    events = [with_tenant(data.draw(S.event(case.fn.event)), data.draw(tenant_of())) for _ in range(EVENTS)]
    problems = case.check_njs(events, kvs)
    assert not problems, f"{len(problems)} divergence(s); the first:\n{problems[0]}"


# ------------------------------------------------------------------ hand-written
CONFIG = """
version: 1
functions:
  f:
    event: viewer-request
    runtime: cloudfront-js-2.0
    kvs: { name: s }
    routes:
      - host: ":tenant.ex.com"
        path: /t/*
        tenant: { params: { TenantPath: "*" } }
        rewrite: /{tenant.params.TenantPath}/{tenant}/{splat}
      - path: /only-acme
        tenant: { id: dt_acme }
        respond: { status: 200, body: acme }
      - path: /plan
        tenant: { params: { Plan: { regex: "^(?<plan>[a-z]+)$" }, Beta: null } }
        redirect: { to: "/plans/{plan}?t={tenant.id}", status: 302 }
      - path: /brand
        lookup: { key: brand, as: b, missing: { status: 404, body: gone } }
        rewrite: /{b}/{tenant.params.Brand}
      - path: /*
        set_headers: { x-tenant: "{tenant.id}" }
        rewrite: /any/{splat}
"""


@pytest.mark.parametrize("uri, host, tenant", [
    ("/t/a/b", "acme.ex.com", Tenant("dt_acme", {"TenantPath": "acme"})),
    ("/t/a/b", "acme.ex.com", Tenant("dt_acme", {})),              # the parameter is missing: next route
    ("/t/a/b", "acme.ex.com", None),                                # a standard distribution
    ("/t/a", "acme.ex.com", Tenant("dt_acme", {"TenantPath": "x y"})),   # §4.1: a space never binds into a URI
    ("/only-acme", "ex.com", Tenant("dt_acme", {})),
    ("/only-acme", "ex.com", Tenant("dt_beta", {})),
    ("/plan", "ex.com", Tenant("dt_acme", {"Plan": "pro"})),
    ("/plan", "ex.com", Tenant("dt_acme", {"Plan": "pro", "Beta": "1"})),
    ("/plan", "ex.com", Tenant("dt_acme", {"Plan": "PRO"})),
    ("/brand", "ex.com", Tenant("dt_acme", {"Brand": "blue"})),
    ("/brand", "ex.com", Tenant("dt_acme", {})),                    # missing parameter: the lookup's missing answer
    ("/brand", "ex.com", None),
    ("/x", "ex.com", Tenant("__proto__", {})),
    ("/x", "ex.com", Tenant("\t/evil", {})),                        # the ID is data too (§4.1, header site)
])
def test_tenant_routes_agree(uri: str, host: str, tenant: Tenant | None) -> None:
    agree(CONFIG, with_tenant(request_event(uri, host=host), tenant), {"brand": "b1"})


def test_the_tenant_is_not_left_in_the_event_for_the_reference() -> None:
    ev = with_tenant(request_event("/x"), Tenant("dt_acme", {}))
    before = copy.deepcopy(ev)
    agree(CONFIG, ev)
    assert ev == before


# ------------------------------------------------------------------ tenant values everywhere (lookup keys, header rules)
CONFIG_KEYS = """
version: 1
functions:
  f:
    event: viewer-request
    runtime: cloudfront-js-2.0
    kvs: { name: s }
    routes:
      - path: /configurator
        lookup: { key: "{tenant.params.site}/configurator", as: target }
        rewrite: "{target}"
      - path: /by-id/*
        lookup: { key: "{tenant.id}:{splat}", as: t, missing: { status: 404, body: none } }
        rewrite: /{t}
      - path: /json
        lookup: { key: "brand:{tenant.params.site}", format: json, as: br }
        set_headers: { x-folder: "{br.folder}", x-site: "{tenant.params.site}" }
        rewrite: /b/{br.folder}/{tenant.params.Path}
    headers:
      - tenant: { id: dt_acme }
        set: { x-acme: "yes" }
      - set: { x-tenant: "{tenant.id}", x-plan: "p={tenant.params.Plan}" }
      - tenant: { params: { Plan: { regex: "^(?<plan>[a-z]+)$" } } }
        path: /json
        set: { x-plan-name: "{plan}" }
        remove: [x-drop]
"""
KEYS_KVS = {"acme/configurator": "/cache/acme.html", "beta/configurator": "/cache/b\tx.html",
            "dt_acme:a/b": "acme-ab", "brand:acme": '{"folder": "acme-f"}', "x y/configurator": "/sp"}


KEY_CASES = [
    ("/configurator", Tenant("dt_acme", {"site": "acme", "Plan": "pro"})),
    ("/configurator", Tenant("dt_beta", {"site": "beta"})),            # a value with TAB: missing (URI site)
    ("/configurator", Tenant("dt_acme", {})),                          # no parameter: the next route
    ("/configurator", None),                                           # a standard distribution
    ("/configurator", Tenant("dt_x", {"site": "x y"})),                # a key may hold a space
    ("/configurator", Tenant("dt_x", {"site": "x\ty"})),               # a key value with TAB is data (header site)
    ("/by-id/a/b", Tenant("dt_acme", {})),
    ("/by-id/a/c", Tenant("dt_acme", {})),                             # missing key: the missing answer
    ("/by-id/a/b", None),                                              # no tenant: the missing answer
    ("/json", Tenant("dt_acme", {"site": "acme", "Path": "p", "Plan": "gold", "x": "1"})),
    ("/json", Tenant("dt_acme", {"site": "acme", "Plan": "GOLD"})),    # Path missing: next; rule 3 fails
    ("/json", Tenant("__proto__", {"site": "__proto__", "Plan": "\x7f"})),
    ("/other", Tenant("dt_beta", {"Plan": "x\ny"})),                   # a header rule's value with LF: not applied
    ("/other", None),
]


def _key_event(uri: str, tenant: Tenant | None) -> dict[str, Any]:
    ev = request_event(uri, host="ex.com")
    ev["request"]["headers"]["x-drop"] = {"value": "1"}
    return with_tenant(ev, tenant)


@pytest.mark.parametrize("uri, tenant", KEY_CASES)
def test_tenant_values_in_keys_and_header_rules_agree(uri: str, tenant: Tenant | None) -> None:
    agree(CONFIG_KEYS, _key_event(uri, tenant), KEYS_KVS)


def test_tenant_values_in_keys_and_header_rules_agree_in_njs(njs: Any) -> None:
    problems = case_of(CONFIG_KEYS).check_njs([_key_event(u, t) for u, t in KEY_CASES], KEYS_KVS)
    assert not problems, problems[0]


CONFIG_RESPONSE = """
version: 1
functions:
  f:
    event: viewer-response
    runtime: cloudfront-js-2.0
    routes:
      - path: /gone
        tenant: { params: { Closed: "1" } }
        respond: { status: 410, body: closed }
    headers:
      - tenant: { id: dt_acme }
        status: [200]
        set: { x-acme: "yes" }
      - set: { x-tenant: "{tenant.id}/{tenant.params.Plan}" }
"""


@pytest.mark.parametrize("uri, tenant", [
    ("/gone", Tenant("dt_acme", {"Closed": "1", "Plan": "pro"})),
    ("/gone", Tenant("dt_acme", {"Closed": "0"})),
    ("/x", Tenant("dt_beta", {"Plan": "a b"})),
    ("/x", None),
])
def test_tenant_in_viewer_response_header_rules_agree(uri: str, tenant: Tenant | None) -> None:
    ev = request_event(uri, host="ex.com", event_type="viewer-response")
    agree(CONFIG_RESPONSE, with_tenant(ev, tenant))
