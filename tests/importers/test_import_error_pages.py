"""Importers and the status of a "no such file" page (issue 21).

A viewer-request function cannot set the status of a request that goes on to the origin, and a
viewer-response function's event holds the viewer's request (not the rewritten one), so a
platform's "serve /404.html with 404 where no file exists" for every path is carried as the
distribution's custom error response (`error_pages:`), whose status `export` writes. These tests
fail if the status is lost anywhere from the platform's file to the exported template."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from cfroutes.cli.main import main


def _import(tmp_path: Path, capsys: Any, platform: str, name: str, text: str,
            site: list[str] | None = None) -> tuple[int, str, dict[str, Any], str]:
    src = tmp_path / name
    src.write_text(text)
    args = ["import", platform, str(src), "-o", str(tmp_path / "routes.yaml")]
    if site is not None:
        for f in site:
            (tmp_path / "public" / f).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / "public" / f).write_text("x")
        args += ["--site", str(tmp_path / "public")]
    code = main(args)
    err = capsys.readouterr().err
    out = (tmp_path / "routes.yaml").read_text()
    return code, err, yaml.safe_load(out), out


@pytest.mark.parametrize("site", [None, ["index.html", "404.html", "about.html"]], ids=["no-site", "site"])
def test_netlify_catch_all_404_is_an_error_page_with_its_status(tmp_path: Path, capsys: Any,
                                                                site: list[str] | None) -> None:
    code, err, cfg, text = _import(tmp_path, capsys, "netlify", "_redirects",
                                   "/old /new 301!\n/* /404.html 404\n", site)
    assert code == 0, err
    assert cfg["error_pages"] == {"404": "/404.html"}
    assert [r["path"] for r in cfg["functions"]["router"]["routes"]] == ["/old"]  # no rewrite of every page
    assert "_redirects:2: /* /404.html 404" in text and "a direct request for the page still answers 200" in text
    assert "_redirects:2: warning: carried as `error_pages: {404: /404.html}`" in err
    # the status reaches the export (and a direct request for the page is untouched by the function)
    (tmp_path / "routes.yaml").write_text(text + "    tests:\n      - request: /404.html\n"
                                                 "        expect: { uri: /404.html }\n")
    assert main(["check", "-c", str(tmp_path / "routes.yaml")]) == 0
    assert main(["build", "-c", str(tmp_path / "routes.yaml"), "-o", str(tmp_path / "dist")]) == 0
    assert main(["export", "cloudformation", "-c", str(tmp_path / "routes.yaml"), "--dist", str(tmp_path / "dist"),
                 "-o", str(tmp_path / "t.json")]) == 0
    doc = json.loads((tmp_path / "t.json").read_text())
    assert doc["Metadata"]["cfroutes"]["CustomErrorResponses"] == [
        {"ErrorCode": 404, "ResponseCode": 404, "ResponsePagePath": "/404.html", "ErrorCachingMinTTL": 10}]


def test_netlify_forced_catch_all_stays_a_rewrite_with_the_status_warning(tmp_path: Path, capsys: Any) -> None:
    """`/* /404.html 404!` answers every path, files included: no error page can (the origin answers
    200 for an existing file), so it stays a rewrite and the warning says the status is the origin's."""
    code, err, cfg, _ = _import(tmp_path, capsys, "netlify", "_redirects", "/* /404.html 404!\n")
    assert code == 0, err
    assert "error_pages" not in cfg
    assert cfg["functions"]["router"]["routes"][0]["rewrite"] == "/404.html"
    assert "status 404: the platform serves /404.html with status 404; carried as a rewrite" in err
    assert "custom error response (routes.yaml `error_pages:`" in err and "not a forced rule or a page per path" in err


def test_netlify_per_path_404_pages_cannot_be_error_pages(tmp_path: Path, capsys: Any) -> None:
    rules = "/:lang/* /:lang/404.html 404\n"
    code, err, cfg, _ = _import(tmp_path, capsys, "netlify", "_redirects", rules)
    assert code == 1 and "error_pages" not in cfg
    assert "serves one page per status for the whole distribution" in err
    # with --site: exact where no file exists, the status is the origin's (warned)
    code, err, cfg, _ = _import(tmp_path, capsys, "netlify", "_redirects", rules, ["de/404.html", "de/a.html"])
    assert code == 0, err
    (route,) = cfg["functions"]["router"]["routes"]
    assert route["file"] == "missing" and route["rewrite"] == "/{lang}/404.html" and "error_pages" not in cfg
    assert "status 404: the platform serves /{lang}/404.html with status 404" in err


def test_only_the_first_catch_all_per_status_is_an_error_page(tmp_path: Path, capsys: Any) -> None:
    code, err, cfg, _ = _import(tmp_path, capsys, "netlify", "_redirects", "/* /404.html 404\n/* /other.html 404\n")
    assert cfg["error_pages"] == {"404": "/404.html"}
    assert code == 1  # the second is a non-forced pattern answering 404 without --site: not carried, as before


@pytest.mark.parametrize("status, site, want", [
    ("404", None, {"404": "/404.html"}),
    ("404-200", None, {"404": {"page": "/404.html", "status": 200}}),
    ("404", ["index.html"], {"404": "/404.html"}),
    ("404-200", ["index.html"], None),  # exact (and testable) as a `file: missing` rewrite with --site
])
def test_amplify_catch_all(tmp_path: Path, capsys: Any, status: str, site: list[str] | None, want: Any) -> None:
    rules = json.dumps([{"source": "/a", "target": "/b", "status": "301"},
                        {"source": "/<*>", "target": "/404.html", "status": status}])
    code, err, cfg, _ = _import(tmp_path, capsys, "amplify", "rules.json", rules, site)
    assert code == 0, err
    assert cfg.get("error_pages") == want
    routes = cfg["functions"]["router"]["routes"]
    assert len(routes) == (1 if want else 2)
    if not want:
        assert routes[1]["file"] == "missing" and routes[1]["rewrite"] == "/404.html"


def test_amplify_section_404_stays_a_route(tmp_path: Path, capsys: Any) -> None:
    rules = json.dumps([{"source": "/news/<*>", "target": "/news/404.html", "status": "404"}])
    code, err, cfg, _ = _import(tmp_path, capsys, "amplify", "rules.json", rules)
    assert code == 0, err
    assert "error_pages" not in cfg and cfg["functions"]["router"]["routes"][0]["rewrite"] == "/news/404.html"
    assert "only a rule for every path (`/<*>`) becomes one" in err
