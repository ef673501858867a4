"""PG-SECRETS-008: private keys are not embedded in IaC (detector in ``policyguard/secrets.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from policyguard import secrets
from policyguard.engine.python_rules import RuleResult, fail, rule


@rule(
    id="PG-SECRETS-008",
    title="Private keys are not embedded in IaC",
    severity="critical",
    profile="baseline",
    confidence="high",
    resource_types=secrets.EVERY_RESOURCE,
    description=(
        "A PEM private key (RSA, EC, DSA, OpenSSH, PKCS#8, PGP), in an attribute, a JSON document, a base64 payload or a script. An encrypted key is reported too: its passphrase is usually stored near it and an offline guess costs nothing; the message says it is encrypted. Framing without key material (a placeholder body) is ignored."
    ),
    remediation="Revoke or rotate the key pair, and deliver the key through a secret store (Secrets Manager, Key Vault, Secret Manager, a Kubernetes Secret created outside Git).",
    frameworks=secrets.FRAMEWORKS,
    tags=["secrets"],
    fixable=False,
)
def check(resource: dict[str, Any]) -> Iterator[RuleResult]:
    for hit in secrets.hits(resource, secrets.PRIVATE_KEY):
        yield fail(hit.message("private key"), path=hit.path)
