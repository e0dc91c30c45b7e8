"""Which distribution tenant a request to `cfroutes serve` is for (CloudFront SaaS Manager).

A multi-tenant distribution has no domain of its own: each distribution tenant brings its
domains, and a request is served for the tenant whose domain its Host names (a Host no tenant
has is refused by CloudFront before any function runs). `serve` plays that in one of two ways:

- `--tenant-id ID [--tenant-param K=V ...] [--endpoint D]`: every request is for this one tenant
  (as `run` and `emulate` take it);
- `--tenants FILE`: a YAML file mapping domains to tenants, as the distribution's tenants do:

      endpoint: d111111abcdef8.cloudfront.net      # optional: the connection group's domain
      tenants:
        - id: dt_acme
          domains: [www.acme-shop.example, acme.localhost, "*.acme.localhost"]
          params: { site: acme, TenantPath: acme }
          endpoint: d222222abcdef8.cloudfront.net  # optional, per tenant

  A request's Host (lower-cased, its port removed) picks the tenant that lists it (`*.NAME`:
  any subdomain of NAME; an exact domain wins over a wildcard); a Host no tenant lists is
  answered 403, as CloudFront does. The file is read through the one bounded reader
  (safeio, via yamlload: size and node caps), must lie inside the config's folder, and holds
  at most TENANTS_MAX tenants and DOMAINS_MAX domains; it is read again when it changes.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from cfroutes.codes import Code
from cfroutes.config.validator import Validator
from cfroutes.config.yamlload import Node, load_file
from cfroutes.emulator.tenant import Tenant
from cfroutes.errors import Diagnostic, InputError, Span
from cfroutes.safeio import is_within

TENANTS_MAX = 10_000
DOMAINS_MAX = 100_000
FILE_KEYS = ("endpoint", "tenants")
TENANT_KEYS = ("id", "domains", "params", "endpoint")
#: a domain as a tenant lists it: host name labels, optionally `*.` in front
_DOMAIN = re.compile(r"^(\*\.)?[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*\.?$")


@dataclass
class TenantMap:
    """Host -> the tenant it is for; `fixed`: every request (`--tenant-id`)."""

    fixed: Tenant | None = None
    exact: dict[str, Tenant] = field(default_factory=dict)
    wildcard: dict[str, Tenant] = field(default_factory=dict)  # ".example.com" -> tenant
    path: str | None = None  # the --tenants file (None: --tenant-id or no tenants)

    @property
    def multi_tenant(self) -> bool:
        return self.fixed is not None or self.path is not None

    def tenant_for(self, host: str) -> Tenant | None:
        """The tenant a request with this Host header is for (None: no tenant has the domain)."""
        if self.fixed is not None:
            return self.fixed
        name = host_name(host)
        t = self.exact.get(name)
        if t is not None:
            return t
        labels = name.split(".")
        for i in range(1, len(labels)):  # the longest wildcard first: *.a.b.c before *.b.c
            t = self.wildcard.get("." + ".".join(labels[i:]))
            if t is not None:
                return t
        return None

    def describe(self) -> str:
        if self.fixed is not None:
            return f"tenant {self.fixed.id}"
        n = len({id(t) for t in [*self.exact.values(), *self.wildcard.values()]})
        return f"{n} tenant(s) from {self.path}"


def host_name(host: str) -> str:
    """A Host header's name: lower case, without its port or a final dot."""
    h = host.strip().lower()
    if h.startswith("["):
        h = h[:h.index("]") + 1] if "]" in h else h
    elif h.count(":") == 1:
        h = h.rsplit(":", 1)[0]
    return h.rstrip(".")


def load_tenants(path: str, project: str) -> TenantMap:
    """Read a tenants file (see the module text); InputError with positioned messages."""
    if not is_within(path, project):
        raise InputError([Diagnostic(Span("--tenants", 1, 1), f"--tenants {path!r} is outside the project folder "
                                     f"{project!r}", hint="keep the tenants file beside routes.yaml",
                                     code=Code.ARGUMENT)])
    root, _ = load_file(path)
    v = Validator(path)
    out = TenantMap(path=path)
    m = v.mapping(root, "the tenants file", FILE_KEYS)
    if m is not None and "tenants" not in m:
        v.err(root, "the tenants file needs `tenants:`, a list of {id, domains, params?, endpoint?}",
              code=Code.MISSING_KEY)
    if m is None or "tenants" not in m:
        raise InputError(v.diags)
    endpoint = _string(v, m["endpoint"], "endpoint") if "endpoint" in m else None
    items = m["tenants"]
    if not items.is_list:
        v.err(items, f"tenants must be a list, got {items.type_name()}", code=Code.WRONG_TYPE)
        raise InputError(v.diags)
    if len(items.value) > TENANTS_MAX:
        v.err(items, f"{len(items.value)} tenants; at most {TENANTS_MAX}", code=Code.CONFIG_INVALID)
        raise InputError(v.diags)
    seen: dict[str, Node] = {}
    ids: set[str] = set()
    count = 0
    for node in items.value:
        t, domains = _tenant(v, node, endpoint)
        if t is None:
            continue
        if t.id in ids:
            v.err(node, f"tenant {t.id!r} is listed twice", code=Code.CONFIG_INVALID)
        ids.add(t.id)
        for dn, d in domains:
            count += 1
            if count > DOMAINS_MAX:
                v.err(dn, f"more than {DOMAINS_MAX} domains", code=Code.CONFIG_INVALID)
                raise InputError(v.diags)
            if d in seen:  # a domain belongs to one tenant (CloudFront refuses a second)
                v.err(dn, f"domain {d!r} is already listed (line {seen[d].span.line}): a domain belongs to one "
                      "tenant", code=Code.CONFIG_INVALID)
                continue
            seen[d] = dn
            if d.startswith("*."):
                out.wildcard[d[1:]] = t
            else:
                out.exact[d] = t
    if v.diags:
        raise InputError(v.diags)
    return out


def _string(v: Validator, node: Node, what: str) -> str | None:
    s = v.string(node, what)
    return s if s is not None and v.no_control(node, s, what) else None


def _tenant(v: Validator, node: Node, endpoint: str | None) -> tuple[Tenant | None, list[tuple[Node, str]]]:
    m = v.mapping(node, "a tenant", TENANT_KEYS)
    if m is None:
        return None, []
    if "id" not in m or "domains" not in m:
        v.err(node, "a tenant needs `id` (e.g. dt_1a2b3c4d5e6f7) and `domains` (the hosts it serves)",
              code=Code.MISSING_KEY)
        return None, []
    tid = _string(v, m["id"], "id")
    domains: list[tuple[Node, str]] = []
    for dn, d in v.string_list(m["domains"], "domains") or []:
        name = d.strip().lower().rstrip(".")
        if not _DOMAIN.match(name) or len(name) > 253:
            v.err(dn, f"domain {d!r} is not a host name (labels of letters, digits, '-', '_'; `*.` in front "
                  "for every subdomain)", code=Code.CONFIG_INVALID)
        else:
            domains.append((dn, name))
    params: dict[str, str] = {}
    if "params" in m:
        pn = m["params"]
        if not pn.is_map:
            v.err(pn, f"params must map parameter names to values, got {pn.type_name()}", code=Code.WRONG_TYPE)
        else:
            for key, val in pn.value.items():
                s = v.string(val, f"params.{key}", allow_empty=True)
                if s is not None:
                    params[str(key)] = s
    own = _string(v, m["endpoint"], "endpoint") if "endpoint" in m else None
    if tid is None:
        return None, []
    return Tenant(tid, params, own or endpoint), domains


def stamp(path: str | None) -> float:
    """The file's change stamp (mtime and size), -1 when it cannot be read."""
    if path is None:
        return 0
    try:
        st = os.stat(path)
    except OSError:
        return -1
    return st.st_mtime_ns + st.st_size
