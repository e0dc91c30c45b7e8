"""`error_pages:` of routes.yaml (the distribution's custom error responses, issue 21): what it
reads, and every malformed entry refused at its position with CFR125 (or the generic code)."""
from __future__ import annotations

from pathlib import Path

import pytest
from cfroutes.cli.main import main
from cfroutes.config.load import load_config
from cfroutes.config.model import Config, ErrorPage
from cfroutes.errors import InputError

FNS = "functions:\n  f:\n    event: viewer-request\n    routes: []\n"


def _load(tmp_path: Path, pages: str) -> Config:
    p = tmp_path / "routes.yaml"
    p.write_text("version: 1\nerror_pages:\n" + pages + FNS)
    return load_config(str(p))


def test_short_and_long_forms(tmp_path: Path) -> None:
    cfg = _load(tmp_path, "  404: /404.html\n  403: {page: /index.html, status: 200, ttl: 0}\n"
                          "  500: {page: /caf\u00e9 .html}\n".replace(" .", "."))
    assert cfg.error_pages == (ErrorPage(404, "/404.html", 404, 10), ErrorPage(403, "/index.html", 200, 0),
                               ErrorPage(500, "/caf%C3%A9.html", 500, 10))
    assert cfg.error_pages[0].span.line == 3


@pytest.mark.parametrize("pages, where, fragment", [
    ("  418: /t.html\n", "3:3", "'418' is not a status CloudFront lets a distribution customize  [CFR125]"),
    ("  4o4: /t.html\n", "3:3", "'4o4' is not a status"),
    ("  404: {page: /a, status: 302}\n", "3:27", "error_pages.404.status 302 is not a status CloudFront answers"),
    ("  404: {page: /a, status: 700}\n", "3:27", "must be between 200 and 599"),
    ("  404: {page: /a, ttl: -1}\n", "3:24", "error_pages.404.ttl must be between 0 and 31536000"),
    ("  404: {status: 404}\n", "3:8", "error_pages.404 needs `page:`"),
    ("  404: {page: /a, code: 1}\n", "3:19", "unknown key 'code' in error_pages.404"),
    ("  404: [/a]\n", "3:8", "must be a page path or a mapping"),
    ("  404: 404.html\n", "3:8", "the page must be a path on this distribution"),
    ("  404: https://example.com/404.html\n", "3:8", "the page must be a path on this distribution"),
    ("  404: //example.com/404.html\n", "3:8", "the page must be a path on this distribution"),
    ("  404: /a b.html\n", "3:8", "' ' cannot be written in a page path"),
    ("  404: /a.html?x=1\n", "3:8", "'?' cannot be written in a page path"),
    ("  404: /100%.html\n", "3:8", "'%' cannot be written in a page path"),
    ("  404: \"/a\\nb\"\n", "3:8", "contains a control character"),
])
def test_bad_entries_are_positioned_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str], pages: str,
                                           where: str, fragment: str) -> None:
    with pytest.raises(InputError):
        _load(tmp_path, pages)
    assert main(["check", "-c", str(tmp_path / "routes.yaml")]) == 2
    err = capsys.readouterr().err
    assert f"routes.yaml:{where}: error:" in err and fragment in err, err


def test_not_a_mapping(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "routes.yaml").write_text("version: 1\nerror_pages: /404.html\n" + FNS)
    assert main(["check", "-c", str(tmp_path / "routes.yaml")]) == 2
    assert "routes.yaml:2:14: error: error_pages must be a mapping of status code to page" in capsys.readouterr().err


def test_error_pages_change_no_function(tmp_path: Path) -> None:
    """Semantics §11: the emitted code is the same with or without `error_pages:`."""
    from cfroutes.compiler import bundle, compile_config

    body = FNS.replace("routes: []", "routes:\n      - { path: /a/*, rewrite: \"/b/{splat}\" }")
    (tmp_path / "a.yaml").write_text("version: 1\n" + body)
    (tmp_path / "b.yaml").write_text("version: 1\nerror_pages: {404: /404.html, 403: {page: /x, status: 200}}\n" + body)
    fa, fb = (bundle.bundle_files(compile_config(str(tmp_path / n))) for n in ("a.yaml", "b.yaml"))
    js = [n for n in fa if n.endswith(".js")]
    assert js and all(fa[n] == fb[n] for n in js)
