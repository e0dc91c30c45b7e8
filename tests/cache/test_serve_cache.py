"""`serve`'s cache: x-cache Miss then Hit, tenants kept apart by Host in the key (and visibly not without)."""
from __future__ import annotations

import http.client
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cfroutes.platform.cache_policies import MANAGED, CachePolicy
from cfroutes.serve.cache import HIT, MISS, REFRESH, EdgeCache, cache_key, ttl
from cfroutes.serve.edge import make_server
from cfroutes.testing.events import build_event

CONFIG = """\
version: 1
functions:
  site:
    event: viewer-request
    cache: {policy}
    routes:
      - name: edge
        path: /healthz
        respond: {{ status: 200, body: ok }}
      - name: app
        path: /*
        rewrite: /app/{{splat}}
"""


class Upstream(http.server.BaseHTTPRequestHandler):
    """An origin whose answer depends on the Host it is sent (what a multi-tenant app server does)."""

    calls: list[str] = []

    def do_GET(self) -> None:  # noqa: N802
        Upstream.calls.append(self.headers.get("host", ""))
        body = f"page of {self.headers.get('host')} at {self.path}".encode()
        self.send_response(200)
        self.send_header("content-type", "text/plain")
        self.send_header("cache-control", "no-store" if "nostore" in self.path else "max-age=60")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@pytest.fixture()
def upstream() -> Iterator[str]:
    Upstream.calls = []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
    t = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def serve(tmp_path: Path, policy: str, origin: str) -> tuple[Any, list[str]]:
    (tmp_path / "routes.yaml").write_text(CONFIG.format(policy=policy))
    lines: list[str] = []
    httpd = make_server(str(tmp_path / "routes.yaml"), origin, 0, lines.append)
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return httpd, lines


def get(httpd: Any, host: str, path: str) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", httpd.server_address[1], timeout=10)
    try:
        conn.request("GET", path, headers={"host": host})
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def test_miss_then_hit_and_tenants_apart_with_host_in_the_key(tmp_path: Path, upstream: str) -> None:
    httpd, lines = serve(tmp_path, "{ key: { host: true } }", upstream)
    try:
        s1, h1, b1 = get(httpd, "a.example.com", "/x")
        s2, h2, b2 = get(httpd, "a.example.com", "/x")
        assert (s1, h1["x-cache"], s2, h2["x-cache"]) == (200, MISS, 200, HIT)
        assert b1 == b2 == b"page of a.example.com at /app/x" and "age" in h2 and "age" not in h1
        _, h3, b3 = get(httpd, "b.example.com", "/x")  # another tenant, the same path: its own entry
        assert h3["x-cache"] == MISS and b3 == b"page of b.example.com at /app/x"
        assert Upstream.calls == ["a.example.com", "b.example.com"]
        assert "cache miss key a.example.com/app/x" in lines[0] and "cache hit" in lines[1]
        _, h4, _ = get(httpd, "a.example.com", "/healthz")  # answered by the function, never cached
        assert h4["x-cache"] == "FunctionGeneratedResponse from cloudfront"
        _, h5, _ = get(httpd, "a.example.com", "/nostore")
        _, h6, _ = get(httpd, "a.example.com", "/nostore")
        assert h5["x-cache"] == h6["x-cache"] == MISS  # no-store under a minimum TTL of 0
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_without_host_in_the_key_tenants_visibly_share_an_entry(tmp_path: Path, upstream: str) -> None:
    httpd, lines = serve(tmp_path, "CachingOptimized", upstream)
    try:
        get(httpd, "a.example.com", "/x")
        _, h, body = get(httpd, "b.example.com", "/x")
        assert h["x-cache"] == HIT and body == b"page of a.example.com at /app/x"  # tenant a's page, to b
        assert Upstream.calls == ["a.example.com"] and "key */app/x" in lines[1]
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_no_policy_no_cache(tmp_path: Path, upstream: str) -> None:
    (tmp_path / "routes.yaml").write_text(CONFIG.format(policy="X").replace("    cache: X\n", ""))
    httpd = make_server(str(tmp_path / "routes.yaml"), upstream, 0, lambda _: None)
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        _, h, _ = get(httpd, "a.example.com", "/x")
        _, h2, _ = get(httpd, "a.example.com", "/x")
        assert "x-cache" not in h2 and len(Upstream.calls) == 2
    finally:
        httpd.shutdown()
        httpd.server_close()


# ---------------------------------------------------------------- the cache on its own (a fake clock)
class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def req(url: str, **kw: Any) -> dict[str, Any]:
    r: dict[str, Any] = build_event(url, **kw)["request"]
    return r


def test_ttls_follow_cache_control_within_min_and_max() -> None:
    p = CachePolicy("p", min_ttl=10, default_ttl=100, max_ttl=1000)
    assert ttl(p, 200, {}, 0) == 100
    assert ttl(p, 200, {"cache-control": ["public, max-age=5"]}, 0) == 10
    assert ttl(p, 200, {"cache-control": ["max-age=50000"]}, 0) == 1000
    assert ttl(p, 200, {"cache-control": ["max-age=500, s-maxage=20"]}, 0) == 20
    assert ttl(p, 200, {"cache-control": ["no-store"]}, 0) == 10  # the minimum TTL wins over no-store
    assert ttl(CachePolicy("z", min_ttl=0), 200, {"cache-control": ["private"]}, 0) == 0
    assert ttl(p, 200, {"expires": ["Thu, 01 Jan 1970 00:05:00 GMT"], "date": ["Thu, 01 Jan 1970 00:00:00 GMT"]},
               0) == 300
    assert ttl(p, 302, {"cache-control": ["max-age=60"]}, 0) == 0
    assert ttl(p, 404, {}, 0) == 10 and ttl(MANAGED["CachingDisabled"], 200, {}, 0) == 0


def test_key_follows_the_policy() -> None:
    r = req("GET https://A.example.com/p?b=2&a=1", cookies={"s": "1", "t": "2"}, headers={"x-v": "7"})
    assert cache_key(MANAGED["CachingOptimizedForUncompressedObjects"], r) == "*/p"
    assert cache_key(CachePolicy("k", host=True, headers=("x-v",), cookies=("t",), query=("a",)), r) == \
        "a.example.com/p?a=1 [x-v=7] [cookie t=2]"
    assert cache_key(MANAGED["UseOriginCacheControlHeaders-QueryStrings"], r).startswith("a.example.com/p?b=2&a=1")


def test_refresh_hit_lru_bound_and_methods() -> None:
    clock = Clock()
    c = EdgeCache(CachePolicy("p", default_ttl=60), max_entries=2, clock=clock)
    calls: list[int] = []

    def origin(etag: str = "v1") -> Any:
        def f() -> tuple[int, dict[str, list[str]], bytes]:
            calls.append(1)
            return 200, {"etag": [etag]}, b"body"
        return f

    r = req("GET https://h/a")
    assert c.fetch("GET", r, origin()).x_cache == MISS
    clock.now += 30
    hit = c.fetch("GET", r, origin())
    assert (hit.x_cache, hit.age) == (HIT, 30)
    clock.now += 31  # expired: the origin says unchanged (same ETag)
    assert c.fetch("GET", r, origin()).x_cache == REFRESH
    clock.now += 61
    assert c.fetch("GET", r, origin("v2")).x_cache == MISS  # changed: a new copy
    assert c.fetch("POST", r, origin()).x_cache == MISS and c.fetch("GET", r, origin()).x_cache == HIT
    for path in ("/b", "/c", "/d"):
        c.fetch("GET", req(f"GET https://h{path}"), origin())
    assert len(c) == 2  # bounded: the least recently used went first
    assert c.fetch("GET", r, origin()).x_cache == MISS
