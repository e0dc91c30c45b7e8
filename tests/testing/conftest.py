"""Helpers for the testing-loop tests: small configs written to tmp_path."""
from __future__ import annotations

import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"

ONE_FUNCTION = """\
version: 1
functions:
  site:
    event: viewer-request
    routes:
      - name: old-blog
        path: /old-blog/*
        redirect: /blog/{splat}
      - path: /docs/:page
        rewrite: /public/{page}.html
"""

TWO_FUNCTIONS = ONE_FUNCTION + """\
  headers-fn:
    event: viewer-response
    headers:
      - path: /*
        set: { x-frame-options: DENY }
"""


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str], str]:
    """write(name, text) -> path of the file under tmp_path (text dedented)."""
    def _write(name: str, text: str) -> str:
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text), encoding="utf-8")
        return str(p)
    return _write


@pytest.fixture
def site(tmp_path: Path) -> str:
    """The full fixture config (two functions, KVS seed) copied as tmp_path/routes.yaml."""
    shutil.copytree(FIXTURES / "kvs", tmp_path / "kvs")
    shutil.copy(FIXTURES / "site.yaml", tmp_path / "routes.yaml")
    return str(tmp_path / "routes.yaml")


@pytest.fixture
def one_function() -> str:
    """A viewer-request function `site`: a redirect (named old-blog) and a rewrite."""
    return ONE_FUNCTION


@pytest.fixture
def two_functions() -> str:
    """`site` plus a viewer-response function `headers-fn` setting x-frame-options."""
    return TWO_FUNCTIONS
