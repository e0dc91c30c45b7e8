"""`cfroutes build --pretty`: one route (header rule) per line with its name and source line,
still a function that passes the profile check and answers like the minified build."""
from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

from cfroutes.cli.main import main
from cfroutes.compiler import compile_config
from cfroutes.emulator import invoke, prepare
from cfroutes.testing.events import build_event

ROOT = Path(__file__).resolve().parents[2]
REQUESTS = ["/pricing.html", "/healthz", "/docs/a/b", "/old-blog/x?y=1", "/wp-admin/z", "/about/",
            "https://www.salessqueeze.com/p?q", "https://a-tenant.salessqueeze.com/configurator",
            "https://nobody.salessqueeze.com/brand/logo.svg", "/app/x", "/api/v1"]


def _lines_with(source: str, label: str) -> list[str]:
    return [line for line in source.splitlines() if line.rstrip().endswith(label)]


def test_every_route_and_rule_is_one_commented_line() -> None:
    compiled = compile_config(str(ROOT / "routes.yaml"), pretty=True)
    assert compiled.errors == []  # the verify stage ran the profile check on the pretty source
    for cf in compiled.functions:
        fn = cf.function
        for r in fn.routes:
            if r.is_exact and cf.spilled:  # in the KeyValueStore, not in the code
                continue
            [line] = _lines_with(cf.source, f"// {r.label} (routes.yaml:{r.span.line})")
            assert ("{p:" in line or '"/' in line), line  # the record itself is on that line
        for h in fn.headers:
            assert len(_lines_with(cf.source, f"// {h.label} (routes.yaml:{h.span.line})")) == 1


def test_exact_routes_are_one_line_each_under_their_directory() -> None:
    cf = compile_config(str(Path(__file__).parent / "golden" / "redirects.yaml"), pretty=True).functions[0]
    assert not cf.spilled
    for r in cf.function.routes:
        if r.is_exact:
            [line] = _lines_with(cf.source, f"// {r.label} (redirects.yaml:{r.span.line})")
            assert line.startswith("      \"/"), line  # '/last' inside its directory's object


def test_pretty_spills_exactly_when_the_real_build_does(tmp_path: Path) -> None:
    routes = "".join(f"      - path: /a{i}/b{i}\n        redirect: /c{i}\n" for i in range(150))
    cfg = tmp_path / "routes.yaml"
    cfg.write_text("version: 1\nfunctions:\n  f:\n    event: viewer-request\n    kvs: {name: s}\n    routes:\n" + routes)
    small, pretty = compile_config(str(cfg)).functions[0], compile_config(str(cfg), pretty=True).functions[0]
    assert pretty.size > 10_240 >= small.size  # the readable text alone would have spilled
    assert not small.spilled and not pretty.spilled and pretty.kvs_data == small.kvs_data


def test_pretty_answers_like_the_minified_build() -> None:
    cfg = str(ROOT / "routes.yaml")
    small, pretty = compile_config(cfg).function("site-router"), compile_config(cfg, pretty=True).function("site-router")
    assert small is not None and pretty is not None and pretty.size > small.size
    a, b = prepare(small.source, small.function.runtime), prepare(pretty.source, pretty.function.runtime)
    for request in REQUESTS:
        ev = build_event(request)
        assert invoke(a, ev, small.kvs_dict()).output == invoke(b, ev, pretty.kvs_dict()).output, request


def test_pretty_loads_in_njs(njs: Any) -> None:  # the fixture skips without njs (fails in CI)
    cf = compile_config(str(ROOT / "routes.yaml"), pretty=True).function("site-router")
    assert cf is not None
    worker = njs.NjsWorker(prepare(cf.source, cf.function.runtime))
    try:
        inv = worker.invoke(build_event("/healthz"), cf.kvs_dict())
    finally:
        worker.close()
    assert inv.error == "" and inv.output["response"]["statusCode"] == 200


def test_a_name_cannot_end_its_comment(tmp_path: Path) -> None:
    cfg = tmp_path / "routes.yaml"
    cfg.write_text('version: 1\nfunctions:\n  f:\n    event: viewer-request\n    routes:\n'
                   '      - name: "a\\u2028b\\nc */ d"\n        path: /x/*\n        redirect: /y/{splat}\n')
    cf = compile_config(str(cfg), pretty=True).functions[0]
    [line] = [x for x in cf.source.splitlines() if "routes.yaml:6)" in x]
    assert line.endswith("// a?b?c */ d (routes.yaml:6)")
    out = invoke(prepare(cf.source, cf.function.runtime), build_event("/x/1"))
    assert out.output["response"]["headers"]["location"]["value"] == "/y/1"


def test_build_pretty_writes_it(tmp_path: Path) -> None:
    shutil.copy(ROOT / "routes.yaml", tmp_path / "routes.yaml")
    shutil.copytree(ROOT / "kvs", tmp_path / "kvs")
    assert main(["build", "-c", str(tmp_path / "routes.yaml"), "-o", str(tmp_path / "out"), "--pretty"]) == 0
    text = (tmp_path / "out" / "site-router.js").read_text()
    assert re.search(r"^  \{p:\[\"docs\".*\},  // docs \(routes\.yaml:\d+\)$", text, re.M)
