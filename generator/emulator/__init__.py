"""QuickJS emulator of the CloudFront Functions runtime."""
from __future__ import annotations

from cfroutes.emulator.result import FunctionLoadError, Invocation
from cfroutes.emulator.runtime import PreparedFunction, WarmFunction, invoke, prepare, run_function

__all__ = ["prepare", "invoke", "run_function", "WarmFunction", "FunctionLoadError", "PreparedFunction", "Invocation"]
