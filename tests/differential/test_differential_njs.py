"""The differential suite's generated functions through njs.

Same strategies as test_differential.py: random valid configs, each built inline and
spilled, random requests. Each variant's events run in one njs process and must agree
with the reference model and with QuickJS, event by event. Bounded for CI by
`CFROUTES_DIFF_NJS_EXAMPLES` (default 80 configs x 12 events), derandomized.
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

EXAMPLES = int(os.environ.get("CFROUTES_DIFF_NJS_EXAMPLES", "80"))
EVENTS = 12


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture])
@given(spec=S.function_spec(), data=st.data())
def test_njs_agrees_with_reference_and_quickjs(njs: Any, spec: dict[str, Any], data: Any) -> None:
    text = config_text(spec)
    with tempfile.TemporaryDirectory() as d:
        try:
            fn = load_function(text, d)
        except InputError as e:  # the generator only writes valid configs
            raise AssertionError(f"generated config refused:\n{text}\n{e}") from None
    case = Case.build(fn, text)
    kvs = data.draw(S.kvs_data())
    events = [data.draw(S.event(fn.event)) for _ in range(EVENTS)]
    problems = case.check_njs(events, kvs)
    assert not problems, f"{len(problems)} divergence(s); the first:\n{problems[0]}"
