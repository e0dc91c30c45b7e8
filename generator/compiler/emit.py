"""Render a Plan into the JavaScript source of a CloudFront Function."""
from __future__ import annotations

import json
import os
import re
import sys
from functools import lru_cache
from typing import Any

import jinja2
import rjsmin
from cfroutes import __version__, runcache
from cfroutes.compiler.plan import FILE_MARK, Plan, exact_key
from cfroutes.config.model import SPILL_PREFIX, spill_prefix
from cfroutes.config.patterns import DATA_BAD, HOST_ESCAPE, HOST_LABEL_RE
from cfroutes.errors import Span
from cfroutes.platform.uri import NP_JS, NU_JS, UE_JS

_IDENT = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*\Z")
_RESERVED = frozenset(
    "break case catch class const continue debugger default delete do else enum export extends false "
    "finally for function if import in instanceof new null return super switch this throw true try "
    "typeof var void while with yield let static implements interface package private protected public".split()
)


def js(value: Any) -> str:
    """Python data -> compact JS literal (ASCII only, so U+2028/9 and '</script>' are safe)."""
    if isinstance(value, dict):
        items = []
        for k, v in value.items():
            if k == "__proto__":
                continue
            items.append(f"{_key(k)}:{js(v)}")
        lit = "{" + ",".join(items) + "}"
        if "__proto__" in value:  # in a literal it would set the prototype: define an own property
            return ("(function(o){Object.defineProperty(o,'__proto__',{value:" + js(value["__proto__"]) +
                    ",enumerable:true,writable:true,configurable:true});return o})(" + lit + ")")
        return lit
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(js(v) for v in value) + "]"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=True).replace("</", "<\\/")
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, int):
        return str(value)
    raise TypeError(f"cannot emit {type(value).__name__}")


def _key(k: str) -> str:
    """An object literal's key: bare when it is a plain identifier, else a string literal."""
    return k if _IDENT.match(k) and k not in _RESERVED else json.dumps(k, ensure_ascii=True)


# ------------------------------------------------------------------ --pretty: one route per line
def _note(label: str, span: Span) -> str:
    """`// label (routes.yaml:12)`: printable ASCII only, so no name can end the comment early."""
    return "// " + re.sub(r"[^\x20-\x7e]", "?", f"{label} ({os.path.basename(span.file)}:{span.line})")


def _lines(rows: list[tuple[str, str]], indent: str) -> str:
    """`row,  // note` lines (no comma after the last row, which ES5 engines differ on)."""
    return "\n".join(f"{indent}{code}{',' if i < len(rows) - 1 else ''}  {note}"
                     for i, (code, note) in enumerate(rows))


def _pretty_list(values: list[Any], notes: list[str]) -> str:
    return "[\n" + _lines(list(zip(map(js, values), notes, strict=True)), "  ") + "\n]" if values else "[]"


def _pretty_exact(X: list[list[Any]], notes: dict[tuple[str, str], str]) -> str:
    """X with one exact route per line: [[k, {dir: {'/last': action}}], ...]."""
    parts = []
    for k, table in X:
        dirs = []
        for d, entries in table.items():
            rows = [(f"{_key(last)}:{js(action)}", notes.get((d, last), "")) for last, action in entries.items()]
            dirs.append(f"    {_key(d)}: {{\n" + _lines(rows, "      ") + "\n    }")
        parts.append(f"  [{k}, {{\n" + ",\n".join(dirs) + "\n  }]")
    return "[\n" + ",\n".join(parts) + "\n]" if parts else "[]"


def _pretty_tables(plan: Plan) -> dict[str, str]:
    """P, X and H written one route (rule) per line, each with its name and source line."""
    fn = plan.function
    patterns = [r for r in fn.routes if not r.is_exact]
    out = {"H": _pretty_list(plan.H, [_note(h.label, h.span) for h in fn.headers])}
    if len(patterns) == len(plan.P):
        out["P"] = _pretty_list(plan.P, [_note(r.label, r.span) for r in patterns])
    exact: dict[tuple[str, str], str] = {}
    for r in fn.routes:
        if r.is_exact:
            key, _ = exact_key(r, fn.options.icase, fn.options.strict)
            cut = key.rindex("/")
            exact.setdefault((key[:cut], key[cut:]), _note(r.label, r.span))  # first wins, as in plan
    out["X"] = _pretty_exact(plan.X, exact)
    return out


def template_source(name: str) -> str:
    """Templates ship as the package `cfroutes.templates` (mapped from ./templates)."""
    try:
        from importlib.resources import files

        return files("cfroutes.templates").joinpath(name).read_text(encoding="utf-8")
    except ModuleNotFoundError:  # running from a source checkout without installing
        from pathlib import Path

        return (Path(__file__).resolve().parents[2] / "templates" / name).read_text(encoding="utf-8")


class _BytecodeCache(jinja2.BytecodeCache):
    """The compiled template in check's cache (runcache.py; off unless a check turned it on).
    jinja2 checks the template's checksum itself; the key adds jinja2's and Python's versions."""

    @staticmethod
    def _name(bucket: jinja2.bccache.Bucket) -> str:
        return runcache.key("jinja", jinja2.__version__, sys.version, bucket.key)

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        data = runcache.load("jinja", self._name(bucket))
        if data is not None:
            bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if runcache.enabled():
            runcache.store("jinja", self._name(bucket), bucket.bytecode_to_string())


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(template_source),
        bytecode_cache=_BytecodeCache(),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["js"] = js
    return env


def function_source(plan: Plan, *, pretty: bool = False, input_sha256: str = "") -> str:
    """The function's source: minified (default) or readable with --pretty (one route per
    line, each with its name and source line). Line 1 names the function's input hash
    (compiler/fingerprint.py), so it changes only when this function's inputs do."""
    fn = plan.function
    tables = {"P": js(plan.P), "X": js(plan.X), "H": js(plan.H)}
    if pretty:
        tables.update(_pretty_tables(plan))
    src = _env().get_template("router.js.j2").render(
        F=plan.flags,
        G=js(plan.G),
        FS=js(plan.FS),
        filemark=js(FILE_MARK),
        Y=js(plan.Y),
        YD=js(plan.YD),
        **tables,
        prefix=js(SPILL_PREFIX),
        spill=js(spill_prefix(plan.spill_version)),
        index=js(fn.options.index or ""),
        mark=js(plan.mark),
        V=",".join(f"/[{c}]/" for c in DATA_BAD),
        label=f"/{HOST_LABEL_RE}/",
        npjs=NP_JS,
        nujs=NU_JS,
        uejs=UE_JS,
        hostesc="/[" + "".join("\\" + c if c in "\\/]^-" else c for c in HOST_ESCAPE) + "]/g",
    )
    if not pretty:
        src = rjsmin.jsmin(src)
    header = f"// cfroutes {__version__} {fn.name} input-sha256:{input_sha256[:16]}\n"
    return header + src.strip() + "\n"
