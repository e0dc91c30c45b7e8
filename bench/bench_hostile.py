"""Time and peak memory of hostile inputs (issues 10 and 18), each in a fresh `cfroutes` (or
`pytest`) process.

    python bench/bench_hostile.py [--limit-mb 4096] [--timeout 30] [--only WORD]

Each case runs under RLIMIT_AS (so a bomb ends in MemoryError instead of taking the
machine) and a wall-clock timeout; the table gives seconds, peak RSS, exit code and the
first line of stderr (or the first line naming the problem). A planted secret that shows up
in the output is reported as `SECRET PRINTED`. Results go in docs/benchmarks.md; run the
script with another checkout's interpreter (`/work/main/.venv/bin/python bench/...`) for the
"before" column.
"""
from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASE = "version: 1\nfunctions:\n  f:\n    event: viewer-request\n"
ROUTES = "    routes:\n      - {path: /a, respond: {status: 200}}\n"


def laughs(levels: int = 9, width: int = 9, indent: str = "") -> str:
    out = [f'{indent}l0: &l0 ["lol"]\n']
    for i in range(1, levels + 1):
        out.append(f"{indent}l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * width) + "]\n")
    return "".join(out)


def map_laughs(levels: int = 9, width: int = 9, indent: str = "") -> str:
    out = [f"{indent}m0: &m0 {{k: lol}}\n"]
    for i in range(1, levels + 1):
        out.append(f"{indent}m{i}: &m{i} {{" + ", ".join(f"k{j}: *m{i - 1}" for j in range(width)) + "}\n")
    return "".join(out)


def merge_laughs(levels: int = 20, indent: str = "") -> str:
    out = [f"{indent}m0: &m0 {{k: lol}}\n"]
    for i in range(1, levels + 1):
        out.append(f"{indent}m{i}: &m{i} {{<<: [*m{i - 1}, {{a{i}: *m{i - 1}}}], b{i}: *m{i - 1}}}\n")
    return "".join(out)


CYCLE = "x: &a [&b [*a, *b], *a, *b]\n"


def cases(tmp: Path) -> list[tuple[str, list[str]]]:
    def cfg(name: str, text: str) -> str:
        p = tmp / name
        p.mkdir(exist_ok=True)
        (p / "routes.yaml").write_text(text)
        return str(p / "routes.yaml")

    out: list[tuple[str, list[str]]] = []
    for label, bomb in (("billion laughs (sequences)", laughs()), ("anchors of anchors (mappings)", map_laughs()),
                        ("2-alias cycle", CYCLE), ("merge keys of aliases", merge_laughs())):
        slug = "".join(c for c in label if c.isalnum())
        c = cfg(slug, "x-bomb:\n" + "".join("  " + ln + "\n" for ln in bomb.splitlines()) + BASE + ROUTES)
        out.append((f"routes.yaml: {label}", ["check", "-c", c]))
    d = tmp / "seed"
    d.mkdir()
    (d / "seed.yaml").write_text(laughs())
    (d / "routes.yaml").write_text(BASE + "    runtime: cloudfront-js-2.0\n    kvs: {name: s, seed: seed.yaml}\n" + ROUTES)
    out.append(("seed file: billion laughs", ["check", "-c", str(d / "routes.yaml")]))
    d = tmp / "cases"
    d.mkdir()
    (d / "routes.yaml").write_text(BASE + ROUTES)
    (d / "x.cases.yaml").write_text("x-bomb:\n" + "".join("  " + ln + "\n" for ln in laughs().splitlines())
                                    + "tests: []\n")
    out.append(("x.cases.yaml: billion laughs", ["test", "-c", str(d / "routes.yaml")]))
    d = tmp / "zerocases"
    d.mkdir()
    (d / "routes.yaml").write_text(BASE + ROUTES)
    (d / "x.cases.yaml").symlink_to("/dev/zero")
    out.append(("discovered x.cases.yaml -> /dev/zero", ["test", "-c", str(d / "routes.yaml")]))
    d = tmp / "flat"
    d.mkdir()
    (d / "routes.yaml").write_text(BASE + ROUTES + "x: [" + "1," * 1_100_000 + "]\n")
    out.append(("routes.yaml: flat list of 1.1 M scalars (2.2 MB)", ["check", "-c", str(d / "routes.yaml")]))
    d = tmp / "distfifo"
    d.mkdir()
    (d / "routes.yaml").write_text(BASE + ROUTES)
    (d / "dist").mkdir()
    os.mkfifo(d / "dist" / "f.js")
    (d / "dist" / "manifest.json").write_text("{}")
    out.append(("build --check, dist/f.js a FIFO", ["build", "--check", "-c", str(d / "routes.yaml"),
                                                    "-o", str(d / "dist")]))
    out += redos_cases(tmp)
    out += plugin_cases(tmp)
    fifo = tmp / "fifo.yaml"
    os.mkfifo(fifo)
    out.append(("-c on a FIFO", ["check", "-c", str(fifo)]))
    out.append(("-c /dev/zero", ["check", "-c", "/dev/zero"]))
    return out


# a backtracking regex route followed by a long literal path (and a case for it)
LONG = "/" + "a" * 42 + "!"
REDOS = (BASE + "    routes:\n      - {regex: \"^/(a+)+$\", respond: {status: 200}}\n"
         f"      - {{path: {LONG}, respond: {{status: 201}}}}\n"
         f"    tests:\n      - {{name: long, request: {LONG}, expect: {{status: 201}}}}\n")
SECRET = "AWS_SECRET_ACCESS_KEY=planted-bench-7d1e"


def redos_cases(tmp: Path) -> list[tuple[str, list[str]]]:
    out = []
    for label, argv in (("check", ["check"]), ("build", ["build"]), ("build --check", ["build", "--check"]),
                        ("test --coverage", ["test", "--coverage"]), ("report", ["report", "-o", "-"]),
                        ("pytest --cfroutes-coverage", ["@pytest", "-p", "no:cacheprovider", "--cfroutes-coverage",
                                                        "routes.yaml"])):
        d = tmp / ("redos-" + "".join(c for c in label if c.isalnum()))
        d.mkdir()
        (d / "routes.yaml").write_text(REDOS)
        if label == "build --check":  # a dist/ to compare with (where the build finishes at all)
            try:
                subprocess.run([sys.executable, "-m", "cfroutes", "build"], cwd=d, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, timeout=30, check=False)
            except subprocess.TimeoutExpired:
                pass
        out.append((f"regex `^/(a+)+$` + a 44-character path: {label}", [f"@cwd={d}", *argv]))
    return out


def plugin_cases(tmp: Path) -> list[tuple[str, list[str]]]:
    """A case file whose `config:` names a file outside the project, run by pytest in the project."""
    (tmp / ".env").write_text(SECRET + "\n")
    out = []
    for label, named in (("../.env", "../../.env"), ("/proc/self/environ", "/proc/self/environ"),
                         ("/etc/passwd", "/etc/passwd")):
        d = tmp / ("plugin-" + "".join(c for c in label if c.isalnum()))
        (d / "tests").mkdir(parents=True)
        (d / "routes.yaml").write_text(BASE + ROUTES)
        (d / "tests" / "x.cases.yaml").write_text(f"config: {named}\ntests:\n  - {{name: x, request: /a, "
                                                  "expect: {status: 200}}\n")
        out.append((f"pytest: a case file's `config: {label}`", [f"@cwd={d}", "@pytest", "-p", "no:cacheprovider",
                                                                "tests"]))
    return out

# ------------------------------------------------------------------ `import` and `diff`
def import_diff_cases(tmp: Path) -> list[tuple[str, list[str]]]:
    """`cfroutes import` on hostile files of the four formats, and `cfroutes diff` on a small gzip of bad
    log lines and a huge --base (no cfroutes import here: the same file measures main's code)."""
    import gzip
    import subprocess as sp

    d = tmp / "imports"
    d.mkdir()

    def put(name: str, text: str) -> str:
        (d / name).parent.mkdir(parents=True, exist_ok=True)
        (d / name).write_bytes(text.encode("utf-8", "surrogatepass"))
        return str(d / name)

    out: list[tuple[str, list[str]]] = []
    fifo = d / "fifo" / "_redirects"
    fifo.parent.mkdir()
    os.mkfifo(fifo)
    out.append(("import netlify: _redirects is a FIFO", ["import", "netlify", str(fifo)]))
    zero = d / "zero" / "_redirects"
    zero.parent.mkdir()
    zero.symlink_to("/dev/zero")
    out.append(("import netlify: _redirects -> /dev/zero", ["import", "netlify", str(zero)]))
    out.append(("import netlify: ESC, U+FFFF, U+202E in rules (YAML comments)",
                ["import", "netlify", put("esc/_redirects", "/a\x1b[2J /b 301\n/c\uffff /d 301\n/\u202ee /f 301\n")]))
    out.append(("import netlify: netlify.toml status = \"abc\"",
                ["import", "netlify", put("t1/netlify.toml", '[[redirects]]\nfrom = "/a"\nto = "/b"\nstatus = "abc"\n')]))
    out.append(("import netlify: netlify.toml status = 1e400",
                ["import", "netlify", put("t2/netlify.toml", '[[redirects]]\nfrom = "/a"\nto = "/b"\nstatus = 1e400\n')]))
    out.append(("import netlify: netlify.toml conditions = 5",
                ["import", "netlify", put("t3/netlify.toml", '[[redirects]]\nfrom = "/a"\nto = "/b"\nconditions = 5\n')]))
    out.append(("import netlify: netlify.toml integer of 5,000 digits",
                ["import", "netlify", put("t4/netlify.toml", "x = " + "9" * 5000 + "\n")]))
    out.append(("import netlify: netlify.toml 3,000 nested arrays",
                ["import", "netlify", put("t5/netlify.toml", "x = " + "[" * 3000 + "]" * 3000 + "\n")]))
    out.append(("import netlify: newline in the file name",
                ["import", "netlify", put("nl/r\nversion: 2\n_redirects", "/a /b 301\n")]))
    out.append(("import netlify: output over 8 MiB (10,000 rules, 6 MB)",
                ["import", "netlify", put("big/_redirects", "".join(f"/{i:0300d} /t{i:0300d} 301\n"
                                                                   for i in range(10_000)))]))
    out.append(("import netlify: 8 MiB of short rules (478,000)",
                ["import", "netlify", put("many/_redirects", "".join(f"/a{i} /b{i}\n" for i in range(478_000)))]))
    out.append(("import vercel: statusCode \"abc\"",
                ["import", "vercel", put("v1/vercel.json", '{"redirects": [{"source": "/a", "destination": "/b", '
                                                            '"statusCode": "abc"}]}')]))
    out.append(("import vercel: redirects = 5",
                ["import", "vercel", put("v2/vercel.json", '{"redirects": 5}')]))
    out.append(("import vercel: lone surrogate \\ud800",
                ["import", "vercel", put("v3/vercel.json", '{"redirects": [{"source": "/a\\ud800", '
                                                            '"destination": "/b"}]}')]))
    out.append(("import vercel: has = \"x\"",
                ["import", "vercel", put("v4/vercel.json", '{"redirects": [{"source": "/a", "destination": "/b", '
                                                            '"has": "x"}]}')]))
    out.append(("import amplify: status [] and a rule that is a string",
                ["import", "amplify", put("a1/rules.json", '[{"source": "/a", "target": "/b", "status": []}, "x"]')]))
    out.append(("import csv: header names `to` twice",
                ["import", "csv", put("c1/rules.csv", "host,path,to,sc,to\nx.test,/a,/b,301,https://evil.test/\n")]))
    out.append(("import csv: sc of 5,000 digits",
                ["import", "csv", put("c2/rules.csv", "host,path,to,sc\nx.test,/a,/b," + "9" * 5000 + "\n")]))
    # diff: a git repo with a one-route config
    r = tmp / "diffrepo"
    r.mkdir()
    (r / "routes.yaml").write_text(BASE + ROUTES)
    for args in (["init", "-q"], ["add", "."], ["commit", "-qm", "base"]):
        sp.run(["git", "-c", "user.name=b", "-c", "user.email=b@b", *args], cwd=r, check=True, capture_output=True)
    log = r / "bad.log.gz"
    with gzip.open(log, "wb", compresslevel=9) as g:  # one good line, then short bad lines up to 0.5 MB of gzip
        g.write(b"#Fields: date time cs-method cs-uri-stem sc-status cs-uri-query x-host-header\n"
                b"2026-11-30\t12:00:00\tGET\t/a\t200\t-\tx.test\n")
        i = 0
        while log.stat().st_size < 500_000:
            g.write("".join(f"x{(j * 7919) % 1000}\n" for j in range(i, i + 200_000)).encode())
            g.flush()
            i += 200_000
    out.append((f"diff: {log.stat().st_size / 1e6:.2f} MB gzip of {i:,} short bad log lines",
                ["diff", "-c", str(r / "routes.yaml"), "--base", "HEAD", "--log", str(log)]))
    out.append(("diff: --base of 100,000 characters", ["diff", "-c", str(r / "routes.yaml"), "--base", "a" * 100_000]))
    return out
# ------------------------------------------------------------------ end of `import` and `diff`


def run(argv: list[str], limit_mb: int, timeout: float) -> tuple[float, float, str, str]:
    """(seconds, peak RSS in MB of this child alone, exit, first line of stderr or the problem).

    `@cwd=DIR` first runs the command in DIR; `@pytest` runs `python -m pytest` instead of cfroutes."""
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit_mb << 20, limit_mb << 20))

    cwd = ROOT
    if argv and argv[0].startswith("@cwd="):
        cwd, argv = Path(argv[0][5:]), argv[1:]
    cmd = ["-m", "pytest", *argv[1:]] if argv and argv[0] == "@pytest" else ["-m", "cfroutes", *argv]
    env = dict(os.environ, CFROUTES_PLANTED=SECRET)  # what /proc/self/environ shows
    with tempfile.TemporaryFile("w+") as err, tempfile.TemporaryFile("w+") as outf:
        t0 = time.perf_counter()
        p = subprocess.Popen([sys.executable, *cmd], cwd=cwd, stdout=outf, stderr=err, preexec_fn=limit, text=True,
                             env=env, start_new_session=True)
        timer = threading.Timer(timeout, lambda: os.killpg(p.pid, 9))
        timer.start()
        _, status, ru = os.wait4(p.pid, 0)
        took = time.perf_counter() - t0
        killed = not timer.is_alive()
        timer.cancel()
        try:  # the watchdog's worker of a killed run
            os.killpg(p.pid, 9)
        except ProcessLookupError:
            pass
        p.returncode = os.waitstatus_to_exitcode(status)
        code = f"killed after {timeout:.0f} s" if killed else str(p.returncode)
        err.seek(0)
        outf.seek(0)
        text_err, text_out = err.read(), outf.read()
        lines = (text_err.strip().splitlines() or [""])
        if "@pytest" in argv or "report" in argv or "--coverage" in argv:  # their findings go to stdout
            both = (text_out + "\n" + text_err).splitlines()
            for word in ("ran out", "warning:", "error:", "hours"):
                found = [ln for ln in both if word in ln]
                if found:
                    lines = found
                    break
        first = lines[0].strip()[:110]
        both_text = text_out + text_err
        if ("planted-bench" in both_text or "root:x:0:0" in both_text
                or any(f"{k}={v}" in both_text for k, v in env.items() if len(v) > 3)):  # an environment excerpt
            first = "SECRET PRINTED: " + first
    return took, ru.ru_maxrss / 1024, code, first


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit-mb", type=int, default=4096)
    ap.add_argument("--timeout", type=float, default=30)
    ap.add_argument("--only", default="", help="run only the inputs whose label contains this")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as t:
        print("| input | seconds | peak RSS (MB) | exit | first line of stderr |")
        print("|---|---|---|---|---|")
        for label, argv in cases(Path(t)) + import_diff_cases(Path(t)):
            if a.only not in label:
                continue
            took, rss, code, first = run(argv, a.limit_mb, a.timeout)
            print(f"| {label} | {took:.2f} | {rss:.0f} | {code} | `{first.replace(t, '…')}` |", flush=True)


# ------------------------------------------------------------------ cfroutes serve (issue 18)
# python bench/bench_hostile.py --serve [--python /work/main/.venv/bin/python]
# Each family starts a fresh `cfroutes serve` (loopback, port 0) with that interpreter, attacks
# it, and reports what a client saw, the server's peak RSS, and whether it survived.
SERVE_CONFIG = """version: 1
functions:
  site:
    event: viewer-request
    routes:
      - {name: evil, regex: '^/r/(a+)+$', respond: {status: 200, body: matched}}
      - {name: posts, regex: '^/p/(?<id>[0-9]+)$', rewrite: '/posts/{id}.html'}
"""


class _Serve:
    def __init__(self, python: str, site: Path, *extra: str) -> None:
        import select

        self.p = subprocess.Popen([python, "-m", "cfroutes", "serve", "-c", str(site / "routes.yaml"), "--port", "0",
                                   *extra], cwd=site, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert self.p.stdout is not None
        ready = select.select([self.p.stdout], [], [], 30)[0]
        m = re.search(r":(\d+)/ ", self.p.stdout.readline() if ready else "")
        self.port = int(m.group(1)) if m else 0
        self.host = "::1" if "::1" in extra else "127.0.0.1"
        self.out = ""

    def raw(self, data: bytes, timeout: float = 20) -> bytes:
        import socket

        out = b""
        try:
            with socket.create_connection((self.host, self.port), timeout=timeout) as s:
                s.sendall(data)
                end = time.monotonic() + timeout
                while time.monotonic() < end and (piece := s.recv(65536)):
                    out += piece
        except OSError as exc:
            return out or f"<{type(exc).__name__}>".encode()
        return out

    def status(self, data: bytes, timeout: float = 20) -> str:
        a = self.raw(data, timeout)
        return a[9:12].decode("latin-1") if a.startswith(b"HTTP/1.") else (a[:20].decode("latin-1") or "no answer")

    def cpu(self) -> float:
        """CPU seconds of the server and its children so far."""
        total = 0.0
        for d in os.listdir("/proc"):
            try:
                f = Path(f"/proc/{d}/stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if d == str(self.p.pid) or f[1] == str(self.p.pid):
                total += (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
        return total

    def stop(self) -> tuple[bool, float, str]:
        """(alive until now, peak RSS MB, first line of stderr naming a problem)."""
        alive = self.p.poll() is None
        rss = 0.0
        try:
            rss = int(re.search(r"VmHWM:\s+(\d+)", Path(f"/proc/{self.p.pid}/status").read_text()).group(1)) / 1024  # type: ignore[union-attr]
        except (OSError, AttributeError):
            pass
        self.p.terminate()
        try:
            self.out, err = self.p.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.out, err = self.p.communicate()
        bad = [ln for ln in err.splitlines() if "Error" in ln or "Traceback" in ln or "Fatal" in ln]
        return alive, rss, (bad[0][:80] if bad else "")


def _get(path: str, host: str = "a.test", extra: bytes = b"") -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n".encode() + extra + b"\r\n"


def serve_families(python: str, tmp: Path, only: str = "") -> list[tuple[str, str]]:
    import socket
    import struct

    site = tmp / "site"
    (site / "public" / "posts").mkdir(parents=True)
    (site / "routes.yaml").write_text(SERVE_CONFIG)
    (site / "public" / "posts" / "1.html").write_text("post 1")
    (site / "public" / "index.html").write_text("home")
    (site / "public" / "big.bin").write_bytes(b"\0" * (30 << 20))
    (site / "public" / "loop1").symlink_to("loop2")
    (site / "public" / "loop2").symlink_to("loop1")
    pub = ["--origin", str(site / "public")]
    rows: list[tuple[str, str]] = []

    def family(label: str, run: Callable[[_Serve], str | Callable[[], str]], *extra: str) -> None:
        if only and only not in label:
            return
        t0 = time.perf_counter()
        srv = _Serve(python, site, *extra)
        try:
            what = run(srv) if srv.port else "did not start"
        except Exception as exc:  # noqa: BLE001 - a row, not a crash of the bench
            what = f"bench error {exc!r}"
        alive, rss, err = srv.stop()
        if callable(what):  # read what the server wrote (its log) once it has stopped
            what = what()
        rows.append((label, f"{what}; {time.perf_counter() - t0:.1f} s, {rss:.0f} MB, "
                            f"{'alive' if alive else 'DEAD'}{', stderr: ' + err if err else ''}"))
        print(f"| {rows[-1][0]} | {rows[-1][1]} |", flush=True)

    def parallel(srv: _Serve) -> str:
        got: list[str] = []

        def client(n: int) -> None:  # new paths (no cached regex result) that keep the regex busy a moment
            for i in range(25):
                got.append(srv.status(_get(f"/r/{'a' * 18}!{n}-{i}"), 10))
        ts = [threading.Thread(target=client, args=(n,)) for n in range(2)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(120)
        return f"{got.count('404')}/50 answered (404: no such file)"
    family("2 parallel clients x 25 on a regex route", parallel, *pub)

    def redos(srv: _Serve) -> str:
        t0 = time.perf_counter()
        st = srv.status(_get("/r/" + "a" * 40 + "!"), 20)
        took = time.perf_counter() - t0
        time.sleep(1)
        c0 = srv.cpu()
        time.sleep(3)
        spin = srv.cpu() - c0
        after = srv.status(_get("/p/1"), 10)
        return f"{st} after {took:.1f} s; {spin / 3:.0%} CPU in the 3 s after; next request {after}"
    family("ReDoS URL (route (a+)+, 40 a's)", redos, *pub)

    def slowloris(srv: _Serve) -> str:
        socks = []
        t0 = time.perf_counter()
        try:
            for _ in range(800):
                s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
                s.sendall(b"GET /p/1 HTTP/1.1\r\nHost: a.test\r\nX-Slow: ")
                socks.append(s)
        except OSError as exc:
            return f"only {len(socks)} slow clients connected ({type(exc).__name__})"
        opened = time.perf_counter() - t0
        t0 = time.perf_counter()
        st = srv.status(_get("/p/1"), 20)
        took = time.perf_counter() - t0
        for s in socks:
            s.close()
        return f"800 connections opened in {opened:.1f} s; real request {st} in {took:.2f} s"
    family("800 slow (slowloris) clients, then a real request", slowloris, *pub)

    def nonreaders(srv: _Serve) -> str:
        socks = []
        for _ in range(16):
            s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            s.sendall(_get("/big.bin").replace(b"Connection: close", b"X: y"))
            socks.append(s)
        time.sleep(1)
        t0 = time.perf_counter()
        st = srv.status(_get("/p/1"), 20)
        took = time.perf_counter() - t0
        for s in socks:
            s.close()
        return f"real request {st} in {took:.2f} s"
    family("16 clients not reading a 30 MB answer, then a real request", nonreaders, *pub)

    def burst(srv: _Serve) -> str:
        got: list[str] = []
        gate = threading.Barrier(32)

        def one() -> None:
            gate.wait()
            got.append(srv.status(_get("/p/1"), 20))
        ts = [threading.Thread(target=one) for _ in range(32)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(60)
        return f"{got.count('200')}/32 answered 200"
    family("burst of 32 simultaneous connections", burst, *pub)

    def hosts(srv: _Serve) -> str:
        bad = ["evil.test/x", "a.test?x", "a..test", "u@a.test", "a b", "a.test:99999"]
        got = [srv.status(_get("/p/1", h)) for h in bad]
        dup = srv.status(b"GET /p/1 HTTP/1.1\r\nHost: a.test\r\nHost: b.test\r\nConnection: close\r\n\r\n")
        cr = srv.status(b"GET /p/1 HTTP/1.1\r\nHost: a.test\rX-Injected: 1\r\nConnection: close\r\n\r\n")
        return f"bad Host: {got.count('400')}/{len(bad)} answered 400 ({' '.join(got)}); duplicate Host {dup}; bare CR {cr}"
    family("Host header attacks", hosts, *pub)

    def rebinding(srv: _Serve) -> str:
        return f"Host: rebind.attacker.test -> {srv.status(_get('/p/1', 'rebind.attacker.test'))}"
    has_option = "--allowed-hosts" in subprocess.run([python, "-m", "cfroutes", "serve", "--help"], cwd=site,
                                                     capture_output=True, text=True).stdout
    family("DNS rebinding (--allowed-hosts routed where it exists)", rebinding, *pub,
           *(["--allowed-hosts", "routed"] if has_option else []))

    def big(srv: _Serve) -> str:
        a = srv.raw(_get("/big.bin"), 60)
        body = a.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in a else b""
        return f"{a[9:12].decode()} with {len(body) >> 20} of 30 MB"
    family("30 MB file from a folder origin", big, *pub)

    def origin_paths(srv: _Serve) -> str:
        loop = srv.raw(_get("/loop1"))
        idx = srv.status(_get("/index.html/"))
        leak = str(site) in loop.decode("latin-1")
        return f"symlink loop {loop[9:12].decode('latin-1')}{' (server path in body)' if leak else ''}; /index.html/ {idx}"
    family("symlink loop, /index.html/", origin_paths, *pub)

    def resets(srv: _Serve) -> str:
        for _ in range(10):
            with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as s:
                s.sendall(_get("/big.bin").replace(b"Connection: close", b"X: y"))
                s.recv(100)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        time.sleep(0.5)
        return f"next request {srv.status(_get('/p/1'))}"
    family("10 client resets mid-answer", resets, *pub)

    def control(srv: _Serve) -> Callable[[], str]:
        srv.raw(b"GET /x\x1b]0;pwned\x07 HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n")
        return lambda: ("log line escaped" if "\\x1b]0;pwned" in srv.out else
                        "raw ESC in the log" if "\x1b" in srv.out else "not logged")
    family("control bytes in the request line", control, *pub)

    def ipv6(srv: _Serve) -> str:
        return f"GET with Host [::1]:PORT -> {srv.status(_get('/p/1', f'[::1]:{srv.port}'))}"
    family("--host ::1", ipv6, *pub, "--host", "::1")

    upstream = socket.create_server(("127.0.0.1", 0))
    upstream.settimeout(0.2)
    answers = {b"/posts/1.html": b"HTTP/1.1 200 OK\r\nX-A: 1\rSet-Cookie: s=1\r\nContent-Length: 2\r\n\r\nok",
               b"/posts/2.html": b"HTTP/1.1 200 OK\r\n" + b"X: v\r\n" * 150 + b"Content-Length: 2\r\n\r\nok",
               b"/posts/3.html": b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"}
    seen: list[bytes] = []
    stop = threading.Event()

    def serve_up() -> None:
        while not stop.is_set():
            try:
                c, _ = upstream.accept()
            except OSError:
                continue
            with c:
                c.settimeout(5)
                data = b""
                try:
                    while b"\r\n\r\n" not in data and (piece := c.recv(65536)):
                        data += piece
                    m = re.search(rb"content-length: *(\d+)", data, re.I)
                    while m and len(data.split(b"\r\n\r\n", 1)[1]) < int(m.group(1)) and (piece := c.recv(65536)):
                        data += piece
                    seen.append(data)
                    c.sendall(answers.get(data.split(b" ")[1], answers[b"/posts/3.html"]))
                except OSError:
                    pass
    up = threading.Thread(target=serve_up, daemon=True)
    up.start()

    def upstream_family(srv: _Serve) -> str:
        cr = srv.raw(_get("/p/1"))
        many = srv.status(_get("/p/2"))
        post = srv.status(b"POST /p/3 HTTP/1.1\r\nHost: a.test\r\nContent-Length: 12\r\nConnection: close\r\n\r\n"
                          b'{"order": 1}')
        fwd = any(d.startswith(b"POST") and d.endswith(b'{"order": 1}') for d in seen)
        smuggled = b"set-cookie: s=1" in cr.lower()
        return (f"bare CR in a header {cr[9:12].decode('latin-1')}{' (Set-Cookie smuggled through)' if smuggled else ''}; "
                f"150 headers {many}; POST {post}, body {'forwarded' if fwd else 'dropped'}")
    family("upstream origin: bad heads, POST body", upstream_family, "--origin",
           f"http://127.0.0.1:{upstream.getsockname()[1]}")
    stop.set()
    up.join(5)
    upstream.close()
    return rows


def serve_main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--serve", action="store_true")
    ap.add_argument("--python", default=sys.executable, help="the interpreter whose cfroutes is attacked")
    ap.add_argument("--only", default="", help="only the families whose label contains this")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as t:
        print(f"`cfroutes serve` of {a.python}\n\n| family | what a client saw; time, server peak RSS, alive |\n|---|---|")
        serve_families(a.python, Path(t), a.only)


if __name__ == "__main__":
    serve_main() if "--serve" in sys.argv else main()
