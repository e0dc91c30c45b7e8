"""`cfroutes import ... --cases FILE`: one test case per source rule, computed from the SOURCE
platform's semantics (not from the translation), so a translation error shows at import time.

Netlify here; Vercel in vercel_cases.py, Amplify in amplify_cases.py. Netlify: for every carried
rule without conditions, a sample request its source matches (`:name` -> `n-name`, `*` -> `a/b`), answered as Netlify answers it: the first
such rule in the file that matches the sample (a full-URL source gets a request on its host; rules
with conditions or query parameters need requests this does not build, and get no case), assuming
no file exists at the sample path.
"""
from __future__ import annotations

import re
from typing import Any

from cfroutes.importers.common import Import, Out, is_url, split_url
from cfroutes.importers.writer import block, scalar
from cfroutes.yamltext import comment

REDIRECT = (301, 302, 303, 307, 308)


def _sample(frm: str) -> str:
    return re.sub(r":([A-Za-z_][A-Za-z0-9_]*)", lambda m: "n-" + m.group(1), frm.replace("*", "a/b"))


def _fill(to: str, groups: dict[str, str]) -> str:
    return re.sub(r":([A-Za-z_][A-Za-z0-9_]*)", lambda g: groups.get(g.group(1), g.group(0)), to)


def netlify_cases(imp: Import) -> tuple[list[tuple[Out, dict[str, Any], str]], dict[str, int]]:
    """(source route, case, note) per rule with a case, and the carried rules without one by reason.

    A full-URL source (`https://old.example/*`, a domain-level redirect) gets a request on its host;
    the path-only rules' samples go to a host no such rule names. The answer is the first rule in
    the file that matches the sample: a path-only rule on any host, a URL rule on its own."""
    from cfroutes.importers.netlify import _matcher, _OverBudget, _Rules
    from cfroutes.importers.vercel_cases import HOST, neutral_host, wire, wire_expect

    outs = [o for o in imp.routes if o.rule is not None]
    rules = _Rules(outs)
    hosted: list[tuple[int, Out, dict[str, Any], str, re.Pattern[str]]] = []
    for i, o in enumerate(outs):
        r = o.rule
        if r is not None and o.carried and not r["conditions"] and not r["query"] and is_url(r["from"]):
            _, h, rest = split_url(r["from"])
            rx = _matcher(rest or "/")  # Netlify reads a bare host as `/` (docs/migrating.md)
            if rx is not None:
                hosted.append((i, o, r, h.lower().split(":")[0], rx))
    host = neutral_host({h for _, _, _, h, _ in hosted})

    def first(h: str, path: str) -> tuple[int, Out, dict[str, Any], re.Match[str]] | None:
        best = rules.first(path)
        for i, o, r, hh, rx in hosted:
            if best is not None and i > best[0]:
                break
            m = rules.match(rx, path) if hh == h else None
            if m:
                return i, o, r, m
        return best

    todo = sorted([(i, o, r, host, _sample(r["from"])) for i, o, r, _ in rules.items]
                  + [(i, o, r, h, _sample(split_url(r["from"])[2] or "/")) for i, o, r, h, _ in hosted],
                  key=lambda t: t[0])
    made: list[tuple[Out, dict[str, Any], str]] = []
    seen: set[int] = set()
    over = False
    for _, o, _r, h, sample in todo:
        if id(o) in seen or over:
            continue
        seen.add(id(o))
        try:
            hit = first(h, sample)
        except _OverBudget:
            over = True
            continue
        if hit is None:
            continue
        _, ho, hr, m = hit
        groups = {k: v for k, v in m.groupdict().items() if v is not None}
        to, status = hr["to"], hr["status"]
        note = ""
        if not isinstance(to, str):
            continue
        target = _fill(to, groups)
        expect: dict[str, Any]
        if status in REDIRECT:
            expect = {"status": status, "location": target}
        elif status == 200 and not target.startswith(("http://", "https://")):
            path, _, query = target.partition("?")
            expect = {"uri": path} | ({"querystring": query} if query else {})
        elif 400 <= status <= 599 and not target.startswith(("http://", "https://")):
            expect = {"uri": target.partition("?")[0]}
            note = (f"Netlify answers {status} with this page; CloudFront serves it with the origin's status "
                    "(docs/migrating.md)")
        else:
            continue  # a proxy: its answer is the other site's
        if ho is not o:
            note = (note + "; " if note else "") + f"{ho.short_ref} answers it first on Netlify"
        request = wire(sample) if h == HOST else f"GET https://{h}{wire(sample)}"
        made.append((o, {"name": f"{o.short_ref}: {o.source_text}"[:200], "request": request,
                         "expect": wire_expect(expect)}, note))
    sources = {(o.file, o.line) for o in imp.routes if o.carried}  # a condition's alternatives share a line
    left = len(sources - {(o.file, o.line) for o, _, _ in made})
    reason = "over budget" if over else "conditions, query parameters or proxies"
    return made, {reason: left} if left else {}


PLATFORMS = ("netlify", "vercel", "amplify")


def render_cases(imp: Import, config_name: str, function: str,
                 site: str | None = None) -> tuple[str, int, dict[str, int]]:
    """The cases file's text, how many cases, and the carried rules without one by reason (`site`: the
    publish folder as a path to read, or None: then a rule whose answer depends on files gets none)."""
    without: dict[str, int]
    if imp.platform == "netlify":
        made, without = netlify_cases(imp)
        assumed = " (assuming no file exists at the sample path)"
    elif imp.platform == "vercel":
        from cfroutes.importers.vercel_cases import vercel_cases

        made, without = vercel_cases(imp, function, site)
        assumed = ""
    elif imp.platform == "amplify":
        from cfroutes.importers.amplify_cases import amplify_cases

        made, without = amplify_cases(imp, site)
        assumed = ""
    else:
        return "", 0, {}
    pages = sum(1 for o in imp.error_pages if o.carried)
    if pages:  # a custom error response is the distribution's, not a function's: no case plays it
        without = {**without, "error pages (cases run the functions only)": pages}
    name = {"netlify": "Netlify", "vercel": "Vercel", "amplify": "Amplify"}[imp.platform]
    lines = ["# " + comment(f"One case per {name} rule, answered as {name} answers it{assumed}; written by "
                            "`cfroutes import --cases`."),
             f"config: {scalar(config_name)}", f"function: {scalar(function)}", "tests:" if made else "tests: []"]
    for _, case, note in made:
        if note:
            lines.append("  # " + comment(note))
        lines.extend(block(case, 4, "  - "))
    return "\n".join(lines) + "\n", len(made), without
