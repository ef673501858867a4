"""Test rule: containers must not run privileged (pod_spec paths mapped by the engine)."""

from policyguard.engine.python_rules import fail, rule


@rule(
    id="TEST-PY-PRIV",
    title="Test rule - no privileged containers",
    severity="high",
    resource_types={"kubernetes": ["*"]},
    frameworks={"pss-baseline": ["Privileged Containers"]},
    remediation="Set securityContext.privileged to false.",
    fixable=True,
    fix_safety="behaviour-changing",
)
def check(resource, resources):
    spec = resource.get("pod_spec")
    if not isinstance(spec, dict):
        return
    for kind in ("containers", "initContainers"):
        for i, c in enumerate(spec.get(kind) or []):
            if (c.get("securityContext") or {}).get("privileged") is True:
                path = f"pod_spec.{kind}[{i}].securityContext.privileged"
                yield fail(f"container {c.get('name')} is privileged", path=path,
                           fix={"description": "drop privileged", "ops": [{"op": "set", "path": path, "value": False}]})
