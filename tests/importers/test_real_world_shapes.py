"""Shapes met in real public redirect files (written anew here, not copied): each imports into a
config whose answers are what the original platform gives."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cfroutes.cli.main import main

CASES = """
  - request: GET https://example.com/courses/123
    expect: { uri: /index.html }
  - request: GET https://example.com/assets/app.js
    expect: { uri: /assets/app.js }
  - request: GET https://example.com/robots.txt
    expect: { uri: /robots.txt }
  - request: GET https://www.example.com/about
    expect: { status: 301 }
"""


def _import_and_test(tmp_path: Path, capsys: Any, platform: str, name: str, text: str, cases: str) -> tuple[int, str]:
    src = tmp_path / name
    src.write_text(text)
    out = tmp_path / "site" / "routes.yaml"
    code = main(["import", platform, str(src), "-o", str(out)])
    err = capsys.readouterr().err
    (out.parent / "real.cases.yaml").write_text("tests:" + cases)
    result = main(["test", "-c", str(out)])
    cap = capsys.readouterr()
    assert result == 0, cap.out + cap.err + out.read_text()
    assert f"{cases.count('- request:')} passed, 0 failed" in cap.out   # the cases ran
    return code, err


def test_amplify_spa_regex_rule_and_domain_redirect(tmp_path: Path, capsys: Any) -> None:
    # the single most common Amplify rule: every path without a file extension (or with one
    # not in the list) is the single-page app's index.html
    rules = [
        {"source": "https://www.example.com", "target": "https://example.com", "status": "301"},
        {"source": "/robots.txt", "target": "/robots.txt", "status": "200"},
        {"source": "</^[^.]+$|\\.(?!(css|gif|ico|jpg|js|png|txt|svg|woff|ttf|map|json)$)([^.]+$)/>",
         "target": "/index.html", "status": "200"},
    ]
    code, err = _import_and_test(tmp_path, capsys, "amplify", "rules.json", json.dumps(rules, indent=2), CASES)
    assert code == 0, err


def test_netlify_empty_destination_double_slash_sources_and_duplicates(tmp_path: Path, capsys: Any) -> None:
    redirects = (
        "## Created with a static-site plugin\n"
        "/blog/old-post/  /blog/category/old-post  301\n"
        "/blog/dropped/    301\n"                       # no destination: cannot be carried
        "/gsoc/2022/  /programs/gsoc/2022  301\n"
        "/gsoc/2022/  /programs/gsoc/2023  301\n"       # a duplicate source: the first wins
        "//community/events/  //community/events  301\n"
    )
    cases = """
  - request: GET https://example.com/blog/old-post/
    expect: { status: 301, location: /blog/category/old-post }
  - request: GET https://example.com/gsoc/2022/
    expect: { location: /programs/gsoc/2022 }
  - request: GET https://example.com//community/events/
    expect: { status: 301, location: /community/events }
"""
    code, err = _import_and_test(tmp_path, capsys, "netlify", "_redirects", redirects, cases)
    assert code == 1 and "_redirects:3: error: not carried: no destination" in err


def test_vercel_fragment_destinations_keep_the_query_before_the_fragment(tmp_path: Path, capsys: Any) -> None:
    doc = {"trailingSlash": False, "redirects": [
        {"source": "/link/warning-keys", "destination": "/learn/lists#keeping-order", "permanent": False},
        {"source": "/link/legacy", "destination": "https://legacy.example.org/docs/x.html#act", "permanent": True},
    ]}
    cases = """
  - request: GET https://example.com/link/warning-keys?utm_source=x
    expect: { status: 307, location: "/learn/lists?utm_source=x#keeping-order" }
  - request: GET https://example.com/link/legacy
    expect: { status: 308, location: "https://legacy.example.org/docs/x.html#act" }
  - request: GET https://example.com/link/legacy/
    expect: { status: 308, location: /link/legacy }
"""
    code, err = _import_and_test(tmp_path, capsys, "vercel", "vercel.json", json.dumps(doc), cases)
    assert code == 0, err
