"""`cfroutes export` names the distribution tenant parameters a config reads (one block per target)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from cfroutes.cli.main import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("routes.yaml", "kvs", "dist"):
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _export(*args: str) -> None:
    assert main(["export", *args]) == 0


def test_every_target_names_the_tenant_parameters(project: Path) -> None:
    _export("cloudformation", "--kvs-bucket", "my-bucket", "-o", "stack.yaml")
    doc = yaml.safe_load((project / "stack.yaml").read_text())
    assert doc["Metadata"]["cfroutes"]["TenantParameters"] == {"site-router": ["TenantPath", "site"]}
    _export("terraform", "-o", "main.tf")
    assert '#   "site-router": "TenantPath", "site"' in (project / "main.tf").read_text()
    _export("cdk", "-o", "stack.ts")
    assert '//   "site-router": "TenantPath", "site"' in (project / "stack.ts").read_text()
    _export("cdk", "--lang", "python", "-o", "stack.py")
    assert "#   'site-router': 'TenantPath', 'site'" in (project / "stack.py").read_text()


def test_the_prefix_names_the_deployed_function_and_no_tenant_means_no_block(project: Path) -> None:
    _export("terraform", "--prefix", "stg-", "-o", "main.tf")
    assert '"stg-site-router": "TenantPath", "site"' in (project / "main.tf").read_text()
    text = (project / "routes.yaml").read_text()
    for first, last in (("      - name: saas-tenant-configurator", "      - name: tenant-brand"),
                        ("      - name: a distribution tenant's configurator", "      - name: tenant brand from")):
        text = text[:text.index(first)] + text[text.index(last):]
    start = text.index("      - name: saas-tenant-assets")
    end = text.index("      - name: old-blog")
    cases = text.index("      - name: a distribution tenant's assets")
    cases_end = text.index("      - name: old blog link keeps its query")
    (project / "routes.yaml").write_text(text[:start] + text[end:cases] + text[cases_end:])
    _export("cloudformation", "--kvs-bucket", "my-bucket", "-o", "stack.yaml")
    assert "Metadata" not in yaml.safe_load((project / "stack.yaml").read_text())
    _export("terraform", "-o", "main.tf")
    assert "tenant parameters" not in (project / "main.tf").read_text()
