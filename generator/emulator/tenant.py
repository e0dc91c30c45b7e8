"""The distribution tenant a call runs for (CloudFront SaaS Manager, multi-tenant distributions).

CloudFront gives a function of a multi-tenant distribution `cf.distributionTenant.id`,
`cf.distributionTenant.parameters.get(name)` and, with a connection group,
`event.context.endpoint` (DeveloperGuide, "Helper methods for CloudFront SaaS Manager
properties"). The tenant is not part of CloudFront's event: the emulator carries it to the
engine under its own event key `TENANT_KEY`, which the prelude (`__cf$tenant`, both engines)
takes off the event before the handler runs. No tenant = a standard distribution: every use of
`cf.distributionTenant` throws "distributionTenant module is not available".
"""
from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

TENANT_KEY = "__cf_tenant"


@dataclass(frozen=True)
class Tenant:
    id: str
    params: dict[str, str] = field(default_factory=dict)
    endpoint: str | None = None  # the connection group's domain (event.context.endpoint)


def with_tenant(event: dict[str, Any], tenant: Tenant | None) -> dict[str, Any]:
    """`event` as the engine gets it for a call on `tenant`'s distribution (a copy; None: unchanged)."""
    if tenant is None:
        return event
    out = copy.copy(event)
    out[TENANT_KEY] = {"id": tenant.id, "params": dict(tenant.params)}
    if tenant.endpoint is not None:
        ctx = out.get("context")
        out["context"] = {**(ctx if isinstance(ctx, dict) else {}), "endpoint": tenant.endpoint}
    return out


def parse_params(items: Iterable[str]) -> dict[str, str]:
    """`K=V` strings (`--tenant-param`) -> {K: V}; ValueError names the bad one."""
    out: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise ValueError(f"--tenant-param {item!r}: expected NAME=VALUE")
        if name in out:
            raise ValueError(f"--tenant-param {name!r} given twice")
        out[name] = value
    return out


def tenant_problems(obj: Any, where: str = "tenant") -> list[str]:
    """Why `obj` is not a test case's `tenant: {id, params, endpoint}` ([] when fine)."""
    if not isinstance(obj, Mapping):
        return [f"{where}: must be a mapping with id, params and endpoint"]
    out = [f"{where}.{k}: unknown key (id, params, endpoint)" for k in obj if k not in ("id", "params", "endpoint")]
    if not isinstance(obj.get("id"), str) or not obj.get("id"):
        out.append(f"{where}.id: required, a non-empty string (e.g. dt_1a2b3c4d5e6f7)")
    params = obj.get("params", {})
    if not isinstance(params, Mapping) or not all(isinstance(k, str) and isinstance(v, str) for k, v in params.items()):
        out.append(f"{where}.params: must map parameter names to string values")
    if obj.get("endpoint") is not None and not isinstance(obj.get("endpoint"), str):
        out.append(f"{where}.endpoint: must be a string (the connection group's domain)")
    return out


def tenant_of(obj: Mapping[str, Any]) -> Tenant:
    """A `Tenant` from a mapping `tenant_problems` accepted."""
    return Tenant(str(obj["id"]), {str(k): str(v) for k, v in dict(obj.get("params") or {}).items()},
                  obj.get("endpoint"))


def tenant_from_options(tenant_id: str | None, params: Iterable[str], endpoint: str | None) -> Tenant | None:
    """`--tenant-id`, `--tenant-param K=V`..., `--endpoint` -> a Tenant (None: a standard distribution).
    ValueError names what is wrong."""
    items = list(params)
    if tenant_id is None:
        if items or endpoint is not None:
            raise ValueError("--tenant-param and --endpoint need --tenant-id (without it the distribution is a standard one)")
        return None
    if not tenant_id:
        raise ValueError("--tenant-id '': expected a distribution tenant ID such as dt_1a2b3c4d5e6f7")
    return Tenant(tenant_id, parse_params(items), endpoint)
