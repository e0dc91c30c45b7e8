"""Prefix routes (`/a/b/*`) as data (issue 23): inline in Y or spilled to the KeyValueStore,
they answer exactly as the pattern routes they replace, and big real-shaped configs fit."""
from __future__ import annotations

import os
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

from tests.differential.harness import Case, Variant

FIXTURE = Path(__file__).parent / "fixtures" / "docs_site_redirects"
NJS = bool(os.environ.get("CFROUTES_REQUIRE_NJS"))


def event(uri: str, host: str = "docs.example.org", query: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"version": "1.0", "context": {"eventType": "viewer-request"}, "viewer": {"ip": "192.0.2.1"},
            "request": {"method": "GET", "uri": uri, "querystring": query or {},
                        "headers": {"host": {"value": host}}, "cookies": {}}}


def uris_of(paths: list[str]) -> list[str]:
    """Requests around each source path: the prefix itself, with a slash, below it, in upper case."""
    out = []
    for p in paths:
        base = p.rstrip("*").rstrip("/") or "/"
        out += [base, base + "/", base + "/x", base + "/x/y/", base.upper() + "/Z", base + "x"]
    return out + ["/", "//", "/nowhere", "/docs/usage/"]


def built_case(cfg_path: str) -> tuple[Case, Any]:
    """The built function (what `cfroutes build` writes) as a differential case."""
    compiled = compile_config(cfg_path)
    assert not compiled.errors, [str(e) for e in compiled.errors]
    cf = compiled.functions[0]
    case = Case(cf.function, "")
    store = dict(cf.kvs_data) if cf.kvs_data is not None else None
    case.variants.append(Variant("build", cf.source, prepare(cf.source, cf.function.runtime), store))
    return case, cf


def agree(case: Case, uris: list[str], store: dict[str, str]) -> None:
    events = [event(u, query={"q": {"value": "1"}} if i % 3 == 0 else None) for i, u in enumerate(uris)]
    bad = [d for ev in events for d in case.check(ev, store)]
    assert not bad, bad[:3]
    if NJS:
        bad = case.check_njs(events, store)
        assert not bad, bad[:3]


def with_store(text: str) -> str:
    """What check's help tells a user: runtime 2.0, a store and spill: auto."""
    text = re.sub(r"^    event: viewer-request$", "    event: viewer-request\n    runtime: cloudfront-js-2.0\n"
                  "    kvs: { name: docs-routes }", text, count=1, flags=re.M)
    return re.sub(r"options: \{ (.*) \}", r"options: { \1, spill: auto }", text, count=1)


def test_docs_site_netlify_file_fits_with_a_store(tmp_path: Path) -> None:
    out = tmp_path / "routes.yaml"
    # its last rule, the non-forced `/* /404.html 404`, applies on Netlify only where no file exists:
    # it is the distribution's custom error response (`error_pages:`), not a route (issue 21)
    assert cli(["import", "netlify", str(FIXTURE), "-o", str(out)]) == 0
    assert '\n  "404": /404.html\n' in out.read_text(encoding="utf-8")
    text = out.read_text(encoding="utf-8")
    bare = compile_config(str(out))  # without a store it is over the limit, and the help names routes
    size_errors = [e for e in bare.errors if "CloudFront Functions limit" in e.message]
    assert size_errors and "Costliest routes in the code: route" in (size_errors[0].hint or "")
    assert "prefix routes" in (size_errors[0].hint or "")
    out.write_text(with_store(text), encoding="utf-8")
    case, cf = built_case(str(out))
    assert cf.size <= FUNCTION_SIZE_MAX and cf.plan.prefix_count == 106 and cf.plan.YD == [3, 2, 1]
    sources = [ln.split()[0] for ln in FIXTURE.read_text().splitlines() if ln.startswith("/")]
    agree(case, uris_of(sources), case.variants[0].spilled or {})


def _many_prefixes(n: int) -> str:
    lines = ["version: 1", "functions:", "  big:", "    event: viewer-request", "    runtime: cloudfront-js-2.0",
             "    kvs: { name: big-routes }", "    options: { spill: auto }", "    routes:",
             "      - { path: /healthz, respond: { status: 200, body: ok } }"]
    for i in range(n):
        target = f"/new/{i}/{{splat}}" if i % 4 == 0 else f"/archive/s{i % 50}/"
        lines.append(f"      - {{ path: '/s{i % 50}/page-{i}/*', redirect: '{target}' }}")
        if i % 500 == 0:
            lines.append(f"      - {{ path: /s{i % 50}/page-{i}/exact, redirect: /shadowed }}")  # under an earlier prefix
            lines.append(f"      - {{ path: '/t{i}/:id', rewrite: '/t/{{id}}' }}")
    return "\n".join(lines) + "\n"


def test_five_thousand_prefix_routes_fit_spilled(tmp_path: Path) -> None:
    cfg = tmp_path / "routes.yaml"
    cfg.write_text(_many_prefixes(5000), encoding="utf-8")
    case, cf = built_case(str(cfg))
    # (with the 10 `/t{i}/:id` routes, `:name` prefix routes: test_name_prefix.py)
    assert cf.size <= FUNCTION_SIZE_MAX and cf.spilled and cf.plan.prefix_count == 5010
    assert not cf.plan.Y and sum(k.startswith(spill_prefix(cf.plan.spill_version) + "*") for k, _ in cf.plan.spilled) == 5010
    paths = [f"/s{i % 50}/page-{i}/*" for i in range(0, 5000, 331)] + ["/t500/7", "/t500/7/", "/healthz", "/s3/page-0/x"]
    agree(case, uris_of(paths), case.variants[0].spilled or {})


MIXED = """version: 1
functions:
  f:
    event: viewer-request
    runtime: cloudfront-js-2.0
    kvs: { name: s }
    options: { case: %s, trailing_slash: %s, index: index.html }
    routes:
      - { path: /a/b/exact, redirect: /exact-first }
      - { path: "/a/*", redirect: { to: "/A/{splat}", status: 302 } }
      - { path: "/a/b/*", redirect: /never }
      - { path: /a/c, redirect: /never-either }
      - { path: "/b/:x", rewrite: "/bx/{x}" }
      - { path: "/b/c/*", redirect: "/bc/{splat}?from={path}" }
      - { path: /b/c/d, redirect: /exact-after-pattern }
      - { path: "/b/*", rewrite: "/bb/{splat}", set_headers: { x-s: "{splat}" } }
      - { path: "/Docs/v1/*", respond: { status: 410, body: gone } }
      - { host: h.test, path: /b/c/host, redirect: /h }
      - { path: /z/, redirect: /zz }
"""


@pytest.mark.parametrize("case_opt,ts", [("sensitive", "ignore"), ("insensitive", "strict")])
def test_spilled_prefix_routes_answer_as_inline(tmp_path: Path, case_opt: str, ts: str) -> None:
    path = tmp_path / "routes.yaml"
    path.write_text(MIXED % (case_opt, ts), encoding="utf-8")
    fn = load_config(str(path)).functions[0]
    builds = {(s, pre): plan(fn, spill=s, prefix=pre) for s, pre in [(False, 0), (True, 0), (False, 1), (True, 2)]}
    assert builds[(True, 2)].flags["yspill"] and builds[(False, 1)].flags["prefix"]
    assert not builds[(False, 0)].flags["prefix"] and not builds[(True, 0)].flags["prefix"]
    uris = uris_of(["/a/b/exact", "/a/b/*", "/a/c", "/b/c/*", "/b/c/d", "/b/c/host", "/Docs/v1/*", "/z/", "/b/x"])
    answers = {}
    for key, p in builds.items():
        src = function_source(p)
        store = dict(p.spilled)
        v = Variant(str(key), src, prepare(src, fn.runtime), store if key[0] else None)
        case = Case(fn, "", [v])
        agree(case, uris, {})
        answers[key] = [invoke(v.prepared, event(u, host="h.test"), store).output for u in uris]
    assert len({repr(a) for a in answers.values()}) == 1
    # the later routes under an earlier prefix are dropped as shadowed, as exact duplicates are
    dropped = {r.label for r, _ in builds[(True, 2)].shadowed}
    assert dropped == {"route 3", "route 4", "route 7", "route 10"}
