"""Validation of the origin-modification helpers' arguments (cloudfront module)."""
from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from cfroutes.platform.event import VIEWER_REQUEST
from cfroutes.platform.headers import is_disallowed
from cfroutes.platform.limits import DOMAIN_NAME_MAX

_IP = re.compile(r"^(\d{1,3}\.){3}\d{1,3}\Z|^\[?[0-9a-fA-F:]+\]?\Z")
_S3 = re.compile(r"\.s3[.-]([a-z0-9-]+\.)?amazonaws\.com\Z")


def validate_origin(origin: dict[str, Any], event_type: str, kind: str,
                    request_headers: Any = None) -> list[str]:
    """The problems of the origin helper call `origin` recorded ({method, params}); `request_headers`:
    the headers of the request the function returned (a `customHeaders` name may not be one)."""
    method = origin.get("method", "")
    params = origin.get("params")
    where = f"origin.{method}"
    if event_type != VIEWER_REQUEST:
        return [f"{where}: origin helpers are only available in viewer-request functions"]
    if kind != "request":
        return [f"{where}: an origin was selected but the function returned a response"]
    if method == "updateRequestOrigin":
        present = {str(k).lower() for k in request_headers} if isinstance(request_headers, dict) else set()
        return list(_update(where, params, present))
    if method == "selectRequestOriginById":
        p = params or {}
        errs = [] if isinstance(p.get("originId"), str) and p["originId"] else [f"{where}.originId: must be a non-empty string"]
        errs.extend(_common(where, p.get("options") or {}))
        return errs
    if method == "createRequestOriginGroup":
        return list(_group(where, params))
    return [f"{where}: unknown origin helper"]


def _update(where: str, p: Any, present: frozenset[str] | set[str] = frozenset()) -> Iterator[str]:
    if not isinstance(p, dict):
        yield f"{where}: takes an object"
        return
    dn = p.get("domainName")
    if dn is not None:
        if not isinstance(dn, str) or not dn:
            yield f"{where}.domainName: must be a non-empty string"
        elif ":" in dn or _IP.match(dn):
            yield f"{where}.domainName: must be a host name without port or IP address"
        elif _S3.search(dn) and (len(dn) > 128 or dn != dn.lower()):
            yield f"{where}.domainName: S3 domain names are lower-case and at most 128 characters"
        elif len(dn) > DOMAIN_NAME_MAX:
            yield f"{where}.domainName: longer than {DOMAIN_NAME_MAX} characters"
    op = p.get("originPath")
    if op is not None and (not isinstance(op, str) or not op.startswith("/") or op.endswith("/") or len(op) > 255):
        yield f"{where}.originPath: must start with /, not end with /, at most 255 characters"
    ch = p.get("customHeaders")
    if ch is not None:
        if not isinstance(ch, dict):
            yield f"{where}.customHeaders: must be a flat {{name: value}} object"
        else:
            for name, value in ch.items():
                if is_disallowed(name):
                    yield f"{where}.customHeaders.{name.lower()}: disallowed header"
                elif name.lower() in present:
                    yield (f"{where}.customHeaders.{name.lower()}: the request already has this header "
                           "(custom origin headers may not repeat a request header)")
                elif not isinstance(value, str):
                    yield f"{where}.customHeaders.{name}: value must be a string"
    ca = p.get("connectionAttempts")
    if ca is not None and (not isinstance(ca, int) or isinstance(ca, bool) or not 1 <= ca <= 3):
        yield f"{where}.connectionAttempts: must be 1-3"
    yield from _timeouts(where, p.get("timeouts"))
    osh = p.get("originShield")
    if osh is not None:
        if not isinstance(osh, dict):
            yield f"{where}.originShield: must be an object {{enabled, region}}"
        elif osh.get("enabled") is True and not (isinstance(osh.get("region"), str) and osh["region"]):
            yield f"{where}.originShield.region: required when Origin Shield is enabled (a region code such as us-east-2)"
    oac = p.get("originAccessControlConfig")
    if oac is not None:
        if not isinstance(oac, dict):
            yield f"{where}.originAccessControlConfig: must be an object"
        else:
            if oac.get("signingBehavior", "always") not in ("always", "never", "no-override"):
                yield f"{where}.originAccessControlConfig.signingBehavior: always, never or no-override"
            if oac.get("signingProtocol", "sigv4") != "sigv4":
                yield f"{where}.originAccessControlConfig.signingProtocol: must be sigv4"
            if oac.get("originType", "s3") not in ("s3", "mediapackagev2", "mediastore", "lambda"):
                yield f"{where}.originAccessControlConfig.originType: s3, mediapackagev2, mediastore or lambda"
    coc = p.get("customOriginConfig")
    if coc is not None:
        if not isinstance(coc, dict):
            yield f"{where}.customOriginConfig: must be an object"
        else:
            if "protocol" in coc and coc["protocol"] not in ("http", "https"):
                yield f"{where}.customOriginConfig.protocol: http or https"
            port = coc.get("port")
            if port is not None and (not isinstance(port, int) or not 1 <= port <= 65535):
                yield f"{where}.customOriginConfig.port: must be 1-65535"
            for sp in coc.get("sslProtocols") or []:
                if sp not in ("SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2"):
                    yield f"{where}.customOriginConfig.sslProtocols: unknown protocol {sp!r}"
            ipt = coc.get("ipAddressType")
            if ipt is not None and (ipt not in ("ipv4", "ipv6", "dualstack") or dn is None):
                yield f"{where}.customOriginConfig.ipAddressType: ipv4|ipv6|dualstack, only with a new domainName"
    yield from _common(where, p)


def _common(where: str, p: Any) -> Iterator[str]:
    if not isinstance(p, dict):
        yield f"{where}: options must be an object"
        return
    for key in ("hostHeader", "sni"):
        v = p.get(key)
        if v is not None and (not isinstance(v, str) or len(v) > DOMAIN_NAME_MAX):
            yield f"{where}.{key}: must be a string of at most {DOMAIN_NAME_MAX} characters"
        elif isinstance(v, str) and (":" in v or _IP.match(v)):
            yield f"{where}.{key}: must be a host name without port or IP address"
    names = p.get("allowedCertificateNames")
    if names is not None and (not isinstance(names, list) or len(names) > 20
                              or any(not isinstance(n, str) or len(n) > 64 for n in names)):
        yield f"{where}.allowedCertificateNames: at most 20 names of at most 64 characters"


def _timeouts(where: str, t: Any) -> Iterator[str]:
    if t is None:
        return
    if not isinstance(t, dict):
        yield f"{where}.timeouts: must be an object"
        return
    ranges = {"readTimeout": (1, 120), "keepAliveTimeout": (1, 120), "connectionTimeout": (1, 10),
              "responseCompletionTimeout": (1, 10 ** 9)}
    for key, (lo, hi) in ranges.items():
        v = t.get(key)
        if v is not None and (not isinstance(v, int) or isinstance(v, bool) or not lo <= v <= hi):
            yield f"{where}.timeouts.{key}: must be {lo}-{hi}" if hi < 10 ** 9 else f"{where}.timeouts.{key}: positive integer"
    rc, rt = t.get("responseCompletionTimeout"), t.get("readTimeout")
    if isinstance(rc, int) and isinstance(rt, int) and rc < rt:
        yield f"{where}.timeouts.responseCompletionTimeout: must be >= readTimeout"


def _group(where: str, p: Any) -> Iterator[str]:
    if not isinstance(p, dict):
        yield f"{where}: takes an object"
        return
    ids = p.get("originIds")
    if not isinstance(ids, list) or len(ids) != 2:
        yield f"{where}.originIds: exactly two origins (primary first)"
    else:
        for i, o in enumerate(ids):
            oid = o.get("originId") if isinstance(o, dict) else o
            if not isinstance(oid, str) or not oid:
                yield f"{where}.originIds[{i}].originId: must be a non-empty string"
    if p.get("selectionCriteria", "default") not in ("default", "media-quality-score"):
        yield f"{where}.selectionCriteria: default or media-quality-score"
    fc = p.get("failoverCriteria")
    codes = fc.get("statusCodes") if isinstance(fc, dict) else None
    if not isinstance(codes, list) or not codes or any(not isinstance(c, int) or not 400 <= c <= 599 for c in codes):
        yield f"{where}.failoverCriteria.statusCodes: a non-empty list of 4xx/5xx status codes"
