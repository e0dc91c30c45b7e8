"""CloudFront custom error responses (a distribution's `CustomErrorResponses`), as the API
reference and the Developer Guide ("Generating custom error responses") describe them.

A custom error response replaces the body (and optionally the status) of a response the ORIGIN
answered with an error status: CloudFront fetches `ResponsePagePath` (through the cache behaviour
whose path pattern matches it) and serves it with `ResponseCode`. It applies to the whole
distribution, one entry per error status. It is the one CloudFront feature that serves a page with
a 4xx status while the page itself is served with 200 to a direct request.
"""
from __future__ import annotations

#: the origin statuses CloudFront lets a distribution customize (ErrorCode)
ERROR_CODES = (400, 403, 404, 405, 414, 416, 500, 501, 502, 503, 504)
#: the statuses it may answer with instead (ResponseCode): the same, or 200
RESPONSE_CODES = (200, *ERROR_CODES)
#: ErrorCachingMinTTL when none is given: CloudFront caches an error response 10 seconds
DEFAULT_TTL = 10
#: ErrorCachingMinTTL's upper bound (one year)
TTL_MAX = 31_536_000
