"""`cfroutes test` on a config whose exact routes are spilled to the store (issue 23): a case's
`kvs:` is a layer over the store for that case only, and a changed store is seen by the next run
in the same process (the watchdog's worker keeps stores by digest, and warm contexts)."""
from __future__ import annotations

from collections.abc import Callable

from cfroutes.compiler import compile_config
from cfroutes.testing.cases import inline_cases
from cfroutes.testing.runner import Runner, format_diff

CONFIG = """\
version: 1
functions:
  f:
    event: viewer-request
    kvs: {{ name: routes, seed: seed.yaml }}
    options: {{ spill: always }}
    routes:
      - {{ path: '/t/:k', lookup: {{ key: '{{k}}', as: t }}, rewrite: '{{t}}' }}
{routes}
    tests:
{tests}
"""


def config(routes: dict[str, str], tests: list[str]) -> str:
    return CONFIG.format(routes="".join(f"      - {{ path: {s}, redirect: {d} }}\n" for s, d in routes.items()),
                         tests="".join(f"      - {t}\n" for t in tests))


def run(path: str) -> list[str]:
    """What each case got (all must pass their `expect`)."""
    compiled = compile_config(path)
    results = Runner(compiled).run(inline_cases(compiled.config), jobs=1)
    assert [format_diff(r) for r in results if not r.passed] == []
    out = []
    for r in results:
        got = (r.invocation.output or {}) if r.invocation else {}
        resp, req = got.get("response"), got.get("request")
        out.append(f"{resp['statusCode']} {resp['headers']['location']['value']}" if resp
                   else f"on {req['uri']}" if req else "nothing")
    return out


def test_a_case_layer_over_a_spilled_store_stays_with_its_case(write: Callable[[str, str], str]) -> None:
    write("seed.yaml", "a: /from-seed\nb: /b-seed\n")
    routes = {f"/old{i}": f"/new{i}" for i in range(50)}
    cases = [
        "{ request: /t/a, expect: { uri: /from-seed } }",
        "{ request: /t/a, kvs: { a: /override }, expect: { uri: /override } }",
        "{ request: /old1, kvs: { a: /override }, expect: { location: /new1 } }",  # spilled routes still read
        "{ request: /t/a, expect: { uri: /from-seed } }",  # the override stayed with its case
        "{ request: /t/b, kvs: { b: null }, expect: { uri: /t/b } }",  # deleted: no match
        "{ request: /t/b, expect: { uri: /b-seed } }",
        "{ request: /t/c, kvs: { c: /new }, expect: { uri: /new } }",
        "{ request: /t/c, expect: { uri: /t/c } }",
    ]
    path = write("routes.yaml", config(routes, cases))
    store = compile_config(path).functions[0].kvs_dict()
    assert store is not None and len(store) == 52  # 50 spilled routes and the seed's 2 keys
    assert run(path) == ["on /from-seed", "on /override", "301 /new1", "on /from-seed", "on /t/b", "on /b-seed",
                         "on /new", "on /t/c"]
    # the store changes (a route's target, a route added, a seed value): the next run in this
    # process, whose worker holds the old store and a warm context on it, sees the new one
    routes["/old1"] = "/changed"
    routes["/added"] = "/there"
    write("seed.yaml", "a: /seed-changed\n")
    cases = ["{ request: /old1, expect: { location: /changed } }", "{ request: /added, expect: { location: /there } }",
             "{ request: /old2, expect: { location: /new2 } }", "{ request: /t/a, expect: { uri: /seed-changed } }",
             "{ request: /t/b, expect: { uri: /t/b } }"]
    path = write("routes.yaml", config(routes, cases))
    assert run(path) == ["301 /changed", "301 /there", "301 /new2", "on /seed-changed", "on /t/b"]
