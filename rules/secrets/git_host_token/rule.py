"""PG-SECRETS-005: gitHub and GitLab tokens are not written in IaC (detector in ``policyguard/secrets.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from policyguard import secrets
from policyguard.engine.python_rules import RuleResult, fail, rule


@rule(
    id="PG-SECRETS-005",
    title="GitHub and GitLab tokens are not written in IaC",
    severity="critical",
    profile="baseline",
    confidence="high",
    resource_types=secrets.EVERY_RESOURCE,
    description=(
        "GitHub personal access, OAuth, app and refresh tokens (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_) and GitLab personal access tokens (glpat-) give repository and often organisation access."
    ),
    remediation="Revoke the token on the Git host, then pass a new one through a secret store or the CI system's secrets.",
    frameworks=secrets.FRAMEWORKS,
    tags=["secrets"],
    fixable=False,
)
def check(resource: dict[str, Any]) -> Iterator[RuleResult]:
    for hit in secrets.hits(resource, secrets.GIT_TOKEN):
        yield fail(hit.message("Git host token"), path=hit.path)
