"""`cfroutes import`: routes.yaml from Netlify, Vercel, Amplify or AWS CloudFront Redirector rules.

One module per platform reads its files into a `common.Import`; `writer` renders
it; `run_import` then loads the text with the real validator (`config.load.load_config`)
and turns any route the validator refuses into a "not carried" comment, so the
output always passes `cfroutes check`'s validation.
"""
from __future__ import annotations

import os
import tempfile
from collections.abc import Callable

from cfroutes.errors import Diagnostic, InputError, Span
from cfroutes.importers.common import Import
from cfroutes.importers.writer import routes_yaml
from cfroutes.modes import Choice
from cfroutes.safeio import YAML_MAX


class Platform(Choice):
    """What `cfroutes import` reads."""

    NETLIFY = "netlify"
    VERCEL = "vercel"
    AMPLIFY = "amplify"
    CSV = "csv"


PLATFORMS = tuple(p.value for p in Platform)


def _reader(platform: str) -> Callable[[list[str], str | None], Import]:
    if platform == "netlify":
        from cfroutes.importers.netlify import read
    elif platform == "vercel":
        from cfroutes.importers.vercel import read
    elif platform == "amplify":
        from cfroutes.importers.amplify import read
    elif platform == "csv":
        from cfroutes.importers.csvrules import read
    else:  # pragma: no cover - argparse restricts the choice
        raise AssertionError(platform)
    return read


def read(platform: str, files: list[str], site: str | None = None) -> Import:
    """Parse the platform's files (InputError, exit 2, on unreadable/unparseable input); `site`:
    the publish folder as routes.yaml names it (rules that apply only where no file exists get
    `file: missing`)."""
    return _reader(platform)(files, site)


def _validate(text: str, base: str | None = None) -> list[tuple[int, str]]:
    """(output line, message) of every validation error of the rendered config; `base`: the folder
    it is written to (with `--site`, whose `files:` is relative to it), else a temporary one."""
    from cfroutes.config.load import load_config

    with tempfile.TemporaryDirectory(prefix="cfroutes-import-", dir=base) as d:
        path = os.path.join(base or d, os.path.basename(d) + ".yaml" if base else "routes.yaml")
        try:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            load_config(path)
        except InputError as e:
            return [(diag.span.line, diag.message) for diag in e.diagnostics]
        finally:
            if base and os.path.exists(path):
                os.unlink(path)
    return []


def _site(site: str, base: str) -> str:
    """`--site DIR` as the routes.yaml written to `base` names it; InputError when it is not a folder
    inside `base` (a config reads files only below its own folder)."""
    from cfroutes.safeio import is_within

    if not os.path.isdir(site):
        raise InputError([Diagnostic(Span("--site", 1, 1), f"--site {site}: not a folder")])
    if not is_within(site, base):
        raise InputError([Diagnostic(Span("--site", 1, 1), f"--site {site} is outside {base}, the folder the "
                                     "routes.yaml is written to (a config reads files only below its folder)",
                                     hint="write the routes.yaml (-o) next to the publish folder")])
    return os.path.relpath(os.path.realpath(site), os.path.realpath(base)).replace(os.sep, "/")


def run_import(platform: str, files: list[str], function: str, command: str, site: str | None = None,
               base: str | None = None) -> tuple[Import, str]:
    """Read, render and validate; routes the validator refuses become "not carried".

    Bad input is an InputError (exit 2): an unreadable or malformed file, a `--function` name
    CloudFront refuses, an output larger than a routes.yaml may be (`safeio.YAML_MAX`)."""
    from cfroutes.config.validator import FUNC_NAME_RE

    for name in (function, function + "-headers"):
        if not FUNC_NAME_RE.match(name):
            raise InputError([Diagnostic(Span("--function", 1, 1), f"function name {function!r} is not 1-56 "
                                         "characters of A-Z a-z 0-9 _ - (CloudFront's rule, with room for "
                                         "the `-headers` function)")])
    rel = _site(site, base or os.getcwd()) if site is not None else None
    imp = read(platform, files, rel)
    if platform == "netlify" and rel is not None:
        from cfroutes.importers.netlify import pretty_url_shadows

        pretty_url_shadows(imp, os.path.join(base or os.getcwd(), rel))
    while True:  # each pass demotes at least one route, so this ends
        text, spans = routes_yaml(imp, function, command)
        size = len(text.encode("utf-8", "surrogatepass"))
        if size > YAML_MAX:
            raise InputError([Diagnostic(Span(files[0], 1, 1), f"the imported routes.yaml would be {size:,} bytes, "
                                         f"over the {YAML_MAX:,} a routes.yaml may have",
                                         hint="split the rules, or move large lookup tables into a KeyValueStore "
                                              "seed")])
        problems = _validate(text, (base or os.getcwd()) if rel is not None else None)
        if not problems:
            return imp, text
        demoted = False
        for out in imp.routes + imp.headers:
            rng = spans.get(id(out))
            if rng is None:
                continue
            msgs = [m for line, m in problems if rng[0] <= line <= rng[1]]
            if msgs:
                imp.fail(out, "cfroutes refuses the translation: " + "; ".join(dict.fromkeys(msgs)))
                demoted = True
        if not demoted:  # a problem outside every route: say so, with the generated line
            raise InputError([Diagnostic(Span(files[0], 1, 1), f"the imported routes.yaml does not validate "
                                         f"(its line {line}): {m}") for line, m in problems[:20]])


__all__ = ["PLATFORMS", "Platform", "read", "run_import"]
