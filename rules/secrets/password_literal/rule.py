"""PG-SECRETS-010: passwords are not literal values in IaC (detector in ``policyguard/secrets.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from policyguard import secrets
from policyguard.engine.python_rules import RuleResult, fail, rule


@rule(
    id="PG-SECRETS-010",
    title="Passwords are not literal values in IaC",
    severity="high",
    profile="baseline",
    confidence="medium",
    resource_types=secrets.EVERY_RESOURCE,
    description=(
        'A literal value in an attribute, environment variable, script or config-file line named like a password (password, master_password, administrator_login_password, MasterUserPassword, DB_PASSWORD, passwd, pwd, passphrase) or the password of a URL (postgres://user:password@host) is reported whatever its strength: "Password123!" in Git is a leak. References (${var.x}, $(VAR), {{resolve:...}}, unresolved variables), placeholders (changeme, <password>, REPLACE_ME, xxxx) and names that describe a password (password_length, DB_PASSWORD_FILE) are not.'
    ),
    remediation="Generate the password (random_password, manage_master_user_password, ManageMasterUserPassword) or pass it from a secret store (Secrets Manager, SSM SecureString, Key Vault, a Kubernetes Secret via secretKeyRef); rotate any password that was committed.",
    frameworks=secrets.FRAMEWORKS,
    tags=["secrets"],
    fixable=False,
)
def check(resource: dict[str, Any]) -> Iterator[RuleResult]:
    for hit in secrets.hits(resource, secrets.PASSWORD):
        yield fail(hit.message("literal password"), path=hit.path)
