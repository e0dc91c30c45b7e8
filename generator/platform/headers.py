"""CloudFront header rules: names a function may never add, and read-only ones."""
from __future__ import annotations

import re

from cfroutes.platform.event import VIEWER_REQUEST, VIEWER_RESPONSE

#: never shown to functions and never addable (adding one -> 502)
DISALLOWED = frozenset(
    """connection expect keep-alive proxy-authenticate proxy-authorization proxy-connection
    trailer upgrade x-accel-buffering x-accel-charset x-accel-limit-rate x-accel-redirect
    x-amzn-auth x-amzn-cf-billing x-amzn-cf-id x-amzn-cf-xff x-amzn-errortype
    x-amzn-fle-profile x-amzn-header-count x-amzn-header-order
    x-amzn-lambda-integration-tag x-amzn-requestid x-cache x-forwarded-proto
    x-real-ip""".split()
)
DISALLOWED_PREFIXES = ("x-amz-cf-", "x-edge-")
#: read-only per event type (add, edit or delete -> 502)
READ_ONLY = {
    VIEWER_REQUEST: frozenset({"cdn-loop", "content-length", "host", "transfer-encoding", "via"}),
    VIEWER_RESPONSE: frozenset({"warning", "via"}),
}
TOKEN_RE = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+\Z")


def is_disallowed(name: str) -> bool:
    n = name.lower()
    return n in DISALLOWED or n.startswith(DISALLOWED_PREFIXES)


def header_problem(name: str, edits: str) -> str | None:
    """Why a function may not set/remove header `name`, or None.

    `edits` is "request" (viewer-request request), "response" (viewer-response) or
    "generated" (a response made by the function itself).
    """
    if not TOKEN_RE.match(name):
        return f"invalid header name {name!r}"
    n = name.lower()
    if is_disallowed(n):
        return f"header '{n}' is disallowed in CloudFront Functions (CloudFront answers 502)"
    if edits == "request" and n in READ_ONLY[VIEWER_REQUEST]:
        return f"header '{n}' is read-only in viewer-request functions (CloudFront answers 502)"
    if edits == "response" and n in READ_ONLY[VIEWER_RESPONSE]:
        return f"header '{n}' is read-only in viewer-response functions (CloudFront answers 502)"
    if n in ("cookie", "set-cookie"):
        return f"'{n}' is not a header in CloudFront Functions events (use cookies)"
    return None
