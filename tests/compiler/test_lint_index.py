"""The lint with routes indexed by their literal prefix gives exactly the diagnostics of the old
pairwise algorithm (tests/compiler/lint_pairwise.py): same codes, messages, positions, hints and
order, on generated configs whose routes overlap in every way the index has to get right (exact
vs prefix, prefix vs :name, regex and host routes, methods and conditions, lookups and tenants,
case-insensitive matching, both trailing-slash modes, percent-encoded and non-ASCII segments)."""
from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest
from cfroutes.codes import Code
from cfroutes.compiler.lint import lint_function
from cfroutes.compiler.plan import plan
from cfroutes.config.load import load_config
from cfroutes.config.model import Function
from cfroutes.errors import Diagnostic, InputError

from tests.compiler.lint_pairwise import lint_function_pairwise

# segments that collide under the options: case, percent-encoding case, non-ASCII vs its escape
SEGS = ("a", "A", "b", "docs", "Docs", "caf%c3%a9", "caf%C3%A9", "café", "v1.2-docs", "x")
TARGETS = ("/a", "/a/b", "/A/b/", "/docs/x", "/b", "/a/b/c", "/café/x", "https://{host}/a", "/x/", "/",
           "https://other.example/a", "/docs/a?x=1")
HOSTS = (None, None, None, "lint.example", "ex.com", ":sub.ex.com", "*.ex.com")
REGEXES = ("^/a/(?<n>[a-z]+)$", "^/docs/", "^/(A|a)/b", "^/caf", "^/(?<n>[a-z]+)$", "/x$")
CONDS = ("methods: [POST]", "methods: [GET, HEAD]", "query: {q: '1'}", "headers: {x-h: '*'}",
         "cookies: {c: null}", "country: [DE]", "query: {q: {regex: '^v'}}", "tenant: {id: dt_1}",
         "tenant: {params: {site: '*'}}")


def _path(rnd: random.Random) -> tuple[str, set[str]]:
    """A path pattern and the names it binds."""
    n = rnd.choice((0, 1, 1, 2, 2, 2, 3))
    segs, names = [], set()
    for i in range(n):
        if rnd.random() < 0.2:
            segs.append(f":p{i}")
            names.add(f"p{i}")
        else:
            segs.append(rnd.choice(SEGS))
    if rnd.random() < 0.4:
        segs.append("*")
        names.add("splat")
    path = "/" + "/".join(segs)
    if segs and segs[-1] != "*" and rnd.random() < 0.25:
        path += "/"
    return path, names


def _target(rnd: random.Random, names: set[str]) -> str:
    if names and rnd.random() < 0.4:
        name = rnd.choice(sorted(names))
        return rnd.choice(("/a/{%s}", "/docs/{%s}", "/{%s}")) % name
    return rnd.choice(TARGETS)


def _route(rnd: random.Random) -> str:
    lines = []
    if rnd.random() < 0.12:
        rx = rnd.choice(REGEXES)
        lines.append(f"regex: '{rx}'")
        names = {"n"} if "?<n>" in rx else set()
    else:
        path, names = _path(rnd)
        lines.append(f"path: '{path}'")
    host = rnd.choice(HOSTS)
    if host is not None:
        lines.append(f"host: '{host}'")
        if host.startswith(":sub"):
            names.add("sub")
    if rnd.random() < 0.2:
        lines.append(rnd.choice(CONDS))
    if rnd.random() < 0.06:
        lines.append("lookup: {key: 'k', as: v}")
    kind = rnd.random()
    if kind < 0.65:
        to = _target(rnd, names)
        if rnd.random() < 0.1:
            to = "/t/{tenant.params.site}"
        if rnd.random() < 0.2:
            lines.append(f"redirect: {{to: '{to}', status: 302, query: {rnd.choice(('keep', 'drop'))}}}")
        else:
            lines.append(f"redirect: '{to}'")
    elif kind < 0.85:
        to = _target(rnd, names)
        lines.append(f"rewrite: '{to if to.startswith('/') else '/r'}'")
    else:
        lines.append("respond: {status: 404}")
    return "{" + ", ".join(lines) + "}"


def _config(rnd: random.Random, n: int, case: str, slash: str) -> str:
    head = ["version: 1", "functions:", "  f:", "    event: viewer-request", "    runtime: cloudfront-js-2.0",
            "    kvs: {name: routes}", f"    options: {{case: {case}, trailing_slash: {slash}}}", "    routes:"]
    return "\n".join(head + [f"      - {_route(rnd)}" for _ in range(n)]) + "\n"


def _load(tmp_path: Path, text: str) -> Function | None:
    p = tmp_path / "routes.yaml"
    p.write_text(text, encoding="utf-8")
    try:
        return load_config(str(p)).functions[0]
    except InputError:
        return None


def _both(fn: Function, prefix: int = 0) -> tuple[tuple[list[Diagnostic], list[Diagnostic]],
                                                   tuple[list[Diagnostic], list[Diagnostic]]]:
    p = plan(fn, spill=fn.kvs is not None, prefix=prefix)
    return lint_function(fn, p), lint_function_pairwise(fn, p)


@pytest.mark.parametrize("case,slash", [("sensitive", "ignore"), ("insensitive", "ignore"),
                                        ("sensitive", "strict"), ("insensitive", "strict")])
def test_indexed_lint_equals_pairwise_on_generated_configs(tmp_path: Path, case: str, slash: str) -> None:
    seen: Counter[str] = Counter()
    loaded = 0
    for seed in range(60):
        rnd = random.Random(f"{seed}-{case}-{slash}")
        fn = _load(tmp_path, _config(rnd, rnd.randint(4, 40), case, slash))
        if fn is None:
            continue
        loaded += 1
        new, old = _both(fn)
        assert new == old, (seed, [d.message for d in new[0] + new[1]], [d.message for d in old[0] + old[1]])
        seen.update(str(d.code) for d in new[0] + new[1])
        seen["routes"] += len(fn.routes)
    assert loaded >= 40, loaded  # the generator makes valid configs
    for code in (Code.UNREACHABLE_ROUTE, Code.REDIRECT_LOOP, Code.REDIRECT_CHAIN):
        assert seen[str(code)] >= 5, seen  # the configs overlap: every kind of diagnostic comes up


def test_the_three_shadow_methods_are_all_exercised(tmp_path: Path) -> None:
    """Static coverage, sample requests and the planner's duplicates each report here, and the
    index gives the same list."""
    text = """version: 1
functions:
  f:
    event: viewer-request
    options: {case: insensitive}
    routes:
      - {path: '/docs/*', redirect: '/d/{splat}'}
      - {path: '/DOCS/:x/*', redirect: '/e'}
      - {regex: '^/v1\\.2-docs/', redirect: '/v'}
      - {path: '/v1.2-docs/a/:p', redirect: '/w'}
      - {path: '/a/b', redirect: '/q'}
      - {path: '/A/B', redirect: '/d'}
      - {path: '/a/:x/c', redirect: '/a/b'}
      - {path: '/a/b/c', redirect: '/x'}
      - {path: '/c', redirect: '/a/b'}
"""
    fn = _load(tmp_path, text)
    assert fn is not None
    new, old = _both(fn)
    assert new == old
    messages = [d.message for d in new[1]]
    assert any("matches the same requests first" in m for m in messages)  # the planner's duplicate
    assert any("matches every request it matches, first" in m for m in messages)  # static coverage
    assert any("answers the requests it was tested with first" in m for m in messages)  # samples
    assert any(d.code == Code.REDIRECT_CHAIN for d in new[1])


def _docs_site(n: int, shape: str) -> list[str]:
    """n routes of the docs-site shape bench/bench_scale.py measures: `/v1.K-docs/section-N/*`
    (or `/v1.K-docs/section-N/:page/*`), 9 versions sharing their first segments."""
    out = []
    for i in range(n):
        tail = "/:page/*" if shape == "name" else "/*"
        to = "/docs/{page}/section-%d/" % (i // 9) if shape == "name" else "/docs/section-%d/{splat}" % (i // 9)
        out.append(f"      - {{path: '/v1.{i % 9}-docs/section-{i // 9}{tail}', redirect: '{to}'}}")
    return out


@pytest.mark.parametrize("shape", ["splat", "name"])
@pytest.mark.parametrize("prefix", [0, 2])
def test_indexed_lint_equals_pairwise_on_prefix_routes(tmp_path: Path, shape: str, prefix: int) -> None:
    """Routes sharing 9 first segments, with overlaps added: a catch-all of one version (shadowing
    its section routes), a shadowed :name route, exact and :name routes under the prefixes, and
    chains into the prefix routes."""
    head = ["version: 1", "functions:", "  f:", "    event: viewer-request", "    runtime: cloudfront-js-2.0",
            "    kvs: {name: routes}", "    options: {spill: auto}", "    routes:",
            "      - {path: '/v1.3-docs/*', redirect: '/docs/'}"]
    tail = ["      - {path: '/v1.4-docs/section-2/*', redirect: '/v1.5-docs/section-2/x'}",
            "      - {path: '/v1.4-docs/section-2/:page', redirect: '/z'}",
            "      - {path: '/v1.5-docs/section-7', redirect: '/z'}",
            "      - {path: '/v1.6-docs/:v/x', redirect: '/z'}",
            "      - {path: '/old/*', redirect: '/v1.1-docs/section-3/p/q'}"]
    fn = _load(tmp_path, "\n".join(head + _docs_site(300, shape) + tail) + "\n")
    assert fn is not None
    new, old = _both(fn, prefix)
    assert new == old
    assert sum(d.code == Code.UNREACHABLE_ROUTE for d in new[1]) >= 33  # /v1.3-docs/* shadows its section routes
    assert any(d.code == Code.REDIRECT_CHAIN for d in new[1])
