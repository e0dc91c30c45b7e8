"""Render a Plan into the JavaScript source of a CloudFront Function."""
from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

import jinja2
import rjsmin

from generator import __version__
from generator.config.model import SPILL_PREFIX
from generator.config.patterns import DATA_BAD, HOST_ESCAPE, HOST_LABEL_RE
from generator.compiler.plan import Plan

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
            key = k if _IDENT.match(k) and k not in _RESERVED else json.dumps(k, ensure_ascii=True)
            items.append(f"{key}:{js(v)}")
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


def _template_source(name: str) -> str:
    """Templates ship as the package `generator.templates` (mapped from ./templates)."""
    try:
        from importlib.resources import files

        return files("generator.templates").joinpath(name).read_text(encoding="utf-8")
    except ModuleNotFoundError:  # running from a source checkout without installing
        from pathlib import Path

        return (Path(__file__).resolve().parents[2] / "templates" / name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(_template_source),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["js"] = js
    return env


def render(plan: Plan, *, pretty: bool = False, config_sha256: str = "") -> str:
    """The function's source: minified (default) or readable with --pretty."""
    fn = plan.function
    src = _env().get_template("router.js.j2").render(
        F=plan.flags,
        P=js(plan.P),
        G=js(plan.G),
        X=js(plan.X),
        H=js(plan.H),
        prefix=js(SPILL_PREFIX),
        index=js(fn.options.index or ""),
        mark=js(plan.mark),
        V=",".join(f"/[{c}]/" for c in DATA_BAD),
        label=f"/{HOST_LABEL_RE}/",
        hostesc="/[" + "".join("\\" + c if c in "\\/]^-" else c for c in HOST_ESCAPE) + "]/g",
    )
    if not pretty:
        src = rjsmin.jsmin(src)
    header = f"// cfroutes {__version__} {fn.name} config-sha256:{config_sha256[:16]}\n"
    return header + src.strip() + "\n"
