"""Differential test: random valid configs x random requests, emulator vs reference.

The CI run is bounded (`CFROUTES_DIFF_EXAMPLES`, default 120 configs x 12 events,
each run inline and spilled) and derandomized, so it is stable; the long run lives
in bench/bench_differential.py.
"""
from __future__ import annotations

import os
import tempfile
from typing import Any

from cfroutes.errors import InputError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from . import strategies as S
from .harness import Case, config_text, load_function

EXAMPLES = int(os.environ.get("CFROUTES_DIFF_EXAMPLES", "120"))
EVENTS = 12


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(spec=S.function_spec(), data=st.data())
def test_emulator_agrees_with_reference(spec: dict[str, Any], data: Any) -> None:
    text = config_text(spec)
    with tempfile.TemporaryDirectory() as d:
        try:
            fn = load_function(text, d)
        except InputError as e:  # the generator only writes valid configs
            raise AssertionError(f"generated config refused:\n{text}\n{e}") from None
    case = Case.build(fn, text)
    kvs = data.draw(S.kvs_data())
    for _ in range(EVENTS):
        ev = data.draw(S.event(fn.event))
        problems = case.check(ev, kvs)
        assert not problems, problems[0]


@settings(max_examples=max(EXAMPLES // 2, 10), deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(spec=S.function_spec(data=True), data=st.data())
def test_hostile_data_agrees_with_reference(spec: dict[str, Any], data: Any) -> None:
    """Every route looks up a key the store holds, often a hostile value (semantics §4.1)."""
    text = config_text(spec)
    with tempfile.TemporaryDirectory() as d:
        fn = load_function(text, d)
    case = Case.build(fn, text)
    for _ in range(EVENTS):  # a store per event: the value is what varies most here
        kvs = data.draw(S.kvs_data(data=True))
        ev = data.draw(S.event(fn.event))
        problems = case.check(ev, kvs)
        assert not problems, problems[0]
