"""The compiler pipeline: plan -> emit -> verify, lints, and the bundle writer.

The public entry points are re-exported here: `compile_config`, `compile_function`."""
from cfroutes.compiler.pipeline import (
                                         Compiled,
                                         CompiledFunction,
                                         compile_config,
                                         compile_function,
                                         gc_paused,
)

__all__ = ["Compiled", "CompiledFunction", "compile_config", "compile_function", "gc_paused"]
