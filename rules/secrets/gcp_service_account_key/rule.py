"""PG-SECRETS-003: gCP service-account key files are not embedded in IaC (detector in ``policyguard/secrets.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from policyguard import secrets
from policyguard.engine.python_rules import RuleResult, fail, rule


@rule(
    id="PG-SECRETS-003",
    title="GCP service-account key files are not embedded in IaC",
    severity="critical",
    profile="baseline",
    confidence="high",
    resource_types=secrets.EVERY_RESOURCE,
    description=(
        'A service-account key file (JSON with "type": "service_account" and a PEM private_key), inline, produced by file()/templatefile(), or base64-encoded as google provider credentials usually are, authenticates as that service account until the key is deleted.'
    ),
    remediation="Delete the key (gcloud iam service-accounts keys delete), use Workload Identity or the runner's ambient credentials, or pass the key through a secret store.",
    frameworks=secrets.FRAMEWORKS,
    tags=["secrets"],
    fixable=False,
)
def check(resource: dict[str, Any]) -> Iterator[RuleResult]:
    for hit in secrets.hits(resource, secrets.GCP_SA_KEY):
        yield fail(hit.message("GCP service-account key"), path=hit.path)
