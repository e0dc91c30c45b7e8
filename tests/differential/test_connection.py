"""Connection-request (mTLS) functions in the reference model, QuickJS and njs: random routes
(every match key of docs/semantics.md §10, lookups and logs) over random connection objects
(hostile IP text, escaped and repeated DN attributes, serials in every case and with colons,
validity in and out of the ISO form, missing and mistyped fields), built by the real pipeline and
run through LocalEdge on both engines. Bounded by CFROUTES_DIFF_CONNECTION_EXAMPLES (default 40)."""
from __future__ import annotations

import json
import os
import tempfile
from typing import Any

import pytest
from cfroutes.compiler.pipeline import compile_config
from cfroutes.emulator.local_edge import LocalEdge, Mode, Request
from cfroutes.errors import InputError
from cfroutes.reference import evaluate_connection
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.njs

EXAMPLES = int(os.environ.get("CFROUTES_DIFF_CONNECTION_EXAMPLES", "40"))
EVENTS = 12

NETWORKS = ["203.0.113.0/24", "10.0.0.0/8", "0.0.0.0/0", "2001:db8::/32", "::/0", "::ffff:0:0/96", "203.0.113.7",
            "2001:db8::1", "fe80::/10", "198.51.100.128/25", "::1"]
IPS = ["203.0.113.7", "203.0.113.200", "10.1.2.3", "198.51.100.129", "198.51.100.1", "2001:db8::1", "2001:DB8:0:0::A",
       "2001:db8:0:0:0:0:0:1", "::ffff:203.0.113.7", "::", "::1", "1:2:3:4:5:6:7::", "::1:2:3:4:5:6:7", "fe80::1",
       "fe80::1%eth0", "203.0.113.07", "203.0.113.300", " 203.0.113.7", "1.2.3", "1::2::3", "1.2.3.4::", "::1.2.3.4",
       "1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:7:1.2.3.4", "12345::", "", "\u0661.2.3.4", 42, None]
ATTRS = ["CN", "O", "OU", "C", "cn"]
DN_VALUES = ["Example Corp", "client.example.com", "Dev", "US", "", "a,b", "Other"]
SUBJECTS = ["CN=client.example.com,O=Example Corp,C=US", "CN=a\\,b,O=Example Corp", "cn = Dev , o=Example Corp+OU=Dev",
            "O=Example Corp,O=Other,OU=Dev", "CN=\u00e9,O=", "noequals,CN=client.example.com", "CN=x\\", "CN==US",
            "OU=Dev,OU=Ops", "", "1CN=bad,C=US", 7]
ISSUERS = ["CN=Example Corp Intermediate CA,O=Example Corp,C=US", "CN=Other CA,O=Other", "O=Example Corp"]
SERIALS = ["4a:3f:5c", "4A3F5C", "01", "0a:0B", "\u0130", "x:y", 7]
FINGERPRINTS = ["ab:cd:ef", "ABCDEF", "00", "9f86d081"]
TIMES = ["2024-01-15T00:00:00Z", "2025-01-14T23:59:59Z", "2025-01-14T23:59:59.5Z", "2026-06-01T12:00:00.123Z",
         "2025-01-14T23:59:59.1234Z", "Jan 14 23:59:59 2025 GMT", "", "2025-01-01T00:00:00Z"]
BOUNDS = ["2025-01-01T00:00:00Z", "2025-01-14T23:59:59.5Z", "2024-06-01T00:00:00Z"]
KEYS = ["{serialNumber}", "{sha256Fingerprint}", "fp:{sha256Fingerprint}", "{subject.CN}", "{clientIp}",
        "{issuer.O}/{serialNumber}", "{subject.OU}", "{connectionId}"]
LOGS = ["revoked {serialNumber}", "{subject.CN} from {clientIp}", "plain", "{issuer.CN}|{subject.OU}"]
STORE_KEYS = ["4a3f5c", "01", "0a0b", "abcdef", "fp:abcdef", "client.example.com", "203.0.113.7", "Example Corp/4a3f5c",
              "Dev", "c-1", "i\u0307"]


def _cond(draw: Any) -> Any:
    k = draw(st.integers(0, 3))
    return (None if k == 0 else "*" if k == 1 else draw(st.sampled_from(DN_VALUES)) if k == 2
            else {"regex": draw(st.sampled_from(["^Example", "corp$", "^$", "[,=]", "Dev|Ops", "x"]))})


@st.composite
def route(draw: Any, kvs: bool) -> dict[str, Any]:
    r: dict[str, Any] = {}
    if draw(st.integers(0, 3)) == 0:
        r["clientIp"] = draw(st.lists(st.sampled_from(NETWORKS), min_size=1, max_size=3))
    if draw(st.integers(0, 5)) == 0:
        r["clientCertificate"] = draw(st.booleans())
    cert = r.get("clientCertificate") is not False
    for key in ("subject", "issuer"):
        if cert and draw(st.integers(0, 3)) == 0:
            r[key] = {a: _cond(draw) for a in draw(st.lists(st.sampled_from(ATTRS), min_size=1, max_size=2,
                                                             unique=True))}
    if cert and draw(st.integers(0, 4)) == 0:
        r["serialNumber"] = (draw(st.lists(st.sampled_from(["4a:3f:5c", "01", "0A0B"]), min_size=1, max_size=2))
                             if draw(st.booleans()) else {"regex": draw(st.sampled_from(["^4[aA]", ":", "^0"]))})
    if cert and draw(st.integers(0, 5)) == 0:
        r["sha256Fingerprint"] = draw(st.sampled_from(["AB:CD:EF", ["00", "abcdef"], {"regex": "^9f"}]))
    for key in ("notBefore", "notAfter"):
        if cert and draw(st.integers(0, 5)) == 0:
            r[key] = {draw(st.sampled_from(["before", "after"])): draw(st.sampled_from(BOUNDS))}
    if kvs and draw(st.integers(0, 2)) == 0:
        r["lookup"] = {"key": draw(st.sampled_from(KEYS)), "exists": draw(st.booleans())}
    if draw(st.integers(0, 3)) == 0:
        r["log"] = draw(st.sampled_from(LOGS))
    r["allow" if draw(st.booleans()) else "deny"] = True
    return r


@st.composite
def connection(draw: Any) -> dict[str, Any]:
    c: dict[str, Any] = {"connectionId": draw(st.sampled_from(["c-1", "Fdb=="]))}
    ip = draw(st.sampled_from(IPS))
    if ip is not None:
        c["clientIp"] = ip
    if draw(st.integers(0, 4)):
        leaf: dict[str, Any] = {"subject": draw(st.sampled_from(SUBJECTS)), "issuer": draw(st.sampled_from(ISSUERS)),
                                "serialNumber": draw(st.sampled_from(SERIALS)),
                                "sha256Fingerprint": draw(st.sampled_from(FINGERPRINTS))}
        if draw(st.integers(0, 5)):
            leaf["validity"] = {"notBefore": draw(st.sampled_from(TIMES)), "notAfter": draw(st.sampled_from(TIMES))}
        for k in draw(st.lists(st.sampled_from(sorted(leaf)), max_size=1)):
            del leaf[k]
        c["clientCertificate"] = {"certificates": {"leaf": leaf}}
    return c


@st.composite
def spec(draw: Any) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, str]]:
    kvs = draw(st.booleans())
    routes = draw(st.lists(route(kvs), min_size=1, max_size=6))
    fn: dict[str, Any] = {"event": "connection-request", "routes": routes}
    if kvs:
        fn["kvs"] = {"name": "devices"}
    store = {k: "1" for k in draw(st.lists(st.sampled_from(STORE_KEYS), max_size=5, unique=True))}
    events = draw(st.lists(connection(), min_size=EVENTS, max_size=EVENTS))
    return fn, events, store


@settings(max_examples=EXAMPLES, deadline=None, phases=[Phase.generate, Phase.target],
          suppress_health_check=list(HealthCheck))
@given(spec())
def test_reference_quickjs_and_njs_agree(njs: Any, case: tuple[dict[str, Any], list[dict[str, Any]],
                                                               dict[str, str]]) -> None:
    fn_spec, events, store = case
    with tempfile.TemporaryDirectory(prefix="cfr-conn-") as d:
        path = os.path.join(d, "routes.yaml")
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(json.dumps({"version": 1, "functions": {"c": fn_spec}}))
        try:
            compiled = compile_config(path)
        except InputError as e:
            raise AssertionError(f"generated config refused: {e}\n{json.dumps(fn_spec)}") from e
    assert not compiled.errors, compiled.errors
    fn = compiled.functions[0].function
    kvs = store if "kvs" in fn_spec else None
    requests = [Request("c", ev, store if kvs is not None else None) for ev in events]
    for mode in (Mode.QUICKJS, Mode.NJS):
        with LocalEdge.of(compiled.functions, mode) as edge:
            for ev, inv in zip(events, edge.invoke_many(requests), strict=True):
                want = evaluate_connection(fn, ev, kvs)
                assert inv.ok and not inv.validation_errors, (mode, inv.error, inv.validation_errors, ev)
                if inv.output != want:
                    pytest.fail(f"{mode.value}: {inv.output} != reference {want}\n{json.dumps(fn_spec)}\n"
                                f"{json.dumps(ev)}\nstore {store}")
