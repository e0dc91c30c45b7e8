"""Routes and header rules in words, for the report (read from the typed model only)."""
from __future__ import annotations

from cfroutes.config.model import ConnRoute, Match, Origin, Redirect, Respond, Rewrite, Route, ValueCond


def _cond(kind: str, name: str, c: ValueCond) -> str:
    if c.kind == "present":
        return f"{kind} {name} present"
    if c.kind == "absent":
        return f"{kind} {name} absent"
    if c.kind == "regex":
        return f"{kind} {name} ~ /{c.value}/"
    return f"{kind} {name} = {c.value}"


def match_text(m: Match) -> str:
    parts: list[str] = []
    if m.host is not None:
        parts.append(f"host {m.host.source}")
    if m.path is not None:
        parts.append(f"path {m.path.source}")
    if m.regex is not None:
        parts.append(f"regex /{m.regex.source}/")
    if m.methods:
        parts.append("methods " + ", ".join(m.methods))
    parts += [_cond("query", n, c) for n, c in m.query]
    parts += [_cond("header", n, c) for n, c in m.headers]
    parts += [_cond("cookie", n, c) for n, c in m.cookies]
    if m.country:
        parts.append("country " + ", ".join(m.country))
    if m.tenant is not None:  # the distribution tenant (CloudFront SaaS Manager)
        parts.append(f"tenant {m.tenant.id}" if m.tenant.id is not None else "any distribution tenant")
        parts += [_cond("tenant parameter", n, c) for n, c in m.tenant.params]
    return " · ".join(parts) or "every request"


def action_text(r: Route) -> str:
    a = r.action
    out = ""
    if r.lookup is not None:
        lk = r.lookup
        missing = "next route" if lk.missing is None else f"respond {lk.missing.status}"
        out = f"lookup {lk.key.source} ({lk.format}) as {lk.as_name}, missing → {missing}; "
    if isinstance(a, Redirect):
        out += f"redirect {a.status} → {a.to.source}" + (" (query dropped)" if a.query == "drop" else "")
    elif isinstance(a, Rewrite):
        out += f"rewrite → {a.to.source}" + (" (query dropped)" if a.query == "drop" else "")
    elif isinstance(a, Respond):
        out += f"respond {a.status}" + (f" ({len(a.body)} bytes of body)" if a.body else "")
    elif isinstance(a, Origin):
        if a.origin_id is not None:
            out += f"origin id {a.origin_id.source}"
        else:
            out += f"origin {a.domain.source if a.domain else '?'}" + (f"{a.path.source}" if a.path else "")
        if a.rewrite is not None:
            out += f", rewrite → {a.rewrite.to.source}"
    if r.set_headers:
        out += "; set " + ", ".join(n for n, _ in r.set_headers)
    if r.remove_headers:
        out += "; remove " + ", ".join(r.remove_headers)
    return out


def connection_match_text(r: ConnRoute) -> str:
    """A connection route's conditions (docs/semantics.md §10)."""
    parts: list[str] = []
    if r.certificate is not None:
        parts.append("a client certificate" if r.certificate else "no client certificate")
    if r.client_ip is not None:
        parts.append("clientIp in " + ", ".join(r.client_ip))
    parts += [_cond("subject", n, c) for n, c in r.subject]
    parts += [_cond("issuer", n, c) for n, c in r.issuer]
    for what, cv in (("serialNumber", r.serial), ("sha256Fingerprint", r.fingerprint)):
        if cv is not None:
            parts.append(f"{what} ~ /{cv.regex}/" if cv.regex is not None else f"{what} in " + ", ".join(cv.values))
    for what, bound in (("notBefore", r.not_before), ("notAfter", r.not_after)):
        if bound is not None:
            parts.append(f"{what} {bound[0]} {bound[1]}")
    if r.lookup is not None:
        parts.append(f"KVS key {r.lookup.key.source} " + ("exists" if r.lookup.exists else "missing"))
    return " · ".join(parts) or "every connection"


def connection_action_text(r: ConnRoute) -> str:
    return r.decision + (f"; log {r.log.source}" if r.log is not None else "")
