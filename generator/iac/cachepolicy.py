"""The cache policy a function declares, in the terms every export writes (CloudFormation
`AWS::CloudFront::CachePolicy`, Terraform `aws_cloudfront_cache_policy`, CDK `CachePolicy`).

A managed policy is referenced by its ID (platform/cache_policies.py); a declared key and TTLs
become a policy the stack creates. Host is a header of the key (`Host`), so a policy whose key
has it keeps each host's answers apart, as `cfroutes check` assumed.
"""
from __future__ import annotations

from dataclasses import dataclass

from cfroutes.iac.source import Bundle
from cfroutes.platform.cache_policies import CachePolicy


@dataclass(frozen=True)
class Spec:
    function: str
    name: str  # the created policy's name (with the export's prefix); "" for a managed policy
    policy: CachePolicy

    @property
    def managed_id(self) -> str | None:
        return self.policy.managed_id

    @property
    def headers(self) -> list[str]:
        return (["Host"] if self.policy.host else []) + list(self.policy.headers)

    @property
    def header_behavior(self) -> str:
        return "whitelist" if self.headers else "none"

    @property
    def cookie_behavior(self) -> str:
        return "all" if self.policy.cookies_all else ("whitelist" if self.policy.cookies else "none")

    @property
    def query_behavior(self) -> str:
        return "all" if self.policy.query_all else ("whitelist" if self.policy.query else "none")

    @property
    def comment(self) -> str:
        return f"cfroutes: cache key of {self.function}: {self.policy.describe()}"[:128]


def specs(b: Bundle) -> list[Spec]:
    """The policy of each exported function that declares one."""
    out = []
    for cf in b.functions:
        p = cf.function.cache
        if p is not None:
            out.append(Spec(b.name(cf.name), "" if p.managed_id else b.name(cf.name) + "-cache", p))
    return out
