"""Where a route came from, for messages (issue 21, traceability): its routes.yaml line and, for a
route `cfroutes import` wrote, the source rule it cites.

The importer writes the source rule as a comment directly above each route
(`# _redirects:57: /blog/* /news/:splat 301`, then indented `# note` lines); that comment is the
one place the reference lives, so a hand edit that keeps the comment keeps the reference. It is
read back from the config file (through the one bounded reader), never stored twice.
"""
from __future__ import annotations

import os
import re
from functools import lru_cache

from cfroutes.errors import Span
from cfroutes.safeio import YAML_MAX, UserFileError, read_text

_SOURCE = re.compile(r"^\s*#\s*([^\s#:][^\s:]*:\d+):\s")
_COMMENT = re.compile(r"^\s*#")


@lru_cache(maxsize=8)
def _lines(path: str, mtime: float) -> tuple[str, ...]:
    try:
        return tuple(read_text(path, YAML_MAX, "routes.yaml").splitlines())
    except UserFileError:
        return ()


def source_rule(span: Span) -> str | None:
    """`_redirects:57` when the comment block right above the route at `span` cites a source rule."""
    try:
        mtime = os.stat(span.file).st_mtime
    except OSError:
        return None
    lines = _lines(span.file, mtime)
    i = span.line - 2  # the line above, 0-based
    found = None
    while 0 <= i < len(lines) and _COMMENT.match(lines[i]):
        m = _SOURCE.match(lines[i])
        if m:
            found = m.group(1)
        i -= 1
    return found


def where(span: Span) -> str:
    """`routes.yaml:23` or `routes.yaml:23, from _redirects:57`."""
    src = source_rule(span)
    here = f"{os.path.basename(span.file)}:{span.line}"
    return here + (f", from {src}" if src else "")
