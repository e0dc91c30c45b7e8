"""Every emitted shape stays inside what CloudFront's engine accepts.

A matrix of configs, one per shape of templates/router.js.j2 (inline, spilled, spilled with
hosts, string and JSON lookups, origin helpers, viewer-response, cloudfront-js-1.0), each also
in the debug build. For each: the static profile accepts the source with no issue and no
warning (so `await` never sits inside call arguments, there is no `catch {`, no built-in the
runtime lacks), and, when njs is installed, njs 0.7.9 loads it.

Then the verify step itself: a template regression that ships a refused shape fails the build.
"""
from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cfroutes.cli.main import main
from cfroutes.compiler import compile_config
from cfroutes.compiler import pipeline as compiler
from cfroutes.emulator import njs as _njs
from cfroutes.platform.jscheck import lint_source

NJS = _njs.binary() or "njs"

ROUTES_INLINE = """\
      - path: /exact
        redirect: /target
      - host: shop.test
        path: /host-exact
        redirect: /host-target
      - path: /old/*
        redirect: {to: "/new/{splat}", status: 302, query: drop}
      - path: /u/:name
        methods: [GET, HEAD]
        query: {preview: "*"}
        headers: {x-beta: {regex: "^on$"}}
        cookies: {session: null}
        rewrite: /users/{name}.html?from={query}
      - host: ":tenant.shop.test"
        path: /t/*
        country: [DE, FR]
        rewrite: /tenants/{tenant}/{splat}
      - regex: "^/r/(?<id>[0-9]+)$"
        respond: {status: 200, body: "r {id}", content_type: text/plain}
      - path: /gone
        respond: {status: 410, headers: {cache-control: no-store}}
"""
HEADERS_INLINE = """\
    headers:
      - path: /*
        set: {x-a: "{host}"}
        remove: [x-debug]
"""

EXACT_MANY = "".join(f"      - path: /e/{i}\n        redirect: /f/{i}\n" for i in range(5))
EXACT_HOSTS = "".join(f"      - host: h{i}.test\n        path: /e/{i}\n        redirect: /g/{i}\n" for i in range(5))

LOOKUPS = """\
      - host: ":tenant.shop.test"
        path: /configurator
        lookup: {key: "{tenant}", as: target}
        rewrite: "{target}"
      - host: ":tenant.shop.test"
        path: /brand/*
        lookup: {key: "brand:{tenant}", format: json, as: b, missing: {status: 404, body: "no tenant"}}
        rewrite: /tenants/{b.folder}/{splat}
"""

ORIGIN = """\
      - host: ":t.shop.test"
        path: /api/*
        origin: {id: api-origin, host_header: "{t}.api.internal"}
      - path: /eu/*
        origin: {domain: bucket-eu.s3.eu-central-1.amazonaws.com, path: /site}
        rewrite: /{splat}
"""


def _fn(name: str, runtime: str, routes: str, *, event: str = "viewer-request", kvs: bool = False,
        spill: str | None = None, headers: str = "") -> str:
    out = f"  {name}:\n    event: {event}\n    runtime: {runtime}\n"
    if kvs:
        out += f"    kvs: {{name: {name}-store}}\n"
    if spill:
        out += f"    options: {{spill: {spill}}}\n"
    out += "    routes:\n" + routes + headers
    return out


V1, V2 = "cloudfront-js-1.0", "cloudfront-js-2.0"
_routes, _headers = ROUTES_INLINE, HEADERS_INLINE

# name -> (function yaml, a substring the shape's emitted code must contain)
SHAPES: dict[str, tuple[str, str]] = {
    "inline-2.0": (_fn("inline2", V2, _routes, headers=_headers), "X[i][1][hl+kd]"),
    "inline-1.0": (_fn("inline1", V1, _routes, headers=_headers), "X[i][1][hl+kd]"),
    "spilled": (_fn("spilled", V2, EXACT_MANY + "      - path: /p/*\n        rewrite: /q/{splat}\n",
                    kvs=True, spill="always"), "await K.get("),
    "spilled-hosts": (_fn("spillhost", V2, EXACT_HOSTS + EXACT_MANY, kvs=True, spill="always"), "hl+k"),
    "lookups": (_fn("lookups", V2, LOOKUPS + EXACT_MANY, kvs=True), "JSON.parse(v)"),
    "lookups-spilled": (_fn("lookspill", V2, LOOKUPS + EXACT_HOSTS, kvs=True, spill="always"), "r.lk[2]"),
    "origin": (_fn("origin", V2, ORIGIN + EXACT_MANY), "selectRequestOriginById"),
    "origin-lookups-spilled": (_fn("everything", V2, ORIGIN + LOOKUPS + EXACT_HOSTS + _routes,
                                   kvs=True, spill="always", headers=_headers), "updateRequestOrigin"),
    "viewer-response": (_fn("response", V2, "      - path: /gone\n        respond: {status: 410}\n",
                            event="viewer-response",
                            headers="    headers:\n      - path: /*\n        status: [200]\n"
                                    "        set: {x-frame-options: DENY}\n"), "function R("),
    "viewer-response-1.0": (_fn("response1", V1, "      - path: /x\n        respond: {status: 204}\n",
                                event="viewer-response",
                                headers="    headers:\n      - path: /*\n        set: {x-b: \"1\"}\n"), "function R("),
}


def _config(tmp_path: Path, shape: str) -> str:
    cfg = tmp_path / "routes.yaml"
    cfg.write_text("version: 1\nfunctions:\n" + SHAPES[shape][0])
    return str(cfg)


_STUB = ("export default {kvs: function () { return {get: function (k) { return Promise.reject(new Error(k)); }}; },"
         " selectRequestOriginById: function () {}, updateRequestOrigin: function () {}};\n")


def njs_load(tmp_path: Path, source: str) -> subprocess.CompletedProcess[str]:
    """Load `source` in njs (CloudFront's engine's ancestor) with a stub `cloudfront` module.
    Stock njs resolves only file names with `.js`, so the import names the stub file."""
    mods = tmp_path / "njs-modules"
    mods.mkdir(exist_ok=True)
    (mods / "cloudfront.js").write_text(_STUB)
    fn = tmp_path / "fn.js"
    fn.write_text(re.sub(r"from\s*'cloudfront'", "from 'cloudfront.js'", source) + "\nconsole.log(typeof handler);\n")
    return subprocess.run([NJS, "-p", str(mods), str(fn)], capture_output=True, text=True, timeout=30)


@pytest.mark.parametrize("debug", [False, True], ids=["release", "debug"])
@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_every_emitted_shape_passes_the_static_profile(tmp_path: Path, shape: str, debug: bool) -> None:
    compiled = compile_config(_config(tmp_path, shape), debug=debug)
    assert compiled.errors == []
    (cf,) = compiled.functions
    assert SHAPES[shape][1] in cf.source, f"{shape}: the config no longer exercises this shape"
    assert cf.spilled == ("spill" in shape)
    assert lint_source(cf.source, cf.function.runtime) == []
    if cf.function.runtime == V1:
        assert "import" not in cf.source and "async" not in cf.source and "await" not in cf.source


@pytest.mark.njs
@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_every_emitted_shape_loads_in_njs(tmp_path: Path, shape: str) -> None:
    (cf,) = compile_config(_config(tmp_path, shape)).functions
    proc = njs_load(tmp_path, cf.source)
    assert proc.returncode == 0 and proc.stdout.strip() == "function", proc.stderr


@pytest.mark.njs
def test_njs_load_check_can_fail(tmp_path: Path) -> None:
    # the njs check above is worth something only if it sees the bug the last round shipped
    bad = "import cf from 'cloudfront';\nasync function handler(e) { var x = JSON.parse(await cf.kvs().get('k')); }"
    proc = njs_load(tmp_path, bad)
    assert proc.returncode != 0 and "await in arguments not supported" in proc.stderr


# ------------------------------------------------------------------ the verify step
_REGRESSIONS = [
    # the spill shape the last round shipped
    (lambda s: s.replace("v=await K.get(", "x=JSON.parse(await K.get(", 1).replace(");x=JSON.parse(v)", "))", 1),
     "await in arguments not supported"),
    (lambda s: s.replace("catch(z){}", "catch{}", 1), 'Token "{" not supported in this version'),
    (lambda s: s.replace("var K=cf.kvs();", "var K=cf.kvs();var W=await 1;", 1), "await is only valid in async functions"),
    (lambda s: s.replace("function own(", "var own2=async function(){};function own(", 1), "async closures are not supported"),
    (lambda s: s.replace("function own(", "var own3=''.localeCompare('');function own(", 1),
     "String.prototype.localeCompare is not available"),
]


@pytest.mark.parametrize("edit,message", _REGRESSIONS, ids=[m for _, m in _REGRESSIONS])
def test_a_template_regression_fails_the_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any,
                                               edit: Any, message: str) -> None:
    real = compiler.function_source

    def regressed(*args: Any, **kwargs: Any) -> str:
        src = real(*args, **kwargs)
        bad = edit(src)
        assert bad != src, "the regression did not apply: the emitted shape changed"
        return bad

    monkeypatch.setattr(compiler, "function_source", regressed)
    cfg = _config(tmp_path, "spilled")
    compiled = compile_config(cfg)
    assert any(message in d.message and "a cfroutes bug" in d.message for d in compiled.errors), compiled.errors
    out = tmp_path / "dist"
    assert main(["build", "-c", cfg, "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert message in err and "nothing written" in err
    assert not out.exists()
