"""Wall-clock watchdog: every engine call runs in a persistent forked worker process.

QuickJS's interrupt handler (the 1 s CPU time limit) is only polled by the bytecode
interpreter and the regex engine. Native built-ins that loop without polling it
(`JSON.stringify` of a shared DAG, `new Array(2**32-1).join('')`, `reverse`/`sort` of a huge
array-like, a naive `indexOf`) run for minutes, and a thread cannot stop them: the binding
releases the GIL during evaluation, but nothing can end a native loop except ending the
process. So the engine lives in a child process; the parent sends it one request per
invocation and waits on the pipe with a deadline. When the deadline passes, the child is
killed (SIGKILL), the invocation ends with `time limit exceeded`, and the next request
forks a fresh child: the harness stays usable.

The child keeps the prepared functions, the warm contexts and the stores it has seen (bounded
LRU), so a request carries only the event and the store's reference plus the call's overrides
(one pickle each way; a store's base crosses once, then by its digest: `_dumps`, emulator/store.py;
see docs/emulator.md, "Limits", for the measured overhead). Where `os.fork` is missing, or with
`CFROUTES_EMULATOR_INPROCESS=1`, calls run in this process without the watchdog.
"""
from __future__ import annotations

import ctypes
import gc
import os
import pickle
import queue
import signal
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from multiprocessing.connection import Connection, Pipe
from typing import Any

from cfroutes.emulator import store as kvstore

DEFAULT_TIME_LIMIT = 1.0  # seconds of CPU per eval/call/job (QuickJS's interrupt: the backstop)
STACK_LIMIT = 512 * 1024  # bytes of native stack a QuickJS context may use
WALL_SLACK = 1.0          # seconds on top of the per-call CPU limits (context set-up, scheduling)
WALL_PER_LIMIT = 2        # a call may use its CPU limit this many times (load, handler, jobs)
TIMEOUT_ERROR = ("time limit exceeded: the function ran too long (stopped by the wall-clock watchdog after "
                 "{:.1f} s: runaway code in a built-in, e.g. a huge join/sort/JSON.stringify)")
FLUSH_EVERY = 0.005       # the worker answers a batch at least this often (seconds) ...
CHUNK = 256               # ... or every CHUNK calls
_PREPARED_KEEP = 64
_WARM_KEEP = 16


def wall_limit(time_limit: float) -> float:
    """The wall-clock deadline of one invocation whose engine calls have `time_limit` s of CPU each."""
    return WALL_SLACK + WALL_PER_LIMIT * time_limit


def enabled() -> bool:
    return hasattr(os, "fork") and os.environ.get("CFROUTES_EMULATOR_INPROCESS", "") in ("", "0")


class WorkerCrash(Exception):
    """The worker died without answering (not a timeout)."""


def _max_fd() -> int:
    try:
        return int(os.sysconf("SC_OPEN_MAX"))
    except (ValueError, OSError):
        return 65536


def _die_with_parent() -> None:
    try:  # Linux: the child gets SIGKILL when the parent dies, even in the middle of a runaway loop
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _dumps(msg: Any, known: set[str], sent: set[str]) -> bytes:
    """`msg` pickled with the store bases in `known` by digest (the others go by value and are
    added to `sent`; emulator/store.py)."""
    kvstore.sending(known, sent)
    try:
        return pickle.dumps(msg, pickle.HIGHEST_PROTOCOL)
    finally:
        kvstore.sending(None)


def _serve(conn: Connection, handlers: dict[str, Callable[..., Any]]) -> None:
    """The child's loop: (op, key, prepared|None, args) -> ("ok", value) | ("need",) | ("exc", repr)."""
    prepared: OrderedDict[int, Any] = OrderedDict()
    warm: OrderedDict[int, Any] = OrderedDict()
    while True:
        try:
            data = conn.recv_bytes()
        except (EOFError, OSError):
            return
        try:
            op, key, prep, args = pickle.loads(data)
        except kvstore.Missing:  # a store it no longer holds: the parent sends everything again
            conn.send(("need",))
            continue
        try:
            if op == "drop":
                warm.pop(key, None)
                continue
            if prep is not None:
                prepared[key] = prep
            if key not in prepared:
                conn.send(("need",))
                continue
            prepared.move_to_end(key)
            while len(prepared) > _PREPARED_KEEP:
                prepared.popitem(last=False)
            if op in ("warm", "warm_many"):
                wkey = args[0]
                w = warm.get(wkey)
                if w is None:
                    w = warm[wkey] = handlers["new_warm"](prepared[key], *args[1:3])
                warm.move_to_end(wkey)
                while len(warm) > _WARM_KEEP:
                    warm.popitem(last=False)
                if op == "warm_many":  # answers in chunks (see Worker.call_many)
                    chunk, done, last = args[4], [], time.monotonic()
                    for event, kvs in args[3]:
                        done.append(handlers["warm"](w, event, kvs))
                        now = time.monotonic()
                        if len(done) >= chunk or now - last > FLUSH_EVERY:
                            conn.send(("many", done))
                            done, last = [], now
                    if done:
                        conn.send(("many", done))
                    continue
                value = handlers["warm"](w, *args[3:])
            else:
                value = handlers[op](prepared[key], *args)
            conn.send(("ok", value))
        except Exception as exc:  # our bug: re-raised in the parent (exit 3 there)
            conn.send(("exc", f"{type(exc).__name__}: {exc}"))


_SPAWN: queue.Queue[tuple[Callable[[], None], list[int], threading.Event]] = queue.Queue()
_SPAWNER: threading.Thread | None = None
_SPAWNER_LOCK = threading.Lock()


def _spawner() -> None:
    while True:
        child, out, done = _SPAWN.get()
        pid = os.fork()
        if pid == 0:  # only this thread exists in the child
            child()
            os._exit(0)  # child() ends in os._exit; this is a backstop
        out.append(pid)
        done.set()


def _fork(child: Callable[[], None]) -> int:
    """Fork a child that runs `child()` (which must end in os._exit); the parent gets the pid.

    The fork happens on a thread that lives as long as the process: PR_SET_PDEATHSIG fires
    when the *thread* that forked the child ends, not the process, so a worker forked from
    a short-lived thread (one per request in `cfroutes serve`'s ThreadingHTTPServer) would
    be killed as soon as that thread finished. The main thread forks directly.
    """
    global _SPAWNER
    if threading.current_thread() is threading.main_thread():
        pid = os.fork()
        if pid == 0:
            child()
            os._exit(0)
        return pid
    with _SPAWNER_LOCK:
        if _SPAWNER is None or not _SPAWNER.is_alive():
            _SPAWNER = threading.Thread(target=_spawner, name="cfroutes-watchdog-spawner", daemon=True)
            _SPAWNER.start()
    out: list[int] = []
    done = threading.Event()
    _SPAWN.put((child, out, done))
    done.wait()
    return out[0]


class Worker:
    """One child process serving engine calls; replaced after a timeout or a crash."""

    def __init__(self, handlers: dict[str, Callable[..., Any]]) -> None:
        self.handlers = handlers
        self.owner = os.getpid()
        self.lock = threading.Lock()
        self.pid = 0
        self.conn: Connection | None = None
        self.known: set[int] = set()
        self.stores: set[str] = set()  # digests of the store bases the child holds
        self.generation = 0

    def _start(self) -> None:
        parent, child = Pipe()

        def serve() -> None:  # the child: serve until the pipe closes, never return into the caller
            code = 0
            try:
                parent.close()
                # the copies of the caller's descriptors go: a socket `cfroutes serve` had open
                # at the fork would otherwise stay open (no FIN to its client) while the worker lives
                keep = child.fileno()
                os.closerange(3, keep)
                os.closerange(keep + 1, _max_fd())
                if threading.current_thread() is threading.main_thread():
                    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
                _die_with_parent()
                # the caller's heap (a big build: 20,000 routes) is never collected here: without
                # this the worker's first full collection walks (and copies on write) all of it
                gc.freeze()
                _serve(child, self.handlers)
            except BaseException:  # noqa: BLE001 - nothing may escape into the forked copy of the caller
                code = 70
            finally:
                os._exit(code)

        pid = _fork(serve)
        child.close()
        self.pid, self.conn, self.known, self.stores = pid, parent, set(), set()
        self.generation += 1

    def start(self) -> None:
        """Fork the child now rather than at the first call: a caller with other work to do first
        (`cfroutes test` reading its cases) lets the fork and the child's start overlap it."""
        with self.lock:
            if self.conn is None:
                self._start()

    def _stop(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None
        if self.pid:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                os.waitpid(self.pid, 0)
            except ChildProcessError:
                pass
            self.pid = 0

    def _send(self, msg: Any) -> None:
        """One message to the child: store bases it holds go by digest (`_dumps`)."""
        assert self.conn is not None
        sent: set[str] = set()
        self.conn.send_bytes(_dumps(msg, self.stores, sent))
        self.stores |= sent

    def call(self, op: str, key: int, prepared: Any, args: tuple[Any, ...], deadline: float) -> tuple[bool, Any]:
        """(True, value) or (False, None) when the deadline passed (the child is then killed)."""
        with self.lock:
            for _ in range(2):
                if self.conn is None:
                    self._start()
                assert self.conn is not None
                send = prepared if key not in self.known else None
                try:
                    self._send((op, key, send, args))
                    if not self.conn.poll(deadline):
                        self._stop()
                        return False, None
                    reply = self.conn.recv()
                except (EOFError, OSError, BrokenPipeError) as exc:
                    self._stop()
                    raise WorkerCrash(f"the emulator worker process died ({exc or type(exc).__name__})") from None
                self.known.add(key)
                if reply[0] == "ok":
                    return True, reply[1]
                if reply[0] == "exc":
                    raise RuntimeError("emulator worker: " + reply[1])
                self.known.discard(key)  # "need": evicted from the child's cache, send it again
                self.stores.clear()
            raise RuntimeError("emulator worker: prepared function not accepted")

    def call_many(self, key: int, prepared: Any, head: tuple[Any, ...], items: list[Any],
                  deadline: float) -> list[tuple[bool, Any]]:
        """`warm` for each item, pipelined: the child answers in chunks (every CHUNK calls or
        FLUSH_EVERY seconds, checked after each call), so a gap longer than `deadline` plus
        FLUSH_EVERY between answers means one of the unanswered calls overran. The child is
        then replaced and those calls are sent again one answer per call, to find the one that
        overran (reported as a timeout); the rest go on in chunks."""
        out: list[tuple[bool, Any]] = []
        precise = False
        with self.lock:
            while len(out) < len(items):
                if self.conn is None:
                    self._start()
                assert self.conn is not None
                rest = items[len(out):len(out) + CHUNK] if precise else items[len(out):]
                target = len(out) + len(rest)
                send = prepared if key not in self.known else None
                try:
                    self._send(("warm_many", key, send, (*head, rest, 1 if precise else CHUNK)))
                    while len(out) < target:
                        if not self.conn.poll(deadline + FLUSH_EVERY):
                            self._stop()
                            if precise:  # one answer per call: the first unanswered one overran
                                out.append((False, None))
                            precise = not precise
                            break
                        reply = self.conn.recv()
                        self.known.add(key)
                        if reply[0] == "need":
                            self.known.discard(key)
                            self.stores.clear()
                            break
                        if reply[0] == "exc":
                            raise RuntimeError("emulator worker: " + reply[1])
                        out.extend((True, inv) for inv in reply[1])
                    else:
                        precise = False
                except (EOFError, OSError) as exc:
                    self._stop()
                    raise WorkerCrash(f"the emulator worker process died ({exc or type(exc).__name__})") from None
        return out

    def close(self) -> None:
        with self.lock:
            self._stop()


_WORKER: Worker | None = None
_EXTRA: list[Worker] = []  # more workers for parallel batches (`worker(..., index)`), this process's
_WORKER_LOCK = threading.Lock()


#: the worker's operations by name, filled in by emulator/runtime.py when it is imported (which
#: importing anything in cfroutes.emulator does); the forked worker sees them as they were then
HANDLERS: dict[str, Callable[..., Any]] = {}


def worker(handlers: dict[str, Callable[..., Any]], index: int = 0) -> Worker:
    """This process's worker (a forked copy of the caller never uses its parent's child). `index` > 0:
    one of the extra workers that run parts of a batch in parallel (local_edge: one per job), each
    its own process with the same deadline and bounded caches."""
    global _WORKER
    with _WORKER_LOCK:
        if _WORKER is None or _WORKER.owner != os.getpid():
            _WORKER = Worker(handlers)
            _EXTRA.clear()
        if index == 0:
            return _WORKER
        while len(_EXTRA) < index:
            _EXTRA.append(Worker(handlers))
        return _EXTRA[index - 1]
