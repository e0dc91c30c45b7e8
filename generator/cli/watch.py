"""`cfroutes test --watch`: run the cases, then rerun the affected ones whenever an input changes.

Inputs are polled (stat every POLL_SECONDS, no platform-specific watcher): the config, its seed
files and the case files (named on the command line, or discovered next to the config, rescanned
every RESCAN_SECONDS so a new `*.cases.yaml` joins). What reruns:
- the config changed: everything (it is rebuilt);
- a seed file changed: the store is rebuilt, and the cases of the functions whose store it seeds run;
- a case file changed: that file's cases.
Invalid input prints its diagnostics and the watch goes on (a half-saved file is normal while
editing). Ctrl-C ends it with exit code 130, no traceback.
"""
from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TextIO

from cfroutes.colour import paint, wanted
from cfroutes.compiler import Compiled, compile_config
from cfroutes.errors import ExitCode, InputError, render_all
from cfroutes.testing.cases import Case, find_case_files, load_cases
from cfroutes.testing.runner import Runner
from cfroutes.testing.session import collect, report

POLL_SECONDS = 0.1
RESCAN_SECONDS = 1.0
#: files watched at most (the config, seeds, case files): a tree with more case files than this
#: is watched in part, and the watch says so
WATCH_MAX = 10_000

Stamp = tuple[int, int, int]  # mtime_ns, size, inode; (0, 0, 0) for a missing file


def _stamp(path: str) -> Stamp:
    try:
        st = os.stat(path)
    except OSError:
        return (0, 0, 0)
    return (st.st_mtime_ns, st.st_size, st.st_ino)


@dataclass
class Watch:
    config: str
    named_cases: list[str]
    engine: str
    stdout: TextIO
    stderr: TextIO
    compiled: Compiled | None = None
    stamps: dict[str, Stamp] = field(default_factory=dict)
    case_files: list[str] = field(default_factory=list)
    last_scan: float = 0.0

    # ------------------------------------------------------------ inputs
    def seeds(self) -> dict[str, list[str]]:
        """Seed file -> the functions it seeds (from the last good build)."""
        out: dict[str, list[str]] = {}
        if self.compiled is None:
            return out
        base = os.path.dirname(self.config)
        for fn in self.compiled.config.functions:
            if fn.kvs is not None and fn.kvs.seed_path:
                out.setdefault(os.path.normpath(os.path.join(base, fn.kvs.seed_path)), []).append(fn.name)
        return out

    def scan(self) -> None:
        """The case files (rescanned at most every RESCAN_SECONDS)."""
        self.last_scan = time.monotonic()
        found = self.named_cases or find_case_files(self.config)
        if len(found) > WATCH_MAX:
            self.stderr.write(f"watch: {len(found):,} case files; watching the first {WATCH_MAX:,}\n")
            found = found[:WATCH_MAX]
        self.case_files = [os.path.normpath(p) for p in found]

    def inputs(self) -> list[str]:
        return [os.path.normpath(self.config), *self.seeds(), *self.case_files]

    def remember(self) -> None:
        self.stamps = {p: _stamp(p) for p in self.inputs()}

    def changed(self) -> list[str]:
        if time.monotonic() - self.last_scan >= RESCAN_SECONDS and not self.named_cases:
            self.scan()
        return [p for p in self.inputs() if _stamp(p) != self.stamps.get(p)]

    # ------------------------------------------------------------ runs
    def run(self, changed: list[str] | None) -> None:
        """Everything (changed is None), or what `changed` affects."""
        start = time.perf_counter()
        seeds = self.seeds()
        config = os.path.normpath(self.config)
        try:
            if changed is None or config in changed or any(p in seeds for p in changed) or self.compiled is None:
                self.compiled = compile_config(self.config)
                for p in self.seeds():  # a seed the build names for the first time: from now on
                    self.stamps.setdefault(p, _stamp(p))
            compiled = self.compiled
            if compiled.errors:
                self.stderr.write(render_all(compiled.errors, colour=wanted(self.stderr)) + "\n")
            suite = self._affected(compiled, changed, seeds)
        except InputError as e:
            self.stderr.write(render_all(e.diagnostics, colour=wanted(self.stderr)) + "\n")
            self.stdout.write("watch: invalid input; fix it and save again\n")
            return
        what = "all cases" if changed is None else ", ".join(os.path.relpath(p) for p in changed)
        self.stdout.write(paint(f"watch: {what}: {len(suite)} case(s)", "cyan", wanted(self.stdout)) + "\n")
        report(Runner(compiled, self.engine).run(suite), self.stdout)
        self.stdout.write(f"watch: {time.perf_counter() - start:.2f}s; waiting for changes (Ctrl-C to stop)\n")

    def _affected(self, compiled: Compiled, changed: list[str] | None,
                  seeds: dict[str, list[str]]) -> list[Case]:
        config = os.path.normpath(self.config)
        if changed is None or config in changed:
            return collect(compiled, self.named_cases or None)
        suite: list[Case] = []
        functions = {name for p in changed for name in seeds.get(p, ())}
        if functions:  # a seed: the cases of the functions it seeds
            suite += [c for c in collect(compiled, self.named_cases or None) if c.function in functions]
        files = [p for p in changed if p in self.case_files and os.path.exists(p)]
        seen = {id(c) for c in suite}
        suite += [c for c in load_cases(compiled.config, files) if id(c) not in seen and c.function not in functions]
        return suite


def watch(config: str, cases: list[str], *, engine: str, stdout: TextIO, stderr: TextIO,
          sleep: Callable[[float], None] = time.sleep) -> int:
    w = Watch(config, list(cases), engine, stdout, stderr)
    try:
        w.scan()
        w.remember()  # before reading anything: a save during the first run is seen next
        w.run(None)
        stdout.flush()
        while True:
            sleep(POLL_SECONDS)
            changed = w.changed()
            if changed:
                time.sleep(POLL_SECONDS / 2)  # an editor's save is often two writes: let it finish
                changed = w.changed() or changed
                w.remember()  # before the run: a save during the run is seen next time
                w.run(changed)
                stdout.flush()
    except KeyboardInterrupt:
        stdout.write("watch: stopped\n")
        stdout.flush()
        return ExitCode.INTERRUPTED
