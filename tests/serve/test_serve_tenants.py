"""`cfroutes serve` as a multi-tenant distribution: `--tenant-id` (one tenant) or `--tenants FILE`
(a request's Host picks the tenant whose domains list it; 403 for a Host no tenant has)."""
from __future__ import annotations

import http.client
import io
import os
import threading
import time
from pathlib import Path

import pytest
from cfroutes.cli.serve import serve
from cfroutes.emulator.tenant import Tenant
from cfroutes.errors import InputError
from cfroutes.serve.edge import make_server
from cfroutes.serve.tenants import TenantMap, load_tenants

CONFIG = """\
version: 1
functions:
  site:
    event: viewer-request
    runtime: cloudfront-js-2.0
    kvs: { name: s, seed: seed.yaml }
    routes:
      - name: configurator
        path: /configurator
        lookup: { key: "{tenant.params.site}/configurator", as: target }
        rewrite: "{target}"
      - name: assets
        path: /assets/*
        tenant: { params: { TenantPath: "*" } }
        set_headers: { x-tenant: "{tenant.id}" }
        rewrite: /tenants/{tenant.params.TenantPath}/{splat}
      - name: public
        path: /*
        rewrite: /public/{splat}
"""
TENANTS = """\
endpoint: d111111abcdef8.cloudfront.net
tenants:
  - id: dt_acme
    domains: [acme.localhost, "*.acme.localhost"]
    params: { site: acme, TenantPath: acme }
  - id: dt_beta
    domains: [beta.localhost]
    params: { site: beta }
"""


@pytest.fixture()
def site(tmp_path: Path) -> Path:
    (tmp_path / "routes.yaml").write_text(CONFIG)
    (tmp_path / "seed.yaml").write_text("acme/configurator: /c/acme.html\nbeta/configurator: /c/beta.html\n")
    (tmp_path / "tenants.yaml").write_text(TENANTS)
    for rel in ("c/acme.html", "c/beta.html", "tenants/acme/app.css", "public/app.css", "public/assets/app.css"):
        f = tmp_path / "public" / rel
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(rel)
    return tmp_path


class Server:
    def __init__(self, root: Path, tenants: TenantMap) -> None:
        self.lines: list[str] = []
        self.httpd = make_server(str(root / "routes.yaml"), str(root / "public"), 0, self.lines.append,
                                 tenants=tenants)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def get(self, path: str, host: str) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request("GET", path, headers={"host": host})
            r = conn.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            conn.close()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def test_the_host_picks_the_tenant(site: Path) -> None:
    s = Server(site, load_tenants(str(site / "tenants.yaml"), str(site)))
    try:
        assert s.get("/configurator", "acme.localhost")[2] == b"c/acme.html"
        assert s.get("/configurator", "beta.localhost:8787")[2] == b"c/beta.html"  # the port is no part of the domain
        status, headers, body = s.get("/assets/app.css", "shop.acme.localhost")  # a wildcard domain
        assert (status, body) == (200, b"tenants/acme/app.css")
        assert s.get("/assets/app.css", "beta.localhost")[2] == b"public/assets/app.css"  # no TenantPath: next route
        status, _, body = s.get("/assets/app.css", "evil.localhost")
        assert status == 403 and b"no distribution tenant has the domain evil.localhost" in body
        assert any("tenant dt_acme" in line and "route 'assets'" in line for line in s.lines)
    finally:
        s.stop()


def test_one_tenant_for_every_request(site: Path) -> None:
    s = Server(site, TenantMap(fixed=Tenant("dt_x", {"site": "beta"})))
    try:
        assert s.get("/configurator", "anything.test")[2] == b"c/beta.html"
        assert s.get("/assets/app.css", "anything.test")[2] == b"public/assets/app.css"
    finally:
        s.stop()


def test_no_tenant_is_a_standard_distribution(site: Path) -> None:
    s = Server(site, TenantMap())
    try:
        # the tenant routes fall through: the public site answers (no such file there)
        assert s.get("/configurator", "acme.localhost")[2] == b"not found in the origin: /public/configurator\n"
        assert s.get("/assets/app.css", "acme.localhost")[2] == b"public/assets/app.css"
    finally:
        s.stop()


def test_a_changed_tenants_file_is_read_again_and_a_broken_one_keeps_the_tenants(site: Path) -> None:
    s = Server(site, load_tenants(str(site / "tenants.yaml"), str(site)))
    try:
        assert s.get("/configurator", "beta.localhost")[2] == b"c/beta.html"
        time.sleep(0.01)
        (site / "tenants.yaml").write_text(TENANTS.replace("params: { site: beta }", "params: { site: acme }  "))
        assert s.get("/configurator", "beta.localhost")[2] == b"c/acme.html"
        (site / "tenants.yaml").write_text("tenants: 1\n")
        assert s.get("/configurator", "beta.localhost")[2] == b"c/acme.html"
        assert any("tenants file has errors" in line for line in s.lines)
    finally:
        s.stop()


@pytest.mark.parametrize("text, needle", [
    ("tenants:\n  - { id: a, domains: [a.test] }\n  - { id: b, domains: [A.test.] }\n", "already listed (line 2)"),
    ("tenants:\n  - { id: a, domains: [\"a b\"] }\n", "is not a host name"),
    ("tenants:\n  - { id: a }\n", "needs `id`"),
    ("tenants:\n  - { id: a, domains: [a.test] }\n  - { id: a, domains: [b.test] }\n", "listed twice"),
    ("tenant: []\n", "unknown key 'tenant'"),
    ("tenants:\n  - { id: a, domains: [a.test], params: { x: [1] } }\n", "params.x must be a string"),
])
def test_bad_tenants_files_are_positioned_errors(tmp_path: Path, text: str, needle: str) -> None:
    (tmp_path / "t.yaml").write_text(text)
    with pytest.raises(InputError) as e:
        load_tenants(str(tmp_path / "t.yaml"), str(tmp_path))
    assert any(needle in d.message and d.span.file.endswith("t.yaml") for d in e.value.diagnostics), \
        [d.message for d in e.value.diagnostics]


def test_the_tenants_file_stays_in_the_project_and_is_a_regular_file(site: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    outside = tmp_path_factory.mktemp("other") / "tenants.yaml"
    outside.write_text(TENANTS)
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(InputError) as e:
        serve(str(site / "routes.yaml"), None, 0, "127.0.0.1", stdout=out, stderr=err, tenants_file=str(outside))
    assert "outside the project folder" in e.value.diagnostics[0].message
    link = site / "link.yaml"
    link.symlink_to(outside)  # a symlink out of the project is outside too
    with pytest.raises(InputError):
        load_tenants(str(link), str(site))
    os.mkfifo(site / "fifo.yaml")
    with pytest.raises(InputError) as e:
        load_tenants(str(site / "fifo.yaml"), str(site))
    assert "FIFO" in str(e.value.diagnostics[0].message)
    with pytest.raises(InputError) as e:
        serve(str(site / "routes.yaml"), None, 0, "127.0.0.1", stdout=out, stderr=err,
              tenant=Tenant("dt_a"), tenants_file=str(site / "tenants.yaml"))
    assert "exclude each other" in e.value.diagnostics[0].message
