"""PG-K8S-POD-014: only the restricted profile's volume types."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from policyguard.engine.python_rules import RuleResult, fail, rule
from policyguard.engine.rulelib import WORKLOAD, pod_spec, quoted

ALLOWED = {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"}


@rule(
    id="PG-K8S-POD-014",
    title="Pods use only restricted volume types",
    severity="medium",
    profile="strict",
    confidence="high",
    resource_types={"kubernetes": [WORKLOAD]},
    description=(
        "The Pod Security Standards restricted profile allows only configMap, csi, downwardAPI, "
        "emptyDir, ephemeral, persistentVolumeClaim, projected and secret volumes. Other in-tree "
        "sources (hostPath, nfs, iscsi, cephfs, gitRepo...) bypass the PersistentVolume abstraction "
        "and its access controls; gitRepo even runs git on the node."
    ),
    remediation="Replace the volume with a PersistentVolumeClaim (or another allowed type).",
    frameworks={"pss-restricted": ["Volume Types"], "nist-800-53": ["CM-7"]},
    fixable=False,
)
def check(resource: dict[str, Any]) -> Iterator[RuleResult]:
    spec = pod_spec(resource)
    volumes = spec.get("volumes") if spec is not None else None
    for i, volume in enumerate(volumes if isinstance(volumes, list) else []):
        if not isinstance(volume, dict):
            continue
        sources = [k for k in volume if k != "name"]
        bad = [k for k in sources if k not in ALLOWED]
        if bad:
            yield fail(
                f"volume {quoted(volume.get('name'))} uses type {', '.join(bad)} (not allowed by the restricted profile)",
                path=f"pod_spec.volumes[{i}].{bad[0]}",
            )
