"""PG-SECRETS-006: slack tokens and incoming-webhook URLs are not written in IaC (detector in ``policyguard/secrets.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from policyguard import secrets
from policyguard.engine.python_rules import RuleResult, fail, rule


@rule(
    id="PG-SECRETS-006",
    title="Slack tokens and incoming-webhook URLs are not written in IaC",
    severity="high",
    profile="baseline",
    confidence="high",
    resource_types=secrets.EVERY_RESOURCE,
    description=(
        "Slack bot, user, app and refresh tokens (xoxb-, xoxp-, xoxa-, xoxr-, xoxs-) and incoming-webhook URLs (hooks.slack.com/services/...) let anyone post to or read from the workspace."
    ),
    remediation="Revoke the token or webhook in the Slack app settings and read the new one from a secret store at runtime.",
    frameworks=secrets.FRAMEWORKS,
    tags=["secrets"],
    fixable=False,
)
def check(resource: dict[str, Any]) -> Iterator[RuleResult]:
    for hit in secrets.hits(resource, secrets.SLACK):
        yield fail(hit.message("Slack token or webhook URL"), path=hit.path)
