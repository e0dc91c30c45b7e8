"""`diff` and `report` show each route's cache key; a policy change is shown as one."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from cfroutes.compiler import compile_config
from cfroutes.report.html import report_page

from tests.diff.test_diff import BEFORE, _git, _line, _log, _run

CACHED = BEFORE.replace("    kvs: { name: s", "    cache: CachingOptimized\n    kvs: { name: s", 1)


@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
def test_diff_names_the_cache_key_of_the_changed_route(tmp_path: Path) -> None:
    (tmp_path / "routes.yaml").write_text(CACHED)
    (tmp_path / "seed.yaml").write_text("a: /cache/a-v1.html\n")
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-qm", "base")
    (tmp_path / "routes.yaml").write_text(CACHED.replace("CachingOptimized", "{ key: { host: true } }")
                                          .replace("/public/{page}.html", "/pub/{page}.html"))
    log = tmp_path / "access.log"
    log.write_text(_log(_line("GET", "www.example.com", "/docs/intro")))
    code, out, _ = _run(tmp_path, "--base", "HEAD", "--log", str(log))
    assert code == 1
    assert ("    cache: CachingOptimized key URI + Accept-Encoding (normalized) + no cookies + no query; reads the URI "
            "only -> site-cache key URI + Host + Accept-Encoding (normalized) + no cookies + no query; reads the URI only\n") in out


def test_report_shows_the_policy_and_each_route_s_key(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    page = report_page(compile_config(str(root / "routes.yaml")), [], [])
    assert "site-router-cache: key URI + Host + Accept-Encoding (normalized) + no cookies + no query" in page
    assert "cache: cookie &#39;beta&#39; (carried into the URI)" in page
    assert "cache: the Host header (in the key)" in page
