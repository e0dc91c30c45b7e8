"""ComputeUtilization estimate (see docs/emulator.md, "ComputeUtilization").

An ESTIMATE: CloudFront does not publish the budget behind 100. Two measurements, the
larger wins:
- the deterministic step count (loop iterations + function entries);
- for a synchronous handler, its CPU time net of an empty handler's, the same
  measurement as bench/bench_edge_cost.py makes (there over many requests, here over
  one), so the figure moves when the code does less work, including work inside
  built-ins (regex, split, allocation) that steps do not see.
An async handler's CPU time counts only above TIME_FLOOR_US: driving its promise jobs
(a KVS read) from Python costs up to ~300 µs here, which is not compute CloudFront bills.
"""
from __future__ import annotations

import math

BASE_PERCENT = 2            # any invocation: event in, result out
STEPS_PER_PERCENT = 100     # 10,000 steps ~ 100 % (see the calibration in docs/emulator.md)
TIME_FLOOR_US = 600.0       # async handlers: time below this never changes the figure
US_PER_PERCENT = 10.0       # 1 ms of handler CPU here ~ 100 %
DEFAULT_STEP_BUDGET = 1_000_000


def compute_utilization(steps: int, handler_us: float, work_us: float | None = None) -> int:
    """`handler_us`: the handler's CPU time (promise jobs included); `work_us`: a synchronous
    handler's CPU time net of an empty handler's (None for async handlers, throws, failed loads)."""
    estimate = BASE_PERCENT + steps / STEPS_PER_PERCENT
    if work_us is not None:  # CPU time: a preempted process does not inflate it
        estimate = max(estimate, BASE_PERCENT + work_us / US_PER_PERCENT)
    elif handler_us > TIME_FLOOR_US:
        estimate = max(estimate, handler_us / US_PER_PERCENT)
    return int(min(100, math.ceil(estimate)))
