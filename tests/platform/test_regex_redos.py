"""ReDoS-prone regexes in `regex:` routes and `{regex}` conditions: a positioned build warning,
an error under `cfroutes check --strict`; common safe patterns stay silent."""
from __future__ import annotations

import io
import json
import re
import subprocess
import time
from pathlib import Path

import pytest
from cfroutes.cli.check import check
from cfroutes.cli.main import main
from cfroutes.compiler import compile_config
from cfroutes.platform.regexcheck import redos_problems

EXPONENTIAL = ["^/(a+)+$", "(a|a)*", "([a-z0-9]+)*@", "(\\w+\\s?)+$", "(a+a)+b", "(\\w|\\d)+$", "(a|aa)*$",
               "(/.*)*$", "(?:a*)*$", "(a+){1,20}$", "^(([a-z])+.)+[A-Z]([a-z])+$", "(x+x+)+y", "(?=(a+)+$)"]
SAFE = ["^/p/(?<id>[0-9]+)(?:-(?<slug>[a-z-]+))?$", "^/k/(?<key>.*)$", "^/u/(?<name>[^/]+)$", "^(yes|1)$", "^/$",
        "^/(?:[a-z]+/)*[a-z]+$", "(\\.[a-z0-9]+)+$", "^/([^/]+/)*$", "^(?:a|b)*$", "^/(img|css|js)/.*$",
        "^(www\\.)?example\\.com$", "^/docs/(.*)\\.html$", "^([a-z]+-)*[a-z]+$", "^(\\d+\\.)+\\d+$",
        "^/(en|de|fr)(/.*)?$", "^(ab+)*$", "^/a{2,5}$", "^.*$", "^(a+){2}$", "^/x/(?<id>[0-9]+)$"]


@pytest.mark.parametrize("pattern", EXPONENTIAL)
def test_exponential_patterns_are_flagged(pattern: str) -> None:
    problems = redos_problems(pattern)
    assert problems and "backtrack exponentially" in problems[0][0], pattern


@pytest.mark.parametrize("pattern", SAFE)
def test_safe_patterns_are_not_flagged(pattern: str) -> None:
    assert redos_problems(pattern) == []


def _njs_test(pattern: str, subject: str) -> str:
    js = ("try { console.log(String(new RegExp(%s).test(%s))); } catch (e) { console.log(e.message); }"
          % (json.dumps(pattern), json.dumps(subject)))
    return subprocess.run(["njs", "-c", js], capture_output=True, text=True, timeout=60).stdout.strip()


@pytest.mark.njs
def test_a_flagged_pattern_fails_in_njs_on_a_short_crafted_input() -> None:
    # PCRE2 stops at its match limit (a count of backtracking steps, not a time): at the edge
    # the function throws, which is the failure the warning is about
    assert "match limit exceeded" in _njs_test("^/(a+)+$", "/" + "a" * 26 + "!")
    assert _njs_test("^/(?:[a-z]+/)*[a-z]+$", "/" + "a/" * 3000 + "!") == "false"


def _config(tmp_path: Path, routes: str) -> str:
    p = tmp_path / "routes.yaml"
    p.write_text("version: 1\nfunctions:\n  f:\n    event: viewer-request\n    routes:\n" + routes, encoding="utf-8")
    return str(p)


ROUTES = ("      - regex: '^/(a+)+$'\n        respond: {status: 200}\n"
          "      - path: /q\n        query: {x: {regex: '([a-z0-9]+)*@'}}\n        respond: {status: 201}\n")


def test_build_warns_with_a_position_and_still_builds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = _config(tmp_path, ROUTES)
    code = main(["build", "-c", cfg, "-o", str(tmp_path / "dist")])
    err = capsys.readouterr().err
    assert code == 0, err
    lines = [ln for ln in err.splitlines() if "backtrack exponentially" in ln]
    assert len(lines) == 2, err
    assert re.match(re.escape(cfg) + r":6:\d+: warning: regex: `\(a\+\)\+`", lines[0]), lines[0]
    assert re.match(re.escape(cfg) + r":9:\d+: warning: regex: `\(\[a-z0-9\]\+\)\*`", lines[1]), lines[1]
    assert (tmp_path / "dist" / "f.js").exists()


def test_check_strict_fails_on_a_redos_warning(tmp_path: Path) -> None:
    cfg = _config(tmp_path, ROUTES)
    out, err = io.StringIO(), io.StringIO()
    assert check(cfg, strict=False, stdout=out, stderr=err) == 0, out.getvalue() + err.getvalue()
    out, err = io.StringIO(), io.StringIO()
    assert check(cfg, strict=True, stdout=out, stderr=err) == 1
    assert "warning(s) (--strict)" in out.getvalue() and "backtrack exponentially" in err.getvalue()


def test_safe_config_has_no_regex_warning(tmp_path: Path) -> None:
    routes = "".join(f"      - regex: '{p}'\n        respond: {{status: 200}}\n" for p in SAFE)
    c = compile_config(_config(tmp_path, routes))
    assert not c.errors, [str(e) for e in c.errors]
    assert not [w for w in c.warnings if "regex" in w.message], [w.message for w in c.warnings]


def test_the_check_is_fast_on_long_patterns() -> None:
    start = time.monotonic()
    redos_problems("^/" + "(?:[a-z]+/)" * 500 + "$")
    deep = redos_problems("(" * 2000 + "a+" + ")+" * 2000)
    assert deep and ("backtrack exponentially" in deep[0][0] or "too deeply" in deep[0][0])
    assert time.monotonic() - start < 5
