"""A bounded HTTP/1.1 server for `cfroutes serve` (standard library only).

`http.server.ThreadingHTTPServer` starts a thread per connection and lets that thread wait
for the request: 800 clients that each send a byte a second hold 800 threads, and a burst
beyond the default listen backlog (5) is dropped. Here the work is split in two:

- one selector thread (`serve_forever`) accepts connections (listen backlog `BACKLOG`) and
  reads every request, head and body, without blocking: a request is handed on only once it
  has fully arrived. A connection that has not sent a whole request within `HEAD_TIMEOUT`
  seconds (408), or sits idle between keep-alive requests for `IDLE_TIMEOUT` seconds, is
  closed; a head over `MAX_HEAD` bytes is 431, a body over `MAX_REQUEST_BODY` is 413, and at
  most `MAX_PENDING` connections wait at once (the oldest waiting one is closed for a new one,
  so slow clients cannot lock newer ones out);
- a fixed pool of `THREADS` threads runs the handler (`http.server.BaseHTTPRequestHandler`
  parsing the buffered request, `Handler.handle_one_request`); a request finding the pool and
  its queue (`QUEUE`) full is answered 503 at once. The answer is written with a total
  deadline (`WRITE_TIMEOUT`); a keep-alive connection then goes back to the selector.

A client that resets its connection ends its request quietly (no traceback).
"""
from __future__ import annotations

import io
import re
import selectors
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from queue import Empty, SimpleQueue
from typing import Any, BinaryIO

THREADS = 8                 # handler threads (engine calls are serialised anyway)
QUEUE = 64                  # complete requests waiting for a thread; beyond: 503
BACKLOG = 128               # listen backlog (a burst of connections is queued, not dropped)
MAX_PENDING = 1024          # connections the selector reads at once, and unread answers it writes (each;
                            # less when the descriptor limit is low); beyond: the oldest is closed
MAX_HEAD = 64 * 1024        # request line and headers
MAX_REQUEST_BODY = 10 * 1024 * 1024
MAX_BUFFERED = 64 * 1024 * 1024  # bytes of requests being read, all connections together; beyond: 503
HEAD_TIMEOUT = 10.0         # seconds for a whole request to arrive once its first byte (or the connection) is there
IDLE_TIMEOUT = 5.0          # seconds a keep-alive connection may wait for its next request
WRITE_TIMEOUT = 60.0        # seconds to write one answer
SWEEP = 0.2                 # how often deadlines are checked
CHUNK = 64 * 1024           # bytes of a file read at a time

_HEAD_END = re.compile(rb"\r?\n\r?\n")
_CONTENT_LENGTH = re.compile(rb"^content-length[ \t]*:[ \t]*([^\r\n]*?)[ \t]*\r?$", re.I | re.M)
_TRANSFER_ENCODING = re.compile(rb"^transfer-encoding[ \t]*:", re.I | re.M)
_EXPECT_CONTINUE = re.compile(rb"^expect[ \t]*:[ \t]*100-continue[ \t]*\r?$", re.I | re.M)


def _reply(status: int, reason: str, text: str) -> bytes:
    body = (text + "\n").encode()
    return (f"HTTP/1.1 {status} {reason}\r\ncontent-type: text/plain; charset=utf-8\r\n"
            f"content-length: {len(body)}\r\nconnection: close\r\n\r\n").encode() + body


TOO_LARGE_HEAD = _reply(431, "Request Header Fields Too Large", f"the request head is over {MAX_HEAD} bytes")
TOO_LARGE_BODY = _reply(413, "Content Too Large", f"the request body is over {MAX_REQUEST_BODY} bytes")
TOO_SLOW = _reply(408, "Request Timeout", f"the request did not arrive within {HEAD_TIMEOUT:.0f} s")
BUSY = _reply(503, "Service Unavailable", "cfroutes serve is busy; try again")


def body_length(head: bytes) -> int | None:
    """The body length a request head announces: 0 without one, None when it cannot be known
    here (chunked, or a bad or repeated Content-Length): the handler answers 400/411 and closes."""
    if _TRANSFER_ENCODING.search(head):
        return None
    values = _CONTENT_LENGTH.findall(head)
    if not values:
        return 0
    if len(values) > 1 or not values[0].isdigit() or len(values[0]) > 12:
        return None
    return int(values[0])


@dataclass
class _Conn:
    sock: socket.socket
    addr: Any
    buf: bytearray = field(default_factory=bytearray)
    deadline: float = 0.0
    idle: bool = False      # a kept-alive connection with no byte of its next request yet
    need: int | None = -1   # bytes of head + body once the head is in; None: head only (then close)
    head: int = 0           # bytes of the head once it is in
    scanned: int = 0        # bytes already searched for the head's end (each byte is searched once)


class Request:
    """A fully read request as the handler gets it (`BaseRequestHandler`'s `request`)."""

    def __init__(self, sock: socket.socket, data: bytes, head_size: int) -> None:
        self.sock = sock
        self.data = data
        self.head = data[:head_size]
        self.outgoing: Outgoing | None = None  # the answer's body, set by the handler


class DeadlineWriter(io.BufferedIOBase):
    """The handler's `wfile`: every write finishes within one total deadline (a client that
    reads slowly cannot hold a thread longer than that)."""

    def __init__(self, sock: socket.socket, seconds: float) -> None:
        self.sock = sock
        self.seconds = seconds
        self.deadline = 0.0  # counted from the first write (the answer may take a while to compute)

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        if not self.deadline:
            self.deadline = time.monotonic() + self.seconds
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the answer was not read in time")
        self.sock.settimeout(left)
        self.sock.sendall(b)
        return len(b)


class Outgoing:
    """The body of an answer: bytes, then up to `left` bytes of `fh`. The pool thread sends what
    the socket takes without waiting; the rest is sent by the selector thread as the client reads,
    so a client that reads slowly holds a descriptor, not a thread."""

    def __init__(self, data: bytes = b"", fh: BinaryIO | None = None, left: int = 0) -> None:
        self.pending = memoryview(data)
        self.fh = fh
        self.left = left if fh is not None else 0
        self.short = False  # the file ended early: the connection must close (its length was announced)

    def push(self, sock: socket.socket) -> bool:
        """Send without blocking; True when everything is sent (OSError when the client is gone)."""
        while True:
            if not self.pending:
                if self.fh is None or self.left <= 0:
                    self.close()
                    return True
                piece = self.fh.read(min(CHUNK, self.left))
                if not piece:
                    self.short = True
                    self.close()
                    return True
                self.left -= len(piece)
                self.pending = memoryview(piece)
            try:
                n = sock.send(self.pending)
            except (BlockingIOError, InterruptedError):
                return False
            self.pending = self.pending[n:]

    def close(self) -> None:
        if self.fh is not None:
            self.fh.close()
            self.fh = None


@dataclass
class _Writer:
    sock: socket.socket
    addr: Any
    rest: bytes
    out: Outgoing
    keep: bool
    deadline: float


class EdgeServer:
    """Accepts on `address` and runs `handler(Request, client_address, self)` per request."""

    def __init__(self, address: tuple[str, int], handler: Callable[..., Any], *, threads: int = THREADS,
                 backlog: int = BACKLOG) -> None:
        host, port = address
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, port))
            sock.listen(backlog)
            sock.setblocking(False)
        except OSError:
            sock.close()
            raise
        self.socket = sock
        self.server_address: tuple[str, int] = sock.getsockname()[:2]
        self.RequestHandlerClass: Any = handler
        self.threads = threads
        # waiting connections and unread answers each hold a descriptor: both stay within the limit
        self.max_pending = max(16, min(MAX_PENDING, (_fd_limit() - 64) // 2))
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="cfroutes-serve")
        self._busy = 0
        self._busy_lock = threading.Lock()
        self._back: SimpleQueue[tuple[socket.socket, Any, bytes, Outgoing | None, bool]] = SimpleQueue()
        self._writers: dict[socket.socket, _Writer] = {}
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._conns: dict[socket.socket, _Conn] = {}  # insertion order: the oldest first
        self._buffered = 0  # bytes in the buffers of self._conns
        self._stop = threading.Event()
        self._stopped = threading.Event()
        self._stopped.set()
        self._sel: selectors.BaseSelector | None = None

    # ------------------------------------------------------------------ the selector thread
    def serve_forever(self, poll_interval: float = 0.5) -> None:
        self._stop.clear()
        self._stopped.clear()
        sel = self._sel = selectors.DefaultSelector()
        sel.register(self.socket, selectors.EVENT_READ)
        sel.register(self._wake_r, selectors.EVENT_READ)
        last_sweep = time.monotonic()
        try:
            while not self._stop.is_set():
                for key, _ in sel.select(timeout=min(poll_interval, SWEEP)):
                    if key.fileobj is self.socket:
                        self._accept()
                    elif key.fileobj is self._wake_r:
                        self._take_back()
                    elif isinstance(key.data, _Writer):
                        self._write(key.data)
                    else:
                        self._read(key.data)
                now = time.monotonic()
                if now - last_sweep >= SWEEP:
                    last_sweep = now
                    self._sweep(now)
        finally:
            for c in list(self._conns.values()):
                self._drop(c)
            for w in list(self._writers.values()):
                self._end_write(w, False)
            sel.close()
            self._sel = None
            self._stopped.set()

    def shutdown(self) -> None:
        self._stop.set()
        self._wake()
        self._stopped.wait()

    def server_close(self) -> None:
        self.socket.close()
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._wake_r.close()
        self._wake_w.close()

    def _wake(self) -> None:
        try:
            self._wake_w.send(b"x")
        except OSError:
            pass

    def _accept(self) -> None:
        assert self._sel is not None
        for _ in range(BACKLOG):
            try:
                sock, addr = self.socket.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:  # out of file descriptors: the connection waiting longest makes room
                if self._conns:
                    self._drop(next(iter(self._conns.values())))
                return
            if len(self._conns) >= self.max_pending:  # the one waiting longest makes room
                self._drop(next(iter(self._conns.values())))
            sock.setblocking(False)
            c = _Conn(sock, addr, deadline=time.monotonic() + HEAD_TIMEOUT)
            self._conns[sock] = c
            self._sel.register(sock, selectors.EVENT_READ, c)

    def _take_back(self) -> None:
        assert self._sel is not None
        try:
            while self._wake_r.recv(4096):
                pass
        except OSError:
            pass
        while True:
            try:
                sock, addr, rest, out, keep = self._back.get_nowait()
            except Empty:
                return
            if out is not None:  # an answer's body the client has not taken yet
                if len(self._writers) >= self.max_pending:  # the oldest unread answer makes room
                    self._end_write(next(iter(self._writers.values())), False)
                w = _Writer(sock, addr, rest, out, keep, time.monotonic() + WRITE_TIMEOUT)
                try:
                    self._sel.register(sock, selectors.EVENT_WRITE, w)
                except (OSError, ValueError):
                    out.close()
                    _close(sock)
                    continue
                self._writers[sock] = w
                continue
            self._reading(sock, addr, rest)

    def _write(self, w: _Writer) -> None:
        try:
            done = w.out.push(w.sock)
        except OSError:
            self._end_write(w, False)
            return
        if done:
            self._end_write(w, w.keep and not w.out.short)

    def _end_write(self, w: _Writer, keep: bool) -> None:
        assert self._sel is not None
        w.out.close()
        self._writers.pop(w.sock, None)
        try:
            self._sel.unregister(w.sock)
        except (KeyError, ValueError):
            pass
        if keep and not self._stop.is_set():
            self._reading(w.sock, w.addr, w.rest)
        else:
            _close(w.sock)

    def _reading(self, sock: socket.socket, addr: Any, rest: bytes) -> None:
        """A kept-alive connection waits for its next request."""
        assert self._sel is not None
        if len(self._conns) >= self.max_pending:
            self._drop(next(iter(self._conns.values())))
        c = _Conn(sock, addr, bytearray(rest), time.monotonic() + IDLE_TIMEOUT, idle=True)
        try:
            sock.setblocking(False)
            self._sel.register(sock, selectors.EVENT_READ, c)
        except (OSError, ValueError):
            _close(sock)
            return
        self._conns[sock] = c
        self._buffered += len(rest)
        if rest:
            self._advance(c)

    def _read(self, c: _Conn) -> None:
        try:
            data = c.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self._drop(c)
            return
        if not data:
            self._drop(c)
            return
        c.buf += data
        self._buffered += len(data)
        if self._buffered > MAX_BUFFERED:
            self._drop(c, BUSY)
            return
        self._advance(c)

    def _advance(self, c: _Conn) -> None:
        if c.idle:  # the next request has begun: it gets the full time to arrive
            c.idle = False
            c.deadline = time.monotonic() + HEAD_TIMEOUT
        if c.need == -1:
            if c.scanned == 0:
                while c.buf[:2] == b"\r\n" or c.buf[:1] == b"\n":  # blank lines between requests
                    n = 2 if c.buf[:1] == b"\r" else 1
                    del c.buf[:n]
                    self._buffered -= n
            m = _HEAD_END.search(c.buf, max(0, c.scanned - 3), MAX_HEAD + 4)
            if m is None:
                c.scanned = len(c.buf)
                if len(c.buf) > MAX_HEAD:
                    self._drop(c, TOO_LARGE_HEAD)
                return
            size = body_length(bytes(c.buf[:m.end()]))
            if size is not None and size > MAX_REQUEST_BODY:
                self._drop(c, TOO_LARGE_BODY)
                return
            c.need = None if size is None else m.end() + size
            c.head = m.end()
            if c.need is not None and len(c.buf) < c.need:
                if _EXPECT_CONTINUE.search(c.buf, 0, c.head):  # the client waits for this before its body
                    try:
                        c.sock.send(b"HTTP/1.1 100 Continue\r\n\r\n")
                    except OSError:
                        pass
                return
            self._dispatch(c)
        elif c.need is not None and len(c.buf) >= c.need:
            self._dispatch(c)

    def _dispatch(self, c: _Conn) -> None:
        assert self._sel is not None
        self._sel.unregister(c.sock)
        del self._conns[c.sock]
        self._buffered -= len(c.buf)
        with self._busy_lock:
            full = self._busy >= self.threads + QUEUE
            if not full:
                self._busy += 1
        if full:
            _send_close(c.sock, BUSY)
            return
        end = len(c.buf) if c.need is None else c.need
        self._pool.submit(self._work, c.sock, c.addr, bytes(c.buf[:end]), c.head, bytes(c.buf[end:]),
                          c.need is not None)

    def _sweep(self, now: float) -> None:
        for c in [c for c in self._conns.values() if c.deadline <= now]:
            self._drop(c, TOO_SLOW if c.buf else None)
        for w in [w for w in self._writers.values() if w.deadline <= now]:
            self._end_write(w, False)

    def _drop(self, c: _Conn, answer: bytes | None = None) -> None:
        if self._sel is not None:
            try:
                self._sel.unregister(c.sock)
            except (KeyError, ValueError):
                pass
        if self._conns.pop(c.sock, None) is not None:
            self._buffered -= len(c.buf)
        if answer is not None:
            _send_close(c.sock, answer)
        else:
            _close(c.sock)

    # ------------------------------------------------------------------ a pool thread
    def _work(self, sock: socket.socket, addr: Any, data: bytes, head_size: int, rest: bytes, framed: bool) -> None:
        keep = False
        request = Request(sock, data, head_size)
        out: Outgoing | None = None
        try:
            sock.setblocking(True)
            handler = self.RequestHandlerClass(request, addr, self)
            keep = framed and not handler.close_connection
            out = request.outgoing
            if out is not None:
                sock.setblocking(False)
                if out.push(sock):
                    keep, out = keep and not out.short, None
        except Exception:  # noqa: BLE001 - a reset or a timeout ends this connection, quietly
            keep = False
            if request.outgoing is not None:
                request.outgoing.close()
            out = None
        finally:
            with self._busy_lock:
                self._busy -= 1
        if (keep or out is not None) and not self._stop.is_set():
            self._back.put((sock, addr, rest, out, keep))  # the selector sends the rest / reads the next request
            self._wake()
        else:
            if out is not None:
                out.close()
            _close(sock)


def _fd_limit() -> int:
    try:
        import resource  # not on Windows

        soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
        return 1 << 20 if soft == resource.RLIM_INFINITY else int(soft)
    except (ImportError, OSError, ValueError):
        return 1 << 20


def _send_close(sock: socket.socket, data: bytes) -> None:
    try:
        sock.setblocking(False)
        sock.send(data)
    except OSError:
        pass
    _close(sock)


def _close(sock: socket.socket) -> None:
    try:  # shutdown ends the connection even where a forked process still holds a copy of it
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass
