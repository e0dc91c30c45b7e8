"""Fixtures for the emulator tests (helpers live in support.py)."""
from __future__ import annotations

from support import ev  # noqa: F401  (a fixture)
