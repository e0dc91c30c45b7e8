"""`cfroutes serve`'s CloudFront cache: the declared policy's key and TTLs, bounded and thread-safe.

Where it sits in a request (serve/edge.py): after the viewer-request function (the key is made
from the request it passes on: its rewritten URI, and the Host, headers, cookies and query
strings the policy names) and before the origin; the viewer-response function runs on every
answer, cached or not, as on CloudFront. Each answer gets `x-cache` as CloudFront writes it:

- `Miss from cloudfront`: not in the cache (or not cacheable); the origin answered;
- `Hit from cloudfront`: served from the cache, with `age` (seconds since it was stored);
- `RefreshHit from cloudfront`: the entry had expired, the origin said it is unchanged (a 304, or
  the same ETag / Last-Modified, which is what a folder origin's conditional GET would get), and
  the stored copy was served and kept for another TTL.

TTL (docs: "Manage how long content stays in the cache"): `Cache-Control: s-maxage`, else
`max-age`, else `Expires` minus `Date`, clamped to the policy's minimum and maximum; no such
header: the default TTL; `no-store`, `no-cache` or `private`: not cached when the minimum TTL is
0, else cached for the minimum TTL. Only GET answers are stored (HEAD reads them); only the
statuses CloudFront caches are stored, error statuses for the 10-second error-caching TTL.
Bounded: at most `max_entries` entries and `max_bytes` of bodies, least recently used out first.
"""
from __future__ import annotations

import email.utils
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cfroutes.platform.cache_policies import ERROR_TTL, CachePolicy
from cfroutes.platform.event import entry_values, format_query

#: statuses stored with the TTL rules (CloudFront: "HTTP status codes that CloudFront caches")
CACHED_STATUSES = frozenset({200, 203, 206, 300, 301, 410})
#: error statuses CloudFront caches for the distribution's error-caching minimum TTL
ERROR_STATUSES = frozenset({400, 403, 404, 405, 414, 416, 500, 501, 502, 503, 504})
HIT, MISS, REFRESH = "Hit from cloudfront", "Miss from cloudfront", "RefreshHit from cloudfront"
FUNCTION_ANSWER = "FunctionGeneratedResponse from cloudfront"

#: what the origin answers: status, headers, a body (bytes, or whatever serve streams: only bytes are kept)
Fetched = tuple[int, dict[str, list[str]], object]


@dataclass
class Entry:
    status: int
    headers: dict[str, list[str]]
    body: bytes
    stored: float
    expires: float


@dataclass
class Result:
    status: int
    headers: dict[str, list[str]]
    body: object  # a stored entry's bytes, or the origin's body as fetched
    x_cache: str
    key: str
    age: int | None = None

    def extra_headers(self) -> list[tuple[str, str]]:
        out = [("x-cache", self.x_cache)]
        if self.age is not None:
            out.append(("age", str(self.age)))
        return out


def _first(headers: dict[str, list[str]], name: str) -> str | None:
    vals = headers.get(name)
    return vals[0] if vals else None


def _directives(headers: dict[str, list[str]]) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for line in headers.get("cache-control", []):
        for item in line.split(","):
            name, _, value = item.strip().partition("=")
            if name:
                out.setdefault(name.lower(), value.strip().strip('"') if value else None)
    return out


def _seconds(v: str | None) -> int | None:
    return int(v) if v is not None and v.isdigit() and len(v) < 16 else None


def ttl(policy: CachePolicy, status: int, headers: dict[str, list[str]], now: float) -> int:
    """How long CloudFront keeps this answer under `policy`; 0: not stored."""
    if not policy.caches:
        return 0
    if status in ERROR_STATUSES:
        return ERROR_TTL
    if status not in CACHED_STATUSES:
        return 0
    cc = _directives(headers)
    if {"no-store", "no-cache", "private"} & cc.keys():
        return policy.min_ttl
    given = _seconds(cc.get("s-maxage")) if "s-maxage" in cc else None
    if given is None and "max-age" in cc:
        given = _seconds(cc.get("max-age"))
    if given is None and (expires := _first(headers, "expires")) is not None:
        try:
            when = email.utils.parsedate_to_datetime(expires).timestamp()
            date = _first(headers, "date")
            base = email.utils.parsedate_to_datetime(date).timestamp() if date else now
            given = max(0, int(when - base))
        except (TypeError, ValueError, IndexError, OverflowError):
            given = 0  # an invalid Expires means "already expired" (RFC 9111)
    if given is None:
        return policy.default_ttl
    return min(max(given, policy.min_ttl), policy.max_ttl)


def cache_key(policy: CachePolicy, req: dict[str, Any]) -> str:
    """The cache key of the request the viewer-request function passes on, as one readable line:
    `host/uri?query [header=v] [cookie=v]` (`*` for the host when Host is not in the key)."""
    headers = req.get("headers") or {}

    def header(name: str) -> str:
        return ",".join(str(v) for v in entry_values(headers.get(name)) or [])

    host = header("host").lower() if policy.host else "*"
    qs = req.get("querystring") or {}
    if isinstance(qs, dict):
        names = list(qs) if policy.query_all else [n for n in qs if n in policy.query]
        query = format_query(qs, names)
    else:  # a raw string: all of it, or nothing
        query = str(qs) if policy.query_all else ""
    out = host + str(req.get("uri", "/")) + (f"?{query}" if query else "")
    out += "".join(f" [{h}={header(h)}]" for h in policy.headers if h in headers)
    cookies = req.get("cookies") or {}
    names = sorted(cookies) if policy.cookies_all else [c for c in policy.cookies if c in cookies]
    out += "".join(f" [cookie {c}={','.join(str(v) for v in entry_values(cookies[c]) or [])}]" for c in names)
    if policy.compress:
        ae = header("accept-encoding").lower()
        norm = ",".join(e for e in ("br", "gzip") if e in ae)
        out += f" [accept-encoding={norm}]" if norm else ""
    return out


class EdgeCache:
    """One cache behaviour's cache at one edge location."""

    def __init__(self, policy: CachePolicy, *, max_entries: int = 1000, max_bytes: int = 64 * 1024 * 1024,
                 clock: Callable[[], float] = time.time) -> None:
        self.policy = policy
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self.clock = clock
        self._entries: OrderedDict[str, Entry] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def size_bytes(self) -> int:
        return self._bytes

    def _get(self, key: str) -> Entry | None:
        with self._lock:
            e = self._entries.get(key)
            if e is not None:
                self._entries.move_to_end(key)
            return e

    def _put(self, key: str, e: Entry) -> None:
        if len(e.body) > self.max_bytes // 8:  # one object never takes the cache over
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= len(old.body)
            self._entries[key] = e
            self._bytes += len(e.body)
            while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
                _, gone = self._entries.popitem(last=False)
                self._bytes -= len(gone.body)

    def fetch(self, method: str, req: dict[str, Any], origin: Callable[[], Fetched]) -> Result:
        """The answer to `req`: from the cache, or from `origin()` (stored when cacheable)."""
        key = cache_key(self.policy, req)
        if method not in ("GET", "HEAD"):
            status, headers, body = origin()
            return Result(status, headers, body, MISS, key)
        now = self.clock()
        e = self._get(key)
        if e is not None and now < e.expires:
            return Result(e.status, e.headers, e.body, HIT, key, age=int(now - e.stored))
        status, headers, body = origin()
        now = self.clock()
        if e is not None and _unchanged(e, status, headers):
            life = ttl(self.policy, e.status, e.headers, now)
            fresh = Entry(e.status, e.headers, e.body, now, now + life)
            if life > 0:
                self._put(key, fresh)
            return Result(e.status, e.headers, e.body, REFRESH, key, age=0)
        life = ttl(self.policy, status, headers, now)
        if method == "GET" and life > 0 and isinstance(body, bytes):  # a streamed file is not kept
            self._put(key, Entry(status, headers, body, now, now + life))
        return Result(status, headers, body, MISS, key)


def _unchanged(e: Entry, status: int, headers: dict[str, list[str]]) -> bool:
    """The origin's answer to a revalidation: a 304, or the same validator as the stored copy."""
    if status == 304:
        return True
    if status != e.status:
        return False
    for v in ("etag", "last-modified"):
        mine = _first(e.headers, v)
        if mine is not None:
            return mine == _first(headers, v)
    return False


def for_build(compiled: Any) -> EdgeCache | None:
    """The cache of a build: its viewer-request function's declared policy; None when it declares none."""
    for cf in getattr(compiled, "functions", None) or []:
        if cf.function.event == "viewer-request" and cf.function.cache is not None:
            return EdgeCache(cf.function.cache)
    return None
