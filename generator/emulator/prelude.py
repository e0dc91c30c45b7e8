"""prelude.js, the JavaScript both engines load before a function, and what it reads.

The file is cut into `//#section NAME` pieces: runtime.py (QuickJS) loads the pieces a
function can reach, njs.py builds its harness module from the same pieces. The store a
function's `cf.kvs()` reads is handed to the prelude as JSON text (emulator/store.py: the base once,
a call's overrides as a layer).
"""
from __future__ import annotations

from importlib import resources

_SECTIONS: dict[str, str] = {}


def prelude_sections() -> dict[str, str]:
    """Section name -> its JavaScript (read once per process)."""
    if not _SECTIONS:
        text = resources.files("cfroutes.emulator").joinpath("prelude.js").read_text(encoding="utf-8")
        for chunk in text.split("//#section ")[1:]:
            name, _, body = chunk.partition("\n")
            _SECTIONS[name.strip()] = body
    return _SECTIONS

