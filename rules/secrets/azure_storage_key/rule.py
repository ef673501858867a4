"""PG-SECRETS-004: azure storage account keys and connection-string keys are not written in IaC (detector in ``policyguard/secrets.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from policyguard import secrets
from policyguard.engine.python_rules import RuleResult, fail, rule


@rule(
    id="PG-SECRETS-004",
    title="Azure storage account keys and connection-string keys are not written in IaC",
    severity="critical",
    profile="baseline",
    confidence="high",
    resource_types=secrets.EVERY_RESOURCE,
    description=(
        "An Azure storage account key (88 base64 characters ending in ==) or the AccountKey= / SharedAccessKey= part of a storage, Service Bus or Event Hubs connection string gives full access to the account or namespace."
    ),
    remediation="Regenerate the key in the portal or with az storage account keys renew; use managed identities or a Key Vault reference instead of a connection string.",
    frameworks=secrets.FRAMEWORKS,
    tags=["secrets"],
    fixable=False,
)
def check(resource: dict[str, Any]) -> Iterator[RuleResult]:
    for hit in secrets.hits(resource, secrets.AZURE_KEY):
        yield fail(hit.message("Azure key"), path=hit.path)
