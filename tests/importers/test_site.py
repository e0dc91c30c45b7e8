"""`cfroutes import ... --site DIR` (issue 21): rules that Netlify applies only where no file exists
are carried exactly with `files:` and `file: missing`; without --site a non-forced catch-all that
answers 404 is not carried (it would rewrite every existing page it matches)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from cfroutes.cli.main import main

FIXTURES = Path(__file__).parent / "fixtures"

CASES = """
tests:
  - name: a 404 page per section, where no file exists (Netlify docs, custom 404 per language)
    request: /de/no-such-page
    expect: { uri: /de/404.html }
  - name: an existing page is served, not the 404 page
    request: /de/about.html
    expect: { uri: /de/about.html }
  - name: an existing folder (its index.html) is served
    request: /de/team/
    expect: { uri: /de/team/ }
"""


def _site(root: Path) -> None:
    # no /index.html: the answers file's cases for `/` are those of a site without one (on Netlify an
    # existing /index.html shadows the non-forced rules for `/`, as `file: missing` does here)
    for f in ("de/about.html", "de/team/index.html", "de/404.html"):
        (root / "public" / f).parent.mkdir(parents=True, exist_ok=True)
        (root / "public" / f).write_text("x")


def test_site_carries_non_forced_rules_exactly(tmp_path: Path, capsys: Any) -> None:
    _site(tmp_path)
    out = tmp_path / "routes.yaml"
    code = main(["import", "netlify", str(FIXTURES / "netlify/_redirects"), "-o", str(out),
                 "--site", str(tmp_path / "public")])
    err = capsys.readouterr().err
    assert code == 1, err  # Role= is never carried
    assert "not forced: Netlify applies this rule only when no file exists" not in err
    text = out.read_text()
    assert "    files: public\n" in text and "file: missing" in text
    (tmp_path / "site.cases.yaml").write_text(CASES)
    (tmp_path / "answers.cases.yaml").write_text((FIXTURES / "netlify/redirects.answers.yaml").read_text())
    code = main(["check", "-c", str(out)])
    cap = capsys.readouterr()
    assert code == 0, cap.out + cap.err
    assert " 0 failed" in cap.out


def test_without_site_a_404_catch_all_is_not_carried(tmp_path: Path, capsys: Any) -> None:
    (tmp_path / "_redirects").write_text("/:lang/* /:lang/404/ 404\n/app/* /index.html 200\n")
    out = tmp_path / "routes.yaml"
    code = main(["import", "netlify", str(tmp_path / "_redirects"), "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 1
    assert "_redirects:1: error: not carried: not forced" in err and "--site" in err
    assert "_redirects:2: warning: not forced" in err
    assert "rewrite: \"/{lang}/404/\"" not in out.read_text().split("# _redirects:2")[0].replace("#  ", "")


def test_site_outside_the_output_folder_is_refused(tmp_path: Path, capsys: Any) -> None:
    (tmp_path / "_redirects").write_text("/a /b\n")
    (tmp_path / "public").mkdir()
    code = main(["import", "netlify", str(tmp_path / "_redirects"), "-o", str(tmp_path / "sub" / "routes.yaml"),
                 "--site", str(tmp_path / "public")])
    assert code == 2
    assert "outside" in capsys.readouterr().err


AMPLIFY = """[
  {"source": "/docs/<*>", "target": "/docs/404.html", "status": "404"},
  {"source": "/<*>", "target": "/index.html", "status": "404-200"}
]"""

AMPLIFY_CASES = """
tests:
  - name: 404-200 serves the SPA shell where no file matches (Amplify docs, SPA redirects)
    request: /app/settings
    expect: { uri: /index.html }
  - name: an existing file is served as it is, even without a '.'-free last segment rule
    request: /about/
    expect: { uri: /about/ }
  - name: an existing asset is served
    request: /main.js
    expect: { uri: /main.js }
  - name: a missing docs page gets the docs 404 page
    request: /docs/nope
    expect: { uri: /docs/404.html }
"""

VERCEL = """{"rewrites": [{"source": "/blog/:slug", "destination": "/blog/post.html?slug=:slug"},
                          {"source": "/(.*)", "destination": "/index.html"}]}"""

VERCEL_CASES = """
tests:
  - name: rewrites apply after the filesystem (Vercel docs, rewrites)
    request: /blog/hello
    expect: { uri: /blog/post.html, querystring: "slug=hello" }
  - name: an existing file wins over a rewrite
    request: /blog/post.html
    expect: { uri: /blog/post.html }
  - name: a catch-all rewrite leaves existing pages alone
    request: /about/
    expect: { uri: /about/ }
  - name: the catch-all serves the shell elsewhere
    request: /x/y
    expect: { uri: /index.html }
"""


def _site_files(root: Path, files: list[str]) -> None:
    for f in files:
        (root / "public" / f).parent.mkdir(parents=True, exist_ok=True)
        (root / "public" / f).write_text("x")


def test_amplify_and_vercel_with_site(tmp_path: Path, capsys: Any) -> None:
    for platform, name, source, cases in (("amplify", "rules.json", AMPLIFY, AMPLIFY_CASES),
                                          ("vercel", "vercel.json", VERCEL, VERCEL_CASES)):
        d = tmp_path / platform
        _site_files(d, ["index.html", "about/index.html", "main.js", "docs/404.html", "blog/post.html"])
        (d / name).write_text(source)
        out = d / "routes.yaml"
        code = main(["import", platform, str(d / name), "-o", str(out), "--site", str(d / "public")])
        err = capsys.readouterr().err
        assert code == 0, err
        assert "only when no file matches" not in err, err
        (d / "site.cases.yaml").write_text(cases)
        code = main(["check", "-c", str(out)])
        cap = capsys.readouterr()
        assert code == 0, cap.out + cap.err


def test_cases_one_per_rule_pass_on_the_fixtures(tmp_path: Path, capsys: Any) -> None:
    """`--cases`: the cases are Netlify's answers computed from the source rules; a faithful
    translation passes them, and a rule shadowed by an earlier one is answered by that one."""
    for fixture in ("netlify/_redirects", "round3/_redirects"):
        d = tmp_path / fixture.split("/")[0]
        d.mkdir()
        main(["import", "netlify", str(FIXTURES / fixture), "-o", str(d / "routes.yaml"),
              "--cases", str(d / "gen.cases.yaml")])
        err = capsys.readouterr().err
        made = int(err.split("wrote ")[1].split(" case")[0])
        assert made >= 4, err
        text = (d / "gen.cases.yaml").read_text()
        assert text.count("  - name: ") == made and "config: routes.yaml" in text
        assert main(["check", "-c", str(d / "routes.yaml")]) == 0
        assert f"{made} passed, 0 failed" in capsys.readouterr().out


def test_cases_catch_a_wrong_translation(tmp_path: Path, capsys: Any) -> None:
    (tmp_path / "_redirects").write_text("/a/:x /b/:x 302\n")
    main(["import", "netlify", str(tmp_path / "_redirects"), "-o", str(tmp_path / "routes.yaml"),
          "--cases", str(tmp_path / "gen.cases.yaml")])
    capsys.readouterr()
    assert "expect: { status: 302, location: /b/n-x }" in (tmp_path / "gen.cases.yaml").read_text()
    cfg = tmp_path / "routes.yaml"
    cfg.write_text(cfg.read_text().replace('"/b/{x}"', '"/c/{x}"'))  # a translation error
    assert main(["check", "-c", str(cfg)]) == 1
    assert "FAIL" in capsys.readouterr().out


def test_failures_run_and_coverage_name_the_line_and_the_source_rule(tmp_path: Path, capsys: Any) -> None:
    (tmp_path / "_redirects").write_text("# old blog\n/old /new 301\n\n/blog/* /news/:splat 301\n")
    cfg = tmp_path / "routes.yaml"
    main(["import", "netlify", str(tmp_path / "_redirects"), "-o", str(cfg)])
    capsys.readouterr()
    line = cfg.read_text().splitlines().index("      - path: /blog/*") + 1
    assert main(["run", "-c", str(cfg), "/blog/x"]) == 0
    assert f"route:    route 2 (routes.yaml:{line}, from _redirects:4)" in capsys.readouterr().out
    (tmp_path / "a.cases.yaml").write_text("tests:\n  - request: /blog/x\n    expect: { status: 302 }\n")
    assert main(["check", "-c", str(cfg)]) == 1
    assert f"route 2 (routes.yaml:{line}, from _redirects:4)" in capsys.readouterr().out
    main(["test", "-c", str(cfg), "--coverage"])
    cap = capsys.readouterr()
    assert "route 1 of 'router' (from _redirects:2) is not exercised" in cap.out + cap.err


def test_non_forced_exact_rules_warn_once_without_site(tmp_path: Path) -> None:
    """Without --site every non-forced rule depends on files on Netlify: one warning names them,
    each route gets a comment; with --site they say `file: missing` and the warning is gone."""
    from cfroutes.importers import read

    src = tmp_path / "_redirects"
    src.write_text("/old /new 301\n/blog/* /news/:splat\n/x /x 200!\n", encoding="utf-8")
    imp = read("netlify", [str(src)])
    msgs = [d.message for d in imp.warnings]
    assert len([m for m in msgs if "non-forced rules (_redirects:1, _redirects:2)" in m]) == 1, msgs
    assert all(any("only where no file exists" in n for n in o.notes) for o in imp.routes[:2])
    assert not any("only where no file exists" in n for n in imp.routes[2].notes)
    imp = read("netlify", [str(src)], "public")
    assert not [d for d in imp.warnings if "non-forced rules" in d.message]
    assert [o.fields.get("file") for o in imp.routes] == ["missing", "missing", None]
