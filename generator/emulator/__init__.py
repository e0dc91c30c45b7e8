"""QuickJS emulator of the CloudFront Functions runtime (issue 3)."""
from __future__ import annotations

from generator.emulator.result import FunctionLoadError, Invocation
from generator.emulator.runtime import PreparedFunction, WarmFunction, invoke, prepare, run_function

__all__ = ["prepare", "invoke", "run_function", "WarmFunction", "FunctionLoadError", "PreparedFunction", "Invocation"]
