"""PG-K8S-SECRET-001: no literal secrets in container environment variables."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from policyguard.engine.python_rules import RuleResult, fail, rule
from policyguard.engine.rulelib import WORKLOAD, containers, pod_spec

# Name parts that say "this variable holds a credential"...
SECRET_NAME = re.compile(
    r"(^|_)(PASSWORD|PASSWD|PASS|PWD|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|SECRET_?KEY|CREDENTIALS?|AUTH_?KEY|CLIENT_?SECRET)(_|$)",
    re.IGNORECASE,
)
# ...unless the name says it holds something about a credential, not the credential itself.
NOT_SECRET_SUFFIX = re.compile(
    r"_(FILE|PATH|DIR|URL|URI|HOST|PORT|NAME|USER|USERNAME|ID|TTL|EXPIRY|EXPIRES|EXPIRATION|TIMEOUT|LENGTH|"
    r"MIN_LENGTH|MAX_LENGTH|ENABLED|DISABLED|REQUIRED|HEADER|TYPE|FORMAT|REF|SECRET_NAME|KEY_NAME|VERSION|"
    r"ENDPOINT|ISSUER|AUDIENCE|POLICY)$",
    re.IGNORECASE,
)
# ...or the value is not a credential: empty, a reference ($(VAR), ${VAR}), a placeholder, a
# boolean-like flag (MYSQL_ALLOW_EMPTY_PASSWORD=1) or a file path (GOOGLE_APPLICATION_CREDENTIALS).
PLACEHOLDER = re.compile(
    r"^\s*(\$\(.*\)|\$\{.*\}|<.*>|changeme|change-me|xxx+|\*+|none|null|false|true|yes|no|on|off|0|1|/\S*)?\s*$",
    re.IGNORECASE,
)


def _looks_secret(name: str, value: Any) -> bool:
    if not isinstance(value, str) or PLACEHOLDER.match(value):
        return False
    return bool(SECRET_NAME.search(name)) and not NOT_SECRET_SUFFIX.search(name)


@rule(
    id="PG-K8S-SECRET-001",
    title="Credentials are not set as literal environment values",
    severity="high",
    profile="baseline",
    confidence="medium",
    resource_types={"kubernetes": [WORKLOAD]},
    description=(
        "A password, token or key written as a literal env value is stored in the manifest, in Git, "
        "in the API server and in every copy of the object; anyone with read access to the workload "
        "sees it. Use valueFrom.secretKeyRef (or a mounted Secret / external secret store) instead. "
        "Variables are matched by name (PASSWORD, SECRET, TOKEN, API_KEY, ...); names that only "
        "describe a credential (DB_PASSWORD_FILE, TOKEN_TTL), placeholders ($(VAR), <...>), boolean flags "
        "(MYSQL_ALLOW_EMPTY_PASSWORD=1) and absolute file paths pass."
    ),
    remediation="Move the value into a Secret and reference it with env[].valueFrom.secretKeyRef.",
    frameworks={"cis-kubernetes": ["5.4.1"], "nist-800-53": ["IA-5", "SC-28"], "pci-dss-4.0": ["8.3.2"], "soc2": ["CC6.1"]},
    fixable=False,
)
def check(resource: dict[str, Any]) -> Iterator[RuleResult]:
    spec = pod_spec(resource)
    if spec is None:
        return
    for c in containers(spec):
        env = c.spec.get("env")
        for j, var in enumerate(env if isinstance(env, list) else []):
            if not isinstance(var, dict):
                continue
            name = str(var.get("name", ""))
            if "value" in var and _looks_secret(name, var["value"]):
                yield fail(
                    f'container "{c.name}" sets {name} to a literal value '
                    f"({len(var['value'])} characters, redacted) instead of a Secret reference",
                    path=f"{c.path}.env[{j}].value",
                )
