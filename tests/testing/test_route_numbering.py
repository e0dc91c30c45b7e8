"""One numbering in every message: an unnamed route is `route N`, a header rule `header rule N` (1-based),
as validation errors, coverage, lints, `run`'s route: line, the debug header and the report say it."""
from __future__ import annotations

import contextlib
import io
from pathlib import Path

from cfroutes.cli.main import main

BROKEN = """\
version: 1
functions:
  site:
    event: viewer-request
    routes:
      - { path: /a, redirect: /b }
      - { path: /c, redirect: /d{BOGUS} }
      - { path: /b, redirect: /a }
    headers:
      - { path: /x, set: { x-a: "1" }{BOGUS} }
    tests:
      - { request: /c, expect: { status: 301 } }
"""


def _main(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        code = main(list(args))
    return code, out.getvalue()


def test_validation_coverage_lint_run_debug_header_and_report_count_alike(tmp_path: Path) -> None:
    cfg = tmp_path / "routes.yaml"
    cfg.write_text(BROKEN.replace("{BOGUS}", ", bogus: 1"))
    code, text = _main("check", "-c", str(cfg))
    assert code == 2 and "unknown key 'bogus' in route 2" in text and "unknown key 'bogus' in header rule 1" in text

    cfg.write_text(BROKEN.replace("{BOGUS}", ""))
    code, text = _main("test", "-c", str(cfg), "--coverage")
    assert f"{cfg}:6: route 1 of 'site' is not exercised" in text
    assert f"{cfg}:10: header rule 1 of 'site' is not exercised" in text
    assert "route 2 of" not in text                                     # the case hits the second route
    code, text = _main("check", "-c", str(cfg))
    assert "redirect loop from /a: route 1 (line 6) -> route 3 (line 8) -> route 1 (line 6)" in text
    code, text = _main("run", "-c", str(cfg), "/c")
    assert "route:    route 2 (routes.yaml:7)\n" in text              # from the debug build's header, with its line
    ok = tmp_path / "ok.yaml"
    ok.write_text(BROKEN.replace("{BOGUS}", "").replace("redirect: /a }", "redirect: /e }"))
    code, text = _main("build", "-c", str(ok), "--debug-header", "-o", str(tmp_path / "dbg"))
    assert code == 0, text
    assert '"route 2"' in (tmp_path / "dbg" / "site.js").read_text()
    code, _ = _main("report", "-c", str(cfg), "-o", str(tmp_path / "r.html"))
    page = (tmp_path / "r.html").read_text()
    assert 'data-name="route 2"' in page and 'data-name="header rule 1"' in page
    assert "routes[" not in text + page and "headers[" not in page
