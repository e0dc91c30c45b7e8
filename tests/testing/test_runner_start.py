"""`Runner.start`: the watchdog's workers forked before the run (`cfroutes test` forks the first one
while it reads the cases); the run then uses those processes and answers exactly as without it."""
from __future__ import annotations

from collections.abc import Callable

import pytest
from cfroutes.compiler import compile_config
from cfroutes.emulator import watchdog
from cfroutes.emulator.local_edge import SPLIT_MIN
from cfroutes.testing.runner import Runner
from cfroutes.testing.session import collect

pytestmark = pytest.mark.skipif(not watchdog.enabled(), reason="no os.fork: the watchdog is off on this platform")


def _suite(write: Callable[[str, str], str], one_function: str, n: int) -> str:
    """conftest's one function with n cases, one in seven failing (its explanation runs the debug build)."""
    lines = []
    for k in range(n):
        if k % 7 == 3:
            lines.append(f"- {{ request: /docs/p{k}, expect: {{ uri: /wrong/{k} }} }}")
        elif k % 2:
            lines.append(f"- {{ request: /old-blog/p{k}, expect: {{ status: 301, location: /blog/p{k} }} }}")
        else:
            lines.append(f"- {{ request: /docs/p{k}, expect: {{ uri: /public/p{k}.html }} }}")
    write("many.cases.yaml", "\n".join(lines) + "\n")
    return write("routes.yaml", one_function)


def _outcomes(runner: Runner, jobs: int) -> list[tuple[bool, str | None, str, list[str]]]:
    cases = collect(runner.compiled, None)
    return [(r.passed, r.route, r.where, [f"{m.field} {m.expected} {m.actual}" for m in r.mismatches])
            for r in runner.run(cases, jobs=jobs)]


def test_start_forks_the_worker_the_run_then_uses(write: Callable[[str, str], str], one_function: str) -> None:
    config = _suite(write, one_function, 30)
    plain = _outcomes(Runner(compile_config(config)), 1)
    watchdog.worker(watchdog.HANDLERS).close()
    runner = Runner(compile_config(config))
    runner.start()
    pid = watchdog.worker(watchdog.HANDLERS).pid
    assert pid, "no worker process after start()"
    assert _outcomes(runner, 1) == plain
    assert watchdog.worker(watchdog.HANDLERS).pid == pid  # the same process served the run
    failed = [(route, where) for ok, route, where, _ in plain if not ok]
    assert failed == [("route 2", "routes.yaml:9")] * 4  # explained by the debug build, as before


def test_a_split_run_forks_its_workers_first_and_answers_the_same(write: Callable[[str, str], str],
                                                                  one_function: str) -> None:
    config = _suite(write, one_function, 2 * SPLIT_MIN + 30)
    serial = _outcomes(Runner(compile_config(config)), 1)
    for w in [watchdog.worker(watchdog.HANDLERS), *watchdog._EXTRA]:
        w.close()
    split = _outcomes(Runner(compile_config(config)), 2)
    assert split == serial
    assert watchdog._EXTRA and watchdog._EXTRA[0].pid  # the second part ran in a worker of its own
