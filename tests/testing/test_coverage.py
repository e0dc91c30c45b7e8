"""Route coverage: `cfroutes test --coverage`, `--fail-under`, and the pytest plugin's option."""
from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cfroutes.cli.main import main
from cfroutes.compiler import compile_config
from cfroutes.testing.coverage import measure
from cfroutes.testing.session import collect

CONFIG = """\
version: 1
functions:
  site:
    event: viewer-request
    runtime: cloudfront-js-2.0
    kvs: { name: store }
    routes:
      - name: old-blog
        path: /old-blog/*
        redirect: /blog/{splat}
      - name: tenant
        path: /t/:id
        lookup: { key: "{id}", as: target }
        rewrite: "{target}"
      - name: strict-tenant
        path: /s/:id
        lookup: { key: "{id}", as: target, missing: { status: 404, body: gone } }
        rewrite: "{target}"
      - name: docs
        path: /docs/:page
        rewrite: /public/{page}.html
      - name: never
        path: /never
        redirect: /x
    headers:
      - path: /docs/*
        set: { x-docs: "1" }
      - path: /api/*
        set: { x-api: "1" }
    tests:
      - name: blog
        request: /old-blog/x
        expect: { status: 301 }
      - name: tenant missing falls through
        request: /t/nobody
        expect: { uri: /t/nobody }
      - name: strict missing answers
        request: /s/nobody
        expect: { status: 404 }
      - name: docs
        request: /docs/a
        expect: { uri: /public/a.html, headers: { x-docs: "1" } }
  resp:
    event: viewer-response
    headers:
      - path: /*
        status: [200]
        set: { x-ok: "1" }
    tests:
      - name: an error response skips the function
        request: /a
        response: { status: 500 }
        expect: { status: 500 }
"""


def _write(tmp_path: Path) -> str:
    p = tmp_path / "routes.yaml"
    p.write_text(CONFIG)
    return str(p)


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_measure_counts_the_route_that_decided(tmp_path: Path) -> None:
    path = _write(tmp_path)
    compiled = compile_config(path)
    cov = measure(compiled, collect(compiled, None))
    hits = {i.label: i.hits for i in cov.of("site") if i.kind == "route"}
    assert hits["old-blog"] == ["blog"]
    assert hits["tenant"] == []            # matched, lookup missing -> next: not exercised
    assert hits["strict-tenant"] == ["strict missing answers"]   # the missing response decided
    assert hits["docs"] == ["docs"]
    assert hits["never"] == []
    rules = [i.hits for i in cov.of("site") if i.kind == "header rule"]
    assert rules == [["docs"], []]
    # origin status >= 400: CloudFront does not run the viewer-response function
    assert [i.hits for i in cov.of("resp")] == [[]]
    assert round(cov.total, 1) == 50.0


def test_cli_lists_uncovered_items_with_positions(tmp_path: Path) -> None:
    path = _write(tmp_path)
    out, err = io.StringIO(), io.StringIO()
    import contextlib

    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["test", "-c", path, "--coverage"])
    assert code == 0, out.getvalue() + err.getvalue()
    text = out.getvalue()
    assert f"{path}:{_line_of(CONFIG, 'name: tenant')}: route 'tenant' of 'site' is not exercised by any test" in text
    assert f"{path}:{_line_of(CONFIG, 'name: never')}: route 'never' of 'site' is not exercised by any test" in text
    assert f"{path}:{_line_of(CONFIG, 'path: /api/*')}: header rule 2 of 'site' is not exercised" in text
    assert "route 'docs'" not in text
    assert re.search(r"coverage: site: 3/5 routes, 1/2 header rules \(57%\)", text)
    assert "coverage: total 50.0% of 8 routes" in text


def test_fail_under_exits_1_below_and_0_above(tmp_path: Path) -> None:
    path = _write(tmp_path)
    import contextlib

    for pct, want in ((60, 1), (50, 0), (40, 0)):
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            assert main(["test", "-c", path, "--fail-under", str(pct)]) == want, out.getvalue()
        assert ("below --fail-under" in out.getvalue()) == (want == 1)


def test_pytest_plugin_reports_and_fails_under(tmp_path: Path) -> None:
    _write(tmp_path)
    base = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "routes.yaml"]
    ok = subprocess.run(base + ["--cfroutes-coverage"], cwd=tmp_path, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "route 'never' of 'site' is not exercised by any test" in ok.stdout
    low = subprocess.run(base + ["--cfroutes-fail-under", "90"], cwd=tmp_path, capture_output=True, text=True)
    assert low.returncode == 1, low.stdout
    assert "below --cfroutes-fail-under 90%" in low.stdout


def test_the_example_is_fully_covered() -> None:
    root = Path(__file__).resolve().parents[2]
    compiled = compile_config(str(root / "routes.yaml"))
    cov = measure(compiled, collect(compiled, None))
    assert [i.uncovered_line() for i in cov.items if not i.covered] == []
    assert len(cov.items) == sum(len(cf.function.routes) + len(cf.function.headers) for cf in compiled.functions)


@pytest.mark.parametrize("bad", ["-5", "nan", "150", "inf", "ten"])
def test_fail_under_outside_0_to_100_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str], bad: str) -> None:
    path = _write(tmp_path)
    with pytest.raises(SystemExit) as e:
        main(["test", "-c", path, f"--fail-under={bad}"])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert f"argument --fail-under: {bad!r} is" in err and "percentage from 0 to 100" in err
    plugin = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "routes.yaml",
                             f"--cfroutes-fail-under={bad}"], cwd=tmp_path, capture_output=True, text=True)
    assert plugin.returncode == 4 and "percentage from 0 to 100" in plugin.stderr, plugin.stdout + plugin.stderr


def test_fail_under_accepts_the_bounds(tmp_path: Path) -> None:
    from cfroutes.testing.fail_under import percent

    assert (percent("0"), percent("100"), percent("87.5")) == (0.0, 100.0, 87.5)
