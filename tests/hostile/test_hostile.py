"""Hostile and odd input to the compiler: it builds code that behaves as the reference
says, or refuses the input with exit 2 and a positioned `FILE:LINE:COL: error:` line."""
from __future__ import annotations

import re
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from cfroutes.cli.main import main
from cfroutes.compiler import compile_config
from cfroutes.emulator import invoke, prepare
from cfroutes.platform.limits import FUNCTION_SIZE_MAX
from cfroutes.reference import evaluate

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from differential.cases import agree  # noqa: E402
from differential.cases import request_event as ev
from differential.yamltext import q  # noqa: E402

ODD = ['it\'s "quoted"', "back\\slash\\", "</script><script>alert(1)</script>", "\u2028line\u2029sep",
       "emoji 😀🇩🇪", "שלום עולם", "\u202eRTL override", "${x}`tpl`", "<!--", "\\u0041", "%00%0d%0a"]


def _write(tmp: Path, text: str, seed: str | None = None) -> str:
    if seed is not None:
        (tmp / "seed.yaml").write_text(seed, encoding="utf-8")
    p = tmp / "routes.yaml"
    p.write_text(text, encoding="utf-8")
    return str(p)


def _build(cfg: str, out: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["build", "-c", cfg, "-o", str(out)])
    return code, capsys.readouterr().err


def _fn_yaml(routes: str, headers: str = "", extra: str = "") -> str:
    return ("version: 1\nfunctions:\n  f:\n    event: viewer-request\n    kvs: {name: s}\n" + extra +
            "    routes:\n" + routes + (("    headers:\n" + headers) if headers else ""))


@pytest.mark.parametrize("s", ODD)
def test_odd_text_in_bodies_and_header_values(s: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    routes = (f"      - path: /body\n        respond: {{status: 200, body: {q(s)}, headers: {{x-h: {q(s)}}}}}\n"
              f"      - path: /set\n        rewrite: /x\n        set_headers: {{x-h: {q(s.replace('{', '(').replace('}', ')'))}}}\n")
    text = _fn_yaml(routes)
    code, err = _build(_write(tmp_path, text), tmp_path / "dist", capsys)
    assert code == 0, err
    src = (tmp_path / "dist" / "f.js").read_text(encoding="utf-8")
    assert src.isascii() and "</script" not in src and "\u2028" not in src
    out = invoke(prepare(src), ev("/body"), {}).output
    assert out == {"response": {"statusCode": 200, "body": s, "cookies": {}, "headers": {
        "x-h": {"value": s}, "content-type": {"value": "text/plain; charset=utf-8"}}}}
    for uri in ("/body", "/set", "/other"):
        agree(text, ev(uri))


@pytest.mark.parametrize("seg", ["it's", "back\\slash", "&lt;", "😀", "שלום", "%E2%80%A8", "\u2028", "a\u202eb"])
def test_odd_text_in_paths_and_targets(seg: str) -> None:
    routes = (f"      - path: {q('/p/' + seg + '/:x')}\n        rewrite: {q('/r/' + seg + '/{x}')}\n"
              f"      - path: {q('/q/*')}\n        redirect: {q('/' + seg + '/{splat}')}\n")
    text = _fn_yaml(routes)
    for uri in ("/p/" + seg + "/v", "/q/" + seg, "/q//evil.test", "/p/" + seg + "/"):
        agree(text, ev(uri))


BUILTINS = ["constructor", "__proto__", "hasOwnProperty", "toString", "valueOf", "prototype", "length"]


@pytest.mark.parametrize("name", BUILTINS)
def test_names_that_shadow_js_builtins(name: str, tmp_path: Path) -> None:
    """As paths, hosts, KVS keys, query/cookie names and lookup fields."""
    host = name.lower()
    routes = (
        f"      - path: /{name}\n        respond: {{status: 200, body: exact}}\n"
        f"      - host: {q(host + '.test')}\n        path: /h\n        respond: {{status: 201}}\n"
        f"      - path: /k/:key\n        lookup: {{key: '{{key}}', as: v}}\n        rewrite: /v/{{v}}\n"
        f"      - path: /j/:key\n        lookup: {{key: '{{key}}', as: v, format: json}}\n"
        f"        rewrite: /j/{{v.{name}}}\n"
        f"      - path: /c\n        cookies: {{{q(name)}: '*'}}\n        query: {{{q(name)}: null}}\n"
        f"        respond: {{status: 202}}\n"
    )
    kvs = {name: "/kv", "other": '{"%s": "field"}' % name, "arr": '["x"]'}
    for opts in ("", "    options: {spill: always}\n"):
        text = _fn_yaml(routes, extra=opts)
        cfg = _write(tmp_path, text)
        c = compile_config(cfg)
        assert not [e for e in c.errors if "cfroutes bug" in e.message]
        for e in (ev("/" + name), ev("/h", host=host.upper() + ".TEST"), ev("/k/" + name), ev("/k/missing"),
                  ev("/j/other"), ev("/j/arr"), ev("/j/" + name), ev("/c", cookies={name: "1"}),
                  ev("/c", cookies={name: "1"}, query={name: "x"}), ev("/" + name + "/")):
            agree(text, e, kvs)


def test_very_long_paths(tmp_path: Path) -> None:
    long_seg = "s" * 4000
    routes = (f"      - path: /{long_seg}\n        respond: {{status: 200}}\n"
              f"      - path: /l/*\n        rewrite: /r/{{splat}}\n")
    text = _fn_yaml(routes)
    for uri in ("/" + long_seg, "/l/" + "x/" * 3000, "/" + long_seg + "x"):
        agree(text, ev(uri))
    # spilled, the exact route's key would break the 512-byte KVS key limit: refused (exit 1)
    c = compile_config(_write(tmp_path, _fn_yaml(routes, extra="    options: {spill: always}\n")))
    assert any("KeyValueStore" in e.message and "keys are 1-512 bytes" in e.message for e in c.errors)


REFUSED: list[tuple[str, str, str]] = [
    # (what, routes yaml, expected message fragment)
    ("CR/LF in a target", '      - path: /a\n        redirect: "/b\\r\\nSet-Cookie: x=1"\n', "control character"),
    ("LF in a header value", '      - path: /a\n        rewrite: /b\n        set_headers: {x-a: "a\\nb"}\n',
     "control character"),
    ("NUL in a body", '      - path: /a\n        respond: {status: 200, body: "a\\0b"}\n', "control character"),
    ("control char in a path", '      - path: "/a\\tb"\n        respond: {status: 200}\n', "control characters"),
    ("bad header name", '      - path: /a\n        rewrite: /b\n        set_headers: {"x a": "1"}\n',
     "invalid header name"),
    ("unbalanced template", '      - path: /a\n        rewrite: "/b/{x"\n', "unbalanced"),
    ("unbound name", '      - path: /a\n        rewrite: "/b/{constructor}"\n', "not bound"),
    ("template first in redirect", '      - path: /a/*\n        redirect: "{splat}"\n', "may not start with a template"),
    ("open redirect", '      - path: /a/:h\n        redirect: "https://{h}/"\n', "open redirect"),
    ("partial segment", '      - path: "/a/:slug.html"\n        respond: {status: 200}\n', "partial"),
    ("lookbehind", '      - regex: "(?<=a)b"\n        respond: {status: 200}\n', "lookbehind"),
    ("invalid regex", '      - regex: "(a"\n        respond: {status: 200}\n', "invalid regex"),
    ("read-only header", '      - path: /a\n        rewrite: /b\n        set_headers: {host: x}\n', "read-only"),
]


@pytest.mark.parametrize("what,routes,msg", REFUSED, ids=[r[0] for r in REFUSED])
def test_refused_with_positioned_error(what: str, routes: str, msg: str, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    cfg = _write(tmp_path, _fn_yaml(routes))
    code, err = _build(cfg, tmp_path / "dist", capsys)
    assert code == 2, err
    assert re.search(re.escape(cfg) + r":\d+:\d+: error: .*" + re.escape(msg), err), err
    assert "Traceback" not in err and not (tmp_path / "dist").exists()


def test_reserved_kvs_prefix_in_seed_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = "version: 1\nfunctions:\n  f:\n    event: viewer-request\n    kvs: {name: s, seed: seed.yaml}\n" \
           "    routes:\n      - {path: /a, respond: {status: 200}}\n"
    cfg = _write(tmp_path, text, seed='"\u00a7r:/a": "[0, \\"x\\"]"\n')
    code, err = _build(cfg, tmp_path / "dist", capsys)
    assert code == 2 and re.search(r"seed\.yaml:1:1: error: .*reserved prefix", err), err


def test_lookup_key_with_reserved_prefix_is_missing() -> None:
    text = _fn_yaml("      - path: /a\n        rewrite: /b\n"
                    "      - path: /*\n        lookup: {key: '\u00a7r:{path}', as: v}\n        rewrite: /hit/{v}\n",
                    extra="    options: {spill: always}\n")
    kvs = {"\u00a7r:/zzz": "boom"}  # a user value under the reserved prefix still counts as missing
    for uri in ("/a", "/zzz"):
        agree(text, ev(uri), kvs)
    assert evaluate(_load(text), ev("/a"), kvs)[0]["request"]["uri"] == "/b"
    assert evaluate(_load(text), ev("/zzz"), kvs)[0]["request"]["uri"] == "/zzz"


def _load(text: str) -> Any:
    from differential.cases import case_of

    return case_of(text).fn


def _many(n: int, exact: bool) -> str:
    lines = []
    for i in range(n):
        path = f"/page-{i}" if exact else f"/p{i}/:x"
        lines.append(f"      - {{path: {path}, redirect: /to-{i}}}\n" if exact else
                     # with a host: never data (a bare /p{i}/:x is, compiler/plan.py), so over the limit
                     f"      - {{path: {path}, host: a.example, rewrite: {q('/r%d/{x}' % i)}}}\n")
    return "".join(lines)


def test_ten_thousand_exact_routes_spill(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = _write(tmp_path, _fn_yaml(_many(10_000, True)))
    t0 = time.perf_counter()
    code, err = _build(cfg, tmp_path / "dist", capsys)
    took = time.perf_counter() - t0
    assert code == 0, err
    assert took < 60, f"10,000 routes took {took:.1f}s"
    src = (tmp_path / "dist" / "f.js").read_text(encoding="utf-8")
    assert len(src.encode()) <= FUNCTION_SIZE_MAX
    import json

    data = json.loads((tmp_path / "dist" / "f.kvs.json").read_text(encoding="utf-8"))["data"]
    kvs = {d["key"]: d["value"] for d in data}
    assert len(kvs) == 10_000
    p = prepare(src)
    out = invoke(p, ev("/page-9999"), kvs).output
    # FunctionOutput always has `cookies` (docs/fidelity.md #37)
    assert out == {"response": {"statusCode": 301, "headers": {"location": {"value": "/to-9999"}}, "cookies": {}}}


def test_ten_thousand_pattern_routes_fail_on_size(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = _write(tmp_path, _fn_yaml(_many(10_000, False)))
    t0 = time.perf_counter()
    code, err = _build(cfg, tmp_path / "dist", capsys)
    assert time.perf_counter() - t0 < 60
    assert code == 1
    assert re.search(r"routes\.yaml:\d+:\d+: error: function 'f' is [\d,]+ bytes, [\d,]+ over the 10,240-byte", err), err
    assert not (tmp_path / "dist").exists()
