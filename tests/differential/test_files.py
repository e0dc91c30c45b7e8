"""Files that exist (`files:` and `file: exists | missing`, docs/semantics.md §2): the emitted code
(QuickJS inline, njs) and the reference model agree, expected outcomes pinned, and the loader
refuses what it must (outside the project, a `file:` without `files:`, a bad list line)."""
from __future__ import annotations

import os
import tempfile
import textwrap
from typing import Any

import pytest
from cfroutes.config.load import load_config
from cfroutes.errors import InputError
from cfroutes.reference import evaluate

from .cases import request_event as ev
from .harness import Case, load_function
from .test_njs import _check

CONFIG = """
version: 1
functions:
  f:
    event: viewer-request
    files: {files}
    routes:
      - path: /:lang/*
        file: missing
        rewrite: /{lang}/404.html
      - path: /*
        file: exists
        set_headers: {x-file: "yes"}
        rewrite: "{path}"
    headers:
      - path: /*
        file: missing
        set: {x-missing: "1"}
"""

SITE = ["index.html", "docs/index.html", "about.html", "blog/café.html", "en/post.html"]
URIS = ["/", "/docs", "/docs/", "/docs/index.html", "/about.html", "/about", "/blog/caf%C3%A9.html",
        "/blog/caf%c3%a9.html", "/blog/café.html", "/blog/x", "/en/nope", "/en/post.html", "/EN/post.html", "/x",
        "/p007", "/p007/", "/p299/index.html", "/p300/"]


def _site(d: str) -> None:
    for f in SITE:
        os.makedirs(os.path.dirname(os.path.join(d, "site", f)), exist_ok=True)
        open(os.path.join(d, "site", f), "w").close()


#: a site too large for the function: its files are keys of the store
BIG = [f"p{i:03d}/index.html" for i in range(300)]


@pytest.fixture(scope="module", params=["folder", "list", "store"])
def case(request: Any) -> Case:
    with tempfile.TemporaryDirectory() as d:
        if request.param == "folder":
            _site(d)
            text = CONFIG.replace("{files}", "site")
        elif request.param == "store":
            with open(os.path.join(d, "paths.txt"), "w", encoding="utf-8") as fh:
                fh.write("".join("/" + f + "\n" for f in SITE + BIG))
            text = CONFIG.replace("{files}", "paths.txt\n    kvs: {name: s}")
        else:
            with open(os.path.join(d, "paths.txt"), "w", encoding="utf-8") as fh:
                fh.write("# the site\n" + "".join("/" + f + "\n" for f in SITE) + "\n")
            text = CONFIG.replace("{files}", "paths.txt")
        return Case.build(load_function(textwrap.dedent(text), d), text)


@pytest.mark.parametrize("uri", URIS)
def test_quickjs_and_reference_agree(case: Case, uri: str) -> None:
    problems = case.check(ev(uri), {})
    assert not problems, problems[0]


def test_expected_outcomes(case: Case) -> None:
    def out(u: str) -> dict[str, Any]:
        return evaluate(case.fn, ev(u), None)[0]["request"]
    for u in ("/", "/docs", "/docs/", "/about.html", "/blog/caf%c3%a9.html", "/en/post.html"):
        r = out(u)
        assert r["uri"] == u and r["headers"]["x-file"]["value"] == "yes", u
    assert out("/en/nope")["uri"] == "/en/404.html"  # a catch-all 404 never rewrites existing pages
    assert out("/en/nope")["headers"]["x-missing"]["value"] == "1"
    assert out("/x")["uri"] == "/x/404.html"
    assert "x-missing" not in out("/about.html")["headers"]


def test_njs_agrees(case: Case) -> None:
    _check(case.fn, case.text, [(ev(u), {}) for u in URIS])


def _load(files_line: str, extra: dict[str, str] | None = None) -> str:
    with tempfile.TemporaryDirectory() as d:
        for name, body in (extra or {}).items():
            with open(os.path.join(d, name), "w", encoding="utf-8") as fh:
                fh.write(body)
        with open(os.path.join(d, "routes.yaml"), "w", encoding="utf-8") as fh:
            fh.write(textwrap.dedent(CONFIG).replace("    files: {files}\n", files_line))
        try:
            load_config(os.path.join(d, "routes.yaml"))
        except InputError as e:
            return "\n".join(f"{x.span.file}:{x.span.line} {x.message} [{x.code}]" for x in e.diagnostics)
    return ""


def test_loader_refuses() -> None:
    assert "needs the function's `files:`" in _load("")
    assert "outside the config's directory" in _load("    files: ../../etc\n")
    assert "not found" in _load("    files: nope\n")
    msg = _load("    files: p.txt\n", {"p.txt": "/ok\nno-slash\n/a b\n"})
    assert "p.txt:2 not a URI path" in msg and "p.txt:3 not a URI path" in msg and "CFR115" in msg
    big = "".join(f"/page-{i:05d}/index.html\n" for i in range(400))
    assert "more live in its KVS" in _load("    files: p.txt\n", {"p.txt": big})
    assert _load("    files: p.txt\n    kvs: {name: s}\n", {"p.txt": big}) == ""


def test_a_large_set_lives_in_the_store(case: Case) -> None:
    from cfroutes.compiler.plan import plan

    p = plan(case.fn)
    if case.fn.kvs is None:
        assert p.FS and not p.files_kvs
        return
    assert p.files_kvs and not p.FS
    keys = [k for k, _ in p.spilled]
    assert all(k.startswith("\u00a7r:" + p.spill_version + ":!/") for k in keys)
    assert {k.split(":!", 1)[1] for k in keys} == set(case.fn.files.paths) and len(keys) == 8 + 3 * 300
