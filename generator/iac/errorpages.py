"""The config's `error_pages:` (the distribution's custom error responses) in the terms of each
export. The exports create functions, stores and cache policies, not the distribution, so the
entries are handed over the way the function associations are: CloudFormation template
Metadata (`cfroutes.CustomErrorResponses`, the DistributionConfig shape), a Terraform output
(`custom_error_responses`, the `custom_error_response` block's attributes) and a CDK method
(`errorResponses()` / `error_responses()`, the Distribution's `errorResponses`).
"""
from __future__ import annotations

from typing import Any

from cfroutes.config.model import ErrorPage
from cfroutes.iac.source import Bundle

#: what every target says about the entries (one text)
NOTE = ("custom error responses of the distribution (routes.yaml `error_pages:`): when the origin answers "
        "ErrorCode, CloudFront serves ResponsePagePath with ResponseCode; a function cannot set that status "
        "(docs/migrating.md)")


def pages(b: Bundle) -> tuple[ErrorPage, ...]:
    return b.compiled.config.error_pages


def cloudformation(b: Bundle) -> list[dict[str, Any]]:
    """DistributionConfig.CustomErrorResponses entries."""
    return [{"ErrorCode": p.code, "ResponseCode": p.status, "ResponsePagePath": p.page,
             "ErrorCachingMinTTL": p.ttl} for p in pages(b)]
