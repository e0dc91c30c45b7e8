"""The one escaping helper per output language of `cfroutes export`.

Names that come from outside the config's content (its file name, `--dist`, `--prefix`)
reach generated code only through these functions: as a string literal of the language, or
inside a comment as that same literal (quoted, printable ASCII only), so no name can end a
comment or a string early, start an interpolation, or hide a line break. Every output is
pure printable ASCII apart from what the language's own literal syntax escapes.

- `text`: any name as text: lone surrogates (undecodable bytes of a file name) become
  U+FFFD, so every output encodes as UTF-8.
- HCL (`hcl_string`, `hcl_comment`): only the escapes HashiCorp's native syntax defines
  (`\\n \\r \\t \\" \\\\ \\uNNNN \\UNNNNNNNN`, never `\\f` or `\\b`), `$${` and `%%{` for
  literal template sequences.
- TypeScript (`ts_string`, `ts_comment`): a JSON string, ASCII only (U+2028/9 escaped);
  in a comment `*/` is written `*\\/` so it cannot close a block comment.
- Python (`py_string`, `py_comment`): `ascii()`, a valid literal in every Python 3.
- YAML/JSON (CloudFormation) values go through the YAML and JSON dumpers, which escape;
  `cfn_text` gives them the name as text, capped in length (Description <= 1,024 bytes).
"""
from __future__ import annotations

import json
import re

_SURROGATE = re.compile("[\ud800-\udfff]")


def text(name: str, limit: int = 400) -> str:
    """A name as valid Unicode text (lone surrogates -> U+FFFD), at most `limit` characters."""
    out = _SURROGATE.sub("\ufffd", name)
    return out if len(out) <= limit else out[: limit - 3] + "..."


# ------------------------------------------------------------------ HCL
_HCL_SIMPLE = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _hcl_char(c: str) -> str:
    if c in _HCL_SIMPLE:
        return _HCL_SIMPLE[c]
    o = ord(c)
    if 0x20 <= o < 0x7F:
        return c
    return f"\\u{o:04X}" if o <= 0xFFFF else f"\\U{o:08X}"


def hcl_string(s: str) -> str:
    """An HCL quoted string holding `s` literally (no interpolation, no directive)."""
    body = "".join(_hcl_char(c) for c in text(s, limit=1 << 20))
    return '"' + body.replace("${", "$${").replace("%{", "%%{") + '"'


def hcl_comment(s: str) -> str:
    """`s` as it may appear inside a `#` comment: its quoted HCL literal."""
    return hcl_string(text(s))


# ------------------------------------------------------------------ TypeScript / JavaScript
def ts_string(s: str) -> str:
    """A TypeScript string literal: JSON, ASCII only."""
    return json.dumps(text(s, limit=1 << 20), ensure_ascii=True)


def ts_comment(s: str) -> str:
    """`s` as it may appear inside a `//` or `/** */` comment: its quoted literal, `*/` as `*\\/`."""
    return ts_string(text(s)).replace("*/", "*\\/")


# ------------------------------------------------------------------ Python
def py_string(s: str) -> str:
    """A Python string literal (ASCII only)."""
    return ascii(text(s, limit=1 << 20))


def py_comment(s: str) -> str:
    """`s` as it may appear inside a `#` comment or a docstring: its quoted literal."""
    return py_string(text(s))


# ------------------------------------------------------------------ CloudFormation (YAML / JSON)
def cfn_text(s: str) -> str:
    """A name inside a template's text values (the dumpers escape; this makes it encodable and short)."""
    return text(s, limit=200)
