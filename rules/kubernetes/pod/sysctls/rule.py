"""PG-K8S-POD-012: only safe sysctls (Pod Security Standards baseline)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from policyguard.engine.python_rules import RuleResult, fail, rule
from policyguard.engine.rulelib import WORKLOAD, pod_spec

# The namespaced sysctls the baseline profile allows (policy version "latest", Kubernetes 1.32).
SAFE = {
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
    "net.ipv4.tcp_rmem",
    "net.ipv4.tcp_wmem",
}


def _canonical(name: str) -> str:
    # the kubelet accepts both separators: net/ipv4/tcp_syncookies == net.ipv4.tcp_syncookies
    return name.replace("/", ".")


@rule(
    id="PG-K8S-POD-012",
    title="Pods set only safe sysctls",
    severity="high",
    profile="baseline",
    confidence="high",
    resource_types={"kubernetes": [WORKLOAD]},
    description=(
        "Sysctls outside the safe set can change kernel behaviour for the whole node or other pods. "
        "The Pod Security Standards baseline profile allows only the namespaced, isolated ones "
        "(kernel.shm_rmid_forced, net.ipv4.ip_local_port_range, net.ipv4.tcp_syncookies, ...)."
    ),
    remediation="Remove the unsafe sysctls from spec.securityContext.sysctls; tune the node instead if really needed.",
    frameworks={"pss-baseline": ["Sysctls"], "nist-800-53": ["CM-7", "SC-39"]},
    fixable=True,
    fix_safety="behaviour-changing",
)
def check(resource: dict[str, Any]) -> Iterator[RuleResult]:
    spec = pod_spec(resource)
    ctx = spec.get("securityContext") if spec is not None else None
    sysctls = ctx.get("sysctls") if isinstance(ctx, dict) else None
    if not isinstance(sysctls, list):
        return
    unsafe = [s for s in sysctls if not (isinstance(s, dict) and _canonical(str(s.get("name", ""))) in SAFE)]
    if not unsafe:
        return
    names = ", ".join(str(s.get("name")) if isinstance(s, dict) else repr(s) for s in unsafe)
    kept = [s for s in sysctls if s not in unsafe]
    path = "pod_spec.securityContext.sysctls"
    op = {"op": "set", "path": path, "value": kept} if kept else {"op": "remove", "path": path}
    yield fail(
        f"the pod sets sysctls outside the safe set: {names}",
        path=path,
        fix={"description": "Remove the unsafe sysctls", "ops": [op]},
    )
