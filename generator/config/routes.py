"""Validation of routes, their actions and lookups, and header rules."""
from __future__ import annotations

import difflib
import re
from typing import Any

from cfroutes.codes import Code
from cfroutes.config import schema
from cfroutes.config.model import (
    REDIRECT_STATUSES,
    TENANT_REF,
    VIEWER_REQUEST,
    VIEWER_RESPONSE,
    HeaderRule,
    Lookup,
    Match,
    Origin,
    Redirect,
    Respond,
    Rewrite,
    Route,
    Template,
)
from cfroutes.config.patterns import NAME_RE, parse_template, porting_hint
from cfroutes.config.validator import ACTION_KEYS, ROUTE_KEYS, RULE_KEYS, FnCtx, Validator, match_conditions
from cfroutes.config.yamlload import Node
from cfroutes.platform.headers import header_problem
from cfroutes.platform.limits import DOMAIN_NAME_MAX
from cfroutes.platform.profile import KVS_RUNTIME, ORIGIN_RUNTIME, get_profile


def validate_route(v: Validator, node: Node, index: int, ctx: FnCtx) -> Route | None:
    m = v.mapping(node, f"route {index + 1}", ROUTE_KEYS)
    if m is None:
        return None
    nerr = len(v.diags)
    name = v.string(m["name"], "name") if "name" in m else None
    match = match_conditions(v, m, node)
    actions = [k for k in ACTION_KEYS if k in m]
    if ctx.event == VIEWER_RESPONSE and any(a != "respond" for a in actions):
        bad = next(a for a in actions if a != "respond")
        v.err(node.keys[bad], f"routes in a viewer-response function may only `respond` (found `{bad}`)", code=Code.ACTIONS)
        return None
    if not actions:
        v.err(node, "a route needs exactly one action: redirect, rewrite, respond or origin", code=Code.ACTIONS)
        return None
    if len(actions) > 1 and not any(set(actions) <= set(group) for group in schema.ACTION_GROUPS):
        v.err(node.keys[actions[1]], f"a route has exactly one action; found {' and '.join(actions)}",
              hint="only `origin` may be combined with `rewrite`", code=Code.ACTIONS)
        return None
    allow_external = False
    if "allow_external" in m:
        if not isinstance(m["allow_external"].value, bool):
            v.err(m["allow_external"], "allow_external must be true or false", code=Code.WRONG_TYPE)
        else:
            allow_external = m["allow_external"].value
    bound = set(match.names) | {"host", "path", "query"}
    if match.path is not None and match.path.splat:
        bound.add("splat")
    lookup = None
    json_names: set[str] = set()
    if "lookup" in m:
        lookup = _lookup(v, m["lookup"], ctx, bound)
        if lookup is not None:
            bound.add(lookup.as_name)
            if lookup.format == "json":
                json_names.add(lookup.as_name)
    check = _RefChecker(v, bound, json_names, match)
    action: Any = None
    kind = actions[0] if actions != ["rewrite", "origin"] and actions != ["origin", "rewrite"] else "origin"
    if kind == "redirect":
        action = _redirect(v, m["redirect"], check, allow_external)
    elif kind == "rewrite":
        action = _rewrite(v, m["rewrite"], check)
    elif kind == "respond":
        action = _respond(v, m["respond"], "respond")
    else:
        action = _origin(v, m["origin"], m.get("rewrite"), ctx, check, allow_external)
    edits = "generated" if kind in ("redirect", "respond") else "request"
    if ctx.event == VIEWER_RESPONSE:
        edits = "generated"
    sets, removes = _header_edits(v, m.get("set_headers"), m.get("remove_headers"), ctx, edits, check,
                                  "set_headers", "remove_headers")
    if action is None or len(v.diags) > nerr:
        return None
    route = Route(index, node.span, match, action, lookup, sets, removes, allow_external, name)
    return route if _tenant_allowed(v, node, m, ctx, route) else None


class _RefChecker:
    """Checks that every {name} in a template is bound, and JSON field use."""

    def __init__(self, v: Validator, bound: set[str], json_names: set[str], match: Match) -> None:
        self.v, self.bound, self.json_names, self.match = v, bound, json_names, match

    def __call__(self, node: Node, t: Template, what: str) -> bool:
        ok = True
        for ref in t.refs:
            if ref.name == TENANT_REF:
                continue  # the distribution tenant: _tenant_allowed checks the runtime
            if ref.name not in self.bound:
                hint = None
                if ref.name == "splat":
                    hint = "{splat} is bound only by a path pattern ending in '*'"
                elif ref.name == "tenant" and ref.fields:
                    hint = "the distribution tenant is {tenant.id} or {tenant.params.NAME}"
                else:
                    close = difflib.get_close_matches(ref.name, sorted(self.bound), n=1, cutoff=0.6)
                    if close:
                        hint = f"did you mean {{{close[0]}}}?"
                self.v.err(node, f"{what}: {{{ref.name}}} is not bound by this route", hint=hint, code=Code.TEMPLATE)
                ok = False
            elif ref.name in self.json_names and not ref.fields:
                self.v.err(node, f"{what}: {{{ref.name}}} is a JSON lookup; name a field such as {{{ref.name}.path}}", code=Code.TEMPLATE)
                ok = False
            elif ref.fields and ref.name not in self.json_names:
                self.v.err(node, f"{what}: {{{ref.name}.{'.'.join(ref.fields)}}} reads a field, which needs a lookup with format: json", code=Code.TEMPLATE)
                ok = False
        return ok


def _tenant_allowed(v: Validator, node: Node, m: dict[str, Node], ctx: FnCtx, route: Route | HeaderRule) -> bool:
    """May this route or header rule read the distribution tenant (`tenant:` or
    {tenant.id}/{tenant.params.NAME})? Reports why not: cf.distributionTenant is in the cloudfront
    module, runtime 2.0 only; a JSON lookup named `tenant` would make {tenant.id} ambiguous."""
    if route.match.tenant is None and not route.tenant_refs:
        return True
    if not get_profile(ctx.runtime).origin_helpers:  # the cloudfront module: runtime 2.0
        v.err(m.get("tenant") or node, f"distribution tenants (cf.distributionTenant) need runtime {ORIGIN_RUNTIME}",
              code=Code.RUNTIME_NEEDED)
        return False
    if isinstance(route, Route) and route.lookup is not None and route.lookup.as_name == "tenant" and route.lookup.format == "json":
        v.err(m["lookup"], "lookup.as: a JSON lookup named 'tenant' would make {tenant.id} and "
              "{tenant.params.NAME} ambiguous; choose another name", code=Code.NAME)
        return False
    return True


def _target(v: Validator, node: Node, what: str, check: _RefChecker) -> Template | None:
    t = v.template(node, what)
    if t is None:
        return None
    if not check(node, t, what):
        return None
    if " " in t.source:
        v.err(node, f"{what} must not contain spaces (percent-encode them as %20)", code=Code.TARGET)
        return None
    port = porting_hint(t.source, "target")
    if port:
        v.warn(node, f"{what} contains {port[0]!r}, which is written literally", hint=port[1], code=Code.LITERAL_CHARACTER)
    return t


_REQUEST_CONTROLLED_BUILTINS = {"path", "splat", "query"}


def _request_controlled(ref_name: str, match: Match) -> bool:
    host_names = set(match.host.names) if match.host else set()
    # a tenant parameter's regex groups: the distribution's owner sets the parameters, not the viewer
    tenant_groups = {g for _, c in match.tenant.params for g, _ in c.groups} if match.tenant else set()
    if ref_name == "host" or ref_name in host_names or ref_name in tenant_groups:
        return False
    if ref_name in _REQUEST_CONTROLLED_BUILTINS:
        return True
    return ref_name in match.names  # path params, regex groups


def _check_url_host(v: Validator, node: Node, t: Template, what: str, check: _RefChecker, allow_external: bool) -> None:
    src = t.source
    rest = src.split("://", 1)[1]
    host_end = len(rest)
    for ch in "/?#":
        i = rest.find(ch)
        if i >= 0:
            host_end = min(host_end, i)
    host_part = rest[:host_end]
    if not host_part:
        v.err(node, f"{what}: absolute URL without a host", code=Code.TARGET)
        return
    if allow_external:
        return
    tmpl, _ = parse_template(host_part, t.span)
    if tmpl is None:
        return
    refs = tmpl.refs
    if not refs:
        return
    if host_part == "{host}":
        return
    bad = [r.name for r in refs if _request_controlled(r.name, check.match)]
    lit_tail = tmpl.parts[-1] if isinstance(tmpl.parts[-1], str) else ""
    ends_with_domain = bool(re.fullmatch(r"\.[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+(:\d+)?", lit_tail))
    if bad or not ends_with_domain:
        v.err(node, f"{what}: the redirect host comes from the request ({{{(bad or [refs[0].name])[0]}}}): an open redirect",
              hint="use a literal host, {host}, or a host ending in a literal domain (https://{tenant}.example.com/); "
                   "set allow_external: true if this is intended", code=Code.UNSAFE_TARGET)


def _redirect(v: Validator, node: Node, check: _RefChecker, allow_external: bool) -> Redirect | None:
    status, query, tnode = 301, "keep", node
    if node.is_map:
        m = v.mapping(node, "redirect", schema.REDIRECT.keys)
        assert m is not None
        if "to" not in m:
            v.err(node, "redirect needs `to`", code=Code.MISSING_KEY)
            return None
        tnode = m["to"]
        if "status" in m:
            st = m["status"].value
            if st not in REDIRECT_STATUSES or isinstance(st, bool):
                v.err(m["status"], f"redirect status must be one of {', '.join(map(str, REDIRECT_STATUSES))}, got {m['status'].raw}", code=Code.NOT_A_CHOICE)
                return None
            status = st
        if "query" in m:
            query = v.choice(m["query"], "redirect.query", ("keep", "drop")) or "keep"
    t = _target(v, tnode, "redirect target", check)
    if t is None:
        return None
    src = t.source
    if src.startswith(("http://", "https://")):
        _check_url_host(v, tnode, t, "redirect target", check, allow_external)
    elif not src.startswith("/"):
        if src.startswith("{"):
            v.err(tnode, "redirect target may not start with a template; start it with '/' or https://",
                  hint="a value such as {splat} could turn it into //evil.example", code=Code.TARGET)
        else:
            v.err(tnode, f"redirect target must be a path starting with '/' or an absolute http(s) URL, got {src!r}", code=Code.TARGET)
        return None
    return Redirect(t, status, query)


def _rewrite(v: Validator, node: Node, check: _RefChecker) -> Rewrite | None:
    query, tnode = "keep", node
    if node.is_map:
        m = v.mapping(node, "rewrite", schema.REWRITE.keys)
        assert m is not None
        if "to" not in m:
            v.err(node, "rewrite needs `to`", code=Code.MISSING_KEY)
            return None
        tnode = m["to"]
        if "query" in m:
            query = v.choice(m["query"], "rewrite.query", ("keep", "drop")) or "keep"
    t = _target(v, tnode, "rewrite target", check)
    if t is None:
        return None
    if "#" in t.source:
        v.err(tnode, "rewrite target must not contain '#': a request URI has no fragment",
              hint="percent-encode it as %23 if it belongs to the path or query", code=Code.TARGET)
        return None
    if not (t.source.startswith("/") or t.source.startswith("{")):
        v.err(tnode, f"rewrite target must be a path starting with '/' (or a lookup value), got {t.source!r}",
              hint="to send the request to another host use `origin:`", code=Code.TARGET)
        return None
    return Rewrite(t, query)


def _respond(v: Validator, node: Node, what: str) -> Respond | None:
    m = v.mapping(node, what, schema.RESPONSE.keys)
    if m is None:
        return None
    if "status" not in m:
        v.err(node, f"{what} needs a `status`", code=Code.MISSING_KEY)
        return None
    status = v.integer(m["status"], f"{what}.status", 200, 599)
    body = ct = None
    if "body" in m:
        body = v.string(m["body"], f"{what}.body", allow_empty=True)
        if body is not None:
            v.no_control(m["body"], body, f"{what}.body", newlines_ok=True)
    if "content_type" in m:
        ct = v.string(m["content_type"], f"{what}.content_type")
        if ct is not None:
            v.no_control(m["content_type"], ct, f"{what}.content_type")
    headers: list[tuple[str, str]] = []
    if "headers" in m:
        hn = m["headers"]
        if not hn.is_map:
            v.err(hn, f"{what}.headers must be a mapping", code=Code.WRONG_TYPE)
        else:
            for name, vn in hn.value.items():
                prob = header_problem(name, "generated")
                if prob:
                    v.err(hn.keys[name], prob)
                    continue
                s = v.string(vn, f"header {name}", allow_empty=True)
                if s is not None and v.no_control(vn, s, f"header {name}"):
                    headers.append((name.lower(), s))
    if status is None:
        return None
    return Respond(status, body, ct, tuple(headers))


def _origin(v: Validator, node: Node, rw: Node | None, ctx: FnCtx, check: _RefChecker,
            allow_external: bool) -> Origin | None:
    if not get_profile(ctx.runtime).origin_helpers or ctx.event != VIEWER_REQUEST:
        v.err(node, f"origin needs a viewer-request function on runtime {ORIGIN_RUNTIME}", code=Code.RUNTIME_NEEDED)
        return None
    m = v.mapping(node, "origin", schema.ORIGIN.keys)
    if m is None:
        return None
    rewrite = _rewrite(v, rw, check) if rw is not None else None
    fields: dict[str, Template | None] = {}
    for key in ("id", "domain", "path", "host_header"):
        if key in m:
            t = _target(v, m[key], f"origin.{key}", check)
            if t is not None and not allow_external:
                bad = [r.name for r in t.refs if _request_controlled(r.name, check.match)]
                if bad and key != "path":
                    v.err(m[key], f"origin.{key} takes {{{bad[0]}}} from the request: anyone could pick your origin",
                          hint="use literal values, {host}, host labels or lookup values; or allow_external: true", code=Code.UNSAFE_TARGET)
            fields[key] = t
    if ("id" in m) == ("domain" in m):
        v.err(node, "origin needs exactly one of `id` (an origin of the distribution) or `domain`", code=Code.MISSING_KEY)
        return None
    if "id" in m and "path" in m:
        v.err(m["path"], "origin `path` goes with `domain`; with `id` only the host header may be changed",
              hint="remove `path`", code=Code.CONFIG_INVALID)
        return None
    p = fields.get("path")
    if p is not None and p.is_literal and (not p.source.startswith("/") or p.source.endswith("/")):
        v.err(m["path"], "origin.path must start with '/' and not end with '/'", code=Code.CONFIG_INVALID)
        return None
    dom = fields.get("domain")
    if dom is not None and dom.is_literal and (":" in dom.source or "/" in dom.source or len(dom.source) > DOMAIN_NAME_MAX):
        v.err(m["domain"], f"origin.domain is a host name: no scheme, port or path, at most {DOMAIN_NAME_MAX} characters", code=Code.CONFIG_INVALID)
        return None
    return Origin(fields.get("id"), fields.get("domain"), fields.get("path"), fields.get("host_header"), rewrite)


def _lookup(v: Validator, node: Node, ctx: FnCtx, bound: set[str]) -> Lookup | None:
    if not get_profile(ctx.runtime).key_value_store:
        v.err(node, f"lookup needs runtime {KVS_RUNTIME} (KeyValueStore)", code=Code.RUNTIME_NEEDED)
        return None
    if not ctx.has_kvs:
        v.err(node, "lookup needs a `kvs:` block on the function", code=Code.RUNTIME_NEEDED)
        return None
    m = v.mapping(node, "lookup", schema.LOOKUP.keys)
    if m is None:
        return None
    if "key" not in m or "as" not in m:
        v.err(node, "lookup needs `key` and `as`", code=Code.MISSING_KEY)
        return None
    key = v.template(m["key"], "lookup.key")
    if key is not None:
        for ref in key.refs:
            if ref.name == TENANT_REF:
                continue  # {tenant.id}, {tenant.params.NAME}: _tenant_allowed checks the runtime
            if ref.name not in bound or ref.fields:
                v.err(m["key"], f"lookup.key: {{{'.'.join((ref.name,) + ref.fields)}}} is not bound by this route", code=Code.TEMPLATE)
    as_name = v.string(m["as"], "lookup.as")
    if as_name is not None and (not NAME_RE.match(as_name) or as_name in bound):
        v.err(m["as"], f"lookup.as must be a new name (letters, digits, _), not one already bound: {as_name!r}", code=Code.NAME)
        as_name = None
    fmt = v.choice(m["format"], "lookup.format", ("string", "json")) if "format" in m else "string"
    missing = None
    if "missing" in m:
        mn = m["missing"]
        if mn.is_scalar and mn.value == "next":
            missing = None
        elif mn.is_map:
            missing = _respond(v, mn, "lookup.missing")
        else:
            v.err(mn, "lookup.missing must be `next` or a response {status, body?}", code=Code.WRONG_TYPE)
    if key is None or as_name is None or fmt is None:
        return None
    return Lookup(key, as_name, fmt, missing)


def _header_edits(v: Validator, set_node: Node | None, rm_node: Node | None, ctx: FnCtx, edits: str,
                  check: _RefChecker | None, set_what: str, rm_what: str
                  ) -> tuple[tuple[tuple[str, Template], ...], tuple[str, ...]]:
    sets: list[tuple[str, Template]] = []
    removes: list[str] = []
    if set_node is not None:
        if not set_node.is_map:
            v.err(set_node, f"{set_what} must be a mapping of header name to value", code=Code.WRONG_TYPE)
        else:
            for name, vn in set_node.value.items():
                prob = header_problem(name, edits)
                if prob:
                    v.err(set_node.keys[name], prob)
                    continue
                if vn.is_scalar and vn.value == "":
                    t: Template | None = Template("", (), vn.span)  # an empty value is allowed
                else:
                    t = v.template(vn, f"header {name}")
                if t is not None and (check is None or check(vn, t, f"header {name}")):
                    sets.append((name.lower(), t))
    if rm_node is not None:
        items = v.string_list(rm_node, rm_what)
        for n, name in items or []:
            prob = header_problem(name, edits)
            if prob:
                v.err(n, prob)
            else:
                removes.append(name.lower())
    return tuple(sets), tuple(removes)


def validate_rule(v: Validator, node: Node, index: int, ctx: FnCtx) -> HeaderRule | None:
    m = v.mapping(node, f"header rule {index + 1}", RULE_KEYS)
    if m is None:
        return None
    nerr = len(v.diags)
    match = match_conditions(v, m, node)
    bound = set(match.names) | {"host", "path", "query"}
    if match.path is not None and match.path.splat:
        bound.add("splat")
    check = _RefChecker(v, bound, set(), match)
    edits = "request" if ctx.event == VIEWER_REQUEST else "response"
    sets, removes = _header_edits(v, m.get("set"), m.get("remove"), ctx, edits, check, "set", "remove")
    status = None
    if "status" in m:
        if ctx.event != VIEWER_RESPONSE:
            v.err(m["status"], "`status` on a header rule only applies in viewer-response functions", code=Code.CONFIG_INVALID)
        elif not m["status"].is_list or not m["status"].value:
            v.err(m["status"], "status must be a non-empty list of status codes, e.g. [200, 304]", code=Code.WRONG_TYPE)
        else:
            status = tuple(s for s in (v.integer(n, "status", 100, 599) for n in m["status"].value) if s is not None)
    if not sets and not removes and len(v.diags) == nerr:
        v.err(node, "a header rule needs `set` or `remove`", code=Code.MISSING_KEY)
    if len(v.diags) > nerr:
        return None
    rule = HeaderRule(index, node.span, match, sets, removes, status)
    return rule if _tenant_allowed(v, node, m, ctx, rule) else None
