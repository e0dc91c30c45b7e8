"""`cfroutes import`: each platform's fixture imports into a config whose cases (what the original
platform answers, written from its documentation) pass `cfroutes check`; what cannot be carried is
a `FILE:LINE: warning:` and a comment; bad input is a positioned error and exit 2."""
from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from cfroutes.cli.main import main
from cfroutes.config.load import load_config

FIXTURES = Path(__file__).parent / "fixtures"

# platform, input files, case files, exit code of the import, warnings expected (substrings)
IMPORTS = [
    ("netlify", ["netlify/_redirects"], ["netlify/redirects.answers.yaml"], 1,
     ["Language= is approximated", "not forced: Netlify applies this rule only when no file exists",
      "status 410: the platform serves", "proxy to api.example.com"]),
    ("netlify", ["netlify/netlify.toml"], ["netlify/toml.answers.yaml"], 0, ["proxy to backend.example.net"]),
    ("vercel", ["vercel/vercel.json"], ["vercel/vercel.answers.yaml"], 0,
     ["cleanUrls serves /about from about.html", "Vercel applies rewrites only when no file matches"]),
    ("amplify", ["amplify/customRules.json"], ["amplify/amplify.answers.yaml"], 0,
     ["carried as `error_pages: {404: /index.html}`: the distribution's custom error response",
      "status 404: Amplify serves /news/404.html"]),
    ("csv", ["csv/rules.csv"], ["csv/rules.answers.yaml"], 0,
     ["date window 2024-06-01T00:00:00 .. 2024-09-01T00:00:00 is not evaluated",
      "replaced by line 14 (same host and path"]),
    # sources without a path, nf_lang / nf_country, files that shadow non-forced rules
    ("netlify", ["round3/_redirects"], ["round3/netlify.answers.yaml"], 0,
     ["the nf_lang cookie is honoured first"]),
    # the {"appId", "region", "rules"} wrapper, a domain rule appends the path
    ("amplify", ["round3/amplify-wrapped.json"], ["round3/amplify.answers.yaml"], 0, []),
]


def _import(tmp_path: Path, capsys: Any, platform: str, files: list[str], *extra: str) -> tuple[int, Path, str, str]:
    out = tmp_path / "site" / "routes.yaml"
    code = main(["import", platform, *[str(FIXTURES / f) for f in files], "-o", str(out), *extra])
    cap = capsys.readouterr()
    return code, out, cap.out, cap.err


def _check(config: Path, capsys: Any) -> tuple[int, str, str]:
    code = main(["check", "-c", str(config)])
    cap = capsys.readouterr()
    return code, cap.out, cap.err


@pytest.mark.parametrize("platform, files, cases, exit_code, warnings", IMPORTS,
                         ids=[f"{p}-{Path(f[0]).name}" for p, f, *_ in IMPORTS])
def test_fixture_imports_and_its_platform_answers_pass(tmp_path: Path, capsys: Any, platform: str, files: list[str],
                                                       cases: list[str], exit_code: int, warnings: list[str]) -> None:
    code, out, stdout, stderr = _import(tmp_path, capsys, platform, files)
    assert code == exit_code, stderr
    assert stdout == ""
    for w in warnings:
        assert re.search(rf"^{re.escape(str(FIXTURES / files[0]))}:\d+: warning: .*{re.escape(w)}", stderr, re.M), \
            (w, stderr)
    text = out.read_text()
    # every carried route cites its source line
    cfg = load_config(str(out))
    n_cases = 0
    for c in cases:
        # *.answers.yaml: named so the repository's own `cfroutes check` does not collect them
        shutil.copy(FIXTURES / c, out.parent / Path(c).name.replace(".answers.yaml", ".cases.yaml"))
        n_cases += len((yaml.safe_load((FIXTURES / c).read_text()) or {}).get("tests", []))
    routes = [r for f in cfg.functions for r in f.routes + f.headers]
    comment_refs = re.findall(rf"^\s*# ({'|'.join(re.escape(Path(f).name) for f in files)}):(\d+)", text, re.M)
    assert len(comment_refs) >= len(routes) > 0
    code, stdout, stderr = _check(out, capsys)
    assert code == 0, stdout + stderr
    assert f"{n_cases} passed, 0 failed" in stdout


def test_netlify_role_rule_is_not_carried_but_shown(tmp_path: Path, capsys: Any) -> None:
    code, out, _, stderr = _import(tmp_path, capsys, "netlify", ["netlify/_redirects"])
    assert code == 1
    assert re.search(r"_redirects:30: error: not carried: Role= needs Netlify Identity", stderr)
    text = out.read_text()
    assert "# _redirects:30: /admin/* /admin/:splat 200! Role=admin" in text
    assert "# NOT CARRIED: Role=" in text
    assert "/admin/" not in "".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))


def test_netlify_semantics_in_the_output(tmp_path: Path, capsys: Any) -> None:
    _, out, _, _ = _import(tmp_path, capsys, "netlify", ["netlify/_redirects", "netlify/netlify.toml"])
    cfg = load_config(str(out))
    router = cfg.function("router")
    assert router is not None and router.options.case == "insensitive"
    assert router.options.trailing_slash == "ignore"
    # _redirects rules come before netlify.toml rules
    lines = [r.span.line for r in router.routes]
    text = out.read_text().splitlines()
    cite = re.compile(r"^\s*# (_redirects|netlify\.toml):\d+:")
    sources = [next(t for t in reversed(text[:ln - 1]) if cite.match(t)) for ln in lines]
    first_toml = next(i for i, s in enumerate(sources) if "netlify.toml:" in s)
    assert all("_redirects:" in s for s in sources[:first_toml])
    assert all("netlify.toml:" in s for s in sources[first_toml:])
    assert cfg.function("router-headers") is not None


def test_stdout_by_default_and_function_name(capsys: Any) -> None:
    code = main(["import", "amplify", str(FIXTURES / "amplify/customRules.json"), "--function", "edge"])
    cap = capsys.readouterr()
    assert code == 0
    data = yaml.safe_load(cap.out)
    assert list(data["functions"]) == ["edge"]
    assert "imported 11 rule(s)" in cap.err


def test_netlify_query_placeholders_bind(tmp_path: Path, capsys: Any) -> None:
    code, out, _, stderr = _import(tmp_path, capsys, "netlify", ["bind/_redirects"])
    assert code == 0, stderr
    shutil.copy(FIXTURES / "bind/bind.answers.yaml", out.parent / "bind.cases.yaml")
    code, stdout, stderr = _check(out, capsys)
    assert code == 0, stdout + stderr
    assert "3 passed, 0 failed" in stdout


@pytest.mark.parametrize("platform, name, content, where", [
    ("vercel", "vercel.json", '{\n  "redirects": [\n    {"source": "/a",}\n  ]\n}\n', ":3:21: error: invalid JSON"),
    ("amplify", "rules.json", '[{"source": "/a", "target": "/b"}', ":1:34: error: invalid JSON"),
    ("amplify", "rules.json", '{"x": 1}', ":1:1: error: expected a list of custom rules"),
    ("netlify", "netlify.toml", '[[redirects]]\nfrom = "/a\n', ":2:11: error: invalid TOML"),
    ("csv", "rules.csv", "host,path\nx,/a\n", ":1:1: error: the header row has no `to` column"),
    ("csv", "rules.csv", "host,path,to,colour\nx,/a,/b,red\n", ":1:1: error: unknown column(s) colour"),
    ("netlify", "_headers", "  X-Frame-Options: DENY\n", ":1:1: error: a header line before any path line"),
    ("netlify", "_redirects", b"/a /b\n\xff\xfe\n", ":2:1: error: import file is not UTF-8 text"),
])
def test_bad_input_is_a_positioned_error(tmp_path: Path, capsys: Any, platform: str, name: str, content: Any,
                                         where: str) -> None:
    p = tmp_path / name
    p.write_bytes(content if isinstance(content, bytes) else content.encode())
    code = main(["import", platform, str(p)])
    cap = capsys.readouterr()
    assert code == 2
    assert cap.out == ""
    assert cap.err.startswith(str(p) + where), cap.err
    assert "Traceback" not in cap.err


def test_missing_file_is_exit_2(tmp_path: Path, capsys: Any) -> None:
    code = main(["import", "netlify", str(tmp_path / "nope")])
    assert code == 2
    assert "import file not found" in capsys.readouterr().err
