"""`event: connection-request` functions in routes.yaml (mTLS, SPEC §7, docs/semantics.md §10):
validation with positions and codes, the build (its own template, size, the profile check with the
emulator's adapter), and the emitted function deciding as the reference model does on both engines."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cfroutes.codes import Code
from cfroutes.compiler.pipeline import compile_config
from cfroutes.config.load import load_config
from cfroutes.emulator.local_edge import LocalEdge, Mode
from cfroutes.errors import InputError
from cfroutes.platform.limits import FUNCTION_SIZE_MAX
from cfroutes.reference import evaluate_connection

HEAD = "version: 1\nfunctions:\n  mtls:\n    event: connection-request\n"

GOOD = HEAD + """\
    kvs: {name: revoked, seed: revoked.yaml}
    routes:
      - name: no-cert
        clientCertificate: false
        deny: true
      - name: revoked
        lookup: {key: "{serialNumber}"}
        log: "revoked {serialNumber} ({subject.CN})"
        deny: true
      - name: office
        clientIp: [203.0.113.0/24, "2001:db8::/32"]
        subject: {O: Example Corp, OU: "*"}
        allow: true
      - name: partner
        issuer: {CN: {regex: "^Partner .* CA$"}}
        notAfter: {after: "2026-01-01T00:00:00Z"}
        allow: true
      - name: pinned
        sha256Fingerprint: ["AB:CD:EF:01", "9f86d081"]
        allow: true
      - deny: true
"""


def write(tmp_path: Path, text: str, seed: str = '"4a3f5c92d1e87b6c": revoked\n') -> str:
    (tmp_path / "revoked.yaml").write_text(seed)
    p = tmp_path / "routes.yaml"
    p.write_text(text)
    return str(p)


def errors(tmp_path: Path, text: str) -> list[tuple[int, str, str]]:
    with pytest.raises(InputError) as exc:
        load_config(write(tmp_path, text))
    return [(d.span.line, str(d.code), d.message) for d in exc.value.diagnostics]


def conn(ip: str = "203.0.113.9", subject: str = "CN=laptop,O=Example Corp,OU=Dev", serial: str = "01",
         issuer: str = "CN=Example CA", fingerprint: str = "00", cert: bool = True,
         not_after: str = "2027-01-01T00:00:00Z") -> dict[str, Any]:
    c: dict[str, Any] = {"connectionId": "c1", "clientIp": ip}
    if cert:
        c["clientCertificate"] = {"certificates": {"leaf": {
            "subject": subject, "issuer": issuer, "serialNumber": serial, "sha256Fingerprint": fingerprint,
            "validity": {"notBefore": "2025-01-01T00:00:00Z", "notAfter": not_after}}}}
    return c


def test_a_connection_function_loads_into_connection_routes(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, GOOD))
    fn = cfg.functions[0]
    assert fn.event == "connection-request" and fn.routes == () and len(fn.connection) == 6
    office = fn.connection[2]
    assert office.client_ip == ("203.0.113.0/24", "2001:db8::/32")
    assert [a for a, _ in office.subject] == ["O", "OU"]
    assert fn.connection[4].fingerprint is not None and fn.connection[4].fingerprint.values == ("abcdef01", "9f86d081")
    assert fn.connection[-1].is_default and not cfg.warnings


@pytest.mark.parametrize("body, line, code, text", [
    ("    runtime: cloudfront-js-1.0\n    routes:\n      - deny: true\n", 5, Code.RUNTIME_NEEDED, "cloudfront-js-2.0 only"),
    ("    routes:\n      - clientIp: 10.0.0.0/8\n", 6, Code.ACTIONS, "exactly one decision"),
    ("    routes:\n      - allow: true\n        deny: true\n", 7, Code.ACTIONS, "exactly one decision"),
    ("    routes:\n      - allow: false\n", 6, Code.WRONG_TYPE, "must be true"),
    ("    routes:\n      - clientIp: 10.0.0.1/8\n        allow: true\n", 6, Code.CONNECTION, "host bits set"),
    ("    routes:\n      - clientIp: [10.0.0.0/8, not-an-ip]\n        allow: true\n", 6, Code.CONNECTION, "not-an-ip"),
    ("    routes:\n      - notAfter: {before: 2026-01-01}\n        allow: true\n", 6, Code.CONNECTION, "ISO 8601"),
    ("    routes:\n      - serialNumber: xyz\n        allow: true\n", 6, Code.CONNECTION, "not hexadecimal"),
    ("    routes:\n      - log: '{path}'\n        allow: true\n", 6, Code.TEMPLATE, "not a connection value"),
    ("    routes:\n      - lookup: {key: '{serialNumber}'}\n        deny: true\n", 6, Code.CONNECTION,
     "needs the function's `kvs:`"),
    ("    routes:\n      - subject: {'C N': x}\n        allow: true\n", 6, Code.CONNECTION, "not a DN attribute"),
    ("    headers:\n      - set: {x: y}\n    routes:\n      - deny: true\n", 5, Code.CONNECTION, "does not apply"),
    ("    routes:\n      - path: /a\n        allow: true\n", 6, Code.UNKNOWN_KEY, "unknown key 'path'"),
    ("    routes:\n      - clientCertificate: false\n        subject: {CN: x}\n        deny: true\n", 6,
     Code.CONNECTION, "never matches"),
    ("    kvs: {name: s}\n", 4, Code.MISSING_KEY, "needs `routes:`"),
])
def test_mistakes_are_positioned_and_coded(tmp_path: Path, body: str, line: int, code: Code, text: str) -> None:
    errs = errors(tmp_path, HEAD + body)
    assert any(ln == line and c == code.value and text in msg for ln, c, msg in errs), errs


def test_no_default_and_unreachable_routes_are_warned(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, HEAD + "    routes:\n      - clientIp: 10.0.0.0/8\n        allow: true\n"))
    assert [(w.span.line, str(w.code)) for w in cfg.warnings] == [(6, Code.CONNECTION_DEFAULT.value)]
    cfg = load_config(write(tmp_path, HEAD + "    routes:\n      - deny: true\n      - allow: true\n"))
    assert [(w.span.line, str(w.code)) for w in cfg.warnings] == [(7, Code.UNREACHABLE_ROUTE.value)]


def test_the_build_fits_and_passes_the_connection_profile(tmp_path: Path) -> None:
    compiled = compile_config(write(tmp_path, GOOD))
    assert not compiled.errors, compiled.errors
    cf = compiled.functions[0]
    assert "function connectionHandler(" in cf.source and "import cf from" in cf.source
    assert cf.size < FUNCTION_SIZE_MAX // 2
    assert cf.kvs_data == [("4a3f5c92d1e87b6c", "revoked")]
    # a function without lookups, IP, DN, serial or time conditions leaves their code out
    small = compile_config(write(tmp_path, HEAD + "    routes:\n      - clientCertificate: true\n        allow: true\n"
                                           "      - deny: true\n"))
    src = small.functions[0].source
    assert "import" not in src and "async" not in src and "function DN(" not in src and "function IP(" not in src
    assert small.functions[0].size < cf.size


def test_an_oversize_connection_function_is_refused(tmp_path: Path) -> None:
    nets = ", ".join(f"10.{i // 256}.{i % 256}.0/24" for i in range(600))
    compiled = compile_config(write(tmp_path, HEAD + f"    routes:\n      - clientIp: [{nets}]\n        allow: true\n"
                                                     "      - deny: true\n"))
    assert [str(e.code) for e in compiled.errors] == [Code.FUNCTION_SIZE.value]


@pytest.fixture(params=[Mode.QUICKJS, Mode.NJS])
def mode(request: pytest.FixtureRequest) -> Mode:
    if request.param is Mode.NJS:
        request.getfixturevalue("njs")
    return Mode(request.param)


@pytest.mark.parametrize("event, decision, log", [
    (conn(cert=False), "deny", None),
    (conn(serial="4A:3F:5C:92:D1:E8:7B:6C"), "deny", ["revoked 4a3f5c92d1e87b6c (laptop)"]),
    (conn(), "allow", None),
    (conn(ip="2001:db8:1::5"), "allow", None),
    (conn(ip="::ffff:203.0.113.9"), "deny", None),  # IPv4-mapped IPv6 is IPv6: not in 203.0.113.0/24
    (conn(subject="CN=laptop,O=Example Corp"), "deny", None),  # no OU
    (conn(subject="CN=laptop,O=Example Corp\\, Inc,OU=Dev"), "deny", None),  # an escaped comma stays in O
    (conn(ip="198.51.100.1", issuer="CN=Partner Two CA,O=P"), "allow", None),
    (conn(ip="198.51.100.1", issuer="CN=Partner Two CA,O=P", not_after="2025-06-01T00:00:00Z"), "deny", None),
    (conn(ip="198.51.100.1", fingerprint="ab:cd:ef:01"), "allow", None),
    (conn(ip="198.51.100.1"), "deny", None),
])
def test_the_built_function_decides_as_the_reference(tmp_path: Path, mode: Mode, event: dict[str, Any],
                                                      decision: str, log: list[str] | None) -> None:
    compiled = compile_config(write(tmp_path, GOOD))
    want: dict[str, Any] = {"decision": decision}
    if log is not None:
        want["customData"] = log
    assert evaluate_connection(compiled.functions[0].function, event, compiled.functions[0].kvs_dict()) == want
    with LocalEdge.of(compiled.functions, mode) as edge:
        inv = edge.invoke("mtls", event)
    assert inv.ok and inv.output == want, (inv.error, inv.validation_errors, inv.output)
