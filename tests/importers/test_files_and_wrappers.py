"""Per platform: non-forced Netlify redirects that files shadow (a forced `X X 200!` rule is
evidence that X exists) or that loop once every rule applies, and the wrappers Amplify rules are kept in."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from cfroutes.cli.main import main

FIXTURES = Path(__file__).parent / "fixtures" / "round3"


def _import(tmp_path: Path, capsys: Any, platform: str, name: str) -> tuple[int, str, dict[str, Any], str]:
    out = tmp_path / "routes.yaml"
    code = main(["import", platform, str(FIXTURES / name), "-o", str(out)])
    err = capsys.readouterr().err
    text = out.read_text()
    return code, err, yaml.safe_load(text), text


def test_non_forced_redirects_that_loop_are_warned(tmp_path: Path, capsys: Any) -> None:
    code, err, _, text = _import(tmp_path, capsys, "netlify", "loop_redirects")
    assert code == 0, err
    for line, chain in ((1, "/x.txt -> /x.md -> /x.txt"), (2, "/x.md -> /x.txt -> /x.md")):
        assert re.search(rf"loop_redirects:{line}: warning: not forced: .*the redirects loop: {re.escape(chain)}$",
                         err, re.M), err
    # `check` sees the loop too: the warning is what the platform difference causes, not noise
    assert main(["check", "-c", str(tmp_path / "routes.yaml")]) == 1
    assert "redirect loop" in capsys.readouterr().err
    assert "# warning: not forced" in text


def test_a_forced_rule_between_keeps_the_order_and_warns(tmp_path: Path, capsys: Any) -> None:
    """`/feed/all.xml` is a file (line 5), but the forced rule at line 4 answers it first on Netlify:
    moving line 5 up would change that answer, so the non-forced splat at line 3 gets a warning."""
    code, err, cfg, _ = _import(tmp_path, capsys, "netlify", "loop_redirects")
    routes = cfg["functions"]["router"]["routes"]
    assert [r.get("path") or r.get("regex") for r in routes][2:] == ["/feed/*", "/feed/all.xml", "/feed/all.xml"]
    assert re.search(r"loop_redirects:3: warning: not forced: /feed/all.xml is a file on Netlify "
                     r"\(loop_redirects:5 serves it\).* redirects /feed/all.xml to /rss/all.xml$", err, re.M), err


def test_an_x_x_200_rule_moves_before_the_non_forced_rule_it_shadows(tmp_path: Path, capsys: Any) -> None:
    code, err, cfg, text = _import(tmp_path, capsys, "netlify", "_redirects")
    routes = cfg["functions"]["router"]["routes"]
    paths = [r.get("path") or r.get("regex") for r in routes]
    assert paths.index("/llms.txt") < paths.index("^/(?<rest>.*)\\.txt/?$")
    assert paths.index("/guides/index.html") < paths.index("/guides/*")
    assert "moved before _redirects:6: /llms.txt is a file on Netlify" in text
    assert "not forced" not in err  # carried exactly: nothing to warn about


def test_amplify_rules_in_a_cloudformation_template(tmp_path: Path, capsys: Any) -> None:
    code, err, cfg, _ = _import(tmp_path, capsys, "amplify", "amplify-cloudformation.json")
    assert code == 0, err
    routes = cfg["functions"]["router"]["routes"]
    assert routes[0] == {"host": "example.com", "path": "/*", "redirect": "https://www.example.com/{splat}"}
    assert len(routes) == 1  # the `/<*>` 404-200 rule is the distribution's custom error response (issue 21)
    assert cfg["error_pages"] == {"404": {"page": "/index.html", "status": 200}}


def test_amplify_rules_in_terraform_json(tmp_path: Path, capsys: Any) -> None:
    code, err, cfg, _ = _import(tmp_path, capsys, "amplify", "amplify.tf.json")
    assert code == 0, err
    routes = cfg["functions"]["router"]["routes"]
    assert routes[0] == {"path": "/manual", "redirect": {"to": "https://docs.example.com/manual", "status": 302}}
    assert len(routes) == 1 and cfg["error_pages"]["404"] == {"page": "/index.html", "status": 200}  # `/<*>` 404-200


def test_amplify_domain_rule_with_a_path_is_warned(tmp_path: Path, capsys: Any) -> None:
    src = tmp_path / "rules.json"
    src.write_text('[{"source": "https://example.com/specific-path", "target": "https://www.example.com/x", '
                   '"status": "301"}]')
    assert main(["import", "amplify", str(src), "-o", str(tmp_path / "routes.yaml")]) == 0
    assert "Amplify does not support a path in a domain rule's source" in capsys.readouterr().err


def test_amplify_file_without_rules_names_the_shapes(tmp_path: Path, capsys: Any) -> None:
    src = tmp_path / "rules.json"
    src.write_text('{"appId": "d1", "region": "eu-west-1"}')
    assert main(["import", "amplify", str(src)]) == 2
    assert "`customRules`, `rules`, `app.customRules`" in capsys.readouterr().err
