"""PG-K8S-POD-013: no Windows HostProcess containers (Pod Security Standards baseline)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from policyguard.engine.python_rules import RuleResult, fail, rule


def _q(value: Any) -> str:
    """A value quoted the way the Rego rules' %q does, for uniform messages."""
    return '"' + (str(value).lower() if isinstance(value, bool) else str(value)) + '"'

WORKLOADS = ["workload"]  # every object with a pod spec (rules/README.md)


@rule(
    id="PG-K8S-POD-013",
    title="Windows pods do not run HostProcess containers",
    severity="critical",
    profile="baseline",
    confidence="high",
    resource_types={"kubernetes": WORKLOADS},
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
    pod_spec = resource.get("pod_spec")
    if not isinstance(pod_spec, dict):
        return
    contexts = [("pod_spec.securityContext", "the pod", pod_spec.get("securityContext"))]
    for kind in ("containers", "initContainers", "ephemeralContainers"):
        items = pod_spec.get(kind)
        for i, c in enumerate(items if isinstance(items, list) else []):
            if isinstance(c, dict):
                contexts.append((f"pod_spec.{kind}[{i}].securityContext", f"container {_q(c.get('name'))}", c.get("securityContext")))
    for base, who, ctx in contexts:
        opts = ctx.get("windowsOptions") if isinstance(ctx, dict) else None
        # anything but false (or absent) fails: `hostProcess: y` is a string here but true for
        # kubectl (its YAML reader takes y/n for booleans)
        if isinstance(opts, dict) and opts.get("hostProcess", False) is not False:
            path = f"{base}.windowsOptions.hostProcess"
            shown = str(opts["hostProcess"]).lower() if isinstance(opts["hostProcess"], bool) else repr(opts["hostProcess"])
            yield fail(
                f"{who} runs as a Windows HostProcess container (windowsOptions.hostProcess: {shown})",
                path=path,
                fix={"description": "Disable HostProcess", "ops": [{"op": "set", "path": path, "value": False}]},
            )
