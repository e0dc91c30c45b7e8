"""`cfroutes serve` under attack (issue 18): concurrency, ReDoS, slow clients, bad requests,
hostile origins. Loopback only; every loop and wait is bounded; the only time limits are
generous deadlines that tell "answered" from "hung"."""
from __future__ import annotations

import http.client
import http.server
import os
import re
import select
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cfroutes.emulator import watchdog
from cfroutes.serve import edge as edge_mod
from cfroutes.serve import server as server_mod
from cfroutes.serve.edge import make_server

DEADLINE = 30.0  # seconds: an answer later than this counts as hung

CONFIG = """\
version: 1
functions:
  site:
    event: viewer-request
    options: { index: index.html }
    routes:
      - name: evil
        regex: '^/r/(a+)+$'
        respond: { status: 200, body: matched }
      - name: posts
        regex: '^/p/(?<id>[0-9]+)$'
        rewrite: /posts/{id}.html
      - name: tenant
        host: ":t.app.test"
        path: /who
        respond: { status: 200, body: tenant }
"""
REDOS = "/r/" + "a" * 40 + "!"


@pytest.fixture()
def site(tmp_path: Path) -> Path:
    (tmp_path / "routes.yaml").write_text(CONFIG)
    pub = tmp_path / "public"
    (pub / "posts").mkdir(parents=True)
    (pub / "posts" / "1.html").write_text("post 1")
    (pub / "index.html").write_text("home")
    return tmp_path


class Running:
    def __init__(self, root: Path, origin: str | None, **kw: Any) -> None:
        self.lines: list[str] = []
        self.httpd = make_server(str(root / "routes.yaml"), origin, 0, self.lines.append, **kw)
        self.host, self.port = self.httpd.server_address[:2]
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def get(self, path: str, headers: dict[str, str] | None = None, method: str = "GET",
            body: bytes | None = None) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=DEADLINE)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            r = conn.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            conn.close()

    def raw(self, data: bytes) -> bytes:
        """Send bytes, read until the server closes (or DEADLINE)."""
        return raw(self.port, data, self.host)

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(DEADLINE)


def raw(port: int, data: bytes, host: str = "127.0.0.1") -> bytes:
    s = socket.create_connection((host, port), timeout=DEADLINE)
    try:
        s.sendall(data)
        out = b""
        end = time.monotonic() + DEADLINE
        while time.monotonic() < end:
            piece = s.recv(65536)
            if not piece:
                break
            out += piece
        return out
    finally:
        s.close()


def status_of(answer: bytes) -> int:
    m = re.match(rb"HTTP/1\.[01] (\d{3}) ", answer)
    assert m, answer[:200]
    return int(m.group(1))


@pytest.fixture()
def served(site: Path) -> Iterator[Running]:
    s = Running(site, str(site / "public"))
    yield s
    s.stop()


def _children_cpu() -> float:
    """CPU seconds used so far by this process's live child processes (the engine workers)."""
    total = 0.0
    me = str(os.getpid())
    tick = os.sysconf("SC_CLK_TCK")
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            fields = Path(f"/proc/{d}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[1] == me:  # ppid
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


# ------------------------------------------------------------------ 1. engine calls
def test_parallel_clients_on_a_regex_route_do_not_crash_the_server(site: Path) -> None:
    # the server runs in its own process: before the fix this aborted it (Fatal Python error)
    proc = subprocess.Popen([sys.executable, "-m", "cfroutes", "serve", "-c", str(site / "routes.yaml"),
                             "--origin", str(site / "public"), "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], DEADLINE)
        assert ready, "serve did not start"
        m = re.search(r"http://127\.0\.0\.1:(\d+)/", proc.stdout.readline())
        assert m
        port = int(m.group(1))
        got: list[int] = []

        def client(n: int) -> None:
            # a new path each time (the reference model caches regex results) that keeps the
            # regex busy for a few milliseconds, so the two clients' route namings overlap
            for i in range(15):
                path = f"/r/{'a' * 18}!{n}-{i}"
                try:
                    got.append(status_of(raw(port, f"GET {path} HTTP/1.1\r\nHost: a.test\r\n"
                                                   "Connection: close\r\n\r\n".encode())))
                except OSError:
                    got.append(0)

        threads = [threading.Thread(target=client, args=(n,)) for n in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(DEADLINE * 2)
        assert got == [404] * 30   # no route matches: the folder has no such file
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
    finally:
        proc.terminate()
        try:
            _, err = proc.communicate(timeout=DEADLINE)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
    assert "Fatal Python error" not in err and "Traceback" not in err, err


needs_watchdog = pytest.mark.skipif(not watchdog.enabled(), reason="CFROUTES_EMULATOR_INPROCESS=1: no watchdog")


@needs_watchdog
def test_a_redos_url_is_answered_and_does_not_pin_a_core(served: Running) -> None:
    status, _, body = served.get(REDOS)
    assert status == 503 and b"time limit exceeded" in body
    line = next(ln for ln in served.lines if ln.startswith(f"GET {REDOS}"))
    assert "-> 503" in line
    assert served.get("/p/1")[::2] == (200, b"post 1")        # the server goes on
    time.sleep(0.5)  # the stopped workers are gone; what is left of this process's children sits idle
    before = _children_cpu()
    time.sleep(1.0)
    assert _children_cpu() - before < 0.5


@needs_watchdog
def test_concurrent_redos_and_normal_requests_are_all_answered(served: Running) -> None:
    got: list[int] = []
    threads = [threading.Thread(target=lambda p=p: got.append(served.get(p)[0]))
               for p in (REDOS, "/p/1", REDOS, "/p/1")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(DEADLINE * 2)
    assert sorted(got) == [200, 200, 503, 503]


# ------------------------------------------------------------------ 2. a bounded server
def test_slow_clients_do_not_lock_out_a_real_request(served: Running) -> None:
    slow = []
    try:
        for _ in range(server_mod.THREADS * 5):   # many more than the pool has threads
            s = socket.create_connection(("127.0.0.1", served.port), timeout=DEADLINE)
            s.sendall(b"GET /p/1 HTTP/1.1\r\nHost: a.test\r\nX-Slow: ")
            slow.append(s)
        answer = served.raw(b"GET /p/1 HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n")
        assert status_of(answer) == 200 and answer.endswith(b"post 1")
    finally:
        for s in slow:
            s.close()


def test_clients_that_do_not_read_their_answer_do_not_lock_out_a_real_request(served: Running, site: Path) -> None:
    (site / "public" / "big.bin").write_bytes(b"\0" * (32 << 20))   # more than the socket buffers hold
    stuck = []
    try:
        for _ in range(server_mod.THREADS * 2):
            s = socket.create_connection(("127.0.0.1", served.port), timeout=DEADLINE)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            s.sendall(b"GET /big.bin HTTP/1.1\r\nHost: a.test\r\n\r\n")   # and never read
            stuck.append(s)
        answer = served.raw(b"GET /p/1 HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n")
        assert status_of(answer) == 200 and answer.endswith(b"post 1")
    finally:
        for s in stuck:
            s.close()


def test_a_burst_of_32_connections_is_served(served: Running) -> None:
    got: list[int] = []
    gate = threading.Barrier(32, timeout=DEADLINE)

    def one() -> None:
        s = socket.create_connection(("127.0.0.1", served.port), timeout=DEADLINE)
        try:
            gate.wait()
            s.sendall(b"GET /p/1 HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n")
            data = b""
            while piece := s.recv(65536):
                data += piece
            got.append(status_of(data))
        except (OSError, threading.BrokenBarrierError):
            got.append(0)
        finally:
            s.close()

    threads = [threading.Thread(target=one) for _ in range(32)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(DEADLINE * 2)
    assert got == [200] * 32


def test_header_and_idle_timeouts(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(server_mod, "HEAD_TIMEOUT", 0.5)
    monkeypatch.setattr(server_mod, "IDLE_TIMEOUT", 0.5)
    s = Running(site, str(site / "public"))
    try:
        # a head that never ends: 408, then the connection is closed
        assert status_of(s.raw(b"GET /p/1 HTTP/1.1\r\nHost: a.test\r\n")) == 408
        # a kept-alive connection that sends nothing more is closed
        c = socket.create_connection(("127.0.0.1", s.port), timeout=DEADLINE)
        try:
            c.sendall(b"GET /p/1 HTTP/1.1\r\nHost: a.test\r\n\r\n")
            data = b""
            while not data.endswith(b"post 1"):
                piece = c.recv(65536)
                assert piece
                data += piece
            assert status_of(data) == 200
            assert c.recv(65536) == b""     # closed by the server once idle (recv would time out otherwise)
        finally:
            c.close()
    finally:
        s.stop()


def test_keep_alive_serves_several_requests_on_one_connection(served: Running) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", served.port, timeout=DEADLINE)
    try:
        for _ in range(3):
            conn.request("GET", "/p/1", headers={"Host": "a.test"})
            r = conn.getresponse()
            assert (r.status, r.read()) == (200, b"post 1")
        sock = conn.sock
        conn.request("GET", "/index.html", headers={"Host": "a.test"})
        r = conn.getresponse()
        assert (r.status, r.read(), conn.sock is sock) == (200, b"home", True)
    finally:
        conn.close()


def test_expect_100_continue_is_answered_before_the_body(served: Running) -> None:
    c = socket.create_connection(("127.0.0.1", served.port), timeout=DEADLINE)
    try:
        c.sendall(b"POST /p/1 HTTP/1.1\r\nHost: a.test\r\nContent-Length: 5\r\nExpect: 100-continue\r\n"
                  b"Connection: close\r\n\r\n")
        assert c.recv(100) == b"HTTP/1.1 100 Continue\r\n\r\n"
        c.sendall(b"hello")
        data = b""
        while piece := c.recv(65536):
            data += piece
        assert status_of(data) == 405 and data.count(b"100 Continue") == 0   # POST on a folder origin
    finally:
        c.close()


def test_oversized_heads_and_bodies_are_refused(served: Running, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(server_mod, "MAX_REQUEST_BODY", 1000)
    assert status_of(served.raw(b"GET / HTTP/1.1\r\nHost: a.test\r\nX: " + b"y" * (server_mod.MAX_HEAD + 10))) == 431
    assert status_of(served.raw(b"POST / HTTP/1.1\r\nHost: a.test\r\nContent-Length: 5000\r\n\r\n")) == 413
    assert status_of(served.raw(b"POST / HTTP/1.1\r\nHost: a.test\r\nContent-Length: 99999999999999999999\r\n"
                                b"\r\n")) == 413


def test_client_resets_leave_no_traceback(served: Running, site: Path, capfd: pytest.CaptureFixture[str]) -> None:
    (site / "public" / "big.bin").write_bytes(b"\0" * (8 << 20))
    for _ in range(5):
        s = socket.create_connection(("127.0.0.1", served.port), timeout=DEADLINE)
        s.sendall(b"GET /big.bin HTTP/1.1\r\nHost: a.test\r\n\r\n")
        s.recv(100)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # RST, not FIN
        s.close()
    s = socket.create_connection(("127.0.0.1", served.port), timeout=DEADLINE)
    s.sendall(b"GET /p/1 HTTP/1.1\r\nHost: a.test\r\nContent-Length: 10\r\n\r\nabc")
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
    assert served.get("/p/1", {"Host": "a.test"})[0] == 200
    err = capfd.readouterr().err
    assert "Traceback" not in err and "Error" not in err, err


# ------------------------------------------------------------------ 3. request validation
@pytest.mark.parametrize("host", ["evil.test/x", "a.test?x=1", "a..test", "user@a.test", "a test", "a.test:99999",
                                  "a.test:x", "[::1", ""])
def test_the_host_header_must_be_a_host(served: Running, host: str) -> None:
    answer = served.raw(f"GET /p/1 HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
    assert status_of(answer) == 400


def test_duplicate_host_and_bare_cr_are_400(served: Running) -> None:
    assert status_of(served.raw(b"GET /p/1 HTTP/1.1\r\nHost: a.test\r\nHost: b.test\r\n\r\n")) == 400
    assert status_of(served.raw(b"GET /p/1 HTTP/1.1\r\nHost: a.test\rX-Injected: 1\r\n\r\n")) == 400
    assert status_of(served.raw(b"GET /p/1 HTTP/1.1\r\nHost: a.test\r\nX: a\rb\r\n\r\n")) == 400
    assert status_of(served.raw(b"GET /p/1 HTTP/1.1\r\nHost: a.test\r\nContent-Length: 1\r\n"
                                b"Content-Length: 2\r\n\r\nab")) == 400
    assert status_of(served.raw(b"POST /p/1 HTTP/1.1\r\nHost: a.test\r\nTransfer-Encoding: chunked\r\n\r\n"
                                b"0\r\n\r\n")) == 411


def test_allowed_hosts_routed_refuses_other_names(site: Path) -> None:
    s = Running(site, str(site / "public"), allowed_hosts="routed")
    try:
        assert s.get("/who", {"Host": "acme.app.test"})[::2] == (200, b"tenant")
        assert s.get("/p/1", {"Host": f"localhost:{s.port}"})[0] == 200
        assert s.get("/p/1", {"Host": f"127.0.0.1:{s.port}"})[0] == 200
        status, _, body = s.get("/p/1", {"Host": "rebind.attacker.test"})   # DNS rebinding
        assert status == 421 and b"--allowed-hosts routed" in body
        assert s.get("/who", {"Host": "app.test"})[0] == 421                  # the pattern needs a label
    finally:
        s.stop()
    s = Running(site, str(site / "public"), allowed_hosts="dev.test,*.dev.test")
    try:
        assert s.get("/p/1", {"Host": "dev.test"})[0] == 200
        assert s.get("/p/1", {"Host": "x.dev.test:8080"})[0] == 200
        assert s.get("/p/1", {"Host": "localhost"})[0] == 421                 # a list means only those
        assert s.get("/p/1", {"Host": "evildev.test"})[0] == 421
    finally:
        s.stop()


def test_control_bytes_in_the_request_line_are_escaped_in_the_log(served: Running) -> None:
    served.raw(b"GET /x\x1b]0;pwned\x07\x1b[2J HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n")
    served.raw(b"G\x1bT /\x9b HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n")
    logged = "\n".join(served.lines)
    assert "\\x1b]0;pwned\\x07" in logged and "G\\x1bT" in logged
    assert not re.search("[\x00-\x1f\x7f-\x9f]", logged.replace("\n", "")), logged


def test_the_cli_validates_allowed_hosts(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from cfroutes.cli.main import main

    assert main(["serve", "-c", str(site / "routes.yaml"), "--allowed-hosts", "a.test/x"]) == 2
    assert "--allowed-hosts" in capsys.readouterr().err
    assert main(["serve", "-c", str(site / "routes.yaml"), "--host", "not an address"]) == 2


# ------------------------------------------------------------------ 4. origins
def test_files_are_streamed_whole(served: Running, site: Path) -> None:
    size = edge_mod.MAX_BODY + (3 << 20)          # over the old cap, which cut it silently
    (site / "public" / "big.bin").write_bytes(os.urandom(1024) * (size // 1024))
    status, headers, body = served.get("/big.bin", {"Host": "a.test"})
    assert status == 200 and int(headers["content-length"]) == len(body) == size


def test_folder_origin_refusals_show_no_server_path(served: Running, site: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    pub = site / "public"
    (pub / "loop1").symlink_to("loop2")
    (pub / "loop2").symlink_to("loop1")
    (pub / "out").symlink_to(site / "routes.yaml")
    (pub / "gone.txt").write_text("here a moment ago")
    os.mkfifo(pub / "fifo")
    real_open = os.open

    def vanishing(path: str | os.PathLike[str], flags: int, *a: int) -> int:
        if str(path).endswith("gone.txt"):
            os.unlink(path)                     # removed between the check and the open
        return real_open(path, flags, *a)

    monkeypatch.setattr(edge_mod.os, "open", vanishing)
    for path in ("/loop1", "/out", "/gone.txt", "/fifo", "/index.html/", "/posts//1.html", "/posts"):
        status, _, body = served.get(path, {"Host": "a.test"})
        assert status == 404, path
        assert str(site) not in body.decode() and "Errno" not in body.decode(), body
    assert served.get("/index.html", {"Host": "a.test"})[::2] == (200, b"home")


class _Upstream:
    """A loopback origin that answers every request with `answer(request bytes)`."""

    def __init__(self, answer: Callable[[bytes], bytes]) -> None:
        self.seen: list[bytes] = []
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.answer = answer
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stop.is_set():
            try:
                c, _ = self.sock.accept()
            except OSError:
                continue
            with c:
                c.settimeout(DEADLINE)
                data = b""
                while b"\r\n\r\n" not in data:
                    piece = c.recv(65536)
                    if not piece:
                        break
                    data += piece
                m = re.search(rb"content-length: *(\d+)", data, re.I)
                while m and len(data.split(b"\r\n\r\n", 1)[1]) < int(m.group(1)):
                    data += c.recv(65536)
                self.seen.append(data)
                c.sendall(self.answer(data))

    def close(self) -> None:
        self.stop.set()
        self.thread.join(DEADLINE)
        self.sock.close()


def test_post_bodies_reach_an_upstream_origin(site: Path) -> None:
    up = _Upstream(lambda req: b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    s = Running(site, f"http://127.0.0.1:{up.port}")
    try:
        status, _, body = s.get("/p/1", {"Host": "a.test", "Content-Type": "application/json"}, "POST",
                                b'{"order": 1}')
        assert (status, body) == (200, b"ok")
        assert up.seen[0].startswith(b"POST /posts/1.html ") and up.seen[0].endswith(b'\r\n\r\n{"order": 1}')
    finally:
        s.stop()
        up.close()


@pytest.mark.parametrize("answer", [
    b"HTTP/1.1 200 OK\r\nX-A: 1\r\n folded\r\nContent-Length: 2\r\n\r\nok",          # obs-fold: CR LF in a value
    b"HTTP/1.1 200 OK\r\nX-A: 1\rSet-Cookie: s=1\r\nContent-Length: 2\r\n\r\nok",    # a bare CR
    b"HTTP/1.1 200 OK\r\n" + b"".join(b"X-%d: v\r\n" % i for i in range(101)) + b"Content-Length: 2\r\n\r\nok",
    b"HTTP/1.1 200 OK\r\n" + b"X: v\r\n" * 150 + b"Content-Length: 2\r\n\r\nok",
    b"HTTP/1.1 2000 What\r\n\r\n",
])
def test_bad_upstream_headers_answer_502(site: Path, answer: bytes) -> None:
    up = _Upstream(lambda req: answer)
    s = Running(site, f"http://127.0.0.1:{up.port}")
    try:
        status, headers, body = s.get("/p/1", {"Host": "a.test"})
        assert status == 502, (headers, body)
        assert "set-cookie" not in headers and "x-a" not in headers
    finally:
        s.stop()
        up.close()


def test_an_upstream_body_over_the_cap_is_an_error_not_a_cut_200(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(edge_mod, "MAX_BODY", 1000)
    up = _Upstream(lambda req: b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n" + b"x" * 5000)
    s = Running(site, f"http://127.0.0.1:{up.port}")
    try:
        status, _, body = s.get("/p/1", {"Host": "a.test"})
        assert status == 502 and b"over 1000 bytes" in body
    finally:
        s.stop()
        up.close()


def test_a_config_saved_during_a_rebuild_is_picked_up(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = site / "routes.yaml"
    s = Running(site, str(site / "public"))
    real = edge_mod.compile_config
    saved = CONFIG.replace("body: tenant", "body: tenant again")

    def compile_then_save(path: str) -> object:
        out = real(path)
        if cfg.read_text() != saved:   # the user saves again while this build runs
            cfg.write_text(saved)
        return out

    try:
        monkeypatch.setattr(edge_mod, "compile_config", compile_then_save)
        cfg.write_text(CONFIG.replace("name: posts", "name: articles"))
        assert s.get("/who", {"Host": "a.app.test"})[2] == b"tenant"        # the build that ran meanwhile
        assert s.get("/who", {"Host": "a.app.test"})[2] == b"tenant again"  # the save is seen next time
    finally:
        s.stop()


# ------------------------------------------------------------------ 5. IPv6
def test_ipv6_loopback(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    try:
        socket.socket(socket.AF_INET6).close()
    except OSError:
        pytest.skip("no IPv6 on this machine")
    s = Running(site, str(site / "public"), host="::1")
    try:
        assert s.host == "::1"
        assert s.get("/p/1", {"Host": f"[::1]:{s.port}"})[::2] == (200, b"post 1")
        assert s.get("/p/1")[::2] == (200, b"post 1")   # http.client's own Host: [::1]:PORT
    finally:
        s.stop()
