"""`cfroutes emulate FILE.js --event EVENT.json [--runtime R] [--kvs KVS.json]`."""
from __future__ import annotations

import json
import re
from typing import TextIO

from generator.emulator import FunctionLoadError, invoke, prepare
from generator.kvsfile import StoreFileError, parse as load_kvs
from generator.profile import RUNTIMES
from generator.safeio import EVENT_MAX, FUNCTION_MAX, STORE_MAX, UserFileError, read_text

_V2_HINTS = re.compile(r"^\s*import\s|\basync\s+function\b|\bawait\b|^\s*(let|const)\s", re.M)


def infer_runtime(source: str) -> str:
    """2.0 unless the file looks like 1.0: uses require( and nothing that only 2.0 has."""
    if "require(" in source and not _V2_HINTS.search(source):
        return "cloudfront-js-1.0"
    return "cloudfront-js-2.0"


def _read(path: str, cap: int = FUNCTION_MAX, what: str = "file") -> str:
    """A user file, read safely (regular files only, at most `cap` bytes: see safeio)."""
    return read_text(path, cap, what)


def emulate(function_path: str, event_path: str, runtime: str | None, kvs_path: str | None,
            stdout: TextIO, stderr: TextIO) -> int:
    """Run one function file on one event; print a TestResult-shaped JSON object.

    Exit codes: 0 ok, 1 the function failed or its output is invalid, 2 bad input.
    """
    try:
        source = _read(function_path, FUNCTION_MAX, "function file")
    except UserFileError as exc:
        stderr.write(f"{function_path}:{exc.line}:{exc.col}: error: cannot read function: {exc.message}\n")
        return 2
    if runtime is not None and runtime not in RUNTIMES:
        stderr.write(f"{function_path}:1:1: error: unknown runtime {runtime!r} (expected {' or '.join(RUNTIMES)})\n")
        return 2
    try:
        event = json.loads(_read(event_path, EVENT_MAX, "event file"))
        if not isinstance(event, dict):
            raise ValueError("the event must be a JSON object")
    except (UserFileError, ValueError, RecursionError) as exc:
        line, col = (exc.lineno, exc.colno) if isinstance(exc, json.JSONDecodeError) else \
            (exc.line, exc.col) if isinstance(exc, UserFileError) else (1, 1)
        msg = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        stderr.write(f"{event_path}:{line}:{col}: error: invalid event: {msg}\n")
        return 2
    kvs = None
    if kvs_path is not None:
        try:
            kvs = load_kvs(_read(kvs_path, STORE_MAX, "KVS file"))
        except (UserFileError, ValueError) as exc:
            line, col = (exc.line, exc.col) if isinstance(exc, (UserFileError, StoreFileError)) else (1, 1)
            stderr.write(f"{kvs_path}:{line}:{col}: error: invalid KVS file: {exc}\n")
            return 2
    try:
        prepared = prepare(source, runtime or infer_runtime(source), function_path)
    except FunctionLoadError as exc:
        stderr.write("".join(line + "\n" for line in exc.lines()))
        return 2
    inv = invoke(prepared, event, kvs)
    json.dump(inv.to_test_result(), stdout, indent=2, ensure_ascii=False)
    stdout.write("\n")
    return 0 if inv.ok else 1
