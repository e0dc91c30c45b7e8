"""Small items: one `country` warning per function, `check` without tests says so,
`cfroutes run --country`, and `run` choosing the only viewer-request function."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from cfroutes.cli.main import main
from cfroutes.config.load import load_config

CONFIG = """\
version: 1
functions:
  router:
    event: viewer-request
    routes:
      - { path: /, country: [DE, AT], redirect: /de/ }
      - { path: /shop, country: [DE], redirect: /de/shop }
    headers:
      - { path: /*, country: [FR], set: { x-market: fr } }
  headers:
    event: viewer-response
    headers:
      - { path: /*, country: [US], set: { x-us: "1" } }
"""


def _write(tmp_path: Path, text: str = CONFIG) -> str:
    p = tmp_path / "routes.yaml"
    p.write_text(text)
    return str(p)


def test_one_country_warning_per_function(tmp_path: Path) -> None:
    ws = [w for w in load_config(_write(tmp_path)).warnings if "country" in w.message]
    assert [(w.span.line, w.message.endswith("(3 routes and header rules of this function use it)")) for w in ws] \
        == [(6, True), (13, False)]


def test_check_without_tests_says_so(tmp_path: Path, capsys: Any) -> None:
    assert main(["check", "-c", _write(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "0 passed" not in out
    assert out.startswith("no tests: ")
    assert "2 function(s)" in out and ", no tests, " in out


def test_run_country_shortcut_and_the_only_viewer_request_function(tmp_path: Path, capsys: Any) -> None:
    cfg = _write(tmp_path)
    assert main(["run", "-c", cfg, "/shop", "--country", "de"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("function: router (viewer-request")
    assert "outcome:  response 301 location /de/shop" in out
    assert main(["run", "-c", cfg, "/shop"]) == 0
    assert "route:    (no route matched)\noutcome:  request GET /shop goes on" in capsys.readouterr().out
    assert main(["run", "-c", cfg, "/shop", "--country", "Germany"]) == 2
    assert "expected a two-letter country code" in capsys.readouterr().err


def test_run_still_asks_when_two_viewer_request_functions(tmp_path: Path, capsys: Any) -> None:
    text = CONFIG.replace("  headers:\n    event: viewer-response", "  other:\n    event: viewer-request")
    assert main(["run", "-c", _write(tmp_path, text), "/"]) == 2
    assert "choose one with -f" in capsys.readouterr().err
