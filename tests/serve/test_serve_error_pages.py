"""`cfroutes serve` plays the distribution's custom error responses (`error_pages:`, issue 21): a
missing file answers the page with its status, a direct request for the page answers 200, and
no viewer-response function runs on the origin's error (CloudFront's rule)."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.serve.test_serve import Server

CONFIG = """\
version: 1
error_pages:
  404: /404.html
  403: { page: /spa.html, status: 200 }
functions:
  site:
    event: viewer-request
    routes:
      - { path: /gone-page, rewrite: /no-such-file.html }
  sec:
    event: viewer-response
    headers:
      - { path: /*, set: { x-vr: ran } }
"""


@pytest.fixture()
def server(tmp_path: Path) -> Iterator[Server]:
    (tmp_path / "routes.yaml").write_text(CONFIG)
    (tmp_path / "public").mkdir()
    (tmp_path / "public/404.html").write_text("not here")
    (tmp_path / "public/a.html").write_text("page a")
    s = Server(tmp_path, str(tmp_path / "public"))
    yield s
    s.stop()


def test_a_missing_file_answers_the_error_page_with_its_status(server: Server) -> None:
    status, headers, body = server.get("/nothing/here")
    assert (status, body) == (404, b"not here")
    assert headers["content-type"].startswith("text/html")
    assert "x-vr" not in headers  # the origin answered 404: no viewer-response function runs
    assert any("error page /404.html for the origin's 404" in line for line in server.lines)
    # a rewrite to a missing file too (what CloudFront does: the origin's answer decides)
    assert server.get("/gone-page")[::2] == (404, b"not here")


def test_a_direct_request_for_the_page_and_an_existing_file_answer_200(server: Server) -> None:
    status, headers, body = server.get("/404.html")
    assert (status, body, headers["x-vr"]) == (200, b"not here", "ran")
    assert server.get("/a.html")[::2] == (200, b"page a")


def test_an_error_page_the_origin_lacks_leaves_the_origin_error(tmp_path: Path) -> None:
    (tmp_path / "routes.yaml").write_text(CONFIG.replace("/404.html", "/missing-404.html"))
    (tmp_path / "public").mkdir()
    s = Server(tmp_path, str(tmp_path / "public"))
    try:
        status, _, body = s.get("/x")
        assert status == 404 and b"not found in the origin: /x" in body
    finally:
        s.stop()
