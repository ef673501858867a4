"""PG-K8S-POD-016: containers must run as non-root (Pod Security Standards restricted).

runAsNonRoot is inherited: the pod-level value applies to every container that does not set
its own. The control passes when the pod sets true and no container overrides it with false,
or when every container sets true itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from policyguard.engine.python_rules import RuleResult, fail, rule, unknown
from policyguard.engine.rulelib import WORKLOAD, containers, pod_spec, quoted, unknown_expr


@rule(
    id="PG-K8S-POD-016",
    title="Containers must run as non-root",
    severity="medium",
    profile="strict",
    confidence="high",
    resource_types={"kubernetes": [WORKLOAD]},
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
    spec = pod_spec(resource)
    if spec is None:
        return
    pod_ctx = spec.get("securityContext")
    pod_value = pod_ctx.get("runAsNonRoot") if isinstance(pod_ctx, dict) else None
    if unknown_expr(pod_value):
        yield unknown("the pod's runAsNonRoot is not known", expr=unknown_expr(pod_value) or "",
                      path="pod_spec.securityContext.runAsNonRoot")
        return
    unset: list[str] = []
    for c in containers(spec):
        ctx = c.spec.get("securityContext")
        value = ctx.get("runAsNonRoot") if isinstance(ctx, dict) else None
        path = f"{c.path}.securityContext.runAsNonRoot"
        if unknown_expr(value):
            yield unknown(f"container {quoted(c.name)} runAsNonRoot is not known", expr=unknown_expr(value) or "", path=path)
        elif value is False or (value is not None and value is not True):
            yield fail(
                f"container {quoted(c.name)} sets runAsNonRoot to {quoted(value)}",
                path=path,
                fix={"description": "Require a non-root user", "ops": [{"op": "set", "path": path, "value": True}]},
            )
        elif value is None and pod_value is not True:
            unset.append(str(c.name))
    if unset:
        path = "pod_spec.securityContext.runAsNonRoot"
        found = "is not set" if pod_value is None else f"is {quoted(pod_value)}"
        yield fail(
            f"the pod's runAsNonRoot {found} and containers {', '.join(quoted(n) for n in unset)} do not set it",
            path=path,
            fix={"description": "Require a non-root user for the whole pod", "ops": [{"op": "set", "path": path, "value": True}]},
        )
