"""cfroutes: routes.yaml -> verified, emulator-tested CloudFront Functions."""
from __future__ import annotations

__version__ = "0.1.0"
