"""The KeyValueStore data-plane operations and `put` validation behind `cfroutes kvs
get|put|delete|list` (the command is generator/cli/kvs.py).

`put` is validated against the config before anything is sent: the platform's key and
value limits, no key under the reserved spill prefix, and for a key that a JSON lookup
reads (`brand:{tenant}` matches `brand:acme`) a JSON object whose fields the routes use
are present and scalar (docs/semantics.md §4: otherwise the lookup counts as missing), and
no value or used field holds a character its site refuses (§4.1: C0 controls and DEL always,
space in a redirect target, space and `#` in a URI or origin field), the same character
classes (`patterns.DATA_BAD`) the emitted code and `generator/reference.py` test.
Writes carry the store's data-plane ETag (If-Match); a stale ETag is re-read and the
single-key write retried.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from cfroutes.config.model import SPILL_PREFIX, Config, Function, Lookup, Param, Ref, Route, Template
from cfroutes.config.patterns import DATA_BAD, HOST_LABEL_RE, SITE_HEADER, SITE_LOCATION, name_site, rendered_templates
from cfroutes.deploy.aws import Aws, AwsFailure, Conflict
from cfroutes.kvs.importfile import entry_problems
from cfroutes.platform.profile import get_profile

RETRIES = 3


@dataclass(frozen=True)
class KeyRule:
    """What one lookup of the config asks of the keys its template matches."""

    function: str
    route: str  # Route.title: `route 'NAME'` or `route N`
    template: str
    regex: re.Pattern[str]
    json: bool
    as_name: str
    fields: tuple[tuple[str, ...], ...]  # field paths the route's templates read
    site: int = SITE_HEADER  # where a string value is rendered (patterns.SITE_*)
    field_sites: tuple[int, ...] = ()  # per field path: the strictest site a template renders it into


#: a value (or used JSON field) with one of these characters does not bind at its site (§4.1)
_BAD = tuple(re.compile("[" + c + "]") for c in DATA_BAD)
_SITE_NAME = {SITE_HEADER: "a header value", SITE_LOCATION: "a redirect target"}


def _key_regex(t: Template, labels: frozenset[str] = frozenset()) -> re.Pattern[str]:
    """The keys `t` can render to; a `:name` host label binds only HOST_LABEL_RE's characters."""
    label = HOST_LABEL_RE.strip("^$")
    return re.compile("".join(re.escape(p) if isinstance(p, str) else label if p.name in labels and not p.fields
                              else "(.+)" for p in t.parts) + r"\Z", re.S)


def _host_labels(r: Route) -> frozenset[str]:
    h = r.match.host
    return frozenset(x.name for x in h.labels if isinstance(x, Param)) if h is not None else frozenset()


def rules(functions: Iterable[Function]) -> list[KeyRule]:
    out = []
    for fn in functions:
        for r in fn.routes:
            lk: Lookup | None = r.lookup
            if lk is None:
                continue
            placed = rendered_templates(r)
            uses = [(site, ref.fields) for site, t in placed for ref in t.refs
                    if isinstance(ref, Ref) and ref.name == lk.as_name and ref.fields]
            fields = sorted({f for _, f in uses})
            out.append(KeyRule(fn.name, r.title, lk.key.source, _key_regex(lk.key, _host_labels(r)), lk.format == "json",
                               lk.as_name, tuple(fields), name_site(placed, lk.as_name),
                               tuple(max(s for s, f in uses if f == path) for path in fields)))
    return out


def store_functions(cfg: Config, store: str) -> list[Function]:
    """The functions whose store is `store` (a name); for an ARN every function with a store."""
    with_store = [f for f in cfg.functions if f.kvs is not None and get_profile(f.runtime).key_value_store]
    if store.startswith("arn:"):
        return with_store
    return [f for f in with_store if f.kvs is not None and f.kvs.name == store]


def validate_put(key: str, value: str, functions: list[Function]) -> tuple[list[str], list[str]]:
    """(errors, warnings) of putting `key` = `value` into the store of `functions`."""
    errors: list[str] = []
    warnings: list[str] = []
    errors += entry_problems(key, value)  # the KeyValueStore's key and value sizes
    if key.startswith(SPILL_PREFIX):
        errors.append(f"key starts with the reserved prefix {SPILL_PREFIX!r}: spilled routes are written by "
                      "`cfroutes deploy`, never by hand")
        return errors, warnings
    matched = [r for r in rules(functions) if r.regex.match(key)]
    if functions and not matched:
        warnings.append(f"no lookup of {', '.join(sorted({f.name for f in functions}))} reads a key like "
                        f"{key!r} (lookup keys: {', '.join(sorted({r.template for r in rules(functions)})) or 'none'})")
    for r in matched:
        if not r.json:
            bad = _BAD[r.site].search(value)
            if bad:
                errors.append(f"value holds {_char(bad.group())}, which {_where_site(r.site)} refuses: "
                              f"{r.route} of {r.function} would treat {r.template!r} as missing "
                              "(docs/semantics.md §4.1)")
            continue
        where = f"{r.route} of {r.function} reads {r.template!r} as JSON"
        try:
            doc = json.loads(value)
        except ValueError as e:
            errors.append(f"value is not valid JSON ({e}); {where}")
            continue
        if not isinstance(doc, dict):
            if r.fields:
                errors.append(f"value must be a JSON object with {_fields(r.fields)}; {where}")
            continue
        for path, site in zip(r.fields, r.field_sites, strict=True):
            got: Any = doc
            for part in path:
                got = got.get(part) if isinstance(got, dict) else None
            if got is None or isinstance(got, (dict, list)):
                what = "missing" if got is None else f"a{'n object' if isinstance(got, dict) else 'n array'}"
                errors.append(f"field {'.'.join(path)!r} is {what} (it must be a string, number or boolean); "
                              f"{where} and uses {{{'.'.join((r.as_name,) + path)}}}")
            elif isinstance(got, str) and _BAD[site].search(got):
                bad = _BAD[site].search(got)
                assert bad is not None
                errors.append(f"field {'.'.join(path)!r} holds {_char(bad.group())}, which {_where_site(site)} "
                              f"refuses; {where} and would treat it as missing (docs/semantics.md §4.1)")
    return errors, warnings


def _char(c: str) -> str:
    return "a space" if c == " " else "'#'" if c == "#" else f"the control character U+{ord(c):04X}"


def _where_site(site: int) -> str:
    return _SITE_NAME.get(site, "a URI or origin field")


def _fields(paths: tuple[tuple[str, ...], ...]) -> str:
    return "fields " + ", ".join(repr(".".join(p)) for p in paths)


# ---------------------------------------------------------------- the data-plane operations
def get(aws: Aws, arn: str, key: str) -> str | None:
    try:
        return str(aws.call(aws.kvs, "get_key", KvsARN=arn, Key=key)["Value"])
    except AwsFailure as e:
        if e.code == "ResourceNotFoundException":
            return None
        raise


def _write(aws: Aws, arn: str, op: str, **params: Any) -> dict[str, Any]:
    """A single-key write with the data-plane ETag; a stale ETag is re-read (bounded)."""
    for attempt in range(RETRIES):
        etag = aws.kvs_etag(arn)
        try:
            return aws.call(aws.kvs, op, KvsARN=arn, IfMatch=etag, **params)
        except Conflict:
            if attempt == RETRIES - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def put(aws: Aws, arn: str, key: str, value: str) -> dict[str, Any]:
    return _write(aws, arn, "put_key", Key=key, Value=value)


def delete(aws: Aws, arn: str, key: str) -> dict[str, Any]:
    return _write(aws, arn, "delete_key", Key=key)
