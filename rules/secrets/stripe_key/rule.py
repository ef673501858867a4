"""PG-SECRETS-007: stripe live secret keys are not written in IaC (detector in ``policyguard/secrets.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from policyguard import secrets
from policyguard.engine.python_rules import RuleResult, fail, rule


@rule(
    id="PG-SECRETS-007",
    title="Stripe live secret keys are not written in IaC",
    severity="critical",
    profile="baseline",
    confidence="high",
    resource_types=secrets.EVERY_RESOURCE,
    description=(
        "Stripe live secret keys (sk_live_) and restricted keys (rk_live_) move money. Test-mode keys (sk_test_) are not reported: they reach no real payment."
    ),
    remediation="Roll the key in the Stripe dashboard and read the new one from a secret store.",
    frameworks=secrets.FRAMEWORKS,
    tags=["secrets"],
    fixable=False,
)
def check(resource: dict[str, Any]) -> Iterator[RuleResult]:
    for hit in secrets.hits(resource, secrets.STRIPE):
        yield fail(hit.message("Stripe live key"), path=hit.path)
