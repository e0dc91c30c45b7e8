"""Line 1 of a function names the hash of what THAT function is built from (compiler/fingerprint.py):
a comment, a reformatting or an edit of another function leaves its bytes identical, and
`build --check` names only the function that changed."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from cfroutes.cli.main import main
from cfroutes.compiler import compile_config

CONFIG = """\
version: 1
functions:
  alpha:
    event: viewer-request
    kvs: { name: alpha-store, seed: seed.yaml }
    routes:
      - path: /a
        redirect: /b
      - host: ":t.example.com"
        path: /x
        lookup: { key: "{t}", as: target }
        rewrite: "{target}"
    tests:
      - request: GET /a
        expect: { status: 301, location: /b }
  beta:
    event: viewer-response
    headers:
      - path: /*
        set: { x-frame-options: DENY }
"""

# the same two functions: comments, flow style, quoting and key order changed; alpha's tests differ
REFORMATTED = """\
# a comment at the top
version: 1
functions:
  alpha:   # trailing comment
    kvs:
      seed: "seed.yaml"
      name: "alpha-store"
    event: "viewer-request"
    routes: [ { path: "/a", redirect: "/b" },
              { host: ":t.example.com", path: /x, lookup: { key: "{t}", as: target }, rewrite: "{target}" } ]
    tests: []


  beta: { event: viewer-response, headers: [ { path: "/*", set: { "x-frame-options": "DENY" } } ] }
"""


def build(tmp: Path, text: str, seed: str = "t: /t.html\n") -> dict[str, str]:
    (tmp / "routes.yaml").write_text(text)
    (tmp / "seed.yaml").write_text(seed)
    c = compile_config(str(tmp / "routes.yaml"))
    assert not c.errors
    return {f.name: f.source for f in c.functions}


def test_header_names_the_function_input_hash(tmp_path: Path) -> None:
    src = build(tmp_path, CONFIG)
    for name, code in src.items():
        first = code.split("\n", 1)[0]
        assert first.startswith("// cfroutes ") and f" {name} input-sha256:" in first
    assert src["alpha"].split("\n", 1)[0] != src["beta"].split("\n", 1)[0]


def test_comments_layout_and_tests_leave_every_function_identical(tmp_path: Path) -> None:
    before = build(tmp_path, CONFIG)
    assert build(tmp_path, "# new comment\n" + CONFIG.replace("/b\n", "/b   # moved\n")) == before
    assert build(tmp_path, REFORMATTED) == before
    # the seed file's name does not count, its data does
    (tmp_path / "other.yaml").write_text("t: /t.html\n")
    assert build(tmp_path, CONFIG.replace("seed: seed.yaml", "seed: other.yaml")) == before


@pytest.mark.parametrize("edit", [
    lambda c, s: (c.replace("redirect: /b", "redirect: /c"), s),  # a route
    lambda c, s: (c.replace("  alpha:\n    event: viewer-request\n",
                            "  alpha:\n    event: viewer-request\n    options: { case: insensitive }\n"), s),
    lambda c, s: (c, s + "u: /u.html\n"),  # seed data
    lambda c, s: (c.replace("    event: viewer-request\n", "    event: viewer-request\n"
                            "    runtime: cloudfront-js-2.0\n").replace("name: alpha-store", "name: alpha-2"), s),
], ids=["route", "option", "seed", "store"])
def test_editing_one_function_changes_only_its_bytes(tmp_path: Path, edit) -> None:
    seed = "t: /t.html\n"
    before = build(tmp_path, CONFIG, seed)
    config, seed2 = edit(CONFIG, seed)
    after = build(tmp_path, config, seed2)
    assert after["beta"] == before["beta"]
    assert after["alpha"] != before["alpha"]
    assert after["alpha"].split("\n", 1)[0] != before["alpha"].split("\n", 1)[0]


def test_build_check_names_only_the_changed_function(tmp_path: Path, capsys) -> None:
    build(tmp_path, CONFIG)
    args = ["build", "-c", str(tmp_path / "routes.yaml"), "-o", str(tmp_path / "dist")]
    assert main(args) == 0
    manifest = json.loads((tmp_path / "dist/manifest.json").read_text())
    assert all(len(f["input_sha256"]) == 64 for f in manifest["functions"])
    capsys.readouterr()

    (tmp_path / "routes.yaml").write_text("# only a comment\n" + CONFIG)
    assert main([*args, "--check"]) == 1
    err = capsys.readouterr().err
    assert "alpha.js" not in err and "beta.js" not in err
    assert "manifest.json: differs from the config (only config_sha256" in err

    (tmp_path / "routes.yaml").write_text(CONFIG.replace("x-frame-options: DENY", "x-frame-options: SAMEORIGIN"))
    assert main([*args, "--check"]) == 1
    err = capsys.readouterr().err
    assert "beta.js: differs" in err and "alpha.js" not in err and "alpha.kvs.json" not in err
    assert "(function(s) changed: beta)" in err
