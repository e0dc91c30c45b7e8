"""Load YAML into a tree of positioned nodes; duplicate keys are errors.

PyYAML's composer (libyaml when present) gives marks for every node; we turn the
node graph into `Node`s that carry a `Span`, so validation can point at the exact
line and column of any value.
"""
from __future__ import annotations

from typing import Any, Union

import yaml

from generator.errors import Diagnostic, InputError, Span

try:  # the C loader is ~4x faster on large configs
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - libyaml missing
    _Loader = yaml.SafeLoader

Scalar = Union[str, int, float, bool, None]
_NO_KEYS: dict[str, Any] = {}  # shared by every non-mapping node; never mutated


class Node:
    """A YAML value with its position.

    `value` is a `dict[str, Node]` for mappings (in document order), a `list[Node]`
    for sequences and a Python scalar otherwise. `raw` is the scalar's source text
    (so `NO` can be read as the string it was meant to be), `plain` is True for an
    unquoted scalar. `keys` maps each mapping key to the Node of the key itself.
    """

    __slots__ = ("value", "span", "raw", "plain", "keys")

    def __init__(self, value: Any, span: Span, raw: str | None = None, plain: bool = False,
                 keys: dict[str, "Node"] | None = None) -> None:
        self.value = value
        self.span = span
        self.raw = raw
        self.plain = plain
        self.keys: dict[str, Node] = _NO_KEYS if keys is None else keys

    def __repr__(self) -> str:
        return f"Node({self.value!r}, {self.span})"

    @property
    def is_map(self) -> bool:
        return isinstance(self.value, dict)

    @property
    def is_list(self) -> bool:
        return isinstance(self.value, list)

    @property
    def is_scalar(self) -> bool:
        return not isinstance(self.value, (dict, list))

    def get(self, key: str) -> "Node | None":
        return self.value.get(key) if isinstance(self.value, dict) else None

    def to_python(self) -> Any:
        if isinstance(self.value, dict):
            return {k: v.to_python() for k, v in self.value.items()}
        if isinstance(self.value, list):
            return [v.to_python() for v in self.value]
        return self.value

    def type_name(self) -> str:
        return describe(self.value)


def describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return "a string"


class _Constructor(yaml.constructor.SafeConstructor):
    pass


def _span(file: str, mark: Any) -> Span:
    return Span(file, mark.line + 1, mark.column + 1)


def load_text(text: str, file: str) -> Node:
    """Parse `text`; raises InputError with positioned diagnostics."""
    try:
        docs = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        span = _span(file, mark) if mark is not None else Span(file, 1, 1)
        msg = (e.problem or str(e)).strip()
        if e.context:
            msg = f"{msg} ({e.context.strip()})"
        raise InputError([Diagnostic(span, f"invalid YAML: {msg}")]) from None
    except yaml.YAMLError as e:
        raise InputError([Diagnostic(Span(file, 1, 1), f"invalid YAML: {e}")]) from None
    if len(docs) > 1:
        raise InputError([Diagnostic(Span(file, 1, 1), "expected one YAML document, found several")])
    if not docs or docs[0] is None:
        return Node(None, Span(file, 1, 1))
    diags: list[Diagnostic] = []
    node = _convert(docs[0], file, _Constructor(), diags, 0)
    if diags:
        raise InputError(diags)
    return node


def load_file(path: str) -> tuple[Node, str]:
    """Read and parse a YAML file; returns the tree and the text (for hashing)."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        raise InputError([Diagnostic(Span(path, 1, 1), f"file not found: {path}")]) from None
    except UnicodeDecodeError as e:
        raise InputError([Diagnostic(Span(path, 1, 1), f"not UTF-8 text: {e.reason}")]) from None
    except OSError as e:
        raise InputError([Diagnostic(Span(path, 1, 1), f"cannot read {path}: {e.strerror}")]) from None
    return load_text(text, path), text


_MAX_DEPTH = 64
_STR_TAG = "tag:yaml.org,2002:str"


_MAPPING, _SEQUENCE, _SCALAR = yaml.MappingNode, yaml.SequenceNode, yaml.ScalarNode
_PLAIN_STYLES = (None, "")


def _convert(n: Any, file: str, ctor: _Constructor, diags: list[Diagnostic], depth: int) -> Node:
    """yaml node -> Node (the hot path of loading large configs: kept lean)."""
    mark = n.start_mark
    span = Span(file, mark.line + 1, mark.column + 1)
    if depth > _MAX_DEPTH:
        diags.append(Diagnostic(span, "YAML nested too deeply"))
        return Node(None, span)
    cls = n.__class__
    if cls is _SCALAR:
        raw = n.value
        if n.tag == _STR_TAG:
            return Node(raw, span, raw, n.style in _PLAIN_STYLES)
        value = ctor.construct_object(n)
        if not isinstance(value, (str, int, float, bool, type(None))):
            value = raw  # dates, timestamps, binary: keep the text
        return Node(value, span, raw, n.style in _PLAIN_STYLES)
    if cls is _SEQUENCE:
        return Node([_convert(v, file, ctor, diags, depth + 1) for v in n.value], span)
    out: dict[str, Node] = {}
    keys: dict[str, Node] = {}
    if any(k.tag == "tag:yaml.org,2002:merge" for k, _ in n.value):
        ctor.flatten_mapping(n)  # `<<:` merge keys
    for k, v in n.value:
        kmark = k.start_mark
        kspan = Span(file, kmark.line + 1, kmark.column + 1)
        if k.__class__ is not _SCALAR:
            diags.append(Diagnostic(kspan, "mapping keys must be plain strings"))
            continue
        key = k.value  # keys are read as written: `on:` and `1:` stay text
        if key in out:
            diags.append(Diagnostic(kspan, f"duplicate key '{key}' (first at line {keys[key].span.line})"))
            continue
        keys[key] = Node(key, kspan, key, k.style in _PLAIN_STYLES)
        out[key] = _convert(v, file, ctor, diags, depth + 1)
    return Node(out, span, None, False, keys)
