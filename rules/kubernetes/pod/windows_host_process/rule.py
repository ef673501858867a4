"""PG-K8S-POD-013: no Windows HostProcess containers (Pod Security Standards baseline)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from policyguard.engine.python_rules import RuleResult, fail, rule
from policyguard.engine.rulelib import WORKLOAD, pod_spec, security_contexts


@rule(
    id="PG-K8S-POD-013",
    title="Windows pods do not run HostProcess containers",
    severity="critical",
    profile="baseline",
    confidence="high",
    resource_types={"kubernetes": [WORKLOAD]},
    description=(
        "A Windows HostProcess container runs directly on the node with the privileges of the node's "
        "user account: it is the Windows equivalent of a privileged container. The Pod Security "
        "Standards baseline profile forbids windowsOptions.hostProcess at pod and container level."
    ),
    remediation="Remove securityContext.windowsOptions.hostProcess (or set it to false).",
    frameworks={"pss-baseline": ["HostProcess"], "cis-kubernetes": ["5.2.11"], "nist-800-53": ["AC-6", "SC-39"]},
    fixable=True,
    fix_safety="behaviour-changing",
)
def check(resource: dict[str, Any]) -> Iterator[RuleResult]:
    spec = pod_spec(resource)
    if spec is None:
        return
    for ctx in security_contexts(spec):
        opts = ctx.get("windowsOptions")
        # anything but false (or absent) fails: `hostProcess: y` is a string here but true for
        # kubectl (its YAML reader takes y/n for booleans)
        if isinstance(opts, dict) and opts.get("hostProcess", False) is not False:
            path = f"{ctx.path}.windowsOptions.hostProcess"
            shown = str(opts["hostProcess"]).lower() if isinstance(opts["hostProcess"], bool) else repr(opts["hostProcess"])
            yield fail(
                f"{ctx.who} runs as a Windows HostProcess container (windowsOptions.hostProcess: {shown})",
                path=path,
                fix={"description": "Disable HostProcess", "ops": [{"op": "set", "path": path, "value": False}]},
            )
