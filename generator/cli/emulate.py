"""`cfroutes emulate FILE.js --event EVENT.json [--runtime R] [--kvs KVS.json]`."""
from __future__ import annotations

import json
import re
from typing import TextIO

from generator.emulator import FunctionLoadError, invoke, prepare
from generator.kvsfile import parse as load_kvs
from generator.profile import RUNTIMES

_V2_HINTS = re.compile(r"^\s*import\s|\basync\s+function\b|\bawait\b|^\s*(let|const)\s", re.M)


def infer_runtime(source: str) -> str:
    """2.0 unless the file looks like 1.0: uses require( and nothing that only 2.0 has."""
    if "require(" in source and not _V2_HINTS.search(source):
        return "cloudfront-js-1.0"
    return "cloudfront-js-2.0"


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as f:
        return f.read()


def emulate(function_path: str, event_path: str, runtime: str | None, kvs_path: str | None,
            stdout: TextIO, stderr: TextIO, engine: str = "quickjs") -> int:
    """Run one function file on one event; print a TestResult-shaped JSON object.

    Exit codes: 0 ok, 1 the function failed or its output is invalid, 2 bad input.
    """
    try:
        source = _read(function_path)
    except (OSError, UnicodeDecodeError) as exc:
        stderr.write(f"{function_path}:1:1: error: cannot read function: {exc}\n")
        return 2
    if runtime is not None and runtime not in RUNTIMES:
        stderr.write(f"{function_path}:1:1: error: unknown runtime {runtime!r} (expected {' or '.join(RUNTIMES)})\n")
        return 2
    try:
        event = json.loads(_read(event_path))
        if not isinstance(event, dict):
            raise ValueError("the event must be a JSON object")
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        line, col = (exc.lineno, exc.colno) if isinstance(exc, json.JSONDecodeError) else (1, 1)
        stderr.write(f"{event_path}:{line}:{col}: error: invalid event: {exc}\n")
        return 2
    kvs = None
    if kvs_path is not None:
        try:
            kvs = load_kvs(_read(kvs_path))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            line, col = (exc.lineno, exc.colno) if isinstance(exc, json.JSONDecodeError) else (1, 1)
            stderr.write(f"{kvs_path}:{line}:{col}: error: invalid KVS file: {exc}\n")
            return 2
    try:
        prepared = prepare(source, runtime or infer_runtime(source), function_path)
    except FunctionLoadError as exc:
        stderr.write("".join(line + "\n" for line in exc.lines()))
        return 2
    if engine == "njs":  # the static profile (prepare) has run first
        from generator.emulator import njs

        inv = njs.invoke(prepared, event, kvs)
    else:
        inv = invoke(prepared, event, kvs)
    json.dump(inv.to_test_result(), stdout, indent=2, ensure_ascii=False)
    stdout.write("\n")
    return 0 if inv.ok else 1
