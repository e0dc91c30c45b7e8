"""Build a config from text and run requests through the emitted function."""
from __future__ import annotations

import textwrap
from collections.abc import Callable
from typing import Any

import pytest
from cfroutes.compiler import compile_config
from cfroutes.config.model import VIEWER_RESPONSE
from cfroutes.emulator import invoke, prepare
from cfroutes.testing.events import build_event


class Built:
    """With engine "njs" every request also runs in njs, the engines must agree, and the
    njs outcome is the one returned (so each feature test asserts it of njs too)."""

    def __init__(self, compiled: Any, index: int = 0, engine: str = "quickjs") -> None:
        self.compiled = compiled
        self.cf = compiled.functions[index]
        self.prepared = prepare(self.cf.source, self.cf.function.runtime)
        self.engine = engine
        self._njs: Any = None

    def __call__(self, request: str, *, headers: dict[str, Any] | None = None,
                 cookies: dict[str, str] | None = None, kvs: dict[str, str] | None = None,
                 response: dict[str, Any] | None = None, raw: bool = False) -> Any:
        ev_type = self.cf.function.event
        event = build_event(request, event_type=ev_type, headers=headers, cookies=cookies,
                            response=response if ev_type == VIEWER_RESPONSE else None)
        store = self.cf.kvs_dict()
        if store is not None and kvs:
            store.update(kvs)
        inv = invoke(self.prepared, event, store)
        if self.engine == "njs":
            from cfroutes.emulator import njs

            if self._njs is None:
                self._njs = njs.NjsWorker(self.prepared)  # one process for all requests of the test
            other = self._njs.invoke(event, store)
            assert njs.same_outcome(inv, other), (request, inv, other)
            inv = other
        if raw:
            return inv
        assert inv.error == "", inv.error
        assert inv.validation_errors == [], inv.validation_errors
        out = inv.output
        return out.get("response") or out.get("request")


def _write(tmp_path: Any, body: str, head: str) -> str:
    cfg = tmp_path / "routes.yaml"
    cfg.write_text(head + textwrap.indent(textwrap.dedent(body), "    "))
    return str(cfg)


@pytest.fixture(params=["quickjs", "njs"])
def build(tmp_path: Any, request: Any) -> Callable[..., Built]:
    """build(body, event=..., runtime=..., spill=False) -> a callable running requests
    (twice: in QuickJS, and in QuickJS and njs, which must agree)."""
    if request.param == "njs":
        request.getfixturevalue("njs")  # tests/conftest.py: skips (or fails in CI) without njs

    def make(body: str, *, event: str = "viewer-request", runtime: str = "cloudfront-js-2.0",
             seed: dict[str, str] | None = None, kvs: bool = False, **opts: str) -> Built:
        head = f"version: 1\nfunctions:\n  f:\n    event: {event}\n    runtime: {runtime}\n"
        if seed is not None or kvs:
            head += "    kvs: {name: store"
            if seed is not None:
                import json

                (tmp_path / "seed.yaml").write_text(json.dumps(seed))
                head += ", seed: seed.yaml"
            head += "}\n"
        if opts:
            head += "    options: {" + ", ".join(f"{k}: {v}" for k, v in opts.items()) + "}\n"
        compiled = compile_config(_write(tmp_path, body, head))
        assert not compiled.errors, compiled.errors
        return Built(compiled, engine=request.param)

    return make
