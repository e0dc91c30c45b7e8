"""Build a connection-request (mTLS) function: its routes as data for templates/connection.js.j2,
rendered, minified and verified like every function (size quota, the runtime profile with the
emulator's connection adapter, the store's limits). Semantics: docs/semantics.md §10."""
from __future__ import annotations

import hashlib
import ipaddress
import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import rjsmin
from cfroutes import __version__
from cfroutes.codes import Code
from cfroutes.compiler.emit import _env, js, template_source
from cfroutes.compiler.plan import Plan
from cfroutes.compiler.verify import Verified, kvs_problems
from cfroutes.config.model import CertValue, ConnRoute, Function, Template
from cfroutes.emulator.connection import adapt
from cfroutes.errors import Diagnostic
from cfroutes.kvs import importfile
from cfroutes.platform.jscheck import lint_source
from cfroutes.platform.limits import FUNCTION_SIZE_MAX

TEMPLATE = "connection.js.j2"
_KIND = {"equals": 0, "present": 1, "absent": 2, "regex": 3}


def network(cidr: str) -> list[Any]:
    """[version, 16-bit groups, prefix length] of a CIDR (what IN() compares)."""
    n = ipaddress.ip_network(cidr)
    raw = n.network_address.packed
    return [n.version, [raw[i] * 256 + raw[i + 1] for i in range(0, len(raw), 2)], n.prefixlen]


def _template(t: Template) -> Any:
    if t.is_literal:
        return t.literal
    return [p if isinstance(p, str) else [p.name, *p.fields] for p in t.parts]


def _cert(cv: CertValue) -> Any:
    return {"x": cv.regex} if cv.regex is not None else list(cv.values)


def record(r: ConnRoute) -> dict[str, Any]:
    out: dict[str, Any] = {"d": 1 if r.decision == "allow" else 0}
    if r.certificate is not None:
        out["c"] = 1 if r.certificate else 0
    if r.client_ip is not None:
        out["ip"] = [network(c) for c in r.client_ip]
    for key, conds in (("s", r.subject), ("i", r.issuer)):
        if conds:
            out[key] = [[a, _KIND[c.kind]] + ([c.value] if c.value is not None else []) for a, c in conds]
    if r.serial is not None:
        out["sn"] = _cert(r.serial)
    if r.fingerprint is not None:
        out["fp"] = _cert(r.fingerprint)
    for key, bound in (("nb", r.not_before), ("na", r.not_after)):
        if bound is not None:
            out[key] = [1 if bound[0] == "before" else 0, bound[1]]
    if r.lookup is not None:
        out["lk"] = [_template(r.lookup.key), 1 if r.lookup.exists else 0]
    if r.log is not None:
        out["lg"] = _template(r.log)
    return out


def flags(fn: Function) -> dict[str, bool]:
    rs = fn.connection
    refs = [ref for r in rs for t in (r.lookup.key if r.lookup else None, r.log) if t is not None for ref in t.refs]
    return {
        "kvs": any(r.lookup is not None for r in rs),
        "ip": any(r.client_ip is not None for r in rs),
        "dn": any(r.subject or r.issuer for r in rs) or any(ref.fields for ref in refs),
        "cv": any(r.serial is not None or r.fingerprint is not None for r in rs),
        "time": any(r.not_before is not None or r.not_after is not None for r in rs),
    }


@lru_cache(maxsize=1)
def _template_sha256() -> str:
    return hashlib.sha256(template_source(TEMPLATE).encode("utf-8")).hexdigest()


def input_sha256(fn: Function, R: list[dict[str, Any]]) -> str:
    """What this function's bytes are built from (as compiler/fingerprint.py for viewer functions)."""
    doc = ["cfroutes", __version__, _template_sha256(), fn.name, fn.event, fn.runtime,
           None if fn.kvs is None else [fn.kvs.name, fn.kvs.seed], R]
    return hashlib.sha256(json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode("utf-8")).hexdigest()


def connection_source(fn: Function, *, pretty: bool = False) -> tuple[str, str]:
    """(the function's source, its input hash)."""
    R = [record(r) for r in fn.connection]
    digest = input_sha256(fn, R)
    if pretty:
        rows = [f"  {js(rec)}{',' if i < len(R) - 1 else ''}  // {r.label} (line {r.span.line})"
                for i, (rec, r) in enumerate(zip(R, fn.connection, strict=True))]
        table = "[\n" + "\n".join(rows) + "\n]" if R else "[]"
    else:
        table = js(R)
    src = _env().get_template(TEMPLATE).render(F=flags(fn), R=table)
    if not pretty:
        src = rjsmin.jsmin(src)
    header = f"// cfroutes {__version__} {fn.name} input-sha256:{digest[:16]}\n"
    return header + src.strip() + "\n", digest


def verify(fn: Function, src: str, kvs_data: list[tuple[str, str]] | None, kvs_file: str | None,
           check_size: bool) -> Verified:
    """The size quota, the runtime profile (as the emulator loads it: with the adapter that calls
    connectionHandler), the store's limits."""
    out = Verified()
    size = len(src.encode("utf-8"))
    if check_size and size > FUNCTION_SIZE_MAX:
        out.errors.append(Diagnostic(fn.span, f"function '{fn.name}' is {size:,} bytes, {size - FUNCTION_SIZE_MAX:,} "
                                     f"over the {FUNCTION_SIZE_MAX:,}-byte CloudFront Functions limit",
                                     hint="fewer routes or shorter lists (move long lists into the KeyValueStore "
                                          "and use `lookup:`)", code=Code.FUNCTION_SIZE))
    for issue in lint_source(adapt(src), fn.runtime):
        out.errors.append(Diagnostic(fn.span, f"emitted code of '{fn.name}' breaks the {fn.runtime} profile at "
                                     f"{issue.line}:{issue.column}: {issue.message} (a cfroutes bug)",
                                     hint=issue.hint, code=Code.PROFILE))
    if kvs_data is not None and kvs_file is not None:
        out.errors.extend(kvs_problems(fn, kvs_data, kvs_file))
    return out


def compile_connection(fn: Function, *, pretty: bool = False, debug: bool = False) -> Built:
    """A connection function built and verified (pipeline.compile_function makes its CompiledFunction)."""
    src, digest = connection_source(fn, pretty=pretty)
    kvs_data = None if fn.kvs is None else list(fn.kvs.seed)
    kvs_file = None if kvs_data is None else importfile.import_file_text(kvs_data)
    checked = verify(fn, src, kvs_data, kvs_file, check_size=not (pretty or debug))
    return Built(src, digest, Plan(fn, [], {}, [], []), kvs_data, kvs_file, checked)


@dataclass
class Built:
    source: str
    input_sha256: str
    plan: Plan  # empty: a connection function has no route tables
    kvs_data: list[tuple[str, str]] | None
    kvs_file: str | None
    checked: Verified
