"""Shared by every test directory: the gate for tests that need the njs binary."""
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
