"""PG-SECRETS-011: random-looking values named like secrets are not written in IaC (detector in ``policyguard/secrets.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from policyguard import secrets
from policyguard.engine.python_rules import RuleResult, fail, rule


@rule(
    id="PG-SECRETS-011",
    title="Random-looking values named like secrets are not written in IaC",
    severity="high",
    profile="baseline",
    confidence="medium",
    resource_types=secrets.EVERY_RESOURCE,
    description=(
        "A random-looking value (hex: 32+ characters and 3.0 bits per character; other token characters: 16+ characters, two character classes, 3.3 bits) in an attribute, environment variable or config line whose name says secret, token, api key, private key, access key or credential. Names that describe one (token_ttl, secret_arn, checksum/secret) and values a more specific rule of the family reports are not."
    ),
    remediation="Move the value to a secret store and reference it; rotate it, since it has been committed.",
    frameworks=secrets.FRAMEWORKS,
    tags=["secrets"],
    fixable=False,
)
def check(resource: dict[str, Any]) -> Iterator[RuleResult]:
    for hit in secrets.hits(resource, secrets.ENTROPY):
        yield fail(hit.message("random-looking secret"), path=hit.path)
