"""The one normal form of URI path text (docs/semantics.md §1.1).

A request's `uri` is percent-encoded text as the viewer sent it; a routes.yaml literal may be
written decoded (`/café`) or encoded (`/caf%C3%A9`, `/caf%c3%a9`). Both sides are compared in
one normal form: every non-ASCII character is its UTF-8 bytes percent-encoded, and the hex
digits of every `%XX` escape are upper case. Nothing is decoded (so `%2F` stays a part of
one segment, and `%41` is not `A`).

`normal_path` is used by the planner (literal segments, exact keys, first-segment groups) and
the reference model; `NU_JS` is the same function in the emitted JavaScript (the `pct`
planner flag), run on the request's path only when it holds a `%` or a non-ASCII character.
"""
from __future__ import annotations

import re

_TEXT = re.compile(r"%[0-9A-Fa-f]{2}|[^\x00-\x7f]+")
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
#: a `%` that does not start a `%XX` escape
LONE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def _utf8(text: str) -> str:
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: encodeURIComponent throws, the text stays
        return text
    return "".join(f"%{b:02X}" for b in data)


def _one(m: re.Match[str]) -> str:
    t = m.group(0)
    return t.upper() if t[0] == "%" else _utf8(t)


def needs_normal(text: str) -> bool:
    """Does `text` hold a `%` or a non-ASCII character (is its normal form worth computing)?"""
    return "%" in text or not text.isascii()


def normal_path(text: str) -> str:
    """`text` in the normal form: non-ASCII as UTF-8 `%XX`, the hex of every escape upper case."""
    return _TEXT.sub(_one, text) if needs_normal(text) else text


def uri_text(text: str) -> str:
    """Literal text of a Location or a rewritten URI made valid URI text: non-ASCII characters
    percent-encoded (UTF-8); everything else, escapes included, as written."""
    return _NON_ASCII.sub(lambda m: _utf8(m.group(0)), text)


def never_sent(path: str) -> tuple[str, str] | None:
    """Why no request carries the literal path `path` (what, and a hint), or None. Spaces and
    controls are refused by the path parser; these are the characters it accepts."""
    if LONE_PERCENT.search(path):
        return ("a '%' that starts no %XX escape (a client sends a literal '%' as %25)",
                "write %25 for a literal '%'")
    segs = path.split("/")
    if "." in segs or ".." in segs:
        return ("a '.' or '..' segment (clients resolve dot segments before they send a URL)",
                "write the path the dot segments resolve to")
    return None


#: NP(m): one match of the normal form's pattern (a `%XX` escape: its hex upper case; a run of
#: non-ASCII characters: its UTF-8 `%XX`). encodeURIComponent of a lone surrogate throws; the
#: text then stays as it is, as in Python (`_utf8`).
NP_JS = r"""function NP(m) {
  if (m.charCodeAt(0) == 37) return m.toUpperCase();
  try { return encodeURIComponent(m); } catch (z) { return m; }
}"""
#: the emitted twin of `normal_path` (ES5.1; QuickJS and njs): NU(s) is the normal form of s.
#: Non-ASCII is written `[^\x00-\x7f]`, never `[\u0080-\uffff]`: njs strings are code points, so
#: a character above U+FFFF (an emoji) is one character there and outside that range.
NU_JS = r"""function NU(s) { return /[^\x00-\x24\x26-\x7f]/.test(s) ? s.replace(/%[0-9A-Fa-f]{2}|[^\x00-\x7f]+/g, NP) : s; }"""
#: the emitted twin of `uri_text`, applied to a rendered Location or rewritten URI whose template
#: has placeholders (a data value's non-ASCII characters: semantics §5): UE(s).
UE_JS = r"""function UE(s) { return /[^\x00-\x7f]/.test(s) ? s.replace(/[^\x00-\x7f]+/g, NP) : s; }"""
