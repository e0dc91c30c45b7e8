"""Netlify/Vercel/Amplify syntax in a source or target gets a "did you mean" help line."""
from __future__ import annotations

from pathlib import Path

import pytest
from cfroutes.config.load import load_config
from cfroutes.errors import InputError


def _cfg(tmp_path: Path, route: str) -> str:
    p = tmp_path / "routes.yaml"
    p.write_text("version: 1\nfunctions:\n  f:\n    event: viewer-request\n    routes:\n" + route)
    return str(p)


@pytest.mark.parametrize("route, message, hint", [
    ("      - { path: /news/*, redirect: /blog/:splat }\n", "redirect target contains ':splat'", "did you mean {splat}?"),
    ("      - { path: /d/*, redirect: /documents/<*> }\n", "contains '<*>'", "did you mean {splat}?"),
    ("      - { path: /b/:slug, redirect: /posts/:slug }\n", "contains ':slug'", "did you mean {slug}?"),
    ("      - { regex: '^/p/(\\d+)$', redirect: /q/$1 }\n", "contains '$1'", "(?<name>...)"),
    ("      - { path: /x/*, rewrite: /y/:path* }\n", "rewrite target contains ':path*'", "did you mean {splat}?"),
    ("      - { path: /docs/<year>, redirect: /d }\n", "path contains '<year>'", "Amplify's <year> is /:year"),
])
def test_foreign_syntax_that_validates_gets_a_warning_with_help(tmp_path: Path, route: str, message: str,
                                                                 hint: str) -> None:
    cfg = load_config(_cfg(tmp_path, route))
    ws = list(cfg.warnings)
    assert any(message in w.message and w.hint and hint in w.hint for w in ws), [(w.message, w.hint) for w in ws]


@pytest.mark.parametrize("source, hint", [
    ("/docs/<*>", "Amplify's <*> is a final /* in cfroutes"),
    ("/a/:path*", "path-to-regexp's :path* (Vercel, Next.js) is a final /*"),
    ("/p/(.*)", "a (.*) group is a final /*"),
])
def test_foreign_source_errors_get_help(tmp_path: Path, source: str, hint: str) -> None:
    with pytest.raises(InputError) as e:
        load_config(_cfg(tmp_path, f"      - {{ path: '{source}', redirect: /x }}\n"))
    d = e.value.diagnostics[0]
    assert d.span.line == 6 and d.hint is not None and hint in d.hint


@pytest.mark.parametrize("route", [
    "      - { path: /a/:b, redirect: '/c/{b}' }\n",
    "      - { path: /a, redirect: 'https://x.test:8080/a' }\n",
    "      - { path: /a, redirect: '/a:b' }\n",
])
def test_cfroutes_syntax_gets_no_hint(tmp_path: Path, route: str) -> None:
    assert load_config(_cfg(tmp_path, route)).warnings == ()
