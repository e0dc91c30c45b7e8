"""`cfroutes serve`: a started server answering real HTTP requests on loopback."""
from __future__ import annotations

import http.client
import http.server
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cfroutes.serve.edge import make_server

CONFIG = """\
version: 1
functions:
  site:
    event: viewer-request
    kvs: { name: s, seed: seed.yaml }
    options: { index: index.html }
    routes:
      - name: old-blog
        path: /old-blog/*
        redirect: /blog/{splat}
      - name: tenant
        host: ":t.localhost"
        path: /configurator
        lookup: { key: "{t}", as: target }
        rewrite: "{target}"
      - name: beta
        path: /app/*
        cookies: { beta: "1" }
        rewrite: /app-beta/{splat}
      - name: health
        path: /healthz
        respond: { status: 200, body: ok }
    headers:
      - path: /*
        set: { x-from-edge: "{host}" }
  sec:
    event: viewer-response
    headers:
      - path: /*
        set: { strict-transport-security: "max-age=1" }
"""


class Server:
    def __init__(self, root: Path, origin: str | None) -> None:
        self.lines: list[str] = []
        self.httpd = make_server(str(root / "routes.yaml"), origin, 0, self.lines.append)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request("GET", path, headers=headers or {})
            r = conn.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            conn.close()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture()
def site(tmp_path: Path) -> Path:
    (tmp_path / "routes.yaml").write_text(CONFIG)
    (tmp_path / "seed.yaml").write_text("a: /tenants/a/v1.html\n")
    pub = tmp_path / "public"
    for rel, text in {"index.html": "home", "blog/x/index.html": "blog x", "tenants/a/v1.html": "tenant a v1",
                      "tenants/a/v2.html": "tenant a v2", "app-beta/index.html": "beta app",
                      "app/index.html": "app"}.items():
        (pub / rel).parent.mkdir(parents=True, exist_ok=True)
        (pub / rel).write_text(text)
    (tmp_path / "secret.txt").write_text("outside the origin")
    return tmp_path


@pytest.fixture()
def server(site: Path) -> Iterator[Server]:
    s = Server(site, str(site / "public"))
    yield s
    s.stop()


def test_redirect_respond_and_origin_folder(server: Server) -> None:
    status, headers, _ = server.get("/old-blog/x?utm=1")
    assert status == 301 and headers["location"] == "/blog/x?utm=1"
    assert "strict-transport-security" not in headers   # a generated response skips viewer-response
    status, headers, body = server.get("/blog/x/")
    assert (status, body) == (200, b"blog x")            # index.html appended, file from the folder
    assert headers["strict-transport-security"] == "max-age=1"
    assert headers["content-type"].startswith("text/html")
    assert server.get("/healthz")[::2] == (200, b"ok")
    assert server.get("/nope.txt")[0] == 404
    assert server.get("/../secret.txt")[0] == 404       # never outside the origin folder
    assert server.get("/%2e%2e/secret.txt")[0] == 404
    assert any("route 'old-blog'" in line and "-> 301" in line for line in server.lines)


def test_host_cookies_and_kvs(server: Server) -> None:
    assert server.get("/configurator", {"Host": "a.localhost"})[2] == b"tenant a v1"
    assert server.get("/configurator", {"Host": "nobody.localhost"})[0] == 404   # lookup missing -> next
    assert server.get("/app/", {"Cookie": "beta=1"})[2] == b"beta app"
    assert server.get("/app/")[2] == b"app"


def test_rebuilds_on_change_and_shows_the_error_page(site: Path, server: Server) -> None:
    seed = site / "seed.yaml"
    seed.write_text("a: /tenants/a/v2.html\n")
    assert server.get("/configurator", {"Host": "a.localhost"})[2] == b"tenant a v2"
    cfg = site / "routes.yaml"
    cfg.write_text(CONFIG.replace("redirect: /blog/{splat}", "redirct: /blog/{splat}"))
    status, headers, body = server.get("/old-blog/x")
    assert status == 500 and b"unknown key &#x27;redirct&#x27;" in body
    time.sleep(0.01)
    cfg.write_text(CONFIG.replace("redirect: /blog/{splat}", "redirect: /articles/{splat}"))
    assert server.get("/old-blog/x")[1]["location"] == "/articles/x"
    assert any(line.startswith("rebuilt: ok") for line in server.lines)


def test_upstream_origin_gets_the_rewritten_request(site: Path) -> None:
    seen: list[tuple[str, str | None]] = []

    class Upstream(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            seen.append((self.path, self.headers.get("x-from-edge")))
            body = b"upstream " + self.path.encode()
            self.send_response(200)
            self.send_header("content-type", "text/plain")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a: object) -> None:
            pass

    up = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
    threading.Thread(target=up.serve_forever, daemon=True).start()
    s = Server(site, f"http://127.0.0.1:{up.server_address[1]}")
    try:
        status, headers, body = s.get("/configurator?x=1", {"Host": "a.localhost"})
        assert (status, body) == (200, b"upstream /tenants/a/v1.html?x=1")
        assert seen == [("/tenants/a/v1.html?x=1", "a.localhost")]
        assert headers["strict-transport-security"] == "max-age=1"
    finally:
        s.stop()
        up.shutdown()
        up.server_close()


def test_cli_refuses_a_bad_origin_and_port(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from cfroutes.cli.main import main

    assert main(["serve", "-c", str(site / "routes.yaml"), "--origin", str(site / "missing")]) == 2
    assert "is neither a folder nor an http:// URL" in capsys.readouterr().err
    assert main(["serve", "-c", str(site / "routes.yaml"), "--port", "70000"]) == 2


def test_serves_the_example_project() -> None:
    root = Path(__file__).resolve().parents[2]
    lines: list[str] = []
    httpd = make_server(str(root / "routes.yaml"), None, 0, lines.append)
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", httpd.server_address[1], timeout=10)
        conn.request("GET", "/old-blog/hello?utm=1", headers={"Host": "www.example.com"})
        r = conn.getresponse()
        assert (r.status, r.getheader("location")) == (301, "/blog/hello?utm=1")
        r.read()
        conn.request("GET", "/configurator", headers={"Host": "a-tenant.salessqueeze.com"})
        r = conn.getresponse()
        body = r.read().decode()
        # no --origin: the answer names the URI the request would go on with (the tenant's KVS seed entry)
        assert r.status == 200 and "/cache/" in body, body
        assert r.getheader("strict-transport-security")   # the example's viewer-response function ran
        conn.close()
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert any("route 'tenant-configurator'" in line for line in lines), lines


def test_fixing_a_broken_seed_is_picked_up(site: Path, server: Server) -> None:
    seed = site / "seed.yaml"
    seed.write_text("a: [\n")
    assert server.get("/configurator", {"Host": "a.localhost"})[0] == 500
    time.sleep(0.01)
    seed.write_text("a: /tenants/a/v2.html\n")          # only the seed is fixed
    assert server.get("/configurator", {"Host": "a.localhost"})[2] == b"tenant a v2"


def test_hostile_paths_methods_and_headers(site: Path, server: Server) -> None:
    (site / "public" / "top.txt").write_text("top")
    assert server.get("/top.txt")[0] == 200
    assert server.get("/img/logo.png%00")[0] == 404               # a NUL byte: no file, no traceback
    assert server.get("/blog/../top.txt")[0] == 404                # keys are literal, as in S3
    status, headers, _ = server.get("/top.txt")
    assert "server" not in headers and "date" in headers           # no Server header of ours
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.request("POST", "/top.txt", body=b"x")
    r = conn.getresponse()
    assert r.status == 405 and r.getheader("allow") == "GET, HEAD"
    r.read()
    conn.putrequest("GET", "/top.txt", skip_host=True)
    conn.endheaders()
    assert conn.getresponse().status == 400                        # no Host header
    conn.close()
    assert any("(no host)" in line for line in server.lines)


def test_origin_fetches_run_concurrently(site: Path) -> None:
    # the upstream answers only when two requests are inside it at once: a server that held
    # one lock over the whole request (origin fetch included) would time the barrier out
    barrier = threading.Barrier(2, timeout=10)

    class Upstream(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            try:
                barrier.wait()
                body, status = b"both inside", 200
            except threading.BrokenBarrierError:
                body, status = b"alone", 504
            self.send_response(status)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a: object) -> None:
            pass

    up = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
    threading.Thread(target=up.serve_forever, daemon=True).start()
    s = Server(site, f"http://127.0.0.1:{up.server_address[1]}")
    try:
        got: list[tuple[int, bytes]] = []
        threads = [threading.Thread(target=lambda: got.append(s.get("/blog/x/")[::2])) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(20)
        assert got == [(200, b"both inside")] * 2
    finally:
        s.stop()
        up.shutdown()
        up.server_close()
