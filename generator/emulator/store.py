"""A KeyValueStore as the engines read it: a base loaded once, and a call's overrides as a small layer.

A function's store can be large (a spilled config: 20,000 keys, 1.45 MB of JSON), and every test
case may change a few keys of it (a case's `kvs:`, `None` deletes a key). Copying or serialising
the whole store per call made a case's cost grow with the store (issue 23). So:

- `Kvs.of(mapping)` wraps a store's content once: its JSON text (`json`) and a content digest
  (`digest`, blake2b of the JSON) are computed once per `Kvs` object, when first asked for;
- `kvs.over(overrides)` is what one call reads: the same base with the overrides as a layer
  (`layer_json`: the overrides alone, `null` for a deleted key). Nothing of the base is copied;
- an engine keeps the base it has parsed and compares digests: the same base is never parsed
  again, a changed store (another digest) is; the layer is applied per call and dropped after it,
  so overrides and deletes never leak into the next call (prelude.js, `KVO`);
- across the watchdog's pipe a base crosses once per worker (`watchdog.py` sends it by digest
  once the worker holds it: `sending`).

A `Kvs` is a read-only `Mapping` (the reference model reads it like a dict). Do not change the
mapping a `Kvs` was made of afterwards: its JSON and digest are computed once.
"""
from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from typing import Any

Overrides = Mapping[str, "str | None"]
#: what the engines accept as a call's store: a Kvs, a plain mapping (wrapped per call), None for no store
StoreArg = Mapping[str, str] | None


class Base:
    """A store's content: the mapping (in the caller's process) and/or its JSON (in the worker)."""

    __slots__ = ("_data", "_json", "_digest")

    def __init__(self, data: Mapping[str, str] | None, text: str | None = None, digest: str | None = None) -> None:
        self._data = data
        self._json = text
        self._digest = digest

    @property
    def data(self) -> Mapping[str, str]:
        if self._data is None:
            self._data = json.loads(self.json)
        return self._data

    @property
    def json(self) -> str:
        if self._json is None:
            self._json = json.dumps({str(k): str(v) for k, v in self.data.items()}, ensure_ascii=True)
        return self._json

    @property
    def digest(self) -> str:
        if self._digest is None:
            self._digest = hashlib.blake2b(self.json.encode("ascii"), digest_size=16).hexdigest()
        return self._digest

    def __reduce__(self) -> tuple[Any, ...]:
        """By value (the JSON and digest; the mapping is rebuilt on demand), or by digest alone
        when the receiver holds it (`sending`: the watchdog's pipe)."""
        known = getattr(_SENDING, "known", None)
        if known is not None:
            if self.digest in known:
                return _ref, (self.digest,)
            _SENDING.sent.add(self.digest)
        return _rebuild, (self.json, self.digest)


#: bases the watchdog's worker has received, by digest (bounded; watchdog.py resolves references here)
_RECEIVED: OrderedDict[str, Base] = OrderedDict()
RECEIVED_KEEP = 8
_SENDING = threading.local()  # while `sending`: the digests the receiver holds, and those sent now


class Missing(Exception):
    """A message refers to a base by digest that this process no longer holds."""


def sending(known: set[str] | None, sent: set[str] | None = None) -> None:
    """Pickle bases in `known` by digest on this thread, adding the others to `sent` (None: stop)."""
    _SENDING.known, _SENDING.sent = known, sent


def _ref(digest: str) -> Base:
    base = _RECEIVED.get(digest)
    if base is None:
        raise Missing(digest)
    return base


def _rebuild(text: str, digest: str) -> Base:
    base = Base(None, text, digest)
    remember(base)
    return base


def remember(base: Base) -> None:
    _RECEIVED[base.digest] = base
    _RECEIVED.move_to_end(base.digest)
    while len(_RECEIVED) > RECEIVED_KEEP:
        _RECEIVED.popitem(last=False)


class Kvs(Mapping[str, str]):
    """What one call reads: a base store with an optional layer of overrides (None deletes a key)."""

    __slots__ = ("base", "layer", "_layer_json")

    def __init__(self, base: Base, layer: Mapping[str, str | None] | None = None) -> None:
        self.base = base
        self.layer: dict[str, str | None] = {str(k): None if v is None else str(v) for k, v in (layer or {}).items()}
        self._layer_json: str | None = None

    @classmethod
    def of(cls, store: Mapping[str, str] | Kvs | None) -> Kvs | None:
        """`store` as a Kvs (itself when it is one; None for no store)."""
        if store is None or isinstance(store, Kvs):
            return store
        return cls(Base(store))

    def over(self, overrides: Overrides | None) -> Kvs:
        """This store with `overrides` over it (itself when there are none)."""
        if not overrides:
            return self
        layer: dict[str, str | None] = dict(self.layer)
        layer.update(overrides)
        return Kvs(self.base, layer)

    @property
    def digest(self) -> str:
        """The base's content digest (the layer is not part of it)."""
        return self.base.digest

    @property
    def layer_json(self) -> str:
        """The layer as the prelude reads it ("" when there is none)."""
        if self._layer_json is None:
            self._layer_json = json.dumps(self.layer, ensure_ascii=True) if self.layer else ""
        return self._layer_json

    # Mapping: the layer over the base (what cf.kvs() answers)
    def __getitem__(self, key: str) -> str:
        if key in self.layer:
            v = self.layer[key]
            if v is None:
                raise KeyError(key)
            return v
        return self.base.data[key]

    def __iter__(self) -> Iterator[str]:
        for k in self.base.data:
            if k not in self.layer:
                yield k
        for k, v in self.layer.items():
            if v is not None:
                yield k

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __contains__(self, key: object) -> bool:
        if key in self.layer:
            return self.layer[key] is not None
        return key in self.base.data

    def __repr__(self) -> str:
        return f"Kvs({len(self.base.data)} keys, {len(self.layer)} overridden)"

    def __reduce__(self) -> tuple[Any, ...]:
        return Kvs, (self.base, self.layer)


def store_json(kvs: Mapping[str, str] | None) -> str | None:
    """The whole store (layer applied) as JSON text; None: no store. For what needs it at once
    (a fresh context, njs's start); warm engines take `Kvs.base.json` and the layer instead."""
    if kvs is None:
        return None
    if isinstance(kvs, Kvs) and not kvs.layer:
        return kvs.base.json
    return json.dumps({str(k): str(v) for k, v in kvs.items()}, ensure_ascii=True)


__all__ = ["Kvs", "Missing", "StoreArg", "remember", "sending", "store_json"]
