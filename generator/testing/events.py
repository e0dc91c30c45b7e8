"""Build the CloudFront Functions event for a test case, the way CloudFront builds it.

The request shorthand is `[METHOD] URL` where URL is `https://host[:port]/path?query`
or just `/path?query` (the host is then `example.com`, see `DEFAULT_HOST`). The
method defaults to GET. The event has lowercase header names, a `host` header
from the URL (with its port if one was written), the query string split into
`{value, multiValue}` entries *without* percent-decoding, the `Cookie` header
parsed into `cookies`, and the context fields filled with fixed, documented values.
"""
from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from cfroutes.config.model import METHODS, VIEWER_REQUEST, VIEWER_RESPONSE
from cfroutes.platform.headers import TOKEN_RE, is_disallowed
from cfroutes.platform.limits import CONTROL_RE, URL_MAX, VALUE_CONTROL_RE

DEFAULT_HOST = "example.com"
DEFAULT_VIEWER_IP = "198.51.100.10"
DISTRIBUTION_DOMAIN = "d111111abcdef8.cloudfront.net"
DISTRIBUTION_ID = "EDFDVBD6EXAMPLE"
REQUEST_ID = "cfroutes-test-4TyzHTaYWb1GX1qTfsHhEqV6HUDd_BzoBZnwfnvQc_1oF26ClkoUSEQ=="
#: characters CloudFront would never see unencoded in a request target
_BAD_TARGET = re.compile(r'[^\x21-\x7e]|["<>]')
_HOST_RE = re.compile(r"^(?:[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?\.)*[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?\Z|^\[[0-9A-Fa-f:.]+\]\Z")

HeaderValues = str | Sequence[str]


class RequestError(ValueError):
    """A request or an event field that CloudFront could not have received.

    `column` is the 1-based column inside the request text, when it is known.
    """

    def __init__(self, message: str, column: int | None = None, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.column = column
        self.hint = hint


@dataclass(frozen=True)
class ParsedRequest:
    method: str
    host: str  # as written, port included when one was given ("example.com:8080")
    uri: str
    query: str | None  # raw text after "?", None when the URL has no "?"


def parse_request(text: str) -> ParsedRequest:
    """Split `[METHOD] URL`; raises RequestError with the column of the problem."""
    if not text.strip():
        raise RequestError("the request is empty; write e.g. 'GET https://example.com/path'", 1)
    lead = len(text) - len(text.lstrip(" "))
    body = text.strip(" ")
    method = "GET"
    url, url_col = body, lead + 1
    first, sep, rest = body.partition(" ")
    if sep and not first.startswith(("/", "http://", "https://")):
        method = first.upper()
        if method not in METHODS:
            raise RequestError(f"unknown method '{first}'; use one of {', '.join(METHODS)}", lead + 1)
        stripped = rest.lstrip(" ")
        url_col = lead + len(first) + 1 + (len(rest) - len(stripped)) + 1
        url = stripped
    bad = _BAD_TARGET.search(url)
    if bad:
        ch = bad.group()
        col = url_col + bad.start()
        if ch == " ":
            raise RequestError("the URL contains a space; percent-encode it as %20", col)
        if CONTROL_RE.match(ch):
            raise RequestError(f"the URL contains a control character ({ch!r})", col)
        enc = "".join(f"%{b:02X}" for b in ch.encode("utf-8"))
        raise RequestError(f"the URL contains {ch!r}, which browsers send percent-encoded",
                           col, hint=f"write it as {enc}")
    if "#" in url:
        raise RequestError("the URL has a fragment (#...); browsers never send it to CloudFront",
                           url_col + url.index("#"))
    host = DEFAULT_HOST
    rest_url = url
    m = re.match(r"^(https?)://", url, re.IGNORECASE)
    if m:
        after = url[m.end():]
        end = len(after)
        for stop in "/?":
            i = after.find(stop)
            if 0 <= i < end:
                end = i
        authority = after[:end]
        rest_url = after[end:]
        host = _check_authority(authority, url_col + m.end())
    elif not url.startswith("/"):
        raise RequestError("expected a URL (https://host/path) or a path starting with '/'", url_col)
    elif url.startswith("//"):
        raise RequestError("a path may not start with '//'; write https://host/path for a host", url_col)
    if len(rest_url.encode("utf-8")) > URL_MAX:
        raise RequestError(f"the path and query are {len(rest_url):,} bytes; CloudFront accepts at most "
                           f"{URL_MAX:,}", url_col)
    path, qmark, query = rest_url.partition("?")
    if not path:
        path = "/"
    return ParsedRequest(method, host, path, query if qmark else None)


def _check_authority(authority: str, col: int) -> str:
    if not authority:
        raise RequestError("the URL has no host", col)
    if "@" in authority:
        raise RequestError("user information (user@host) is not allowed in the URL", col)
    host, port = authority, ""
    if authority.startswith("[") and "]:" in authority:  # [::1]:8787
        host, _, port = authority.rpartition(":")
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise RequestError(f"invalid port '{port}'", col + len(host) + 1)
    elif not authority.endswith("]") and authority.count(":") == 1:
        host, port = authority.split(":")
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise RequestError(f"invalid port '{port}'", col + len(host) + 1)
    if not _HOST_RE.match(host) or len(host) > 253:
        raise RequestError(f"invalid host '{host}'", col)
    return authority


def check_authority(authority: str) -> str:
    """`host[:port]` (a Host header's value): returned as it is, or RequestError when it is no host."""
    return _check_authority(authority, 1)


def parse_query(query: str | None) -> dict[str, dict[str, Any]]:
    """`a=1&a=2&b` -> {a: {value: '1', multiValue: [...]}, b: {value: ''}}, no decoding.

    Empty pieces (`a=1&&b=2`) and pieces with an empty name (`=x`) are skipped.
    """
    out: dict[str, dict[str, Any]] = {}
    if not query:
        return out
    for piece in query.split("&"):
        if not piece:
            continue
        key, _, value = piece.partition("=")
        if not key:
            continue
        _add_value(out, key, value)
    return out


def _add_value(target: dict[str, dict[str, Any]], name: str, value: str) -> None:
    cur = target.get(name)
    if cur is None:
        target[name] = {"value": value}
        return
    multi = cur.get("multiValue") or [{"value": cur["value"]}]
    cur["multiValue"] = multi + [{"value": value}]


def parse_cookie_header(text: str) -> list[tuple[str, str]]:
    """`a=1; b=2` -> [(a, 1), (b, 2)]; a piece without '=' is a cookie with an empty value."""
    pairs = []
    for piece in text.split(";"):
        piece = piece.strip()
        if not piece:
            continue
        name, _, value = piece.partition("=")
        pairs.append((name.strip(), value.strip()))
    return pairs


def _values(name: str, value: HeaderValues) -> list[str]:
    vals = [value] if isinstance(value, str) else list(value)
    if not vals:
        raise RequestError(f"header '{name}' has an empty list of values")
    for v in vals:
        if not isinstance(v, str):
            raise RequestError(f"header '{name}' values must be strings")
        if VALUE_CONTROL_RE.search(v):
            raise RequestError(f"header '{name}' contains a control character; CR and LF are refused")
    return vals


def _headers(headers: Mapping[str, HeaderValues] | None, event: str, where: str,
             ) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """Headers in event shape plus the raw Cookie/Set-Cookie values (kept apart)."""
    out: dict[str, dict[str, Any]] = {}
    cookie_lines: list[str] = []
    for name, value in (headers or {}).items():
        if not TOKEN_RE.match(name):
            raise RequestError(f"invalid header name {name!r}")
        low = name.lower()
        vals = _values(low, value)
        if is_disallowed(low):
            raise RequestError(f"header '{low}' is never shown to CloudFront Functions; remove it from the {where}")
        if low == ("cookie" if event == "request" else "set-cookie"):
            cookie_lines.extend(vals)
            continue
        for v in vals:
            _add_value(out, low, v)
    return out, cookie_lines


def build_event(request: str, *, event_type: str = VIEWER_REQUEST,
                headers: Mapping[str, HeaderValues] | None = None,
                cookies: Mapping[str, HeaderValues] | None = None,
                viewer_ip: str | None = None,
                response: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The event CloudFront would pass to a function for this request.

    `headers` values are a string or a list of strings (repeated header). A `host`
    header overrides the host of the URL. `cookies` are added after those of a
    `Cookie` header. For viewer-response events, `response` is
    `{status (default 200), status_description?, headers?, cookies?}` where a
    response cookie is written `"value; Attr=x; Secure"`.
    """
    if event_type not in (VIEWER_REQUEST, VIEWER_RESPONSE):
        raise ValueError(f"unknown event type {event_type!r}")
    req = parse_request(request)
    hdrs, cookie_lines = _headers(headers, "request", "request")
    if "host" not in hdrs:
        hdrs = {"host": {"value": req.host}, **hdrs}
    jar: dict[str, dict[str, Any]] = {}
    for line in cookie_lines:
        for name, value in parse_cookie_header(line):
            if name:
                _add_value(jar, name, value)
    for name, values in (cookies or {}).items():
        for v in _values(f"cookie {name}", values):
            if not name or not TOKEN_RE.match(name):
                raise RequestError(f"invalid cookie name {name!r}")
            if ";" in v:
                raise RequestError(f"cookie '{name}' value may not contain ';'")
            _add_value(jar, name, v)
    ip = viewer_ip if viewer_ip is not None else DEFAULT_VIEWER_IP
    if viewer_ip is not None:
        try:
            ipaddress.ip_address(ip)
        except ValueError:
            raise RequestError(f"viewer_ip '{ip}' is not an IPv4 or IPv6 address") from None
    event: dict[str, Any] = {
        "version": "1.0",
        "context": {
            "distributionDomainName": DISTRIBUTION_DOMAIN,
            "distributionId": DISTRIBUTION_ID,
            "eventType": event_type,
            "requestId": REQUEST_ID,
        },
        "viewer": {"ip": ip},
        "request": {
            "method": req.method,
            "uri": req.uri,
            "querystring": parse_query(req.query),
            "headers": hdrs,
            "cookies": jar,
        },
    }
    if event_type == VIEWER_RESPONSE:
        event["response"] = build_response(response or {})
    elif response is not None:
        raise RequestError("`response` is only for viewer-response functions")
    return event


def build_response(spec: Mapping[str, Any]) -> dict[str, Any]:
    """The origin's response as a viewer-response event holds it."""
    status = spec.get("status", 200)
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise RequestError(f"response status must be an integer 100-599, got {status!r}")
    desc = spec.get("status_description")
    if desc is None:
        try:
            desc = HTTPStatus(status).phrase
        except ValueError:
            desc = ""
    hdrs, set_cookies = _headers(spec.get("headers"), "response", "response")
    jar: dict[str, dict[str, Any]] = {}
    lines = list(set_cookies)
    for name, value in (spec.get("cookies") or {}).items():
        lines.extend(f"{name}={v}" for v in _values(f"cookie {name}", value))
    for line in lines:
        first, _, attrs = line.partition(";")
        name, _, value = first.partition("=")
        name = name.strip()
        if not name or not TOKEN_RE.match(name):
            raise RequestError(f"invalid Set-Cookie {line!r}: expected name=value; attributes")
        entry: dict[str, Any] = {"value": value.strip()}
        if attrs.strip():
            entry["attributes"] = attrs.strip()
        if name in jar:  # a repeated cookie name keeps every Set-Cookie
            prev = jar[name]
            prev["multiValue"] = prev.get("multiValue") or [dict(prev)]
            prev["multiValue"].append(entry)
        else:
            jar[name] = entry
    out: dict[str, Any] = {"statusCode": status, "statusDescription": desc, "headers": hdrs, "cookies": jar}
    return out


__all__ = ["DEFAULT_HOST", "DEFAULT_VIEWER_IP", "ParsedRequest", "RequestError", "build_event",
           "build_response", "parse_cookie_header", "parse_query", "parse_request"]
