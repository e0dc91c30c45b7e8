"""The KeyValueStore import file: `{"data": [{"key": ..., "value": ...}]}` and its limits."""
from __future__ import annotations

import json

from generator.platform.limits import KVS_KEY_MAX as KEY_MAX, KVS_STORE_MAX as FILE_MAX, KVS_VALUE_MAX as VALUE_MAX


def render(data: list[tuple[str, str]]) -> str:
    """The import file, deterministic: entries in the given order, one per line."""
    rows = [json.dumps({"key": k, "value": v}, ensure_ascii=False, separators=(",", ":")) for k, v in data]
    return '{"data":[\n' + ",\n".join(rows) + "\n]}\n" if rows else '{"data":[]}\n'


def validate_entries(data: list[tuple[str, str]], rendered: str | None = None) -> list[str]:
    """Every way `data` breaks the KVS limits, as messages (`rendered`: its import file)."""
    problems = []
    seen: set[str] = set()
    for k, v in data:
        kb, vb = len(k.encode("utf-8")), len(v.encode("utf-8"))
        if not 1 <= kb <= KEY_MAX:
            problems.append(f"key {k[:60]!r} is {kb} bytes (limit {KEY_MAX})")
        if vb > VALUE_MAX:
            problems.append(f"value of {k[:60]!r} is {vb} bytes (limit {VALUE_MAX})")
        if k in seen:
            problems.append(f"duplicate key {k[:60]!r}")
        seen.add(k)
    size = len((render(data) if rendered is None else rendered).encode("utf-8"))
    if size > FILE_MAX:
        problems.append(f"import file is {size:,} bytes (limit {FILE_MAX:,})")
    return problems


def parse(text: str) -> dict[str, str]:
    """An import file `{"data": [{"key", "value"}]}` or a plain JSON object of key -> value.

    Non-string values are stored as compact JSON. Raises ValueError (also for duplicates).
    """
    data = json.loads(text)
    if isinstance(data, dict) and isinstance(data.get("data"), list) and set(data) <= {"data"}:
        out: dict[str, str] = {}
        for i, item in enumerate(data["data"]):
            if not isinstance(item, dict) or not isinstance(item.get("key"), str) or "value" not in item:
                raise ValueError(f"data[{i}]: expected {{\"key\": string, \"value\": string}}")
            if item["key"] in out:
                raise ValueError(f"data[{i}]: duplicate key {item['key']!r}")
            out[item["key"]] = _as_value(item["value"])
        return out
    if isinstance(data, dict):
        return {str(k): _as_value(v) for k, v in data.items()}
    raise ValueError('expected {"data": [{"key": ..., "value": ...}]} or a JSON object')


def _as_value(v: object) -> str:
    return v if isinstance(v, str) else json.dumps(v, separators=(",", ":"))
