"""CloudFront cache policies: the shape of one, and the managed policies as AWS documents them.

A cache policy decides two things (docs: "Understand cache policies"): which parts of a
request form the cache key (besides the URI path, which always does), and how long an object
stays in the cache (minimum, default and maximum TTL, together with the origin's
`Cache-Control` and `Expires`). The managed policies below are CloudFront facts, taken from
"Use managed cache policies"
(https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-cache-policies.html):
their IDs, TTLs and key settings. The check (compiler/cachekey.py), `serve`'s cache
(serve/cache.py) and the export (iac/) all read them from here.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from cfroutes.errors import Span

#: the header that carries the viewer's country (a match key `country:` reads it)
COUNTRY_HEADER = "cloudfront-viewer-country"
#: a cache policy lists at most this many headers, cookies or query strings (CloudFront quota)
KEY_NAMES_MAX = 10
#: CloudFront's own defaults for a policy that names no TTL (API reference, CachePolicyConfig)
DEFAULT_TTL = 86400
MAX_TTL = 31536000
#: "Error caching minimum TTL" of a distribution that sets none: error responses stay 10 seconds
ERROR_TTL = 10


@dataclass(frozen=True)
class CachePolicy:
    """One cache policy: its key (the URI is always in it) and its TTLs, in seconds.

    `headers` are lower-case names besides Host (`host` says whether Host is in the key);
    cookies and query strings are `all`, or the listed names (none when the list is empty).
    """

    name: str
    min_ttl: int = 0
    default_ttl: int = DEFAULT_TTL
    max_ttl: int = MAX_TTL
    host: bool = False
    headers: tuple[str, ...] = ()
    cookies_all: bool = False
    cookies: tuple[str, ...] = ()
    query_all: bool = False
    query: tuple[str, ...] = ()
    compress: bool = False  # the normalized Accept-Encoding header is in the key
    managed_id: str | None = None  # a managed policy's ID; None: a policy the export creates
    span: Span | None = field(default=None, compare=False)

    @property
    def caches(self) -> bool:
        """False when nothing is ever cached (every TTL 0: CachingDisabled)."""
        return self.max_ttl > 0

    def has_header(self, name: str) -> bool:
        name = name.lower()
        return (self.host if name == "host" else name in self.headers)

    def has_cookie(self, name: str) -> bool:
        return self.cookies_all or name in self.cookies

    def has_query(self, name: str) -> bool:
        return self.query_all or name in self.query

    def describe(self) -> str:
        """The key in one line: `URI + Host + header x + cookies: all + query: none`."""
        parts = ["URI"]
        if self.host:
            parts.append("Host")
        parts += [f"header {h}" for h in self.headers]
        if self.compress:
            parts.append("Accept-Encoding (normalized)")
        parts.append("cookies: all" if self.cookies_all else
                     ("cookies: " + ", ".join(self.cookies) if self.cookies else "no cookies"))
        parts.append("query: all" if self.query_all else
                     ("query: " + ", ".join(self.query) if self.query else "no query"))
        return " + ".join(parts)


_METHOD_OVERRIDES = ("origin", "x-http-method-override", "x-http-method", "x-method-override")

#: the managed cache policies by the name the console shows (and `cache: NAME` takes)
MANAGED: dict[str, CachePolicy] = {p.name: p for p in (
    CachePolicy("Amplify", min_ttl=2, default_ttl=2, max_ttl=600, host=True,
                headers=("authorization", COUNTRY_HEADER), cookies_all=True, query_all=True, compress=True,
                managed_id="2e54312d-136d-493c-8eb9-b001f22f67d2"),
    CachePolicy("CachingDisabled", min_ttl=0, default_ttl=0, max_ttl=0,
                managed_id="4135ea2d-6df8-44a3-9df3-4b5a84be39ad"),
    CachePolicy("CachingOptimized", min_ttl=1, default_ttl=86400, max_ttl=31536000, compress=True,
                managed_id="658327ea-f89d-4fab-a63d-7e88639e58f6"),
    CachePolicy("CachingOptimizedForUncompressedObjects", min_ttl=1, default_ttl=86400, max_ttl=31536000,
                managed_id="b2884449-e4de-46a7-ac36-70bc7f1ddd6d"),
    CachePolicy("Elemental-MediaPackage", min_ttl=0, default_ttl=86400, max_ttl=31536000, headers=("origin",),
                query=("aws.manifestfilter", "end", "m", "start"), compress=True,
                managed_id="08627262-05a9-4f76-9ded-b50ca2e3a84f"),
    CachePolicy("UseOriginCacheControlHeaders", min_ttl=0, default_ttl=0, max_ttl=31536000, host=True,
                headers=_METHOD_OVERRIDES, cookies_all=True, compress=True,
                managed_id="83da9c7e-98b4-4e11-a168-04f0df8e2c65"),
    CachePolicy("UseOriginCacheControlHeaders-QueryStrings", min_ttl=0, default_ttl=0, max_ttl=31536000, host=True,
                headers=_METHOD_OVERRIDES, cookies_all=True, query_all=True, compress=True,
                managed_id="4cc15a8a-d715-48a4-82b8-cc0b614638fe"),
)}
