"""Turn a checked function source into the script the emulator evaluates.

Three text edits, all done from esprima ranges and none adding a newline, so line
numbers never move and columns can be mapped back exactly (`PositionMap`):
- `"use strict";` before line 1 (CloudFront code always runs strict);
- each `import x from 'm'` becomes `var x=__cf$m.m;` padded to its original length;
- a step counter call `__cf$t();` at the start of every function body and loop body
  (arrow expression bodies become `(__cf$t(),expr)`).
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from cfroutes.platform.jscheck import Analysis

TICK = "__cf$t();"
STRICT = '"use strict";'


@dataclass(frozen=True)
class PositionMap:
    """Maps a (line, column) of the evaluated script back to the original source."""
    inserts: dict[int, list[tuple[int, int]]] = field(default_factory=dict)  # line -> [(orig col0, length)]

    def original(self, line: int, column: int) -> tuple[int, int]:
        """1-based line and column in the script -> 1-based line and column in the source."""
        g = column - 1
        shift = 0
        for col, length in self.inserts.get(line, ()):
            start = col + shift
            if g >= start + length:
                shift += length
            elif g >= start:
                return line, col + 1
            else:
                break
        return line, g - shift + 1


def _line_starts(src: str) -> list[int]:
    starts = [0]
    i = src.find("\n")
    while i >= 0:
        starts.append(i + 1)
        i = src.find("\n", i + 1)
    return starts


def transform(source: str, analysis: Analysis) -> tuple[str, PositionMap]:
    """The instrumented script for `source` and the map back to it."""
    # (offset, order, text): closers sort before openers at one offset; inner closers first.
    edits: list[tuple[int, float, str]] = [(0, 0, STRICT)]  # (offset, order among equal offsets, text)
    replaced: list[tuple[int, int, str]] = []
    for start, end, local, module in analysis.imports:
        original = source[start:end]
        rep = f"var {local}=__cf$m.{module};"
        newlines = original.count("\n")
        pad = len(original) - len(rep) - newlines
        replaced.append((start, end, rep + " " * max(pad, 0) + "\n" * newlines))
    for off in analysis.function_bodies:
        edits.append((off, 2, TICK))
    for start, end, is_block in analysis.loop_bodies:
        if is_block:
            edits.append((start + 1, 2, TICK))
        else:
            edits.append((start, 2, "{" + TICK))
            edits.append((end, 1 - start / (len(source) + 1), "}"))
    for start, end in analysis.arrow_exprs:
        edits.append((start, 2, "(" + TICK[:-1] + ","))
        edits.append((end, 1 - start / (len(source) + 1), ")"))
    edits.sort(key=lambda e: (e[0], e[1]))
    # Apply replacements (same length) first, then insertions.
    text = source
    for start, end, rep in replaced:
        text = text[:start] + rep + text[end:]
    starts = _line_starts(source)
    out: list[str] = []
    inserts: dict[int, list[tuple[int, int]]] = {}
    prev = 0
    for off, _, ins in edits:
        out.append(text[prev:off])
        out.append(ins)
        prev = off
        line_idx = bisect.bisect_right(starts, off) - 1
        inserts.setdefault(line_idx + 1, []).append((off - starts[line_idx], len(ins)))
    out.append(text[prev:])
    return "".join(out), PositionMap(inserts)
