"""`cfroutes report`: the page's content, its self-containment, and a real render in headless Chromium."""
from __future__ import annotations

import contextlib
import html.parser
import io
import os
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest
from cfroutes.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
REQUIRE = os.environ.get("CFROUTES_REQUIRE_CHROMIUM") == "1"

CONFIG = """\
version: 1
functions:
  site:
    event: viewer-request
    routes:
      - name: old-blog
        path: /old-blog/*
        redirect: /blog/{splat}
      - name: untested <b>route</b>
        path: /never
        respond: { status: 404 }
    headers:
      - path: /api/*
        set: { x-api: "1" }
    tests:
      - name: blog
        request: /old-blog/x
        expect: { status: 301 }
"""


class _Rows(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, str]] = []
        self.external: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "tr" and "data-kind" in a:
            self.rows.append({k: v or "" for k, v in a.items()})
        if tag == "script":
            self.scripts += 1
        for key in ("src", "href"):
            if a.get(key):
                self.external.append(a[key] or "")


def _report(tmp_path: Path, text: str = CONFIG) -> Path:
    cfg = tmp_path / "routes.yaml"
    cfg.write_text(text)
    out = tmp_path / "report.html"
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["report", "-c", str(cfg), "-o", str(out)]) == 0
    return out


def test_every_route_and_rule_is_on_the_page_and_nothing_is_loaded(tmp_path: Path) -> None:
    page = _report(tmp_path).read_text()
    p = _Rows()
    p.feed(page)
    assert [(r["data-kind"], r["data-name"]) for r in p.rows] == [
        ("route", "old-blog"), ("route", "untested <b>route</b>"), ("header rule", "header rule 1")]
    assert [("uncovered" in r["class"]) for r in p.rows] == [False, True, True]
    assert p.scripts == 0 and p.external == []          # self-contained: no script, no link, no image
    assert "untested &lt;b&gt;route&lt;/b&gt;" in page   # names are escaped
    from cfroutes.compiler import compile_config

    size = compile_config(str(tmp_path / "routes.yaml")).functions[0].size
    assert f'class="mono size">{size:,} / 10,240 bytes' in page
    assert 'id="total-coverage">33.3%<' in page


def test_the_example_report_holds_every_route() -> None:
    from cfroutes.compiler import compile_config

    compiled = compile_config(str(ROOT / "routes.yaml"))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["report", "-c", str(ROOT / "routes.yaml"), "-o", "-"]) == 0
    p = _Rows()
    p.feed(out.getvalue())
    want = [("route", r.label) for cf in compiled.functions for r in cf.function.routes]
    assert [(r["data-kind"], r["data-name"]) for r in p.rows if r["data-kind"] == "route"] == want


def test_a_failing_test_is_listed_with_its_first_mismatch(tmp_path: Path) -> None:
    failing = CONFIG.replace("expect: { status: 301 }", "expect: { status: 302 }")
    page = _report(tmp_path, failing).read_text()
    line = next(i for i, t in enumerate(failing.splitlines(), 1) if "- name: blog" in t)
    want = f"FAIL {tmp_path / 'routes.yaml'}:{line}:9 site: blog: status expected 302, got 301"
    assert f'<li class="error">{html.escape(want)}</li>' in page, page[page.find("diag"):][:400]


def _distinct_bytes_of_png(path: Path) -> int:
    """How many different byte values the image data holds (a blank page has 2 or 3)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat = 8, b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        if kind == b"IDAT":
            idat += data[pos + 8:pos + 8 + length]
        pos += 12 + length
    return len(set(zlib.decompress(idat)))


@pytest.mark.skipif(CHROMIUM is None and not REQUIRE, reason="chromium not installed (apt-get install chromium)")
def test_renders_in_headless_chromium(tmp_path: Path) -> None:
    assert CHROMIUM is not None, "CFROUTES_REQUIRE_CHROMIUM=1 but no chromium on PATH"
    page = _report(tmp_path)
    flags = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1200,900"]
    dom = subprocess.run(flags + ["--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120)
    p = _Rows()
    p.feed(dom.stdout)
    assert [r["data-name"] for r in p.rows] == ["old-blog", "untested <b>route</b>", "header rule 1"], dom.stderr[-2000:]
    shot = tmp_path / "shot.png"
    subprocess.run(flags + [f"--screenshot={shot}", page.as_uri()], capture_output=True, timeout=120, check=True)
    assert _distinct_bytes_of_png(shot) > 20
    blank = tmp_path / "blank.html"
    blank.write_text("<!DOCTYPE html><html><body></body></html>")
    empty = tmp_path / "empty.png"
    subprocess.run(flags + [f"--screenshot={empty}", blank.as_uri()], capture_output=True, timeout=120, check=True)
    assert _distinct_bytes_of_png(empty) < 5   # the measure tells a blank page from a drawn one
