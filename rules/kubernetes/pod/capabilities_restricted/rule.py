"""PG-K8S-POD-019: drop ALL capabilities, add at most NET_BIND_SERVICE (PSS restricted)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from policyguard.engine.python_rules import RuleResult, fail, rule
from policyguard.engine.rulelib import WORKLOAD, containers, pod_spec, quoted


def _norm(cap: Any) -> str:
    return str(cap).upper().removeprefix("CAP_")


@rule(
    id="PG-K8S-POD-019",
    title="Containers drop all capabilities",
    severity="medium",
    profile="strict",
    confidence="high",
    resource_types={"kubernetes": [WORKLOAD]},
    description=(
        "The Pod Security Standards restricted profile requires every container to drop ALL Linux "
        "capabilities and to add back nothing but NET_BIND_SERVICE. Ephemeral containers are "
        "included; Windows pods (spec.os.name windows) are exempt."
    ),
    remediation='Set securityContext.capabilities.drop: ["ALL"] and add back only NET_BIND_SERVICE if the process binds a port below 1024.',
    frameworks={"pss-restricted": ["Capabilities"], "cis-kubernetes": ["5.2.9", "5.2.10"], "nist-800-53": ["AC-6", "CM-7"]},
    fixable=True,
    fix_safety="behaviour-changing",
)
def check(resource: dict[str, Any]) -> Iterator[RuleResult]:
    spec = pod_spec(resource)
    if spec is None:
        return
    os_ = spec.get("os")
    if isinstance(os_, dict) and os_.get("name") == "windows":
        return
    for c in containers(spec):
        ctx = c.spec.get("securityContext")
        caps = ctx.get("capabilities") if isinstance(ctx, dict) else None
        caps = caps if isinstance(caps, dict) else {}
        base = f"{c.path}.securityContext.capabilities"
        drop = caps.get("drop")
        drop_list = drop if isinstance(drop, list) else []
        if "ALL" not in {_norm(d) for d in drop_list}:
            yield fail(
                f"container {quoted(c.name)} does not drop ALL capabilities (drop: {drop_list})",
                path=f"{base}.drop",
                fix={"description": "Drop all capabilities", "ops": [{"op": "set", "path": f"{base}.drop", "value": ["ALL"]}]},
            )
        add = caps.get("add")
        if isinstance(add, list):
            extra = [a for a in add if _norm(a) != "NET_BIND_SERVICE"]
            if extra:
                kept = [a for a in add if _norm(a) == "NET_BIND_SERVICE"]
                op = {"op": "set", "path": f"{base}.add", "value": kept} if kept else {"op": "remove", "path": f"{base}.add"}
                yield fail(
                    f"container {quoted(c.name)} adds capabilities {', '.join(map(str, extra))} (only NET_BIND_SERVICE allowed)",
                    path=f"{base}.add",
                    fix={"description": "Add back only NET_BIND_SERVICE", "ops": [op]},
                )
