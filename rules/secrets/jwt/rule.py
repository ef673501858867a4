"""PG-SECRETS-009: signed JSON Web Tokens are not written in IaC (detector in ``policyguard/secrets.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from policyguard import secrets
from policyguard.engine.python_rules import RuleResult, fail, rule


@rule(
    id="PG-SECRETS-009",
    title="Signed JSON Web Tokens are not written in IaC",
    severity="high",
    profile="baseline",
    confidence="high",
    resource_types=secrets.EVERY_RESOURCE,
    description=(
        "A JWT (header.payload.signature, header with an alg) is a bearer credential: Kubernetes service-account tokens, API tokens and session tokens are JWTs, valid until they expire or the signing key is rotated."
    ),
    remediation="Revoke the token (or rotate its signing key) and have the workload obtain tokens at runtime.",
    frameworks=secrets.FRAMEWORKS,
    tags=["secrets"],
    fixable=False,
)
def check(resource: dict[str, Any]) -> Iterator[RuleResult]:
    for hit in secrets.hits(resource, secrets.JWT):
        yield fail(hit.message("JSON Web Token"), path=hit.path)
