"""ComputeUtilization estimate (see docs/emulator.md, "ComputeUtilization").

An ESTIMATE: CloudFront does not publish the budget behind 100. The figure comes from
the deterministic step count (loop iterations + function entries). Measured handler time
is used only above TIME_FLOOR_US, where built-ins (regex, big string work, crypto on
large inputs), which steps do not see, dominate; below it the figure is reproducible.
"""
from __future__ import annotations

import math

BASE_PERCENT = 2            # any invocation: event in, result out
STEPS_PER_PERCENT = 100     # 10,000 steps ~ 100 % (see the calibration in docs/emulator.md)
TIME_FLOOR_US = 600.0       # handler time below this never changes the figure (async KVS driving costs ~300 µs here)
US_PER_PERCENT = 10.0       # above the floor: 1 ms of handler CPU here ~ 100 %
DEFAULT_STEP_BUDGET = 1_000_000


def compute_utilization(steps: int, handler_us: float) -> int:
    estimate = BASE_PERCENT + steps / STEPS_PER_PERCENT
    if handler_us > TIME_FLOOR_US:
        estimate = max(estimate, handler_us / US_PER_PERCENT)
    return int(min(100, math.ceil(estimate)))
