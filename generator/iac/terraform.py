"""`cfroutes export terraform`: HCL for the AWS provider, in `terraform fmt` layout.

- `aws_cloudfront_function` per function: code read with `file()` from dist/, runtime,
  `publish = true`, `key_value_store_associations`;
- `aws_cloudfront_key_value_store` per store;
- the import file's entries as `aws_cloudfrontkeyvaluestore_key` resources, read from
  dist/<fn>.kvs.json with `for_each`: seed keys with `ignore_changes = [value]` (Terraform
  creates a missing tenant key but never resets a live one, the rule of `kvs plan`), spilled
  routes (reserved prefix) fully managed; all with `create_before_destroy`, and the function
  `depends_on` them: keys are added before the code is published and removed after it
  (`_store_items`).

Layout: two-space indent; within a run of consecutive single-line attributes the `=` are
aligned one space after the longest name; blank lines and nested blocks end a run (the
rules `terraform fmt` applies; tests check the property and, where terraform is installed,
`terraform fmt -check`).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

from cfroutes.compiler import CompiledFunction
from cfroutes.config.model import SPILL_PREFIX
from cfroutes.iac import cachepolicy, errorpages, escape
from cfroutes.iac.source import Bundle, comment, snake, tenant_lines
from cfroutes.platform.event import CONNECTION_REQUEST

PROVIDER_MIN = "5.100"  # the provider line `terraform validate` was run against (5.100.0); older 5.x may work


@dataclass
class Attr:
    name: str
    expr: str  # rendered expression; may span lines (then it ends an alignment run)


@dataclass
class Block:
    kind: str
    labels: tuple[str, ...] = ()
    body: list[Item] = field(default_factory=list)


class Blank:
    pass


@dataclass
class Comment:
    text: str


Item = Attr | Block | Blank | Comment


string = escape.hcl_string  # the one HCL string escaper (iac/escape.py)


def _lines(items: list[Item], indent: int) -> list[str]:
    pad = "  " * indent
    out: list[str] = []
    run: list[Attr] = []

    def flush() -> None:
        width = max((len(a.name) for a in run if "\n" not in a.expr), default=0)
        for a in run:
            first, *rest = a.expr.split("\n")
            name = a.name if "\n" in a.expr else a.name.ljust(width)
            out.append(f"{pad}{name} = {first}")
            out.extend(f"{pad}{line}" if line else "" for line in rest)
        run.clear()

    for it in items:
        if isinstance(it, Attr):
            if "\n" in it.expr:
                run.append(it)
                flush()
            else:
                run.append(it)
            continue
        flush()
        if isinstance(it, Blank):
            out.append("")
        elif isinstance(it, Comment):
            out.append(f"{pad}# {it.text}" if it.text else f"{pad}#")
        else:
            head = " ".join([it.kind] + [string(lbl) for lbl in it.labels])
            out.append(f"{pad}{head} {{")
            out.extend(_lines(it.body, indent + 1))
            out.append(f"{pad}}}")
    flush()
    return out


def hcl(items: list[Item]) -> str:
    return "\n".join(_lines(items, 0)) + "\n"


def _path(rel: str) -> str:
    """`"${path.module}/REL"`: the interpolation is ours, REL is escaped (a `${` in it stays literal)."""
    return '"${path.module}/' + string(rel)[1:]


#: the lifecycle that makes a key's removal wait for the code that stops reading it (see _store_items)
AFTER_PUBLISH = Attr("create_before_destroy", "true")


def _store_items(b: Bundle, store: str, owner: CompiledFunction, dist: str) -> tuple[list[Item], list[str]]:
    """The store, its keys, and the addresses a function reading it must depend on.

    Every key is its own `aws_cloudfrontkeyvaluestore_key` with `create_before_destroy`: the
    function `depends_on` them, so Terraform creates a new key before it updates (and, with
    `publish = true`, publishes) the function, and destroys a key that left the import file only
    AFTER that update (create_before_destroy turns "the dependent's update waits for the old
    instance's destroy" around; an instance removed from `for_each` keeps the flag in the state).
    So the code LIVE runs finds every key it reads until newer code is published. The provider's
    batch resource (`aws_cloudfrontkeyvaluestore_keys_exclusive`) cannot do that: it puts and
    deletes in one update (it owns the store, so it deletes every key it does not list), no data
    source reads a store's keys, and the previous version's values are not in dist/; it is not
    used (docs/deploy.md)."""
    r = snake(store)
    local = f"{r}_import"
    items: list[Item] = [
        Blank(),
        Block("resource", ("aws_cloudfront_key_value_store", r), [
            Attr("name", string(b.name(store))),
            Attr("comment", string(f"cfroutes: store of {b.name(owner.name)}")),
        ]),
        Blank(),
        Block("locals", (), [Attr(local, "{\n  for e in jsondecode(file(" + _path(f"{dist}/{owner.name}.kvs.json")
                                  + ")).data : e.key => e.value\n}")]),
    ]
    arn = f"aws_cloudfront_key_value_store.{r}.arn"
    items += [
        Blank(),
        Comment("Every key is created before the code that reads it is published, and a key that left the"),
        Comment("import file is deleted only after the code that stopped reading it is published"),
        Comment("(create_before_destroy + the function's depends_on): LIVE code always finds its keys."),
        Blank(),
        Comment("Seed keys: created when missing, never reset (a tenant's live value wins)."),
        Block("resource", ("aws_cloudfrontkeyvaluestore_key", f"{r}_seed"), [
            Attr("for_each", f"{{ for k, v in local.{local} : k => v if !startswith(k, {string(SPILL_PREFIX)}) }}"),
            Attr("key_value_store_arn", arn),
            Attr("key", "each.key"),
            Attr("value", "each.value"),
            Blank(),
            Block("lifecycle", (), [Attr("ignore_changes", "[value]"), AFTER_PUBLISH]),
        ]),
        Blank(),
        Comment("Spilled exact routes (reserved prefix, one key version per spilled table): owned by the"),
        Comment("config; the previous version's keys stay until the new code is published."),
        Block("resource", ("aws_cloudfrontkeyvaluestore_key", f"{r}_routes"), [
            Attr("for_each", f"{{ for k, v in local.{local} : k => v if startswith(k, {string(SPILL_PREFIX)}) }}"),
            Attr("key_value_store_arn", arn),
            Attr("key", "each.key"),
            Attr("value", "each.value"),
            Blank(),
            Block("lifecycle", (), [AFTER_PUBLISH]),
        ]),
    ]
    return items, [f"aws_cloudfrontkeyvaluestore_key.{r}_seed", f"aws_cloudfrontkeyvaluestore_key.{r}_routes"]


def document(b: Bundle, config: str, out_dir: str) -> list[Item]:
    dist = os.path.relpath(os.path.abspath(b.dist), os.path.abspath(out_dir)).replace(os.sep, "/")
    items: list[Item] = [
        Comment(f"Generated by cfroutes from {escape.hcl_comment(config)} "
                f"(config sha256 {b.compiled.config.sha256[:12]})."),
        Comment("Regenerate with `cfroutes export terraform`; the code and the KeyValueStore import files"),
        Comment(f"are read from {escape.hcl_comment(dist + '/')} at plan time: run `cfroutes build` first."),
        Blank(),
        Block("terraform", (), [Block("required_providers", (), [
            Attr("aws", "{\n  source  = \"hashicorp/aws\"\n  version = \">= " + PROVIDER_MIN + "\"\n}")])]),
    ]
    tenants = tenant_lines(b, escape.hcl_comment)
    if tenants:
        items += [Blank(), *(Comment(line) for line in tenants)]
    reads: dict[str, list[str]] = {}
    for name, owner in b.stores().items():
        more, reads[name] = _store_items(b, name, owner, dist)
        items += more
    assoc: list[str] = []
    for cf in b.functions:
        r = snake(cf.name)
        if cf.function.event == CONNECTION_REQUEST:
            items += [Blank(), *(Comment(line) for line in connection_not_exported(b, cf))]
            continue
        body: list[Item] = [
            Attr("name", string(b.name(cf.name))),
            Attr("runtime", string(cf.function.runtime)),
            Attr("comment", string(comment(cf, config, b.name(cf.name)))),
            Attr("publish", "true"),
            Attr("code", f"file({_path(f'{dist}/{cf.name}.js')})"),
        ]
        if cf.kvs_data is not None and cf.function.kvs is not None:
            s = snake(cf.function.kvs.name)
            body.append(Attr("key_value_store_associations", f"[aws_cloudfront_key_value_store.{s}.arn]"))
            body += [Blank(), Comment("every key the code reads is in the store before the code is published"),
                     Attr("depends_on", "[" + ", ".join(reads[cf.function.kvs.name]) + "]")]
        items += [
            Blank(),
            Block("resource", ("aws_cloudfront_function", r), body),
            Blank(),
            Block("output", (f"{r}_arn",), [
                Attr("description", string(f"{cf.function.event} function {b.name(cf.name)}: a cache behaviour's "
                                           f"function_association with event_type {cf.function.event}")),
                Attr("value", f"aws_cloudfront_function.{r}.arn"),
            ]),
        ]
        assoc.append(f"  {{ event_type = {string(cf.function.event)}, function_arn = aws_cloudfront_function.{r}.arn }},")
    items += _cache_policies(b)
    items += _error_pages(b)
    items += [
        Blank(),
        Comment("Attach the functions to a cache behaviour of your aws_cloudfront_distribution"),
        Comment("(one function per event type), in default_cache_behavior or an ordered_cache_behavior:"),
        Comment("  dynamic \"function_association\" {"),
        Comment("    for_each = module.<this module>.function_associations  # or local.cfroutes_associations"),
        Comment("    content {"),
        Comment("      event_type   = function_association.value.event_type"),
        Comment("      function_arn = function_association.value.function_arn"),
        Comment("    }"),
        Comment("  }"),
        Block("output", ("function_associations",), [
            Attr("description", string("function_association entries for a cache behaviour")),
            Attr("value", "[\n" + "\n".join(assoc) + "\n]"),
        ]),
    ]
    return items


#: the hashicorp/aws provider this export was checked against has no connection-function resource
CONNECTION_PROVIDER_CHECKED = "5.100.0"


def connection_not_exported(b: Bundle, cf: CompiledFunction) -> list[str]:
    """What the HCL says instead of a connection function (also printed by `cfroutes export`)."""
    return [f"connection function {escape.hcl_comment(b.name(cf.name))} (mTLS) is not exported: the hashicorp/aws "
            f"provider ({CONNECTION_PROVIDER_CHECKED} checked)",
            "has no resource for CloudFront connection functions; deploy it with `cfroutes deploy`, or export",
            "cloudformation or cdk (AWS::CloudFront::ConnectionFunction)"]


def _names(names: list[str]) -> str:
    return "[" + ", ".join(string(n) for n in names) + "]"


def _cache_policies(b: Bundle) -> list[Item]:
    """The declared cache policies: an aws_cloudfront_cache_policy, or a managed policy's ID."""
    items: list[Item] = []
    for s in cachepolicy.specs(b):
        r = snake(s.function)
        value = string(s.managed_id) if s.managed_id else f"aws_cloudfront_cache_policy.{r}.id"
        if s.managed_id is None:
            p = s.policy

            def config(kind: str, behavior: str, names: list[str], attr: str) -> Block:
                body: list[Item] = [Attr(f"{attr}_behavior", string(behavior))]
                if names and behavior == "whitelist":
                    body.append(Block(f"{kind}s", (), [Attr("items", _names(names))]))
                return Block(f"{kind}s_config", (), body)

            items += [Blank(), Block("resource", ("aws_cloudfront_cache_policy", r), [
                Attr("name", string(s.name)),
                Attr("comment", string(s.comment)),
                Attr("min_ttl", str(p.min_ttl)),
                Attr("default_ttl", str(p.default_ttl)),
                Attr("max_ttl", str(p.max_ttl)),
                Block("parameters_in_cache_key_and_forwarded_to_origin", (), [
                    Attr("enable_accept_encoding_brotli", str(p.compress).lower()),
                    Attr("enable_accept_encoding_gzip", str(p.compress).lower()),
                    config("header", s.header_behavior, s.headers, "header"),
                    config("cookie", s.cookie_behavior, list(p.cookies), "cookie"),
                    config("query_string", s.query_behavior, list(p.query), "query_string"),
                ]),
            ])]
        items += [Blank(), Block("output", (f"{r}_cache_policy_id",), [
            Attr("description", string(f"cache_policy_id of the behaviour {s.function} runs on ({s.policy.name})")),
            Attr("value", value),
        ])]
    return items


def _error_pages(b: Bundle) -> list[Item]:
    """`error_pages:` as an output of custom_error_response attributes (none: nothing)."""
    entries = [f"  {{ error_code = {p.code}, response_code = {p.status}, response_page_path = {string(p.page)}, "
               f"error_caching_min_ttl = {p.ttl} }}," for p in errorpages.pages(b)]
    if not entries:
        return []
    return [
        Blank(),
        Comment("The distribution's custom error responses (routes.yaml `error_pages:`), in your"),
        Comment("aws_cloudfront_distribution:"),
        Comment("  dynamic \"custom_error_response\" {"),
        Comment("    for_each = module.<this module>.custom_error_responses"),
        Comment("    content {"),
        Comment("      error_code            = custom_error_response.value.error_code"),
        Comment("      response_code         = custom_error_response.value.response_code"),
        Comment("      response_page_path    = custom_error_response.value.response_page_path"),
        Comment("      error_caching_min_ttl = custom_error_response.value.error_caching_min_ttl"),
        Comment("    }"),
        Comment("  }"),
        Block("output", ("custom_error_responses",), [
            Attr("description", string(errorpages.NOTE)),
            Attr("value", "[\n" + "\n".join(entries) + "\n]"),
        ]),
    ]


def render(b: Bundle, config: str, out_dir: str) -> str:
    return hcl(document(b, config, out_dir))
