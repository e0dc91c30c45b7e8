"""Shared by every test directory: the gate for tests that need the njs binary, and the `slow` marker.

- `@pytest.mark.njs` (or `pytestmark = pytest.mark.njs`): the test needs the njs binary
  ($CFROUTES_NJS or `njs` on PATH). It skips with a visible reason when njs is missing, and
  fails instead under CFROUTES_REQUIRE_NJS=1 (.ci/run). No test module writes its own skipif.
- `slow`: the property-based, differential and fuzzing runs, 10,000-route configs, watchdog
  kills and external tools (SLOW below). `pytest -m "not slow"` is the fast subset
  (docs/testing.md).
"""
from __future__ import annotations

import os
from types import ModuleType

import pytest
from cfroutes.emulator import njs as _njs

REQUIRE_NJS = os.environ.get("CFROUTES_REQUIRE_NJS") == "1"  # set by .ci/run: a skip would hide a gap


def need_njs() -> ModuleType:
    """Skip (fail under CFROUTES_REQUIRE_NJS=1) when njs is not installed; else the njs module."""
    if not _njs.available():
        if REQUIRE_NJS:
            pytest.fail("njs is not installed but CFROUTES_REQUIRE_NJS=1 (apt-get install njs)")
        pytest.skip("njs not installed (apt-get install njs)")
    return _njs


# Modules (or module::test prefixes) that take seconds each: marked `slow` at collection.
SLOW = (
    "tests/differential/",
    "tests/emulator_fuzz/",
    "tests/emulator/test_cwt.py",
    "tests/emulator/test_limits.py",
    "tests/hostile/test_hostile.py",
    "tests/hostile/test_bundle_writes.py",
    "tests/hostile/test_yaml_bombs.py",
    "tests/hostile/test_engine_limits.py",
    "tests/compiler/test_scale_and_kvs.py",
    "tests/compiler/test_njs_emitted.py",
    "tests/iac/test_export.py",
    "tests/iac/test_export_stages.py",
    "tests/report/test_report.py::test_renders_in_headless_chromium",
    "tests/test_determinism.py",
    "tests/testing/test_coverage.py::test_pytest_plugin_reports_and_fails_under",
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "njs: needs the njs binary (skips without it; fails under CFROUTES_REQUIRE_NJS=1)")
    config.addinivalue_line("markers", "slow: seconds per test; deselect with -m 'not slow' for the fast subset")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.nodeid.startswith(SLOW):
            item.add_marker(pytest.mark.slow)


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("njs") is not None:
        need_njs()


@pytest.fixture
def njs() -> ModuleType:
    """cfroutes.emulator.njs, after the gate."""
    return need_njs()


@pytest.fixture
def njs079(njs: ModuleType) -> ModuleType:
    """For tests that pin njs 0.7.x behaviour (the Debian package CI installs): later njs
    releases lifted the await restriction and changed more; those tests skip there."""
    if not njs.version().startswith("0.7."):
        pytest.skip(f"pins njs 0.7.x behaviour; installed: njs {njs.version()}")
    return njs


@pytest.fixture(autouse=True)
def _plain_output(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests read plain text: a FORCE_COLOR in the developer's or CI's environment must not colour it
    (tests/cli/test_colour.py sets it where it is the subject)."""
    monkeypatch.delenv("FORCE_COLOR", raising=False)


@pytest.fixture(autouse=True)
def _no_check_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """`check` replays a stored result when its inputs are unchanged (runcache.py): tests that
    patch the package in-process would see another test's result, so it is off unless a test
    (tests/cli/test_check_cache.py) turns it on."""
    monkeypatch.setenv("CFROUTES_NO_CACHE", "1")
