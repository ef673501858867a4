"""PG-SECRETS-002: aWS secret access keys are not written in IaC (detector in ``policyguard/secrets.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from policyguard import secrets
from policyguard.engine.python_rules import RuleResult, fail, rule


@rule(
    id="PG-SECRETS-002",
    title="AWS secret access keys are not written in IaC",
    severity="critical",
    profile="baseline",
    confidence="high",
    resource_types=secrets.EVERY_RESOURCE,
    description=(
        "A 40-character base64 value in an attribute or assignment named like a secret access key (aws_secret_access_key, SecretAccessKey, secret_key) is an AWS secret key: with its access key id it signs any request the user may make. Random-looking values only; the documented example key is ignored."
    ),
    remediation="Deactivate and rotate the key pair in IAM; use a role, or read the key at runtime from Secrets Manager.",
    frameworks=secrets.FRAMEWORKS,
    tags=["secrets"],
    fixable=False,
)
def check(resource: dict[str, Any]) -> Iterator[RuleResult]:
    for hit in secrets.hits(resource, secrets.AWS_SECRET):
        yield fail(hit.message("AWS secret access key"), path=hit.path)
