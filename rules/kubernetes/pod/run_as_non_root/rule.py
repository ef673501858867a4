"""PG-K8S-POD-016: containers must run as non-root (Pod Security Standards restricted).

runAsNonRoot is inherited: the pod-level value applies to every container that does not set
its own. The control passes when the pod sets true and no container overrides it with false,
or when every container sets true itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from policyguard.engine.python_rules import RuleResult, fail, rule, unknown


def _q(value: Any) -> str:
    """A value quoted the way the Rego rules' %q does, for uniform messages."""
    return '"' + (str(value).lower() if isinstance(value, bool) else str(value)) + '"'

WORKLOADS = ["workload"]  # every object with a pod spec (rules/README.md)


def _marker(value: Any) -> str | None:
    return str(value["__unknown__"]) if isinstance(value, dict) and "__unknown__" in value else None


@rule(
    id="PG-K8S-POD-016",
    title="Containers must run as non-root",
    severity="medium",
    profile="strict",
    confidence="high",
    resource_types={"kubernetes": WORKLOADS},
    description=(
        "Without runAsNonRoot: true the kubelet starts the container as whatever user the image "
        "declares, often root. The Pod Security Standards restricted profile requires runAsNonRoot "
        "true at pod level (not overridden by any container) or on every container."
    ),
    remediation="Set spec.securityContext.runAsNonRoot: true in the pod template and build the image with a non-root USER.",
    frameworks={"pss-restricted": ["Running as Non-root"], "cis-kubernetes": ["5.2.7"], "nist-800-53": ["AC-6"]},
    fixable=True,
    fix_safety="behaviour-changing",
)
def check(resource: dict[str, Any]) -> Iterator[RuleResult]:
    pod_spec = resource.get("pod_spec")
    if not isinstance(pod_spec, dict):
        return
    pod_ctx = pod_spec.get("securityContext")
    pod_value = pod_ctx.get("runAsNonRoot") if isinstance(pod_ctx, dict) else None
    if _marker(pod_value):
        yield unknown("the pod's runAsNonRoot is not known", expr=_marker(pod_value) or "",
                      path="pod_spec.securityContext.runAsNonRoot")
        return
    unset: list[str] = []
    for kind in ("containers", "initContainers", "ephemeralContainers"):
        items = pod_spec.get(kind)
        for i, c in enumerate(items if isinstance(items, list) else []):
            if not isinstance(c, dict):
                continue
            ctx = c.get("securityContext")
            value = ctx.get("runAsNonRoot") if isinstance(ctx, dict) else None
            path = f"pod_spec.{kind}[{i}].securityContext.runAsNonRoot"
            if _marker(value):
                yield unknown(f"container {_q(c.get('name'))} runAsNonRoot is not known", expr=_marker(value) or "", path=path)
            elif value is False or (value is not None and value is not True):
                yield fail(
                    f"container {_q(c.get('name'))} sets runAsNonRoot to {_q(value)}",
                    path=path,
                    fix={"description": "Require a non-root user", "ops": [{"op": "set", "path": path, "value": True}]},
                )
            elif value is None and pod_value is not True:
                unset.append(str(c.get("name")))
    if unset:
        path = "pod_spec.securityContext.runAsNonRoot"
        found = "is not set" if pod_value is None else f"is {_q(pod_value)}"
        yield fail(
            f"the pod's runAsNonRoot {found} and containers {', '.join(_q(n) for n in unset)} do not set it",
            path=path,
            fix={"description": "Require a non-root user for the whole pod", "ops": [{"op": "set", "path": path, "value": True}]},
        )
