"""The bundle an export or a deploy works from: the config built in memory, compared with dist/.

When dist/ is stale (or missing) the in-memory build is used and a warning says so;
targets that read files from dist/ (Terraform `file()`, CDK `fromFile`) need
`cfroutes build` before they are applied.
"""
from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

from cfroutes.codes import Code
from cfroutes.compiler import Compiled, CompiledFunction, bundle, compile_config
from cfroutes.errors import CheckFailed, render_all
from cfroutes.iac import escape
from cfroutes.terminal import escape_terminal

#: what `--prefix` may hold: names stay in CloudFront's alphabet (functions and stores alike)
PREFIX_RE = re.compile(r"[A-Za-z0-9_-]*")  # what NAME_CHARS allows, possibly empty
NAME_MAX = 64  # function and KeyValueStore names (platform/limits.NAME_CHARS)


@dataclass
class Bundle:
    compiled: Compiled
    files: dict[str, bytes]
    dist: str
    stale: list[str]
    prefix: str = ""

    @property
    def functions(self) -> list[CompiledFunction]:
        return self.compiled.functions

    def text(self, name: str) -> str:
        return self.files[name].decode("utf-8")

    def name(self, name: str) -> str:
        """A function's or store's name in AWS: `--prefix` + its name in routes.yaml."""
        return self.prefix + name

    def stores(self) -> dict[str, CompiledFunction]:
        """Store name -> the first function that owns it (its import file is `<fn>.kvs.json`)."""
        out: dict[str, CompiledFunction] = {}
        for cf in self.functions:
            if cf.kvs_data is not None and cf.function.kvs is not None:
                out.setdefault(cf.function.kvs.name, cf)
        return out


def check_prefix(prefix: str, names: list[str]) -> None:
    """`--prefix P`: P must keep every name (functions and stores) within CloudFront's rule
    `[A-Za-z0-9_-]{1,64}`; InputError (exit 2) otherwise."""
    from cfroutes.errors import Diagnostic, InputError, Span

    where = Span("<command line>", 1, 1)
    if not PREFIX_RE.fullmatch(prefix):
        raise InputError([Diagnostic(where, f"--prefix {escape.cfn_text(prefix)!r}: only A-Z a-z 0-9 _ - are "
                                            "allowed in function and store names", code=Code.ARGUMENT)])
    long = [n for n in names if len(prefix) + len(n) > NAME_MAX]
    if long:
        raise InputError([Diagnostic(where, f"--prefix {prefix!r} makes {prefix}{long[0]!r} longer than "
                                            f"{NAME_MAX} characters (function and store names)", code=Code.ARGUMENT)])


def load(config: str, dist: str, stderr: TextIO, prefix: str = "") -> Bundle:
    compiled = compile_config(config)
    if compiled.warnings:
        stderr.write(render_all(compiled.warnings) + "\n")
    if compiled.errors:
        raise CheckFailed(compiled.errors)
    files = bundle.bundle_files(compiled)
    stale = bundle.diff(dist, files)
    if stale:
        stderr.write(escape_terminal(
            f"warning: {dist}/ is stale ({stale[0]}{' ...' if len(stale) > 1 else ''}); using the config's build "
            f"from memory: run `cfroutes build -c {config} -o {dist}` before applying anything that reads dist/")
            + "\n")
    b = Bundle(compiled, files, dist, stale, prefix)
    check_prefix(prefix, [cf.name for cf in b.functions] + list(b.stores()))
    return b


def comment(cf: CompiledFunction, config: str, name: str | None = None) -> str:
    """FunctionConfig.Comment (required, at most 128 characters): printable ASCII, the file
    name's other characters as `?` (a value, not code: shown as is by the console)."""
    base = re.sub(r"[^\x20-\x7e]", "?", escape.text(os.path.basename(config)))
    return f"cfroutes: {cf.function.event} function {name or cf.name} from {base}"[:128]


def tenant_parameters(b: Bundle) -> dict[str, list[str]]:
    """Function name (as deployed) -> the distribution tenant parameters its routes read
    (`tenant: {params}` conditions, {tenant.params.NAME}); functions that read none are left out."""
    out: dict[str, list[str]] = {}
    for cf in b.functions:
        names = {n for r in cf.function.routes if r.match.tenant is not None for n, _ in r.match.tenant.params}
        names |= {ref.fields[1] for r in cf.function.routes for ref in r.tenant_refs if ref.fields[0] == "params"}
        if names:
            out[b.name(cf.name)] = sorted(names)
    return out


def tenant_lines(b: Bundle, esc: Callable[[str], str]) -> list[str]:
    """The tenant parameters as comment lines; `esc` is the target's one comment-escaping helper,
    applied to the names (the rest is fixed text). [] when no function reads a tenant parameter."""
    params = tenant_parameters(b)
    if not params:
        return []
    return ["Distribution tenant parameters (CloudFront SaaS Manager) the functions read: define them in the",
            "multi-tenant distribution's TenantConfig.ParameterDefinitions and give each tenant its values;",
            "a tenant without one falls through those routes (or gets the route's lookup `missing` answer):",
            *(f"  {esc(fn)}: {', '.join(esc(n) for n in names)}" for fn, names in params.items())]


def camel(name: str) -> str:
    """`site-router` -> `SiteRouter` (CloudFormation logical ids, CDK names)."""
    parts = [p for p in re.split(r"[^A-Za-z0-9]+", name) if p]
    out = "".join(p[:1].upper() + p[1:] for p in parts) or "X"
    return out if out[0].isalpha() else "F" + out


def snake(name: str) -> str:
    """`site-router` -> `site_router` (Terraform and Python identifiers)."""
    out = re.sub(r"[^A-Za-z0-9_]+", "_", name).strip("_") or "x"
    return out if out[0].isalpha() or out[0] == "_" else "f_" + out
