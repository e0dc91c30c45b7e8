"""The KeyValueStore import file: `{"data": [{"key": ..., "value": ...}]}` and its limits."""
from __future__ import annotations

import json

from cfroutes.platform.limits import KVS_KEY_MAX, KVS_STORE_MAX, KVS_VALUE_MAX

#: json.dumps(s, ensure_ascii=False) for a string, without building an encoder per call
_STR = json.JSONEncoder(ensure_ascii=False).encode


def import_file_text(data: list[tuple[str, str]]) -> str:
    """The import file, deterministic: entries in the given order, one per line."""
    rows = ['{"key":' + _STR(k) + ',"value":' + _STR(v) + "}" for k, v in data]
    return '{"data":[\n' + ",\n".join(rows) + "\n]}\n" if rows else '{"data":[]}\n'


def key_problem(key: str) -> str | None:
    """How `key` breaks the KeyValueStore's key limit (1-512 bytes: platform/limits.py), or None."""
    kb = len(key.encode("utf-8", "surrogatepass"))
    if 1 <= kb <= KVS_KEY_MAX:
        return None
    return f"key {key[:60]!r} is {kb} bytes; KeyValueStore keys are 1-{KVS_KEY_MAX} bytes"


def value_problem(key: str, value: str) -> str | None:
    """How `value` (stored under `key`) breaks the value limit (at most 1,024 bytes), or None."""
    vb = len(value.encode("utf-8", "surrogatepass"))
    if vb <= KVS_VALUE_MAX:
        return None
    return f"the value of {key[:60]!r} is {vb} bytes; KeyValueStore values are at most {KVS_VALUE_MAX} bytes"


def entry_problems(key: str, value: str) -> list[str]:
    """How one entry breaks the KeyValueStore's own limits, as messages; [] when it keeps them.
    The one check of an entry's size (`key_problem`, `value_problem`)."""
    return [p for p in (key_problem(key), value_problem(key, value)) if p is not None]


def validate_entries(data: list[tuple[str, str]], rendered: str | None = None) -> list[str]:
    """Every way `data` breaks the KVS limits, as messages (`rendered`: its import file)."""
    problems = []
    seen: set[str] = set()
    for k, v in data:
        problems += entry_problems(k, v)
        if k in seen:
            problems.append(f"duplicate key {k[:60]!r}")
        seen.add(k)
    size = len((import_file_text(data) if rendered is None else rendered).encode("utf-8"))
    if size > KVS_STORE_MAX:
        problems.append(f"import file is {size:,} bytes (limit {KVS_STORE_MAX:,})")
    return problems


#: nesting a store file may have (the documented shapes need 3)
JSON_DEPTH_MAX = 32


class StoreFileError(ValueError):
    """A store file that is not one of the documented shapes; `line`/`col` are 1-based."""

    def __init__(self, message: str, text: str = "", pos: int = 0) -> None:
        super().__init__(message)
        self.message = message
        before = text[:pos]
        self.line = before.count("\n") + 1
        self.col = pos - (before.rfind("\n") + 1) + 1


def _where(text: str, key: str, nth: int) -> int:
    """The offset of the `nth` (0-based) occurrence of `key` as a JSON string, else 0."""
    pos = -1
    for needle in (json.dumps(key), json.dumps(key, ensure_ascii=False)):
        pos, start = -1, 0
        for _ in range(nth + 1):
            pos = text.find(needle, start)
            if pos < 0:
                break
            start = pos + 1
        if pos >= 0:
            return pos
    return 0


def load_json(text: str) -> object:
    """Strict JSON: duplicate keys, NaN/Infinity and nesting past JSON_DEPTH_MAX are errors."""
    def pairs(items: list[tuple[str, object]]) -> dict[str, object]:
        out: dict[str, object] = {}
        for k, v in items:
            if k in out:
                raise StoreFileError(f"duplicate key {k[:60]!r}", text, _where(text, k, 1))
            out[k] = v
        return out

    def constant(name: str) -> object:
        raise StoreFileError(f"{name} is not JSON (and not a KeyValueStore value)", text, max(text.find(name), 0))

    try:
        doc = json.loads(text, object_pairs_hook=pairs, parse_constant=constant)
    except json.JSONDecodeError as e:
        raise StoreFileError(f"invalid JSON: {e.msg}", text, e.pos) from None
    except RecursionError:
        raise StoreFileError(f"JSON nested too deeply (the limit is {JSON_DEPTH_MAX} levels)") from None
    stack = [(doc, 1)]
    while stack:  # iterative: deep input cannot exhaust Python's stack
        node, depth = stack.pop()
        if depth > JSON_DEPTH_MAX:
            raise StoreFileError(f"JSON nested too deeply (the limit is {JSON_DEPTH_MAX} levels)")
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values() if isinstance(v, (dict, list)))
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node if isinstance(v, (dict, list)))
    return doc


SHAPES = ('an import file {"data": [{"key": ..., "value": ...}]}, a JSON object of key to string, '
          'or `aws cloudfront-keyvaluestore list-keys` output {"Items": [{"Key": ..., "Value": ...}]}')


def parse(text: str, *, strings_only: bool = False, listing: bool = False) -> dict[str, str]:
    """A store's content from one of the documented shapes (see SHAPES); anything else is a
    StoreFileError naming the reason.

    - an import file: exactly `{"data": [{"key": str, "value": str}, ...]}`;
    - with `listing`, `list-keys` output: `{"Items": [{"Key": str, "Value": str}, ...]}`
      (a page with `NextToken` is refused: it is not the whole store);
    - otherwise a plain JSON object of key -> value (it may not use the names `data`,
      `Items` or `NextToken`, which mark the other shapes).

    Without `strings_only`, a non-string value is stored as compact JSON (`emulate --kvs`
    fixtures); with it (`kvs plan`), it is an error. Duplicate keys are errors.
    """
    doc = load_json(text)
    if not isinstance(doc, dict):
        raise StoreFileError(f"expected {SHAPES}; got {_kind(doc)}", text, _first(text))
    if "data" in doc:
        extra = sorted(set(doc) - {"data"})
        if extra:
            raise StoreFileError(f"unknown top-level key {extra[0][:60]!r} in an import file "
                                 '(expected only "data")', text, _where(text, extra[0], 0))
        return _limits(_entries(doc["data"], "data", "key", "value", text, strings_only), text)
    if "Items" in doc or "NextToken" in doc:
        if not listing:
            raise StoreFileError('`list-keys` output ("Items") is not a KVS import file here; '
                                 'expected {"data": [...]} or a JSON object of key to string',
                                 text, _where(text, "Items" if "Items" in doc else "NextToken", 0))
        if doc.get("NextToken") is not None:
            raise StoreFileError("this `list-keys` output is one page (it has a NextToken), not the whole store: "
                                 "pass the complete listing (the AWS CLI pages through everything unless "
                                 "--max-items or --no-paginate is given)", text, _where(text, "NextToken", 0))
        extra = sorted(set(doc) - {"Items", "NextToken"})
        if extra:
            raise StoreFileError(f"unknown top-level key {extra[0][:60]!r} in `list-keys` output "
                                 '(expected "Items")', text, _where(text, extra[0], 0))
        if "Items" not in doc:
            raise StoreFileError('`list-keys` output without "Items"', text, _first(text))
        return _limits(_entries(doc["Items"], "Items", "Key", "Value", text, strings_only=True), text)
    out: dict[str, str] = {}
    for k, v in doc.items():
        if not isinstance(v, str):
            if strings_only:
                raise StoreFileError(f"the value of {k[:60]!r} is {_kind(v)}; KeyValueStore values are strings",
                                     text, _where(text, k, 0))
            v = _as_value(v)
        out[k] = v
    return _limits(out, text)


def _limits(store: dict[str, str], text: str) -> dict[str, str]:
    """`store` if it keeps the KeyValueStore's own limits (key 1-512 bytes, value at most 1,024
    bytes, keys and values together at most 5 MB: platform/limits.py), else a StoreFileError at the
    first offending key. CloudFront refuses such a store at import, so it is never served."""
    total = 0
    for k, v in store.items():
        problems = entry_problems(k, v)
        if problems:
            raise StoreFileError(problems[0], text, _where(text, k, 0))
        total += len(k.encode("utf-8", "surrogatepass")) + len(v.encode("utf-8", "surrogatepass"))
    if total > KVS_STORE_MAX:
        raise StoreFileError(f"the store holds {total:,} bytes of keys and values; a KeyValueStore holds at most "
                             f"{KVS_STORE_MAX:,}", text, _first(text))
    return store


def _entries(items: object, name: str, kname: str, vname: str, text: str, strings_only: bool) -> dict[str, str]:
    if not isinstance(items, list):
        raise StoreFileError(f'"{name}" must be a list of {{"{kname}": string, "{vname}": string}}, '
                             f"got {_kind(items)}", text, _where(text, name, 0))
    out: dict[str, str] = {}
    for i, item in enumerate(items):
        if not isinstance(item, dict) or set(item) != {kname, vname} or not isinstance(item[kname], str):
            got = sorted(set(item) - {kname, vname}) if isinstance(item, dict) else []
            why = f" (unknown key {got[0][:40]!r})" if got else ""
            raise StoreFileError(f'{name}[{i}]: expected {{"{kname}": string, "{vname}": string}}{why}', text,
                                 _where(text, kname, i))
        key, value = item[kname], item[vname]
        if not isinstance(value, str):
            if strings_only:
                raise StoreFileError(f"{name}[{i}]: the value of {key[:60]!r} is {_kind(value)}; "
                                     "KeyValueStore values are strings", text, _where(text, key, 0))
            value = _as_value(value)
        if key in out:
            raise StoreFileError(f"{name}[{i}]: duplicate key {key[:60]!r}", text, _where(text, key, 1))
        out[key] = value
    return out


def _first(text: str) -> int:
    return len(text) - len(text.lstrip())


def _kind(v: object) -> str:
    if isinstance(v, dict):
        return "an object"
    if isinstance(v, list):
        return "a list"
    if isinstance(v, bool):
        return "a boolean"
    if v is None:
        return "null"
    if isinstance(v, (int, float)):
        return "a number"
    return "a string"


def _as_value(v: object) -> str:
    return v if isinstance(v, str) else json.dumps(v, separators=(",", ":"))
