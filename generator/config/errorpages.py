"""`error_pages:` of routes.yaml: the distribution's custom error responses.

    error_pages:
      404: /404.html                         # the origin's 404: serve /404.html with status 404
      403: {page: /index.html, status: 200}  # an SPA: serve the app for what the origin refuses
      503: {page: /busy.html, ttl: 0}

A function cannot give a response that goes on to the origin a status of its own (a viewer-request
function's request has none; a viewer-response function never sees the origin's 4xx/5xx), so
"serve this page with status 404 where no file exists" is this, not a route. `export` writes
the entries in each target's terms (platform/error_pages.py); the functions do not change.
"""
from __future__ import annotations

import re

from cfroutes.codes import Code
from cfroutes.config import schema
from cfroutes.config.model import ErrorPage
from cfroutes.config.validator import Validator
from cfroutes.config.yamlload import Node
from cfroutes.platform.error_pages import DEFAULT_TTL, ERROR_CODES, RESPONSE_CODES, TTL_MAX
from cfroutes.platform.uri import LONE_PERCENT, uri_text

#: an ASCII character that is not path text (RFC 3986 pchar and '/'): spaces, quotes, ?, #, ...
_NOT_PATH = re.compile(r"[^A-Za-z0-9\-._~!$&'()*+,;=:@/%\x80-\U0010ffff]")


def _codes(codes: tuple[int, ...]) -> str:
    return ", ".join(str(c) for c in codes)


def validate_error_pages(v: Validator, node: Node) -> tuple[ErrorPage, ...]:
    """The entries in file order; invalid ones are reported and left out."""
    if not node.is_map:
        v.err(node, f"error_pages must be a mapping of status code to page, got {node.type_name()}",
              hint="error_pages: {404: /404.html}", code=Code.WRONG_TYPE)
        return ()
    out: list[ErrorPage] = []
    for key, value in node.value.items():
        knode = node.keys[key]
        code = int(key) if key.isascii() and key.isdigit() and len(key) == 3 else None
        if code not in ERROR_CODES:
            v.err(knode, f"error_pages: {key!r} is not a status CloudFront lets a distribution customize",
                  hint=f"one of {_codes(ERROR_CODES)}", code=Code.ERROR_PAGES)
            continue
        assert code is not None
        page = _entry(v, code, value)
        if page is not None:
            out.append(page)
    return tuple(out)


def _entry(v: Validator, code: int, node: Node) -> ErrorPage | None:
    what = f"error_pages.{code}"
    status, ttl = code, DEFAULT_TTL
    if node.is_map:
        m = v.mapping(node, what, schema.ERROR_PAGE.keys)
        if m is None:
            return None
        if "page" not in m:
            v.err(node, f"{what} needs `page:` (the path of the page to serve)", code=Code.MISSING_KEY)
            return None
        pnode = m["page"]
        if "status" in m:
            s = v.integer(m["status"], f"{what}.status", 200, 599)
            if s is None:
                return None
            if s not in RESPONSE_CODES:
                v.err(m["status"], f"{what}.status {s} is not a status CloudFront answers an error page with",
                      hint=f"one of {_codes(RESPONSE_CODES)}", code=Code.ERROR_PAGES)
                return None
            status = s
        if "ttl" in m:
            t = v.integer(m["ttl"], f"{what}.ttl", 0, TTL_MAX)
            if t is None:
                return None
            ttl = t
    elif node.is_list or node.value is None:
        v.err(node, f"{what} must be a page path or a mapping {{page, status, ttl}}, got {node.type_name()}",
              code=Code.WRONG_TYPE)
        return None
    else:
        pnode = node
    page = _page(v, pnode, what)
    if page is None:
        return None
    return ErrorPage(code, page, status, ttl, node.span)


def _page(v: Validator, node: Node, what: str) -> str | None:
    s = v.string(node, f"{what} page")
    if s is None or not v.no_control(node, s, f"{what} page"):
        return None
    if not s.startswith("/") or s.startswith("//"):
        v.err(node, f"{what}: the page must be a path on this distribution such as /404.html, got {s!r}",
              hint="no scheme or host: CloudFront fetches it from the distribution's own origin (ResponsePagePath)",
              code=Code.ERROR_PAGES)
        return None
    bad = _NOT_PATH.search(s) or LONE_PERCENT.search(s)
    if bad:
        v.err(node, f"{what}: {bad.group()!r} cannot be written in a page path ({s!r})",
              hint="percent-encode it (a space is %20, a literal '%' is %25); a page has no query or fragment",
              code=Code.ERROR_PAGES)
        return None
    return uri_text(s)  # non-ASCII as UTF-8 %XX, as CloudFront asks for ResponsePagePath
