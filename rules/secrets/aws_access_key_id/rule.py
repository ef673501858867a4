"""PG-SECRETS-001: aWS access key ids are not written in IaC (detector in ``policyguard/secrets.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from policyguard import secrets
from policyguard.engine.python_rules import RuleResult, fail, rule


@rule(
    id="PG-SECRETS-001",
    title="AWS access key ids are not written in IaC",
    severity="critical",
    profile="baseline",
    confidence="high",
    resource_types=secrets.EVERY_RESOURCE,
    description=(
        "An AWS access key id (AKIA... long-term, ASIA... temporary, 20 characters) names a credential whose secret half is almost always next to it. Found in any string attribute, in JSON, base64 or gzip+base64 payloads (user_data) and in script lines. The documented example key AKIAIOSFODNN7EXAMPLE is ignored."
    ),
    remediation="Delete the key in IAM (or deactivate it now), rotate it, and give the workload a role (instance profile, IRSA, task role) instead of keys.",
    frameworks=secrets.FRAMEWORKS,
    tags=["secrets"],
    fixable=False,
)
def check(resource: dict[str, Any]) -> Iterator[RuleResult]:
    for hit in secrets.hits(resource, secrets.AWS_KEY_ID):
        yield fail(hit.message("AWS access key id"), path=hit.path)
