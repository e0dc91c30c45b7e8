"""`:name` prefix routes (`/a/:x/*`, `/blog/:year/:slug`) as data (issue 23): keyed by their
literal prefix, inline in Y or spilled to the KeyValueStore, they answer exactly as the pattern
routes they replace (reference model, QuickJS and njs), first match kept; real-shaped files fit."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from cfroutes.cli.main import main as cli
from cfroutes.compiler.emit import function_source
from cfroutes.compiler.pipeline import compile_config
from cfroutes.compiler.plan import plan
from cfroutes.config.load import load_config
from cfroutes.config.model import spill_prefix
from cfroutes.emulator import invoke, prepare
from cfroutes.platform.limits import FUNCTION_SIZE_MAX

from tests.compiler.test_prefix_spill import NJS, agree, built_case, event, uris_of, with_store
from tests.differential.harness import Case, Variant

CERT_MANAGER = Path(__file__).parent / "fixtures" / "cert_manager_shape_redirects"

NAMED = """version: 1
functions:
  f:
    event: viewer-request
    runtime: cloudfront-js-2.0
    kvs: { name: s }
    options: { case: %s, trailing_slash: %s, index: index.html }
    routes:
      - { path: /a/b/exact, redirect: /exact-first }
      - { path: "/a/:x/*", redirect: { to: "/A/{x}/{splat}", status: 302 } }
      - { path: "/a/b/*", redirect: /after-a-x }
      - { path: "/blog/:year/:slug", redirect: "/posts/{year}-{slug}" }
      - { path: "/blog/*", redirect: "/posts/" }
      - { path: "/blog/2020/x/:z", redirect: "/never/{z}" }
      - { path: "/r/:x", rewrite: "/rx/{x}", set_headers: { x-r: "{x}" } }
      - { path: "/v1.2-docs/:section/*", redirect: "/docs/{section}/" }
      - { path: "/b/:x", rewrite: "/bx/{x}" }
      - { path: "/b/c/:y/*", redirect: "/bc/{y}/{splat}?from={path}" }
      - { path: /b/c/d, redirect: /exact-after-pattern }
      - { path: "/b/*", rewrite: "/bb/{splat}" }
      - { path: "/q/r/s/*", redirect: "/qrs/{splat}" }
      - { path: "/q/:a/:b/:c", redirect: "/qabc/{a}/{b}/{c}" }
      - { path: "/q/r/*", redirect: "/qr/{splat}" }
      - { path: "/Docs/:v/*", respond: { status: 410, body: "gone" } }
      - { regex: "^/re/(?<n>[a-z]+)$", redirect: "/re2/{n}" }
      - { path: "/re/:n", redirect: "/re3/{n}" }
      - { path: "/re/:n/:m", redirect: "https://example.com/{n}?m={m}#f" }
      - { path: /z/, redirect: /zz }
      - { path: /q/r/s/t/u, redirect: /late-exact }
"""

NAMED_URIS = uris_of(["/a/b/exact", "/a/b/*", "/a/c", "/b/c/*", "/b/c/d", "/Docs/v1/*", "/z/", "/b/x",
                      "/blog/2020/x/q", "/blog/2020/hello", "/q/r/s/*", "/q/r/*", "/q/r/s/t/u", "/re/abc",
                      "/re/a%C3%A9", "/re/a%c3%a9", "/re/AB", "/re/x/y", "/v1.2-docs/usage/*", "/r/%e2%82%ac/*",
                      "/r/\u00e9/*", "/a/\u00fc/*", "/a/%2F/*", "/V1.2-DOCS/usage/*"])


@pytest.mark.parametrize("case_opt,ts", [("sensitive", "ignore"), ("insensitive", "strict")])
def test_name_prefix_routes_answer_as_pattern_routes(tmp_path: Path, case_opt: str, ts: str) -> None:
    path = tmp_path / "routes.yaml"
    path.write_text(NAMED % (case_opt, ts), encoding="utf-8")
    fn = load_config(str(path)).functions[0]
    builds = {(s, pre): plan(fn, spill=s, prefix=pre) for s, pre in [(False, 0), (True, 0), (False, 1), (True, 2)]}
    inline, spilled = builds[(False, 1)], builds[(True, 2)]
    assert inline.flags["yname"] and spilled.flags["yname"] and spilled.flags["yspill"]
    assert not builds[(False, 0)].flags["yname"] and not builds[(True, 0)].flags["yname"]
    # data: /a/:x/*, /blog/:year/:slug, /r/:x, /v1.2-docs/:section/*, /Docs/:v/*, /re/:n, /re/:n/:m;
    # patterns: /b/:x, /b/c/:y/* and /q/:a/:b/:c (an exact route after them lies under their prefix)
    # and the regex
    assert [r.get("x") or r["p"] for r in inline.P] == [["b", ["x"]], ["b", "c", ["y"]], ["q", ["a"], ["b"], ["c"]],
                                                         "^/re/([a-z]+)$"]
    keys = sorted(k.split(":", 2)[2] for k, _ in spilled.spilled if k.startswith(spill_prefix(spilled.spill_version) + "*"))
    assert keys == sorted(["*/a", "*/a/b", "*/b", "*/blog", "*/q/r", "*/q/r/s", "*/r", "*/re",
                           "*/v1.2-docs", "*/" + ("docs" if case_opt == "insensitive" else "Docs")])
    answers = {}
    for key, p in builds.items():
        src = function_source(p)
        store = dict(p.spilled)
        v = Variant(str(key), src, prepare(src, fn.runtime), store if key[0] else None)
        agree(Case(fn, "", [v]), NAMED_URIS, {})  # the reference model, QuickJS (and njs)
        answers[key] = [invoke(v.prepared, event(u), store).output for u in NAMED_URIS]
    assert len({repr(a) for a in answers.values()}) == 1
    # under an earlier prefix route, /blog/2020/x/:z and the late exact /q/r/s/t/u are dropped
    assert {r.label for r, _ in spilled.shadowed} == {"route 6", "route 21"}


def test_a_later_exact_route_keeps_a_name_route_a_pattern(tmp_path: Path) -> None:
    path = tmp_path / "routes.yaml"
    path.write_text(NAMED % ("sensitive", "ignore"), encoding="utf-8")
    fn = load_config(str(path)).functions[0]
    p = plan(fn, prefix=1)
    # first match: /b/c/d (route 11) after /b/c/:y/* must not win over it for /b/c/d/e, so that route is
    # tried in P before the exact table; the same request answers as the reference model says
    assert any(r.get("p") == ["b", "c", ["y"]] for r in p.P)
    src = function_source(p)
    out = invoke(prepare(src, fn.runtime), event("/b/c/d/e"), None).output
    assert out["response"]["headers"]["location"]["value"] == "/bc/d/e?from=/b/c/d/e"


def test_cert_manager_shaped_file_fits_with_a_store(tmp_path: Path) -> None:
    out = tmp_path / "routes.yaml"
    assert cli(["import", "netlify", str(CERT_MANAGER), "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert len(re.findall(r"^      - (?:host|path|regex):", text, re.M)) == 200
    assert len(re.findall(r"^        regex:|^      - regex:", text, re.M)) == 11
    bare = compile_config(str(out))
    size_errors = [e for e in bare.errors if "CloudFront Functions limit" in e.message]
    assert size_errors and "spill: auto" in (size_errors[0].hint or "")
    out.write_text(with_store(text), encoding="utf-8")
    case, cf = built_case(str(out))
    assert cf.size <= FUNCTION_SIZE_MAX and cf.spilled and cf.plan.prefix_count == 60
    events: list[dict[str, Any]] = []
    for ln in CERT_MANAGER.read_text(encoding="utf-8").splitlines():
        if not ln.strip() or ln.startswith("#"):
            continue
        src = ln.split()[0]
        host = "kega-vogatoc.io"
        if src.startswith("https://"):
            host, _, rest = src[len("https://"):].partition("/")
            src = "/" + rest
        for u in uris_of([src])[:5]:
            events.append(event(u, host=host, query={"q": {"value": "1"}} if len(events) % 3 == 0 else None))
    store = case.variants[0].spilled or {}
    bad = [d for ev in events for d in case.check(ev, store)]
    assert not bad, bad[:3]
    if NJS:
        bad = case.check_njs(events, store)
        assert not bad, bad[:3]


def many_prefixes(n: int) -> str:
    """n prefix routes, half `/p/*`, half `/p/:x/*` (and `/p/:x/:y`), with exact and regex routes."""
    lines = ["version: 1", "functions:", "  big:", "    event: viewer-request", "    runtime: cloudfront-js-2.0",
             "    kvs: { name: big-routes }", "    options: { spill: auto }", "    routes:",
             "      - { path: /healthz, respond: { status: 200, body: ok } }"]
    for i in range(n):
        if i % 500 == 1:  # a regex route before a `:name` route: it answers first where both match
            lines.append(f"      - {{ regex: '^/s{i % 50}/doc-{i}/r(?<n>[0-9]+)$', redirect: '/rx/{{n}}' }}")
        if i % 2 == 0:
            lines.append(f"      - {{ path: '/s{i % 50}/page-{i}/*', redirect: '/new/{i}/{{splat}}' }}")
        elif i % 4 == 1:
            lines.append(f"      - {{ path: '/s{i % 50}/doc-{i}/:section/*', redirect: '/d/{i}/{{section}}/{{splat}}' }}")
        else:
            lines.append(f"      - {{ path: '/s{i % 50}/post-{i}/:year/:slug', rewrite: '/p/{{year}}-{{slug}}.html' }}")
        if i % 500 == 5:  # an exact route under an earlier `:name` route's prefix: that one stays a pattern
            lines.append(f"      - {{ path: /s{i % 50}/doc-{i}/x/exact, redirect: /exact/{i} }}")
    return "\n".join(lines) + "\n"


def test_five_thousand_name_and_splat_prefix_routes_fit_spilled(tmp_path: Path) -> None:
    cfg = tmp_path / "routes.yaml"
    cfg.write_text(many_prefixes(5000), encoding="utf-8")
    case, cf = built_case(str(cfg))
    assert cf.size <= FUNCTION_SIZE_MAX and cf.spilled and cf.plan.prefix_count == 4990
    assert not cf.plan.Y and cf.plan.flags["yname"] and cf.plan.YD == [2] and len(cf.plan.P) == 20
    paths = [p for i in range(0, 5000, 331) for p in (f"/s{i % 50}/page-{i}/*", f"/s{(i + 1) % 50}/doc-{i + 1}/sec/*",
                                                     f"/s{(i + 3) % 50}/post-{i + 3}/2020/hello")]
    paths += ["/s1/doc-1/r12", "/s1/doc-1/r12/", "/s5/doc-5/x/exact", "/s5/doc-5/x/exact/", "/s5/doc-5/y/z",
              "/healthz", "/s1/doc-1/caf%C3%A9/\u00e9", "/s3/post-3/%E2%82%AC/\u00fc"]
    agree(case, uris_of(paths), case.variants[0].spilled or {})
