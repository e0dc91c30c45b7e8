"""Real files from seven public repositories (fixtures/real/*: written anew with the original's rule
shapes and counts; each names its repository, path, commit and licence), imported as a new user
would, then tested with cases written from the source platform's documentation."""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from cfroutes.cli.main import main

REAL = Path(__file__).parent / "fixtures" / "real"

#: (folder, platform, source file, answers, extra import args, exit code, warnings left)
PORTS = [
    # 8 x status 404: a viewer-request rewrite cannot set the status; 1: Netlify serves /ko/faq from
    # ko/faq.html (pretty URLs), `files:` does not count it (migrating.md, Netlify table)
    ("jest", "netlify", "_redirects", "netlify.answers.yaml", ["--site", "public"], 0, 9),
    # Language= is approximated by accept-language (migrating.md, Netlify table)
    ("geo", "netlify", "_redirects", "netlify.answers.yaml", [], 0, 1),
    # non-forced rules apply only where no file exists; no --site (migrating.md, Netlify table)
    ("prettier", "netlify", "_redirects", "netlify.answers.yaml", [], 0, 1),
    ("katex", "netlify", "_redirects", "netlify.answers.yaml", [], 0, 0),
    ("reactdev", "vercel", "vercel.json", "vercel.answers.yaml", [], 0, 0),
    ("wasedatime", "amplify", "customRules.json", "amplify.answers.yaml", [], 0, 0),
    ("awwtomation", "vercel", "vercel.json", "vercel.answers.yaml", [], 0, 0),
]


@pytest.mark.parametrize(("name", "platform", "src", "answers", "args", "code", "warnings"), PORTS,
                         ids=[p[0] for p in PORTS])
def test_real_port(tmp_path: Path, capsys: Any, name: str, platform: str, src: str, answers: str,
                   args: list[str], code: int, warnings: int) -> None:
    site = tmp_path / name
    shutil.copytree(REAL / name, site)
    out = site / "routes.yaml"
    assert main(["import", platform, str(site / src), "-o", str(out), *[
        str(site / a) if i and args[i - 1] == "--site" else a for i, a in enumerate(args)]]) == code
    err = capsys.readouterr().err
    assert err.count(": warning:") == warnings, err
    shutil.copy(site / answers, site / "real.cases.yaml")
    result = main(["test", "-c", str(out)])
    cap = capsys.readouterr()
    cases = (site / answers).read_text().count("- name:")
    assert result == 0 and f"{cases} passed, 0 failed" in cap.out, cap.out + cap.err + out.read_text()


def test_jest_without_site_keeps_its_404_catch_alls_out(tmp_path: Path, capsys: Any) -> None:
    """Without --site the eight non-forced `/de/* /de/404.html 404` rules would rewrite every existing
    page under /de/: not carried, exit 1 (docs/migrating.md, Netlify table)."""
    shutil.copytree(REAL / "jest", tmp_path / "jest")
    out = tmp_path / "jest" / "routes.yaml"
    assert main(["import", "netlify", str(tmp_path / "jest" / "_redirects"), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "8 not carried" in err, err
    assert "11 non-forced rules" in err, err  # the ten splat redirects and the feed redirect
